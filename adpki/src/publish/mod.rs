//! `certutil -dspublish` for any LDAP directory (domain.md §A.2, §A.5, §B.5).
//!
//! The work is split so that everything but the network is a pure function:
//!
//! 1. [`read_input`]: a certificate or CRL file, DER or PEM, with what a report needs (subject or
//!    issuer, SHA-1 thumbprint, the CN the object is named after, delta CRL or not).
//! 2. [`target`]: where the value goes for a publish type and directory profile (DN, object
//!    classes, attribute, append or replace, the placeholders a new object needs).
//! 3. [`plan`]: given what the directory holds now ([`State`]), the changes to make, or a refusal
//!    (already published; missing object without `-f`).
//! 4. [`render_ldif`]: those changes as an LDIF change file (what `--dry-run` prints).
//! 5. [`Connection`]: bind, read the rootDSE and the current state, apply the changes with `ldap3`.
//!
//! [`publish`] runs the whole sequence for the `adpki` binary.

use std::fmt::Write as _;
use std::time::Duration;

use base64::Engine as _;
use der::asn1::ObjectIdentifier;

pub use crate::Error;

mod connection;
mod input;
mod plan;
pub use connection::*;
pub use input::*;
pub use plan::*;

/// The one-byte value AD keeps in mandatory revocation-list attributes of a CA object.
pub const PLACEHOLDER: [u8; 1] = [0x00];

/// id-at-commonName.
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// id-ce-deltaCRLIndicator (RFC 5280 §5.2.4).
pub const DELTA_CRL_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");

// ---------------------------------------------------------------------------------------------
// Types of publication and profiles
// ---------------------------------------------------------------------------------------------

/// certutil's publish types (`User` and `Machine` are not implemented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PublishType {
    RootCA,
    SubCA,
    NTAuthCA,
    CrossCA,
    KRA,
    #[serde(rename = "crl")]
    Crl,
}

impl PublishType {
    /// Case-insensitive, as certutil accepts them.
    pub fn parse(text: &str) -> Option<PublishType> {
        Some(match text.to_ascii_lowercase().as_str() {
            "rootca" => PublishType::RootCA,
            "subca" => PublishType::SubCA,
            "ntauthca" => PublishType::NTAuthCA,
            "crossca" => PublishType::CrossCA,
            "kra" => PublishType::KRA,
            "crl" => PublishType::Crl,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            PublishType::RootCA => "RootCA",
            PublishType::SubCA => "SubCA",
            PublishType::NTAuthCA => "NTAuthCA",
            PublishType::CrossCA => "CrossCA",
            PublishType::KRA => "KRA",
            PublishType::Crl => "crl",
        }
    }
}

/// Which directory schema the objects follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectoryProfile {
    /// Active Directory (and Samba, and our `ldap-server`): AD's classes under Public Key Services,
    /// bare attribute names.
    #[default]
    Ad,
    /// RFC 4523 directories such as OpenLDAP: structural `applicationProcess` plus auxiliary
    /// `pkiCA`/`pkiUser` (no mandatory revocation lists), `;binary` attribute names, objects
    /// directly under `--base`.
    Rfc,
}

impl DirectoryProfile {
    pub fn parse(text: &str) -> Option<DirectoryProfile> {
        match text.to_ascii_lowercase().as_str() {
            "ad" => Some(DirectoryProfile::Ad),
            "rfc" => Some(DirectoryProfile::Rfc),
            _ => None,
        }
    }
}

/// RFC 4511's name of a result code (the ones a publish can meet).
pub fn result_name(code: u32) -> &'static str {
    match code {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        8 => "strongerAuthRequired",
        10 => "referral",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        69 => "objectClassModsProhibited",
        80 => "other",
        _ => "unknown",
    }
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// `CN=Public Key Services,CN=Services,<configuration NC>`.
pub fn pks_dn(configuration_nc: &str) -> String {
    format!("CN=Public Key Services,CN=Services,{configuration_nc}")
}

// ---------------------------------------------------------------------------------------------
// Target
// ---------------------------------------------------------------------------------------------

