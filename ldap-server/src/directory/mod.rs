//! The in-memory directory: entries in a tree per naming context, DN lookup, and indexes.
//!
//! Writers take `&mut Directory` (the server wraps it in a lock), readers `&Directory`. Every
//! change goes through [`update`](self::update), which enforces the schema the way AD does, so LDIF
//! loading and LDAP writes cannot disagree.

mod index;
mod rules;
mod update;
mod virtual_attrs;

pub use rules::Strictness;
pub use update::{format_time, Modification, ModifyOp};

use std::collections::HashMap;

use bytes::Bytes;

use crate::ad_text;
use crate::dn::Dn;
use crate::entry::{Entry, EntryId};
use crate::error::{OpError, ResultCode};
use crate::schema::{AttrId, Schema};
use index::Index;
use rules::ClassRules;

/// The directory: schema, entries, and the lookups a search needs.
///
/// Entry ids are never reused after a delete, so an id held between the pages of a paged search
/// can only name the object it named, or nothing.
#[derive(Debug, Clone)]
pub struct Directory {
    schema: Schema,
    entries: Vec<Option<Entry>>,
    by_dn: HashMap<String, EntryId>,
    naming_contexts: Vec<EntryId>,
    index: Index,
    rules: ClassRules,
    usn: u64,
    /// The DN of the Schema NC, where `defaultObjectCategory` DNs point.
    schema_nc: Option<Dn>,
    /// The forest's DNS name, used in referral texts and URLs.
    dns_domain: String,
    /// No entry has more RDNs than this (an upper bound: deletes do not lower it). A base DN
    /// with more cannot exist, nor can its ancestors above this depth: [`Directory::lookup`]
    /// skips them, so a 32,000-RDN base costs one parse, not 32,000 lookups.
    max_depth: usize,
}

impl Directory {
    pub fn new(schema: Schema, dns_domain: &str) -> Directory {
        let index = Index::new(&schema);
        let rules = ClassRules::new(&schema);
        Directory {
            rules,
            schema,
            entries: Vec::new(),
            by_dn: HashMap::new(),
            naming_contexts: Vec::new(),
            index,
            usn: 0,
            max_depth: 0,
            schema_nc: None,
            dns_domain: dns_domain.to_string(),
        }
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn dns_domain(&self) -> &str {
        &self.dns_domain
    }

    /// Where `defaultObjectCategory` DNs live; set by the forest builder.
    pub fn set_schema_nc(&mut self, dn: Dn) {
        self.rules.set_categories(&self.schema, &dn);
        self.schema_nc = Some(dn);
    }

    pub fn schema_nc(&self) -> Option<&Dn> {
        self.schema_nc.as_ref()
    }

    /// The `defaultObjectCategory` DN of a class named by its lDAPDisplayName or OID.
    pub fn default_object_category(&self, class_name: &str) -> Option<Dn> {
        let class = self.schema.class(self.schema.class_id(class_name)?);
        let schema_nc = self.schema_nc.as_ref()?;
        schema_nc
            .child_str(&format!(
                "CN={}",
                crate::dn::escape_value(&class.default_object_category_cn)
            ))
            .ok()
    }

    /// [`Directory::default_object_category`] normalised, as a filter compares it; computed
    /// once per class rather than parsed on every search.
    pub fn default_object_category_key(&self, class_name: &str) -> Option<Vec<u8>> {
        let class = self.schema.class_id(class_name)?;
        match self.rules.category_key(class) {
            Some(key) => Some(key.to_vec()),
            None => self
                .default_object_category(class_name)
                .map(|dn| dn.normalized().into_bytes()),
        }
    }

    /// The highest update sequence number handed out (`highestCommittedUSN`).
    pub fn highest_usn(&self) -> u64 {
        self.usn
    }

    fn next_usn(&mut self) -> u64 {
        self.usn += 1;
        self.usn
    }

    pub fn naming_contexts(&self) -> &[EntryId] {
        &self.naming_contexts
    }

    pub fn entry(&self, id: EntryId) -> Option<&Entry> {
        self.entries.get(id as usize).and_then(Option::as_ref)
    }

    fn entry_mut(&mut self, id: EntryId) -> Option<&mut Entry> {
        self.entries.get_mut(id as usize).and_then(Option::as_mut)
    }

    /// Number of stored entries.
    pub fn len(&self) -> usize {
        self.by_dn.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_dn.is_empty()
    }

    pub fn find(&self, dn: &Dn) -> Option<EntryId> {
        self.find_key(&dn.normalized())
    }

    /// The entry whose normalised DN ([`Dn::normalized`]) is `key`.
    pub fn find_key(&self, key: &str) -> Option<EntryId> {
        self.by_dn.get(key).copied()
    }

    /// Resolves a DN the way AD answers a base that does not exist: 32 with the deepest existing
    /// ancestor as matchedDN, or 10 (referral) when no naming context here holds it.
    pub fn lookup(&self, dn: &Dn) -> Result<EntryId, OpError> {
        if let Some(id) = self.find(dn) {
            return Ok(id);
        }
        // The deepest ancestor that could exist first.
        let rdns = dn.rdns();
        let deepest = self.max_depth.min(rdns.len().saturating_sub(1));
        for depth in (1..=deepest).rev() {
            let candidate = Dn::from_rdns(rdns[rdns.len() - depth..].to_vec());
            if let Some(id) = self.find(&candidate) {
                let matched = self.dn_string(id);
                return Err(OpError::new(
                    ResultCode::NoSuchObject,
                    ad_text::no_such_object(&matched),
                )
                .with_matched_dn(matched));
            }
        }
        let mut error = OpError::new(ResultCode::Referral, ad_text::referral(&self.dns_domain));
        error.referral = vec![format!("ldap://{}/{}", self.dns_domain, dn)];
        Err(error)
    }

    /// How many RDNs the DN of `id` has (0 for none: the root).
    pub(crate) fn depth_of(&self, id: Option<EntryId>) -> usize {
        let mut depth = 0;
        let mut current = id;
        while let Some(entry) = current.and_then(|id| self.entry(id)) {
            depth += entry.name.rdns().len();
            current = entry.parent;
        }
        depth
    }

    /// The full DN of an entry.
    pub fn dn(&self, id: EntryId) -> Dn {
        let mut rdns = Vec::new();
        let mut current = Some(id);
        while let Some(entry) = current.and_then(|id| self.entry(id)) {
            rdns.extend(entry.name.rdns().iter().cloned());
            current = entry.parent;
        }
        Dn::from_rdns(rdns)
    }

    /// The full DN of an entry as text, printed from the stored RDNs without building a [`Dn`]
    /// (a search prints one for every entry it returns).
    pub fn dn_string(&self, id: EntryId) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(64);
        let mut current = Some(id);
        while let Some(entry) = current.and_then(|id| self.entry(id)) {
            for rdn in entry.name.rdns() {
                if !out.is_empty() {
                    out.push(',');
                }
                // Writing to a String cannot fail.
                let _ = write!(out, "{rdn}");
            }
            current = entry.parent;
        }
        out
    }

