//! The three NTLMSSP messages (MS-NLMP 2.2.1): reading NEGOTIATE and AUTHENTICATE from a client,
//! writing CHALLENGE. Every length and offset is checked against the message, so a malformed or
//! hostile token is an error, never a panic or an out-of-bounds read.

use crate::{flags, NtlmError};

/// `NTLMSSP\0`.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";
/// The largest token accepted: real ones are a few hundred bytes.
pub const MAX_TOKEN: usize = 64 * 1024;

/// A NEGOTIATE_MESSAGE: what the client asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiate {
    pub flags: u32,
}

/// An AUTHENTICATE_MESSAGE's fields (strings decoded from UTF-16LE or OEM as the flags say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate {
    pub flags: u32,
    pub lm_response: Vec<u8>,
    pub nt_response: Vec<u8>,
    pub domain: String,
    pub user: String,
    pub workstation: String,
    pub encrypted_session_key: Vec<u8>,
    /// The MIC field's offset in the message, when the message is long enough to hold one (the
    /// client says whether it sent one: MsvAvFlags in the NTLMv2 response).
    pub mic_offset: Option<usize>,
}

/// What the CHALLENGE tells the client about the server (its AV pairs, MS-NLMP 2.2.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `EXAMPLE`.
    pub netbios_domain: String,
    /// `DC1`.
    pub netbios_computer: String,
    /// `example.test`.
    pub dns_domain: String,
    /// `dc1.example.test`.
    pub dns_computer: String,
}

fn u16_at(message: &[u8], at: usize) -> Result<u16, NtlmError> {
    message
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or(NtlmError::Malformed("truncated"))
}

fn u32_at(message: &[u8], at: usize) -> Result<u32, NtlmError> {
    message
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or(NtlmError::Malformed("truncated"))
}

/// The bytes a security buffer (length u16, max length u16, offset u32) at `at` points to.
fn field(message: &[u8], at: usize) -> Result<&[u8], NtlmError> {
    let length = usize::from(u16_at(message, at)?);
    let offset = usize::try_from(u32_at(message, at + 4)?)
        .map_err(|_| NtlmError::Malformed("offset out of range"))?;
    let end = offset
        .checked_add(length)
        .ok_or(NtlmError::Malformed("offset out of range"))?;
    message
        .get(offset..end)
        .ok_or(NtlmError::Malformed("a field points outside the message"))
}

fn check_header(message: &[u8], kind: u32) -> Result<(), NtlmError> {
    if message.len() > MAX_TOKEN {
        return Err(NtlmError::Malformed("token too large"));
    }
    if message.get(..8) != Some(SIGNATURE.as_slice()) {
        return Err(NtlmError::Malformed("no NTLMSSP signature"));
    }
    if u32_at(message, 8)? != kind {
        return Err(NtlmError::UnexpectedMessage {
            expected: kind,
            found: u32_at(message, 8)?,
        });
    }
    Ok(())
}

/// UTF-16LE (with NEGOTIATE_UNICODE) or OEM (read as Latin-1) text.
fn text(bytes: &[u8], unicode: bool) -> Result<String, NtlmError> {
    if unicode {
        if !bytes.len().is_multiple_of(2) {
            return Err(NtlmError::Malformed("odd-length UTF-16 string"));
        }
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        String::from_utf16(&units).map_err(|_| NtlmError::Malformed("invalid UTF-16"))
    } else {
        Ok(bytes.iter().map(|&b| char::from(b)).collect())
    }
}

/// UTF-16LE bytes of `text`.
pub fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

impl Negotiate {
    pub fn parse(message: &[u8]) -> Result<Negotiate, NtlmError> {
        check_header(message, 1)?;
        Ok(Negotiate {
            flags: u32_at(message, 12)?,
        })
    }
}

impl Authenticate {
    pub fn parse(message: &[u8]) -> Result<Authenticate, NtlmError> {
        check_header(message, 3)?;
        let flags = u32_at(message, 60)?;
        let unicode = flags & flags::UNICODE != 0;
        // The payload starts after the fixed part; the lowest field offset tells how long the
        // fixed part is (64 bytes, 72 with a version, 88 with a MIC).
        let lowest = [12, 20, 28, 36, 44, 52]
            .iter()
            .filter_map(|&at| {
                let length = u16_at(message, at).ok()?;
                (length > 0).then(|| u32_at(message, at + 4).ok()).flatten()
            })
            .min()
            .and_then(|offset| usize::try_from(offset).ok())
            .unwrap_or(message.len());
        Ok(Authenticate {
            flags,
            lm_response: field(message, 12)?.to_vec(),
            nt_response: field(message, 20)?.to_vec(),
            domain: text(field(message, 28)?, unicode)?,
            user: text(field(message, 36)?, unicode)?,
            workstation: text(field(message, 44)?, unicode)?,
            encrypted_session_key: field(message, 52)?.to_vec(),
            mic_offset: (lowest >= 88).then_some(72),
        })
    }
}

