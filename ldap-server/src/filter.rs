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
            Compiled::Equal { attribute, value } => {
                let syntax = dir.schema().attribute(*attribute).syntax;
                truth(
                    dir.values(id, *attribute)
                        .iter()
                        .any(|stored| syntax.normalize(stored).as_ref() == value.as_slice()),
                )
            }
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
        return match dir.default_object_category(name.trim()) {
            Some(dn) => Compiled::Equal {
                attribute: id,
                value: dn.normalized().into_bytes(),
            },
            None => Compiled::Equal {
                attribute: id,
                value: Vec::new(),
            },
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// RFC 4515 text of a filter, for logs: `(&(objectCategory=certificationAuthority)(cn=Root*))`.
pub fn to_text(filter: &Filter) -> String {
    let mut out = String::new();
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
mod tests {
    use super::*;
    use bytes::Bytes;
    use rasn::types::SetOf;
    use rasn_ldap::{AttributeValueAssertion, MatchingRuleAssertion, SubstringFilter};

    use crate::directory::Strictness;
    use crate::dn::Dn;
    use crate::forest::{Forest, ForestConfig};

    const CA_DN: &str = "CN=Test Root CA,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test";
    const SCHEMA_DN: &str = "CN=Schema,CN=Configuration,DC=example,DC=test";
    /// Certificate bytes with ASCII letters in them, so a case-folding comparison would be caught.
    const CERT: &[u8] = b"\x30\x82\x01\x0aCertBytes\xff";

    struct Fixture {
        dir: Directory,
        ca: EntryId,
        alice: EntryId,
        bob: EntryId,
    }

    fn text(name: &str, values: &[&str]) -> (String, Vec<Bytes>) {
        (
            name.to_string(),
            values
                .iter()
                .map(|value| Bytes::from(value.to_string()))
                .collect(),
        )
    }

    fn binary(name: &str, value: &[u8]) -> (String, Vec<Bytes>) {
        (name.to_string(), vec![Bytes::copy_from_slice(value)])
    }

    fn add_user(dir: &mut Directory, cn: &str, sam: &str, flags: &str, logons: &str) -> EntryId {
        let dn = Dn::parse(&format!("CN={cn},CN=Users,DC=example,DC=test")).unwrap();
        dir.add(
            &dn,
            vec![
                text(
                    "objectClass",
                    &["top", "person", "organizationalPerson", "user"],
                ),
                text("cn", &[cn]),
                text("sAMAccountName", &[sam]),
                text("userAccountControl", &[flags]),
                text("logonCount", &[logons]),
            ],
            Strictness::Import,
        )
        .unwrap()
    }

    fn fixture() -> Fixture {
        let config = ForestConfig::new("example.test");
        let forest = Forest::new(&config).unwrap();
        let mut dir = forest
            .build(crate::schema::Schema::active_directory(), &config)
            .unwrap();
        let ca = dir
            .add(
                &Dn::parse(CA_DN).unwrap(),
                vec![
                    text("objectClass", &["top", "certificationAuthority"]),
                    text("cn", &["Test Root CA"]),
                    binary("cACertificate", CERT),
                    binary("certificateRevocationList", &[0]),
                    binary("authorityRevocationList", &[0]),
                ],
                Strictness::Import,
            )
            .unwrap();
        let alice = add_user(&mut dir, "Alice Smith", "alice", "512", "10");
        let bob = add_user(&mut dir, "Bob Jones", "bob", "514", "9");
        Fixture {
            dir,
            ca,
            alice,
            bob,
        }
    }

    impl Fixture {
        fn eval(&self, filter: &Filter, id: EntryId) -> Truth {
            Compiled::compile(filter, &self.dir).evaluate(&self.dir, id)
        }
    }

    fn ava(name: &str, value: &[u8]) -> AttributeValueAssertion {
        AttributeValueAssertion::new(name.into(), value.to_vec().into())
    }

    fn eq(name: &str, value: &[u8]) -> Filter {
        Filter::EqualityMatch(ava(name, value))
    }

    fn substrings(name: &str, choices: Vec<SubstringChoice>) -> Filter {
        Filter::Substrings(SubstringFilter::new(name.into(), choices))
    }

    fn initial(value: &str) -> SubstringChoice {
        SubstringChoice::Initial(value.as_bytes().to_vec().into())
    }

    fn any(value: &str) -> SubstringChoice {
        SubstringChoice::Any(value.as_bytes().to_vec().into())
    }

    fn last(value: &str) -> SubstringChoice {
        SubstringChoice::Final(value.as_bytes().to_vec().into())
    }

    fn extensible(rule: &str, name: &str, value: &str) -> Filter {
        Filter::ExtensibleMatch(MatchingRuleAssertion::new(
            Some(rule.into()),
            Some(name.into()),
            value.as_bytes().to_vec().into(),
            false,
        ))
    }

    fn and(filters: Vec<Filter>) -> Filter {
        Filter::And(SetOf::from_vec(filters))
    }

    fn or(filters: Vec<Filter>) -> Filter {
        Filter::Or(SetOf::from_vec(filters))
    }

    fn not(filter: Filter) -> Filter {
        Filter::Not(Box::new(filter))
    }

    fn category_dn(cn: &str) -> Vec<u8> {
        Dn::parse(&format!("CN={cn},{SCHEMA_DN}"))
            .unwrap()
            .normalized()
            .into_bytes()
    }

    #[test]
    fn equality_on_cn_ignores_case_and_surrounding_spaces() {
        let f = fixture();
        assert_eq!(f.eval(&eq("cn", b"alice smith"), f.alice), Truth::True);
        assert_eq!(f.eval(&eq("CN", b"  ALICE   SMITH "), f.alice), Truth::True);
        assert_eq!(f.eval(&eq("cn", b"alice smith"), f.bob), Truth::False);
    }

    #[test]
    fn equality_on_ca_certificate_is_byte_exact() {
        let f = fixture();
        assert_eq!(f.eval(&eq("cACertificate", CERT), f.ca), Truth::True);
        let folded = CERT.to_ascii_lowercase();
        assert_ne!(folded, CERT);
        assert_eq!(f.eval(&eq("cACertificate", &folded), f.ca), Truth::False);
        assert_eq!(
            f.eval(&eq("cACertificate", &CERT[..CERT.len() - 1]), f.ca),
            Truth::False
        );
    }

    #[test]
    fn object_category_class_name_compiles_to_the_default_object_category_dn() {
        let f = fixture();
        let filter = eq("objectCategory", b"certificationAuthority");
        let compiled = Compiled::compile(&filter, &f.dir);
        let Compiled::Equal { value, .. } = &compiled else {
            panic!("expected an equality, got {compiled:?}");
        };
        assert_eq!(value, &category_dn("Certification-Authority"));
        assert_eq!(compiled.evaluate(&f.dir, f.ca), Truth::True);
        assert_eq!(compiled.evaluate(&f.dir, f.alice), Truth::False);
    }

    #[test]
    fn object_category_user_means_the_person_category() {
        let f = fixture();
        let compiled = Compiled::compile(&eq("objectCategory", b"user"), &f.dir);
        let Compiled::Equal { value, .. } = &compiled else {
            panic!("expected an equality, got {compiled:?}");
        };
        assert_eq!(value, &category_dn("Person"));
        assert_eq!(compiled.evaluate(&f.dir, f.alice), Truth::True);
        assert_eq!(compiled.evaluate(&f.dir, f.bob), Truth::True);
        assert_eq!(compiled.evaluate(&f.dir, f.ca), Truth::False);
    }

    #[test]
    fn object_category_full_dn_matches_too() {
        let f = fixture();
        let dn = format!("CN=Certification-Authority,{SCHEMA_DN}").to_ascii_lowercase();
        assert_eq!(
            f.eval(&eq("objectCategory", dn.as_bytes()), f.ca),
            Truth::True
        );
    }

    #[test]
    fn object_category_class_name_ignores_case() {
        let f = fixture();
        let filter = eq("objectCategory", b"CertificationAuthority");
        assert_eq!(f.eval(&filter, f.ca), Truth::True);
    }

    #[test]
    fn attribute_options_are_ignored_so_binary_matches_the_bare_attribute() {
        let f = fixture();
        assert_eq!(f.eval(&eq("cACertificate;binary", CERT), f.ca), Truth::True);
    }

    #[test]
    fn integer_equality_compares_numbers() {
        let f = fixture();
        assert_eq!(
            f.eval(&eq("userAccountControl", b"0512"), f.alice),
            Truth::True
        );
        assert_eq!(
            f.eval(&eq("userAccountControl", b"512"), f.bob),
            Truth::False
        );
    }

    #[test]
    fn object_category_of_an_unknown_class_matches_nothing() {
        let f = fixture();
        let compiled = Compiled::compile(&eq("objectCategory", b"noSuchClass"), &f.dir);
        for id in [f.ca, f.alice, f.bob] {
            assert_eq!(compiled.evaluate(&f.dir, id), Truth::False);
        }
        assert_eq!(compiled.indexed_candidates(&f.dir), Some(Vec::new()));
    }

    #[test]
    fn substrings_match_initial_any_and_final_pieces_ignoring_case() {
        let f = fixture();
        let all = substrings("cn", vec![initial("ALI"), any("ce s"), last("ITH")]);
        assert_eq!(f.eval(&all, f.alice), Truth::True);
        assert_eq!(f.eval(&all, f.bob), Truth::False);
        assert_eq!(
            f.eval(&substrings("cn", vec![initial("smith")]), f.alice),
            Truth::False
        );
        assert_eq!(
            f.eval(&substrings("cn", vec![any("jon")]), f.bob),
            Truth::True
        );
        assert_eq!(
            f.eval(&substrings("cn", vec![last("jones")]), f.bob),
            Truth::True
        );
        assert_eq!(
            f.eval(&substrings("cn", vec![last("jone")]), f.bob),
            Truth::False
        );
    }

    #[test]
    fn substrings_pieces_must_appear_in_order_without_overlap() {
        let f = fixture();
        // "Alice Smith": "smith" then "alice" is out of order.
        assert_eq!(
            f.eval(&substrings("cn", vec![any("smith"), any("alice")]), f.alice),
            Truth::False
        );
        // initial "alice smi" and final "mith" overlap on "mi".
        assert_eq!(
            f.eval(
                &substrings("cn", vec![initial("alice smi"), last("mith")]),
                f.alice
            ),
            Truth::False
        );
    }

    #[test]
    fn ordering_compares_integers_numerically() {
        let f = fixture();
        // alice has logonCount 10, bob 9: as strings "10" < "9".
        let at_least_ten = Filter::GreaterOrEqual(ava("logonCount", b"10"));
        assert_eq!(f.eval(&at_least_ten, f.alice), Truth::True);
        assert_eq!(f.eval(&at_least_ten, f.bob), Truth::False);
        let at_most_nine = Filter::LessOrEqual(ava("logonCount", b"9"));
        assert_eq!(f.eval(&at_most_nine, f.alice), Truth::False);
        assert_eq!(f.eval(&at_most_nine, f.bob), Truth::True);
        // Bounds are inclusive.
        let at_most_ten = Filter::LessOrEqual(ava("logonCount", b"10"));
        assert_eq!(f.eval(&at_most_ten, f.alice), Truth::True);
    }

    #[test]
    fn ordering_against_a_missing_attribute_is_false() {
        let f = fixture();
        let filter = Filter::GreaterOrEqual(ava("logonCount", b"0"));
        assert_eq!(f.eval(&filter, f.ca), Truth::False);
    }

    #[test]
    fn present_is_true_only_where_the_attribute_has_values() {
        let f = fixture();
        let filter = Filter::Present("cACertificate".into());
        assert_eq!(f.eval(&filter, f.ca), Truth::True);
        assert_eq!(f.eval(&filter, f.alice), Truth::False);
        let any_object = Filter::Present("objectClass".into());
        assert_eq!(f.eval(&any_object, f.alice), Truth::True);
    }

    #[test]
    fn approx_match_behaves_as_equality() {
        let f = fixture();
        let filter = Filter::ApproxMatch(ava("cn", b"BOB JONES"));
        assert_eq!(f.eval(&filter, f.bob), Truth::True);
        assert_eq!(f.eval(&filter, f.alice), Truth::False);
    }

    #[test]
    fn bit_and_requires_every_bit_of_the_mask() {
        let f = fixture();
        // ACCOUNTDISABLE (2): bob is 514, alice 512.
        let disabled = extensible(BIT_AND, "userAccountControl", "2");
        assert_eq!(f.eval(&disabled, f.bob), Truth::True);
        assert_eq!(f.eval(&disabled, f.alice), Truth::False);
        let both = extensible(BIT_AND, "userAccountControl", "514");
        assert_eq!(f.eval(&both, f.bob), Truth::True);
        assert_eq!(f.eval(&both, f.alice), Truth::False);
    }

    #[test]
    fn bit_or_requires_any_bit_of_the_mask() {
        let f = fixture();
        let either = extensible(BIT_OR, "userAccountControl", "3");
        assert_eq!(f.eval(&either, f.bob), Truth::True);
        assert_eq!(f.eval(&either, f.alice), Truth::False);
        let normal_or_disabled = extensible(BIT_OR, "userAccountControl", "514");
        assert_eq!(f.eval(&normal_or_disabled, f.alice), Truth::True);
        assert_eq!(f.eval(&normal_or_disabled, f.bob), Truth::True);
    }

    #[test]
    fn bit_rule_with_a_non_numeric_mask_or_unknown_rule_is_undefined() {
        let f = fixture();
        assert_eq!(
            f.eval(&extensible(BIT_AND, "userAccountControl", "two"), f.bob),
            Truth::Undefined
        );
        assert_eq!(
            f.eval(&extensible("1.2.3.4", "userAccountControl", "2"), f.bob),
            Truth::Undefined
        );
    }

    #[test]
    fn extensible_match_without_a_rule_is_equality() {
        let f = fixture();
        let filter = Filter::ExtensibleMatch(MatchingRuleAssertion::new(
            None,
            Some("sAMAccountName".into()),
            b"ALICE".to_vec().into(),
            false,
        ));
        assert_eq!(f.eval(&filter, f.alice), Truth::True);
        assert_eq!(f.eval(&filter, f.bob), Truth::False);
    }

    #[test]
    fn unknown_attribute_is_undefined() {
        let f = fixture();
        for filter in [
            eq("noSuchAttr", b"x"),
            Filter::Present("noSuchAttr".into()),
            substrings("noSuchAttr", vec![initial("x")]),
            Filter::GreaterOrEqual(ava("noSuchAttr", b"1")),
        ] {
            assert_eq!(Compiled::compile(&filter, &f.dir), Compiled::Undefined);
            assert_eq!(f.eval(&filter, f.alice), Truth::Undefined);
        }
    }

    #[test]
    fn not_of_undefined_is_undefined_so_it_matches_nothing() {
        let f = fixture();
        let filter = not(eq("noSuchAttr", b"x"));
        for id in [f.ca, f.alice, f.bob] {
            assert_eq!(f.eval(&filter, id), Truth::Undefined);
        }
        // NOT of a known attribute still flips.
        assert_eq!(f.eval(&not(eq("cn", b"alice smith")), f.bob), Truth::True);
        assert_eq!(
            f.eval(&not(eq("cn", b"alice smith")), f.alice),
            Truth::False
        );
    }

    #[test]
    fn or_with_a_true_branch_is_true_despite_undefined() {
        let f = fixture();
        let unknown = eq("noSuchAttr", b"x");
        let filter = or(vec![unknown.clone(), eq("cn", b"alice smith")]);
        assert_eq!(f.eval(&filter, f.alice), Truth::True);
        // Without a True branch, Undefined wins over False.
        assert_eq!(f.eval(&filter, f.bob), Truth::Undefined);
        assert_eq!(f.eval(&or(vec![]), f.bob), Truth::False);
    }

    #[test]
    fn and_with_a_false_branch_is_false_despite_undefined() {
        let f = fixture();
        let unknown = eq("noSuchAttr", b"x");
        let filter = and(vec![unknown, eq("cn", b"alice smith")]);
        assert_eq!(f.eval(&filter, f.bob), Truth::False);
        assert_eq!(f.eval(&filter, f.alice), Truth::Undefined);
        assert_eq!(f.eval(&and(vec![]), f.bob), Truth::True);
    }

    #[test]
    fn indexed_equality_yields_candidates() {
        let f = fixture();
        let candidates =
            |filter: &Filter| Compiled::compile(filter, &f.dir).indexed_candidates(&f.dir);
        let cas = candidates(&eq("objectCategory", b"certificationAuthority")).unwrap();
        assert_eq!(cas, vec![f.ca]);
        let users = candidates(&eq("objectClass", b"user")).unwrap();
        assert!(users.contains(&f.alice) && users.contains(&f.bob));
        assert!(!users.contains(&f.ca));
        assert_eq!(
            candidates(&eq("sAMAccountName", b"ALICE")),
            Some(vec![f.alice])
        );
    }

    #[test]
    fn substring_and_unindexed_filters_need_a_scan() {
        let f = fixture();
        let candidates =
            |filter: &Filter| Compiled::compile(filter, &f.dir).indexed_candidates(&f.dir);
        assert_eq!(candidates(&substrings("cn", vec![initial("ali")])), None);
        assert_eq!(candidates(&Filter::Present("cn".into())), None);
        assert_eq!(candidates(&eq("logonCount", b"10")), None);
        // One unindexed branch makes an OR scan; an AND uses its indexed branch.
        assert_eq!(
            candidates(&or(vec![
                eq("sAMAccountName", b"alice"),
                substrings("cn", vec![initial("bob")]),
            ])),
            None
        );
        assert_eq!(
            candidates(&and(vec![
                substrings("cn", vec![initial("bob")]),
                eq("sAMAccountName", b"bob"),
            ])),
            Some(vec![f.bob])
        );
        assert_eq!(
            candidates(&or(vec![
                eq("sAMAccountName", b"bob"),
                eq("sAMAccountName", b"alice"),
            ])),
            Some({
                let mut both = vec![f.alice, f.bob];
                both.sort_unstable();
                both
            })
        );
    }

    #[test]
    fn to_text_renders_rfc4515() {
        let filter = and(vec![
            eq("objectCategory", b"certificationAuthority"),
            or(vec![
                substrings("cn", vec![initial("Root")]),
                not(Filter::Present("description".into())),
            ]),
            Filter::GreaterOrEqual(ava("logonCount", b"10")),
            Filter::LessOrEqual(ava("logonCount", b"9")),
            Filter::ApproxMatch(ava("cn", b"bob")),
            extensible(BIT_AND, "userAccountControl", "2"),
        ]);
        assert_eq!(
            to_text(&filter),
            "(&(objectCategory=certificationAuthority)(|(cn=Root*)(!(description=*)))\
             (logonCount>=10)(logonCount<=9)(cn~=bob)\
             (userAccountControl:1.2.840.113556.1.4.803:=2))"
        );
    }

    #[test]
    fn to_text_renders_substring_shapes() {
        assert_eq!(
            to_text(&substrings("cn", vec![initial("a"), any("b"), last("c")])),
            "(cn=a*b*c)"
        );
        assert_eq!(to_text(&substrings("cn", vec![any("b")])), "(cn=*b*)");
        assert_eq!(to_text(&substrings("cn", vec![last("c")])), "(cn=*c)");
        assert_eq!(
            to_text(&substrings("cn", vec![any("a"), any("b")])),
            "(cn=*a*b*)"
        );
    }

    #[test]
    fn to_text_escapes_special_characters() {
        assert_eq!(
            to_text(&eq("cn", b"a*b(c)d\\e")),
            "(cn=a\\2ab\\28c\\29d\\5ce)"
        );
        assert_eq!(
            to_text(&substrings("cn", vec![initial("(*"), last("\\")])),
            "(cn=\\28\\2a*\\5c)"
        );
    }

    #[test]
    fn to_text_keeps_non_ascii_text_as_utf8() {
        assert_eq!(to_text(&eq("cn", "Zoë".as_bytes())), "(cn=Zoë)");
    }

    #[test]
    fn to_text_escapes_a_c1_control_character_as_its_utf8_bytes() {
        // U+0085 is the two UTF-8 bytes C2 85; RFC 4515 escapes octets, so "\c2\85".
        assert_eq!(to_text(&eq("cn", "a\u{85}b".as_bytes())), "(cn=a\\c2\\85b)");
    }

    #[test]
    fn to_text_renders_binary_values_as_hex_escapes() {
        assert_eq!(
            to_text(&eq("cACertificate", &[0x30, 0x82, 0xff, 0x00])),
            "(cACertificate=\\30\\82\\ff\\00)"
        );
        // Valid UTF-8 with a NUL still escapes the NUL.
        assert_eq!(to_text(&eq("cn", b"a\0b")), "(cn=a\\00b)");
    }
}