    /// The normalised DN of an entry (what [`Dn::normalized`] gives for its DN), joined from the
    /// stored RDNs' keys without parsing or copying them.
    pub fn dn_key(&self, id: EntryId) -> String {
        let mut out = String::with_capacity(64);
        let mut current = Some(id);
        while let Some(entry) = current.and_then(|id| self.entry(id)) {
            for rdn in entry.name.rdns() {
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(rdn.key());
            }
            current = entry.parent;
        }
        out
    }

    /// True when `id` is `ancestor` or below it within the same naming context.
    pub fn is_within(&self, id: EntryId, ancestor: EntryId) -> bool {
        let mut current = Some(id);
        while let Some(candidate) = current {
            if candidate == ancestor {
                return true;
            }
            current = self.entry(candidate).and_then(|entry| entry.parent);
        }
        false
    }

    /// The head of the naming context holding `id`.
    pub fn naming_context_of(&self, id: EntryId) -> EntryId {
        let mut current = id;
        while let Some(parent) = self.entry(current).and_then(|entry| entry.parent) {
            current = parent;
        }
        current
    }

    pub fn children(&self, id: EntryId) -> &[EntryId] {
        self.entry(id)
            .map(|entry| entry.children.as_slice())
            .unwrap_or(&[])
    }

    /// Entries whose indexed attribute equals `value` (already normalised for the attribute's
    /// syntax); `None` when the attribute is not indexed.
    pub fn indexed(&self, attribute: AttrId, normalized: &[u8]) -> Option<Vec<EntryId>> {
        self.index.lookup(attribute, normalized)
    }

    /// Whether `id` holds a value of `attribute` equal to `normalized` (already normalised for the
    /// attribute's syntax). Stored values of an indexed attribute are answered by the index, which
    /// holds exactly their normalised forms: normalising a stored DN means parsing it, and a
    /// filter on objectCategory or a membership check would parse every candidate's values.
    pub fn has_value(&self, id: EntryId, attribute: AttrId, normalized: &[u8]) -> bool {
        let Some(entry) = self.entry(id) else {
            return false;
        };
        if entry.values(attribute).is_some() {
            if let Some(found) = self.index.contains(attribute, normalized, id) {
                return found;
            }
        }
        let syntax = self.schema.attribute(attribute).syntax;
        self.values(id, attribute)
            .iter()
            .any(|stored| syntax.normalize(stored).as_ref() == normalized)
    }

    /// Every stored attribute of an entry plus the ones AD computes (distinguishedName, name,
    /// objectGUID, whenCreated, uSNChanged, instanceType, ...), for one attribute.
    pub fn values(&self, id: EntryId, attribute: AttrId) -> Vec<Bytes> {
        let Some(entry) = self.entry(id) else {
            return Vec::new();
        };
        if let Some(values) = entry.values(attribute) {
            return values.to_vec();
        }
        virtual_attrs::compute(self, id, entry, attribute).unwrap_or_default()
    }

    /// The first value of [`Directory::values`], without copying the others into a list.
    pub fn first_value(&self, id: EntryId, attribute: AttrId) -> Option<Bytes> {
        let entry = self.entry(id)?;
        match entry.values(attribute) {
            Some(values) => values.first().cloned(),
            None => virtual_attrs::compute(self, id, entry, attribute)?
                .into_iter()
                .next(),
        }
    }

    /// Every entry in tree order (parents before children), naming contexts in creation order.
    pub fn walk_all(&self) -> Vec<EntryId> {
        let mut out = Vec::with_capacity(self.len());
        for &head in &self.naming_contexts {
            self.walk_subtree(head, &mut out);
        }
        out
    }

    /// `id` and its descendants in tree order, appended to `out`.
    pub fn walk_subtree(&self, id: EntryId, out: &mut Vec<EntryId>) {
        let mut stack = vec![id];
        while let Some(current) = stack.pop() {
            out.push(current);
            stack.extend(self.children(current).iter().rev());
        }
    }
}
