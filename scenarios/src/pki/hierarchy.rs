//! A scenario's certificates, issued per run with rcgen from its `[pki]`, `[registrar]` and
//! `[[crl]]` tables: roots, intermediates, renewed roots (same name, new key), cross-certificates
//! (`key_from`), end-entity certificates, the registrar's leaf, CRLs — or certificates and keys a
//! user supplies to reproduce a real chain.
//!
//! rcgen signs with SHA-256/384 (RSA or ECDSA). `signature = "sha1"` (RSA issuer keys only)
//! re-signs rcgen's certificate with sha1WithRSAEncryption: see [`super::sha1`] for how.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod,
    KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use super::keys::KeyPool;
use super::sha1;
use crate::spec::{CertificateSpec, KeySpec, RegistrarSpec, Scenario, SignatureSpec};

/// One certificate of the world.
#[derive(Clone)]
pub struct Issued {
    pub id: String,
    pub der: Vec<u8>,
    /// The issuing certificate's id (None for a self-signed certificate or a supplied one).
    pub issuer: Option<String>,
    pub self_signed: bool,
    pub serial: Vec<u8>,
    key: Option<Arc<KeyPair>>,
}

impl Issued {
    pub fn pem(&self) -> String {
        pem_certificate(&self.der)
    }

    /// Its private key as PKCS#8 DER, when the world generated it (a CA's key signs what web
    /// enrollment issues).
    pub fn key_pkcs8(&self) -> Option<Vec<u8>> {
        self.key.as_ref().map(|key| key.serialize_der())
    }
}

/// The registrar's leaf and private key (PKCS#8 DER), with the chain it sends.
#[derive(Clone)]
pub struct RegistrarCertificate {
    pub leaf: Issued,
    pub key_der: Vec<u8>,
    /// Leaf first, then the certificates sent after it.
    pub chain: Vec<Vec<u8>>,
}

impl RegistrarCertificate {
    /// The chain as PEM blocks, leaf first (what `--registrar-chain` reads).
    pub fn chain_pem(&self) -> String {
        self.chain.iter().map(|der| pem_certificate(der)).collect()
    }
}

/// A CRL with where it is served.
#[derive(Clone)]
pub struct IssuedCrl {
    pub url: String,
    pub der: Vec<u8>,
    pub reachable: bool,
}

/// Everything a world's PKI holds.
pub struct Hierarchy {
    certificates: BTreeMap<String, Issued>,
    pub registrar: RegistrarCertificate,
    /// The registrar certificates acts put in its place (`registrar_sans`), by their SANs.
    pub reissued: Vec<(Vec<String>, RegistrarCertificate)>,
    pub crls: Vec<IssuedCrl>,
}

impl Hierarchy {
    /// Issues every certificate of `scenario` (issuers first), the registrar's leaf and the CRLs.
    pub fn build(scenario: &Scenario, keys: &KeyPool) -> Result<Hierarchy, crate::Error> {
        Hierarchy::issue_all(scenario, keys).map_err(crate::Error::Pki)
    }

    fn issue_all(scenario: &Scenario, keys: &KeyPool) -> Result<Hierarchy, String> {
        let origin = scenario.origin.as_deref();
        let mut builder = Builder {
            specs: &scenario.pki,
            origin,
            keys,
            slots: BTreeMap::new(),
            issued: BTreeMap::new(),
        };
        for id in scenario.pki.keys() {
            builder.issue(id, &mut Vec::new())?;
        }
        let registrar = builder.registrar(&scenario.registrar)?;
        let mut reissued = Vec::new();
        for sans in scenario
            .acts
            .iter()
            .filter_map(|act| act.registrar_sans.as_ref())
        {
            let spec = RegistrarSpec {
                sans: Some(sans.clone()),
                ..scenario.registrar.clone()
            };
            reissued.push((sans.clone(), builder.registrar(&spec)?));
        }
        let mut certificates = builder.issued;
        certificates.insert("registrar".into(), registrar.leaf.clone());
        let mut hierarchy = Hierarchy {
            certificates,
            registrar,
            reissued,
            crls: Vec::new(),
        };
        for crl in &scenario.crls {
            let issued = hierarchy.crl(crl)?;
            hierarchy.crls.push(issued);
        }
        Ok(hierarchy)
    }

    /// A certificate by id (`registrar` is the leaf).
    pub fn get(&self, id: &str) -> Option<&Issued> {
        self.certificates.get(id)
    }

    pub fn certificates(&self) -> impl Iterator<Item = &Issued> {
        self.certificates.values()
    }

