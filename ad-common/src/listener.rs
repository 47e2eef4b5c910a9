//! Listening sockets for the servers a phone meets (the DC, `/certsrv`, a world's registrar and web
//! server), with a backlog deep enough for a boot storm.
//!
//! `std`'s `TcpListener::bind` listens with a backlog of 128. When hundreds of phones connect at
//! once (after a power cut), the 129th completed handshake waiting to be accepted is dropped and
//! that phone's TCP stack retries after a second: storms then show 1 s and 3 s steps that are the
//! listener's, not the phone's or the server's. Windows servers listen with SOMAXCONN (a large,
//! system-chosen backlog); here the kernel caps the request at `net.core.somaxconn`.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

/// Connections the kernel may hold completed but not yet accepted.
pub const BACKLOG: u32 = 4096;

/// Binds `addr` and listens with [`BACKLOG`], with `TCP_NODELAY` on the listening socket.
///
/// Every server here answers requests with small replies, which Nagle's algorithm would hold
/// back waiting for an acknowledgement. Linux gives accepted connections the listener's
/// `TCP_NODELAY`, which saves a system call per connection; a server on a system that does not
/// should check the first accepted connection and set it itself ([`Nodelay`]).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As std does on Unix: a restarted server may rebind a port whose old connections linger.
    socket.set_reuseaddr(true)?;
    // Where a listening socket takes no TCP_NODELAY, `Nodelay` sets it per connection.
    let _ = socket.set_nodelay(true);
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Whether a listener's accepted connections come with `TCP_NODELAY` already: learned from the
/// first one, then trusted, so only a system that does not pass it on pays a call per
/// connection.
#[derive(Debug, Default)]
pub struct Nodelay {
    inherited: Option<bool>,
}

impl Nodelay {
    /// Makes sure `stream` sends small writes at once.
    pub fn ensure(&mut self, stream: &tokio::net::TcpStream) {
        let inherited = *self
            .inherited
            .get_or_insert_with(|| stream.nodelay().unwrap_or(false));
        if !inherited {
            let _ = stream.set_nodelay(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn it_listens_on_the_port_it_was_given() {
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let address = listener.local_addr().unwrap();
        assert_ne!(address.port(), 0);
        let client = tokio::net::TcpStream::connect(address);
        let (accepted, connected) = tokio::join!(listener.accept(), client);
        let (accepted, peer) = accepted.unwrap();
        assert_eq!(peer, connected.unwrap().local_addr().unwrap());
        let mut nodelay = Nodelay::default();
        nodelay.ensure(&accepted);
        assert!(accepted.nodelay().unwrap());
    }

    /// Linux passes the listener's `TCP_NODELAY` on, so the servers here skip setting it.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn accepted_connections_inherit_nodelay_on_linux() {
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap());
        let (accepted, _connected) = tokio::join!(listener.accept(), client);
        let (accepted, _) = accepted.unwrap();
        assert!(accepted.nodelay().unwrap());
        let mut nodelay = Nodelay::default();
        nodelay.ensure(&accepted);
        assert_eq!(nodelay.inherited, Some(true));
    }
}
