//! End-to-end tests of LDAP writes (issue #5): Add, Modify, Delete and ModifyDN driven by
//! OpenLDAP's `ldapadd`, `ldapmodify`, `ldapdelete` and `ldapmodrdn`, checked the way Active
//! Directory checks them and answered with AD's result codes and diagnostic texts
//! (`shared/domain.md` §A.3–A.5, §B.8; Samba's answers in `shared/peers.md`).
//!
//! Every tool runs with `LDAPNOINIT=1`, `-x -H ldap://127.0.0.1:PORT` and an explicit bind, and
//! reads its input (LDIF, DNs, DN/RDN pairs) from stdin. The tools exit with the LDAP result code
//! and print the server's diagnosticMessage after `additional info:`. Results are read back with
//! `ldapsearch`. The `ldap3` crate is used only where a tool cannot do the job: many concurrent
//! writers and readers on one object.

use std::collections::{BTreeSet, HashSet};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use e2e::ldap3::{Mod, Scope};
use e2e::*;
use tokio::io::AsyncWriteExt;

// ---------------------------------------------------------------------------------------------
// Tools with stdin
// ---------------------------------------------------------------------------------------------

/// Who binds for a tool run.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// `Administrator@example.test` (member of Enterprise and Domain Admins).
    Admin,
    /// `carol@example.test`, an ordinary user.
    Carol,
    /// No `-D`: an anonymous connection.
    Anonymous,
}

const CAROL_UPN: &str = "carol@example.test";
const ADMIN_UPN: &str = "Administrator@example.test";

/// `CN=Certification Authorities,<PKS>`.
fn cas_dn() -> String {
    format!("CN=Certification Authorities,{PKS_DN}")
}

/// `CN=AIA,<PKS>`.
fn aia_dn() -> String {
    format!("CN=AIA,{PKS_DN}")
}

