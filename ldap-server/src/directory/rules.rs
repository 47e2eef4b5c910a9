//! The schema rules an add or modify must pass, and the per-class tables that make checking a
//! million-entry LDIF fast (allowed attributes, possible superiors and default categories are
//! computed once per class, not once per entry).

use std::collections::HashSet;

use bytes::Bytes;

use super::virtual_attrs::parse_generalized_time;
use super::Directory;
use crate::ad_text;
use crate::dn::Rdn;
use crate::entry::{Attribute, Entry, EntryId};
use crate::error::{OpError, ResultCode};
use crate::schema::{AttrId, ClassId, ClassKind, Schema};

/// How strictly an add treats names the schema lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// LDAP clients: an unknown attribute is 16 noSuchAttribute, as AD answers.
    #[default]
    Ldap,
    /// LDIF files (ldifde exports carry hundreds of AD attributes this schema omits): unknown
    /// attributes are learned as octet strings, and server-maintained values are kept.
    Import,
}

/// Attributes any object may carry whatever its classes say (AD puts them on `top`).
const ALWAYS_ALLOWED: &[&str] = &[
    "objectClass",
    "objectCategory",
    "nTSecurityDescriptor",
    "description",
    "displayName",
    "showInAdvancedViewOnly",
    "isCriticalSystemObject",
    "systemFlags",
    "adminDescription",
    "adminDisplayName",
    "flags",
    "cn",
];

/// Attributes the server maintains: taken from LDIF (so exports re-import losslessly), refused
/// from LDAP writes.
pub(super) const SERVER_MAINTAINED: &[&str] = &[
    "objectGUID",
    "whenCreated",
    "whenChanged",
    "uSNCreated",
    "uSNChanged",
    "distinguishedName",
    "name",
    "instanceType",
    "createTimeStamp",
    "modifyTimeStamp",
];

/// Per-class facts derived from the schema once, so checking an entry allocates nothing per class.
#[derive(Debug, Clone)]
pub(super) struct ClassRules {
    /// lDAPDisplayNames as shared bytes: every entry's objectClass values point at these.
    names: Vec<Bytes>,
    /// The superclass chain, most general first.
    chains: Vec<Vec<ClassId>>,
    /// This class's own mandatory attributes (ids; a name the schema lacks cannot be satisfied).
    must: Vec<Vec<Result<AttrId, String>>>,
    /// Attributes allowed on an object of this class: must + may over the chain, plus the ones
    /// every object may carry.
    allowed: Vec<HashSet<AttrId>>,
    /// Classes an object of this class may be created under (possSuperiors over the chain).
    superiors: Vec<HashSet<ClassId>>,
    /// `defaultObjectCategory` DN text, once the Schema NC is known.
    categories: Vec<Option<Bytes>>,
    /// The same DNs normalised: what `(objectCategory=<class>)` compiles to on every search.
    category_keys: Vec<Option<Box<[u8]>>>,
}

impl ClassRules {
    pub(super) fn new(schema: &Schema) -> ClassRules {
        let count = schema.classes().len();
        let ids = || (0..count).map(|index| index as ClassId);
        let always: HashSet<AttrId> = ALWAYS_ALLOWED
            .iter()
            .filter_map(|name| schema.attribute_id(name))
            .collect();
        let chains: Vec<Vec<ClassId>> = ids().map(|id| schema.class_chain(id)).collect();
        let allowed = chains
            .iter()
            .map(|chain| {
                let mut set = always.clone();
                for &class in chain {
                    let class = schema.class(class);
                    set.extend(
                        class
                            .must
                            .iter()
                            .chain(&class.may)
                            .filter_map(|name| schema.attribute_id(name)),
                    );
                }
                set
            })
            .collect();
        let superiors = chains
            .iter()
            .map(|chain| {
                chain
                    .iter()
                    .flat_map(|&class| schema.class(class).poss_superiors.iter())
                    .filter_map(|name| schema.class_id(name))
                    .collect()
            })
            .collect();
        ClassRules {
            names: ids()
                .map(|id| Bytes::from(schema.class(id).name.clone()))
                .collect(),
            must: ids()
                .map(|id| {
                    schema
                        .class(id)
                        .must
                        .iter()
                        .map(|name| schema.attribute_id(name).ok_or_else(|| name.clone()))
                        .collect()
                })
                .collect(),
            chains,
            allowed,
            superiors,
            categories: vec![None; count],
            category_keys: vec![None; count],
        }
    }

