//! The CA's certificates: one [`CaGeneration`] per renewal, given by the scenario (files or DER)
//! or, when none is given, read from the directory's enrollment service at request time so that
//! an `ldapmodify` of `cACertificate` changes what Web Enrollment serves.

use std::path::Path;

use ad_common::certfile;
use der::Decode;
use x509_cert::Certificate;

use crate::directory::Directory;
use crate::error::Error;

/// One CA certificate (one renewal) and the certificates above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaGeneration {
    /// The CA's own certificate, DER.
    pub certificate: Vec<u8>,
    /// Its issuers' certificates, DER, nearest first (empty for a root CA).
    pub chain: Vec<Vec<u8>>,
}

impl CaGeneration {
    pub fn new(certificate: Vec<u8>, chain: Vec<Vec<u8>>) -> CaGeneration {
        CaGeneration { certificate, chain }
    }

    /// A generation from a file's bytes: PEM whose first CERTIFICATE block is the CA's
    /// certificate and the rest its chain (other blocks and text between them are ignored; a
    /// block may also hold a certs-only PKCS#7, as certnew.p7b's base64 does), or DER of one
    /// certificate. Read with the shared reader, [`ad_common::certfile`].
    pub fn from_bytes(bytes: &[u8]) -> Result<CaGeneration, Error> {
        let bytes = certfile::strip_bom(bytes);
        let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
        let mut certificates = if first == Some(&0x30) {
            vec![bytes.to_vec()]
        } else {
            let text = std::str::from_utf8(bytes).map_err(|_| Error::NotDerOrPem)?;
            pem_certificates(text).map_err(|reason| Error::Pem { reason })?
        }
        .into_iter();
        let certificate = certificates.next().ok_or(Error::NoCertificate)?;
        let generation = CaGeneration::new(certificate, certificates.collect());
        generation.validate()?;
        Ok(generation)
    }

    /// [`CaGeneration::from_bytes`] of a file; errors name the file.
    pub fn from_file(path: &Path) -> Result<CaGeneration, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        CaGeneration::from_bytes(&bytes).map_err(|source| Error::CaFile {
            path: path.to_path_buf(),
            source: Box::new(source),
        })
    }

    /// Every certificate parses as X.509 (so a PKCS#7 made of them is well-formed).
    pub fn validate(&self) -> Result<(), Error> {
        subject(&self.certificate).map_err(|source| Error::Certificate {
            which: "the CA certificate".to_string(),
            source,
        })?;
        for (index, issuer) in self.chain.iter().enumerate() {
            subject(issuer).map_err(|source| Error::Certificate {
                which: format!("chain certificate {}", index + 1),
                source,
            })?;
        }
        Ok(())
    }

    /// The CA certificate followed by its chain.
    pub(crate) fn chain_in_order(&self) -> Vec<&[u8]> {
        std::iter::once(self.certificate.as_slice())
            .chain(self.chain.iter().map(Vec::as_slice))
            .collect()
    }
}

/// The subject of a DER certificate as RFC 4514 text.
pub(crate) fn subject(der: &[u8]) -> Result<String, der::Error> {
    Certificate::from_der(der).map(|certificate| certificate.tbs_certificate.subject.to_string())
}

/// The subject's CN (or the whole subject without one): the CA name the pages show.
pub(crate) fn common_name(subject: &str) -> String {
    subject
        .split(',')
        .find_map(|rdn| {
            let (key, value) = rdn.split_once('=')?;
            key.trim().eq_ignore_ascii_case("CN").then(|| value.trim())
        })
        .unwrap_or(subject)
        .replace('\\', "")
}

/// The certificates of every `CERTIFICATE` block, in file order (none: no such block).
fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let is_certificate = |label: &str| label == "CERTIFICATE";
    let blocks = certfile::pem_blocks(text).map_err(|error| error.to_string())?;
    if !blocks.iter().any(|block| is_certificate(block.label)) {
        return Ok(Vec::new());
    }
    certfile::certificates_in_pem(text, is_certificate).map_err(|error| error.to_string())
}

