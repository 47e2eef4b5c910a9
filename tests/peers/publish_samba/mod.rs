//! `adpki publish` against Samba AD DC and against our `ldap-server`: the same commands must leave
//! the same objects (issue #5: "compare entries, not messages").
//!
//! One fixture set (a root, an issuing CA under it, a cross certificate for the issuing CA from a
//! partner root, a KRA certificate, a base and a delta CRL from the root) is published with the
//! built `adpki` binary — RootCA, SubCA, NTAuthCA (twice: NTAuthCertificates is multi-valued),
//! CrossCA, KRA, base CRL, delta CRL, all with `-f` — once into a private Samba AD DC
//! ([`e2e::samba::Samba`], always 127.0.0.1:389, so this test holds the Samba lock while it runs)
//! and once into our server on 127.0.0.1:0. The argv differs only in the URL, user and password.
//! Then everything under `CN=Public Key Services` is read back from both with `ldapsearch` and
//! compared entry by entry: the objects publish created or changed must have the same DNs
//! (ignoring case), the same object classes, and byte-equal values of the attributes publish
//! writes (which must also be the fixture files' bytes). Values the servers generate (GUIDs,
//! times, USNs, ...) are not compared, but an attribute a client sees on one side only is a
//! difference (`objectCategory` is compared ignoring case). Multi-valued `cACertificate` is
//! compared as a set; the order each server returns is reported. Finally a second RootCA publish
//! must be refused identically by both.
//!
//! Differences found so far and where they were resolved (see the report printed with
//! `--nocapture`): ldap-server gave objects added over LDAP no `showInAdvancedViewOnly`; AD and
//! Samba set it from the class's `defaultHidingValue` (TRUE for every class publish creates), and
//! now ldap-server does too. Samba's provisioning creates no NTAuthCertificates object
//! (peers.md), like ldap-server's default; should a Samba create one, ldap-server is started
//! with one too.
//!
//! Samba must be installed (`apt-get install samba samba-ad-dc winbind`; `.ci/run` does it): the
//! test fails, with that line, when it is not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use e2e::samba::{Samba, SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD};
use e2e::*;

mod compare;
mod directories;
mod fixtures;

use compare::{compare, report_json, show_all, touched};
use directories::{Entry, Snapshot, Target};
use fixtures::Fixtures;

/// The attributes `adpki publish` writes; their values are compared byte for byte.
pub(crate) const WRITTEN: [&str; 7] = [
    "cACertificate",
    "crossCertificatePair",
    "certificateRevocationList",
    "authorityRevocationList",
    "deltaRevocationList",
    "userCertificate",
    "cn",
];

/// Compared ignoring letter case (AD spells a DN value as it likes).
pub(crate) const CASE_INSENSITIVE: [&str; 1] = ["objectCategory"];

