//! The runner: starts a scenario's world, plays its acts (administrator action, phone boot),
//! checks each boot against the act's expectation, and optionally asks `adpki audit` the same
//! question to check that the audit's verdict agrees with what the phone actually did.

use std::sync::Arc;
use std::time::Instant;

use phone_client::machine::Outcome;
use phone_client::report::Report;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::spec::{Expectation, Scenario};
use crate::world::{World, BOOT_LIMIT};

/// How one act went.
#[derive(Debug, Clone, Serialize)]
pub struct ActResult {
    pub title: String,
    /// What the administrator did before the boot.
    pub actions: Vec<String>,
    pub expected: Expectation,
    pub report: Option<Report>,
    /// Installed certificates by scenario id (`?<subject>` for a certificate not in [pki]).
    pub installed: Vec<String>,
    /// Every way the boot differs from the expectation; empty = as expected.
    pub failures: Vec<String>,
    /// `adpki audit`'s verdict, when asked: whether it agrees with the boot.
    pub audit: Option<AuditCheck>,
    pub ms: u64,
}

/// The audit's verdict next to the phone's.
#[derive(Debug, Clone, Serialize)]
pub struct AuditCheck {
    pub would_sign_in: bool,
    pub reason: String,
    pub fix: Option<String>,
    /// Whether the audit's verdict matches the boot (None: the boot ended before the PKI
    /// mattered — DC location or sign-in — which the audit does not judge).
    pub agrees: Option<bool>,
    /// The whole audit, for the HTML page's pkiview tree.
    #[serde(skip)]
    pub report: Option<adpki::audit::AuditReport>,
}

/// How one scenario went.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub title: String,
    pub covers: Vec<u8>,
    pub acts: Vec<ActResult>,
    /// The world could not be built or an action failed.
    pub error: Option<String>,
    pub ms: u64,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.acts.iter().all(|act| act.failures.is_empty())
    }

    /// Audit disagreements (only meaningful when the run asked for audits).
    pub fn audit_disagreements(&self) -> usize {
        self.acts
            .iter()
            .filter(|act| act.audit.as_ref().and_then(|audit| audit.agrees) == Some(false))
            .count()
    }
}

/// Options of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Also run `adpki audit` against each act's world and compare.
    pub audit: bool,
}

/// Runs one scenario from world start to shutdown.
pub async fn run(scenario: &Scenario, options: RunOptions) -> ScenarioResult {
    let started = Instant::now();
    let mut result = ScenarioResult {
        name: scenario.name.clone(),
        title: scenario.title.clone(),
        covers: scenario.covers.clone(),
        acts: Vec::new(),
        error: None,
        ms: 0,
    };
    match World::start(scenario).await {
        Ok(mut world) => {
            for act in &scenario.acts {
                match play(&mut world, act, options).await {
                    Ok(done) => result.acts.push(done),
                    Err(error) => {
                        result.error = Some(format!("act {:?}: {error}", act.title));
                        break;
                    }
                }
            }
            world.shutdown().await;
        }
        Err(error) => result.error = Some(error.to_string()),
    }
    result.ms = elapsed_ms(started);
    result
}

