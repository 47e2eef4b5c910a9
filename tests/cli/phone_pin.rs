//! Lync Phone Edition PIN sign-in end to end (domain.md §D.2, §G row 18): the `phone-client`
//! binary with `--profile lpe-2010-pin` reads DHCP option 43 (the Certificate Provisioning
//! Service URL) and option 120 (the registrar), downloads the root chain from an in-process HTTP
//! server on 127.0.0.1:0 serving `openssl crl2pkcs7 -nocrl -certfile root.pem -outform DER`,
//! and validates an in-process TLS registrar with it. No directory is involved.

use std::process::Command;

use e2e::http::StaticServer;
use e2e::phone::{run_phone, PhoneRun};
use e2e::ports::RefusingPort;

const POOL: &str = "pool.example.test";
const WEBPOOL: &str = "webpool.example.test";
const SERVICE_PATH: &str = "/CertProv/CertProvisioningService.svc";
const UNABLE_TO_LOCATE: &str = "Unable to locate Lync Certificate Web service";
const DOWNLOAD_ERROR: &str =
    "Error downloading certificate chain from OCS Registrar. Please try again";

/// The root's certs-only PKCS#7 in DER, made by openssl from root.pem.
fn chain_p7b(pki: &scenarios::pki::Pki) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root.pem");
    std::fs::write(&root, &pki.root_pem).expect("write root.pem");
    let output = Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-outform", "DER", "-certfile"])
        .arg(&root)
        .output()
        .expect("openssl crl2pkcs7");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn new_pki() -> scenarios::pki::Pki {
    scenarios::pki::Pki::new("Contoso Root CA", POOL).expect("pki")
}

/// The option 43 URL for a web service listening on `port` (the model keeps the URL's port).
fn option_43(port: u16) -> String {
    format!("https://{WEBPOOL}:{port}{SERVICE_PATH}")
}

/// Boots a PIN phone: extension 1234, PIN 4321, the web pool mapped to `web_port`, the
/// registrar of `pki` running in-process; `options` are the DHCP options and any extra flags.
async fn boot(pki: &scenarios::pki::Pki, web_port: u16, options: &[String]) -> PhoneRun {
    let (registrar, task) =
        scenarios::registrar::start(std::slice::from_ref(&pki.leaf_der), &pki.leaf_key_der)
            .await
            .expect("registrar");
    let mut args: Vec<String> = vec![
        "--profile".into(),
        "lpe-2010-pin".into(),
        "--user".into(),
        "1234".into(),
        "--pin".into(),
        "4321".into(),
        "--resolve".into(),
        format!("{WEBPOOL}=127.0.0.1:{web_port}"),
        "--resolve".into(),
        format!("{POOL}={registrar}"),
    ];
    args.extend(
        options
            .iter()
            .map(|option| option.replace("{registrar_port}", &registrar.port().to_string())),
    );
    let run = run_phone(&args).await;
    task.abort();
    run
}

fn dhcp(option_43: Option<String>) -> Vec<String> {
    let mut options = vec![
        "--dhcp-option-120".to_string(),
        format!("{POOL}:{{registrar_port}}"),
    ];
    if let Some(url) = option_43 {
        options.extend(["--dhcp-option-43".to_string(), url]);
    }
    options
}

fn assert_download_failed(run: &PhoneRun) {
    assert_eq!(run.code, 1, "{}", run.text);
    assert_eq!(
        run.report["outcome"], "certificate_chain_download_failed",
        "{}",
        run.text
    );
    assert_eq!(run.report["screen"], DOWNLOAD_ERROR, "{}", run.text);
    assert_eq!(
        run.steps(),
        [
            "locating_certificate_web_service",
            "downloading_certificate_chain_from_web_service"
        ],
        "{}",
        run.text
    );
}

#[tokio::test]
async fn the_chain_from_the_web_service_signs_the_phone_in() {
    let pki = new_pki();
    let web = StaticServer::start(&[(SERVICE_PATH, chain_p7b(&pki))]).await;
    let run = boot(&pki, web.port(), &dhcp(Some(option_43(web.port())))).await;
    assert_eq!(run.code, 0, "{}", run.text);
    assert_eq!(run.report["outcome"], "signed_in", "{}", run.text);
    assert_eq!(
        run.report["path"], "certificate_web_service",
        "{}",
        run.text
    );
    assert_eq!(
        run.steps(),
        [
            "locating_certificate_web_service",
            "downloading_certificate_chain_from_web_service",
            "installing_certificates",
            "connecting_to_registrar",
            "validating_server_certificate"
        ],
        "{}",
        run.text
    );
    // The model GETs the option 43 URL over http, on the URL's port.
    let url = format!("http://{WEBPOOL}:{}{SERVICE_PATH}", web.port());
    assert_eq!(run.report["installed"][0]["source"], url, "{}", run.text);
    assert_eq!(
        run.report["installed"][0]["subject"], "CN=Contoso Root CA",
        "{}",
        run.text
    );
    let connect = run.step("connecting_to_registrar");
    assert!(
        connect["detail"]
            .as_str()
            .unwrap_or("")
            .contains("from DHCP option 120"),
        "{}",
        run.text
    );
    assert_eq!(web.hits(), 1);
}

