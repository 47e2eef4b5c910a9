//! Comparing the two directories' snapshots entry by entry, and the report of what differs.

use super::*;

/// DNs (lower case) of entries that are new in `after`, or whose published part changed.
pub(crate) fn touched(before: &Snapshot, after: &Snapshot) -> BTreeSet<String> {
    after
        .iter()
        .filter(|(dn, entry)| {
            before
                .get(*dn)
                .is_none_or(|old| old.published_part() != entry.published_part())
        })
        .map(|(dn, _)| dn.clone())
        .collect()
}

/// A value for people: short text as is, anything else as its length and a SHA-1 prefix.
pub(crate) fn show(value: &[u8]) -> String {
    if value.len() <= 64 && value.iter().all(|b| (0x20..0x7f).contains(b)) {
        return format!("{:?}", String::from_utf8_lossy(value));
    }
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(value);
    format!(
        "<{} bytes sha1 {}>",
        value.len(),
        digest[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

pub(crate) fn show_all(values: &[Vec<u8>]) -> String {
    let shown: Vec<String> = values.iter().map(|value| show(value)).collect();
    format!("[{}]", shown.join(", "))
}

/// What the comparison found: `problems` fail the test, `notes` are reported.
#[derive(Default)]
pub(crate) struct Comparison {
    pub(crate) problems: Vec<String>,
    pub(crate) notes: Vec<String>,
}

impl Comparison {
    pub(crate) fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "== differences that fail the test: {}",
            self.problems.len()
        );
        for line in &self.problems {
            let _ = writeln!(out, "  - {line}");
        }
        let _ = writeln!(out, "== reported, not failed: {}", self.notes.len());
        for line in &self.notes {
            let _ = writeln!(out, "  - {line}");
        }
        out
    }
}

/// Attribute names (as printed) only in `s`, and only in `o`.
pub(crate) fn attribute_name_difference<'a>(
    s: &'a Entry,
    o: &'a Entry,
) -> (Vec<&'a str>, Vec<&'a str>) {
    let s_names: BTreeSet<&String> = s.attrs.keys().collect();
    let o_names: BTreeSet<&String> = o.attrs.keys().collect();
    let only_s = s_names
        .difference(&o_names)
        .map(|name| s.attrs[*name].0.as_str())
        .collect();
    let only_o = o_names
        .difference(&s_names)
        .map(|name| o.attrs[*name].0.as_str())
        .collect();
    (only_s, only_o)
}

/// Compares what publish left in Samba (`s_*`) and in our server (`o_*`).
pub(crate) fn compare(
    s_before: &Snapshot,
    s_after: &Snapshot,
    o_before: &Snapshot,
    o_after: &Snapshot,
) -> Comparison {
    let mut found = Comparison::default();
    let s_touched = touched(s_before, s_after);
    let o_touched = touched(o_before, o_after);
    for dn in s_touched.difference(&o_touched) {
        found.problems.push(format!(
            "publish created or changed {} in Samba but not in ldap-server",
            s_after[dn].dn
        ));
    }
    for dn in o_touched.difference(&s_touched) {
        found.problems.push(format!(
            "publish created or changed {} in ldap-server but not in Samba",
            o_after[dn].dn
        ));
    }

    // The containers that were there before publishing (provisioning, not publish).
    let s_pre: BTreeSet<&String> = s_before.keys().collect();
    let o_pre: BTreeSet<&String> = o_before.keys().collect();
    for dn in s_pre.difference(&o_pre) {
        found.notes.push(format!(
            "before publishing, only Samba has {}",
            s_before[*dn].dn
        ));
    }
    for dn in o_pre.difference(&s_pre) {
        found.notes.push(format!(
            "before publishing, only ldap-server has {}",
            o_before[*dn].dn
        ));
    }
    for dn in s_pre.intersection(&o_pre) {
        let (s, o) = (&s_before[*dn], &o_before[*dn]);
        if s.classes() != o.classes() {
            found.notes.push(format!(
                "before publishing, {} has classes {:?} in Samba, {:?} in ldap-server",
                s.dn,
                s.classes(),
                o.classes()
            ));
        }
        let (only_s, only_o) = attribute_name_difference(s, o);
        if !only_s.is_empty() || !only_o.is_empty() {
            found.notes.push(format!(
                "before publishing, {}: attributes only in Samba {only_s:?}; only in ldap-server {only_o:?}",
                s.dn
            ));
        }
    }

    for dn in s_touched.intersection(&o_touched) {
        let (s, o) = (&s_after[dn], &o_after[dn]);
        let created = (!s_before.contains_key(dn), !o_before.contains_key(dn));
        let label = match created {
            (true, true) => "created",
            (false, false) => "modified",
            _ => "created on one side only",
        };
        found.notes.push(format!(
            "{label} in both: {} (Samba spells it {})",
            o.dn, s.dn
        ));
        if created.0 != created.1 {
            found.problems.push(format!(
                "{}: created by publish in {} only (it existed before in the other)",
                o.dn,
                if created.0 { "Samba" } else { "ldap-server" }
            ));
        }
        if s.classes() != o.classes() {
            found.problems.push(format!(
                "{}: objectClass {:?} in Samba, {:?} in ldap-server",
                o.dn,
                s.values("objectClass")
                    .iter()
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .collect::<Vec<_>>(),
                o.values("objectClass")
                    .iter()
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .collect::<Vec<_>>(),
            ));
        }
        for name in WRITTEN {
            let (s_values, o_values) = (s.values(name), o.values(name));
            let s_set: BTreeSet<&Vec<u8>> = s_values.iter().collect();
            let o_set: BTreeSet<&Vec<u8>> = o_values.iter().collect();
            if s_set != o_set || s_values.len() != o_values.len() {
                found.problems.push(format!(
                    "{}: {name} is {} in Samba, {} in ldap-server",
                    o.dn,
                    show_all(&s_values),
                    show_all(&o_values)
                ));
            } else if s_values.len() > 1 {
                let same_order = s_values == o_values;
                found.notes.push(format!(
                    "{}: {name} has {} values, the same set; returned in {} order (Samba {}, ldap-server {})",
                    o.dn,
                    s_values.len(),
                    if same_order { "the same" } else { "a different" },
                    show_all(&s_values),
                    show_all(&o_values)
                ));
            }
        }
        for name in CASE_INSENSITIVE {
            let lower = |values: Vec<Vec<u8>>| -> BTreeSet<String> {
                values
                    .iter()
                    .map(|v| String::from_utf8_lossy(v).to_ascii_lowercase())
                    .collect()
            };
            let (s_values, o_values) = (s.values(name), o.values(name));
            if !s_values.is_empty()
                && !o_values.is_empty()
                && lower(s_values.clone()) != lower(o_values.clone())
            {
                found.problems.push(format!(
                    "{}: {name} is {} in Samba, {} in ldap-server",
                    o.dn,
                    show_all(&s_values),
                    show_all(&o_values)
                ));
            }
        }
        // Attributes a client sees on one side only (server-generated ones included).
        let (only_s, only_o) = attribute_name_difference(s, o);
        if !only_s.is_empty() || !only_o.is_empty() {
            // Values of these are the servers' own (GUIDs, times, USNs), but whether a client
            // sees the attribute at all must match.
            found.problems.push(format!(
                "{}: attributes only in Samba {only_s:?}; only in ldap-server {only_o:?}",
                o.dn
            ));
        }
    }
    found
}

/// The JSON report of one publish (Null when it printed none).
pub(crate) fn report_json(out: &ToolOutput) -> serde_json::Value {
    serde_json::from_str(out.stdout.trim()).unwrap_or(serde_json::Value::Null)
}
