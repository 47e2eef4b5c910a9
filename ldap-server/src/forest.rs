//! The skeleton of an AD forest for one DNS domain: the three naming contexts, the schema objects,
//! Public Key Services, a domain controller, and an Administrator who is an Enterprise Admin.
//!
//! The layout follows what `samba-tool domain provision` creates and what domain.md §A lists; the
//! optional `CN=NTAuthCertificates` object is the caller's choice because real forests differ
//! (Samba does not create it; an enterprise CA install does).

use bytes::Bytes;

use crate::directory::{Directory, Strictness};
use crate::dn::{escape_value, Dn};
use crate::error::{Error, OpError, Result};
use crate::password;
use crate::schema::{ClassKind, Schema};

/// What the caller chooses about the forest.
#[derive(Debug, Clone)]
pub struct ForestConfig {
    /// DNS name of the forest root domain, e.g. `example.test`.
    pub domain: String,
    /// The Administrator's password.
    pub admin_password: String,
    /// Create `CN=NTAuthCertificates` (with placeholder values) at start.
    pub with_ntauth: bool,
    /// The DC's host name (first label); its FQDN is `<dc>.<domain>`.
    pub dc_name: String,
    /// dSHeuristics fLDAPBlockAnonOps cleared.
    pub allow_anonymous_reads: bool,
}

impl ForestConfig {
    pub fn new(domain: &str) -> ForestConfig {
        ForestConfig {
            domain: domain.to_ascii_lowercase(),
            admin_password: String::new(),
            with_ntauth: false,
            dc_name: "DC1".to_string(),
            allow_anonymous_reads: false,
        }
    }
}

/// The names a forest is built from; every other module derives DNs from here.
#[derive(Debug, Clone)]
pub struct Forest {
    pub domain: String,
    /// Down-level domain name (`EXAMPLE`): the first DNS label, upper-cased.
    pub netbios: String,
    pub domain_dn: Dn,
    pub configuration_dn: Dn,
    pub schema_dn: Dn,
    pub dc_name: String,
    pub dc_fqdn: String,
    pub server_dn: Dn,
    pub ds_service_dn: Dn,
}

impl Forest {
    /// What an NTLM CHALLENGE says about this DC (its AV pairs).
    pub fn ntlm_target(&self) -> ntlm::Target {
        ntlm::Target {
            netbios_domain: self.netbios.clone(),
            netbios_computer: self.dc_name.to_ascii_uppercase(),
            dns_domain: self.domain.clone(),
            dns_computer: self.dc_fqdn.clone(),
        }
    }

