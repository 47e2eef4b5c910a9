//! What the `scenarios` binary prints: the results table, the JSON for CI, a scenario's story,
//! and how to reach a running world.

use std::fmt::Write as _;

use crate::run::ScenarioResult;
use crate::spec::Scenario;
use crate::world::{World, ADMIN_PASSWORD};

/// One line per act: scenario, §G rows, act, outcome, verdict, time; failures underneath.
pub fn table(results: &[ScenarioResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:<6} {:<44} {:<36} {:>7}  result",
        "scenario", "§G", "act", "outcome (path)", "ms"
    );
    for result in results {
        let covers = result
            .covers
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",");
        if let Some(error) = &result.error {
            let _ = writeln!(
                out,
                "{:<34} {:<6} {:<44} {:<36} {:>7}  ERROR",
                result.name, covers, "-", "-", result.ms
            );
            let _ = writeln!(out, "    {error}");
        }
        for (index, act) in result.acts.iter().enumerate() {
            let outcome = match &act.report {
                Some(report) => match report.path {
                    Some(path) => format!("{} ({})", report.outcome, path.name()),
                    None => report.outcome.to_string(),
                },
                None => "-".into(),
            };
            let verdict = if act.failures.is_empty() {
                "ok"
            } else {
                "FAIL"
            };
            let audit = match act.audit.as_ref().and_then(|audit| audit.agrees) {
                Some(true) => "  audit agrees",
                Some(false) => "  AUDIT DISAGREES",
                None => "",
            };
            let _ = writeln!(
                out,
                "{:<34} {:<6} {:<44} {:<36} {:>7}  {verdict}{audit}",
                if index == 0 { result.name.as_str() } else { "" },
                if index == 0 { covers.as_str() } else { "" },
                truncate(&act.title, 44),
                truncate(&outcome, 36),
                act.ms
            );
            for failure in &act.failures {
                let _ = writeln!(out, "    ✗ {failure}");
            }
            if let Some(audit) = act
                .audit
                .as_ref()
                .filter(|audit| audit.agrees == Some(false))
            {
                let _ = writeln!(
                    out,
                    "    ✗ audit: would_sign_in={} {}",
                    audit.would_sign_in, audit.reason
                );
            }
        }
    }
    let passed = results.iter().filter(|result| result.passed()).count();
    let acts: usize = results.iter().map(|result| result.acts.len()).sum();
    let _ = writeln!(
        out,
        "\n{passed}/{} scenarios as expected ({acts} boots)",
        results.len()
    );
    out
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The run for scripts: every scenario with its acts and full phone reports.
pub fn json(results: &[ScenarioResult], wall_ms: u64) -> String {
    let value = serde_json::json!({
        "passed": results.iter().all(ScenarioResult::passed),
        "scenarios": results.len(),
        "failed": results.iter().filter(|result| !result.passed()).map(|result| result.name.clone()).collect::<Vec<_>>(),
        "wall_ms": wall_ms,
        "results": results,
    });
    serde_json::to_string_pretty(&value)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

/// `scenarios list`.
pub fn list(scenarios: &[Scenario]) -> String {
    let mut out = String::new();
    for scenario in scenarios {
        let covers = if scenario.covers.is_empty() {
            String::new()
        } else {
            format!(
                " [§G {}]",
                scenario
                    .covers
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        let _ = writeln!(out, "{:<34} {}{covers}", scenario.name, scenario.title);
    }
    out
}

/// `scenarios explain NAME`: the story.
pub fn explain(scenario: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", scenario.name, scenario.title);
    if !scenario.covers.is_empty() {
        let _ = writeln!(
            out,
            "domain.md §G row(s): {}",
            scenario
                .covers
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !scenario.source.is_empty() {
        let _ = writeln!(out, "source: {}", scenario.source);
    }
    let _ = writeln!(out, "\ncause:   {}", scenario.cause.trim());
    let _ = writeln!(out, "symptom: {}", scenario.symptom.trim());
    let _ = writeln!(out, "fix:     {}", scenario.fix.trim());
    let _ = writeln!(out, "\nacts:");
    for (index, act) in scenario.acts.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", index + 1, act.title);
        for publish in &act.publish {
            let _ = writeln!(
                out,
                "       certutil -f -dspublish {}.cer {}",
                publish.certificate, publish.kind
            );
        }
        if !act.ldif.trim().is_empty() {
            let _ = writeln!(out, "       ldapmodify (see the scenario file)");
        }
        if let Some(profile) = act.phone.as_ref().and_then(|phone| phone.profile.as_ref()) {
            let _ = writeln!(out, "       phone profile → {profile}");
        }
        let _ = writeln!(
            out,
            "       expect: {}{}",
            act.expect.outcome,
            act.expect
                .path
                .as_ref()
                .map(|path| format!(" via {path}"))
                .unwrap_or_default()
        );
    }
    out
}

/// The `phone-client` command line that boots this world's phone as the runner does.
pub fn phone_command(world: &World, profile: &str) -> String {
    let (user, password) = world.credentials();
    let phone = &world.phone;
    let mut words = vec!["phone-client".to_string()];
    if phone.pin.is_some() {
        words.push(format!("--user '{user}' --pin '{password}'"));
        if let Some(url) = &phone.dhcp_option_43 {
            words.push(format!("--dhcp-option-43 '{url}'"));
        }
        if let Some(registrar) = &phone.dhcp_option_120 {
            words.push(format!("--dhcp-option-120 {registrar}"));
        }
    } else {
        match world.dns {
            Some(dns) => {
                words.push(format!("--dns {dns}"));
                if let Some(domain) = &phone.dhcp_domain {
                    words.push(format!("--dhcp-domain {domain}"));
                }
                for suffix in phone.dhcp_search.iter().flatten() {
                    words.push(format!("--dhcp-search {suffix}"));
                }
            }
            None => words.push(format!("--dc {}", world.ldap_address())),
        }
        words.push(format!("--user '{user}' --password '{password}'"));
        words.push(format!(
            "--registrar {}:{}",
            world.registrar_name(),
            world.registrar.port()
        ));
    }
    for (host, address) in &world.resolve {
        words.push(format!("--resolve {host}={address}"));
    }
    words.push(format!("--profile {profile}"));
    words.join(" ")
}

/// `scenarios up NAME`: how to reach the running world.
pub fn reach(world: &World, profile_file: Option<&std::path::Path>) -> String {
    let mut out = String::new();
    let domain = &world.scenario.domain.dns;
    let (user, password) = world.credentials();
    let ldap = world.ldap_address();
    let _ = writeln!(
        out,
        "World {:?} is up — {}",
        world.scenario.name, world.scenario.title
    );
    let _ = writeln!(
        out,
        "\ndirectory       ldap://{ldap}   (domain {domain}, {})",
        world.names.domain_dn
    );
    if let Some(gc) = world.global_catalog_address() {
        let _ = writeln!(out, "global catalog  ldap://{gc}");
    }
    if let Some(ldaps) = world.ldaps_address() {
        let _ = writeln!(
            out,
            "LDAPS           ldaps://{ldaps}   (StartTLS on the LDAP port too; the DC's CA is dc-ca.pem with --out, for --ca-file)"
        );
    }
    let _ = writeln!(
        out,
        "administrator   {} / {ADMIN_PASSWORD}",
        world.administrator()
    );
    let _ = writeln!(out, "phone user      {user} / {password}");
    for host in &world.certsrv {
        let _ = writeln!(
            out,
            "certsrv         http://{}/certsrv/ → {} ({})",
            host.host, host.address, host.behaviour
        );
    }
    let _ = writeln!(
        out,
        "registrar       {}:{} → {}",
        world.registrar_name(),
        world.registrar.port(),
        world.registrar
    );
    if let Some(dns) = world.dns {
        let _ = writeln!(
            out,
            "DNS             {dns} (answers _ldap._tcp.dc._msdcs.{domain})"
        );
    }
    let profile = match profile_file {
        Some(file) => file.display().to_string(),
        None => world
            .phone
            .profile
            .clone()
            .unwrap_or_else(|| "cpe-2007r2".into()),
    };
    let _ = writeln!(out, "\nboot a phone:");
    let _ = writeln!(out, "  {}", phone_command(world, &profile));
    let _ = writeln!(out, "\nlook at what the phone sees:");
    let _ = writeln!(
        out,
        "  ldapsearch -x -H ldap://{ldap} -D '{}' -w '{ADMIN_PASSWORD}' -b '{}' '(objectCategory=certificationAuthority)' cACertificate",
        world.administrator(),
        world.names.pks()
    );
    let _ = writeln!(
        out,
        "  ldapsearch -x -H ldap://{ldap} -D '{}' -w '{ADMIN_PASSWORD}' -b '{}' '(objectClass=pKIEnrollmentService)' dNSHostName",
        world.administrator(),
        world.names.pks()
    );
    let _ = writeln!(out, "\nfix it like an administrator:");
    let _ = writeln!(
        out,
        "  adpki publish <certificate>.pem RootCA -f --host {} --port {} --user '{}' --password '{ADMIN_PASSWORD}'",
        ldap.ip(),
        ldap.port(),
        world.administrator()
    );
    let _ = writeln!(out, "\nCtrl-C stops the world.");
    out
}

/// The seed story's screen: each act's administrator action, the phone's steps and verdict.
pub fn story(result: &ScenarioResult, verbose: bool) -> String {
    let mut out = String::new();
    for (index, act) in result.acts.iter().enumerate() {
        let _ = writeln!(out, "== Act {}: {}", index + 1, act.title);
        if act.actions.is_empty() {
            let _ = writeln!(out, "   (no administrator action)");
        }
        for action in &act.actions {
            let _ = writeln!(out, "   admin: {action}");
        }
        let Some(report) = &act.report else {
            continue;
        };
        for step in &report.steps {
            let first = step.detail.lines().next().unwrap_or_default();
            let _ = writeln!(
                out,
                "   [{}] {:<36} {:>5} ms  {}",
                if step.status == "ok" { "ok  " } else { "FAIL" },
                step.name,
                step.ms,
                truncate(first, 100)
            );
        }
        let _ = writeln!(
            out,
            "   phone shows: {}{}",
            report.screen,
            if report.reason.is_empty() {
                String::new()
            } else {
                format!(" — {}", report.reason)
            }
        );
        let verdict = if act.failures.is_empty() {
            "as expected"
        } else {
            "UNEXPECTED"
        };
        let _ = writeln!(
            out,
            "   outcome: {} (expected {}) — {verdict}\n",
            report.outcome, act.expected.outcome
        );
        if verbose {
            let _ = writeln!(out, "{}", report.human());
        }
    }
    out
}
