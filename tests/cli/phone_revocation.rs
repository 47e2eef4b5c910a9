//! Revocation hard-fail end to end (domain.md §E, §G row 17): the `phone-client` binary signs in
//! through our directory (in-process, port 0), connects to a real TLS registrar (in-process
//! tokio-rustls on 127.0.0.1:0) whose leaf names the CDP
//! `http://crl.example.test/CertEnroll/root.crl`, and fetches that CRL from an in-process HTTP
//! server mapped with `--resolve`. Outcomes: fresh CRL → signed in; unreachable, revoked,
//! expired → "Cannot validate server certificate" with the precise reason.

use e2e::http::StaticServer;
use e2e::phone::{run_phone, PhoneRun};
use e2e::ports::RefusingPort;
use e2e::*;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DnType, IsCa, Issuer, KeyIdMethod, KeyPair, RevokedCertParams, SerialNumber,
};

const POOL: &str = "pool.example.test";
const CRL_HOST: &str = "crl.example.test";
const CRL_PATH: &str = "/CertEnroll/root.crl";
const CRL_URL: &str = "http://crl.example.test/CertEnroll/root.crl";
const LEAF_SERIAL: u64 = 0x0C0FFEE;

/// A root, and the registrar's leaf it issued with a CDP and a known serial number.
struct Pki {
    root_der: Vec<u8>,
    root: Issuer<'static, KeyPair>,
    leaf_der: Vec<u8>,
    leaf_key: Vec<u8>,
}

fn pki() -> Pki {
    let root_key = KeyPair::generate().expect("key");
    let mut root_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root_params
        .distinguished_name
        .push(DnType::CommonName, "Example Test Root CA");
    let root_der = root_params
        .self_signed(&root_key)
        .expect("root")
        .der()
        .to_vec();
    let root = Issuer::new(root_params, root_key);
    let leaf_key = KeyPair::generate().expect("key");
    let mut leaf_params = CertificateParams::new(vec![POOL.to_string()]).expect("params");
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, POOL);
    leaf_params.serial_number = Some(SerialNumber::from(LEAF_SERIAL));
    leaf_params.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![CRL_URL.to_string()],
    }];
    let leaf_der = leaf_params
        .signed_by(&leaf_key, &root)
        .expect("leaf")
        .der()
        .to_vec();
    Pki {
        root_der,
        root,
        leaf_der,
        leaf_key: leaf_key.serialize_der(),
    }
}