/// What the command line asked for, besides the connection.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub kind: Option<PublishType>,
    pub profile: DirectoryProfile,
    pub force_create: bool,
    /// `DSCDPContainer` (CRLs only).
    pub cdp_container: Option<String>,
    /// `DSCDPCN` (CRLs only).
    pub cdp_cn: Option<String>,
}

/// Append a value or replace the attribute's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteMode {
    Append,
    Replace,
}

/// A parent object the publish creates with `-f` when it is missing (the CDP container).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub dn: String,
    pub cn: String,
    pub object_classes: Vec<&'static str>,
}

/// Where and how the value is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: PublishType,
    pub dn: String,
    /// The RDN value (unescaped), also written as `cn` on creation.
    pub cn: String,
    /// Object classes of a newly created object.
    pub object_classes: Vec<&'static str>,
    /// The attribute as written, e.g. `cACertificate` or `cACertificate;binary`.
    pub attribute: String,
    pub mode: WriteMode,
    /// Extra mandatory attributes of a newly created object (AD's 0x00 placeholders).
    pub placeholders: Vec<(String, Vec<u8>)>,
    /// The CDP container, created with `-f` when missing.
    pub parent: Option<Parent>,
}

/// Computes the target of `input` for `request`. `base` is the configuration naming context
/// for the `ad` profile (Public Key Services is below it) and the container that holds the
/// object for the `rfc` profile.
pub fn target(input: &Input, request: &Request, base: &str) -> Result<Target, Error> {
    let kind = match request.kind {
        Some(kind) => kind,
        None if input.kind != InputKind::Certificate => PublishType::Crl,
        None => {
            return Err(Error::Usage(
                "a certificate needs a TYPE: RootCA, SubCA, NTAuthCA, CrossCA or KRA".into(),
            ))
        }
    };
    match (kind, input.kind) {
        (PublishType::Crl, InputKind::Certificate) => {
            return Err(Error::Input(
                "type crl needs a CRL file, and this is a certificate".into(),
            ))
        }
        (PublishType::Crl, _) => {}
        (_, InputKind::Certificate) => {}
        (_, _) => {
            return Err(Error::Input(format!(
                "type {} needs a certificate, and this is a CRL (publish it with type crl)",
                kind.name()
            )))
        }
    }
    if base.trim().is_empty() {
        return Err(Error::Usage("the base DN is empty".into()));
    }
    let subject_cn = || -> Result<String, Error> {
        input
            .common_name
            .clone()
            .filter(|cn| !cn.trim().is_empty())
            .ok_or_else(|| {
                Error::Input(format!(
                    "the name {:?} has no CN to name the directory object after",
                    input.subject
                ))
            })
    };
    let profile = request.profile;
    let rdn_type = match profile {
        DirectoryProfile::Ad => "CN",
        DirectoryProfile::Rfc => "cn",
    };
    let binary = |name: &str| match profile {
        DirectoryProfile::Ad => name.to_owned(),
        DirectoryProfile::Rfc => format!("{name};binary"),
    };
    let object_name = |cn: &str| match profile {
        DirectoryProfile::Ad => sanitize_cn(cn),
        DirectoryProfile::Rfc => cn.to_owned(),
    };
    let ca_classes = match profile {
        DirectoryProfile::Ad => vec!["certificationAuthority"],
        DirectoryProfile::Rfc => vec!["applicationProcess", "pkiCA"],
    };
    let ca_placeholders = |attribute: &str| -> Vec<(String, Vec<u8>)> {
        match profile {
            DirectoryProfile::Rfc => Vec::new(),
            DirectoryProfile::Ad => {
                let mut mandatory = vec![
                    "cACertificate",
                    "certificateRevocationList",
                    "authorityRevocationList",
                ];
                mandatory.retain(|name| !name.eq_ignore_ascii_case(attribute));
                mandatory
                    .into_iter()
                    .map(|name| (name.to_owned(), PLACEHOLDER.to_vec()))
                    .collect()
            }
        }
    };
    // AD: the PKS sub-container; rfc: directly under --base.
    let container_dn = |sub: &str| match profile {
        DirectoryProfile::Ad => format!("CN={sub},{}", pks_dn(base)),
        DirectoryProfile::Rfc => base.to_owned(),
    };
    let object = |cn: String, container: String| Target {
        kind,
        dn: format!("{rdn_type}={},{container}", escape_rdn_value(&cn)),
        cn,
        object_classes: Vec::new(),
        attribute: String::new(),
        mode: WriteMode::Append,
        placeholders: Vec::new(),
        parent: None,
    };
    let ca_target = |cn: String, container: String, attribute: &str| Target {
        object_classes: ca_classes.clone(),
        attribute: binary(attribute),
        placeholders: ca_placeholders(attribute),
        ..object(cn, container)
    };
    let target = match kind {
        PublishType::RootCA => ca_target(
            object_name(&subject_cn()?),
            container_dn("Certification Authorities"),
            "cACertificate",
        ),
        PublishType::SubCA => ca_target(
            object_name(&subject_cn()?),
            container_dn("AIA"),
            "cACertificate",
        ),
        PublishType::CrossCA => ca_target(
            object_name(&subject_cn()?),
            container_dn("AIA"),
            "crossCertificatePair",
        ),
        // A single object directly under Public Key Services (or --base).
        PublishType::NTAuthCA => ca_target(
            "NTAuthCertificates".to_owned(),
            match profile {
                DirectoryProfile::Ad => pks_dn(base),
                DirectoryProfile::Rfc => base.to_owned(),
            },
            "cACertificate",
        ),
        PublishType::KRA => Target {
            object_classes: match profile {
                DirectoryProfile::Ad => vec!["msPKI-PrivateKeyRecoveryAgent"],
                DirectoryProfile::Rfc => vec!["applicationProcess", "pkiUser"],
            },
            attribute: binary("userCertificate"),
            ..object(object_name(&subject_cn()?), container_dn("KRA"))
        },
        PublishType::Crl => {
            let cn = match &request.cdp_cn {
                Some(cn) if !cn.trim().is_empty() => cn.clone(),
                _ => object_name(&subject_cn()?),
            };
            let attribute = if input.kind == InputKind::DeltaCrl {
                "deltaRevocationList"
            } else {
                "certificateRevocationList"
            };
            let parent = match (&request.cdp_container, profile) {
                (Some(name), _) if !name.trim().is_empty() => {
                    let parent_dn = match profile {
                        DirectoryProfile::Ad => format!(
                            "CN={},CN=CDP,{}",
                            escape_rdn_value(name),
                            pks_dn(base)
                        ),
                        DirectoryProfile::Rfc => {
                            format!("cn={},{base}", escape_rdn_value(name))
                        }
                    };
                    Some(Parent {
                        dn: parent_dn,
                        cn: name.clone(),
                        object_classes: match profile {
                            DirectoryProfile::Ad => vec!["container"],
                            DirectoryProfile::Rfc => vec!["applicationProcess"],
                        },
                    })
                }
                (_, DirectoryProfile::Rfc) => None,
                (_, DirectoryProfile::Ad) => {
                    return Err(Error::Usage(
                        "a CRL needs --cdp-container NAME (certutil's DSCDPContainer, usually the CA's host name)".into(),
                    ))
                }
            };
            let container = parent
                .as_ref()
                .map(|parent| parent.dn.clone())
                .unwrap_or_else(|| base.to_owned());
            Target {
                object_classes: vec!["cRLDistributionPoint"],
                attribute: binary(attribute),
                mode: WriteMode::Replace,
                parent,
                ..object(cn, container)
            }
        }
    };
    Ok(target)
}

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