    /// `id` followed by its issuers up to and including a self-signed root (what a CA's
    /// certnew.p7b carries).
    pub fn path(&self, id: &str) -> Vec<&Issued> {
        let mut path = Vec::new();
        let mut next = self.certificates.get(id);
        while let Some(certificate) = next {
            if path.iter().any(|seen: &&Issued| seen.id == certificate.id) {
                break;
            }
            path.push(certificate);
            next = certificate
                .issuer
                .as_deref()
                .and_then(|issuer| self.certificates.get(issuer));
        }
        path
    }

    /// The id of the certificate with these DER bytes.
    pub fn id_of(&self, der: &[u8]) -> Option<&str> {
        self.certificates
            .values()
            .find(|certificate| certificate.der == der)
            .map(|certificate| certificate.id.as_str())
    }

    fn crl(&self, spec: &crate::spec::CrlSpec) -> Result<IssuedCrl, String> {
        let issuer = self
            .certificates
            .get(&spec.issuer)
            .ok_or_else(|| format!("crl: no certificate {}", spec.issuer))?;
        let key = issuer
            .key
            .as_ref()
            .ok_or_else(|| format!("crl: {} has no private key to sign a CRL", spec.issuer))?;
        let now = OffsetDateTime::now_utc();
        let (this_update, next_update) = if spec.next_update_days < 0 {
            (
                now + Duration::days(spec.next_update_days - 7),
                now + Duration::days(spec.next_update_days),
            )
        } else {
            (
                now - Duration::hours(1),
                now + Duration::days(spec.next_update_days.max(1)),
            )
        };
        let revoked_certs = spec
            .revoked
            .iter()
            .map(|id| {
                let certificate = self
                    .certificates
                    .get(id)
                    .ok_or_else(|| format!("crl: no certificate {id}"))?;
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&certificate.serial),
                    revocation_time: now - Duration::hours(2),
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let signer = Issuer::from_ca_cert_der(&issuer.der.clone().into(), key.as_ref())
            .map_err(|error| format!("crl: issuer {}: {error}", spec.issuer))?;
        let crl = params
            .signed_by(&signer)
            .map_err(|error| format!("crl by {}: {error}", spec.issuer))?;
        Ok(IssuedCrl {
            url: spec.url.clone(),
            der: crl.der().to_vec(),
            reachable: spec.reachable,
        })
    }
}

struct Builder<'a> {
    specs: &'a BTreeMap<String, CertificateSpec>,
    origin: Option<&'a Path>,
    keys: &'a KeyPool,
    /// RSA pool slots used so far in this world, per key size.
    slots: BTreeMap<String, usize>,
    issued: BTreeMap<String, Issued>,
}

