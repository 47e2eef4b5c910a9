//! The `scenarios` binary end to end: the whole catalogue over real sockets (each act's outcome
//! as its file says, and `adpki audit`'s verdict equal to the phone's), `list`/`explain`, a bad
//! scenario file's error, and `up` — a world kept running that ldapsearch and phone-client reach
//! with the command lines it prints.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use e2e::server_binary;
use tokio::io::{AsyncBufReadExt, BufReader};

fn scenarios() -> PathBuf {
    let path = server_binary().with_file_name("scenarios");
    assert!(
        path.is_file(),
        "build the binaries first: cargo build --workspace --bins"
    );
    path
}

async fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = tokio::time::timeout(
        Duration::from_secs(180),
        tokio::process::Command::new(scenarios())
            .args(args)
            .output(),
    )
    .await
    .expect("scenarios finished in time")
    .expect("scenarios runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_catalogue_runs_as_expected_and_the_audit_agrees_with_every_phone() {
    let (code, stdout, stderr) = run(&["run", "--format", "json", "--audit"]).await;
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}\n{stderr}"));
    let results = report["results"].as_array().expect("results");
    // Every file of the catalogue ran: the count comes from the directory, not from a number
    // someone must remember to raise.
    let catalogue = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/catalog");
    let files = std::fs::read_dir(&catalogue)
        .expect("scenarios/catalog")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.path().extension().is_some_and(|ext| ext == "toml"))
        })
        .count();
    assert_eq!(
        results.len(),
        files,
        "scenarios run vs files in the catalogue"
    );
    let mut failures = Vec::new();
    let mut judged = 0;
    for result in results {
        let name = result["name"].as_str().unwrap_or("?");
        if let Some(error) = result["error"].as_str() {
            failures.push(format!("{name}: {error}"));
        }
        for act in result["acts"].as_array().into_iter().flatten() {
            for failure in act["failures"].as_array().into_iter().flatten() {
                failures.push(format!("{name} / {}: {failure}", act["title"]));
            }
            // What the audit judges: a directory boot (not PIN sign-in) that got as far as the
            // PKI. Each such act must have been judged.
            let outcome = act["report"]["outcome"].as_str().unwrap_or_default();
            let pin = act["report"]["profile"]
                .as_str()
                .is_some_and(|profile| profile.ends_with("-pin"));
            let judgeable = !pin
                && matches!(
                    outcome,
                    "signed_in" | "cannot_validate_server_certificate" | "boot_loop"
                );
            if judgeable && act["audit"]["agrees"].is_null() {
                failures.push(format!(
                    "{name} / {}: not judged by the audit",
                    act["title"]
                ));
            }
            match act["audit"]["agrees"].as_bool() {
                Some(true) => judged += 1,
                Some(false) => failures.push(format!(
                    "{name} / {}: audit says would_sign_in={} ({}) but the phone ended {}",
                    act["title"],
                    act["audit"]["would_sign_in"],
                    act["audit"]["reason"],
                    act["report"]["outcome"]
                )),
                None => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(judged >= 30, "the audit judged only {judged} acts");
    // Every row of domain.md §G is covered by some scenario.
    let mut covered: Vec<u64> = results
        .iter()
        .flat_map(|result| result["covers"].as_array().cloned().unwrap_or_default())
        .filter_map(|row| row.as_u64())
        .collect();
    covered.sort();
    covered.dedup();
    assert_eq!(covered, (1..=19).collect::<Vec<u64>>(), "§G rows covered");
}

#[tokio::test]
async fn list_and_explain_tell_the_stories() {
    let (code, stdout, _) = run(&["list"]).await;
    assert_eq!(code, Some(0));
    assert!(stdout.contains("seed-story"), "{stdout}");
    assert!(stdout.lines().count() >= 25, "{stdout}");
    let (code, stdout, _) = run(&["explain", "g05-web-enrollment-not-installed"]).await;
    assert_eq!(code, Some(0));
    for part in ["cause:", "symptom:", "fix:", "404", "§G row(s): 5"] {
        assert!(stdout.contains(part), "{part}: {stdout}");
    }
    let (code, _, stderr) = run(&["explain", "no-such-scenario"]).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no-such-scenario"), "{stderr}");
}

#[tokio::test]
async fn a_bad_scenario_file_is_refused_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    std::fs::write(
        &file,
        "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nsubjct = \"R\"\n[[act]]\ntitle = \"a\"\nexpect = { outcome = \"signed_in\" }\n",
    )
    .unwrap();
    let (code, _, stderr) = run(&["run", file.to_str().unwrap()]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("typo.toml:6:"), "{stderr}");
    assert!(stderr.contains("subjct"), "{stderr}");
}

#[tokio::test]
async fn a_failed_expectation_exits_one_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.toml");
    std::fs::write(
        &file,
        "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nsubject = \"R\"\n[[act]]\ntitle = \"nothing published\"\nexpect = { outcome = \"signed_in\" }\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&["run", file.to_str().unwrap()]).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("outcome cannot_validate_server_certificate (expected signed_in)"),
        "{stdout}"
    );
}

#[tokio::test]
async fn up_keeps_a_world_running_that_ldapsearch_and_a_phone_reach() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(scenarios())
        .args(["up", "seed-story", "--after-act", "2", "--out"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("scenarios up starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    tokio::time::timeout(e2e::WAIT, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.contains("Ctrl-C");
            printed.push(line);
            if done {
                break;
            }
        }
    })
    .await
    .expect("scenarios up printed its instructions");
    let text = printed.join("\n");
    let ldap = text
        .split_whitespace()
        .find(|word| word.starts_with("ldap://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no LDAP URL in: {text}"))
        .to_string();

    // ldapsearch, as printed: the RootCA object act 2 published is there.
    let output = tokio::process::Command::new("ldapsearch")
        .env("LDAPNOINIT", "1")
        .args([
            "-x",
            "-LLL",
            "-H",
            &ldap,
            "-D",
            "Administrator@example.test",
            "-w",
            "Passw0rd!",
            "-b",
            "CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test",
            "(objectCategory=certificationAuthority)",
            "cn",
        ])
        .output()
        .await
        .expect("ldapsearch runs");
    let found = String::from_utf8_lossy(&output.stdout);
    assert!(found.contains("cn: Contoso Standalone Root CA"), "{found}");

    // The printed phone-client line, run as a person would paste it.
    let phone_line = printed
        .iter()
        .find(|line| line.trim_start().starts_with("phone-client "))
        .unwrap_or_else(|| panic!("no phone-client line in: {text}"))
        .trim()
        .to_string();
    let mut words = shell_words(&phone_line);
    words.remove(0);
    words.extend(["--format".to_string(), "json".to_string()]);
    let phone = server_binary().with_file_name("phone-client");
    let output = tokio::time::timeout(
        e2e::WAIT,
        tokio::process::Command::new(phone).args(&words).output(),
    )
    .await
    .expect("phone finished")
    .expect("phone-client runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stdout)));
    assert_eq!(report["outcome"], "signed_in", "{report}");
    assert!(dir.path().join("root.pem").is_file());
    assert!(dir.path().join("phone-profile.toml").is_file());
    child.kill().await.ok();
}

/// Splits a printed command line: words, with '…' quoting.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            _ => {
                current.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(current);
    }
    words
}
