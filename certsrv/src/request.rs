//! Reading a request the way IIS and the certsrv ASP pages do: paths are case-insensitive, query
//! keys too, and `ReqID` / `Renewal` / `Enc` select what certnew.p7b / certnew.cer return.
//! Pure functions, so every odd URL is testable without a socket.

/// The pages this Web Enrollment serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    /// `/certsrv`, `/certsrv/`, `/certsrv/default.asp`.
    Welcome,
    /// `/certsrv/certcarc.asp`: "Download a CA certificate, certificate chain, or CRL".
    CertCarc,
    /// `/certsrv/certnew.p7b`: the chain as certs-only PKCS#7.
    ChainP7b,
    /// `/certsrv/certnew.cer`: one CA certificate, or an issued one (`ReqID=N`).
    CertificateCer,
    /// `/certsrv/certfnsh.asp`: a certificate request (POST).
    CertFnsh,
    /// Any other path under `/certsrv/` (IIS still authenticates before it says 404).
    OtherInCertsrv,
    /// A path outside the virtual directory.
    Outside,
}

/// Which page a URL path names. IIS decodes `%XX` and ignores letter case in paths.
pub(crate) fn page(path: &str) -> Page {
    let lower = percent_decode(path).to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("/certsrv") else {
        return Page::Outside;
    };
    match rest {
        "" | "/" | "/default.asp" => Page::Welcome,
        "/certcarc.asp" => Page::CertCarc,
        "/certnew.p7b" => Page::ChainP7b,
        "/certnew.cer" => Page::CertificateCer,
        "/certfnsh.asp" => Page::CertFnsh,
        _ if rest.starts_with('/') => Page::OtherInCertsrv,
        // `/certsrvx` is another directory altogether.
        _ => Page::Outside,
    }
}

/// How the body is encoded (`Enc=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `Enc=b64`, and anything that is not binary (the ASP pages only test for `bin`).
    Base64,
    /// `Enc=bin` or `Enc=DER` (case-insensitive): raw DER.
    Binary,
}

/// `Renewal=`: which CA certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Renewal {
    /// `Renewal=-1`, or no Renewal at all: the newest certificate.
    Current,
    /// `Renewal=k`: the k-th certificate, 0 being the CA's original one.
    Index(u64),
}

/// Why a certnew request cannot be answered with a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// `ReqID` is missing or is not `CACert` (a request id of an issued certificate: this mock
    /// CA has issued none).
    NotCaCert(Option<String>),
    /// `Renewal` is not an integer ≥ -1.
    BadRenewal(String),
    /// `Renewal=k` with k > nRenewals.
    RenewalOutOfRange { asked: u64, renewals: usize },
}

/// The parameters of certnew.p7b / certnew.cer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CaCertQuery {
    pub req_id: Option<String>,
    pub renewal: Option<String>,
    pub enc: Option<String>,
}