impl Builder<'_> {
    fn fresh_key(&mut self, spec: KeySpec) -> Result<Arc<KeyPair>, String> {
        let slot = self.slots.entry(format!("{spec:?}")).or_insert(0);
        let key = self
            .keys
            .key(spec, *slot)
            .map_err(|error| format!("cannot generate a {spec:?} key: {error}"))?;
        *slot += 1;
        Ok(key)
    }

    /// Issues `id` after its issuer and key donor; `stack` detects cycles.
    fn issue(&mut self, id: &str, stack: &mut Vec<String>) -> Result<(), String> {
        if self.issued.contains_key(id) {
            return Ok(());
        }
        if stack.iter().any(|seen| seen == id) {
            stack.push(id.to_string());
            return Err(format!(
                "pki: certificates issue each other in a cycle: {}",
                stack.join(" → ")
            ));
        }
        let spec = self
            .specs
            .get(id)
            .ok_or_else(|| format!("pki: no certificate {id}"))?;
        stack.push(id.to_string());
        for dependency in spec.issuer.iter().chain(spec.key_from.iter()) {
            if dependency != id {
                self.issue(dependency, stack)?;
            }
        }
        stack.pop();
        let issued = if let Some(file) = &spec.file {
            self.supplied(id, spec, file)?
        } else {
            self.generated(id, spec)?
        };
        self.issued.insert(id.to_string(), issued);
        Ok(())
    }

    fn supplied(&self, id: &str, spec: &CertificateSpec, file: &str) -> Result<Issued, String> {
        let der =
            read_certificate(self.origin, file).map_err(|error| format!("pki.{id}: {error}"))?;
        let key = match &spec.key_file {
            Some(key_file) => Some(Arc::new(
                read_key(self.origin, key_file).map_err(|error| format!("pki.{id}: {error}"))?,
            )),
            None => None,
        };
        let info = phone_client::certinfo::describe(&der)
            .map_err(|error| format!("pki.{id}: {file}: {error}"))?;
        Ok(Issued {
            id: id.to_string(),
            serial: Vec::new(),
            self_signed: info.self_signed,
            issuer: None,
            der,
            key,
        })
    }

    fn generated(&mut self, id: &str, spec: &CertificateSpec) -> Result<Issued, String> {
        let key = match &spec.key_from {
            Some(donor) => self.issued[donor]
                .key
                .clone()
                .ok_or_else(|| format!("pki.{id}: key_from {donor}, which has no private key"))?,
            None => self.fresh_key(spec.key)?,
        };
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(&spec.subject);
        let from = spec.valid_from_days.unwrap_or(-1);
        let days = spec
            .valid_days
            .unwrap_or(if spec.end_entity { 365 } else { 3650 });
        params.not_before = OffsetDateTime::now_utc() + Duration::days(from);
        params.not_after = params.not_before + Duration::days(days);
        let serial = random_serial();
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        if spec.end_entity {
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        } else {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
        }
        if let Some(url) = &spec.crl_url {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![url.clone()],
            }];
        }
        let (mut der, issuer) = match spec.issuer.as_deref().filter(|issuer| *issuer != id) {
            None => {
                let certificate = params
                    .self_signed(key.as_ref())
                    .map_err(|error| format!("pki.{id}: {error}"))?;
                (certificate.der().to_vec(), None)
            }
            Some(issuer_id) => {
                let certificate =
                    self.sign(&params, key.as_ref(), issuer_id, &format!("pki.{id}"))?;
                (certificate, Some(issuer_id.to_string()))
            }
        };
        if spec.signature == SignatureSpec::Sha1 {
            let signer = match issuer.as_deref() {
                None => key.clone(),
                Some(issuer_id) => self.issuer_key(issuer_id, &format!("pki.{id}"))?,
            };
            der = resign(&der, &signer, &format!("pki.{id}"), issuer.as_deref())?;
        }
        Ok(Issued {
            id: id.to_string(),
            self_signed: issuer.is_none(),
            issuer,
            der,
            serial,
            key: Some(key),
        })
    }

    /// Certificate `issuer_id`'s private key.
    fn issuer_key(&self, issuer_id: &str, what: &str) -> Result<Arc<KeyPair>, String> {
        self.issued[issuer_id]
            .key
            .clone()
            .ok_or_else(|| format!("{what}: issuer {issuer_id} has no private key (give key_file)"))
    }

    /// Signs `params` (the subject's key `public`) with certificate `issuer_id`'s key.
    fn sign(
        &self,
        params: &CertificateParams,
        public: &KeyPair,
        issuer_id: &str,
        what: &str,
    ) -> Result<Vec<u8>, String> {
        let issuer = &self.issued[issuer_id];
        let issuer_key = issuer.key.as_ref().ok_or_else(|| {
            format!("{what}: issuer {issuer_id} has no private key (give key_file)")
        })?;
        let signer = Issuer::from_ca_cert_der(&issuer.der.clone().into(), issuer_key.as_ref())
            .map_err(|error| format!("{what}: issuer {issuer_id}: {error}"))?;
        params
            .signed_by(public, &signer)
            .map(|certificate| certificate.der().to_vec())
            .map_err(|error| format!("{what}: {error}"))
    }

    fn registrar(&mut self, spec: &RegistrarSpec) -> Result<RegistrarCertificate, String> {
        let (leaf, key_der) = if let Some(file) = &spec.certificate_file {
            let der = read_certificate(self.origin, file)
                .map_err(|error| format!("registrar: {error}"))?;
            let key_file = spec.key_file.as_deref().ok_or(
                "registrar: certificate_file needs key_file (the TLS server needs its key)",
            )?;
            let key =
                read_key(self.origin, key_file).map_err(|error| format!("registrar: {error}"))?;
            let leaf = Issued {
                id: "registrar".into(),
                der,
                issuer: None,
                self_signed: false,
                serial: Vec::new(),
                key: None,
            };
            (leaf, key.serialize_der())
        } else {
            let key = self.fresh_key(spec.key)?;
            let sans = spec.sans.clone().unwrap_or_else(|| vec![spec.name.clone()]);
            let mut params =
                CertificateParams::new(sans).map_err(|error| format!("registrar: {error}"))?;
            params.distinguished_name = distinguished_name(&spec.name);
            params.not_before =
                OffsetDateTime::now_utc() + Duration::days(spec.valid_from_days.unwrap_or(-1));
            params.not_after = params.not_before + Duration::days(spec.valid_days.unwrap_or(365));
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let serial = random_serial();
            params.serial_number = Some(SerialNumber::from_slice(&serial));
            if let Some(url) = &spec.crl_url {
                params.crl_distribution_points = vec![CrlDistributionPoint {
                    uris: vec![url.clone()],
                }];
            }
            let mut der = self.sign(&params, key.as_ref(), &spec.issuer, "registrar")?;
            if spec.signature == SignatureSpec::Sha1 {
                let signer = self.issuer_key(&spec.issuer, "registrar")?;
                der = resign(&der, &signer, "registrar", Some(&spec.issuer))?;
            }
            let leaf = Issued {
                id: "registrar".into(),
                der,
                issuer: Some(spec.issuer.clone()),
                self_signed: false,
                serial,
                key: Some(key.clone()),
            };
            (leaf, key.serialize_der())
        };
        let sent: Vec<String> = match &spec.chain {
            Some(chain) => chain.clone(),
            None if spec.certificate_file.is_some() => Vec::new(),
            None => {
                // The issuer's path without its self-signed root, as a server is configured.
                let mut sent = Vec::new();
                let mut next = Some(spec.issuer.clone());
                while let Some(id) = next {
                    let Some(certificate) = self.issued.get(&id) else {
                        break;
                    };
                    if certificate.self_signed || sent.contains(&id) {
                        break;
                    }
                    sent.push(id.clone());
                    next = certificate.issuer.clone();
                }
                sent
            }
        };
        let mut chain = vec![leaf.der.clone()];
        for id in sent {
            let der = if id == "registrar" {
                leaf.der.clone()
            } else {
                self.issued
                    .get(&id)
                    .ok_or_else(|| format!("registrar.chain: no certificate {id}"))?
                    .der
                    .clone()
            };
            chain.push(der);
        }
        Ok(RegistrarCertificate {
            leaf,
            key_der,
            chain,
        })
    }
}

