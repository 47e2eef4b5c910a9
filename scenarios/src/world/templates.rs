//! The certificate templates of a world with an enterprise CA: AD CS's defaults as it creates
//! them (values from `ldifde` exports of AD CS forests: schema version 1, two years for
//! WebServer, one for the others, six weeks' overlap) and the scenario's own.

use base64::Engine;

use crate::spec::{Scenario, TemplateSpec};

/// One template's attributes.
struct Template<'a> {
    name: &'a str,
    display_name: &'a str,
    /// `flags` as AD CS writes it.
    flags: u32,
    revision: u32,
    eku: &'a [&'a str],
    key_usage: u8,
    validity_days: u64,
    name_flag: i64,
    enrollment_flag: u32,
    private_key_flag: u32,
    minimal_key_size: u32,
    /// The last arc of msPKI-Cert-Template-OID under the forest's enterprise OID.
    oid_arc: u32,
}

/// ENROLLEE_SUPPLIES_SUBJECT.
const SUPPLY_IN_REQUEST: i64 = 1;
/// WebServer, DomainController, User and Machine as a new AD CS enterprise CA installs them.
const DEFAULTS: [Template<'static>; 4] = [
    Template {
        name: "WebServer",
        display_name: "Web Server",
        flags: 66113,
        revision: 4,
        eku: &["1.3.6.1.5.5.7.3.1"],
        key_usage: 0xA0,
        validity_days: 730,
        name_flag: SUPPLY_IN_REQUEST,
        enrollment_flag: 0,
        private_key_flag: 0,
        minimal_key_size: 2048,
        oid_arc: 16,
    },
    Template {
        name: "DomainController",
        display_name: "Domain Controller",
        flags: 66156,
        revision: 4,
        eku: &["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"],
        key_usage: 0xA0,
        validity_days: 365,
        name_flag: 419_430_400,
        enrollment_flag: 41,
        private_key_flag: 0,
        minimal_key_size: 2048,
        oid_arc: 15,
    },
    Template {
        name: "User",
        display_name: "User",
        flags: 66106,
        revision: 3,
        eku: &[
            "1.3.6.1.4.1.311.10.3.4",
            "1.3.6.1.5.5.7.3.4",
            "1.3.6.1.5.5.7.3.2",
        ],
        key_usage: 0xA0,
        validity_days: 365,
        name_flag: -1_509_949_440,
        enrollment_flag: 41,
        private_key_flag: 16,
        minimal_key_size: 2048,
        oid_arc: 1,
    },
    Template {
        name: "Machine",
        display_name: "Computer",
        flags: 66144,
        revision: 5,
        eku: &["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"],
        key_usage: 0xA0,
        validity_days: 365,
        name_flag: 402_653_184,
        enrollment_flag: 32,
        private_key_flag: 0,
        minimal_key_size: 2048,
        oid_arc: 14,
    },
];

/// The forest's enterprise OID arc for templates (each forest draws its own at random; this
/// one is fixed so worlds are reproducible).
const FOREST_OID: &str = "1.3.6.1.4.1.311.21.8.4155419.2213537.6208217.1093226.1352837.58";

/// Whether `scenario`'s directory holds templates at all, and their names in order.
pub(crate) fn names(scenario: &Scenario) -> Vec<String> {
    let directory = &scenario.directory;
    let defaults = directory
        .default_templates
        .unwrap_or(!directory.enrollment_services.is_empty());
    let mut names: Vec<String> = if defaults {
        DEFAULTS
            .iter()
            .map(|template| template.name.to_string())
            .collect()
    } else {
        Vec::new()
    };
    names.extend(
        directory
            .templates
            .iter()
            .map(|template| template.name.clone()),
    );
    names
}

/// The templates' LDIF under `CN=Certificate Templates,<pks>`.
pub(crate) fn ldif(scenario: &Scenario, pks: &str) -> String {
    let directory = &scenario.directory;
    let defaults = directory
        .default_templates
        .unwrap_or(!directory.enrollment_services.is_empty());
    let mut out = String::new();
    if defaults {
        for template in &DEFAULTS {
            out.push_str(&entry(template, pks));
        }
    }
    for (index, spec) in directory.templates.iter().enumerate() {
        let eku: Vec<&str> = spec.eku.iter().map(String::as_str).collect();
        out.push_str(&entry(&declared(spec, &eku, index), pks));
    }
    out
}

/// A scenario's template as AD CS would store a version 1 copy of WebServer edited so.
fn declared<'a>(spec: &'a TemplateSpec, eku: &'a [&'a str], index: usize) -> Template<'a> {
    Template {
        name: &spec.name,
        display_name: spec.display_name.as_deref().unwrap_or(&spec.name),
        flags: 66113,
        revision: 100,
        eku,
        key_usage: 0xA0,
        validity_days: u64::from(spec.validity_days),
        name_flag: if spec.enrollee_supplies_subject {
            SUPPLY_IN_REQUEST
        } else {
            0
        },
        enrollment_flag: if spec.pend { 0x2 } else { 0 },
        private_key_flag: 0,
        minimal_key_size: spec.minimal_key_size,
        oid_arc: 100 + index as u32,
    }
}

fn entry(template: &Template<'_>, pks: &str) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = format!(
        "dn: CN={name},CN=Certificate Templates,{pks}\nobjectClass: top\nobjectClass: pKICertificateTemplate\n\
cn: {name}\ndisplayName: {display}\nflags: {flags}\nrevision: {revision}\npKIDefaultKeySpec: 1\n\
pKIKeyUsage:: {key_usage}\npKIMaxIssuingDepth: 0\npKICriticalExtensions: 2.5.29.15\n\
pKIExpirationPeriod:: {expiration}\npKIOverlapPeriod:: {overlap}\n",
        name = template.name,
        display = template.display_name,
        flags = template.flags,
        revision = template.revision,
        key_usage = b64(&[template.key_usage, 0]),
        expiration = b64(&interval(template.validity_days * 86_400)),
        overlap = b64(&interval(42 * 86_400)),
    );
    for eku in template.eku {
        out.push_str(&format!("pKIExtendedKeyUsage: {eku}\n"));
    }
    out.push_str(&format!(
        "pKIDefaultCSPs: 1,Microsoft RSA SChannel Cryptographic Provider\nmsPKI-RA-Signature: 0\n\
msPKI-Enrollment-Flag: {}\nmsPKI-Private-Key-Flag: {}\nmsPKI-Certificate-Name-Flag: {}\n\
msPKI-Minimal-Key-Size: {}\nmsPKI-Template-Schema-Version: 1\nmsPKI-Template-Minor-Revision: 1\n\
msPKI-Cert-Template-OID: {FOREST_OID}.1.{}\n\n",
        template.enrollment_flag,
        template.private_key_flag,
        template.name_flag,
        template.minimal_key_size,
        template.oid_arc,
    ));
    out
}

/// A FILETIME interval as AD keeps pKIExpirationPeriod: negative 100 ns ticks, little-endian.
fn interval(seconds: u64) -> [u8; 8] {
    let ticks = i64::try_from(seconds.saturating_mul(10_000_000)).unwrap_or(i64::MAX);
    (-ticks).to_le_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn periods_encode_as_ad_cs_stores_them() {
        // WebServer's pKIExpirationPeriod and every default's pKIOverlapPeriod in ldifde.
        assert_eq!(
            super::interval(730 * 86_400),
            [0x00, 0x80, 0x72, 0x0e, 0x5d, 0xc2, 0xfd, 0xff]
        );
        assert_eq!(
            super::interval(42 * 86_400),
            [0, 128, 166, 10, 255, 222, 255, 255]
        );
    }
}
