//! The directory steps: bind, read the rootDSE, search for certificationAuthority objects (step 1)
//! and pKIEnrollmentService objects (step 2), with the `ldap3` client. Works against AD, Samba,
//! OpenLDAP (which names the attribute `cACertificate;binary`) and our own `ldap-server`.
//!
//! Every LDAP connection of the workspace's clients opens here ([`open`]): plain LDAP, StartTLS
//! or LDAPS ([`LdapTransport`]) to an [`LdapTarget`], with TLS validated against exactly the
//! roots of `--ca-file` ([`DcTrust`], module `tls`). A simple bind that a DC refuses for its
//! signing policy is told apart ([`policy_refusal`], [`ReasonCode::SigningRequired`]).

use std::net::SocketAddr;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, ResultEntry, Scope, SearchEntry};

use crate::error::{Error, ReasonCode};
use crate::machine::Candidate;
pub use crate::profile::LdapTransport;

mod bind;
mod tls;
pub use crate::profile::LdapBind;
pub use bind::{
    bind, policy_refusal, BindFailure, NTLM_INTEGRITY_OVER_TLS, NTLM_WITHOUT_INTEGRITY,
    SIGNING_REQUIRED, STRONGER_AUTH_REQUIRED,
};
pub use tls::DcTrust;

/// The attribute step 1 reads, in both spellings servers use.
const CA_ATTRIBUTES: [&str; 2] = ["cACertificate", "cACertificate;binary"];

/// The StartTLS extended operation (RFC 4511 §4.14), as the rootDSE's supportedExtension lists it.
pub const STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";

/// Where one LDAP connection goes and how: the address, the name the server's certificate
/// must carry (what a TLS client checks: the `--dc` host name, or the IP when an IP literal was
/// given), the transport and the roots for TLS.
#[derive(Debug, Clone)]
pub struct LdapTarget {
    pub address: SocketAddr,
    pub name: String,
    pub transport: LdapTransport,
    /// The roots the certificate must chain to (`--ca-file`); needed for StartTLS and LDAPS.
    pub trust: Option<DcTrust>,
}

impl LdapTarget {
    /// Plain LDAP to `address` (the name is the IP).
    pub fn plain(address: SocketAddr) -> LdapTarget {
        LdapTarget {
            address,
            name: address.ip().to_string(),
            transport: LdapTransport::None,
            trust: None,
        }
    }

    /// The same server (name, transport, roots) on another port: the Global Catalog.
    pub fn with_port(&self, port: u16) -> LdapTarget {
        LdapTarget {
            address: SocketAddr::new(self.address.ip(), port),
            ..self.clone()
        }
    }

    /// `ldap://ADDR` or `ldaps://ADDR`, with the TLS mode, the name checked and the roots'
    /// file when there is TLS (for reports).
    pub fn describe(&self) -> String {
        tls::describe_target(self)
    }
}

impl From<SocketAddr> for LdapTarget {
    fn from(address: SocketAddr) -> LdapTarget {
        LdapTarget::plain(address)
    }
}

/// A connection to a directory.
pub struct Directory {
    ldap: Ldap,
    timeout: Duration,
    transport: LdapTransport,
}

/// What step 1 found.
#[derive(Debug, Default)]
pub struct CaSearch {
    pub candidates: Vec<Candidate>,
    /// Objects whose values were placeholders or not certificates ("DN: why").
    pub unusable: Vec<String>,
    /// Objects found at all (usable or not).
    pub objects: usize,
    /// Continuation references the server returned (not followed unless the profile says so).
    pub references: Vec<String>,
}

/// An object as read: its DN and each attribute's values as bytes, keyed by the lower-cased
/// attribute name without options.
#[derive(Debug, Clone, Default)]
pub struct RawEntry {
    pub dn: String,
    pub values: std::collections::BTreeMap<String, Vec<Vec<u8>>>,
}

impl RawEntry {
    pub fn get(&self, name: &str) -> &[Vec<u8>] {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .first()
            .map(|value| String::from_utf8_lossy(value).into_owned())
    }
}

/// An enrollment service: its DN and the host serving /certsrv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentService {
    pub dn: String,
    pub dns_host_name: Option<String>,
}

