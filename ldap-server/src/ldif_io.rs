//! Loading LDIF files into the directory and exporting the directory as LDIF.
//!
//! Loading applies each record as its changetype says. An add (a content record, or
//! `changetype: add` as ldifde writes on every record) of an object that already exists replaces
//! that object's attributes with the file's: the forest skeleton already holds containers an
//! ldifde export of Public Key Services carries, and it is what makes an export load back over a
//! fresh skeleton, so import → export → import is lossless.

use std::path::Path;

use bytes::Bytes;

use crate::directory::{Directory, Modification, Strictness};
use crate::dn::Dn;
use crate::error::{Error, OpError};
use crate::ldif::{self, LdifChange};

/// Attributes an export writes besides the stored ones, so a re-import keeps identity and history.
const BOOKKEEPING: &[&str] = &[
    "objectGUID",
    "whenCreated",
    "whenChanged",
    "uSNCreated",
    "uSNChanged",
];

/// Bytes read from an LDIF file at a time; the file is never held whole, so a million-user
/// export does not sit in memory beside the directory built from it.
const CHUNK: usize = 8 << 20;

/// Loads one LDIF file, a chunk of whole records at a time; returns the number of records applied.
pub fn load_file(dir: &mut Directory, path: &Path) -> Result<usize, Error> {
    use std::io::Read;
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut buffer: Vec<u8> = Vec::new();
    let mut lines_before = 0;
    let mut count = 0;
    let mut at_start = true;
    loop {
        let filled = buffer.len();
        buffer.resize(filled + CHUNK, 0);
        let read = file.read(&mut buffer[filled..]).map_err(io_error)?;
        buffer.truncate(filled + read);
        let at_end = read == 0;
        // Whole records only: cut after the last blank line (a record never spans one).
        let cut = if at_end {
            buffer.len()
        } else {
            last_record_boundary(&buffer)
        };
        if cut > 0 {
            count += load_piece(dir, &buffer[..cut], path, lines_before, at_start)?;
            lines_before += buffer[..cut].iter().filter(|&&byte| byte == b'\n').count();
            at_start = false;
            buffer.drain(..cut);
        }
        if at_end {
            return Ok(count);
        }
    }
}

/// The offset just past the last blank line in `bytes` (LF or CRLF), or 0.
fn last_record_boundary(bytes: &[u8]) -> usize {
    let lf = bytes
        .windows(2)
        .rposition(|pair| pair == b"\n\n")
        .map(|position| position + 2);
    let crlf = bytes
        .windows(4)
        .rposition(|quad| quad == b"\r\n\r\n")
        .map(|position| position + 4);
    lf.max(crlf).unwrap_or(0)
}

/// Loads LDIF text; `path` names it in errors and anchors relative `file:` URLs.
pub fn load_bytes(dir: &mut Directory, bytes: &[u8], path: &Path) -> Result<usize, Error> {
    load_piece(dir, bytes, path, 0, true)
}

/// Applies the records of a piece of a file that starts `lines_before` lines in.
fn load_piece(
    dir: &mut Directory,
    bytes: &[u8],
    path: &Path,
    lines_before: usize,
    at_start: bool,
) -> Result<usize, Error> {
    let located = |line: usize, message: String| Error::Ldif {
        file: path.to_path_buf(),
        line,
        message,
    };
    let mut count = 0;
    for record in ldif::records_from(bytes, path.parent(), lines_before, at_start) {
        let record = record.map_err(|error| located(error.line, error.message))?;
        count += 1;
        let dn = Dn::parse(&record.dn).map_err(|error| located(record.line, error.to_string()))?;
        let explain = |error: OpError| {
            located(
                record.line,
                format!(
                    "{}: {} ({})",
                    record.dn,
                    one_line(&error.diagnostic),
                    error.code as u32
                ),
            )
        };
        match record.change {
            LdifChange::Add(attributes) => {
                let mut grouped: Vec<(String, Vec<Bytes>)> = Vec::new();
                for attribute in attributes {
                    let name = attribute
                        .name
                        .split(';')
                        .next()
                        .unwrap_or(&attribute.name)
                        .to_string();
                    match grouped
                        .iter_mut()
                        .find(|(existing, _)| existing.eq_ignore_ascii_case(&name))
                    {
                        Some((_, values)) => values.push(attribute.value.into()),
                        None => grouped.push((name, vec![attribute.value.into()])),
                    }
                }
                let result = if dir.find(&dn).is_some() {
                    dir.overwrite(&dn, grouped)
                } else if dn.parent().and_then(|parent| dir.find(&parent)).is_none()
                    && is_naming_context_candidate(dir, &dn)
                {
                    dir.add_naming_context(&dn, grouped).map(|_| ())
                } else {
                    dir.add(&dn, grouped, Strictness::Import).map(|_| ())
                };
                result.map_err(explain)?;
            }
            LdifChange::Delete => dir.delete(&dn).map_err(explain)?,
            LdifChange::Modify(modifications) => {
                let modifications: Vec<Modification> = modifications
                    .into_iter()
                    .map(|modification| Modification {
                        op: modification.op,
                        attribute: modification.attribute,
                        values: modification.values.into_iter().map(Bytes::from).collect(),
                    })
                    .collect();
                dir.modify(&dn, &modifications, Strictness::Import)
                    .map_err(explain)?;
            }
            LdifChange::ModDn {
                new_rdn,
                delete_old_rdn,
                new_superior,
            } => {
                let rdn = Dn::parse(&new_rdn)
                    .ok()
                    .and_then(|parsed| parsed.rdn().cloned())
                    .ok_or_else(|| {
                        located(record.line, format!("newrdn {new_rdn:?} is not an RDN"))
                    })?;
                let superior = match new_superior {
                    Some(text) => Some(
                        Dn::parse(&text)
                            .map_err(|error| located(record.line, error.to_string()))?,
                    ),
                    None => None,
                };
                dir.rename(&dn, &rdn, delete_old_rdn, superior.as_ref())
                    .map_err(explain)?;
            }
        }
    }
    Ok(count)
}

