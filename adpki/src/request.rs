//! `adpki request`: what `certreq -submit -attrib "CertificateTemplate: WebServer" req.csr`
//! does, through AD CS Web Enrollment's pages — the Codian MCU post's route to a certificate
//! from an enterprise CA. POST the PKCS#10 to `certfnsh.asp`, read the page (issued: a
//! `certnew.cer?ReqID=N&` link; pending: "Your Request Id is N."; denied: "The disposition
//! message is \"…\""), then GET `certnew.cer?ReqID=N&Enc=bin`.

use std::time::Duration;

use phone_client::enroll::{ResolveMap, WebCredentials};

use crate::Error;

/// Where and how to ask.
pub struct Submission<'a> {
    /// `HOST[:PORT]` (http) or an `http://` / `https://` URL of the CA's web server.
    pub ca: &'a str,
    pub template: &'a str,
    /// The request: PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER.
    pub csr: &'a [u8],
    pub credentials: Option<WebCredentials<'a>>,
    pub resolve: &'a ResolveMap,
    pub timeout: Duration,
}

/// What the CA did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Issued { id: u32, certificate: Vec<u8> },
    Pending { id: u32 },
    Denied { id: Option<u32>, message: String },
}

/// Submits the request and, when issued, fetches the certificate.
pub async fn submit(submission: &Submission<'_>) -> Result<Submitted, Error> {
    let csr = request_base64(submission.csr)?;
    let base = base_url(submission.ca);
    let client = phone_client::enroll::http_client(submission.resolve, submission.timeout)
        .map_err(|error| Error::Connect(error.to_string()))?;
    let form = format!(
        "Mode=newreq&CertRequest={}&CertAttrib={}&TargetStoreFlags=0&SaveCert=yes",
        form_encode(&csr),
        form_encode(&format!("CertificateTemplate:{}\r\n", submission.template)),
    );
    let url = format!("{base}/certsrv/certfnsh.asp");
    let route = phone_client::enroll::Route {
        resolve: submission.resolve,
        timeout: submission.timeout,
    };
    let response = phone_client::enroll::send_authenticated(
        || {
            client
                .post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form.clone())
        },
        submission.credentials,
        route,
    )
    .await
    .map_err(|error| Error::Connect(format!("POST {url}: {error}")))?;
    let status = response.status();
    let page = response
        .text()
        .await
        .map_err(|error| Error::Connect(format!("POST {url}: {error}")))?;
    if status.as_u16() == 401 {
        return Err(Error::Connect(format!(
            "POST {url}: 401: the web server refused the credentials (give --user and --password; --auth ntlm for Windows Authentication only)"
        )));
    }
    if !status.is_success() {
        return Err(Error::Connect(format!("POST {url}: HTTP {status}")));
    }
    match read_page(&page) {
        Page::Issued(id) => {
            let url = format!("{base}/certsrv/certnew.cer?ReqID={id}&Enc=bin");
            let response = phone_client::enroll::send_authenticated(
                || client.get(&url),
                submission.credentials,
                route,
            )
            .await
            .map_err(|error| Error::Connect(format!("GET {url}: {error}")))?;
            let body = response
                .bytes()
                .await
                .map_err(|error| Error::Connect(format!("GET {url}: {error}")))?;
            if body.first() != Some(&0x30) {
                return Err(Error::Input(format!(
                    "GET {url}: the answer is no certificate ({} bytes)",
                    body.len()
                )));
            }
            Ok(Submitted::Issued {
                id,
                certificate: body.to_vec(),
            })
        }
        Page::Pending(id) => Ok(Submitted::Pending { id }),
        Page::Denied(id, message) => Ok(Submitted::Denied { id, message }),
        Page::Unknown => Err(Error::Input(format!(
            "POST {url}: the answer is no certfnsh.asp page (is this AD CS Web Enrollment?)"
        ))),
    }
}

enum Page {
    Issued(u32),
    Pending(u32),
    Denied(Option<u32>, String),
    Unknown,
}

/// What certfnsh.asp's page says, read as the known clients read it.
fn read_page(page: &str) -> Page {
    let number_after = |marker: &str| {
        let start = page.find(marker)? + marker.len();
        let digits: String = page[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse::<u32>().ok()
    };
    if let Some(id) = number_after("certnew.cer?ReqID=") {
        return Page::Issued(id);
    }
    let id = number_after("Your Request Id is ");
    if page.contains("Certificate Pending") {
        if let Some(id) = id {
            return Page::Pending(id);
        }
    }
    let marker = "The disposition message is \"";
    if let Some(start) = page.find(marker) {
        let rest = &page[start + marker.len()..];
        let message = rest.split('"').next().unwrap_or_default();
        return Page::Denied(id, unescape(message.trim()));
    }
    Page::Unknown
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The request as base64 (what the form's CertRequest field carries).
fn request_base64(csr: &[u8]) -> Result<String, Error> {
    use base64::Engine;
    let text = String::from_utf8_lossy(csr);
    let der = if text.contains("-----BEGIN") {
        let body: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("-----"))
            .collect();
        ad_common::certfile::base64_lenient(&body)
            .map_err(|error| Error::Input(format!("the request's base64 is broken: {error}")))?
    } else {
        csr.to_vec()
    };
    if der.first() != Some(&0x30) {
        return Err(Error::Input(
            "not a certificate request: no PEM CERTIFICATE REQUEST block and not DER".into(),
        ));
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(der))
}

fn base_url(ca: &str) -> String {
    let ca = ca.trim_end_matches('/');
    let ca = ca.strip_suffix("/certsrv").unwrap_or(ca);
    if ca.starts_with("http://") || ca.starts_with("https://") {
        ca.to_string()
    } else {
        format!("http://{ca}")
    }
}

/// `application/x-www-form-urlencoded` for one value.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_read_as_the_known_clients_read_them() {
        assert!(matches!(
            read_page("<A Href=\"certnew.cer?ReqID=17&amp;Enc=bin\">"),
            Page::Issued(17)
        ));
        assert!(matches!(
            read_page("<B>Certificate Pending</B> ... <P>Your Request Id is 9.\r\n"),
            Page::Pending(9)
        ));
        match read_page("Your Request Id is 4.\r\n<P>The disposition message is \"Denied by Policy Module  0x80094800, &quot;x&quot;\"\r\n") {
            Page::Denied(Some(4), message) => {
                assert_eq!(message, "Denied by Policy Module  0x80094800, \"x\"");
            }
            _ => panic!("not denied"),
        }
        assert!(matches!(read_page("<html>hello</html>"), Page::Unknown));
    }

    #[test]
    fn the_form_is_url_encoded_and_the_ca_becomes_a_url() {
        assert_eq!(form_encode("ab+/=\r\n"), "ab%2B%2F%3D%0D%0A");
        assert_eq!(
            base_url("ca.example.test:8080"),
            "http://ca.example.test:8080"
        );
        assert_eq!(
            base_url("https://ca.example.test/certsrv/"),
            "https://ca.example.test"
        );
    }

    #[test]
    fn garbage_is_not_a_request() {
        assert!(request_base64(b"hello").is_err());
        assert!(request_base64(
            b"-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n"
        )
        .is_err());
    }
}
