//! README's main command, end to end: `scenarios seed` plays the seed story with real sockets
//! (our DC, a TLS registrar, the phone) and exits 0 only if every act ends as the story says.

use e2e::server_binary;

#[tokio::test]
async fn the_seed_story_fails_unpublished_and_signs_in_once_published() {
    let scenarios = server_binary().with_file_name("scenarios");
    assert!(
        scenarios.is_file(),
        "build the binaries first: cargo build --workspace --bins"
    );
    let output = tokio::time::timeout(
        e2e::WAIT,
        tokio::process::Command::new(scenarios).arg("seed").output(),
    )
    .await
    .expect("scenarios seed finished in time")
    .expect("scenarios runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.matches("— as expected").count(), 3, "{stdout}");
    assert!(stdout.contains("outcome: cannot_validate_server_certificate (expected cannot_validate_server_certificate)"), "{stdout}");
    assert_eq!(
        stdout
            .matches("outcome: signed_in (expected signed_in)")
            .count(),
        2,
        "{stdout}"
    );
}

#[tokio::test]
async fn with_old_firmware_the_published_root_is_still_unreadable() {
    // The same story on pre-SHA-2 firmware: the ECDSA/SHA-256 root cannot be read, so the acts
    // that sign in on current firmware loop instead, and `scenarios` says they were unexpected.
    let scenarios = server_binary().with_file_name("scenarios");
    let output = tokio::process::Command::new(scenarios)
        .args(["seed", "--profile", "cpe-2007r2-old-firmware"])
        .output()
        .await
        .expect("scenarios runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("outcome: boot_loop (expected signed_in) — UNEXPECTED"),
        "{stdout}"
    );
}
