//! Deciding what to write (or refusing) given what the directory holds, and rendering those
//! changes as the LDIF `--dry-run` prints.

use super::*;
use base64::engine::general_purpose::STANDARD as B64;

/// What the directory holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub exists: bool,
    /// Current values of the target attribute.
    pub values: Vec<Vec<u8>>,
    /// Whether the parent to create (if any) exists.
    pub parent_exists: bool,
}

/// One LDAP change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add {
        dn: String,
        attributes: Vec<(String, Vec<Vec<u8>>)>,
    },
    Modify {
        dn: String,
        mode: WriteMode,
        attribute: String,
        values: Vec<Vec<u8>>,
    },
}

/// What a publish did (or would do) to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Appended,
    Replaced,
}

/// The changes for one publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub action: Action,
    /// DNs the plan creates (the container first, then the object).
    pub created: Vec<String>,
}

/// Decides the changes, or refuses: the exact value is already there, or something is missing
/// and `force_create` is off.
pub fn plan(
    target: &Target,
    input: &Input,
    state: &State,
    force_create: bool,
) -> Result<Plan, Error> {
    if state.exists && state.values.iter().any(|value| value == &input.der) {
        return Err(Error::AlreadyPublished {
            dn: target.dn.clone(),
            attribute: target.attribute.clone(),
            sha1: input.sha1.clone(),
        });
    }
    let mut changes = Vec::new();
    let mut created = Vec::new();
    if state.exists {
        let action = match target.mode {
            WriteMode::Append => Action::Appended,
            WriteMode::Replace => Action::Replaced,
        };
        changes.push(Change::Modify {
            dn: target.dn.clone(),
            mode: target.mode,
            attribute: target.attribute.clone(),
            values: vec![input.der.clone()],
        });
        return Ok(Plan {
            changes,
            action,
            created,
        });
    }
    if let Some(parent) = &target.parent {
        if !state.parent_exists {
            if !force_create {
                return Err(Error::Missing {
                    dn: parent.dn.clone(),
                });
            }
            changes.push(Change::Add {
                dn: parent.dn.clone(),
                attributes: vec![
                    (
                        "objectClass".to_owned(),
                        parent
                            .object_classes
                            .iter()
                            .map(|class| class.as_bytes().to_vec())
                            .collect(),
                    ),
                    ("cn".to_owned(), vec![parent.cn.as_bytes().to_vec()]),
                ],
            });
            created.push(parent.dn.clone());
        }
    }
    if !force_create {
        return Err(Error::Missing {
            dn: target.dn.clone(),
        });
    }
    let mut attributes = vec![
        (
            "objectClass".to_owned(),
            target
                .object_classes
                .iter()
                .map(|class| class.as_bytes().to_vec())
                .collect(),
        ),
        ("cn".to_owned(), vec![target.cn.as_bytes().to_vec()]),
        (target.attribute.clone(), vec![input.der.clone()]),
    ];
    for (name, value) in &target.placeholders {
        attributes.push((name.clone(), vec![value.clone()]));
    }
    changes.push(Change::Add {
        dn: target.dn.clone(),
        attributes,
    });
    created.push(target.dn.clone());
    Ok(Plan {
        changes,
        action: Action::Created,
        created,
    })
}

// ---------------------------------------------------------------------------------------------
// LDIF
// ---------------------------------------------------------------------------------------------

/// RFC 2849 SAFE-STRING: printable ASCII, not starting with space, ':' or '<', not ending in space.
pub(super) fn ldif_safe(value: &[u8]) -> bool {
    match (value.first(), value.last()) {
        (None, _) => true,
        (Some(first), Some(last)) => {
            !matches!(first, b' ' | b':' | b'<')
                && *last != b' '
                && value.iter().all(|b| (0x20..0x7f).contains(b))
        }
        _ => true,
    }
}

pub(super) fn ldif_line(out: &mut String, name: &str, value: &[u8]) {
    if ldif_safe(value) {
        let _ = writeln!(out, "{name}: {}", String::from_utf8_lossy(value));
    } else {
        let _ = writeln!(out, "{name}:: {}", B64.encode(value));
    }
}

/// The changes as an LDIF change file (`ldapmodify -f` applies it), one record per change,
/// lines unfolded.
pub fn render_ldif(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            Change::Add { dn, attributes } => {
                ldif_line(&mut out, "dn", dn.as_bytes());
                out.push_str("changetype: add\n");
                for (name, values) in attributes {
                    for value in values {
                        ldif_line(&mut out, name, value);
                    }
                }
            }
            Change::Modify {
                dn,
                mode,
                attribute,
                values,
            } => {
                ldif_line(&mut out, "dn", dn.as_bytes());
                out.push_str("changetype: modify\n");
                let verb = match mode {
                    WriteMode::Append => "add",
                    WriteMode::Replace => "replace",
                };
                let _ = writeln!(out, "{verb}: {attribute}");
                for value in values {
                    ldif_line(&mut out, attribute, value);
                }
                out.push_str("-\n");
            }
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The directory
// ---------------------------------------------------------------------------------------------
