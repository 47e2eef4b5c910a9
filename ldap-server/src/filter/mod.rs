//! Search filters: compiled once per search against the schema, then evaluated per candidate
//! with LDAP's three-valued logic; plus the RFC 4515 text form for the access log.
//!
//! Compilation resolves attribute names, normalises assertion values for the attribute's syntax
//! (so a DER certificate compares as bytes and `cn` ignores case), and expands AD's objectCategory
//! shortcut: `(objectCategory=certificationAuthority)` becomes the class's defaultObjectCategory DN,
//! looked up in the schema (MS-ADTS 3.1.1.3.1.3.5).

use std::cmp::Ordering;

use rasn_ldap::{Filter, SubstringChoice};

use crate::directory::Directory;
use crate::entry::EntryId;
use crate::schema::{AttrId, Syntax};

/// `LDAP_MATCHING_RULE_BIT_AND`: every bit of the assertion is set.
pub const BIT_AND: &str = "1.2.840.113556.1.4.803";
/// `LDAP_MATCHING_RULE_BIT_OR`: any bit of the assertion is set.
pub const BIT_OR: &str = "1.2.840.113556.1.4.804";

/// A filter resolved against the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Compiled {
    And(Vec<Compiled>),
    Or(Vec<Compiled>),
    Not(Box<Compiled>),
    Equal {
        attribute: AttrId,
        value: Vec<u8>,
    },
    Substrings {
        attribute: AttrId,
        initial: Option<Vec<u8>>,
        any: Vec<Vec<u8>>,
        last: Option<Vec<u8>>,
    },
    Ordering {
        attribute: AttrId,
        value: Vec<u8>,
        greater: bool,
    },
    Present(AttrId),
    Bits {
        attribute: AttrId,
        mask: i128,
        all: bool,
    },
    /// An attribute the schema does not know or a rule we do not implement: Undefined (RFC 4511 4.5.1.7).
    Undefined,
}

/// RFC 4511's three truth values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Undefined,
}

