//! Adds, modifies, renames and deletes, with AD's schema rules and AD's answers when they break.
//!
//! The rules checked, in AD's order of precedence: the object must not exist (68); the parent must
//! (32); attributes must be in the schema (16); values must not be empty (21); objectClass must name
//! known classes with one structural chain (65); the RDN must agree with the naming attribute (64);
//! the class must be allowed under the parent's class (64); mandatory attributes present and only
//! allowed ones used (65); single-valued attributes hold one value (19).

use bytes::Bytes;

use super::rules::{Strictness, SERVER_MAINTAINED};
use super::virtual_attrs;
use super::Directory;
use crate::ad_text;
use crate::dn::{Dn, Rdn};
use crate::entry::{Attribute, Entry, EntryId};
use crate::error::{OpError, ResultCode};

/// One change of an LDAP modify or an LDIF `changetype: modify` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modification {
    pub op: ModifyOp,
    /// Attribute description as the client wrote it (options such as `;binary` are ignored).
    pub attribute: String,
    pub values: Vec<Bytes>,
}

pub use crate::entry::ModifyOp;

impl Directory {
    /// Creates a naming-context head (domain, Configuration, Schema): an entry with no parent.
    pub fn add_naming_context(
        &mut self,
        dn: &Dn,
        attributes: Vec<(String, Vec<Bytes>)>,
    ) -> Result<EntryId, OpError> {
        let id = self.insert(dn, None, attributes, Strictness::Import)?;
        self.naming_contexts.push(id);
        Ok(id)
    }

    /// Adds an entry below an existing parent.
    pub fn add(
        &mut self,
        dn: &Dn,
        attributes: Vec<(String, Vec<Bytes>)>,
        strictness: Strictness,
    ) -> Result<EntryId, OpError> {
        if self.find(dn).is_some() {
            return Err(OpError::new(
                ResultCode::EntryAlreadyExists,
                ad_text::entry_exists(),
            ));
        }
        let parent_dn = dn
            .parent()
            .filter(|parent| !parent.is_root())
            .ok_or_else(|| {
                OpError::new(
                    ResultCode::NamingViolation,
                    ad_text::naming_violation("a naming context cannot be added over LDAP"),
                )
            })?;
        let parent = match self.lookup(&parent_dn) {
            Ok(parent) => parent,
            Err(error) if error.code == ResultCode::NoSuchObject => {
                return Err(OpError::new(
                    ResultCode::NoSuchObject,
                    ad_text::no_parent(&error.matched_dn),
                )
                .with_matched_dn(error.matched_dn))
            }
            Err(error) => return Err(error),
        };
        self.insert(dn, Some(parent), attributes, strictness)
    }

    fn insert(
        &mut self,
        dn: &Dn,
        parent: Option<EntryId>,
        attributes: Vec<(String, Vec<Bytes>)>,
        strictness: Strictness,
    ) -> Result<EntryId, OpError> {
        let key = dn.normalized();
        if self.by_dn.contains_key(&key) {
            return Err(OpError::new(
                ResultCode::EntryAlreadyExists,
                ad_text::entry_exists(),
            ));
        }
        let mut entry = self.prepare(dn, parent, attributes, strictness)?;
        let usn = self.next_usn();
        if entry.usn_created == 0 {
            entry.usn_created = usn;
        }
        entry.usn_changed = entry.usn_changed.max(entry.usn_created);
        self.usn = self.usn.max(entry.usn_changed);
        Ok(self.store(key, entry))
    }

