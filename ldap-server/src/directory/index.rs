//! Equality indexes on the attributes AD indexes and the phone and binds filter on.
//!
//! `(objectCategory=certificationAuthority)` must cost the same with a million users as with ten:
//! the search planner asks the index for the few candidates instead of walking the tree.

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;

use crate::entry::EntryId;
use crate::schema::{AttrId, Schema};

/// Attributes with an equality index (AD marks these `searchFlags` bit 0).
const INDEXED: &[&str] = &[
    "objectClass",
    "objectCategory",
    "sAMAccountName",
    "userPrincipalName",
    "cn",
    // Group membership: a bind asks whether the user is a member of the admin groups, and
    // comparing DN values one by one means parsing each.
    "member",
];

#[derive(Debug, Clone)]
pub struct Index {
    by_attribute: HashMap<AttrId, HashMap<Box<[u8]>, Posting>>,
    /// Normalised forms of recent DN values: objectCategory repeats one of a few DNs on every
    /// entry, and normalising a DN means parsing it.
    dn_memo: HashMap<Bytes, Box<[u8]>>,
}

/// Distinct DN values remembered by the memo before it starts over.
const DN_MEMO_LIMIT: usize = 4096;

/// The entries holding one value. Most values (account names, UPNs, cns) belong to one entry, so
/// that case costs no allocation; shared values (objectClass `top`) get an ordered set.
#[derive(Debug, Clone)]
enum Posting {
    One(EntryId),
    Many(BTreeSet<EntryId>),
}

impl Posting {
    fn insert(&mut self, id: EntryId) {
        match self {
            Posting::One(existing) if *existing == id => {}
            Posting::One(existing) => *self = Posting::Many(BTreeSet::from([*existing, id])),
            Posting::Many(set) => {
                set.insert(id);
            }
        }
    }

    /// Removes `id`; returns true when nothing is left.
    fn remove(&mut self, id: EntryId) -> bool {
        match self {
            Posting::One(existing) => *existing == id,
            Posting::Many(set) => {
                set.remove(&id);
                if set.len() == 1 {
                    if let Some(&last) = set.iter().next() {
                        *self = Posting::One(last);
                    }
                }
                set_is_empty(self)
            }
        }
    }

    fn ids(&self) -> Vec<EntryId> {
        match self {
            Posting::One(id) => vec![*id],
            Posting::Many(set) => set.iter().copied().collect(),
        }
    }
}

fn set_is_empty(posting: &Posting) -> bool {
    matches!(posting, Posting::Many(set) if set.is_empty())
}

impl Index {
    pub fn new(schema: &Schema) -> Index {
        let by_attribute = INDEXED
            .iter()
            .filter_map(|name| schema.attribute_id(name))
            .map(|id| (id, HashMap::new()))
            .collect();
        Index {
            by_attribute,
            dn_memo: HashMap::new(),
        }
    }

    pub fn insert(&mut self, schema: &Schema, id: EntryId, attribute: AttrId, values: &[Bytes]) {
        if let Some(map) = self.by_attribute.get_mut(&attribute) {
            let syntax = schema.attribute(attribute).syntax;
            for value in values {
                let key: std::borrow::Cow<[u8]> = if syntax == crate::schema::Syntax::Dn {
                    if self.dn_memo.len() >= DN_MEMO_LIMIT {
                        self.dn_memo.clear();
                    }
                    let memo = self
                        .dn_memo
                        .entry(value.clone())
                        .or_insert_with(|| syntax.normalize(value).into_owned().into_boxed_slice());
                    std::borrow::Cow::Owned(memo.to_vec())
                } else {
                    syntax.normalize(value)
                };
                match map.get_mut(key.as_ref()) {
                    Some(posting) => posting.insert(id),
                    None => {
                        map.insert(key.into_owned().into_boxed_slice(), Posting::One(id));
                    }
                }
            }
        }
    }

    pub fn remove(&mut self, schema: &Schema, id: EntryId, attribute: AttrId, values: &[Bytes]) {
        if let Some(map) = self.by_attribute.get_mut(&attribute) {
            let syntax = schema.attribute(attribute).syntax;
            for value in values {
                let key = syntax.normalize(value);
                if let Some(posting) = map.get_mut(key.as_ref()) {
                    if posting.remove(id) {
                        map.remove(key.as_ref());
                    }
                }
            }
        }
    }

    /// Whether entry `id` holds a value that normalises to `normalized`; `None` if the attribute
    /// has no index.
    pub fn contains(&self, attribute: AttrId, normalized: &[u8], id: EntryId) -> Option<bool> {
        let map = self.by_attribute.get(&attribute)?;
        Some(match map.get(normalized) {
            Some(Posting::One(holder)) => *holder == id,
            Some(Posting::Many(set)) => set.contains(&id),
            None => false,
        })
    }

    /// The entries whose value equals `normalized`; `None` if the attribute has no index.
    pub fn lookup(&self, attribute: AttrId, normalized: &[u8]) -> Option<Vec<EntryId>> {
        let map = self.by_attribute.get(&attribute)?;
        Some(map.get(normalized).map(Posting::ids).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_grow_and_shrink() {
        let mut posting = Posting::One(3);
        posting.insert(3);
        assert_eq!(posting.ids(), [3]);
        posting.insert(1);
        assert_eq!(posting.ids(), [1, 3]);
        assert!(!posting.remove(3));
        assert_eq!(posting.ids(), [1]);
        assert!(posting.remove(1));
    }
}
