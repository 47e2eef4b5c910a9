//! A plain HTTP server on loopback for what a CA's IIS serves besides /certsrv: CRLs under
//! `/CertEnroll/` (the default http CDP, domain.md §C) and any other fixed file a scenario
//! needs. Requests are matched on host and path; everything else is 404.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use tokio::task::JoinHandle;

/// `(lower-case host, path)` → (content type, body).
pub type Files = BTreeMap<(String, String), (&'static str, Vec<u8>)>;

/// Splits `http(s)://host[:port]/path` into (host, path).
pub fn host_and_path(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    Some((host.to_ascii_lowercase(), path.to_string()))
}

async fn serve(State(files): State<Arc<Files>>, headers: HeaderMap, uri: Uri) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .rsplit_once(':')
                .map_or(value, |(host, _)| host)
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let found = files.get(&(host, uri.path().to_string()));
    let response = match found {
        Some((content_type, body)) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, *content_type)
            .body(Body::from(body.clone())),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from(
                "<html><body><h1>404 - File or directory not found.</h1></body></html>",
            )),
    };
    response.unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Serves `files` on 127.0.0.1:0 until the task is aborted.
pub async fn start(files: Files) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = ad_common::listener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let address = listener.local_addr()?;
    let app = axum::Router::new()
        .fallback(serve)
        .with_state(Arc::new(files));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((address, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_and_path() {
        assert_eq!(
            host_and_path("http://CA.example.test/CertEnroll/root.crl"),
            Some(("ca.example.test".into(), "/CertEnroll/root.crl".into()))
        );
        assert_eq!(
            host_and_path("http://ca.example.test:8080"),
            Some(("ca.example.test".into(), "/".into()))
        );
        assert_eq!(host_and_path("ldap:///CN=x"), None);
    }
}
