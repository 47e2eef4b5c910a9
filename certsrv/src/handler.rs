//! One HTTP request in, one answer out: the behaviour decides first (IIS refuses before ASP
//! runs), then the page. Every failure is an HTML page with the status IIS or the certsrv ASP
//! pages would give; nothing a client sends can make the handler panic.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::behaviour::{Behaviour, WrongContent};
use crate::ca::{self, CaGeneration};
use crate::directory::Directory;
use crate::pages::{self, CaError};
use crate::request::{self, CaCertQuery, Encoding, Page, QueryError};
use crate::{auth, pkcs7};

const PKCS7: &str = "application/x-pkcs7-certificates";
const CERTIFICATE: &str = "application/pkix-cert";
const HTML: &str = "text/html";
/// The largest certfnsh.asp form read; a bigger one reads as empty and is denied.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// What every request handler shares.
pub(crate) struct CertsrvState {
    /// The scenario's generations; `None`: read them from the directory at each request.
    pub(crate) generations: Option<Arc<[CaGeneration]>>,
    pub(crate) behaviour: Behaviour,
    /// Where certificates come from without configured generations, and who checks Basic
    /// credentials.
    pub(crate) directory: Option<Arc<dyn Directory>>,
    /// The host IIS answers for: the Basic realm when a request has no `Host`.
    pub(crate) host_name: String,
    /// The CA's name on the pages when it has no certificate.
    pub(crate) ca_name: String,
    /// Requests arrive over HTTPS (then `https-required` is satisfied).
    pub(crate) secure: bool,
    /// NTLM logons between their two legs, by client connection.
    pub(crate) pending_ntlm: crate::windows_auth::Pending,
    /// Becomes `true` when the server shuts down (cuts `slow` delays short).
    pub(crate) shutdown: watch::Receiver<bool>,
    /// certfnsh.asp's requests and the certificates issued.
    pub(crate) enrollment: crate::enroll::Enrollment,
}

impl CertsrvState {
    fn generations(&self) -> Vec<CaGeneration> {
        match (&self.generations, &self.directory) {
            (Some(generations), _) => generations.to_vec(),
            (None, Some(directory)) => ca::from_directory(directory.as_ref()),
            (None, None) => Vec::new(),
        }
    }

    /// Waits `delay`, or less if the server is shutting down.
    async fn pause(&self, delay: std::time::Duration) {
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
    }
}

/// An answer before it becomes HTTP; `note` explains it in the access log.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(HeaderName, String)>,
    pub(crate) note: String,
}

impl Reply {
    fn new(status: StatusCode, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
            note: String::new(),
        }
    }

    fn html(status: StatusCode, body: String) -> Reply {
        Reply::new(status, HTML, body)
    }

    fn noted(mut self, note: impl Into<String>) -> Reply {
        self.note = note.into();
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(
            header::SERVER,
            HeaderValue::from_static("Microsoft-IIS/10.0"),
        );
        headers.insert(
            HeaderName::from_static("x-powered-by"),
            HeaderValue::from_static("ASP.NET"),
        );
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        response
    }
}

