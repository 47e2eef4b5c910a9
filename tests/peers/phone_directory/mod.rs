//! The phone (`phone-client` binary) end to end with peers we did not write: OpenLDAP slapd as the
//! directory, dnsmasq on loopback serving the DC-locator SRV record. The registrar and web
//! enrollment are [`e2e::phone_rig`]'s (`openssl s_server`, python's http.server), as in
//! `cli::phone_directory`.

use std::process::Stdio;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use e2e::phone_rig::*;
use e2e::*;
use tokio::process::{Child, Command};

mod dns;
pub(crate) mod slapd;
