//! The certificate verifier the phone's TLS client uses: webpki's checks at the phone's clock,
//! the firmware's limits on top, and the translation of rustls's errors into precise failures.

use super::*;

/// A root the firmware refused to install, kept to explain a chain that leads to it.
#[derive(Debug)]
pub(super) struct RejectedRoot {
    subject: String,
    objection: String,
}

/// The phone's certificate store as the TLS stack sees it: trust anchors, installed certificates
/// that only serve as intermediates, and the ones the firmware could not read.
pub(super) struct Store {
    /// Anchors: installed self-signed certificates (every installed certificate with
    /// `partial_chain_trust`), plus the public roots when the policy says so.
    pub(super) roots: RootCertStore,
    /// Subjects of the installed anchors (public roots not included).
    pub(super) anchors: Vec<String>,
    /// Installed certificates that are not self-signed, when they are not anchors: offered to the
    /// path builder after the server's own intermediates (domain.md §G row 3).
    pub(super) intermediates: Vec<CertificateDer<'static>>,
    /// The same, described.
    pub(super) intermediate_info: Vec<CertificateInfo>,
    pub(super) rejected: Vec<RejectedRoot>,
    /// Self-signed roots outside their validity on the phone's clock: not anchors, and the
    /// reason a chain that leads to one fails.
    pub(super) out_of_date: Vec<ValidationFailure>,
}

