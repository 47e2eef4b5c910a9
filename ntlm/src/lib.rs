//! NTLM (MS-NLMP) as a domain controller does it: read a NEGOTIATE, answer a CHALLENGE with the
//! DC's AV pairs, and verify the AUTHENTICATE's NTLMv2 response against the account's NT hash —
//! recomputing NTProofStr ourselves (a library server that trusts a client sending no MIC would
//! accept any password, domain.md §I), then the MIC when the client sent one. Then the session
//! security a logon may negotiate ([`security`]: signing and sealing), SPNEGO around it
//! ([`spnego`]), and a client ([`client`]) for the phone's Windows-authenticated web requests.
//! Pure: no I/O, no directory; the caller finds the account and its NT hash.
//!
//! ```text
//! let (challenged, challenge) = Challenged::new(&negotiate, &target, filetime_now())?;
//! // send `challenge`, receive `authenticate`
//! let auth = Authenticate::parse(&authenticate)?;
//! let nt_hash = /* the account named by auth.domain \ auth.user */;
//! let verified = challenged.verify(&authenticate, &auth, &nt_hash)?;
//! ```

pub mod client;
#[doc(hidden)]
pub mod fuzzing;
pub mod messages;
pub mod security;
pub mod spnego;

use hmac::{Hmac, Mac};
use md4::{Digest, Md4};
use md5::Md5;
use subtle::ConstantTimeEq;

pub use messages::{utf16le, Authenticate, Negotiate, Target};
pub use security::{SessionSecurity, Side};

/// NEGOTIATE flags (MS-NLMP 2.2.2.5) this server looks at or answers.
pub mod flags {
    pub const UNICODE: u32 = 0x0000_0001;
    pub const OEM: u32 = 0x0000_0002;
    pub const REQUEST_TARGET: u32 = 0x0000_0004;
    pub const SIGN: u32 = 0x0000_0010;
    pub const SEAL: u32 = 0x0000_0020;
    pub const NTLM: u32 = 0x0000_0200;
    pub const ALWAYS_SIGN: u32 = 0x0000_8000;
    pub const TARGET_TYPE_DOMAIN: u32 = 0x0001_0000;
    pub const EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
    pub const TARGET_INFO: u32 = 0x0080_0000;
    pub const VERSION: u32 = 0x0200_0000;
    pub const NEGOTIATE_128: u32 = 0x2000_0000;
    pub const KEY_EXCH: u32 = 0x4000_0000;
    pub const NEGOTIATE_56: u32 = 0x8000_0000;
}

/// Why an NTLM exchange failed. Malformed tokens are the client's fault (a protocol error);
/// the others are a logon failure (AD's 52e).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NtlmError {
    #[error("malformed NTLM message: {0}")]
    Malformed(&'static str),
    #[error("expected NTLM message type {expected}, got {found}")]
    UnexpectedMessage { expected: u32, found: u32 },
    #[error("only NTLMv2 responses are accepted (LmCompatibilityLevel 5)")]
    NotNtlmV2,
    #[error("anonymous NTLM logon")]
    Anonymous,
    #[error("the NTLMv2 response does not match the account's password")]
    WrongPassword,
    #[error("the AUTHENTICATE message's MIC does not verify")]
    BadMic,
    /// A signed or sealed message (or a mechListMIC) whose signature does not verify: changed,
    /// replayed, reordered, or keyed with another password.
    #[error("the message's NTLM signature does not verify")]
    BadSignature,
}

/// 100-nanosecond intervals since 1601-01-01, now (NTLM's timestamps).
pub fn filetime_now() -> u64 {
    let since_1970 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() / 100)
        .unwrap_or(0);
    u64::try_from(since_1970).unwrap_or(0) + 116_444_736_000_000_000
}

/// The NT hash of a password: MD4 of its UTF-16LE form (MS-NLMP 3.3.1, NTOWFv1).
pub fn nt_hash(password: &str) -> [u8; 16] {
    Md4::digest(utf16le(password)).into()
}

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 16], NtlmError> {
    let mut mac =
        <Hmac<Md5> as Mac>::new_from_slice(key).map_err(|_| NtlmError::Malformed("HMAC key"))?;
    for part in parts {
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().into())
}

/// NTOWFv2 (MS-NLMP 3.3.2): the key of the NTLMv2 response, from the NT hash, the user name
/// (upper-cased) and the domain name (as the client sent it).
pub fn response_key_nt(
    nt_hash: &[u8; 16],
    user: &str,
    domain: &str,
) -> Result<[u8; 16], NtlmError> {
    let identity = utf16le(&format!("{}{domain}", user.to_uppercase()));
    hmac_md5(nt_hash, &[&identity])
}

