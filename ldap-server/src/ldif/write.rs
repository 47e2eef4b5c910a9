//! The LDIF writer, used for exports.
//!
//! Output is plain ASCII: anything that is not an RFC 2849 SAFE-STRING is written base64, so an
//! export survives any editor or transfer that mangles line ends, trailing blanks or encodings,
//! and [`super::parse`] reads back exactly the bytes that were written.

use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Physical line width. RFC 2849 only requires folding to be possible; 76 matches what most
/// tools produce and keeps files readable in a terminal.
const FOLD_WIDTH: usize = 76;

/// Writes one content record (`dn:` then each attribute value on its own line) followed by a blank line.
/// `attributes` are (name, value) pairs in output order. Values that are not SAFE-STRINGs per RFC 2849
/// (non-ASCII / control bytes, leading space, ':' or '<', trailing space, or invalid UTF-8) are written
/// base64 with `::`; `force_base64(name)` returning true forces base64 for that attribute (used for
/// binary syntaxes such as certificates, even when the bytes happen to be printable). Lines are folded at
/// 76 columns (continuation lines start with one space). The DN is base64'd too when not safe.
pub fn write_record(
    out: &mut String,
    dn: &str,
    attributes: &[(&str, &[u8])],
    force_base64: &dyn Fn(&str) -> bool,
) {
    write_value_line(out, "dn", dn.as_bytes(), false);
    for &(name, value) in attributes {
        write_value_line(out, name, value, force_base64(name));
    }
    out.push('\n');
}

