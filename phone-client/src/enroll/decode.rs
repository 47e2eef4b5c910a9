//! Decoding what /certsrv returns: certs-only PKCS#7 (DER or in any PEM armour), a single
//! certificate, or something else (an HTML page) that is reported as such.

use ad_common::certfile;

/// The Content-Type is worth showing only when it is not one AD CS sends for a chain.
pub(super) fn with_content_type(detail: String, content_type: &Option<String>) -> String {
    match content_type {
        Some(ct) if !ct.contains("pkcs7") && !ct.contains("pkix-cert") => {
            format!("{detail} (Content-Type: {ct})")
        }
        _ => detail,
    }
}

/// [`decode_chain`] with the bare reason as the error: the shared certificate reader
/// ([`ad_common::certfile`]), except that an HTML page (what a misconfigured server sends) is
/// named as such.
pub(super) fn decode_detail(body: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let body = certfile::strip_bom(body);
    if body.first() != Some(&0x30) {
        if let Some(title) = std::str::from_utf8(body).ok().and_then(html_title) {
            return Err(format!(
                "got an HTML page{title} instead of a certificate chain (an error or login page?)"
            ));
        }
    }
    certfile::certificates(body).map_err(|error| error.to_string())
}

/// `Some(" titled \"…\"")` (or `Some("")` without a title) when the text is an HTML page: IIS error pages,
/// login forms and the certsrv pages themselves are what a misconfigured server returns instead of a chain.
pub(super) fn html_title(text: &str) -> Option<String> {
    let head: String = text.trim_start().chars().take(2048).collect();
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` slice `head`.
    let lower = head.to_ascii_lowercase();
    let is_html = lower.starts_with('<')
        && ["<html", "<!doctype html", "<head", "<body"]
            .iter()
            .any(|marker| lower.contains(marker));
    if !is_html {
        return None;
    }
    let title = lower
        .find("<title>")
        .map(|start| start + "<title>".len())
        .and_then(|start| {
            lower[start..]
                .find("</title>")
                .map(|len| &head[start..start + len])
        })
        .map(|title| title.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|title| !title.is_empty())
        .map(|title| {
            format!(
                " titled \"{}\"",
                title.chars().take(100).collect::<String>()
            )
        });
    Some(title.unwrap_or_default())
}