impl CaCertQuery {
    /// Parses a query string; keys are case-insensitive and the first occurrence wins, as with
    /// ASP's `Request.QueryString(...)` on a single-valued key.
    pub(crate) fn parse(query: Option<&str>) -> CaCertQuery {
        let mut parsed = CaCertQuery::default();
        for pair in query.unwrap_or_default().split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(&value.replace('+', " "));
            let slot = match percent_decode(key).to_ascii_lowercase().as_str() {
                "reqid" => &mut parsed.req_id,
                "renewal" => &mut parsed.renewal,
                "enc" => &mut parsed.enc,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        parsed
    }

    pub(crate) fn encoding(&self) -> Encoding {
        match self.enc.as_deref().map(str::trim) {
            Some(enc) if enc.eq_ignore_ascii_case("bin") || enc.eq_ignore_ascii_case("der") => {
                Encoding::Binary
            }
            _ => Encoding::Base64,
        }
    }

    /// `ReqID=CACert` (any letter case) and a well-formed `Renewal`.
    pub(crate) fn renewal(&self) -> Result<Renewal, QueryError> {
        let is_ca_cert = self
            .req_id
            .as_deref()
            .is_some_and(|id| id.trim().eq_ignore_ascii_case("CACert"));
        if !is_ca_cert {
            return Err(QueryError::NotCaCert(self.req_id.clone()));
        }
        let Some(text) = self.renewal.as_deref() else {
            return Ok(Renewal::Current);
        };
        match text.trim().parse::<i64>() {
            Ok(-1) => Ok(Renewal::Current),
            Ok(index) => u64::try_from(index)
                .map(Renewal::Index)
                .map_err(|_| QueryError::BadRenewal(text.to_string())),
            Err(_) => Err(QueryError::BadRenewal(text.to_string())),
        }
    }
}

/// The index into the CA's certificates (`0..=renewals`) a `Renewal` means.
pub(crate) fn resolve(renewal: Renewal, certificates: usize) -> Result<usize, QueryError> {
    let renewals = certificates.saturating_sub(1);
    match renewal {
        Renewal::Current => Ok(renewals),
        Renewal::Index(asked) => usize::try_from(asked)
            .ok()
            .filter(|&index| index < certificates)
            .ok_or(QueryError::RenewalOutOfRange { asked, renewals }),
    }
}

/// `%XX` decoding; malformed escapes stay as they are, and bytes that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_case_insensitive_like_iis() {
        assert_eq!(page("/certsrv"), Page::Welcome);
        assert_eq!(page("/certsrv/"), Page::Welcome);
        assert_eq!(page("/CertSrv/Default.asp"), Page::Welcome);
        assert_eq!(page("/CertSrv/CertNew.p7b"), Page::ChainP7b);
        assert_eq!(page("/CERTSRV/CERTNEW.CER"), Page::CertificateCer);
        assert_eq!(page("/certsrv/certcarc.asp"), Page::CertCarc);
        assert_eq!(page("/certsrv/%63ertcarc.asp"), Page::CertCarc);
        assert_eq!(page("/certsrv/CertFnsh.asp"), Page::CertFnsh);
        assert_eq!(page("/certsrv/certrqxt.asp"), Page::OtherInCertsrv);
        assert_eq!(page("/certsrvx"), Page::Outside);
        assert_eq!(page("/"), Page::Outside);
        assert_eq!(page("/CertEnroll/ca.crl"), Page::Outside);
        assert_eq!(page("%"), Page::Outside);
    }

    #[test]
    fn query_keys_are_case_insensitive_and_the_first_wins() {
        let query = CaCertQuery::parse(Some("reqid=CACert&RENEWAL=2&enc=BIN&Renewal=3&x"));
        assert_eq!(query.req_id.as_deref(), Some("CACert"));
        assert_eq!(query.renewal.as_deref(), Some("2"));
        assert_eq!(query.encoding(), Encoding::Binary);
        assert_eq!(query.renewal(), Ok(Renewal::Index(2)));
    }

    #[test]
    fn encodings() {
        let enc = |text: &str| CaCertQuery::parse(Some(text)).encoding();
        assert_eq!(enc("Enc=b64"), Encoding::Base64);
        assert_eq!(enc("Enc=bin"), Encoding::Binary);
        assert_eq!(enc("Enc=DER"), Encoding::Binary);
        assert_eq!(enc("Enc=der"), Encoding::Binary);
        assert_eq!(enc(""), Encoding::Base64);
        assert_eq!(enc("Enc=whatever"), Encoding::Base64);
    }

    #[test]
    fn renewal_parsing() {
        let renewal = |text: &str| CaCertQuery::parse(Some(text)).renewal();
        assert_eq!(renewal("ReqID=CACert&Renewal=-1"), Ok(Renewal::Current));
        assert_eq!(renewal("ReqID=CACert"), Ok(Renewal::Current));
        assert_eq!(renewal("ReqID=cacert&Renewal=0"), Ok(Renewal::Index(0)));
        assert_eq!(renewal("ReqID=CACert&Renewal=%2B7"), Ok(Renewal::Index(7)));
        assert_eq!(renewal("ReqID=CACert&Renewal=%201"), Ok(Renewal::Index(1)));
        for garbage in ["-2", "x", "", "1.0", "99999999999999999999999", "0x1"] {
            assert_eq!(
                renewal(&format!("ReqID=CACert&Renewal={garbage}")),
                Err(QueryError::BadRenewal(percent_decode(garbage))),
                "{garbage}"
            );
        }
        assert_eq!(
            renewal("ReqID=17&Renewal=0"),
            Err(QueryError::NotCaCert(Some("17".into())))
        );
        assert_eq!(renewal("Renewal=0"), Err(QueryError::NotCaCert(None)));
    }

    #[test]
    fn renewal_resolution() {
        assert_eq!(resolve(Renewal::Current, 3), Ok(2));
        assert_eq!(resolve(Renewal::Index(0), 3), Ok(0));
        assert_eq!(resolve(Renewal::Index(2), 3), Ok(2));
        assert_eq!(
            resolve(Renewal::Index(3), 3),
            Err(QueryError::RenewalOutOfRange {
                asked: 3,
                renewals: 2
            })
        );
        assert_eq!(
            resolve(Renewal::Index(u64::MAX), 1),
            Err(QueryError::RenewalOutOfRange {
                asked: u64::MAX,
                renewals: 0
            })
        );
    }

    #[test]
    fn percent_decoding_never_panics() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        assert_eq!(percent_decode("é%"), "é%");
    }
}
