//! Placeholder until the publish tests land (issue #5).