impl Store {
    /// Sorts `installed` (DER; values that are not certificates are skipped) by what the
    /// firmware can read and by whether each certificate may anchor a chain.
    pub(super) fn new(installed: &[Vec<u8>], policy: &TrustPolicy) -> Store {
        let mut store = Store {
            roots: RootCertStore::empty(),
            anchors: Vec::new(),
            intermediates: Vec::new(),
            intermediate_info: Vec::new(),
            rejected: Vec::new(),
            out_of_date: Vec::new(),
        };
        let phone_now = phone_clock(UnixTime::now(), policy.clock_offset_seconds);
        for der in installed {
            let Ok(info) = certinfo::describe(der) else {
                continue;
            };
            if let Some(objection) = firmware_objection(&info, policy, "root certificate") {
                store.rejected.push(RejectedRoot {
                    subject: info.subject,
                    objection,
                });
            } else if let Some(failure) = info
                .self_signed
                .then(|| root_time_failure(der, &info.subject, phone_now))
                .flatten()
            {
                store.out_of_date.push(failure);
            } else if info.self_signed || policy.partial_chain_trust {
                if store
                    .roots
                    .add(CertificateDer::from(der.as_slice()))
                    .is_ok()
                {
                    store.anchors.push(info.subject);
                }
            } else {
                store.intermediates.push(CertificateDer::from(der.clone()));
                store.intermediate_info.push(info);
            }
        }
        if policy.public_roots {
            store
                .roots
                .extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        store
    }
}

/// rustls's WebPkiServerVerifier seen through the phone: its clock, its firmware limits, and a
/// slot that keeps the precise failure (rustls only carries an error enum to the caller).
#[derive(Debug)]
pub(super) struct PhoneVerifier {
    /// None when no root was usable: rustls refuses to build a verifier without anchors, and
    /// the phone in that state still connects and fails with "unknown issuer".
    inner: Option<Arc<WebPkiServerVerifier>>,
    pub(super) provider: Arc<CryptoProvider>,
    policy: TrustPolicy,
    /// Subjects of the anchors in the store, to tell "no root" from "root the firmware refused".
    installed: Vec<String>,
    /// Installed certificates used only as intermediates (see [`Store`]).
    intermediates: Vec<CertificateDer<'static>>,
    intermediate_info: Vec<CertificateInfo>,
    rejected: Vec<RejectedRoot>,
    out_of_date: Vec<ValidationFailure>,
    failure: Mutex<Option<ValidationFailure>>,
}

impl PhoneVerifier {
    pub(super) fn new(roots: &[Vec<u8>], policy: &TrustPolicy) -> Result<Self, RegistrarError> {
        let provider = super::sha1::provider_for(policy);
        let store = Store::new(roots, policy);
        let inner = if store.roots.is_empty() {
            None
        } else {
            let built = WebPkiServerVerifier::builder_with_provider(
                Arc::new(store.roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| RegistrarError::Validation(ValidationFailure::Other(e.to_string())))?;
            Some(built)
        };
        Ok(Self {
            inner,
            provider,
            policy: policy.clone(),
            installed: store.anchors,
            intermediates: store.intermediates,
            intermediate_info: store.intermediate_info,
            rejected: store.rejected,
            out_of_date: store.out_of_date,
            failure: Mutex::new(None),
        })
    }

    pub(super) fn take_failure(&self) -> Option<ValidationFailure> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Records the precise failure and hands rustls an error that sends a sensible alert.
    fn fail(&self, failure: ValidationFailure, error: rustls::Error) -> rustls::Error {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(failure);
        error
    }

    fn algorithms(&self) -> &WebPkiSupportedAlgorithms {
        &self.provider.signature_verification_algorithms
    }

    /// The firmware's view of the chain, before any cryptography: what it cannot read in the
    /// presented certificates, then whether the chain leads to a root it refused to install.
    fn firmware_check(&self, chain: &Chain) -> Option<ValidationFailure> {
        let presented = chain.certs.iter().enumerate().find_map(|(i, info)| {
            let role = if i == 0 {
                "registrar certificate"
            } else {
                "intermediate certificate"
            };
            firmware_objection(info, &self.policy, role)
        });
        let refused_root = || {
            if self.installed.contains(&chain.top_issuer) {
                return None;
            }
            self.rejected
                .iter()
                .find(|r| r.subject == chain.top_issuer)
                .map(|r| r.objection.clone())
        };
        let out_of_date = || {
            if self.installed.contains(&chain.top_issuer) {
                return None;
            }
            self.out_of_date
                .iter()
                .find(|failure| {
                    matches!(failure, ValidationFailure::RootNotTimeValid { subject, .. } if *subject == chain.top_issuer)
                })
                .cloned()
        };
        presented
            .or_else(refused_root)
            .map(|what| ValidationFailure::UnsupportedAlgorithm { what })
            .or_else(out_of_date)
    }
}

impl ServerCertVerifier for PhoneVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let phone_now = phone_clock(now, self.policy.clock_offset_seconds);
        let chain = Chain::new(
            end_entity,
            intermediates,
            &self.intermediate_info,
            &self.installed,
        );
        if let Some(failure) = self.firmware_check(&chain) {
            let error = other_error(&failure);
            return Err(self.fail(failure, error));
        }
        let Some(inner) = &self.inner else {
            let failure = chain.untrusted();
            return Err(self.fail(failure, CertificateError::UnknownIssuer.into()));
        };
        // The server's intermediates first, then the installed ones that are not anchors.
        let mut all_intermediates: Vec<CertificateDer<'_>> = intermediates.to_vec();
        all_intermediates.extend(
            self.intermediates
                .iter()
                .map(|der| CertificateDer::from(der.as_ref())),
        );
        inner
            .verify_server_cert(
                end_entity,
                &all_intermediates,
                server_name,
                ocsp_response,
                phone_now,
            )
            .map_err(|error| match &error {
                rustls::Error::InvalidCertificate(ce) => {
                    let context = Context {
                        chain: &chain,
                        expected: server_name.to_str().into_owned(),
                        phone_now,
                        supports_sha1: self.policy.supports_sha1,
                    };
                    self.fail(classify(ce, &context), error)
                }
                _ => error,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, self.algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, self.algorithms())
    }

    /// All schemes the provider verifies, even ECDSA on RSA-only firmware: narrowing them would
    /// make an ECDSA-only server abort the handshake, hiding the certificate problem behind a
    /// generic handshake failure.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms().supported_schemes()
    }
}

