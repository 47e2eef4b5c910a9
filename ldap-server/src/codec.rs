//! Framing LDAP messages off a byte stream, and decoding them with `rasn-ldap`.
//!
//! Why not a ready-made codec: `ldap3_proto` decodes filter values as UTF-8 and drops the stream on
//! a binary assertion (`(objectGUID=\8a\00...)`), and its errors lose the message. Here a message is
//! cut by its outer BER length (capped, so a hostile length cannot make us buffer gigabytes), its
//! nesting is bounded before the recursive decoder sees it (a deeply nested filter cannot exhaust the
//! stack), and only then is it decoded. Anything malformed ends the connection with a Notice of
//! Disconnection, as slapd does.

use bytes::{Buf, BytesMut};
use rasn_ldap::{ExtendedResponse, LdapMessage, ProtocolOp, ResultCode};

/// RFC 4511 4.4.1's unsolicited notification OID.
pub const NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";

/// Deepest BER nesting accepted: LDAPMessage, SearchRequest and a filter about 60 levels deep.
pub const MAX_NESTING: usize = 64;

/// Why a stream cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("message of {length} bytes exceeds the {limit}-byte limit")]
    TooLarge { length: usize, limit: usize },
    #[error("malformed LDAP message: {0}")]
    Malformed(String),
    /// A SASL security layer buffer that does not verify (changed, replayed, reordered).
    #[error("SASL security layer: {0}")]
    SecurityLayer(String),
}

/// Takes one complete message off the front of `buffer`, or `Ok(None)` if more bytes are needed.
/// A decoded request: an LDAP message, or a Sicily NTLM bind that rasn-ldap cannot represent.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Ldap(LdapMessage),
    Sicily(crate::sicily::SicilyMessage),
}

pub fn next_message(
    buffer: &mut BytesMut,
    max_size: usize,
) -> Result<Option<Incoming>, FrameError> {
    let Some((header, length)) = read_header(buffer)? else {
        return Ok(None);
    };
    let total = header
        .checked_add(length)
        .filter(|&total| total <= max_size)
        .ok_or(FrameError::TooLarge {
            length,
            limit: max_size,
        })?;
    // Not reserved ahead: the buffer grows with the bytes that actually arrive, so a header
    // claiming 16 MiB costs nothing until the client sends them.
    if buffer.len() < total {
        return Ok(None);
    }
    let frame = buffer.split_to(total);
    check_nesting(&frame)?;
    match rasn::ber::decode::<LdapMessage>(&frame) {
        Ok(message) => Ok(Some(Incoming::Ldap(message))),
        // rasn-ldap knows no Sicily bind choices (9-11); only then are they tried.
        Err(error) => match rasn::ber::decode::<crate::sicily::SicilyMessage>(&frame) {
            Ok(sicily) => Ok(Some(Incoming::Sicily(sicily))),
            Err(_) => Err(FrameError::Malformed(first_line(&error.to_string()))),
        },
    }
}

/// The outer SEQUENCE's header size and content length.
fn read_header(buffer: &[u8]) -> Result<Option<(usize, usize)>, FrameError> {
    let Some(&tag) = buffer.first() else {
        return Ok(None);
    };
    if tag != 0x30 {
        return Err(FrameError::Malformed(format!(
            "expected a SEQUENCE (0x30), got tag 0x{tag:02x}"
        )));
    }
    match tlv_length(&buffer[1..])? {
        Some((length_bytes, length)) => Ok(Some((1 + length_bytes, length))),
        None => Ok(None),
    }
}

/// Decodes a definite BER length: `(bytes used, length)`, `None` if incomplete.
fn tlv_length(bytes: &[u8]) -> Result<Option<(usize, usize)>, FrameError> {
    let Some(&first) = bytes.first() else {
        return Ok(None);
    };
    if first < 0x80 {
        return Ok(Some((1, first as usize)));
    }
    let count = (first & 0x7f) as usize;
    if count == 0 {
        return Err(FrameError::Malformed(
            "indefinite lengths are not allowed in LDAP".into(),
        ));
    }
    if count > 4 {
        return Err(FrameError::Malformed(format!(
            "a {count}-byte length field is not a sane LDAP length"
        )));
    }
    if bytes.len() < 1 + count {
        return Ok(None);
    }
    let length = bytes[1..=count]
        .iter()
        .fold(0usize, |acc, &byte| (acc << 8) | byte as usize);
    Ok(Some((1 + count, length)))
}

