//! Search: controls, limits, references, paging.

use super::*;

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
