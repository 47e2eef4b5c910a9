//! Durable state for `serve --data DIR`: a snapshot plus an append-only journal, both LDIF.
//!
//! Every acknowledged write appends the objects it changed (full content records, so replay
//! restores GUIDs and USNs exactly) or a delete / moddn record, and is made durable before the
//! client hears back (group commit: one fsync for the writes waiting together, outside the
//! directory's lock, see [`crate::group_commit`]): a write that was acknowledged survives
//! `kill -9`. When the journal grows past a threshold,
//! the whole tree is written to a new snapshot (temp file, fsync, rename, fsync the directory) and
//! the journal starts over. A crash mid-append leaves a torn last record with no terminating
//! blank line; it belonged to a write nobody acknowledged, and loading drops it.
//!
//! Why LDIF: the formats already exist here (reader, writer, loader with AD's rules), a person can
//! read and repair the files, and `ldap-server export` output is a valid snapshot.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::directory::Directory;
use crate::entry::EntryId;
use crate::error::{Error, Result};

const SNAPSHOT: &str = "snapshot.ldif";
const JOURNAL: &str = "journal.ldif";
/// Records after which the journal is folded into a new snapshot.
const COMPACT_AFTER_RECORDS: usize = 10_000;

/// The open journal of a data directory.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    file: File,
    records: usize,
}

/// What a data directory held when the server started.
pub enum Stored {
    /// A new directory: build the forest (and `--ldif` files), then [`Journal::create`].
    Empty,
    /// A snapshot (and maybe a journal) to load with [`Journal::restore`].
    Existing,
}

impl Journal {
    pub fn inspect(dir: &Path) -> Result<Stored> {
        std::fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
        Ok(if dir.join(SNAPSHOT).is_file() {
            Stored::Existing
        } else {
            Stored::Empty
        })
    }

    /// Anchors a new data directory: the starting tree becomes the first snapshot.
    pub fn create(dir: &Path, directory: &Directory) -> Result<Journal> {
        std::fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
        write_snapshot(dir, directory)?;
        Journal::open_journal(dir, 0, true)
    }

    /// Loads the snapshot and replays the journal into `directory` (an empty tree with the schema).
    pub fn restore(dir: &Path, directory: &mut Directory) -> Result<Journal> {
        let snapshot = dir.join(SNAPSHOT);
        crate::ldif_io::load_file(directory, &snapshot)?;
        let journal_path = dir.join(JOURNAL);
        let bytes = match std::fs::read(&journal_path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(io(&journal_path, source)),
        };
        let complete = complete_prefix(&bytes);
        if complete < bytes.len() {
            tracing::warn!(
                bytes = bytes.len() - complete,
                "dropping a torn last journal record (a write that was never acknowledged)"
            );
            let file = OpenOptions::new()
                .write(true)
                .open(&journal_path)
                .map_err(|source| io(&journal_path, source))?;
            file.set_len(complete as u64)
                .map_err(|source| io(&journal_path, source))?;
            file.sync_all()
                .map_err(|source| io(&journal_path, source))?;
        }
        let records = crate::ldif_io::load_bytes(directory, &bytes[..complete], &journal_path)?;
        tracing::info!(records, "replayed the journal");
        Journal::open_journal(dir, records, false)
    }