#[tokio::test]
async fn without_option_43_the_phone_cannot_locate_the_web_service() {
    let pki = new_pki();
    let web = StaticServer::start(&[(SERVICE_PATH, chain_p7b(&pki))]).await;
    let run = boot(&pki, web.port(), &dhcp(None)).await;
    assert_eq!(run.code, 1, "{}", run.text);
    assert_eq!(
        run.report["outcome"], "cannot_locate_certificate_web_service",
        "{}",
        run.text
    );
    assert_eq!(run.report["screen"], UNABLE_TO_LOCATE, "{}", run.text);
    assert!(
        run.reason().starts_with("DHCP option 43 is missing"),
        "{}",
        run.text
    );
    assert_eq!(
        run.steps(),
        ["locating_certificate_web_service"],
        "{}",
        run.text
    );
    assert_eq!(web.hits(), 0, "nothing is downloaded");
    // An option 43 that is not a URL is the same screen.
    let run = boot(&pki, web.port(), &dhcp(Some("MS-UC-Client webpool".into()))).await;
    assert_eq!(run.report["screen"], UNABLE_TO_LOCATE, "{}", run.text);
    assert!(
        run.reason()
            .contains("is not a Certificate Provisioning Service URL"),
        "{}",
        run.text
    );
}

#[tokio::test]
async fn a_stale_option_43_is_a_download_error() {
    // The web pool moved: its old name maps to a port where nothing listens.
    let pki = new_pki();
    let refusing = RefusingPort::new();
    let stale = refusing.port;
    let run = boot(&pki, stale, &dhcp(Some(option_43(stale)))).await;
    assert_download_failed(&run);
    assert!(
        run.reason().starts_with(&format!(
            "cannot connect to http://{WEBPOOL}:{stale}{SERVICE_PATH}"
        )),
        "{}",
        run.text
    );
}

#[tokio::test]
async fn a_web_service_that_answers_404_is_a_download_error() {
    let pki = new_pki();
    let web = StaticServer::start(&[("/somewhere/else.p7b", chain_p7b(&pki))]).await;
    let run = boot(&pki, web.port(), &dhcp(Some(option_43(web.port())))).await;
    assert_download_failed(&run);
    assert!(
        run.reason().starts_with(&format!(
            "HTTP 404 from http://{WEBPOOL}:{}{SERVICE_PATH}",
            web.port()
        )),
        "{}",
        run.text
    );
}

#[tokio::test]
async fn a_web_service_that_answers_garbage_is_a_download_error() {
    let pki = new_pki();
    let page = b"<html><head><title>Service Unavailable</title></head></html>".to_vec();
    let web = StaticServer::start(&[(SERVICE_PATH, page)]).await;
    let run = boot(&pki, web.port(), &dhcp(Some(option_43(web.port())))).await;
    assert_download_failed(&run);
    assert!(run.reason().contains("HTML page"), "{}", run.text);
}

#[tokio::test]
async fn the_downloaded_root_must_still_validate_the_registrar() {
    // The web service hands out another CA's root: same install and TLS rules as the directory.
    let pki = new_pki();
    let other = scenarios::pki::Pki::new("Fabrikam Root CA", POOL).expect("pki");
    let web = StaticServer::start(&[(SERVICE_PATH, chain_p7b(&other))]).await;
    let run = boot(&pki, web.port(), &dhcp(Some(option_43(web.port())))).await;
    assert_eq!(run.code, 1, "{}", run.text);
    assert_eq!(
        run.report["outcome"], "cannot_validate_server_certificate",
        "{}",
        run.text
    );
    assert!(run.reason().contains("CN=Contoso Root CA"), "{}", run.text);
}

#[tokio::test]
async fn without_option_120_the_registrar_comes_from_the_command_line_or_nowhere() {
    let pki = new_pki();
    let web = StaticServer::start(&[(SERVICE_PATH, chain_p7b(&pki))]).await;
    let only_43 = vec!["--dhcp-option-43".to_string(), option_43(web.port())];
    let run = boot(&pki, web.port(), &only_43).await;
    assert_eq!(run.code, 1, "{}", run.text);
    assert_eq!(
        run.report["outcome"], "cannot_validate_server_certificate",
        "{}",
        run.text
    );
    assert!(
        run.reason().contains("DHCP option 120 is missing"),
        "{}",
        run.text
    );
    let mut with_registrar = only_43.clone();
    with_registrar.extend([
        "--registrar".to_string(),
        format!("{POOL}:{{registrar_port}}"),
    ]);
    let run = boot(&pki, web.port(), &with_registrar).await;
    assert_eq!(run.code, 0, "{}", run.text);
    assert!(
        run.step("connecting_to_registrar")["detail"]
            .as_str()
            .unwrap_or("")
            .contains("from --registrar"),
        "{}",
        run.text
    );
}

#[tokio::test]
async fn pin_and_password_flags_belong_to_their_sign_in_method() {
    let pin_on_directory = run_phone(&[
        "--user".into(),
        "alice@example.test".into(),
        "--pin".into(),
        "4321".into(),
        "--registrar".into(),
        POOL.into(),
    ])
    .await;
    assert_eq!(pin_on_directory.code, 2, "{}", pin_on_directory.text);
    assert!(
        pin_on_directory.text.contains("--pin is for PIN sign-in"),
        "{}",
        pin_on_directory.text
    );
    let password_on_pin = run_phone(&[
        "--profile".into(),
        "lpe-2010-pin".into(),
        "--user".into(),
        "1234".into(),
        "--password".into(),
        "x".into(),
    ])
    .await;
    assert_eq!(password_on_pin.code, 2, "{}", password_on_pin.text);
    assert!(
        password_on_pin.text.contains("takes --pin"),
        "{}",
        password_on_pin.text
    );
}