/// The presented chain as the firmware reads it.
pub(super) struct Chain {
    /// Parsable certificates, leaf first (unparsable ones are left to rustls to reject).
    pub(super) certs: Vec<CertificateInfo>,
    /// The issuer the phone would need a root for: the issuer at the top of the path that can
    /// be built from the leaf through the presented intermediates and the installed ones.
    pub(super) top_issuer: String,
    /// `(subject, issuer)` when that path stops at an installed certificate that is not
    /// self-signed and whose issuer is not an installed anchor: a partial chain.
    pub(super) partial: Option<(String, String)>,
}

impl Chain {
    /// `installed_intermediates`: installed certificates that are not anchors; `anchors`: the
    /// subjects of the installed anchors.
    pub(super) fn new(
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        installed_intermediates: &[CertificateInfo],
        anchors: &[String],
    ) -> Self {
        let certs: Vec<CertificateInfo> = std::iter::once(end_entity)
            .chain(intermediates)
            .filter_map(|c| certinfo::describe(c).ok())
            .collect();
        let mut pool = certs.clone();
        pool.extend(installed_intermediates.iter().cloned());
        let top = top_of_path(&pool);
        let top_issuer = top.map_or_else(
            || "(no parsable certificate)".to_owned(),
            |top| top.issuer.clone(),
        );
        let partial = top
            .filter(|top| {
                !top.self_signed
                    && installed_intermediates
                        .iter()
                        .any(|installed| installed.subject == top.subject)
                    && !anchors.contains(&top.issuer)
            })
            .map(|top| (top.subject.clone(), top.issuer.clone()));
        Self {
            certs,
            top_issuer,
            partial,
        }
    }

    fn leaf(&self) -> Option<&CertificateInfo> {
        self.certs.first()
    }

    /// The failure for a chain no anchor accepts: a partial chain when the path stops at an
    /// installed certificate that is not self-signed, an unknown issuer otherwise.
    pub(super) fn untrusted(&self) -> ValidationFailure {
        match &self.partial {
            Some((top, issuer)) => ValidationFailure::PartialChain {
                top: top.clone(),
                issuer: issuer.clone(),
            },
            None => ValidationFailure::UnknownIssuer {
                issuer: self.top_issuer.clone(),
            },
        }
    }
}

/// Walks leaf → issuer → issuer through `certs` (leaf first), stopping at a self-signed one or
/// when the next issuer is not there; returns the last certificate reached. Bounded by the
/// number of certificates, so loops cannot hang.
pub(super) fn top_of_path(certs: &[CertificateInfo]) -> Option<&CertificateInfo> {
    let mut current = certs.first()?;
    for _ in 0..certs.len() {
        if current.self_signed {
            break;
        }
        match certs[1..]
            .iter()
            .find(|c| c.subject == current.issuer && c.subject != current.subject)
        {
            Some(next) => current = next,
            None => break,
        }
    }
    Some(current)
}

/// What this firmware cannot read in one certificate, naming the certificate.
pub(super) fn firmware_objection(
    info: &CertificateInfo,
    policy: &TrustPolicy,
    role: &str,
) -> Option<String> {
    let limit =
        signature_limit(&info.signature_algorithm, policy).or_else(|| key_limit(info, policy))?;
    Some(format!("{limit} (the {role} {})", info.subject))
}

pub(super) fn signature_limit(algorithm: &str, policy: &TrustPolicy) -> Option<String> {
    let lower = algorithm.to_ascii_lowercase();
    if !policy.supports_ecdsa && lower.starts_with("ecdsa") {
        return Some("ECDSA signatures".to_owned());
    }
    if is_sha1(&lower) {
        return (!policy.supports_sha1).then(|| "SHA-1 signatures".to_owned());
    }
    if policy.supports_sha256 {
        return None;
    }
    ["sha256", "sha384", "sha512"]
        .iter()
        .find(|hash| lower.contains(*hash))
        .map(|hash| format!("SHA-{} signatures", &hash[3..]))
}