/// The root's CRL, valid from `from` to `until` days from now, listing `revoked`.
fn crl(pki: &Pki, from: i64, until: i64, revoked: &[u64]) -> Vec<u8> {
    let now = time_now();
    CertificateRevocationListParams {
        this_update: now + rcgen_days(from),
        next_update: now + rcgen_days(until),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|serial| RevokedCertParams {
                serial_number: SerialNumber::from(*serial),
                revocation_time: now + rcgen_days(-1),
                reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&pki.root)
    .expect("crl")
    .der()
    .to_vec()
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn rcgen_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

/// Directory with alice and the published root, the registrar, and a phone with `profile`
/// whose CRL host maps to `crl_port`.
async fn boot(pki: &Pki, crl_port: u16, profile: &str) -> PhoneRun {
    let ldif = format!(
        "{}{}",
        user_ldif("alice", USER_PASSWORD, &[]),
        ca_ldif(
            "Example Test Root CA",
            "Certification Authorities",
            &pki.root_der
        )
    );
    let directory = start(&ldif).await;
    let (registrar, registrar_task) =
        scenarios::registrar::start(std::slice::from_ref(&pki.leaf_der), &pki.leaf_key)
            .await
            .expect("registrar");
    let dir = tempfile::tempdir().expect("tempdir");
    let profile_path = dir.path().join("profile.toml");
    std::fs::write(&profile_path, profile).expect("write profile");
    let args: Vec<String> = vec![
        "--user".into(),
        "alice@example.test".into(),
        "--password".into(),
        USER_PASSWORD.into(),
        "--dc".into(),
        directory.addr.to_string(),
        "--registrar".into(),
        format!("{POOL}:{}", registrar.port()),
        "--resolve".into(),
        format!("{POOL}={registrar}"),
        "--resolve".into(),
        format!("{CRL_HOST}=127.0.0.1:{crl_port}"),
        "--profile".into(),
        profile_path.display().to_string(),
    ];
    let run = run_phone(&args).await;
    registrar_task.abort();
    directory.stop().await;
    run
}

const HARD_FAIL: &str = "name = \"cpe-2007r2 with hard-fail revocation\"\nrevocation = \"hard_fail\"\n[timeouts]\nhttp_ms = 3000\n";

fn assert_cannot_validate(run: &PhoneRun) {
    assert_eq!(run.code, 1, "{}", run.text);
    assert_eq!(
        run.report["outcome"], "cannot_validate_server_certificate",
        "{}",
        run.text
    );
    assert_eq!(
        run.report["screen"], "Cannot validate server certificate",
        "{}",
        run.text
    );
    assert_eq!(
        run.step("checking_revocation")["status"],
        "failed",
        "{}",
        run.text
    );
}

#[tokio::test]
async fn a_fresh_crl_that_does_not_list_the_leaf_signs_in() {
    let pki = pki();
    let crls = StaticServer::start(&[(CRL_PATH, crl(&pki, -1, 7, &[1, 2]))]).await;
    let run = boot(&pki, crls.port(), HARD_FAIL).await;
    assert_eq!(run.code, 0, "{}", run.text);
    assert_eq!(run.report["outcome"], "signed_in", "{}", run.text);
    assert_eq!(run.report["path"], "directory", "{}", run.text);
    assert_eq!(
        run.steps(),
        [
            "locating_domain_controller",
            "binding_to_directory",
            "searching_certification_authorities",
            "installing_certificates",
            "connecting_to_registrar",
            "validating_server_certificate",
            "checking_revocation"
        ],
        "{}",
        run.text
    );
    let step = run.step("checking_revocation");
    assert_eq!(step["status"], "ok", "{}", run.text);
    assert!(step["ms"].is_u64(), "{}", run.text);
    let detail = step["detail"].as_str().unwrap_or("");
    assert!(detail.contains(&format!("GET {CRL_URL}")), "{}", run.text);
    assert!(
        detail.contains("\"CN=pool.example.test\": not revoked"),
        "{}",
        run.text
    );
    assert_eq!(crls.hits(), 1, "one CRL download");
}

#[tokio::test]
async fn an_unreachable_crl_is_cannot_validate_under_hard_fail() {
    let pki = pki();
    let refusing = RefusingPort::new();
    let run = boot(&pki, refusing.port, HARD_FAIL).await;
    assert_cannot_validate(&run);
    assert_eq!(
        run.reason(),
        "revocation status unknown: CRL http://crl.example.test/CertEnroll/root.crl unreachable (connection refused); this firmware hard-fails",
        "{}",
        run.text
    );
}

#[tokio::test]
async fn without_hard_fail_the_crl_is_never_fetched() {
    let pki = pki();
    // The CRL lists the leaf, but a phone with revocation = "none" never looks.
    let crls = StaticServer::start(&[(CRL_PATH, crl(&pki, -1, 7, &[LEAF_SERIAL]))]).await;
    let run = boot(&pki, crls.port(), "name = \"no revocation\"\n").await;
    assert_eq!(run.code, 0, "{}", run.text);
    assert!(
        !run.steps().iter().any(|step| step == "checking_revocation"),
        "{}",
        run.text
    );
    assert_eq!(crls.hits(), 0);
}

#[tokio::test]
async fn a_revoked_leaf_is_cannot_validate() {
    let pki = pki();
    let crls = StaticServer::start(&[(CRL_PATH, crl(&pki, -1, 7, &[LEAF_SERIAL]))]).await;
    let run = boot(&pki, crls.port(), HARD_FAIL).await;
    assert_cannot_validate(&run);
    assert!(
        run.reason().starts_with(&format!(
            "certificate \"CN=pool.example.test\" is revoked (CRL {CRL_URL}; revoked "
        )),
        "{}",
        run.text
    );
    assert!(
        run.reason().ends_with("reason keyCompromise)"),
        "{}",
        run.text
    );
}

#[tokio::test]
async fn an_expired_crl_is_cannot_validate() {
    let pki = pki();
    let crls = StaticServer::start(&[(CRL_PATH, crl(&pki, -30, -1, &[]))]).await;
    let run = boot(&pki, crls.port(), HARD_FAIL).await;
    assert_cannot_validate(&run);
    assert!(
        run.reason().starts_with(&format!(
            "revocation status unknown: CRL {CRL_URL} expired at "
        )),
        "{}",
        run.text
    );
    assert!(
        run.reason().ends_with("this firmware hard-fails"),
        "{}",
        run.text
    );
}

#[tokio::test]
async fn a_missing_crl_is_http_404_and_cannot_validate() {
    let pki = pki();
    let crls = StaticServer::start(&[]).await;
    let run = boot(&pki, crls.port(), HARD_FAIL).await;
    assert_cannot_validate(&run);
    assert!(
        run.reason().contains("unreachable (HTTP 404)"),
        "{}",
        run.text
    );
}
