//! Extended operations, compare, unbind, and what a client must not send.

use super::*;

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
    assert_eq!(flow, Flow::Unbind);
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

/// The access log's texts are built only when the line is written: with a subscriber that
/// takes the access target, a search's line carries its base and filter.
#[test]
fn access_log_lines_carry_the_base_and_filter_when_written() {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let mut session = session();
    tracing::subscriber::with_default(subscriber, || {
        bind_admin(&mut session);
        send(&mut session, 2, domain_subtree());
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("op=\"bind\" dn=Administrator@example.test"),
        "{text}"
    );
    assert!(
        text.contains("op=\"search\" dn=DC=example,DC=test scope=\"sub\" filter=(objectClass=*)"),
        "{text}"
    );
    // Without a subscriber nothing is built (nor written).
    assert!(!super::super::AccessLog::wanted());
}