/// Everything `adpki publish` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The directory: its address, and for StartTLS or LDAPS the name its certificate must carry
    /// and the roots (a `SocketAddr` converts to plain LDAP).
    pub address: phone_client::ldap::LdapTarget,
    /// The bind name; None binds anonymously (no bind at all).
    pub user: Option<String>,
    /// How `user` binds: simple or NTLM (`--bind`).
    pub bind: phone_client::ldap::LdapBind,
    pub password: String,
    /// ad: replaces the rootDSE's configuration NC; rfc: the container holding the object (required).
    pub base: Option<String>,
    pub request: Request,
    pub dry_run: bool,
    pub timeout: Duration,
}

/// What happened, for people and scripts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    #[serde(rename = "type")]
    pub kind: PublishType,
    pub profile: DirectoryProfile,
    pub input: InputKind,
    pub dn: String,
    pub attribute: String,
    pub sha1: String,
    /// Certificate subject, or CRL issuer.
    pub subject: String,
    pub action: Action,
    /// DNs created (or that would be).
    pub created: Vec<String>,
    pub dry_run: bool,
    /// The LDIF applied (or that would be).
    pub ldif: String,
}

impl Report {
    /// Text for people: `key: value` lines; a dry run's are LDIF comments followed by the LDIF.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let prefix = if self.dry_run { "# " } else { "" };
        let verb = match (self.dry_run, self.action) {
            (false, Action::Created) => "published (created the object)",
            (false, Action::Appended) => "published (appended a value)",
            (false, Action::Replaced) => "published (replaced the value)",
            (true, Action::Created) => "dry run: would create the object",
            (true, Action::Appended) => "dry run: would append a value",
            (true, Action::Replaced) => "dry run: would replace the value",
        };
        let _ = writeln!(out, "{prefix}{verb}");
        let _ = writeln!(out, "{prefix}type: {}", self.kind.name());
        let _ = writeln!(out, "{prefix}dn: {}", self.dn);
        let _ = writeln!(out, "{prefix}attribute: {}", self.attribute);
        let _ = writeln!(out, "{prefix}sha1: {}", self.sha1);
        let label = match self.input {
            InputKind::Certificate => "subject",
            InputKind::Crl | InputKind::DeltaCrl => "issuer",
        };
        let _ = writeln!(out, "{prefix}{label}: {}", self.subject);
        for dn in &self.created {
            let _ = writeln!(
                out,
                "{prefix}{}: {dn}",
                if self.dry_run {
                    "would create"
                } else {
                    "created"
                }
            );
        }
        if self.dry_run {
            out.push('\n');
            out.push_str(&self.ldif);
        }
        out
    }

    pub fn json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "status".into(),
                if self.dry_run { "dry-run" } else { "published" }.into(),
            );
        }
        value
    }
}

