//! A scenario's world: every server it needs, started on ephemeral loopback ports — the
//! directory (LDAP, and a Global Catalog port when asked), AD CS web enrollment hosts, a web
//! server for CRLs, a DNS server for DC location, and the registrar's TLS endpoint — plus the
//! name → address map the phone is given (`--resolve`), since nothing may ask the machine's
//! resolver.

mod admin;
mod dns;
mod ldif;
mod phone;
mod setup;
mod templates;
mod web;

use std::net::SocketAddr;
use std::time::Duration;

use phone_client::enroll::ResolveMap;
use phone_client::ldap::{DcTrust, LdapTarget};
use phone_client::locate::Locator;
use phone_client::profile::{LdapTransport, Profile};
use phone_client::report::Report;
use phone_client::run::Boot;
use tokio::task::JoinHandle;

use crate::pki::{Hierarchy, KeyPool};
use crate::spec::{DcCertificateSpec, LdapSigning, Locate, PhoneSpec, Scenario};
use crate::Error;

pub use admin::apply_ldif;
pub use dns::Zone;
pub use ldif::Names;
pub use phone::{apply_phone_change, with_default_user};

use phone::merge;
use setup::{certsrv_config, clutter_certificates, refusing_address, web_files};

/// The Administrator's password in every world.
pub const ADMIN_PASSWORD: &str = "Passw0rd!";
const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

/// A certsrv host of the world and where it listens.
#[derive(Debug, Clone)]
pub struct CertsrvHost {
    pub host: String,
    pub address: SocketAddr,
    pub behaviour: String,
}

/// A running world. Call [`World::shutdown`] when done.
pub struct World {
    pub scenario: Scenario,
    pub pki: Hierarchy,
    pub names: Names,
    directory: ldap_server::RunningServer,
    /// The `/certsrv` hosts that listen (all against `directory`).
    certsrv_servers: Vec<certsrv::RunningCertsrv>,
    pub certsrv: Vec<CertsrvHost>,
    pub registrar: SocketAddr,
    /// The registrar's TLS listener (replaced when an act reissues its certificate).
    registrar_task: JoinHandle<()>,
    pub dns: Option<SocketAddr>,
    /// What the phone may resolve: registrar, certsrv and CRL hosts.
    pub resolve: ResolveMap,
    /// The phone as it is now (acts may change it).
    pub phone: PhoneSpec,
    tasks: Vec<JoinHandle<()>>,
    /// Bound, never listening: the addresses of `refused` certsrv hosts and unreachable CRL
    /// hosts refuse connections for as long as the world lives (nothing else can take them).
    _refusing: Vec<tokio::net::TcpSocket>,
}

impl World {
    /// Issues the PKI and starts every server of `scenario`.
    pub async fn start(scenario: &Scenario) -> Result<World, Error> {
        // Key generation (RSA 4096 takes seconds) runs off the async workers, so the other
        // worlds' timed servers keep answering meanwhile.
        let spec = scenario.clone();
        let pki = tokio::task::spawn_blocking(move || Hierarchy::build(&spec, KeyPool::shared()))
            .await
            .map_err(|error| Error::World(format!("issuing the PKI failed: {error}")))??;
        World::start_with(scenario, pki).await.map_err(Error::World)
    }

