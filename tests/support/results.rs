//! Helpers for ldap3 search results: attribute values as bytes or text, attribute names, filter
//! escaping.

use ldap3::SearchEntry;

use super::*;

/// All values of `name` (exact spelling) as bytes, whether ldap3 decoded them as text or not.
pub fn values(entry: &SearchEntry, name: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    if let Some(v) = entry.attrs.get(name) {
        out.extend(v.iter().map(|s| s.as_bytes().to_vec()));
    }
    if let Some(v) = entry.bin_attrs.get(name) {
        out.extend(v.iter().cloned());
    }
    out
}

/// Text values of `name` (exact spelling); empty if absent.
pub fn text_values(entry: &SearchEntry, name: &str) -> Vec<String> {
    entry.attrs.get(name).cloned().unwrap_or_default()
}

/// The single text value of `name`, panicking with the entry if there is not exactly one.
pub fn single(entry: &SearchEntry, name: &str) -> String {
    let v = text_values(entry, name);
    assert_eq!(v.len(), 1, "expected exactly one {name} in {entry:?}");
    v[0].clone()
}

/// All attribute names of an entry (text and binary).
pub fn attribute_names(entry: &SearchEntry) -> Vec<String> {
    let mut names: Vec<String> = entry
        .attrs
        .keys()
        .chain(entry.bin_attrs.keys())
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// True if `entry` has attribute `name` under any letter case.
pub fn has_attr_ignore_case(entry: &SearchEntry, name: &str) -> bool {
    attribute_names(entry).iter().any(|n| {
        n.eq_ignore_ascii_case(name)
            || n.to_ascii_lowercase()
                .starts_with(&format!("{};", name.to_ascii_lowercase()))
    })
}

/// Escapes every byte as `\xx` for use as a filter assertion value (RFC 4515).
pub fn escape_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}
