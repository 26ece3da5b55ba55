//! Signature verification: the one place that knows a crypto library.
//!
//! Keys are built once ([`PublicKey::new`]: once per JWKS fetch for access-token keys, once per
//! proof for DPoP keys) and then verify signatures with no further parsing. Two backends:
//!
//! - [`CryptoBackend::AwsLc`] (the default): aws-lc-rs, chosen by measurement — an RSA-2048
//!   verify costs about 18 µs against about 207 µs for jsonwebtoken's `rust_crypto` backend, a
//!   P-256 verify about 59 µs against about 332 µs for the `p256` crate (`benches/verify.rs`,
//!   BENCHMARKS.md).
//! - `CryptoBackend::RustCrypto` (feature `rust-crypto`): the pure-Rust RustCrypto crates
//!   (`rsa`, `p256`, `p384`, `ed25519-dalek`), for deployments that prefer them for signature
//!   checks. Several times slower; hashing and TLS still use aws-lc-rs.

use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};

use crate::algorithm::Algorithm;

/// Which library verifies token and proof signatures
/// ([`Auth0Builder::crypto_backend`](crate::Auth0Builder::crypto_backend)).
///
/// ```
/// use auth0_actix::CryptoBackend;
/// assert_eq!(CryptoBackend::default(), CryptoBackend::AwsLc);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CryptoBackend {
    /// aws-lc-rs (default): the fastest we measured.
    #[default]
    AwsLc,
    /// The RustCrypto crates (`rsa`, `p256`, `p384`, `ed25519-dalek`). Feature `rust-crypto`.
    #[cfg(feature = "rust-crypto")]
    RustCrypto,
}

/// The public numbers of a key, as a JWK carries them (big-endian bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Material<'a> {
    /// `kty: RSA`: modulus `n`, exponent `e`.
    Rsa { n: &'a [u8], e: &'a [u8] },
    /// `kty: EC`: the point's coordinates (32 bytes each for P-256, 48 for P-384).
    Ec { x: &'a [u8], y: &'a [u8] },
    /// `kty: OKP`, `crv: Ed25519`: the 32-byte public key.
    Okp { x: &'a [u8] },
}

/// A public key ready to verify signatures of one algorithm.
pub(crate) enum PublicKey {
    AwsLc(ParsedPublicKey),
    #[cfg(feature = "rust-crypto")]
    RustCrypto(rust_crypto::Key),
}

impl PublicKey {
    /// Builds the key for `alg` from `material`; an error says why the key is unusable (wrong
    /// kind for `alg`, not on the curve, RSA modulus outside 2048–8192 bits, …).
    pub(crate) fn new(
        backend: CryptoBackend,
        alg: Algorithm,
        material: Material<'_>,
    ) -> Result<PublicKey, &'static str> {
        // Both backends take RSA moduli of 2048 to 8192 bits (aws-lc-rs's RSA_*_2048_8192_*
        // would only refuse a smaller key when verifying): refuse others when the key is built.
        match material {
            Material::Rsa { n, .. } if !(2048..=8192).contains(&bit_length(n)) => {
                return Err("RSA modulus outside 2048-8192 bits");
            }
            // aws-lc-rs would also read an SPKI document here; a JWK's `x` is the raw key.
            Material::Okp { x } if x.len() != 32 => {
                return Err("Ed25519 key of the wrong length");
            }
            _ => {}
        }
        match backend {
            CryptoBackend::AwsLc => {
                let bytes = match material {
                    Material::Rsa { n, e } => rsa_public_key_der(n, e),
                    Material::Ec { x, y } => {
                        let mut point = Vec::with_capacity(1 + x.len() + y.len());
                        point.push(0x04);
                        point.extend_from_slice(x);
                        point.extend_from_slice(y);
                        point
                    }
                    Material::Okp { x } => x.to_vec(),
                };
                ParsedPublicKey::new(verification_algorithm(alg), bytes)
                    .map(PublicKey::AwsLc)
                    .map_err(|_| "key rejected by the crypto backend")
            }
            #[cfg(feature = "rust-crypto")]
            CryptoBackend::RustCrypto => {
                rust_crypto::Key::new(alg, material).map(PublicKey::RustCrypto)
            }
        }
    }

    /// Whether `signature` is a valid signature of `message` by this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::AwsLc(key) => key.verify_sig(message, signature).is_ok(),
            #[cfg(feature = "rust-crypto")]
            PublicKey::RustCrypto(key) => key.verify(message, signature),
        }
    }
}

/// The number of significant bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => (bytes.len() - i) * 8 - bytes[i].leading_zeros() as usize,
    }
}

/// The aws-lc-rs verification algorithm for a JWS algorithm.
fn verification_algorithm(alg: Algorithm) -> &'static dyn VerificationAlgorithm {
    match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
        Algorithm::EdDSA => &signature::ED25519,
    }
}

