//! Tests of the LDIF reader.

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

/// The attributes of the single add/content record in `text`.
fn attributes(text: &str) -> Vec<(usize, String, Vec<u8>)> {
    let records = parse_str(text).expect("parses");
    let [record] = records.as_slice() else {
        panic!("expected one record, got {records:?}");
    };
    let LdifChange::Add(attributes) = &record.change else {
        panic!("expected add, got {:?}", record.change);
    };
    let triple = |a: &LdifAttribute| (a.line, a.name.clone(), a.value.clone());
    attributes.iter().map(triple).collect()
}

fn attr(line: usize, name: &str, value: &[u8]) -> (usize, String, Vec<u8>) {
    (line, name.to_owned(), value.to_vec())
}

#[test]
fn empty_and_comment_only_files_have_no_records() {
    assert_eq!(parse_str(""), Ok(vec![]));
    assert_eq!(parse_str("\n\n\r\n"), Ok(vec![]));
    assert_eq!(parse_str("version: 1\n"), Ok(vec![]));
    assert_eq!(parse_str("# only\n a comment\n"), Ok(vec![]));
}

#[test]
fn version_line_is_optional_and_must_be_1() {
    let with = parse_str("version: 1\n\ndn: cn=a\ncn: a\n").expect("parses");
    let without = parse_str("dn: cn=a\ncn: a\n").expect("parses");
    assert_eq!(with[0].line, 3);
    assert_eq!(without[0].line, 1);
    let attribute = |line| LdifAttribute {
        line,
        name: "cn".to_owned(),
        value: b"a".to_vec(),
    };
    assert_eq!(with[0].change, LdifChange::Add(vec![attribute(4)]));
    assert_eq!(without[0].change, LdifChange::Add(vec![attribute(2)]));
    let adjacent = parse_str("version: 1\ndn: cn=a\n").expect("parses");
    assert_eq!(adjacent[0].dn, "cn=a");
    assert_eq!(
        error("version: 2\n\ndn: cn=a\n"),
        "line 1: unsupported LDIF version \"2\" (only version 1 exists)"
    );
}

#[test]
fn comments_and_folded_comments_are_ignored() {
    let text = "# head\n folded comment\ndn: cn=a\n# inside\n  still comment\ncn: a\n#end\n";
    assert_eq!(attributes(text), [attr(6, "cn", b"a")]);
}

#[test]
fn folded_lines_drop_exactly_one_space() {
    let text = "dn: cn=a\ndescription: one\n  two\n three\ncn: a\n";
    assert_eq!(
        attributes(text),
        [attr(2, "description", b"one twothree"), attr(5, "cn", b"a")]
    );
}

#[test]
fn crlf_many_blank_lines_and_missing_final_newline() {
    let text = "dn: cn=a\r\ncn: a\r\n\r\n\r\n\n\r\ndn: cn=b\r\ncn: b";
    let records = parse_str(text).expect("parses");
    let summary: Vec<(usize, &str)> = records.iter().map(|r| (r.line, r.dn.as_str())).collect();
    assert_eq!(summary, [(1, "cn=a"), (7, "cn=b")]);
    assert_eq!(
        records[1].change,
        LdifChange::Add(vec![LdifAttribute {
            line: 8,
            name: "cn".to_owned(),
            value: b"b".to_vec()
        }])
    );
}

#[test]
fn value_forms() {
    let text =
        "dn:: Y249YQ==\ncn:    spaced  \nempty:\nbin:: AP8=\nfolded:: aGVs\n bG8=\nx;binary: a:b\n";
    let records = parse_str(text).expect("parses");
    assert_eq!(records[0].dn, "cn=a");
    assert_eq!(
        attributes(text),
        [
            attr(2, "cn", b"spaced  "),
            attr(3, "empty", b""),
            attr(4, "bin", &[0, 255]),
            attr(5, "folded", b"hello"),
            attr(7, "x;binary", b"a:b"),
        ]
    );
}

#[test]
fn bad_base64_is_reported_with_attribute_and_line() {
    let message = error("dn: cn=a\ncn: a\n\ncACertificate:: x\n");
    assert_eq!(message, "line 4: record has no dn: line (it starts with \"cACertificate:: x\"; every record must begin with \"dn: ...\")");
    let message = error("dn: cn=a\ncn: a\ncACertificate:: ab!d\n");
    assert!(
        message.starts_with("line 3: invalid base64 in value of cACertificate: "),
        "{message}"
    );
    // Whitespace that did not come from folding is not base64.
    let message = error("dn: cn=a\ndata:: aGVs bG8=\n");
    assert!(
        message.starts_with("line 2: invalid base64 in value of data"),
        "{message}"
    );
    let message = error("dn: cn=a\ndata:: aGVs\n  bG8=\n");
    assert!(message.starts_with("line 2: invalid base64"), "{message}");
}

#[test]
fn file_urls_are_read() {
    let dir = std::env::temp_dir().join(format!("ldif-read-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("temp dir");
    std::fs::write(dir.join("sub/photo.bin"), [0u8, 1, 2, 255]).expect("write");
    std::fs::write(dir.join("a b.txt"), b"spaced").expect("write");
    let absolute = format!(
        "dn: cn=a\njpegPhoto:< file://{}/sub/photo.bin\n",
        dir.display()
    );
    let relative = "dn: cn=a\njpegPhoto:<file:sub/photo.bin\nnote:< file:a%20b.txt\n";
    let read_absolute = parse(absolute.as_bytes(), None).expect("absolute URL");
    let read_relative = parse(relative.as_bytes(), Some(&dir)).expect("relative URL");
    let expected = LdifAttribute {
        line: 2,
        name: "jpegPhoto".to_owned(),
        value: vec![0, 1, 2, 255],
    };
    assert_eq!(
        read_absolute[0].change,
        LdifChange::Add(vec![expected.clone()])
    );
    let LdifChange::Add(relative_attributes) = &read_relative[0].change else {
        panic!("expected add");
    };
    assert_eq!(relative_attributes[0], expected);
    assert_eq!(relative_attributes[1].value, b"spaced");
    let missing = error("dn: cn=a\nphoto:< file:///nonexistent/ldif/file\n");
    assert!(missing.starts_with("line 2: cannot read /nonexistent/ldif/file for photo: "));
    let remote = error("dn: cn=a\nphoto:< http://example.test/x\n");
    assert!(remote.contains("only file: URLs are supported"), "{remote}");
    // A device or a directory is no value: refused at once, not read until memory runs out.
    for special in ["/dev/zero", "/tmp"] {
        let refused = error(&format!("dn: cn=a\nphoto:< file://{special}\n"));
        assert!(refused.ends_with("not a regular file"), "{refused}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn structural_errors_name_the_line() {
    assert_eq!(
        error("dn: cn=a\ncn: a\nfoo\n"),
        "line 3: expected \"attribute: value\", found \"foo\""
    );
    assert!(error("\n\ncn: a\n").starts_with("line 3: record has no dn: line"));
    assert!(error(" dn: cn=a\n").starts_with("line 1: line starts with a space"));
    assert!(error("dn: cn=a\n: x\n").starts_with("line 2: missing attribute name"));
    assert!(error("dn: cn=a\nc n: x\n").starts_with("line 2: invalid attribute name \"c n\""));
    assert_eq!(
        error("dn: cn=a\ncn: a\ndn: cn=b\n"),
        "line 3: unexpected dn: line inside a record (separate records with a blank line)"
    );
    assert!(error("dn: cn=a\ncn: a\n-\n").starts_with("line 3: a \"-\" line ends a modification"));
}
