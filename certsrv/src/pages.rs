//! The HTML this server sends: the certsrv ASP pages (welcome, certcarc.asp with its
//! `var nRenewals=N;`, the ASP error page) and IIS's own error pages (401, 403.4, 404, 405).
//! Clients parse some of these (nRenewals, page titles), so the texts follow the real ones.

/// The title every certsrv ASP page carries.
pub(crate) const TITLE: &str = "Microsoft Active Directory Certificate Services";

/// Why the ASP pages could not produce a certificate; each renders as the HRESULT text a real
/// CA shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaError {
    /// A `Renewal` that is no number ≥ -1, or beyond nRenewals.
    InvalidParameter,
    /// A `ReqID` other than `CACert`: this CA has issued nothing that could be found.
    NotFound,
    /// The CA has no certificate at all (its service could not start).
    Unavailable,
    /// The stored CA certificate is not a certificate.
    BadCertificate,
}

impl CaError {
    fn text(self) -> &'static str {
        match self {
            CaError::InvalidParameter => {
                "The parameter is incorrect. 0x80070057 (WIN32: 87 ERROR_INVALID_PARAMETER)"
            }
            CaError::NotFound => {
                "Cannot find object or property. 0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)"
            }
            CaError::Unavailable => {
                "The RPC server is unavailable. 0x800706ba (WIN32: 1722 RPC_S_SERVER_UNAVAILABLE)"
            }
            CaError::BadCertificate => {
                "ASN1 bad tag value met. 0x8009310b (ASN: 267 CRYPT_E_ASN1_BADTAG)"
            }
        }
    }
}

/// `/certsrv/`: the welcome page.
pub(crate) fn welcome(ca_name: &str) -> String {
    frame(
        ca_name,
        "<P ID=locPageTitle><Font Color=#336699><B>Welcome</B></Font>\r\n\
<P>Use this Web site to request a certificate for your Web browser, e-mail client, or other program.\r\n\
<P><B>Select a task:</B><Br>\r\n\
&nbsp;&nbsp;&nbsp;&nbsp;<A Href=\"certrqus.asp\">Request a certificate</A><Br>\r\n\
&nbsp;&nbsp;&nbsp;&nbsp;<A Href=\"certckpn.asp\">View the status of a pending certificate request</A><Br>\r\n\
&nbsp;&nbsp;&nbsp;&nbsp;<A Href=\"certcarc.asp\">Download a CA certificate, certificate chain, or CRL</A><Br>\r\n",
    )
}

/// `/certsrv/certcarc.asp`: the list of the CA's certificates (newest first, as the real page
/// shows them) and the script variable clients parse to learn the current renewal.
pub(crate) fn certcarc(ca_name: &str, subjects: &[String]) -> String {
    let ca = escape(ca_name);
    let renewals = subjects.len().saturating_sub(1);
    let mut options = String::new();
    for (index, subject) in subjects.iter().enumerate().rev() {
        let which = if index == renewals {
            "Current"
        } else {
            "Previous"
        };
        let selected = if index == renewals { " Selected" } else { "" };
        let suffix = if index == 0 {
            String::new()
        } else {
            format!("({index})")
        };
        options.push_str(&format!(
            "\t<Option Value=\"{index}\"{selected}>{which} [{ca}{suffix}] {}</Option>\r\n",
            escape(subject)
        ));
    }
    let size = subjects.len().clamp(2, 8);
    let body = format!(
        "<P ID=locPageTitle><Font Color=#336699><B>Download a CA Certificate, Certificate Chain, or CRL</B></Font>\r\n\
<P>To trust certificates issued from this certification authority, install this CA certificate.\r\n\
<P><B>CA certificate:</B><Br>\r\n<Select Name=lbCaInstance ID=lbCaInstance Size={size}>\r\n{options}</Select>\r\n\
<P><B>Encoding method:</B><Br>\r\n\
<Input Type=Radio Name=rbEncoding ID=rbDerEnc Value=\"bin\" Checked><Label For=rbDerEnc>DER</Label><Br>\r\n\
<Input Type=Radio Name=rbEncoding ID=rbB64Enc Value=\"b64\"><Label For=rbB64Enc>Base 64</Label>\r\n\
<P><A Href=\"javascript:handleGetCert();\">Download CA certificate</A><Br>\r\n\
<A Href=\"javascript:handleGetChain();\">Download CA certificate chain</A>\r\n\
<Script Language=\"JavaScript\">\r\n\
\tvar nRenewals={renewals};\r\n\
\tfunction getSelection() {{ var n=document.getElementById(\"lbCaInstance\").value; return n==nRenewals ? -1 : n; }}\r\n\
\tfunction getEncoding() {{ return document.getElementById(\"rbB64Enc\").checked ? \"b64\" : \"bin\"; }}\r\n\
\tfunction handleGetCert() {{ location=\"certnew.cer?ReqID=CACert&Renewal=\"+getSelection()+\"&Enc=\"+getEncoding(); }}\r\n\
\tfunction handleGetChain() {{ location=\"certnew.p7b?ReqID=CACert&Renewal=\"+getSelection()+\"&Enc=\"+getEncoding(); }}\r\n\
</Script>\r\n"
    );
    frame(ca_name, &body)
}

