//! Writes: the rootDSE, access rules, schema checks.

use super::*;

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
