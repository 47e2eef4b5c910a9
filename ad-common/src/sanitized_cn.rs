//! The CN certutil and AD CS give the objects they create from a CA's name (MS-WCCE 3.1.1.4.1.1,
//! domain.md §A.7): disallowed characters become `!xxxx`, and a name longer than 51 characters is
//! cut to 51 — never inside an `!xxxx` — plus `-` and a 5-digit hash of what was cut, so that it
//! fits the 64-character limit of an RDN with room to spare (at most 57 characters).

use std::fmt::Write;

/// Replaced by `!` and four lower-case hex digits (MS-WCCE 3.1.1.4.1.1.2), as are characters
/// below 0x20 and from 0x7F up. `~` (0x7E) is not among them.
const DISALLOWED: &str = "!\"#%&'()*+,/:;<=>?[\\]^`{|}";
/// The longest sanitized name kept whole; longer ones are cut to it.
const KEPT: usize = 51;
/// `!xxxx`.
const ESCAPE_LEN: usize = 5;

/// The sanitized, shortened CN of `name`.
pub fn sanitized_cn(name: &str) -> String {
    shorten(escape(name))
}

/// Step 1: every disallowed character as `!` + the 4 hex digits of each of its UTF-16 units.
pub fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if (c as u32) < 0x20 || (c as u32) >= 0x7F || DISALLOWED.contains(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "!{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Step 2: a name over 51 characters keeps its first 51 (less an `!xxxx` the cut would split),
/// then `-` and the hash of the rest, in 5 decimal digits. An escaped name is ASCII, so
/// characters are bytes here.
fn shorten(escaped: String) -> String {
    if escaped.len() <= KEPT {
        return escaped;
    }
    let mut cut = KEPT;
    // `!` only starts escapes (a literal `!` is escaped as `!0021`).
    if let Some(start) = escaped[..KEPT].rfind('!') {
        if start + ESCAPE_LEN > KEPT {
            cut = start;
        }
    }
    let hash = excess_hash(&escaped.as_bytes()[cut..]);
    format!("{}-{hash:05}", &escaped[..cut])
}

/// MS-WCCE 3.1.1.4.1.1.1: a 16-bit rotate-left-and-add over the cut characters.
fn excess_hash(excess: &[u8]) -> u16 {
    excess.iter().fold(0u16, |hash, &c| {
        let low_bit = u16::from(hash & 0x8000 != 0);
        ((hash << 1) | low_bit).wrapping_add(u16::from(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_example_is_escaped_and_kept_whole() {
        assert_eq!(
            sanitized_cn("LongCAName(WithSpeci@#$%^Characters"),
            "LongCAName!0028WithSpeci@!0023$!0025!005eCharacters"
        );
        assert_eq!(sanitized_cn("Contoso Root CA"), "Contoso Root CA");
        assert_eq!(sanitized_cn("A, Inc."), "A!002c Inc.");
        assert_eq!(sanitized_cn("Zürich"), "Z!00fcrich");
        assert_eq!(sanitized_cn("a=b+c"), "a!003db!002bc");
        assert_eq!(sanitized_cn("tab\there"), "tab!0009here");
        assert_eq!(sanitized_cn("del\u{7f}"), "del!007f");
        // Outside the BMP: both UTF-16 units.
        assert_eq!(sanitized_cn("CA 😀"), "CA !d83d!de00");
    }

    #[test]
    fn tilde_is_allowed() {
        assert_eq!(sanitized_cn("CA~1"), "CA~1");
    }

    #[test]
    fn fifty_one_characters_stay_whole_and_fifty_two_are_cut_and_hashed() {
        let exactly = "A".repeat(51);
        assert_eq!(sanitized_cn(&exactly), exactly);
        // The one cut 'A' (65): hash = (0 << 1 | 0) + 65.
        assert_eq!(
            sanitized_cn(&"A".repeat(52)),
            format!("{}-00065", "A".repeat(51))
        );
        // Nine cut 'A's; the value checked against an independent implementation of the rule.
        assert_eq!(
            sanitized_cn(&"A".repeat(60)),
            format!("{}-33215", "A".repeat(51))
        );
    }

    #[test]
    fn a_cut_inside_an_escape_drops_the_whole_escape_into_the_hash() {
        // 48 x then `!002c`: the cut at 51 would leave `!00`; the whole escape goes.
        let name = format!("{},tail of the name", "x".repeat(48));
        assert_eq!(sanitized_cn(&name), format!("{}-13908", "x".repeat(48)));
        // 46 x then `!002c` ends exactly at 51: kept.
        let name = format!("{},tail of the name", "x".repeat(46));
        assert!(sanitized_cn(&name).starts_with(&format!("{}!002c-", "x".repeat(46))));
    }

    #[test]
    fn a_long_ca_name_with_a_comma_becomes_57_characters() {
        let name = "Contoso Worldwide Holdings, Inc. Enterprise Issuing CA 2026-G2";
        let cn = sanitized_cn(name);
        assert_eq!(
            cn,
            "Contoso Worldwide Holdings!002c Inc. Enterprise Iss-59385"
        );
        assert_eq!(cn.len(), 57);
    }

    #[test]
    fn the_hash_wraps_at_16_bits_and_rotates_the_high_bit_in() {
        assert_eq!(excess_hash(&[0xff; 40]), {
            let mut hash: u32 = 0;
            for _ in 0..40 {
                let low = (hash >> 15) & 1;
                hash = (((hash << 1) | low) + 0xff) & 0xffff;
            }
            hash as u16
        });
        assert_eq!(excess_hash(b""), 0);
    }
}
