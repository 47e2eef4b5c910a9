//! Load generator for the issue #2 benchmark: the phone's query at N connections, and whole phone
//! boots (connect, bind, search, unbind) on new connections. Works against any LDAP server, so the
//! same numbers are taken for `ldap-server` and for OpenLDAP slapd in one run (see `bench/run.sh`).
//!
//! ```text
//! cargo run --release -p ldap-server --example load -- --url ldap://127.0.0.1:3890 \
//!     --bind 'Administrator@example.test' --password 'Passw0rd!' \
//!     --base 'CN=Configuration,DC=example,DC=test' --filter '(objectCategory=certificationAuthority)' \
//!     --attribute cACertificate --connections 64 --seconds 5 --mode search
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, Scope};

struct Options {
    url: String,
    bind: String,
    password: String,
    base: String,
    filter: String,
    attribute: String,
    connections: usize,
    seconds: u64,
    boot: bool,
    label: String,
}

fn parse() -> Options {
    let mut options = Options {
        url: "ldap://127.0.0.1:3890".into(),
        bind: "Administrator@example.test".into(),
        password: "Passw0rd!".into(),
        base: "CN=Configuration,DC=example,DC=test".into(),
        filter: "(objectCategory=certificationAuthority)".into(),
        attribute: "cACertificate".into(),
        connections: 1,
        seconds: 5,
        boot: false,
        label: "server".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--url" => options.url = value(),
            "--bind" => options.bind = value(),
            "--password" => options.password = value(),
            "--base" => options.base = value(),
            "--filter" => options.filter = value(),
            "--attribute" => options.attribute = value(),
            "--connections" => options.connections = value().parse().expect("--connections N"),
            "--seconds" => options.seconds = value().parse().expect("--seconds N"),
            "--mode" => options.boot = value() == "boot",
            "--label" => options.label = value(),
            other => panic!("unknown flag {other}"),
        }
    }
    options
}

#[tokio::main]
async fn main() {
    let options = Arc::new(parse());
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let entries = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..options.connections {
        let (options, done, count, entries, errors) = (
            options.clone(),
            done.clone(),
            count.clone(),
            entries.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            if options.boot {
                while !done.load(Ordering::Relaxed) {
                    match boot(&options).await {
                        Ok(found) => {
                            count.fetch_add(1, Ordering::Relaxed);
                            entries.fetch_add(found, Ordering::Relaxed);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            } else {
                let (connection, mut ldap) =
                    LdapConnAsync::new(&options.url).await.expect("connect");
                ldap3::drive!(connection);
                ldap.simple_bind(&options.bind, &options.password)
                    .await
                    .expect("bind")
                    .success()
                    .expect("bind ok");
                while !done.load(Ordering::Relaxed) {
                    match ldap
                        .search(
                            &options.base,
                            Scope::Subtree,
                            &options.filter,
                            vec![options.attribute.as_str()],
                        )
                        .await
                        .and_then(|r| r.success())
                    {
                        Ok((found, _)) => {
                            count.fetch_add(1, Ordering::Relaxed);
                            entries.fetch_add(found.len() as u64, Ordering::Relaxed);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                let _ = ldap.unbind().await;
            }
        }));
    }
    // One second of warm-up, then the measured window.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start_count = count.load(Ordering::Relaxed);
    let start_entries = entries.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    let operations = count.load(Ordering::Relaxed) - start_count;
    let found = entries.load(Ordering::Relaxed) - start_entries;
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let per_op = if operations > 0 {
        found as f64 / operations as f64
    } else {
        0.0
    };
    println!(
        "{:<10} {:<6} connections={:<3} {:>9.0} ops/s  ({} ops in {:.1}s, {:.1} entries/op, {} errors)",
        options.label,
        if options.boot { "boot" } else { "search" },
        options.connections,
        operations as f64 / elapsed,
        operations,
        elapsed,
        per_op,
        errors.load(Ordering::Relaxed)
    );
}

/// A phone boot: new connection, bind, the certificate search, unbind.
async fn boot(options: &Options) -> ldap3::result::Result<u64> {
    let (connection, mut ldap) = LdapConnAsync::new(&options.url).await?;
    ldap3::drive!(connection);
    ldap.simple_bind(&options.bind, &options.password)
        .await?
        .success()?;
    let (found, _) = ldap
        .search(
            &options.base,
            Scope::Subtree,
            &options.filter,
            vec![options.attribute.as_str()],
        )
        .await?
        .success()?;
    ldap.unbind().await?;
    Ok(found.len() as u64)
}
