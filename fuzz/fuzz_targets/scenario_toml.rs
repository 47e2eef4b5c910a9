#![no_main]
//! Arbitrary bytes into `scenarios::fuzzing::scenario_toml` (see its documentation); it must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    scenarios::fuzzing::scenario_toml(data);
});
