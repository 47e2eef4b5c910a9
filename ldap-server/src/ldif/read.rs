//! The LDIF parser.
//!
//! Parsing happens in two passes so that each stays simple: [`Records::next_block`] undoes the
//! physical layout (line ends, folding, comments, blank-line record separators) while keeping the
//! physical line number of every logical line, and [`parse_record`] interprets one block. Every
//! access to input-derived data goes through `split_first`, `strip_prefix`, `get` and friends, so
//! no input can make the parser panic.

use std::path::{Path, PathBuf};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::{LdifAttribute, LdifChange, LdifError, LdifModification, LdifRecord, ModifyOp};

/// Standard alphabet, but tolerant of missing padding and non-zero trailing bits: those quirks
/// do not make a value ambiguous, so rejecting them would only annoy people.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// One unfolded line and the physical line it started on.
#[derive(Debug)]
struct Line {
    number: usize,
    text: Vec<u8>,
}

impl Line {
    /// An error about this line; keeps the many error sites short.
    fn error(&self, message: impl Into<String>) -> LdifError {
        LdifError::new(self.number, message)
    }
}

/// Parses a whole LDIF document (the tests' reader). `base_dir` resolves relative `file:` URLs
/// of `:<` values.
#[cfg(test)]
pub(crate) fn parse(input: &[u8], base_dir: Option<&Path>) -> Result<Vec<LdifRecord>, LdifError> {
    records_from(input, base_dir, 0, true).collect()
}

/// Parses records one at a time, so a million-entry file never exists twice in memory: `input`
/// is a document, or a piece of a larger one that starts after `lines_before` lines at a record
/// boundary; `at_start` says whether it is the document's beginning (where a `version:` line may
/// stand). `base_dir` resolves relative `file:` URLs of `:<` values.
pub fn records_from<'a>(
    input: &'a [u8],
    base_dir: Option<&'a Path>,
    lines_before: usize,
    at_start: bool,
) -> Records<'a> {
    Records {
        input,
        position: 0,
        line_number: lines_before,
        first: at_start,
        failed: false,
        base_dir,
    }
}

/// Iterator over the records of an LDIF document; stops after the first error.
pub struct Records<'a> {
    input: &'a [u8],
    position: usize,
    line_number: usize,
    first: bool,
    failed: bool,
    base_dir: Option<&'a Path>,
}

impl Iterator for Records<'_> {
    type Item = Result<LdifRecord, LdifError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let block = match self.next_block() {
                Ok(Some(block)) => block,
                Ok(None) => return None,
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            };
            let lines = if std::mem::take(&mut self.first) {
                match skip_version(&block) {
                    Ok(lines) => lines,
                    Err(error) => {
                        self.failed = true;
                        return Some(Err(error));
                    }
                }
            } else {
                &block[..]
            };
            if let Some((dn_line, body)) = lines.split_first() {
                let record = parse_record(dn_line, body, self.base_dir);
                self.failed = record.is_err();
                return Some(record);
            }
        }
    }
}

impl Records<'_> {
    /// The next record's logical lines: physical lines up to a blank line, with continuation
    /// lines unfolded and comments (and their continuations) dropped.
    fn next_block(&mut self) -> Result<Option<Vec<Line>>, LdifError> {
        let mut current: Vec<Line> = Vec::new();
        let mut in_comment = false;
        while self.position < self.input.len() {
            let rest = &self.input[self.position..];
            let (raw, advance) = match rest.iter().position(|&byte| byte == b'\n') {
                Some(end) => (&rest[..end], end + 1),
                None => (rest, rest.len()),
            };
            self.position += advance;
            self.line_number += 1;
            let number = self.line_number;
            let text = raw.strip_suffix(b"\r").unwrap_or(raw);
            if text.is_empty() {
                if !current.is_empty() {
                    return Ok(Some(current));
                }
                in_comment = false;
            } else if let Some(rest) = text.strip_prefix(b" ") {
                match current.last_mut() {
                    _ if in_comment => {}
                    Some(previous) => previous.text.extend_from_slice(rest),
                    // Whitespace-only lines between records are a common hand-editing slip and
                    // carry no data, so they count as blank.
                    None if text.iter().all(|&b| b == b' ' || b == b'\t') => {}
                    None => {
                        let message = "line starts with a space (a folded continuation) but there \
                                       is no line before it to continue";
                        return Err(LdifError::new(number, message));
                    }
                }
            } else if text.starts_with(b"#") {
                in_comment = true;
            } else {
                in_comment = false;
                current.push(Line {
                    number,
                    text: text.to_vec(),
                });
            }
        }
        Ok((!current.is_empty()).then_some(current))
    }
}

