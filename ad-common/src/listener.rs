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

/// Binds `addr` and listens with [`BACKLOG`].
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As std does on Unix: a restarted server may rebind a port whose old connections linger.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
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
        assert_eq!(
            accepted.unwrap().1,
            connected.unwrap().local_addr().unwrap()
        );
    }
}
