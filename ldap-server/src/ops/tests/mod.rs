//! Session-level tests of every operation, without sockets: shared fixtures here, one file
//! per group of operations below.

//! Session-level tests: decoded LDAP messages in, replies out, no sockets.

use std::sync::Arc;

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
    session_with_policy(limits, AccessPolicy::default())
}

fn session_with_policy(limits: Limits, policy: AccessPolicy) -> Session {
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
        directory: crate::search_cache::DirectoryLock::new(dir),
        journal: None,
        commit: None,
        connection_slots: Arc::new(tokio::sync::Semaphore::new(1)),
        heavy_work: Arc::new(tokio::sync::Semaphore::new(1)),
        buffered: Default::default(),
        forest,
        policy,
        limits,
        tls: None,
        signing: crate::tls::SigningPolicy::None,
        channel_binding: crate::tls::ChannelBinding::Never,
    });
    Session::new(shared, 1)
}

fn session() -> Session {
    session_with(Limits::default())
}

/// A second connection to the same server as `other`.
fn session_sharing(other: &Session) -> Session {
    Session::new(other.shared.clone(), 2)
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
        .filter_map(Reply::entry)
        .map(|entry| String::from_utf8(entry.object_name.to_vec()).unwrap())
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
        .filter_map(Reply::entry)
        .flat_map(|entry| entry.attributes)
        .filter(|attribute| attribute.r#type.as_ref() == name.as_bytes())
        .flat_map(|attribute| attribute.vals.into_iter().map(|value| value.to_vec()))
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

mod bind;
mod bounded;
mod gss_spnego;
mod other;
mod remembered;
mod search;
mod writes;