/// Walks the TLV tree without recursion and refuses nesting beyond [`MAX_NESTING`] or lengths that
/// overrun their container.
fn check_nesting(frame: &[u8]) -> Result<(), FrameError> {
    // Each stack element is the end offset of an open constructed value; requests nest a few
    // levels, so the stack lives on the thread's stack unless a filter goes deep.
    let mut stack: smallvec::SmallVec<[usize; 16]> = smallvec::SmallVec::new();
    let mut position = 0;
    let end = frame.len();
    while position < end {
        while stack.last().is_some_and(|&limit| position >= limit) {
            stack.pop();
        }
        let tag = frame[position];
        if tag & 0x1f == 0x1f {
            return Err(FrameError::Malformed(
                "multi-byte tags are not used by LDAP".into(),
            ));
        }
        let (length_bytes, length) = tlv_length(&frame[position + 1..])?
            .ok_or_else(|| FrameError::Malformed("truncated length".into()))?;
        let content = position + 1 + length_bytes;
        let value_end = content
            .checked_add(length)
            .filter(|&value_end| value_end <= stack.last().copied().unwrap_or(end))
            .ok_or_else(|| {
                FrameError::Malformed("an element's length overruns its container".into())
            })?;
        if tag & 0x20 != 0 {
            stack.push(value_end);
            if stack.len() > MAX_NESTING {
                return Err(FrameError::Malformed(format!(
                    "nesting deeper than {MAX_NESTING} levels"
                )));
            }
            position = content;
        } else {
            position = value_end;
        }
    }
    Ok(())
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).to_string()
}

/// The unsolicited Notice of Disconnection (message ID 0) sent before closing a broken stream.
pub fn notice_of_disconnection(code: ResultCode, reason: &str) -> LdapMessage {
    LdapMessage::new(
        0,
        ProtocolOp::ExtendedResp(ExtendedResponse {
            result_code: code,
            matched_dn: "".into(),
            diagnostic_message: reason.into(),
            referral: None,
            response_name: Some(NOTICE_OF_DISCONNECTION.as_bytes().to_vec().into()),
            response_value: None,
        }),
    )
}

/// BER-encodes messages back to back.
pub fn encode_all(replies: &[crate::wire::Reply], out: &mut Vec<u8>) {
    for reply in replies {
        if let Err(error) = reply.encode_into(out) {
            tracing::error!(%error, "cannot encode a reply; dropped");
        }
    }
}

/// Discards everything buffered (after a fatal error the stream is out of sync).
pub fn discard(buffer: &mut BytesMut) {
    let length = buffer.len();
    buffer.advance(length);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasn_ldap::{AuthenticationChoice, BindRequest};

    fn bind_bytes() -> Vec<u8> {
        let message = LdapMessage::new(
            1,
            ProtocolOp::BindRequest(BindRequest::new(
                3,
                "CN=a".into(),
                AuthenticationChoice::Simple(b"pw".to_vec().into()),
            )),
        );
        rasn::ber::encode(&message).unwrap()
    }

    #[test]
    fn frames_split_across_reads() {
        let bytes = bind_bytes();
        let mut buffer = BytesMut::from(&bytes[..3]);
        assert_eq!(next_message(&mut buffer, 1024).unwrap(), None);
        buffer.extend_from_slice(&bytes[3..]);
        buffer.extend_from_slice(&bytes);
        assert!(next_message(&mut buffer, 1024).unwrap().is_some());
        assert!(next_message(&mut buffer, 1024).unwrap().is_some());
        assert!(buffer.is_empty());
    }

    #[test]
    fn hostile_lengths_and_tags_are_refused() {
        let mut huge = BytesMut::from(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..]);
        assert!(matches!(
            next_message(&mut huge, 1 << 20),
            Err(FrameError::TooLarge { .. })
        ));
        let mut wrong_tag = BytesMut::from(&[0x04, 0x01, 0x00][..]);
        assert!(matches!(
            next_message(&mut wrong_tag, 1024),
            Err(FrameError::Malformed(_))
        ));
        let mut indefinite = BytesMut::from(&[0x30, 0x80, 0x00, 0x00][..]);
        assert!(next_message(&mut indefinite, 1024).is_err());
        let mut junk = BytesMut::from(&[0x30, 0x03, 0x02, 0x01][..]);
        junk.extend_from_slice(&[0xff]);
        assert!(next_message(&mut junk, 1024).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_before_decoding() {
        // 0x30 0x?? ... a chain of 200 NOT filters: each [2] constructed (0xa2) around the next.
        let depth = 200;
        let mut inner = vec![0x87, 0x01, b'x'];
        for _ in 0..depth {
            let mut wrapped = vec![0xa2];
            push_length(&mut wrapped, inner.len());
            wrapped.extend(inner);
            inner = wrapped;
        }
        let mut message = vec![0x02, 0x01, 0x01, 0x63];
        push_length(&mut message, inner.len());
        message.extend(inner);
        let mut framed = vec![0x30];
        push_length(&mut framed, message.len());
        framed.extend(message);
        let mut buffer = BytesMut::from(&framed[..]);
        let error = next_message(&mut buffer, 1 << 20).unwrap_err();
        assert!(error.to_string().contains("nesting"), "{error}");
    }

    fn push_length(out: &mut Vec<u8>, length: usize) {
        if length < 0x80 {
            out.push(length as u8);
        } else {
            let bytes = (length as u32).to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (4 - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
}