/// DER of PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let n = der_integer(n);
    let e = der_integer(e);
    let mut out = Vec::with_capacity(n.len() + e.len() + 4);
    out.push(0x30);
    der_length(&mut out, n.len() + e.len());
    out.extend_from_slice(&n);
    out.extend_from_slice(&e);
    out
}

fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    let digits = &bytes[start.min(bytes.len())..];
    let pad = digits.first().is_none_or(|&b| b & 0x80 != 0);
    let mut out = Vec::with_capacity(digits.len() + 5);
    out.push(0x02);
    der_length(&mut out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(feature = "rust-crypto")]
mod rust_crypto {
    //! The RustCrypto backend: `rsa` (PKCS#1 v1.5 and PSS), `p256`, `p384`, `ed25519-dalek`.

    use rsa::signature::Verifier as _;
    use rsa::{BigUint, RsaPublicKey};
    use sha2::{Sha256, Sha384, Sha512};

    use crate::algorithm::Algorithm;
    use crate::crypto::Material;

    pub(crate) enum Key {
        Rs256(rsa::pkcs1v15::VerifyingKey<Sha256>),
        Rs384(rsa::pkcs1v15::VerifyingKey<Sha384>),
        Rs512(rsa::pkcs1v15::VerifyingKey<Sha512>),
        Ps256(rsa::pss::VerifyingKey<Sha256>),
        Ps384(rsa::pss::VerifyingKey<Sha384>),
        Ps512(rsa::pss::VerifyingKey<Sha512>),
        Es256(p256::ecdsa::VerifyingKey),
        Es384(p384::ecdsa::VerifyingKey),
        EdDsa(ed25519_dalek::VerifyingKey),
    }

