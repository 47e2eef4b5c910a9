//! Distinguished names (RFC 4514): parsing, canonical printing and normalisation.
//!
//! AD compares DNs case-insensitively and ignores insignificant spaces (`CN=Users, DC=Example`
//! names the same object as `cn=users,dc=example`). Every DN that enters the server is parsed into
//! RDNs once; each RDN keeps the spelling it was given (returned to clients) and a normalised key
//! (used for lookups and matching).

use std::fmt;

use crate::casefold::fold_case;

/// Why a string is not a DN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid DN {dn:?}: {reason}")]
pub struct DnError {
    pub dn: String,
    pub reason: String,
}

/// One attribute-value assertion of an RDN, e.g. `CN=Root CA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ava {
    /// The attribute type as written (`CN`, `cn`, `2.5.4.3`).
    pub attribute: String,
    /// The unescaped value.
    pub value: String,
}

/// A relative distinguished name: one or more AVAs joined by `+`.
#[derive(Debug, Clone)]
pub struct Rdn {
    avas: Vec<Ava>,
    /// Canonical, case-folded form: the identity of this RDN.
    key: String,
}

impl PartialEq for Rdn {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Rdn {}

impl Rdn {
    /// Builds a single-AVA RDN such as `CN=<value>` (the value is taken literally, not parsed).
    pub fn new(attribute: &str, value: &str) -> Rdn {
        Rdn::from_avas(vec![Ava {
            attribute: attribute.to_string(),
            value: value.to_string(),
        }])
    }

    fn from_avas(mut avas: Vec<Ava>) -> Rdn {
        if let [ava] = avas.as_slice() {
            // Nearly every RDN has one AVA: its key alone, no list to sort and join.
            let key = ava_key(ava);
            return Rdn { avas, key };
        }
        let mut keys: Vec<String> = avas.iter().map(ava_key).collect();
        if avas.len() > 1 {
            // `A=1+B=2` and `B=2+A=1` are the same RDN.
            let mut pairs: Vec<(String, Ava)> = keys.into_iter().zip(avas).collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            (keys, avas) = pairs.into_iter().unzip();
        }
        Rdn {
            avas,
            key: keys.join("+"),
        }
    }

    pub fn avas(&self) -> &[Ava] {
        &self.avas
    }

    /// The normalised key, e.g. `cn=root ca`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The first AVA's value: what AD stores in `name` (and in `cn` for CN-named objects).
    pub fn value(&self) -> &str {
        self.avas
            .first()
            .map(|ava| ava.value.as_str())
            .unwrap_or("")
    }

    /// The first AVA's attribute type as written.
    pub fn attribute(&self) -> &str {
        self.avas
            .first()
            .map(|ava| ava.attribute.as_str())
            .unwrap_or("")
    }
}

impl fmt::Display for Rdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, ava) in self.avas.iter().enumerate() {
            if index > 0 {
                f.write_str("+")?;
            }
            f.write_str(&ava.attribute)?;
            f.write_str("=")?;
            write_escaped(f, &ava.value)?;
        }
        Ok(())
    }
}

/// A parsed DN. `rdns[0]` is the leaf (`CN=Root CA`), the last is the top (`DC=test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dn {
    rdns: Vec<Rdn>,
}

impl Dn {
    /// The empty DN (the rootDSE).
    pub fn root() -> Dn {
        Dn { rdns: Vec::new() }
    }

    pub fn from_rdns(rdns: Vec<Rdn>) -> Dn {
        Dn { rdns }
    }

    /// Parses RFC 4514 text, accepting the RFC 2253/1779 leniencies AD accepts: spaces around
    /// separators and `=`, quoted values, `;` as a separator.
    pub fn parse(text: &str) -> Result<Dn, DnError> {
        Parser::new(text).parse().map_err(|reason| DnError {
            dn: text.to_string(),
            reason,
        })
    }

    pub fn is_root(&self) -> bool {
        self.rdns.is_empty()
    }

    pub fn rdns(&self) -> &[Rdn] {
        &self.rdns
    }

    /// The leaf RDN, `None` for the root.
    pub fn rdn(&self) -> Option<&Rdn> {
        self.rdns.first()
    }

    pub fn parent(&self) -> Option<Dn> {
        if self.rdns.is_empty() {
            None
        } else {
            Some(Dn {
                rdns: self.rdns[1..].to_vec(),
            })
        }
    }

    /// The normalised form of [`Dn::parent`] (`None` for the root), without copying the RDNs.
    pub fn parent_key(&self) -> Option<String> {
        let (_, above) = self.rdns.split_first()?;
        Some(normalized_key(above))
    }