    /// Replaces an existing object's attributes (and, from LDIF, its GUID and history) with new
    /// ones, checked as an add would be. Used when LDIF adds an object the forest already has.
    pub fn overwrite(
        &mut self,
        dn: &Dn,
        attributes: Vec<(String, Vec<Bytes>)>,
    ) -> Result<(), OpError> {
        let id = self.lookup(dn)?;
        let old = self
            .entry(id)
            .cloned()
            .ok_or_else(|| OpError::new(ResultCode::Other, "entry vanished"))?;
        let mut entry = self.prepare(dn, old.parent, attributes, Strictness::Import)?;
        entry.name = old.name.clone();
        entry.children = old.children.clone();
        if entry.usn_created == 0 {
            entry.usn_created = old.usn_created;
        }
        if entry.usn_changed == 0 {
            entry.usn_changed = self.next_usn();
        }
        self.usn = self.usn.max(entry.usn_changed);
        for attribute in &old.attributes {
            self.index
                .remove(&self.schema, id, attribute.id, &attribute.values);
        }
        for attribute in &entry.attributes {
            self.index
                .insert(&self.schema, id, attribute.id, &attribute.values);
        }
        self.entries[id as usize] = Some(entry);
        Ok(())
    }

    /// Builds a checked entry from an add's attributes, without storing it.
    fn prepare(
        &mut self,
        dn: &Dn,
        parent: Option<EntryId>,
        attributes: Vec<(String, Vec<Bytes>)>,
        strictness: Strictness,
    ) -> Result<Entry, OpError> {
        let rdn = dn.rdn().cloned().ok_or_else(|| {
            OpError::new(
                ResultCode::NamingViolation,
                ad_text::naming_violation("the empty DN is the rootDSE"),
            )
        })?;
        let mut resolved = self.resolve_attributes(attributes, strictness)?;
        let now = now();
        let mut entry = Entry {
            name: if parent.is_some() {
                Dn::from_rdns(vec![rdn.clone()])
            } else {
                dn.clone()
            },
            parent,
            children: Vec::new(),
            guid: rand::random(),
            usn_created: 0,
            usn_changed: 0,
            when_created: now,
            when_changed: now,
            attributes: Vec::new(),
        };
        self.take_server_maintained(&mut resolved, &mut entry, strictness)?;
        let structural = self.normalize_object_class(&mut resolved)?;
        if parent.is_some() {
            self.check_rdn(&rdn, structural, dn)?;
        }
        self.apply_rdn(&rdn, &mut resolved)?;
        let object_category = self.known("objectCategory")?;
        if !resolved
            .iter()
            .any(|attribute| attribute.id == object_category)
        {
            if let Some(category) = self.default_category_value(structural) {
                resolved.push(Attribute {
                    id: object_category,
                    values: smallvec::smallvec![category],
                });
            }
        }
        // An LDAP add that does not say gets the class's defaultHidingValue (MS-ADA1 2.145), as
        // AD and Samba do: `showInAdvancedViewOnly: TRUE` on PKI objects and containers, nothing
        // on users, groups and OUs. LDIF keeps what it was given (an export says what was there).
        let hiding = self.known("showInAdvancedViewOnly")?;
        if strictness == Strictness::Ldap
            && self.schema.class(structural).default_hiding
            && !resolved.iter().any(|attribute| attribute.id == hiding)
        {
            resolved.push(Attribute {
                id: hiding,
                values: smallvec::smallvec![Bytes::from_static(b"TRUE")],
            });
        }
        if let Some(parent) = parent {
            self.check_superior(structural, parent)?;
        }
        resolved.shrink_to_fit();
        entry.attributes = resolved;
        self.check_content(&entry)?;
        Ok(entry)
    }

    fn store(&mut self, key: String, entry: Entry) -> EntryId {
        let id = self.entries.len() as EntryId;
        let depth = self.depth_of(entry.parent) + entry.name.rdns().len();
        self.max_depth = self.max_depth.max(depth);
        for attribute in &entry.attributes {
            self.index
                .insert(&self.schema, id, attribute.id, &attribute.values);
        }
        if let Some(parent) = entry.parent.and_then(|parent| self.entry_mut(parent)) {
            parent.children.push(id);
        }
        self.entries.push(Some(entry));
        self.by_dn.insert(key, id);
        id
    }

