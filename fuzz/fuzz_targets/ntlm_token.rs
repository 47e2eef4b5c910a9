#![no_main]
//! Arbitrary bytes into `ntlm::fuzzing::token` (see its documentation); it must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ntlm::fuzzing::token(data);
});
