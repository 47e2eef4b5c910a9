//! NTLM session security (MS-NLMP 3.4) with extended session security: the signing and sealing
//! keys of each direction, one RC4 stream per direction kept across messages (connection-oriented
//! NTLM), and sequence numbers that must arrive in order. LDAP's SASL security layer puts the
//! 16-byte signature before the sealed message; a SPNEGO mechListMIC is a signature alone.
//!
//! Only the extended-session-security form exists here: this crate's CHALLENGE always grants
//! it, and the older CRC32 signatures would add nothing but weakness.

use md5::{Digest, Md5};
use rc4::{KeyInit, Rc4, StreamCipher};
use subtle::ConstantTimeEq;

use crate::{flags, hmac_md5, NtlmError};

/// The length of an NTLM signature (version, checksum, sequence number).
pub const SIGNATURE_LEN: usize = 16;

const CLIENT_SIGN: &[u8] = b"session key to client-to-server signing key magic constant\0";
const SERVER_SIGN: &[u8] = b"session key to server-to-client signing key magic constant\0";
const CLIENT_SEAL: &[u8] = b"session key to client-to-server sealing key magic constant\0";
const SERVER_SEAL: &[u8] = b"session key to server-to-client sealing key magic constant\0";

/// Which end of the exchange this is: it decides which keys send and which receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// One direction: its keys, its RC4 stream and its next sequence number.
struct Direction {
    sign_key: [u8; 16],
    seal_key: [u8; 16],
    cipher: Rc4<rc4::consts::U16>,
    sequence: u32,
}

impl Direction {
    fn new(session_key: &[u8; 16], flags: u32, sign: &[u8], seal: &[u8]) -> Direction {
        let sign_key: [u8; 16] = Md5::new()
            .chain_update(session_key)
            .chain_update(sign)
            .finalize()
            .into();
        // SEALKEY (3.4.5.3): the session key weakened to 56 or 40 bits unless 128 was negotiated.
        let strength = if flags & flags::NEGOTIATE_128 != 0 {
            16
        } else if flags & flags::NEGOTIATE_56 != 0 {
            7
        } else {
            5
        };
        let seal_key: [u8; 16] = Md5::new()
            .chain_update(&session_key[..strength])
            .chain_update(seal)
            .finalize()
            .into();
        Direction {
            sign_key,
            seal_key,
            cipher: Rc4::new(&seal_key.into()),
            sequence: 0,
        }
    }

    /// MAC (3.4.4.2): HMAC-MD5 over the sequence number and the message, its first 8 bytes
    /// RC4-encrypted when keys were exchanged, then the sequence number; consumes it.
    fn signature(&mut self, message: &[u8], key_exchange: bool) -> Result<[u8; 16], NtlmError> {
        let sequence = self.sequence.to_le_bytes();
        let digest = hmac_md5(&self.sign_key, &[&sequence, message])?;
        let mut checksum = [0u8; 8];
        checksum.copy_from_slice(&digest[..8]);
        if key_exchange {
            self.cipher.apply_keystream(&mut checksum);
        }
        let mut signature = [0u8; SIGNATURE_LEN];
        signature[..4].copy_from_slice(&1u32.to_le_bytes());
        signature[4..12].copy_from_slice(&checksum);
        signature[12..].copy_from_slice(&sequence);
        self.sequence = self.sequence.wrapping_add(1);
        Ok(signature)
    }
}

/// The signing and sealing state of one authenticated NTLM context.
pub struct SessionSecurity {
    flags: u32,
    outgoing: Direction,
    incoming: Direction,
}

impl std::fmt::Debug for SessionSecurity {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SessionSecurity")
            .field("flags", &format_args!("{:#010x}", self.flags))
            .field("sent", &self.outgoing.sequence)
            .field("received", &self.incoming.sequence)
            .finish_non_exhaustive()
    }
}

impl SessionSecurity {
    /// The state for `session_key` (ExportedSessionKey) and the negotiated `flags`, seen from
    /// `side`. Refused without extended session security.
    pub fn new(session_key: &[u8; 16], flags: u32, side: Side) -> Result<Self, NtlmError> {
        if flags & flags::EXTENDED_SESSIONSECURITY == 0 {
            return Err(NtlmError::Malformed(
                "signing and sealing need extended session security",
            ));
        }
        let client = Direction::new(session_key, flags, CLIENT_SIGN, CLIENT_SEAL);
        let server = Direction::new(session_key, flags, SERVER_SIGN, SERVER_SEAL);
        let (outgoing, incoming) = match side {
            Side::Client => (client, server),
            Side::Server => (server, client),
        };
        Ok(SessionSecurity {
            flags,
            outgoing,
            incoming,
        })
    }