/// A CHALLENGE_MESSAGE for `server_challenge`, answering `client_flags`, with `target`'s AV
/// pairs and the time `filetime` (100 ns since 1601) as MsvAvTimestamp.
pub fn challenge(server_challenge: [u8; 8], flags: u32, target: &Target, filetime: u64) -> Vec<u8> {
    let target_name = utf16le(&target.netbios_domain);
    let mut info = Vec::new();
    let mut pair = |id: u16, value: &[u8]| {
        info.extend_from_slice(&id.to_le_bytes());
        // AV pair values are short names; a longer one is cut rather than mis-encoded.
        let length = u16::try_from(value.len()).unwrap_or(u16::MAX);
        info.extend_from_slice(&length.to_le_bytes());
        info.extend_from_slice(&value[..usize::from(length)]);
    };
    pair(2, &utf16le(&target.netbios_domain));
    pair(1, &utf16le(&target.netbios_computer));
    pair(4, &utf16le(&target.dns_domain));
    pair(3, &utf16le(&target.dns_computer));
    pair(5, &utf16le(&target.dns_domain));
    pair(7, &filetime.to_le_bytes());
    pair(0, &[]);
    const FIXED: usize = 56;
    let name_offset = FIXED;
    let info_offset = name_offset + target_name.len();
    let mut message = Vec::with_capacity(info_offset + info.len());
    message.extend_from_slice(SIGNATURE);
    message.extend_from_slice(&2u32.to_le_bytes());
    let buffer = |message: &mut Vec<u8>, length: usize, offset: usize| {
        let length = u16::try_from(length).unwrap_or(u16::MAX);
        message.extend_from_slice(&length.to_le_bytes());
        message.extend_from_slice(&length.to_le_bytes());
        message.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_le_bytes());
    };
    buffer(&mut message, target_name.len(), name_offset);
    message.extend_from_slice(&flags.to_le_bytes());
    message.extend_from_slice(&server_challenge);
    message.extend_from_slice(&[0; 8]);
    buffer(&mut message, info.len(), info_offset);
    // Version: Windows Server 2019 (10.0.17763), NTLMSSP revision 15.
    message.extend_from_slice(&[10, 0, 0x63, 0x45, 0, 0, 0, 15]);
    message.extend_from_slice(&target_name);
    message.extend_from_slice(&info);
    message
}

/// The AV pairs inside an NTLMv2 response's client challenge (MS-NLMP 2.2.2.7): `(id, value)`.
pub fn av_pairs(nt_response: &[u8]) -> Vec<(u16, &[u8])> {
    // NTProofStr (16), then RespType, HiRespType, Reserved1 (2), Reserved2 (4), TimeStamp (8),
    // ChallengeFromClient (8), Reserved3 (4): the AV pairs start at 16 + 28.
    av_pair_list(nt_response.get(44..).unwrap_or_default())
}

/// A list of AV pairs (MS-NLMP 2.2.2.1) up to MsvAvEOL or the first one that does not fit.
pub fn av_pair_list(info: &[u8]) -> Vec<(u16, &[u8])> {
    let mut pairs = Vec::new();
    let mut at = 0;
    while let (Some(id), Some(length)) = (info.get(at..at + 2), info.get(at + 2..at + 4)) {
        let id = u16::from_le_bytes([id[0], id[1]]);
        let length = usize::from(u16::from_le_bytes([length[0], length[1]]));
        let Some(value) = info.get(at + 4..at + 4 + length) else {
            break;
        };
        if id == 0 {
            break;
        }
        pairs.push((id, value));
        at += 4 + length;
    }
    pairs
}

/// A CHALLENGE_MESSAGE as a client reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub flags: u32,
    pub server_challenge: [u8; 8],
    pub target_info: Vec<u8>,
}

impl Challenge {
    pub fn parse(message: &[u8]) -> Result<Challenge, NtlmError> {
        check_header(message, 2)?;
        let mut server_challenge = [0u8; 8];
        server_challenge.copy_from_slice(
            message
                .get(24..32)
                .ok_or(NtlmError::Malformed("truncated"))?,
        );
        Ok(Challenge {
            flags: u32_at(message, 20)?,
            server_challenge,
            target_info: field(message, 40)?.to_vec(),
        })
    }
}
