//! IIS's Windows Authentication on the certsrv pages: `Authorization: NTLM <token>` and
//! `Negotiate <token>` (NTLM inside SPNEGO), three legs on one kept-alive connection — the
//! NEGOTIATE gets a 401 carrying the CHALLENGE, the AUTHENTICATE gets the page. The state between
//! the legs is kept per client connection (its address and port), as IIS keeps it per connection.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use base64::Engine as _;

use crate::directory::Directory;

/// Connections between NEGOTIATE and AUTHENTICATE held at most (a flood of NEGOTIATEs cannot
/// grow the table without bound; the oldest half-done logons are dropped).
const MAX_PENDING: usize = 1024;

/// What one Windows-Authentication header leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Logged on as this account (`DOMAIN\sam`).
    Authenticated(String),
    /// 401 with this `WWW-Authenticate` value (the CHALLENGE).
    Challenge(String),
    /// 401 with the usual challenges; the reason goes to the access log.
    Refused(String),
}

/// NTLM logons between their NEGOTIATE and AUTHENTICATE, by client connection.
#[derive(Default)]
pub(crate) struct Pending {
    logons: Mutex<HashMap<SocketAddr, (ntlm::Challenged, ntlm::spnego::Wrapping)>>,
}

/// `("NTLM" | "Negotiate", token)` from an Authorization header, if it is Windows Authentication.
pub(crate) fn scheme(header: Option<&[u8]>) -> Option<(&'static str, String)> {
    let text = std::str::from_utf8(header?).ok()?.trim();
    let (scheme, token) = text.split_once(' ')?;
    let scheme = if scheme.eq_ignore_ascii_case("NTLM") {
        "NTLM"
    } else if scheme.eq_ignore_ascii_case("Negotiate") {
        "Negotiate"
    } else {
        return None;
    };
    Some((scheme, token.trim().to_string()))
}

impl Pending {
    /// One leg of the exchange for the connection `peer`.
    pub(crate) fn step(
        &self,
        directory: &dyn Directory,
        peer: SocketAddr,
        scheme: &str,
        token: &str,
    ) -> Step {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(token) else {
            return Step::Refused(format!("{scheme}: the token is not base64"));
        };
        let (inner, wrapping) = match ntlm::spnego::unwrap(&bytes) {
            Ok(unwrapped) => (unwrapped.ntlm, unwrapped.wrapping),
            Err(error) => return Step::Refused(format!("{scheme}: {error}")),
        };
        let mut logons = self
            .logons
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match inner.get(8..12) {
            Some([1, 0, 0, 0]) => {
                let created = ntlm::Challenged::new(
                    &inner,
                    &directory.ntlm_target(),
                    ntlm::filetime_now(),
                    false,
                )
                .and_then(|(challenged, challenge)| {
                    ntlm::spnego::wrap_challenge(&challenge, wrapping)
                        .map(|wrapped| (challenged, wrapped))
                });
                match created {
                    Ok((challenged, wrapped)) => {
                        if logons.len() >= MAX_PENDING {
                            logons.clear();
                        }
                        logons.insert(peer, (challenged, wrapping));
                        let token = base64::engine::general_purpose::STANDARD.encode(wrapped);
                        Step::Challenge(format!("{scheme} {token}"))
                    }
                    Err(error) => Step::Refused(format!("{scheme}: {error}")),
                }
            }
            Some([3, 0, 0, 0]) => {
                let Some((challenged, _)) = logons.remove(&peer) else {
                    return Step::Refused(format!(
                        "{scheme}: an AUTHENTICATE on a connection that sent no NEGOTIATE"
                    ));
                };
                drop(logons);
                let auth = match ntlm::Authenticate::parse(&inner) {
                    Ok(auth) => auth,
                    Err(error) => return Step::Refused(format!("{scheme}: {error}")),
                };
                let mut verify =
                    |nt_hash: &[u8; 16]| challenged.verify(&inner, &auth, nt_hash).is_ok();
                match directory.ntlm_logon(&auth.user, &auth.domain, &mut verify) {
                    Ok(account) => Step::Authenticated(account),
                    Err(refused) => Step::Refused(format!("{scheme}: {refused}")),
                }
            }
            _ => Step::Refused(format!("{scheme}: not an NTLM NEGOTIATE or AUTHENTICATE")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_schemes_are_told_from_basic() {
        assert_eq!(
            scheme(Some(b"NTLM TlRMTVNTUAAB")),
            Some(("NTLM", "TlRMTVNTUAAB".to_string()))
        );
        assert_eq!(
            scheme(Some(b"negotiate  YIIB ")),
            Some(("Negotiate", "YIIB".to_string()))
        );
        assert_eq!(scheme(Some(b"Basic dTpw")), None);
        assert_eq!(scheme(Some(b"NTLM")), None);
        assert_eq!(scheme(None), None);
        assert_eq!(scheme(Some(b"\xff\xfe")), None);
    }
}
