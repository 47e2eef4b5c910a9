//! `adpki audit --format html` rendered by a real browser: headless Chromium (Debian's
//! `chromium`) loads the page, dumps its DOM and takes a screenshot; the DOM must hold what the
//! audit found — every container, each certificate's status, the CRL's freshness, the phone's
//! verdict and fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use e2e::server_binary;
use scenarios::world::World;

/// A browser starts in about a second; a cold one on a busy machine may take longer.
const BROWSER_WAIT: Duration = Duration::from_secs(120);

/// A forest with one of everything pkiview shows.
const WORLD: &str = r#"
title = "pkiview"
cause = "c"
symptom = "s"
fix = "f"

[pki.root]
subject = "Contoso Root CA"

[pki.old]
subject = "Contoso Root CA 2015"
valid_from_days = -4000
valid_days = 3650

[pki.soon]
subject = "Contoso Root CA Ending"
valid_from_days = -100
valid_days = 110

[registrar]
issuer = "root"

[[crl]]
issuer = "root"
url = "http://ca.example.test/CertEnroll/root.crl"
next_update_days = -1

[[directory.ca_object]]
container = "certification_authorities"
values = ["root", "placeholder"]

[[directory.ca_object]]
container = "aia"
cn = "Contoso Root CA 2015"
values = ["old", "garbage"]

[[directory.ca_object]]
container = "certification_authorities"
values = ["soon"]

[[directory.enrollment_service]]
cn = "Contoso Root CA"
dns_host_name = "ca.example.test"
certificates = ["root"]

[[act]]
title = "a"
expect = { outcome = "signed_in", path = "directory" }
"#;

async fn run(program: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    e2e::run_program(program, args, BROWSER_WAIT).await.parts()
}

fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.is_file(),
        "headless Chromium is needed: apt-get install chromium"
    );
    path
}

/// The page as the browser built it, and a screenshot (PNG bytes).
async fn render(page: &Path, dir: &Path) -> (String, Vec<u8>) {
    let profile = dir.join("chromium-profile");
    let url = format!("file://{}", page.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--allow-file-access-from-files",
    ];
    let user_data = format!("--user-data-dir={}", profile.display());
    let mut args: Vec<&str> = common.to_vec();
    args.extend([user_data.as_str(), "--dump-dom", url.as_str()]);
    let (code, dom, stderr) = run(&chromium(), &args).await;
    assert_eq!(code, Some(0), "{stderr}");
    let png = dir.join("audit.png");
    let screenshot = format!("--screenshot={}", png.display());
    let mut args: Vec<&str> = common.to_vec();
    args.extend([
        user_data.as_str(),
        screenshot.as_str(),
        "--window-size=1200,1600",
        url.as_str(),
    ]);
    let (code, _, stderr) = run(&chromium(), &args).await;
    assert_eq!(code, Some(0), "{stderr}");
    (dom, std::fs::read(&png).unwrap())
}

async fn audit_page(world: &World, dir: &Path, profile: &str) -> PathBuf {
    let adpki = server_binary().with_file_name("adpki");
    let chain = dir.join("chain.pem");
    let pem = world.pki.registrar.chain_pem();
    std::fs::write(&chain, pem).unwrap();
    let dc = e2e::world_dc_args(world);
    let mut args = vec!["audit"];
    args.extend(dc.iter().map(String::as_str));
    args.extend([
        "--registrar-chain",
        chain.to_str().unwrap(),
        "--registrar-name",
        "pool.example.test",
        "--profile",
        profile,
        "--format",
        "html",
    ]);
    let (code, page, stderr) = run(&adpki, &args).await;
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    let path = dir.join(format!("audit-{profile}.html"));
    std::fs::write(&path, page).unwrap();
    path
}

