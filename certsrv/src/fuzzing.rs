//! The entry point for fuzzing Web Enrollment's request parsing (the cargo-fuzz target in
//! `fuzz/` and the corpus replay test call it): the request target, the query AD CS reads, the
//! Authorization header (Basic, NTLM, Negotiate) and the Host header, as arbitrary bytes. Must
//! never panic. Not a stable API.

use crate::{auth, request, windows_auth};

/// `data` is `TARGET\nAUTHORIZATION\nHOST` (missing lines are absent headers).
pub fn request(data: &[u8]) {
    let mut lines = data.splitn(3, |&byte| byte == b'\n');
    let target = String::from_utf8_lossy(lines.next().unwrap_or_default());
    let authorization = lines.next();
    let host = lines.next();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target.as_ref(), None),
    };
    let _ = request::page(path);
    let _ = request::percent_decode(path);
    let query = request::CaCertQuery::parse(query);
    let _ = query.encoding();
    if let Ok(renewal) = query.renewal() {
        for certificates in [0, 1, 3] {
            let _ = request::resolve(renewal, certificates);
        }
    }
    let _ = auth::parse_basic(authorization);
    if let Some((_, token)) = windows_auth::scheme(authorization) {
        use base64::Engine;
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(token) {
            ntlm::fuzzing::token(&bytes);
        }
    }
    let _ = auth::realm(host, "ca1.example.test");
}