pub(super) fn key_limit(info: &CertificateInfo, policy: &TrustPolicy) -> Option<String> {
    if info.key.starts_with("RSA") && info.key_bits > policy.max_rsa_bits {
        return Some(format!("a {}-bit RSA key", info.key_bits));
    }
    if info.key.starts_with("ECDSA") && !policy.supports_ecdsa {
        return Some("ECDSA keys".to_owned());
    }
    None
}

/// The phone's clock: real time shifted by its offset, clamped at the epoch.
/// The failure for a root whose validity period does not contain the phone's `now`.
fn root_time_failure(der: &[u8], subject: &str, now: UnixTime) -> Option<ValidationFailure> {
    use der::Decode;
    let certificate = x509_cert::Certificate::from_der(der).ok()?;
    let validity = &certificate.tbs_certificate.validity;
    let not_before = validity.not_before.to_unix_duration();
    let not_after = validity.not_after.to_unix_duration();
    let now_duration = Duration::from_secs(now.as_secs());
    if now_duration >= not_before && now_duration <= not_after {
        return None;
    }
    Some(ValidationFailure::RootNotTimeValid {
        subject: subject.to_string(),
        not_before: rfc3339(UnixTime::since_unix_epoch(not_before)),
        not_after: rfc3339(UnixTime::since_unix_epoch(not_after)),
        phone_time: rfc3339(now),
    })
}

pub(super) fn phone_clock(now: UnixTime, offset_seconds: i64) -> UnixTime {
    let secs = now.as_secs().saturating_add_signed(offset_seconds);
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

pub(super) fn rfc3339(time: UnixTime) -> String {
    let secs = time.as_secs();
    der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map_or_else(|_| format!("{secs} s after 1970-01-01"), |t| t.to_string())
}

pub(super) fn other_error(failure: &ValidationFailure) -> rustls::Error {
    CertificateError::Other(OtherError(Arc::new(failure.clone()))).into()
}

/// What `classify` needs besides the rustls error to fill the human fields.
pub(super) struct Context<'a> {
    chain: &'a Chain,
    expected: String,
    phone_now: UnixTime,
    /// The policy's `supports_sha1`: decides how an unsupported SHA-1 algorithm is worded.
    supports_sha1: bool,
}

/// Maps rustls's certificate errors to the phone's causes. rustls 0.23 reports most of them
/// with a `...Context` variant when the webpki verifier produced them; the bare variants are
/// handled too (filled from the leaf) because other verifiers and older paths still use them.
#[allow(deprecated)] // CertificateError::UnsupportedSignatureAlgorithm is deprecated but still produced
pub(super) fn classify(error: &CertificateError, cx: &Context<'_>) -> ValidationFailure {
    let phone_time = rfc3339(cx.phone_now);
    let leaf_field = |f: fn(&CertificateInfo) -> &String| {
        cx.chain
            .leaf()
            .map_or_else(|| "(unknown)".to_owned(), |l| f(l).clone())
    };
    match error {
        CertificateError::UnknownIssuer => cx.chain.untrusted(),
        CertificateError::NotValidForName => name_mismatch(cx, &[]),
        CertificateError::NotValidForNameContext { presented, .. } => name_mismatch(cx, presented),
        CertificateError::Expired => ValidationFailure::Expired {
            not_after: leaf_field(|l| &l.not_after),
            phone_time,
        },
        CertificateError::ExpiredContext { time, not_after } => ValidationFailure::Expired {
            not_after: rfc3339(*not_after),
            phone_time: rfc3339(*time),
        },
        CertificateError::NotValidYet => ValidationFailure::NotYetValid {
            not_before: leaf_field(|l| &l.not_before),
            phone_time,
        },
        CertificateError::NotValidYetContext { time, not_before } => {
            ValidationFailure::NotYetValid {
                not_before: rfc3339(*not_before),
                phone_time: rfc3339(*time),
            }
        }
        CertificateError::BadSignature => ValidationFailure::BadSignature,
        CertificateError::UnsupportedSignatureAlgorithm => {
            unsupported_signature(cx.chain, None, cx.supports_sha1)
        }
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id,
            ..
        }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id,
            ..
        } => unsupported_signature(cx.chain, Some(signature_algorithm_id), cx.supports_sha1),
        CertificateError::BadEncoding => {
            ValidationFailure::Other("the registrar sent a malformed certificate".to_owned())
        }
        CertificateError::Other(OtherError(inner)) => inner
            .downcast_ref::<ValidationFailure>()
            .cloned()
            .unwrap_or_else(|| ValidationFailure::Other(inner.to_string())),
        other => {
            ValidationFailure::Other(rustls::Error::InvalidCertificate(other.clone()).to_string())
        }
    }
}

