//! Lync Phone Edition PIN authentication: where the phone gets its root chain and its registrar
//! when it signs in with an extension and a PIN (profile `sign_in_method = "pin"`).
//!
//! Sources and confidence (domain.md §D.2, §G row 18):
//! * PIN-authentication phones do not search AD: they read DHCP **option 43** (vendor-specific,
//!   keyed by the option 60 vendor class) for the Certificate Provisioning Service URL, e.g.
//!   `https://webpool.example.test:443/CertProv/CertProvisioningService.svc`, and **option 120**
//!   for the registrar (pool) FQDN, then download the root chain from that web service (spec).
//! * The error screens "Unable to locate Lync Certificate Web service" (bad or old option 43)
//!   and "Error downloading certificate chain from OCS Registrar. Please try again" (spec).
//!
//! What the model does (the download format is **UNCERTAIN**: the real service speaks SOAP,
//! which is not modelled):
//! * Option 43 is taken as the URL text itself (how it is encoded in the DHCP vendor options
//!   is not modelled). Missing or empty → "Unable to locate…"; not an `http`/`https` URL with a
//!   host → the same, with the parse error in the reason.
//! * With `certificate_web_service_force_http = true` (the default) the phone GETs the URL with
//!   its scheme replaced by `http` **on the URL's port** (the explicit one, else the scheme's
//!   default: `https://webpool/CertProv/…` becomes `http://webpool:443/CertProv/…`), path and
//!   query unchanged. With `false` it GETs the URL as given.
//! * The body may be anything `enroll` decodes: a certs-only PKCS#7 in DER, armoured as
//!   `-----BEGIN PKCS7-----` or `-----BEGIN CERTIFICATE-----` (AD CS style) or bare base64, or a
//!   single certificate. No credentials are sent: the PIN is required on the command line but
//!   nothing in the model verifies it (the web service's PIN authentication and the phone's
//!   certificate request that follow the chain download are not modelled).
//! * Unreachable, timed out, HTTP error, or a body that is not a chain → "Error downloading…".
//! * The registrar is `--registrar` when given, otherwise option 120 (`FQDN[:PORT]`, port 5061
//!   by default). With neither, the connection step fails ("Cannot validate server
//!   certificate", as every failure to reach the registrar does in this model) and the reason
//!   says that option 120 is missing. A real phone would then look up
//!   `_sipinternaltls._tcp.<SIP domain>` (§D.1, **inferred**), which this simulator does not do.

use reqwest::Url;

use crate::enroll::EnrollError;
use crate::error::{Error, ReasonCode};

/// The URL the phone GETs, and how it came from option 43 (for the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebServiceUrl {
    pub url: String,
    pub detail: String,
}