/// Accepts an optional `version: 1` line at the start of the first block and returns the lines
/// after it (the first record may follow without a blank line).
fn skip_version(block: &[Line]) -> Result<&[Line], LdifError> {
    match block.split_first() {
        Some((first, rest)) if first.text.starts_with(b"version:") => {
            let (_, value) = parse_attr_line(first, None)?;
            match text_value(first, "version", value)?.as_str() {
                "1" => Ok(rest),
                other => Err(first.error(format!(
                    "unsupported LDIF version {other:?} (only version 1 exists)"
                ))),
            }
        }
        _ => Ok(block),
    }
}

/// Interprets one record: `dn:`, then an optional `changetype:`, then the body for that type.
fn parse_record(
    dn_line: &Line,
    body: &[Line],
    base_dir: Option<&Path>,
) -> Result<LdifRecord, LdifError> {
    if !attr_name(&dn_line.text).eq_ignore_ascii_case(b"dn") {
        return Err(dn_line.error(format!(
            "record has no dn: line (it starts with {}; every record must begin with \"dn: ...\")",
            quote(&dn_line.text)
        )));
    }
    let (_, value) = parse_attr_line(dn_line, base_dir)?;
    Ok(LdifRecord {
        line: dn_line.number,
        dn: utf8_value(dn_line, "dn", value)?,
        change: parse_change(body, base_dir)?,
    })
}

/// Parses everything after the `dn:` line.
fn parse_change(lines: &[Line], base_dir: Option<&Path>) -> Result<LdifChange, LdifError> {
    let Some((first, rest)) = lines.split_first() else {
        return Ok(LdifChange::Add(Vec::new()));
    };
    let name = attr_name(&first.text);
    if name.eq_ignore_ascii_case(b"control") {
        return Err(first.error("LDIF controls are not supported (remove the control: line)"));
    }
    if !name.eq_ignore_ascii_case(b"changetype") {
        return parse_add(lines, base_dir);
    }
    let (_, value) = parse_attr_line(first, base_dir)?;
    let kind = text_value(first, "changetype", value)?;
    match kind.to_ascii_lowercase().as_str() {
        "add" => parse_add(rest, base_dir),
        "delete" => match rest.first() {
            None => Ok(LdifChange::Delete),
            Some(extra) => Err(extra.error("a changetype: delete record cannot have more lines")),
        },
        "modify" => parse_modify(rest, base_dir),
        "modrdn" | "moddn" => parse_moddn(first, rest, base_dir),
        _ => Err(first.error(format!(
            "unknown changetype {kind:?} (expected add, delete, modify, modrdn or moddn)"
        ))),
    }
}

/// The attribute lines of a content record or `changetype: add`.
fn parse_add(lines: &[Line], base_dir: Option<&Path>) -> Result<LdifChange, LdifError> {
    let mut attributes = Vec::with_capacity(lines.len());
    for line in lines {
        if is_separator(line) {
            return Err(line.error(
                "a \"-\" line ends a modification and is only allowed in changetype: modify",
            ));
        }
        let (name, value) = parse_attr_line(line, base_dir)?;
        if name.eq_ignore_ascii_case("dn") || name.eq_ignore_ascii_case("changetype") {
            return Err(line.error(format!(
                "unexpected {name}: line inside a record (separate records with a blank line)"
            )));
        }
        let line = line.number;
        attributes.push(LdifAttribute { line, name, value });
    }
    Ok(LdifChange::Add(attributes))
}

/// The `add:`/`delete:`/`replace:` blocks of a modify record, each ended by `-` (optional for
/// the last block).
fn parse_modify(lines: &[Line], base_dir: Option<&Path>) -> Result<LdifChange, LdifError> {
    let mut modifications = Vec::new();
    let mut remaining = lines.iter();
    while let Some(op_line) = remaining.next() {
        let (op, attribute) = parse_modify_op(op_line, base_dir)?;
        let mut values = Vec::new();
        for line in remaining.by_ref().take_while(|line| !is_separator(line)) {
            let (name, value) = parse_attr_line(line, base_dir)?;
            if !name.eq_ignore_ascii_case(&attribute) {
                return Err(line.error(format!(
                    "value for {name} inside the block for {attribute} (line {}); end that \
                     block with a \"-\" line first",
                    op_line.number
                )));
            }
            values.push(value);
        }
        let line = op_line.number;
        modifications.push(LdifModification {
            line,
            op,
            attribute,
            values,
        });
    }
    Ok(LdifChange::Modify(modifications))
}

