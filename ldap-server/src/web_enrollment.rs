//! The directory as AD CS Web Enrollment sees it ([`certsrv::Directory`]): the enrollment
//! services' `cACertificate` values, Basic credentials checked by [`crate::bind::simple_bind`],
//! the certificate templates and which templates each CA host offers, and the DC's names. Every `/certsrv` host started against this directory reads the live tree.

use std::sync::Arc;

use crate::acl::Principal;
use crate::directory::Directory;
use crate::entry::EntryId;
use crate::session::Shared;

/// `pKIExpirationPeriod`: a negative FILETIME interval (100 ns units), little-endian, 8 bytes.
fn filetime_interval_seconds(value: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = value.try_into().ok()?;
    let ticks = i64::from_le_bytes(bytes);
    Some(ticks.checked_neg()?.max(0) as u64 / 10_000_000)
}

/// [`certsrv::Directory`] over a running directory.
pub(crate) struct WebEnrollmentDirectory {
    shared: Arc<Shared>,
}

impl WebEnrollmentDirectory {
    pub(crate) fn new(shared: Arc<Shared>) -> WebEnrollmentDirectory {
        WebEnrollmentDirectory { shared }
    }

    /// The entries directly under `CN=<container>,CN=Public Key Services,…` (none when the
    /// container is missing).
    fn pks_children<'d>(&self, dir: &'d Directory, container: &str) -> &'d [EntryId] {
        self.shared
            .forest
            .public_key_services_dn()
            .child_str(&format!("CN={container}"))
            .ok()
            .and_then(|dn| dir.find(&dn))
            .map_or(&[], |container| dir.children(container))
    }
}

impl certsrv::Directory for WebEnrollmentDirectory {
    /// The `cACertificate` values of every `pKIEnrollmentService` under
    /// `CN=Enrollment Services,CN=Public Key Services,…`, one list per service in tree order.
    fn enrollment_ca_certificates(&self) -> Vec<Vec<Vec<u8>>> {
        let dir = self.shared.read();
        let (Some(object_class), Some(ca_certificate)) = (
            dir.schema().attribute_id("objectClass"),
            dir.schema().attribute_id("cACertificate"),
        ) else {
            return Vec::new();
        };
        self.pks_children(&dir, "Enrollment Services")
            .iter()
            .filter(|&&service| {
                dir.values(service, object_class)
                    .iter()
                    .any(|class| class.eq_ignore_ascii_case(b"pKIEnrollmentService"))
            })
            .map(|&service| {
                dir.values(service, ca_certificate)
                    .iter()
                    .map(|value| value.to_vec())
                    .collect()
            })
            .collect()
    }

    fn authenticate(&self, user: &str, password: &str) -> Result<String, certsrv::BindRefused> {
        let dir = self.shared.read();
        match crate::bind::simple_bind(&dir, &self.shared.forest, user, password.as_bytes()) {
            Ok(Principal::User { account, .. }) => Ok(account),
            Ok(Principal::Anonymous) => Err(certsrv::BindRefused::NotAUser),
            Err(error) => Err(certsrv::BindRefused::Refused {
                diagnostic: error.diagnostic,
            }),
        }
    }

    fn ntlm_logon(
        &self,
        user: &str,
        domain: &str,
        proves: &mut dyn FnMut(&[u8; 16]) -> bool,
    ) -> Result<String, certsrv::BindRefused> {
        let dir = self.shared.read();
        match crate::bind::ntlm_logon(&dir, &self.shared.forest, user, domain, proves) {
            Ok(Principal::User { account, .. }) => Ok(account),
            Ok(Principal::Anonymous) => Err(certsrv::BindRefused::NotAUser),
            Err(error) => Err(certsrv::BindRefused::Refused {
                diagnostic: error.diagnostic,
            }),
        }
    }

    /// The `pKICertificateTemplate` whose CN is `name`, under `CN=Certificate Templates`.
    fn template(&self, name: &str) -> Option<certsrv::Template> {
        let dir = self.shared.read();
        let schema = dir.schema();
        let id = |attribute: &str| schema.attribute_id(attribute);
        let (cn, object_class) = (id("cn")?, id("objectClass")?);
        let children = self.pks_children(&dir, "Certificate Templates");
        let template = children.iter().copied().find(|&child| {
            dir.values(child, object_class)
                .iter()
                .any(|class| class.eq_ignore_ascii_case(b"pKICertificateTemplate"))
                && dir
                    .values(child, cn)
                    .first()
                    .is_some_and(|value| value.eq_ignore_ascii_case(name.as_bytes()))
        })?;
        let values = |attribute: &str| {
            id(attribute)
                .map(|attribute| dir.values(template, attribute))
                .unwrap_or_default()
        };
        let number = |attribute: &str| {
            values(attribute)
                .first()
                .and_then(|value| std::str::from_utf8(value).ok()?.trim().parse::<i64>().ok())
                // Flags are 32-bit and AD shows the high ones as negative numbers.
                .map_or(0, |value| value as u32)
        };
        let text = |value: &bytes::Bytes| String::from_utf8_lossy(value).into_owned();
        Some(certsrv::Template {
            name: values("cn")
                .first()
                .map(text)
                .unwrap_or_else(|| name.to_string()),
            extended_key_usages: values("pKIExtendedKeyUsage").iter().map(text).collect(),
            key_usage: values("pKIKeyUsage")
                .first()
                .and_then(|value| value.first().copied())
                .unwrap_or(0),
            validity_seconds: values("pKIExpirationPeriod")
                .first()
                .and_then(|value| filetime_interval_seconds(value))
                .unwrap_or(365 * 86_400),
            name_flag: number("msPKI-Certificate-Name-Flag"),
            enrollment_flag: number("msPKI-Enrollment-Flag"),
            minimal_key_size: number("msPKI-Minimal-Key-Size"),
        })
    }

    /// `certificateTemplates` of the enrollment services whose `dNSHostName` is `host`.
    fn offered_templates(&self, host: &str) -> Vec<String> {
        let dir = self.shared.read();
        let schema = dir.schema();
        let (Some(dns_host_name), Some(templates)) = (
            schema.attribute_id("dNSHostName"),
            schema.attribute_id("certificateTemplates"),
        ) else {
            return Vec::new();
        };
        self.pks_children(&dir, "Enrollment Services")
            .iter()
            .filter(|&&service| {
                dir.values(service, dns_host_name)
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(host.as_bytes()))
            })
            .flat_map(|&service| dir.values(service, templates))
            .map(|value| String::from_utf8_lossy(&value).into_owned())
            .collect()
    }

    fn ntlm_target(&self) -> ntlm::Target {
        self.shared.forest.ntlm_target()
    }

    fn host_name(&self) -> String {
        self.shared.forest.dc_fqdn.clone()
    }

    fn default_ca_name(&self) -> String {
        let forest = &self.shared.forest;
        format!("{}-{}-CA", forest.netbios, forest.dc_name)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiration_periods_read_as_ad_cs_writes_them() {
        // WebServer's two years and the one year of User/Machine, as ldifde shows them.
        assert_eq!(
            super::filetime_interval_seconds(&[0x00, 0x80, 0x72, 0x0e, 0x5d, 0xc2, 0xfd, 0xff]),
            Some(2 * 365 * 86_400)
        );
        assert_eq!(
            super::filetime_interval_seconds(&[0, 64, 57, 135, 46, 225, 254, 255]),
            Some(365 * 86_400)
        );
        assert_eq!(super::filetime_interval_seconds(&[1, 2, 3]), None);
    }
}
