//! `adpki trust-store` against worlds: what a phone would install, as files an administrator
//! hands to an MCU — checked with openssl, which knows nothing of us.

use std::path::Path;

use e2e::server_binary;
use scenarios::world::World;

async fn world_after(name: &str, acts: usize) -> World {
    let scenario = scenarios::catalog::find(name).unwrap().unwrap();
    let mut world = World::start(&scenario).await.unwrap();
    for act in scenario.acts.iter().take(acts) {
        scenarios::run::act_on(&mut world, act).await.unwrap();
    }
    world
}

async fn run(program: &str, args: &[&str]) -> (Option<i32>, String, String) {
    e2e::run_program(program, args, e2e::WAIT).await.parts()
}

async fn trust_store(world: &World, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let adpki = server_binary().with_file_name("adpki");
    let dc = e2e::world_dc_args(world);
    let mut args = vec!["trust-store"];
    args.extend(dc.iter().map(String::as_str));
    args.extend(["--out", out.to_str().unwrap()]);
    let resolve = e2e::resolve_args(&world.resolve);
    args.extend(resolve.iter().map(String::as_str));
    args.extend(extra);
    run(adpki.to_str().unwrap(), &args).await
}

#[tokio::test]
async fn the_published_root_as_pem_verifies_the_registrars_chain_with_openssl() {
    let world = world_after("seed-story", 2).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = trust_store(&world, dir.path(), &[]).await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("would install 1 certificate(s), from the directory"),
        "{stdout}"
    );
    let root = dir.path().join("Contoso-Standalone-Root-CA.pem");
    assert!(root.is_file(), "{stdout}");
    let bundle = dir.path().join("trust-bundle.pem");
    let chain = dir.path().join("registrar-chain.pem");
    let pem = world.pki.registrar.chain_pem();
    std::fs::write(&chain, pem).unwrap();
    let (code, stdout, stderr) = run(
        "openssl",
        &[
            "verify",
            "-CAfile",
            bundle.to_str().unwrap(),
            chain.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains(": OK"), "{stdout}");
    world.shutdown().await;
}

#[tokio::test]
async fn web_enrollments_chain_as_der_files_and_a_pkcs7_bundle() {
    let world = world_after("web-enrollment-fallback", 0).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = trust_store(&world, dir.path(), &["--format", "der"]).await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("from web enrollment (certnew.p7b)"),
        "{stdout}"
    );
    for file in ["Contoso-Root-CA.cer", "Contoso-Enterprise-Issuing-CA.cer"] {
        let (code, stdout, stderr) = run(
            "openssl",
            &["x509", "-inform", "der", "-noout", "-subject", "-in"]
                .iter()
                .copied()
                .chain([dir.path().join(file).to_str().unwrap()])
                .collect::<Vec<_>>(),
        )
        .await;
        assert_eq!(code, Some(0), "{file}: {stderr}");
        assert!(stdout.contains("CN"), "{stdout}");
    }
    let bundle = dir.path().join("trust-bundle.p7b");
    let (code, stdout, stderr) = run(
        "openssl",
        &[
            "pkcs7",
            "-inform",
            "der",
            "-print_certs",
            "-noout",
            "-in",
            bundle.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("Contoso Root CA") && stdout.contains("Contoso Enterprise Issuing CA"),
        "{stdout}"
    );
    world.shutdown().await;
}

#[tokio::test]
async fn an_export_works_offline_and_a_directory_with_nothing_says_why() {
    let world = world_after("seed-story", 2).await;
    let dir = tempfile::tempdir().unwrap();
    let ldif = dir.path().join("export.ldif");
    std::fs::write(&ldif, world.export_ldif().await).unwrap();
    let adpki = server_binary().with_file_name("adpki");
    let out = dir.path().join("store");
    let (code, stdout, stderr) = run(
        adpki.to_str().unwrap(),
        &[
            "trust-store",
            "--ldif",
            ldif.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        out.join("Contoso-Standalone-Root-CA.pem").is_file(),
        "{stdout}"
    );
    world.shutdown().await;

    // Nothing published and no enrollment service: the phone's own reason, exit 1.
    let empty = world_after("seed-story", 0).await;
    let (code, _, stderr) = trust_store(&empty, &dir.path().join("none"), &[]).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("would install nothing"), "{stderr}");
    empty.shutdown().await;
}
