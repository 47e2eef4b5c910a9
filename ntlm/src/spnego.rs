//! SPNEGO (RFC 4178) around NTLM, as LDAP's GSS-SPNEGO SASL mechanism and HTTP's `Negotiate`
//! carry it: the client's first token is a GSS-API InitialContextToken holding a NegTokenInit
//! (mechToken = the NTLM NEGOTIATE), later tokens are NegTokenResp (responseToken = the
//! AUTHENTICATE). AD also accepts raw NTLMSSP tokens in GSS-SPNEGO (the ldap3 crate sends those),
//! so both are read, and answers are wrapped the way the client wrapped its own.

use rasn::prelude::*;

use crate::NtlmError;

/// The SPNEGO mechanism (1.3.6.1.5.5.2).
const SPNEGO: &[u32] = &[1, 3, 6, 1, 5, 5, 2];
/// NTLMSSP (1.3.6.1.4.1.311.2.2.10).
const NTLMSSP: &[u32] = &[1, 3, 6, 1, 4, 1, 311, 2, 2, 10];

/// How the client wrapped its NTLM token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    /// Raw NTLMSSP.
    Raw,
    /// SPNEGO.
    Spnego,
}

/// `[APPLICATION 0] IMPLICIT SEQUENCE { thisMech MechType, innerContextToken NegotiationToken }`.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(application, 0))]
struct InitialContextToken {
    this_mech: ObjectIdentifier,
    token: NegotiationToken,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
enum NegotiationToken {
    #[rasn(tag(explicit(0)))]
    Init(NegTokenInit),
    #[rasn(tag(explicit(1)))]
    Resp(NegTokenResp),
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
struct NegTokenInit {
    #[rasn(tag(explicit(0)))]
    mech_types: Vec<ObjectIdentifier>,
    #[rasn(tag(explicit(1)))]
    req_flags: Option<BitString>,
    #[rasn(tag(explicit(2)))]
    mech_token: Option<OctetString>,
    #[rasn(tag(explicit(3)))]
    mech_list_mic: Option<OctetString>,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(enumerated)]
enum NegState {
    AcceptCompleted = 0,
    AcceptIncomplete = 1,
    Reject = 2,
    RequestMic = 3,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
struct NegTokenResp {
    #[rasn(tag(explicit(0)))]
    neg_state: Option<NegState>,
    #[rasn(tag(explicit(1)))]
    supported_mech: Option<ObjectIdentifier>,
    #[rasn(tag(explicit(2)))]
    response_token: Option<OctetString>,
    #[rasn(tag(explicit(3)))]
    mech_list_mic: Option<OctetString>,
}

fn oid(arcs: &'static [u32]) -> Result<ObjectIdentifier, NtlmError> {
    ObjectIdentifier::new(arcs.to_vec()).ok_or(NtlmError::Malformed("object identifier"))
}

/// A client's GSS-SPNEGO token taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwrapped {
    /// The NTLM message inside.
    pub ntlm: Vec<u8>,
    pub wrapping: Wrapping,
    /// The DER of a NegTokenInit's mechTypes: what both mechListMICs sign (RFC 4178 §5).
    pub mech_types: Option<Vec<u8>>,
    /// The client's mechListMIC, in a NegTokenResp.
    pub mech_list_mic: Option<Vec<u8>>,
}

/// The NTLM token inside `token`, and how it was wrapped. A NegTokenInit must offer NTLMSSP.
pub fn unwrap(token: &[u8]) -> Result<Unwrapped, NtlmError> {
    if token.starts_with(crate::messages::SIGNATURE) {
        return Ok(Unwrapped {
            ntlm: token.to_vec(),
            wrapping: Wrapping::Raw,
            mech_types: None,
            mech_list_mic: None,
        });
    }
    if token.len() > crate::messages::MAX_TOKEN {
        return Err(NtlmError::Malformed("token too large"));
    }
    let negotiation = match token.first() {
        Some(0x60) => {
            let initial: InitialContextToken = rasn::der::decode(token)
                .or_else(|_| rasn::ber::decode(token))
                .map_err(|_| NtlmError::Malformed("not a GSS-API initial token"))?;
            if initial.this_mech != oid(SPNEGO)? {
                return Err(NtlmError::Malformed("not SPNEGO"));
            }
            initial.token
        }
        _ => rasn::ber::decode::<NegotiationToken>(token)
            .map_err(|_| NtlmError::Malformed("not an SPNEGO token"))?,
    };
    let (inner, mech_types, mech_list_mic) = match negotiation {
        NegotiationToken::Init(init) => {
            if !init.mech_types.contains(&oid(NTLMSSP)?) {
                return Err(NtlmError::Malformed("SPNEGO offers no NTLMSSP"));
            }
            let mech_types = rasn::der::encode(&init.mech_types)
                .map_err(|_| NtlmError::Malformed("SPNEGO mechTypes"))?;
            (init.mech_token, Some(mech_types), None)
        }
        NegotiationToken::Resp(resp) => (
            resp.response_token,
            None,
            resp.mech_list_mic.map(|mic| mic.to_vec()),
        ),
    };
    let inner = inner.ok_or(NtlmError::Malformed("SPNEGO token without an NTLM token"))?;
    Ok(Unwrapped {
        ntlm: inner.to_vec(),
        wrapping: Wrapping::Spnego,
        mech_types,
        mech_list_mic,
    })
}

/// The server's answer carrying `ntlm` (the CHALLENGE), wrapped as the client wrapped its token.
pub fn wrap_challenge(ntlm: &[u8], wrapping: Wrapping) -> Result<Vec<u8>, NtlmError> {
    match wrapping {
        Wrapping::Raw => Ok(ntlm.to_vec()),
        Wrapping::Spnego => encode(NegTokenResp {
            neg_state: Some(NegState::AcceptIncomplete),
            supported_mech: Some(oid(NTLMSSP)?),
            response_token: Some(ntlm.to_vec().into()),
            mech_list_mic: None,
        }),
    }
}

/// The server's final answer after a verified logon (none for raw NTLMSSP), with the server's
/// mechListMIC when the client sent one.
pub fn wrap_completed(
    wrapping: Wrapping,
    mech_list_mic: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, NtlmError> {
    match wrapping {
        Wrapping::Raw => Ok(None),
        Wrapping::Spnego => encode(NegTokenResp {
            neg_state: Some(NegState::AcceptCompleted),
            supported_mech: None,
            response_token: None,
            mech_list_mic: mech_list_mic.map(|mic| mic.to_vec().into()),
        })
        .map(Some),
    }
}

/// A client's first token: the GSS-API InitialContextToken offering NTLMSSP with `ntlm` (the
/// NEGOTIATE) as its mechToken. Its mechTypes are what [`Unwrapped::mech_types`] gives back.
pub fn client_init(ntlm: &[u8]) -> Result<Vec<u8>, NtlmError> {
    rasn::der::encode(&InitialContextToken {
        this_mech: oid(SPNEGO)?,
        token: NegotiationToken::Init(NegTokenInit {
            mech_types: vec![oid(NTLMSSP)?],
            req_flags: None,
            mech_token: Some(ntlm.to_vec().into()),
            mech_list_mic: None,
        }),
    })
    .map_err(|_| NtlmError::Malformed("cannot encode the SPNEGO token"))
}

/// A client's next token: `ntlm` (the AUTHENTICATE) and its mechListMIC, if any.
pub fn client_response(ntlm: &[u8], mech_list_mic: Option<&[u8]>) -> Result<Vec<u8>, NtlmError> {
    encode(NegTokenResp {
        neg_state: None,
        supported_mech: None,
        response_token: Some(ntlm.to_vec().into()),
        mech_list_mic: mech_list_mic.map(|mic| mic.to_vec().into()),
    })
}

/// The mechListMIC in a server's final answer, if it sent one.
pub fn server_mech_list_mic(token: &[u8]) -> Result<Option<Vec<u8>>, NtlmError> {
    match rasn::ber::decode::<NegotiationToken>(token) {
        Ok(NegotiationToken::Resp(resp)) => Ok(resp.mech_list_mic.map(|mic| mic.to_vec())),
        _ => Err(NtlmError::Malformed("not an SPNEGO answer")),
    }
}

fn encode(resp: NegTokenResp) -> Result<Vec<u8>, NtlmError> {
    rasn::der::encode(&NegotiationToken::Resp(resp))
        .map_err(|_| NtlmError::Malformed("cannot encode the SPNEGO answer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init_token(ntlm: &[u8]) -> Vec<u8> {
        rasn::der::encode(&InitialContextToken {
            this_mech: oid(SPNEGO).expect("oid"),
            token: NegotiationToken::Init(NegTokenInit {
                mech_types: vec![oid(NTLMSSP).expect("oid")],
                req_flags: None,
                mech_token: Some(ntlm.to_vec().into()),
                mech_list_mic: None,
            }),
        })
        .expect("encodes")
    }

    #[test]
    fn raw_and_spnego_tokens_unwrap_to_the_ntlm_message() {
        let ntlm = b"NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2".to_vec();
        let raw = unwrap(&ntlm).expect("raw");
        assert_eq!((raw.ntlm, raw.wrapping), (ntlm.clone(), Wrapping::Raw));
        let init = init_token(&ntlm);
        assert_eq!(init[0], 0x60);
        let unwrapped = unwrap(&init).expect("init");
        assert_eq!(
            (unwrapped.ntlm, unwrapped.wrapping),
            (ntlm.clone(), Wrapping::Spnego)
        );
        // What impacket signs as the mechTypes: SEQUENCE { OID NTLMSSP }.
        assert_eq!(
            unwrapped.mech_types.expect("mech types"),
            b"0\x0c\x06\n+\x06\x01\x04\x01\x827\x02\x02\n".to_vec()
        );
        let resp = encode(NegTokenResp {
            neg_state: None,
            supported_mech: None,
            response_token: Some(ntlm.clone().into()),
            mech_list_mic: Some(vec![1; 16].into()),
        })
        .expect("encodes");
        let unwrapped = unwrap(&resp).expect("resp");
        assert_eq!(
            (unwrapped.ntlm, unwrapped.wrapping),
            (ntlm, Wrapping::Spnego)
        );
        assert_eq!(unwrapped.mech_list_mic, Some(vec![1; 16]));
    }

    #[test]
    fn answers_are_wrapped_as_asked_and_garbage_is_refused() {
        let challenge = wrap_challenge(b"NTLMSSP\0\x02", Wrapping::Spnego).expect("wraps");
        assert_eq!(challenge[0], 0xa1, "negTokenResp");
        assert_eq!(
            unwrap(&challenge).expect("reads back").ntlm,
            b"NTLMSSP\0\x02".to_vec()
        );
        assert_eq!(
            wrap_challenge(b"x", Wrapping::Raw).expect("raw"),
            b"x".to_vec()
        );
        assert_eq!(wrap_completed(Wrapping::Raw, None).expect("raw"), None);
        let completed = wrap_completed(Wrapping::Spnego, Some(&[7; 16]))
            .expect("wraps")
            .expect("a token");
        assert!(
            completed.windows(16).any(|window| window == [7; 16]),
            "mechListMIC"
        );
        for garbage in [
            &b""[..],
            b"\x60\x03\x06\x01\x00",
            b"\xa0\x00",
            b"hello",
            &[0x60; 300],
        ] {
            assert!(unwrap(garbage).is_err(), "{garbage:?}");
        }
        // A NegTokenInit that offers only Kerberos.
        let kerberos = rasn::der::encode(&InitialContextToken {
            this_mech: oid(SPNEGO).expect("oid"),
            token: NegotiationToken::Init(NegTokenInit {
                mech_types: vec![oid(&[1, 2, 840, 113554, 1, 2, 2]).expect("oid")],
                req_flags: None,
                mech_token: None,
                mech_list_mic: None,
            }),
        })
        .expect("encodes");
        assert!(unwrap(&kerberos).is_err());
    }
}
