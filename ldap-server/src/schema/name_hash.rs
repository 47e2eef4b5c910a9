//! The hash for the schema's name tables: FNV-1a.
//!
//! Every request looks attribute names up (a bind about nine times), and the standard
//! library's SipHash, built to resist chosen keys, cost more than the rest of a lookup. The
//! tables' keys are the schema's own names and OIDs and what an administrator's LDIF adds; a
//! client's names are only looked up, never inserted, so there is nothing to attack with
//! colliding keys.

use std::hash::{BuildHasherDefault, Hasher};

/// 64-bit FNV-1a.
#[derive(Debug, Clone, Copy)]
pub struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` hasher builder for the name tables.
pub type Names = BuildHasherDefault<NameHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_fnv_1a() {
        // Published FNV-1a 64 test vectors.
        for (input, expected) in [
            (&b""[..], 0xcbf2_9ce4_8422_2325u64),
            (b"a", 0xaf63_dc4c_8601_ec8c),
            (b"foobar", 0x8594_4171_f739_67e8),
        ] {
            let mut hasher = NameHasher::default();
            hasher.write(input);
            assert_eq!(hasher.finish(), expected);
        }
    }
}
