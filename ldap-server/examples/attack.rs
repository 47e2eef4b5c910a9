//! The issue #12 benchmark: 64 phones booting in a loop (connect, bind, search for the CA
//! objects, unbind), once alone and once beside bound clients sending the worst requests we know
//! (bases of 8,000 and 32,000 RDNs, the largest filter allowed — 512 substring terms — over the
//! whole domain, nested NOTs, a filter one term too large, unindexed searches of every object).
//! Prints the phones' boot latency p50/p99/max for both runs, the ratio of the p99s, and how each
//! kind of attack request was answered (result code, slowest answer).
//!
//! ```text
//! cargo run --release -p ldap-server --example attack -- --url ldap://127.0.0.1:3890 \
//!     --bind 'Administrator@example.test' --password 'Passw0rd!' --seconds 10
//! ```
//! `bench/attack.sh` starts a server with 10,000 users and runs this against it.

// A benchmark's client, not part of the server: a bad flag or a refused bind must stop the
// measurement at once and loudly, which is what these do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, Scope};

struct Options {
    url: String,
    bind: String,
    password: String,
    phones: usize,
    attackers: usize,
    seconds: u64,
}

fn parse() -> Options {
    let mut options = Options {
        url: "ldap://127.0.0.1:3890".into(),
        bind: "Administrator@example.test".into(),
        password: "Passw0rd!".into(),
        phones: 64,
        attackers: 4,
        seconds: 10,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match flag.as_str() {
            "--url" => options.url = value(),
            "--bind" => options.bind = value(),
            "--password" => options.password = value(),
            "--phones" => options.phones = value().parse().expect("--phones N"),
            "--attackers" => options.attackers = value().parse().expect("--attackers N"),
            "--seconds" => options.seconds = value().parse().expect("--seconds N"),
            other => panic!("unknown flag {other}"),
        }
    }
    options
}

const CONFIG: &str = "CN=Configuration,DC=example,DC=test";
const DOMAIN: &str = "DC=example,DC=test";

/// One attack request: a name, a base, a filter.
fn attacks() -> Vec<(&'static str, String, String)> {
    let deep = |rdns: usize| {
        let mut base = "CN=x,".repeat(rdns);
        base.push_str(DOMAIN);
        base
    };
    let substrings: String = (0..511)
        .map(|i| format!("(cn=*{}*{}*)", i % 10, (i / 10) % 10))
        .collect();
    let too_large: String = (0..512).map(|i| format!("(cn=u{i})")).collect();
    let mut nested = "(cn=*a*)".to_string();
    for _ in 0..60 {
        nested = format!("(!{nested})");
    }
    vec![
        ("base of 8,000 RDNs", deep(8_000), "(objectClass=*)".into()),
        (
            "base of 32,000 RDNs",
            deep(32_000),
            "(objectClass=*)".into(),
        ),
        (
            "512 substring terms",
            DOMAIN.into(),
            format!("(|{substrings})"),
        ),
        (
            "513 terms (refused)",
            DOMAIN.into(),
            format!("(|{too_large}(cn=x))"),
        ),
        ("60 nested NOTs", DOMAIN.into(), nested),
        ("every object", DOMAIN.into(), "(objectClass=*)".into()),
        (
            "unindexed substring",
            DOMAIN.into(),
            "(description=*a*b*c*d*e*f*g*)".into(),
        ),
    ]
}

async fn phone(options: &Options) -> Result<Duration, ldap3::LdapError> {
    let started = Instant::now();
    let (connection, mut ldap) = LdapConnAsync::new(&options.url).await?;
    ldap3::drive!(connection);
    ldap.simple_bind(&options.bind, &options.password)
        .await?
        .success()?;
    ldap.search(
        CONFIG,
        Scope::Subtree,
        "(objectCategory=certificationAuthority)",
        vec!["cACertificate"],
    )
    .await?
    .success()?;
    ldap.unbind().await?;
    Ok(started.elapsed())
}

/// Boots in a loop on `phones` connections for `seconds`; every boot's latency.
async fn phones(options: &Arc<Options>) -> (Vec<Duration>, u64) {
    let done = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..options.phones {
        let (options, done) = (options.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while !done.load(Ordering::Relaxed) {
                match phone(&options).await {
                    Ok(latency) => latencies.push(latency),
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    done.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, failed) = task.await.expect("phone task");
        all.extend(latencies);
        errors += failed;
    }
    all.sort();
    (all, errors)
}

/// (result code → count, slowest answer) per attack.
type Answers = Arc<Mutex<BTreeMap<&'static str, (BTreeMap<String, u64>, Duration)>>>;

async fn attacker(options: Arc<Options>, done: Arc<AtomicBool>, answers: Answers) {
    let (connection, mut ldap) = LdapConnAsync::new(&options.url).await.expect("connect");
    ldap3::drive!(connection);
    ldap.simple_bind(&options.bind, &options.password)
        .await
        .expect("bind")
        .success()
        .expect("bind ok");
    let attacks = attacks();
    let mut next = 0;
    while !done.load(Ordering::Relaxed) {
        let (name, base, filter) = &attacks[next % attacks.len()];
        next += 1;
        let started = Instant::now();
        let outcome = ldap
            .with_timeout(Duration::from_secs(300))
            .search(base, Scope::Subtree, filter, vec!["1.1"])
            .await;
        let took = started.elapsed();
        let code = match outcome {
            Ok(result) => result.1.rc.to_string(),
            Err(error) => format!("error: {error}"),
        };
        let mut answers = answers.lock().expect("lock");
        let slot = answers.entry(name).or_default();
        *slot.0.entry(code).or_default() += 1;
        slot.1 = slot.1.max(took);
    }
    let _ = ldap.unbind().await;
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(label: &str, latencies: &[Duration], errors: u64, seconds: u64) -> Duration {
    let p99 = percentile(latencies, 0.99);
    println!(
        "{label:<16} {:>7} boots ({:>6.0}/s)  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms  {errors} errors",
        latencies.len(),
        latencies.len() as f64 / seconds as f64,
        percentile(latencies, 0.5).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    p99
}

#[tokio::main]
async fn main() {
    let options = Arc::new(parse());
    let (quiet, quiet_errors) = phones(&options).await;
    let quiet_p99 = report("phones alone", &quiet, quiet_errors, options.seconds);

    let done = Arc::new(AtomicBool::new(false));
    let answers: Answers = Arc::default();
    let attackers: Vec<_> = (0..options.attackers)
        .map(|_| tokio::spawn(attacker(options.clone(), done.clone(), answers.clone())))
        .collect();
    let (attacked, attacked_errors) = phones(&options).await;
    done.store(true, Ordering::Relaxed);
    for task in attackers {
        task.await.expect("attacker");
    }
    let attacked_p99 = report("under attack", &attacked, attacked_errors, options.seconds);
    println!(
        "p99 under attack / alone: {:.2}x (target: at most 2x)",
        attacked_p99.as_secs_f64() / quiet_p99.as_secs_f64().max(1e-9)
    );
    println!(
        "attack requests ({} connections), result codes and the slowest answer:",
        options.attackers
    );
    for (name, (codes, slowest)) in answers.lock().expect("lock").iter() {
        let codes: Vec<String> = codes
            .iter()
            .map(|(code, count)| format!("{code}×{count}"))
            .collect();
        println!(
            "  {name:<22} {:<24} slowest {:>8.1} ms",
            codes.join(" "),
            slowest.as_secs_f64() * 1e3
        );
    }
}
