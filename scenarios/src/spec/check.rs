//! Cross-references serde cannot check: certificate ids that must exist, publish types,
//! signature algorithms that need an RSA issuer, at least one act.

use super::*;

impl Scenario {
    /// Cross-references serde cannot check: ids that must exist, at least one act.
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        if self.acts.is_empty() {
            return Err(("act".into(), "a scenario needs at least one [[act]]".into()));
        }
        if self.pki.contains_key("registrar") {
            return Err((
                "pki.registrar".into(),
                "`registrar` is reserved for the registrar's leaf; use [registrar]".into(),
            ));
        }
        let known = |id: &str| id == "registrar" || self.pki.contains_key(id);
        let unknown = |key: &str, id: &str| {
            Err((
                key.to_string(),
                format!(
                    "no certificate `{id}` in [pki] (known: {})",
                    self.pki.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ))
        };
        for (id, spec) in &self.pki {
            for reference in spec.issuer.iter().chain(spec.key_from.iter()) {
                if !self.pki.contains_key(reference) {
                    return unknown(&format!("pki.{id}"), reference);
                }
            }
            if spec.file.is_none() && spec.subject.is_empty() {
                return Err((format!("pki.{id}"), "needs `subject` (or `file`)".into()));
            }
        }
        if self.registrar.certificate_file.is_none()
            && !self.pki.contains_key(&self.registrar.issuer)
        {
            return unknown("registrar", &self.registrar.issuer);
        }
        for (id, spec) in &self.pki {
            if spec.signature == SignatureSpec::Sha1 {
                let issuer = spec.issuer.as_deref().unwrap_or(id);
                let what = format!("pki.{id}");
                if spec.file.is_some() {
                    return Err((what, "signature = \"sha1\" applies to generated certificates; a supplied `file` keeps its own signature".into()));
                }
                self.check_sha1_issuer(&what, id, issuer)?;
            }
        }
        if self.registrar.signature == SignatureSpec::Sha1 {
            if self.registrar.certificate_file.is_some() {
                return Err(("registrar".into(), "signature = \"sha1\" applies to a generated leaf; `certificate_file` keeps its own signature".into()));
            }
            self.check_sha1_issuer("registrar", "registrar", &self.registrar.issuer)?;
        }
        for id in self.registrar.chain.iter().flatten() {
            if !known(id) {
                return unknown("registrar", id);
            }
        }
        for (index, act) in self.acts.iter().enumerate() {
            let Some(sans) = &act.registrar_sans else {
                continue;
            };
            let what = format!("act[{index}].registrar_sans");
            if sans.is_empty() {
                return Err((what, "a certificate needs at least one name".into()));
            }
            if self.registrar.certificate_file.is_some() {
                return Err((
                    what,
                    "reissues a generated leaf; [registrar] uses `certificate_file`".into(),
                ));
            }
        }
        for crl in &self.crls {
            for id in std::iter::once(&crl.issuer).chain(crl.revoked.iter()) {
                if !known(id) {
                    return unknown("crl", id);
                }
            }
            if !crl.url.starts_with("http://") {
                return Err(("crl".into(), format!("url {:?} must be http://", crl.url)));
            }
        }
        for object in &self.directory.ca_objects {
            if object.values.is_empty() {
                return Err((
                    "ca_object".into(),
                    "values must name at least one value".into(),
                ));
            }
            for value in &object.values {
                if value != "placeholder" && value != "garbage" && !known(value) {
                    return unknown("ca_object", value);
                }
            }
        }
        for service in &self.directory.enrollment_services {
            for id in &service.certificates {
                if !known(id) {
                    return unknown("enrollment_service", id);
                }
            }
        }
        if let Some(service) = &self.web_service {
            for id in &service.certificates {
                if !known(id) {
                    return unknown("web_service", id);
                }
            }
            if !(service.url.starts_with("http://") || service.url.starts_with("https://")) {
                return Err((
                    "web_service".into(),
                    format!("url {:?} must be http(s)://", service.url),
                ));
            }
        }
        for host in &self.certsrv {
            for id in &host.renewals {
                if !known(id) {
                    return unknown("certsrv", id);
                }
            }
        }
        for act in &self.acts {
            for publish in &act.publish {
                if !known(&publish.certificate) {
                    return unknown("publish", &publish.certificate);
                }
                if adpki::publish::PublishType::parse(&publish.kind).is_none() {
                    return Err((
                        "publish".into(),
                        format!(
                            "unknown type {:?} (RootCA, SubCA, NTAuthCA, CrossCA, KRA)",
                            publish.kind
                        ),
                    ));
                }
            }
            for id in act.expect.installed.iter().flatten() {
                if !known(id) {
                    return unknown("expect", id);
                }
            }
        }
        Ok(())
    }
}

impl Scenario {
    /// The key a generated certificate `id` signs with (following `key_from`); None when it
    /// comes from a supplied key file, which is judged when the PKI is built.
    fn generated_key(&self, id: &str) -> Option<KeySpec> {
        let mut id = id;
        for _ in 0..=self.pki.len() {
            let spec = self.pki.get(id)?;
            if spec.file.is_some() {
                return None;
            }
            match &spec.key_from {
                Some(donor) => id = donor,
                None => return Some(spec.key),
            }
        }
        None
    }

    /// `signature = "sha1"` on `what` (certificate `id`, issued by `issuer`): sha1WithRSAEncryption
    /// needs an RSA issuer key.
    fn check_sha1_issuer(
        &self,
        what: &str,
        id: &str,
        issuer: &str,
    ) -> Result<(), (String, String)> {
        match self.generated_key(issuer) {
            Some(key) if !key.is_rsa() => {
                let whose = if issuer == id {
                    "its own key (self-signed)".to_string()
                } else {
                    format!("its issuer `{issuer}`'s key")
                };
                Err((
                    what.to_string(),
                    format!(
                        "signature = \"sha1\" needs an RSA issuer key (sha1WithRSAEncryption), but {whose} is {}; give the issuer key = \"rsa-2048\"",
                        key.name()
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}
