//! The desk phone's certificate bootstrap (issue #3 builds it; the crate exists so the workspace has its final shape).
