use super::*;
use base64::Engine as _;
use der::asn1::ObjectIdentifier;
use der::Decode;

/// id-signedData (RFC 5652 §5.1).
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerInfos};
use der::asn1::SetOfVec;
use der::{Any, Encode};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

const EXPECTED_PATH: &str = "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64";
const HOST: &str = "ca1.example.test";

// ----- fixtures -------------------------------------------------------------------------------------

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
}

/// [root, issuing CA] as DER.
fn two_cert_chain() -> Vec<Vec<u8>> {
    let root_key = KeyPair::generate().expect("root key");
    let root_params = ca_params("Contoso Root CA");
    let root = root_params.self_signed(&root_key).expect("root");
    let issuer = Issuer::new(root_params, root_key);
    let sub_key = KeyPair::generate().expect("sub key");
    let sub = ca_params("Contoso Issuing CA")
        .signed_by(&sub_key, &issuer)
        .expect("sub");
    vec![root.der().to_vec(), sub.der().to_vec()]
}

/// A certs-only SignedData built with `cms`, and the certificate order it encodes (DER sorts the SET).
fn cms_pkcs7(chain: &[Vec<u8>]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let choices: Vec<CertificateChoices> = chain
        .iter()
        .map(|der| {
            CertificateChoices::Certificate(x509_cert::Certificate::from_der(der).expect("cert"))
        })
        .collect();
    let set = SetOfVec::try_from(choices).expect("set");
    let encoded_order = set.iter().map(|c| c.to_der().expect("der")).collect();
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::new(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1"),
            econtent: None,
        },
        certificates: Some(CertificateSet(set)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::new()),
    };
    let content_info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).expect("any"),
    };
    (content_info.to_der().expect("der"), encoded_order)
}

fn armour(label: &str, der: &[u8], newline: &str) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----{newline}");
    out.push_str(&base64_lines(&b64, newline));
    out.push_str(&format!("-----END {label}-----{newline}"));
    out
}

fn base64_lines(b64: &str, newline: &str) -> String {
    b64.as_bytes()
        .chunks(64)
        .map(|line| format!("{}{newline}", String::from_utf8_lossy(line)))
        .collect()
}

fn decode_detail_of(body: &[u8]) -> String {
    match decode_chain(body) {
        Err(EnrollError::Decode { detail, .. }) => detail,
        other => panic!("expected a Decode error, got {other:?}"),
    }
}

// ----- decode_chain ---------------------------------------------------------------------------------

#[test]
fn decodes_der_pkcs7() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    assert_eq!(decode_chain(&p7b).expect("decode"), order);
    assert_eq!(order.len(), 2);
}

#[test]
fn decodes_pkcs7_armoured_as_certificate_like_ad_cs() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    let body = armour("CERTIFICATE", &p7b, "\r\n");
    assert_eq!(decode_chain(body.as_bytes()).expect("decode"), order);
}

#[test]
fn decodes_pkcs7_armoured_as_pkcs7() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    let body = armour("PKCS7", &p7b, "\n");
    assert_eq!(decode_chain(body.as_bytes()).expect("decode"), order);
}

#[test]
fn decodes_bare_base64_with_crlf_every_64_chars() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    let body = base64_lines(&STANDARD.encode(&p7b), "\r\n");
    assert!(body.contains("\r\n"));
    assert_eq!(decode_chain(body.as_bytes()).expect("decode"), order);
}

#[test]
fn decodes_base64_with_whitespace_anywhere_and_no_padding() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    let b64 = STANDARD.encode(&p7b);
    let spaced: String = b64
        .trim_end_matches('=')
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            if i % 7 == 3 {
                vec![' ', '\t', c]
            } else {
                vec![c]
            }
        })
        .collect();
    let body = format!("  \r\n-----BEGIN PKCS7-----\n{spaced}\n-----END PKCS7-----\n\n");
    assert_eq!(decode_chain(body.as_bytes()).expect("decode"), order);
}

