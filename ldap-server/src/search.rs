//! Running a search against the directory: scope, index or scan, filter, access control,
//! continuation references for subordinate naming contexts, and rendering of the chosen attributes.

use crate::wire::{OrderedAttribute, OrderedEntry};
use bytes::Bytes;

use crate::acl::{AccessPolicy, Principal};
use crate::directory::Directory;
use crate::dn::Dn;
use crate::entry::EntryId;
use crate::error::{OpError, ResultCode};
use crate::filter::{Compiled, Truth};
use crate::schema::AttrId;

/// Server-maintained attributes returned with `*` and `+`, as AD returns them with every object.
const MAINTAINED: &[&str] = &[
    "distinguishedName",
    "name",
    "objectGUID",
    "whenCreated",
    "whenChanged",
    "uSNCreated",
    "uSNChanged",
    "instanceType",
];

/// Constructed attributes: returned only when named (or with `+`).
const CONSTRUCTED: &[&str] = &["createTimeStamp", "modifyTimeStamp"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Base,
    One,
    Subtree,
}

/// What a search found: entries in tree order, and referral URLs for the naming contexts below.
#[derive(Debug, Default)]
pub struct Found {
    pub entries: Vec<EntryId>,
    pub references: Vec<String>,
}

/// Keeps the candidates that match and that `principal` may read, refusing to go on past
/// `deadline` (MaxQueryDuration: 3 timeLimitExceeded). The clock is read every 256 candidates.
fn matching(
    dir: &Directory,
    policy: &AccessPolicy,
    principal: &Principal,
    filter: &Compiled,
    candidates: Vec<EntryId>,
    deadline: Deadline,
) -> Result<Vec<EntryId>, OpError> {
    let mut kept = Vec::new();
    for (checked, id) in candidates.into_iter().enumerate() {
        if checked % 256 == 255 && std::time::Instant::now() > deadline.at {
            return Err(OpError::new(
                ResultCode::TimeLimitExceeded,
                crate::ad_text::query_duration_exceeded(deadline.limit.as_secs()),
            ));
        }
        if matches(dir, policy, principal, filter, id) {
            kept.push(id);
        }
    }
    Ok(kept)
}

/// When a search must be done by (MaxQueryDuration from its start).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub at: std::time::Instant,
    pub limit: std::time::Duration,
}

impl Deadline {
    pub fn after(limit: std::time::Duration) -> Deadline {
        let now = std::time::Instant::now();
        Deadline {
            at: now.checked_add(limit).unwrap_or(now),
            limit,
        }
    }
}

/// Finds the entries in scope that match and that `principal` may read.
pub fn find(
    dir: &Directory,
    policy: &AccessPolicy,
    principal: &Principal,
    base: &Dn,
    scope: Scope,
    filter: &Compiled,
    deadline: Deadline,
) -> Result<Found, OpError> {
    let base_id = dir.lookup(base)?;
    let in_scope = |id: EntryId| in_scope(dir, base_id, scope, id);
    let candidates = match scope {
        Scope::Base => vec![base_id],
        Scope::One => dir.children(base_id).to_vec(),
        Scope::Subtree => match filter.indexed_candidates(dir) {
            Some(mut ids) => {
                ids.retain(|&id| in_scope(id));
                ids
            }
            None => {
                let mut ids = Vec::new();
                dir.walk_subtree(base_id, &mut ids);
                ids
            }
        },
    };
    let mut found = Found {
        entries: matching(dir, policy, principal, filter, candidates, deadline)?,
        references: Vec::new(),
    };
    if scope != Scope::Base {
        found.references = subordinate_references(dir, base_id, scope);
    }
    Ok(found)
}

/// A Global Catalog search based at "" (subtree): every naming context, no references. (AD's GC
/// returns only partial-attribute-set attributes; the ones a phone reads — cACertificate,
/// dNSHostName — are in it.)
pub fn find_everywhere(
    dir: &Directory,
    policy: &AccessPolicy,
    principal: &Principal,
    filter: &Compiled,
    deadline: Deadline,
) -> Result<Found, OpError> {
    let candidates = match filter.indexed_candidates(dir) {
        Some(ids) => ids,
        None => dir.walk_all(),
    };
    Ok(Found {
        entries: matching(dir, policy, principal, filter, candidates, deadline)?,
        references: Vec::new(),
    })
}

/// Whether `id` lies in the search's scope below `base_id`.
pub fn in_scope(dir: &Directory, base_id: EntryId, scope: Scope, id: EntryId) -> bool {
    match scope {
        Scope::Base => id == base_id,
        Scope::One => dir.entry(id).and_then(|entry| entry.parent) == Some(base_id),
        Scope::Subtree => dir.is_within(id, base_id),
    }
}

