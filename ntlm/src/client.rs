//! The client side of NTLMv2 (MS-NLMP 3.1): what the phone sends to a Web Enrollment page that
//! wants Windows authentication, and what this crate's tests log on with. It always sends a MIC
//! (with MsvAvFlags saying so), a channel binding when given one, and exchanges a random
//! session key when the server grants key exchange.

use rc4::{KeyInit, StreamCipher};

use crate::messages::{self, utf16le, Challenge, SIGNATURE};
use crate::{flags, hmac_md5, nt_hash, response_key_nt, NtlmError};

/// The flags a client asks for without signing or sealing.
pub const DEFAULT_FLAGS: u32 = flags::UNICODE
    | flags::REQUEST_TARGET
    | flags::NTLM
    | flags::ALWAYS_SIGN
    | flags::EXTENDED_SESSIONSECURITY
    | flags::VERSION
    | flags::NEGOTIATE_128
    | flags::KEY_EXCH;

/// One logon: the NEGOTIATE sent, then the AUTHENTICATE for the server's CHALLENGE.
pub struct Client {
    user: String,
    domain: String,
    nt_hash: [u8; 16],
    negotiate: Vec<u8>,
}

/// The AUTHENTICATE to send and the keys the logon established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub message: Vec<u8>,
    /// ExportedSessionKey.
    pub session_key: [u8; 16],
    /// The negotiated flags (the CHALLENGE's, which the AUTHENTICATE repeats).
    pub flags: u32,
}

impl Client {
    /// A logon as `domain\user` asking for `flags` (e.g. [`DEFAULT_FLAGS`] | SIGN | SEAL).
    pub fn new(user: &str, domain: &str, password: &str, flags: u32) -> Client {
        let mut negotiate = SIGNATURE.to_vec();
        negotiate.extend_from_slice(&1u32.to_le_bytes());
        negotiate.extend_from_slice(&flags.to_le_bytes());
        // No domain or workstation supplied (empty security buffers), then the version.
        negotiate.extend_from_slice(&[0; 16]);
        negotiate.extend_from_slice(&[10, 0, 0x63, 0x45, 0, 0, 0, 15]);
        Client {
            user: user.to_string(),
            domain: domain.to_string(),
            nt_hash: nt_hash(password),
            negotiate,
        }
    }

    /// The NEGOTIATE message.
    pub fn negotiate(&self) -> &[u8] {
        &self.negotiate
    }