/// Runs scenarios concurrently (at most `parallel` worlds at once), results in input order.
pub async fn run_all(
    scenarios: Vec<Scenario>,
    parallel: usize,
    options: RunOptions,
) -> Vec<ScenarioResult> {
    let slots = Arc::new(Semaphore::new(parallel.max(1)));
    let tasks: Vec<_> = scenarios
        .into_iter()
        .map(|scenario| {
            let slots = slots.clone();
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await;
                run(&scenario, options).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        match task.await {
            Ok(result) => results.push(result),
            Err(error) => results.push(ScenarioResult {
                name: "?".into(),
                title: String::new(),
                covers: Vec::new(),
                acts: Vec::new(),
                error: Some(format!("the scenario's task failed: {error}")),
                ms: 0,
            }),
        }
    }
    results
}

async fn play(
    world: &mut World,
    act: &crate::spec::ActSpec,
    options: RunOptions,
) -> Result<ActResult, crate::Error> {
    let started = Instant::now();
    let actions = act_on(world, act).await?;
    let report = tokio::time::timeout(BOOT_LIMIT, world.boot())
        .await
        .map_err(|_| {
            crate::Error::Act(format!(
                "the phone did not finish within {} s",
                BOOT_LIMIT.as_secs()
            ))
        })??;
    let installed = installed_ids(world, &report);
    let failures = check(&act.expect, &report, &installed);
    let audit = if options.audit {
        Some(audit(world, &report).await)
    } else {
        None
    };
    Ok(ActResult {
        title: act.title.clone(),
        actions,
        expected: act.expect.clone(),
        report: Some(report),
        installed,
        failures,
        audit,
        ms: elapsed_ms(started),
    })
}

/// An act's administrator actions and phone changes, applied to the world; what was done, in
/// words.
pub async fn act_on(
    world: &mut World,
    act: &crate::spec::ActSpec,
) -> Result<Vec<String>, crate::Error> {
    let mut actions = Vec::new();
    // LDIF first (it may clear the way, e.g. delete an object), then the publishes.
    if !act.ldif.trim().is_empty() {
        let applied = world.modify(&act.ldif).await?;
        actions.push(format!("ldapmodify as Administrator: {applied} change(s)"));
    }
    for publish in &act.publish {
        actions.push(world.publish(&publish.certificate, &publish.kind).await?);
    }
    if let Some(sans) = &act.registrar_sans {
        actions.push(world.reissue_registrar(sans).await?);
    }
    if let Some(phone) = &act.phone {
        world.update_phone(phone);
        if let Some(profile) = &phone.profile {
            actions.push(format!("phone firmware/profile → {profile}"));
        }
        if let Some(settings) = &phone.settings {
            actions.push(format!(
                "phone settings: {}",
                settings.to_string().trim().replace('\n', ", ")
            ));
        }
    }
    Ok(actions)
}

/// What the phone installed, by scenario id (`?<subject>` for a certificate not in [pki]).
pub fn installed_ids(world: &World, report: &Report) -> Vec<String> {
    report
        .installed
        .iter()
        .map(|certificate| {
            world
                .pki
                .id_of(&certificate.der)
                .map(str::to_string)
                .unwrap_or_else(|| format!("?{}", certificate.certificate.subject))
        })
        .collect()
}

/// Every difference between the boot and the expectation.
pub fn check(expect: &Expectation, report: &Report, installed: &[String]) -> Vec<String> {
    let mut failures = Vec::new();
    if report.outcome != expect.outcome {
        failures.push(format!(
            "outcome {} (expected {}){}",
            report.outcome,
            expect.outcome,
            if report.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", report.reason)
            }
        ));
    }
    if let Some(path) = &expect.path {
        let actual = report.path.map_or("none", |path| path.name());
        if actual != path {
            failures.push(format!("path {actual} (expected {path})"));
        }
    }
    if let Some(code) = expect.reason_code {
        if report.reason_code != Some(code) {
            failures.push(format!(
                "reason_code {} (expected {code}){}",
                report
                    .reason_code
                    .map_or_else(|| "none".to_string(), |actual| actual.to_string()),
                if report.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", report.reason)
                }
            ));
        }
    }
    if let Some(data_code) = expect.data_code {
        if report.data_code != Some(data_code) {
            failures.push(format!(
                "data_code {} (expected {})",
                report.data_code.map_or("none", |actual| actual.data_code()),
                data_code.data_code()
            ));
        }
    }
    if let Some(reason) = &expect.reason {
        if !report
            .reason
            .to_lowercase()
            .contains(&reason.to_lowercase())
        {
            failures.push(format!(
                "reason {:?} does not mention {reason:?}",
                report.reason
            ));
        }
    }
    if let Some(expected) = &expect.installed {
        let mut want = expected.clone();
        let mut got = installed.to_vec();
        want.sort();
        got.sort();
        if want != got {
            failures.push(format!(
                "installed [{}] (expected [{}])",
                got.join(", "),
                want.join(", ")
            ));
        }
    }
    failures
}

