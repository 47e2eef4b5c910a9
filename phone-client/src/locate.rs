//! Finding the domain controller: an explicit `--dc`, or DNS SRV `_ldap._tcp.dc._msdcs.<domain>`
//! asked of a DNS server the caller names (`--dns`), with the suffix rules of domain.md §D.1.
//! The machine's own resolver is never used: names resolve through `--resolve` or that DNS server.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::Resolver;

use crate::enroll::ResolveMap;
use crate::error::{Error, ReasonCode};

/// LDAP's port.
pub const LDAP_PORT: u16 = 389;
/// LDAP over TLS (LDAPS).
pub const LDAPS_PORT: u16 = 636;

/// A DC the locator found: where to connect, the name its TLS certificate must carry, and how
/// it was found (for the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedDc {
    pub address: SocketAddr,
    /// `--dc`'s host (a name, or the IP literal as given), or the SRV record's target; what a
    /// TLS client checks the DC's certificate against.
    pub name: String,
    pub how: String,
}

/// The host part of `HOST[:PORT]` (an IPv6 literal may be bracketed).
pub fn host_of(text: &str) -> &str {
    let host = if text.parse::<SocketAddr>().is_ok() {
        text.rsplit_once(':').map_or(text, |(host, _)| host)
    } else if text.parse::<IpAddr>().is_ok() {
        text
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
                host
            }
            _ => text,
        }
    };
    host.trim_start_matches('[').trim_end_matches(']')
}

/// How the phone was told to find its DC.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    /// `--dc HOST[:PORT]`.
    pub dc: Option<String>,
    /// `--dns ADDR[:PORT]`: the DNS server DHCP handed out.
    pub dns: Option<SocketAddr>,
    /// DHCP option 15 (domain name).
    pub dhcp_domain: Option<String>,
    /// DHCP option 119 (domain search list).
    pub dhcp_search: Vec<String>,
    /// DHCP option 43 as LPE PIN sign-in reads it: the Certificate Provisioning Service URL,
    /// e.g. `https://webpool.example.test:443/CertProv/CertProvisioningService.svc` (§D.2).
    /// Used only with `sign_in_method = "pin"`.
    pub dhcp_option_43: Option<String>,
    /// DHCP option 120: the registrar (pool), `FQDN[:PORT]` (§D.2). Used only with
    /// `sign_in_method = "pin"`, and only when `Boot::registrar` is empty.
    pub dhcp_option_120: Option<String>,
    pub resolve: ResolveMap,
}

/// The DNS domains the phone tries for the DC-locator SRV record, in order (§D.1): a UPN's
/// suffix; for `DOMAIN\user`, the NetBIOS name alone, then with option 15, then with each 119 suffix.
pub fn candidate_domains(
    user: &str,
    dhcp_domain: Option<&str>,
    dhcp_search: &[String],
) -> Vec<String> {
    if let Some((_, domain)) = user.rsplit_once('@') {
        return vec![domain.to_ascii_lowercase()];
    }
    let netbios = user
        .split_once('\\')
        .map(|(domain, _)| domain)
        .unwrap_or("")
        .to_ascii_lowercase();
    if netbios.is_empty() {
        return dhcp_domain
            .into_iter()
            .map(str::to_ascii_lowercase)
            .collect();
    }
    let mut domains = vec![netbios.clone()];
    for suffix in dhcp_domain
        .into_iter()
        .chain(dhcp_search.iter().map(String::as_str))
    {
        let candidate = format!(
            "{netbios}.{}",
            suffix.trim_matches('.').to_ascii_lowercase()
        );
        if !domains.contains(&candidate) {
            domains.push(candidate);
        }
    }
    domains
}