    /// This DN with `rdn` prepended.
    pub fn child(&self, rdn: Rdn) -> Dn {
        let mut rdns = Vec::with_capacity(self.rdns.len() + 1);
        rdns.push(rdn);
        rdns.extend(self.rdns.iter().cloned());
        Dn { rdns }
    }

    /// Parses `rdn_text` (e.g. `CN=Users`) and prepends it.
    pub fn child_str(&self, rdn_text: &str) -> Result<Dn, DnError> {
        let parsed = Dn::parse(rdn_text)?;
        let mut rdns = parsed.rdns;
        rdns.extend(self.rdns.iter().cloned());
        Ok(Dn { rdns })
    }

    /// True when `self` is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &Dn) -> bool {
        self.rdns.len() >= ancestor.rdns.len()
            && self.rdns[self.rdns.len() - ancestor.rdns.len()..] == ancestor.rdns[..]
    }

    /// The canonical, case-folded form used as a lookup key: `cn=root ca,dc=example,dc=test`.
    pub fn normalized(&self) -> String {
        normalized_key(&self.rdns)
    }
}

/// The RDNs' keys joined by commas, in one allocation.
fn normalized_key(rdns: &[Rdn]) -> String {
    let length = rdns.iter().map(|rdn| rdn.key.len() + 1).sum();
    let mut out = String::with_capacity(length);
    for (index, rdn) in rdns.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&rdn.key);
    }
    out
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, rdn) in self.rdns.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{rdn}")?;
        }
        Ok(())
    }
}

/// Escapes a value for RFC 4514 output: the specials, a leading `#` or space, a trailing space.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, value);
    out
}

/// [`escape_value`] written straight into `out`: DNs are printed for every entry a search
/// returns, and most values need no escaping at all.
pub fn write_escaped(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    let needs_escape = |index: usize, byte: u8| {
        matches!(
            byte,
            b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';' | b'=' | b'\0'
        ) || (index == 0 && (byte == b'#' || byte == b' '))
            || (index + 1 == value.len() && byte == b' ')
    };
    if !value
        .bytes()
        .enumerate()
        .any(|(index, byte)| needs_escape(index, byte))
    {
        return out.write_str(value);
    }
    let last = value.chars().count().saturating_sub(1);
    for (index, ch) in value.chars().enumerate() {
        match ch {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' => {
                out.write_char('\\')?;
                out.write_char(ch)?;
            }
            '#' if index == 0 => out.write_str("\\#")?,
            ' ' if index == 0 || index == last => out.write_str("\\ ")?,
            '\0' => out.write_str("\\00")?,
            _ => out.write_char(ch)?,
        }
    }
    Ok(())
}

