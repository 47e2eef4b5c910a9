//! The `ldap-server` and `adpki` executables built next to the test binary, and a served `ldap-
//! server` process ([`CliServer`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::*;

/// `target/<profile>/ldap-server`, found next to this test binary (`target/<profile>/deps/..`).
/// `.ci/run` builds it with `cargo build -p ldap-server` before the tests run.
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().expect("test binary directory").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join("ldap-server");
    assert!(
        bin.is_file(),
        "{} does not exist: build it first with `cargo build -p ldap-server` (same profile as the tests)",
        bin.display()
    );
    bin
}

/// `target/<profile>/adpki`, built by `cargo build --workspace --bins`.
pub fn adpki_binary() -> PathBuf {
    let bin = server_binary().with_file_name("adpki");
    assert!(
        bin.is_file(),
        "{} does not exist: build it first with `cargo build --workspace --bins`",
        bin.display()
    );
    bin
}

/// Runs `ldap-server <args>` to completion with a timeout (for `export` and failing `serve`).
pub async fn run_server_cli(args: &[&str]) -> ToolOutput {
    let bin = server_binary();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    run_tool(bin.to_str().expect("utf-8 path"), &args).await
}

/// A `ldap-server serve` child process whose first stdout line (the bound address) has been read.
pub struct CliServer {
    pub child: tokio::process::Child,
    pub addr: SocketAddr,
    /// The first stdout line exactly as printed.
    pub first_line: String,
}

impl CliServer {
    /// Spawns `ldap-server serve --domain example.test --listen 127.0.0.1:0 --admin-password … <extra>`
    /// and waits (bounded) for the address line.
    pub async fn spawn(extra: &[&str]) -> CliServer {
        let bin = server_binary();
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.args([
            "serve",
            "--domain",
            DOMAIN,
            "--listen",
            "127.0.0.1:0",
            "--admin-password",
            ADMIN_PASSWORD,
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn ldap-server serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first_line = match tokio::time::timeout(WAIT, lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => {
                let status = child.wait().await;
                let mut err = String::new();
                if let Some(mut se) = child.stderr.take() {
                    use tokio::io::AsyncReadExt;
                    let _ = se.read_to_string(&mut err).await;
                }
                panic!("ldap-server serve closed stdout without printing an address ({status:?}); stderr:\n{err}");
            }
            Ok(Err(e)) => panic!("reading ldap-server stdout: {e}"),
            Err(_) => panic!("ldap-server serve printed no address within {WAIT:?}"),
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let addr: SocketAddr = first_line.trim().parse().unwrap_or_else(|e| {
            panic!("first stdout line {first_line:?} is not an IP:PORT address: {e}")
        });
        CliServer {
            child,
            addr,
            first_line,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("child still running")
    }

    /// Sends SIGTERM with the `kill` command.
    pub async fn sigterm(&self) {
        let pid = self.pid().to_string();
        let out = run_tool("kill", &["-TERM".to_string(), pid]).await;
        assert_eq!(out.code, 0, "kill -TERM failed: {out}");
    }

    /// Waits (bounded by `limit`) for the process to exit and returns its exit status.
    pub async fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("ldap-server did not exit within {limit:?}"))
            .expect("wait for ldap-server")
    }
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    p
}

/// `ldap-server serve --domain … --listen 127.0.0.1:0 … <extra>`: the child and every line of its
/// banner, up to the `# domain` line (the address first, then the listeners' lines).
pub async fn serve_with_banner(extra: &[&str]) -> (tokio::process::Child, Vec<String>) {
    let mut child = tokio::process::Command::new(server_binary())
        .args([
            "serve",
            "--domain",
            DOMAIN,
            "--listen",
            "127.0.0.1:0",
            "--admin-password",
            ADMIN_PASSWORD,
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn ldap-server serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("ldap-server printed its banner in time")
            .expect("read stdout")
            .unwrap_or_else(|| panic!("ldap-server ended early; printed {seen:?}"));
        let done = line.starts_with("# domain ");
        seen.push(line);
        if done {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, seen)
}

/// The value after `prefix` in the printed lines.
pub fn printed<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"))
}