    /// Fills in the defaultObjectCategory DNs under `schema_nc`.
    pub(super) fn set_categories(&mut self, schema: &Schema, schema_nc: &crate::dn::Dn) {
        for (index, (category, key)) in self
            .categories
            .iter_mut()
            .zip(self.category_keys.iter_mut())
            .enumerate()
        {
            let cn = &schema.class(index as ClassId).default_object_category_cn;
            let dn = schema_nc.child(Rdn::new("CN", cn));
            *category = Some(Bytes::from(dn.to_string()));
            *key = Some(dn.normalized().into_bytes().into_boxed_slice());
        }
    }

    /// The normalised defaultObjectCategory DN of `class`, once the Schema NC is known.
    pub(super) fn category_key(&self, class: ClassId) -> Option<&[u8]> {
        self.category_keys.get(class as usize)?.as_deref()
    }

    pub(super) fn category(&self, class: ClassId) -> Option<Bytes> {
        self.categories.get(class as usize).cloned().flatten()
    }
}

impl Directory {
    /// An attribute every schema this server builds has (objectClass, objectCategory, …). A
    /// schema without it is a bug, answered as AD answers an internal error (80), not a panic.
    pub(super) fn known(&self, name: &str) -> Result<AttrId, OpError> {
        self.schema.attribute_id(name).ok_or_else(|| {
            OpError::new(
                ResultCode::Other,
                format!("the server's schema lacks {name}"),
            )
        })
    }

    pub(super) fn attribute_for_write(
        &mut self,
        description: &str,
        strictness: Strictness,
    ) -> Result<AttrId, OpError> {
        let bare = description.split(';').next().unwrap_or(description);
        match self.schema.attribute_id(bare) {
            Some(id) => Ok(id),
            None if strictness == Strictness::Import && is_attribute_name(bare) => {
                let id = self.schema.learn_attribute(bare);
                tracing::warn!(
                    attribute = bare,
                    "attribute not in the built-in schema; kept as an octet string"
                );
                Ok(id)
            }
            None => Err(OpError::new(
                ResultCode::NoSuchAttribute,
                ad_text::no_such_attribute(bare),
            )),
        }
    }

    pub(super) fn resolve_attributes(
        &mut self,
        attributes: Vec<(String, Vec<Bytes>)>,
        strictness: Strictness,
    ) -> Result<Vec<Attribute>, OpError> {
        let mut resolved: Vec<Attribute> = Vec::new();
        for (description, values) in attributes {
            let id = self.attribute_for_write(&description, strictness)?;
            if values.iter().any(|value| value.is_empty()) || values.is_empty() {
                return Err(OpError::new(
                    ResultCode::InvalidAttributeSyntax,
                    ad_text::invalid_syntax(&self.schema.attribute(id).name),
                ));
            }
            match resolved.iter_mut().find(|attribute| attribute.id == id) {
                Some(attribute) => attribute.values.extend(values),
                None => resolved.push(Attribute {
                    id,
                    values: values.into(),
                }),
            }
        }
        Ok(resolved)
    }

    /// Moves objectGUID, whenCreated, uSN... from the input into the entry's bookkeeping (LDIF
    /// import) or refuses them (LDAP add).
    pub(super) fn take_server_maintained(
        &self,
        attributes: &mut Vec<Attribute>,
        entry: &mut Entry,
        strictness: Strictness,
    ) -> Result<(), OpError> {
        let mut kept = Vec::with_capacity(attributes.len());
        for attribute in attributes.drain(..) {
            let name = self.schema.attribute(attribute.id).name.as_str();
            if !SERVER_MAINTAINED
                .iter()
                .any(|maintained| maintained.eq_ignore_ascii_case(name))
            {
                kept.push(attribute);
                continue;
            }
            if strictness == Strictness::Ldap {
                if name == "objectGUID" || name == "instanceType" {
                    // AD lets an add carry these only in special cases; refuse, as it does by default.
                    return Err(OpError::new(
                        ResultCode::UnwillingToPerform,
                        ad_text::will_not_perform(&format!("{name} is maintained by the server")),
                    ));
                }
                continue;
            }
            let value = attribute.values.first().cloned().unwrap_or_default();
            let text = std::str::from_utf8(&value).unwrap_or("").trim();
            let bad = || {
                OpError::new(
                    ResultCode::InvalidAttributeSyntax,
                    ad_text::invalid_syntax(name),
                )
            };
            match name {
                "objectGUID" => entry.guid = value.as_ref().try_into().map_err(|_| bad())?,
                "whenCreated" => {
                    entry.when_created = parse_generalized_time(text).ok_or_else(bad)?
                }
                "whenChanged" => {
                    entry.when_changed = parse_generalized_time(text).ok_or_else(bad)?
                }
                "uSNCreated" => entry.usn_created = text.parse().map_err(|_| bad())?,
                "uSNChanged" => entry.usn_changed = text.parse().map_err(|_| bad())?,
                _ => {} // distinguishedName, name, instanceType: derived from the tree.
            }
        }
        *attributes = kept;
        Ok(())
    }

