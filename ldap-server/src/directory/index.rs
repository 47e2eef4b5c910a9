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
];

#[derive(Debug, Clone)]
pub struct Index {
    by_attribute: HashMap<AttrId, HashMap<Vec<u8>, BTreeSet<EntryId>>>,
}

impl Index {
    pub fn new(schema: &Schema) -> Index {
        let by_attribute = INDEXED
            .iter()
            .filter_map(|name| schema.attribute_id(name))
            .map(|id| (id, HashMap::new()))
            .collect();
        Index { by_attribute }
    }

    pub fn insert(&mut self, schema: &Schema, id: EntryId, attribute: AttrId, values: &[Bytes]) {
        if let Some(map) = self.by_attribute.get_mut(&attribute) {
            let syntax = schema.attribute(attribute).syntax;
            for value in values {
                map.entry(syntax.normalize(value).into_owned())
                    .or_default()
                    .insert(id);
            }
        }
    }

    pub fn remove(&mut self, schema: &Schema, id: EntryId, attribute: AttrId, values: &[Bytes]) {
        if let Some(map) = self.by_attribute.get_mut(&attribute) {
            let syntax = schema.attribute(attribute).syntax;
            for value in values {
                let key = syntax.normalize(value);
                if let Some(set) = map.get_mut(key.as_ref()) {
                    set.remove(&id);
                    if set.is_empty() {
                        map.remove(key.as_ref());
                    }
                }
            }
        }
    }

    /// The entries whose value equals `normalized`; `None` if the attribute has no index.
    pub fn lookup(&self, attribute: AttrId, normalized: &[u8]) -> Option<Vec<EntryId>> {
        let map = self.by_attribute.get(&attribute)?;
        Some(
            map.get(normalized)
                .map(|set| set.iter().copied().collect())
                .unwrap_or_default(),
        )
    }
}
