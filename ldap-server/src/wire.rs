//! Search result entries encoded with their values in stored order.
//!
//! RFC 4511 declares attribute values a SET OF, and rasn's encoder sorts SET OF elements (the DER
//! rule) even in BER. AD returns values in the order it holds them: `objectClass` as the class chain
//! `top, person, organizationalPerson, user`, and several `cACertificate` values in publication
//! order (which a phone may install in order). These types encode the same bytes as rasn-ldap's
//! `SearchResultEntry`, with each value set tagged SET but kept in sequence.

use rasn::prelude::*;

/// `SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN, attributes PartialAttributeList }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(tag(application, 4))]
pub struct OrderedEntry {
    pub object_name: OctetString,
    pub attributes: Vec<OrderedAttribute>,
}

/// `PartialAttribute ::= SEQUENCE { type AttributeDescription, vals SET OF value AttributeValue }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct OrderedAttribute {
    pub r#type: OctetString,
    #[rasn(tag(universal, 17))]
    pub vals: Vec<OctetString>,
}

/// `LDAPMessage` carrying an [`OrderedEntry`] (no controls: AD sends none on entries).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct EntryMessage {
    pub message_id: u32,
    pub entry: OrderedEntry,
}

/// A reply on the wire: an ordinary LDAP message or a search entry with ordered values.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Message(rasn_ldap::LdapMessage),
    Entry(EntryMessage),
    /// A BindResponse to a Sicily NTLM bind (binary serverCreds in matchedDN's place).
    Sicily(crate::sicily::SicilyResponseMessage),
    /// A search entry encoded earlier ([`OrderedEntry`]'s bytes, [`encode_entry`]), sent with
    /// this message ID: a remembered answer is replayed without encoding it again.
    EncodedEntry {
        message_id: u32,
        entry: bytes::Bytes,
    },
}

/// The BER of a search entry's protocolOp, to be sent later as [`Reply::EncodedEntry`].
pub fn encode_entry(entry: &OrderedEntry) -> Result<bytes::Bytes, rasn::error::EncodeError> {
    rasn::ber::encode(entry).map(Into::into)
}

/// `LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp }` around already encoded bytes,
/// exactly as rasn encodes it (definite minimal lengths, minimal INTEGER).
fn envelope(message_id: u32, op: &[u8], out: &mut Vec<u8>) {
    out.push(0x30);
    push_length(out, integer_tlv_length(message_id) + op.len());
    push_integer(out, 0x02, message_id);
    out.extend_from_slice(op);
}

/// The whole TLV of a non-negative INTEGER (or ENUMERATED) below 2^31 in its minimal form.
fn integer_tlv_length(value: u32) -> usize {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&byte| byte == 0).count().min(3);
    // A set top bit would read as negative: a leading zero byte is kept then.
    2 + usize::from(bytes[skip] & 0x80 != 0) + bytes.len() - skip
}

/// An INTEGER-like TLV: `tag`, the length, the minimal content.
fn push_integer(out: &mut Vec<u8>, tag: u8, value: u32) {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&byte| byte == 0).count().min(3);
    let sign = bytes[skip] & 0x80 != 0;
    out.push(tag);
    push_length(out, usize::from(sign) + bytes.len() - skip);
    if sign {
        out.push(0);
    }
    out.extend_from_slice(&bytes[skip..]);
}

/// The whole TLV of an OCTET STRING of `length` bytes.
fn octets_tlv_length(length: usize) -> usize {
    1 + length_of_length(length) + length
}

/// A BindResponse or SearchResultDone holding only the LDAPResult's three fields, without
/// controls (both replies of a phone boot), encoded directly as rasn would; false (nothing
/// written) for any other message.
fn encode_plain_result(message: &rasn_ldap::LdapMessage, out: &mut Vec<u8>) -> bool {
    use rasn_ldap::{ProtocolOp, SearchResultDone};
    if message.controls.is_some() {
        return false;
    }
    let (tag, code, matched_dn, diagnostic) = match &message.protocol_op {
        ProtocolOp::BindResponse(response)
            if response.referral.is_none() && response.server_sasl_creds.is_none() =>
        {
            (
                0x61,
                response.result_code,
                &response.matched_dn.0,
                &response.diagnostic_message.0,
            )
        }
        ProtocolOp::SearchResDone(SearchResultDone(result)) if result.referral.is_none() => (
            0x65,
            result.result_code,
            &result.matched_dn.0,
            &result.diagnostic_message.0,
        ),
        _ => return false,
    };
    let code = code as u32;
    let content = integer_tlv_length(code)
        + octets_tlv_length(matched_dn.len())
        + octets_tlv_length(diagnostic.len());
    let op = 1 + length_of_length(content) + content;
    out.push(0x30);
    push_length(out, integer_tlv_length(message.message_id) + op);
    push_integer(out, 0x02, message.message_id);
    out.push(tag);
    push_length(out, content);
    push_integer(out, 0x0a, code);
    for text in [matched_dn, diagnostic] {
        out.push(0x04);
        push_length(out, text.len());
        out.extend_from_slice(text.as_bytes());
    }
    true
}

/// How many bytes [`push_length`] writes for `length`.
fn length_of_length(length: usize) -> usize {
    if length < 0x80 {
        1
    } else {
        1 + length
            .to_be_bytes()
            .iter()
            .skip_while(|&&byte| byte == 0)
            .count()
    }
}