/// Resolves `host` to an address without the system resolver: an IP literal, or `--resolve`.
/// `default_port` applies when neither the text nor the mapping gives one.
pub fn resolve_host(
    text: &str,
    default_port: u16,
    resolve: &ResolveMap,
) -> Result<SocketAddr, Error> {
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() => (
            host,
            Some(
                port.parse::<u16>()
                    .map_err(|_| Error::usage(format!("bad port in {text:?}")))?,
            ),
        ),
        _ => (text, None),
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port.unwrap_or(default_port)));
    }
    let mapped = resolve
        .get(&host.to_ascii_lowercase())
        .ok_or_else(|| Error::usage(format!("{host} is not an IP address and not in --resolve (this tool never asks the machine's resolver)")))?;
    Ok(SocketAddr::new(
        mapped.ip(),
        port.unwrap_or(if mapped.port() == 0 {
            default_port
        } else {
            mapped.port()
        }),
    ))
}

impl Locator {
    /// The DC's address, and how it was found (for the report), for plain LDAP.
    pub async fn locate(
        &self,
        user: &str,
        timeout: Duration,
    ) -> Result<(SocketAddr, String), Error> {
        let found = self.locate_dc(user, timeout, LDAP_PORT).await?;
        Ok((found.address, found.how))
    }

    /// The DC: its address, its name (for TLS) and how it was found. `port` is the port when
    /// `--dc` names none, and the port dialled on an SRV record's target when it is not 389
    /// (LDAPS: 636; the DC-locator record names the LDAP port, there is no LDAPS record).
    pub async fn locate_dc(
        &self,
        user: &str,
        timeout: Duration,
        port: u16,
    ) -> Result<LocatedDc, Error> {
        let not_found = |text: String| Error::new(ReasonCode::DcNotFound, text);
        if let Some(dc) = &self.dc {
            let address = resolve_host(dc, port, &self.resolve)
                .map_err(|error| error.with_code(ReasonCode::DcNotFound))?;
            return Ok(LocatedDc {
                address,
                name: host_of(dc).to_string(),
                how: format!("--dc {dc} → {address}"),
            });
        }
        let Some(dns) = self.dns else {
            return Err(not_found(
                "no --dc and no DNS server (--dns): the phone cannot look up _ldap._tcp.dc._msdcs"
                    .into(),
            ));
        };
        let domains = candidate_domains(user, self.dhcp_domain.as_deref(), &self.dhcp_search);
        let resolver = resolver(dns, timeout).map_err(not_found)?;
        let mut tried = Vec::new();
        for domain in &domains {
            let name = format!("_ldap._tcp.dc._msdcs.{domain}.");
            match tokio::time::timeout(timeout, resolver.srv_lookup(name.as_str())).await {
                Ok(Ok(lookup)) => {
                    let mut records: Vec<_> = lookup
                        .answers()
                        .iter()
                        .filter_map(|record| match &record.data {
                            RData::SRV(srv) => Some((
                                srv.priority,
                                std::cmp::Reverse(srv.weight),
                                srv.target.to_string(),
                                srv.port,
                            )),
                            _ => None,
                        })
                        .collect();
                    records.sort();
                    for (_, _, target, srv_port) in records {
                        let host = target.trim_end_matches('.').to_string();
                        let dialled = if port == LDAP_PORT { srv_port } else { port };
                        match self.address_of(&resolver, &host, dialled, timeout).await {
                            Ok(address) => {
                                let how = if dialled == srv_port {
                                    format!("SRV {name} → {host}:{srv_port} → {address}")
                                } else {
                                    format!("SRV {name} → {host}:{srv_port}, port {dialled} for LDAPS → {address}")
                                };
                                return Ok(LocatedDc {
                                    address,
                                    name: host,
                                    how,
                                });
                            }
                            Err(error) => tried.push(error),
                        }
                    }
                    tried.push(format!("{name}: no usable target"));
                }
                Ok(Err(error)) => tried.push(format!("{name}: {error}")),
                Err(_) => tried.push(format!("{name}: timed out")),
            }
        }
        Err(not_found(format!(
            "no domain controller found (tried {})",
            tried.join("; ")
        )))
    }