/// `version: 1` header plus a comment line, for files the server exports.
pub fn write_header(out: &mut String, comment: &str) {
    out.push_str("version: 1\n");
    for line in comment.lines() {
        // Comments are not folded, but a line break inside one must still start a new `#` line
        // or the rest would be read as data.
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    out.push('\n');
}

/// Writes `name: value` or `name:: base64`, folded.
fn write_value_line(out: &mut String, name: &str, value: &[u8], force_base64: bool) {
    let mut line = String::with_capacity(name.len() + 3 + value.len() * 4 / 3);
    line.push_str(name);
    line.push(':');
    match std::str::from_utf8(value) {
        Ok(text) if !force_base64 && is_safe_string(value) => {
            if !text.is_empty() {
                line.push(' ');
                line.push_str(text);
            }
        }
        _ => {
            line.push_str(": ");
            STANDARD.encode_string(value, &mut line);
        }
    }
    fold_into(out, &line);
}

/// RFC 2849 SAFE-STRING, narrowed to printable ASCII (no control bytes at all), plus the rule
/// that a value must not end with a space, which a reader or editor could silently drop.
fn is_safe_string(value: &[u8]) -> bool {
    let printable = |byte: &u8| matches!(byte, 0x20..=0x7e);
    let safe_start = !matches!(value.first(), Some(b' ' | b':' | b'<'));
    let safe_end = value.last() != Some(&b' ');
    safe_start && safe_end && value.iter().all(printable)
}

/// Appends `line` split into physical lines of at most [`FOLD_WIDTH`] bytes; continuation lines
/// start with one space. Splits only at character boundaries, so a non-ASCII attribute name from
/// a careless caller still yields valid UTF-8.
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for ch in line.chars() {
        if width + ch.len_utf8() > FOLD_WIDTH {
            out.push_str("\n ");
            width = 1;
        }
        out.push(ch);
        width += ch.len_utf8();
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::super::{parse, LdifChange, LdifRecord};
    use super::*;

    fn never(_: &str) -> bool {
        false
    }

    fn write_one(dn: &str, attributes: &[(&str, &[u8])]) -> String {
        let mut out = String::new();
        write_record(&mut out, dn, attributes, &never);
        out
    }

    /// Parses `text` and returns the single record's dn and (name, value) pairs.
    fn read_back(text: &str) -> (String, Vec<(String, Vec<u8>)>) {
        let records = parse(text.as_bytes(), None).expect("written LDIF parses");
        let [LdifRecord { dn, change, .. }] = records.as_slice() else {
            panic!("expected one record in {text:?}");
        };
        let LdifChange::Add(attributes) = change else {
            panic!("expected a content record, got {change:?}");
        };
        let pairs = attributes
            .iter()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect();
        (dn.clone(), pairs)
    }

    #[test]
    fn plain_values_are_written_as_text() {
        let out = write_one(
            "cn=a,dc=example,dc=test",
            &[("cn", b"a"), ("description", b"")],
        );
        assert_eq!(out, "dn: cn=a,dc=example,dc=test\ncn: a\ndescription:\n\n");
    }

    #[test]
    fn unsafe_values_round_trip_through_base64() {
        let values: &[&[u8]] = &[
            b"\x00nul",
            b"\xff\xfe",
            b" leading space",
            b":leading colon",
            b"<leading angle",
            b"trailing space ",
            b"line\nbreak",
            b"carriage\rreturn",
            b"tab\tinside",
            "caf\u{e9}".as_bytes(),
            b"\xc3\x28 invalid utf-8",
            b"",
            b"plain: with colon and < inside",
        ];
        let attributes: Vec<(&str, &[u8])> = values.iter().map(|v| ("data", *v)).collect();
        let out = write_one("cn=binary", &attributes);
        let (dn, read) = read_back(&out);
        assert_eq!(dn, "cn=binary");
        let read_values: Vec<&[u8]> = read.iter().map(|(_, v)| v.as_slice()).collect();
        assert_eq!(read_values, values);
        assert!(out.contains("data:: AG51bA==\n"), "{out}");
        assert!(
            out.contains("data: plain: with colon and < inside\n"),
            "{out}"
        );
    }

    #[test]
    fn long_values_fold_at_76_columns() {
        let long = "x".repeat(500);
        let binary: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        let out = write_one(
            "cn=long",
            &[("description", long.as_bytes()), ("blob", &binary)],
        );
        assert!(out.lines().all(|line| line.len() <= FOLD_WIDTH), "{out}");
        assert!(out.lines().filter(|line| line.starts_with(' ')).count() > 10);
        let (_, read) = read_back(&out);
        assert_eq!(read[0].1, long.as_bytes());
        assert_eq!(read[1].1, binary);
    }

    #[test]
    fn non_ascii_dn_is_base64() {
        let dn = "CN=J\u{f6}rg M\u{fc}ller,OU=B\u{fc}ro,DC=example,DC=test";
        let out = write_one(dn, &[("cn", "J\u{f6}rg M\u{fc}ller".as_bytes())]);
        assert!(out.starts_with("dn:: "), "{out}");
        assert!(out.is_ascii());
        let (read_dn, read) = read_back(&out);
        assert_eq!(read_dn, dn);
        assert_eq!(read[0].1, "J\u{f6}rg M\u{fc}ller".as_bytes());
    }

    #[test]
    fn dn_with_leading_space_is_base64() {
        let out = write_one(" cn=odd", &[]);
        assert!(out.starts_with("dn:: "), "{out}");
        assert_eq!(read_back(&out).0, " cn=odd");
    }

    #[test]
    fn force_base64_applies_to_named_attributes_only() {
        let mut out = String::new();
        let is_binary = |name: &str| name.eq_ignore_ascii_case("cACertificate;binary");
        let attributes: &[(&str, &[u8])] = &[("cACertificate;binary", b"printable"), ("cn", b"ca")];
        write_record(&mut out, "cn=ca", attributes, &is_binary);
        assert_eq!(
            out,
            "dn: cn=ca\ncACertificate;binary:: cHJpbnRhYmxl\ncn: ca\n\n"
        );
        let (_, read) = read_back(&out);
        assert_eq!(
            read[0],
            ("cACertificate;binary".to_owned(), b"printable".to_vec())
        );
    }

    #[test]
    fn header_and_several_records_parse_back() {
        let mut out = String::new();
        write_header(&mut out, "exported by ldap-server\nsecond line");
        write_record(&mut out, "dc=test", &[("dc", b"test")], &never);
        write_record(&mut out, "cn=a,dc=test", &[("cn", b"a")], &never);
        assert!(out.starts_with("version: 1\n# exported by ldap-server\n# second line\n\n"));
        let records = parse(out.as_bytes(), None).expect("export parses");
        let dns: Vec<&str> = records.iter().map(|r| r.dn.as_str()).collect();
        assert_eq!(dns, ["dc=test", "cn=a,dc=test"]);
    }
}