/// `der` re-signed with sha1WithRSAEncryption by `signer` (the issuer's key, or the
/// certificate's own for a self-signed one: `issuer` None); `what` names the certificate.
fn resign(
    der: &[u8],
    signer: &KeyPair,
    what: &str,
    issuer: Option<&str>,
) -> Result<Vec<u8>, String> {
    if !sha1::is_rsa(signer) {
        let whose = issuer.map_or_else(
            || "its own key (self-signed)".to_string(),
            |issuer| format!("its issuer `{issuer}`'s key"),
        );
        return Err(format!(
            "{what}: signature = \"sha1\" needs an RSA issuer key (sha1WithRSAEncryption), but {whose} is not RSA"
        ));
    }
    sha1::resign_sha1(der, signer).map_err(|error| format!("{what}: {error}"))
}

/// `Contoso Root CA` → CN only; `CN=X,O=Y,DC=example` → those attributes in that order.
/// Values cannot contain commas (scenario subjects do not need them).
pub fn distinguished_name(subject: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    if !subject.contains('=') {
        name.push(DnType::CommonName, subject);
        return name;
    }
    for part in subject.split(',') {
        let Some((attribute, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match attribute.trim().to_ascii_uppercase().as_str() {
            "CN" => name.push(DnType::CommonName, value),
            "O" => name.push(DnType::OrganizationName, value),
            "OU" => name.push(DnType::OrganizationalUnitName, value),
            "C" => name.push(DnType::CountryName, value),
            "L" => name.push(DnType::LocalityName, value),
            "ST" => name.push(DnType::StateOrProvinceName, value),
            "DC" => name.push(
                DnType::CustomDnType(vec![0, 9, 2342, 19200300, 100, 1, 25]),
                match rcgen::string::Ia5String::try_from(value) {
                    Ok(ia5) => DnValue::Ia5String(ia5),
                    Err(_) => DnValue::Utf8String(value.to_string()),
                },
            ),
            _ => name.push(DnType::CommonName, part.trim()),
        }
    }
    name
}

fn random_serial() -> Vec<u8> {
    let mut serial: [u8; 16] = rand::random();
    serial[0] &= 0x7f; // positive
    serial[0] |= 0x01; // no leading zero to strip
    serial.to_vec()
}

fn resolve(origin: Option<&Path>, file: &str) -> std::path::PathBuf {
    match origin {
        Some(dir) if Path::new(file).is_relative() => dir.join(file),
        _ => Path::new(file).to_path_buf(),
    }
}

/// The first certificate of a PEM or DER file.
fn read_certificate(origin: Option<&Path>, file: &str) -> Result<Vec<u8>, String> {
    let path = resolve(origin, file);
    let bytes = std::fs::read(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    adpki::publish::read_input(&bytes)
        .map(|input| input.der)
        .map_err(|error| format!("{}: {error}", path.display()))
}

/// A PKCS#8 PEM private key.
fn read_key(origin: Option<&Path>, file: &str) -> Result<KeyPair, String> {
    let path = resolve(origin, file);
    let text =
        std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    KeyPair::from_pem(&text)
        .map_err(|error| format!("{}: not a PKCS#8 PEM private key: {error}", path.display()))
}

pub fn pem_certificate(der: &[u8]) -> String {
    ad_common::certfile::pem_certificate(der)
}

#[cfg(test)]
#[path = "hierarchy_tests.rs"]
mod tests;