#[tokio::test]
async fn chromium_renders_the_audit_with_every_container_status_and_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pkiview.toml");
    std::fs::write(&file, WORLD).unwrap();
    let scenario = scenarios::spec::Scenario::load(&file).unwrap();
    let world = World::start(&scenario).await.unwrap();

    // A CRL in the CDP container, published as certutil would; its nextUpdate has passed.
    let crl = dir.path().join("root.crl");
    std::fs::write(&crl, &world.pki.crls[0].der).unwrap();
    let url = format!("ldap://{}", world.ldap_address());
    let (code, stdout, stderr) = run(
        &server_binary().with_file_name("adpki"),
        &[
            "publish",
            crl.to_str().unwrap(),
            "crl",
            "-f",
            "--url",
            &url,
            "--user",
            &world.administrator(),
            "--password",
            scenarios::world::ADMIN_PASSWORD,
            "--cdp-container",
            "CA",
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");

    let page = audit_page(&world, dir.path(), "cpe-2007r2").await;
    let html = std::fs::read_to_string(&page).unwrap();
    for outside in ["src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(!html.contains(outside), "outside asset: {outside}");
    }
    let (dom, png) = render(&page, dir.path()).await;
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    for container in [
        "AIA",
        "CDP",
        "Certificate Templates",
        "Certification Authorities",
        "Enrollment Services",
        "NTAuthCertificates",
    ] {
        assert!(
            dom.contains(&format!("data-container=\"{container}\"")),
            "{container} missing from the DOM"
        );
    }
    for status in [
        "ok",
        "expired",
        "expiring",
        "placeholder",
        "garbage",
        "stale",
    ] {
        assert!(
            dom.contains(&format!("data-status=\"{status}\"")),
            "no {status} in the DOM"
        );
    }
    assert!(
        dom.contains(">Expired</span>Contoso Root CA 2015")
            || dom.contains(">Expired</span>CN=Contoso Root CA 2015"),
        "{dom}"
    );
    assert!(dom.contains("data-would-sign-in=\"true\""), "{dom}");
    assert!(dom.contains("dNSHostName ca.example.test"));

    // The same forest for pre-SHA-2 firmware: the ECDSA/SHA-256 roots are unreadable, the phone
    // would not sign in, and the page says what would fix it.
    let page = audit_page(&world, dir.path(), "cpe-2007r2-old-firmware").await;
    let (dom, _) = render(&page, dir.path()).await;
    assert!(dom.contains("data-status=\"unreadable\""), "{dom}");
    assert!(dom.contains("Unreadable by this firmware"));
    assert!(dom.contains("data-would-sign-in=\"false\""), "{dom}");
    world.shutdown().await;
}

#[tokio::test]
async fn chromium_renders_a_scenario_run_with_each_acts_pki() {
    let dir = tempfile::tempdir().unwrap();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/catalog/seed-story.toml");
    let (code, page, stderr) = run(
        &server_binary().with_file_name("scenarios"),
        &["run", "--format", "html", seed.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    let path = dir.path().join("run.html");
    std::fs::write(&path, &page).unwrap();
    let (dom, png) = render(&path, dir.path()).await;
    assert!(png.starts_with(b"\x89PNG"));
    assert!(
        dom.contains("data-passed=\"1\" data-scenarios=\"1\""),
        "{dom}"
    );
    // Each act carries its own directory: nothing published first, then the root as RootCA.
    let acts: Vec<&str> = dom.split("<details class=\"act\"").skip(1).collect();
    assert_eq!(acts.len(), 3, "{dom}");
    assert!(
        acts[0].contains("data-would-sign-in=\"false\""),
        "{}",
        acts[0]
    );
    assert!(acts[0].contains("<b>Fix:</b>"), "{}", acts[0]);
    assert!(
        acts[1].contains("data-would-sign-in=\"true\""),
        "{}",
        acts[1]
    );
    assert!(
        acts[1].contains("data-container=\"Certification Authorities\"")
            && acts[1].contains("data-status=\"ok\""),
        "{}",
        acts[1]
    );
}