/// An LDAP connection to `target` (a `SocketAddr` is plain LDAP), its driver running in the
/// background; no name is looked up. Every LDAP client of the workspace (the phone, publish,
/// audit, the scenarios' administrator) starts here.
///
/// StartTLS and LDAPS validate the server's certificate for `target.name` against exactly
/// `target.trust`; failures are [`ReasonCode::DcTls`] (StartTLS refused, handshake refused,
/// dropped or timed out, no roots given) or [`ReasonCode::DcCertificate`] (unknown issuer, name
/// mismatch, expired), naming the DC and rustls's reason.
pub async fn open(target: impl Into<LdapTarget>, timeout: Duration) -> Result<ldap3::Ldap, Error> {
    let target = target.into();
    let (connection, ldap) = if target.transport.is_tls() {
        tls::connect(&target, timeout).await?
    } else {
        let address = target.address;
        let settings = LdapConnSettings::new().set_conn_timeout(timeout);
        LdapConnAsync::with_settings(settings, &format!("ldap://{address}"))
            .await
            .map_err(|error| {
                Error::new(
                    ReasonCode::DcUnreachable,
                    format!("cannot connect to ldap://{address}: {error}"),
                )
            })?
    };
    tokio::spawn(async move {
        let _ = connection.drive().await;
    });
    Ok(ldap)
}

/// Whether the server at `address` offers StartTLS: an anonymous read of the rootDSE's
/// supportedExtension over plain LDAP (AD, Samba and slapd allow it) looking for
/// [`STARTTLS_OID`]. What `adpki --ldap-tls auto` decides by.
pub async fn offers_starttls(address: SocketAddr, timeout: Duration) -> Result<bool, Error> {
    let mut ldap = open(address, timeout).await?;
    let result = ldap
        .with_timeout(timeout)
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["supportedExtension"],
        )
        .await;
    let _ = ldap.unbind().await;
    // A rootDSE that cannot be read advertises nothing.
    let Ok(ldap3::SearchResult(entries, _)) = result else {
        return Ok(false);
    };
    Ok(entries.into_iter().filter_map(entry_of).any(|entry| {
        entry
            .attrs
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case("supportedExtension"))
            .flat_map(|(_, values)| values)
            .any(|value| value.trim() == STARTTLS_OID)
    }))
}

impl Directory {
    pub async fn connect(
        target: impl Into<LdapTarget>,
        timeout: Duration,
    ) -> Result<Directory, Error> {
        let target = target.into();
        let transport = target.transport;
        Ok(Directory {
            ldap: open(target, timeout).await?,
            timeout,
            transport,
        })
    }

    /// Binds with the user's credentials, simple or NTLM; the error names AD's data code when
    /// there is one, and tells a signing-policy refusal apart.
    pub async fn bind(
        &mut self,
        method: LdapBind,
        user: &str,
        password: &str,
    ) -> Result<(), Error> {
        let result = bind::bind(&mut self.ldap, method, user, password, self.timeout)
            .await
            .map_err(|failure| match failure {
                BindFailure::Io(text) => unavailable(text),
                BindFailure::Name(text) => Error::bind_refused(text),
            })?;
        if result.rc == 0 {
            return Ok(());
        }
        let over_tls = self.transport.is_tls();
        if let Some(text) = policy_refusal(method, over_tls, user, result.rc, &result.text) {
            return Err(Error::new(ReasonCode::SigningRequired, text));
        }
        let how = match method {
            LdapBind::Simple => "bind",
            LdapBind::Ntlm => "NTLM bind",
        };
        Err(Error::bind_refused(format!(
            "{how} as {user} refused: LDAP {} {}{}",
            result.rc,
            result.text.trim_end_matches('\0').trim(),
            explain_data_code(&result.text)
        )))
    }

    /// The rootDSE's naming contexts: (configurationNamingContext, defaultNamingContext).
    pub async fn naming_contexts(&mut self) -> Result<(String, String), Error> {
        let (entries, _) = self
            .ldap
            .with_timeout(self.timeout)
            .search(
                "",
                Scope::Base,
                "(objectClass=*)",
                vec![
                    "configurationNamingContext",
                    "defaultNamingContext",
                    "namingContexts",
                ],
            )
            .await
            .map_err(|error| unavailable(format!("reading the rootDSE failed: {error}")))?
            .success()
            .map_err(|error| {
                Error::new(
                    ReasonCode::SearchRefused,
                    format!("reading the rootDSE failed: {error}"),
                )
            })?;
        let entry = entries
            .into_iter()
            .find_map(entry_of)
            .ok_or_else(|| unavailable("the rootDSE returned no entry"))?;
        let first = |name: &str| {
            entry
                .attrs
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .and_then(|(_, values)| values.first().cloned())
        };
        let naming_contexts = first("namingContexts").unwrap_or_default();
        let default_nc = first("defaultNamingContext").unwrap_or(naming_contexts);
        let configuration_nc =
            first("configurationNamingContext").unwrap_or_else(|| default_nc.clone());
        Ok((configuration_nc, default_nc))
    }