    /// Deletes a leaf entry.
    pub fn delete(&mut self, dn: &Dn) -> Result<(), OpError> {
        let id = self.lookup(dn)?;
        let entry = self
            .entry(id)
            .cloned()
            .ok_or_else(|| OpError::new(ResultCode::Other, "entry vanished"))?;
        if !entry.children.is_empty() {
            return Err(OpError::new(
                ResultCode::NotAllowedOnNonLeaf,
                ad_text::not_allowed_on_non_leaf(),
            ));
        }
        if entry.parent.is_none() {
            return Err(OpError::new(
                ResultCode::UnwillingToPerform,
                ad_text::will_not_perform("a naming context head cannot be deleted"),
            ));
        }
        for attribute in &entry.attributes {
            self.index
                .remove(&self.schema, id, attribute.id, &attribute.values);
        }
        if let Some(parent) = entry.parent.and_then(|parent| self.entry_mut(parent)) {
            parent.children.retain(|&child| child != id);
        }
        self.by_dn.remove(&dn.normalized());
        self.entries[id as usize] = None;
        self.next_usn();
        Ok(())
    }

    /// Applies modifications atomically: all of them or none.
    pub fn modify(
        &mut self,
        dn: &Dn,
        modifications: &[Modification],
        strictness: Strictness,
    ) -> Result<(), OpError> {
        let id = self.lookup(dn)?;
        let before = self
            .entry(id)
            .cloned()
            .ok_or_else(|| OpError::new(ResultCode::Other, "entry vanished"))?;
        let mut after = before.clone();
        for modification in modifications {
            self.apply_modification(&mut after, modification, strictness)?;
        }
        let object_class = self.known("objectClass")?;
        if after.values(object_class) != before.values(object_class) {
            let mut attributes = after.attributes.clone();
            let old_structural = self.structural_of(&before);
            let new_structural = self.normalize_object_class(&mut attributes)?;
            if Some(new_structural) != old_structural {
                return Err(OpError::new(
                    ResultCode::ObjectClassModsProhibited,
                    ad_text::object_class_violation("the structural object class cannot change"),
                ));
            }
            after.attributes = attributes;
        }
        self.check_content(&after)?;
        for attribute in &before.attributes {
            self.index
                .remove(&self.schema, id, attribute.id, &attribute.values);
        }
        for attribute in &after.attributes {
            self.index
                .insert(&self.schema, id, attribute.id, &attribute.values);
        }
        after.usn_changed = self.next_usn();
        after.when_changed = now();
        self.entries[id as usize] = Some(after);
        Ok(())
    }

    fn apply_modification(
        &mut self,
        entry: &mut Entry,
        modification: &Modification,
        strictness: Strictness,
    ) -> Result<(), OpError> {
        let id = self.attribute_for_write(&modification.attribute, strictness)?;
        let attribute = self.schema.attribute(id).clone();
        if SERVER_MAINTAINED
            .iter()
            .any(|name| attribute.name.eq_ignore_ascii_case(name))
        {
            return Err(OpError::new(
                ResultCode::ConstraintViolation,
                ad_text::will_not_perform(&format!(
                    "{} is maintained by the server",
                    attribute.name
                )),
            ));
        }
        if entry
            .name
            .rdn()
            .is_some_and(|rdn| rdn.attribute().eq_ignore_ascii_case(&attribute.name))
        {
            return Err(OpError::new(
                ResultCode::NotAllowedOnRdn,
                ad_text::naming_violation(&format!(
                    "{} is the naming attribute; rename the object instead",
                    attribute.name
                )),
            ));
        }
        if modification.values.iter().any(|value| value.is_empty()) {
            return Err(OpError::new(
                ResultCode::InvalidAttributeSyntax,
                ad_text::invalid_syntax(&attribute.name),
            ));
        }
        let syntax = attribute.syntax;
        let mut values: Vec<Bytes> = entry.values(id).map(<[Bytes]>::to_vec).unwrap_or_default();
        match modification.op {
            ModifyOp::Add => {
                for value in &modification.values {
                    let key = syntax.normalize(value);
                    if values
                        .iter()
                        .any(|existing| syntax.normalize(existing) == key)
                    {
                        return Err(OpError::new(
                            ResultCode::AttributeOrValueExists,
                            crate::ad_text::attribute_or_value_exists(&attribute.name),
                        ));
                    }
                    values.push(value.clone());
                }
            }
            ModifyOp::Delete if modification.values.is_empty() => {
                if values.is_empty() {
                    return Err(OpError::new(
                        ResultCode::NoSuchAttribute,
                        ad_text::no_such_attribute(&attribute.name),
                    ));
                }
                values.clear();
            }
            ModifyOp::Delete => {
                for value in &modification.values {
                    let key = syntax.normalize(value);
                    let position = values
                        .iter()
                        .position(|existing| syntax.normalize(existing) == key);
                    match position {
                        Some(position) => {
                            values.remove(position);
                        }
                        None => {
                            return Err(OpError::new(
                                ResultCode::NoSuchAttribute,
                                ad_text::no_such_attribute(&attribute.name),
                            ))
                        }
                    }
                }
            }
            ModifyOp::Replace => values = modification.values.clone(),
        }
        entry.set(id, values);
        Ok(())
    }

