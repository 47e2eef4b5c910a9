//! `scenarios storm`: many phones at once, each its own user, through the built binary — the
//! seed's "extreme amount of time" in the messy forest named and then gone once it is cleaned,
//! the seed world's signed-in act for 10,000 phones, the exit codes, and the HTML page.

use std::time::Duration;

use e2e::server_binary;
use serde_json::Value;

/// 10,000 phones in the debug build take about 25 s on two cores.
const STORM_WAIT: Duration = Duration::from_secs(300);

async fn storm(args: &[&str]) -> (Option<i32>, String, String) {
    let scenarios = server_binary().with_file_name("scenarios");
    assert!(
        scenarios.is_file(),
        "build the binaries first: cargo build --workspace --bins"
    );
    let mut all = vec!["storm"];
    all.extend(args);
    e2e::run_program(scenarios, &all, STORM_WAIT).await.parts()
}

async fn storm_json(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, stdout, stderr) = storm(&all).await;
    let report: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}\n{stderr}"));
    (code, report)
}

fn sentences(report: &Value) -> Vec<String> {
    report["where_the_time_went"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_messy_forest_waits_on_its_silent_host_until_it_is_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("storm.html");
    let (code, report) = storm_json(&[
        "messy-forest",
        "--phones",
        "60",
        "--concurrency",
        "60",
        "--html",
        page.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["as_expected"], 60, "{report:#}");
    assert_eq!(report["machinery_errors"], 0);
    assert_eq!(report["distinct_users"], true);
    assert_eq!(report["boot"]["count"], 60);
    // Every phone asked the silent host once and gave up at the profile's timeout.
    let silent = report["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|request| request["host"] == "ca2019.example.test")
        .expect("the silent host was asked");
    assert_eq!(silent["result"], "timed_out");
    assert_eq!(silent["count"], 60);
    let words = sentences(&report);
    assert!(
        words[0].contains("waiting on 3 web hosts that never gave a chain")
            && words[0].contains("ca2019.example.test timed out"),
        "{words:#?}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("ca2019.example.test timed out"));

    // After the act that cleans the forest: no web host is asked, the words say so.
    let (code, cleaned) = storm_json(&[
        "messy-forest",
        "--act",
        "2",
        "--phones",
        "60",
        "--concurrency",
        "20",
    ])
    .await;
    assert_eq!(code, Some(0), "{cleaned:#}");
    assert_eq!(cleaned["as_expected"], 60);
    assert_eq!(cleaned["requests"].as_array().unwrap().len(), 0);
    let words = sentences(&cleaned);
    assert!(words.iter().all(|s| !s.contains("web host")), "{words:#?}");
    assert!(
        words
            .last()
            .unwrap()
            .contains("60 phones booted 20 at a time"),
        "{words:#?}"
    );
    let actions = cleaned["actions"].as_array().unwrap();
    assert!(actions
        .iter()
        .any(|action| action.as_str().unwrap().starts_with("act 2: ldapmodify")));
}

#[tokio::test]
async fn ten_thousand_phones_sign_in_in_the_seed_worlds_published_act() {
    let (code, stdout, stderr) = storm(&[
        "seed-story",
        "--act",
        "2",
        "--phones",
        "10000",
        "--concurrency",
        "500",
        "--format",
        "json",
    ])
    .await;
    let report: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}\n{stderr}"));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["phones"], 10000);
    assert_eq!(report["distinct_users"], true);
    assert_eq!(report["as_expected"], 10000, "{report:#}");
    assert_eq!(
        report["outcomes"],
        serde_json::json!([["signed_in", 10000]])
    );
    assert_eq!(report["machinery_errors"], 0, "{report:#}");
    assert_eq!(report["boot"]["count"], 10000);
    // The whole process — 10,000 users in the directory, 500 phones in flight — stays small.
    let peak = report["peak_rss_mib"].as_f64().unwrap();
    assert!(peak < 1024.0, "peak resident memory {peak} MiB");
}

#[tokio::test]
async fn phones_that_miss_the_expectation_fail_the_storm_and_say_how() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.toml");
    // The root is never published, yet the act expects the phone to sign in.
    std::fs::write(
        &file,
        "title = \"wrong expectation\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n\
         [pki.root]\nsubject = \"Unpublished Root\"\n[registrar]\nissuer = \"root\"\n\
         [[act]]\ntitle = \"hopeful\"\nexpect = { outcome = \"signed_in\" }\n",
    )
    .unwrap();
    let (code, report) = storm_json(&[file.to_str().unwrap(), "--phones", "12"]).await;
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["as_expected"], 0);
    assert_eq!(report["machinery_errors"], 0);
    let unexpected = &report["unexpected"][0];
    assert_eq!(unexpected["count"], 12);
    assert!(unexpected["text"]
        .as_str()
        .unwrap()
        .starts_with("outcome cannot_validate_server_certificate (expected signed_in)"));
}

#[tokio::test]
async fn a_storm_outside_the_scenario_is_a_usage_error() {
    let (code, _, stderr) = storm(&["seed-story", "--act", "9"]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--act 9: seed-story has acts 1 to 3"),
        "{stderr}"
    );
    let (code, _, stderr) = storm(&["seed-story", "--phones", "0"]).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--phones 0"), "{stderr}");
}
