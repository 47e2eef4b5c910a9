//! Entry points for fuzzing: the cargo-fuzz targets in `fuzz/` (outside the workspace) call
//! these, and so do the corpus replay tests that run on stable Rust in CI. Each takes arbitrary
//! bytes and must return without panicking, whatever they hold. Not a stable API.

use std::sync::{Arc, OnceLock};

use bytes::BytesMut;

use crate::acl::AccessPolicy;
use crate::codec::{self, Incoming};
use crate::directory::Directory;
use crate::forest::{Forest, ForestConfig};
use crate::session::{Flow, Limits, Session, Shared};

/// The Administrator's password in the fuzzed forest (a corpus entry can bind with it).
pub const ADMIN_PASSWORD: &str = "Fuzz-Admin-1";

/// A default forest, built once; every input gets its own copy of the directory, so one input's
/// writes never change what the next one sees.
fn forest() -> Option<&'static (Forest, Directory)> {
    static FOREST: OnceLock<Option<(Forest, Directory)>> = OnceLock::new();
    FOREST
        .get_or_init(|| {
            let mut config = ForestConfig::new("example.test");
            config.admin_password = ADMIN_PASSWORD.into();
            config.allow_anonymous_reads = true;
            let forest = Forest::new(&config).ok()?;
            let directory = forest
                .build(crate::schema::Schema::active_directory(), &config)
                .ok()?;
            Some((forest, directory))
        })
        .as_ref()
}

fn shared() -> Option<Arc<Shared>> {
    let (forest, directory) = forest()?;
    Some(Arc::new(Shared {
        directory: crate::search_cache::DirectoryLock::new(directory.clone()),
        journal: None,
        commit: None,
        connection_slots: Arc::new(tokio::sync::Semaphore::new(1)),
        heavy_work: Arc::new(tokio::sync::Semaphore::new(1)),
        buffered: Default::default(),
        forest: forest.clone(),
        // Anonymous searches reach the filters and DNs without a bind.
        policy: AccessPolicy {
            allow_anonymous_reads: true,
        },
        limits: Limits {
            max_message_size: 64 * 1024,
            ..Limits::default()
        },
        tls: None,
        signing: crate::tls::SigningPolicy::None,
        channel_binding: crate::tls::ChannelBinding::Never,
    }))
}

/// Bytes as a client sends them: cut into messages as the connection cuts them, each answered
/// by one session (binds, Sicily and GSS-SPNEGO NTLM tokens, searches with their filters and
/// DNs, writes, extended operations), the replies encoded. An input that writes gets its own
/// copy of the forest; the others share one (copying the forest is most of an input's cost).
pub fn ldap_stream(data: &[u8]) {
    const LIMIT: usize = 64 * 1024;
    let mut buffer = BytesMut::from(data);
    let mut messages = Vec::new();
    while let Ok(Some(message)) = codec::next_message(&mut buffer, LIMIT) {
        messages.push(message);
    }
    let writes = messages.iter().any(|message| {
        use rasn_ldap::ProtocolOp::*;
        matches!(
            message,
            Incoming::Ldap(message) if matches!(
                message.protocol_op,
                AddRequest(_) | ModifyRequest(_) | DelRequest(_) | ModDnRequest(_)
            )
        )
    });
    let shared = if writes { shared() } else { read_only() };
    let Some(shared) = shared else {
        return;
    };
    let mut session = Session::new(shared, 1);
    let mut replies = Vec::new();
    let mut wire = Vec::new();
    for message in messages {
        replies.clear();
        let flow = match message {
            Incoming::Ldap(message) => session.handle(message, &mut replies),
            Incoming::Sicily(message) => session.handle_sicily(message, &mut replies),
        };
        wire.clear();
        codec::encode_all(&replies, &mut wire);
        if flow != Flow::Continue {
            return;
        }
    }
}

/// One forest for every input that only reads.
fn read_only() -> Option<Arc<Shared>> {
    static SHARED: OnceLock<Option<Arc<Shared>>> = OnceLock::new();
    SHARED.get_or_init(shared).clone()
}

/// A DN as text: parsed, normalized, and walked up to the root.
pub fn dn(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(dn) = crate::dn::Dn::parse(text) {
        let _ = dn.normalized();
        let _ = dn.to_string();
        let mut current = Some(dn);
        // A DN has at most as many ancestors as the text has bytes.
        for _ in 0..=text.len() {
            match current {
                Some(dn) if !dn.is_root() => current = dn.parent(),
                _ => break,
            }
        }
    }
}

/// An LDIF document: every record parsed (`file:` values only from absolute paths, bounded).
pub fn ldif(data: &[u8]) {
    for record in crate::ldif::records_from(data, None, 0, true) {
        if record.is_err() {
            break;
        }
    }
}

/// A search filter as BER: decoded, compiled against the default forest, evaluated on every
/// entry and asked for its index candidates.
pub fn filter(data: &[u8]) {
    let Ok(filter) = rasn::ber::decode::<rasn_ldap::Filter>(data) else {
        return;
    };
    let Some((_, directory)) = forest() else {
        return;
    };
    let compiled = crate::filter::Compiled::compile(&filter, directory);
    let _ = crate::filter::to_text(&filter);
    let _ = compiled.indexed_candidates(directory);
    for id in 0..u32::try_from(directory.len()).unwrap_or(0) {
        if directory.entry(id).is_some() {
            let _ = compiled.evaluate(directory, id);
        }
    }
}

/// Bytes after an NTLM logon negotiated a SASL security layer: buffers unwrapped with fixed
/// keys (almost all fail their signature; the framing and the failure paths are what is tested).
pub fn sasl_layer(data: &[u8]) {
    let flags = ntlm::client::DEFAULT_FLAGS | ntlm::flags::SIGN | ntlm::flags::SEAL;
    let Ok(security) = ntlm::SessionSecurity::new(&[0x5a; 16], flags, ntlm::Side::Server) else {
        return;
    };
    let mut layer = crate::sasl_layer::SaslLayer::new(security, 64 * 1024);
    let mut wrapped = BytesMut::from(data);
    let mut plain = BytesMut::new();
    let _ = layer.unwrap_into(&mut wrapped, &mut plain);
    let mut out = Vec::new();
    let _ = layer.wrap_into(data, &mut out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_points_take_garbage_and_real_input() {
        // A simple bind as the Administrator, then a search: real work through ldap_stream.
        let bind = rasn::ber::encode(&rasn_ldap::LdapMessage::new(
            1,
            rasn_ldap::ProtocolOp::BindRequest(rasn_ldap::BindRequest::new(
                3,
                "Administrator@example.test".into(),
                rasn_ldap::AuthenticationChoice::Simple(ADMIN_PASSWORD.as_bytes().to_vec().into()),
            )),
        ))
        .expect("encodes");
        for input in [&bind[..], b"", b"\x30\x84\xff\xff\xff\xff", &[0x30; 64]] {
            ldap_stream(input);
            dn(input);
            ldif(input);
            filter(input);
            sasl_layer(input);
        }
        dn(b"CN=a,CN=b,DC=example,DC=test");
        ldif(b"dn: cn=a\nphoto:< file:///dev/zero\n");
    }
}