impl Compiled {
    pub fn compile(filter: &Filter, dir: &Directory) -> Compiled {
        let schema = dir.schema();
        let attribute = |name: &str| schema.attribute_id(name);
        match filter {
            Filter::And(set) => {
                Compiled::And(set.iter().map(|f| Compiled::compile(f, dir)).collect())
            }
            Filter::Or(set) => {
                Compiled::Or(set.iter().map(|f| Compiled::compile(f, dir)).collect())
            }
            Filter::Not(inner) => Compiled::Not(Box::new(Compiled::compile(inner, dir))),
            Filter::EqualityMatch(ava) | Filter::ApproxMatch(ava) => {
                match attribute(&ava.attribute_desc) {
                    Some(id) => equality(dir, id, &ava.assertion_value),
                    None => Compiled::Undefined,
                }
            }
            Filter::GreaterOrEqual(ava) | Filter::LessOrEqual(ava) => {
                match attribute(&ava.attribute_desc) {
                    Some(id) => Compiled::Ordering {
                        attribute: id,
                        value: ava.assertion_value.to_vec(),
                        greater: matches!(filter, Filter::GreaterOrEqual(_)),
                    },
                    None => Compiled::Undefined,
                }
            }
            Filter::Present(name) => match attribute(name) {
                Some(id) => Compiled::Present(id),
                None => Compiled::Undefined,
            },
            Filter::Substrings(substrings) => match attribute(&substrings.r#type) {
                Some(id) => {
                    let syntax = schema.attribute(id).syntax;
                    let fold = |value: &[u8]| substring_fold(syntax, value);
                    let mut initial = None;
                    let mut any = Vec::new();
                    let mut last = None;
                    for choice in &substrings.substrings {
                        match choice {
                            SubstringChoice::Initial(value) => initial = Some(fold(value)),
                            SubstringChoice::Any(value) => any.push(fold(value)),
                            SubstringChoice::Final(value) => last = Some(fold(value)),
                            _ => return Compiled::Undefined,
                        }
                    }
                    Compiled::Substrings {
                        attribute: id,
                        initial,
                        any,
                        last,
                    }
                }
                None => Compiled::Undefined,
            },
            Filter::ExtensibleMatch(assertion) => {
                let Some(id) = assertion.r#type.as_deref().and_then(|name| attribute(name)) else {
                    return Compiled::Undefined;
                };
                match assertion.matching_rule.as_deref().map(String::as_str) {
                    None => equality(dir, id, &assertion.match_value),
                    Some(rule @ (BIT_AND | BIT_OR)) => {
                        match crate::schema::parse_integer(&assertion.match_value) {
                            Some(mask) => Compiled::Bits {
                                attribute: id,
                                mask,
                                all: rule == BIT_AND,
                            },
                            None => Compiled::Undefined,
                        }
                    }
                    Some(_) => Compiled::Undefined,
                }
            }
            _ => Compiled::Undefined,
        }
    }

    pub fn evaluate(&self, dir: &Directory, id: EntryId) -> Truth {
        match self {
            Compiled::And(filters) => {
                let mut result = Truth::True;
                for filter in filters {
                    match filter.evaluate(dir, id) {
                        Truth::False => return Truth::False,
                        Truth::Undefined => result = Truth::Undefined,
                        Truth::True => {}
                    }
                }
                result
            }
            Compiled::Or(filters) => {
                let mut result = Truth::False;
                for filter in filters {
                    match filter.evaluate(dir, id) {
                        Truth::True => return Truth::True,
                        Truth::Undefined => result = Truth::Undefined,
                        Truth::False => {}
                    }
                }
                result
            }
            Compiled::Not(inner) => match inner.evaluate(dir, id) {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                Truth::Undefined => Truth::Undefined,
            },
            Compiled::Undefined => Truth::Undefined,
            Compiled::Present(attribute) => truth(!dir.values(id, *attribute).is_empty()),
            Compiled::Equal { attribute, value } => truth(dir.has_value(id, *attribute, value)),
            Compiled::Substrings {
                attribute,
                initial,
                any,
                last,
            } => {
                let syntax = dir.schema().attribute(*attribute).syntax;
                truth(dir.values(id, *attribute).iter().any(|stored| {
                    substring_match(
                        &substring_fold(syntax, stored),
                        initial.as_deref(),
                        any,
                        last.as_deref(),
                    )
                }))
            }
            Compiled::Ordering {
                attribute,
                value,
                greater,
            } => {
                let syntax = dir.schema().attribute(*attribute).syntax;
                truth(dir.values(id, *attribute).iter().any(|stored| {
                    match syntax.compare(stored, value) {
                        Some(Ordering::Equal) => true,
                        Some(Ordering::Greater) => *greater,
                        Some(Ordering::Less) => !*greater,
                        None => false,
                    }
                }))
            }
            Compiled::Bits {
                attribute,
                mask,
                all,
            } => truth(dir.values(id, *attribute).iter().any(|stored| {
                match crate::schema::parse_integer(stored) {
                    Some(number) if *all => number & mask == *mask,
                    Some(number) => number & mask != 0,
                    None => false,
                }
            })),
        }
    }

    /// Candidate entries from the equality indexes, or `None` when the filter needs a scan.
    pub fn indexed_candidates(&self, dir: &Directory) -> Option<Vec<EntryId>> {
        match self {
            Compiled::Equal { attribute, value } => dir.indexed(*attribute, value),
            Compiled::And(filters) => filters
                .iter()
                .filter_map(|filter| filter.indexed_candidates(dir))
                .min_by_key(Vec::len),
            Compiled::Or(filters) => {
                let mut union = Vec::new();
                for filter in filters {
                    union.extend(filter.indexed_candidates(dir)?);
                }
                union.sort_unstable();
                union.dedup();
                Some(union)
            }
            _ => None,
        }
    }
}

fn truth(value: bool) -> Truth {
    if value {
        Truth::True
    } else {
        Truth::False
    }
}

fn equality(dir: &Directory, id: AttrId, value: &[u8]) -> Compiled {
    let schema = dir.schema();
    let definition = schema.attribute(id);
    if definition.name == "objectCategory" && !value.contains(&b'=') {
        // AD's shortcut: a class name stands for its defaultObjectCategory DN.
        let name = String::from_utf8_lossy(value);
        return Compiled::Equal {
            attribute: id,
            value: dir
                .default_object_category_key(name.trim())
                .unwrap_or_default(),
        };
    }
    Compiled::Equal {
        attribute: id,
        value: definition.syntax.normalize(value).into_owned(),
    }
}

fn substring_fold(syntax: Syntax, value: &[u8]) -> Vec<u8> {
    if syntax.is_binary() || syntax == Syntax::CaseExactString {
        value.to_vec()
    } else {
        // Case-fold without trimming: substring pieces keep their inner spaces.
        String::from_utf8_lossy(value).to_lowercase().into_bytes()
    }
}

fn substring_match(
    value: &[u8],
    initial: Option<&[u8]>,
    any: &[Vec<u8>],
    last: Option<&[u8]>,
) -> bool {
    let mut rest = value;
    if let Some(initial) = initial {
        match rest.strip_prefix(initial) {
            Some(remaining) => rest = remaining,
            None => return false,
        }
    }
    for piece in any {
        match find(rest, piece) {
            Some(position) => rest = &rest[position + piece.len()..],
            None => return false,
        }
    }
    match last {
        Some(last) => rest.ends_with(last),
        None => true,
    }
}

