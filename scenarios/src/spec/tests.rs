use super::*;

const MINIMAL: &str = r#"
title = "t"
cause = "c"
symptom = "s"
fix = "f"

[pki.root]
subject = "Contoso Root CA"

[[act]]
title = "boot"
expect = { outcome = "signed_in" }
"#;

fn parse(text: &str) -> Result<Scenario, SpecError> {
    Scenario::parse(text, "catalog/x.toml", None)
}

#[test]
fn a_minimal_scenario_takes_its_name_from_the_file_and_defaults_elsewhere() {
    let scenario = parse(MINIMAL).unwrap();
    assert_eq!(scenario.name, "x");
    assert_eq!(scenario.domain.dns, "example.test");
    assert_eq!(scenario.registrar.name, "pool.example.test");
    assert_eq!(scenario.registrar.issuer, "root");
    assert_eq!(scenario.acts.len(), 1);
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let text = MINIMAL.replace(
        "subject = \"Contoso Root CA\"",
        "subject = \"R\"\nsubjekt = \"R\"",
    );
    let error = parse(&text).unwrap_err();
    assert_eq!(error.file, "catalog/x.toml");
    assert_eq!(error.line, 9, "{error}");
    assert!(error.message.contains("subjekt"), "{error}");
    assert!(
        error.to_string().starts_with("catalog/x.toml:9:"),
        "{error}"
    );
}

#[test]
fn an_unknown_key_in_a_nested_inline_table_is_refused() {
    let text = MINIMAL.replace(
        "outcome = \"signed_in\"",
        "outcome = \"signed_in\", pth = \"x\"",
    );
    let error = parse(&text).unwrap_err();
    assert_eq!(error.line, 12, "{error}");
    assert!(error.message.contains("pth"), "{error}");
}

#[test]
fn a_bad_enum_value_lists_the_choices() {
    let text = MINIMAL.replace(
        "subject = \"Contoso Root CA\"",
        "subject = \"R\"\nkey = \"rsa-1024\"",
    );
    let error = parse(&text).unwrap_err();
    assert!(error.message.contains("rsa-1024"), "{error}");
    assert!(error.message.contains("rsa-2048"), "{error}");
    assert_eq!(error.line, 9);
}

#[test]
fn a_scenario_without_acts_is_refused() {
    let text = MINIMAL.split("[[act]]").next().unwrap().to_string();
    let error = parse(&text).unwrap_err();
    assert!(error.message.contains("act"), "{error}");
}

#[test]
fn a_reference_to_an_unknown_certificate_is_refused_with_its_line() {
    let text = format!(
        "{MINIMAL}\n[[directory.ca_object]]\ncontainer = \"aia\"\nvalues = [\"issuing\"]\n"
    );
    let error = parse(&text).unwrap_err();
    assert!(error.message.contains("issuing"), "{error}");
    assert!(error.message.contains("root"), "{error}");
}

#[test]
fn an_unknown_publish_type_is_refused() {
    let text = MINIMAL.replace(
        "title = \"boot\"",
        "title = \"boot\"\npublish = [{ certificate = \"root\", as = \"Root\" }]",
    );
    let error = parse(&text).unwrap_err();
    assert!(error.message.contains("RootCA"), "{error}");
}

#[test]
fn the_reserved_registrar_id_cannot_be_a_pki_entry() {
    let text = format!("{MINIMAL}\n[pki.registrar]\nsubject = \"x\"\n");
    assert!(parse(&text).unwrap_err().message.contains("reserved"));
}

#[test]
fn a_type_error_points_at_the_value() {
    let text = MINIMAL.replace("title = \"t\"", "title = 3");
    let error = parse(&text).unwrap_err();
    assert_eq!(error.line, 2);
    assert!(error.message.contains("string"), "{error}");
}

#[test]
fn a_syntax_error_is_located() {
    let error = parse("title = \"t\nfix = 1").unwrap_err();
    assert_eq!(error.line, 1);
}
