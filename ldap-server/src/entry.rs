//! One directory object as stored: its name, place in the tree, AD's bookkeeping, and attributes.

use bytes::Bytes;
use smallvec::SmallVec;

use crate::dn::Dn;
use crate::schema::AttrId;

/// What a modification does to an attribute's values: LDAP's modify operation (RFC 4511 §4.6) and
/// LDIF's `add:` / `delete:` / `replace:` blocks (RFC 2849) are the same three, so both use this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModifyOp {
    Add,
    /// With no values: every value goes.
    Delete,
    Replace,
}

/// Index of an entry in the directory's slab.
pub type EntryId = u32;

/// An attribute's values. Most attributes hold one value, which is then stored inline: a million
/// users with a dozen single-valued attributes each save a heap allocation per attribute.
pub type Values = SmallVec<[Bytes; 1]>;

/// An attribute's stored values. Values are bytes whatever the syntax: certificates stay DER, text
/// stays the UTF-8 the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub id: AttrId,
    pub values: Values,
}

/// A stored object.
///
/// The full DN is not stored: `name` holds the RDN (or, for a naming-context head, the whole DN),
/// and the directory walks `parent` links to rebuild it. That keeps a million users small.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: Dn,
    pub parent: Option<EntryId>,
    pub children: Vec<EntryId>,
    /// `objectGUID`.
    pub guid: [u8; 16],
    pub usn_created: u64,
    pub usn_changed: u64,
    /// `whenCreated` / `whenChanged`, seconds since the Unix epoch.
    pub when_created: i64,
    pub when_changed: i64,
    pub attributes: Vec<Attribute>,
}

impl Entry {
    pub fn values(&self, id: AttrId) -> Option<&[Bytes]> {
        self.attributes
            .iter()
            .find(|attribute| attribute.id == id)
            .map(|attribute| attribute.values.as_slice())
    }

    /// The first value, for single-valued attributes.
    pub fn value(&self, id: AttrId) -> Option<&Bytes> {
        self.values(id).and_then(|values| values.first())
    }

    pub fn set(&mut self, id: AttrId, values: impl Into<Values>) {
        let values = values.into();
        if values.is_empty() {
            self.attributes.retain(|attribute| attribute.id != id);
            return;
        }
        match self
            .attributes
            .iter_mut()
            .find(|attribute| attribute.id == id)
        {
            Some(attribute) => attribute.values = values,
            None => self.attributes.push(Attribute { id, values }),
        }
    }
}
