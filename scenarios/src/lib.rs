//! PKI fixtures, worlds and the scenario catalogue (issue #4 builds it; the crate exists so the workspace has its final shape).
