//! The bind, simple or NTLM ([`LdapBind`]), shared by the phone and adpki, and the plain
//! sentence for a DC that refuses it for its signing policy.

use std::time::Duration;

use futures::FutureExt;
use ldap3::{Ldap, LdapResult};

use crate::profile::LdapBind;

/// LDAP result 8, strongerAuthRequired: what AD (signing required) and Samba (strong auth
/// required) answer a bind without integrity over plain LDAP with.
pub const STRONGER_AUTH_REQUIRED: u32 = 8;

/// The plain sentence for a simple bind the DC refused for its policy (issue #10; domain.md §I).
pub const SIGNING_REQUIRED: &str =
    "the DC requires LDAP signing or TLS; this phone binds with a simple bind over plain LDAP";

/// The same for an NTLM bind: the ldap3 client neither signs nor seals.
pub const NTLM_WITHOUT_INTEGRITY: &str = "the DC requires LDAP signing or TLS; this phone binds with NTLM over plain LDAP without signing or sealing (its LDAP client cannot seal): use StartTLS or LDAPS";

/// An NTLM bind refused with 8 over TLS: the DC wants NTLM's own signing or sealing even there
/// (Samba at its default, `ldap server require strong auth = yes`, as of 4.17).
pub const NTLM_INTEGRITY_OVER_TLS: &str = "the DC requires NTLM signing or sealing even over TLS (Samba's default, ldap server require strong auth = yes); this phone's NTLM neither signs nor seals: bind simply over TLS, or set the DC to allow_sasl_over_tls";

/// Why a bind got no answer from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindFailure {
    /// The connection failed, timed out or the answer could not be read.
    Io(String),
    /// The sign-in name cannot be used with this method (NTLM needs `DOMAIN\user` or
    /// `user@domain`).
    Name(String),
}

impl std::fmt::Display for BindFailure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BindFailure::Io(text) | BindFailure::Name(text) => formatter.write_str(text),
        }
    }
}

/// Binds as `user` with `method`, within `timeout` for the whole exchange; the server's result
/// (success or a refusal to explain) or why there was none.
pub async fn bind(
    ldap: &mut Ldap,
    method: LdapBind,
    user: &str,
    password: &str,
    timeout: Duration,
) -> Result<LdapResult, BindFailure> {
    match method {
        LdapBind::Simple => ldap
            .with_timeout(timeout)
            .simple_bind(user, password)
            .await
            .map_err(|error| BindFailure::Io(format!("bind as {user} failed: {error}"))),
        LdapBind::Ntlm => {
            ntlm_name(user)?;
            // ldap3 unwraps sspi's name parser; a name that slips past the check above must not
            // bring the tool down.
            let exchange = std::panic::AssertUnwindSafe(ldap.sasl_ntlm_bind(user, password));
            match tokio::time::timeout(timeout, exchange.catch_unwind()).await {
                Ok(Ok(Ok(result))) => Ok(result),
                Ok(Ok(Err(error))) => Err(BindFailure::Io(format!(
                    "NTLM bind as {user} failed: {error}"
                ))),
                Ok(Err(_)) => Err(BindFailure::Name(format!(
                    "NTLM cannot sign in as {user:?}"
                ))),
                Err(_) => Err(BindFailure::Io(format!(
                    "NTLM bind as {user} failed: no answer within {timeout:?}"
                ))),
            }
        }
    }
}

/// `DOMAIN\user` or `user@domain` (or a bare account name), as NTLM carries it; a DN is not an
/// NTLM name.
fn ntlm_name(user: &str) -> Result<(), BindFailure> {
    let refuse = || {
        BindFailure::Name(format!(
            "NTLM signs in as DOMAIN\\user or user@domain, not {user:?}"
        ))
    };
    let (account, domain) = match (user.split_once('\\'), user.rsplit_once('@')) {
        (Some((domain, account)), _) => (account, domain),
        (None, Some((account, domain))) => (account, domain),
        (None, None) => (user, "x"),
    };
    let bad = |part: &str| part.is_empty() || part.contains(['\\', '@', '=', ',']);
    if bad(account) || bad(domain) {
        return Err(refuse());
    }
    Ok(())
}

/// The report's text when a bind was refused with LDAP 8 (strongerAuthRequired) for the DC's
/// policy: over plain LDAP for either method, over TLS for NTLM only (a simple bind refused
/// with 8 over TLS is something else). The plain sentence, then the DC's own text (AD's
/// `00002028 …` with its trailing NUL removed, or Samba's). None for any other result.
pub fn policy_refusal(
    method: LdapBind,
    over_tls: bool,
    user: &str,
    rc: u32,
    text: &str,
) -> Option<String> {
    let sentence = match (method, over_tls) {
        (LdapBind::Simple, false) => SIGNING_REQUIRED,
        (LdapBind::Simple, true) => return None,
        (LdapBind::Ntlm, false) => NTLM_WITHOUT_INTEGRITY,
        (LdapBind::Ntlm, true) => NTLM_INTEGRITY_OVER_TLS,
    };
    (rc == STRONGER_AUTH_REQUIRED).then(|| {
        format!(
            "{sentence}. The DC answered the bind as {user}: LDAP 8 (strongerAuthRequired) {}",
            text.trim_end_matches('\0').trim()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntlm_names_are_down_level_or_upn() {
        for good in ["EXAMPLE\\alice", "alice@example.test", "alice"] {
            assert_eq!(ntlm_name(good), Ok(()), "{good}");
        }
        for bad in [
            "CN=alice,CN=Users,DC=example,DC=test",
            "EXAMPLE\\",
            "\\alice",
            "a\\b\\c",
            "a\\b@c",
            "@example.test",
            "",
        ] {
            assert!(matches!(ntlm_name(bad), Err(BindFailure::Name(_))), "{bad}");
        }
    }

    #[test]
    fn an_ntlm_refusal_says_to_use_tls() {
        let text =
            policy_refusal(LdapBind::Ntlm, false, "EXAMPLE\\alice", 8, "00002028: …\0").unwrap();
        assert!(text.starts_with(NTLM_WITHOUT_INTEGRITY), "{text}");
        assert!(
            text.ends_with("LDAP 8 (strongerAuthRequired) 00002028: …"),
            "{text:?}"
        );
        assert_eq!(policy_refusal(LdapBind::Ntlm, false, "a", 49, "x"), None);
        let samba = "SASL:[GSS-SPNEGO]: Sign or Seal are required.";
        let text = policy_refusal(LdapBind::Ntlm, true, "a", 8, samba).unwrap();
        assert!(text.starts_with(NTLM_INTEGRITY_OVER_TLS), "{text}");
        assert_eq!(policy_refusal(LdapBind::Simple, true, "a", 8, samba), None);
    }
}