    impl Key {
        pub(crate) fn new(alg: Algorithm, material: Material<'_>) -> Result<Key, &'static str> {
            const WRONG_KIND: &str = "key of the wrong kind for its algorithm";
            let rsa = || -> Result<RsaPublicKey, &'static str> {
                let Material::Rsa { n, e } = material else {
                    return Err(WRONG_KIND);
                };
                // `new` stops at 4096 bits; accept what the aws-lc-rs backend accepts.
                RsaPublicKey::new_with_max_size(
                    BigUint::from_bytes_be(n),
                    BigUint::from_bytes_be(e),
                    8192,
                )
                .map_err(|_| "key rejected by the crypto backend")
            };
            let point = |len: usize| -> Result<Vec<u8>, &'static str> {
                let Material::Ec { x, y } = material else {
                    return Err(WRONG_KIND);
                };
                if x.len() != len || y.len() != len {
                    return Err("EC coordinates of the wrong length");
                }
                Ok([&[0x04][..], x, y].concat())
            };
            let rejected = |_| "key rejected by the crypto backend";
            Ok(match alg {
                Algorithm::RS256 => Key::Rs256(rsa::pkcs1v15::VerifyingKey::new(rsa()?)),
                Algorithm::RS384 => Key::Rs384(rsa::pkcs1v15::VerifyingKey::new(rsa()?)),
                Algorithm::RS512 => Key::Rs512(rsa::pkcs1v15::VerifyingKey::new(rsa()?)),
                Algorithm::PS256 => Key::Ps256(rsa::pss::VerifyingKey::new(rsa()?)),
                Algorithm::PS384 => Key::Ps384(rsa::pss::VerifyingKey::new(rsa()?)),
                Algorithm::PS512 => Key::Ps512(rsa::pss::VerifyingKey::new(rsa()?)),
                Algorithm::ES256 => Key::Es256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(&point(32)?).map_err(rejected)?,
                ),
                Algorithm::ES384 => Key::Es384(
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(&point(48)?).map_err(rejected)?,
                ),
                Algorithm::EdDSA => {
                    let Material::Okp { x } = material else {
                        return Err(WRONG_KIND);
                    };
                    let x: &[u8; 32] = x
                        .try_into()
                        .map_err(|_| "Ed25519 key of the wrong length")?;
                    Key::EdDsa(ed25519_dalek::VerifyingKey::from_bytes(x).map_err(rejected)?)
                }
            })
        }

        pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
            match self {
                Key::Rs256(k) => pkcs1(k, message, signature),
                Key::Rs384(k) => pkcs1(k, message, signature),
                Key::Rs512(k) => pkcs1(k, message, signature),
                Key::Ps256(k) => pss(k, message, signature),
                Key::Ps384(k) => pss(k, message, signature),
                Key::Ps512(k) => pss(k, message, signature),
                Key::Es256(k) => p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|s| k.verify(message, &s).is_ok()),
                Key::Es384(k) => p384::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|s| k.verify(message, &s).is_ok()),
                Key::EdDsa(k) => ed25519_dalek::Signature::from_slice(signature)
                    .is_ok_and(|s| k.verify_strict(message, &s).is_ok()),
            }
        }
    }

    fn pkcs1<V: rsa::signature::Verifier<rsa::pkcs1v15::Signature>>(
        key: &V,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        rsa::pkcs1v15::Signature::try_from(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
    }

    fn pss<V: rsa::signature::Verifier<rsa::pss::Signature>>(
        key: &V,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        rsa::pss::Signature::try_from(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every backend this build has.
    fn backends() -> Vec<CryptoBackend> {
        vec![
            CryptoBackend::AwsLc,
            #[cfg(feature = "rust-crypto")]
            CryptoBackend::RustCrypto,
        ]
    }

    #[cfg(feature = "testing")]
    #[test]
    fn every_backend_verifies_every_algorithm_and_refuses_tampering() {
        use base64::Engine as _;

        use crate::jose::B64;
        use crate::testing::SigningKey;

        for alg in Algorithm::ALL {
            let key = SigningKey::generate("k", alg);
            let jwk = key.public_jwk();
            let member = |name: &str| {
                B64.decode(jwk[name].as_str().unwrap_or_default())
                    .unwrap_or_default()
            };
            let (a, b) = match alg.key_type() {
                "RSA" => (member("n"), member("e")),
                "EC" => (member("x"), member("y")),
                _ => (member("x"), Vec::new()),
            };
            let material = match alg.key_type() {
                "RSA" => Material::Rsa { n: &a, e: &b },
                "EC" => Material::Ec { x: &a, y: &b },
                _ => Material::Okp { x: &a },
            };
            let message = b"header.payload";
            let signature = key.sign(message);
            let mut bad_signature = signature.clone();
            bad_signature[0] ^= 1;
            for backend in backends() {
                let public = PublicKey::new(backend, alg, material)
                    .unwrap_or_else(|e| panic!("{alg} on {backend:?}: {e}"));
                assert!(public.verify(message, &signature), "{alg} on {backend:?}");
                assert!(
                    !public.verify(b"header.payloaD", &signature),
                    "{alg} on {backend:?}"
                );
                assert!(
                    !public.verify(message, &bad_signature),
                    "{alg} on {backend:?}"
                );
                assert!(
                    !public.verify(message, &signature[1..]),
                    "{alg} on {backend:?}"
                );
                assert!(!public.verify(message, b""), "{alg} on {backend:?}");
            }
        }
    }

    /// A well-formed RSA key of `bits` bits (modulus odd, top bit set), public numbers only.
    fn big_modulus(bits: usize) -> Vec<u8> {
        let mut n = vec![0xc5u8; bits / 8];
        n[0] = 0xff;
        n[bits / 8 - 1] |= 1;
        n
    }

    #[test]
    fn every_backend_takes_rsa_moduli_from_2048_to_8192_bits() {
        for backend in backends() {
            for bits in [2048, 4096, 6144, 8192] {
                let n = big_modulus(bits);
                let rsa = Material::Rsa {
                    n: &n,
                    e: &[1, 0, 1],
                };
                assert!(
                    PublicKey::new(backend, Algorithm::RS256, rsa).is_ok(),
                    "{bits} bits on {backend:?}"
                );
            }
            let n = big_modulus(8192 + 8);
            let rsa = Material::Rsa {
                n: &n,
                e: &[1, 0, 1],
            };
            assert!(PublicKey::new(backend, Algorithm::RS256, rsa).is_err());
            let spki_sized = [1u8; 44];
            let okp = Material::Okp { x: &spki_sized };
            assert!(PublicKey::new(backend, Algorithm::EdDSA, okp).is_err());
        }
    }

    #[test]
    fn keys_that_cannot_be_used_are_refused_by_every_backend() {
        let off_curve = [7u8; 32];
        let short_modulus = [0xc3u8; 128]; // 1024 bits
        for backend in backends() {
            let ec = Material::Ec {
                x: &off_curve,
                y: &off_curve,
            };
            assert!(
                PublicKey::new(backend, Algorithm::ES256, ec).is_err(),
                "{backend:?}"
            );
            let rsa = Material::Rsa {
                n: &short_modulus,
                e: &[1, 0, 1],
            };
            assert!(
                PublicKey::new(backend, Algorithm::RS256, rsa).is_err(),
                "{backend:?}"
            );
        }
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0, 0x7f, 0xff]), 15);
    }

    #[test]
    fn der_integers_are_minimal_and_positive() {
        assert_eq!(
            der_integer(&[0x01, 0x00, 0x01]),
            vec![0x02, 0x03, 0x01, 0x00, 0x01]
        );
        assert_eq!(der_integer(&[0x00, 0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(der_integer(&[0xff]), vec![0x02, 0x02, 0x00, 0xff]);
        let mut long = Vec::new();
        der_length(&mut long, 257);
        assert_eq!(long, vec![0x82, 0x01, 0x01]);
    }
}
