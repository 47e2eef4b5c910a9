//! Placeholder until the write tests land (issue #5).
