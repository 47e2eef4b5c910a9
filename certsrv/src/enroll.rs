//! `POST /certsrv/certfnsh.asp`: a PKCS#10 request (`CertRequest`, base64 with or without its
//! PEM lines) for a template (`CertAttrib=CertificateTemplate:NAME`) — what `certreq -submit
//! -attrib "CertificateTemplate: WebServer"` and the web form send. The enterprise CA's policy:
//! the template must be one this CA offers (its enrollment service's `certificateTemplates`) and
//! the directory holds; the key must meet the template's minimum size; the request pends when the
//! template (or the CA) says so; otherwise the certificate is issued by the CA's current key with
//! the template's extended key usages and validity, and the request's subject when the template
//! lets the enrollee supply it. Each accepted request gets an id that `certnew.cer?ReqID=N`
//! answers. Denials carry AD CS's disposition messages.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use der::asn1::UintRef;
use der::Decode;

use crate::ca::CaGeneration;
use crate::directory::{Directory, Template};

/// AD CS backdates notBefore by its ClockSkewMinutes (10 by default).
const CLOCK_SKEW: Duration = Duration::from_secs(10 * 60);
/// msPKI-Certificate-Name-Flag: CT_FLAG_ENROLLEE_SUPPLIES_SUBJECT.
const ENROLLEE_SUPPLIES_SUBJECT: u32 = 0x1;
/// msPKI-Enrollment-Flag: CT_FLAG_PEND_ALL_REQUESTS.
const PEND_ALL_REQUESTS: u32 = 0x2;
/// The first request id this CA hands out (UNCERTAIN: a fresh AD CS database starts low).
const FIRST_REQUEST_ID: u32 = 2;
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// szOID_CERTIFICATE_TEMPLATE_NAME (the v1 template name extension AD CS adds).
const TEMPLATE_NAME_EXTENSION: &[u64] = &[1, 3, 6, 1, 4, 1, 311, 20, 2];

/// What certfnsh.asp's form carried.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    pub(crate) mode: String,
    pub(crate) cert_request: String,
    pub(crate) cert_attrib: String,
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Issued(u32),
    Pending(u32),
    /// `id` is absent when the request could not even be read.
    Denied {
        id: Option<u32>,
        message: String,
    },
}

enum Record {
    Issued(Vec<u8>),
    Pending,
    Denied,
}

/// The CA's side of enrollment: its key, its policy switch, its request database.
pub(crate) struct Enrollment {
    issuer_key: Option<Vec<u8>>,
    pend_all: bool,
    requests: Mutex<(u32, BTreeMap<u32, Record>)>,
}

/// Everything a request is judged against.
pub(crate) struct Policy<'a> {
    pub(crate) directory: Option<&'a dyn Directory>,
    /// The host the enrollment service names in `dNSHostName`.
    pub(crate) host: &'a str,
    /// The CA's current certificate (the issuer).
    pub(crate) ca: Option<&'a CaGeneration>,
    /// The authenticated requester, `DOMAIN\user`.
    pub(crate) account: &'a str,
}

impl Enrollment {
    pub(crate) fn new(issuer_key: Option<Vec<u8>>, pend_all: bool) -> Enrollment {
        Enrollment {
            issuer_key,
            pend_all,
            requests: Mutex::new((FIRST_REQUEST_ID, BTreeMap::new())),
        }
    }

    /// The certificate issued for request `id`, if it was.
    pub(crate) fn issued(&self, id: u32) -> Option<Vec<u8>> {
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        match requests.1.get(&id) {
            Some(Record::Issued(der)) => Some(der.clone()),
            _ => None,
        }
    }

    fn record(&self, record: Record) -> u32 {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let id = requests.0;
        requests.0 = requests.0.saturating_add(1);
        requests.1.insert(id, record);
        id
    }

