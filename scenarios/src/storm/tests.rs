use std::time::Duration;

use phone_client::machine::{Outcome, Path, Verdict};
use phone_client::report::{Report, RequestResult, Step, WebRequest};

use super::*;

fn scenario(extra: &str) -> Scenario {
    Scenario::parse(
        &format!(
            "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nsubject = \"R\"\n{extra}\n[[act]]\ntitle = \"a\"\nexpect = {{ outcome = \"signed_in\" }}\n"
        ),
        "x.toml",
        None,
    )
    .unwrap()
}

#[test]
fn each_phone_gets_a_copy_of_the_phone_users_account() {
    let mut world = scenario(
        "[[user]]\nname = \"bob\"\npassword = \"Secret1!\"\nstate = \"locked_out\"\n[phone]\nuser = \"EXAMPLE\\\\bob\"\npassword = \"typo\"\n",
    );
    with_default_user(&mut world);
    let phone = phone_at_act(&world, 1);
    let users = StormUsers::plan(&world, &phone, 3);
    assert!(users.distinct);
    let accounts = users.users();
    assert_eq!(accounts.len(), 3);
    assert_eq!(accounts[2].name, "phone000003");
    assert_eq!(accounts[2].password, "Secret1!");
    assert_eq!(accounts[2].state, crate::spec::AccountState::LockedOut);
    // The down-level form and the typed (wrong) password are kept: the storm repeats the boot.
    assert_eq!(
        users.credentials(0),
        Some(("EXAMPLE\\phone000001".to_string(), "typo".to_string()))
    );
}

#[test]
fn the_default_user_signs_in_by_upn() {
    let mut world = scenario("");
    with_default_user(&mut world);
    let users = StormUsers::plan(&world, &phone_at_act(&world, 1), 2);
    assert_eq!(
        users.credentials(1),
        Some((
            "phone000002@example.test".to_string(),
            "Passw0rd!".to_string()
        ))
    );
}

#[test]
fn a_phone_user_the_world_lacks_is_shared_not_invented() {
    let mut world = scenario("[phone]\nuser = \"nobody@example.test\"\n");
    with_default_user(&mut world);
    let users = StormUsers::plan(&world, &phone_at_act(&world, 1), 5);
    assert!(!users.distinct);
    assert!(users.users().is_empty());
    assert_eq!(users.credentials(0), None);
}

fn step(name: &str, ms: u64, requests: Vec<WebRequest>) -> Step {
    Step {
        name: name.into(),
        status: "ok",
        ms,
        detail: String::new(),
        screen: "",
        elapsed: Duration::from_millis(ms),
        requests,
    }
}

fn request(host: &str, result: RequestResult, ms: u64) -> WebRequest {
    WebRequest {
        host: host.into(),
        url: format!("http://{host}/certsrv/certnew.p7b"),
        result,
        ms,
        elapsed: Duration::from_millis(ms),
    }
}

/// A messy forest's boot: a silent host costs 1.5 s, two dead ones cost nothing.
fn slow_boot() -> Report {
    Report::new(
        &Verdict::SignedIn {
            path: Path::WebEnrollment,
        },
        "cpe-2007r2",
        vec![
            step("binding_to_directory", 2, vec![]),
            step(
                "downloading_certificate_chain",
                1503,
                vec![
                    request("ca2009.example.test", RequestResult::CannotConnect, 1),
                    request("ca2019.example.test", RequestResult::TimedOut, 1500),
                    request("ca.example.test", RequestResult::Ok, 2),
                ],
            ),
            step("connecting_to_registrar", 5, vec![]),
        ],
        Vec::new(),
    )
}

fn report_of(tally: Tally, phones: usize, concurrency: usize) -> StormReport {
    StormReport::new(
        Facts {
            scenario: "messy-forest".into(),
            title: "Messy <forest>".into(),
            act: 1,
            act_title: "Through the debris".into(),
            actions: vec![],
            expected: crate::spec::Expectation {
                outcome: Outcome::SignedIn,
                path: Some("web_enrollment".into()),
                reason_code: None,
                data_code: None,
                reason: None,
                installed: None,
            },
            phones,
            concurrency,
            distinct_users: true,
            wall: Duration::from_millis(3100),
            peak_rss_mib: Some(100.0),
            cpu_seconds: 0.5,
            cores: 2,
        },
        &tally,
    )
}

