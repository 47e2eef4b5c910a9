//! Continuation references for other naming contexts, and a missing base (32) with matchedDN and
//! best match.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_prints_continuation_references_for_other_naming_contexts() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&["-b", BASE_DN, "(objectClass=*)", "1.1"])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.ldif().refs.contains(&CONFIG_REF.to_string()),
        "refs missing\n{out}"
    );
    assert!(out.stdout.contains(CONFIG_REF), "{out}");
    let out = server
        .ldapsearch_admin(&["-b", CONFIG_DN, "(objectClass=*)", "1.1"])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.ldif().refs.contains(&SCHEMA_REF.to_string()),
        "refs missing\n{out}"
    );
    let out = as_alice(
        &server,
        &[
            "-b",
            BASE_DN,
            "(objectCategory=certificationAuthority)",
            "cACertificate",
        ],
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        out.ldif().entries.is_empty(),
        "no CA in the domain NC\n{out}"
    );
    assert!(out.ldif().refs.contains(&CONFIG_REF.to_string()), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_missing_base_exits_32_with_matched_dn_and_best_match() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&["-b", "CN=Nope,DC=example,DC=test", "(objectClass=*)"])
        .await;
    assert_exit(&out, 32);
    assert!(out.stderr.contains("No such object (32)"), "{out}");
    assert!(
        out.stderr.contains("Matched DN: DC=example,DC=test"),
        "{out}"
    );
    assert!(out.stderr.contains("0000208D: NameErr: DSID-"), "{out}");
    assert!(out.stderr.contains("best match of:"), "{out}");
}