/// The generations the directory publishes: the `cACertificate` values of the first
/// `pKIEnrollmentService` that has any certificate, one generation per value in stored order,
/// without a chain. Values that are no certificate (AD's one-byte placeholder) are skipped.
pub(crate) fn from_directory(directory: &dyn Directory) -> Vec<CaGeneration> {
    directory
        .enrollment_ca_certificates()
        .into_iter()
        .map(|values| {
            values
                .into_iter()
                .filter(|value| subject(value).is_ok())
                .map(|value| CaGeneration::new(value, Vec::new()))
                .collect::<Vec<_>>()
        })
        .find(|generations| !generations.is_empty())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkcs7::tests::certificate;

    fn pem(der: &[u8]) -> String {
        crate::pkcs7::armour(der)
    }

    #[test]
    fn pem_file_first_certificate_is_the_ca_and_the_rest_its_chain() {
        let ca = certificate("Issuing CA");
        let root = certificate("Root CA");
        let text = format!(
            "subject=CN=Issuing CA\n{}\nsome comment\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n{}",
            pem(&ca),
            pem(&root)
        );
        let generation = CaGeneration::from_bytes(text.as_bytes()).expect("loads");
        assert_eq!(generation.certificate, ca);
        assert_eq!(generation.chain, vec![root]);
        assert_eq!(generation.chain_in_order().len(), 2);
    }

    #[test]
    fn der_file_is_one_certificate() {
        let ca = certificate("Root CA");
        let generation = CaGeneration::from_bytes(&ca).expect("loads");
        assert_eq!(generation, CaGeneration::new(ca, Vec::new()));
    }

    #[test]
    fn bad_files_are_explained() {
        let cases: [&[u8]; 6] = [
            b"",
            b"hello",
            b"\xff\xfe\x00",
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ];
        for bytes in cases {
            assert!(CaGeneration::from_bytes(bytes).is_err(), "{bytes:?}");
        }
        assert!(CaGeneration::from_bytes(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        let error = CaGeneration::from_file(Path::new("/nonexistent/ca.pem")).expect_err("io");
        assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
    }

    /// A directory with fixed enrollment services.
    struct Published(Vec<Vec<Vec<u8>>>);

    impl Directory for Published {
        fn enrollment_ca_certificates(&self) -> Vec<Vec<Vec<u8>>> {
            self.0.clone()
        }
        fn authenticate(&self, _: &str, _: &str) -> Result<String, crate::BindRefused> {
            Err(crate::BindRefused::NotAUser)
        }
        fn host_name(&self) -> String {
            "dc1.example.test".into()
        }
        fn default_ca_name(&self) -> String {
            "EXAMPLE-DC1-CA".into()
        }
    }

    #[test]
    fn the_first_service_with_a_certificate_serves_skipping_placeholders() {
        let old = certificate("Old CA");
        let new = certificate("New CA");
        let placeholder = vec![0x00];
        let directory = Published(vec![
            vec![],
            vec![placeholder.clone()],
            vec![old.clone(), placeholder, new.clone()],
            vec![certificate("Other CA")],
        ]);
        assert_eq!(
            from_directory(&directory),
            vec![
                CaGeneration::new(old, Vec::new()),
                CaGeneration::new(new, Vec::new())
            ]
        );
        assert!(from_directory(&Published(vec![vec![vec![0x00]]])).is_empty());
    }

    #[test]
    fn common_names() {
        assert_eq!(
            common_name("CN=Example Root CA,O=Example"),
            "Example Root CA"
        );
        assert_eq!(common_name("O=Example,cn=x"), "x");
        assert_eq!(common_name("O=Example"), "O=Example");
        assert_eq!(common_name(""), "");
    }
}
