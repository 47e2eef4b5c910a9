//! Session-level tests: decoded LDAP messages in, replies out, no sockets.

use std::sync::{Arc, RwLock};

use bytes::Bytes;
use rasn::types::SetOf;
use rasn_ldap::{
    AbandonRequest, AddRequest, Attribute, AttributeValueAssertion, AuthenticationChoice,
    BindRequest, ChangeOperation, CompareRequest, Control, ExtendedRequest, Filter, LdapMessage,
    LdapResult, ModifyRequest, ModifyRequestChanges, PartialAttribute, ProtocolOp, ResultCode,
    SaslCredentials, SearchRequest, SearchRequestDerefAliases, SearchRequestScope, UnbindRequest,
};

use super::controls::PagedResultsValue;
use crate::acl::{AccessPolicy, Principal};
use crate::directory::Strictness;
use crate::dn::Dn;
use crate::forest::{Forest, ForestConfig};
use crate::rootdse::{PAGED_RESULTS, WHO_AM_I};
use crate::session::{Flow, Limits, Session, Shared};
use crate::wire::Reply;

const DOMAIN: &str = "DC=example,DC=test";
const ADMIN_UPN: &str = "Administrator@example.test";
const ADMIN_DN: &str = "CN=Administrator,CN=Users,DC=example,DC=test";
const ADMIN_PASSWORD: &str = "Passw0rd!";
const CAROL_DN: &str = "CN=Carol,CN=Users,DC=example,DC=test";
const CAROL_PASSWORD: &str = "Carol-Secret1";
const CAS: &str =
    "CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test";

// ---------------------------------------------------------------------------------------------
// Fixture and message helpers

fn attr(name: &str, values: &[&[u8]]) -> (String, Vec<Bytes>) {
    (
        name.to_string(),
        values.iter().map(|v| Bytes::copy_from_slice(v)).collect(),
    )
}

fn session_with(limits: Limits) -> Session {
    let mut config = ForestConfig::new("example.test");
    config.admin_password = ADMIN_PASSWORD.into();
    let forest = Forest::new(&config).unwrap();
    let mut dir = forest
        .build(crate::schema::Schema::active_directory(), &config)
        .unwrap();
    dir.add(
        &Dn::parse(&format!("CN=Test Root CA,{CAS}")).unwrap(),
        vec![
            attr("objectClass", &[b"top", b"certificationAuthority"]),
            attr("cACertificate", &[b"\x30\x82\x01\x0aDER"]),
            attr("certificateRevocationList", &[&[0]]),
            attr("authorityRevocationList", &[&[0]]),
        ],
        Strictness::Import,
    )
    .unwrap();
    dir.add(
        &Dn::parse(CAROL_DN).unwrap(),
        vec![
            attr(
                "objectClass",
                &[b"top", b"person", b"organizationalPerson", b"user"],
            ),
            attr("cn", &[b"Carol"]),
            attr("sAMAccountName", &[b"carol"]),
            attr("userAccountControl", &[b"512"]),
            attr("userPassword", &[CAROL_PASSWORD.as_bytes()]),
        ],
        Strictness::Import,
    )
    .unwrap();
    let shared = Arc::new(Shared {
        directory: RwLock::new(dir),
        journal: None,
        forest,
        policy: AccessPolicy::default(),
        limits,
    });
    Session::new(shared, 1)
}

fn session() -> Session {
    session_with(Limits::default())
}

/// Encodes and decodes the message, so the session sees exactly what the codec would hand it.
fn send_with(
    session: &mut Session,
    id: u32,
    op: ProtocolOp,
    controls: Vec<Control>,
) -> (Flow, Vec<Reply>) {
    let mut message = LdapMessage::new(id, op);
    if !controls.is_empty() {
        message.controls = Some(controls);
    }
    let decoded: LdapMessage = rasn::ber::decode(&rasn::ber::encode(&message).unwrap()).unwrap();
    let mut out = Vec::new();
    let flow = session.handle(decoded, &mut out);
    (flow, out)
}

fn send(session: &mut Session, id: u32, op: ProtocolOp) -> Vec<Reply> {
    send_with(session, id, op, Vec::new()).1
}

