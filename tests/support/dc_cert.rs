//! A domain controller's TLS certificate for peers that serve LDAP over TLS (slapd, Samba AD DC):
//! a CA and a server certificate it issued with rcgen, as PEM files an administrator would hand
//! to the server (`olcTLSCertificateFile`, `tls certfile`, …) and to the clients (`--ca-file`).

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    SanType,
};

/// `ca.pem` (the CA), `dc.pem` (the server certificate) and `dc.key` (its key, mode 0600 as Samba
/// requires) in a private directory.
pub struct DcCert {
    pub dir: tempfile::TempDir,
    /// The server certificate's subjectAltName entries as given.
    pub names: Vec<String>,
}

impl DcCert {
    /// A CA called `ca_cn` and a server-auth certificate for `names` (DNS names or IP literals,
    /// as subjectAltName entries), subject CN = the first name.
    pub fn issue(ca_cn: &str, names: &[&str]) -> DcCert {
        let dir = tempfile::Builder::new()
            .prefix("dc-cert-")
            .tempdir()
            .expect("tempdir");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, ca_cn);
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().expect("DC key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, *first);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        for name in names {
            params.subject_alt_names.push(match name.parse() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*name).try_into().expect("DNS name")),
            });
        }
        let leaf = params.signed_by(&key, &issuer).expect("DC certificate");
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write ca.pem");
        std::fs::write(dir.path().join("dc.pem"), leaf.pem()).expect("write dc.pem");
        let key_path = dir.path().join("dc.key");
        std::fs::write(&key_path, key.serialize_pem()).expect("write dc.key");
        set_mode_600(&key_path);
        DcCert {
            dir,
            names: names.iter().map(|name| name.to_string()).collect(),
        }
    }

    /// The CA certificate (PEM): what clients get as `--ca-file`.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server certificate (PEM).
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("dc.pem")
    }

    /// The server's private key (PEM, mode 0600).
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("dc.key")
    }
}

fn set_mode_600(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
}
