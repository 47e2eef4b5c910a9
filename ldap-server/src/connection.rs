//! One TCP connection: read bytes, cut messages, let the [`Session`] answer, write replies.
//! Malformed input, oversized messages, idle clients and shutdown all end here, politely.
//!
//! One code path serves plain LDAP and TLS: [`exchange`] is generic over the stream. LDAPS
//! handshakes first; StartTLS answers success in the clear, then handshakes on the same socket
//! and goes on with the same session over TLS (RFC 4511 §4.14, RFC 4513 §3).

use std::sync::Arc;

use bytes::BytesMut;
use rasn_ldap::ResultCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::codec::{self, FrameError};
use crate::sasl_layer::SaslLayer;
use crate::session::{Flow, Session};
use crate::tls::DcTls;

/// How a connection starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// LDAP (389, 3268): plain, StartTLS possible.
    Plain,
    /// LDAPS (636, 3269): TLS from the first byte.
    Tls,
}

/// Serves one accepted connection until it ends.
pub async fn serve(
    mut stream: TcpStream,
    mut session: Session,
    shutdown: watch::Receiver<bool>,
    transport: Transport,
    tls: Option<Arc<DcTls>>,
) {
    if transport == Transport::Tls {
        // A DC without a certificate drops the LDAPS handshake (domain.md §I).
        let Some(tls) = tls else {
            tracing::info!(
                conn = session.connection,
                "LDAPS without a certificate: dropping"
            );
            return;
        };
        // Boxed, here and below: the TLS session's state would otherwise make every
        // connection's future (plain ones too) kilobytes larger.
        Box::pin(over_tls(&tls, stream, session, shutdown)).await;
        return;
    }
    match exchange(&mut stream, &mut session, shutdown.clone()).await {
        Ended::StartTls => {
            // The session only answers success when the DC has a certificate.
            if let Some(tls) = tls {
                Box::pin(over_tls(&tls, stream, session, shutdown)).await;
            }
        }
        Ended::Unbound => crate::closing::abort_if_peer_closed(&stream),
        Ended::Closed => {}
    }
}

/// The handshake, then the same session over TLS.
async fn over_tls(
    tls: &DcTls,
    stream: TcpStream,
    mut session: Session,
    shutdown: watch::Receiver<bool>,
) {
    if let Some(mut secure) = handshake(tls, stream, &session).await {
        session.tls_active = true;
        if let Ended::Unbound = exchange(&mut secure, &mut session, shutdown).await {
            crate::closing::abort_if_peer_closed(secure.get_ref().0);
        }
    }
}

