//! Ports without races. A test never picks a port, releases it and hopes it is still free when a
//! server binds it: our servers take a bound listener (port 0); peers that bind themselves either
//! announce the port the kernel gave them ([`spawn_announcing`]) or are started again on another
//! port when theirs turned out to be taken ([`retry_on_taken_port`]); an address that must refuse
//! connections is a socket bound and never listening ([`RefusingPort`]), held for the test.

use std::future::Future;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::WAIT;

/// A loopback port that refuses every connection for as long as this value lives.
pub struct RefusingPort {
    _socket: tokio::net::TcpSocket,
    pub port: u16,
}

impl RefusingPort {
    pub fn new() -> RefusingPort {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind");
        let port = socket.local_addr().expect("addr").port();
        RefusingPort {
            _socket: socket,
            port,
        }
    }
}

impl Default for RefusingPort {
    fn default() -> Self {
        RefusingPort::new()
    }
}

/// Spawns `command` (told to bind port 0) with stdout piped, and reads stdout until `port_in`
/// finds the port the program announces; the rest of stdout is drained in the background.
pub async fn spawn_announcing(
    mut command: Command,
    what: &str,
    port_in: impl Fn(&str) -> Option<u16>,
) -> (Child, u16) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| panic!("{what} cannot run: {error}"));
    let stdout = child.stdout.take().expect("stdout piped");
    let mut lines = BufReader::new(stdout).lines();
    let port = tokio::time::timeout(WAIT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(port) = port_in(&line) {
                return Some(port);
            }
        }
        None
    })
    .await
    .unwrap_or_else(|_| panic!("{what} announced no port within {WAIT:?}"))
    .unwrap_or_else(|| panic!("{what} ended without announcing its port"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, port)
}

/// The number right after `marker` in `line`: `ACCEPT 127.0.0.1:40605` after `127.0.0.1:`,
/// python's `Serving HTTP on 127.0.0.1 port 41235 …` after ` port `.
pub fn port_after(line: &str, marker: &str) -> Option<u16> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Runs `start` with a port the kernel just handed out; when the program then reports the port
/// taken (`start` returns `Err` with output that says so), tries again with another.
pub async fn retry_on_taken_port<T, F, Fut>(what: &str, mut start: F) -> T
where
    F: FnMut(u16) -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let mut last = String::new();
    for _ in 0..5 {
        let candidate = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        match start(candidate).await {
            Ok(started) => return started,
            Err(output) if taken(&output) => last = output,
            Err(output) => panic!("{what} did not start on {candidate}:\n{output}"),
        }
    }
    panic!("{what}: five ports in a row were taken; last:\n{last}")
}

/// Whether a program's output says its port was taken (`Address already in use`, slapd's
/// `bind(...) failed`).
fn taken(output: &str) -> bool {
    let lower = output.to_ascii_lowercase();
    lower.contains("in use") || lower.contains("bind(")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refusing_port_refuses() {
        let refusing = RefusingPort::new();
        let error = tokio::net::TcpStream::connect(("127.0.0.1", refusing.port))
            .await
            .expect_err("nothing listens");
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn announced_ports_are_read() {
        assert_eq!(
            port_after("ACCEPT 127.0.0.1:40605", "127.0.0.1:"),
            Some(40605)
        );
        assert_eq!(
            port_after(
                "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ...",
                " port "
            ),
            Some(41235)
        );
        assert_eq!(port_after("something else", "127.0.0.1:"), None);
    }
}
