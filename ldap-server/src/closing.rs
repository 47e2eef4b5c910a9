//! How a connection ends after an unbind.

use tokio::net::TcpStream;

/// After an unbind: when the client has closed its side already (its FIN is in, nothing
/// unread) and has acknowledged every byte sent to it, the connection is reset rather than
/// closed with a FIN of our own.
///
/// Nothing is lost: the client can send nothing more, every reply has reached it, and the
/// server has nothing more to say (a client that only half-closed and reads on sees a reset
/// where it would have seen the end). What goes is the rest of the closing handshake, the ACK of
/// our FIN and the client's TIME_WAIT state, which on loopback was the biggest single cost of a
/// phone's boot to the server (7 µs of 50). A client still holding its side open, or one that
/// has not yet received everything (it pipelined its requests and half-closed), gets the
/// ordinary close, which delivers what is queued; so does every client where the send queue
/// cannot be read (systems other than Linux).
pub(crate) fn abort_if_peer_closed(stream: &TcpStream) {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    // The socket is non-blocking: no data and no FIN is WouldBlock, the FIN alone is 0.
    let peer_closed = matches!(socket2::SockRef::from(stream).peek(&mut probe), Ok(0));
    // A reset throws away whatever is still in the send queue.
    if peer_closed && unacknowledged(stream) == Some(0) {
        let _ = stream.set_zero_linger();
    }
}

/// Bytes written to the socket that the peer has not acknowledged yet (unsent ones included):
/// Linux's SIOCOUTQ. `None` where it cannot be read.
#[cfg(target_os = "linux")]
fn unacknowledged(stream: &TcpStream) -> Option<usize> {
    use std::os::fd::AsRawFd;
    let mut queued: libc::c_int = 0;
    // SAFETY: SIOCOUTQ (TIOCOUTQ) writes one int through the pointer, which points at `queued`;
    // the descriptor is the stream's, open for the duration of the call.
    let result = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
    if result == 0 {
        usize::try_from(queued).ok()
    } else {
        None
    }
}

#[cfg(not(target_os = "linux"))]
fn unacknowledged(_stream: &TcpStream) -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    async fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (accepted, client) = tokio::join!(listener.accept(), client);
        (accepted.unwrap().0, client.unwrap())
    }

    #[tokio::test]
    async fn a_client_that_closed_its_side_is_reset() {
        let (server, mut client) = pair().await;
        client.shutdown().await.unwrap();
        // The FIN is in once the server's side reads as ready.
        server.readable().await.unwrap();
        abort_if_peer_closed(&server);
        assert_eq!(server.linger().unwrap(), Some(std::time::Duration::ZERO));
        drop(server);
        let mut byte = [0u8; 1];
        let read = client.read(&mut byte).await;
        assert_eq!(
            read.map_err(|error| error.kind()),
            Err(std::io::ErrorKind::ConnectionReset)
        );
    }

    #[tokio::test]
    async fn a_client_still_holding_its_side_sees_an_ordinary_close() {
        let (server, mut client) = pair().await;
        abort_if_peer_closed(&server);
        assert_eq!(server.linger().unwrap(), None);
        drop(server);
        let mut byte = [0u8; 1];
        assert_eq!(client.read(&mut byte).await.unwrap(), 0);
    }

    /// A client that pipelined its requests and half-closed still gets every byte of the
    /// replies it has not received yet: they are in the server's send queue, which a reset
    /// would throw away.
    #[tokio::test]
    async fn replies_the_client_has_not_received_are_delivered() {
        let (server, mut client) = pair().await;
        // Fill the client's receive window and the server's send buffer (the client reads
        // nothing yet), so bytes are waiting in the send queue.
        let chunk = vec![0x5a_u8; 64 * 1024];
        let mut sent = 0usize;
        loop {
            match server.try_write(&chunk) {
                Ok(written) => sent += written,
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(error) => panic!("{error}"),
            }
        }
        assert!(unacknowledged(&server).is_some_and(|queued| queued > 0));
        client.shutdown().await.unwrap();
        // The FIN is in once the server reads it; the bytes in the way are none.
        let mut probe = [0u8; 1];
        loop {
            server.readable().await.unwrap();
            match server.try_read(&mut probe) {
                Ok(0) => break,
                Ok(_) => panic!("the client sent data"),
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(error) => panic!("{error}"),
            }
        }
        abort_if_peer_closed(&server);
        assert_eq!(server.linger().unwrap(), None);
        drop(server);
        let mut received = Vec::new();
        client.read_to_end(&mut received).await.unwrap();
        assert_eq!(received.len(), sent);
    }

    #[tokio::test]
    async fn unread_bytes_are_not_a_close() {
        let (server, mut client) = pair().await;
        client.write_all(b"more").await.unwrap();
        client.shutdown().await.unwrap();
        server.readable().await.unwrap();
        abort_if_peer_closed(&server);
        assert_eq!(server.linger().unwrap(), None);
    }
}
