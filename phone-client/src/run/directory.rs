//! The directory path's steps: step 1 (certificationAuthority objects), step 2's downloads
//! from each enrollment service, and installing what the firmware can read.

use super::*;
use crate::report::RequestResult;

impl Boot {
    pub(super) async fn search_cas(
        &self,
        context: &mut Context,
        ldap_timeout: Duration,
    ) -> (Event, String) {
        let Some(directory) = context.directory.as_mut() else {
            return (
                Event::DirectoryFailed {
                    reason: Error::internal("no directory connection"),
                },
                String::new(),
            );
        };
        let (configuration_nc, default_nc) = match directory.naming_contexts().await {
            Ok(contexts) => contexts,
            Err(reason) => {
                let detail = reason.to_string();
                return (Event::DirectoryFailed { reason }, detail);
            }
        };
        context.configuration_nc = configuration_nc.clone();
        let filter = &self.profile.ca_filter;
        let (result, base, port_note) = match self.profile.search_base {
            SearchBase::ConfigurationNc => (
                directory
                    .search_certification_authorities(&configuration_nc, filter)
                    .await,
                configuration_nc,
                String::new(),
            ),
            SearchBase::DomainNc => (
                directory
                    .search_certification_authorities(&default_nc, filter)
                    .await,
                default_nc,
                String::new(),
            ),
            SearchBase::GlobalCatalog => {
                let Some(dc) = &context.dc else {
                    return (
                        Event::DirectoryFailed {
                            reason: Error::internal("no DC address"),
                        },
                        String::new(),
                    );
                };
                let gc = dc.with_port(self.profile.gc_port());
                let gc_address = gc.address;
                let result = match Directory::connect(gc, ldap_timeout).await {
                    Ok(mut global_catalog) => {
                        let found = match global_catalog
                            .bind(self.profile.ldap_bind, &self.user, &self.password)
                            .await
                        {
                            Ok(()) => {
                                global_catalog
                                    .search_certification_authorities("", filter)
                                    .await
                            }
                            Err(reason) => Err(reason),
                        };
                        global_catalog.unbind().await;
                        found
                    }
                    Err(reason) => Err(reason),
                };
                (
                    result,
                    String::new(),
                    format!(" on the Global Catalog {gc_address}"),
                )
            }
        };
        match result {
            Ok(found) => {
                let mut detail = vec![format!(
                    "{filter} under {base:?}{port_note}: {} object(s), {} usable certificate(s)",
                    found.objects,
                    found.candidates.len()
                )];
                detail.extend(
                    found
                        .candidates
                        .iter()
                        .map(|candidate| format!("usable: {}", candidate.source)),
                );
                detail.extend(
                    found
                        .unusable
                        .iter()
                        .map(|reason| format!("unusable (counts as empty): {reason}")),
                );
                detail.extend(
                    found.references.iter().map(|reference| {
                        format!("continuation reference not followed: {reference}")
                    }),
                );
                (
                    Event::CertificationAuthorities {
                        candidates: found.candidates,
                    },
                    detail.join("\n"),
                )
            }
            Err(reason) => {
                let detail = reason.to_string();
                (Event::DirectoryFailed { reason }, detail)
            }
        }
    }

    pub(super) async fn download(
        &self,
        hosts: &[String],
        requests: &mut Vec<WebRequest>,
    ) -> (Event, String) {
        let client = match enroll::http_client_for(&self.profile, &self.resolve) {
            Ok(client) => client,
            Err(error) => {
                let detail = error.to_string();
                return (
                    Event::ChainDownloaded {
                        candidates: vec![],
                        failures: vec![Error::from(error)],
                    },
                    detail,
                );
            }
        };
        let mut candidates = Vec::new();
        let mut failures = Vec::new();
        let mut detail = Vec::new();
        for host in hosts {
            // The phone's URL has no port; a --resolve mapping to another port (a test world) is
            // honoured by the client's resolver, so the URL stays the one the phone requests.
            let url = enroll::chain_url(
                host,
                None,
                self.profile.enrollment_renewal,
                self.profile.enrollment_encoding,
            );
            let credentials = self
                .profile
                .enrollment_auth
                .credentials(&self.user, &self.password);
            let route = enroll::Route {
                resolve: &self.resolve,
                timeout: Duration::from_millis(self.profile.timeouts.http_ms),
            };
            // Each host's own time goes into the detail: in a forest with stale enrollment
            // services this is where a slow boot spends it.
            let host_started = Instant::now();
            let mut fetched = enroll::fetch_chain_as(&client, &url, credentials, route).await;
            for _ in 0..self.profile.retries {
                if !matches!(
                    fetched,
                    Err(enroll::EnrollError::Connect { .. } | enroll::EnrollError::Timeout { .. })
                ) {
                    break;
                }
                fetched = enroll::fetch_chain_as(&client, &url, credentials, route).await;
            }
            let elapsed = host_started.elapsed();
            let host_ms = elapsed.as_millis();
            requests.push(WebRequest {
                host: host.clone(),
                url: url.clone(),
                result: RequestResult::of(&fetched),
                ms: elapsed.as_millis() as u64,
                elapsed,
            });
            match fetched {
                Ok(chain) => {
                    detail.push(format!(
                        "GET {url}: {} certificate(s) ({host_ms} ms)",
                        chain.len()
                    ));
                    candidates.extend(chain.into_iter().map(|der| Candidate {
                        der,
                        source: url.clone(),
                    }));
                }
                Err(error) => {
                    detail.push(format!("GET {url}: {error} ({host_ms} ms)"));
                    failures.push(Error::from(error));
                }
            }
        }
        (
            Event::ChainDownloaded {
                candidates,
                failures,
            },
            detail.join("\n"),
        )
    }

    /// Installs what the firmware can read and the install policy keeps.
    pub(super) fn install(
        &self,
        candidates: &[Candidate],
        context: &mut Context,
    ) -> (Event, String) {
        let mut rejected = Vec::new();
        let mut unreadable = 0;
        let mut detail = Vec::new();
        for candidate in candidates {
            let info = match describe(&candidate.der) {
                Ok(info) => info,
                Err(reason) => {
                    rejected.push(format!("{}: {reason}", candidate.source));
                    continue;
                }
            };
            if let Some(reason) = self.profile.refusal(&info) {
                if reason.starts_with("this firmware cannot read") {
                    unreadable += 1;
                }
                detail.push(format!(
                    "not installed: {} from {}: {reason}",
                    info.subject, candidate.source
                ));
                rejected.push(format!("{}: {reason}", info.subject));
                continue;
            }
            if context
                .installed
                .iter()
                .any(|installed| installed.certificate.sha256 == info.sha256)
            {
                detail.push(format!(
                    "already installed: {} (also from {})",
                    info.subject, candidate.source
                ));
                continue;
            }
            detail.push(format!(
                "installed: {} ({}, {}) from {}",
                info.subject, info.key, info.signature_algorithm, candidate.source
            ));
            context.installed.push(Installed {
                certificate: info,
                source: candidate.source.clone(),
                der: candidate.der.clone(),
            });
        }
        (
            Event::Installed {
                installed: context.installed.len(),
                rejected,
                unreadable,
            },
            detail.join("\n"),
        )
    }
}
