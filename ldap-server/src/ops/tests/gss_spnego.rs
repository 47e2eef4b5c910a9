//! NTLM in SASL GSS-SPNEGO at the session: the logon, AD's policies on signing and TLS, the
//! SPNEGO mechListMICs, and the security layer handed to the connection.

use super::*;
use ntlm::client::{Client, DEFAULT_FLAGS};
use ntlm::flags::{SEAL, SIGN};

fn gss_bind(session: &mut Session, id: u32, token: Vec<u8>) -> rasn_ldap::BindResponse {
    let replies = send(
        session,
        id,
        ProtocolOp::BindRequest(BindRequest::new(
            3,
            "".into(),
            AuthenticationChoice::Sasl(SaslCredentials::new(
                "GSS-SPNEGO".into(),
                Some(token.into()),
            )),
        )),
    );
    match only_message(&replies) {
        ProtocolOp::BindResponse(response) => response.clone(),
        other => panic!("expected a BindResponse, got {other:?}"),
    }
}

/// Carol's logon asking for `flags`, raw NTLMSSP or SPNEGO-wrapped with a mechListMIC (signed
/// with another key unless `good_mic`): the final BindResponse, the client's keys.
fn logon(
    session: &mut Session,
    flags: u32,
    spnego: bool,
    good_mic: bool,
) -> (rasn_ldap::BindResponse, ntlm::client::Authenticated) {
    let client = Client::new("carol", "EXAMPLE", CAROL_PASSWORD, flags);
    let first = if spnego {
        ntlm::spnego::client_init(client.negotiate()).unwrap()
    } else {
        client.negotiate().to_vec()
    };
    let challenge = gss_bind(session, 1, first);
    assert_eq!(challenge.result_code, ResultCode::SaslBindInProgress);
    let challenge_token = ntlm::spnego::unwrap(&challenge.server_sasl_creds.unwrap())
        .map(|unwrapped| unwrapped.ntlm)
        .unwrap_or_else(|_| panic!("a CHALLENGE"));
    let authenticated = client.authenticate(&challenge_token, None).unwrap();
    let second = if spnego {
        let mech_types = ntlm::spnego::unwrap(&ntlm::spnego::client_init(b"NTLMSSP\0").unwrap())
            .unwrap()
            .mech_types
            .unwrap();
        let key = if good_mic {
            authenticated.session_key
        } else {
            [0x42; 16]
        };
        let mut keys =
            ntlm::SessionSecurity::new(&key, authenticated.flags, ntlm::Side::Client).unwrap();
        let mic = keys.sign(&mech_types).unwrap();
        ntlm::spnego::client_response(&authenticated.message, Some(&mic)).unwrap()
    } else {
        authenticated.message.clone()
    };
    (gss_bind(session, 2, second), authenticated)
}

#[test]
fn a_sealing_logon_on_plain_ldap_hands_the_connection_a_layer() {
    let mut session = session();
    let (response, _) = logon(&mut session, DEFAULT_FLAGS | SIGN | SEAL, false, true);
    assert_eq!(response.result_code, ResultCode::Success, "{response:?}");
    assert!(!session.principal().is_anonymous());
    assert!(session.new_security_layer.is_some());
}

#[test]
fn a_logon_without_integrity_gets_no_layer_and_is_refused_where_signing_is_required() {
    let mut session = session();
    let (response, _) = logon(&mut session, DEFAULT_FLAGS, false, true);
    assert_eq!(response.result_code, ResultCode::Success);
    assert!(session.new_security_layer.is_none());

    let mut session = super::session();
    Arc::get_mut(&mut session.shared).unwrap().signing = crate::tls::SigningPolicy::Require;
    let (response, _) = logon(&mut session, DEFAULT_FLAGS, false, true);
    assert_eq!(response.result_code, ResultCode::StrongerAuthRequired);
    assert!(response.diagnostic_message.starts_with("00002028"));
    assert!(session.principal().is_anonymous());
    // With sealing, the same DC accepts it.
    let (response, _) = logon(&mut session, DEFAULT_FLAGS | SEAL | SIGN, false, true);
    assert_eq!(response.result_code, ResultCode::Success);
}

#[test]
fn sign_or_seal_over_tls_is_refused_with_53() {
    let mut session = session();
    session.tls_active = true;
    let (response, _) = logon(&mut session, DEFAULT_FLAGS | SIGN, false, true);
    assert_eq!(response.result_code, ResultCode::UnwillingToPerform);
    assert!(response
        .diagnostic_message
        .contains("Cannot bind using sign/seal on a connection on which TLS or SSL is in effect"));
    assert!(session.principal().is_anonymous());
    assert!(session.new_security_layer.is_none());
    let (response, _) = logon(&mut session, DEFAULT_FLAGS, false, true);
    assert_eq!(response.result_code, ResultCode::Success);
}

#[test]
fn spnego_mech_list_mics_are_checked_and_answered() {
    let mut session = session();
    let flags = DEFAULT_FLAGS | SIGN | SEAL;
    let (response, authenticated) = logon(&mut session, flags, true, true);
    assert_eq!(response.result_code, ResultCode::Success, "{response:?}");
    let answer = ntlm::spnego::server_mech_list_mic(&response.server_sasl_creds.unwrap())
        .unwrap()
        .expect("the server's mechListMIC");
    let mech_types = ntlm::spnego::unwrap(&ntlm::spnego::client_init(b"NTLMSSP\0").unwrap())
        .unwrap()
        .mech_types
        .unwrap();
    let mut client =
        ntlm::SessionSecurity::new(&authenticated.session_key, flags, ntlm::Side::Client).unwrap();
    let _ours = client.sign(&mech_types).unwrap();
    client
        .verify(&mech_types, &answer)
        .expect("the server's MIC verifies");

    let mut session = super::session();
    let (response, _) = logon(&mut session, flags, true, false);
    assert_eq!(response.result_code, ResultCode::InvalidCredentials);
    assert!(
        response.diagnostic_message.starts_with("8009030F"),
        "{response:?}"
    );
    assert!(session.principal().is_anonymous());
}
