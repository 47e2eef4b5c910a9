use super::*;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DnType, IsCa, Issuer, KeyIdMethod, KeyPair, RevokedCertParams, SerialNumber,
};
use time::OffsetDateTime;

const POOL: &str = "pool.example.test";
const CRL_HOST: &str = "crl.example.test";
const ROOT_CRL: &str = "http://crl.example.test/CertEnroll/root.crl";
const ISSUING_CRL: &str = "http://crl.example.test/CertEnroll/issuing.crl";

struct Ca {
    der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
}

fn root(cn: &str) -> Ca {
    let key = KeyPair::generate().expect("key");
    let params = ca_params(cn);
    let der = params.self_signed(&key).expect("self-sign").der().to_vec();
    Ca {
        der,
        issuer: Issuer::new(params, key),
    }
}

fn issuing(parent: &Ca, cn: &str, cdp: &[&str]) -> Ca {
    let key = KeyPair::generate().expect("key");
    let mut params = ca_params(cn);
    params.serial_number = Some(SerialNumber::from(0x5150u64));
    params.crl_distribution_points = distribution(cdp);
    let der = params
        .signed_by(&key, &parent.issuer)
        .expect("sign")
        .der()
        .to_vec();
    Ca {
        der,
        issuer: Issuer::new(params, key),
    }
}

fn distribution(uris: &[&str]) -> Vec<CrlDistributionPoint> {
    if uris.is_empty() {
        return Vec::new();
    }
    vec![CrlDistributionPoint {
        uris: uris.iter().map(|uri| uri.to_string()).collect(),
    }]
}

/// The registrar's leaf (serial 0x1234) with the given CDP URIs.
fn leaf(ca: &Ca, cdp: &[&str]) -> Vec<u8> {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec![POOL.to_owned()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, POOL);
    params.serial_number = Some(SerialNumber::from(0x1234u64));
    params.crl_distribution_points = distribution(cdp);
    params
        .signed_by(&key, &ca.issuer)
        .expect("sign")
        .der()
        .to_vec()
}

