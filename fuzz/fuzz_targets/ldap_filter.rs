#![no_main]
//! Arbitrary bytes into `ldap_server::fuzzing::filter` (see its documentation); it must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ldap_server::fuzzing::filter(data);
});
