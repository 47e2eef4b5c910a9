#![no_main]
//! Arbitrary bytes into `certsrv::fuzzing::request` (see its documentation); it must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    certsrv::fuzzing::request(data);
});
