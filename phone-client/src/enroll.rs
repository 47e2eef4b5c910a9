//! The phone's step 2 (domain.md §0 and §C): when Active Directory holds no usable `cACertificate`, the phone
//! asks the AD CS Web Enrollment pages of every pKIEnrollmentService `dNSHostName` for the CA chain:
//! `GET http://<dNSHostName>/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64`, and installs the
//! certificates of the certs-only PKCS#7 it gets back.
//!
//! Everything here is written for the admin reading the failure: every error names the URL and says what to
//! look at (Web Enrollment missing, authentication required, HTTPS enforced, a redirect, an HTML page).
//! Name resolution is deliberately closed: a simulation must never leak to the machine's DNS, so only
//! the `--resolve` map answers.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Header, Reader, SliceReader, Tag, TagNumber, Tagged};
use reqwest::header::{HeaderMap, HeaderName, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;

/// How the phone asks for the chain (a firmware-profile setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `Enc=b64`: what the CPE deployment guide documents; AD CS answers base64 armoured as CERTIFICATE.
    B64,
    /// `Enc=bin`: raw DER ContentInfo.
    Bin,
}

impl Encoding {
    /// The value of the `Enc=` query parameter, as AD CS spells it.
    fn query_value(self) -> &'static str {
        match self {
            Encoding::B64 => "b64",
            Encoding::Bin => "bin",
        }
    }
}

/// Host name → socket address overrides (curl's --resolve); the ONLY way names are resolved.
pub type ResolveMap = BTreeMap<String, SocketAddr>;

/// One error enum for the whole download; each variant names the URL and says what an admin should check.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// The server answered, but not with 2xx. `hint` starts with a space (or is empty) so it reads as a suffix.
    #[error("HTTP {status} from {url}{hint}")]
    Status {
        url: String,
        status: u16,
        hint: String,
    },
    /// The whole request (connect, headers and body) took longer than the client's timeout.
    #[error("timed out after {seconds:.1} s waiting for {url}")]
    Timeout { url: String, seconds: f64 },
    /// No HTTP answer at all: refused, reset, or a host name missing from `--resolve`.
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    /// A 2xx answer whose body is not a certificate chain. From [`decode_chain`] alone, `url` is
    /// [`BODY_WITHOUT_URL`].
    #[error("{url} did not return a PKCS#7 certificate chain: {detail}")]
    Decode { url: String, detail: String },
    /// The client itself could not be built or the URL is unusable.
    #[error("{0}")]
    Client(String),
}

/// What [`decode_chain`] puts in [`EnrollError::Decode::url`], since it only sees bytes.
pub const BODY_WITHOUT_URL: &str = "the response";

/// A CA chain is a few KiB; anything far larger is not what the phone asked for, and a phone has little memory.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// id-signedData (RFC 5652 §5.1): the only PKCS#7 content type that carries a certificate chain.
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// Builds the HTTP client: no proxy, no system resolver (a custom `reqwest::dns::Resolve` that answers only from
/// `resolve` and fails with a clear "not in --resolve" error otherwise — the machine's resolver must never be
/// used), `timeout` per request, no redirects followed (a phone does not follow them; report the 3xx), rustls
/// (no native-tls), and no automatic retries (the phone tries each host once).
pub fn http_client(
    resolve: &ResolveMap,
    timeout: Duration,
) -> Result<reqwest::Client, EnrollError> {
    // reqwest 0.13's `rustls` feature brings aws-lc-rs and uses it when no process-wide provider is
    // installed, so nothing needs installing here.
    reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(ResolveOnly::new(resolve))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .tls_backend_rustls()
        .build()
        .map_err(|e| {
            EnrollError::Client(format!("cannot build the HTTP client: {}", error_chain(&e)))
        })
}

/// The URL the phone requests.
///
/// `port: None` gives the real phone's `http://host/...`; `Some(p)` gives `http://host:p/...` for tests whose
/// server listens on a free port. (reqwest keeps the port of a `--resolve` address when the URL has none, so
/// `None` with `host=127.0.0.1:PORT` also reaches PORT; an explicit port in the URL always wins.)
pub fn chain_url(
    dns_host_name: &str,
    port: Option<u16>,
    renewal: i32,
    encoding: Encoding,
) -> String {
    let authority = match port {
        Some(port) => format!("{dns_host_name}:{port}"),
        None => dns_host_name.to_string(),
    };
    format!(
        "http://{authority}/certsrv/certnew.p7b?ReqID=CACert&Renewal={renewal}&Enc={}",
        encoding.query_value()
    )
}

