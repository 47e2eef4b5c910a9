//! The DC's TLS crypto: aws-lc-rs, as everywhere here, with TLS 1.3's key schedule (HKDF) done
//! over a keyed HMAC that is set up once per secret.
//!
//! rustls's aws-lc-rs provider derives each TLS 1.3 secret with aws-lc's one-shot `HKDF`, which
//! redoes the extract step and the HMAC key setup for every label. A handshake derives about
//! twenty, and with the SHA-384 suite clients prefer that was the single largest cost of an
//! LDAPS connection to the server (a fifth of its CPU, more than the key exchange). rustls's
//! own `HkdfUsingHmac` computes the same RFC 5869 function from an HMAC whose key is prepared
//! once; the HMAC is aws-lc-rs's. The outputs are the provider's, byte for byte (tested).

use std::sync::{Arc, LazyLock};

use rustls::crypto::hmac::{Hmac, Key, Tag};
use rustls::crypto::tls13::HkdfUsingHmac;
use rustls::crypto::{CipherSuiteCommon, CryptoProvider};
use rustls::{SupportedCipherSuite, Tls13CipherSuite};

/// aws-lc-rs's HMAC with one hash.
///
/// `Hmac::fips` keeps its default (false): the workspace does not build aws-lc-rs's FIPS
/// module, and a FIPS build would have to vouch for this HKDF before saying otherwise.
struct AwsLcHmac(aws_lc_rs::hmac::Algorithm);

struct AwsLcHmacKey(aws_lc_rs::hmac::Key);

impl Hmac for AwsLcHmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn Key> {
        Box::new(AwsLcHmacKey(aws_lc_rs::hmac::Key::new(self.0, key)))
    }

    fn hash_output_len(&self) -> usize {
        self.0.digest_algorithm().output_len()
    }
}

impl Key for AwsLcHmacKey {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> Tag {
        // A copy of the prepared key's state: no hashing of the key pads again.
        let mut context = aws_lc_rs::hmac::Context::with_key(&self.0);
        context.update(first);
        for part in middle {
            context.update(part);
        }
        context.update(last);
        Tag::new(context.sign().as_ref())
    }

    fn tag_len(&self) -> usize {
        self.0.algorithm().digest_algorithm().output_len()
    }
}

static HMAC_SHA256: AwsLcHmac = AwsLcHmac(aws_lc_rs::hmac::HMAC_SHA256);
static HMAC_SHA384: AwsLcHmac = AwsLcHmac(aws_lc_rs::hmac::HMAC_SHA384);
static HKDF_SHA256: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA256);
static HKDF_SHA384: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA384);

/// The provider's TLS 1.3 suites with the HKDF above, in the provider's order.
static TLS13_SUITES: LazyLock<Vec<Tls13CipherSuite>> = LazyLock::new(|| {
    rustls::crypto::aws_lc_rs::default_provider()
        .cipher_suites
        .iter()
        .filter_map(|suite| match suite {
            SupportedCipherSuite::Tls13(suite) => Some(with_keyed_hkdf(suite)),
            SupportedCipherSuite::Tls12(_) => None,
        })
        .collect()
});

fn with_keyed_hkdf(suite: &'static Tls13CipherSuite) -> Tls13CipherSuite {
    use rustls::crypto::hash::HashAlgorithm;
    let hkdf_provider = match suite.common.hash_provider.algorithm() {
        HashAlgorithm::SHA256 => &HKDF_SHA256,
        HashAlgorithm::SHA384 => &HKDF_SHA384,
        // A hash this module has no HMAC for keeps the provider's own HKDF.
        _ => suite.hkdf_provider,
    };
    Tls13CipherSuite {
        common: CipherSuiteCommon {
            suite: suite.common.suite,
            hash_provider: suite.common.hash_provider,
            confidentiality_limit: suite.common.confidentiality_limit,
        },
        hkdf_provider,
        aead_alg: suite.aead_alg,
        quic: suite.quic,
    }
}

/// aws-lc-rs's default provider, its TLS 1.3 suites using the keyed HKDF; TLS 1.2 suites,
/// key exchange, signatures and everything else unchanged.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    for suite in &mut provider.cipher_suites {
        let id = suite.suite();
        if let Some(keyed) = TLS13_SUITES.iter().find(|keyed| keyed.common.suite == id) {
            *suite = SupportedCipherSuite::Tls13(keyed);
        }
    }
    Arc::new(provider)
}