fn bind_op(name: &str, password: &str) -> ProtocolOp {
    ProtocolOp::BindRequest(BindRequest::new(
        3,
        name.into(),
        AuthenticationChoice::Simple(password.as_bytes().to_vec().into()),
    ))
}

fn bind(session: &mut Session, name: &str, password: &str) -> LdapResult {
    let replies = send(session, 1, bind_op(name, password));
    match only_message(&replies) {
        ProtocolOp::BindResponse(response) => LdapResult::new(
            response.result_code,
            response.matched_dn.clone(),
            response.diagnostic_message.clone(),
        ),
        other => panic!("expected a BindResponse, got {other:?}"),
    }
}

fn bind_admin(session: &mut Session) {
    let result = bind(session, ADMIN_UPN, ADMIN_PASSWORD);
    assert_eq!(result.result_code, ResultCode::Success, "{result:?}");
}

fn search_op(base: &str, scope: SearchRequestScope, filter: Filter, size_limit: u32) -> ProtocolOp {
    ProtocolOp::SearchRequest(SearchRequest::new(
        base.into(),
        scope,
        SearchRequestDerefAliases::NeverDerefAliases,
        size_limit,
        0,
        false,
        filter,
        Vec::new(),
    ))
}

fn everything() -> Filter {
    Filter::Present("objectClass".into())
}

fn domain_subtree() -> ProtocolOp {
    search_op(DOMAIN, SearchRequestScope::WholeSubtree, everything(), 0)
}

fn paged(size: i32, cookie: &[u8]) -> Control {
    let value = PagedResultsValue {
        size,
        cookie: cookie.to_vec().into(),
    };
    Control::new(
        PAGED_RESULTS.as_bytes().to_vec().into(),
        true,
        Some(rasn::ber::encode(&value).unwrap().into()),
    )
}

fn only_message(replies: &[Reply]) -> &ProtocolOp {
    assert_eq!(replies.len(), 1, "{replies:?}");
    match &replies[0] {
        Reply::Message(message) => &message.protocol_op,
        other => panic!("expected one message, got {other:?}"),
    }
}

/// The SearchResultDone message, which must come last.
fn done_message(replies: &[Reply]) -> &LdapMessage {
    match replies.last() {
        Some(Reply::Message(message))
            if matches!(message.protocol_op, ProtocolOp::SearchResDone(_)) =>
        {
            message
        }
        other => panic!("expected SearchResultDone last, got {other:?}"),
    }
}

fn done(replies: &[Reply]) -> &LdapResult {
    match &done_message(replies).protocol_op {
        ProtocolOp::SearchResDone(done) => &done.0,
        _ => unreachable!(),
    }
}

fn entry_dns(replies: &[Reply]) -> Vec<String> {
    replies
        .iter()
        .filter_map(|reply| match reply {
            Reply::Entry(entry) => {
                Some(String::from_utf8(entry.entry.object_name.to_vec()).unwrap())
            }
            _ => None,
        })
        .collect()
}