    /// Whether `flags` ask for a security layer (SIGN or SEAL; ALWAYS_SIGN alone does not).
    pub fn wanted(flags: u32) -> bool {
        flags & (flags::SIGN | flags::SEAL) != 0
    }

    fn key_exchange(&self) -> bool {
        self.flags & flags::KEY_EXCH != 0
    }

    /// GSS_GetMIC: the signature of `message` (a SPNEGO mechListMIC).
    pub fn sign(&mut self, message: &[u8]) -> Result<[u8; 16], NtlmError> {
        let key_exchange = self.key_exchange();
        self.outgoing.signature(message, key_exchange)
    }

    /// GSS_VerifyMIC: `signature` must be the peer's next signature of `message`.
    pub fn verify(&mut self, message: &[u8], signature: &[u8]) -> Result<(), NtlmError> {
        let key_exchange = self.key_exchange();
        let expected = self.incoming.signature(message, key_exchange)?;
        if bool::from(expected.as_slice().ct_eq(signature)) {
            Ok(())
        } else {
            Err(NtlmError::BadSignature)
        }
    }

    /// GSS_Wrap with confidentiality, as LDAP's SASL layer carries it: the signature, then the
    /// message RC4-sealed (the message is sealed first, then its checksum, from one stream).
    pub fn seal(&mut self, message: &[u8]) -> Result<Vec<u8>, NtlmError> {
        let sequence = self.outgoing.sequence.to_le_bytes();
        let digest = hmac_md5(&self.outgoing.sign_key, &[&sequence, message])?;
        let mut wrapped = vec![0u8; SIGNATURE_LEN];
        wrapped.extend_from_slice(message);
        self.outgoing
            .cipher
            .apply_keystream(&mut wrapped[SIGNATURE_LEN..]);
        let mut checksum = [0u8; 8];
        checksum.copy_from_slice(&digest[..8]);
        if self.key_exchange() {
            self.outgoing.cipher.apply_keystream(&mut checksum);
        }
        wrapped[..4].copy_from_slice(&1u32.to_le_bytes());
        wrapped[4..12].copy_from_slice(&checksum);
        wrapped[12..16].copy_from_slice(&sequence);
        self.outgoing.sequence = self.outgoing.sequence.wrapping_add(1);
        Ok(wrapped)
    }

    /// GSS_Unwrap of [`seal`](Self::seal)'s output from the peer: unsealed, then the signature
    /// checked, sequence number included. Any mismatch (a changed, replayed, reordered or
    /// truncated frame) is [`NtlmError::BadSignature`]; after it the stream is out of step and
    /// the connection must end.
    pub fn unseal(&mut self, wrapped: &[u8]) -> Result<Vec<u8>, NtlmError> {
        if wrapped.len() < SIGNATURE_LEN {
            return Err(NtlmError::Malformed(
                "sealed message shorter than its signature",
            ));
        }
        let (signature, sealed) = wrapped.split_at(SIGNATURE_LEN);
        let mut message = sealed.to_vec();
        self.incoming.cipher.apply_keystream(&mut message);
        let sequence = self.incoming.sequence.to_le_bytes();
        let digest = hmac_md5(&self.incoming.sign_key, &[&sequence, &message])?;
        let mut checksum = [0u8; 8];
        checksum.copy_from_slice(&digest[..8]);
        if self.key_exchange() {
            self.incoming.cipher.apply_keystream(&mut checksum);
        }
        let mut expected = [0u8; SIGNATURE_LEN];
        expected[..4].copy_from_slice(&1u32.to_le_bytes());
        expected[4..12].copy_from_slice(&checksum);
        expected[12..].copy_from_slice(&sequence);
        self.incoming.sequence = self.incoming.sequence.wrapping_add(1);
        if bool::from(expected.as_slice().ct_eq(signature)) {
            Ok(message)
        } else {
            Err(NtlmError::BadSignature)
        }
    }

