//! The directory schema: the AD attribute types and object classes this server knows.
//!
//! Why a real schema instead of "any attribute, any value": a phone (and every admin tool) relies on
//! AD's rules — `cACertificate` stays raw bytes, `cn` matches case-insensitively, `objectCategory`
//! matches as a DN, `certificationAuthority` needs its mandatory attributes, a single-valued
//! attribute refuses a second value. The built-in table (`builtin`) mirrors MS-ADSC / MS-ADA* for the
//! classes the PKI and user objects need; `subschema` renders it as RFC 4512 text for generic clients.

mod builtin;
mod name_hash;
mod subschema;
mod syntax;

pub use syntax::{parse_integer, Syntax};

use std::collections::HashMap;

/// Index of an attribute type in [`Schema::attributes`].
pub type AttrId = u16;
/// Index of an object class in [`Schema::classes`].
pub type ClassId = u16;

/// One attribute type (an `attributeSchema` object in AD).
#[derive(Debug, Clone)]
pub struct AttributeType {
    /// `lDAPDisplayName`: the spelling the server returns, whatever case the client used.
    pub name: String,
    /// The schema object's `cn` (e.g. `CA-Certificate`), used for its DN under the Schema NC.
    pub cn: String,
    /// `attributeID`.
    pub oid: String,
    pub syntax: Syntax,
    pub single_valued: bool,
    /// Constructed or system-maintained: returned only when asked for by name or with `+`.
    pub operational: bool,
    /// Never returned by a search (passwords).
    pub secret: bool,
    /// `true` for attributes added at run time because an LDIF file named them (ldifde exports
    /// carry many AD attributes this table does not list); they are octet strings, multi-valued.
    pub learned: bool,
}

/// What kind of class this is (`objectClassCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// Category 0: an "88" class (pre-1993 X.500), such as `certificationAuthority`; behaves as structural.
    Class88,
    Structural,
    Abstract,
    Auxiliary,
}

/// One object class (a `classSchema` object in AD).
#[derive(Debug, Clone)]
pub struct ObjectClass {
    /// `lDAPDisplayName`.
    pub name: String,
    /// The schema object's `cn` (e.g. `Certification-Authority`).
    pub cn: String,
    /// `governsID`.
    pub oid: String,
    pub kind: ClassKind,
    /// `subClassOf` (lDAPDisplayName); `None` only for `top`.
    pub superior: Option<String>,
    /// `systemMustContain` + `mustContain` (lDAPDisplayNames), this class only.
    pub must: Vec<String>,
    /// `systemMayContain` + `mayContain`, this class only.
    pub may: Vec<String>,
    /// `possSuperiors` + `systemPossSuperiors` (lDAPDisplayNames of classes that may hold it).
    pub poss_superiors: Vec<String>,
    /// The `cn` of the class whose DN is this class's `defaultObjectCategory`
    /// (usually its own `cn`; `contact` → `Person`, as in AD).
    pub default_object_category_cn: String,
    /// `defaultHidingValue`: "the default setting of the showInAdvancedViewOnly property of new
    /// instances of this class" (MS-ADA1 2.145). TRUE for most classes (`top` has TRUE); FALSE
    /// for the ones a console shows by default (user, group, organizationalUnit, ...).
    pub default_hiding: bool,
}

/// The schema: attribute types and object classes with case-insensitive lookups.
#[derive(Debug, Clone)]
pub struct Schema {
    attributes: Vec<AttributeType>,
    classes: Vec<ObjectClass>,
    attr_by_name: HashMap<String, AttrId, name_hash::Names>,
    class_by_name: HashMap<String, ClassId, name_hash::Names>,
}

impl Schema {
    /// The built-in AD schema subset.
    pub fn active_directory() -> Schema {
        let (attributes, classes) = builtin::tables();
        Schema::from_tables(attributes, classes)
    }

    fn from_tables(attributes: Vec<AttributeType>, classes: Vec<ObjectClass>) -> Schema {
        let mut schema = Schema {
            attributes: Vec::new(),
            classes: Vec::new(),
            attr_by_name: HashMap::default(),
            class_by_name: HashMap::default(),
        };
        for attribute in attributes {
            schema.insert_attribute(attribute);
        }
        for class in classes {
            let id = schema.classes.len() as ClassId;
            schema
                .class_by_name
                .insert(class.name.to_ascii_lowercase(), id);
            schema.class_by_name.insert(class.name.clone(), id);
            schema.class_by_name.insert(class.oid.clone(), id);
            schema.classes.push(class);
        }
        schema
    }

    fn insert_attribute(&mut self, attribute: AttributeType) -> AttrId {
        let id = self.attributes.len() as AttrId;
        self.attr_by_name
            .insert(attribute.name.to_ascii_lowercase(), id);
        // The schema's own spelling too: the common case then needs no lower-casing.
        self.attr_by_name.insert(attribute.name.clone(), id);
        self.attr_by_name.insert(attribute.oid.clone(), id);
        self.attributes.push(attribute);
        id
    }

