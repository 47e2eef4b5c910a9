//! The entry point for fuzzing NTLM and SPNEGO tokens (the cargo-fuzz target in `fuzz/` and the
//! corpus replay test call it): arbitrary bytes through every parser, the server's logon, the
//! client's answer and the session layer. Must never panic. Not a stable API.

use crate::{client, flags, messages, spnego, Authenticate, Challenged, Negotiate, Target};

/// EXAMPLE / DC1 / example.test: the target of the fuzzed logons (and of the crate's tests).
pub(crate) fn target() -> Target {
    Target {
        netbios_domain: "EXAMPLE".into(),
        netbios_computer: "DC1".into(),
        dns_domain: "example.test".into(),
        dns_computer: "dc1.example.test".into(),
    }
}

/// One token, read as each of the messages it could be.
pub fn token(data: &[u8]) {
    let _ = Negotiate::parse(data);
    let _ = messages::Challenge::parse(data);
    let _ = spnego::unwrap(data);
    let _ = spnego::server_mech_list_mic(data);
    let user = client::Client::new("alice", "EXAMPLE", "Secret-1", client::DEFAULT_FLAGS);
    let _ = user.authenticate(data, Some([1; 16]));
    let _ = Challenged::new(data, &target(), 0, true);
    if let Ok(auth) = Authenticate::parse(data) {
        let _ = crate::channel_bindings(&auth);
        if let Ok((challenged, _)) = Challenged::new(user.negotiate(), &target(), 0, true) {
            let _ = challenged.verify(data, &auth, &crate::nt_hash("Secret-1"));
        }
    }
    let layer_flags = client::DEFAULT_FLAGS | flags::SIGN | flags::SEAL;
    if let Ok(mut layer) = crate::SessionSecurity::new(&[7; 16], layer_flags, crate::Side::Server) {
        let _ = layer.unseal(data);
        let _ = layer.verify(data, data);
    }
}
