//! What one client may hold of Web Enrollment: a connection slot among [`MAX_CONNECTIONS`]
//! (beyond them a new connection is closed at once, as IIS's maxConnections does), and time:
//! a request's head must arrive within [`HEAD_TIMEOUT`] of its first byte (or of the connection's
//! start), and a kept-alive connection may idle [`IDLE_TIMEOUT`] between requests (IIS's
//! headerWaitTimeout and connectionTimeout). A client sending its headers a byte at a time
//! (slowloris) is cut at the deadline, whatever it sends meanwhile.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep, Instant, Sleep};

/// Connections served at once.
pub(crate) const MAX_CONNECTIONS: usize = 1000;
/// From a request's first byte (or the connection's start) to the end of its head.
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(20);
/// Between a response and the next request on a kept-alive connection.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// A listener whose connections each hold a slot, and come out [`Guarded`].
pub(crate) struct Capped<L> {
    inner: L,
    slots: Arc<Semaphore>,
}

impl<L> Capped<L> {
    pub(crate) fn new(inner: L, slots: usize) -> Capped<L> {
        Capped {
            inner,
            slots: Arc::new(Semaphore::new(slots)),
        }
    }
}

impl<L> axum::serve::Listener for Capped<L>
where
    L: axum::serve::Listener,
    L::Io: Unpin,
{
    type Io = Guarded<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (io, addr) = self.inner.accept().await;
            match self.slots.clone().try_acquire_owned() {
                Ok(slot) => return (Guarded::new(io, slot), addr),
                Err(_) => {
                    tracing::warn!(
                        limit = MAX_CONNECTIONS,
                        "certsrv: connection limit reached; closing a new connection"
                    );
                    drop(io);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Where the connection is in its exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request's head: the deadline runs until `\r\n\r\n`.
    Head,
    /// Reading a body, or the server answering: no deadline of ours.
    Body,
    /// A response went out; waiting for the next request.
    Idle,
}

/// A connection's stream with its slot and its deadlines.
pub(crate) struct Guarded<T> {
    io: T,
    _slot: OwnedSemaphorePermit,
    phase: Phase,
    deadline: Pin<Box<Sleep>>,
    /// The last bytes read, to find `\r\n\r\n` across reads.
    tail: [u8; 3],
}

impl<T> Guarded<T> {
    fn new(io: T, slot: OwnedSemaphorePermit) -> Guarded<T> {
        Guarded {
            io,
            _slot: slot,
            phase: Phase::Head,
            deadline: Box::pin(sleep(HEAD_TIMEOUT)),
            tail: [0; 3],
        }
    }

    /// Follows the request bytes just read: a new head starts its deadline, its end stops it.
    fn saw(&mut self, bytes: &[u8]) {
        if self.phase == Phase::Idle {
            self.phase = Phase::Head;
            self.tail = [0; 3];
            self.deadline.as_mut().reset(Instant::now() + HEAD_TIMEOUT);
        }
        if self.phase != Phase::Head {
            return;
        }
        let mut window = self.tail.to_vec();
        window.extend_from_slice(bytes);
        if window.windows(4).any(|four| four == b"\r\n\r\n") {
            self.phase = Phase::Body;
        }
        let keep = window.len().min(3);
        self.tail = [0; 3];
        self.tail[3 - keep..].copy_from_slice(&window[window.len() - keep..]);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.phase != Phase::Body && this.deadline.as_mut().poll(cx).is_ready() {
            let what = match this.phase {
                Phase::Head => "the request head did not arrive in time",
                _ => "the kept-alive connection stayed idle too long",
            };
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        let filled = buf.filled();
        if filled.len() > before {
            let fresh = filled[before..].to_vec();
            this.saw(&fresh);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.io).poll_write(cx, data))?;
        // The server answers: what the client sends next is a new request.
        if this.phase != Phase::Idle {
            this.phase = Phase::Idle;
            this.deadline.as_mut().reset(Instant::now() + IDLE_TIMEOUT);
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn guarded(io: tokio::io::DuplexStream) -> Guarded<tokio::io::DuplexStream> {
        let slot = Arc::new(Semaphore::new(1))
            .try_acquire_owned()
            .expect("a slot");
        Guarded::new(io, slot)
    }

    #[tokio::test(start_paused = true)]
    async fn a_head_sent_a_byte_at_a_time_is_cut_at_the_deadline() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut server = guarded(server);
        let trickle = tokio::spawn(async move {
            for byte in b"GET /certsrv/ HTTP/1.1\r\nHost: x\r\n".iter().cycle() {
                if client.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let mut buffer = [0u8; 64];
        let error = loop {
            match server.read(&mut buffer).await {
                Ok(0) => panic!("the client closed"),
                Ok(_) => continue,
                Err(error) => break error,
            }
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        trickle.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_complete_head_stops_the_clock_and_an_answer_starts_the_idle_one() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut server = guarded(server);
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r")
            .await
            .expect("write");
        let mut buffer = [0u8; 64];
        assert!(server.read(&mut buffer).await.expect("read") > 0);
        client.write_all(b"\n\r\n").await.expect("write");
        assert!(server.read(&mut buffer).await.expect("read") > 0);
        assert_eq!(server.phase, Phase::Body);
        server
            .write_all(b"HTTP/1.1 200 OK\r\n\r\n")
            .await
            .expect("answer");
        assert_eq!(server.phase, Phase::Idle);
        // Idle past the keep-alive limit: the next read fails.
        tokio::time::advance(IDLE_TIMEOUT + Duration::from_secs(1)).await;
        let error = server.read(&mut buffer).await.expect_err("idle too long");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }
}
