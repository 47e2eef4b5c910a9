//! The phone (`phone-client` binary) end to end against our directory (`ldap-server` in-process on
//! port 0), a registrar played by `openssl s_server` with a leaf issued by the test's CA, and AD CS
//! web enrollment played by a plain static HTTP server (python's http.server) serving
//! `openssl crl2pkcs7` output: the directory path, the web enrollment path, failures and quirks.
//! The rig is [`e2e::phone_rig`], shared with `peers::phone_directory` (slapd, dnsmasq).

use e2e::phone_rig::*;
use e2e::*;

mod directory;
mod quirks;
