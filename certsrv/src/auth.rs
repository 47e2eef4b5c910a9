//! HTTP Basic authentication against the directory, as IIS does it for a virtual directory with
//! Basic enabled: the user name may be a DN, a UPN or `DOMAIN\user`, and the account is checked
//! exactly as an LDAP simple bind checks it ([`Directory::authenticate`]): a locked, disabled
//! or expired account is refused like a wrong password.

use crate::directory::{BindRefused, Directory};

/// Why a request is not authenticated. Every variant is the same 401 on the wire; the
/// distinction is for the access log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthFailure {
    #[error("no Authorization header")]
    Missing,
    #[error("Authorization is not Basic")]
    NotBasic,
    #[error("Basic credentials are not base64")]
    BadBase64,
    #[error("Basic credentials have no ':'")]
    NoColon,
    #[error("empty password")]
    EmptyPassword,
    #[error("refused: {0}")]
    Refused(String),
}

/// `(user, password)` from an `Authorization: Basic …` header value.
pub(crate) fn parse_basic(header: Option<&[u8]>) -> Result<(String, String), AuthFailure> {
    use base64::Engine as _;
    let header = header.ok_or(AuthFailure::Missing)?;
    let header = std::str::from_utf8(header).map_err(|_| AuthFailure::NotBasic)?;
    let (scheme, token) = header.trim().split_once(' ').ok_or(AuthFailure::NotBasic)?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(AuthFailure::NotBasic);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|_| AuthFailure::BadBase64)?;
    // Browsers send UTF-8; older clients send their code page, read here as Latin-1.
    let text = String::from_utf8(decoded)
        .unwrap_or_else(|invalid| invalid.as_bytes().iter().map(|&b| char::from(b)).collect());
    let (user, password) = text.split_once(':').ok_or(AuthFailure::NoColon)?;
    Ok((user.to_string(), password.to_string()))
}

/// The account (`DOMAIN\sam`) the header authenticates.
pub(crate) fn authenticate(
    directory: &dyn Directory,
    header: Option<&[u8]>,
) -> Result<String, AuthFailure> {
    let (user, password) = parse_basic(header)?;
    // An empty password is an anonymous bind to LDAP; to IIS it is simply wrong.
    if password.is_empty() {
        return Err(AuthFailure::EmptyPassword);
    }
    directory
        .authenticate(&user, &password)
        .map_err(|refused| match refused {
            BindRefused::NotAUser => AuthFailure::EmptyPassword,
            BindRefused::Refused { diagnostic } => AuthFailure::Refused(diagnostic),
        })
}

/// The realm IIS puts in the Basic challenge: the host the client asked for, without the port.
pub(crate) fn realm(host_header: Option<&[u8]>, fallback: &str) -> String {
    let host = host_header
        .and_then(|host| std::str::from_utf8(host).ok())
        .map(str::trim)
        .filter(|host| !host.is_empty());
    let Some(host) = host else {
        return fallback.to_string();
    };
    let without_port = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else if host.matches(':').count() == 1 {
        host.split(':').next().unwrap_or_default()
    } else {
        host
    };
    // A realm is a quoted string: keep it printable and free of quotes.
    without_port
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn basic(credentials: &[u8]) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
        .into_bytes()
    }

    #[test]
    fn basic_headers() {
        assert_eq!(
            parse_basic(Some(&basic(b"EXAMPLE\\Administrator:Pa:ss"))),
            Ok(("EXAMPLE\\Administrator".into(), "Pa:ss".into()))
        );
        assert_eq!(
            parse_basic(Some(b"basic   dTpw ")),
            Ok(("u".into(), "p".into()))
        );
        assert_eq!(
            parse_basic(Some(&basic(b"caf\xe9:p"))),
            Ok(("café".into(), "p".into()))
        );
    }

    #[test]
    fn bad_basic_headers_fail_without_panicking() {
        assert_eq!(parse_basic(None), Err(AuthFailure::Missing));
        assert_eq!(parse_basic(Some(b"")), Err(AuthFailure::NotBasic));
        assert_eq!(parse_basic(Some(b"Basic")), Err(AuthFailure::NotBasic));
        assert_eq!(
            parse_basic(Some(b"NTLM TlRMTVNTUAAB")),
            Err(AuthFailure::NotBasic)
        );
        assert_eq!(parse_basic(Some(b"Basic !!!")), Err(AuthFailure::BadBase64));
        assert_eq!(
            parse_basic(Some(b"Basic dXNlcg=")),
            Err(AuthFailure::BadBase64)
        );
        assert_eq!(parse_basic(Some(b"\xff\xfe")), Err(AuthFailure::NotBasic));
        assert_eq!(
            parse_basic(Some(&basic(b"nocolon"))),
            Err(AuthFailure::NoColon)
        );
    }

    #[test]
    fn realms() {
        assert_eq!(
            realm(Some(b"ca1.example.test:8080"), "dc"),
            "ca1.example.test"
        );
        assert_eq!(realm(Some(b"127.0.0.1"), "dc"), "127.0.0.1");
        assert_eq!(realm(Some(b"[::1]:80"), "dc"), "::1");
        assert_eq!(realm(Some(b"a\"b"), "dc"), "ab");
        assert_eq!(realm(None, "dc1.example.test"), "dc1.example.test");
        assert_eq!(realm(Some(b"  "), "dc"), "dc");
    }
}
