//! The SASL security layer (RFC 4422 §3.7) an NTLM GSS-SPNEGO bind can negotiate: after the
//! bind's response, every buffer each way is a 4-byte big-endian length, then the 16-byte NTLM
//! signature and the sealed LDAP bytes. Buffers carry a stream: one buffer may hold several
//! messages or part of one. A frame that does not verify (changed, replayed, reordered) ends
//! the connection; so does a length beyond the message limit.

use bytes::{Buf, BytesMut};

use crate::codec::FrameError;

/// Replies go out in buffers of at most this many LDAP bytes (a large search result is cut
/// into several; most replies fit one, which impacket's reader needs).
const MAX_OUTGOING: usize = 1 << 20;

pub struct SaslLayer {
    security: ntlm::SessionSecurity,
    /// The largest buffer accepted: the message limit plus the signature.
    max_frame: usize,
}

impl SaslLayer {
    pub fn new(security: ntlm::SessionSecurity, max_message_size: usize) -> SaslLayer {
        SaslLayer {
            security,
            max_frame: max_message_size.saturating_add(ntlm::security::SIGNATURE_LEN),
        }
    }

    /// Moves every complete buffer from `wrapped` (bytes off the socket) into `plain` (LDAP
    /// bytes), unsealed and verified in order.
    pub fn unwrap_into(
        &mut self,
        wrapped: &mut BytesMut,
        plain: &mut BytesMut,
    ) -> Result<(), FrameError> {
        loop {
            let Some(header) = wrapped.get(..4) else {
                return Ok(());
            };
            let length = usize::try_from(u32::from_be_bytes([
                header[0], header[1], header[2], header[3],
            ]))
            .unwrap_or(usize::MAX);
            if length > self.max_frame {
                return Err(FrameError::TooLarge {
                    length,
                    limit: self.max_frame,
                });
            }
            if wrapped.len() < 4 + length {
                return Ok(());
            }
            wrapped.advance(4);
            let frame = wrapped.split_to(length);
            let message = self
                .security
                .unseal(&frame)
                .map_err(|error| FrameError::SecurityLayer(error.to_string()))?;
            plain.extend_from_slice(&message);
        }
    }

    /// Appends `plain` (encoded replies) to `out` as one or more sealed buffers.
    pub fn wrap_into(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
        for chunk in plain.chunks(MAX_OUTGOING) {
            let sealed = self
                .security
                .seal(chunk)
                .map_err(|error| FrameError::SecurityLayer(error.to_string()))?;
            let length = u32::try_from(sealed.len()).map_err(|_| FrameError::TooLarge {
                length: sealed.len(),
                limit: u32::MAX as usize,
            })?;
            out.extend_from_slice(&length.to_be_bytes());
            out.extend_from_slice(&sealed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (ntlm::SessionSecurity, SaslLayer) {
        let flags = ntlm::flags::EXTENDED_SESSIONSECURITY
            | ntlm::flags::SEAL
            | ntlm::flags::SIGN
            | ntlm::flags::KEY_EXCH
            | ntlm::flags::NEGOTIATE_128;
        let key = [9; 16];
        let client = ntlm::SessionSecurity::new(&key, flags, ntlm::Side::Client).expect("client");
        let server = ntlm::SessionSecurity::new(&key, flags, ntlm::Side::Server).expect("server");
        (client, SaslLayer::new(server, 1000))
    }

    fn frame(client: &mut ntlm::SessionSecurity, message: &[u8]) -> Vec<u8> {
        let sealed = client.seal(message).expect("seals");
        let mut framed = u32::try_from(sealed.len())
            .expect("small")
            .to_be_bytes()
            .to_vec();
        framed.extend_from_slice(&sealed);
        framed
    }

    #[test]
    fn buffers_split_anywhere_come_out_whole_and_in_order() {
        let (mut client, mut layer) = pair();
        let mut stream = frame(&mut client, b"first message");
        stream.extend(frame(&mut client, b"second"));
        let mut wrapped = BytesMut::new();
        let mut plain = BytesMut::new();
        for byte in stream {
            wrapped.extend_from_slice(&[byte]);
            layer
                .unwrap_into(&mut wrapped, &mut plain)
                .expect("unwraps");
        }
        assert_eq!(&plain[..], b"first messagesecond");
        assert!(wrapped.is_empty());
    }

    #[test]
    fn replayed_changed_and_oversized_buffers_are_errors() {
        let (mut client, mut layer) = pair();
        let first = frame(&mut client, b"bind me");
        let mut plain = BytesMut::new();
        layer
            .unwrap_into(&mut BytesMut::from(&first[..]), &mut plain)
            .expect("first");
        let replay = layer.unwrap_into(&mut BytesMut::from(&first[..]), &mut plain);
        assert!(
            matches!(replay, Err(FrameError::SecurityLayer(_))),
            "{replay:?}"
        );

        let (mut client, mut layer) = pair();
        let mut changed = frame(&mut client, b"search");
        let last = changed.len() - 1;
        changed[last] ^= 0x80;
        assert!(layer
            .unwrap_into(&mut BytesMut::from(&changed[..]), &mut plain)
            .is_err());

        let (_, mut layer) = pair();
        let huge = 5000u32.to_be_bytes();
        let result = layer.unwrap_into(&mut BytesMut::from(&huge[..]), &mut plain);
        assert!(
            matches!(result, Err(FrameError::TooLarge { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn replies_are_sealed_for_the_client() {
        let (mut client, mut layer) = pair();
        let mut out = Vec::new();
        layer.wrap_into(b"reply", &mut out).expect("wraps");
        let length = u32::from_be_bytes([out[0], out[1], out[2], out[3]]) as usize;
        assert_eq!(length, out.len() - 4);
        assert_eq!(client.unseal(&out[4..]).expect("unseals"), b"reply");
    }
}
