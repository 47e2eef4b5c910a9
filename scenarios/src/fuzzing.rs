//! The entry point for fuzzing scenario files (the cargo-fuzz target in `fuzz/` and the corpus
//! replay test call it). Must never panic: a bad scenario file is an error with its line. Not a
//! stable API.

/// A scenario file's text, parsed and checked as `scenarios run FILE` would load it.
pub fn scenario_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::spec::Scenario::parse(text, "fuzz.toml", None);
    }
}
