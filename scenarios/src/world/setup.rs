//! What a world is built from besides its directory: the web server's files, refusing ports for
//! unreachable hosts, each certsrv host's configuration, a messy forest's clutter.

use std::net::SocketAddr;

use crate::pki::Hierarchy;
use crate::spec::Scenario;

use super::{web, LOOPBACK};

/// What the world's plain web server serves — the LPE certificate web service's chain and the
/// CRLs — by (host, path), and the hosts that must resolve to a closed port (unreachable).
pub(super) fn web_files(
    scenario: &Scenario,
    pki: &Hierarchy,
) -> Result<(web::Files, Vec<String>), String> {
    let mut files = web::Files::new();
    let mut unreachable = Vec::new();
    if let Some(service) = &scenario.web_service {
        let (host, path) = web::host_and_path(&service.url)
            .ok_or_else(|| format!("web_service url {} is not http(s)://host/path", service.url))?;
        if service.reachable {
            let mut chain = Vec::new();
            for id in &service.certificates {
                chain.push(
                    pki.get(id)
                        .ok_or_else(|| format!("web_service: no certificate {id}"))?
                        .der
                        .clone(),
                );
            }
            let body = certsrv::certs_only_pkcs7(&chain)
                .map_err(|error| format!("web_service: cannot encode the chain: {error}"))?;
            files.insert((host, path), ("application/x-pkcs7-certificates", body));
        } else {
            unreachable.push(host);
        }
    }
    for crl in &pki.crls {
        let (host, path) = web::host_and_path(&crl.url)
            .ok_or_else(|| format!("crl url {} is not http://host/path", crl.url))?;
        if crl.reachable {
            files.insert(
                (host.clone(), path),
                ("application/pkix-crl", crl.der.clone()),
            );
        } else {
            unreachable.push(host);
        }
    }
    Ok((files, unreachable))
}

/// A loopback address that refuses connections: a socket bound and never listening, kept in
/// `held` for the world's life.
pub(super) fn refusing_address(
    held: &mut Vec<tokio::net::TcpSocket>,
) -> Result<SocketAddr, String> {
    let cannot = |error: std::io::Error| format!("cannot bind a refusing port: {error}");
    let socket = tokio::net::TcpSocket::new_v4().map_err(cannot)?;
    socket
        .bind(SocketAddr::from((LOOPBACK, 0)))
        .map_err(cannot)?;
    let address = socket.local_addr().map_err(cannot)?;
    held.push(socket);
    Ok(address)
}

/// The certsrv configuration of one host: each renewal with its issuer path, and the host's name
/// (the realm of its Basic challenge).
pub(super) fn certsrv_config(
    pki: &Hierarchy,
    host: &crate::spec::CertsrvSpec,
) -> Result<certsrv::Config, String> {
    let behaviour: certsrv::Behaviour = host.behaviour.parse().map_err(|error| {
        format!(
            "certsrv {}: behaviour {:?}: {error}",
            host.host, host.behaviour
        )
    })?;
    let mut generations = Vec::new();
    for id in &host.renewals {
        let path = pki.path(id);
        let Some((ca, issuers)) = path.split_first() else {
            return Err(format!("certsrv {}: no certificate {id}", host.host));
        };
        generations.push(certsrv::CaGeneration {
            certificate: ca.der.clone(),
            chain: issuers.iter().map(|issuer| issuer.der.clone()).collect(),
        });
    }
    // The current renewal's key signs what certfnsh.asp issues.
    let issuer_key = host
        .renewals
        .last()
        .and_then(|id| pki.get(id))
        .and_then(|issued| issued.key_pkcs8());
    Ok(certsrv::Config {
        generations,
        behaviour,
        host_name: Some(host.host.clone()),
        ca_name: None,
        tls: None,
        issuer_key,
        pend_all: host.requests == crate::spec::RequestHandling::Pend,
    })
}

/// Unrelated self-signed CA certificates for a messy forest.
pub(super) fn clutter_certificates(count: u32) -> Result<Vec<Vec<u8>>, String> {
    (0..count)
        .map(|index| {
            let key = rcgen::KeyPair::generate().map_err(|error| error.to_string())?;
            let mut params = rcgen::CertificateParams::default();
            params.distinguished_name =
                crate::pki::distinguished_name(&format!("Decommissioned CA {index:02}"));
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params
                .self_signed(&key)
                .map(|certificate| certificate.der().to_vec())
                .map_err(|error| error.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::KeyPool;

    #[test]
    fn web_files_serve_reachable_crls_and_name_unreachable_hosts() {
        let scenario = Scenario::parse(
            "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nsubject = \"R\"\n\
             [[crl]]\nissuer = \"root\"\nurl = \"http://ca.example.test/CertEnroll/r.crl\"\n\
             [[crl]]\nissuer = \"root\"\nurl = \"http://old.example.test/r.crl\"\nreachable = false\n\
             [web_service]\nurl = \"https://webpool.example.test/CertProv/CertProvisioningService.svc\"\ncertificates = [\"root\"]\n\
             [[act]]\ntitle = \"a\"\nexpect = { outcome = \"signed_in\" }\n",
            "x.toml",
            None,
        )
        .unwrap();
        let pki = Hierarchy::build(&scenario, KeyPool::shared()).unwrap();
        let (files, unreachable) = web_files(&scenario, &pki).unwrap();
        assert_eq!(unreachable, ["old.example.test"]);
        let crl = &files[&(
            "ca.example.test".to_string(),
            "/CertEnroll/r.crl".to_string(),
        )];
        assert_eq!(crl.0, "application/pkix-crl");
        let chain = &files[&(
            "webpool.example.test".to_string(),
            "/CertProv/CertProvisioningService.svc".to_string(),
        )];
        assert_eq!(chain.0, "application/x-pkcs7-certificates");
        assert_eq!(chain.1.first(), Some(&0x30));
    }
}