    /// Restarts both RC4 streams from their keys, keeping the sequence numbers: what Windows
    /// does after the SPNEGO mechListMIC exchange (MS-SPNG 3.3.5.1; Samba's
    /// `ntlmssp_sign_reset(…, false)`, impacket's `reset_cipher`), so the first sealed LDAP
    /// message meets a fresh stream and sequence number 1.
    pub fn restart_ciphers(&mut self) {
        self.outgoing.cipher = Rc4::new(&self.outgoing.seal_key.into());
        self.incoming.cipher = Rc4::new(&self.incoming.seal_key.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// MS-NLMP 4.2.4's flags (KEY_EXCH, 56, 128, VERSION, TARGET_INFO, ESS, ALWAYS_SIGN, NTLM,
    /// SEAL, SIGN, OEM, UNICODE …) and RandomSessionKey 55…55.
    const SPEC_FLAGS: u32 = 0xe28a_8233;
    const SPEC_KEY: [u8; 16] = [0x55; 16];

    #[test]
    fn the_spec_example_seals_and_signs_as_the_spec_says() {
        let mut client = SessionSecurity::new(&SPEC_KEY, SPEC_FLAGS, Side::Client).expect("client");
        assert_eq!(
            client.outgoing.seal_key.to_vec(),
            hex("59f600973cc4960a25480a7c196e4c58")
        );
        assert_eq!(
            client.outgoing.sign_key.to_vec(),
            hex("4788dc861b4782f35d43fd98fe1a2d39")
        );
        let plaintext = crate::utf16le("Plaintext");
        let wrapped = client.seal(&plaintext).expect("seals");
        assert_eq!(
            wrapped[SIGNATURE_LEN..].to_vec(),
            hex("54e50165bf1936dc996020c1811b0f06fb5f")
        );
        assert_eq!(
            wrapped[..SIGNATURE_LEN].to_vec(),
            hex("010000007fb38ec5c55d497600000000")
        );
        let mut server = SessionSecurity::new(&SPEC_KEY, SPEC_FLAGS, Side::Server).expect("server");
        assert_eq!(server.unseal(&wrapped).expect("unseals"), plaintext);
    }

    fn pair() -> (SessionSecurity, SessionSecurity) {
        let key = [0x3c; 16];
        (
            SessionSecurity::new(&key, SPEC_FLAGS, Side::Client).expect("client"),
            SessionSecurity::new(&key, SPEC_FLAGS, Side::Server).expect("server"),
        )
    }

    #[test]
    fn messages_flow_both_ways_in_order() {
        let (mut client, mut server) = pair();
        for round in 0..5u8 {
            let request = vec![round; 40 + usize::from(round)];
            let wrapped = client.seal(&request).expect("seals");
            assert_ne!(&wrapped[SIGNATURE_LEN..], &request[..], "sealed, not plain");
            assert_eq!(server.unseal(&wrapped).expect("unseals"), request);
            let reply = vec![0xf0 ^ round; 7];
            let wrapped = server.seal(&reply).expect("seals");
            assert_eq!(client.unseal(&wrapped).expect("unseals"), reply);
        }
    }

    #[test]
    fn a_changed_replayed_or_truncated_frame_is_refused() {
        let (mut client, mut server) = pair();
        let first = client.seal(b"first").expect("seals");
        let mut changed = first.clone();
        changed[SIGNATURE_LEN] ^= 1;
        assert_eq!(server.unseal(&changed), Err(NtlmError::BadSignature));

        let (mut client, mut server) = pair();
        let first = client.seal(b"first").expect("seals");
        server.unseal(&first).expect("first");
        assert_eq!(
            server.unseal(&first),
            Err(NtlmError::BadSignature),
            "replay"
        );

        let (mut client, mut server) = pair();
        let _skipped = client.seal(b"one").expect("seals");
        let second = client.seal(b"two").expect("seals");
        assert!(server.unseal(&second).is_err(), "out of order");
        assert!(server.unseal(&second[..10]).is_err(), "truncated");
    }

    #[test]
    fn mech_list_mics_verify_and_the_ciphers_restart_but_not_the_sequence() {
        let (mut client, mut server) = pair();
        let mech_types = b"0\x0c\x06\n+\x06\x01\x04\x01\x827\x02\x02\n";
        let mic = client.sign(mech_types).expect("signs");
        server.verify(mech_types, &mic).expect("verifies");
        let answer = server.sign(mech_types).expect("signs");
        client.verify(mech_types, &answer).expect("verifies");
        assert!(
            server.verify(mech_types, &mic).is_err(),
            "a MIC is good once"
        );
        let (mut client, mut server) = pair();
        let mic = client.sign(mech_types).expect("signs");
        server.verify(mech_types, &mic).expect("verifies");
        client.restart_ciphers();
        server.restart_ciphers();
        let wrapped = client.seal(b"search").expect("seals");
        assert_eq!(&wrapped[12..16], &1u32.to_le_bytes(), "sequence 1");
        assert_eq!(server.unseal(&wrapped).expect("unseals"), b"search");
    }

    #[test]
    fn no_extended_session_security_no_layer() {
        assert!(SessionSecurity::new(&[0; 16], flags::SIGN | flags::SEAL, Side::Server).is_err());
        assert!(SessionSecurity::wanted(flags::SEAL));
        assert!(!SessionSecurity::wanted(flags::ALWAYS_SIGN));
    }
}
