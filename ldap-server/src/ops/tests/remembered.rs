//! Remembered search answers (crate::search_cache): replayed byte for byte, forgotten on
//! every write, never shown to readers the access rules would hide them from.

use super::*;
use crate::codec::encode_all;

const CONFIGURATION: &str = "CN=Configuration,DC=example,DC=test";

fn ca_search() -> ProtocolOp {
    search_op(
        CONFIGURATION,
        SearchRequestScope::WholeSubtree,
        Filter::EqualityMatch(AttributeValueAssertion::new(
            "objectCategory".into(),
            b"certificationAuthority".to_vec().into(),
        )),
        0,
    )
}

fn wire(replies: &[Reply]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_all(replies, &mut out);
    out
}

fn modify_op(dn: &str, operation: ChangeOperation, name: &str, value: &[u8]) -> ProtocolOp {
    ProtocolOp::ModifyRequest(ModifyRequest {
        object: dn.into(),
        changes: vec![ModifyRequestChanges {
            operation,
            modification: PartialAttribute::new(
                name.into(),
                SetOf::from_vec(vec![value.to_vec().into()]),
            ),
        }],
    })
}

fn succeeded(replies: &[Reply]) {
    let result = ldap_result(only_message(replies));
    assert_eq!(result.result_code, ResultCode::Success, "{result:?}");
}

#[test]
fn a_replayed_answer_is_the_same_bytes_on_every_connection() {
    let mut admin = session();
    bind_admin(&mut admin);
    let first = send(&mut admin, 2, ca_search());
    let again = send(&mut admin, 2, ca_search());
    assert_eq!(wire(&first), wire(&again));
    assert_eq!(entry_dns(&again), vec![format!("CN=Test Root CA,{CAS}")]);

    let mut carol = session_sharing(&admin);
    assert_eq!(
        bind(&mut carol, "EXAMPLE\\carol", CAROL_PASSWORD).result_code,
        ResultCode::Success
    );
    assert_eq!(wire(&send(&mut carol, 2, ca_search())), wire(&first));
    // Another message ID, the same entries.
    let other_id = send(&mut carol, 9, ca_search());
    assert_eq!(entry_dns(&other_id), entry_dns(&first));
    assert!(matches!(
        &other_id[0],
        Reply::EncodedEntry { message_id: 9, .. }
    ));
}

#[test]
fn every_write_is_seen_by_the_next_search() {
    let mut admin = session();
    bind_admin(&mut admin);
    let mut phone = session_sharing(&admin);
    assert_eq!(
        bind(&mut phone, "EXAMPLE\\carol", CAROL_PASSWORD).result_code,
        ResultCode::Success
    );
    let root = format!("CN=Test Root CA,{CAS}");
    let issuing = format!("CN=Issuing CA,{CAS}");
    assert_eq!(
        entry_dns(&send(&mut phone, 2, ca_search())),
        vec![root.clone()]
    );

    succeeded(&send(&mut admin, 3, ca_add(&issuing)));
    let replies = send(&mut phone, 4, ca_search());
    assert_eq!(entry_dns(&replies), vec![root.clone(), issuing.clone()]);

    succeeded(&send(
        &mut admin,
        5,
        modify_op(
            &root,
            ChangeOperation::Replace,
            "cACertificate",
            b"\x30\x03new",
        ),
    ));
    let replies = send(&mut phone, 6, ca_search());
    assert!(values_of(&replies, "cACertificate").contains(&b"\x30\x03new".to_vec()));

    succeeded(&send(
        &mut admin,
        7,
        ProtocolOp::DelRequest(rasn_ldap::DelRequest(issuing.as_str().into())),
    ));
    assert_eq!(entry_dns(&send(&mut phone, 8, ca_search())), vec![root]);
}

#[test]
fn a_remembered_answer_is_not_shown_to_readers_the_rules_hide_it_from() {
    // Anonymous reads allowed, as fLDAPBlockAnonOps cleared: still never PKI objects.
    let mut admin = session_with_policy(
        Limits::default(),
        AccessPolicy {
            allow_anonymous_reads: true,
        },
    );
    bind_admin(&mut admin);
    assert_eq!(entry_dns(&send(&mut admin, 2, ca_search())).len(), 1);
    let mut anonymous = session_sharing(&admin);
    let replies = send(&mut anonymous, 2, ca_search());
    assert_eq!(done(&replies).result_code, ResultCode::Success);
    assert!(entry_dns(&replies).is_empty(), "{replies:?}");

    // By default an anonymous search is refused, whatever was remembered for others.
    let mut admin = session();
    bind_admin(&mut admin);
    assert_eq!(entry_dns(&send(&mut admin, 2, ca_search())).len(), 1);
    let mut anonymous = session_sharing(&admin);
    let replies = send(&mut anonymous, 2, ca_search());
    assert_eq!(done(&replies).result_code, ResultCode::OperationsError);
    assert!(entry_dns(&replies).is_empty());
}
