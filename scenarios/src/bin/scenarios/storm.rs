//! `scenarios storm`: the terminal side — a progress bar while phones boot, the report as text or
//! JSON, the HTML page, and the exit code (0: every phone as expected and no machinery error).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use scenarios::storm::StormOptions;

/// Descriptors one booting phone may hold at once, both ends counted (the world runs in this
/// process): its LDAP connection, a web enrollment request, the registrar's TLS connection.
const DESCRIPTORS_PER_PHONE: u64 = 8;
/// What the world itself holds open: listeners, the journal, the runtime.
const DESCRIPTORS_FOR_THE_WORLD: u64 = 256;

pub async fn run(name: &str, options: StormOptions, json: bool, html: Option<PathBuf>) -> ExitCode {
    let scenario = match super::find(name) {
        Ok(scenario) => scenario,
        Err(error) => return super::usage(error),
    };
    let concurrency = options.concurrency.clamp(1, options.phones.max(1)) as u64;
    let limit = raise_descriptor_limit();
    let needed = concurrency * DESCRIPTORS_PER_PHONE + DESCRIPTORS_FOR_THE_WORLD;
    if limit < needed {
        return super::usage(format!(
            "--concurrency {concurrency} needs about {needed} open files, and this process may have {limit} (ulimit -n); lower --concurrency or raise the limit"
        ));
    }
    let bar = ProgressBar::new(options.phones as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:<28} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("starting the world ({} users)", options.phones));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let ticking = bar.clone();
    let progress = Arc::new(move || {
        if ticking.position() == 0 {
            ticking.set_message("booting");
        }
        ticking.inc(1);
    });
    let result = scenarios::storm::storm(&scenario, options, progress).await;
    bar.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(error) => return super::usage(error),
    };
    if let Some(path) = html {
        if let Err(error) = std::fs::write(&path, scenarios::storm::html(&report)) {
            return super::usage(format!("--html {}: {error}", path.display()));
        }
    }
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => super::emit(&format!("{text}\n")),
            Err(error) => return super::usage(format!("cannot encode the report: {error}")),
        }
    } else {
        super::emit(&scenarios::storm::text(&report));
    }
    if report.as_expected == report.phones && report.machinery_errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Raises the soft open-file limit to the hard one (a storm holds thousands of sockets) and
/// returns it.
fn raise_descriptor_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}
