//! LDAP over TLS against real TLS peers (issue #10, the clients' side): `phone-client` and
//! `adpki` with `--ldap-tls starttls|ldaps` and `--ca-file`, against
//!
//! * a private OpenLDAP slapd with a certificate we issue (rcgen: SAN `dc1.example.test` and
//!   `IP:127.0.0.1`), serving StartTLS and LDAPS on ports of its own ([`slapd`]);
//! * Samba AD DC **as installed** (`ldap server require strong auth` at its default, yes), once
//!   with such a certificate given through `tls certfile/keyfile/cafile`, once with the CN-only
//!   certificate Samba generates for itself ([`samba`]). Samba's ports are fixed (389/636), so
//!   these tests take the Samba lock ([`e2e::samba::Samba`]).
//!
//! What they prove: boots and audits succeed over StartTLS and LDAPS when the DC's certificate
//! chains to `--ca-file` and names the `--dc` host; a wrong `--ca-file` is reported as an unknown
//! issuer, another name as a name mismatch, a CN-only certificate as such; a simple bind over plain
//! LDAP to a DC that requires TLS carries the plain sentence and the DC's own text.

use e2e::dc_cert::DcCert;
use e2e::phone_rig::*;
use e2e::*;

mod samba;
mod slapd;

/// The DC's name in every certificate here.
const DC_NAME: &str = "dc1.example.test";

/// `--dc NAME:PORT --resolve NAME=127.0.0.1:PORT --ldap-tls MODE --ca-file FILE`.
fn over(mode: &str, name: &str, port: u16, ca_file: &std::path::Path) -> Vec<String> {
    let mut args = vec![
        "--ldap-tls".to_string(),
        mode.to_string(),
        "--ca-file".to_string(),
        ca_file.display().to_string(),
    ];
    if name.parse::<std::net::IpAddr>().is_ok() {
        args.extend(["--dc".to_string(), format!("{name}:{port}")]);
    } else {
        args.extend([
            "--dc".to_string(),
            format!("{name}:{port}"),
            "--resolve".to_string(),
            format!("{name}=127.0.0.1:{port}"),
        ]);
    }
    args
}

/// `phone-client --user U --password P <args>` with the rig's registrar; (code, report, text).
async fn boot_over(
    user: &str,
    password: &str,
    registrar_port: u16,
    args: &[String],
) -> (i32, serde_json::Value, String) {
    run_phone(user, password, &[], registrar_port, args).await
}

/// `adpki <args>`, bounded by the tool timeout.
async fn adpki(args: &[String]) -> ToolOutput {
    run_tool(adpki_binary().to_str().expect("utf-8 path"), args).await
}

/// Strings as owned arguments.
fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}