/// A CRL by `ca`, valid from `from` to `until` days from now, listing `revoked` serials.
fn crl(ca: &Ca, from: i64, until: i64, revoked: &[u64]) -> Vec<u8> {
    let now = OffsetDateTime::now_utc();
    CertificateRevocationListParams {
        this_update: now + time::Duration::days(from),
        next_update: now + time::Duration::days(until),
        crl_number: SerialNumber::from(7u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|serial| RevokedCertParams {
                serial_number: SerialNumber::from(*serial),
                revocation_time: rcgen::date_time_ymd(2026, 1, 2),
                reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&ca.issuer)
    .expect("crl")
    .der()
    .to_vec()
}

fn fresh(ca: &Ca) -> Vec<u8> {
    crl(ca, -1, 7, &[])
}

fn policy() -> TrustPolicy {
    TrustPolicy {
        supports_sha256: true,
        supports_sha1: true,
        max_rsa_bits: 4096,
        supports_ecdsa: true,
        clock_offset_seconds: 0,
        public_roots: false,
        partial_chain_trust: false,
    }
}

fn now() -> UnixTime {
    UnixTime::now()
}

fn algorithms() -> &'static [&'static dyn SignatureVerificationAlgorithm] {
    rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .all
}

/// The leaf judged as the path's first certificate (issuer: `ca`).
fn leaf_node(ca: &Ca, leaf_der: Vec<u8>) -> PathCertificate {
    let path =
        path_to_check(&[leaf_der], std::slice::from_ref(&ca.der), &policy(), now()).expect("path");
    path[0].clone()
}

// ---- pure pieces ----

#[test]
fn distribution_points_are_read_in_order() {
    let ca = root("Contoso Root CA");
    let ldap = "ldap:///CN=Contoso Root CA,CN=ca1,CN=CDP,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test?certificateRevocationList?base?objectClass=cRLDistributionPoint";
    let der = leaf(&ca, &[ldap, ROOT_CRL]);
    assert_eq!(distribution_points(&der).unwrap(), [ldap, ROOT_CRL]);
    assert!(distribution_points(&leaf(&ca, &[])).unwrap().is_empty());
    assert!(distribution_points(&[0x30, 0x00]).is_err());
}

#[test]
fn the_first_http_url_is_chosen_and_ldap_only_is_unreachable() {
    let subject = "CN=pool.example.test";
    let ldap = "ldap:///CN=Contoso,CN=ca1,CN=CDP,CN=Public Key Services?certificateRevocationList?base?objectClass=cRLDistributionPoint".to_string();
    assert_eq!(
        choose_url(
            subject,
            &[ldap.clone(), ROOT_CRL.into(), ISSUING_CRL.into()]
        )
        .unwrap(),
        ROOT_CRL
    );
    assert_eq!(
        choose_url(subject, &[]).unwrap_err().to_string(),
        "revocation status unknown: certificate \"CN=pool.example.test\" has no CRL distribution point; this firmware hard-fails"
    );
    let only_ldap = choose_url(subject, std::slice::from_ref(&ldap))
        .unwrap_err()
        .to_string();
    assert!(only_ldap.contains(&ldap), "{only_ldap}");
    assert!(only_ldap.contains("not domain-joined"), "{only_ldap}");
    assert!(
        only_ldap.ends_with("this firmware hard-fails"),
        "{only_ldap}"
    );
    let https = choose_url(subject, &["https://crl.example.test/x.crl".into()])
        .unwrap_err()
        .to_string();
    assert!(
        https.contains("no http:// CRL distribution point"),
        "{https}"
    );
}

#[test]
fn unreachable_crls_are_worded_for_the_technician() {
    let url = "http://ca.example.test/CertEnroll/Contoso.crl";
    let refused = EnrollError::Connect {
        url: url.into(),
        detail: "tcp connect error: Connection refused (os error 111)".into(),
    };
    assert_eq!(
        unreachable(url, &refused),
        "revocation status unknown: CRL http://ca.example.test/CertEnroll/Contoso.crl unreachable (connection refused); this firmware hard-fails"
    );
    let missing = EnrollError::Status {
        url: url.into(),
        status: 404,
        hint: " (Web Enrollment not installed?)".into(),
    };
    assert!(unreachable(url, &missing).contains("unreachable (HTTP 404)"));
    let slow = EnrollError::Timeout {
        url: url.into(),
        seconds: 2.0,
    };
    assert!(unreachable(url, &slow).contains("unreachable (timed out after 2.0 s)"));
}

#[test]
fn crls_come_as_der_or_pem() {
    let ca = root("Contoso Root CA");
    let der = fresh(&ca);
    assert_eq!(crl_from_body(&der).unwrap(), der);
    let pem = format!(
        "-----BEGIN X509 CRL-----\r\n{}\r\n-----END X509 CRL-----\r\n",
        base64::engine::general_purpose::STANDARD.encode(&der)
    );
    assert_eq!(crl_from_body(pem.as_bytes()).unwrap(), der);
    let html = crl_from_body(b"<html><title>404</title></html>")
        .unwrap_err()
        .to_string();
    assert!(html.contains("neither DER nor PEM"), "{html}");
    assert!(crl_from_body(&[0xff, 0xfe]).is_err());
    assert!(crl_from_body(b"-----BEGIN X509 CRL-----\n!!!\n").is_err());
}

#[test]
fn a_fresh_crl_not_listing_the_certificate_passes() {
    let ca = root("Contoso Root CA");
    let node = leaf_node(&ca, leaf(&ca, &[ROOT_CRL]));
    let line = judge(&node, ROOT_CRL, &fresh(&ca), now(), algorithms()).unwrap();
    assert!(
        line.contains("\"CN=pool.example.test\": not revoked"),
        "{line}"
    );
    // Other serials listed do not matter.
    assert!(judge(
        &node,
        ROOT_CRL,
        &crl(&ca, -1, 7, &[1, 2, 3]),
        now(),
        algorithms()
    )
    .is_ok());
}

#[test]
fn a_listed_serial_is_revoked() {
    let ca = root("Contoso Root CA");
    let node = leaf_node(&ca, leaf(&ca, &[ROOT_CRL]));
    let reason = judge(
        &node,
        ROOT_CRL,
        &crl(&ca, -1, 7, &[0x1234]),
        now(),
        algorithms(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        reason,
        "certificate \"CN=pool.example.test\" is revoked (CRL http://crl.example.test/CertEnroll/root.crl; revoked 2026-01-02T00:00:00Z, reason keyCompromise)"
    );
}

#[test]
fn an_expired_crl_is_status_unknown() {
    let ca = root("Contoso Root CA");
    let node = leaf_node(&ca, leaf(&ca, &[ROOT_CRL]));
    let reason = judge(
        &node,
        ROOT_CRL,
        &crl(&ca, -30, -1, &[]),
        now(),
        algorithms(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        reason.starts_with(&format!(
            "revocation status unknown: CRL {ROOT_CRL} expired at "
        )),
        "{reason}"
    );
    assert!(reason.contains("phone clock"), "{reason}");
    // A phone whose clock is 10 days behind still finds it fresh.
    let behind = UnixTime::since_unix_epoch(Duration::from_secs(now().as_secs() - 10 * 86_400));
    assert!(judge(
        &node,
        ROOT_CRL,
        &crl(&ca, -30, -1, &[]),
        behind,
        algorithms()
    )
    .is_ok());
    // ... and a CRL issued in its future is not valid yet.
    let early = judge(&node, ROOT_CRL, &crl(&ca, -1, 7, &[]), behind, algorithms())
        .unwrap_err()
        .to_string();
    assert!(early.contains("is not valid before"), "{early}");
}

#[test]
fn a_crl_from_another_key_or_issuer_is_status_unknown() {
    let ca = root("Contoso Root CA");
    let node = leaf_node(&ca, leaf(&ca, &[ROOT_CRL]));
    // Same name, different key (a renewed CA): the signature does not verify.
    let impostor = root("Contoso Root CA");
    let reason = judge(&node, ROOT_CRL, &fresh(&impostor), now(), algorithms())
        .unwrap_err()
        .to_string();
    assert!(reason.contains("signature of CRL"), "{reason}");
    assert!(reason.contains("does not verify"), "{reason}");
    // Another CA's CRL.
    let other = root("Fabrikam Root CA");
    let reason = judge(&node, ROOT_CRL, &fresh(&other), now(), algorithms())
        .unwrap_err()
        .to_string();
    assert!(
        reason.contains("was issued by \"CN=Fabrikam Root CA\", not by \"CN=Contoso Root CA\""),
        "{reason}"
    );
    // Garbage.
    let reason = judge(
        &node,
        ROOT_CRL,
        &[0x30, 0x03, 0x02, 0x01, 0x00],
        now(),
        algorithms(),
    )
    .unwrap_err()
    .to_string();
    assert!(reason.contains("cannot be used"), "{reason}");
}

#[test]
fn the_path_excludes_the_anchor_and_knows_each_issuer_key() {
    let ca = root("Contoso Root CA");
    let sub = issuing(&ca, "Contoso Issuing CA", &[ROOT_CRL]);
    let leaf_der = leaf(&sub, &[ISSUING_CRL]);
    // Presented: leaf + issuing CA; installed: the root.
    let path = path_to_check(
        &[leaf_der.clone(), sub.der.clone()],
        std::slice::from_ref(&ca.der),
        &policy(),
        now(),
    )
    .unwrap();
    let subjects: Vec<&str> = path.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(subjects, ["CN=pool.example.test", "CN=Contoso Issuing CA"]);
    assert_eq!(path[0].issuer, "CN=Contoso Issuing CA");
    assert_eq!(path[1].issuer, "CN=Contoso Root CA");
    // The issuing CA's CRL is verified with the root's key, the leaf's with the issuing CA's.
    assert!(judge(&path[1], ROOT_CRL, &fresh(&ca), now(), algorithms()).is_ok());
    assert!(judge(&path[0], ISSUING_CRL, &fresh(&sub), now(), algorithms()).is_ok());
    // Leaf only presented, issuing CA installed next to the root: same path.
    let installed = [sub.der.clone(), ca.der.clone()];
    let path = path_to_check(
        std::slice::from_ref(&leaf_der),
        &installed,
        &policy(),
        now(),
    )
    .unwrap();
    assert_eq!(path.len(), 2);
    // Nothing anchors it: no path, and the reason says so.
    let other = root("Other Root");
    let reason = path_to_check(&[leaf_der], &[other.der], &policy(), now())
        .unwrap_err()
        .to_string();
    assert!(reason.starts_with("revocation status unknown"), "{reason}");
}

// ---- the whole check against an HTTP server on 127.0.0.1:0 ----

type Routes = Arc<Mutex<BTreeMap<String, Vec<u8>>>>;

/// Serves `routes` (path → body; anything else is 404) and counts requests.
async fn crl_server(routes: Routes, hits: Arc<Mutex<u32>>) -> SocketAddr {
    let router = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let routes = routes.clone();
        let hits = hits.clone();
        async move {
            *hits
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
            let body = routes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(uri.path())
                .cloned();
            match body {
                Some(body) => (axum::http::StatusCode::OK, body),
                None => (axum::http::StatusCode::NOT_FOUND, b"not found".to_vec()),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    address
}

fn client_for(address: SocketAddr) -> reqwest::Client {
    let mut resolve = enroll::ResolveMap::new();
    resolve.insert(CRL_HOST.into(), address);
    enroll::http_client(&resolve, Duration::from_secs(5)).expect("client")
}

struct World {
    root: Ca,
    sub: Ca,
    chain: Vec<Vec<u8>>,
    routes: Routes,
    hits: Arc<Mutex<u32>>,
    client: reqwest::Client,
}

/// Root (installed) → issuing CA (CDP root.crl, presented) → leaf (CDP issuing.crl), both CRLs
/// fresh and served.
async fn world() -> World {
    let root = root("Contoso Root CA");
    let sub = issuing(&root, "Contoso Issuing CA", &[ROOT_CRL]);
    let chain = vec![leaf(&sub, &[ISSUING_CRL]), sub.der.clone()];
    let routes: Routes = Arc::default();
    {
        let mut map = routes.lock().unwrap();
        map.insert("/CertEnroll/root.crl".into(), fresh(&root));
        map.insert("/CertEnroll/issuing.crl".into(), fresh(&sub));
    }
    let hits = Arc::new(Mutex::new(0));
    let address = crl_server(routes.clone(), hits.clone()).await;
    World {
        client: client_for(address),
        root,
        sub,
        chain,
        routes,
        hits,
    }
}

impl World {
    async fn check(&self) -> RevocationCheck {
        check_revocation(
            &self.chain,
            std::slice::from_ref(&self.root.der),
            &policy(),
            &self.client,
            0,
        )
        .await
    }

    fn serve(&self, path: &str, body: Vec<u8>) {
        self.routes.lock().unwrap().insert(path.into(), body);
    }
}

#[tokio::test]
async fn fresh_crls_for_leaf_and_intermediate_pass() {
    let world = world().await;
    let check = world.check().await;
    assert_eq!(check.result, Ok(()), "{:?}", check.lines);
    let text = check.lines.join("\n");
    assert!(text.contains(&format!("GET {ISSUING_CRL}")), "{text}");
    assert!(text.contains(&format!("GET {ROOT_CRL}")), "{text}");
    assert!(text.contains("rustls-webpki: the path verifies"), "{text}");
    assert_eq!(*world.hits.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_revoked_intermediate_is_named() {
    let world = world().await;
    world.serve("/CertEnroll/root.crl", crl(&world.root, -1, 7, &[0x5150]));
    let reason = world.check().await.result.unwrap_err().to_string();
    assert!(
        reason.starts_with("certificate \"CN=Contoso Issuing CA\" is revoked (CRL http://crl.example.test/CertEnroll/root.crl"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_revoked_leaf_is_named() {
    let world = world().await;
    world.serve("/CertEnroll/issuing.crl", crl(&world.sub, -1, 7, &[0x1234]));
    let reason = world.check().await.result.unwrap_err().to_string();
    assert!(
        reason.starts_with(&format!(
            "certificate \"CN=pool.example.test\" is revoked (CRL {ISSUING_CRL}"
        )),
        "{reason}"
    );
}

#[tokio::test]
async fn a_missing_crl_is_http_404_and_status_unknown() {
    let world = world().await;
    world
        .routes
        .lock()
        .unwrap()
        .remove("/CertEnroll/issuing.crl");
    let reason = world.check().await.result.unwrap_err().to_string();
    assert_eq!(
        reason,
        format!("revocation status unknown: CRL {ISSUING_CRL} unreachable (HTTP 404); this firmware hard-fails")
    );
}

#[tokio::test]
async fn a_pem_crl_is_accepted_and_an_expired_one_fails() {
    let world = world().await;
    let pem = format!(
        "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
        base64::engine::general_purpose::STANDARD.encode(fresh(&world.sub))
    );
    world.serve("/CertEnroll/issuing.crl", pem.into_bytes());
    assert_eq!(world.check().await.result, Ok(()));
    world.serve("/CertEnroll/root.crl", crl(&world.root, -30, -2, &[]));
    let reason = world.check().await.result.unwrap_err().to_string();
    assert!(
        reason.starts_with(&format!(
            "revocation status unknown: CRL {ROOT_CRL} expired at"
        )),
        "{reason}"
    );
}

#[tokio::test]
async fn an_unreachable_crl_host_is_connection_refused() {
    let world = world().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let check = check_revocation(
        &world.chain,
        std::slice::from_ref(&world.root.der),
        &policy(),
        &client_for(closed),
        1,
    )
    .await;
    assert_eq!(
        check.result,
        Err(Error::new(ReasonCode::CrlUnreachable, format!("revocation status unknown: CRL {ISSUING_CRL} unreachable (connection refused); this firmware hard-fails")))
    );
}

#[tokio::test]
async fn a_certificate_without_cdp_fails_without_fetching() {
    let world = world().await;
    let bare = leaf(&world.sub, &[]);
    let check = check_revocation(
        &[bare, world.sub.der.clone()],
        std::slice::from_ref(&world.root.der),
        &policy(),
        &world.client,
        0,
    )
    .await;
    assert_eq!(
        check.result,
        Err(Error::new(ReasonCode::NoCrlDistributionPoint, "revocation status unknown: certificate \"CN=pool.example.test\" has no CRL distribution point; this firmware hard-fails"))
    );
    assert_eq!(*world.hits.lock().unwrap(), 0);
}