#[test]
fn workers_tallies_merge_into_percentiles_and_shares() {
    let mut first = Tally::new();
    let mut second = Tally::new();
    for _ in 0..3 {
        first.boot(&slow_boot(), Duration::from_millis(1510), vec![]);
    }
    second.boot(
        &slow_boot(),
        Duration::from_millis(1510),
        vec!["outcome x".into(), "path y".into()],
    );
    second.machinery("a phone did not finish within 60 s".into());
    first.merge(second);
    assert_eq!(first.finished(), 4);
    assert_eq!(first.as_expected, 3);
    assert_eq!(first.machinery_errors, 1);
    let unexpected = first.unexpected();
    assert_eq!(
        (unexpected[0].text.as_str(), unexpected[0].count),
        ("outcome x", 1)
    );
    assert_eq!(first.outcomes(), vec![("signed_in".to_string(), 4)]);
    let steps = first.step_latencies();
    let download = steps
        .iter()
        .find(|s| s.step == "downloading_certificate_chain")
        .unwrap();
    assert_eq!(download.latency.count, 4);
    assert!(
        (download.latency.p50_ms - 1503.0).abs() < 2.0,
        "{download:?}"
    );
    assert!(
        download.share > 0.98 && download.share < 1.0,
        "{download:?}"
    );
    let requests = first.request_tallies();
    assert_eq!(requests[0].host, "ca2019.example.test");
    assert_eq!(requests[0].count, 4);
    // The histogram holds every phone, in the 1.02–2.05 s bucket.
    let phones: u64 = first.histogram().iter().map(|(_, n)| n).sum();
    assert_eq!(phones, 4);
}

#[test]
fn the_silent_host_is_named_first_in_words() {
    let mut tally = Tally::new();
    for _ in 0..10 {
        tally.boot(&slow_boot(), Duration::from_millis(1510), vec![]);
    }
    let report = report_of(tally, 10, 10);
    let first = &report.where_the_time_went[0];
    assert!(
        first.starts_with(
            "99 % of the phones' boot time: waiting on 2 web hosts that never gave a chain"
        ),
        "{first}"
    );
    assert!(
        first.contains("ca2019.example.test timed out (1.50 s each, once per phone)"),
        "{first}"
    );
    assert!(
        first.contains("ca2009.example.test could not be reached"),
        "{first}"
    );
    assert!(report.where_the_time_went[1].contains("step 2: downloading the chain"));
    assert!(report
        .where_the_time_went
        .last()
        .unwrap()
        .starts_with("all 10 phones booted at once"));
}

#[test]
fn a_clean_boot_names_no_host_and_queueing_is_explained() {
    let mut tally = Tally::new();
    let quick = Report::new(
        &Verdict::SignedIn {
            path: Path::Directory,
        },
        "cpe-2007r2",
        vec![
            step("searching_certification_authorities", 1, vec![]),
            step("connecting_to_registrar", 3, vec![]),
        ],
        Vec::new(),
    );
    for _ in 0..8 {
        tally.boot(&quick, Duration::from_millis(4), vec![]);
    }
    let report = report_of(tally, 8, 2);
    assert!(report
        .where_the_time_went
        .iter()
        .all(|sentence| !sentence.contains("web host")));
    assert!(report.where_the_time_went[0].contains("connecting to the registrar"));
    assert!(report
        .where_the_time_went
        .last()
        .unwrap()
        .contains("8 phones booted 2 at a time"));
}

#[test]
fn the_page_is_self_contained_and_escaped() {
    let mut tally = Tally::new();
    tally.boot(&slow_boot(), Duration::from_millis(1510), vec![]);
    let page = html(&report_of(tally, 1, 1));
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<svg").count(), 2);
    assert!(page.contains("Messy &lt;forest&gt;"));
    for outside in ["src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(!page.contains(outside), "{outside}");
    }
    assert!(page.contains("id=\"where\""));
}

#[test]
fn thousands_are_grouped() {
    assert_eq!(text::thousands(0), "0");
    assert_eq!(text::thousands(999), "999");
    assert_eq!(text::thousands(100000), "100,000");
    assert_eq!(text::thousands(1234567), "1,234,567");
}

#[test]
fn a_storm_that_saturated_the_machine_says_so() {
    let mut tally = Tally::new();
    tally.boot(&slow_boot(), Duration::from_millis(1510), vec![]);
    let mut report = report_of(tally, 1, 1);
    let calm = where_the_time_went(&report);
    assert!(
        calm.iter().all(|s| !s.contains("waiting for a CPU")),
        "{calm:#?}"
    );
    report.cpu_seconds = 5.9; // of 3.1 s × 2 cores
    let busy = where_the_time_went(&report);
    assert!(
        busy.iter()
            .any(|s| s.starts_with("the storm kept 95 % of this machine's 2 cores busy")),
        "{busy:#?}"
    );
}
