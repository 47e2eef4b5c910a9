//! `adpki san-check` on certificates made by openssl, as an administrator would have them: the
//! listener certificate of one reverse proxy for two pools.

use std::path::Path;

use e2e::server_binary;

/// A self-signed certificate with `sans` (DNS names), written by `openssl req` to `path`.
async fn openssl_certificate(dir: &Path, name: &str, sans: &[&str]) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.pem"));
    let alt = sans
        .iter()
        .map(|san| format!("DNS:{san}"))
        .collect::<Vec<_>>()
        .join(",");
    let key = dir.join(format!("{name}.key"));
    let san = format!("subjectAltName={alt}");
    let out = e2e::run_program(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=proxy listener",
            "-days",
            "30",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            path.to_str().unwrap(),
            "-addext",
            &san,
        ],
        e2e::WAIT,
    )
    .await;
    assert_eq!(out.code, 0, "{out}");
    path
}

async fn san_check(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["san-check"];
    all.extend(args);
    e2e::run_program(server_binary().with_file_name("adpki"), &all, e2e::WAIT)
        .await
        .parts()
}

#[tokio::test]
async fn the_new_pools_name_is_missing_until_the_certificate_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = openssl_certificate(
        dir.path(),
        "old",
        &[
            "webext-pool1.example.test",
            "meet.example.test",
            "dialin.example.test",
            "lyncdiscover.example.test",
        ],
    )
    .await;
    let pools = [
        "--pool",
        "webext-pool1.example.test",
        "--pool",
        "webext-pool2.example.test",
    ];
    let mut args = vec!["--cert", old.to_str().unwrap()];
    args.extend(pools);
    let (code, stdout, stderr) = san_check(&args).await;
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("NOT covered  webext-pool2.example.test  no subjectAltName entry names it"),
        "{stdout}"
    );
    assert!(
        stdout.contains("covered      lyncdiscover.example.test"),
        "{stdout}"
    );
    assert!(stdout.contains("1 of 5 names are not covered"), "{stdout}");

    let all = openssl_certificate(
        dir.path(),
        "all",
        &[
            "webext-pool1.example.test",
            "webext-pool2.example.test",
            "*.example.test",
        ],
    )
    .await;
    let mut args = vec!["--cert", all.to_str().unwrap(), "--format", "json"];
    args.extend(pools);
    args.extend(["--name", "a.b.example.test"]);
    let (code, stdout, _) = san_check(&args).await;
    assert_eq!(code, Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let names = report["names"].as_array().unwrap();
    assert_eq!(names.len(), 6);
    let by = |name: &str| names.iter().find(|n| n["name"] == name).unwrap().clone();
    assert_eq!(by("meet.example.test")["by"], "DNS:*.example.test");
    assert_eq!(by("webext-pool2.example.test")["covered"], true);
    assert_eq!(
        by("a.b.example.test")["why"],
        "DNS:*.example.test covers one label only"
    );

    let mut args = vec!["--cert", all.to_str().unwrap()];
    args.extend(pools);
    let (code, stdout, _) = san_check(&args).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("All 5 names are covered."), "{stdout}");
}

#[tokio::test]
async fn garbage_and_missing_names_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let (code, _, stderr) =
        san_check(&["--cert", garbage.to_str().unwrap(), "--name", "a.test"]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("adpki san-check: "), "{stderr}");
    let (code, _, stderr) = san_check(&["--cert", garbage.to_str().unwrap()]).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("give --name or --pool"), "{stderr}");
}
