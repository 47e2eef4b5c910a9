//! One listener's accept loop: a connection slot from the server-wide MaxConnections, a session,
//! the connection served; at shutdown, a bounded wait for the connections still open.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::connection::Transport;
use crate::session::{Session, Shared};

pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    global_catalog: bool,
    transport: Transport,
) {
    let slots = shared.connection_slots.clone();
    let next_connection = AtomicU64::new(1);
    let mut connections = tokio::task::JoinSet::new();
    let mut nodelay = ad_common::listener::Nodelay::default();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = shared.limits.max_connections, "MaxConnections reached; refusing");
            drop(stream);
            continue;
        };
        nodelay.ensure(&stream);
        let connection = next_connection.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(conn = connection, %peer, "connected");
        let session = if global_catalog {
            Session::global_catalog(shared.clone(), connection)
        } else {
            Session::new(shared.clone(), connection)
        };
        let shutdown = shutdown.clone();
        let tls = shared.tls.clone();
        // Boxed: the connection's future is kilobytes, and tokio moves a task's future (and its
        // stage, which is as large) by value when it spawns, polls to completion and reaps it.
        connections.spawn(Box::pin(async move {
            crate::connection::serve(stream, session, shutdown, transport, tls).await;
            drop(permit);
        }));
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
    // Every connection has been told (Notice of Disconnection); one whose client stopped
    // reading would hold a write until the idle timeout, so the wait is bounded.
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            grace = ?SHUTDOWN_GRACE,
            "closing the connections still open after the shutdown grace period"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

/// How long a shutdown waits for connections to finish before closing them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
