//! How a connection ends after an unbind.

use tokio::net::TcpStream;

/// After an unbind: when the client has closed its side already (its FIN is in, nothing
/// unread), the connection is reset rather than closed with a FIN of our own.
///
/// Nothing is lost: the client can send nothing more, the server has nothing more to say, and
/// the client's application has closed the socket (a client that only half-closed and reads on
/// sees a reset where it would have seen the end). What goes is the rest of the closing
/// handshake, the ACK of our FIN and the client's TIME_WAIT state, which on loopback was the
/// biggest single cost of a phone's boot to the server (7 µs of 50). A client still holding
/// its side open gets the ordinary close.
pub(crate) fn abort_if_peer_closed(stream: &TcpStream) {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    // The socket is non-blocking: no data and no FIN is WouldBlock, the FIN alone is 0.
    if matches!(socket2::SockRef::from(stream).peek(&mut probe), Ok(0)) {
        let _ = stream.set_zero_linger();
    }
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
