//! Group commit for the journal (`serve --data`): a write appends its records under the
//! directory's write lock (so the journal's order is the order writes took effect) and gets a
//! ticket; the fsync happens after the lock is released, off the async workers, and one fsync
//! makes every record appended before it durable. The first writer to wait starts an fsync; the
//! writers that arrive meanwhile wait for it, or for the next one, which then covers them all.
//! A write is acknowledged only once its ticket is durable.
//!
//! An fsync failure is final: the kernel may have dropped the dirty pages, so no later write is
//! acknowledged either (each gets the failure).

use std::fs::File;
use std::sync::{Condvar, Mutex, MutexGuard};

/// The journal file's durability, shared by every connection.
#[derive(Debug)]
pub struct GroupCommit {
    /// A handle on the journal (the same open file), for fsync.
    file: File,
    state: Mutex<State>,
    synced: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Tickets handed out: writes whose records are in the journal.
    appended: u64,
    /// Every ticket up to this one is on disk.
    durable: u64,
    /// An fsync is running.
    syncing: bool,
    failure: Option<String>,
}

impl GroupCommit {
    pub fn new(file: File) -> GroupCommit {
        GroupCommit {
            file,
            state: Mutex::new(State::default()),
            synced: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A write's records were appended: its ticket. Call in journal order (under the journal's
    /// lock).
    pub fn appended(&self) -> u64 {
        let mut state = self.lock();
        state.appended += 1;
        state.appended
    }

    /// Everything appended so far is durable another way (a compaction's fsynced snapshot).
    pub fn all_durable(&self) {
        let mut state = self.lock();
        state.durable = state.appended;
        self.synced.notify_all();
    }

    /// Blocks until `ticket` is durable, running the fsync when none is running.
    pub fn wait(&self, ticket: u64) -> Result<(), String> {
        let mut state = self.lock();
        loop {
            if let Some(failure) = &state.failure {
                return Err(failure.clone());
            }
            if state.durable >= ticket {
                return Ok(());
            }
            if state.syncing {
                state = self
                    .synced
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            }
            state.syncing = true;
            let target = state.appended;
            drop(state);
            let result = self.file.sync_data();
            state = self.lock();
            state.syncing = false;
            match result {
                Ok(()) => state.durable = state.durable.max(target),
                Err(error) => state.failure = Some(format!("fsync of the journal failed: {error}")),
            }
            self.synced.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::Arc;

    #[test]
    fn concurrent_writers_share_fsyncs_and_each_waits_for_its_own() {
        let dir = tempfile::tempdir().expect("dir");
        let mut file = File::create(dir.path().join("journal")).expect("create");
        let commit = Arc::new(GroupCommit::new(file.try_clone().expect("clone")));
        let tickets: Vec<u64> = (0..32)
            .map(|round| {
                writeln!(file, "record {round}").expect("append");
                commit.appended()
            })
            .collect();
        let waiters: Vec<_> = tickets
            .into_iter()
            .map(|ticket| {
                let commit = commit.clone();
                std::thread::spawn(move || commit.wait(ticket))
            })
            .collect();
        for waiter in waiters {
            assert_eq!(waiter.join().expect("joins"), Ok(()));
        }
        assert_eq!(commit.lock().durable, 32);
        // A ticket already durable returns at once; a compaction makes all durable.
        assert_eq!(commit.wait(1), Ok(()));
        let next = commit.appended();
        commit.all_durable();
        assert_eq!(commit.wait(next), Ok(()));
    }

    #[test]
    fn a_failed_fsync_fails_every_later_wait() {
        let dir = tempfile::tempdir().expect("dir");
        // fsync of a directory opened read-only works; of /dev/null too, so force the failure.
        let commit = GroupCommit::new(File::open(dir.path()).expect("open"));
        commit.lock().failure = Some("fsync of the journal failed: EIO".into());
        let ticket = commit.appended();
        assert!(commit.wait(ticket).is_err());
        assert!(commit.wait(ticket + 1).is_err());
    }
}
