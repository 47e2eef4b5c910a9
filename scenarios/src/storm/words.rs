//! "Where the time went", in words: the web hosts that made phones wait for nothing, the steps
//! that took most of the phones' boot time, and what the concurrency did to the wall time.

use phone_client::report::RequestResult;

use super::StormReport;

/// Steps or hosts below this share of the phones' summed boot time are not worth a sentence.
const WORTH_SAYING: f64 = 0.05;
/// Above this share of all cores' time, the storm measured the machine more than the servers.
const CPU_BOUND: f64 = 0.8;

/// The sentences, most time first.
pub fn where_the_time_went(report: &StormReport) -> Vec<String> {
    let mut sentences = Vec::new();
    let total: f64 = report.steps.iter().map(|step| step.total_ms).sum();
    if total <= 0.0 || report.boot.count == 0 {
        return sentences;
    }
    let finished = report.boot.count as f64;

    let failed: Vec<_> = report
        .requests
        .iter()
        .filter(|request| request.result != RequestResult::Ok)
        .collect();
    let failed_ms: f64 = failed.iter().map(|request| request.total_ms).sum();
    if failed_ms / total >= WORTH_SAYING {
        let mut hosts: Vec<&str> = failed.iter().map(|request| request.host.as_str()).collect();
        hosts.sort_unstable();
        hosts.dedup();
        let each = failed
            .iter()
            .map(|request| {
                format!(
                    "{} {} ({} each, {})",
                    request.host,
                    request.result.words(),
                    duration(request.total_ms / request.count.max(1) as f64),
                    per_phone(request.count as f64 / finished)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        sentences.push(format!(
            "{} of the phones' boot time: waiting on {} web host{} that never gave a chain — {each}",
            percent(failed_ms / total),
            hosts.len(),
            if hosts.len() == 1 { "" } else { "s" },
        ));
    }

    let mut steps: Vec<_> = report.steps.iter().collect();
    steps.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms));
    for step in steps
        .iter()
        .filter(|step| step.total_ms / total >= WORTH_SAYING)
    {
        sentences.push(format!(
            "{} of the phones' boot time: {} (p50 {}, p99 {}, max {})",
            percent(step.total_ms / total),
            phrase(&step.step),
            duration(step.latency.p50_ms),
            duration(step.latency.p99_ms),
            duration(step.latency.max_ms),
        ));
    }

    let busy = report.cpu_seconds / (report.wall_ms / 1000.0 * report.cores.max(1) as f64);
    if report.wall_ms > 0.0 && busy >= CPU_BOUND {
        sentences.push(format!(
            "the storm kept {} of this machine's {} core{} busy, and the phones and the world's servers share them: the times above include waiting for a CPU (a lower --concurrency shows the servers' own latency)",
            percent(busy.min(1.0)),
            report.cores,
            if report.cores == 1 { "" } else { "s" }
        ));
    }

    let mean = total / finished;
    if report.phones > report.concurrency {
        sentences.push(format!(
            "{} phones booted {} at a time: a boot took {} on average, so the storm needed about {} rounds; the wall time was {}",
            report.phones,
            report.concurrency,
            duration(mean),
            (report.phones as f64 / report.concurrency as f64).ceil(),
            duration(report.wall_ms),
        ));
    } else {
        sentences.push(format!(
            "all {} phones booted at once: a boot took {} on average, the slowest {}; the wall time was {}",
            report.phones,
            duration(mean),
            duration(report.boot.max_ms),
            duration(report.wall_ms),
        ));
    }
    sentences
}

/// What a step does, as an administrator would say it.
pub fn phrase(step: &str) -> String {
    match step {
        "locating_domain_controller" => "locating and connecting to a domain controller".into(),
        "binding_to_directory" => "signing in to the directory (bind)".into(),
        "searching_certification_authorities" => {
            "step 1: searching certificationAuthority objects".into()
        }
        "searching_enrollment_services" => "step 2: searching pKIEnrollmentService objects".into(),
        "downloading_certificate_chain" => {
            "step 2: downloading the chain from web enrollment (certnew.p7b)".into()
        }
        "installing_certificates" => "installing certificates".into(),
        "connecting_to_registrar" => "connecting to the registrar (TLS handshake)".into(),
        "validating_server_certificate" => "validating the registrar's certificate".into(),
        "checking_revocation" => "checking revocation (CRL downloads)".into(),
        "locating_certificate_web_service" => "locating the Certificate Web service".into(),
        "downloading_certificate_chain_from_web_service" => {
            "downloading the chain from the Certificate Web service".into()
        }
        other => other.replace('_', " "),
    }
}

pub(super) fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value >= 10.0 {
        format!("{value:.0} %")
    } else {
        format!("{value:.1} %")
    }
}

/// A duration in ms as people read it: "0.42 ms", "12.3 ms", "1.50 s".
pub fn duration(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn per_phone(rate: f64) -> String {
    if (rate - 1.0).abs() < 0.005 {
        "once per phone".into()
    } else {
        format!("{rate:.2} per phone")
    }
}