/// Everything [`publish`] refuses without the network: the input (`file`'s bytes), `--profile
/// rfc` without `--base`, a type that does not fit the file. Callers that dial the directory
/// before [`publish`] (adpki's `--ldap-tls auto` reads the rootDSE) check this first.
pub fn check(file: &[u8], settings: &Settings) -> Result<Input, Error> {
    let input = read_input(file)?;
    let request = &settings.request;
    if request.profile == DirectoryProfile::Rfc && settings.base.is_none() {
        return Err(Error::Usage(
            "--profile rfc needs --base DN: the container that holds the object".into(),
        ));
    }
    target(&input, request, settings.base.as_deref().unwrap_or("CN=x"))?;
    Ok(input)
}

/// Reads nothing from disk: `file` is the input's bytes. Connects, binds, finds the target,
/// checks what is there, and applies (or, with `dry_run`, only renders) the changes.
pub async fn publish(file: &[u8], settings: &Settings) -> Result<Report, Error> {
    let input = check(file, settings)?;
    let request = &settings.request;
    let mut connection = Connection::connect(settings.address.clone(), settings.timeout).await?;
    if let Some(user) = &settings.user {
        connection
            .bind(settings.bind, user, &settings.password)
            .await?;
    }
    let base = match &settings.base {
        Some(base) => base.clone(),
        None => connection.configuration_nc().await?,
    };
    let target = target(&input, request, &base)?;
    let state = connection.state(&target).await?;
    let plan = plan(&target, &input, &state, request.force_create)?;
    let ldif = render_ldif(&plan.changes);
    if !settings.dry_run {
        connection.apply(&plan.changes).await?;
    }
    connection.unbind().await;
    Ok(Report {
        kind: target.kind,
        profile: request.profile,
        input: input.kind,
        dn: target.dn,
        attribute: target.attribute,
        sha1: input.sha1,
        subject: input.subject,
        action: plan.action,
        created: plan.created,
        dry_run: settings.dry_run,
        ldif,
    })
}

#[cfg(test)]
mod tests;