/// GETs the chain and decodes it. Returns DER certificates in the order the PKCS#7 holds them.
pub async fn fetch_chain(client: &reqwest::Client, url: &str) -> Result<Vec<Vec<u8>>, EnrollError> {
    let started = Instant::now();
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| transport_error(url, &e, started))?;
    if let Some(error) = status_error(url, response.status(), response.headers()) {
        return Err(error);
    }
    let content_type = header_values(response.headers(), &CONTENT_TYPE);
    let body = read_body(url, response, started).await?;
    decode_detail(&body).map_err(|detail| EnrollError::Decode {
        url: url.to_string(),
        detail: with_content_type(detail, &content_type),
    })
}

/// Decodes a certs-only PKCS#7 SignedData in every form seen in the field: DER (`Enc=bin`), base64 armoured with
/// `-----BEGIN CERTIFICATE-----` (what real AD CS sends for `Enc=b64`), with `-----BEGIN PKCS7-----`, or bare
/// base64; CRLF or LF; whitespace anywhere in the base64. Also accepts a single PEM/DER X.509 certificate
/// (certnew.cer) as a one-element chain, and several PEM blocks one after the other (their certificates in turn).
pub fn decode_chain(body: &[u8]) -> Result<Vec<Vec<u8>>, EnrollError> {
    decode_detail(body).map_err(|detail| EnrollError::Decode {
        url: BODY_WITHOUT_URL.to_string(),
        detail,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Name resolution: only the --resolve map.

/// The resolver handed to reqwest, so that a name missing from `--resolve` fails loudly instead of quietly
/// reaching whatever the machine's DNS says about `ca1.example.test`.
struct ResolveOnly {
    /// Keys lower-cased without a trailing dot: AD's `dNSHostName` may be mixed case, URLs are lower case.
    map: BTreeMap<String, SocketAddr>,
}

impl ResolveOnly {
    fn new(resolve: &ResolveMap) -> Self {
        let map = resolve
            .iter()
            .map(|(name, addr)| (normalize_host(name), *addr))
            .collect();
        ResolveOnly { map }
    }
}

fn normalize_host(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl reqwest::dns::Resolve for ResolveOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let found = self.map.get(&normalize_host(name.as_str())).copied();
        let host = name.as_str().to_string();
        Box::pin(async move {
            match found {
                Some(addr) => Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs),
                None => {
                    Err(Box::new(NotInResolve(host)) as Box<dyn std::error::Error + Send + Sync>)
                }
            }
        })
    }
}

/// The resolver's only error: the name is not mapped.
#[derive(Debug)]
struct NotInResolve(String);

impl fmt::Display for NotInResolve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{0} is not in --resolve (the system resolver is never used; add --resolve {0}=ADDRESS:PORT)",
            self.0
        )
    }
}

impl std::error::Error for NotInResolve {}

// ---------------------------------------------------------------------------------------------------------
// HTTP: status codes, transport errors, the body.

/// `None` for a 2xx answer; otherwise the error with the hint an admin needs.
fn status_error(url: &str, status: StatusCode, headers: &HeaderMap) -> Option<EnrollError> {
    if status.is_success() {
        return None;
    }
    Some(EnrollError::Status {
        url: url.to_string(),
        status: status.as_u16(),
        hint: status_hint(status, headers),
    })
}

/// The likely cause of each status, as seen on AD CS/IIS.
fn status_hint(status: StatusCode, headers: &HeaderMap) -> String {
    match status.as_u16() {
        300..=399 => match header_values(headers, &LOCATION).as_deref() {
            Some(location) => {
                format!(" (redirect to {location}; the phone does not follow redirects)")
            }
            None => " (redirect without Location; the phone does not follow redirects)".to_string(),
        },
        401 => match header_values(headers, &WWW_AUTHENTICATE) {
            Some(challenges) => {
                format!(" (authentication required: WWW-Authenticate: {challenges})")
            }
            None => " (authentication required; no WWW-Authenticate header)".to_string(),
        },
        403 => " (HTTPS required? IIS answers 403 when /certsrv enforces SSL)".to_string(),
        404 => " (Web Enrollment not installed?)".to_string(),
        _ => status
            .canonical_reason()
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default(),
    }
}

