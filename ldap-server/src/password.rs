//! Stored passwords: AD's `unicodePwd` (UTF-16LE inside double quotes, as ldifde and LDAP writes
//! carry it, or `{NT}` and the NT hash in hex, as AD itself keeps it), `userPassword` in
//! cleartext or `{SSHA}`/`{SHA}` form. Comparison is constant-time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// `{SSHA}` of a password with a fresh 8-byte salt (the form slapd's `slappasswd` writes).
pub fn hash_ssha(password: &str) -> String {
    let salt: [u8; 8] = rand::random();
    let mut hasher = Sha1::new();
    hasher.update(password.as_bytes());
    hasher.update(salt);
    let mut blob = hasher.finalize().to_vec();
    blob.extend_from_slice(&salt);
    format!("{{SSHA}}{}", STANDARD.encode(blob))
}

/// The `unicodePwd` value that keeps `password` as AD does: its NT hash (`{NT}` and 32 hex
/// digits), enough for simple binds and NTLM, without the cleartext.
pub fn nt_hash_value(password: &str) -> String {
    let hash = ntlm::nt_hash(password);
    let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{{NT}}{hex}")
}

/// The NT hash a stored value proves: a `{NT}` `unicodePwd`, or the hash of a kept cleartext
/// ([`cleartext`]).
pub fn stored_nt_hash(stored: &[u8], unicode_pwd: bool) -> Option<[u8; 16]> {
    if unicode_pwd {
        if let Some(hash) = nt_hash_of_value(stored) {
            return Some(hash);
        }
    }
    cleartext(stored, unicode_pwd).map(|text| ntlm::nt_hash(&text))
}

fn nt_hash_of_value(stored: &[u8]) -> Option<[u8; 16]> {
    let hex = stored.strip_prefix(b"{NT}")?;
    if hex.len() != 32 {
        return None;
    }
    let mut hash = [0u8; 16];
    for (slot, pair) in hash.iter_mut().zip(hex.chunks_exact(2)) {
        *slot = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(hash)
}

/// Does `offered` match a stored `userPassword` value?
pub fn verify_user_password(stored: &[u8], offered: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stored);
    if has_scheme(&text, "{ssha}") {
        let Ok(blob) = STANDARD.decode(text[6..].trim()) else {
            return false;
        };
        if blob.len() <= 20 {
            return false;
        }
        let (digest, salt) = blob.split_at(20);
        let mut hasher = Sha1::new();
        hasher.update(offered);
        hasher.update(salt);
        return bool::from(hasher.finalize().as_slice().ct_eq(digest));
    }
    if has_scheme(&text, "{sha}") {
        let Ok(digest) = STANDARD.decode(text[5..].trim()) else {
            return false;
        };
        return bool::from(Sha1::digest(offered).as_slice().ct_eq(&digest));
    }
    bool::from(stored.ct_eq(offered))
}

/// Whether `text` starts with `scheme` (lower case), ignoring case, without a lower-cased copy.
fn has_scheme(text: &str, scheme: &str) -> bool {
    text.as_bytes()
        .get(..scheme.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(scheme.as_bytes()))
}

/// The cleartext of a stored password, when it is kept so (a cleartext `userPassword`, or
/// `unicodePwd` in either form): what NTLM needs, since it proves knowledge of the NT hash. A
/// `{SSHA}`/`{SHA}` value has none (such an account cannot log on with NTLM, as an account
/// without an NT hash cannot on AD).
pub fn cleartext(stored: &[u8], unicode_pwd: bool) -> Option<String> {
    if unicode_pwd {
        if stored.len() >= 2
            && stored.len().is_multiple_of(2)
            && stored[1] == 0
            && stored[0] == b'"'
        {
            let units: Vec<u16> = stored
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            let text = String::from_utf16(&units).ok()?;
            return text
                .strip_prefix('"')
                .and_then(|text| text.strip_suffix('"'))
                .map(str::to_string);
        }
        let text = std::str::from_utf8(stored).ok()?;
        return Some(
            text.strip_prefix('"')
                .and_then(|text| text.strip_suffix('"'))
                .unwrap_or(text)
                .to_string(),
        );
    }
    let text = std::str::from_utf8(stored).ok()?;
    let lower = text.to_ascii_lowercase();
    (!lower.starts_with("{ssha}") && !lower.starts_with("{sha}")).then(|| text.to_string())
}