/// Reads DHCP option 43 as the phone does (see the module documentation). `Err` is the reason
/// for "Unable to locate Lync Certificate Web service".
pub fn web_service_url(option_43: Option<&str>, force_http: bool) -> Result<WebServiceUrl, Error> {
    let raw = option_43.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(Error::new(ReasonCode::WebServiceNotLocated, "DHCP option 43 is missing: the phone has no Certificate Provisioning Service URL (e.g. https://webpool.example.test:443/CertProv/CertProvisioningService.svc)"));
    }
    let unusable = |why: String| {
        Error::new(
            ReasonCode::WebServiceNotLocated,
            format!("DHCP option 43 {raw:?} is not a Certificate Provisioning Service URL ({why})"),
        )
    };
    let mut url = Url::parse(raw).map_err(|e| unusable(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(unusable(format!(
            "scheme {:?}, expected https or http",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(unusable("no host".into()));
    }
    if !force_http || url.scheme() == "http" {
        return Ok(WebServiceUrl {
            detail: format!("DHCP option 43: {raw} → GET {url}"),
            url: url.to_string(),
        });
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| unusable("no port".into()))?;
    url.set_scheme("http")
        .map_err(|()| unusable("cannot be fetched over http".into()))?;
    url.set_port(Some(port))
        .map_err(|()| unusable("cannot carry a port".into()))?;
    // `Url` drops a port equal to the scheme's default, so http on port 80 reads http://host/.
    Ok(WebServiceUrl {
        detail: format!(
            "DHCP option 43: {raw} → GET {url} (scheme forced to http on port {port}; the model's download, UNCERTAIN)"
        ),
        url: url.to_string(),
    })
}

/// The registrar the phone connects to after a PIN sign-in's download: `--registrar` when
/// given (non-empty), otherwise DHCP option 120. Returns the `FQDN[:PORT]` and where it came
/// from; `Err` is the reason the connection step fails.
pub fn registrar_target(
    explicit: &str,
    option_120: Option<&str>,
) -> Result<(String, &'static str), Error> {
    let no_registrar = |text: String| Error::new(ReasonCode::NoRegistrar, text);
    let explicit = explicit.trim();
    if !explicit.is_empty() {
        return Ok((explicit.to_string(), "--registrar"));
    }
    let option = option_120.map(str::trim).unwrap_or_default();
    if option.is_empty() {
        return Err(no_registrar("no registrar to connect to: DHCP option 120 is missing and no --registrar was given (a real phone would look up _sipinternaltls._tcp.<SIP domain>, which this simulator does not do)".into()));
    }
    let host = match option.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        Some(_) => {
            return Err(no_registrar(format!(
                "DHCP option 120 {option:?} is not FQDN[:PORT]"
            )))
        }
        None => option,
    };
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !valid {
        return Err(no_registrar(format!(
            "DHCP option 120 {option:?} is not FQDN[:PORT]"
        )));
    }
    Ok((option.to_string(), "DHCP option 120"))
}

/// The reason a web-service download failed, without the hints written for /certsrv.
pub fn download_failure(error: &EnrollError) -> String {
    match error {
        EnrollError::Status { url, status, .. } => match status {
            404 => format!(
                "HTTP 404 from {url} (no Certificate Provisioning Service at this URL: a stale DHCP option 43?)"
            ),
            status => format!("HTTP {status} from {url}"),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://webpool.example.test:443/CertProv/CertProvisioningService.svc";

    #[test]
    fn option_43_is_fetched_over_http_on_the_urls_port() {
        let located = web_service_url(Some(URL), true).unwrap();
        assert_eq!(
            located.url,
            "http://webpool.example.test:443/CertProv/CertProvisioningService.svc"
        );
        assert!(located.detail.contains("scheme forced to http on port 443"));
        // No explicit port: https's default, made explicit.
        let implicit = web_service_url(
            Some("https://webpool.example.test/CertProv/CertProvisioningService.svc?x=1"),
            true,
        )
        .unwrap();
        assert_eq!(
            implicit.url,
            "http://webpool.example.test:443/CertProv/CertProvisioningService.svc?x=1"
        );
        let other_port = web_service_url(
            Some("https://webpool.example.test:4443/CertProv/CertProvisioningService.svc"),
            true,
        )
        .unwrap();
        assert!(other_port
            .url
            .starts_with("http://webpool.example.test:4443/"));
        // Already http: unchanged.
        let plain = web_service_url(Some("http://webpool.example.test:8080/c.svc"), true).unwrap();
        assert_eq!(plain.url, "http://webpool.example.test:8080/c.svc");
    }

    #[test]
    fn option_43_as_given_when_the_profile_says_so() {
        let located = web_service_url(Some(URL), false).unwrap();
        // `Url` normalises the default port away.
        assert_eq!(
            located.url,
            "https://webpool.example.test/CertProv/CertProvisioningService.svc"
        );
    }

    #[test]
    fn option_43_missing_or_unparsable_cannot_locate_the_web_service() {
        for missing in [None, Some(""), Some("   ")] {
            let reason = web_service_url(missing, true).unwrap_err();
            assert!(
                reason.text().starts_with("DHCP option 43 is missing"),
                "{reason}"
            );
        }
        for (garbage, why) in [
            ("webpool.example.test", "relative URL"),
            ("ftp://webpool.example.test/x", "scheme \"ftp\""),
            ("https://", "empty host"),
        ] {
            let reason = web_service_url(Some(garbage), true).unwrap_err();
            assert!(
                reason
                    .text()
                    .contains("is not a Certificate Provisioning Service URL"),
                "{reason}"
            );
            assert!(reason.text().contains(why), "{garbage}: {reason}");
        }
    }

    #[test]
    fn the_registrar_is_the_explicit_one_else_option_120() {
        assert_eq!(
            registrar_target("pool.example.test:5061", Some("other.example.test")).unwrap(),
            ("pool.example.test:5061".to_string(), "--registrar")
        );
        assert_eq!(
            registrar_target("", Some("pool.example.test")).unwrap(),
            ("pool.example.test".to_string(), "DHCP option 120")
        );
        assert_eq!(
            registrar_target(" ", Some("pool.example.test:5062")).unwrap(),
            ("pool.example.test:5062".to_string(), "DHCP option 120")
        );
        let missing = registrar_target("", None).unwrap_err();
        assert!(
            missing.text().contains("DHCP option 120 is missing"),
            "{missing}"
        );
        for bad in ["pool example", "pool.example.test:99999", ":5061", "pool/x"] {
            let reason = registrar_target("", Some(bad)).unwrap_err();
            assert!(
                reason.text().contains("is not FQDN[:PORT]"),
                "{bad}: {reason}"
            );
        }
    }

    #[test]
    fn download_failures_do_not_blame_web_enrollment() {
        let missing = EnrollError::Status {
            url: "http://webpool.example.test:443/CertProv/CertProvisioningService.svc".into(),
            status: 404,
            hint: " (Web Enrollment not installed?)".into(),
        };
        let text = download_failure(&missing);
        assert!(text.starts_with("HTTP 404 from http://webpool"), "{text}");
        assert!(!text.contains("Web Enrollment"), "{text}");
        let refused = EnrollError::Connect {
            url: "http://x".into(),
            detail: "Connection refused".into(),
        };
        assert_eq!(
            download_failure(&refused),
            "cannot connect to http://x: Connection refused"
        );
    }
}
