//! `--ldap-tls auto|none|starttls|ldaps` and `--ca-file`: how adpki reaches a DC.
//!
//! `auto` (the default) reads the rootDSE anonymously over plain LDAP and uses StartTLS when the
//! DC advertises it (OID 1.3.6.1.4.1.1466.20037 in supportedExtension) and `--ca-file` gives the
//! roots to check its certificate with; otherwise plain LDAP. Which one, and why, is kept
//! ([`Choice`]) so that a DC refusing the bind for its signing policy gets a hint that fits.

use std::net::SocketAddr;
use std::time::Duration;

use phone_client::ldap::{DcTrust, LdapTarget, LdapTransport, STARTTLS_OID};

/// What `--ldap-tls` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LdapTls {
    /// StartTLS when the DC advertises it and --ca-file is given, else plain LDAP.
    #[default]
    Auto,
    None,
    #[value(name = "starttls")]
    StartTls,
    Ldaps,
}

impl LdapTls {
    /// The port when none is given: 636 for LDAPS, else 389.
    pub fn default_port(self) -> u16 {
        match self {
            LdapTls::Ldaps => LdapTransport::Ldaps.default_port(),
            _ => LdapTransport::None.default_port(),
        }
    }
}

/// The transport used and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub transport: LdapTransport,
    pub requested: LdapTls,
    /// Whether the rootDSE advertised StartTLS (asked only for `auto`).
    pub offered: Option<bool>,
    pub have_roots: bool,
}

impl Choice {
    /// What to do about a DC that refuses a simple bind over plain LDAP.
    pub fn hint(&self) -> String {
        match (self.requested, self.offered) {
            (LdapTls::Auto, Some(true)) if !self.have_roots => format!(
                "the DC offers StartTLS ({STARTTLS_OID} in the rootDSE's supportedExtension): give --ca-file FILE with the roots its certificate chains to, and --ldap-tls auto uses it"
            ),
            (LdapTls::Auto, _) => format!(
                "the DC does not advertise StartTLS ({STARTTLS_OID} is not in the rootDSE's supportedExtension; Samba serves it without listing it): use --ldap-tls starttls or --ldap-tls ldaps, with --ca-file FILE"
            ),
            _ => "use --ldap-tls starttls or --ldap-tls ldaps, with --ca-file FILE holding the roots the DC's certificate chains to".into(),
        }
    }
}

/// The decision, without the network: `offered` is what the rootDSE said (for `auto`).
pub fn choose(requested: LdapTls, offered: Option<bool>, have_roots: bool) -> Choice {
    let transport = match requested {
        LdapTls::Auto if offered == Some(true) && have_roots => LdapTransport::StartTls,
        LdapTls::Auto | LdapTls::None => LdapTransport::None,
        LdapTls::StartTls => LdapTransport::StartTls,
        LdapTls::Ldaps => LdapTransport::Ldaps,
    };
    Choice {
        transport,
        requested,
        offered,
        have_roots,
    }
}

/// Where to connect and how: asks the DC's rootDSE for `auto`, refuses StartTLS or LDAPS without
/// roots. `name` is what the DC's certificate must carry (the host as given, or the IP).
pub async fn target(
    requested: LdapTls,
    address: SocketAddr,
    name: &str,
    trust: Option<DcTrust>,
    timeout: Duration,
) -> Result<(LdapTarget, Choice), phone_client::Error> {
    let offered = match requested {
        LdapTls::Auto => Some(phone_client::ldap::offers_starttls(address, timeout).await?),
        _ => None,
    };
    let choice = choose(requested, offered, trust.is_some());
    if choice.transport.is_tls() && trust.is_none() {
        return Err(phone_client::Error::usage(format!(
            "--ldap-tls {} needs --ca-file FILE: the PEM roots the DC's certificate chains to",
            choice.transport
        )));
    }
    Ok((
        LdapTarget {
            address,
            name: name.to_string(),
            transport: choice.transport,
            trust,
        },
        choice,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_uses_starttls_only_when_offered_and_checkable() {
        assert_eq!(
            choose(LdapTls::Auto, Some(true), true).transport,
            LdapTransport::StartTls
        );
        assert_eq!(
            choose(LdapTls::Auto, Some(false), true).transport,
            LdapTransport::None
        );
        // Offered, but nothing to check the DC's certificate with: plain LDAP, and the hint says so.
        let unchecked = choose(LdapTls::Auto, Some(true), false);
        assert_eq!(unchecked.transport, LdapTransport::None);
        assert!(
            unchecked.hint().contains("give --ca-file"),
            "{}",
            unchecked.hint()
        );
        let not_offered = choose(LdapTls::Auto, Some(false), false);
        assert!(
            not_offered.hint().contains("does not advertise StartTLS"),
            "{}",
            not_offered.hint()
        );
    }

    #[test]
    fn explicit_choices_are_taken_as_given() {
        assert_eq!(
            choose(LdapTls::None, None, true).transport,
            LdapTransport::None
        );
        assert_eq!(
            choose(LdapTls::StartTls, None, false).transport,
            LdapTransport::StartTls
        );
        assert_eq!(
            choose(LdapTls::Ldaps, None, true).transport,
            LdapTransport::Ldaps
        );
        assert!(choose(LdapTls::None, None, false)
            .hint()
            .contains("--ldap-tls starttls"));
        assert_eq!(LdapTls::Ldaps.default_port(), 636);
        assert_eq!(LdapTls::Auto.default_port(), 389);
        assert_eq!(LdapTls::default(), LdapTls::Auto);
    }

    #[tokio::test]
    async fn tls_without_roots_is_a_usage_error() {
        let address: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let error = target(
            LdapTls::Ldaps,
            address,
            "127.0.0.1",
            None,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert_eq!(error.code(), phone_client::ReasonCode::Usage);
        assert!(error.text().contains("--ca-file"), "{error}");
    }
}