/// A DN with no parent here can only be loaded as a new naming context when it is not below an
/// existing one (an LDIF for another domain); below an existing NC it is a missing parent.
fn is_naming_context_candidate(dir: &Directory, dn: &Dn) -> bool {
    !dir.naming_contexts()
        .iter()
        .any(|&head| dn.is_within(&dir.dn(head)))
}

/// AD's multi-line diagnostics on one line, so `file:line: ...` stays one line and keeps the
/// attribute name AD puts on the second line.
fn one_line(text: &str) -> String {
    text.split(['\n', '\t'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The whole directory as LDIF content records, parents before children.
pub fn export(dir: &Directory) -> String {
    let mut out = String::new();
    ldif::write_header(
        &mut out,
        &format!(
            "ldap-server export of {} ({} objects)",
            dir.dns_domain(),
            dir.len()
        ),
    );
    for id in dir.walk_all() {
        write_entry(dir, id, &mut out);
    }
    out
}

/// One entry as a content record: stored attributes plus the bookkeeping a re-import keeps.
pub fn write_entry(dir: &Directory, id: crate::entry::EntryId, out: &mut String) {
    let Some(entry) = dir.entry(id) else { return };
    let schema = dir.schema();
    let mut pairs: Vec<(&str, Bytes)> = Vec::new();
    for attribute in &entry.attributes {
        let name = schema.attribute(attribute.id).name.as_str();
        pairs.extend(attribute.values.iter().map(|value| (name, value.clone())));
    }
    for name in BOOKKEEPING {
        if let Some(attribute) = schema.attribute_id(name) {
            let name = schema.attribute(attribute).name.as_str();
            pairs.extend(
                dir.values(id, attribute)
                    .into_iter()
                    .map(|value| (name, value)),
            );
        }
    }
    let borrowed: Vec<(&str, &[u8])> = pairs
        .iter()
        .map(|(name, value)| (*name, value.as_ref()))
        .collect();
    let binary = |name: &str| {
        schema
            .attribute_id(name)
            .is_some_and(|attribute| schema.attribute(attribute).syntax.is_binary())
    };
    ldif::write_record(out, &dir.dn_string(id), &borrowed, &binary);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::{Forest, ForestConfig};
    use crate::schema::Schema;

    fn forest() -> Directory {
        let config = ForestConfig::new("example.test");
        Forest::new(&config)
            .unwrap()
            .build(Schema::active_directory(), &config)
            .unwrap()
    }

    /// What `ldifde -f pks.ldf -d "CN=Public Key Services,..."` writes on a real DC: CRLF, a
    /// changetype on every record, AD's bookkeeping attributes, and attributes this schema lacks.
    const LDIFDE_EXPORT: &str = "dn: CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test\r\n\
changetype: add\r\nobjectClass: top\r\nobjectClass: container\r\ncn: Public Key Services\r\n\
distinguishedName: CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test\r\n\
instanceType: 4\r\nwhenCreated: 20240105093000.0Z\r\nwhenChanged: 20240105093000.0Z\r\nuSNCreated: 8193\r\n\
uSNChanged: 8193\r\nshowInAdvancedViewOnly: TRUE\r\nname: Public Key Services\r\n\
objectGUID:: 9fmB3BbzWEyY1U4T0Gq+Hw==\r\n\
objectCategory: CN=Container,CN=Schema,CN=Configuration,DC=example,DC=test\r\n\
dSCorePropagationData: 16010101000000.0Z\r\n\r\n\
dn: CN=Contoso Root CA,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test\r\n\
changetype: add\r\nobjectClass: top\r\nobjectClass: certificationAuthority\r\ncn: Contoso Root CA\r\n\
cACertificate:: MIIBszCCAVmgAwIBAgIUQm9vdA==\r\nauthorityRevocationList:: AA==\r\n\
certificateRevocationList:: AA==\r\ninstanceType: 4\r\nuSNCreated: 12775\r\nuSNChanged: 12775\r\n\
whenCreated: 20240105093500.0Z\r\nwhenChanged: 20240105093500.0Z\r\nshowInAdvancedViewOnly: TRUE\r\n\
name: Contoso Root CA\r\nobjectGUID:: AAECAwQFBgcICQoLDA0ODw==\r\n\
objectCategory: CN=Certification-Authority,CN=Schema,CN=Configuration,DC=example,DC=test\r\n\
dSCorePropagationData: 16010101000000.0Z\r\nmsDS-ReplAttributeMetaData:: AAAA\r\n\r\n";

    #[test]
    fn an_ldifde_export_loads_over_the_skeleton() {
        let mut dir = forest();
        let count = load_bytes(&mut dir, LDIFDE_EXPORT.as_bytes(), Path::new("pks.ldf")).unwrap();
        assert_eq!(count, 2);
        let ca = Dn::parse("CN=Contoso Root CA,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test").unwrap();
        let id = dir.find(&ca).expect("the CA was added");
        let entry = dir.entry(id).unwrap();
        assert_eq!(
            entry.guid,
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        );
        assert_eq!(entry.usn_created, 12775);
        // Unknown AD attributes are kept (as octet strings), not refused.
        let learned = dir.schema().attribute_id("dSCorePropagationData").unwrap();
        assert!(dir.schema().attribute(learned).learned);
        assert_eq!(dir.values(id, learned).len(), 1);
        let certificate = dir.schema().attribute_id("cACertificate").unwrap();
        assert_eq!(dir.values(id, certificate)[0].len(), 19);
    }

    #[test]
    fn errors_name_the_line_and_what_is_wrong() {
        let mut dir = forest();
        let text = "dn: CN=Broken,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test\n\
objectClass: certificationAuthority\ncACertificate:: AA==\n";
        let error = load_bytes(&mut dir, text.as_bytes(), Path::new("broken.ldif")).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("broken.ldif:1: "), "{message}");
        assert!(message.contains("mandatory attribute"), "{message}");
        let garbage = load_bytes(
            &mut dir,
            b"dn: CN=x\nnot an attribute line\n",
            Path::new("g.ldif"),
        )
        .unwrap_err();
        assert!(garbage.to_string().starts_with("g.ldif:2: "), "{garbage}");
    }

    #[test]
    fn chunked_file_loading_keeps_line_numbers() {
        let mut text = String::new();
        for index in 0..3 {
            text.push_str(&format!(
                "dn: CN=user{index},CN=Users,DC=example,DC=test\nobjectClass: user\nsAMAccountName: user{index}\n\n"
            ));
        }
        text.push_str("dn: CN=bad,CN=Users,DC=example,DC=test\nobjectClass: noSuchClass\n");
        let file = std::env::temp_dir().join(format!("ldif-io-test-{}.ldif", std::process::id()));
        std::fs::write(&file, &text).unwrap();
        let mut dir = forest();
        let error = load_file(&mut dir, &file).unwrap_err().to_string();
        std::fs::remove_file(&file).ok();
        assert!(error.contains(":13: "), "{error}");
        assert!(error.contains("noSuchClass"), "{error}");
    }

    #[test]
    fn export_then_load_is_lossless() {
        let mut dir = forest();
        load_bytes(&mut dir, LDIFDE_EXPORT.as_bytes(), Path::new("pks.ldf")).unwrap();
        let first = export(&dir);
        let mut again = forest();
        load_bytes(&mut again, first.as_bytes(), Path::new("export.ldif")).unwrap();
        assert_eq!(export(&again), first);
    }
}
