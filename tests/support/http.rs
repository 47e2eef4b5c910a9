//! A tiny static HTTP/1.1 server on 127.0.0.1:0, in-process (tokio): what the phone downloads
//! over plain HTTP in the tests — CRLs, the Certificate Provisioning web service's chain.
//!
//! Routes map a path (the request target without its query) to a body; everything else is 404.
//! Routes can change while the server runs; every request is counted. The server stops when
//! dropped.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Routes = Arc<Mutex<BTreeMap<String, Vec<u8>>>>;

/// A running static server.
pub struct StaticServer {
    pub addr: SocketAddr,
    routes: Routes,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl StaticServer {
    /// Starts serving `routes` (path → body) on 127.0.0.1:0.
    pub async fn start(routes: &[(&str, Vec<u8>)]) -> StaticServer {
        let routes: Routes = Arc::new(Mutex::new(
            routes
                .iter()
                .map(|(path, body)| (path.to_string(), body.clone()))
                .collect(),
        ));
        let hits = Arc::new(AtomicUsize::new(0));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = {
            let routes = routes.clone();
            let hits = hits.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let routes = routes.clone();
                    let hits = hits.clone();
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(
                            Duration::from_secs(10),
                            answer(stream, routes, hits),
                        )
                        .await;
                    });
                }
            })
        };
        StaticServer {
            addr,
            routes,
            hits,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Serves `body` at `path` from now on.
    pub fn set(&self, path: &str, body: Vec<u8>) {
        self.routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), body);
    }

    /// Requests answered so far (any path, any status).
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head (bounded) and answers it, then closes the connection.
async fn answer(mut stream: TcpStream, routes: Routes, hits: Arc<AtomicUsize>) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let text = String::from_utf8_lossy(&head);
    let target = text.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or(target);
    let body = routes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(path)
        .cloned();
    let (status, body) = match body {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}
