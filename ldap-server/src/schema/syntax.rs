//! Attribute syntaxes and how values of each compare.
//!
//! AD names syntaxes by `attributeSyntax` (2.5.5.x); LDAP clients see the RFC 4517 syntax OIDs in the
//! subschema entry. Matching follows the syntax: octet strings compare byte for byte, directory
//! strings case-insensitively with spaces folded, DNs as parsed and normalised DNs, integers as numbers.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::casefold::fold_case;
use crate::dn::Dn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// 2.5.5.12 Unicode / 2.5.5.4 case-insensitive string: matched ignoring case.
    DirectoryString,
    /// 2.5.5.3 case-exact string.
    CaseExactString,
    /// 2.5.5.2 object identifier (or an lDAPDisplayName in its place): matched ignoring case.
    Oid,
    /// 2.5.5.1 distinguished name.
    Dn,
    /// 2.5.5.9 / 2.5.5.16 integer and large integer.
    Integer,
    /// 2.5.5.8 boolean (`TRUE` / `FALSE`).
    Boolean,
    /// 2.5.5.11 generalized time (and UTC time).
    GeneralizedTime,
    /// 2.5.5.10 octet string: certificates, CRLs, GUIDs, SIDs, passwords. Never altered.
    OctetString,
    /// 2.5.5.17 SID: octet string with its own LDAP syntax OID.
    Sid,
}

impl Syntax {
    /// The LDAP syntax OID shown in the subschema entry (what python ldap3 and Directory Studio
    /// use to decide whether a value is text or bytes).
    pub fn ldap_oid(self) -> &'static str {
        match self {
            Syntax::DirectoryString => "1.3.6.1.4.1.1466.115.121.1.15",
            Syntax::CaseExactString => "1.3.6.1.4.1.1466.115.121.1.26",
            Syntax::Oid => "1.3.6.1.4.1.1466.115.121.1.38",
            Syntax::Dn => "1.3.6.1.4.1.1466.115.121.1.12",
            Syntax::Integer => "1.3.6.1.4.1.1466.115.121.1.27",
            Syntax::Boolean => "1.3.6.1.4.1.1466.115.121.1.7",
            Syntax::GeneralizedTime => "1.3.6.1.4.1.1466.115.121.1.24",
            Syntax::OctetString => "1.3.6.1.4.1.1466.115.121.1.40",
            Syntax::Sid => "1.3.6.1.4.1.1466.115.121.1.40",
        }
    }

    /// AD's `attributeSyntax` for the attributeSchema object.
    pub fn ad_syntax(self) -> &'static str {
        match self {
            Syntax::DirectoryString => "2.5.5.12",
            Syntax::CaseExactString => "2.5.5.3",
            Syntax::Oid => "2.5.5.2",
            Syntax::Dn => "2.5.5.1",
            Syntax::Integer => "2.5.5.9",
            Syntax::Boolean => "2.5.5.8",
            Syntax::GeneralizedTime => "2.5.5.11",
            Syntax::OctetString => "2.5.5.10",
            Syntax::Sid => "2.5.5.17",
        }
    }

    /// Whether values are text a client can print (LDIF writes the others base64).
    pub fn is_binary(self) -> bool {
        matches!(self, Syntax::OctetString | Syntax::Sid)
    }

    /// The form two values are compared in for equality and ordering.
    pub fn normalize<'a>(self, value: &'a [u8]) -> Cow<'a, [u8]> {
        match self {
            Syntax::OctetString | Syntax::Sid | Syntax::CaseExactString => Cow::Borrowed(value),
            Syntax::Dn => match std::str::from_utf8(value)
                .ok()
                .and_then(|s| Dn::parse(s).ok())
            {
                Some(dn) => Cow::Owned(dn.normalized().into_bytes()),
                None => Cow::Owned(fold_case(value)),
            },
            Syntax::Integer => match parse_integer(value) {
                Some(number) => Cow::Owned(number.to_string().into_bytes()),
                None => Cow::Borrowed(value),
            },
            Syntax::DirectoryString | Syntax::Oid | Syntax::Boolean | Syntax::GeneralizedTime => {
                Cow::Owned(fold_case(value))
            }
        }
    }

    /// Ordering for `>=` / `<=` filters: numbers by value, everything else by normalised bytes.
    pub fn compare(self, left: &[u8], right: &[u8]) -> Option<Ordering> {
        if self == Syntax::Integer {
            return Some(parse_integer(left)?.cmp(&parse_integer(right)?));
        }
        Some(self.normalize(left).cmp(&self.normalize(right)))
    }
}

pub fn parse_integer(value: &[u8]) -> Option<i128> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_strings_fold_case_and_spaces() {
        assert_eq!(
            Syntax::DirectoryString.normalize(b"  Root   CA "),
            Syntax::DirectoryString.normalize(b"root ca")
        );
    }

    #[test]
    fn octet_strings_stay_bytes() {
        let bytes = [0x30, 0x82, 0xff, 0x00, b'A'];
        assert_eq!(&*Syntax::OctetString.normalize(&bytes), &bytes);
        assert_ne!(
            Syntax::OctetString.normalize(b"A"),
            Syntax::OctetString.normalize(b"a")
        );
    }

    #[test]
    fn dns_compare_as_dns() {
        assert_eq!(
            Syntax::Dn.normalize(b"CN=Users, DC=Example,DC=TEST"),
            Syntax::Dn.normalize(b"cn=users,dc=example,dc=test")
        );
    }

    #[test]
    fn integers_order_numerically() {
        assert_eq!(
            Syntax::Integer.compare(b"10", b"9"),
            Some(Ordering::Greater)
        );
        assert_eq!(Syntax::Integer.compare(b"-1", b"0"), Some(Ordering::Less));
    }
}
