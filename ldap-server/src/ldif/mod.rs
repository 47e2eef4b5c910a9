//! RFC 2849 LDIF: parsing seed/import files and writing exports.
//!
//! The server loads its directory from LDIF files that people write by hand or export from a real
//! Active Directory with Microsoft `ldifde`, so the parser is strict about structure (a wrong file
//! should fail loudly with a `line N:` message) but tolerant of the harmless variations found in
//! the wild: CRLF line ends, several blank lines between records, a missing final newline,
//! non-ASCII UTF-8 in plain values and base64 padding quirks.
//!
//! The module is pure: it never touches the file system except to read the files named by
//! `attr:< file:...` values, which RFC 2849 defines as part of the value.
//!
//! * [`records_from`] turns a document into [`LdifRecord`]s, one at a time.
//! * [`write_header`] and [`write_record`] produce content records that [`records_from`] reads
//!   back byte for byte.

mod read;
mod write;

#[cfg(test)]
pub(crate) use read::parse;
pub use read::{records_from, Records};
pub use write::{write_header, write_record};

/// One record of an LDIF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifRecord {
    /// 1-based line of the record's `dn:` line.
    pub line: usize,
    /// The DN exactly as written (decoded if it was base64 `dn::`).
    pub dn: String,
    pub change: LdifChange,
}

/// What a record asks for. Content records (no `changetype:`) are treated as additions because
/// that is what loading a seed file means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LdifChange {
    /// A content record, or `changetype: add`. Attribute descriptions keep their spelling and
    /// options (e.g. `cACertificate;binary`); values are raw bytes. Each item also carries the
    /// 1-based line where that attribute line began, so the caller can report `file:line` errors
    /// about a particular attribute.
    Add(Vec<LdifAttribute>),
    Delete,
    Modify(Vec<LdifModification>),
    /// changetype: modrdn / moddn
    ModDn {
        new_rdn: String,
        delete_old_rdn: bool,
        new_superior: Option<String>,
    },
}

/// One `name: value` line of an add or content record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifAttribute {
    pub line: usize,
    pub name: String,
    pub value: Vec<u8>,
}

/// The operation of one block of a `changetype: modify` record (the directory's own).
pub use crate::entry::ModifyOp;

/// One `add:` / `delete:` / `replace:` block of a modify record. `line` is the line of the
/// operation line; an empty `values` with [`ModifyOp::Delete`] means "delete all values".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifModification {
    pub line: usize,
    pub op: ModifyOp,
    pub attribute: String,
    pub values: Vec<Vec<u8>>,
}

/// A parse error at a line. Display is `line N: message` (the caller prefixes the file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifError {
    pub line: usize,
    pub message: String,
}

impl LdifError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        LdifError {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for LdifError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LdifError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<LdifRecord>, LdifError> {
        parse(text.as_bytes(), None)
    }

    fn error(text: &str) -> String {
        match parse_str(text) {
            Ok(records) => panic!("{text:?} parsed as {records:?}"),
            Err(error) => error.to_string(),
        }
    }

    /// The certificate-like payload of the ldifde sample: a DER SEQUENCE header and 296 bytes of
    /// filler, 300 bytes in all.
    fn sample_certificate() -> Vec<u8> {
        let mut bytes = vec![0x30, 0x82, 0x01, 0x28];
        bytes.extend((0..296u32).map(|i| ((i * 37 + 11) % 256) as u8));
        bytes
    }

    /// A record as `ldifde -f out.ldf` writes it: CRLF, `changetype: add`, base64 values folded
    /// so that every physical line is at most 78 characters.
    const LDIFDE_SAMPLE: &str = "\r\n\
dn: CN=Root CA,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test\r\n\
changetype: add\r\n\
objectClass: top\r\n\
objectClass: certificationAuthority\r\n\
cn: Root CA\r\n\
cACertificate:: MIIBKAswVXqfxOkOM1h9osfsETZbgKXK7xQ5XoOozfIXPGGGq9D1Gj9kia7T+B\r\n \
1CZ4yx1vsgRWqPtNn+I0htkrfcASZLcJW63wQpTnOYveIHLFF2m8DlCi9UeZ7D6A0yV3yhxusQNVp\r\n \
/pMnuEzhdgqfM8RY7YIWqz/QZPmOIrdL3HEFmi7DV+h9EaY6z2P0iR2yRttsAJUpvlLneAyhNcpe8\r\n \
4QYrUHWav+QJLlN4ncLnDDFWe6DF6g80WX6jyO0SN1yBpsvwFTpfhKnO8xg9Yoes0fYbQGWKr9T5H\r\n \
kNojbLX/CFGa5C12v8kSW6TuN0CJ0xxlrvgBSpPdJm+4wgtUnecweYLMFV6n8TpDjNYfaLH7BE2W4\r\n \
Clyu8UOV6DqM3yFzxhhqvQ9Ro/ZImu\r\n\
authorityRevocationList:: AA==\r\n\
objectGUID:: 9fmB3BbzWEyY1U4T0Gq+Hw==\r\n\
whenCreated: 20240101120000.0Z\r\n\
\r\n";