fn ava_key(ava: &Ava) -> String {
    let folded = fold_case(ava.value.as_bytes());
    let value = String::from_utf8_lossy(&folded);
    let mut key = String::with_capacity(ava.attribute.len() + 1 + value.len());
    key.push_str(&ava.attribute);
    key.make_ascii_lowercase();
    key.push('=');
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut key, &value);
    key
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    fn parse(mut self) -> Result<Dn, String> {
        let mut rdns = Vec::new();
        self.skip_spaces();
        if self.pos == self.bytes.len() {
            return Ok(Dn::root());
        }
        loop {
            let mut avas = vec![self.ava()?];
            while self.peek() == Some(b'+') {
                self.pos += 1;
                avas.push(self.ava()?);
            }
            rdns.push(Rdn::from_avas(avas));
            match self.peek() {
                None => break,
                Some(b',') | Some(b';') => self.pos += 1,
                Some(other) => {
                    return Err(format!(
                        "unexpected {:?} at offset {}",
                        other as char, self.pos
                    ))
                }
            }
        }
        Ok(Dn { rdns })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn ava(&mut self) -> Result<Ava, String> {
        self.skip_spaces();
        let start = self.pos;
        while let Some(byte) = self.peek() {
            if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let attribute = &self.text[start..self.pos];
        if attribute.is_empty() {
            return Err(format!("expected an attribute type at offset {start}"));
        }
        if !attribute.as_bytes()[0].is_ascii_alphanumeric() {
            return Err(format!("invalid attribute type {attribute:?}"));
        }
        self.skip_spaces();
        if self.peek() != Some(b'=') {
            return Err(format!("expected '=' after {attribute:?}"));
        }
        self.pos += 1;
        self.skip_spaces();
        let value = match self.peek() {
            Some(b'#') => self.hex_value()?,
            Some(b'"') => self.quoted_value()?,
            _ => self.string_value()?,
        };
        self.skip_spaces();
        Ok(Ava {
            attribute: attribute.to_string(),
            value,
        })
    }

    /// `#` followed by the hex of a BER value: kept as its text, since the tree only needs identity.
    fn hex_value(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.pos += 1;
        while self.peek().is_some_and(|byte| byte.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        if self.pos == start + 1 || !(self.pos - start - 1).is_multiple_of(2) {
            return Err("a '#' value needs an even number of hex digits".to_string());
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn quoted_value(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut raw = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted value".to_string()),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => raw.push(self.escape()?),
                Some(byte) => {
                    raw.push(byte);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(raw).map_err(|_| "value is not UTF-8".to_string())
    }

    fn string_value(&mut self) -> Result<String, String> {
        let mut raw = Vec::new();
        // Trailing unescaped spaces are not part of the value; escaped ones are.
        let mut significant_len = 0;
        while let Some(byte) = self.peek() {
            match byte {
                b',' | b';' | b'+' => break,
                b'\\' => {
                    raw.push(self.escape()?);
                    significant_len = raw.len();
                }
                b'"' | b'<' | b'>' | b'=' | 0 => {
                    return Err(format!(
                        "{:?} must be escaped (offset {})",
                        byte as char, self.pos
                    ))
                }
                _ => {
                    raw.push(byte);
                    self.pos += 1;
                    if byte != b' ' {
                        significant_len = raw.len();
                    }
                }
            }
        }
        raw.truncate(significant_len);
        String::from_utf8(raw).map_err(|_| "value is not UTF-8".to_string())
    }

    /// One `\X` or `\XX` escape; returns the byte it stands for.
    fn escape(&mut self) -> Result<u8, String> {
        self.pos += 1;
        let first = self.peek().ok_or("a '\\' ends the DN")?;
        if first.is_ascii_hexdigit() {
            let second = self
                .bytes
                .get(self.pos + 1)
                .copied()
                .filter(u8::is_ascii_hexdigit)
                .ok_or_else(|| format!("'\\{}' is not a two-digit hex escape", first as char))?;
            self.pos += 2;
            let hex = [first, second];
            let text = std::str::from_utf8(&hex).map_err(|e| e.to_string())?;
            return u8::from_str_radix(text, 16).map_err(|e| e.to_string());
        }
        self.pos += 1;
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_a_pki_dn() {
        let dn = Dn::parse("CN=Root CA,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test").unwrap();
        assert_eq!(dn.rdns().len(), 7);
        assert_eq!(dn.rdn().unwrap().value(), "Root CA");
        assert_eq!(
            dn.to_string(),
            "CN=Root CA,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test"
        );
    }

    #[test]
    fn normalisation_ignores_case_and_spaces() {
        let a = Dn::parse("CN=Users, DC=Example ,DC=TEST").unwrap();
        let b = Dn::parse("cn=users,dc=example,dc=test").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.normalized(), "cn=users,dc=example,dc=test");
    }

    #[test]
    fn escapes_round_trip() {
        let dn = Dn::parse(r"CN=Smith\, John+OU=Sales,DC=x").unwrap();
        let rdn = dn.rdn().unwrap();
        assert_eq!(rdn.avas().len(), 2);
        assert_eq!(
            Dn::parse(&dn.to_string()).unwrap().normalized(),
            dn.normalized()
        );
        let hex = Dn::parse(r"CN=caf\C3\A9,DC=x").unwrap();
        assert_eq!(hex.rdn().unwrap().value(), "café");
        let quoted = Dn::parse(r#"CN="a, b",DC=x"#).unwrap();
        assert_eq!(quoted.rdn().unwrap().value(), "a, b");
        let trailing = Dn::parse(r"CN=a\ ,DC=x").unwrap();
        assert_eq!(trailing.rdn().unwrap().value(), "a ");
    }

    #[test]
    fn multi_valued_rdns_are_order_independent() {
        assert_eq!(
            Dn::parse("CN=a+OU=b,DC=x").unwrap(),
            Dn::parse("OU=b+CN=a,DC=x").unwrap()
        );
    }

    #[test]
    fn ancestry() {
        let leaf = Dn::parse("CN=a,CN=Users,DC=example,DC=test").unwrap();
        let users = Dn::parse("cn=users,dc=example,dc=test").unwrap();
        assert!(leaf.is_within(&users));
        assert!(users.is_within(&users));
        assert!(!users.is_within(&leaf));
        assert!(leaf.is_within(&Dn::root()));
        assert_eq!(leaf.parent().unwrap(), users);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "CN",
            "=x",
            "CN=a,",
            "CN=a\\",
            "CN=a\\4",
            "CN=\"open",
            "CN=a=b",
            "CN=#abc",
        ] {
            assert!(Dn::parse(bad).is_err(), "{bad}");
        }
        assert!(Dn::parse("").unwrap().is_root());
    }
}
