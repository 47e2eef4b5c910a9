//! Key pairs for generated certificates. ECDSA keys are generated fresh for each certificate;
//! RSA keys (slow to generate, 4096-bit ones especially) come from a pool shared by every world
//! of a run: a world's n-th RSA key of a size is the pool's n-th, so distinct certificates of one
//! world still get distinct keys while the suite generates each only once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rcgen::{KeyPair, RsaKeySize, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_RSA_SHA256};

use crate::spec::KeySpec;

/// The run's RSA keys by (size, slot).
#[derive(Default)]
pub struct KeyPool {
    rsa: Mutex<HashMap<(KeySpec, usize), Arc<KeyPair>>>,
}

impl KeyPool {
    /// The process-wide pool.
    pub fn shared() -> &'static KeyPool {
        static POOL: OnceLock<KeyPool> = OnceLock::new();
        POOL.get_or_init(KeyPool::default)
    }

    /// A key of `spec`; `slot` distinguishes RSA keys within one world.
    pub fn key(&self, spec: KeySpec, slot: usize) -> Result<Arc<KeyPair>, rcgen::Error> {
        let size = match spec {
            KeySpec::EcdsaP256 => {
                return KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map(Arc::new)
            }
            KeySpec::EcdsaP384 => {
                return KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).map(Arc::new)
            }
            KeySpec::Rsa2048 => RsaKeySize::_2048,
            KeySpec::Rsa3072 => RsaKeySize::_3072,
            KeySpec::Rsa4096 => RsaKeySize::_4096,
        };
        // Generating while holding the lock serialises RSA generation, which is what 2 cores
        // want anyway, and guarantees one key per slot.
        let mut pool = self.rsa.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = pool.get(&(spec, slot)) {
            return Ok(key.clone());
        }
        let key = Arc::new(KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size)?);
        pool.insert((spec, slot), key.clone());
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_slots_are_reused_across_worlds_and_distinct_within_one() {
        let pool = KeyPool::default();
        let first = pool.key(KeySpec::Rsa2048, 0).unwrap();
        let again = pool.key(KeySpec::Rsa2048, 0).unwrap();
        let second = pool.key(KeySpec::Rsa2048, 1).unwrap();
        assert_eq!(first.public_key_raw(), again.public_key_raw());
        assert_ne!(first.public_key_raw(), second.public_key_raw());
    }

    #[test]
    fn ecdsa_keys_are_fresh() {
        let pool = KeyPool::default();
        let a = pool.key(KeySpec::EcdsaP256, 0).unwrap();
        let b = pool.key(KeySpec::EcdsaP256, 0).unwrap();
        assert_ne!(a.public_key_raw(), b.public_key_raw());
    }
}
