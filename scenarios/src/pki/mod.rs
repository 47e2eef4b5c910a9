//! Test PKI. [`Hierarchy`] issues a scenario's certificates; [`Pki`] is the seed story's pair
//! (a root and the pool's leaf), generated per run with rcgen (ECDSA P-256).

mod hierarchy;
mod keys;
pub mod sha1;

pub use hierarchy::{
    distinguished_name, pem_certificate, Hierarchy, Issued, IssuedCrl, RegistrarCertificate,
};
pub use keys::KeyPool;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A root and a leaf it issued for the pool's FQDN.
pub struct Pki {
    pub root_der: Vec<u8>,
    pub root_pem: String,
    pub leaf_der: Vec<u8>,
    pub leaf_key_der: Vec<u8>,
}

impl Pki {
    /// A standalone root named `root_cn` and a leaf for `pool_fqdn` (its only SAN).
    pub fn new(root_cn: &str, pool_fqdn: &str) -> Result<Pki, rcgen::Error> {
        let root_key = KeyPair::generate()?;
        let mut root_params = CertificateParams::new(Vec::<String>::new())?;
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params
            .distinguished_name
            .push(DnType::CommonName, root_cn);
        let root = root_params.self_signed(&root_key)?;
        let issuer = Issuer::new(root_params, root_key);
        let leaf_key = KeyPair::generate()?;
        let mut leaf_params = CertificateParams::new(vec![pool_fqdn.to_string()])?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, pool_fqdn);
        let leaf = leaf_params.signed_by(&leaf_key, &issuer)?;
        Ok(Pki {
            root_der: root.der().to_vec(),
            root_pem: root.pem(),
            leaf_der: leaf.der().to_vec(),
            leaf_key_der: leaf_key.serialize_der(),
        })
    }
}
