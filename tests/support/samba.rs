//! A private Samba AD DC on 127.0.0.1, provisioned and run as `/work/shared/peers.md` describes:
//! the closest thing to real Active Directory that runs on these machines.
//!
//! [`Samba::start`] provisions a fresh domain (realm `EXAMPLE.TEST`, domain `EXAMPLE`,
//! `--dns-backend=NONE`, `interfaces = 127.0.0.1`, `bind interfaces only`) into its own temporary
//! directory, rewrites `[global]` of the generated smb.conf ([`configure_smb_conf`]: only the
//! `ldap, cldap, kdc, rpc, drepl, kcc` services — no `dnsupdate`, which would query the resolver
//! in /etc/resolv.conf, which is off the machine — simple binds over plain LDAP, every path in the
//! temporary directory, no NetBIOS), runs `samba -i` as a child process of the test and waits
//! (bounded) until LDAP on 127.0.0.1:389 answers. Dropping the [`Samba`] stops that child (and
//! only that child, by its PID): its stdin is closed, which makes `samba -i` shut down, then, if
//! it is still running, it gets SIGTERM and finally SIGKILL. Because samba watches its stdin, it
//! also exits when the test process dies without running destructors: no daemon is left behind.
//!
//! **One Samba at a time.** Samba's LDAP port cannot be chosen (no port 0): it is always 389 on
//! 127.0.0.1. Every [`Samba::start`] therefore first takes an exclusive lock on
//! [`SAMBA_LOCK_FILE`] ([`SambaLock`]: `flock(1)` holding the lock while a `cat` reads a pipe the
//! test owns, so the kernel releases the lock when the test ends, even if it is killed) and holds
//! it until the Samba is dropped. Tests running at the same time (the tests of one binary run in
//! parallel threads; other test processes may share the machine) wait for each other instead of
//! fighting over port 389. The wait is bounded
//! ([`LOCK_WAIT`]).
//!
//! If Samba is not installed the start panics with the `apt-get install` line (`.ci/run` installs
//! it): a missing peer is a failure, never a silent pass.

use std::io::{BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, LdapConnSettings, Scope};

/// Where Samba's LDAP server listens (fixed: Samba cannot use an ephemeral port).
pub const SAMBA_ADDR: &str = "127.0.0.1:389";
/// The administrator's UPN.
pub const SAMBA_ADMIN: &str = "Administrator@example.test";
/// The administrator's password given to `samba-tool domain provision --adminpass` (peers.md).
pub const SAMBA_ADMIN_PASSWORD: &str = "Passw0rd!Passw0rd";
/// The lock every Samba test holds while its Samba runs (see the module documentation).
pub const SAMBA_LOCK_FILE: &str = "/tmp/ad-phone-pki-samba.lock";
/// How long a test waits for another test's Samba to finish.
pub const LOCK_WAIT: Duration = Duration::from_secs(600);
/// How long provisioning may take (5–9 s here).
const PROVISION_WAIT: Duration = Duration::from_secs(180);
/// How long Samba may take until LDAP answers (≈2–3 s here).
const START_WAIT: Duration = Duration::from_secs(90);
/// How long port 389 may stay busy before the start gives up (a previous Samba shutting down).
const PORT_FREE_WAIT: Duration = Duration::from_secs(30);

/// The message for a machine without Samba.
pub const INSTALL_HINT: &str = "Samba is not installed (no samba-tool/samba on PATH): run \
     `apt-get install samba samba-ad-dc winbind` (with DEBIAN_FRONTEND=noninteractive; \
     .ci/run installs it in CI)";

/// Panics with [`INSTALL_HINT`] unless `samba-tool` and `samba` are on PATH.
pub fn require_samba() {
    require_programs(&["samba-tool", "samba"]);
}

