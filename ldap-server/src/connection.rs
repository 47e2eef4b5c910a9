//! One TCP connection: read bytes, cut messages, let the [`Session`] answer, write replies.
//! Malformed input, oversized messages, idle clients and shutdown all end here, politely.

use bytes::BytesMut;
use rasn_ldap::ResultCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::codec::{self, FrameError};
use crate::session::{Flow, Session};

pub async fn serve(
    mut stream: TcpStream,
    mut session: Session,
    mut shutdown: watch::Receiver<bool>,
) {
    let limits = session.shared.limits.clone();
    let mut buffer = BytesMut::with_capacity(4096);
    let mut replies = Vec::new();
    let mut wire = Vec::with_capacity(4096);
    loop {
        // Answer every complete message already buffered (clients may pipeline).
        loop {
            match codec::next_message(&mut buffer, limits.max_message_size) {
                Ok(Some(message)) => {
                    replies.clear();
                    let flow = session.handle(message, &mut replies);
                    wire.clear();
                    codec::encode_all(&replies, &mut wire);
                    // A client that stops reading must not hold the task forever.
                    let write = tokio::time::timeout(limits.idle_timeout, stream.write_all(&wire));
                    if !wire.is_empty() && !matches!(write.await, Ok(Ok(()))) {
                        tracing::info!(
                            conn = session.connection,
                            "client stopped reading; closing the connection"
                        );
                        return;
                    }
                    if flow == Flow::Close {
                        return;
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(conn = session.connection, %error, "closing the connection");
                    let code = match error {
                        FrameError::TooLarge { .. } => ResultCode::UnwillingToPerform,
                        FrameError::Malformed(_) => ResultCode::ProtocolError,
                    };
                    say_goodbye(&mut stream, code, &error.to_string()).await;
                    codec::discard(&mut buffer);
                    return;
                }
            }
        }
        let read = tokio::select! {
            read = tokio::time::timeout(limits.idle_timeout, stream.read_buf(&mut buffer)) => read,
            _ = shutdown.changed() => {
                say_goodbye(&mut stream, ResultCode::Unavailable, "the server is shutting down").await;
                return;
            }
        };
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) => {}
            Err(_) => {
                tracing::info!(
                    conn = session.connection,
                    "idle timeout; closing the connection"
                );
                say_goodbye(
                    &mut stream,
                    ResultCode::Unavailable,
                    "idle connection closed (MaxConnIdleTime)",
                )
                .await;
                return;
            }
        }
    }
}

/// Sends a Notice of Disconnection and closes, without waiting long on a peer that stopped reading.
async fn say_goodbye(stream: &mut TcpStream, code: ResultCode, reason: &str) {
    let mut wire = Vec::new();
    codec::encode_all(
        &[crate::wire::Reply::Message(codec::notice_of_disconnection(
            code, reason,
        ))],
        &mut wire,
    );
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        let _ = stream.write_all(&wire).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