    pub fn new(config: &ForestConfig) -> Result<Forest> {
        let domain = config.domain.trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if domain.is_empty()
            || labels.iter().any(|label| {
                label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        {
            return Err(Error::Config(format!(
                "--domain {domain:?} is not a DNS domain name such as example.test"
            )));
        }
        let domain_dn = Dn::parse(
            &labels
                .iter()
                .map(|label| format!("DC={label}"))
                .collect::<Vec<_>>()
                .join(","),
        )
        .map_err(|error| Error::Config(error.to_string()))?;
        let child = |parent: &Dn, rdn: &str| {
            parent
                .child_str(rdn)
                .map_err(|error| Error::Config(error.to_string()))
        };
        let configuration_dn = child(&domain_dn, "CN=Configuration")?;
        let schema_dn = child(&configuration_dn, "CN=Schema")?;
        let dc_name = config.dc_name.to_ascii_uppercase();
        let sites = child(&configuration_dn, "CN=Sites")?;
        let site = child(&sites, "CN=Default-First-Site-Name")?;
        let server_dn = child(
            &child(&site, "CN=Servers")?,
            &format!("CN={}", escape_value(&dc_name)),
        )?;
        let ds_service_dn = child(&server_dn, "CN=NTDS Settings")?;
        Ok(Forest {
            netbios: labels[0].to_ascii_uppercase(),
            dc_fqdn: format!("{}.{domain}", dc_name.to_ascii_lowercase()),
            domain,
            domain_dn,
            configuration_dn,
            schema_dn,
            dc_name,
            server_dn,
            ds_service_dn,
        })
    }

    /// `CN=Public Key Services,CN=Services,<configuration>`.
    pub fn public_key_services_dn(&self) -> Dn {
        self.configuration_dn
            .child_str("CN=Services")
            .and_then(|services| services.child_str("CN=Public Key Services"))
            .unwrap_or_else(|_| self.configuration_dn.clone())
    }

    pub fn users_dn(&self) -> Dn {
        self.domain_dn
            .child_str("CN=Users")
            .unwrap_or_else(|_| self.domain_dn.clone())
    }

    pub fn administrator_dn(&self) -> Dn {
        self.users_dn()
            .child_str("CN=Administrator")
            .unwrap_or_else(|_| self.users_dn())
    }

    pub fn subschema_dn(&self) -> Dn {
        self.schema_dn
            .child_str("CN=Aggregate")
            .unwrap_or_else(|_| self.schema_dn.clone())
    }

    /// A directory with this forest's schema and no objects (what a saved snapshot loads into).
    pub fn empty_directory(&self, schema: Schema) -> Directory {
        let mut dir = Directory::new(schema, &self.domain);
        dir.set_schema_nc(self.schema_dn.clone());
        dir
    }

    /// Builds the directory with the skeleton in place.
    pub fn build(&self, schema: Schema, config: &ForestConfig) -> Result<Directory> {
        let mut dir = Directory::new(schema, &self.domain);
        dir.set_schema_nc(self.schema_dn.clone());
        self.build_into(&mut dir, config).map_err(|error| {
            Error::Config(format!("building the forest skeleton failed: {error}"))
        })?;
        Ok(dir)
    }

    fn build_into(&self, dir: &mut Directory, config: &ForestConfig) -> Result<(), OpError> {
        let label = self
            .domain
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string();
        dir.add_naming_context(
            &self.domain_dn,
            vec![
                attr("objectClass", &["top", "domain", "domainDNS"]),
                attr("dc", &[&label]),
            ],
        )?;
        dir.add_naming_context(
            &self.configuration_dn,
            vec![
                attr("objectClass", &["top", "configuration"]),
                attr("cn", &["Configuration"]),
            ],
        )?;
        dir.add_naming_context(
            &self.schema_dn,
            vec![
                attr("objectClass", &["top", "dMD"]),
                attr("cn", &["Schema"]),
            ],
        )?;
        self.add_schema_objects(dir)?;
        self.add_configuration(dir, config)?;
        self.add_domain_objects(dir, config)?;
        Ok(())
    }

    fn add_schema_objects(&self, dir: &mut Directory) -> Result<(), OpError> {
        let schema = dir.schema().clone();
        for attribute in schema.attributes() {
            let dn = self
                .schema_dn
                .child(crate::dn::Rdn::new("CN", &attribute.cn));
            if dir.find(&dn).is_some() {
                continue;
            }
            dir.add(
                &dn,
                vec![
                    attr("objectClass", &["top", "attributeSchema"]),
                    attr("lDAPDisplayName", &[&attribute.name]),
                    attr("attributeID", &[&attribute.oid]),
                    attr("attributeSyntax", &[attribute.syntax.ad_syntax()]),
                    attr("oMSyntax", &[om_syntax(attribute.syntax)]),
                    attr(
                        "isSingleValued",
                        &[if attribute.single_valued {
                            "TRUE"
                        } else {
                            "FALSE"
                        }],
                    ),
                    (
                        "schemaIDGUID".to_string(),
                        vec![schema_id_guid(&attribute.oid)],
                    ),
                ],
                Strictness::Import,
            )?;
        }
        for class in schema.classes() {
            let dn = self.schema_dn.child(crate::dn::Rdn::new("CN", &class.cn));
            if dir.find(&dn).is_some() {
                continue;
            }
            let category = self
                .schema_dn
                .child(crate::dn::Rdn::new("CN", &class.default_object_category_cn))
                .to_string();
            let kind = match class.kind {
                ClassKind::Class88 => "0",
                ClassKind::Structural => "1",
                ClassKind::Abstract => "2",
                ClassKind::Auxiliary => "3",
            };
            let superior = class.superior.clone().unwrap_or_else(|| class.name.clone());
            let mut attributes = vec![
                attr("objectClass", &["top", "classSchema"]),
                attr("lDAPDisplayName", &[&class.name]),
                attr("governsID", &[&class.oid]),
                attr("subClassOf", &[&superior]),
                attr("objectClassCategory", &[kind]),
                attr("defaultObjectCategory", &[&category]),
                ("schemaIDGUID".to_string(), vec![schema_id_guid(&class.oid)]),
            ];
            let lists = [
                ("systemMustContain", &class.must),
                ("systemMayContain", &class.may),
                ("systemPossSuperiors", &class.poss_superiors),
            ];
            for (name, values) in lists {
                if !values.is_empty() {
                    attributes.push((
                        name.to_string(),
                        values
                            .iter()
                            .map(|value| Bytes::from(value.clone()))
                            .collect(),
                    ));
                }
            }
            dir.add(&dn, attributes, Strictness::Import)?;
        }
        let aggregate = self.subschema_dn();
        let attribute_types: Vec<Bytes> = schema
            .attribute_type_descriptions()
            .into_iter()
            .map(Bytes::from)
            .collect();
        let object_classes: Vec<Bytes> = schema
            .object_class_descriptions()
            .into_iter()
            .map(Bytes::from)
            .collect();
        dir.add(
            &aggregate,
            vec![
                attr("objectClass", &["top", "subSchema"]),
                ("attributeTypes".to_string(), attribute_types),
                ("objectClasses".to_string(), object_classes),
            ],
            Strictness::Import,
        )?;
        Ok(())
    }

    fn add_configuration(&self, dir: &mut Directory, config: &ForestConfig) -> Result<(), OpError> {
        let c = &self.configuration_dn;
        let services = c.child_str("CN=Services").map_err(dn_error)?;
        add_container(dir, &services)?;
        let windows_nt = services.child_str("CN=Windows NT").map_err(dn_error)?;
        add_container(dir, &windows_nt)?;
        let mut directory_service = vec![attr("objectClass", &["top", "nTDSService"])];
        if config.allow_anonymous_reads {
            // Seventh character 2: fLDAPBlockAnonOps off.
            directory_service.push(attr("dSHeuristics", &["0000002"]));
        }
        dir.add(
            &windows_nt
                .child_str("CN=Directory Service")
                .map_err(dn_error)?,
            directory_service,
            Strictness::Import,
        )?;

        let pks = self.public_key_services_dn();
        add_container(dir, &pks)?;
        for name in [
            "AIA",
            "CDP",
            "Certificate Templates",
            "Certification Authorities",
            "Enrollment Services",
            "KRA",
        ] {
            add_container(dir, &pks.child(crate::dn::Rdn::new("CN", name)))?;
        }
        // CN=OID is no plain container in AD: AD CS (and Samba's provision) make it the
        // msPKI-Enterprise-Oid object the forest's enterprise OIDs live under.
        dir.add(
            &pks.child(crate::dn::Rdn::new("CN", "OID")),
            vec![attr("objectClass", &["top", "msPKI-Enterprise-Oid"])],
            Strictness::Import,
        )?;
        if config.with_ntauth {
            dir.add(
                &pks.child_str("CN=NTAuthCertificates").map_err(dn_error)?,
                vec![
                    attr("objectClass", &["top", "certificationAuthority"]),
                    // AD's placeholders for mandatory values nobody has written yet: one 0x00 byte.
                    ("cACertificate".to_string(), vec![Bytes::from_static(&[0])]),
                    (
                        "certificateRevocationList".to_string(),
                        vec![Bytes::from_static(&[0])],
                    ),
                    (
                        "authorityRevocationList".to_string(),
                        vec![Bytes::from_static(&[0])],
                    ),
                ],
                Strictness::Import,
            )?;
        }

        let sites = c.child_str("CN=Sites").map_err(dn_error)?;
        dir.add(
            &sites,
            vec![attr("objectClass", &["top", "sitesContainer"])],
            Strictness::Import,
        )?;
        let site = sites
            .child_str("CN=Default-First-Site-Name")
            .map_err(dn_error)?;
        dir.add(
            &site,
            vec![attr("objectClass", &["top", "site"])],
            Strictness::Import,
        )?;
        let servers = site.child_str("CN=Servers").map_err(dn_error)?;
        dir.add(
            &servers,
            vec![attr("objectClass", &["top", "serversContainer"])],
            Strictness::Import,
        )?;
        dir.add(
            &self.server_dn,
            vec![
                attr("objectClass", &["top", "server"]),
                attr("dNSHostName", &[&self.dc_fqdn]),
            ],
            Strictness::Import,
        )?;
        dir.add(
            &self.ds_service_dn,
            vec![attr(
                "objectClass",
                &["top", "applicationSettings", "nTDSDSA"],
            )],
            Strictness::Import,
        )?;
        Ok(())
    }

    fn add_domain_objects(
        &self,
        dir: &mut Directory,
        config: &ForestConfig,
    ) -> Result<(), OpError> {
        let users = self.users_dn();
        add_container(dir, &users)?;
        add_container(
            dir,
            &self.domain_dn.child_str("CN=Computers").map_err(dn_error)?,
        )?;
        let controllers = self
            .domain_dn
            .child_str("OU=Domain Controllers")
            .map_err(dn_error)?;
        dir.add(
            &controllers,
            vec![attr("objectClass", &["top", "organizationalUnit"])],
            Strictness::Import,
        )?;
        let dc_account = format!("{}$", self.dc_name);
        dir.add(
            &controllers.child(crate::dn::Rdn::new("CN", &self.dc_name)),
            vec![
                attr(
                    "objectClass",
                    &["top", "person", "organizationalPerson", "user", "computer"],
                ),
                attr("sAMAccountName", &[&dc_account]),
                attr("dNSHostName", &[&self.dc_fqdn]),
                attr("userAccountControl", &["532480"]),
            ],
            Strictness::Import,
        )?;

        let admin = self.administrator_dn();
        dir.add(
            &admin,
            vec![
                attr(
                    "objectClass",
                    &["top", "person", "organizationalPerson", "user"],
                ),
                attr("sAMAccountName", &["Administrator"]),
                attr(
                    "userPrincipalName",
                    &[&format!("Administrator@{}", self.domain)],
                ),
                attr(
                    "description",
                    &["Built-in account for administering the computer/domain"],
                ),
                // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
                attr("userAccountControl", &["66048"]),
                attr("pwdLastSet", &["133000000000000000"]),
                attr(
                    "userPassword",
                    &[&password::hash_ssha(&config.admin_password)],
                ),
                // The NT hash too, as AD keeps it: the Administrator can log on with NTLM.
                attr(
                    "unicodePwd",
                    &[&password::nt_hash_value(&config.admin_password)],
                ),
            ],
            Strictness::Import,
        )?;
        let admin_text = admin.to_string();
        for (name, group_type) in [
            ("Enterprise Admins", "-2147483640"),
            ("Domain Admins", "-2147483646"),
            ("Domain Users", "-2147483646"),
        ] {
            let mut attributes = vec![
                attr("objectClass", &["top", "group"]),
                attr("sAMAccountName", &[name]),
                attr("groupType", &[group_type]),
            ];
            if name != "Domain Users" {
                attributes.push(attr("member", &[&admin_text]));
            }
            dir.add(
                &users.child(crate::dn::Rdn::new("CN", name)),
                attributes,
                Strictness::Import,
            )?;
        }
        Ok(())
    }
}

/// The groups whose members write anywhere (by RDN under the domain's CN=Users or CN=Builtin).
pub const ADMIN_GROUPS: &[&str] = &["Enterprise Admins", "Domain Admins", "Administrators"];

fn add_container(dir: &mut Directory, dn: &Dn) -> Result<(), OpError> {
    dir.add(
        dn,
        vec![attr("objectClass", &["top", "container"])],
        Strictness::Import,
    )
    .map(|_| ())
}

fn attr(name: &str, values: &[&str]) -> (String, Vec<Bytes>) {
    (
        name.to_string(),
        values
            .iter()
            .map(|value| Bytes::from(value.to_string()))
            .collect(),
    )
}

fn dn_error(error: crate::dn::DnError) -> OpError {
    OpError::new(crate::error::ResultCode::InvalidDnSyntax, error.to_string())
}

/// A stable 16-byte schemaIDGUID derived from the OID (AD's real GUIDs are not needed by any
/// client of this mock, but the attribute is mandatory and must not change between runs).
fn schema_id_guid(oid: &str) -> Bytes {
    use sha1::Digest;
    Bytes::copy_from_slice(&sha1::Sha1::digest(oid.as_bytes())[..16])
}

/// AD's oMSyntax for an attribute syntax.
fn om_syntax(syntax: crate::schema::Syntax) -> &'static str {
    use crate::schema::Syntax;
    match syntax {
        Syntax::DirectoryString => "64",
        Syntax::CaseExactString => "27",
        Syntax::Oid => "6",
        Syntax::Dn => "127",
        Syntax::Integer => "2",
        Syntax::Boolean => "1",
        Syntax::GeneralizedTime => "24",
        Syntax::OctetString | Syntax::Sid => "4",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeleton_has_the_public_key_services_layout() {
        let mut config = ForestConfig::new("example.test");
        config.admin_password = "Passw0rd!".into();
        let forest = Forest::new(&config).unwrap();
        let dir = forest.build(Schema::active_directory(), &config).unwrap();
        let pks = forest.public_key_services_dn();
        for name in [
            "AIA",
            "CDP",
            "Certificate Templates",
            "Certification Authorities",
            "Enrollment Services",
            "KRA",
            "OID",
        ] {
            assert!(
                dir.find(&pks.child(crate::dn::Rdn::new("CN", name)))
                    .is_some(),
                "{name}"
            );
        }
        let oid = dir.find(&pks.child_str("CN=OID").unwrap()).unwrap();
        let object_class = dir.schema().attribute_id("objectClass").unwrap();
        assert!(dir
            .values(oid, object_class)
            .iter()
            .any(|class| class.eq_ignore_ascii_case(b"msPKI-Enterprise-Oid")));
        assert!(dir
            .find(&pks.child_str("CN=NTAuthCertificates").unwrap())
            .is_none());
        let ca_class = forest
            .schema_dn
            .child_str("CN=Certification-Authority")
            .unwrap();
        assert!(dir.find(&ca_class).is_some());
        assert_eq!(forest.netbios, "EXAMPLE");
        assert_eq!(dir.naming_contexts().len(), 3);
    }

    #[test]
    fn ntauth_is_optional() {
        let mut config = ForestConfig::new("example.test");
        config.with_ntauth = true;
        let forest = Forest::new(&config).unwrap();
        let dir = forest.build(Schema::active_directory(), &config).unwrap();
        assert!(dir
            .find(
                &forest
                    .public_key_services_dn()
                    .child_str("CN=NTAuthCertificates")
                    .unwrap()
            )
            .is_some());
    }

    #[test]
    fn rejects_a_bad_domain() {
        assert!(Forest::new(&ForestConfig::new("not a domain")).is_err());
        assert!(Forest::new(&ForestConfig::new("")).is_err());
    }
}
