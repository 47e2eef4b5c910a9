//! The `ldap-server` command line: serve and SIGTERM, a broken LDIF, and export/import round trips.

use std::time::Duration;

use e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_serve_prints_address_answers_ldapwhoami_and_exits_0_on_sigterm() {
    let mut cli = CliServer::spawn(&[]).await;
    let line = cli.first_line.trim().to_string();
    let port = line
        .strip_prefix("127.0.0.1:")
        .unwrap_or_else(|| panic!("first line should be 127.0.0.1:PORT, got {line:?}"));
    let port: u16 = port
        .parse()
        .unwrap_or_else(|_| panic!("bad port in {line:?}"));
    assert_ne!(port, 0);

    let out = ldapwhoami(
        cli.addr,
        &["-D", "EXAMPLE\\Administrator", "-w", ADMIN_PASSWORD],
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .to_ascii_lowercase()
            .contains("u:example\\administrator"),
        "{out}"
    );

    cli.sigterm().await;
    let status = cli.wait_exit(Duration::from_secs(10)).await;
    assert!(
        status.success(),
        "SIGTERM should end the server with exit 0, got {status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_serve_with_broken_ldif_exits_nonzero_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    // Record 1 is fine (lines 1-4); line 7 has no colon.
    let text = format!(
        "dn: {}\nobjectClass: user\ncn: good\nsAMAccountName: good\n\ndn: {}\nthis line is not an attribute\ncn: bad\n",
        user_dn("good"),
        user_dn("bad")
    );
    let path = write_file(dir.path(), "broken.ldif", &text);
    let out = run_server_cli(&[
        "serve",
        "--domain",
        DOMAIN,
        "--listen",
        "127.0.0.1:0",
        "--admin-password",
        ADMIN_PASSWORD,
        "--ldif",
        path.to_str().unwrap(),
    ])
    .await;
    assert_ne!(out.code, 0, "serve must fail on a broken LDIF\n{out}");
    assert!(
        out.stderr.contains(&format!("{}:7:", path.display())),
        "stderr should say {}:7: …\n{out}",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_export_then_import_round_trips_identically_with_binary_certificate() {
    let fx = standard_ldif();
    let dir = tempfile::tempdir().unwrap();
    let seed = write_file(dir.path(), "seed.ldif", &fx.ldif);
    let e1 = dir.path().join("export1.ldif");
    let e2 = dir.path().join("export2.ldif");

    let out = run_server_cli(&[
        "export",
        "--domain",
        DOMAIN,
        "--ldif",
        seed.to_str().unwrap(),
        "--out",
        e1.to_str().unwrap(),
    ])
    .await;
    assert_exit(&out, 0);
    let text1 = std::fs::read_to_string(&e1).expect("export1 written");
    assert!(
        unfold_ldif(&text1).contains(&format!("cACertificate:: {}\n", b64(&fx.root_der))),
        "export holds the DER certificate"
    );

    // The export loads into a serving directory that hands out the same certificate.
    let mut cli = CliServer::spawn(&["--ldif", e1.to_str().unwrap()]).await;
    let out = ldapsearch(
        cli.addr,
        &[
            "-D",
            "EXAMPLE\\alice",
            "-w",
            USER_PASSWORD,
            "-b",
            CONFIG_DN,
            "(objectCategory=certificationAuthority)",
            "cACertificate",
        ],
    )
    .await;
    assert_exit(&out, 0);
    let ldif = out.ldif();
    let root = ldif
        .find(&ca_dn(ROOT_CA_CN, "Certification Authorities"))
        .unwrap_or_else(|| panic!("root CA missing after reload\n{out}"));
    assert_eq!(root.get("cACertificate"), vec![fx.root_der.clone()]);
    cli.sigterm().await;
    let status = cli.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "{status:?}");

    // export(import(export)) == export
    let out = run_server_cli(&[
        "export",
        "--domain",
        DOMAIN,
        "--ldif",
        e1.to_str().unwrap(),
        "--out",
        e2.to_str().unwrap(),
    ])
    .await;
    assert_exit(&out, 0);
    let text2 = std::fs::read_to_string(&e2).expect("export2 written");
    if text1 != text2 {
        let diff = text1
            .lines()
            .zip(text2.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  export1: {a}\n  export2: {b}", i + 1))
            .unwrap_or_else(|| {
                format!(
                    "{} vs {} lines",
                    text1.lines().count(),
                    text2.lines().count()
                )
            });
        panic!("export → import → export is not lossless: {diff}");
    }
}
