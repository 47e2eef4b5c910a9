//! AD's legacy "Sicily" NTLM bind (MS-ADTS 5.1.1.1.3): a BindRequest whose authentication choice
//! is [9] sicilyPackageDiscovery, [10] sicilyNegotiate or [11] sicilyResponse, answered with a
//! BindResponse whose serverCreds sit where matchedDN sits (python ldap3, impacket and scapy read
//! them there). rasn-ldap's `AuthenticationChoice` has no such variants and its matchedDN must be
//! UTF-8, so these messages have their own rasn types here, decoded only when rasn-ldap refuses a
//! message; everything else stays rasn-ldap's.
//!
//! The exchange: discovery → `NTLM`; negotiate (an NTLM NEGOTIATE) → the CHALLENGE; response
//! (the AUTHENTICATE) → the bind's result, verified by the `ntlm` crate against the account's NT
//! hash, with the account checks a simple bind has. No signing or sealing is offered.

use rasn::prelude::*;
use rasn_ldap::ResultCode;

/// `LDAPMessage` carrying a Sicily BindRequest (controls are read and ignored).
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct SicilyMessage {
    pub message_id: u32,
    pub request: SicilyBindRequest,
    #[rasn(tag(0))]
    pub controls: Option<Any>,
}

/// `BindRequest ::= [APPLICATION 0] SEQUENCE { version, name, authentication }` with Sicily's
/// authentication choices.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(application, 0))]
pub struct SicilyBindRequest {
    pub version: u8,
    pub name: OctetString,
    pub authentication: SicilyAuthentication,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum SicilyAuthentication {
    #[rasn(tag(9))]
    Discovery(OctetString),
    #[rasn(tag(10))]
    Negotiate(OctetString),
    #[rasn(tag(11))]
    Response(OctetString),
}

/// `LDAPMessage` carrying the BindResponse to a Sicily request.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
pub struct SicilyResponseMessage {
    pub message_id: u32,
    pub response: SicilyBindResponse,
}

/// `BindResponse` with binary serverCreds in matchedDN's place.
#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(application, 1))]
pub struct SicilyBindResponse {
    pub result_code: ResultCode,
    pub server_creds: OctetString,
    pub diagnostic_message: OctetString,
}

impl SicilyResponseMessage {
    pub fn new(
        message_id: u32,
        result_code: ResultCode,
        server_creds: &[u8],
        diagnostic: &str,
    ) -> SicilyResponseMessage {
        SicilyResponseMessage {
            message_id,
            response: SicilyBindResponse {
                result_code,
                server_creds: server_creds.to_vec().into(),
                diagnostic_message: diagnostic.as_bytes().to_vec().into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sicily_requests_round_trip_and_ordinary_binds_are_not_sicily() {
        for authentication in [
            SicilyAuthentication::Discovery(OctetString::from_static(b"")),
            SicilyAuthentication::Negotiate(b"NTLMSSP\0\x01\0\0\0".to_vec().into()),
            SicilyAuthentication::Response(b"NTLMSSP\0\x03\0\0\0".to_vec().into()),
        ] {
            let message = SicilyMessage {
                message_id: 7,
                request: SicilyBindRequest {
                    version: 3,
                    name: b"NTLM".to_vec().into(),
                    authentication,
                },
                controls: None,
            };
            let bytes = rasn::ber::encode(&message).expect("encodes");
            assert!(rasn::ber::decode::<rasn_ldap::LdapMessage>(&bytes).is_err());
            assert_eq!(
                rasn::ber::decode::<SicilyMessage>(&bytes).expect("decodes"),
                message
            );
        }
        let simple = rasn_ldap::LdapMessage::new(
            1,
            rasn_ldap::ProtocolOp::BindRequest(rasn_ldap::BindRequest::new(
                3,
                "CN=a".into(),
                rasn_ldap::AuthenticationChoice::Simple(b"pw".to_vec().into()),
            )),
        );
        let bytes = rasn::ber::encode(&simple).expect("encodes");
        assert!(rasn::ber::decode::<SicilyMessage>(&bytes).is_err());
    }

    #[test]
    fn the_response_puts_binary_server_creds_where_matched_dn_is() {
        let reply = SicilyResponseMessage::new(2, ResultCode::Success, &[0, 0xff, 0x10], "");
        let bytes = rasn::ber::encode(&reply).expect("encodes");
        // SEQUENCE { INTEGER 2, [APPLICATION 1] { ENUMERATED 0, OCTET STRING 00 ff 10, OCTET STRING "" } }
        assert_eq!(
            bytes,
            [
                0x30, 0x0f, 0x02, 0x01, 0x02, 0x61, 0x0a, 0x0a, 0x01, 0x00, 0x04, 0x03, 0x00, 0xff,
                0x10, 0x04, 0x00
            ]
        );
    }
}
