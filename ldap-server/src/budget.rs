//! The bytes of requests that all connections hold together (received, not yet answered), so a
//! crowd of clients each sending most of a large message cannot exhaust memory: a connection
//! whose share grows while the total is over the limit is disconnected (Notice of
//! Disconnection, busy) — the others, holding little, go on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Bytes held by every connection, shared.
#[derive(Debug, Default, Clone)]
pub struct Budget(Arc<AtomicUsize>);

/// One connection's share; returns it when dropped.
#[derive(Debug)]
pub struct Share {
    budget: Budget,
    held: usize,
}

/// A connection above this may be cut when the total is over the limit; below it, never.
pub const SMALL: usize = 1024 * 1024;

impl Budget {
    pub fn share(&self) -> Share {
        Share {
            budget: self.clone(),
            held: 0,
        }
    }

    pub fn total(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

impl Share {
    /// The connection now holds `bytes`; whether it must go (the total is over `limit` and this
    /// connection holds more than [`SMALL`]).
    pub fn hold(&mut self, bytes: usize, limit: usize) -> bool {
        if bytes >= self.held {
            self.budget
                .0
                .fetch_add(bytes - self.held, Ordering::Relaxed);
        } else {
            self.budget
                .0
                .fetch_sub(self.held - bytes, Ordering::Relaxed);
        }
        self.held = bytes;
        bytes > SMALL && self.budget.total() > limit
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.budget.0.fetch_sub(self.held, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_holders_go_when_the_total_is_over_and_shares_come_back() {
        let budget = Budget::default();
        let mut small = budget.share();
        let mut large = budget.share();
        assert!(!small.hold(1000, 4 * SMALL));
        assert!(!large.hold(3 * SMALL, 4 * SMALL), "under the limit");
        assert!(large.hold(5 * SMALL, 4 * SMALL), "over, and large");
        assert!(!small.hold(2000, 4 * SMALL), "over, but small");
        drop(large);
        assert_eq!(budget.total(), 2000);
        assert!(!small.hold(0, 4 * SMALL));
        drop(small);
        assert_eq!(budget.total(), 0);
    }
}