#[test]
fn keeps_the_order_of_an_unsorted_set_from_openssl() {
    let chain = two_cert_chain();
    for ordered in [vec![chain[1].clone(), chain[0].clone()], chain.clone()] {
        let p7b = openssl_crl2pkcs7(&ordered);
        assert_eq!(decode_chain(&p7b).expect("decode"), ordered);
    }
}

/// `openssl crl2pkcs7` writes the certificates in file order, unlike a DER SET OF encoder.
fn openssl_crl2pkcs7(chain: &[Vec<u8>]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!(
        "enroll-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pem_path = dir.join("chain.pem");
    let pem: String = chain
        .iter()
        .map(|der| armour("CERTIFICATE", der, "\n"))
        .collect();
    std::fs::write(&pem_path, pem).expect("write pem");
    let output = std::process::Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-outform", "DER", "-certfile"])
        .arg(&pem_path)
        .output()
        .expect("run openssl");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn decodes_a_single_pem_or_der_certificate() {
    let chain = two_cert_chain();
    let pem = armour("CERTIFICATE", &chain[0], "\r\n");
    assert_eq!(
        decode_chain(pem.as_bytes()).expect("pem"),
        vec![chain[0].clone()]
    );
    assert_eq!(
        decode_chain(&chain[1]).expect("der"),
        vec![chain[1].clone()]
    );
}

#[test]
fn decodes_a_pem_bundle_in_order() {
    let chain = two_cert_chain();
    let pem = armour("CERTIFICATE", &chain[1], "\n") + &armour("CERTIFICATE", &chain[0], "\n");
    assert_eq!(
        decode_chain(pem.as_bytes()).expect("bundle"),
        vec![chain[1].clone(), chain[0].clone()]
    );
}

#[test]
fn garbage_is_a_decode_error() {
    let bodies: [&[u8]; 8] = [
        b"",
        b"   \r\n",
        b"hello, world",
        b"\x00\x01\x02\xff",
        b"\x30\x80\x06\x09",
        b"\x30\x03\x02\x01\x01",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n",
        b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
    ];
    for body in bodies {
        let detail = decode_detail_of(body);
        assert!(!detail.is_empty());
    }
    assert!(decode_detail_of(b"").contains("empty"));
}

#[test]
fn truncated_pkcs7_is_a_decode_error() {
    let (p7b, _) = cms_pkcs7(&two_cert_chain());
    for cut in [1, 10, p7b.len() / 2, p7b.len() - 1] {
        decode_detail_of(&p7b[..cut]);
    }
}

#[test]
fn html_page_is_a_decode_error_saying_html() {
    let body = b"<!DOCTYPE html>\r\n<html><head><title>401 - Unauthorized</title></head><body>...</body></html>";
    let detail = decode_detail_of(body);
    assert!(detail.contains("HTML"), "{detail}");
    assert!(detail.contains("titled \"401 - Unauthorized\""), "{detail}");
    let detail = decode_detail_of(
        b"<html>\n<body>Microsoft Active Directory Certificate Services</body></html>",
    );
    assert!(detail.contains("HTML"), "{detail}");
}

#[test]
fn decode_chain_error_reads_well() {
    let error = decode_chain(b"<html></html>").expect_err("html");
    assert!(error
        .to_string()
        .starts_with("the response did not return a PKCS#7 certificate chain: got an HTML page"));
}

// ----- URL ------------------------------------------------------------------------------------------

#[test]
fn chain_url_matches_the_deployment_guide() {
    assert_eq!(
        chain_url("ca1.example.test", None, -1, Encoding::B64),
        "http://ca1.example.test/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64"
    );
    assert_eq!(
        chain_url("ca1.example.test", Some(8080), 2, Encoding::Bin),
        "http://ca1.example.test:8080/certsrv/certnew.p7b?ReqID=CACert&Renewal=2&Enc=bin"
    );
}

#[test]
fn encoding_deserializes_from_lowercase_names() {
    use serde::de::value::{Error as DeError, StrDeserializer};
    use serde::de::IntoDeserializer;
    use serde::Deserialize;
    for (name, expected) in [("b64", Encoding::B64), ("bin", Encoding::Bin)] {
        let deserializer: StrDeserializer<'_, DeError> = name.into_deserializer();
        assert_eq!(Encoding::deserialize(deserializer).expect(name), expected);
    }
}

// ----- fetch_chain against a real server ------------------------------------------------------------

type Seen = Arc<Mutex<Vec<String>>>;

/// An axum server on 127.0.0.1:0 answering every request with `respond()`, recording each path+query.
async fn serve<F, Fut>(respond: F) -> (u16, Seen)
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |uri: Uri| {
        let record = record.clone();
        let respond = respond.clone();
        async move {
            record.lock().expect("lock").push(uri.to_string());
            respond().await
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, seen)
}

/// Success paths wait as long as a slow machine may need; only the timeout test is short.
const PATIENT: Duration = Duration::from_secs(30);

fn client_for(port: u16, timeout: Duration) -> reqwest::Client {
    let resolve = ResolveMap::from([(HOST.to_string(), SocketAddr::from(([127, 0, 0, 1], port)))]);
    http_client(&resolve, timeout).expect("client")
}

async fn fetch_from(port: u16) -> (String, Result<Vec<Vec<u8>>, EnrollError>) {
    let url = chain_url(HOST, Some(port), -1, Encoding::B64);
    let result = fetch_chain(&client_for(port, PATIENT), &url).await;
    (url, result)
}

fn assert_saw_the_chain_request(seen: &Seen) {
    assert_eq!(*seen.lock().expect("lock"), vec![EXPECTED_PATH.to_string()]);
}

fn expect_status(result: Result<Vec<Vec<u8>>, EnrollError>, url: &str, code: u16) -> String {
    let error = result.expect_err("expected an HTTP status error");
    let text = error.to_string();
    match error {
        EnrollError::Status {
            url: got,
            status,
            hint,
        } => {
            assert_eq!((got.as_str(), status), (url, code));
            assert!(
                text.starts_with(&format!("HTTP {code} from {url}")),
                "{text}"
            );
            hint
        }
        other => panic!("expected HTTP {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn fetches_a_b64_chain() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    let body = armour("CERTIFICATE", &p7b, "\r\n");
    let (port, seen) =
        serve(move || {
            let body = body.clone();
            async move {
                ([("content-type", "application/x-pkcs7-certificates")], body).into_response()
            }
        })
        .await;
    let (_, result) = fetch_from(port).await;
    assert_eq!(result.expect("chain"), order);
    assert_saw_the_chain_request(&seen);
}

#[tokio::test]
async fn a_url_without_port_uses_the_resolved_port() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    let (port, seen) = serve(move || {
        let p7b = p7b.clone();
        async move { p7b.into_response() }
    })
    .await;
    let url = chain_url(HOST, None, -1, Encoding::B64);
    let result = fetch_chain(&client_for(port, PATIENT), &url).await;
    assert_eq!(result.expect("chain"), order);
    assert_saw_the_chain_request(&seen);
}

#[tokio::test]
async fn a_200_html_page_is_a_decode_error_naming_the_url() {
    let (port, _) = serve(|| async {
        axum::response::Html("<html><head><title>Welcome</title></head></html>").into_response()
    })
    .await;
    let (url, result) = fetch_from(port).await;
    match result {
        Err(EnrollError::Decode { url: got, detail }) => {
            assert_eq!(got, url);
            assert!(
                detail.contains("HTML") && detail.contains("text/html"),
                "{detail}"
            );
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_404_hints_web_enrollment_missing() {
    let (port, seen) = serve(|| async { axum::http::StatusCode::NOT_FOUND.into_response() }).await;
    let (url, result) = fetch_from(port).await;
    let hint = expect_status(result, &url, 404);
    assert!(hint.contains("Web Enrollment not installed"), "{hint}");
    assert_saw_the_chain_request(&seen);
}

#[tokio::test]
async fn a_401_shows_the_challenge() {
    let (port, seen) = serve(|| async {
        (
            axum::http::StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Negotiate")],
            "401 - Unauthorized",
        )
            .into_response()
    })
    .await;
    let (url, result) = fetch_from(port).await;
    let hint = expect_status(result, &url, 401);
    assert!(
        hint.contains("authentication required: WWW-Authenticate: Negotiate"),
        "{hint}"
    );
    assert_saw_the_chain_request(&seen);
}

#[tokio::test]
async fn a_403_hints_https() {
    let (port, _) = serve(|| async { axum::http::StatusCode::FORBIDDEN.into_response() }).await;
    let (url, result) = fetch_from(port).await;
    let hint = expect_status(result, &url, 403);
    assert!(hint.contains("HTTPS required"), "{hint}");
}

#[tokio::test]
async fn a_302_is_reported_not_followed() {
    let (port, seen) = serve(|| async {
        (
            axum::http::StatusCode::FOUND,
            [("location", "https://ca1.example.test/certsrv/certnew.p7b")],
        )
            .into_response()
    })
    .await;
    let (url, result) = fetch_from(port).await;
    let hint = expect_status(result, &url, 302);
    assert!(
        hint.contains("redirect to https://ca1.example.test/certsrv/certnew.p7b"),
        "{hint}"
    );
    assert!(hint.contains("does not follow redirects"), "{hint}");
    assert_saw_the_chain_request(&seen);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (port, _) = serve(|| async {
        std::future::pending::<()>().await;
        "never".into_response()
    })
    .await;
    let url = chain_url(HOST, Some(port), -1, Encoding::B64);
    let result = fetch_chain(&client_for(port, Duration::from_millis(300)), &url).await;
    match result {
        Err(error @ EnrollError::Timeout { .. }) => {
            let text = error.to_string();
            assert!(text.starts_with("timed out after "), "{text}");
            assert!(text.ends_with(&format!(" s waiting for {url}")), "{text}");
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let (url, result) = fetch_from(port).await;
    match result {
        Err(EnrollError::Connect { url: got, detail }) => {
            assert_eq!(got, url);
            assert!(!detail.contains("--resolve"), "{detail}");
        }
        other => panic!("expected Connect, got {other:?}"),
    }
}

#[tokio::test]
async fn a_name_missing_from_resolve_never_reaches_the_system_resolver() {
    let client = http_client(&ResolveMap::new(), PATIENT).expect("client");
    // An .invalid name (RFC 6761): should anything ever ask a real resolver, it cannot resolve.
    let url = chain_url("ca1.example.invalid", Some(80), -1, Encoding::B64);
    match fetch_chain(&client, &url).await {
        Err(error @ EnrollError::Connect { .. }) => {
            let text = error.to_string();
            assert!(
                text.contains("ca1.example.invalid is not in --resolve"),
                "{text}"
            );
        }
        other => panic!("expected Connect, got {other:?}"),
    }
}

#[tokio::test]
async fn resolve_keys_are_case_insensitive() {
    let (p7b, order) = cms_pkcs7(&two_cert_chain());
    let (port, _) = serve(move || {
        let p7b = p7b.clone();
        async move { p7b.into_response() }
    })
    .await;
    let resolve = ResolveMap::from([(
        "CA1.Example.Test".to_string(),
        SocketAddr::from(([127, 0, 0, 1], port)),
    )]);
    let client = http_client(&resolve, PATIENT).expect("client");
    let url = chain_url("CA1.Example.Test", Some(port), -1, Encoding::Bin);
    assert_eq!(fetch_chain(&client, &url).await.expect("chain"), order);
}