    /// [`World::start`] once the PKI is issued.
    async fn start_with(scenario: &Scenario, pki: Hierarchy) -> Result<World, String> {
        let names = Names::for_domain(&scenario.domain.dns);
        let clutter = clutter_certificates(scenario.directory.clutter_ca_objects)?;
        let mut scenario = scenario.clone();
        with_default_user(&mut scenario);
        let initial = ldif::initial(&scenario, &pki, &clutter)?;
        let mut tasks = Vec::new();
        let mut resolve = ResolveMap::new();

        let mut builder = ldap_server::Server::builder(&scenario.domain.dns)
            .admin_password(ADMIN_PASSWORD)
            .listen(SocketAddr::from((LOOPBACK, 0)))
            .ntauth(scenario.domain.ntauth_object)
            .allow_anonymous_reads(scenario.domain.anonymous_reads)
            // TLS as a DC has it: StartTLS on the LDAP port, LDAPS beside it, a certificate that
            // also names 127.0.0.1 (the phone dials the DC by address).
            .ldaps_listen(SocketAddr::from((LOOPBACK, 0)))
            .tls_name("127.0.0.1")
            .dc_certificate(match scenario.domain.dc_certificate {
                DcCertificateSpec::Issued => ldap_server::DcCertificate::Issued,
                DcCertificateSpec::None => ldap_server::DcCertificate::Absent,
            })
            .ldap_signing(match scenario.domain.ldap_signing {
                LdapSigning::None => ldap_server::SigningPolicy::None,
                LdapSigning::Require => ldap_server::SigningPolicy::Require,
            })
            .ldif_text(format!("{}: generated LDIF", scenario.name), initial);
        if scenario.domain.global_catalog {
            builder = builder.global_catalog_listen(SocketAddr::from((LOOPBACK, 0)));
        }
        // Every host's configuration first, so a bad one is reported before anything starts.
        let configs = scenario
            .certsrv
            .iter()
            .map(|host| match host.behaviour.as_str() {
                "refused" => Ok(None),
                _ => certsrv_config(&pki, host).map(Some),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let directory = builder
            .start()
            .await
            .map_err(|error| format!("cannot start the directory: {error}"))?;
        // One directory behind every CA host: its enrollment services, its users.
        let lookup = directory.certsrv_directory();
        let mut certsrv = Vec::new();
        let mut certsrv_servers = Vec::new();
        let mut refusing = Vec::new();
        for (host, config) in scenario.certsrv.iter().zip(configs) {
            let address = match config {
                None => refusing_address(&mut refusing)?,
                Some(config) => {
                    let cannot = |error: &dyn std::fmt::Display| {
                        format!("cannot start certsrv for {}: {error}", host.host)
                    };
                    let listener = ad_common::listener::bind(SocketAddr::from((LOOPBACK, 0)))
                        .map_err(|error| cannot(&error))?;
                    let server = certsrv::start(listener, config, Some(lookup.clone()))
                        .map_err(|error| cannot(&error))?;
                    let address = server.local_addr();
                    certsrv_servers.push(server);
                    address
                }
            };
            resolve.insert(host.host.to_ascii_lowercase(), address);
            certsrv.push(CertsrvHost {
                host: host.host.clone(),
                address,
                behaviour: host.behaviour.clone(),
            });
        }

        let (registrar, registrar_task) =
            crate::registrar::start(&pki.registrar.chain, &pki.registrar.key_der)
                .await
                .map_err(|error| format!("cannot start the registrar: {error}"))?;
        for name in registrar_names(&scenario) {
            resolve.insert(name, registrar);
        }

        let (files, unreachable) = web_files(&scenario, &pki)?;
        if !files.is_empty() {
            let (address, task) = web::start(files.clone())
                .await
                .map_err(|error| format!("cannot start the web server: {error}"))?;
            tasks.push(task);
            for (host, _) in files.keys() {
                resolve.insert(host.clone(), address);
            }
        }
        for host in unreachable {
            let closed = refusing_address(&mut refusing)?;
            resolve.entry(host).or_insert(closed);
        }

        let dns = if scenario.phone.locate == Some(Locate::Dns) {
            let (address, task) = dns::start(Zone {
                domain: scenario.domain.dns.clone(),
                dc_host: format!("dc1.{}", scenario.domain.dns),
                ldap_port: directory.local_addr().port(),
            })
            .await
            .map_err(|error| format!("cannot start the DNS server: {error}"))?;
            tasks.push(task);
            Some(address)
        } else {
            None
        };

        Ok(World {
            phone: scenario.phone.clone(),
            scenario,
            pki,
            names,
            directory,
            certsrv_servers,
            certsrv,
            registrar,
            registrar_task,
            dns,
            resolve,
            tasks,
            _refusing: refusing,
        })
    }

    /// The DC's LDAPS port.
    pub fn ldaps_address(&self) -> Option<SocketAddr> {
        self.directory.ldaps_addr()
    }

    /// The CA that issued the DC's TLS certificate (PEM), when it has one.
    pub fn dc_ca_pem(&self) -> Option<String> {
        self.directory.dc_ca_pem()
    }

    /// The roots a client needs to trust the DC's certificate: the forest CA that issued it, or,
    /// for a DC without one, the scenario's first certificate (never reached: the handshake is
    /// refused before any certificate is shown, but a TLS client needs roots to start).
    pub fn dc_trust(&self) -> Option<DcTrust> {
        let pem = match self.directory.dc_ca_pem() {
            Some(pem) => pem,
            None => self.pki.certificates().next()?.pem(),
        };
        DcTrust::from_bytes(pem.as_bytes(), "the world's DC CA").ok()
    }

    /// How an administrator reaches the DC: StartTLS when the DC requires signing (a simple bind
    /// over plain LDAP would be refused), plain LDAP otherwise.
    pub fn admin_target(&self) -> LdapTarget {
        let plain = LdapTarget::plain(self.ldap_address());
        if self.scenario.domain.ldap_signing == LdapSigning::Require {
            LdapTarget {
                transport: LdapTransport::StartTls,
                trust: self.dc_trust(),
                ..plain
            }
        } else {
            plain
        }
    }

    pub fn ldap_address(&self) -> SocketAddr {
        self.directory.local_addr()
    }

    pub fn global_catalog_address(&self) -> Option<SocketAddr> {
        self.directory.global_catalog_addr()
    }

    pub fn administrator(&self) -> String {
        format!("Administrator@{}", self.scenario.domain.dns)
    }

    /// The phone's sign-in name and password.
    pub fn credentials(&self) -> (String, String) {
        let first = self.scenario.users.first();
        let user = self.phone.user.clone().unwrap_or_else(|| {
            first.map_or_else(
                || self.administrator(),
                |user| format!("{}@{}", user.name, self.scenario.domain.dns),
            )
        });
        let password = self
            .phone
            .pin
            .clone()
            .or_else(|| self.phone.password.clone())
            .unwrap_or_else(|| {
                first.map_or_else(|| ADMIN_PASSWORD.to_string(), |user| user.password.clone())
            });
        (user, password)
    }

    /// Applies an act's phone changes (they persist into later acts).
    pub fn update_phone(&mut self, change: &PhoneSpec) {
        apply_phone_change(&mut self.phone, change);
    }

    /// The phone's firmware profile with the scenario's settings applied.
    pub fn profile(&self) -> Result<Profile, Error> {
        self.profile_text().map_err(Error::Phone)
    }

    fn profile_text(&self) -> Result<Profile, String> {
        let name = self.phone.profile.as_deref().unwrap_or("cpe-2007r2");
        let base = match Profile::built_in(name) {
            Some(profile) => profile,
            None => {
                let path = match self.scenario.origin.as_deref() {
                    Some(dir) => dir.join(name),
                    None => std::path::PathBuf::from(name),
                };
                Profile::from_file(&path).map_err(|error| error.to_string())?
            }
        };
        let mut table = toml::Table::try_from(&base).map_err(|error| error.to_string())?;
        if let Some(settings) = &self.phone.settings {
            merge(&mut table, settings);
        }
        if let Some(gc) = self.global_catalog_address() {
            table.insert("global_catalog_port".into(), i64::from(gc.port()).into());
        }
        let text = toml::to_string(&table).map_err(|error| error.to_string())?;
        Profile::from_toml(&text).map_err(|error| format!("phone.settings: {error}"))
    }

    /// Boots the phone once.
    pub async fn boot(&self) -> Result<Report, Error> {
        Ok(self.boot_plan()?.run().await)
    }

    /// The phone's boot as this world sets it up (a storm clones it once per phone).
    pub fn boot_plan(&self) -> Result<Boot, Error> {
        let profile = self.profile()?;
        let (user, password) = self.credentials();
        let pin = profile.sign_in_method == phone_client::profile::SignInMethod::Pin;
        let mut locator = match self.dns {
            Some(dns) => Locator {
                dns: Some(dns),
                dhcp_domain: self.phone.dhcp_domain.clone(),
                dhcp_search: self.phone.dhcp_search.clone().unwrap_or_default(),
                resolve: self.resolve.clone(),
                ..Locator::default()
            },
            None => Locator {
                dc: Some(match (profile.ldap_transport, self.ldaps_address()) {
                    (LdapTransport::Ldaps, Some(ldaps)) => ldaps.to_string(),
                    _ => self.ldap_address().to_string(),
                }),
                resolve: self.resolve.clone(),
                ..Locator::default()
            },
        };
        locator.dhcp_option_43 = self.phone.dhcp_option_43.clone();
        locator.dhcp_option_120 = self.phone.dhcp_option_120.clone();
        // A PIN phone learns the registrar from option 120 (the world maps its name).
        let registrar = if pin {
            String::new()
        } else {
            format!("{}:{}", self.registrar_name(), self.registrar.port())
        };
        Ok(Boot {
            profile,
            user,
            password,
            locator,
            registrar,
            resolve: self.resolve.clone(),
            dc_trust: self.dc_trust(),
        })
    }

    /// The name the phone dials and checks the registrar's certificate against.
    pub fn registrar_name(&self) -> &str {
        self.phone
            .registrar
            .as_deref()
            .unwrap_or(&self.scenario.registrar.name)
    }

    /// Replaces the registrar's certificate with the one issued for `sans` (an act's
    /// `registrar_sans`): a new listener, and every registrar name mapped to it.
    pub async fn reissue_registrar(&mut self, sans: &[String]) -> Result<String, Error> {
        let certificate = self
            .pki
            .reissued
            .iter()
            .find(|(names, _)| names.as_slice() == sans)
            .map(|(_, certificate)| certificate.clone())
            .ok_or_else(|| Error::Act(format!("no registrar certificate issued for {sans:?}")))?;
        let (address, task) = crate::registrar::start(&certificate.chain, &certificate.key_der)
            .await
            .map_err(|error| Error::Act(format!("cannot restart the registrar: {error}")))?;
        self.registrar_task.abort();
        self.registrar_task = task;
        self.registrar = address;
        for name in registrar_names(&self.scenario) {
            self.resolve.insert(name, address);
        }
        self.pki.registrar = certificate;
        Ok(format!(
            "the registrar's certificate reissued with subjectAltName {}",
            sans.join(", ")
        ))
    }

    /// Runs the `certutil -f -dspublish FILE TYPE` equivalent over LDAP as the Administrator.
    pub async fn publish(&self, certificate: &str, kind: &str) -> Result<String, Error> {
        let issued = self
            .pki
            .get(certificate)
            .ok_or_else(|| Error::Act(format!("publish: no certificate {certificate}")))?;
        let kind = adpki::publish::PublishType::parse(kind)
            .ok_or_else(|| Error::Act(format!("publish: unknown type {kind}")))?;
        admin::publish(
            self.admin_target(),
            &self.administrator(),
            ADMIN_PASSWORD,
            &issued.pem(),
            &format!("{certificate}.cer"),
            kind,
        )
        .await
    }

    /// Applies an ldapmodify-style LDIF (with substitutions) over LDAP as the Administrator.
    pub async fn modify(&self, text: &str) -> Result<usize, Error> {
        let text = self.names.substitute(text, &self.pki)?;
        apply_ldif(
            self.admin_target(),
            &self.administrator(),
            ADMIN_PASSWORD,
            &text,
        )
        .await
    }

    /// The world as LDIF (what `adpki audit --ldif` reads).
    pub async fn export_ldif(&self) -> String {
        self.directory.export_ldif().await
    }

    pub async fn shutdown(self) {
        self.registrar_task.abort();
        for task in &self.tasks {
            task.abort();
        }
        for server in self.certsrv_servers {
            server.shutdown().await;
        }
        self.directory.shutdown().await;
    }
}

/// Every name a phone of `scenario` may dial the registrar by: `[registrar] name`, its SANs and
/// those of reissued certificates, and the phones' `registrar` (lower case, as resolved).
fn registrar_names(scenario: &Scenario) -> Vec<String> {
    let registrar = &scenario.registrar;
    let mut names = vec![registrar.name.clone()];
    names.extend(registrar.sans.iter().flatten().cloned());
    for act in &scenario.acts {
        names.extend(act.registrar_sans.iter().flatten().cloned());
        names.extend(act.phone.as_ref().and_then(|phone| phone.registrar.clone()));
    }
    names.extend(scenario.phone.registrar.clone());
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|name| !name.starts_with('*') && name.parse::<std::net::IpAddr>().is_err())
        .map(|name| name.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// How long a world waits for a boot before calling it hung (longer than any profile timeout).
pub const BOOT_LIMIT: Duration = Duration::from_secs(60);
