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
}

impl Reply {
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), rasn::error::EncodeError> {
        let bytes = match self {
            Reply::Message(message) => rasn::ber::encode(message)?,
            Reply::Entry(entry) => rasn::ber::encode(entry)?,
            Reply::Sicily(response) => rasn::ber::encode(response)?,
        };
        out.extend_from_slice(&bytes);
        Ok(())
    }

    pub fn is_entry(&self) -> bool {
        matches!(self, Reply::Entry(_))
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
