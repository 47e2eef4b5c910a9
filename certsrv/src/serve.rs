//! The HTTP listener. Normal behaviours go through axum; `silent` never hands a
//! connection to axum at all: it reads the request and holds the socket, because a handler that
//! never returns would keep axum's graceful shutdown waiting forever.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::behaviour::Behaviour;
use crate::handler::{self, CertsrvState};
use crate::limits::Capped;

/// How long shutdown waits for HTTP exchanges still in flight before it stops waiting.
const GRACE: Duration = Duration::from_secs(5);
/// The most of a silent request's head that is kept for the access log.
const MAX_HEAD: usize = 64 * 1024;

/// Serves until `shutdown` becomes true (or its sender goes away, as for the LDAP listener).
pub(crate) async fn run(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    state: Arc<CertsrvState>,
    shutdown: watch::Receiver<bool>,
) {
    // `silent` over HTTPS holds the TCP connection before any handshake: the client waits
    // either way, which is all the behaviour promises.
    if state.behaviour == Behaviour::Silent {
        return silent(listener, shutdown).await;
    }
    let app = Router::new().fallback(handler::handle).with_state(state);
    match tls {
        Some(config) => {
            let local = match listener.local_addr() {
                Ok(local) => local,
                Err(error) => {
                    tracing::warn!(%error, "certsrv listener has no address");
                    return;
                }
            };
            let listener = crate::tls::TlsListener::new(listener, config, local);
            let listener = Capped::new(listener, crate::limits::MAX_CONNECTIONS);
            let serving = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<PeerAddr>(),
            )
            .with_graceful_shutdown(stopped(shutdown.clone()));
            bounded(serving, shutdown).await;
        }
        None => {
            // The client's address and port identify its connection for NTLM's two legs.
            let listener = Capped::new(listener, crate::limits::MAX_CONNECTIONS);
            let serving = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<PeerAddr>(),
            )
            .with_graceful_shutdown(stopped(shutdown.clone()));
            bounded(serving, shutdown).await;
        }
    }
}

/// Serves until done, but waits at most [`GRACE`] after shutdown for exchanges in flight.
async fn bounded(
    serving: impl std::future::IntoFuture<Output = std::io::Result<()>>,
    shutdown: watch::Receiver<bool>,
) {
    let serving = serving.into_future();
    let give_up = async {
        stopped(shutdown).await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::select! {
        result = serving => {
            if let Err(error) = result {
                tracing::warn!(%error, "certsrv listener failed");
            }
        }
        _ = give_up => tracing::warn!(grace = ?GRACE, "certsrv: HTTP connections still open at shutdown; not waiting for them"),
    }
}

/// The client connection a request came on (its address and port), for NTLM's two legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

impl<L> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Capped<L>>>
    for PeerAddr
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: Unpin,
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, Capped<L>>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// Resolves once the server is shutting down.
async fn stopped(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Accepts connections and reads their requests without ever answering.
async fn silent(listener: TcpListener, shutdown: watch::Receiver<bool>) {
    let mut held = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(shutdown.clone()) => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                held.spawn(hold(stream, peer, shutdown.clone()));
            }
            Err(error) => {
                tracing::warn!(%error, "certsrv accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        while held.try_join_next().is_some() {}
    }
    // Every held connection also watches `shutdown`; this only makes sure none outlives us.
    held.shutdown().await;
}

/// Reads (and logs) one request, then keeps reading until the client gives up or the server
/// shuts down. Dropping the stream closes the connection.
async fn hold(mut stream: TcpStream, peer: SocketAddr, shutdown: watch::Receiver<bool>) {
    let started = Instant::now();
    let mut head: Vec<u8> = Vec::new();
    let mut logged = false;
    let mut buffer = [0u8; 4096];
    let stop = stopped(shutdown);
    tokio::pin!(stop);
    loop {
        let read = tokio::select! {
            _ = &mut stop => return,
            read = stream.read(&mut buffer) => read,
        };
        let Ok(count @ 1..) = read else {
            return;
        };
        if logged {
            continue;
        }
        head.extend_from_slice(&buffer[..count]);
        if head.windows(4).any(|window| window == b"\r\n\r\n") || head.len() > MAX_HEAD {
            log_silent(&head, peer, started);
            logged = true;
            head = Vec::new();
        }
    }
}

fn log_silent(head: &[u8], peer: SocketAddr, started: Instant) {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().next().unwrap_or_default();
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default();
    let target = words.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    tracing::info!(
        target: "certsrv",
        method,
        path,
        query,
        status = 0u16,
        bytes = 0usize,
        ms = started.elapsed().as_secs_f64() * 1000.0,
        note = "silent: request read, no answer will come",
        %peer,
    );
}