    /// Looks an attribute up by name or OID, ignoring case and any `;option` suffix.
    pub fn attribute_id(&self, description: &str) -> Option<AttrId> {
        let bare = description.split(';').next().unwrap_or(description);
        self.attr_by_name
            .get(bare)
            .or_else(|| self.attr_by_name.get(&bare.to_ascii_lowercase()))
            .copied()
    }

    pub fn attribute(&self, id: AttrId) -> &AttributeType {
        &self.attributes[id as usize]
    }

    pub fn attributes(&self) -> &[AttributeType] {
        &self.attributes
    }

    /// Adds an attribute the built-in table lacks (from an ldifde export), as a multi-valued
    /// octet string, and returns its id. An existing name returns the existing id.
    pub fn learn_attribute(&mut self, name: &str) -> AttrId {
        if let Some(id) = self.attribute_id(name) {
            return id;
        }
        self.insert_attribute(AttributeType {
            name: name.to_string(),
            cn: name.to_string(),
            // A private arc keeps generated OIDs syntactically valid and visibly not AD's.
            oid: format!("1.3.6.1.4.1.99999.1.{}", self.attributes.len()),
            syntax: Syntax::OctetString,
            single_valued: false,
            operational: false,
            secret: false,
            learned: true,
        })
    }

    pub fn class_id(&self, name: &str) -> Option<ClassId> {
        self.class_by_name
            .get(name)
            .or_else(|| self.class_by_name.get(&name.to_ascii_lowercase()))
            .copied()
    }

    pub fn class(&self, id: ClassId) -> &ObjectClass {
        &self.classes[id as usize]
    }

    pub fn classes(&self) -> &[ObjectClass] {
        &self.classes
    }

    /// The class and its superiors, most general first (`top, person, organizationalPerson, user`):
    /// the order AD returns `objectClass` in.
    pub fn class_chain(&self, id: ClassId) -> Vec<ClassId> {
        let mut chain = vec![id];
        let mut current = id;
        while let Some(superior) = &self.class(current).superior {
            match self.class_id(superior) {
                Some(next) if !chain.contains(&next) => {
                    chain.push(next);
                    current = next;
                }
                _ => break,
            }
        }
        chain.reverse();
        chain
    }

    /// Finds a class by the `cn` of its schema object (`Certification-Authority`).
    pub fn class_by_cn(&self, cn: &str) -> Option<ClassId> {
        self.classes
            .iter()
            .position(|class| class.cn.eq_ignore_ascii_case(cn))
            .map(|index| index as ClassId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_options() {
        let schema = Schema::active_directory();
        let id = schema
            .attribute_id("CACERTIFICATE;binary")
            .expect("cACertificate");
        assert_eq!(schema.attribute(id).name, "cACertificate");
        assert_eq!(schema.attribute_id("2.5.4.37"), Some(id));
        assert!(schema.attribute_id("noSuchAttribute").is_none());
    }

    #[test]
    fn certification_authority_is_an_88_class_with_its_mandatory_attributes() {
        let schema = Schema::active_directory();
        let ca = schema.class(schema.class_id("certificationauthority").unwrap());
        assert_eq!(ca.kind, ClassKind::Class88);
        assert_eq!(ca.oid, "2.5.6.16");
        for must in [
            "cn",
            "cACertificate",
            "certificateRevocationList",
            "authorityRevocationList",
        ] {
            assert!(
                ca.must.iter().any(|m| m.eq_ignore_ascii_case(must)),
                "{must}"
            );
        }
        assert_eq!(ca.default_object_category_cn, "Certification-Authority");
    }

    #[test]
    fn user_chain_is_most_general_first() {
        let schema = Schema::active_directory();
        let chain: Vec<_> = schema
            .class_chain(schema.class_id("user").unwrap())
            .into_iter()
            .map(|id| schema.class(id).name.clone())
            .collect();
        assert_eq!(chain, ["top", "person", "organizationalPerson", "user"]);
    }

    #[test]
    fn every_named_attribute_and_class_exists() {
        let schema = Schema::active_directory();
        for class in schema.classes() {
            for name in class.must.iter().chain(&class.may) {
                assert!(
                    schema.attribute_id(name).is_some(),
                    "{}: {name}",
                    class.name
                );
            }
            for name in class.superior.iter().chain(&class.poss_superiors) {
                assert!(schema.class_id(name).is_some(), "{}: {name}", class.name);
            }
            assert!(schema
                .class_by_cn(&class.default_object_category_cn)
                .is_some());
        }
    }

    #[test]
    fn learned_attributes_are_octet_strings() {
        let mut schema = Schema::active_directory();
        let id = schema.learn_attribute("msExchMailboxGuid");
        assert_eq!(schema.attribute(id).syntax, Syntax::OctetString);
        assert_eq!(schema.learn_attribute("MSEXCHMAILBOXGUID"), id);
    }
}
