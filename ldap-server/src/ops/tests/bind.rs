//! The rootDSE, anonymous access and binds.

use super::*;

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

/// Admin rights follow the admin groups' `member` values as they change (answered from the
/// member index, whatever the DN's spelling), and a member filter finds the group.
#[test]
fn admin_rights_follow_group_membership_changes() {
    let carol_is_admin = |session: &mut Session| {
        assert_eq!(
            bind(session, "EXAMPLE\\carol", CAROL_PASSWORD).result_code,
            ResultCode::Success
        );
        matches!(session.principal(), Principal::User { admin: true, .. })
    };
    let domain_admins = "CN=Domain Admins,CN=Users,DC=example,DC=test";
    let membership = |operation| {
        ProtocolOp::ModifyRequest(ModifyRequest {
            object: domain_admins.into(),
            changes: vec![ModifyRequestChanges {
                operation,
                modification: PartialAttribute::new(
                    "member".into(),
                    SetOf::from_vec(vec![b"cn=CAROL, cn=users,DC=Example,DC=Test"
                        .to_vec()
                        .into()]),
                ),
            }],
        })
    };
    let mut admin = session();
    bind_admin(&mut admin);
    let mut carol = session_sharing(&admin);
    assert!(!carol_is_admin(&mut carol));

    let replies = send(&mut admin, 2, membership(ChangeOperation::Add));
    assert_eq!(
        ldap_result(only_message(&replies)).result_code,
        ResultCode::Success
    );
    assert!(carol_is_admin(&mut carol));
    let by_member = Filter::EqualityMatch(AttributeValueAssertion::new(
        "member".into(),
        CAROL_DN.as_bytes().to_vec().into(),
    ));
    let replies = send(
        &mut admin,
        3,
        search_op(DOMAIN, SearchRequestScope::WholeSubtree, by_member, 0),
    );
    assert_eq!(entry_dns(&replies), vec![domain_admins.to_string()]);

    let replies = send(&mut admin, 4, membership(ChangeOperation::Delete));
    assert_eq!(
        ldap_result(only_message(&replies)).result_code,
        ResultCode::Success
    );
    assert!(!carol_is_admin(&mut carol));
}