    /// Step 1: every object the filter matches under `base`, with each cACertificate value judged.
    pub async fn search_certification_authorities(
        &mut self,
        base: &str,
        filter: &str,
    ) -> Result<CaSearch, Error> {
        let (entries, referrals) = self.search(base, filter, CA_ATTRIBUTES.to_vec()).await?;
        let mut found = CaSearch {
            references: referrals,
            ..CaSearch::default()
        };
        for raw in entries {
            if raw.is_ref() {
                found.references.extend(references(raw));
                continue;
            }
            let Some(entry) = construct(raw) else {
                continue;
            };
            found.objects += 1;
            let values = values_of(&entry, "cACertificate");
            if values.is_empty() {
                found
                    .unusable
                    .push(format!("{}: no cACertificate value", entry.dn));
            }
            for value in values {
                match crate::certinfo::unusable_reason(&value) {
                    None => found.candidates.push(Candidate {
                        der: value,
                        source: entry.dn.clone(),
                    }),
                    Some(reason) => found.unusable.push(format!("{}: {reason}", entry.dn)),
                }
            }
        }
        Ok(found)
    }

    /// Step 2: pKIEnrollmentService objects and their dNSHostName.
    pub async fn search_enrollment_services(
        &mut self,
        base: &str,
        filter: &str,
    ) -> Result<Vec<EnrollmentService>, Error> {
        let (entries, _) = self.search(base, filter, vec!["dNSHostName"]).await?;
        Ok(entries
            .into_iter()
            .filter(|raw| !raw.is_ref())
            .filter_map(construct)
            .map(|entry| {
                let host = entry
                    .attrs
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case("dNSHostName"))
                    .and_then(|(_, values)| values.first().cloned());
                EnrollmentService {
                    dn: entry.dn,
                    dns_host_name: host,
                }
            })
            .collect())
    }

    /// Every object `filter` matches under `base`, with the named attributes as bytes.
    pub async fn search_raw(
        &mut self,
        base: &str,
        filter: &str,
        attributes: &[&str],
    ) -> Result<Vec<RawEntry>, Error> {
        let (entries, _) = self.search(base, filter, attributes.to_vec()).await?;
        Ok(entries
            .into_iter()
            .filter(|raw| !raw.is_ref())
            .filter_map(construct)
            .map(|entry| {
                let mut raw = RawEntry {
                    dn: entry.dn.clone(),
                    ..RawEntry::default()
                };
                for &name in attributes {
                    let values = values_of(&entry, name);
                    if !values.is_empty() {
                        raw.values.insert(name.to_ascii_lowercase(), values);
                    }
                }
                raw
            })
            .collect())
    }

    async fn search(
        &mut self,
        base: &str,
        filter: &str,
        attributes: Vec<&str>,
    ) -> Result<(Vec<ResultEntry>, Vec<String>), Error> {
        let result = self
            .ldap
            .with_timeout(self.timeout)
            .search(base, Scope::Subtree, filter, attributes)
            .await
            .map_err(|error| {
                unavailable(format!("search of {base:?} for {filter} failed: {error}"))
            })?;
        let ldap3::SearchResult(entries, status) = result;
        // 10 (referral) still returns what was found; anything else is a failure the phone reports.
        if status.rc != 0 && status.rc != 10 {
            return Err(Error::new(
                ReasonCode::SearchRefused,
                format!(
                    "search of {base:?} for {filter} failed: LDAP {} {}",
                    status.rc,
                    status.text.trim_end_matches('\0').trim()
                ),
            ));
        }
        // ldap3 files continuation references under the result's referrals.
        Ok((entries, status.refs))
    }

    pub async fn unbind(mut self) {
        let _ = self.ldap.unbind().await;
    }
}

/// The connection failed under the phone (timeout, reset, undecodable answer).
fn unavailable(text: impl Into<String>) -> Error {
    Error::new(ReasonCode::DirectoryUnavailable, text)
}