    /// The AUTHENTICATE answering `challenge`, bound to a TLS channel when `channel_binding`
    /// is given (see [`crate::tls_server_end_point`]).
    pub fn authenticate(
        &self,
        challenge: &[u8],
        channel_binding: Option<[u8; 16]>,
    ) -> Result<Authenticated, NtlmError> {
        let parsed = Challenge::parse(challenge)?;
        let negotiated = parsed.flags;
        let pairs = messages::av_pair_list(&parsed.target_info);
        // With the server's timestamp, the LM response is zeros (MS-NLMP 3.1.5.1.2).
        let timestamp = pairs
            .iter()
            .find(|(id, _)| *id == 7)
            .and_then(|(_, value)| <[u8; 8]>::try_from(*value).ok())
            .map(u64::from_le_bytes)
            .unwrap_or_else(crate::filetime_now);
        let mut info = Vec::new();
        let mut push = |id: u16, value: &[u8]| {
            info.extend_from_slice(&id.to_le_bytes());
            info.extend_from_slice(&u16::try_from(value.len()).unwrap_or(0).to_le_bytes());
            info.extend_from_slice(value);
        };
        for (id, value) in pairs.iter().filter(|(id, _)| *id != 6 && *id != 10) {
            push(*id, value);
        }
        push(6, &2u32.to_le_bytes());
        if let Some(binding) = channel_binding {
            push(10, &binding);
        }
        push(0, &[]);

        let mut temp = vec![1, 1, 0, 0, 0, 0, 0, 0];
        temp.extend_from_slice(&timestamp.to_le_bytes());
        temp.extend_from_slice(&rand::random::<[u8; 8]>());
        temp.extend_from_slice(&[0; 4]);
        temp.extend_from_slice(&info);
        temp.extend_from_slice(&[0; 4]);
        let key = response_key_nt(&self.nt_hash, &self.user, &self.domain)?;
        let proof = hmac_md5(&key, &[&parsed.server_challenge, &temp])?;
        let mut nt_response = proof.to_vec();
        nt_response.extend_from_slice(&temp);
        let session_base_key = hmac_md5(&key, &[&proof])?;
        let (session_key, encrypted_key) = if negotiated & flags::KEY_EXCH != 0 {
            let exported: [u8; 16] = rand::random();
            let mut encrypted = exported;
            rc4::Rc4::<rc4::consts::U16>::new(&session_base_key.into())
                .apply_keystream(&mut encrypted);
            (exported, encrypted.to_vec())
        } else {
            (session_base_key, Vec::new())
        };

        let unicode = negotiated & flags::UNICODE != 0;
        let encode = |text: &str| {
            if unicode {
                utf16le(text)
            } else {
                text.bytes().collect()
            }
        };
        let payload = [
            vec![0u8; 24],
            nt_response,
            encode(&self.domain),
            encode(&self.user),
            Vec::new(),
            encrypted_key,
        ];
        const FIXED: usize = 88;
        let mut message = SIGNATURE.to_vec();
        message.extend_from_slice(&3u32.to_le_bytes());
        let mut offset = FIXED;
        for field in &payload {
            let length = u16::try_from(field.len())
                .map_err(|_| NtlmError::Malformed("a field longer than 64 KiB"))?;
            message.extend_from_slice(&length.to_le_bytes());
            message.extend_from_slice(&length.to_le_bytes());
            message.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_le_bytes());
            offset += field.len();
        }
        message.extend_from_slice(&negotiated.to_le_bytes());
        message.extend_from_slice(&[10, 0, 0x63, 0x45, 0, 0, 0, 15]);
        message.extend_from_slice(&[0; 16]);
        for field in &payload {
            message.extend_from_slice(field);
        }
        let mic = hmac_md5(&session_key, &[&self.negotiate, challenge, &message])?;
        message[72..88].copy_from_slice(&mic);
        Ok(Authenticated {
            message,
            session_key,
            flags: negotiated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::target;
    use crate::{Challenged, SessionSecurity, Side};

    fn logon(
        password: &str,
        flags: u32,
        binding: Option<[u8; 16]>,
    ) -> (Result<crate::Verified, NtlmError>, Authenticated) {
        let client = Client::new("alice", "EXAMPLE", "Secret-1", flags);
        let (challenged, challenge) =
            Challenged::new(client.negotiate(), &target(), crate::filetime_now(), true)
                .expect("challenge");
        let sent = Client::new("alice", "EXAMPLE", password, flags);
        // The same NEGOTIATE, so the MIC covers what the server saw.
        let sent = Client {
            negotiate: client.negotiate.clone(),
            ..sent
        };
        let authenticated = sent
            .authenticate(&challenge, binding)
            .expect("authenticate");
        let parsed = crate::Authenticate::parse(&authenticated.message).expect("parses");
        assert_eq!(crate::channel_bindings(&parsed), binding);
        (
            challenged.verify(&authenticated.message, &parsed, &nt_hash("Secret-1")),
            authenticated,
        )
    }

    #[test]
    fn the_server_verifies_the_clients_logon_mic_and_keys() {
        let (verified, authenticated) = logon("Secret-1", DEFAULT_FLAGS, Some([7; 16]));
        let verified = verified.expect("verified");
        assert_eq!(verified.user, "alice");
        assert_eq!(verified.session_key, authenticated.session_key);
        let (wrong, _) = logon("Wrong-1", DEFAULT_FLAGS, None);
        assert_eq!(wrong, Err(NtlmError::WrongPassword));
    }

    #[test]
    fn a_sealing_logon_gives_both_ends_the_same_layer() {
        let asked = DEFAULT_FLAGS | flags::SIGN | flags::SEAL;
        let (verified, authenticated) = logon("Secret-1", asked, None);
        let verified = verified.expect("verified");
        assert!(SessionSecurity::wanted(verified.flags));
        let mut server =
            SessionSecurity::new(&verified.session_key, verified.flags, Side::Server).expect("s");
        let mut client = SessionSecurity::new(
            &authenticated.session_key,
            authenticated.flags,
            Side::Client,
        )
        .expect("c");
        let sealed = client.seal(b"search request").expect("seals");
        assert_eq!(server.unseal(&sealed).expect("unseals"), b"search request");
    }

    #[test]
    fn garbage_challenges_are_errors() {
        let client = Client::new("alice", "EXAMPLE", "x", DEFAULT_FLAGS);
        for garbage in [
            &b""[..],
            b"NTLMSSP\0\x02\0\0\0",
            b"NTLMSSP\0\x01\0\0\0xxxxxxxxxxxxxxxx",
        ] {
            assert!(client.authenticate(garbage, None).is_err());
        }
    }
}
