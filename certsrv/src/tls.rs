//! HTTPS for Web Enrollment: a listener that hands axum only connections whose TLS handshake
//! finished. Handshakes run in their own tasks, bounded by a timeout, so a client that stalls in
//! the middle of one never holds up the others (the accept loop only accepts).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for axum to take them.
const QUEUE: usize = 64;

/// A TCP listener whose connections come out as TLS streams.
pub(crate) struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    accepting: JoinHandle<()>,
}

impl TlsListener {
    pub(crate) fn new(
        listener: TcpListener,
        config: Arc<rustls::ServerConfig>,
        local_addr: SocketAddr,
    ) -> TlsListener {
        let (ready, incoming) = mpsc::channel(QUEUE);
        let acceptor = TlsAcceptor::from(config);
        // At most QUEUE handshakes at a time: beyond them, accepting waits.
        let handshakes = Arc::new(tokio::sync::Semaphore::new(QUEUE));
        let accepting = tokio::spawn(async move {
            loop {
                let Ok(turn) = handshakes.clone().acquire_owned().await else {
                    return;
                };
                let (stream, peer) = match listener.accept().await {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "certsrv accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let ready = ready.clone();
                tokio::spawn(async move {
                    let _turn = turn;
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(secure)) => {
                            let _ = ready.send((secure, peer)).await;
                        }
                        Ok(Err(error)) => {
                            tracing::info!(%peer, %error, "certsrv: TLS handshake failed")
                        }
                        Err(_) => tracing::info!(%peer, "certsrv: TLS handshake timed out"),
                    }
                });
            }
        });
        TlsListener {
            incoming,
            local_addr,
            accepting,
        }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The accept loop only ends when aborted, i.e. when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
