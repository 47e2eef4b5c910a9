//! A private OpenLDAP slapd (back_mdb) on 127.0.0.1, the reference directory we did not write.
//! It gets a tiny schema for the AD classes a phone looks for that RFC schemas lack
//! (`pKIEnrollmentService` and `dNSHostName`, with AD's OIDs from domain.md §A.3/A.4).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::WAIT;

/// The suffix of the slapd database.
pub const SUFFIX: &str = "dc=example,dc=test";

/// AD's pKIEnrollmentService class and dNSHostName attribute, for slapd.
const AD_PKI_SCHEMA: &str = "dn: cn=adpki,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: adpki
olcAttributeTypes: ( 1.2.840.113556.1.4.619 NAME 'dNSHostName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
olcObjectClasses: ( 1.2.840.113556.1.5.178 NAME 'pKIEnrollmentService' SUP top STRUCTURAL MUST cn MAY ( dNSHostName $ cACertificate ) )
";

/// A running slapd; killed when dropped.
pub struct Slapd {
    /// Plain LDAP (and StartTLS, when started with TLS).
    pub port: u16,
    /// LDAPS, when started with TLS ([`Slapd::start_tls`]).
    pub ldaps_port: Option<u16>,
    _dir: tempfile::TempDir,
    pid: u32,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.pid.to_string())
            .status();
    }
}

impl Slapd {
    /// Builds the configuration, loads `data` (LDIF under [`SUFFIX`]) with slapadd, and starts slapd.
    pub async fn start(data: &str) -> Slapd {
        Slapd::start_with(data, None).await
    }

    /// The same, with TLS: `olcTLSCertificateFile`/`KeyFile`/`CACertificateFile` from `cert`
    /// (StartTLS on [`Slapd::port`]) and a second listener for LDAPS ([`Slapd::ldaps_port`]).
    pub async fn start_tls(data: &str, cert: &crate::dc_cert::DcCert) -> Slapd {
        Slapd::start_with(data, Some(cert)).await
    }

    async fn start_with(data: &str, tls: Option<&crate::dc_cert::DcCert>) -> Slapd {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("slapd.d")).expect("mkdir");
        std::fs::create_dir_all(root.join("db")).expect("mkdir");
        let tls_config = tls.map_or_else(String::new, |cert| {
            format!(
                "olcTLSCertificateFile: {}\nolcTLSCertificateKeyFile: {}\nolcTLSCACertificateFile: {}\n",
                cert.cert().display(),
                cert.key().display(),
                cert.ca().display()
            )
        });
        let config = format!(
            "dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: {pid}\nolcLogLevel: 0\n{tls_config}\n\
             dn: cn=module{{0}},cn=config\nobjectClass: olcModuleList\ncn: module{{0}}\nolcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n\n\
             dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n\
             include: file:///etc/ldap/schema/core.ldif\n\ninclude: file:///etc/ldap/schema/cosine.ldif\n\n\
             include: file:///etc/ldap/schema/inetorgperson.ldif\n\n{AD_PKI_SCHEMA}\n\
             dn: olcDatabase={{1}}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\nolcDatabase: {{1}}mdb\n\
             olcDbDirectory: {db}\nolcSuffix: {SUFFIX}\nolcRootDN: cn=admin,{SUFFIX}\nolcRootPW: secret\nolcDbIndex: objectClass eq\n\
             olcAccess: to * by * read\n",
            pid = root.join("slapd.pid").display(),
            db = root.join("db").display(),
        );
        std::fs::write(root.join("config.ldif"), config).expect("write config");
        std::fs::write(root.join("data.ldif"), data).expect("write data");
        run(
            "slapadd",
            &[
                "-n0",
                "-F",
                &path(root, "slapd.d"),
                "-l",
                &path(root, "config.ldif"),
            ],
        )
        .await;
        run(
            "slapadd",
            &[
                "-q",
                "-n1",
                "-F",
                &path(root, "slapd.d"),
                "-l",
                &path(root, "data.ldif"),
            ],
        )
        .await;
        // slapd binds its listeners before it detaches and fails at once on a taken port: then
        // it is started again on other ports.
        let (port, ldaps_port) = crate::ports::retry_on_taken_port("slapd", |port| {
            let ldaps_port = tls.map(|_| {
                std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|listener| listener.local_addr())
                    .expect("a free port")
                    .port()
            });
            let mut urls = format!("ldap://127.0.0.1:{port}/");
            if let Some(ldaps) = ldaps_port {
                urls.push_str(&format!(" ldaps://127.0.0.1:{ldaps}/"));
            }
            let config = path(root, "slapd.d");
            async move {
                try_run("slapd", &["-F", &config, "-h", &urls])
                    .await
                    .map(|()| (port, ldaps_port))
            }
        })
        .await;
        for listening in std::iter::once(port).chain(ldaps_port) {
            let deadline = tokio::time::Instant::now() + WAIT;
            while tokio::net::TcpStream::connect(("127.0.0.1", listening))
                .await
                .is_err()
            {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "slapd did not start listening on {listening}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let pid_text = std::fs::read_to_string(root.join("slapd.pid")).unwrap_or_default();
        let pid = pid_text.trim().parse().expect("slapd wrote its pid");
        Slapd {
            port,
            ldaps_port,
            _dir: dir,
            pid,
        }
    }
}

fn path(root: &Path, name: &str) -> String {
    root.join(name).display().to_string()
}

async fn run(program: &str, args: &[&str]) {
    if let Err(output) = try_run(program, args).await {
        panic!("{program} {args:?} failed:\n{output}");
    }
}

/// Runs `program args` to its end (bounded); its output when it fails.
async fn try_run(program: &str, args: &[&str]) -> Result<(), String> {
    let output = tokio::time::timeout(
        WAIT,
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{program} {args:?} did not finish within {WAIT:?}"))
    .unwrap_or_else(|error| {
        panic!("{program} cannot run (is slapd installed? .ci/run installs it): {error}")
    });
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
