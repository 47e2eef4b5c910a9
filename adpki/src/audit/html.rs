//! `adpki audit --format html`: the audit as one self-contained page shaped like pkiview.msc —
//! the Public Key Services containers as a tree, each certificate with its status, each CRL with
//! its freshness — topped by what only a phone adds: whether it would sign in, and the fix.
//! Inline CSS, no script, no outside assets. `data-*` attributes carry the statuses for tools
//! (and tests) that read the DOM.

use std::fmt::Write;

use ad_common::html::escape;

use super::{AuditReport, CaObject};

/// The page's style; [`tree`] fragments embedded elsewhere (a scenario run) use it too.
pub const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em}code{background:#f4f4f4;padding:.1em .3em}\
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.4em;border-left:1px dotted #999}\
ul.tree{border:0;padding-left:0}li{margin:.25em 0}.node{font-weight:600}\
.dn{color:#666;font-size:.85em}.status{display:inline-block;min-width:6.5em;text-align:center;\
border-radius:3px;padding:0 .4em;margin-right:.5em;font-size:.85em;color:#fff;background:#4e79a7}\
.s-ok,.s-fresh{background:#2e7d32}.s-expiring{background:#ef6c00}.s-expired,.s-stale,.s-garbage,\
.s-unreadable,.s-not_yet_valid{background:#b00020}.s-placeholder{background:#8d6e63}\
.verdict{padding:.8em 1em;border-radius:4px;margin:1em 0}.v-yes{background:#e8f5e9}.v-no{background:#fdecea}";

/// The whole page.
pub fn html(report: &AuditReport) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>PKI audit — {}</title><style>{STYLE}</style></head><body><h1>Enterprise PKI as a phone sees it</h1><p class=\"dn\">{}</p>",
        escape(&report.configuration_nc),
        escape(&report.configuration_nc)
    );
    page.push_str(&verdict(report));
    page.push_str(&tree(report));
    page.push_str("</body></html>\n");
    page
}

/// The phone's verdict and the fix, when a registrar chain was given.
pub fn verdict(report: &AuditReport) -> String {
    let Some(phone) = &report.phone else {
        return "<div class=\"verdict\" id=\"verdict\" data-would-sign-in=\"unknown\">No registrar chain was given: no verdict for a phone.</div>".into();
    };
    let mut out = format!(
        "<div class=\"verdict {}\" id=\"verdict\" data-would-sign-in=\"{}\"><b>{} phone:</b> ",
        if phone.would_sign_in { "v-yes" } else { "v-no" },
        phone.would_sign_in,
        escape(&phone.profile)
    );
    if phone.would_sign_in {
        let _ = write!(
            out,
            "would sign in ({}), installing {}.",
            phone.path.map_or("?", |path| path.name()),
            escape(&phone.installed.join("; "))
        );
    } else {
        let _ = write!(
            out,
            "would show “Cannot validate server certificate”: {}",
            escape(&phone.reason)
        );
    }
    if let Some(fix) = &phone.fix {
        let _ = write!(
            out,
            "<br><b>Fix:</b> <code id=\"fix\">{}</code>",
            escape(fix)
        );
    }
    out.push_str("</div>");
    out
}

/// The containers as a tree.
pub fn tree(report: &AuditReport) -> String {
    let mut out = String::from(
        "<ul class=\"tree\" id=\"tree\"><li><span class=\"node\">Public Key Services</span><ul>",
    );
    ca_container(&mut out, report, "AIA");
    cdp(&mut out, report);
    templates(&mut out, report);
    ca_container(&mut out, report, "Certification Authorities");
    enrollment(&mut out, report);
    ca_container(&mut out, report, "NTAuthCertificates");
    let elsewhere: Vec<&CaObject> = report
        .certification_authorities
        .iter()
        .filter(|object| object.container == "elsewhere")
        .collect();
    if !elsewhere.is_empty() {
        out.push_str("<li data-container=\"elsewhere\"><span class=\"node\">Elsewhere in the Configuration NC</span><ul>");
        for object in elsewhere {
            ca_object(&mut out, object);
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul></li></ul>");
    out
}

fn ca_container(out: &mut String, report: &AuditReport, container: &str) {
    let objects: Vec<&CaObject> = report
        .certification_authorities
        .iter()
        .filter(|object| object.container == container)
        .collect();
    let _ = write!(
        out,
        "<li data-container=\"{}\"><span class=\"node\">{}</span> ({} object{})<ul>",
        escape(container),
        escape(container),
        objects.len(),
        if objects.len() == 1 { "" } else { "s" }
    );
    for object in objects {
        ca_object(out, object);
    }
    out.push_str("</ul></li>");
}

fn ca_object(out: &mut String, object: &CaObject) {
    let _ = write!(
        out,
        "<li class=\"object\" data-dn=\"{}\">{} <ul>",
        escape(&object.dn),
        escape(first_rdn(&object.dn))
    );
    for (certificate, status) in object.certificates.iter().zip(&object.statuses) {
        let _ = write!(
            out,
            "<li class=\"certificate\" data-status=\"{}\" data-sha1=\"{}\"><span class=\"status s-{}\">{}</span>{} <span class=\"dn\">{}, {}; SHA-1 {}; {}</span></li>",
            status.status,
            escape(&certificate.sha1),
            status.status,
            label(status.status),
            escape(&certificate.subject),
            escape(&certificate.key),
            escape(&certificate.signature_algorithm),
            escape(&certificate.sha1),
            escape(&status.detail)
        );
    }
    for (reason, kind) in object.unusable.iter().zip(&object.unusable_kinds) {
        let _ = write!(
            out,
            "<li class=\"value\" data-status=\"{kind}\"><span class=\"status s-{kind}\">{}</span><span class=\"dn\">{}</span></li>",
            label(kind),
            escape(reason)
        );
    }
    if object.certificates.is_empty() && object.unusable.is_empty() {
        out.push_str("<li class=\"value\" data-status=\"empty\"><span class=\"status s-placeholder\">Empty</span>no cACertificate value</li>");
    }
    out.push_str("</ul></li>");
}

fn cdp(out: &mut String, report: &AuditReport) {
    let _ = write!(
        out,
        "<li data-container=\"CDP\"><span class=\"node\">CDP</span> ({} object{})<ul>",
        report.crl_distribution_points.len(),
        if report.crl_distribution_points.len() == 1 {
            ""
        } else {
            "s"
        }
    );
    for point in &report.crl_distribution_points {
        let _ = write!(
            out,
            "<li class=\"object\" data-dn=\"{}\">{} <ul>",
            escape(&point.dn),
            escape(first_rdn(&point.dn))
        );
        for crl in &point.crls {
            let (status, detail) = match (&crl.next_update, crl.stale) {
                (Some(next), true) => ("stale", format!("next update {next} has passed")),
                (Some(next), false) => ("fresh", format!("next update {next}")),
                (None, _) => ("fresh", "no next update".to_string()),
            };
            let _ = write!(
                out,
                "<li class=\"crl\" data-status=\"{status}\"><span class=\"status s-{status}\">{}</span>CRL of {} <span class=\"dn\">issued {}; {}</span></li>",
                label(status),
                escape(&crl.issuer),
                escape(&crl.this_update),
                escape(&detail)
            );
        }
        for reason in &point.unusable {
            let _ = write!(
                out,
                "<li class=\"value\" data-status=\"garbage\"><span class=\"status s-garbage\">Unusable</span>{}</li>",
                escape(reason)
            );
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul></li>");
}

fn templates(out: &mut String, report: &AuditReport) {
    let _ = write!(
        out,
        "<li data-container=\"Certificate Templates\"><span class=\"node\">Certificate Templates</span> ({})<ul>",
        report.certificate_templates.len()
    );
    for template in &report.certificate_templates {
        let _ = write!(out, "<li class=\"template\">{}</li>", escape(template));
    }
    out.push_str("</ul></li>");
}

fn enrollment(out: &mut String, report: &AuditReport) {
    let _ = write!(
        out,
        "<li data-container=\"Enrollment Services\"><span class=\"node\">Enrollment Services</span> ({})<ul>",
        report.enrollment_services.len()
    );
    for service in &report.enrollment_services {
        let _ = write!(
            out,
            "<li class=\"object\" data-dn=\"{}\">{} <span class=\"dn\">dNSHostName {}</span>",
            escape(&service.dn),
            escape(first_rdn(&service.dn)),
            escape(service.dns_host_name.as_deref().unwrap_or("(none)"))
        );
        if let Some(web) = &service.web_enrollment {
            let _ = write!(
                out,
                "<ul><li class=\"web\">certnew.p7b: {}</li></ul>",
                escape(web)
            );
        }
        out.push_str("</li>");
    }
    out.push_str("</ul></li>");
}

/// What pkiview would call each status.
fn label(status: &str) -> &'static str {
    match status {
        "ok" => "OK",
        "expiring" => "Expiring",
        "expired" => "Expired",
        "not_yet_valid" => "Not yet valid",
        "unreadable" => "Unreadable by this firmware",
        "placeholder" => "Placeholder",
        "garbage" => "Garbage",
        "fresh" => "Fresh",
        "stale" => "Stale",
        _ => "Unusable",
    }
}

/// `CN=Contoso Root CA,CN=…` → `CN=Contoso Root CA` (an escaped comma stays inside the RDN).
fn first_rdn(dn: &str) -> &str {
    let bytes = dn.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b',' => return &dn[..index],
            _ => index += 1,
        }
    }
    dn
}