/// The TLS handshake, bounded by the handshake timeout; `None` (logged) when it fails.
async fn handshake(
    tls: &DcTls,
    stream: TcpStream,
    session: &Session,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(tls.handshake_timeout, tls.acceptor.accept(stream)).await {
        Ok(Ok(secure)) => {
            tracing::debug!(conn = session.connection, "TLS established");
            Some(secure)
        }
        Ok(Err(error)) => {
            tracing::info!(conn = session.connection, %error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::info!(
                conn = session.connection,
                timeout = ?tls.handshake_timeout,
                "TLS handshake timed out"
            );
            None
        }
    }
}

/// Why [`exchange`] returned.
enum Ended {
    Closed,
    /// The client unbound.
    Unbound,
    /// StartTLS was answered with success: the next bytes are a TLS handshake.
    StartTls,
}

/// Messages in, replies out, over any stream; through the SASL security layer once a bind
/// negotiated one.
async fn exchange<S>(
    stream: &mut S,
    session: &mut Session,
    mut shutdown: watch::Receiver<bool>,
) -> Ended
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let limits = session.shared.limits.clone();
    // LDAP bytes; with a security layer, `wrapped` takes the socket's bytes first.
    // Requests are small (a phone's bind and search are under 200 bytes); 1 KiB is served from
    // the allocator's per-thread cache, and a larger message grows it.
    let mut buffer = BytesMut::with_capacity(1024);
    let mut wrapped = BytesMut::new();
    let mut layer: Option<SaslLayer> = None;
    let mut replies = Vec::new();
    // Encoded replies, kept for the connection's life rather than allocated for every reply;
    // room for a bind response and a search answer of a few certificates from the start.
    let mut encoded = Vec::with_capacity(INITIAL_ENCODE_BUFFER);
    let mut share = session.shared.buffered.share();
    // MaxConnIdleTime: how long one wait for the client's next bytes may last. Capped where
    // tokio's own timeouts stop counting, so adding it to an instant cannot overflow.
    let idle = limits.idle_timeout.min(LONGEST_IDLE);
    let idle_timer = tokio::time::sleep(idle);
    tokio::pin!(idle_timer);
    // One wait for shutdown for the whole exchange, not one registration per read.
    let shutting_down = shutdown.changed();
    tokio::pin!(shutting_down);
    loop {
        // Answer every complete message already buffered (clients may pipeline).
        loop {
            let next = match layer.as_mut() {
                Some(layer) => layer
                    .unwrap_into(&mut wrapped, &mut buffer)
                    .and_then(|()| codec::next_message(&mut buffer, limits.max_message_size)),
                None => codec::next_message(&mut buffer, limits.max_message_size),
            };
            match next {
                Ok(Some(message)) => {
                    replies.clear();
                    // StartTLS must be the last thing the client sent (RFC 4511 §4.14.1).
                    session.input_pending = !buffer.is_empty() || !wrapped.is_empty();
                    let flow = match message {
                        // A search that may take long leaves this worker to the other
                        // connections while it runs.
                        codec::Incoming::Ldap(message) if crate::heavy::may_take_long(&message) => {
                            crate::heavy::handle_in_turn(session, message, &mut replies).await
                        }
                        codec::Incoming::Ldap(message) => session.handle(message, &mut replies),
                        codec::Incoming::Sicily(message) => {
                            session.handle_sicily(message, &mut replies)
                        }
                    };
                    // A write is acknowledged once the journal holds it durably.
                    let ticket = session
                        .durable_ticket
                        .swap(0, std::sync::atomic::Ordering::Relaxed);
                    if let Err(failure) = durable(ticket, session.shared.commit.clone()).await {
                        tracing::error!(conn = session.connection, %failure, "closing the connection");
                        say_goodbye(stream, layer.as_mut(), ResultCode::Unavailable, &failure)
                            .await;
                        return Ended::Closed;
                    }
                    let sent = send(
                        stream,
                        layer.as_mut(),
                        &replies,
                        &mut encoded,
                        limits.idle_timeout,
                    )
                    .await;
                    if !sent {
                        tracing::info!(
                            conn = session.connection,
                            "client stopped reading; closing the connection"
                        );
                        return Ended::Closed;
                    }
                    // The bind's response went out in the clear; what follows is wrapped,
                    // including anything the client already sent after it.
                    if let Some(security) = session.new_security_layer.take() {
                        tracing::debug!(conn = session.connection, "SASL security layer on");
                        layer = Some(SaslLayer::new(security, limits.max_message_size));
                        wrapped.extend_from_slice(&buffer.split());
                    }
                    match flow {
                        Flow::Continue => {}
                        Flow::Unbind => return Ended::Unbound,
                        Flow::Close => return Ended::Closed,
                        Flow::StartTls => return Ended::StartTls,
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(conn = session.connection, %error, "closing the connection");
                    let code = match error {
                        FrameError::TooLarge { .. } => ResultCode::UnwillingToPerform,
                        FrameError::Malformed(_) | FrameError::SecurityLayer(_) => {
                            ResultCode::ProtocolError
                        }
                    };
                    say_goodbye(stream, layer.as_mut(), code, &error.to_string()).await;
                    codec::discard(&mut buffer);
                    return Ended::Closed;
                }
            }
        }
        // Over the global budget, the connections holding much are the ones that go.
        if share.hold(buffer.len() + wrapped.len(), limits.max_buffered_total) {
            tracing::warn!(
                conn = session.connection,
                held = buffer.len() + wrapped.len(),
                "buffered requests of all connections over the limit; closing this one"
            );
            say_goodbye(
                stream,
                layer.as_mut(),
                ResultCode::Busy,
                "the server holds too many unanswered request bytes",
            )
            .await;
            return Ended::Closed;
        }
        let target = if layer.is_some() {
            &mut wrapped
        } else {
            &mut buffer
        };
        // The idle timer is only re-armed when it fires early (it was set for an earlier wait):
        // arming a timer for every read cost more than the read's own bookkeeping.
        let waiting_since = tokio::time::Instant::now();
        let read = loop {
            tokio::select! {
                read = stream.read_buf(&mut *target) => break Some(read),
                () = &mut idle_timer => {
                    let deadline = waiting_since + idle;
                    if tokio::time::Instant::now() >= deadline {
                        break None;
                    }
                    idle_timer.as_mut().reset(deadline);
                }
                _ = &mut shutting_down => {
                    say_goodbye(stream, layer.as_mut(), ResultCode::Unavailable, "the server is shutting down").await;
                    return Ended::Closed;
                }
            }
        };
        match read {
            Some(Ok(0)) | Some(Err(_)) => return Ended::Closed,
            Some(Ok(_)) => {}
            None => {
                tracing::info!(
                    conn = session.connection,
                    "idle timeout; closing the connection"
                );
                say_goodbye(
                    stream,
                    layer.as_mut(),
                    ResultCode::Unavailable,
                    "idle connection closed (MaxConnIdleTime)",
                )
                .await;
                return Ended::Closed;
            }
        }
    }
}

/// The longest idle timeout honoured (about 30 years, where tokio's timers top out).
const LONGEST_IDLE: std::time::Duration = std::time::Duration::from_secs(30 * 365 * 86_400);

/// Replies are encoded and written (sealed with a security layer) in pieces of about this
/// many bytes, so a large result set is never held encoded whole.
const WRITE_CHUNK: usize = 1 << 20;

/// Encodes (in `encoded`, the connection's buffer) and writes `replies`; false when the client
/// stopped reading (within `patience`).
async fn send<S>(
    stream: &mut S,
    mut layer: Option<&mut SaslLayer>,
    replies: &[crate::wire::Reply],
    encoded: &mut Vec<u8>,
    patience: std::time::Duration,
) -> bool
where
    S: AsyncWrite + Unpin,
{
    encoded.clear();
    let mut wire = Vec::new();
    for (index, reply) in replies.iter().enumerate() {
        codec::encode_all(std::slice::from_ref(reply), encoded);
        if encoded.len() < WRITE_CHUNK && index + 1 < replies.len() {
            continue;
        }
        let out = match layer.as_deref_mut() {
            Some(layer) => {
                wire.clear();
                if layer.wrap_into(encoded, &mut wire).is_err() {
                    return false;
                }
                &wire
            }
            None => &*encoded,
        };
        if !write_out(stream, out, patience).await {
            return false;
        }
        encoded.clear();
    }
    // A large result set's buffer is not kept by a connection that may idle for long.
    if encoded.capacity() > KEPT_ENCODE_BUFFER {
        *encoded = Vec::new();
    }
    true
}

/// Writes `out` and flushes; false when the stream failed or the client stopped reading for
/// `patience`. Replies nearly always fit the socket's send buffer, so a first attempt goes
/// without the timer (reading the clock and arming it cost more than the write's bookkeeping);
/// only a write that has to wait is bounded.
async fn write_out<S>(stream: &mut S, out: &[u8], patience: std::time::Duration) -> bool
where
    S: AsyncWrite + Unpin,
{
    use futures::FutureExt;
    let mut rest = out;
    while !rest.is_empty() {
        match stream.write(rest).now_or_never() {
            Some(Ok(0)) | Some(Err(_)) => return false,
            Some(Ok(written)) => rest = &rest[written..],
            None => break,
        }
    }
    if rest.is_empty() {
        if let Some(flushed) = stream.flush().now_or_never() {
            return flushed.is_ok();
        }
    }
    // A client that stops reading must not hold the task forever.
    let written = tokio::time::timeout(patience, async {
        stream.write_all(rest).await?;
        stream.flush().await
    })
    .await;
    matches!(written, Ok(Ok(())))
}

/// The encode buffer a connection starts with.
const INITIAL_ENCODE_BUFFER: usize = 2048;

/// The largest encode buffer a connection keeps between requests.
const KEPT_ENCODE_BUFFER: usize = 64 * 1024;

/// Waits (off the async workers) until the write just handled is durable, if it was journaled.
async fn durable(
    ticket: u64,
    commit: Option<Arc<crate::group_commit::GroupCommit>>,
) -> Result<(), String> {
    let Some(commit) = commit.filter(|_| ticket > 0) else {
        return Ok(());
    };
    tokio::task::spawn_blocking(move || commit.wait(ticket))
        .await
        .map_err(|error| format!("the journal's fsync did not finish: {error}"))?
        .map_err(|failure| format!("the write could not be made durable: {failure}"))
}

/// Sends a Notice of Disconnection (sealed when a security layer is on) and closes, without
/// waiting long on a peer that stopped reading.
async fn say_goodbye<S>(
    stream: &mut S,
    layer: Option<&mut SaslLayer>,
    code: ResultCode,
    reason: &str,
) where
    S: AsyncWrite + Unpin,
{
    let mut notice = Vec::new();
    codec::encode_all(
        &[crate::wire::Reply::Message(codec::notice_of_disconnection(
            code, reason,
        ))],
        &mut notice,
    );
    let wire = match layer {
        Some(layer) => {
            let mut sealed = Vec::new();
            if layer.wrap_into(&notice, &mut sealed).is_err() {
                return;
            }
            sealed
        }
        None => notice,
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        let _ = stream.write_all(&wire).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasn_ldap::{LdapMessage, ProtocolOp};

    /// Requests keep a connection open for longer than the idle timeout in all; silence longer
    /// than it gets the Notice of Disconnection and the close, not before its time.
    #[tokio::test]
    async fn only_a_wait_longer_than_the_idle_timeout_closes_the_connection() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let idle = std::time::Duration::from_millis(300);
        let server = crate::Server::builder("example.test")
            .listen("127.0.0.1:0".parse().unwrap())
            .idle_timeout(idle)
            .start()
            .await
            .unwrap();
        let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
        for id in 1..=4 {
            tokio::time::sleep(idle / 2).await;
            let bind = LdapMessage::new(
                id,
                ProtocolOp::BindRequest(rasn_ldap::BindRequest::new(
                    3,
                    "".into(),
                    rasn_ldap::AuthenticationChoice::Simple(Vec::new().into()),
                )),
            );
            stream
                .write_all(&rasn::ber::encode(&bind).unwrap())
                .await
                .unwrap();
            let mut response = [0u8; 256];
            assert!(stream.read(&mut response).await.unwrap() > 0, "bind {id}");
        }
        let silent_from = std::time::Instant::now();
        let mut notice = Vec::new();
        stream.read_to_end(&mut notice).await.unwrap();
        assert!(silent_from.elapsed() >= idle, "{:?}", silent_from.elapsed());
        let notice: LdapMessage = rasn::ber::decode(&notice).unwrap();
        let ProtocolOp::ExtendedResp(response) = notice.protocol_op else {
            panic!("{notice:?}");
        };
        assert_eq!(response.result_code, ResultCode::Unavailable);
        assert_eq!(
            response.response_name.as_deref(),
            Some(codec::NOTICE_OF_DISCONNECTION.as_bytes())
        );
    }
}
