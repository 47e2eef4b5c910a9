//! End-to-end tests of AD CS Web Enrollment (`/certsrv`, `shared/domain.md` §C) served beside the
//! directory by the library server: real HTTP/1.1 over loopback TCP, bodies judged by the real
//! `openssl` binary, a CA made with rcgen (the CA, the HTTP client and the openssl helpers are
//! [`e2e::web_enrollment`], shared with the `cli` tests of `ldap-server serve --certsrv-…`).

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use certsrv::{Behaviour as CertsrvBehaviour, Config as CertsrvConfig};
use e2e::web_enrollment::*;
use e2e::*;
use ldap_server::{RunningServer, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod behaviours;
mod certificates;
mod directory;
mod https;
mod pages;

pub(crate) fn config(generations: &[Generation], behaviour: CertsrvBehaviour) -> CertsrvConfig {
    generations
        .iter()
        .fold(CertsrvConfig::new(), |config, generation| {
            config.generation(generation.issuing.clone(), generation.chain())
        })
        .behaviour(behaviour)
}

/// A library server with Web Enrollment on 127.0.0.1:0, seeded with `ldif` (may be empty).
pub(crate) async fn start(config: CertsrvConfig, ldif: &str) -> (RunningServer, SocketAddr) {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let mut builder = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .certsrv(loopback, config);
    if !ldif.is_empty() {
        builder = builder.ldif_text("certsrv-test.ldif", ldif);
    }
    let server = tokio::time::timeout(WAIT, builder.start())
        .await
        .expect("start timed out")
        .unwrap_or_else(|e| panic!("server failed to start: {e}"));
    let http = server.certsrv_addr().expect("certsrv address");
    assert_eq!(http.ip().to_string(), "127.0.0.1");
    assert_ne!(http.port(), 0);
    (server, http)
}

pub(crate) async fn stop(server: RunningServer) {
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown did not finish within 10 s");
}