/// The certsrv ASP error page ("An unexpected error has occurred"), which IIS sends with 200.
pub(crate) fn ca_error(ca_name: &str, error: CaError) -> String {
    let ca = escape(ca_name);
    let text = error.text();
    format!(
        "<HTML><Head>\r\n<Meta HTTP-Equiv=\"Content-Type\" Content=\"text/html; charset=UTF-8\">\r\n\
<Title>{TITLE}</Title>\r\n</Head>\r\n<Body BgColor=#FFFFFF>\r\n\
<Table Border=0 CellSpacing=0 CellPadding=4 Width=100% BgColor=#008080><TR>\r\n\
<TD><Font Color=#FFFFFF><LocID ID=locMSCertSrv><Font Face=\"Arial\" Size=-1><B><I>{TITLE}</I></B></Font></LocID></Font> \
<Font Color=#FFFFFF>&nbsp;--&nbsp; {ca}&nbsp;</Font></TD>\r\n</TR></Table>\r\n\
<P ID=locPageTitle><Font Color=#FF0000><B>Error</B></Font>\r\n\
<P ID=locErrorMsg>An unexpected error has occurred:\r\n\
<P><Font ID=locErrorCode Color=#FF0000>{text}</Font>\r\n\
</Body></HTML>\r\n"
    )
}

/// An IIS error page: `title` as IIS words it, then the sub-status line and the explanation.
fn iis_error(title: &str, heading: &str, detail: &str) -> String {
    format!(
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n\
<html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n<head>\r\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"/>\r\n\
<title>{title}</title>\r\n</head>\r\n<body>\r\n\
<div id=\"header\"><h1>Server Error</h1></div>\r\n\
<div id=\"content\">\r\n <div class=\"content-container\"><fieldset>\r\n\
  <h2>{heading}</h2>\r\n  <h3>{detail}</h3>\r\n </fieldset></div>\r\n</div>\r\n\
</body>\r\n</html>\r\n"
    )
}

/// IIS 401.2: no or wrong credentials.
pub(crate) fn unauthorized() -> String {
    iis_error(
        "401 - Unauthorized: Access is denied due to invalid credentials.",
        "401 - Unauthorized: Access is denied due to invalid credentials.",
        "You do not have permission to view this directory or page using the credentials that you supplied.",
    )
}

/// IIS 403.4: the virtual directory requires SSL.
pub(crate) fn ssl_required() -> String {
    iis_error(
        "403 - Forbidden: Access is denied.",
        "403.4 - SSL required.",
        "The page you are trying to access is secured with Secure Sockets Layer (SSL).",
    )
}

/// IIS 404.0.
pub(crate) fn not_found() -> String {
    iis_error(
        "404 - File or directory not found.",
        "404 - File or directory not found.",
        "The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.",
    )
}

/// IIS 405.0.
pub(crate) fn method_not_allowed() -> String {
    iis_error(
        "405 - HTTP verb used to access this page is not allowed.",
        "405 - HTTP verb used to access this page is not allowed.",
        "The page you are looking for cannot be displayed because an invalid method (HTTP verb) was used to attempt access.",
    )
}

/// Escapes text for HTML element content and attribute values.
pub(crate) use ad_common::html::escape;

