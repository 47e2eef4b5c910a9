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

use reqwest::header::{HeaderMap, HeaderName, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;

mod auth;
mod decode;
mod one_connection;
pub use auth::WebCredentials;
use decode::*;
pub use one_connection::Route;

pub use crate::profile::Encoding;

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

/// Builds the HTTP client: no proxy, no system resolver (a custom `reqwest::dns::Resolve` that answers only from
/// `resolve` and fails with a clear "not in --resolve" error otherwise — the machine's resolver must never be
/// used), `timeout` per request, no redirects followed (a phone does not follow them; report the 3xx), rustls
/// (no native-tls), and no automatic retries (the phone tries each host once).
pub fn http_client(
    resolve: &ResolveMap,
    timeout: Duration,
) -> Result<reqwest::Client, EnrollError> {
    http_client_with(resolve, timeout, false)
}

/// Sends the request `build` makes (it is called once per leg: NTLM takes two), authenticated
/// as `credentials` says: what `adpki request` uses for certfnsh.asp and certnew.cer.
pub async fn send_authenticated(
    build: impl Fn() -> reqwest::RequestBuilder,
    credentials: Option<WebCredentials<'_>>,
    route: Route<'_>,
) -> Result<reqwest::Response, String> {
    match auth::send(build, credentials, Some(route)).await {
        auth::Sent::Answer(response) => Ok(response),
        auth::Sent::Failed(error) => Err(error_chain(&error)),
        auth::Sent::FailedOwn(failure) => Err(failure.text),
    }
}

/// Parses `--resolve HOST=ADDR:PORT` entries (like curl's) into the map every name goes through.
pub fn parse_resolve(entries: &[String]) -> Result<ResolveMap, crate::Error> {
    let mut map = ResolveMap::new();
    for entry in entries {
        let (host, address) = entry.split_once('=').ok_or_else(|| {
            crate::Error::usage(format!("--resolve {entry:?}: expected HOST=ADDR:PORT"))
        })?;
        let address: SocketAddr = address.parse().map_err(|_| {
            crate::Error::usage(format!("--resolve {entry:?}: {address:?} is not ADDR:PORT"))
        })?;
        map.insert(host.trim().to_ascii_lowercase(), address);
    }
    Ok(map)
}

/// The phone's HTTP client as `profile` sets it up: names resolved only through `resolve`, the
/// profile's HTTP timeout and redirect policy.
pub fn http_client_for(
    profile: &crate::profile::Profile,
    resolve: &ResolveMap,
) -> Result<reqwest::Client, EnrollError> {
    http_client_with(
        resolve,
        Duration::from_millis(profile.timeouts.http_ms),
        profile.follow_redirects,
    )
}

/// [`http_client`], but following up to 5 redirects when `follow_redirects` (a profile setting:
/// whether the phone follows a redirect, e.g. to HTTPS, is an open question — domain.md §H.3).
pub fn http_client_with(
    resolve: &ResolveMap,
    timeout: Duration,
    follow_redirects: bool,
) -> Result<reqwest::Client, EnrollError> {
    let redirect = if follow_redirects {
        reqwest::redirect::Policy::limited(5)
    } else {
        reqwest::redirect::Policy::none()
    };
    // reqwest 0.13's `rustls` feature brings aws-lc-rs and uses it when no process-wide provider is
    // installed, so nothing needs installing here.
    reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(ResolveOnly::new(resolve))
        .timeout(timeout)
        .redirect(redirect)
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
    let (body, content_type) = fetch_body(client, url, None, None).await?;
    decode_fetched(url, &body, &content_type)
}

/// [`fetch_chain`] with the user's credentials, as HTTP Basic or NTLM, when `credentials` is
/// given (a profile setting: whether the phone authenticates to /certsrv is open — domain.md
/// §H.3; real AD CS answers anonymous requests with 401).
pub async fn fetch_chain_as(
    client: &reqwest::Client,
    url: &str,
    credentials: Option<WebCredentials<'_>>,
    route: Route<'_>,
) -> Result<Vec<Vec<u8>>, EnrollError> {
    let (body, content_type) = fetch_body(client, url, credentials, Some(route)).await?;
    decode_fetched(url, &body, &content_type)
}

/// The chain in a fetched body; a body that is none says its Content-Type.
fn decode_fetched(
    url: &str,
    body: &[u8],
    content_type: &Option<String>,
) -> Result<Vec<Vec<u8>>, EnrollError> {
    decode_detail(body).map_err(|detail| EnrollError::Decode {
        url: url.to_string(),
        detail: with_content_type(detail, content_type),
    })
}

/// GETs `url` and returns the body of a 2xx answer as it is (a CRL, for the revocation check),
/// with the same client rules, errors and 1 MiB limit as the chain download.
pub async fn fetch_bytes(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, EnrollError> {
    fetch_body(client, url, None, None)
        .await
        .map(|(body, _)| body)
}

/// The body of a 2xx answer and its Content-Type.
async fn fetch_body(
    client: &reqwest::Client,
    url: &str,
    credentials: Option<WebCredentials<'_>>,
    route: Option<Route<'_>>,
) -> Result<(Vec<u8>, Option<String>), EnrollError> {
    let started = Instant::now();
    let response = match auth::send(|| client.get(url), credentials, route).await {
        auth::Sent::Answer(response) => response,
        auth::Sent::Failed(error) => return Err(transport_error(url, &error, started)),
        auth::Sent::FailedOwn(failure) if failure.timeout => {
            return Err(EnrollError::Timeout {
                url: url.to_string(),
                seconds: started.elapsed().as_secs_f64(),
            })
        }
        auth::Sent::FailedOwn(failure) => {
            return Err(EnrollError::Connect {
                url: url.to_string(),
                detail: failure.text,
            })
        }
    };
    if let Some(error) = status_error(url, response.status(), response.headers()) {
        return Err(error);
    }
    let content_type = header_values(response.headers(), &CONTENT_TYPE);
    let body = read_body(url, response, started).await?;
    Ok((body, content_type))
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

#[cfg(test)]
mod tests;
