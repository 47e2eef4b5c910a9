//! End-to-end tests driving the directory with OpenLDAP's `ldapsearch` and `ldapwhoami` (the
//! `ldap-server` command line tests that use them are `cli::server_cli`).
//!
//! The OpenLDAP tools are an independent client implementation: if they and the ldap3 tests agree,
//! the server speaks LDAP, not just "what ldap3 accepts". Every tool runs with `LDAPNOINIT=1` (no
//! system ldap.conf), `-x -H ldap://127.0.0.1:PORT`, and ldapsearch with `-o ldif-wrap=no -LLL`
//! so that output is stable. ldapsearch exits with the LDAP result code, which the tests check.

use std::collections::HashSet;

use e2e::*;

mod bind;
mod filters;
mod limits;
mod phone_query;
mod referrals;
mod rootdse;

/// Runs `ldapsearch` bound as alice (an ordinary authenticated user).
pub(crate) async fn as_alice(server: &TestServer, args: &[&str]) -> ToolOutput {
    let mut all = vec!["-D", "alice@example.test", "-w", USER_PASSWORD];
    all.extend_from_slice(args);
    server.ldapsearch(&all).await
}
