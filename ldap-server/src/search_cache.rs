//! The directory's lock, and the search results remembered until the next write.
//!
//! Thousands of phones boot with the same search (the CA certificates under Configuration), and
//! the directory rarely changes between them. Finding, rendering and BER-encoding the same
//! entries for each phone was most of a search's cost, so a result is kept, encoded, keyed by
//! the whole request and by what decides visibility ([`Readers`]), and replayed until anything
//! is written.
//!
//! Correctness rests on the lock: results are remembered only while the reader still holds the
//! read lock it computed them under, and every write lock taken forgets everything before the
//! writer can change anything. A remembered result is therefore always the one a search would
//! compute now. The directory is reachable only through [`DirectoryLock`], so no write can
//! bypass this.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use rasn_ldap::{ResultCode, SearchRequest};

use crate::acl::Readers;
use crate::directory::Directory;

/// What a remembered result is looked up by: everything the outcome depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchKey {
    /// Base, scope, filter, attributes, limits: the request as the client sent it.
    pub request: SearchRequest,
    pub readers: Readers,
    /// A Global Catalog connection searches every naming context from "".
    pub global_catalog: bool,
}

/// A successful search's answer, as it goes on the wire (less the message ID).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchAnswer {
    /// Each entry's encoded SearchResultEntry protocolOp ([APPLICATION 4]).
    pub entries: Vec<Bytes>,
    /// Continuation references, sent after the entries.
    pub references: Vec<String>,
    /// Success, or sizeLimitExceeded when the entries were cut at the limit.
    pub code: ResultCode,
}

impl SearchAnswer {
    fn size(&self) -> usize {
        self.entries.iter().map(Bytes::len).sum::<usize>()
            + self.references.iter().map(String::len).sum::<usize>()
    }
}

/// Results with more entries than this are not remembered (a phone's search finds a few).
pub const MAX_REMEMBERED_ENTRIES: usize = 64;
/// Encoded bytes kept in all: past this everything is forgotten and remembering starts over.
const MAX_REMEMBERED_BYTES: usize = 8 * 1024 * 1024;
/// Distinct searches kept, likewise.
const MAX_REMEMBERED_SEARCHES: usize = 1024;

#[derive(Debug, Default)]
struct Remembered {
    answers: HashMap<SearchKey, Arc<SearchAnswer>>,
    bytes: usize,
}

/// The directory behind its reader-writer lock, with the remembered search results.
#[derive(Debug)]
pub struct DirectoryLock {
    directory: RwLock<Directory>,
    remembered: Mutex<Remembered>,
}

impl DirectoryLock {
    pub fn new(directory: Directory) -> DirectoryLock {
        DirectoryLock {
            directory: RwLock::new(directory),
            remembered: Mutex::new(Remembered::default()),
        }
    }

    /// A poisoned lock means a handler panicked mid-operation; the data is still consistent
    /// because every update validates before it mutates, so keep serving.
    pub fn read(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The write lock; every remembered result is forgotten before the caller can change
    /// anything.
    pub fn write(&self) -> RwLockWriteGuard<'_, Directory> {
        let guard = self
            .directory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *self.remembered() = Remembered::default();
        guard
    }

    /// The answer remembered for `key`, if no write came since it was computed.
    pub fn remembered_answer(&self, key: &SearchKey) -> Option<Arc<SearchAnswer>> {
        self.remembered().answers.get(key).cloned()
    }

    /// Remembers `answer`, computed under `_reading` (which proves no write can come between the
    /// computing and the remembering).
    pub fn remember(
        &self,
        _reading: &RwLockReadGuard<'_, Directory>,
        key: SearchKey,
        answer: SearchAnswer,
    ) {
        if answer.entries.len() > MAX_REMEMBERED_ENTRIES {
            return;
        }
        let size = answer.size();
        let mut remembered = self.remembered();
        if remembered.bytes + size > MAX_REMEMBERED_BYTES
            || remembered.answers.len() >= MAX_REMEMBERED_SEARCHES
        {
            *remembered = Remembered::default();
        }
        remembered.bytes += size;
        if let Some(previous) = remembered.answers.insert(key, Arc::new(answer)) {
            remembered.bytes -= previous.size();
        }
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, Remembered> {
        // Only whole insertions and clears happen under this lock: nothing half-done to see.
        self.remembered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasn_ldap::{Filter, SearchRequestDerefAliases, SearchRequestScope};

    fn key(base: &str, readers: Readers) -> SearchKey {
        SearchKey {
            request: SearchRequest::new(
                base.into(),
                SearchRequestScope::WholeSubtree,
                SearchRequestDerefAliases::NeverDerefAliases,
                0,
                0,
                false,
                Filter::Present("objectClass".into()),
                Vec::new(),
            ),
            readers,
            global_catalog: false,
        }
    }

    fn answer(entries: usize) -> SearchAnswer {
        SearchAnswer {
            entries: vec![Bytes::from_static(b"\x64\x00"); entries],
            references: Vec::new(),
            code: ResultCode::Success,
        }
    }

    fn lock() -> DirectoryLock {
        DirectoryLock::new(Directory::new(
            crate::schema::Schema::active_directory(),
            "example.test",
        ))
    }

    #[test]
    fn an_answer_is_kept_per_reader_class_until_a_write_lock() {
        let lock = lock();
        let authenticated = key("DC=example,DC=test", Readers::Authenticated);
        lock.remember(&lock.read(), authenticated.clone(), answer(2));
        assert_eq!(
            lock.remembered_answer(&authenticated)
                .unwrap()
                .entries
                .len(),
            2
        );
        assert!(lock
            .remembered_answer(&key("DC=example,DC=test", Readers::Anonymous))
            .is_none());
        assert!(lock
            .remembered_answer(&key("CN=Users,DC=example,DC=test", Readers::Authenticated))
            .is_none());
        drop(lock.write());
        assert!(lock.remembered_answer(&authenticated).is_none());
    }

    #[test]
    fn large_answers_are_not_kept_and_the_total_is_bounded() {
        let lock = lock();
        let big = key("DC=example,DC=test", Readers::Authenticated);
        lock.remember(
            &lock.read(),
            big.clone(),
            answer(MAX_REMEMBERED_ENTRIES + 1),
        );
        assert!(lock.remembered_answer(&big).is_none());
        for index in 0..MAX_REMEMBERED_SEARCHES + 10 {
            let key = key(
                &format!("CN={index},DC=example,DC=test"),
                Readers::Anonymous,
            );
            lock.remember(&lock.read(), key, answer(1));
        }
        assert!(lock.remembered().answers.len() <= MAX_REMEMBERED_SEARCHES);
    }
}
