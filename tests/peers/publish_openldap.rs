//! `adpki publish --profile rfc` (the built binary) against a private OpenLDAP slapd, checked with
//! OpenLDAP's `ldapsearch` (the AD profile against our server is `cli::publish`).

use std::path::{Path, PathBuf};

use e2e::*;

/// Runs `adpki publish <args>`.
async fn adpki(args: &[&str]) -> ToolOutput {
    let mut all = vec!["publish".to_string()];
    all.extend(args.iter().map(|s| s.to_string()));
    run_tool(adpki_binary().to_str().expect("utf-8 path"), &all).await
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write file");
    path
}

fn output_text(out: &ToolOutput) -> String {
    format!("{}{}", out.stdout, out.stderr)
}

const SLAPD_CONFIG: &str = "cn=Configuration,dc=example,dc=test";

#[tokio::test]
async fn rfc_profile_publishes_a_root_into_openldap() {
    let slapd = e2e::slapd::Slapd::start(&format!(
        "dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n\
         dn: {SLAPD_CONFIG}\nobjectClass: applicationProcess\ncn: Configuration\n\n"
    ))
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let der = make_ca_cert("Example Test Root CA");
    let file = write_bytes(dir.path(), "root.cer", &der);
    let resolve = format!("ldap1.example.test=127.0.0.1:{}", slapd.port);
    let args = [
        file.to_str().unwrap(),
        "RootCA",
        "--profile",
        "rfc",
        "--base",
        SLAPD_CONFIG,
        "--host",
        "ldap1.example.test",
        "--resolve",
        &resolve,
        "--user",
        "cn=admin,dc=example,dc=test",
        "--password",
        "secret",
    ];
    let out = adpki(&args).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(output_text(&out).contains("-f"), "{out}");

    let mut with_f = args.to_vec();
    with_f.push("-f");
    let out = adpki(&with_f).await;
    assert_eq!(out.code, 0, "{out}");
    let dn = format!("cn=Example Test Root CA,{SLAPD_CONFIG}");
    assert!(out.stdout.contains(&dn), "{out}");
    assert!(out.stdout.contains("cACertificate;binary"), "{out}");

    let url = format!("ldap://127.0.0.1:{}", slapd.port);
    let search = run_tool(
        "/usr/bin/ldapsearch",
        &[
            "-x".into(),
            "-H".into(),
            url,
            "-LLL".into(),
            "-o".into(),
            "ldif-wrap=no".into(),
            "-b".into(),
            SLAPD_CONFIG.into(),
            "(objectClass=pkiCA)".into(),
            "objectClass".into(),
            "cACertificate;binary".into(),
        ],
    )
    .await;
    assert_eq!(search.code, 0, "{search}");
    let ldif = search.ldif();
    let entry = ldif
        .find(&dn)
        .unwrap_or_else(|| panic!("{dn} not found: {search}"));
    assert_eq!(entry.get("cACertificate;binary"), vec![der]);
    let classes = entry.get_text("objectClass");
    assert!(
        classes.iter().any(|c| c == "applicationProcess"),
        "{classes:?}"
    );
    assert!(classes.iter().any(|c| c == "pkiCA"), "{classes:?}");

    // Publishing it again is refused by the tool (read back through `;binary`).
    let out = adpki(&with_f).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(output_text(&out).contains("already published"), "{out}");
}