    #[test]
    fn parses_ldifde_export() {
        let records = parse(LDIFDE_SAMPLE.as_bytes(), None).expect("ldifde sample parses");
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(record.line, 2);
        assert!(record
            .dn
            .starts_with("CN=Root CA,CN=Certification Authorities,"));
        assert!(record.dn.ends_with(",DC=example,DC=test"));
        let LdifChange::Add(attributes) = &record.change else {
            panic!("expected an add record, got {:?}", record.change);
        };
        let names: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "objectClass",
                "objectClass",
                "cn",
                "cACertificate",
                "authorityRevocationList",
                "objectGUID",
                "whenCreated"
            ]
        );
        let certificate = &attributes[3];
        assert_eq!(certificate.line, 7);
        assert_eq!(certificate.value, sample_certificate());
        assert_eq!(attributes[4].value, [0u8]);
        assert_eq!(attributes[5].value.len(), 16);
        assert_eq!(attributes[5].value[..4], [0xf5, 0xf9, 0x81, 0xdc]);
        assert_eq!(attributes[6].line, 15);
        assert_eq!(attributes[6].value, b"20240101120000.0Z");
    }

    #[test]
    fn ldifde_sample_lines_fit_78_columns() {
        assert!(LDIFDE_SAMPLE
            .lines()
            .filter(|line| !line.starts_with("dn:"))
            .all(|line| line.len() <= 78));
    }

    #[test]
    fn garbage_inputs_give_errors_not_panics() {
        let garbage: &[&[u8]] = &[
            b":",
            b"::",
            b"\xff\xfe\x00\x01\x80garbage\n\x00",
            b"dn:: !!!not base64!!!\n",
            b"dn:: gA==\n",
            b"dn: cn=x\n-\n",
            b"dn: cn=x\nchangetype: add\n-\n",
            b"-\n",
            b" continuation first\n",
            b"dn: cn=x\nchangetype: modify\n-\n",
            b"dn: cn=x\nchangetype: modify\nadd: cn\ncn:< http://example.test/x\n",
            b"dn: cn=x\nchangetype: modrdn\n",
            b"dn: cn=x\nchangetype: modrdn\nnewrdn: cn=y\ndeleteoldrdn: 2\n",
            b"version: 1\n\n\xc3",
            b"dn: cn=x\n\xc3\x28: value\n",
        ];
        for input in garbage {
            let result = parse(input, None);
            assert!(result.is_err(), "{:?} parsed as {:?}", input, result);
        }
    }

    #[test]
    fn pseudo_random_bytes_never_panic() {
        let mut state: u32 = 0x1234_5678;
        for length in 0..200usize {
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    // Bias towards LDIF punctuation so the parser's branches are exercised.
                    match (state >> 16) % 8 {
                        0 => b':',
                        1 => b'\n',
                        2 => b' ',
                        3 => b'-',
                        4 => b'<',
                        _ => (state >> 8) as u8,
                    }
                })
                .collect();
            let _ = parse(&bytes, None);
            let mut prefixed = b"dn: cn=x\n".to_vec();
            prefixed.extend_from_slice(&bytes);
            let _ = parse(&prefixed, None);
        }
    }

    #[test]
    fn error_display_names_the_line() {
        let error = LdifError::new(7, "invalid base64 in value of cACertificate: bad");
        assert_eq!(
            error.to_string(),
            "line 7: invalid base64 in value of cACertificate: bad"
        );
    }

    #[test]
    fn controls_are_rejected_clearly() {
        let message = error("dn: cn=a\ncontrol: 1.2.840.113556.1.4.805 true\nchangetype: delete\n");
        assert!(
            message.starts_with("line 2: LDIF controls are not supported"),
            "{message}"
        );
    }

    #[test]
    fn changetypes() {
        let add = parse_str("dn: cn=a\nchangetype: add\ncn: a\n").expect("add");
        assert_eq!(
            add[0].change,
            LdifChange::Add(vec![LdifAttribute {
                line: 3,
                name: "cn".into(),
                value: b"a".to_vec()
            }])
        );
        let delete = parse_str("dn: cn=a\nchangetype: delete\n").expect("delete");
        assert_eq!(delete[0].change, LdifChange::Delete);
        assert!(error("dn: cn=a\nchangetype: delete\ncn: a\n").starts_with("line 3: "));
        assert_eq!(
            error("dn: cn=a\ncn: a\n\n\n\n\n\n\n\ndn: cn=b\nchangetype: frob\n"),
            "line 11: unknown changetype \"frob\" (expected add, delete, modify, modrdn or moddn)"
        );
    }

    #[test]
    fn modify_blocks() {
        let text = "dn: cn=a\nchangetype: modify\nadd: mail\nmail: a@x\nmail:: YkB4\n-\ndelete: phone\n-\nreplace: cn\ncn: b\n";
        let records = parse_str(text).expect("modify");
        let modification = |line, op, attribute: &str, values: &[&[u8]]| LdifModification {
            line,
            op,
            attribute: attribute.to_owned(),
            values: values.iter().map(|v| v.to_vec()).collect(),
        };
        assert_eq!(
            records[0].change,
            LdifChange::Modify(vec![
                modification(3, ModifyOp::Add, "mail", &[b"a@x", b"b@x"]),
                modification(7, ModifyOp::Delete, "phone", &[]),
                modification(9, ModifyOp::Replace, "cn", &[b"b"]),
            ])
        );
        let trailing_dash =
            parse_str("dn: cn=a\nchangetype: modify\ndelete: cn\ncn: a\n-\n").expect("modify");
        assert_eq!(
            trailing_dash[0].change,
            LdifChange::Modify(vec![modification(3, ModifyOp::Delete, "cn", &[b"a"])])
        );
    }

    #[test]
    fn modify_errors() {
        let mismatch = error("dn: cn=a\nchangetype: modify\nreplace: cn\nsn: b\n-\n");
        assert!(
            mismatch.starts_with("line 4: value for sn inside the block for cn (line 3)"),
            "{mismatch}"
        );
        let unknown = error("dn: cn=a\nchangetype: modify\nincrement: uid\nuid: 1\n-\n");
        assert!(
            unknown.starts_with("line 3: unknown modify operation \"increment\""),
            "{unknown}"
        );
        assert!(error("dn: cn=a\nchangetype: modify\nadd: cn\n-\n-\n")
            .starts_with("line 5: unexpected \"-\""));
        assert!(error("dn: cn=a\nchangetype: modify\nadd:\n")
            .starts_with("line 3: missing attribute name"));
    }

    #[test]
    fn modrdn_and_moddn() {
        let text = "dn: cn=a,dc=x\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\n\ndn: cn=b,dc=x\nchangetype: moddn\nnewrdn: cn=b\ndeleteoldrdn: 0\nnewsuperior: ou=y,dc=x\n";
        let records = parse_str(text).expect("modrdn");
        assert_eq!(
            records[0].change,
            LdifChange::ModDn {
                new_rdn: "cn=b".into(),
                delete_old_rdn: true,
                new_superior: None
            }
        );
        assert_eq!(
            records[1].change,
            LdifChange::ModDn {
                new_rdn: "cn=b".into(),
                delete_old_rdn: false,
                new_superior: Some("ou=y,dc=x".into())
            }
        );
        assert_eq!(
            error("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\n"),
            "line 3: modrdn record has no \"deleteoldrdn:\" line"
        );
        assert!(
            error("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: yes\n")
                .starts_with("line 4: deleteoldrdn must be 0 or 1")
        );
        assert!(error("dn: cn=a\nchangetype: modrdn\ndeleteoldrdn: 1\n")
            .starts_with("line 3: expected \"newrdn:\""));
        assert!(error("dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\nnewsuperior: dc=x\ncn: b\n").starts_with("line 6: unexpected line"));
    }
}