    async fn address_of(
        &self,
        resolver: &Resolver<TokioRuntimeProvider>,
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<SocketAddr, String> {
        if let Ok(address) = resolve_host(&format!("{host}:{port}"), port, &self.resolve) {
            return Ok(address);
        }
        let lookup = tokio::time::timeout(timeout, resolver.lookup_ip(format!("{host}.")))
            .await
            .map_err(|_| format!("{host}: address lookup timed out"))?
            .map_err(|error| format!("{host}: {error}"))?;
        lookup
            .iter()
            .next()
            .map(|ip| SocketAddr::new(ip, port))
            .ok_or_else(|| format!("{host}: no address"))
    }
}

fn resolver(dns: SocketAddr, timeout: Duration) -> Result<Resolver<TokioRuntimeProvider>, String> {
    let mut server = NameServerConfig::udp_and_tcp(dns.ip());
    for connection in &mut server.connections {
        connection.port = dns.port();
    }
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![server]),
        TokioRuntimeProvider::default(),
    );
    builder.options_mut().timeout = timeout;
    builder.options_mut().attempts = 1;
    // Only the phone's DNS server answers: /etc/hosts is the machine's, not the phone's.
    builder.options_mut().use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
    builder
        .build()
        .map_err(|error| format!("cannot set up DNS resolution via {dns}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dcs_tls_name_is_the_host_as_given() {
        assert_eq!(host_of("dc1.example.test:636"), "dc1.example.test");
        assert_eq!(host_of("dc1.example.test"), "dc1.example.test");
        assert_eq!(host_of("127.0.0.1:389"), "127.0.0.1");
        assert_eq!(host_of("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_of("[::1]:636"), "::1");
        assert_eq!(host_of("::1"), "::1");
    }

    #[tokio::test]
    async fn a_named_dc_keeps_its_name_and_takes_the_transports_port() {
        let mut resolve = ResolveMap::new();
        resolve.insert("dc1.example.test".into(), "127.0.0.1:0".parse().unwrap());
        let locator = Locator {
            dc: Some("dc1.example.test".into()),
            resolve,
            ..Locator::default()
        };
        let found = locator
            .locate_dc("alice@example.test", Duration::from_secs(1), LDAPS_PORT)
            .await
            .unwrap();
        assert_eq!(found.name, "dc1.example.test");
        assert_eq!(found.address.to_string(), "127.0.0.1:636");
        let literal = Locator {
            dc: Some("127.0.0.1:3890".into()),
            ..Locator::default()
        };
        let found = literal
            .locate_dc("alice@example.test", Duration::from_secs(1), LDAPS_PORT)
            .await
            .unwrap();
        assert_eq!(
            (found.name.as_str(), found.address.port()),
            ("127.0.0.1", 3890)
        );
    }

    #[test]
    fn upn_sign_in_uses_its_suffix() {
        assert_eq!(
            candidate_domains("alice@Example.Test", Some("corp.local"), &[]),
            ["example.test"]
        );
    }

    #[test]
    fn down_level_sign_in_follows_the_dhcp_suffix_rules() {
        let search = vec!["example.test".to_string(), "lab.example.test".to_string()];
        assert_eq!(
            candidate_domains("EXAMPLE\\alice", Some("corp.local"), &search),
            [
                "example",
                "example.corp.local",
                "example.example.test",
                "example.lab.example.test"
            ]
        );
        assert_eq!(candidate_domains("EXAMPLE\\alice", None, &[]), ["example"]);
    }

    #[test]
    fn hosts_resolve_only_through_literals_and_the_map() {
        let mut map = ResolveMap::new();
        map.insert("dc1.example.test".into(), "127.0.0.1:3890".parse().unwrap());
        assert_eq!(
            resolve_host("dc1.example.test", 389, &map).unwrap(),
            "127.0.0.1:3890".parse().unwrap()
        );
        assert_eq!(
            resolve_host("DC1.example.test:4000", 389, &map).unwrap(),
            "127.0.0.1:4000".parse().unwrap()
        );
        assert_eq!(
            resolve_host("127.0.0.2", 389, &map).unwrap(),
            "127.0.0.2:389".parse().unwrap()
        );
        assert_eq!(
            resolve_host("127.0.0.2:636", 389, &map).unwrap(),
            "127.0.0.2:636".parse().unwrap()
        );
        let error = resolve_host("other.example.test", 389, &map).unwrap_err();
        assert!(error.text().contains("not in --resolve"), "{error}");
    }
}