/// Reads the `add: attr` style line that opens a modify block.
fn parse_modify_op(line: &Line, base_dir: Option<&Path>) -> Result<(ModifyOp, String), LdifError> {
    if is_separator(line) {
        return Err(line.error("unexpected \"-\" line: expected add:, delete: or replace:"));
    }
    let (keyword, value) = parse_attr_line(line, base_dir)?;
    let op = match keyword.to_ascii_lowercase().as_str() {
        "add" => ModifyOp::Add,
        "delete" => ModifyOp::Delete,
        "replace" => ModifyOp::Replace,
        _ => {
            return Err(line.error(format!(
                "unknown modify operation {keyword:?} (expected add, delete or replace; blocks \
                 are separated by \"-\" lines)"
            )))
        }
    };
    let attribute = text_value(line, &keyword, value)?;
    if attribute.is_empty() {
        return Err(line.error(format!("missing attribute name after {keyword}:")));
    }
    Ok((op, attribute))
}

/// The body of a modrdn/moddn record: `newrdn`, `deleteoldrdn`, optional `newsuperior`, in
/// that order as RFC 2849 requires.
fn parse_moddn(
    changetype_line: &Line,
    lines: &[Line],
    base_dir: Option<&Path>,
) -> Result<LdifChange, LdifError> {
    let mut remaining = lines.iter();
    let mut last = changetype_line;
    // The (line number, value) of the next line, which must be `keyword:`; None at the end.
    let mut next = |keyword: &str| -> Result<Option<(usize, String)>, LdifError> {
        let Some(line) = remaining.next() else {
            return Ok(None);
        };
        last = line;
        let (name, value) = parse_attr_line(line, base_dir)?;
        if !name.eq_ignore_ascii_case(keyword) {
            let message =
                format!("expected \"{keyword}:\" line in a modrdn record, found {name:?}");
            return Err(line.error(message));
        }
        Ok(Some((line.number, utf8_value(line, keyword, value)?)))
    };
    let new_rdn = next("newrdn")?;
    let delete_old = next("deleteoldrdn")?;
    let new_superior = next("newsuperior")?.map(|(_, value)| value);
    let missing = |keyword: &str| last.error(format!("modrdn record has no \"{keyword}:\" line"));
    let (_, new_rdn) = new_rdn.ok_or_else(|| missing("newrdn"))?;
    let (number, delete_old) = delete_old.ok_or_else(|| missing("deleteoldrdn"))?;
    let delete_old_rdn = match delete_old.trim() {
        "0" => false,
        "1" => true,
        other => {
            let message = format!("deleteoldrdn must be 0 or 1, found {other:?}");
            return Err(LdifError::new(number, message));
        }
    };
    if let Some(extra) = remaining.next() {
        return Err(extra.error("unexpected line after newsuperior: in a modrdn record"));
    }
    Ok(LdifChange::ModDn {
        new_rdn,
        delete_old_rdn,
        new_superior,
    })
}

/// A `-` line (trailing blanks tolerated) ends a modify block.
fn is_separator(line: &Line) -> bool {
    line.text.trim_ascii_end() == b"-"
}

/// The bytes before the first colon, for deciding what a line is before parsing it fully.
fn attr_name(text: &[u8]) -> &[u8] {
    text.split(|&byte| byte == b':').next().unwrap_or(text)
}

/// Splits `name: value`, `name:: base64` or `name:< url` into the name and the decoded value.
fn parse_attr_line(line: &Line, base_dir: Option<&Path>) -> Result<(String, Vec<u8>), LdifError> {
    let Some(colon) = line.text.iter().position(|&byte| byte == b':') else {
        let found = quote(&line.text);
        return Err(line.error(format!("expected \"attribute: value\", found {found}")));
    };
    let (name, spec) = line.text.split_at(colon);
    let name = attribute_description(line, name)?;
    let spec = spec.get(1..).unwrap_or_default();
    let value = if let Some(encoded) = spec.strip_prefix(b":") {
        let encoded = trim_fill(encoded).trim_ascii_end();
        BASE64
            .decode(encoded)
            .map_err(|error| line.error(format!("invalid base64 in value of {name}: {error}")))?
    } else if let Some(url) = spec.strip_prefix(b"<") {
        read_url(line, &name, url, base_dir)?
    } else {
        trim_fill(spec).to_vec()
    };
    Ok((name, value))
}