/// Runs the audit as an administrator would (`adpki audit --dc … --registrar-chain … --probe-web`).
async fn audit(world: &World, report: &Report) -> AuditCheck {
    let profile = match world.profile() {
        Ok(profile) => profile,
        Err(error) => {
            return AuditCheck {
                would_sign_in: false,
                reason: error.to_string(),
                fix: None,
                agrees: Some(false),
                report: None,
            }
        }
    };
    // The audit as "what would this user's phone see": the phone's own credentials.
    let (user, password) = world.credentials();
    let pin = profile.sign_in_method == phone_client::profile::SignInMethod::Pin;
    let request = adpki::audit::AuditRequest {
        // Over StartTLS on a DC that requires signing, as an administrator would run it.
        dc: world.admin_target(),
        bind: profile.ldap_bind,
        user,
        password,
        profile,
        registrar: Some((
            world.registrar_name().to_string(),
            world.pki.registrar.chain.clone(),
        )),
        probe_web: true,
        resolve: world.resolve.clone(),
    };
    // The audit judges the directory bootstrap; a boot that ended before the PKI mattered
    // (DC location, sign-in) or a PIN sign-in (no directory) is outside what it judges.
    let judged = !pin
        && matches!(
            report.outcome,
            Outcome::SignedIn | Outcome::CannotValidateServerCertificate | Outcome::BootLoop
        );
    match adpki::audit::audit(&request).await {
        Ok(audited) => match audited.phone.clone() {
            Some(verdict) => AuditCheck {
                agrees: judged.then_some(verdict.would_sign_in == report.signed_in()),
                would_sign_in: verdict.would_sign_in,
                reason: verdict.reason,
                fix: verdict.fix,
                report: Some(audited),
            },
            None => AuditCheck {
                would_sign_in: false,
                reason: "the audit gave no verdict".into(),
                fix: None,
                agrees: judged.then_some(false),
                report: Some(audited),
            },
        },
        // An audit that cannot read the directory with these credentials says the phone
        // cannot either (e.g. an anonymous phone: 000004DC).
        Err(error) => AuditCheck {
            would_sign_in: false,
            reason: format!("the audit cannot read the directory: {error}"),
            fix: None,
            agrees: judged.then_some(!report.signed_in()),
            report: None,
        },
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use phone_client::machine::{Path, Verdict};
    use phone_client::{Error, ReasonCode};

    fn expect(outcome: Outcome) -> Expectation {
        Expectation {
            outcome,
            path: None,
            reason_code: None,
            data_code: None,
            reason: None,
            installed: None,
        }
    }

    fn failed(reason: &str) -> Report {
        Report::new(
            &Verdict::CannotValidateServerCertificate {
                reason: Error::new(ReasonCode::UnknownIssuer, reason),
            },
            "cpe-2007r2",
            Vec::new(),
            Vec::new(),
        )
    }

    #[test]
    fn a_matching_boot_has_no_failures() {
        let report = Report::new(
            &Verdict::SignedIn {
                path: Path::WebEnrollment,
            },
            "cpe-2007r2",
            Vec::new(),
            Vec::new(),
        );
        let mut expectation = expect(Outcome::SignedIn);
        expectation.path = Some("web_enrollment".into());
        expectation.installed = Some(vec!["root".into(), "issuing".into()]);
        let installed = ["issuing".to_string(), "root".to_string()];
        assert!(check(&expectation, &report, &installed).is_empty());
    }

    #[test]
    fn every_difference_is_listed_with_the_reason() {
        let report = failed("no installed root certificate issued the registrar's chain");
        let mut expectation = expect(Outcome::SignedIn);
        expectation.path = Some("directory".into());
        expectation.reason = Some("expired".into());
        expectation.installed = Some(vec!["root".into()]);
        let failures = check(&expectation, &report, &["?CN=Other".to_string()]);
        assert_eq!(failures.len(), 4, "{failures:?}");
        assert!(failures[0].starts_with(
            "outcome cannot_validate_server_certificate (expected signed_in): no installed root"
        ));
        assert_eq!(failures[1], "path none (expected directory)");
        assert!(failures[2].contains("does not mention \"expired\""));
        assert_eq!(failures[3], "installed [?CN=Other] (expected [root])");
    }

    #[test]
    fn the_reason_is_matched_without_case() {
        let mut expectation = expect(Outcome::CannotValidateServerCertificate);
        expectation.reason = Some("NOT VALID BEFORE".into());
        let report = failed("the registrar certificate is not valid before 2026-01-01");
        assert!(check(&expectation, &report, &[]).is_empty());
    }
}

#[cfg(test)]
mod code_tests {
    use super::*;
    use ad_common::LogonFailure;
    use phone_client::machine::Verdict;
    use phone_client::{Error, ReasonCode};

    #[test]
    fn reason_and_data_codes_are_compared_exactly() {
        let report = Report::new(
            &Verdict::SignInFailed {
                reason: Error::bind_refused(
                    "bind as alice refused: LDAP 49 80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563",
                ),
            },
            "cpe-2007r2",
            Vec::new(),
            Vec::new(),
        );
        let mut expectation = Expectation {
            outcome: Outcome::SignInFailed,
            path: None,
            reason_code: Some(ReasonCode::BindRefused),
            data_code: Some(LogonFailure::AccountLockedOut),
            reason: None,
            installed: None,
        };
        assert!(check(&expectation, &report, &[]).is_empty());
        expectation.data_code = Some(LogonFailure::BadCredentials);
        expectation.reason_code = Some(ReasonCode::NameMismatch);
        let failures = check(&expectation, &report, &[]);
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[0].starts_with("reason_code bind_refused (expected name_mismatch)"));
        assert_eq!(failures[1], "data_code 775 (expected 52e)");
    }
}