#[tokio::test]
async fn publish_leaves_the_same_objects_in_samba_and_in_ldap_server() {
    let started = Instant::now();
    let fixtures = Fixtures::new();
    let samba = Samba::start().await;
    eprintln!(
        "Samba AD DC (pid {:?}) answered LDAP after {:?}",
        samba.pid(),
        started.elapsed()
    );
    let samba_target = Target {
        name: "Samba",
        addr: samba.addr,
        user: SAMBA_ADMIN,
        password: SAMBA_ADMIN_PASSWORD,
    };
    let s_before = samba_target.snapshot().await;
    // peers.md: Samba's provisioning creates no NTAuthCertificates object. Should a Samba version
    // create one, our server starts with one too, so both runs start from the same state.
    let ntauth_dn = format!("CN=NTAuthCertificates,{PKS_DN}").to_ascii_lowercase();
    let samba_has_ntauth = s_before.contains_key(&ntauth_dn);
    let ours = start_with(
        "",
        Options {
            ntauth: samba_has_ntauth,
            ..Options::default()
        },
    )
    .await;
    let ours_target = Target {
        name: "ldap-server",
        addr: ours.addr,
        user: "Administrator@example.test",
        password: ADMIN_PASSWORD,
    };
    let o_before = ours_target.snapshot().await;

    let mut outputs = String::new();
    for (label, file, kind, extra) in fixtures.steps() {
        let s_out = samba_target.publish(file, kind, &extra).await;
        let o_out = ours_target.publish(file, kind, &extra).await;
        let _ = writeln!(outputs, "--- {label}\nSamba: {s_out}\nldap-server: {o_out}");
        assert_eq!(
            s_out.code,
            0,
            "{label} into Samba failed: {s_out}\nSamba log:\n{}",
            samba.log()
        );
        assert_eq!(o_out.code, 0, "{label} into ldap-server failed: {o_out}");
        // Same inputs, same starting state: the same report (DN, action, objects created, LDIF).
        assert_eq!(
            report_json(&s_out),
            report_json(&o_out),
            "{label}: adpki reported different things"
        );
    }

    let s_after = samba_target.snapshot().await;
    let o_after = ours_target.snapshot().await;
    let comparison = compare(&s_before, &s_after, &o_before, &o_after);
    let report = comparison.report();
    eprintln!("{report}");
    assert!(
        comparison.problems.is_empty(),
        "publish left different objects in Samba and ldap-server:\n{report}\n\nadpki runs:\n{outputs}"
    );
    // The comparison saw every kind of object publish writes.
    let written = touched(&o_before, &o_after);
    for dn in [
        format!("CN=Example Samba Root CA,CN=Certification Authorities,{PKS_DN}"),
        format!("CN=Example Samba Issuing CA,CN=AIA,{PKS_DN}"),
        format!("CN=NTAuthCertificates,{PKS_DN}"),
        format!("CN=Example Samba KRA,CN=KRA,{PKS_DN}"),
        format!("CN=ca1,CN=CDP,{PKS_DN}"),
        format!("CN=Example Samba Root CA,CN=ca1,CN=CDP,{PKS_DN}"),
    ] {
        assert!(
            written.contains(&dn.to_ascii_lowercase()),
            "{dn} was not written:\n{report}"
        );
    }

    // Both hold exactly the fixtures' bytes (so the comparison cannot pass on two empty sides).
    let der = |path: &Path| std::fs::read(path).expect("read fixture");
    let placeholder = vec![0u8];
    let root_ca = format!("CN=Example Samba Root CA,CN=Certification Authorities,{PKS_DN}");
    let aia = format!("CN=Example Samba Issuing CA,CN=AIA,{PKS_DN}");
    let cdp = format!("CN=Example Samba Root CA,CN=ca1,CN=CDP,{PKS_DN}");
    let expected = [
        (&root_ca, "cACertificate", vec![der(&fixtures.root)]),
        (
            &root_ca,
            "certificateRevocationList",
            vec![placeholder.clone()],
        ),
        (
            &root_ca,
            "authorityRevocationList",
            vec![placeholder.clone()],
        ),
        (&aia, "cACertificate", vec![der(&fixtures.issuing)]),
        (&aia, "crossCertificatePair", vec![der(&fixtures.cross)]),
        (
            &format!("CN=NTAuthCertificates,{PKS_DN}"),
            "cACertificate",
            vec![der(&fixtures.root), der(&fixtures.issuing)],
        ),
        (
            &format!("CN=Example Samba KRA,CN=KRA,{PKS_DN}"),
            "userCertificate",
            vec![der(&fixtures.kra)],
        ),
        (
            &cdp,
            "certificateRevocationList",
            vec![der(&fixtures.base_crl)],
        ),
        (&cdp, "deltaRevocationList", vec![der(&fixtures.delta_crl)]),
    ];
    for (side, snapshot) in [("Samba", &s_after), ("ldap-server", &o_after)] {
        for (dn, attribute, values) in &expected {
            let entry = snapshot
                .get(&dn.to_ascii_lowercase())
                .unwrap_or_else(|| panic!("{side} has no {dn}:\n{report}"));
            let held: BTreeSet<Vec<u8>> = entry.values(attribute).into_iter().collect();
            let wanted: BTreeSet<Vec<u8>> = values.iter().cloned().collect();
            assert_eq!(
                held,
                wanted,
                "{side}: {dn} {attribute} is {}",
                show_all(&entry.values(attribute))
            );
        }
    }

    // The same RootCA again: refused the same way by both, by adpki and not by the server.
    let s_again = samba_target.publish(&fixtures.root, "RootCA", &[]).await;
    let o_again = ours_target.publish(&fixtures.root, "RootCA", &[]).await;
    for (name, out) in [("Samba", &s_again), ("ldap-server", &o_again)] {
        assert_eq!(out.code, 1, "{name}: a second RootCA publish: {out}");
        assert!(
            out.stderr.contains("already published"),
            "{name}: a second RootCA publish: {out}"
        );
        assert_eq!(
            report_json(out)["error"],
            "already-published",
            "{name}: {out}"
        );
    }
    assert_eq!(
        (s_again.code, &s_again.stdout, &s_again.stderr),
        (o_again.code, &o_again.stdout, &o_again.stderr),
        "the refusal differs"
    );
    assert!(
        touched(&s_after, &samba_target.snapshot().await).is_empty(),
        "a refused publish changed Samba"
    );
    assert!(
        touched(&o_after, &ours_target.snapshot().await).is_empty(),
        "a refused publish changed ldap-server"
    );

    ours.stop().await;
    samba.stop();
    eprintln!("publish_samba: {:?} in all", started.elapsed());
}
