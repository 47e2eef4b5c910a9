//! Running the `phone-client` executable built next to the test binary, with `--format json`.

use std::path::PathBuf;

use tokio::process::Command;

use crate::{server_binary, WAIT};

/// `target/<profile>/phone-client` (build it with `cargo build --workspace --bins`).
pub fn phone_binary() -> PathBuf {
    let phone = server_binary().with_file_name("phone-client");
    assert!(
        phone.is_file(),
        "{} does not exist: run `cargo build --workspace --bins` first",
        phone.display()
    );
    phone
}

/// What one boot printed.
#[derive(Debug)]
pub struct PhoneRun {
    /// 0 signed in, 1 phone failure, 2 usage.
    pub code: i32,
    /// The JSON report (Null when the phone printed none, e.g. on a usage error).
    pub report: serde_json::Value,
    /// stdout and stderr, for assertion messages.
    pub text: String,
}

impl PhoneRun {
    /// The report's step names, in order.
    pub fn steps(&self) -> Vec<String> {
        self.report["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .map(|step| step["name"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The step called `name`.
    pub fn step(&self, name: &str) -> serde_json::Value {
        self.report["steps"]
            .as_array()
            .and_then(|steps| steps.iter().find(|step| step["name"] == name).cloned())
            .unwrap_or(serde_json::Value::Null)
    }

    pub fn reason(&self) -> &str {
        self.report["reason"].as_str().unwrap_or("")
    }
}

/// Runs `phone-client <args> --format json` (bounded by [`WAIT`]).
pub async fn run_phone(args: &[String]) -> PhoneRun {
    let output = tokio::time::timeout(
        WAIT,
        Command::new(phone_binary())
            .args(args)
            .args(["--format", "json"])
            .output(),
    )
    .await
    .expect("phone-client finished in time")
    .expect("phone-client runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    PhoneRun {
        code: output.status.code().unwrap_or(-1),
        report: serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        text: format!("{stdout}\n--- stderr ---\n{stderr}"),
    }
}