/// The certsrv ASP frame: the teal title bar with the CA's name, then `body`.
fn frame(ca_name: &str, body: &str) -> String {
    let ca = escape(ca_name);
    format!(
        "<HTML><Head>\r\n<Meta HTTP-Equiv=\"Content-Type\" Content=\"text/html; charset=UTF-8\">\r\n\
<Title>{TITLE}</Title>\r\n</Head>\r\n<Body BgColor=#FFFFFF>\r\n\
<Table Border=0 CellSpacing=0 CellPadding=4 Width=100% BgColor=#008080><TR>\r\n\
<TD><Font Color=#FFFFFF><LocID ID=locMSCertSrv><Font Face=\"Arial\" Size=-1><B><I>{TITLE}</I></B></Font></LocID></Font> \
<Font Color=#FFFFFF>&nbsp;--&nbsp; {ca}&nbsp;</Font></TD>\r\n\
<TD ID=locHomeAlign Align=Right><A Href=\"/certsrv\"><Font Color=#FFFFFF><LocID ID=locHomeLink>Home</LocID></Font></A></TD>\r\n\
</TR></Table>\r\n{body}</Body></HTML>\r\n"
    )
}

/// certfnsh.asp after issuing: "Certificate Issued" with the download links clients look for
/// (`certnew.cer?ReqID=N&`).
pub(crate) fn certificate_issued(ca_name: &str, id: u32) -> String {
    frame(
        ca_name,
        &format!(
            "<P ID=locPageTitle><Font Color=#336699><B>Certificate Issued</B></Font>\r\n\
<P ID=locInfoCertIssued>The certificate you requested was issued to you.\r\n\
<P><A Href=\"certnew.cer?ReqID={id}&amp;Enc=bin\">Download certificate</A> (DER encoded)<Br>\r\n\
<A Href=\"certnew.cer?ReqID={id}&amp;Enc=b64\">Download certificate</A> (Base 64 encoded)<Br>\r\n\
<A Href=\"certnew.p7b?ReqID={id}&amp;Enc=bin\">Download certificate chain</A>\r\n"
        ),
    )
}

/// certfnsh.asp when a CA manager must approve: "Certificate Pending" and the request id.
pub(crate) fn certificate_pending(ca_name: &str, id: u32) -> String {
    frame(
        ca_name,
        &format!(
            "<P ID=locPageTitle><Font Color=#336699><B>Certificate Pending</B></Font>\r\n\
<P ID=locInfoPending>Your certificate request has been received. However, you must wait for an administrator to issue the certificate you requested.\r\n\
<P>Your Request Id is {id}.\r\n\
<P ID=locInfoReturn>Please return to this web site in a day or two to retrieve your certificate.\r\n"
        ),
    )
}

/// certfnsh.asp when the policy module (or the parser) said no.
pub(crate) fn certificate_denied(ca_name: &str, id: Option<u32>, message: &str) -> String {
    let id = id
        .map(|id| format!("<P>Your Request Id is {id}.\r\n"))
        .unwrap_or_default();
    frame(
        ca_name,
        &format!(
            "<P ID=locPageTitle><Font Color=#336699><B>Certificate Request Denied</B></Font>\r\n\
<P ID=locDenied>Your certificate request was denied.\r\n{id}\
<P ID=locContactAdmin>Contact your administrator for further information.\r\n\
<P ID=locDispMsg>The disposition message is \"{}\"\r\n",
            escape(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certcarc_carries_n_renewals_and_lists_newest_first() {
        let page = certcarc(
            "Example CA",
            &["CN=Example CA".to_string(), "CN=Example CA <2>".to_string()],
        );
        assert!(page.contains("var nRenewals=1;"), "{page}");
        let current = page.find("Current [Example CA(1)]").expect("current");
        let previous = page.find("Previous [Example CA]").expect("previous");
        assert!(current < previous);
        assert!(page.contains("CN=Example CA &lt;2&gt;"));
        assert!(certcarc("X", &["CN=X".into()]).contains("var nRenewals=0;"));
    }

    #[test]
    fn pages_have_the_titles_clients_look_for() {
        assert!(welcome("CA")
            .contains("<Title>Microsoft Active Directory Certificate Services</Title>"));
        assert!(ca_error("CA", CaError::InvalidParameter).contains("0x80070057"));
        assert!(unauthorized().contains("<title>401 - Unauthorized"));
        assert!(ssl_required().contains("403.4 - SSL required."));
        assert!(not_found().contains("<title>404 - File or directory not found.</title>"));
        assert!(welcome("<script>").contains("&lt;script&gt;"));
    }
}
