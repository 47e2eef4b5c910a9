//! The case- and space-insensitive form of a string (RFC 4518's common subset), shared by DN
//! comparison ([`crate::dn`]) and the string syntaxes ([`crate::schema`]) so that neither needs
//! the other for it.

/// Case- and space-insensitive form of a string value (RFC 4518 in its common subset: trim,
/// collapse inner runs of spaces, lower-case). Invalid UTF-8 compares as its bytes.
pub(crate) fn fold_case(value: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(value) {
        Ok(text) => {
            let mut out = String::with_capacity(text.len());
            for word in text.split(' ').filter(|word| !word.is_empty()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                if word.is_ascii() {
                    // In place: no string per word (DN keys fold every RDN of every parse).
                    let start = out.len();
                    out.push_str(word);
                    out[start..].make_ascii_lowercase();
                } else {
                    out.push_str(&word.to_lowercase());
                }
            }
            out.into_bytes()
        }
        Err(_) => value.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_runs_of_spaces() {
        assert_eq!(fold_case(b"  Root   CA "), b"root ca");
        assert_eq!(
            fold_case("Ärger IM Büro".as_bytes()),
            "ärger im büro".as_bytes()
        );
        assert_eq!(fold_case(b"\xff A"), b"\xff A");
    }
}