/// All values of one header joined with ", " (a 401 often carries both `Negotiate` and `NTLM`).
fn header_values(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Sorts a reqwest failure into timeout, unusable URL, or "no HTTP answer".
fn transport_error(url: &str, error: &reqwest::Error, started: Instant) -> EnrollError {
    if error.is_timeout() {
        EnrollError::Timeout {
            url: url.to_string(),
            seconds: started.elapsed().as_secs_f64(),
        }
    } else if error.is_builder() {
        EnrollError::Client(format!("cannot request {url}: {}", error_chain(error)))
    } else {
        EnrollError::Connect {
            url: url.to_string(),
            detail: connect_detail(error),
        }
    }
}

/// The useful part of a transport error: its causes ("tcp connect error: Connection refused"), without
/// reqwest's own "error sending request for url (…)" (the URL is already in the message) nor hyper's
/// "client error (Connect)".
fn connect_detail(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        let generic = text.starts_with("client error (");
        if !generic && parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

/// An error and all its causes on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Reads the body chunk by chunk so a misbehaving server cannot make the phone buffer without bound.
async fn read_body(
    url: &str,
    mut response: reqwest::Response,
    started: Instant,
) -> Result<Vec<u8>, EnrollError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(url, &e, started))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(EnrollError::Decode {
                url: url.to_string(),
                detail: format!(
                    "the body is larger than {} KiB, far more than any CA chain",
                    MAX_BODY_BYTES / 1024
                ),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The Content-Type is worth showing only when it is not one AD CS sends for a chain.
fn with_content_type(detail: String, content_type: &Option<String>) -> String {
    match content_type {
        Some(ct) if !ct.contains("pkcs7") && !ct.contains("pkix-cert") => {
            format!("{detail} (Content-Type: {ct})")
        }
        _ => detail,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Decoding: text wrappers first, then DER.

/// [`decode_chain`] with the bare reason as the error.
fn decode_detail(body: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the body is empty".to_string());
    }
    if body.first() == Some(&0x30) {
        return certs_from_der(body);
    }
    let text = std::str::from_utf8(body).map_err(|_| {
        format!(
            "the body is neither DER (it starts with byte 0x{:02x}, not 0x30) nor base64 text",
            body.first().copied().unwrap_or_default()
        )
    })?;
    if let Some(title) = html_title(text) {
        return Err(format!(
            "got an HTML page{title} instead of a certificate chain (an error or login page?)"
        ));
    }
    if text.contains("-----BEGIN ") {
        return certs_from_pem(text);
    }
    let der = base64_decode(text).map_err(|e| {
        format!(
            "neither DER, PEM nor base64 ({e}); it starts with {}",
            snippet(text)
        )
    })?;
    certs_from_der(&der)
}

/// `Some(" titled \"…\"")` (or `Some("")` without a title) when the text is an HTML page: IIS error pages,
/// login forms and the certsrv pages themselves are what a misconfigured server returns instead of a chain.
fn html_title(text: &str) -> Option<String> {
    let head: String = text.trim_start().chars().take(2048).collect();
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` slice `head`.
    let lower = head.to_ascii_lowercase();
    let is_html = lower.starts_with('<')
        && ["<html", "<!doctype html", "<head", "<body"]
            .iter()
            .any(|marker| lower.contains(marker));
    if !is_html {
        return None;
    }
    let title = lower
        .find("<title>")
        .map(|start| start + "<title>".len())
        .and_then(|start| {
            lower[start..]
                .find("</title>")
                .map(|len| &head[start..start + len])
        })
        .map(|title| title.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|title| !title.is_empty())
        .map(|title| {
            format!(
                " titled \"{}\"",
                title.chars().take(100).collect::<String>()
            )
        });
    Some(title.unwrap_or_default())
}

/// The first characters of an unrecognised body, escaped, for the error message.
fn snippet(text: &str) -> String {
    let start: String = text.trim_start().chars().take(40).collect();
    format!("\"{}\"", start.escape_debug())
}

/// Base64 as found in the field: whitespace anywhere, padding present or not.
fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    LENIENT.decode(compact)
}

/// One `-----BEGIN X-----` … `-----END Y-----` block.
struct PemBlock<'a> {
    label: &'a str,
    body: &'a str,
}

/// The certificates of every PEM block in turn. The label is not trusted: AD CS armours a PKCS#7 as
/// `CERTIFICATE`, so each block's DER is sniffed instead.
fn certs_from_pem(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut certs = Vec::new();
    for block in pem_blocks(text)? {
        let der = base64_decode(&strip_pem_headers(block.body))
            .map_err(|e| format!("the {} block is not valid base64: {e}", block.label))?;
        let found = certs_from_der(&der).map_err(|e| format!("the {} block: {e}", block.label))?;
        certs.extend(found);
    }
    Ok(certs)
}

/// Splits PEM text into blocks. The END label is not required to match the BEGIN label; some tools get it wrong
/// and the content is sniffed anyway.
fn pem_blocks(text: &str) -> Result<Vec<PemBlock<'_>>, String> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    const DASHES: &str = "-----";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after_begin = &rest[start + BEGIN.len()..];
        let label_len = after_begin
            .find(DASHES)
            .ok_or("a -----BEGIN line is not terminated by -----")?;
        let label = after_begin[..label_len].trim();
        let inside = &after_begin[label_len + DASHES.len()..];
        let body_len = inside
            .find(END)
            .ok_or_else(|| format!("-----BEGIN {label}----- has no -----END line"))?;
        blocks.push(PemBlock {
            label,
            body: &inside[..body_len],
        });
        let after_end = &inside[body_len + END.len()..];
        rest = after_end
            .find(DASHES)
            .map_or("", |end| &after_end[end + DASHES.len()..]);
    }
    if blocks.is_empty() {
        return Err("no complete -----BEGIN … -----END block".to_string());
    }
    Ok(blocks)
}

/// Drops RFC 1421 header lines (`Proc-Type: …`) that some tools put inside a PEM block.
fn strip_pem_headers(body: &str) -> String {
    body.lines().filter(|line| !line.contains(':')).collect()
}

/// What a DER blob is, judged by the first element inside its outer SEQUENCE.
enum DerKind {
    /// OBJECT IDENTIFIER first: a PKCS#7 ContentInfo.
    ContentInfo,
    /// SEQUENCE first (the tbsCertificate): an X.509 certificate.
    Certificate,
}

fn certs_from_der(der: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    match sniff_der(der)? {
        DerKind::ContentInfo => certs_from_content_info(der),
        DerKind::Certificate => {
            check_certificate(der, 1)?;
            Ok(vec![der.to_vec()])
        }
    }
}

fn sniff_der(der: &[u8]) -> Result<DerKind, String> {
    let malformed =
        |e: der::Error| format!("malformed DER ({e}; BER indefinite lengths are not accepted)");
    let mut reader = SliceReader::new(der).map_err(malformed)?;
    let outer = Header::decode(&mut reader).map_err(malformed)?;
    if outer.tag != Tag::Sequence {
        return Err(format!("expected a DER SEQUENCE, found {}", outer.tag));
    }
    match reader.peek_tag().map_err(malformed)? {
        Tag::ObjectIdentifier => Ok(DerKind::ContentInfo),
        Tag::Sequence => Ok(DerKind::Certificate),
        other => Err(format!(
            "a DER SEQUENCE that is neither a PKCS#7 ContentInfo nor an X.509 certificate (first element: {other})"
        )),
    }
}

/// ContentInfo → SignedData → its certificates, in the order the SignedData holds them.
fn certs_from_content_info(der: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let content_info = cms::content_info::ContentInfo::from_der(der)
        .map_err(|e| format!("malformed PKCS#7 ContentInfo: {e}"))?;
    if content_info.content_type != ID_SIGNED_DATA {
        return Err(format!(
            "the PKCS#7 content type is {}, not signedData ({ID_SIGNED_DATA})",
            content_info.content_type
        ));
    }
    if content_info.content.tag() != Tag::Sequence {
        return Err("the PKCS#7 signedData content is not a SEQUENCE".to_string());
    }
    signed_data_certificates(content_info.content.value())
}

/// Walks SignedData by hand instead of using `cms::signed_data::SignedData`: the `der` crate decodes a SET OF
/// by sorting it (losing the order the CA wrote) and rejects duplicate certificates, and the phone needs neither
/// the signer infos nor the CRLs of a certs-only bundle.
fn signed_data_certificates(signed_data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let malformed = |e: der::Error| format!("malformed PKCS#7 SignedData: {e}");
    let mut reader = SliceReader::new(signed_data).map_err(malformed)?;
    for (field, tag) in [
        ("version", Tag::Integer),
        ("digestAlgorithms", Tag::Set),
        ("encapContentInfo", Tag::Sequence),
    ] {
        let element: AnyRef<'_> = reader.decode().map_err(malformed)?;
        if element.tag() != tag {
            return Err(format!(
                "malformed PKCS#7 SignedData: {field} is {}, expected {tag}",
                element.tag()
            ));
        }
    }
    let certificates_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N0,
    };
    if reader.is_finished() || reader.peek_tag().map_err(malformed)? != certificates_tag {
        return Err("the PKCS#7 SignedData holds no certificates".to_string());
    }
    let header = Header::decode(&mut reader).map_err(malformed)?;
    let set = reader.read_slice(header.length).map_err(malformed)?;
    certificate_choices(set)
}

/// The X.509 members of a CertificateSet, in order. Attribute and other certificate choices are skipped: the
/// phone only installs X.509 certificates.
fn certificate_choices(set: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let malformed = |e: der::Error| format!("malformed PKCS#7 certificate set: {e}");
    let mut reader = SliceReader::new(set).map_err(malformed)?;
    let mut certs = Vec::new();
    let mut others = 0usize;
    while !reader.is_finished() {
        let tag = reader.peek_tag().map_err(malformed)?;
        let tlv = reader.tlv_bytes().map_err(malformed)?;
        if tag == Tag::Sequence {
            check_certificate(tlv, certs.len() + 1)?;
            certs.push(tlv.to_vec());
        } else {
            others += 1;
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "the PKCS#7 SignedData holds no X.509 certificates ({others} of other kinds)"
        ));
    }
    Ok(certs)
}

/// Rejects what is not a well-formed X.509 certificate now, so the caller never installs garbage.
fn check_certificate(der: &[u8], position: usize) -> Result<(), String> {
    x509_cert::Certificate::from_der(der)
        .map(|_| ())
        .map_err(|e| format!("certificate #{position} is not a valid X.509 certificate: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
                CertificateChoices::Certificate(
                    x509_cert::Certificate::from_der(der).expect("cert"),
                )
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
        assert!(error.to_string().starts_with(
            "the response did not return a PKCS#7 certificate chain: got an HTML page"
        ));
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

    fn client_for(port: u16) -> reqwest::Client {
        let resolve =
            ResolveMap::from([(HOST.to_string(), SocketAddr::from(([127, 0, 0, 1], port)))]);
        http_client(&resolve, Duration::from_millis(300)).expect("client")
    }

    async fn fetch_from(port: u16) -> (String, Result<Vec<Vec<u8>>, EnrollError>) {
        let url = chain_url(HOST, Some(port), -1, Encoding::B64);
        let result = fetch_chain(&client_for(port), &url).await;
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
        let result = fetch_chain(&client_for(port), &url).await;
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
        let (port, seen) =
            serve(|| async { axum::http::StatusCode::NOT_FOUND.into_response() }).await;
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
    async fn a_slow_server_times_out() {
        let (port, _) = serve(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "too late".into_response()
        })
        .await;
        let (url, result) = fetch_from(port).await;
        match result {
            Err(error @ EnrollError::Timeout { .. }) => {
                let text = error.to_string();
                assert!(text.starts_with("timed out after "), "{text}");
                assert!(text.ends_with(&format!(" s waiting for {url}")), "{text}");
                if let EnrollError::Timeout { seconds, .. } = error {
                    assert!((0.25..5.0).contains(&seconds), "{seconds}");
                }
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
        let client = http_client(&ResolveMap::new(), Duration::from_millis(300)).expect("client");
        let url = chain_url(HOST, Some(80), -1, Encoding::B64);
        match fetch_chain(&client, &url).await {
            Err(error @ EnrollError::Connect { .. }) => {
                let text = error.to_string();
                assert!(
                    text.contains("ca1.example.test is not in --resolve"),
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
        let client = http_client(&resolve, Duration::from_millis(300)).expect("client");
        let url = chain_url("CA1.Example.Test", Some(port), -1, Encoding::Bin);
        assert_eq!(fetch_chain(&client, &url).await.expect("chain"), order);
    }
}