/// The names come from the leaf itself: webpki's `presented` list holds Debug text
/// (`DnsName("pool.example.test")`), which is only the fallback.
pub(super) fn name_mismatch(cx: &Context<'_>, webpki_presented: &[String]) -> ValidationFailure {
    let names = cx
        .chain
        .leaf()
        .map(|l| l.dns_names.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| webpki_presented.to_vec());
    let presented = if names.is_empty() {
        "no DNS names".to_owned()
    } else {
        names.join(", ")
    };
    ValidationFailure::NameMismatch {
        expected: cx.expected.clone(),
        presented,
    }
}

/// webpki's `signature_algorithm_id` is the AlgorithmIdentifier content (OID first, no outer
/// SEQUENCE). With `supports_sha1 = false`, SHA-1 gets the fixed wording, and without an id a
/// SHA-1 certificate in the chain is the likely cause (webpki supports every other common
/// algorithm). With `supports_sha1`, only `sha1WithRSAEncryption` is verified: another SHA-1
/// algorithm (`ecdsa-with-SHA1`, `dsa-with-sha1`) is named as it is.
pub(super) fn unsupported_signature(
    chain: &Chain,
    algorithm_id: Option<&[u8]>,
    supports_sha1: bool,
) -> ValidationFailure {
    let name = match algorithm_id {
        Some(id) => oid_name(id),
        None if supports_sha1 => None,
        None => chain
            .certs
            .iter()
            .map(|c| c.signature_algorithm.clone())
            .find(|a| is_sha1(a)),
    };
    let what = match name {
        Some(n) if is_sha1(&n) && !supports_sha1 => SHA1_UNSUPPORTED.to_owned(),
        Some(n) if is_sha1(&n) => format!(
            "the signature algorithm {n} (of the SHA-1 algorithms only sha1WithRSAEncryption is verified)"
        ),
        Some(n) => format!("the signature algorithm {n}"),
        None => "a signature algorithm in the chain".to_owned(),
    };
    ValidationFailure::UnsupportedAlgorithm { what }
}

pub(super) fn oid_name(id: &[u8]) -> Option<String> {
    let (&tag, rest) = id.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if tag != 0x06 {
        return None;
    }
    let body = rest.get(..usize::from(len))?;
    let oid = der::asn1::ObjectIdentifier::from_bytes(body).ok()?;
    Some(certinfo::signature_algorithm_name(&oid))
}

pub(super) fn is_sha1(algorithm: &str) -> bool {
    let lower = algorithm.to_ascii_lowercase();
    lower.contains("sha1") || lower.contains("sha-1")
}

/// Fallback for certificate errors that did not pass through `PhoneVerifier` (tokio-rustls wraps
/// the rustls error in an io::Error).
pub(super) fn validation_from_io(error: &std::io::Error) -> Option<ValidationFailure> {
    let inner = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    match inner {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(e))) => {
            e.downcast_ref::<ValidationFailure>().cloned()
        }
        rustls::Error::InvalidCertificate(ce) => Some(ValidationFailure::Other(
            rustls::Error::InvalidCertificate(ce.clone()).to_string(),
        )),
        _ => None,
    }
}