fn require_programs(programs: &[&str]) {
    for program in programs {
        if find_on_path(program).is_none() {
            panic!("{INSTALL_HINT}");
        }
    }
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/bin".into(), "/sbin".into()])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

// ---------------------------------------------------------------------------------------------
// The lock
// ---------------------------------------------------------------------------------------------

/// An exclusive `flock` on [`SAMBA_LOCK_FILE`], held by a `flock … sh -c 'echo locked; exec cat'`
/// child whose stdin is a pipe this process owns. Dropping it closes the pipe: `cat` ends, and the
/// kernel releases the lock. If the test process dies, the pipe closes all the same, so the lock
/// is never stale.
pub struct SambaLock {
    child: Option<Child>,
}

impl SambaLock {
    /// Waits (at most `wait`) for the lock.
    pub fn acquire(wait: Duration) -> SambaLock {
        let mut child = Command::new("flock")
            .args([
                "--exclusive",
                "--wait",
                &wait.as_secs().max(1).to_string(),
                SAMBA_LOCK_FILE,
                "sh",
                "-c",
                "echo locked; exec cat >/dev/null",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run flock (util-linux): {error}"));
        // flock prints nothing and exits 1 when --wait runs out, so this read is bounded.
        let mut line = String::new();
        let stdout = child.stdout.take().expect("flock stdout");
        let _ = BufReader::new(stdout).read_line(&mut line);
        if line.trim() != "locked" {
            let _ = child.kill();
            let output = child.wait_with_output().ok();
            let stderr = output
                .map(|out| String::from_utf8_lossy(&out.stderr).into_owned())
                .unwrap_or_default();
            panic!(
                "could not lock {SAMBA_LOCK_FILE} within {wait:?} (another test's Samba on \
                 127.0.0.1:389 is still running?): {stderr}"
            );
        }
        SambaLock { child: Some(child) }
    }
}

impl Drop for SambaLock {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            stop_child(&mut child, Duration::from_secs(5));
        }
    }
}

/// Waits for `child` to exit after its stdin was closed; then SIGTERM, then SIGKILL, by its PID.
fn stop_child(child: &mut Child, grace: Duration) {
    if wait_exit(child, grace) {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stderr(Stdio::null())
        .status();
    if wait_exit(child, Duration::from_secs(10)) {
        return;
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// True if `child` exited within `limit`.
fn wait_exit(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) if Instant::now() >= deadline => return false,
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

mod smb_conf;
pub use smb_conf::*;

// ---------------------------------------------------------------------------------------------
// The DC
// ---------------------------------------------------------------------------------------------

/// A running Samba AD DC for `example.test` on [`SAMBA_ADDR`]; stopped when dropped.
pub struct Samba {
    pub addr: SocketAddr,
    /// The provisioned domain: etc/smb.conf, private/, log/, samba.log (samba's own output).
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    /// Released after the child is stopped (fields drop after `Drop::drop`).
    _lock: SambaLock,
}

impl Samba {
    /// Locks, provisions, configures and starts a DC, and waits until LDAP answers.
    ///
    /// Samba's LDAP port is always 389 (it cannot listen on port 0), so this first takes the
    /// exclusive [`SAMBA_LOCK_FILE`] lock (waiting at most [`LOCK_WAIT`]) and keeps it until the
    /// returned value is dropped: Samba tests in different test processes run one at a time.
    pub async fn start() -> Samba {
        Samba::start_with(SambaConfig::default()).await
    }

    /// Samba as installed (`ldap server require strong auth` at its default, yes), with
    /// `tls`'s certificate when given, else its own autogenerated one. Locks like [`Samba::start`].
    pub async fn start_as_installed(tls: Option<SambaTls>) -> Samba {
        Samba::start_with(SambaConfig {
            as_installed: true,
            tls,
            strong_auth: None,
        })
        .await
    }

    /// Locks, provisions, configures with `config` and starts a DC, and waits until LDAP answers.
    pub async fn start_with(config: SambaConfig) -> Samba {
        require_samba();
        let lock = tokio::task::spawn_blocking(|| SambaLock::acquire(LOCK_WAIT))
            .await
            .expect("lock task");
        let addr: SocketAddr = SAMBA_ADDR.parse().expect("address");
        wait_port_free(addr).await;

        let dir = tempfile::Builder::new()
            .prefix("samba-dc-")
            .tempdir()
            .expect("tempdir");
        let root = dir.path().to_path_buf();
        provision(&root).await;
        let conf = root.join("etc/smb.conf");
        let text = std::fs::read_to_string(&conf).expect("read provisioned smb.conf");
        std::fs::write(&conf, configure_smb_conf_for(&text, &root, &config))
            .expect("write smb.conf");
        for sub in ["run", "log", "cache", "ncalrpc"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }

        let log = std::fs::File::create(root.join("samba.log")).expect("samba.log");
        let child = Command::new(find_on_path("samba").expect("samba on PATH"))
            // -i: foreground, log to stdout, and exit when stdin reaches end of file.
            .args(["-i", "-s"])
            .arg(&conf)
            .stdin(Stdio::piped())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start samba: {error}"));
        let mut samba = Samba {
            addr,
            dir,
            child: Some(child),
            _lock: lock,
        };
        samba.wait_ldap().await;
        samba
    }

    /// `ldap://127.0.0.1:389`.
    pub fn url(&self) -> String {
        crate::url(self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The PID of the `samba` process this test started.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Samba's output so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("samba.log")).unwrap_or_default()
    }

    /// ldapsearch bound as the administrator (see [`crate::ldapsearch`]).
    pub async fn ldapsearch_admin(&self, args: &[&str]) -> crate::ToolOutput {
        let mut all = vec!["-D", SAMBA_ADMIN, "-w", SAMBA_ADMIN_PASSWORD];
        all.extend_from_slice(args);
        crate::ldapsearch(self.addr, &all).await
    }

    async fn wait_ldap(&mut self) {
        let deadline = tokio::time::Instant::now() + START_WAIT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "samba exited ({status}) before LDAP answered:\n{}",
                        self.log()
                    );
                }
            }
            let last = match root_dse(self.addr).await {
                Ok(()) => return,
                Err(error) => error,
            };
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "Samba's LDAP on {} did not answer within {START_WAIT:?} ({last}):\n{}",
                    self.addr,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops samba now (the drop does the same).
    pub fn stop(mut self) {
        self.stop_child();
    }

    fn stop_child(&mut self) {
        if let Some(mut child) = self.child.take() {
            // samba -i shuts down (and SIGTERMs its process group) at end of file on stdin.
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.flush();
            }
            stop_child(&mut child, Duration::from_secs(15));
        }
    }
}

impl Drop for Samba {
    fn drop(&mut self) {
        self.stop_child();
    }
}

/// An anonymous rootDSE read (Samba allows it), bounded by a short timeout.
async fn root_dse(addr: SocketAddr) -> Result<(), String> {
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(2));
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &crate::url(addr))
        .await
        .map_err(|error| error.to_string())?;
    ldap3::drive!(conn);
    let result = ldap
        .with_timeout(Duration::from_secs(5))
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["configurationNamingContext"],
        )
        .await
        .map_err(|error| error.to_string())?;
    let _ = ldap.unbind().await;
    let (entries, result) = result.success().map_err(|error| error.to_string())?;
    if entries.is_empty() {
        return Err("the rootDSE returned no entry".into());
    }
    let _ = result;
    Ok(())
}