/// Does `offered` match a stored `unicodePwd` value? AD's wire form is the password in double
/// quotes, UTF-16LE; a plain UTF-8 value (hand-written LDIF) is accepted too.
pub fn verify_unicode_pwd(stored: &[u8], offered: &[u8]) -> bool {
    let Ok(offered) = std::str::from_utf8(offered) else {
        return false;
    };
    if let Some(hash) = nt_hash_of_value(stored) {
        return bool::from(hash.ct_eq(&ntlm::nt_hash(offered)));
    }
    let quoted = format!("\"{offered}\"");
    let utf16: Vec<u8> = quoted.encode_utf16().flat_map(u16::to_le_bytes).collect();
    if stored.len() >= 2 && stored[1] == 0 && stored[0] == b'"' {
        return bool::from(stored.ct_eq(&utf16));
    }
    let stored = stored
        .strip_prefix(b"\"")
        .and_then(|s| s.strip_suffix(b"\""))
        .unwrap_or(stored);
    bool::from(stored.ct_eq(offered.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssha_round_trips() {
        let stored = hash_ssha("Passw0rd!");
        assert!(stored.starts_with("{SSHA}"));
        assert!(verify_user_password(stored.as_bytes(), b"Passw0rd!"));
        assert!(!verify_user_password(stored.as_bytes(), b"passw0rd!"));
    }

    #[test]
    fn cleartext_and_sha() {
        assert!(verify_user_password(b"secret", b"secret"));
        assert!(!verify_user_password(b"secret", b"secre"));
        // {SHA} of "secret"
        assert!(verify_user_password(
            b"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
            b"secret"
        ));
        assert!(!verify_user_password(b"{SSHA}!!!", b"secret"));
    }

    #[test]
    fn cleartext_is_recovered_only_where_it_is_kept() {
        let quoted: Vec<u8> = "\"Secret-1\""
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(cleartext(&quoted, true).as_deref(), Some("Secret-1"));
        assert_eq!(
            cleartext(b"\"Secret-1\"", true).as_deref(),
            Some("Secret-1")
        );
        assert_eq!(cleartext(b"Secret-1", false).as_deref(), Some("Secret-1"));
        assert_eq!(cleartext(hash_ssha("x").as_bytes(), false), None);
        assert_eq!(cleartext(b"{SHA}abc", false), None);
        assert_eq!(cleartext(&[0xff, 0xfe], false), None);
    }

    #[test]
    fn unicode_pwd_forms() {
        let wire: Vec<u8> = "\"Alice!1\""
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(verify_unicode_pwd(&wire, b"Alice!1"));
        assert!(!verify_unicode_pwd(&wire, b"Alice!2"));
        assert!(verify_unicode_pwd(b"\"Alice!1\"", b"Alice!1"));
        assert!(verify_unicode_pwd(b"Alice!1", b"Alice!1"));
    }

    #[test]
    fn an_nt_hash_value_verifies_simple_binds_and_gives_ntlm_its_hash() {
        let stored = nt_hash_value("Password");
        // MS-NLMP 4.2.4's NT hash of "Password".
        assert_eq!(stored, "{NT}a4f49c406510bdcab6824ee7c30fd852");
        assert!(verify_unicode_pwd(stored.as_bytes(), b"Password"));
        assert!(!verify_unicode_pwd(stored.as_bytes(), b"password"));
        assert_eq!(
            stored_nt_hash(stored.as_bytes(), true),
            Some(ntlm::nt_hash("Password"))
        );
        assert_eq!(
            stored_nt_hash(b"\"Alice!1\"", true),
            Some(ntlm::nt_hash("Alice!1"))
        );
        assert_eq!(stored_nt_hash(b"{SSHA}abcd", false), None);
        assert_eq!(
            stored_nt_hash(b"{NT}zz", true),
            Some(ntlm::nt_hash("{NT}zz"))
        );
    }
}
