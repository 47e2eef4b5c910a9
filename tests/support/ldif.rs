//! LDIF and certificate generators (users, bulk users, CAs, the standard fixture), base64, and
//! parsing of ldapsearch's LDIF output.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::*;

/// Windows FILETIME (100 ns since 1601) for "now"; a normal pwdLastSet.
pub fn filetime_now() -> u64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    (secs + 11_644_473_600) * 10_000_000
}

/// A user entry `CN=<sam>,CN=Users,...` with `objectClass: user` only (the server derives the chain),
/// sAMAccountName, userPrincipalName `<sam>@example.test`, `userPassword` (omitted when empty) and
/// the healthy defaults userAccountControl 512, pwdLastSet now, accountExpires never. `extra`
/// `(name, value)` pairs replace a default of the same name or are appended.
pub fn user_ldif(sam: &str, password: &str, extra: &[(&str, &str)]) -> String {
    let pwd_last_set = filetime_now().to_string();
    let mut attrs: Vec<(String, String)> = vec![
        ("userAccountControl".into(), "512".into()),
        ("pwdLastSet".into(), pwd_last_set),
        ("accountExpires".into(), "9223372036854775807".into()),
    ];
    for (k, v) in extra {
        if let Some(slot) = attrs.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(k)) {
            slot.1 = v.to_string();
        } else {
            attrs.push((k.to_string(), v.to_string()));
        }
    }
    let mut s = String::new();
    s.push_str(&format!("dn: {}\n", user_dn(sam)));
    s.push_str("objectClass: user\n");
    s.push_str(&format!("cn: {sam}\n"));
    s.push_str(&format!("sAMAccountName: {sam}\n"));
    s.push_str(&format!("userPrincipalName: {sam}@{DOMAIN}\n"));
    if !password.is_empty() {
        s.push_str(&format!("userPassword: {password}\n"));
    }
    for (k, v) in attrs {
        // A name ending in ':' gives the base64 form: ("unicodePwd:", "<b64>") -> "unicodePwd:: <b64>".
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    s
}

/// `{SSHA}` of `password` with `salt`, as OpenLDAP's slappasswd writes it.
pub fn ssha(password: &str, salt: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(password.as_bytes());
    h.update(salt);
    let mut raw = h.finalize().to_vec();
    raw.extend_from_slice(salt);
    format!("{{SSHA}}{}", B64.encode(raw))
}

/// AD's unicodePwd encoding: UTF-16LE of the password in double quotes, base64 for LDIF.
pub fn unicode_pwd_b64(password: &str) -> String {
    let quoted = format!("\"{password}\"");
    let bytes: Vec<u8> = quoted
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    B64.encode(bytes)
}

/// `n` plain users `user00000`.. under CN=Users (no passwords: they only need to exist).
pub fn bulk_users_ldif(n: usize) -> String {
    let mut s = String::with_capacity(n * 200);
    for i in 0..n {
        let sam = format!("user{i:05}");
        s.push_str(&format!(
            "dn: {dn}\nobjectClass: user\ncn: {sam}\nsAMAccountName: {sam}\nuserPrincipalName: {sam}@{DOMAIN}\nuserAccountControl: 512\n\n",
            dn = user_dn(&sam)
        ));
    }
    s
}