fn references(replies: &[Reply]) -> Vec<String> {
    replies
        .iter()
        .filter_map(|reply| match reply {
            Reply::Message(LdapMessage {
                protocol_op: ProtocolOp::SearchResRef(reference),
                ..
            }) => Some(reference.0.iter().map(|uri| uri.to_string())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The cookie of the paged-results response control on the SearchResultDone.
fn response_cookie(replies: &[Reply]) -> Vec<u8> {
    let controls = done_message(replies)
        .controls
        .as_ref()
        .expect("the paged search answered without controls");
    let control = controls
        .iter()
        .find(|control| control.control_type.as_ref() == PAGED_RESULTS.as_bytes())
        .expect("no paged-results response control");
    let value: PagedResultsValue =
        rasn::ber::decode(control.control_value.as_deref().unwrap()).unwrap();
    value.cookie.to_vec()
}

fn values_of(replies: &[Reply], name: &str) -> Vec<Vec<u8>> {
    replies
        .iter()
        .filter_map(|reply| match reply {
            Reply::Entry(entry) => Some(entry.entry.attributes.iter()),
            _ => None,
        })
        .flatten()
        .filter(|attribute| attribute.r#type.as_ref() == name.as_bytes())
        .flat_map(|attribute| attribute.vals.iter().map(|value| value.to_vec()))
        .collect()
}

fn ldap_result(op: &ProtocolOp) -> &LdapResult {
    match op {
        ProtocolOp::AddResponse(response) => &response.0,
        ProtocolOp::ModifyResponse(response) => &response.0,
        ProtocolOp::DelResponse(response) => &response.0,
        ProtocolOp::CompareResponse(response) => &response.0,
        ProtocolOp::SearchResDone(response) => &response.0,
        other => panic!("no LdapResult in {other:?}"),
    }
}

fn add_op(dn: &str, attributes: &[(&str, &[&[u8]])]) -> ProtocolOp {
    ProtocolOp::AddRequest(AddRequest {
        entry: dn.into(),
        attributes: attributes
            .iter()
            .map(|(name, values)| {
                Attribute::new(
                    (*name).into(),
                    SetOf::from_vec(values.iter().map(|v| v.to_vec().into()).collect()),
                )
            })
            .collect(),
    })
}

fn ca_add(dn: &str) -> ProtocolOp {
    add_op(
        dn,
        &[
            ("objectClass", &[b"top", b"certificationAuthority"]),
            ("cACertificate", &[b"\x30\x82\x02\x00"]),
            ("certificateRevocationList", &[&[0]]),
            ("authorityRevocationList", &[&[0]]),
        ],
    )
}

fn compare_op(dn: &str, name: &str, value: &[u8]) -> ProtocolOp {
    ProtocolOp::CompareRequest(CompareRequest {
        entry: dn.into(),
        ava: AttributeValueAssertion::new(name.into(), value.to_vec().into()),
    })
}

fn extended_op(oid: &str) -> ProtocolOp {
    ProtocolOp::ExtendedReq(ExtendedRequest {
        request_name: oid.as_bytes().to_vec().into(),
        request_value: None,
    })
}

// ---------------------------------------------------------------------------------------------
// rootDSE and anonymous access

#[test]
fn anonymous_root_dse_search_returns_one_entry_with_default_naming_context() {
    let mut session = session();
    let replies = send(
        &mut session,
        2,
        search_op("", SearchRequestScope::BaseObject, everything(), 0),
    );
    assert_eq!(entry_dns(&replies), vec![String::new()]);
    assert_eq!(
        values_of(&replies, "defaultNamingContext"),
        vec![DOMAIN.as_bytes().to_vec()]
    );
    assert_eq!(done(&replies).result_code, ResultCode::Success);
}

#[test]
fn root_dse_search_returns_only_the_requested_attributes() {
    let mut session = session();
    let request = SearchRequest::new(
        "".into(),
        SearchRequestScope::BaseObject,
        SearchRequestDerefAliases::NeverDerefAliases,
        0,
        0,
        false,
        everything(),
        vec!["dnsHostName".into()],
    );
    let replies = send(&mut session, 2, ProtocolOp::SearchRequest(request));
    let Reply::Entry(entry) = &replies[0] else {
        panic!("{replies:?}");
    };
    let names: Vec<_> = entry
        .entry
        .attributes
        .iter()
        .map(|a| a.r#type.to_vec())
        .collect();
    assert_eq!(names, vec![b"dnsHostName".to_vec()]);
    assert_eq!(
        values_of(&replies, "dnsHostName"),
        vec![b"dc1.example.test".to_vec()]
    );
}

#[test]
fn anonymous_domain_search_needs_a_bind() {
    let mut session = session();
    let replies = send(&mut session, 2, domain_subtree());
    assert!(entry_dns(&replies).is_empty());
    let result = done(&replies);
    assert_eq!(result.result_code, ResultCode::OperationsError);
    assert!(
        result.diagnostic_message.starts_with("000004DC"),
        "{}",
        result.diagnostic_message.0
    );
}

// ---------------------------------------------------------------------------------------------
// Bind

#[test]
fn admin_bind_by_upn_then_search_succeeds() {
    let mut session = session();
    bind_admin(&mut session);
    assert_eq!(
        session.principal(),
        &Principal::User {
            dn: ADMIN_DN.into(),
            account: "EXAMPLE\\Administrator".into(),
            admin: true
        }
    );
    let replies = send(&mut session, 2, domain_subtree());
    assert_eq!(done(&replies).result_code, ResultCode::Success);
    let dns = entry_dns(&replies);
    assert!(dns.iter().any(|dn| dn == ADMIN_DN), "{dns:?}");
    assert!(dns.iter().any(|dn| dn == CAROL_DN), "{dns:?}");
}

#[test]
fn admin_binds_by_dn_and_down_level_name() {
    let mut session = session();
    for name in [ADMIN_DN, "EXAMPLE\\Administrator"] {
        assert_eq!(
            bind(&mut session, name, ADMIN_PASSWORD).result_code,
            ResultCode::Success,
            "{name}"
        );
        assert!(!session.principal().is_anonymous());
    }
}

#[test]
fn failed_bind_leaves_the_session_anonymous() {
    let mut session = session();
    let result = bind(&mut session, ADMIN_UPN, "wrong");
    assert_eq!(result.result_code, ResultCode::InvalidCredentials);
    assert!(
        result.diagnostic_message.contains("data 52e"),
        "{}",
        result.diagnostic_message.0
    );
    assert_eq!(session.principal(), &Principal::Anonymous);
}

#[test]
fn failed_bind_drops_an_earlier_identity() {
    let mut session = session();
    bind_admin(&mut session);
    assert_eq!(
        bind(&mut session, ADMIN_UPN, "wrong").result_code,
        ResultCode::InvalidCredentials
    );
    assert_eq!(session.principal(), &Principal::Anonymous);
    let replies = send(&mut session, 3, domain_subtree());
    assert_eq!(done(&replies).result_code, ResultCode::OperationsError);
}

#[test]
fn sasl_bind_is_auth_method_not_supported() {
    let mut session = session();
    let replies = send(
        &mut session,
        1,
        ProtocolOp::BindRequest(BindRequest::new(
            3,
            "".into(),
            AuthenticationChoice::Sasl(SaslCredentials::new("GSSAPI".into(), None)),
        )),
    );
    let ProtocolOp::BindResponse(response) = only_message(&replies) else {
        panic!("{replies:?}");
    };
    assert_eq!(response.result_code, ResultCode::AuthMethodNotSupported);
    assert!(session.principal().is_anonymous());
}

#[test]
fn bind_with_an_unsupported_version_is_a_protocol_error() {
    let mut session = session();
    let replies = send(
        &mut session,
        1,
        ProtocolOp::BindRequest(BindRequest::new(
            4,
            ADMIN_UPN.into(),
            AuthenticationChoice::Simple(ADMIN_PASSWORD.as_bytes().to_vec().into()),
        )),
    );
    let ProtocolOp::BindResponse(response) = only_message(&replies) else {
        panic!("{replies:?}");
    };
    assert_eq!(response.result_code, ResultCode::ProtocolError);
    assert!(session.principal().is_anonymous());
}

// ---------------------------------------------------------------------------------------------
// Search: controls, limits, references, paging

#[test]
fn unknown_critical_control_is_unavailable_critical_extension() {
    let mut session = session();
    bind_admin(&mut session);
    let control = Control::new(b"1.2.3.4.5".to_vec().into(), true, None);
    let (_, replies) = send_with(&mut session, 2, domain_subtree(), vec![control]);
    assert!(entry_dns(&replies).is_empty());
    assert_eq!(done(&replies).result_code as u32, 12);
    assert_eq!(
        done(&replies).result_code,
        ResultCode::UnavailableCriticalExtension
    );
}

#[test]
fn unknown_non_critical_control_is_ignored() {
    let mut session = session();
    bind_admin(&mut session);
    let control = Control::new(b"1.2.3.4.5".to_vec().into(), false, None);
    let (_, replies) = send_with(&mut session, 2, domain_subtree(), vec![control]);
    assert_eq!(done(&replies).result_code, ResultCode::Success);
    assert!(!entry_dns(&replies).is_empty());
}

#[test]
fn size_limit_one_returns_one_entry_and_size_limit_exceeded() {
    let mut session = session();
    bind_admin(&mut session);
    let replies = send(
        &mut session,
        2,
        search_op(DOMAIN, SearchRequestScope::WholeSubtree, everything(), 1),
    );
    assert_eq!(entry_dns(&replies).len(), 1);
    assert_eq!(done(&replies).result_code, ResultCode::SizeLimitExceeded);
}

#[test]
fn max_page_size_caps_an_unpaged_search_with_size_limit_exceeded() {
    let mut session = session_with(Limits {
        max_page_size: 3,
        ..Limits::default()
    });
    bind_admin(&mut session);
    let replies = send(&mut session, 2, domain_subtree());
    assert_eq!(entry_dns(&replies).len(), 3);
    assert_eq!(done(&replies).result_code, ResultCode::SizeLimitExceeded);
}

#[test]
fn domain_subtree_search_refers_to_the_configuration_nc() {
    let mut session = session();
    bind_admin(&mut session);
    let replies = send(&mut session, 2, domain_subtree());
    assert_eq!(
        references(&replies),
        vec!["ldap://example.test/CN=Configuration,DC=example,DC=test".to_string()]
    );
    // Configuration's objects are not in the domain NC's answer.
    assert!(!entry_dns(&replies)
        .iter()
        .any(|dn| dn.ends_with("CN=Configuration,DC=example,DC=test")));
    assert_eq!(done(&replies).result_code, ResultCode::Success);
}

#[test]
fn configuration_search_finds_the_ca_by_object_category() {
    let mut session = session();
    bind_admin(&mut session);
    let replies = send(
        &mut session,
        2,
        search_op(
            "CN=Configuration,DC=example,DC=test",
            SearchRequestScope::WholeSubtree,
            Filter::EqualityMatch(AttributeValueAssertion::new(
                "objectCategory".into(),
                b"certificationAuthority".to_vec().into(),
            )),
            0,
        ),
    );
    assert_eq!(entry_dns(&replies), vec![format!("CN=Test Root CA,{CAS}")]);
    assert_eq!(
        values_of(&replies, "cACertificate"),
        vec![b"\x30\x82\x01\x0aDER".to_vec()]
    );
}

#[test]
fn search_never_returns_passwords() {
    let mut session = session();
    bind_admin(&mut session);
    let request = SearchRequest::new(
        CAROL_DN.into(),
        SearchRequestScope::BaseObject,
        SearchRequestDerefAliases::NeverDerefAliases,
        0,
        0,
        false,
        everything(),
        vec!["*".into(), "userPassword".into()],
    );
    let replies = send(&mut session, 2, ProtocolOp::SearchRequest(request));
    assert_eq!(entry_dns(&replies), vec![CAROL_DN.to_string()]);
    assert_eq!(
        values_of(&replies, "sAMAccountName"),
        vec![b"carol".to_vec()]
    );
    assert!(values_of(&replies, "userPassword").is_empty());
}

#[test]
fn search_of_a_missing_base_is_no_such_object_with_the_best_match() {
    let mut session = session();
    bind_admin(&mut session);
    let replies = send(
        &mut session,
        2,
        search_op(
            "CN=Nobody,CN=Users,DC=example,DC=test",
            SearchRequestScope::BaseObject,
            everything(),
            0,
        ),
    );
    let result = done(&replies);
    assert_eq!(result.result_code, ResultCode::NoSuchObject);
    assert!(
        result.diagnostic_message.starts_with("0000208D"),
        "{}",
        result.diagnostic_message.0
    );
    assert_eq!(
        Dn::parse(&result.matched_dn).unwrap(),
        Dn::parse("CN=Users,DC=example,DC=test").unwrap()
    );
}

#[test]
fn paged_search_returns_every_entry_exactly_once() {
    let mut session = session();
    bind_admin(&mut session);
    let unpaged = entry_dns(&send(&mut session, 2, domain_subtree()));
    assert!(unpaged.len() > 4, "{unpaged:?}");

    let mut seen = Vec::new();
    let mut cookie = Vec::new();
    let mut pages = 0;
    let mut id = 10;
    loop {
        let (_, replies) = send_with(&mut session, id, domain_subtree(), vec![paged(2, &cookie)]);
        assert_eq!(done(&replies).result_code, ResultCode::Success);
        let page = entry_dns(&replies);
        assert!(page.len() <= 2, "{page:?}");
        if pages == 0 {
            assert_eq!(references(&replies).len(), 1);
        } else {
            assert!(
                references(&replies).is_empty(),
                "references repeated on page {pages}"
            );
        }
        seen.extend(page);
        pages += 1;
        id += 1;
        cookie = response_cookie(&replies);
        if cookie.is_empty() {
            break;
        }
        assert!(pages < 100, "the paged search never ended");
    }
    assert_eq!(pages, unpaged.len().div_ceil(2));
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "an entry came twice: {seen:?}");
    assert_eq!(seen, unpaged);
}

#[test]
fn paged_request_with_size_zero_abandons_the_search() {
    let mut session = session();
    bind_admin(&mut session);
    let (_, first) = send_with(&mut session, 2, domain_subtree(), vec![paged(2, &[])]);
    let cookie = response_cookie(&first);
    assert!(!cookie.is_empty());

    let (_, stop) = send_with(&mut session, 3, domain_subtree(), vec![paged(0, &cookie)]);
    assert!(entry_dns(&stop).is_empty());
    assert_eq!(done(&stop).result_code, ResultCode::Success);
    assert!(response_cookie(&stop).is_empty());

    let (_, again) = send_with(&mut session, 4, domain_subtree(), vec![paged(2, &cookie)]);
    assert!(entry_dns(&again).is_empty());
    assert_ne!(done(&again).result_code, ResultCode::Success);
}

#[test]
fn unknown_paged_cookie_is_an_error() {
    let mut session = session();
    bind_admin(&mut session);
    let (_, replies) = send_with(
        &mut session,
        2,
        domain_subtree(),
        vec![paged(2, b"no-such-cookie")],
    );
    assert!(entry_dns(&replies).is_empty());
    assert_eq!(done(&replies).result_code, ResultCode::UnwillingToPerform);
}

#[test]
fn abandon_removes_the_paged_search() {
    let mut session = session();
    bind_admin(&mut session);
    let (_, first) = send_with(&mut session, 7, domain_subtree(), vec![paged(2, &[])]);
    let cookie = response_cookie(&first);
    assert!(!cookie.is_empty());

    let (flow, replies) = send_with(
        &mut session,
        8,
        ProtocolOp::AbandonRequest(AbandonRequest(7)),
        Vec::new(),
    );
    assert_eq!(flow, Flow::Continue);
    assert!(replies.is_empty(), "abandon has no response: {replies:?}");

    let (_, next) = send_with(&mut session, 9, domain_subtree(), vec![paged(2, &cookie)]);
    assert!(entry_dns(&next).is_empty());
    assert_ne!(done(&next).result_code, ResultCode::Success);
}

#[test]
fn abandon_of_another_message_id_keeps_the_paged_search() {
    let mut session = session();
    bind_admin(&mut session);
    let (_, first) = send_with(&mut session, 7, domain_subtree(), vec![paged(2, &[])]);
    let cookie = response_cookie(&first);
    send(
        &mut session,
        8,
        ProtocolOp::AbandonRequest(AbandonRequest(99)),
    );
    let (_, next) = send_with(&mut session, 9, domain_subtree(), vec![paged(2, &cookie)]);
    assert_eq!(done(&next).result_code, ResultCode::Success);
    assert_eq!(entry_dns(&next).len(), 2);
}

#[test]
fn rebinding_drops_open_paged_searches() {
    let mut session = session();
    bind_admin(&mut session);
    let (_, first) = send_with(&mut session, 2, domain_subtree(), vec![paged(2, &[])]);
    let cookie = response_cookie(&first);
    bind_admin(&mut session);
    let (_, next) = send_with(&mut session, 3, domain_subtree(), vec![paged(2, &cookie)]);
    assert_ne!(done(&next).result_code, ResultCode::Success);
}

// ---------------------------------------------------------------------------------------------
// Writes

#[test]
fn modify_of_the_root_dse_is_unwilling_to_perform() {
    let mut session = session();
    bind_admin(&mut session);
    let replies = send(
        &mut session,
        2,
        ProtocolOp::ModifyRequest(ModifyRequest {
            object: "".into(),
            changes: vec![ModifyRequestChanges {
                operation: ChangeOperation::Replace,
                modification: PartialAttribute::new(
                    "description".into(),
                    SetOf::from_vec(vec![b"x".to_vec().into()]),
                ),
            }],
        }),
    );
    let result = ldap_result(only_message(&replies));
    assert_eq!(result.result_code as u32, 53);
    assert_eq!(result.result_code, ResultCode::UnwillingToPerform);
}

#[test]
fn add_by_a_non_admin_is_insufficient_access_rights() {
    let mut session = session();
    assert_eq!(
        bind(&mut session, "EXAMPLE\\carol", CAROL_PASSWORD).result_code,
        ResultCode::Success
    );
    assert_eq!(
        session.principal(),
        &Principal::User {
            dn: CAROL_DN.into(),
            account: "EXAMPLE\\carol".into(),
            admin: false
        }
    );
    let replies = send(&mut session, 2, ca_add(&format!("CN=Carol CA,{CAS}")));
    let result = ldap_result(only_message(&replies));
    assert_eq!(result.result_code as u32, 50);
    assert!(
        result.diagnostic_message.starts_with("00002098"),
        "{}",
        result.diagnostic_message.0
    );
}

#[test]
fn anonymous_add_needs_a_bind() {
    let mut session = session();
    let replies = send(&mut session, 2, ca_add(&format!("CN=Anon CA,{CAS}")));
    let result = ldap_result(only_message(&replies));
    assert_eq!(result.result_code, ResultCode::OperationsError);
    assert!(result.diagnostic_message.starts_with("000004DC"));
}

#[test]
fn admin_adds_a_ca_that_a_search_then_finds() {
    let mut session = session();
    bind_admin(&mut session);
    let dn = format!("CN=Second CA,{CAS}");
    let replies = send(&mut session, 2, ca_add(&dn));
    assert_eq!(
        ldap_result(only_message(&replies)).result_code,
        ResultCode::Success
    );
    let replies = send(
        &mut session,
        3,
        search_op(&dn, SearchRequestScope::BaseObject, everything(), 0),
    );
    assert_eq!(entry_dns(&replies), vec![dn]);
    assert_eq!(
        values_of(&replies, "cACertificate"),
        vec![b"\x30\x82\x02\x00".to_vec()]
    );
}

#[test]
fn admin_add_of_a_ca_without_ca_certificate_is_object_class_violation() {
    let mut session = session();
    bind_admin(&mut session);
    let dn = format!("CN=Incomplete CA,{CAS}");
    let replies = send(
        &mut session,
        2,
        add_op(
            &dn,
            &[
                ("objectClass", &[b"top", b"certificationAuthority"]),
                ("certificateRevocationList", &[&[0]]),
                ("authorityRevocationList", &[&[0]]),
            ],
        ),
    );
    let result = ldap_result(only_message(&replies));
    assert_eq!(result.result_code as u32, 65);
    assert_eq!(result.result_code, ResultCode::ObjectClassViolation);
    // Nothing was stored.
    let replies = send(
        &mut session,
        3,
        search_op(&dn, SearchRequestScope::BaseObject, everything(), 0),
    );
    assert_eq!(done(&replies).result_code, ResultCode::NoSuchObject);
}

// ---------------------------------------------------------------------------------------------
// Extended, compare, unbind

#[test]
fn who_am_i_returns_the_bound_principal() {
    let mut session = session();
    bind_admin(&mut session);
    let replies = send(&mut session, 2, extended_op(WHO_AM_I));
    let ProtocolOp::ExtendedResp(response) = only_message(&replies) else {
        panic!("{replies:?}");
    };
    assert_eq!(response.result_code, ResultCode::Success);
    assert_eq!(
        response.response_value.as_deref(),
        Some(&b"u:EXAMPLE\\Administrator"[..])
    );
}

#[test]
fn who_am_i_is_empty_when_anonymous() {
    let mut session = session();
    let replies = send(&mut session, 2, extended_op("1.3.6.1.4.1.4203.1.11.3"));
    let ProtocolOp::ExtendedResp(response) = only_message(&replies) else {
        panic!("{replies:?}");
    };
    assert_eq!(response.result_code, ResultCode::Success);
    assert_eq!(response.response_value.as_deref(), Some(&b""[..]));
}

#[test]
fn unknown_extended_operation_is_a_protocol_error() {
    let mut session = session();
    bind_admin(&mut session);
    let (flow, replies) = send_with(&mut session, 2, extended_op("1.2.3.4.5.6"), Vec::new());
    assert_eq!(flow, Flow::Continue);
    let ProtocolOp::ExtendedResp(response) = only_message(&replies) else {
        panic!("{replies:?}");
    };
    assert_eq!(response.result_code, ResultCode::ProtocolError);
}

#[test]
fn unbind_closes_the_connection_without_a_reply() {
    let mut session = session();
    let (flow, replies) = send_with(
        &mut session,
        2,
        ProtocolOp::UnbindRequest(UnbindRequest),
        Vec::new(),
    );
    assert_eq!(flow, Flow::Close);
    assert!(replies.is_empty());
}

#[test]
fn compare_answers_true_or_false_by_the_matching_rule() {
    let mut session = session();
    bind_admin(&mut session);
    let yes = send(
        &mut session,
        2,
        compare_op(CAROL_DN, "sAMAccountName", b"CAROL"),
    );
    assert_eq!(
        ldap_result(only_message(&yes)).result_code,
        ResultCode::CompareTrue
    );
    let no = send(
        &mut session,
        3,
        compare_op(CAROL_DN, "sAMAccountName", b"dave"),
    );
    assert_eq!(
        ldap_result(only_message(&no)).result_code,
        ResultCode::CompareFalse
    );
    let number = send(
        &mut session,
        4,
        compare_op(CAROL_DN, "userAccountControl", b"512"),
    );
    assert_eq!(
        ldap_result(only_message(&number)).result_code,
        ResultCode::CompareTrue
    );
}

#[test]
fn compare_of_a_password_is_refused() {
    let mut session = session();
    bind_admin(&mut session);
    let replies = send(
        &mut session,
        2,
        compare_op(CAROL_DN, "userPassword", CAROL_PASSWORD.as_bytes()),
    );
    assert_eq!(
        ldap_result(only_message(&replies)).result_code,
        ResultCode::NoSuchAttribute
    );
}

#[test]
fn anonymous_compare_needs_a_bind() {
    let mut session = session();
    let replies = send(
        &mut session,
        2,
        compare_op(CAROL_DN, "sAMAccountName", b"carol"),
    );
    assert_eq!(
        ldap_result(only_message(&replies)).result_code,
        ResultCode::OperationsError
    );
}

#[test]
fn a_response_type_from_the_client_closes_with_a_notice_of_disconnection() {
    let mut session = session();
    let (flow, replies) = send_with(
        &mut session,
        2,
        ProtocolOp::DelResponse(rasn_ldap::DelResponse(LdapResult::new(
            ResultCode::Success,
            "".into(),
            "".into(),
        ))),
        Vec::new(),
    );
    assert_eq!(flow, Flow::Close);
    let Reply::Message(message) = &replies[0] else {
        panic!("{replies:?}");
    };
    assert_eq!(message.message_id, 0);
    let ProtocolOp::ExtendedResp(response) = &message.protocol_op else {
        panic!("{message:?}");
    };
    assert_eq!(response.result_code, ResultCode::ProtocolError);
}

#[test]
fn paged_search_does_not_return_an_entry_added_elsewhere_between_pages() {
    let mut session = session();
    bind_admin(&mut session);
    let persons = || {
        search_op(
            DOMAIN,
            SearchRequestScope::WholeSubtree,
            Filter::EqualityMatch(AttributeValueAssertion::new(
                "objectCategory".into(),
                b"person".to_vec().into(),
            )),
            0,
        )
    };
    let (_, first) = send_with(&mut session, 2, persons(), vec![paged(1, &[])]);
    assert_eq!(entry_dns(&first), vec![ADMIN_DN.to_string()]);
    let cookie = response_cookie(&first);
    assert!(!cookie.is_empty());

    // Between pages: Carol (still to come) is deleted and a CA is added in Configuration.
    let deleted = send(
        &mut session,
        3,
        ProtocolOp::DelRequest(rasn_ldap::DelRequest(CAROL_DN.into())),
    );
    assert_eq!(
        ldap_result(only_message(&deleted)).result_code,
        ResultCode::Success
    );
    let added = send(&mut session, 4, ca_add(&format!("CN=Late CA,{CAS}")));
    assert_eq!(
        ldap_result(only_message(&added)).result_code,
        ResultCode::Success
    );

    let (_, second) = send_with(&mut session, 5, persons(), vec![paged(1, &cookie)]);
    let dns = entry_dns(&second);
    assert!(
        dns.iter()
            .all(|dn| dn.ends_with(DOMAIN) && !dn.contains("CN=Configuration")),
        "a domain-NC person search returned {dns:?}"
    );
}