    /// Renames and/or moves a leaf or subtree within its naming context.
    pub fn rename(
        &mut self,
        dn: &Dn,
        new_rdn: &Rdn,
        delete_old_rdn: bool,
        new_superior: Option<&Dn>,
    ) -> Result<(), OpError> {
        let id = self.lookup(dn)?;
        let entry = self
            .entry(id)
            .cloned()
            .ok_or_else(|| OpError::new(ResultCode::Other, "entry vanished"))?;
        let Some(old_parent) = entry.parent else {
            return Err(OpError::new(
                ResultCode::UnwillingToPerform,
                ad_text::will_not_perform("a naming context head cannot be renamed"),
            ));
        };
        let parent = match new_superior {
            Some(superior) => self.lookup(superior)?,
            None => old_parent,
        };
        if self.is_within(parent, id) {
            return Err(OpError::new(
                ResultCode::UnwillingToPerform,
                ad_text::will_not_perform("an object cannot move below itself"),
            ));
        }
        let new_dn = self.dn(parent).child(new_rdn.clone());
        if self.find(&new_dn).is_some() {
            return Err(OpError::new(
                ResultCode::EntryAlreadyExists,
                ad_text::entry_exists(),
            ));
        }
        let mut renamed = entry.clone();
        let old_rdn = entry.name.rdn().cloned();
        if let Some(old_rdn) = old_rdn.filter(|_| delete_old_rdn) {
            for ava in old_rdn.avas() {
                if let Some(attribute) = self.schema.attribute_id(&ava.attribute) {
                    renamed.set(attribute, Vec::new());
                }
            }
        }
        let mut attributes = std::mem::take(&mut renamed.attributes);
        self.apply_rdn_replacing(new_rdn, &mut attributes);
        renamed.attributes = attributes;
        renamed.name = Dn::from_rdns(vec![new_rdn.clone()]);
        renamed.parent = Some(parent);
        if let Some(structural) = self.structural_of(&renamed) {
            self.check_rdn(new_rdn, structural, &new_dn)?;
            self.check_superior(structural, parent)?;
        }
        self.check_content(&renamed)?;

        let mut subtree = Vec::new();
        self.walk_subtree(id, &mut subtree);
        for &member in &subtree {
            let key = self.dn(member).normalized();
            self.by_dn.remove(&key);
        }
        for attribute in &entry.attributes {
            self.index
                .remove(&self.schema, id, attribute.id, &attribute.values);
        }
        for attribute in &renamed.attributes {
            self.index
                .insert(&self.schema, id, attribute.id, &attribute.values);
        }
        if let Some(old) = self.entry_mut(old_parent) {
            old.children.retain(|&child| child != id);
        }
        if let Some(new) = self.entry_mut(parent) {
            new.children.push(id);
        }
        renamed.usn_changed = self.next_usn();
        renamed.when_changed = now();
        self.entries[id as usize] = Some(renamed);
        for &member in &subtree {
            let moved = self.dn(member);
            self.max_depth = self.max_depth.max(moved.rdns().len());
            self.by_dn.insert(moved.normalized(), member);
        }
        Ok(())
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// For the export: the GeneralizedTime text of a stored timestamp.
pub fn format_time(unix_seconds: i64) -> String {
    virtual_attrs::generalized_time(unix_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::{Forest, ForestConfig};
    use crate::schema::Schema;

    fn directory() -> (Forest, Directory) {
        let config = ForestConfig::new("example.test");
        let forest = Forest::new(&config).unwrap();
        let dir = forest.build(Schema::active_directory(), &config).unwrap();
        (forest, dir)
    }

    fn attr(name: &str, values: &[&[u8]]) -> (String, Vec<Bytes>) {
        (
            name.to_string(),
            values.iter().map(|v| Bytes::copy_from_slice(v)).collect(),
        )
    }

    fn hiding(dir: &Directory, dn: &Dn) -> Vec<Bytes> {
        let id = dir.find(dn).expect("added");
        let attribute = dir.schema().attribute_id("showInAdvancedViewOnly").unwrap();
        dir.values(id, attribute)
    }

    #[test]
    fn an_ldap_add_gets_the_default_hiding_value_of_its_class() {
        let (forest, mut dir) = directory();
        let pks = forest.public_key_services_dn();
        let ca = pks.child_str("CN=Example CA,CN=AIA").unwrap();
        let placeholder: &[&[u8]] = &[&[0]];
        dir.add(
            &ca,
            vec![
                attr("objectClass", &[b"certificationAuthority"]),
                attr("cACertificate", placeholder),
                attr("certificateRevocationList", placeholder),
                attr("authorityRevocationList", placeholder),
            ],
            Strictness::Ldap,
        )
        .unwrap();
        assert_eq!(hiding(&dir, &ca), vec![Bytes::from_static(b"TRUE")]);

        // A container too (a CDP container created by certutil -f).
        let cdp = pks.child_str("CN=ca1,CN=CDP").unwrap();
        dir.add(
            &cdp,
            vec![attr("objectClass", &[b"container"])],
            Strictness::Ldap,
        )
        .unwrap();
        assert_eq!(hiding(&dir, &cdp), vec![Bytes::from_static(b"TRUE")]);

        // A value the client gives is kept.
        let kra = pks.child_str("CN=Example KRA,CN=KRA").unwrap();
        dir.add(
            &kra,
            vec![
                attr("objectClass", &[b"msPKI-PrivateKeyRecoveryAgent"]),
                attr("userCertificate", &[b"\x30\x00"]),
                attr("showInAdvancedViewOnly", &[b"FALSE"]),
            ],
            Strictness::Ldap,
        )
        .unwrap();
        assert_eq!(hiding(&dir, &kra), vec![Bytes::from_static(b"FALSE")]);
    }

    #[test]
    fn users_and_ldif_imports_get_no_hiding_value() {
        let (forest, mut dir) = directory();
        let user = forest.domain_dn.child_str("CN=alice,CN=Users").unwrap();
        dir.add(
            &user,
            vec![
                attr("objectClass", &[b"user"]),
                attr("sAMAccountName", &[b"alice"]),
            ],
            Strictness::Ldap,
        )
        .unwrap();
        assert!(hiding(&dir, &user).is_empty());

        let imported = forest
            .public_key_services_dn()
            .child_str("CN=Imported CA,CN=AIA")
            .unwrap();
        let placeholder: &[&[u8]] = &[&[0]];
        dir.add(
            &imported,
            vec![
                attr("objectClass", &[b"certificationAuthority"]),
                attr("cACertificate", placeholder),
                attr("certificateRevocationList", placeholder),
                attr("authorityRevocationList", placeholder),
            ],
            Strictness::Import,
        )
        .unwrap();
        assert!(hiding(&dir, &imported).is_empty());
    }
}