    /// Checks objectClass, rewrites it as AD stores it (the structural chain, most general first,
    /// then auxiliary classes) and returns the structural class.
    pub(super) fn normalize_object_class(
        &self,
        attributes: &mut [Attribute],
    ) -> Result<ClassId, OpError> {
        let object_class = self.known("objectClass")?;
        let Some(attribute) = attributes
            .iter_mut()
            .find(|attribute| attribute.id == object_class)
        else {
            return Err(OpError::new(
                ResultCode::ObjectClassViolation,
                ad_text::object_class_violation("objectClass is missing"),
            ));
        };
        let mut classes = Vec::new();
        for value in &attribute.values {
            let name = String::from_utf8_lossy(value);
            let id = self.schema.class_id(name.trim()).ok_or_else(|| {
                OpError::new(
                    ResultCode::ObjectClassViolation,
                    ad_text::object_class_violation(&format!("unknown object class '{name}'")),
                )
            })?;
            classes.push(id);
        }
        let structural = self.most_specific_structural(&classes).ok_or_else(|| {
            OpError::new(
                ResultCode::ObjectClassViolation,
                ad_text::object_class_violation("no structural object class"),
            )
        })?;
        let chain = &self.rules.chains[structural as usize];
        for &id in &classes {
            if self.is_structural(id) && !chain.contains(&id) {
                return Err(OpError::new(
                    ResultCode::ObjectClassViolation,
                    ad_text::object_class_violation(&format!(
                        "'{}' and '{}' are unrelated structural classes",
                        self.schema.class(id).name,
                        self.schema.class(structural).name
                    )),
                ));
            }
        }
        let mut ordered: Vec<ClassId> = chain.clone();
        for &id in &classes {
            for &superior in &self.rules.chains[id as usize] {
                if !ordered.contains(&superior) {
                    ordered.push(superior);
                }
            }
        }
        attribute.values = ordered
            .iter()
            .map(|&id| self.rules.names[id as usize].clone())
            .collect();
        Ok(structural)
    }

    fn is_structural(&self, id: ClassId) -> bool {
        matches!(
            self.schema.class(id).kind,
            ClassKind::Structural | ClassKind::Class88
        )
    }

    fn most_specific_structural(&self, classes: &[ClassId]) -> Option<ClassId> {
        classes
            .iter()
            .copied()
            .filter(|&id| self.is_structural(id))
            .max_by_key(|&id| self.rules.chains[id as usize].len())
    }

    /// The class ids an entry's objectClass values name.
    fn classes_of(&self, entry: &Entry) -> Vec<ClassId> {
        let Ok(object_class) = self.known("objectClass") else {
            return Vec::new();
        };
        entry
            .values(object_class)
            .unwrap_or(&[])
            .iter()
            .filter_map(|value| self.schema.class_id(std::str::from_utf8(value).ok()?))
            .collect()
    }

    /// The default objectCategory value for objects of a class.
    pub(super) fn default_category_value(&self, class: ClassId) -> Option<Bytes> {
        self.rules.category(class)
    }

    pub(super) fn structural_of(&self, entry: &Entry) -> Option<ClassId> {
        self.most_specific_structural(&self.classes_of(entry))
    }

    /// The naming attribute takes the RDN's value: added when absent, refused when different.
    /// AD's RDN rules (MS-ADTS 3.1.1.3.1.2.1): one AVA only (multi-valued RDNs are invalid DN
    /// syntax), and its type must be the class's naming attribute (`rDNAttID`: `ou` for
    /// organizational units, `dc` for domains, `cn` for everything else here).
    pub(super) fn check_rdn(
        &self,
        rdn: &Rdn,
        structural: ClassId,
        dn: &crate::dn::Dn,
    ) -> Result<(), OpError> {
        if rdn.avas().len() != 1 {
            return Err(OpError::new(
                ResultCode::InvalidDnSyntax,
                ad_text::bad_attribute_syntax_in_name(&dn.to_string()),
            ));
        }
        let naming = self.naming_attribute(structural);
        if !rdn.attribute().eq_ignore_ascii_case(naming) {
            return Err(OpError::new(
                ResultCode::NamingViolation,
                ad_text::naming_violation(&format!(
                    "'{}' objects are named by {naming}, not {}",
                    self.schema.class(structural).name,
                    rdn.attribute()
                )),
            ));
        }
        Ok(())
    }