/// The channel binding a client computes for a TLS connection to a server with this
/// certificate (RFC 5929 tls-server-end-point, SHA-256, in a gss_channel_bindings_struct with no
/// addresses), MD5-hashed as NTLM carries it in MsvAvChannelBindings (MS-NLMP 2.2.2.1).
pub fn tls_server_end_point(certificate_der: &[u8]) -> [u8; 16] {
    use sha2::Sha256;
    let mut application = b"tls-server-end-point:".to_vec();
    application.extend_from_slice(&Sha256::digest(certificate_der));
    let mut bindings = vec![0u8; 16];
    bindings.extend_from_slice(
        &u32::try_from(application.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    bindings.extend_from_slice(&application);
    md5::Md5::digest(&bindings).into()
}

/// The MsvAvChannelBindings the client put in its NTLMv2 response (covered by NTProofStr);
/// `None` when absent or all zeros (a client that binds to no channel).
pub fn channel_bindings(auth: &Authenticate) -> Option<[u8; 16]> {
    messages::av_pairs(&auth.nt_response)
        .into_iter()
        .find(|(id, _)| *id == 10)
        .and_then(|(_, value)| <[u8; 16]>::try_from(value).ok())
        .filter(|value| value.iter().any(|&byte| byte != 0))
}

/// A server that has answered a NEGOTIATE with a CHALLENGE and waits for the AUTHENTICATE.
#[derive(Debug, Clone)]
pub struct Challenged {
    negotiate: Vec<u8>,
    challenge: Vec<u8>,
    server_challenge: [u8; 8],
    flags: u32,
}

/// A verified logon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub user: String,
    pub domain: String,
    /// The negotiated flags (what the client asked and this server granted).
    pub flags: u32,
    /// ExportedSessionKey: what signing and sealing keys derive from.
    pub session_key: [u8; 16],
}

impl Challenged {
    /// Reads `negotiate` and builds the CHALLENGE for it: UNICODE when asked (else OEM),
    /// NTLM with extended session security, the target info, 128/56-bit and key exchange as
    /// asked. Signing and sealing are granted only if `allow_sign_seal` (the caller provides
    /// the security layer).
    pub fn new(
        negotiate: &[u8],
        target: &Target,
        filetime: u64,
        allow_sign_seal: bool,
    ) -> Result<(Challenged, Vec<u8>), NtlmError> {
        let asked = Negotiate::parse(negotiate)?.flags;
        let mut granted = flags::NTLM
            | flags::REQUEST_TARGET
            | flags::TARGET_TYPE_DOMAIN
            | flags::TARGET_INFO
            | flags::VERSION
            | flags::EXTENDED_SESSIONSECURITY;
        granted |= if asked & flags::UNICODE != 0 {
            flags::UNICODE
        } else {
            flags::OEM
        };
        let mut optional =
            flags::NEGOTIATE_128 | flags::NEGOTIATE_56 | flags::KEY_EXCH | flags::ALWAYS_SIGN;
        if allow_sign_seal {
            optional |= flags::SIGN | flags::SEAL;
        }
        granted |= asked & optional;
        let server_challenge: [u8; 8] = rand::random();
        let challenge = messages::challenge(server_challenge, granted, target, filetime);
        Ok((
            Challenged {
                negotiate: negotiate.to_vec(),
                challenge: challenge.clone(),
                server_challenge,
                flags: granted,
            },
            challenge,
        ))
    }

    /// The CHALLENGE message sent.
    pub fn challenge_message(&self) -> &[u8] {
        &self.challenge
    }

    /// Verifies `authenticate` (already parsed as `auth`) against the account's NT hash:
    /// NTProofStr recomputed, then the MIC if the client says it sent one.
    pub fn verify(
        &self,
        authenticate: &[u8],
        auth: &Authenticate,
        nt_hash: &[u8; 16],
    ) -> Result<Verified, NtlmError> {
        if auth.user.is_empty() && auth.nt_response.is_empty() {
            return Err(NtlmError::Anonymous);
        }
        if auth.nt_response.len() <= 24 {
            return Err(NtlmError::NotNtlmV2);
        }
        let (proof, client_challenge) = auth.nt_response.split_at(16);
        let key = response_key_nt(nt_hash, &auth.user, &auth.domain)?;
        let expected = hmac_md5(&key, &[&self.server_challenge, client_challenge])?;
        if !bool::from(expected.as_slice().ct_eq(proof)) {
            return Err(NtlmError::WrongPassword);
        }
        let session_base_key = hmac_md5(&key, &[proof])?;
        let flags = auth.flags & self.flags;
        let session_key = if flags & flags::KEY_EXCH != 0 && auth.encrypted_session_key.len() == 16
        {
            use rc4::{KeyInit, StreamCipher};
            let mut cipher = rc4::Rc4::<rc4::consts::U16>::new_from_slice(&session_base_key)
                .map_err(|_| NtlmError::Malformed("RC4 key"))?;
            let mut key = [0u8; 16];
            key.copy_from_slice(&auth.encrypted_session_key);
            cipher.apply_keystream(&mut key);
            key
        } else {
            session_base_key
        };
        let mic_sent = messages::av_pairs(&auth.nt_response)
            .iter()
            .any(|(id, value)| *id == 6 && value.first().is_some_and(|flags| flags & 0x2 != 0));
        if mic_sent {
            let at = auth
                .mic_offset
                .ok_or(NtlmError::Malformed("MIC announced but no room for it"))?;
            let mic = authenticate
                .get(at..at + 16)
                .ok_or(NtlmError::Malformed("MIC announced but no room for it"))?;
            let mut zeroed = authenticate.to_vec();
            zeroed[at..at + 16].fill(0);
            let expected = hmac_md5(&session_key, &[&self.negotiate, &self.challenge, &zeroed])?;
            if !bool::from(expected.as_slice().ct_eq(mic)) {
                return Err(NtlmError::BadMic);
            }
        }
        Ok(Verified {
            user: auth.user.clone(),
            domain: auth.domain.clone(),
            flags,
            session_key,
        })
    }
}

#[cfg(test)]
mod tests;