    fn open_journal(dir: &Path, records: usize, truncate: bool) -> Result<Journal> {
        let path = dir.join(JOURNAL);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| io(&path, source))?;
        if truncate {
            file.set_len(0).map_err(|source| io(&path, source))?;
        }
        file.sync_all().map_err(|source| io(&path, source))?;
        sync_dir(dir)?;
        Ok(Journal {
            dir: dir.to_path_buf(),
            file,
            records,
        })
    }

    /// Appends one write's records, not yet durable (the caller waits for its group commit);
    /// compacts when the journal is long. `Ok(true)` when it compacted: then everything
    /// appended so far is durable in the new snapshot.
    pub fn append(&mut self, text: &str, directory: &Directory) -> std::io::Result<bool> {
        self.file.write_all(text.as_bytes())?;
        self.records += 1;
        if self.records >= COMPACT_AFTER_RECORDS {
            self.compact(directory)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The group commit of this journal's file.
    pub fn group_commit(&self) -> std::io::Result<crate::group_commit::GroupCommit> {
        Ok(crate::group_commit::GroupCommit::new(
            self.file.try_clone()?,
        ))
    }

    /// Folds the journal into a fresh snapshot.
    pub fn compact(&mut self, directory: &Directory) -> std::io::Result<()> {
        write_snapshot(&self.dir, directory)
            .map_err(|error| std::io::Error::other(error.to_string()))?;
        self.file.set_len(0)?;
        self.file.sync_all()?;
        self.records = 0;
        Ok(())
    }
}

/// The journal text for objects an add or modify left behind (their full state).
pub fn entries_record(directory: &Directory, ids: &[EntryId]) -> String {
    let mut out = String::new();
    for &id in ids {
        crate::ldif_io::write_entry(directory, id, &mut out);
    }
    out
}

/// The journal text for a delete.
pub fn delete_record(dn: &str) -> String {
    let mut out = String::new();
    crate::ldif::write_record(&mut out, dn, &[("changetype", b"delete")], &|_| false);
    out
}

/// The journal text for a rename or move, followed by the moved object's new state.
pub fn moddn_record(
    old_dn: &str,
    new_rdn: &str,
    delete_old_rdn: bool,
    new_superior: Option<&str>,
) -> String {
    let mut out = String::new();
    let flag: &[u8] = if delete_old_rdn { b"1" } else { b"0" };
    let mut lines: Vec<(&str, &[u8])> = vec![
        ("changetype", b"moddn"),
        ("newrdn", new_rdn.as_bytes()),
        ("deleteoldrdn", flag),
    ];
    if let Some(superior) = new_superior {
        lines.push(("newsuperior", superior.as_bytes()));
    }
    crate::ldif::write_record(&mut out, old_dn, &lines, &|_| false);
    out
}

/// Length of the part of a journal made of complete records (each ends with a blank line).
fn complete_prefix(bytes: &[u8]) -> usize {
    if bytes.is_empty() {
        return 0;
    }
    bytes
        .windows(2)
        .rposition(|pair| pair == b"\n\n")
        .map(|position| position + 2)
        .unwrap_or(0)
}

fn write_snapshot(dir: &Path, directory: &Directory) -> Result<()> {
    let temporary = dir.join(format!("{SNAPSHOT}.tmp"));
    let text = crate::ldif_io::export(directory);
    let mut file = File::create(&temporary).map_err(|source| io(&temporary, source))?;
    file.write_all(text.as_bytes())
        .map_err(|source| io(&temporary, source))?;
    file.sync_all().map_err(|source| io(&temporary, source))?;
    let snapshot = dir.join(SNAPSHOT);
    std::fs::rename(&temporary, &snapshot).map_err(|source| io(&snapshot, source))?;
    sync_dir(dir)
}

/// Makes a rename or create in `dir` durable (POSIX: fsync the directory).
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(|source| io(dir, source))
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_records_count() {
        assert_eq!(complete_prefix(b""), 0);
        assert_eq!(complete_prefix(b"dn: a\nx: 1\n\n"), 12);
        assert_eq!(complete_prefix(b"dn: a\nx: 1\n\ndn: b\nx: 2\n"), 12);
        assert_eq!(complete_prefix(b"dn: a\nx: 1"), 0);
    }

    fn forest() -> (crate::forest::Forest, Directory) {
        let config = crate::forest::ForestConfig::new("example.test");
        let forest = crate::forest::Forest::new(&config).unwrap();
        let dir = forest
            .build(crate::schema::Schema::active_directory(), &config)
            .unwrap();
        (forest, dir)
    }

    fn add_user(dir: &mut Directory, name: &str) -> EntryId {
        let dn = crate::dn::Dn::parse(&format!("CN={name},CN=Users,DC=example,DC=test")).unwrap();
        let attributes = vec![
            (
                "objectClass".to_string(),
                vec![bytes::Bytes::from_static(b"user")],
            ),
            (
                "sAMAccountName".to_string(),
                vec![bytes::Bytes::from(name.to_string())],
            ),
        ];
        dir.add(&dn, attributes, crate::directory::Strictness::Ldap)
            .unwrap()
    }

    #[test]
    fn replay_and_compaction_reproduce_the_tree() {
        let data = std::env::temp_dir().join(format!("journal-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let (forest, mut dir) = forest();
        let mut journal = Journal::create(&data, &dir).unwrap();
        let first = add_user(&mut dir, "one");
        journal
            .append(&entries_record(&dir, &[first]), &dir)
            .unwrap();
        let second = add_user(&mut dir, "two");
        journal
            .append(&entries_record(&dir, &[second]), &dir)
            .unwrap();
        dir.delete(&crate::dn::Dn::parse("CN=one,CN=Users,DC=example,DC=test").unwrap())
            .unwrap();
        journal
            .append(&delete_record("CN=one,CN=Users,DC=example,DC=test"), &dir)
            .unwrap();
        let expected = crate::ldif_io::export(&dir);

        let mut replayed = forest.empty_directory(crate::schema::Schema::active_directory());
        Journal::restore(&data, &mut replayed).unwrap();
        assert_eq!(crate::ldif_io::export(&replayed), expected);

        journal.compact(&dir).unwrap();
        assert_eq!(std::fs::metadata(data.join(JOURNAL)).unwrap().len(), 0);
        let mut compacted = forest.empty_directory(crate::schema::Schema::active_directory());
        Journal::restore(&data, &mut compacted).unwrap();
        assert_eq!(crate::ldif_io::export(&compacted), expected);
        std::fs::remove_dir_all(&data).ok();
    }

    #[test]
    fn a_torn_last_record_is_dropped_on_restore() {
        let data = std::env::temp_dir().join(format!("journal-torn-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let (forest, mut dir) = forest();
        let mut journal = Journal::create(&data, &dir).unwrap();
        let id = add_user(&mut dir, "kept");
        journal.append(&entries_record(&dir, &[id]), &dir).unwrap();
        drop(journal);
        let mut file = OpenOptions::new()
            .append(true)
            .open(data.join(JOURNAL))
            .unwrap();
        file.write_all(b"dn: CN=torn,CN=Users,DC=example,DC=test\nobjectClass: us")
            .unwrap();
        let mut restored = forest.empty_directory(crate::schema::Schema::active_directory());
        Journal::restore(&data, &mut restored).unwrap();
        assert!(restored
            .find(&crate::dn::Dn::parse("CN=kept,CN=Users,DC=example,DC=test").unwrap())
            .is_some());
        assert!(restored
            .find(&crate::dn::Dn::parse("CN=torn,CN=Users,DC=example,DC=test").unwrap())
            .is_none());
        std::fs::remove_dir_all(&data).ok();
    }

    #[test]
    fn change_records_parse_back() {
        let text = format!(
            "{}{}",
            delete_record("CN=a,DC=x"),
            moddn_record("CN=b,DC=x", "CN=c", true, Some("OU=y,DC=x"))
        );
        let records = crate::ldif::parse(text.as_bytes(), None).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].change, crate::ldif::LdifChange::Delete);
        assert_eq!(
            records[1].change,
            crate::ldif::LdifChange::ModDn {
                new_rdn: "CN=c".into(),
                delete_old_rdn: true,
                new_superior: Some("OU=y,DC=x".into())
            }
        );
    }
}
