//! The report: what the phone's screen showed plus a technician's trace, as text or one JSON object.

use serde::Serialize;

use ad_common::LogonFailure;

use crate::certinfo::CertificateInfo;
use crate::error::ReasonCode;
use crate::machine::{Outcome, Path, Verdict};

/// One step of the boot as it happened.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: String,
    /// `ok` or `failed`.
    pub status: &'static str,
    /// Measured, never asserted.
    pub ms: u64,
    pub detail: String,
    /// The phone's status line during the step.
    #[serde(skip)]
    pub screen: &'static str,
    /// `ms` to the microsecond, for storms' histograms (a directory step takes well under 1 ms).
    #[serde(skip)]
    pub elapsed: std::time::Duration,
    /// Each web request the step made (chain downloads), so a slow step says which host it
    /// waited on and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<WebRequest>,
}

/// One HTTP request of a step, with its retries.
#[derive(Debug, Clone, Serialize)]
pub struct WebRequest {
    pub host: String,
    pub url: String,
    pub result: RequestResult,
    pub ms: u64,
    #[serde(skip)]
    pub elapsed: std::time::Duration,
}

/// How a web request ended, as a kind a storm can count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestResult {
    /// A certificate chain came back.
    Ok,
    /// No answer within the profile's HTTP timeout.
    TimedOut,
    /// Refused, reset, or a name the phone cannot resolve.
    CannotConnect,
    /// An answer that was not 2xx.
    HttpStatus,
    /// A 2xx answer that was not a chain.
    NotAChain,
    /// The client could not be built or the URL is unusable.
    Client,
}

impl RequestResult {
    pub fn of<T>(fetched: &Result<T, crate::enroll::EnrollError>) -> RequestResult {
        use crate::enroll::EnrollError;
        match fetched {
            Ok(_) => RequestResult::Ok,
            Err(EnrollError::Timeout { .. }) => RequestResult::TimedOut,
            Err(EnrollError::Connect { .. }) => RequestResult::CannotConnect,
            Err(EnrollError::Status { .. }) => RequestResult::HttpStatus,
            Err(EnrollError::Decode { .. }) => RequestResult::NotAChain,
            Err(EnrollError::Client(_)) => RequestResult::Client,
        }
    }

    /// In words, as a storm's summary says it.
    pub fn words(self) -> &'static str {
        match self {
            RequestResult::Ok => "answered with the chain",
            RequestResult::TimedOut => "timed out",
            RequestResult::CannotConnect => "could not be reached",
            RequestResult::HttpStatus => "answered with an HTTP error",
            RequestResult::NotAChain => "answered with something other than a chain",
            RequestResult::Client => "could not be asked",
        }
    }
}

/// A certificate the phone put in its store.
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    #[serde(flatten)]
    pub certificate: CertificateInfo,
    /// The directory object's DN or the URL it came from.
    pub source: String,
    /// The certificate itself: the root store is built from these bytes.
    #[serde(skip)]
    pub der: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub outcome: Outcome,
    /// Why, in words (empty when signed in).
    pub reason: String,
    /// Why, as a stable code (absent when signed in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<ReasonCode>,
    /// AD's data code when the directory refused the bind with one (`52e`, `775`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_code: Option<LogonFailure>,
    /// What the phone displays at the end.
    pub screen: &'static str,
    pub path: Option<Path>,
    pub profile: String,
    pub steps: Vec<Step>,
    pub installed: Vec<Installed>,
}

impl Report {
    pub fn new(
        verdict: &Verdict,
        profile: &str,
        steps: Vec<Step>,
        installed: Vec<Installed>,
    ) -> Report {
        Report {
            outcome: verdict.outcome(),
            reason: verdict.reason().to_string(),
            reason_code: verdict.reason_code(),
            data_code: verdict.error().and_then(|error| error.data_code()),
            screen: verdict.screen(),
            path: match verdict {
                Verdict::SignedIn { path } => Some(*path),
                _ => None,
            },
            profile: profile.to_string(),
            steps,
            installed,
        }
    }

    pub fn signed_in(&self) -> bool {
        self.outcome == Outcome::SignedIn
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
    }

    /// The phone's screen, then the trace.
    pub fn human(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "Phone ({}) shows: {}\n",
            self.profile, self.screen
        ));
        if !self.reason.is_empty() {
            out.push_str(&format!("  because: {}\n", self.reason));
        }
        out.push_str("\nSteps:\n");
        for step in &self.steps {
            let mark = if step.status == "ok" { "ok  " } else { "FAIL" };
            out.push_str(&format!(
                "  [{mark}] {:<36} {:>6} ms  ({})\n",
                step.name, step.ms, step.screen
            ));
            for line in step.detail.lines().filter(|line| !line.is_empty()) {
                out.push_str(&format!("         {line}\n"));
            }
        }
        if !self.installed.is_empty() {
            out.push_str("\nInstalled certificates:\n");
            for installed in &self.installed {
                let c = &installed.certificate;
                out.push_str(&format!("  - {}\n", c.subject));
                out.push_str(&format!(
                    "      issuer {}; {} signed with {}; valid until {}\n",
                    c.issuer, c.key, c.signature_algorithm, c.not_after
                ));
                out.push_str(&format!("      SHA-1 {}  SHA-256 {}\n", c.sha1, c.sha256));
                out.push_str(&format!("      from {}\n", installed.source));
            }
        }
        let verdict = match (self.outcome, self.path) {
            (Outcome::SignedIn, Some(Path::Directory)) => {
                "SIGNED IN (root from the directory)".to_string()
            }
            (Outcome::SignedIn, Some(Path::WebEnrollment)) => {
                "SIGNED IN (root from AD CS web enrollment)".to_string()
            }
            (Outcome::SignedIn, Some(Path::CertificateWebService)) => {
                "SIGNED IN (root chain from the Lync Certificate Web service)".to_string()
            }
            (outcome, _) => outcome.name().to_ascii_uppercase().replace('_', " "),
        };
        out.push_str(&format!("\nVerdict: {verdict}\n"));
        out
    }
}
