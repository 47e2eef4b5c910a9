//! End-to-end tests, in-process kind: our servers started in this process (the library
//! `ldap_server::Server` on 127.0.0.1:0, with certsrv over HTTP) and Rust clients (the `ldap3` crate,
//! a plain HTTP/1.1 client, the phone's library) over real loopback sockets. `openssl` only judges
//! certsrv's bodies. Run with `cargo test -p e2e --test in_process`.
//!
//! * [`directory_ldap3`]: the directory driven with the ldap3 crate (rootDSE, binds, filters,
//!   limits, referrals, robustness, LDIF export).
//! * [`web_enrollment`]: AD CS Web Enrollment (`/certsrv`) beside the directory.
//! * [`audit`]: `adpki::audit` against the directory.
//! * [`dc_tls`]: the DC's StartTLS, LDAPS and signing policy with the ldap3 crate over rustls.

mod audit;
mod dc_tls;
mod directory_ldap3;
mod fuzz_corpora;
mod web_enrollment;