/// Runs `/usr/bin/<tool> -x -H ldap://127.0.0.1:PORT -o nettimeout=10 [-D … -w …] <extra>` with
/// `input` on stdin, no LDAP client configuration, and a bounded wait.
async fn tool(
    server: &TestServer,
    program: &str,
    who: Who,
    extra: &[&str],
    input: &str,
) -> ToolOutput {
    let mut args: Vec<String> = ["-x", "-H", &server.url(), "-o", "nettimeout=10"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    match who {
        Who::Admin => args.extend([
            "-D".into(),
            ADMIN_UPN.into(),
            "-w".into(),
            ADMIN_PASSWORD.into(),
        ]),
        Who::Carol => args.extend([
            "-D".into(),
            CAROL_UPN.into(),
            "-w".into(),
            USER_PASSWORD.into(),
        ]),
        Who::Anonymous => {}
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let path = format!("/usr/bin/{program}");
    let mut child = tokio::process::Command::new(&path)
        .args(&args)
        .env("LDAPNOINIT", "1")
        .env("LDAPCONF", "/dev/null")
        .env("LDAPRC", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {path}: {e}"));
    let mut stdin = child.stdin.take().expect("tool stdin");
    // A tool that exits early (bind failure) closes its stdin: a broken pipe is not our failure.
    let _ = tokio::time::timeout(WAIT, stdin.write_all(input.as_bytes())).await;
    drop(stdin);
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} did not finish within {WAIT:?}"))
        .expect("wait for tool");
    ToolOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn ldapadd(server: &TestServer, who: Who, ldif: &str) -> ToolOutput {
    tool(server, "ldapadd", who, &[], ldif).await
}

async fn ldapmodify(server: &TestServer, who: Who, ldif: &str) -> ToolOutput {
    tool(server, "ldapmodify", who, &[], ldif).await
}

async fn ldapdelete(server: &TestServer, who: Who, dn: &str) -> ToolOutput {
    tool(server, "ldapdelete", who, &[], &format!("{dn}\n")).await
}

/// `ldapmodrdn [-r] [-s NEWSUPERIOR]` with the `dn` / `rdn` pair on stdin.
async fn ldapmodrdn(
    server: &TestServer,
    who: Who,
    dn: &str,
    new_rdn: &str,
    delete_old: bool,
    new_superior: Option<&str>,
) -> ToolOutput {
    let mut extra: Vec<&str> = Vec::new();
    if delete_old {
        extra.push("-r");
    }
    if let Some(superior) = new_superior {
        extra.push("-s");
        extra.push(superior);
    }
    tool(
        server,
        "ldapmodrdn",
        who,
        &extra,
        &format!("{dn}\n{new_rdn}\n"),
    )
    .await
}

/// The server's diagnosticMessage as the tool printed it (`additional info: …` on stderr, or
/// `Additional info: …` on stdout for ldapmodrdn, possibly over several lines); empty when none.
fn diagnostic(out: &ToolOutput) -> String {
    for stream in [&out.stderr, &out.stdout] {
        if let Some(i) = stream.to_ascii_lowercase().find("additional info: ") {
            return stream[i + "additional info: ".len()..].trim().to_string();
        }
    }
    String::new()
}

/// The matchedDN the tool printed, if any.
fn matched_dn(out: &ToolOutput) -> Option<String> {
    out.stderr
        .lines()
        .chain(out.stdout.lines())
        .find_map(|line| {
            let line = line.trim();
            line.to_ascii_lowercase()
                .starts_with("matched dn: ")
                .then(|| line["matched dn: ".len()..].trim().to_string())
        })
}

#[track_caller]
fn assert_ok(out: &ToolOutput) {
    assert_eq!(out.code, 0, "the write should succeed\n{out}");
}

/// Exit code `code` and a diagnostic in AD's format (`XXXXXXXX: …`) starting with `prefix`.
#[track_caller]
fn assert_refused(out: &ToolOutput, code: i32, prefix: &str) {
    assert_eq!(out.code, code, "unexpected result code\n{out}");
    let text = diagnostic(out);
    let head: Vec<char> = text.chars().take(9).collect();
    assert!(
        head.len() == 9 && head[..8].iter().all(|c| c.is_ascii_hexdigit()) && head[8] == ':',
        "the diagnostic is not in AD's `XXXXXXXX: …` form: {text:?}\n{out}"
    );
    assert!(
        text.starts_with(prefix),
        "diagnostic should start with {prefix:?}: {text:?}\n{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// Reading back
// ---------------------------------------------------------------------------------------------

/// The object at `dn` (base search as the administrator), or None when it does not exist (32).
async fn read(server: &TestServer, dn: &str, attrs: &[&str]) -> Option<LdifEntry> {
    let mut args = vec!["-b", dn, "-s", "base", "(objectClass=*)"];
    args.extend_from_slice(attrs);
    let out = server.ldapsearch_admin(&args).await;
    if out.code == 32 {
        return None;
    }
    assert_eq!(out.code, 0, "base search of {dn}\n{out}");
    let mut entries = out.ldif().entries;
    assert_eq!(entries.len(), 1, "one entry at {dn}\n{out}");
    Some(entries.remove(0))
}

async fn must_read(server: &TestServer, dn: &str, attrs: &[&str]) -> LdifEntry {
    read(server, dn, attrs)
        .await
        .unwrap_or_else(|| panic!("{dn} should exist"))
}

/// Everything a client can see of an object, attributes sorted, for before/after comparisons.
async fn snapshot(server: &TestServer, dn: &str) -> Vec<(String, Vec<u8>)> {
    let entry = must_read(
        server,
        dn,
        &[
            "*",
            "uSNCreated",
            "uSNChanged",
            "whenCreated",
            "whenChanged",
            "objectGUID",
        ],
    )
    .await;
    let mut attrs: Vec<(String, Vec<u8>)> = entry
        .attrs
        .into_iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .collect();
    attrs.sort();
    attrs
}

/// The one numeric value of `name`.
fn number(entry: &LdifEntry, name: &str) -> u64 {
    let values = entry.get_text(name);
    assert_eq!(values.len(), 1, "one {name} in {entry:?}");
    values[0]
        .parse()
        .unwrap_or_else(|e| panic!("{name} {:?} is not a number: {e}", values[0]))
}

fn text(entry: &LdifEntry, name: &str) -> String {
    let values = entry.get_text(name);
    assert_eq!(values.len(), 1, "one {name} in {entry:?}");
    values[0].clone()
}

/// The rootDSE's highestCommittedUSN (read anonymously, as clients do).
async fn highest_usn(server: &TestServer) -> u64 {
    let out = server
        .ldapsearch(&[
            "-b",
            "",
            "-s",
            "base",
            "(objectClass=*)",
            "highestCommittedUSN",
        ])
        .await;
    assert_eq!(out.code, 0, "rootDSE read\n{out}");
    number(&out.ldif().entries[0], "highestCommittedUSN")
}

/// The cACertificate values of `dn` as a set of byte strings.
async fn certificates(server: &TestServer, dn: &str) -> Vec<Vec<u8>> {
    let mut values = must_read(server, dn, &["cACertificate"])
        .await
        .get("cACertificate");
    values.sort();
    values
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const SEED_CA: &str = "Seed CA";

/// carol (an ordinary user) and `CN=Seed CA,CN=Certification Authorities,<PKS>`.
fn seed() -> (String, Vec<u8>) {
    let der = make_ca_cert("Seed Root CA");
    let mut ldif = String::from("version: 1\n\n");
    ldif.push_str(&user_ldif("carol", USER_PASSWORD, &[]));
    ldif.push_str(&ca_ldif(SEED_CA, "Certification Authorities", &der));
    (ldif, der)
}

fn seed_ca_dn() -> String {
    ca_dn(SEED_CA, "Certification Authorities")
}

/// LDIF adding a certificationAuthority `CN=<cn>,<parent>` with the given certificates.
fn ca_add_ldif(cn: &str, parent: &str, ders: &[&[u8]]) -> String {
    let mut s = format!(
        "dn: CN={cn},{parent}\nobjectClass: top\nobjectClass: certificationAuthority\ncn: {cn}\n"
    );
    for der in ders {
        s.push_str(&format!("cACertificate:: {}\n", b64(der)));
    }
    s.push_str("certificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n");
    s
}

/// LDIF adding a container `CN=<cn>,<parent>`.
fn container_ldif(cn: &str, parent: &str) -> String {
    format!("dn: CN={cn},{parent}\nobjectClass: top\nobjectClass: container\ncn: {cn}\n\n")
}

// ---------------------------------------------------------------------------------------------
// Add, modify by value, replace
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_ca_with_two_certificates_then_delete_one_by_value_and_replace() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let first = make_ca_cert("Two Certs Root CA G1");
    let second = make_ca_cert("Two Certs Root CA G2");
    let third = make_ca_cert("Two Certs Root CA G3");
    let dn = format!("CN=Two Certs CA,{}", cas_dn());

    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &ca_add_ldif("Two Certs CA", &cas_dn(), &[&first, &second]),
        )
        .await,
    );

    // Stored as AD stores it: the structural chain, the default category, both DER values intact.
    let entry = must_read(
        &server,
        &dn,
        &[
            "objectClass",
            "objectCategory",
            "cn",
            "name",
            "cACertificate",
        ],
    )
    .await;
    assert_eq!(
        entry.get_text("objectClass"),
        vec!["top", "certificationAuthority"]
    );
    assert_eq!(entry.get_text("objectCategory"), vec![CA_CATEGORY_DN]);
    assert_eq!(entry.get_text("cn"), vec!["Two Certs CA"]);
    assert_eq!(entry.get_text("name"), vec!["Two Certs CA"]);
    let mut both = vec![first.clone(), second.clone()];
    both.sort();
    assert_eq!(
        certificates(&server, &dn).await,
        both,
        "both certificates, byte for byte"
    );

    // The phone's search finds it.
    let out = server
        .ldapsearch_admin(&[
            "-b",
            CONFIG_DN,
            "(objectCategory=certificationAuthority)",
            "cn",
        ])
        .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.ldif().find(&dn).is_some(),
        "category search finds the new CA\n{out}"
    );

    // Delete exactly one value of the multi-valued attribute, by value.
    let delete_first = format!(
        "dn: {dn}\nchangetype: modify\ndelete: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&first)
    );
    assert_ok(&ldapmodify(&server, Who::Admin, &delete_first).await);
    assert_eq!(
        certificates(&server, &dn).await,
        vec![second.clone()],
        "exactly the other certificate remains, byte for byte"
    );

    // Deleting it again: the value is gone (16).
    let out = ldapmodify(&server, Who::Admin, &delete_first).await;
    assert_refused(&out, 16, "");
    assert_eq!(certificates(&server, &dn).await, vec![second.clone()]);

    // Add a value back, then replace the whole set.
    let add_first = format!(
        "dn: {dn}\nchangetype: modify\nadd: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&first)
    );
    assert_ok(&ldapmodify(&server, Who::Admin, &add_first).await);
    assert_eq!(certificates(&server, &dn).await, both);
    let replace = format!(
        "dn: {dn}\nchangetype: modify\nreplace: cACertificate\ncACertificate:: {}\n-\nreplace: description\ndescription: replaced once\ndescription: replaced twice\n-\n\n",
        b64(&third)
    );
    assert_ok(&ldapmodify(&server, Who::Admin, &replace).await);
    assert_eq!(certificates(&server, &dn).await, vec![third.clone()]);
    let entry = must_read(&server, &dn, &["description"]).await;
    let descriptions: BTreeSet<String> = entry.get_text("description").into_iter().collect();
    assert_eq!(
        descriptions,
        BTreeSet::from(["replaced once".to_string(), "replaced twice".to_string()])
    );

    // Replace with no values removes an optional attribute; delete without values removes it too.
    assert_ok(
        &ldapmodify(
            &server,
            Who::Admin,
            &format!("dn: {dn}\nchangetype: modify\nreplace: description\n-\n\n"),
        )
        .await,
    );
    assert!(must_read(&server, &dn, &["description"])
        .await
        .get("description")
        .is_empty());
    assert_ok(&ldapmodify(&server, Who::Admin, &format!("dn: {dn}\nchangetype: modify\nadd: dNSHostName\ndNSHostName: ca1.example.test\n-\n\n")).await);
    assert_ok(
        &ldapmodify(
            &server,
            Who::Admin,
            &format!("dn: {dn}\nchangetype: modify\ndelete: dNSHostName\n-\n\n"),
        )
        .await,
    );
    assert!(must_read(&server, &dn, &["dNSHostName"])
        .await
        .get("dNSHostName")
        .is_empty());

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Add: AD's schema and naming checks
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_is_checked_like_ad_and_a_refused_add_leaves_nothing() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let der = make_ca_cert("Refused Root CA");
    let cert = b64(&der);
    let cas = cas_dn();
    let ca_head = |cn: &str| {
        format!(
            "dn: CN={cn},{cas}\nobjectClass: top\nobjectClass: certificationAuthority\ncn: {cn}\n"
        )
    };
    let placeholders = "certificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n";

    // (what, DN that must not appear, LDIF, result code, diagnostic prefix)
    let cases: Vec<(&str, String, String, i32, &str)> = vec![
        (
            "missing mandatory cACertificate",
            format!("CN=No Cert,{cas}"),
            format!("{}{placeholders}\n", ca_head("No Cert")),
            65,
            "00002014",
        ),
        (
            "missing mandatory authorityRevocationList",
            format!("CN=No ARL,{cas}"),
            format!("{}cACertificate:: {cert}\ncertificateRevocationList:: AA==\n\n", ca_head("No ARL")),
            65,
            "00002014",
        ),
        (
            "attribute the class does not allow (sAMAccountName on a CA)",
            format!("CN=Not Allowed,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}sAMAccountName: notallowed\n\n", ca_head("Not Allowed")),
            65,
            "00002014",
        ),
        (
            "attribute the schema does not define",
            format!("CN=Unknown Attr,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}fooBarBaz: 1\n\n", ca_head("Unknown Attr")),
            16,
            "0000200A",
        ),
        (
            "two values of single-valued certificateRevocationList",
            format!("CN=Two CRLs,{cas}"),
            format!("{}cACertificate:: {cert}\ncertificateRevocationList:: AA==\ncertificateRevocationList:: AQ==\nauthorityRevocationList:: AA==\n\n", ca_head("Two CRLs")),
            19,
            "0000202F",
        ),
        (
            "two values of single-valued dNSHostName",
            format!("CN=Two Hosts,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}dNSHostName: a.example.test\ndNSHostName: b.example.test\n\n", ca_head("Two Hosts")),
            19,
            "0000202F",
        ),
        (
            "empty value",
            format!("CN=Empty Value,{cas}"),
            format!("dn: CN=Empty Value,{cas}\nobjectClass: container\ndescription:\n\n"),
            21,
            "",
        ),
        (
            "empty revocation list",
            format!("CN=Empty CRL,{cas}"),
            format!("{}cACertificate:: {cert}\ncertificateRevocationList:\nauthorityRevocationList:: AA==\n\n", ca_head("Empty CRL")),
            21,
            "",
        ),
        (
            "unknown objectClass",
            format!("CN=Unknown Class,{cas}"),
            format!("dn: CN=Unknown Class,{cas}\nobjectClass: top\nobjectClass: noSuchClassAnywhere\ncn: Unknown Class\n\n"),
            65,
            "00002014",
        ),
        (
            "no structural class",
            format!("CN=Only Top,{cas}"),
            format!("dn: CN=Only Top,{cas}\nobjectClass: top\ncn: Only Top\n\n"),
            65,
            "00002014",
        ),
        (
            "no objectClass at all",
            format!("CN=No Class,{cas}"),
            format!("dn: CN=No Class,{cas}\ncn: No Class\ndescription: x\n\n"),
            65,
            "00002014",
        ),
        (
            "certificationAuthority under the domain head (possSuperiors: container)",
            format!("CN=Wrong Parent,{BASE_DN}"),
            format!("dn: CN=Wrong Parent,{BASE_DN}\nobjectClass: certificationAuthority\ncn: Wrong Parent\ncACertificate:: {cert}\n{placeholders}\n"),
            64,
            "00002037",
        ),
        (
            "certificationAuthority under a user",
            format!("CN=Under Carol,{}", user_dn("carol")),
            format!("dn: CN=Under Carol,{}\nobjectClass: certificationAuthority\ncACertificate:: {cert}\n{placeholders}\n", user_dn("carol")),
            64,
            "00002037",
        ),
        (
            "RDN value differs from cn",
            format!("CN=Alpha,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}\n", ca_head("Alpha").replace("cn: Alpha", "cn: Beta")),
            64,
            "",
        ),
    ];

    let usn_before = highest_usn(&server).await;
    for (what, dn, ldif, code, prefix) in &cases {
        let out = ldapadd(&server, Who::Admin, ldif).await;
        assert_eq!(out.code, *code, "{what}: unexpected result code\n{out}");
        assert_refused(&out, *code, prefix);
        assert!(
            read(&server, dn, &["cn"]).await.is_none(),
            "{what}: a refused add left {dn} behind"
        );
    }

    // The RDN rule names the problem AD names.
    let rdn_case = cases
        .iter()
        .find(|case| case.0.starts_with("RDN"))
        .expect("RDN case");
    let out = ldapadd(&server, Who::Admin, &rdn_case.2).await;
    assert!(diagnostic(&out).contains("NAMING_VIOLATION"), "{out}");

    // Parent missing: 32, 00002030, matchedDN = the deepest existing ancestor.
    let orphan = format!("CN=Orphan,CN=No Such Container,{cas}");
    let out = ldapadd(
        &server,
        Who::Admin,
        &container_ldif("Orphan", &format!("CN=No Such Container,{cas}")),
    )
    .await;
    assert_refused(&out, 32, "00002030");
    assert_eq!(
        matched_dn(&out).as_deref(),
        Some(cas.as_str()),
        "matched DN\n{out}"
    );
    assert!(read(&server, &orphan, &["cn"]).await.is_none());

    // Duplicate: 68, 00002071, and the existing object is untouched.
    let before = snapshot(&server, &seed_ca_dn()).await;
    let other = make_ca_cert("Impostor Root CA");
    let out = ldapadd(&server, Who::Admin, &ca_add_ldif(SEED_CA, &cas, &[&other])).await;
    assert_refused(&out, 68, "00002071");
    assert_eq!(
        snapshot(&server, &seed_ca_dn()).await,
        before,
        "a duplicate add changed the original"
    );
    assert_eq!(certificates(&server, &seed_ca_dn()).await, vec![seed_der]);

    // Failed requests commit nothing: no update sequence number was consumed.
    assert_eq!(
        highest_usn(&server).await,
        usn_before,
        "refused adds moved highestCommittedUSN"
    );

    // A multi-record ldapadd stops at the first refusal; the records before it stay, none after.
    let batch = format!(
        "{}{}{}",
        container_ldif("Batch One", &cas),
        container_ldif("Batch Two", &format!("CN=Missing Parent,{cas}")),
        container_ldif("Batch Three", &cas)
    );
    let out = ldapadd(&server, Who::Admin, &batch).await;
    assert_refused(&out, 32, "00002030");
    assert!(read(&server, &format!("CN=Batch One,{cas}"), &["cn"])
        .await
        .is_some());
    assert!(read(&server, &format!("CN=Batch Three,{cas}"), &["cn"])
        .await
        .is_none());

    // And the same shapes, corrected, are accepted: the checks are not blanket refusals.
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!(
                "{}cACertificate:: {cert}\n{placeholders}dNSHostName: ca.example.test\n\n",
                ca_head("Alpha")
            ),
        )
        .await,
    );
    let alpha = must_read(&server, &format!("CN=Alpha,{cas}"), &["cn", "dNSHostName"]).await;
    assert_eq!(alpha.get_text("cn"), vec!["Alpha"]);
    assert_eq!(alpha.get_text("dNSHostName"), vec!["ca.example.test"]);
    // cn may be omitted: the RDN supplies it, as AD does.
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!("dn: CN=No cn Given,{cas}\nobjectClass: container\n\n"),
        )
        .await,
    );
    assert_eq!(
        must_read(&server, &format!("CN=No cn Given,{cas}"), &["cn"])
            .await
            .get_text("cn"),
        vec!["No cn Given"]
    );
    // A pKIEnrollmentService needs nothing but cn (peers.md).
    assert_ok(&ldapadd(&server, Who::Admin, &format!("dn: CN=Issuing CA,CN=Enrollment Services,{PKS_DN}\nobjectClass: pKIEnrollmentService\ndNSHostName: ca.example.test\n\n")).await);

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Modify: checks and atomicity
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_is_checked_like_ad_and_is_all_or_nothing() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();
    let cert = b64(&seed_der);
    let new_cert = b64(&make_ca_cert("Modify Root CA"));
    let head = format!("dn: {dn}\nchangetype: modify\n");

    // (what, changes, result code, diagnostic prefix)
    let cases: Vec<(&str, String, i32, &str)> = vec![
        ("add of a value already present", format!("add: cACertificate\ncACertificate:: {cert}\n-\n"), 20, ""),
        ("delete of a value not present", format!("delete: cACertificate\ncACertificate:: {new_cert}\n-\n"), 16, ""),
        ("delete of an attribute not present", "delete: dNSHostName\n-\n".to_string(), 16, ""),
        ("replace of the naming attribute", "replace: cn\ncn: Renamed CA\n-\n".to_string(), 67, ""),
        ("unknown attribute", "replace: fooBarBaz\nfooBarBaz: 1\n-\n".to_string(), 16, "0000200A"),
        ("attribute the class does not allow", "add: sAMAccountName\nsAMAccountName: seedca\n-\n".to_string(), 65, "00002014"),
        ("two values in single-valued certificateRevocationList", "replace: certificateRevocationList\ncertificateRevocationList:: AA==\ncertificateRevocationList:: AQ==\n-\n".to_string(), 19, "0000202F"),
        ("a second value added to single-valued certificateRevocationList", "add: certificateRevocationList\ncertificateRevocationList:: AQ==\n-\n".to_string(), 19, "0000202F"),
        ("removing mandatory authorityRevocationList", "delete: authorityRevocationList\n-\n".to_string(), 65, "00002014"),
        ("removing every cACertificate value", format!("delete: cACertificate\ncACertificate:: {cert}\n-\n"), 65, "00002014"),
        ("empty value", "add: description\ndescription:\n-\n".to_string(), 21, ""),
        ("changing the structural class", "replace: objectClass\nobjectClass: top\nobjectClass: container\n-\n".to_string(), 69, ""),
        // Atomic: the first change is valid, the second fails; neither is applied.
        ("valid replace followed by a duplicate value", format!("replace: description\ndescription: must not stick\n-\nadd: cACertificate\ncACertificate:: {cert}\n-\n"), 20, ""),
        ("valid add followed by an unknown attribute", format!("add: cACertificate\ncACertificate:: {new_cert}\n-\nreplace: fooBarBaz\nfooBarBaz: 1\n-\n"), 16, "0000200A"),
        ("valid delete followed by a single-value violation", format!("delete: cACertificate\ncACertificate:: {cert}\n-\nadd: cACertificate\ncACertificate:: {new_cert}\n-\nadd: dNSHostName\ndNSHostName: a.example.test\ndNSHostName: b.example.test\n-\n"), 19, "0000202F"),
    ];

    let before = snapshot(&server, &dn).await;
    let usn_before = highest_usn(&server).await;
    for (what, changes, code, prefix) in &cases {
        let out = ldapmodify(&server, Who::Admin, &format!("{head}{changes}\n")).await;
        assert_eq!(out.code, *code, "{what}: unexpected result code\n{out}");
        assert_refused(&out, *code, prefix);
        assert_eq!(
            snapshot(&server, &dn).await,
            before,
            "{what}: a refused modify changed the object"
        );
    }
    // Server-maintained bookkeeping cannot be written (whatever the code, nothing changes).
    for changes in [
        "replace: whenChanged\nwhenChanged: 20000101000000.0Z\n-\n",
        "replace: uSNChanged\nuSNChanged: 1\n-\n",
    ] {
        let out = ldapmodify(&server, Who::Admin, &format!("{head}{changes}\n")).await;
        assert_ne!(out.code, 0, "{changes}: accepted\n{out}");
        assert_eq!(
            snapshot(&server, &dn).await,
            before,
            "{changes}: changed the object"
        );
    }
    assert_eq!(
        highest_usn(&server).await,
        usn_before,
        "refused modifies moved highestCommittedUSN"
    );
    assert!(
        must_read(&server, &dn, &["description"])
            .await
            .get("description")
            .is_empty(),
        "the first half of a failed modify was applied"
    );
    assert_eq!(certificates(&server, &dn).await, vec![seed_der.clone()]);

    // A modify of an object that does not exist: 32 with AD's NO_OBJECT text.
    let out = ldapmodify(
        &server,
        Who::Admin,
        &format!(
            "dn: CN=Ghost,{}\nchangetype: modify\nreplace: description\ndescription: x\n-\n\n",
            cas_dn()
        ),
    )
    .await;
    assert_refused(&out, 32, "0000208D");
    assert_eq!(matched_dn(&out), Some(cas_dn()));

    // The rootDSE is read-only: 53.
    for changes in [
        "replace: description\ndescription: x\n-\n",
        "replace: dnsHostName\ndnsHostName: evil.example.test\n-\n",
    ] {
        let out = ldapmodify(
            &server,
            Who::Admin,
            &format!("dn:\nchangetype: modify\n{changes}\n"),
        )
        .await;
        assert_refused(&out, 53, "");
    }

    // The valid halves on their own are accepted (the failures above were the second changes).
    assert_ok(&ldapmodify(&server, Who::Admin, &format!("{head}replace: description\ndescription: sticks\n-\nadd: cACertificate\ncACertificate:: {new_cert}\n-\n\n")).await);
    assert_eq!(
        must_read(&server, &dn, &["description"])
            .await
            .get_text("description"),
        vec!["sticks"]
    );
    assert_eq!(certificates(&server, &dn).await.len(), 2);

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Operational attributes
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_move_usn_changed_when_changed_and_highest_committed_usn() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();
    let bookkeeping = [
        "uSNCreated",
        "uSNChanged",
        "whenCreated",
        "whenChanged",
        "objectGUID",
    ];

    let old = must_read(&server, &dn, &bookkeeping).await;
    let highest = highest_usn(&server).await;
    assert!(
        highest >= number(&old, "uSNChanged"),
        "highestCommittedUSN {highest} below an object's uSNChanged"
    );
    assert!(number(&old, "uSNChanged") >= number(&old, "uSNCreated"));

    // whenChanged has one-second resolution (GeneralizedTime "…SS.0Z"): let the clock move on.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    assert_ok(
        &ldapmodify(
            &server,
            Who::Admin,
            &format!(
                "dn: {dn}\nchangetype: modify\nreplace: description\ndescription: touched\n-\n\n"
            ),
        )
        .await,
    );
    let new = must_read(&server, &dn, &bookkeeping).await;
    assert!(
        number(&new, "uSNChanged") > number(&old, "uSNChanged"),
        "uSNChanged did not increase: {old:?} -> {new:?}"
    );
    assert!(
        text(&new, "whenChanged") > text(&old, "whenChanged"),
        "whenChanged did not increase: {old:?} -> {new:?}"
    );
    for unchanged in ["uSNCreated", "whenCreated", "objectGUID"] {
        assert_eq!(
            new.get(unchanged),
            old.get(unchanged),
            "{unchanged} changed on modify"
        );
    }
    let after_modify = highest_usn(&server).await;
    assert!(
        after_modify > highest,
        "highestCommittedUSN did not move: {highest} -> {after_modify}"
    );
    assert!(
        after_modify >= number(&new, "uSNChanged"),
        "highestCommittedUSN {after_modify} below the new uSNChanged {}",
        number(&new, "uSNChanged")
    );

    // An add: a fresh USN, uSNCreated = uSNChanged, whenCreated = whenChanged.
    let added_dn = format!("CN=USN Probe,{}", cas_dn());
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("USN Probe", &cas_dn())).await);
    let added = must_read(&server, &added_dn, &bookkeeping).await;
    assert!(
        number(&added, "uSNCreated") > after_modify,
        "a new object reuses an old USN: {added:?}"
    );
    assert_eq!(number(&added, "uSNCreated"), number(&added, "uSNChanged"));
    assert_eq!(text(&added, "whenCreated"), text(&added, "whenChanged"));
    assert!(text(&added, "whenCreated") >= text(&new, "whenChanged"));
    let after_add = highest_usn(&server).await;
    assert!(after_add >= number(&added, "uSNChanged"));

    // A rename moves the object's uSNChanged, keeps its GUID and uSNCreated.
    assert_ok(&ldapmodrdn(&server, Who::Admin, &added_dn, "CN=USN Probe 2", true, None).await);
    let renamed = must_read(
        &server,
        &format!("CN=USN Probe 2,{}", cas_dn()),
        &bookkeeping,
    )
    .await;
    assert!(number(&renamed, "uSNChanged") > number(&added, "uSNChanged"));
    assert_eq!(renamed.get("uSNCreated"), added.get("uSNCreated"));
    assert_eq!(renamed.get("objectGUID"), added.get("objectGUID"));
    let after_rename = highest_usn(&server).await;
    assert!(after_rename >= number(&renamed, "uSNChanged") && after_rename > after_add);

    // A delete commits a change too.
    assert_ok(&ldapdelete(&server, Who::Admin, &format!("CN=USN Probe 2,{}", cas_dn())).await);
    assert!(
        highest_usn(&server).await > after_rename,
        "a delete did not move highestCommittedUSN"
    );

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_leaves_and_refuses_non_leaves() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let parent = format!("CN=Delete Me,{PKS_DN}");
    let child = format!("CN=Child CA,{parent}");
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Delete Me", PKS_DN)).await);
    let der = make_ca_cert("Child Root CA");
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &ca_add_ldif("Child CA", &parent, &[&der]),
        )
        .await,
    );

    // Not a leaf: 66, and nothing is removed.
    let usn = highest_usn(&server).await;
    let out = ldapdelete(&server, Who::Admin, &parent).await;
    assert_refused(&out, 66, "0000208C");
    assert!(read(&server, &parent, &["cn"]).await.is_some());
    assert_eq!(certificates(&server, &child).await, vec![der]);
    let out = ldapdelete(&server, Who::Admin, PKS_DN).await;
    assert_refused(&out, 66, "0000208C");
    assert_eq!(
        highest_usn(&server).await,
        usn,
        "refused deletes moved highestCommittedUSN"
    );

    // Missing object: 32 with AD's NO_OBJECT text and the best match.
    let out = ldapdelete(&server, Who::Admin, &format!("CN=Nobody,{parent}")).await;
    assert_refused(&out, 32, "0000208D");
    assert_eq!(matched_dn(&out), Some(parent.clone()));

    // The rootDSE: 53.
    let out = tool(&server, "ldapdelete", Who::Admin, &[""], "").await;
    assert_refused(&out, 53, "");

    // Leaf first, then the now-empty parent.
    assert_ok(&ldapdelete(&server, Who::Admin, &child).await);
    assert!(
        read(&server, &child, &["cn"]).await.is_none(),
        "deleted child still readable"
    );
    let out = server
        .ldapsearch_admin(&[
            "-b",
            CONFIG_DN,
            "(objectCategory=certificationAuthority)",
            "cn",
        ])
        .await;
    assert!(
        out.ldif().find(&child).is_none(),
        "deleted CA still found by search\n{out}"
    );
    assert_ok(&ldapdelete(&server, Who::Admin, &parent).await);
    assert!(read(&server, &parent, &["cn"]).await.is_none());

    // The name is free again.
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Delete Me", PKS_DN)).await);

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// ModifyDN
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_dn_renames_and_moves_subtrees() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let der = make_ca_cert("Tree Root CA");
    let tree = format!("CN=Tree,{PKS_DN}");
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!(
                "{}{}{}",
                container_ldif("Tree", PKS_DN),
                container_ldif("Branch", &tree),
                ca_add_ldif("Leaf CA", &format!("CN=Branch,{tree}"), &[&der]),
            ),
        )
        .await,
    );
    let guid = must_read(&server, &tree, &["objectGUID"])
        .await
        .get("objectGUID");
    let leaf_guid = must_read(
        &server,
        &format!("CN=Leaf CA,CN=Branch,{tree}"),
        &["objectGUID"],
    )
    .await
    .get("objectGUID");

    // Rename in place (deleteoldrdn): the DN, cn and name follow; the children's DNs follow.
    let grove = format!("CN=Grove,{PKS_DN}");
    assert_ok(&ldapmodrdn(&server, Who::Admin, &tree, "CN=Grove", true, None).await);
    assert!(
        read(&server, &tree, &["cn"]).await.is_none(),
        "old name still resolves"
    );
    let entry = must_read(
        &server,
        &grove,
        &["cn", "name", "distinguishedName", "objectGUID"],
    )
    .await;
    assert_eq!(entry.get_text("cn"), vec!["Grove"]);
    assert_eq!(entry.get_text("name"), vec!["Grove"]);
    assert_eq!(entry.get_text("distinguishedName"), vec![grove.clone()]);
    assert_eq!(
        entry.get("objectGUID"),
        guid,
        "a rename keeps the object's GUID"
    );
    let leaf = format!("CN=Leaf CA,CN=Branch,{grove}");
    let entry = must_read(
        &server,
        &leaf,
        &["distinguishedName", "objectGUID", "cACertificate"],
    )
    .await;
    assert_eq!(entry.get_text("distinguishedName"), vec![leaf.clone()]);
    assert_eq!(entry.get("objectGUID"), leaf_guid);
    assert_eq!(entry.get("cACertificate"), vec![der.clone()]);
    assert!(
        read(&server, &format!("CN=Leaf CA,CN=Branch,{tree}"), &["cn"])
            .await
            .is_none()
    );
    let out = server
        .ldapsearch_admin(&["-b", &grove, "(objectClass=*)", "distinguishedName"])
        .await;
    assert_eq!(out.code, 0, "{out}");
    let mut dns = out.ldif().dns();
    dns.sort();
    let mut want = vec![grove.clone(), format!("CN=Branch,{grove}"), leaf.clone()];
    want.sort();
    assert_eq!(dns, want, "the subtree under its new name\n{out}");
    let out = server
        .ldapsearch_admin(&["-b", CONFIG_DN, "(cn=Leaf CA)", "1.1"])
        .await;
    assert_eq!(
        out.ldif().dns(),
        vec![leaf.clone()],
        "searches find the renamed subtree\n{out}"
    );

    // Move (newSuperior) under CN=AIA: the whole subtree follows.
    let moved = format!("CN=Grove,{}", aia_dn());
    assert_ok(
        &ldapmodrdn(
            &server,
            Who::Admin,
            &grove,
            "CN=Grove",
            true,
            Some(&aia_dn()),
        )
        .await,
    );
    assert!(read(&server, &grove, &["cn"]).await.is_none());
    let moved_leaf = format!("CN=Leaf CA,CN=Branch,{moved}");
    let entry = must_read(
        &server,
        &moved_leaf,
        &["distinguishedName", "objectGUID", "cACertificate"],
    )
    .await;
    assert_eq!(
        entry.get_text("distinguishedName"),
        vec![moved_leaf.clone()]
    );
    assert_eq!(entry.get("objectGUID"), leaf_guid);
    assert_eq!(entry.get("cACertificate"), vec![der.clone()]);
    let out = server
        .ldapsearch_admin(&["-b", &aia_dn(), "-s", "one", "(objectClass=*)", "1.1"])
        .await;
    assert!(
        out.ldif().find(&moved).is_some(),
        "one-level search of CN=AIA lists the moved container\n{out}"
    );

    // Rename and move at once; without deleteoldrdn the single-valued cn still takes the new value.
    let final_dn = format!("CN=Orchard,{PKS_DN}");
    assert_ok(
        &ldapmodrdn(
            &server,
            Who::Admin,
            &moved,
            "CN=Orchard",
            false,
            Some(PKS_DN),
        )
        .await,
    );
    let entry = must_read(&server, &final_dn, &["cn", "name"]).await;
    assert_eq!(entry.get_text("cn"), vec!["Orchard"]);
    assert_eq!(entry.get_text("name"), vec!["Orchard"]);
    assert!(read(
        &server,
        &format!("CN=Leaf CA,CN=Branch,{final_dn}"),
        &["cn"]
    )
    .await
    .is_some());

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_dn_is_checked_like_ad() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let tree = format!("CN=Tree,{PKS_DN}");
    let branch = format!("CN=Branch,{tree}");
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!(
                "{}{}",
                container_ldif("Tree", PKS_DN),
                container_ldif("Branch", &tree)
            ),
        )
        .await,
    );
    let tree_before = snapshot(&server, &tree).await;
    let seed_before = snapshot(&server, &seed_ca_dn()).await;
    // A namesake of the seed CA under CN=AIA, for a move onto an existing name.
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Seed CA", &aia_dn())).await);
    let usn = highest_usn(&server).await;

    // Onto an existing name: 68 (a rename in place, and a move).
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &tree,
        "CN=Certification Authorities",
        true,
        None,
    )
    .await;
    assert_refused(&out, 68, "00002071");
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &seed_ca_dn(),
        "CN=Seed CA",
        true,
        Some(&aia_dn()),
    )
    .await;
    assert_refused(&out, 68, "00002071");
    // Below itself: 53.
    let out = ldapmodrdn(&server, Who::Admin, &tree, "CN=Tree", true, Some(&branch)).await;
    assert_refused(&out, 53, "000020EF");
    let out = ldapmodrdn(&server, Who::Admin, &tree, "CN=Tree", true, Some(&tree)).await;
    assert_refused(&out, 53, "000020EF");
    // Under a parent its class may not live under: 64.
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &seed_ca_dn(),
        "CN=Seed CA",
        true,
        Some(BASE_DN),
    )
    .await;
    assert_refused(&out, 64, "00002037");
    // Missing object and missing new superior: 32.
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &format!("CN=Ghost,{PKS_DN}"),
        "CN=Ghost2",
        true,
        None,
    )
    .await;
    assert_refused(&out, 32, "0000208D");
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &tree,
        "CN=Tree",
        true,
        Some(&format!("CN=Nowhere,{PKS_DN}")),
    )
    .await;
    assert_refused(&out, 32, "");

    assert_eq!(
        snapshot(&server, &tree).await,
        tree_before,
        "a refused moddn changed the object"
    );
    assert!(
        read(&server, &branch, &["cn"]).await.is_some(),
        "a refused moddn moved the child"
    );
    assert_eq!(snapshot(&server, &seed_ca_dn()).await, seed_before);
    assert_eq!(
        highest_usn(&server).await,
        usn,
        "refused moddns moved highestCommittedUSN"
    );

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_write_under_public_key_services() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();
    let other = make_ca_cert("Carol's Root CA");
    let before = snapshot(&server, &dn).await;
    let usn = highest_usn(&server).await;
    let new_ca = ca_add_ldif("Carol CA", &cas_dn(), &[&other]);
    let new_dn = format!("CN=Carol CA,{}", cas_dn());
    let add_value = format!(
        "dn: {dn}\nchangetype: modify\nadd: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&other)
    );
    let delete_value = format!(
        "dn: {dn}\nchangetype: modify\ndelete: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&seed_der)
    );

    // Carol authenticates (and can read) …
    let out = server
        .ldapsearch(&[
            "-D",
            CAROL_UPN,
            "-w",
            USER_PASSWORD,
            "-b",
            &dn,
            "-s",
            "base",
            "(objectClass=*)",
            "cACertificate",
        ])
        .await;
    assert_eq!(out.code, 0, "carol reads the CA\n{out}");
    assert_eq!(
        out.ldif().entries[0].get("cACertificate"),
        vec![seed_der.clone()]
    );

    // … but every write under Public Key Services is 50 with AD's 00002098 text.
    for (what, out) in [
        ("add", ldapadd(&server, Who::Carol, &new_ca).await),
        (
            "modify add",
            ldapmodify(&server, Who::Carol, &add_value).await,
        ),
        (
            "modify delete",
            ldapmodify(&server, Who::Carol, &delete_value).await,
        ),
        ("delete", ldapdelete(&server, Who::Carol, &dn).await),
        (
            "rename",
            ldapmodrdn(&server, Who::Carol, &dn, "CN=Carol Renamed", true, None).await,
        ),
        (
            "move",
            ldapmodrdn(
                &server,
                Who::Carol,
                &dn,
                "CN=Seed CA",
                true,
                Some(&aia_dn()),
            )
            .await,
        ),
    ] {
        assert_eq!(out.code, 50, "carol {what}: unexpected result code\n{out}");
        assert_refused(&out, 50, "00002098");
        assert!(
            diagnostic(&out).contains("INSUFF_ACCESS_RIGHTS"),
            "carol {what}\n{out}"
        );
    }
    // Anonymous writes are refused before any access check: 1 with the bind-required text.
    for (what, out) in [
        ("add", ldapadd(&server, Who::Anonymous, &new_ca).await),
        (
            "modify",
            ldapmodify(&server, Who::Anonymous, &add_value).await,
        ),
        ("delete", ldapdelete(&server, Who::Anonymous, &dn).await),
        (
            "rename",
            ldapmodrdn(&server, Who::Anonymous, &dn, "CN=Anon Renamed", true, None).await,
        ),
    ] {
        assert_eq!(
            out.code, 1,
            "anonymous {what}: unexpected result code\n{out}"
        );
        assert_refused(&out, 1, "000004DC");
    }
    assert!(
        read(&server, &new_dn, &["cn"]).await.is_none(),
        "a refused add left an object"
    );
    assert_eq!(
        snapshot(&server, &dn).await,
        before,
        "a refused write changed the CA"
    );
    assert!(
        read(&server, &format!("CN=Carol Renamed,{}", cas_dn()), &["cn"])
            .await
            .is_none()
    );
    assert!(read(&server, &format!("CN=Seed CA,{}", aia_dn()), &["cn"])
        .await
        .is_none());
    assert_eq!(
        highest_usn(&server).await,
        usn,
        "refused writes moved highestCommittedUSN"
    );

    // Put carol in Domain Admins: a fresh bind may now write there.
    let domain_admins = format!("CN=Domain Admins,{USERS_DN}");
    let membership = |op: &str| {
        format!(
            "dn: {domain_admins}\nchangetype: modify\n{op}: member\nmember: {}\n-\n\n",
            user_dn("carol")
        )
    };
    assert_ok(&ldapmodify(&server, Who::Admin, &membership("add")).await);
    assert_ok(&ldapadd(&server, Who::Carol, &new_ca).await);
    assert_eq!(certificates(&server, &new_dn).await, vec![other.clone()]);
    assert_ok(&ldapmodify(&server, Who::Carol, &add_value).await);
    assert_eq!(certificates(&server, &dn).await.len(), 2);
    assert_ok(&ldapdelete(&server, Who::Carol, &new_dn).await);

    // And out again: refused again.
    assert_ok(&ldapmodify(&server, Who::Admin, &membership("delete")).await);
    let out = ldapadd(&server, Who::Carol, &new_ca).await;
    assert_refused(&out, 50, "00002098");
    assert!(read(&server, &new_dn, &["cn"]).await.is_none());

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