    /// Judges one request and, if the policy allows, issues it.
    pub(crate) fn submit(&self, form: &Form, policy: &Policy<'_>) -> Outcome {
        if !form.mode.eq_ignore_ascii_case("newreq") {
            return denied(None, format!("Error Parsing Request  Unsupported Mode {:?}; certfnsh.asp takes Mode=newreq. 0x80070057 (WIN32: 87 ERROR_INVALID_PARAMETER)", form.mode));
        }
        let Some(der) = request_der(&form.cert_request) else {
            return denied(None, "Error Parsing Request  ASN1 bad tag value met. 0x8009310b (ASN: 267 CRYPT_E_ASN1_BADTAG)".into());
        };
        // Read first, verify later: the policy's refusals (template, key size) come before the
        // signature check, as AD CS's policy module sees the request before the CA signs.
        if x509_cert::request::CertReq::from_der(&der).is_err() {
            return denied(None, "Error Parsing Request  ASN1 bad tag value met. 0x8009310b (ASN: 267 CRYPT_E_ASN1_BADTAG)".into());
        }
        let Some(name) = template_name(&form.cert_attrib) else {
            let id = self.record(Record::Denied);
            return denied(Some(id), "Denied by Policy Module  0x80094801, The request contains no certificate template information.".into());
        };
        let offered = policy
            .directory
            .map(|directory| directory.offered_templates(policy.host))
            .unwrap_or_default();
        let template = offered
            .iter()
            .any(|offer| offer.eq_ignore_ascii_case(&name))
            .then(|| {
                policy
                    .directory
                    .and_then(|directory| directory.template(&name))
            })
            .flatten();
        let Some(template) = template else {
            let id = self.record(Record::Denied);
            return denied(Some(id), format!("Denied by Policy Module  0x80094800, The request was for a certificate template that is not supported by the Active Directory Certificate Services policy: {name}."));
        };
        if let Some(bits) = rsa_bits(&der) {
            if bits < template.minimal_key_size {
                let id = self.record(Record::Denied);
                return denied(Some(id), format!("Denied by Policy Module  0x80094811, The public key does not meet the minimum size required by the specified certificate template ({bits} bits; {} requires {}).", template.name, template.minimal_key_size));
            }
        }
        let csr = match rcgen::CertificateSigningRequestParams::from_der(&der.as_slice().into()) {
            Ok(csr) => csr,
            Err(rcgen::Error::InvalidCertificationRequestSignature) => {
                let id = self.record(Record::Denied);
                return denied(Some(id), "Error Verifying Request Signature or Signing Certificate  The signature of the request does not verify. 0x80090006 (-2146893818 NTE_BAD_SIGNATURE)".into());
            }
            Err(error) => {
                let id = self.record(Record::Denied);
                return denied(Some(id), format!("Error Parsing Request  The request is not a PKCS #10 request this CA reads ({error}). 0x8009310b (ASN: 267 CRYPT_E_ASN1_BADTAG)"));
            }
        };
        if self.pend_all || template.enrollment_flag & PEND_ALL_REQUESTS != 0 {
            return Outcome::Pending(self.record(Record::Pending));
        }
        match self.issue(csr, &template, policy) {
            Ok(certificate) => Outcome::Issued(self.record(Record::Issued(certificate))),
            Err(message) => {
                let id = self.record(Record::Denied);
                denied(Some(id), message)
            }
        }
    }

    fn issue(
        &self,
        mut csr: rcgen::CertificateSigningRequestParams,
        template: &Template,
        policy: &Policy<'_>,
    ) -> Result<Vec<u8>, String> {
        let unavailable = |why: &str| {
            format!("Denied by Policy Module  The CA cannot issue: {why}. 0x800706ba (WIN32: 1722 RPC_S_SERVER_UNAVAILABLE)")
        };
        let key_der = self
            .issuer_key
            .as_ref()
            .ok_or_else(|| unavailable("it has no private key"))?;
        let ca = policy
            .ca
            .ok_or_else(|| unavailable("it has no certificate"))?;
        let key = rcgen::KeyPair::try_from(key_der.as_slice())
            .map_err(|error| unavailable(&format!("its key is unusable: {error}")))?;
        let ca_der = rustls::pki_types::CertificateDer::from(ca.certificate.as_slice());
        let issuer = rcgen::Issuer::from_ca_cert_der(&ca_der, key)
            .map_err(|error| unavailable(&format!("its certificate is unusable: {error}")))?;
        let params = &mut csr.params;
        if template.name_flag & ENROLLEE_SUPPLIES_SUBJECT == 0 {
            // Built from the directory: the requester's account, not what the request says.
            let user = policy.account.rsplit('\\').next().unwrap_or(policy.account);
            params.distinguished_name = rcgen::DistinguishedName::new();
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, user);
            params.subject_alt_names.clear();
        }
        let now = SystemTime::now();
        let ca_end = ca_not_after(&ca.certificate)
            .unwrap_or(SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799));
        let end = (now + Duration::from_secs(template.validity_seconds)).min(ca_end);
        params.not_before = (now - CLOCK_SKEW).into();
        params.not_after = end.into();
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&random_serial()));
        params.extended_key_usages = template
            .extended_key_usages
            .iter()
            .filter_map(|oid| extended_key_usage(oid))
            .collect();
        params.key_usages = key_usages(template.key_usage);
        params.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
            TEMPLATE_NAME_EXTENSION,
            bmp_string(&template.name),
        )];
        csr.signed_by(&issuer)
            .map(|certificate| certificate.der().to_vec())
            .map_err(|error| format!("Denied by Policy Module  The certificate could not be built: {error}. 0x80094004 (-2146877436 CERTSRV_E_PROPERTY_EMPTY)"))
    }
}