/// Where `needle` first occurs in `haystack`: linear time (Two-Way), whatever the input, so a
/// value of repeated bytes and a piece almost like it cost no more than any other.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The most terms (AND, OR, NOT and assertions) a search filter may have: a filter is evaluated
/// for every candidate entry, so its size multiplies the work. Far above what clients send (the
/// phone's has one; management tools a few dozen).
pub const MAX_FILTER_TERMS: usize = 512;

/// The number of terms in `filter`, counting no further than `limit + 1`.
pub fn terms(filter: &Filter, limit: usize) -> usize {
    // The phone's filter is one assertion: counted without a stack.
    if !matches!(filter, Filter::And(_) | Filter::Or(_) | Filter::Not(_)) {
        return 1;
    }
    let mut count = 0;
    let mut pending = vec![filter];
    while let Some(next) = pending.pop() {
        count += 1;
        if count > limit {
            break;
        }
        match next {
            Filter::And(set) | Filter::Or(set) => pending.extend(set.iter()),
            Filter::Not(inner) => pending.push(inner),
            _ => {}
        }
    }
    count
}

/// RFC 4515 text of a filter, for logs: `(&(objectCategory=certificationAuthority)(cn=Root*))`.
pub fn to_text(filter: &Filter) -> String {
    let mut out = String::with_capacity(64);
    write_text(filter, &mut out);
    out
}

fn write_text(filter: &Filter, out: &mut String) {
    out.push('(');
    match filter {
        Filter::And(set) | Filter::Or(set) => {
            out.push(if matches!(filter, Filter::And(_)) {
                '&'
            } else {
                '|'
            });
            for inner in set.iter() {
                write_text(inner, out);
            }
        }
        Filter::Not(inner) => {
            out.push('!');
            write_text(inner, out);
        }
        Filter::EqualityMatch(ava) => {
            push_pair(out, &ava.attribute_desc, "=", &ava.assertion_value)
        }
        Filter::ApproxMatch(ava) => push_pair(out, &ava.attribute_desc, "~=", &ava.assertion_value),
        Filter::GreaterOrEqual(ava) => {
            push_pair(out, &ava.attribute_desc, ">=", &ava.assertion_value)
        }
        Filter::LessOrEqual(ava) => push_pair(out, &ava.attribute_desc, "<=", &ava.assertion_value),
        Filter::Present(name) => {
            out.push_str(name);
            out.push_str("=*");
        }
        Filter::Substrings(substrings) => {
            out.push_str(&substrings.r#type);
            out.push('=');
            let mut ended_with_star = false;
            for (index, choice) in substrings.substrings.iter().enumerate() {
                match choice {
                    SubstringChoice::Initial(value) => {
                        escape_into(out, value);
                        out.push('*');
                        ended_with_star = true;
                    }
                    SubstringChoice::Any(value) => {
                        if index == 0 {
                            out.push('*');
                        }
                        escape_into(out, value);
                        out.push('*');
                        ended_with_star = true;
                    }
                    SubstringChoice::Final(value) => {
                        if !ended_with_star {
                            out.push('*');
                        }
                        escape_into(out, value);
                        ended_with_star = false;
                    }
                    _ => {}
                }
            }
        }
        Filter::ExtensibleMatch(assertion) => {
            if let Some(name) = &assertion.r#type {
                out.push_str(name);
            }
            if assertion.dn_attributes {
                out.push_str(":dn");
            }
            if let Some(rule) = &assertion.matching_rule {
                out.push(':');
                out.push_str(rule);
            }
            out.push_str(":=");
            escape_into(out, &assertion.match_value);
        }
        _ => out.push('?'),
    }
    out.push(')');
}

fn push_pair(out: &mut String, name: &str, operator: &str, value: &[u8]) {
    out.push_str(name);
    out.push_str(operator);
    escape_into(out, value);
}

fn escape_into(out: &mut String, value: &[u8]) {
    match std::str::from_utf8(value) {
        // Most values (every phone's) need no escaping: copied whole.
        Ok(text)
            if !text
                .chars()
                .any(|ch| matches!(ch, '*' | '(' | ')' | '\\' | '\0') || ch.is_control()) =>
        {
            out.push_str(text)
        }
        Ok(text) => {
            for ch in text.chars() {
                match ch {
                    '*' | '(' | ')' | '\\' | '\0' => out.push_str(&format!("\\{:02x}", ch as u32)),
                    _ if ch.is_control() => {
                        let mut utf8 = [0; 4];
                        for byte in ch.encode_utf8(&mut utf8).bytes() {
                            out.push_str(&format!("\\{byte:02x}"));
                        }
                    }
                    _ => out.push(ch),
                }
            }
        }
        Err(_) => {
            for byte in value {
                out.push_str(&format!("\\{byte:02x}"));
            }
        }
    }
}

#[cfg(test)]
mod tests;
