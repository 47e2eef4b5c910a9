//! The directory as AD CS Web Enrollment sees it ([`certsrv::Directory`]): the enrollment
//! services' `cACertificate` values, Basic credentials checked by [`crate::bind::simple_bind`],
//! and the DC's names. Every `/certsrv` host started against this directory reads the live tree.

use std::sync::Arc;

use crate::acl::Principal;
use crate::session::Shared;

/// [`certsrv::Directory`] over a running directory.
pub(crate) struct WebEnrollmentDirectory {
    shared: Arc<Shared>,
}

impl WebEnrollmentDirectory {
    pub(crate) fn new(shared: Arc<Shared>) -> WebEnrollmentDirectory {
        WebEnrollmentDirectory { shared }
    }
}

impl certsrv::Directory for WebEnrollmentDirectory {
    /// The `cACertificate` values of every `pKIEnrollmentService` under
    /// `CN=Enrollment Services,CN=Public Key Services,…`, one list per service in tree order.
    fn enrollment_ca_certificates(&self) -> Vec<Vec<Vec<u8>>> {
        let shared = &self.shared;
        let dir = shared.read();
        let Ok(container) = shared
            .forest
            .public_key_services_dn()
            .child_str("CN=Enrollment Services")
        else {
            return Vec::new();
        };
        let (Some(container), Some(object_class), Some(ca_certificate)) = (
            dir.find(&container),
            dir.schema().attribute_id("objectClass"),
            dir.schema().attribute_id("cACertificate"),
        ) else {
            return Vec::new();
        };
        dir.children(container)
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