/// A definite BER length in its shortest form.
fn push_length(out: &mut Vec<u8>, length: usize) {
    if length < 0x80 {
        out.push(length as u8);
        return;
    }
    let bytes = length.to_be_bytes();
    let skip = bytes.iter().take_while(|&&byte| byte == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

impl Reply {
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), rasn::error::EncodeError> {
        let bytes = match self {
            Reply::EncodedEntry { message_id, entry } => {
                envelope(*message_id, entry, out);
                return Ok(());
            }
            Reply::Message(message) => {
                if encode_plain_result(message, out) {
                    return Ok(());
                }
                rasn::ber::encode(message)?
            }
            Reply::Entry(entry) => rasn::ber::encode(entry)?,
            Reply::Sicily(response) => rasn::ber::encode(response)?,
        };
        out.extend_from_slice(&bytes);
        Ok(())
    }

    pub fn is_entry(&self) -> bool {
        matches!(self, Reply::Entry(_) | Reply::EncodedEntry { .. })
    }

    /// The search entry this reply carries, decoded if it was sent encoded (for tests).
    #[cfg(test)]
    pub fn entry(&self) -> Option<OrderedEntry> {
        match self {
            Reply::Entry(message) => Some(message.entry.clone()),
            Reply::EncodedEntry { entry, .. } => rasn::ber::decode(entry).ok(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasn::types::SetOf;
    use rasn_ldap::{LdapMessage, PartialAttribute, ProtocolOp, SearchResultEntry};

    #[test]
    fn same_bytes_as_rasn_ldap_when_values_are_sorted() {
        let values: Vec<OctetString> = vec![b"a".to_vec().into(), b"b".to_vec().into()];
        let ours = EntryMessage {
            message_id: 7,
            entry: OrderedEntry {
                object_name: b"CN=x".to_vec().into(),
                attributes: vec![OrderedAttribute {
                    r#type: b"cn".to_vec().into(),
                    vals: values.clone(),
                }],
            },
        };
        let theirs = LdapMessage::new(
            7,
            ProtocolOp::SearchResEntry(SearchResultEntry::new(
                "CN=x".into(),
                vec![PartialAttribute::new("cn".into(), SetOf::from_vec(values))],
            )),
        );
        assert_eq!(
            rasn::ber::encode(&ours).unwrap(),
            rasn::ber::encode(&theirs).unwrap()
        );
    }

    #[test]
    fn an_encoded_entry_is_sent_as_rasn_would_encode_it() {
        for (message_id, value_length) in [
            (0, 3),
            (1, 100),
            (127, 200),
            (128, 300),
            (255, 70_000),
            (256, 10),
            (65_535, 10),
            (0x7fff_ffff, 10),
            (u32::MAX, 10),
        ] {
            let message = EntryMessage {
                message_id,
                entry: OrderedEntry {
                    object_name: b"CN=x".to_vec().into(),
                    attributes: vec![OrderedAttribute {
                        r#type: b"cACertificate".to_vec().into(),
                        vals: vec![vec![0x30; value_length].into()],
                    }],
                },
            };
            let encoded = Reply::EncodedEntry {
                message_id,
                entry: encode_entry(&message.entry).unwrap(),
            };
            let mut ours = Vec::new();
            encoded.encode_into(&mut ours).unwrap();
            let mut theirs = Vec::new();
            Reply::Entry(message.clone())
                .encode_into(&mut theirs)
                .unwrap();
            assert_eq!(ours, theirs, "message {message_id}, value {value_length}");
            assert_eq!(encoded.entry(), Some(message.entry));
        }
    }

    #[test]
    fn plain_results_are_encoded_as_rasn_would() {
        use rasn_ldap::{BindResponse, LdapResult, ResultCode, SearchResultDone};
        let long = "x".repeat(300);
        let mut messages = Vec::new();
        for (message_id, code, matched, diagnostic) in [
            (1, ResultCode::Success, "", ""),
            (
                2,
                ResultCode::InvalidCredentials,
                "",
                "80090308: LdapErr: DSID-0C09041C, data 52e",
            ),
            (
                128,
                ResultCode::NoSuchObject,
                "DC=example,DC=test",
                long.as_str(),
            ),
            (70_000, ResultCode::Other, long.as_str(), ""),
            (u32::MAX, ResultCode::Busy, "", ""),
        ] {
            messages.push(LdapMessage::new(
                message_id,
                ProtocolOp::BindResponse(BindResponse::new(
                    code,
                    matched.into(),
                    diagnostic.into(),
                    None,
                    None,
                )),
            ));
            messages.push(LdapMessage::new(
                message_id,
                ProtocolOp::SearchResDone(SearchResultDone(LdapResult::new(
                    code,
                    matched.into(),
                    diagnostic.into(),
                ))),
            ));
        }
        for message in messages {
            let mut ours = Vec::new();
            assert!(encode_plain_result(&message, &mut ours), "{message:?}");
            assert_eq!(ours, rasn::ber::encode(&message).unwrap(), "{message:?}");
        }
        // Anything more is left to rasn.
        let with_creds = LdapMessage::new(
            1,
            ProtocolOp::BindResponse(BindResponse::new(
                ResultCode::SaslBindInProgress,
                "".into(),
                "".into(),
                None,
                Some(b"token".to_vec().into()),
            )),
        );
        assert!(!encode_plain_result(&with_creds, &mut Vec::new()));
    }

    #[test]
    fn keeps_value_order() {
        let entry = OrderedEntry {
            object_name: b"".to_vec().into(),
            attributes: vec![OrderedAttribute {
                r#type: b"objectClass".to_vec().into(),
                vals: vec![b"top".to_vec().into(), b"person".to_vec().into()],
            }],
        };
        let decoded: SearchResultEntry =
            rasn::ber::decode(&rasn::ber::encode(&entry).unwrap()).unwrap();
        let values: Vec<_> = decoded.attributes[0]
            .vals
            .iter()
            .map(|v| v.to_vec())
            .collect();
        assert_eq!(values, vec![b"top".to_vec(), b"person".to_vec()]);
    }
}