    /// The class's rDNAttID.
    fn naming_attribute(&self, structural: ClassId) -> &'static str {
        let chain = &self.rules.chains[structural as usize];
        let is = |name: &str| {
            chain
                .iter()
                .any(|&class| self.schema.class(class).name.eq_ignore_ascii_case(name))
        };
        if is("organizationalUnit") {
            "ou"
        } else if is("domain") || is("domainDNS") {
            "dc"
        } else {
            "cn"
        }
    }

    pub(super) fn apply_rdn(
        &self,
        rdn: &Rdn,
        attributes: &mut Vec<Attribute>,
    ) -> Result<(), OpError> {
        for ava in rdn.avas() {
            let Some(id) = self.schema.attribute_id(&ava.attribute) else {
                return Err(OpError::new(
                    ResultCode::NamingViolation,
                    ad_text::naming_violation(&format!(
                        "unknown naming attribute '{}'",
                        ava.attribute
                    )),
                ));
            };
            let syntax = self.schema.attribute(id).syntax;
            let wanted = Bytes::from(ava.value.clone());
            match attributes.iter_mut().find(|attribute| attribute.id == id) {
                None => attributes.push(Attribute {
                    id,
                    values: smallvec::smallvec![wanted],
                }),
                Some(attribute)
                    if attribute
                        .values
                        .iter()
                        .any(|value| syntax.normalize(value) == syntax.normalize(&wanted)) => {}
                Some(_) => {
                    return Err(OpError::new(
                        ResultCode::NamingViolation,
                        ad_text::naming_violation(&format!(
                            "the RDN value '{}' differs from the object's {}",
                            ava.value, ava.attribute
                        )),
                    ))
                }
            }
        }
        Ok(())
    }

    pub(super) fn apply_rdn_replacing(&self, rdn: &Rdn, attributes: &mut Vec<Attribute>) {
        for ava in rdn.avas() {
            if let Some(id) = self.schema.attribute_id(&ava.attribute) {
                let value = Bytes::from(ava.value.clone());
                match attributes.iter_mut().find(|attribute| attribute.id == id) {
                    Some(attribute) if self.schema.attribute(id).single_valued => {
                        attribute.values = smallvec::smallvec![value]
                    }
                    Some(attribute) => {
                        if !attribute.values.contains(&value) {
                            attribute.values.push(value);
                        }
                    }
                    None => attributes.push(Attribute {
                        id,
                        values: smallvec::smallvec![value],
                    }),
                }
            }
        }
    }

    /// The new object's class (or one of its superclasses) must list one of the parent's classes
    /// among its possible superiors.
    pub(super) fn check_superior(
        &self,
        structural: ClassId,
        parent: EntryId,
    ) -> Result<(), OpError> {
        let allowed = &self.rules.superiors[structural as usize];
        if allowed.is_empty() {
            return Ok(());
        }
        if let Some(parent_entry) = self.entry(parent) {
            if self
                .classes_of(parent_entry)
                .iter()
                .any(|class| allowed.contains(class))
            {
                return Ok(());
            }
        }
        Err(OpError::new(
            ResultCode::NamingViolation,
            ad_text::illegal_superior(&format!(
                "'{}' objects cannot be created under '{}'",
                self.schema.class(structural).name,
                self.dn_string(parent)
            )),
        ))
    }

    /// Mandatory attributes present, every attribute allowed by a class, single values single.
    pub(super) fn check_content(&self, entry: &Entry) -> Result<(), OpError> {
        let classes = self.classes_of(entry);
        for &class in &classes {
            for must in &self.rules.must[class as usize] {
                let present = must.as_ref().is_ok_and(|&id| entry.values(id).is_some());
                if !present {
                    let name = match must {
                        Ok(id) => self.schema.attribute(*id).name.clone(),
                        Err(name) => name.clone(),
                    };
                    return Err(OpError::new(
                        ResultCode::ObjectClassViolation,
                        ad_text::object_class_violation(&format!(
                            "mandatory attribute '{name}' of class '{}' is missing",
                            self.schema.class(class).name
                        )),
                    ));
                }
            }
        }
        for attribute in &entry.attributes {
            let definition = self.schema.attribute(attribute.id);
            let allowed = definition.learned
                || classes
                    .iter()
                    .any(|&class| self.rules.allowed[class as usize].contains(&attribute.id));
            if !allowed {
                return Err(OpError::new(
                    ResultCode::ObjectClassViolation,
                    ad_text::object_class_violation(&format!(
                        "attribute '{}' is not allowed by the object's classes",
                        definition.name
                    )),
                ));
            }
            if definition.single_valued && attribute.values.len() > 1 {
                return Err(OpError::new(
                    ResultCode::ConstraintViolation,
                    ad_text::single_value_violation(&definition.name),
                ));
            }
        }
        Ok(())
    }
}

fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
}