fn denied(id: Option<u32>, message: String) -> Outcome {
    Outcome::Denied { id, message }
}

/// `application/x-www-form-urlencoded` fields (`+` is a space; unknown fields ignored).
pub(crate) fn parse_form(body: &[u8]) -> Form {
    let text = String::from_utf8_lossy(body);
    let mut form = Form::default();
    for pair in text.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = crate::request::percent_decode(&value.replace('+', " "));
        match crate::request::percent_decode(key).as_str() {
            "Mode" => form.mode = value,
            "CertRequest" => form.cert_request = value,
            "CertAttrib" => form.cert_attrib = value,
            _ => {}
        }
    }
    form
}

/// The request's DER: base64 with or without `-----BEGIN (NEW) CERTIFICATE REQUEST-----` lines.
fn request_der(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .collect();
    let der = ad_common::certfile::base64_lenient(&body).ok()?;
    (der.first() == Some(&0x30)).then_some(der)
}

/// `CertificateTemplate:NAME` among `CertAttrib`'s lines (certreq writes `Name: Value`).
fn template_name(attributes: &str) -> Option<String> {
    attributes.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim().eq_ignore_ascii_case("CertificateTemplate") && !value.trim().is_empty())
            .then(|| value.trim().to_string())
    })
}

/// The modulus size of an RSA key in the request, in bits.
fn rsa_bits(request: &[u8]) -> Option<u32> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: UintRef<'a>,
        _exponent: UintRef<'a>,
    }
    let request = x509_cert::request::CertReq::from_der(request).ok()?;
    let key = &request.info.public_key;
    if key.algorithm.oid.to_string() != RSA_ENCRYPTION {
        return None;
    }
    let rsa = RsaPublicKey::from_der(key.subject_public_key.raw_bytes()).ok()?;
    let modulus = rsa.modulus.as_bytes();
    let first = *modulus.first()?;
    Some(modulus.len() as u32 * 8 - first.leading_zeros())
}

fn ca_not_after(der: &[u8]) -> Option<SystemTime> {
    let certificate = x509_cert::Certificate::from_der(der).ok()?;
    Some(
        certificate
            .tbs_certificate
            .validity
            .not_after
            .to_system_time(),
    )
}

fn extended_key_usage(oid: &str) -> Option<rcgen::ExtendedKeyUsagePurpose> {
    use rcgen::ExtendedKeyUsagePurpose as Eku;
    Some(match oid {
        "1.3.6.1.5.5.7.3.1" => Eku::ServerAuth,
        "1.3.6.1.5.5.7.3.2" => Eku::ClientAuth,
        "1.3.6.1.5.5.7.3.3" => Eku::CodeSigning,
        "1.3.6.1.5.5.7.3.4" => Eku::EmailProtection,
        other => Eku::Other(
            other
                .split('.')
                .map(|arc| arc.parse().ok())
                .collect::<Option<Vec<u64>>>()?,
        ),
    })
}

/// pKIKeyUsage's first byte, as the KeyUsage bits it stands for.
fn key_usages(bits: u8) -> Vec<rcgen::KeyUsagePurpose> {
    use rcgen::KeyUsagePurpose as Ku;
    [
        (0x80, Ku::DigitalSignature),
        (0x40, Ku::ContentCommitment),
        (0x20, Ku::KeyEncipherment),
        (0x10, Ku::DataEncipherment),
        (0x08, Ku::KeyAgreement),
        (0x04, Ku::KeyCertSign),
        (0x02, Ku::CrlSign),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, usage)| usage)
    .collect()
}

/// DER BMPString (the template name extension's value).
fn bmp_string(text: &str) -> Vec<u8> {
    let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut der = vec![0x1E];
    if units.len() < 0x80 {
        der.push(units.len() as u8);
    } else {
        der.push(0x82);
        der.extend_from_slice(&(units.len() as u16).to_be_bytes());
    }
    der.extend(units);
    der
}

fn random_serial() -> Vec<u8> {
    use rand::Rng as _;
    let mut serial = [0u8; 16];
    rand::rng().fill(&mut serial[..]);
    serial[0] &= 0x7F;
    serial[0] |= 0x10;
    serial.to_vec()
}

#[cfg(test)]
mod tests;