/// The axum handler: applies `slow`, answers, writes the access-log line.
pub(crate) async fn handle(State(state): State<Arc<CertsrvState>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    if let Behaviour::Slow(delay) = state.behaviour {
        state.pause(delay).await;
    }
    // Only certfnsh.asp reads a body: a PKCS#10 request is a few KiB.
    let body = if parts.method == Method::POST {
        axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .unwrap_or_default()
    } else {
        axum::body::Bytes::new()
    };
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<crate::serve::PeerAddr>>()
        .map(|info| info.0 .0);
    let reply = respond(
        &state,
        &parts.method,
        &parts.uri,
        &parts.headers,
        peer,
        &body,
    );
    tracing::info!(
        target: "certsrv",
        method = %parts.method,
        path = parts.uri.path(),
        query = parts.uri.query().unwrap_or_default(),
        status = reply.status.as_u16(),
        bytes = reply.body.len(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        note = %reply.note,
    );
    reply.into_response()
}

/// The answer to one request.
pub(crate) fn respond(
    state: &CertsrvState,
    method: &Method,
    uri: &Uri,
    headers: &axum::http::HeaderMap,
    peer: Option<std::net::SocketAddr>,
    body: &[u8],
) -> Reply {
    let page = request::page(uri.path());
    if page == Page::Outside {
        return Reply::html(StatusCode::NOT_FOUND, pages::not_found());
    }
    let mut account = None;
    match state.behaviour {
        Behaviour::NotInstalled => {
            return Reply::html(StatusCode::NOT_FOUND, pages::not_found())
                .noted("web enrollment not installed")
        }
        Behaviour::HttpsRequired if !state.secure => {
            return Reply::html(StatusCode::FORBIDDEN, pages::ssl_required()).noted("403.4")
        }
        Behaviour::Basic | Behaviour::Windows => {
            let basic_allowed = state.behaviour == Behaviour::Basic;
            match authenticate(state, headers, peer, basic_allowed) {
                Ok(signed_in) => account = Some(signed_in),
                Err(reply) => return reply,
            }
        }
        _ => {}
    }
    if page == Page::OtherInCertsrv {
        return Reply::html(StatusCode::NOT_FOUND, pages::not_found());
    }
    if page == Page::CertFnsh {
        // The ASP page knows who asks: an anonymous site still authenticates enrollment.
        let account = match account {
            Some(account) => account,
            None => match authenticate(state, headers, peer, true) {
                Ok(account) => account,
                Err(reply) => return reply,
            },
        };
        return certfnsh(state, method, &account, body);
    }
    if method != Method::GET && method != Method::HEAD {
        let mut reply = Reply::html(StatusCode::METHOD_NOT_ALLOWED, pages::method_not_allowed());
        reply.headers.push((header::ALLOW, "GET, HEAD".to_string()));
        return reply;
    }
    let generations = state.generations();
    let subjects: Vec<String> = generations
        .iter()
        .map(|generation| ca::subject(&generation.certificate).unwrap_or_default())
        .collect();
    let ca_name = match subjects.last() {
        Some(subject) => ca::common_name(subject),
        None => state.ca_name.clone(),
    };
    match page {
        Page::Welcome => Reply::html(StatusCode::OK, pages::welcome(&ca_name)),
        Page::CertCarc if generations.is_empty() => ca_error(&ca_name, CaError::Unavailable),
        Page::CertCarc => Reply::html(StatusCode::OK, pages::certcarc(&ca_name, &subjects)),
        Page::ChainP7b | Page::CertificateCer => {
            certnew(state, page, uri.query(), &generations, &ca_name)
        }
        Page::OtherInCertsrv | Page::Outside | Page::CertFnsh => {
            Reply::html(StatusCode::NOT_FOUND, pages::not_found())
        }
    }
}

/// IIS's authentication: NTLM/Negotiate (a challenge leg answers 401 with the CHALLENGE), or
/// Basic when `basic_allowed`. The account (`DOMAIN\\user`), or the 401 to send.
fn authenticate(
    state: &CertsrvState,
    headers: &axum::http::HeaderMap,
    peer: Option<std::net::SocketAddr>,
    basic_allowed: bool,
) -> Result<String, Reply> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let windows = crate::windows_auth::scheme(authorization);
    let authenticated = match (&state.directory, windows, peer) {
        (Some(directory), Some((scheme, token)), Some(peer)) => {
            use crate::windows_auth::Step;
            match state
                .pending_ntlm
                .step(directory.as_ref(), peer, scheme, &token)
            {
                Step::Authenticated(account) => Ok(account),
                Step::Challenge(value) => {
                    let mut reply = Reply::html(StatusCode::UNAUTHORIZED, pages::unauthorized());
                    reply.headers = vec![(header::WWW_AUTHENTICATE, value)];
                    return Err(reply.noted(format!("{scheme} challenge")));
                }
                Step::Refused(why) => Err(why),
            }
        }
        (Some(directory), _, _) if basic_allowed => {
            auth::authenticate(directory.as_ref(), authorization)
                .map_err(|failure| failure.to_string())
        }
        (Some(_), _, _) => Err("Windows Authentication required".to_string()),
        (None, _, _) => Err("no directory to check credentials against".to_string()),
    };
    authenticated.map_err(|failure| {
        let host = headers.get(header::HOST).map(HeaderValue::as_bytes);
        let realm = auth::realm(host, &state.host_name);
        unauthorized(basic_allowed.then_some(realm.as_str())).noted(failure)
    })
}

/// certfnsh.asp: the request judged by the CA's policy, answered with the page AD CS shows.
fn certfnsh(state: &CertsrvState, method: &Method, account: &str, body: &[u8]) -> Reply {
    if method != Method::POST {
        let mut reply = Reply::html(StatusCode::METHOD_NOT_ALLOWED, pages::method_not_allowed());
        reply.headers.push((header::ALLOW, "POST".to_string()));
        return reply;
    }
    let generations = state.generations();
    let current = generations.last();
    let ca_name = current
        .and_then(|generation| ca::subject(&generation.certificate).ok())
        .map_or_else(
            || state.ca_name.clone(),
            |subject| ca::common_name(&subject),
        );
    let form = crate::enroll::parse_form(body);
    let policy = crate::enroll::Policy {
        directory: state.directory.as_deref(),
        host: &state.host_name,
        ca: current,
        account,
    };
    use crate::enroll::Outcome;
    match state.enrollment.submit(&form, &policy) {
        Outcome::Issued(id) => Reply::html(StatusCode::OK, pages::certificate_issued(&ca_name, id))
            .noted(format!("issued request {id} for {account}")),
        Outcome::Pending(id) => {
            Reply::html(StatusCode::OK, pages::certificate_pending(&ca_name, id))
                .noted(format!("request {id} pending"))
        }
        Outcome::Denied { id, message } => Reply::html(
            StatusCode::OK,
            pages::certificate_denied(&ca_name, id, &message),
        )
        .noted(format!("denied: {message}")),
    }
}

