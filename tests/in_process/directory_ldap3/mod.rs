//! End-to-end tests driving the directory with the ldap3 crate.
//!
//! Each test starts its own `ldap_server::Server` on 127.0.0.1:0, seeded from LDIF written to a
//! temporary directory, and checks one Active Directory behaviour over a real TCP connection:
//! the rootDSE, anonymous-access rules, simple-bind outcomes and their `data` codes, the phone's
//! certificationAuthority query, filters, scopes, attribute selection, size limits and paging,
//! controls, continuation references, error texts, robustness against malformed input, and the
//! library's LDIF export. Expected texts come from shared/domain.md §B.

use std::collections::HashSet;
use std::time::Duration;

use e2e::*;
use ldap3::adapters::PagedResults;
use ldap3::controls::RawControl;
use ldap3::{parse_refs, Ldap, LdapError, LdapResult, Mod, Scope, SearchEntry, SearchOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod anonymous;
mod attributes;
mod bind;
mod filters;
mod ldif_export;
mod limits;
mod phone_query;
mod referrals;
mod robustness;
mod rootdse;

/// Runs a search and returns the entries (references are collected in the result's `refs`).
pub(crate) async fn search(
    ldap: &mut Ldap,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
) -> (Vec<SearchEntry>, LdapResult) {
    let res = ldap
        .search(base, scope, filter, attrs.to_vec())
        .await
        .unwrap_or_else(|e| panic!("search {base} {filter}: {e}"));
    let entries = res.0.into_iter().map(SearchEntry::construct).collect();
    (entries, res.1)
}

/// Like [`search`] but asserts success.
pub(crate) async fn search_ok(
    ldap: &mut Ldap,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
) -> Vec<SearchEntry> {
    let (entries, res) = search(ldap, base, scope, filter, attrs).await;
    assert_eq!(res.rc, 0, "search {base} {filter} failed: {res}");
    entries
}

pub(crate) fn dns(entries: &[SearchEntry]) -> Vec<String> {
    entries.iter().map(|e| e.dn.clone()).collect()
}

pub(crate) fn has_dn(entries: &[SearchEntry], dn: &str) -> bool {
    entries.iter().any(|e| e.dn.eq_ignore_ascii_case(dn))
}

/// Streams a search without adapters, separating entries and continuation references.
pub(crate) async fn search_with_refs(
    ldap: &mut Ldap,
    base: &str,
    filter: &str,
) -> (Vec<SearchEntry>, Vec<String>, LdapResult) {
    let mut stream = ldap
        .streaming_search(base, Scope::Subtree, filter, vec!["1.1"])
        .await
        .expect("start search");
    let mut entries = Vec::new();
    let mut refs = Vec::new();
    while let Some(re) = stream.next().await.expect("next result") {
        if re.is_ref() {
            refs.extend(parse_refs(re.0));
        } else if !re.is_intermediate() {
            entries.push(SearchEntry::construct(re));
        }
    }
    let res = stream.finish().await;
    (entries, refs, res)
}

/// The account a failing bind must report, with its AD `data` code.
pub(crate) async fn assert_bind_fails(server: &TestServer, who: &str, password: &str, data: &str) {
    let mut ldap = server.connect().await;
    let res = ldap.simple_bind(who, password).await.expect("bind I/O");
    assert_eq!(
        res.rc, 49,
        "bind as {who} should be invalidCredentials: {res}"
    );
    assert!(
        res.text.starts_with("80090308: LdapErr: DSID-"),
        "AD-style diagnostic expected for {who}: {res}"
    );
    assert!(
        res.text
            .contains(&format!("AcceptSecurityContext error, data {data},")),
        "bind as {who} should carry `data {data}`: {res}"
    );
}

/// Asserts that an operation on `ldap` is refused because the connection is anonymous.
pub(crate) async fn assert_anonymous(ldap: &mut Ldap) {
    let (entries, res) = search(ldap, BASE_DN, Scope::Base, "(objectClass=*)", &[]).await;
    assert_eq!(
        res.rc, 1,
        "expected operationsError on an anonymous connection: {res}"
    );
    assert!(
        res.text.starts_with("000004DC"),
        "expected the 000004DC bind-required text: {res}"
    );
    assert!(entries.is_empty());
}
