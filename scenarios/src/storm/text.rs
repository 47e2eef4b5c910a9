//! The storm's report for a terminal.

use std::fmt::Write;

use super::words::duration;
use super::{Latency, StormReport};

pub fn text(report: &StormReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Storm: {} — act {} \"{}\"",
        report.scenario, report.act, report.act_title
    );
    let _ = writeln!(
        out,
        "  {} phones, {} at a time, {}",
        thousands(report.phones as u64),
        thousands(report.concurrency as u64),
        if report.distinct_users {
            "each signing in as its own user"
        } else {
            "all with the scenario phone's sign-in"
        }
    );
    for action in &report.actions {
        let _ = writeln!(out, "  before the storm: {action}");
    }
    let _ = writeln!(out, "  expected: {}", expectation(report));
    let _ = writeln!(
        out,
        "  wall time {}, {:.0} boots/s, {:.1} s of CPU on {} cores{}",
        duration(report.wall_ms),
        report.boots_per_second,
        report.cpu_seconds,
        report.cores,
        report
            .peak_rss_mib
            .map(|mib| format!(", peak resident memory {mib:.0} MiB (world included)"))
            .unwrap_or_default()
    );

    let _ = writeln!(out, "\nOutcomes");
    for (outcome, phones) in &report.outcomes {
        let _ = writeln!(out, "  {outcome:<40} {:>9}", thousands(*phones as u64));
    }
    let _ = writeln!(
        out,
        "  {:<40} {:>9}",
        "as expected",
        thousands(report.as_expected as u64)
    );
    if !report.unexpected.is_empty() {
        let _ = writeln!(out, "\nNot as expected");
        samples(&mut out, &report.unexpected);
    }
    let _ = writeln!(
        out,
        "\nStorm machinery errors (not the phones'): {}",
        report.machinery_errors
    );
    samples(&mut out, &report.machinery);

    let _ = writeln!(
        out,
        "\nLatency                                       count       p50       p90       p99       max   share"
    );
    latency_line(&mut out, "whole boot", &report.boot, None);
    for step in &report.steps {
        latency_line(&mut out, &step.step, &step.latency, Some(step.share));
    }
    if !report.requests.is_empty() {
        let _ = writeln!(out, "\nWeb requests");
        for request in &report.requests {
            let _ = writeln!(
                out,
                "  {:<44} {:>9} × {:<45} mean {:>9}  max {:>9}",
                request.host,
                thousands(request.count),
                request.result.words(),
                duration(request.total_ms / request.count.max(1) as f64),
                duration(request.max_ms)
            );
        }
    }
    let _ = writeln!(out, "\nWhere the time went");
    for sentence in &report.where_the_time_went {
        let _ = writeln!(out, "  - {sentence}");
    }
    out
}

/// The ten most frequent samples, each with its count.
fn samples(out: &mut String, samples: &[super::Sample]) {
    for sample in samples.iter().take(10) {
        let _ = writeln!(
            out,
            "  {:>9}  {}",
            thousands(sample.count as u64),
            sample.text
        );
    }
}

/// The act's expectation in one line.
pub(super) fn expectation(report: &StormReport) -> String {
    let expected = &report.expected;
    let mut text = expected.outcome.to_string();
    if let Some(path) = &expected.path {
        text.push_str(&format!(" via {path}"));
    }
    if let Some(installed) = &expected.installed {
        text.push_str(&format!(", installing [{}]", installed.join(", ")));
    }
    if let Some(code) = expected.reason_code {
        text.push_str(&format!(", reason {code}"));
    }
    text
}

fn latency_line(out: &mut String, name: &str, latency: &Latency, share: Option<f64>) {
    let _ = writeln!(
        out,
        "  {name:<42} {:>7} {:>9} {:>9} {:>9} {:>9} {:>7}",
        thousands(latency.count),
        duration(latency.p50_ms),
        duration(latency.p90_ms),
        duration(latency.p99_ms),
        duration(latency.max_ms),
        share.map(super::words::percent).unwrap_or_default()
    );
}

/// 10000 → "10,000".
pub(super) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
