//! How the phone authenticates its LDAP connection: the profile's `ldap_bind`, phone-client's
//! and adpki's `--bind`.

use serde::{Deserialize, Serialize};

/// The bind the phone (or an adpki command) makes after connecting.
///
/// UNCERTAIN: no source says how CPE/LPE firmware bound for its AD search. `simple` (the sign-in
/// name and password in a simple bind) is the assumed default: it is what the deployment
/// guide's "with the user's credentials" needs at the least, it works with a UPN, and it is
/// what OpenLDAP and every other directory accept. A Windows CE client could as well have used
/// Negotiate (`ntlm` here): the catalogue runs both against a DC that requires signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LdapBind {
    /// A simple bind (RFC 4513 §5.1.3) with the sign-in name (UPN, `DOMAIN\user` or DN).
    #[default]
    Simple,
    /// SASL GSS-SPNEGO with NTLMv2 (the `ldap3` crate's NTLM): the sign-in name as
    /// `DOMAIN\user` or `user@domain`; over TLS with the tls-server-end-point channel binding.
    /// It neither signs nor seals, so a DC that requires signing refuses it over plain LDAP
    /// (use StartTLS or LDAPS).
    Ntlm,
}

impl LdapBind {
    /// `simple` or `ntlm`, as the profile and `--bind` spell it.
    pub fn name(self) -> &'static str {
        match self {
            LdapBind::Simple => "simple",
            LdapBind::Ntlm => "ntlm",
        }
    }
}