/// Waits (bounded) until nothing accepts connections on `addr`: the previous test's Samba may
/// still be shutting down. Something else on port 389 is a failure, not a server to test.
async fn wait_port_free(addr: SocketAddr) {
    let deadline = tokio::time::Instant::now() + PORT_FREE_WAIT;
    while tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr))
        .await
        .is_ok_and(|connected| connected.is_ok())
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "something that is not this test's Samba listens on {addr} (the lock \
             {SAMBA_LOCK_FILE} is ours): stop it first"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `samba-tool domain provision` into `root` exactly as peers.md does it.
async fn provision(root: &Path) {
    let mut command = tokio::process::Command::new("samba-tool");
    command
        .args([
            "domain",
            "provision",
            &format!("--targetdir={}", root.display()),
            "--realm=EXAMPLE.TEST",
            "--domain=EXAMPLE",
            "--server-role=dc",
            "--dns-backend=NONE",
            &format!("--adminpass={SAMBA_ADMIN_PASSWORD}"),
            "--host-name=DC1",
            "--use-rfc2307",
            "--option=interfaces=127.0.0.1",
            "--option=bind interfaces only=yes",
        ])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run samba-tool ({INSTALL_HINT}): {error}"));
    let output = tokio::time::timeout(PROVISION_WAIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("samba-tool domain provision took over {PROVISION_WAIT:?}"))
        .expect("wait for samba-tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::write(root.join("provision.log"), &text);
    assert!(
        output.status.success(),
        "samba-tool domain provision failed ({}):\n{text}",
        output.status
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "apt-get install samba samba-ad-dc winbind")]
    fn a_missing_samba_fails_with_the_install_line() {
        require_programs(&["ad-phone-pki-no-such-samba-tool"]);
    }

    #[test]
    fn as_installed_keeps_strong_auth_and_adds_the_tls_files() {
        let dir = Path::new("/tmp/x");
        let text = "[global]\n\trealm = EXAMPLE.TEST\n\n[sysvol]\n\tpath = /tmp/x/state/sysvol\n";
        let config = SambaConfig {
            as_installed: true,
            tls: Some(SambaTls {
                certfile: "/tmp/c/dc.pem".into(),
                keyfile: "/tmp/c/dc.key".into(),
                cafile: "/tmp/c/ca.pem".into(),
            }),
            strong_auth: None,
        };
        let out = configure_smb_conf_for(text, dir, &config);
        assert!(!out.contains("require strong auth"), "{out}");
        let global = &out[..out.find("[sysvol]").expect("sysvol kept")];
        for line in [
            "\ttls enabled = yes\n",
            "\ttls certfile = /tmp/c/dc.pem\n",
            "\ttls keyfile = /tmp/c/dc.key\n",
            "\ttls cafile = /tmp/c/ca.pem\n",
        ] {
            assert!(global.contains(line), "{line:?} in [global]:\n{out}");
        }
        // The default stays as the existing tests need it.
        assert!(configure_smb_conf(text, dir).contains("ldap server require strong auth = no"));
    }

    #[test]
    fn global_section_is_rewritten_and_other_sections_kept() {
        let dir = Path::new("/tmp/x");
        let text = "# Global parameters\n[global]\n\tbind interfaces only = Yes\n\tlog file = /var/log/samba/log.%m\n\tServer Services = s3fs, rpc, nbt, dnsupdate\n\trealm = EXAMPLE.TEST\n\n[sysvol]\n\tpath = /tmp/x/state/sysvol\n";
        let out = configure_smb_conf(text, dir);
        assert!(out.contains("\tserver services = ldap, cldap, kdc, rpc, drepl, kcc\n"));
        assert!(!out.contains("dnsupdate"), "{out}");
        assert!(!out.contains("/var/log/samba"), "{out}");
        assert!(out.contains("\tlog file = /tmp/x/log/log.%m\n"), "{out}");
        assert!(out.contains("\tldap server require strong auth = no\n"));
        assert!(out.contains("\tdisable netbios = yes\n"));
        assert!(out.contains("\trealm = EXAMPLE.TEST\n"));
        assert_eq!(out.matches("bind interfaces only").count(), 1, "{out}");
        // The settings stay inside [global], before [sysvol].
        let global = &out[..out.find("[sysvol]").expect("sysvol kept")];
        assert!(global.contains("pid directory = /tmp/x/run"), "{out}");
        assert!(
            out.ends_with("[sysvol]\n\tpath = /tmp/x/state/sysvol\n"),
            "{out}"
        );
    }
}
