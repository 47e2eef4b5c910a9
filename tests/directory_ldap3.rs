//! End-to-end tests driving the directory with the ldap3 crate.