#[cfg(test)]
mod tests {
    use rustls::crypto::tls13::{Hkdf, OkmBlock};

    use super::*;

    /// Every suite's HKDF gives what the provider's gives: extract with and without salt,
    /// expand to a block and to a slice, from a secret and from an earlier block.
    #[test]
    fn the_keyed_hkdf_matches_the_providers_byte_for_byte() {
        let originals: Vec<&'static Tls13CipherSuite> =
            rustls::crypto::aws_lc_rs::default_provider()
                .cipher_suites
                .iter()
                .filter_map(|suite| match suite {
                    SupportedCipherSuite::Tls13(suite) => Some(*suite),
                    SupportedCipherSuite::Tls12(_) => None,
                })
                .collect();
        assert_eq!(originals.len(), TLS13_SUITES.len());
        assert!(!originals.is_empty());
        for (original, keyed) in originals.iter().zip(TLS13_SUITES.iter()) {
            assert_eq!(original.common.suite, keyed.common.suite);
            let (theirs, ours): (&dyn Hkdf, &dyn Hkdf) =
                (original.hkdf_provider, keyed.hkdf_provider);
            let salt = [7u8; 48];
            let secret = b"a shared secret from the key exchange";
            let info: [&[u8]; 3] = [b"\x00\x20", b"tls13 c hs traffic", b"\x20transcript"];
            let expanders = [
                (
                    theirs.extract_from_secret(Some(&salt[..]), secret),
                    ours.extract_from_secret(Some(&salt[..]), secret),
                ),
                (
                    theirs.extract_from_secret(None, secret),
                    ours.extract_from_secret(None, secret),
                ),
                (
                    theirs.extract_from_zero_ikm(None),
                    ours.extract_from_zero_ikm(None),
                ),
            ];
            for (theirs_expander, ours_expander) in &expanders {
                let block = theirs_expander.expand_block(&info);
                assert_eq!(block.as_ref(), ours_expander.expand_block(&info).as_ref());
                let mut a = [0u8; 12];
                let mut b = [0u8; 12];
                theirs_expander.expand_slice(&info, &mut a).unwrap();
                ours_expander.expand_slice(&info, &mut b).unwrap();
                assert_eq!(a, b);
                let next = OkmBlock::new(block.as_ref());
                assert_eq!(
                    theirs.expander_for_okm(&next).expand_block(&info).as_ref(),
                    ours.expander_for_okm(&next).expand_block(&info).as_ref()
                );
                assert_eq!(
                    theirs.hmac_sign(&next, b"finished").as_ref(),
                    ours.hmac_sign(&next, b"finished").as_ref()
                );
            }
        }
    }

    /// Whether `hkdf` is one of this module's (not the provider's own, which a fallback in
    /// [`with_keyed_hkdf`] would leave and the byte comparison could not tell apart).
    fn is_keyed(hkdf: &dyn Hkdf) -> bool {
        let hkdf = hkdf as *const dyn Hkdf;
        std::ptr::addr_eq(hkdf, &HKDF_SHA256 as *const HkdfUsingHmac<'static>)
            || std::ptr::addr_eq(hkdf, &HKDF_SHA384 as *const HkdfUsingHmac<'static>)
    }

    #[test]
    fn every_tls13_suite_of_the_provider_uses_the_keyed_hkdf() {
        let ours = provider();
        let mut tls13 = 0;
        for suite in &ours.cipher_suites {
            if let SupportedCipherSuite::Tls13(suite) = suite {
                tls13 += 1;
                assert!(is_keyed(suite.hkdf_provider), "{:?}", suite.common.suite);
            }
        }
        assert_eq!(tls13, TLS13_SUITES.len());
        assert!(TLS13_SUITES
            .iter()
            .all(|suite| is_keyed(suite.hkdf_provider)));
        // The provider's own suites are not.
        for suite in rustls::crypto::aws_lc_rs::default_provider().cipher_suites {
            if let SupportedCipherSuite::Tls13(suite) = suite {
                assert!(!is_keyed(suite.hkdf_provider));
            }
        }
    }

    #[test]
    fn only_the_tls13_hkdf_changes() {
        let ours = provider();
        let theirs = rustls::crypto::aws_lc_rs::default_provider();
        let names = |provider: &CryptoProvider| {
            provider
                .cipher_suites
                .iter()
                .map(|suite| suite.suite())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&ours), names(&theirs));
        assert_eq!(ours.kx_groups.len(), theirs.kx_groups.len());
    }
}
