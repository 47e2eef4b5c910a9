//! NTLM on one connection. IIS ties Windows Authentication to the TCP connection: the CHALLENGE
//! it sends answers the NEGOTIATE of that connection only, and an AUTHENTICATE arriving on
//! another one is refused with 401. A pooled HTTP client cannot promise the second leg the first
//! leg's connection — under load reqwest's pool opens a fresh one while the old one is still
//! being returned — so a busy phone or script would fail at random. Here the three legs go out
//! on a single HTTP/1.1 connection of our own (plain HTTP; HTTPS keeps the pooled client).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::http;
use hyper_util::rt::TokioIo;

use super::ResolveMap;

/// Where names go and how long one exchange may take: what the phone's HTTP client knows, needed
/// again because NTLM runs on a connection of its own.
#[derive(Debug, Clone, Copy)]
pub struct Route<'a> {
    pub resolve: &'a ResolveMap,
    pub timeout: Duration,
}

/// An answer larger than this is not what was asked for.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Why the exchange failed, for the caller's error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) text: String,
    pub(crate) timeout: bool,
}

fn failure(text: impl Into<String>) -> Failure {
    Failure {
        text: text.into(),
        timeout: false,
    }
}

/// One HTTP/1.1 connection to the request's host.
pub(crate) struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Connection {
    /// Connects to `url`'s host through `route` (an IP literal needs no mapping).
    pub(crate) async fn open(url: &reqwest::Url, route: Route<'_>) -> Result<Connection, Failure> {
        let address = address(url, route.resolve)?;
        let stream = tokio::time::timeout(route.timeout, tokio::net::TcpStream::connect(address))
            .await
            .map_err(|_| Failure {
                text: format!("connecting to {address} timed out"),
                timeout: true,
            })?
            .map_err(|error| failure(format!("tcp connect error: {error}")))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| failure(format!("HTTP/1.1 handshake: {error}")))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        Ok(Connection { sender, host })
    }

    /// Sends `request` (with `authorization`, if any) and reads the whole answer.
    pub(crate) async fn send(
        &mut self,
        request: &reqwest::Request,
        authorization: Option<&str>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, Failure> {
        let url = request.url();
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let mut builder = http::Request::builder()
            .method(request.method().clone())
            .uri(target)
            .header(http::header::HOST, &self.host);
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        if let Some(authorization) = authorization {
            builder = builder.header(http::header::AUTHORIZATION, authorization);
        }
        let body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .map(Bytes::copy_from_slice)
            .unwrap_or_default();
        let outgoing = builder
            .body(Full::new(body))
            .map_err(|error| failure(format!("cannot build the request: {error}")))?;
        let exchange = async {
            self.sender
                .ready()
                .await
                .map_err(|error| failure(format!("the connection closed: {error}")))?;
            let response = self
                .sender
                .send_request(outgoing)
                .await
                .map_err(|error| failure(format!("the connection closed: {error}")))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|error| failure(format!("reading the answer: {error}")))?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| Failure {
                text: format!("no answer within {:.1} s", timeout.as_secs_f64()),
                timeout: true,
            })?
    }
}

/// The address `url` names: an IP literal as it is, a name through `resolve` (the URL's port
/// wins; without one, the mapping's port, as the pooled client does).
fn address(url: &reqwest::Url, resolve: &ResolveMap) -> Result<SocketAddr, Failure> {
    let host = url
        .host_str()
        .ok_or_else(|| failure(format!("{url} names no host")))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(
            ip,
            url.port_or_known_default().unwrap_or(80),
        ));
    }
    let key = super::normalize_host(host);
    let mapped = resolve
        .iter()
        .find(|(name, _)| super::normalize_host(name) == key)
        .map(|(_, address)| *address)
        .ok_or_else(|| {
            failure(format!(
                "{host} is not in --resolve (the system resolver is never used; add --resolve {host}=ADDRESS:PORT)"
            ))
        })?;
    Ok(match url.port() {
        Some(port) => SocketAddr::new(mapped.ip(), port),
        None => mapped,
    })
}