/// Validates an attribute description (name or OID plus `;options`).
fn attribute_description(line: &Line, name: &[u8]) -> Result<String, LdifError> {
    let valid = |byte: &u8| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b';' | b'.');
    if name.is_empty() {
        let found = quote(&line.text);
        return Err(line.error(format!("missing attribute name before ':' in {found}")));
    }
    match std::str::from_utf8(name) {
        Ok(name) if name.bytes().all(|byte| valid(&byte)) => Ok(name.to_owned()),
        _ => Err(line.error(format!(
            "invalid attribute name {} (only letters, digits, '-', '.' and ';' are allowed)",
            quote(name)
        ))),
    }
}

/// Strips the FILL (spaces) between the colon and the value.
fn trim_fill(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Reads the file named by a `file:` URL; other schemes would mean network access.
fn read_url(
    line: &Line,
    name: &str,
    url: &[u8],
    base_dir: Option<&Path>,
) -> Result<Vec<u8>, LdifError> {
    let url = String::from_utf8_lossy(trim_fill(url).trim_ascii_end()).into_owned();
    let path = file_url_path(&url, base_dir)
        .map_err(|problem| line.error(format!("{problem} in value of {name}: {url:?}")))?;
    read_bounded(&path).map_err(|error| {
        line.error(format!(
            "cannot read {} for {name}: {error}",
            path.display()
        ))
    })
}

/// The largest file a `file:` value may name: far above any certificate, CRL or photo, and a
/// bound on what a hostile LDIF (`file:///dev/zero`) can make the loader hold.
const MAX_URL_FILE: u64 = 16 * 1024 * 1024;

/// A regular file of at most [`MAX_URL_FILE`] bytes.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if metadata.len() > MAX_URL_FILE {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_URL_FILE / 1024 / 1024
        )));
    }
    let mut bytes = Vec::new();
    file.take(MAX_URL_FILE).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Maps `file:///abs`, `file://localhost/abs`, `file:/abs` and `file:relative` to a path.
fn file_url_path(url: &str, base_dir: Option<&Path>) -> Result<PathBuf, String> {
    let rest = match url.get(..5) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file:") => url.get(5..).unwrap_or_default(),
        _ => return Err("only file: URLs are supported".to_owned()),
    };
    let path = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let slash = authority_and_path
                .find('/')
                .unwrap_or(authority_and_path.len());
            let (host, path) = authority_and_path.split_at(slash);
            if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
                return Err(format!("file URL names a remote host {host:?}"));
            }
            path
        }
        None => rest,
    };
    let path = PathBuf::from(percent_decode(path)?);
    match base_dir {
        Some(base) if path.is_relative() => Ok(base.join(path)),
        _ => Ok(path),
    }
}

/// Decodes `%XX` escapes (URLs escape spaces and other special characters that way).
fn percent_decode(text: &str) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte != b'%' {
            bytes.push(byte);
            rest = tail;
            continue;
        }
        let hex = tail
            .get(..2)
            .and_then(|pair| std::str::from_utf8(pair).ok());
        let decoded = hex.and_then(|pair| u8::from_str_radix(pair, 16).ok());
        bytes.push(decoded.ok_or("bad %-escape")?);
        rest = tail.get(2..).unwrap_or_default();
    }
    String::from_utf8(bytes).map_err(|_| "%-escapes that are not UTF-8".to_owned())
}

/// A value that must be text (DNs, RDNs).
fn utf8_value(line: &Line, what: &str, value: Vec<u8>) -> Result<String, LdifError> {
    String::from_utf8(value).map_err(|_| line.error(format!("value of {what} is not valid UTF-8")))
}

/// A keyword-like value (changetype, version, ...): text with surrounding blanks removed.
fn text_value(line: &Line, what: &str, value: Vec<u8>) -> Result<String, LdifError> {
    Ok(utf8_value(line, what, value)?.trim().to_owned())
}

/// Shows offending input in an error message, shortened so one bad line cannot flood a log.
fn quote(bytes: &[u8]) -> String {
    const LIMIT: usize = 60;
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.chars().take(LIMIT).collect();
    if text.chars().nth(LIMIT).is_some() {
        shown.push_str("...");
    }
    format!("{shown:?}")
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