/// Whether an entry (still) exists, matches the filter, and may be read by `principal`.
pub fn matches(
    dir: &Directory,
    policy: &AccessPolicy,
    principal: &Principal,
    filter: &Compiled,
    id: EntryId,
) -> bool {
    if dir.entry(id).is_none() || filter.evaluate(dir, id) != Truth::True {
        return false;
    }
    let classes = dir
        .schema()
        .attribute_id("objectClass")
        .map(|attribute| dir.values(id, attribute))
        .unwrap_or_default();
    policy.can_read_object(principal, classes.iter().map(|value| value.as_ref()))
}

/// AD answers a search of a naming context with references to the naming contexts held below it
/// (the domain NC refers to Configuration, Configuration to Schema): `ldap://<domain>/<NC DN>`.
fn subordinate_references(dir: &Directory, base_id: EntryId, scope: Scope) -> Vec<String> {
    let base_nc = dir.naming_context_of(base_id);
    let mut references = Vec::new();
    for &head in dir.naming_contexts() {
        if head == base_nc {
            continue;
        }
        // A naming-context head stores its whole DN as its name; its superior is looked up by
        // key, without copying the DN (this runs on every subtree search).
        let Some(head_name) = dir.entry(head).map(|entry| &entry.name) else {
            continue;
        };
        let Some(parent) = head_name.parent_key().and_then(|key| dir.find_key(&key)) else {
            continue;
        };
        let visible = match scope {
            Scope::Base => false,
            Scope::One => parent == base_id,
            Scope::Subtree => dir.is_within(parent, base_id),
        };
        if visible && dir.naming_context_of(parent) == base_nc {
            references.push(format!(
                "ldap://{}/{}",
                dir.dns_domain(),
                dir.dn_string(head)
            ));
        }
    }
    references
}

/// Which attributes a search returns.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `*` or an empty list: every user attribute (and AD's maintained ones).
    pub all_user: bool,
    /// `+`: the maintained and constructed attributes.
    pub all_operational: bool,
    /// Attributes asked for by name (unknown names are ignored, as AD does).
    pub named: Vec<AttrId>,
}

impl Selection {
    pub fn parse(dir: &Directory, requested: &[impl AsRef<str>]) -> Selection {
        let mut selection = Selection {
            all_user: requested.is_empty(),
            ..Selection::default()
        };
        for name in requested {
            let name = name.as_ref().trim();
            match name {
                "*" => selection.all_user = true,
                "+" => selection.all_operational = true,
                "1.1" => {}
                _ => {
                    if let Some(id) = dir.schema().attribute_id(name) {
                        if !selection.named.contains(&id) {
                            selection.named.push(id);
                        }
                    }
                }
            }
        }
        selection
    }
}

/// Renders one entry for the wire: attribute names in the schema's spelling (a request for
/// `cACertificate;binary` is answered as `cACertificate`, as AD does), secrets never.
pub fn render(
    dir: &Directory,
    id: EntryId,
    selection: &Selection,
    types_only: bool,
) -> OrderedEntry {
    let schema = dir.schema();
    let mut chosen: Vec<AttrId> = Vec::new();
    let choose = |attribute: AttrId, chosen: &mut Vec<AttrId>| {
        if !chosen.contains(&attribute) && !schema.attribute(attribute).secret {
            chosen.push(attribute);
        }
    };
    if let Some(entry) = dir.entry(id) {
        if selection.all_user {
            for attribute in &entry.attributes {
                if !schema.attribute(attribute.id).operational {
                    choose(attribute.id, &mut chosen);
                }
            }
        }
        if selection.all_operational {
            for attribute in &entry.attributes {
                if schema.attribute(attribute.id).operational {
                    choose(attribute.id, &mut chosen);
                }
            }
        }
    }
    if selection.all_user || selection.all_operational {
        for name in MAINTAINED {
            if let Some(attribute) = schema.attribute_id(name) {
                choose(attribute, &mut chosen);
            }
        }
    }
    if selection.all_operational {
        for name in CONSTRUCTED {
            if let Some(attribute) = schema.attribute_id(name) {
                choose(attribute, &mut chosen);
            }
        }
    }
    for &attribute in &selection.named {
        choose(attribute, &mut chosen);
    }
    let attributes = chosen
        .into_iter()
        .filter_map(|attribute| {
            let values = dir.values(id, attribute);
            if values.is_empty() {
                return None;
            }
            let values = if types_only { Vec::new() } else { values };
            Some(partial_attribute(&schema.attribute(attribute).name, values))
        })
        .collect();
    OrderedEntry {
        object_name: dir.dn_string(id).into_bytes().into(),
        attributes,
    }
}

pub fn partial_attribute(name: &str, values: Vec<Bytes>) -> OrderedAttribute {
    OrderedAttribute {
        r#type: name.as_bytes().to_vec().into(),
        vals: values.into_iter().map(Into::into).collect(),
    }
}