/// Parses an entry; ldap3 panics on malformed BER, which a hostile or broken server must not
/// turn into a crash of the tool.
fn construct(raw: ResultEntry) -> Option<SearchEntry> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| SearchEntry::construct(raw))).ok()
}

/// The URLs of a continuation reference (ldap3's parser panics on malformed ones; contained).
fn references(raw: ResultEntry) -> Vec<String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ldap3::parse_refs(raw.0)))
        .unwrap_or_default()
}

fn entry_of(raw: ResultEntry) -> Option<SearchEntry> {
    if raw.is_ref() {
        None
    } else {
        construct(raw)
    }
}

/// Every value of `name` (any `;option` spelling), whether ldap3 filed it as text or bytes.
fn values_of(entry: &SearchEntry, name: &str) -> Vec<Vec<u8>> {
    let matches = |key: &str| {
        key.split(';')
            .next()
            .is_some_and(|bare| bare.eq_ignore_ascii_case(name))
    };
    let mut values: Vec<Vec<u8>> = Vec::new();
    for (key, list) in &entry.bin_attrs {
        if matches(key) {
            values.extend(list.iter().cloned());
        }
    }
    for (key, list) in &entry.attrs {
        if matches(key) {
            values.extend(list.iter().map(|value| value.as_bytes().to_vec()));
        }
    }
    values
}

/// AD's `data XXX` sub-codes in words (domain.md §B.8).
pub fn explain_data_code(text: &str) -> String {
    match ad_common::LogonFailure::in_diagnostic(text) {
        Some(failure) => format!(" (AD data {}: {})", failure.data_code(), failure.meaning()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AD's refusal under LDAPServerIntegrity = 2, with the NUL byte real DCs end it with.
    const AD_SIGNING: &str = "00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, v4563\0";
    /// Samba's with `ldap server require strong auth = yes`.
    const SAMBA_STRONG_AUTH: &str = "BindSimple: Transport encryption required.";

    #[test]
    fn a_policy_refusal_is_explained_plainly_with_the_dcs_text() {
        let ad =
            policy_refusal(LdapBind::Simple, false, "alice@example.test", 8, AD_SIGNING).unwrap();
        assert!(ad.starts_with(SIGNING_REQUIRED), "{ad}");
        assert!(
            ad.ends_with("The DC answered the bind as alice@example.test: LDAP 8 (strongerAuthRequired) 00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, v4563"),
            "{ad:?}"
        );
        let samba = policy_refusal(
            LdapBind::Simple,
            false,
            "EXAMPLE\\alice",
            8,
            SAMBA_STRONG_AUTH,
        )
        .unwrap();
        assert_eq!(
            samba,
            "the DC requires LDAP signing or TLS; this phone binds with a simple bind over plain LDAP. The DC answered the bind as EXAMPLE\\alice: LDAP 8 (strongerAuthRequired) BindSimple: Transport encryption required."
        );
        // Other refusals keep their own reports.
        assert_eq!(
            policy_refusal(
                LdapBind::Simple,
                false,
                "alice",
                49,
                "80090308: … data 52e, v4563"
            ),
            None
        );
        assert_eq!(
            policy_refusal(LdapBind::Simple, false, "alice", 53, "unwilling"),
            None
        );
    }

    #[test]
    fn targets_keep_name_transport_and_roots_on_the_global_catalog_port() {
        let plain = LdapTarget::from("127.0.0.1:389".parse::<SocketAddr>().unwrap());
        assert_eq!(plain.transport, LdapTransport::None);
        assert_eq!(plain.name, "127.0.0.1");
        assert_eq!(plain.describe(), "ldap://127.0.0.1:389");
        let ldaps = LdapTarget {
            address: "127.0.0.1:636".parse().unwrap(),
            name: "dc1.example.test".into(),
            transport: LdapTransport::Ldaps,
            trust: None,
        };
        let gc = ldaps.with_port(3269);
        assert_eq!(gc.address.to_string(), "127.0.0.1:3269");
        assert_eq!(gc.name, "dc1.example.test");
        assert_eq!(gc.transport, LdapTransport::Ldaps);
        assert_eq!(gc.describe(), "ldaps://127.0.0.1:3269");
    }

    #[test]
    fn data_codes_are_explained() {
        let text = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563";
        assert_eq!(
            explain_data_code(text),
            " (AD data 52e: bad user name or password)"
        );
        assert!(explain_data_code("data 775, v1db1").contains("locked out"));
        assert_eq!(explain_data_code("no code here"), "");
    }
}
