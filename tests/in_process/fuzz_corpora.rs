//! The fuzz corpora (`fuzz/corpus/TARGET/`, seeds and what fuzzing found worth keeping) replayed
//! through the same entry points the cargo-fuzz targets call, on stable Rust: every input that
//! once mattered keeps being run, and none may panic. A target without inputs fails the test.

use std::path::PathBuf;

type EntryPoint = fn(&[u8]);

const TARGETS: [(&str, EntryPoint); 9] = [
    ("ldap_stream", ldap_server::fuzzing::ldap_stream),
    ("ldap_filter", ldap_server::fuzzing::filter),
    ("dn", ldap_server::fuzzing::dn),
    ("ldif", ldap_server::fuzzing::ldif),
    ("sasl_layer", ldap_server::fuzzing::sasl_layer),
    ("ntlm_token", ntlm::fuzzing::token),
    ("certsrv_request", certsrv::fuzzing::request),
    ("scenario_toml", scenarios::fuzzing::scenario_toml),
    ("certificates", phone_client::fuzzing::certificates),
];

fn corpus(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

#[test]
fn every_corpus_input_runs_without_panicking() {
    for (target, entry_point) in TARGETS {
        let directory = corpus(target);
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&directory)
            .unwrap_or_else(|error| panic!("{}: {error}", directory.display()))
            .map(|entry| entry.expect("directory entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{target}: no corpus inputs");
        for input in inputs {
            let data = std::fs::read(&input).expect("read input");
            let outcome = std::panic::catch_unwind(|| entry_point(&data));
            assert!(outcome.is_ok(), "{target}: {} panicked", input.display());
        }
    }
}

/// The targets in fuzz/Cargo.toml are exactly the ones replayed here.
#[test]
fn the_replay_covers_every_fuzz_target() {
    let manifest = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/Cargo.toml"),
    )
    .expect("fuzz/Cargo.toml");
    let mut declared: Vec<&str> = manifest
        .lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .filter(|name| *name != "ad-phone-pki-fuzz")
        .collect();
    declared.sort_unstable();
    let mut replayed: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    replayed.sort_unstable();
    assert_eq!(declared, replayed);
}
