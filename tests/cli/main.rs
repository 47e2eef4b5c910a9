//! End-to-end tests, command-line kind: our own executables, built next to this test binary by
//! `cargo build --workspace --bins` (`ldap-server`, `adpki`, `phone-client`, `scenarios`; see
//! [`e2e::server_binary`]), run as child processes. Run with `cargo test -p e2e --test cli`.
//!
//! * [`server_cli`]: `ldap-server serve` (SIGTERM, broken LDIF) and export/import round trips.
//! * [`server_tls_cli`]: `ldap-server serve` with LDAPS, StartTLS, `--tls-…` and `--ldap-signing`.
//! * [`durability`]: acknowledged writes survive `kill -9` of `ldap-server serve`.
//! * [`certsrv_cli`]: `ldap-server serve --certsrv-…` serving Web Enrollment from CA files.
//! * [`publish`], [`audit`]: `adpki publish` and `adpki audit` against our directory.
//! * [`codian`]: openssl req → `adpki request` → `adpki trust-store` → openssl verify, s_server, s_client.
//! * [`audit_html`]: `adpki audit --format html` rendered by headless Chromium.
//! * [`san_check`]: `adpki san-check` on openssl's certificates.
//! * [`trust_store`]: `adpki trust-store` against worlds, its files read by openssl.
//! * [`phone_directory`], [`phone_revocation`], [`phone_pin`]: the `phone-client` binary signing in.
//! * [`ldap_tls_flags`]: `--ldap-tls`/`--ca-file` of `phone-client` and `adpki` refused before any
//!   connection, and `adpki`'s `auto` on a DC that offers no StartTLS.
//! * [`scenarios_catalog`], [`seed_story`], [`storm`]: the `scenarios` binary.

mod audit;
mod audit_html;
mod certsrv_cli;
mod codian;
mod durability;
mod ldap_tls_flags;
mod ntlm_binds;
mod phone_directory;
mod phone_pin;
mod phone_revocation;
mod publish;
mod san_check;
mod scenarios_catalog;
mod seed_story;
mod server_cli;
mod server_tls_cli;
mod storm;
mod trust_store;
