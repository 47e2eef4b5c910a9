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
    let candidates = |filter: &Filter| Compiled::compile(filter, &f.dir).indexed_candidates(&f.dir);
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
    let candidates = |filter: &Filter| Compiled::compile(filter, &f.dir).indexed_candidates(&f.dir);
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
