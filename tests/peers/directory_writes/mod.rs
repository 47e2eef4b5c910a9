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

mod access;
mod add;
mod concurrency;
mod delete;
mod modify;
mod modify_dn;
mod operational;
mod rdn;

// ---------------------------------------------------------------------------------------------
// Tools with stdin
// ---------------------------------------------------------------------------------------------

/// Who binds for a tool run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Who {
    /// `Administrator@example.test` (member of Enterprise and Domain Admins).
    Admin,
    /// `carol@example.test`, an ordinary user.
    Carol,
    /// No `-D`: an anonymous connection.
    Anonymous,
}

pub(crate) const CAROL_UPN: &str = "carol@example.test";
pub(crate) const ADMIN_UPN: &str = "Administrator@example.test";

/// `CN=Certification Authorities,<PKS>`.
pub(crate) fn cas_dn() -> String {
    format!("CN=Certification Authorities,{PKS_DN}")
}

/// `CN=AIA,<PKS>`.
pub(crate) fn aia_dn() -> String {
    format!("CN=AIA,{PKS_DN}")
}

/// Runs `/usr/bin/<tool> -x -H ldap://127.0.0.1:PORT -o nettimeout=10 [-D … -w …] <extra>` with
/// `input` on stdin, no LDAP client configuration, and a bounded wait.
pub(crate) async fn tool(
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

pub(crate) async fn ldapadd(server: &TestServer, who: Who, ldif: &str) -> ToolOutput {
    tool(server, "ldapadd", who, &[], ldif).await
}

pub(crate) async fn ldapmodify(server: &TestServer, who: Who, ldif: &str) -> ToolOutput {
    tool(server, "ldapmodify", who, &[], ldif).await
}

pub(crate) async fn ldapdelete(server: &TestServer, who: Who, dn: &str) -> ToolOutput {
    tool(server, "ldapdelete", who, &[], &format!("{dn}\n")).await
}

/// `ldapmodrdn [-r] [-s NEWSUPERIOR]` with the `dn` / `rdn` pair on stdin.
pub(crate) async fn ldapmodrdn(
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
pub(crate) fn diagnostic(out: &ToolOutput) -> String {
    for stream in [&out.stderr, &out.stdout] {
        if let Some(i) = stream.to_ascii_lowercase().find("additional info: ") {
            return stream[i + "additional info: ".len()..].trim().to_string();
        }
    }
    String::new()
}

/// The matchedDN the tool printed, if any.
pub(crate) fn matched_dn(out: &ToolOutput) -> Option<String> {
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
pub(crate) fn assert_ok(out: &ToolOutput) {
    assert_eq!(out.code, 0, "the write should succeed\n{out}");
}

/// Exit code `code` and a diagnostic in AD's format (`XXXXXXXX: …`) starting with `prefix`.
#[track_caller]
pub(crate) fn assert_refused(out: &ToolOutput, code: i32, prefix: &str) {
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
pub(crate) async fn read(server: &TestServer, dn: &str, attrs: &[&str]) -> Option<LdifEntry> {
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

pub(crate) async fn must_read(server: &TestServer, dn: &str, attrs: &[&str]) -> LdifEntry {
    read(server, dn, attrs)
        .await
        .unwrap_or_else(|| panic!("{dn} should exist"))
}

/// Everything a client can see of an object, attributes sorted, for before/after comparisons.
pub(crate) async fn snapshot(server: &TestServer, dn: &str) -> Vec<(String, Vec<u8>)> {
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
pub(crate) fn number(entry: &LdifEntry, name: &str) -> u64 {
    let values = entry.get_text(name);
    assert_eq!(values.len(), 1, "one {name} in {entry:?}");
    values[0]
        .parse()
        .unwrap_or_else(|e| panic!("{name} {:?} is not a number: {e}", values[0]))
}

pub(crate) fn text(entry: &LdifEntry, name: &str) -> String {
    let values = entry.get_text(name);
    assert_eq!(values.len(), 1, "one {name} in {entry:?}");
    values[0].clone()
}

/// The rootDSE's highestCommittedUSN (read anonymously, as clients do).
pub(crate) async fn highest_usn(server: &TestServer) -> u64 {
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
pub(crate) async fn certificates(server: &TestServer, dn: &str) -> Vec<Vec<u8>> {
    let mut values = must_read(server, dn, &["cACertificate"])
        .await
        .get("cACertificate");
    values.sort();
    values
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

pub(crate) const SEED_CA: &str = "Seed CA";

/// carol (an ordinary user) and `CN=Seed CA,CN=Certification Authorities,<PKS>`.
pub(crate) fn seed() -> (String, Vec<u8>) {
    let der = make_ca_cert("Seed Root CA");
    let mut ldif = String::from("version: 1\n\n");
    ldif.push_str(&user_ldif("carol", USER_PASSWORD, &[]));
    ldif.push_str(&ca_ldif(SEED_CA, "Certification Authorities", &der));
    (ldif, der)
}

pub(crate) fn seed_ca_dn() -> String {
    ca_dn(SEED_CA, "Certification Authorities")
}

/// LDIF adding a certificationAuthority `CN=<cn>,<parent>` with the given certificates.
pub(crate) fn ca_add_ldif(cn: &str, parent: &str, ders: &[&[u8]]) -> String {
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
pub(crate) fn container_ldif(cn: &str, parent: &str) -> String {
    format!("dn: CN={cn},{parent}\nobjectClass: top\nobjectClass: container\ncn: {cn}\n\n")
}
