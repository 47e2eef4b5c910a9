#![no_main]
//! Arbitrary bytes into `phone_client::fuzzing::certificates` (see its documentation); it must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    phone_client::fuzzing::certificates(data);
});
