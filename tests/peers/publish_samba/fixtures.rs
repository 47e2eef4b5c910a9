//! The fixture files publish takes: a root, an issuing CA, a cross certificate, a KRA certificate,
//! and a base and a delta CRL.

use der::{Decode, Encode};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber, SigningKey as _,
};
use x509_cert::crl::CertificateList;

use super::*;

/// id-ce-deltaCRLIndicator.
pub(crate) const DELTA_CRL_INDICATOR: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.27");

/// The files published, in a private directory.
pub(crate) struct Fixtures {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) issuing: PathBuf,
    pub(crate) cross: PathBuf,
    pub(crate) kra: PathBuf,
    pub(crate) base_crl: PathBuf,
    pub(crate) delta_crl: PathBuf,
}

pub(crate) fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

pub(crate) fn crl_params(number: u64) -> CertificateRevocationListParams {
    CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2025, 1, 1),
        next_update: rcgen::date_time_ymd(2035, 1, 1),
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(number + 100),
            revocation_time: rcgen::date_time_ymd(2025, 1, 1),
            reason_code: None,
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
}

/// A delta CRL: rcgen cannot write the deltaCRLIndicator, so it is added to a CRL's extensions
/// (BaseCRLNumber `base`) and the list is signed again with the issuer's key.
pub(crate) fn delta_crl(issuer: &Issuer<'static, KeyPair>, number: u64, base: u8) -> Vec<u8> {
    let der = crl_params(number)
        .signed_by(issuer)
        .expect("CRL")
        .der()
        .to_vec();
    let mut list = CertificateList::from_der(&der).expect("decode CRL");
    list.tbs_cert_list
        .crl_extensions
        .get_or_insert_with(Vec::new)
        .push(x509_cert::ext::Extension {
            extn_id: DELTA_CRL_INDICATOR,
            critical: true,
            extn_value: der::asn1::OctetString::new(vec![0x02, 0x01, base]).expect("octets"),
        });
    let tbs = list.tbs_cert_list.to_der().expect("encode TBS");
    let signature = issuer.key().sign(&tbs).expect("sign delta CRL");
    list.signature = der::asn1::BitString::from_bytes(&signature).expect("signature bits");
    list.to_der().expect("encode delta CRL")
}

impl Fixtures {
    pub(crate) fn new() -> Fixtures {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write fixture");
            path
        };

        let root_key = KeyPair::generate().expect("key");
        let root_params = ca_params("Example Samba Root CA");
        let root_cert = root_params.self_signed(&root_key).expect("root");
        let root = Issuer::new(root_params, root_key);

        let issuing_key = KeyPair::generate().expect("key");
        let issuing_params = ca_params("Example Samba Issuing CA");
        let issuing_cert = issuing_params
            .signed_by(&issuing_key, &root)
            .expect("issuing CA");

        // A cross certificate: the issuing CA's name and key, certified by a partner's root.
        let partner_key = KeyPair::generate().expect("key");
        let partner = Issuer::new(ca_params("Example Partner Root CA"), partner_key);
        let cross_cert = ca_params("Example Samba Issuing CA")
            .signed_by(&issuing_key, &partner)
            .expect("cross certificate");

        let issuing = Issuer::new(issuing_params, issuing_key);
        let kra_key = KeyPair::generate().expect("key");
        let mut kra_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        kra_params
            .distinguished_name
            .push(DnType::CommonName, "Example Samba KRA");
        kra_params.is_ca = IsCa::ExplicitNoCa;
        kra_params.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
        let kra_cert = kra_params.signed_by(&kra_key, &issuing).expect("KRA");

        let base_crl = crl_params(1)
            .signed_by(&root)
            .expect("base CRL")
            .der()
            .to_vec();
        let delta = delta_crl(&root, 2, 1);

        Fixtures {
            root: write("root.cer", root_cert.der()),
            issuing: write("issuing.cer", issuing_cert.der()),
            cross: write("cross.cer", cross_cert.der()),
            kra: write("kra.cer", kra_cert.der()),
            base_crl: write("root.crl", &base_crl),
            delta_crl: write("root-delta.crl", &delta),
            _dir: dir,
        }
    }

    /// The publish commands, in order: (label, file, TYPE, extra arguments).
    pub(crate) fn steps(&self) -> Vec<(&'static str, &Path, &'static str, Vec<&'static str>)> {
        vec![
            ("RootCA root", &self.root, "RootCA", vec![]),
            ("SubCA issuing", &self.issuing, "SubCA", vec![]),
            ("NTAuthCA root", &self.root, "NTAuthCA", vec![]),
            ("NTAuthCA issuing", &self.issuing, "NTAuthCA", vec![]),
            ("CrossCA cross", &self.cross, "CrossCA", vec![]),
            ("KRA kra", &self.kra, "KRA", vec![]),
            (
                "base CRL",
                &self.base_crl,
                "crl",
                vec!["--cdp-container", "ca1"],
            ),
            (
                "delta CRL",
                &self.delta_crl,
                "crl",
                vec!["--cdp-container", "ca1"],
            ),
        ]
    }
}
