//! Reaching and judging the registrar: the PIN path's web service download, the registrar's
//! address, the TLS connection and the hard-fail revocation check.

use super::*;

impl Boot {
    /// Hard-fail CRL checking of the validated chain ([`crate::trust::revocation`]).
    pub(super) async fn check_revocation(&self, context: &mut Context) -> (Event, String) {
        let client = match enroll::http_client_for(&self.profile, &self.resolve) {
            Ok(client) => client,
            Err(error) => {
                let reason = Error::new(
                    ReasonCode::RevocationUnknown,
                    format!("revocation status unknown: {error}; this firmware hard-fails"),
                );
                let detail = reason.to_string();
                return (Event::RevocationFailed { reason }, detail);
            }
        };
        let installed: Vec<Vec<u8>> = context
            .installed
            .iter()
            .map(|installed| installed.der.clone())
            .collect();
        let check = check_revocation(
            &context.presented,
            &installed,
            &self.profile.trust_policy(),
            &client,
            self.profile.retries,
        )
        .await;
        let mut detail = check.lines;
        match check.result {
            Ok(()) => (Event::RevocationChecked, detail.join("\n")),
            Err(reason) => {
                detail.push(reason.to_string());
                (Event::RevocationFailed { reason }, detail.join("\n"))
            }
        }
    }

    /// PIN sign-in: GETs the root chain from the Certificate Provisioning web service.
    pub(super) async fn download_from_web_service(
        &self,
        url: &str,
        requests: &mut Vec<WebRequest>,
    ) -> (Event, String) {
        let failed = |reason: Error| {
            let detail = if reason.text().contains(url) {
                reason.to_string()
            } else {
                format!("GET {url}: {reason}")
            };
            (
                Event::ChainDownloaded {
                    candidates: vec![],
                    failures: vec![reason],
                },
                detail,
            )
        };
        let client = match enroll::http_client_for(&self.profile, &self.resolve) {
            Ok(client) => client,
            Err(error) => return failed(Error::from(error)),
        };
        let started = Instant::now();
        let mut fetched = enroll::fetch_chain(&client, url).await;
        for _ in 0..self.profile.retries {
            if !matches!(
                fetched,
                Err(enroll::EnrollError::Connect { .. } | enroll::EnrollError::Timeout { .. })
            ) {
                break;
            }
            fetched = enroll::fetch_chain(&client, url).await;
        }
        let elapsed = started.elapsed();
        requests.push(WebRequest {
            host: reqwest::Url::parse(url)
                .ok()
                .and_then(|parsed| parsed.host_str().map(str::to_string))
                .unwrap_or_else(|| url.to_string()),
            url: url.to_string(),
            result: crate::report::RequestResult::of(&fetched),
            ms: elapsed.as_millis() as u64,
            elapsed,
        });
        match fetched {
            Ok(chain) => (
                Event::ChainDownloaded {
                    candidates: chain
                        .iter()
                        .map(|der| Candidate {
                            der: der.clone(),
                            source: url.to_string(),
                        })
                        .collect(),
                    failures: vec![],
                },
                format!("GET {url}: {} certificate(s)", chain.len()),
            ),
            Err(error) => {
                let text = pin::download_failure(&error);
                failed(Error::from(error).map_text(|_| text))
            }
        }
    }

    /// The registrar to dial, and where that came from.
    pub(super) fn registrar_target(&self) -> Result<(String, &'static str), Error> {
        match self.profile.sign_in_method {
            SignInMethod::Pin => {
                pin::registrar_target(&self.registrar, self.locator.dhcp_option_120.as_deref())
            }
            SignInMethod::Directory if self.registrar.trim().is_empty() => Err(Error::new(
                ReasonCode::NoRegistrar,
                "no registrar to connect to (--registrar is empty)",
            )),
            SignInMethod::Directory => Ok((self.registrar.trim().to_string(), "--registrar")),
        }
    }

    pub(super) async fn connect_registrar(&self, context: &mut Context) -> (Event, String) {
        let (registrar, origin) = match self.registrar_target() {
            Ok(target) => target,
            Err(reason) => {
                let detail = reason.to_string();
                return (Event::ConnectFailed { reason }, detail);
            }
        };
        let server_name = registrar_name(&registrar);
        let address = match resolve_host(&registrar, SIP_TLS_PORT, &self.resolve) {
            Ok(address) => address,
            Err(reason) => {
                let reason = reason.with_code(ReasonCode::RegistrarUnreachable);
                let detail = reason.to_string();
                return (Event::ConnectFailed { reason }, detail);
            }
        };
        let roots: Vec<Vec<u8>> = context
            .installed
            .iter()
            .map(|installed| installed.der.clone())
            .collect();
        let policy = self.profile.trust_policy();
        let timeout = Duration::from_millis(self.profile.timeouts.tls_ms);
        let mut outcome = connect_registrar(address, &server_name, &roots, &policy, timeout).await;
        // Only transport failures are retried; a certificate verdict does not change on a retry.
        for _ in 0..self.profile.retries {
            if !matches!(
                outcome,
                Err(RegistrarError::Connect { .. } | RegistrarError::Timeout { .. })
            ) {
                break;
            }
            outcome = connect_registrar(address, &server_name, &roots, &policy, timeout).await;
        }
        let detail = format!(
            "TLS to {server_name} (from {origin}) at {address} with {} installed certificate(s)",
            roots.len()
        );
        match outcome {
            Err(error @ (RegistrarError::Connect { .. } | RegistrarError::Timeout { .. })) => {
                let detail = format!("{detail}: {error}");
                (
                    Event::ConnectFailed {
                        reason: Error::from(error),
                    },
                    detail,
                )
            }
            other => {
                context.registrar = Some(other);
                (Event::Connected, detail)
            }
        }
    }
}

/// The name the registrar's certificate must carry: `--registrar` without its port.
pub(super) fn registrar_name(registrar: &str) -> String {
    match registrar.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
        _ => registrar.to_string(),
    }
}
