//! Running the OpenLDAP tools (`ldapsearch`, `ldapwhoami`) and other programs with no system
//! configuration, capturing their output.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use super::*;

/// Exit status and captured output of a tool run.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// Exit code (ldapsearch exits with the LDAP result code); -1 if killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl ToolOutput {
    /// (exit code, None when killed by a signal; stdout; stderr).
    pub fn parts(self) -> (Option<i32>, String, String) {
        (
            (self.code >= 0).then_some(self.code),
            self.stdout,
            self.stderr,
        )
    }

    /// The stdout parsed as LDIF.
    pub fn ldif(&self) -> LdifOutput {
        parse_ldif(&self.stdout)
    }
}

impl std::fmt::Display for ToolOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Asserts that a tool exited with `code` (ldapsearch exits with the LDAP result code).
pub fn assert_exit(out: &ToolOutput, code: i32) {
    assert_eq!(out.code, code, "unexpected exit code\n{out}");
}

/// Runs `program args` without reading any LDAP client configuration, with a timeout.
pub async fn run_tool(program: &str, args: &[String]) -> ToolOutput {
    let mut command = tokio::process::Command::new(program);
    command
        .env("LDAPNOINIT", "1")
        .env("LDAPCONF", "/dev/null")
        .env("LDAPRC", "/dev/null");
    run_command(command, program, args).await
}

/// Runs `program args` (no stdin) under `wait`: our own executables, openssl, chromium.
pub async fn run_program(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    wait: Duration,
) -> ToolOutput {
    let name = program.as_ref().to_string_lossy().into_owned();
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    run_command_for(tokio::process::Command::new(program), &name, &args, wait).await
}

/// `--resolve HOST=ADDR:PORT` for every name of `resolve`, as our CLIs take them.
pub fn resolve_args(resolve: &phone_client::enroll::ResolveMap) -> Vec<String> {
    resolve
        .iter()
        .flat_map(|(host, address)| ["--resolve".to_string(), format!("{host}={address}")])
        .collect()
}

/// `--dc ADDR --user USER --password PASSWORD` for a world's DC, signed in as the world's phone
/// user, as `adpki` takes them.
pub fn world_dc_args(world: &scenarios::world::World) -> Vec<String> {
    let (user, password) = world.credentials();
    vec![
        "--dc".to_string(),
        world.ldap_address().to_string(),
        "--user".to_string(),
        user,
        "--password".to_string(),
        password,
    ]
}

/// Runs `command` (already given its environment) with `args`, no stdin, under the tools'
/// timeout; a missing program fails the test, naming it.
pub async fn run_command(
    command: tokio::process::Command,
    name: &str,
    args: &[String],
) -> ToolOutput {
    run_command_for(command, name, args, WAIT).await
}

/// [`run_command`] under `wait`.
pub async fn run_command_for(
    mut command: tokio::process::Command,
    name: &str,
    args: &[String],
    wait: Duration,
) -> ToolOutput {
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    let out = tokio::time::timeout(wait, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{name} {args:?} did not finish within {wait:?}"))
        .expect("wait for tool");
    ToolOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `ldapsearch` with TLS: the CA through `LDAPTLS_CACERT`, no other configuration (LDAPNOINIT
/// would make it ignore LDAPTLS_CACERT, so the config files are pointed at /dev/null instead).
pub async fn ldapsearch_trusting(ca: Option<&std::path::Path>, args: &[&str]) -> ToolOutput {
    let mut command = tokio::process::Command::new("ldapsearch");
    command
        .args(["-o", "ldif-wrap=no", "-o", "nettimeout=10", "-LLL"])
        .args(args)
        .env_remove("LDAPNOINIT")
        .env("LDAPCONF", "/dev/null")
        .env("LDAPRC", "/dev/null")
        .env("LDAPTLS_REQCERT", "demand")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(ca) = ca {
        command.env("LDAPTLS_CACERT", ca);
    }
    let child = command
        .spawn()
        .expect("ldapsearch (apt-get install ldap-utils)");
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("ldapsearch finished in time")
        .expect("wait");
    ToolOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `python -c script args…` with `$E2E_PYTHON` (the virtualenv `.ci/run` makes, with
/// ldap3, pycryptodome and impacket; `python3` without it) under the test timeout.
pub async fn run_python(script: &str, args: &[String]) -> ToolOutput {
    let python = std::env::var("E2E_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let mut command = tokio::process::Command::new(&python);
    command.arg("-c").arg(script);
    run_command(command, &format!("{python} (E2E_PYTHON)"), args).await
}

/// `ldapsearch -x -H ldap://ADDR -o ldif-wrap=no -o nettimeout=10 -LLL <args>`.
pub async fn ldapsearch(addr: SocketAddr, args: &[&str]) -> ToolOutput {
    let mut all: Vec<String> = [
        "-x",
        "-H",
        &url(addr),
        "-o",
        "ldif-wrap=no",
        "-o",
        "nettimeout=10",
        "-LLL",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    run_tool("/usr/bin/ldapsearch", &all).await
}

/// `ldapwhoami -x -H ldap://ADDR -o nettimeout=10 <args>`.
pub async fn ldapwhoami(addr: SocketAddr, args: &[&str]) -> ToolOutput {
    let mut all: Vec<String> = ["-x", "-H", &url(addr), "-o", "nettimeout=10"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    run_tool("/usr/bin/ldapwhoami", &all).await
}

/// A rustls client configuration trusting exactly the PEM certificates in `pem` (a DC's CA).
pub fn client_config_trusting(pem: &str) -> std::sync::Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(certificate.expect("PEM")).expect("root");
    }
    std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}