/// certnew.p7b / certnew.cer.
fn certnew(
    state: &CertsrvState,
    page: Page,
    query: Option<&str>,
    generations: &[CaGeneration],
    ca_name: &str,
) -> Reply {
    let content_type = if page == Page::ChainP7b {
        PKCS7
    } else {
        CERTIFICATE
    };
    if let Behaviour::WrongContent(kind) = state.behaviour {
        return Reply::new(StatusCode::OK, content_type, wrong_body(kind, ca_name))
            .noted(format!("wrong content: {}", state.behaviour));
    }
    if generations.is_empty() {
        return ca_error(ca_name, CaError::Unavailable).noted("the CA has no certificate");
    }
    let query = CaCertQuery::parse(query);
    let index = query
        .renewal()
        .and_then(|renewal| request::resolve(renewal, generations.len()));
    let generation = match index.map(|index| generations.get(index)) {
        Ok(Some(generation)) => generation,
        Ok(None) => return ca_error(ca_name, CaError::Unavailable),
        Err(QueryError::NotCaCert(Some(id))) if id.parse::<u32>().is_ok() => {
            return issued(state, page, &query, &id, generations, ca_name)
        }
        Err(QueryError::NotCaCert(id)) => {
            return ca_error(ca_name, CaError::NotFound).noted(format!("ReqID {id:?}"))
        }
        Err(error) => {
            return ca_error(ca_name, CaError::InvalidParameter).noted(format!("{error:?}"))
        }
    };
    let der = if page == Page::ChainP7b {
        match pkcs7::certs_only(&generation.chain_in_order()) {
            Ok(der) => der,
            Err(error) => {
                return ca_error(ca_name, CaError::BadCertificate).noted(error.to_string())
            }
        }
    } else {
        generation.certificate.clone()
    };
    let body = match query.encoding() {
        Encoding::Base64 => pkcs7::armour(&der).into_bytes(),
        Encoding::Binary => der,
    };
    Reply::new(StatusCode::OK, content_type, body)
}

/// `certnew.cer?ReqID=N` (the issued certificate) or `certnew.p7b?ReqID=N` (it and the CA's
/// chain); a request that was not issued (pending, denied, unknown) gets the not-found page.
fn issued(
    state: &CertsrvState,
    page: Page,
    query: &CaCertQuery,
    id: &str,
    generations: &[CaGeneration],
    ca_name: &str,
) -> Reply {
    let Some(certificate) = id
        .parse::<u32>()
        .ok()
        .and_then(|id| state.enrollment.issued(id))
    else {
        return ca_error(ca_name, CaError::NotFound).noted(format!("ReqID {id}: not issued"));
    };
    let (content_type, der) = if page == Page::ChainP7b {
        let mut chain: Vec<&[u8]> = vec![certificate.as_slice()];
        if let Some(current) = generations.last() {
            chain.extend(current.chain_in_order());
        }
        match pkcs7::certs_only(&chain) {
            Ok(der) => (PKCS7, der),
            Err(error) => {
                return ca_error(ca_name, CaError::BadCertificate).noted(error.to_string())
            }
        }
    } else {
        (CERTIFICATE, certificate)
    };
    let body = match query.encoding() {
        Encoding::Base64 => pkcs7::armour(&der).into_bytes(),
        Encoding::Binary => der,
    };
    Reply::new(StatusCode::OK, content_type, body).noted(format!("issued certificate {id}"))
}

/// The certsrv error page, which the ASP pages send with 200.
fn ca_error(ca_name: &str, error: CaError) -> Reply {
    Reply::html(StatusCode::OK, pages::ca_error(ca_name, error)).noted(format!("{error:?}"))
}

/// 401 with the challenges IIS sends when Windows and Basic authentication are enabled.
/// IIS's 401: Windows Authentication's schemes, and Basic with its realm when enabled.
fn unauthorized(basic_realm: Option<&str>) -> Reply {
    let mut reply = Reply::html(StatusCode::UNAUTHORIZED, pages::unauthorized());
    let challenge = header::WWW_AUTHENTICATE;
    reply.headers = vec![
        (challenge.clone(), "Negotiate".to_string()),
        (challenge.clone(), "NTLM".to_string()),
    ];
    if let Some(realm) = basic_realm {
        reply
            .headers
            .push((challenge, format!("Basic realm=\"{realm}\"")));
    }
    reply
}

/// A body that is no certificate (see [`WrongContent`]).
fn wrong_body(kind: WrongContent, ca_name: &str) -> Vec<u8> {
    match kind {
        WrongContent::Html => pages::ca_error(ca_name, CaError::Unavailable).into_bytes(),
        WrongContent::Garbage => random_bytes(700),
        WrongContent::Empty => Vec::new(),
        WrongContent::PemGarbage => pkcs7::armour(&random_bytes(700)).into_bytes(),
    }
}

/// Random bytes that do not start like DER (0x30), so no reader mistakes them for a SEQUENCE.
fn random_bytes(count: usize) -> Vec<u8> {
    use rand::Rng as _;
    let mut bytes = vec![0u8; count];
    rand::rng().fill(bytes.as_mut_slice());
    if let Some(first) = bytes.first_mut() {
        if *first == 0x30 {
            *first = 0xA5;
        }
    }
    bytes
}