/// A real self-signed CA certificate (DER) with subject CN=`cn`.
pub fn make_ca_cert(cn: &str) -> Vec<u8> {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("cert params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn.to_string());
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().expect("key pair");
    let cert = params.self_signed(&key).expect("self-signed cert");
    let der = cert.der().to_vec();
    assert_eq!(der[0], 0x30, "DER certificate starts with a SEQUENCE");
    der
}

/// A certificationAuthority entry `CN=<cn>,CN=<container>,<PKS>` holding `der` in cACertificate,
/// with the one-byte placeholders AD uses for the mandatory revocation lists.
pub fn ca_ldif(cn: &str, container: &str, der: &[u8]) -> String {
    format!(
        "dn: {dn}\nobjectClass: top\nobjectClass: certificationAuthority\ncn: {cn}\ncACertificate:: {b64}\ncertificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n",
        dn = ca_dn(cn, container),
        b64 = B64.encode(der)
    )
}

/// The usual seed: users in every account state and two CAs with real certificates.
pub struct Fixture {
    pub ldif: String,
    /// DER of the cert in `CN=Root CA,CN=Certification Authorities,...`.
    pub root_der: Vec<u8>,
    /// DER of the cert in `CN=Issuing CA,CN=AIA,...`.
    pub issuing_der: Vec<u8>,
}

/// Users (all with password [`USER_PASSWORD`] unless noted):
/// * `alice`, `bob`: normal (512), cleartext userPassword
/// * `dave`: disabled (514); `lucy`: locked (lockoutTime 1); `eve`: expired (accountExpires 1);
///   `mike`: must reset (pwdLastSet 0)
/// * `sam`: `{SSHA}` userPassword; `uma`: only unicodePwd
///
/// and CAs `Root CA` (Certification Authorities) and `Issuing CA` (AIA).
pub fn standard_ldif() -> Fixture {
    let root_der = make_ca_cert("Example Root CA");
    let issuing_der = make_ca_cert("Example Issuing CA");
    let mut s = String::from("version: 1\n\n");
    s.push_str(&user_ldif("alice", USER_PASSWORD, &[]));
    s.push_str(&user_ldif("bob", USER_PASSWORD, &[]));
    s.push_str(&user_ldif(
        "dave",
        USER_PASSWORD,
        &[("userAccountControl", "514")],
    ));
    s.push_str(&user_ldif("lucy", USER_PASSWORD, &[("lockoutTime", "1")]));
    s.push_str(&user_ldif("eve", USER_PASSWORD, &[("accountExpires", "1")]));
    s.push_str(&user_ldif("mike", USER_PASSWORD, &[("pwdLastSet", "0")]));
    s.push_str(&user_ldif("sam", &ssha(USER_PASSWORD, b"s4lt!xyz"), &[]));
    s.push_str(&user_ldif(
        "uma",
        "",
        &[("unicodePwd:", &unicode_pwd_b64(USER_PASSWORD))],
    ));
    s.push_str(&ca_ldif(ROOT_CA_CN, "Certification Authorities", &root_der));
    s.push_str(&ca_ldif(ISSUING_CA_CN, "AIA", &issuing_der));
    Fixture {
        ldif: s,
        root_der,
        issuing_der,
    }
}

/// Base64 (standard alphabet, padded) of `bytes`.
pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Decodes standard base64, panicking with the input on error.
pub fn unb64(text: &str) -> Vec<u8> {
    B64.decode(text.trim())
        .unwrap_or_else(|e| panic!("bad base64 {text:?}: {e}"))
}

/// Undoes LDIF line folding (a line break followed by one space continues the previous line).
pub fn unfold_ldif(text: &str) -> String {
    text.replace("\r\n", "\n").replace("\n ", "")
}

/// One entry of ldapsearch LDIF output.
#[derive(Debug, Clone, Default)]
pub struct LdifEntry {
    pub dn: String,
    /// (attribute name as printed, value bytes); `typesOnly` output gives empty values.
    pub attrs: Vec<(String, Vec<u8>)>,
}

impl LdifEntry {
    /// Values of `name` (exact spelling).
    pub fn get(&self, name: &str) -> Vec<Vec<u8>> {
        self.attrs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Values of `name` (exact spelling) as text.
    pub fn get_text(&self, name: &str) -> Vec<String> {
        self.get(name)
            .into_iter()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .collect()
    }

    /// Distinct attribute names in output order.
    pub fn names(&self) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for (n, _) in &self.attrs {
            if !seen.contains(n) {
                seen.push(n.clone());
            }
        }
        seen
    }
}

/// Parsed ldapsearch output: entries and continuation references.
#[derive(Debug, Clone, Default)]
pub struct LdifOutput {
    pub entries: Vec<LdifEntry>,
    /// URLs of search continuation references (`# refldap://...` / `ref: ldap://...` lines).
    pub refs: Vec<String>,
}

impl LdifOutput {
    pub fn dns(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.dn.clone()).collect()
    }

    pub fn find(&self, dn: &str) -> Option<&LdifEntry> {
        self.entries.iter().find(|e| e.dn.eq_ignore_ascii_case(dn))
    }
}

/// Parses unfolded (`-o ldif-wrap=no`) ldapsearch output. Reference lines are recognised in both
/// forms OpenLDAP prints (`# refldap://…` under -LLL, `ref: ldap://…` otherwise).
pub fn parse_ldif(text: &str) -> LdifOutput {
    let text = unfold_ldif(text);
    let mut out = LdifOutput::default();
    let mut cur: Option<LdifEntry> = None;
    for line in text.lines() {
        if line.is_empty() {
            if let Some(e) = cur.take() {
                out.entries.push(e);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ref") {
            let url = rest.trim_start_matches(':').trim();
            if url.starts_with("ldap") {
                out.refs.push(url.to_string());
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (name, value) = match line.find(':') {
            Some(i) => {
                let name = &line[..i];
                let rest = &line[i + 1..];
                if let Some(b) = rest.strip_prefix(':') {
                    (name.to_string(), unb64(b))
                } else {
                    (
                        name.to_string(),
                        rest.strip_prefix(' ').unwrap_or(rest).as_bytes().to_vec(),
                    )
                }
            }
            None => continue,
        };
        if name == "ref" && cur.is_none() {
            out.refs.push(String::from_utf8_lossy(&value).into_owned());
            continue;
        }
        if name == "dn" {
            if let Some(e) = cur.take() {
                out.entries.push(e);
            }
            cur = Some(LdifEntry {
                dn: String::from_utf8_lossy(&value).into_owned(),
                attrs: Vec::new(),
            });
            continue;
        }
        if let Some(e) = cur.as_mut() {
            e.attrs.push((name, value));
        }
    }
    if let Some(e) = cur.take() {
        out.entries.push(e);
    }
    out
}

/// Groups `(name, values)` pairs for quick lookups in assertions.
pub fn to_map(entry: &LdifEntry) -> HashMap<String, Vec<Vec<u8>>> {
    let mut m: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for (n, v) in &entry.attrs {
        m.entry(n.clone()).or_default().push(v.clone());
    }
    m
}
