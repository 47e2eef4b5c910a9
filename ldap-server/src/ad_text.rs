//! AD's diagnostic texts live in the shared `ad-common` crate, so the clients that read them and
//! this server that writes them use one table.

pub(crate) use ad_common::diagnostics::*;