const WRITERS: usize = 4;
const READERS: usize = 4;
const ROUNDS: usize = 25;
const SET_SIZE: usize = 4;

/// The set writer `w` writes in round `r`: SET_SIZE distinct values of different lengths, all
/// tagged with (w, r), so any mix of two sets is recognisable.
fn written_set(w: usize, r: usize) -> BTreeSet<Vec<u8>> {
    (0..SET_SIZE)
        .map(|k| format!("w{w}-r{r}-v{k}-{}", "x".repeat(k * 7 + w)).into_bytes())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_and_readers_never_see_a_torn_entry() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();

    let mut valid: HashSet<BTreeSet<Vec<u8>>> = HashSet::new();
    valid.insert(BTreeSet::from([seed_der.clone()]));
    for w in 0..WRITERS {
        for r in 0..ROUNDS {
            valid.insert(written_set(w, r));
        }
    }
    let valid = Arc::new(valid);
    let usn_before = highest_usn(&server).await;

    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for _ in 0..READERS {
        let mut ldap = server.admin().await;
        let (dn, done, reads, valid) = (dn.clone(), done.clone(), reads.clone(), valid.clone());
        readers.push(tokio::spawn(async move {
            // Read at least a few times even if the writers are quick.
            let mut mine = 0usize;
            while !done.load(Ordering::SeqCst) || mine < 5 {
                let (entries, _) = ldap
                    .search(
                        &dn,
                        Scope::Base,
                        "(objectClass=*)",
                        vec!["cACertificate", "cn"],
                    )
                    .await
                    .expect("search I/O")
                    .success()
                    .expect("search succeeds");
                assert_eq!(entries.len(), 1, "the CA is always there");
                let entry = ldap3::SearchEntry::construct(entries.into_iter().next().unwrap());
                let seen: BTreeSet<Vec<u8>> = values(&entry, "cACertificate").into_iter().collect();
                assert!(
                    valid.contains(&seen),
                    "a reader saw a set nobody wrote (torn write): {:?}",
                    seen.iter()
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .collect::<Vec<_>>()
                );
                assert_eq!(text_values(&entry, "cn"), vec![SEED_CA.to_string()]);
                mine += 1;
                reads.fetch_add(1, Ordering::SeqCst);
            }
            ldap.unbind().await.ok();
        }));
    }
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut ldap = server.admin().await;
        let dn = dn.clone();
        writers.push(tokio::spawn(async move {
            for r in 0..ROUNDS {
                let set: HashSet<Vec<u8>> = written_set(w, r).into_iter().collect();
                let res = ldap
                    .modify(&dn, vec![Mod::Replace(b"cACertificate".to_vec(), set)])
                    .await
                    .expect("modify I/O");
                assert_eq!(res.rc, 0, "writer {w} round {r}: {res}");
            }
            ldap.unbind().await.ok();
        }));
    }

    let all = async {
        for writer in writers {
            writer.await.expect("writer task");
        }
        done.store(true, Ordering::SeqCst);
        for reader in readers {
            reader.await.expect("reader task");
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("writers and readers finish within 120 s");
    assert!(reads.load(Ordering::SeqCst) >= READERS * 5);

    // The final state is one of the last sets written, read back with an independent client.
    let final_set: BTreeSet<Vec<u8>> = certificates(&server, &dn).await.into_iter().collect();
    assert!(
        (0..WRITERS).any(|w| final_set == written_set(w, ROUNDS - 1)),
        "the final value is some writer's last set: {final_set:?}"
    );
    // Every acknowledged modify committed exactly once.
    let usn_after = highest_usn(&server).await;
    assert!(
        usn_after >= usn_before + (WRITERS * ROUNDS) as u64,
        "highestCommittedUSN moved from {usn_before} to {usn_after} over {} modifies",
        WRITERS * ROUNDS
    );
    let entry = must_read(&server, &dn, &["uSNChanged"]).await;
    assert!(usn_after >= number(&entry, "uSNChanged"));

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// RDN rules of MS-ADTS 3.1.1.3.1.2.1 and 3.1.1.3.1.2.3
// ---------------------------------------------------------------------------------------------

/// "The server will return a namingViolation error when an attempt is made to add an object of
/// class C whose RDN contains a different AttributeType than that declared in C!rDNAttID", and
/// the naming constraints hold for Modify DN too (MS-ADTS 3.1.1.5.1.2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn an_rdn_type_other_than_rdnattid_is_a_naming_violation() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let dn = format!("OU=Wrong Type,{PKS_DN}");
    let out = ldapadd(
        &server,
        Who::Admin,
        &format!("dn: {dn}\nobjectClass: container\ncn: Wrong Type\n\n"),
    )
    .await;
    assert_refused(&out, 64, "");
    assert!(read(&server, &dn, &["cn"]).await.is_none());

    let tree = format!("CN=Tree,{PKS_DN}");
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Tree", PKS_DN)).await);
    let before = snapshot(&server, &tree).await;
    let out = ldapmodrdn(&server, Who::Admin, &tree, "OU=Tree", true, None).await;
    assert_refused(&out, 64, "");
    assert_eq!(snapshot(&server, &tree).await, before);
    assert!(read(&server, &format!("OU=Tree,{PKS_DN}"), &["cn"])
        .await
        .is_none());

    server.stop().await;
}

/// "multivalued RDNs … are both disallowed in Active Directory. An attempt to create such a DN
/// is considered an attempt to create a syntactically invalid DN, and returns the error
/// invalidDNSyntax" (MS-ADTS 3.1.1.3.1.2.3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn multi_valued_rdns_are_invalid_dn_syntax() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let dn = format!("CN=Multi+description=x,{PKS_DN}");
    let out = ldapadd(
        &server,
        Who::Admin,
        &format!("dn: {dn}\nobjectClass: container\n\n"),
    )
    .await;
    assert_refused(&out, 34, "");
    assert!(read(&server, &dn, &["cn"]).await.is_none());

    let tree = format!("CN=Tree,{PKS_DN}");
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Tree", PKS_DN)).await);
    let before = snapshot(&server, &tree).await;
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &tree,
        "CN=Tree+description=x",
        true,
        None,
    )
    .await;
    assert_refused(&out, 34, "");
    assert_eq!(snapshot(&server, &tree).await, before);

    server.stop().await;
}
