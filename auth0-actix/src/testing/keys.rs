//! Signing keys for minted access tokens.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::encode::b64url;
use crate::algorithm::Algorithm;

type Generated = (Material, Value, Vec<u8>);

fn generate_rsa(padding: &'static dyn signature::RsaEncoding) -> Generated {
    let pair = signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .expect("RSA-2048 key generation failed");
    let public = pair.public_key();
    let n = public.modulus().big_endian_without_leading_zero().to_vec();
    let e = public.exponent().big_endian_without_leading_zero().to_vec();
    let spki = public
        .as_der()
        .expect("RSA public key encoding failed")
        .as_ref()
        .to_vec();
    let jwk = json!({ "kty": "RSA", "n": b64url(n), "e": b64url(e) });
    (Material::Rsa(pair, padding), jwk, spki)
}

fn generate_ec(curve: &str, alg: &'static signature::EcdsaSigningAlgorithm) -> Generated {
    let pair = EcdsaKeyPair::generate(alg).expect("EC key generation failed");
    let (x, y) = ec_coordinates(pair.public_key().as_ref());
    let jwk = json!({ "kty": "EC", "crv": curve, "x": b64url(x), "y": b64url(y) });
    let spki = pair
        .public_key()
        .as_der()
        .expect("EC public key encoding failed")
        .as_ref()
        .to_vec();
    (Material::Ec(pair), jwk, spki)
}

fn generate_ed25519() -> Generated {
    let pair = signature::Ed25519KeyPair::generate().expect("Ed25519 key generation failed");
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": b64url(pair.public_key().as_ref()) });
    let spki = pair
        .public_key()
        .as_der()
        .expect("Ed25519 public key encoding failed")
        .as_ref()
        .to_vec();
    (Material::Ed(pair), jwk, spki)
}

enum Material {
    Rsa(signature::RsaKeyPair, &'static dyn signature::RsaEncoding),
    Ec(EcdsaKeyPair),
    Ed(signature::Ed25519KeyPair),
}

struct Inner {
    kid: String,
    alg: Algorithm,
    material: Material,
    public_jwk: Value,
    spki_der: Vec<u8>,
}

/// A private signing key with a `kid`, used to sign minted tokens.
///
/// Any [`Algorithm`]: RSA keys (`RS*`, `PS*`) are 2048-bit, `ES256` uses P-256, `ES384` P-384 and
/// `EdDSA` Ed25519.
///
/// Cloning is cheap and shares the key. The private key material never leaves this type: only
/// the public JWK and public key encodings are exposed, and [`Debug`] prints `kid` and `alg` only.
///
/// ```
/// use auth0_actix::{testing::SigningKey, Algorithm};
///
/// let key = SigningKey::generate("key-2", Algorithm::RS256);
/// assert_eq!(key.kid(), "key-2");
/// assert_eq!(key.public_jwk()["kty"], "RSA");
/// assert!(!format!("{key:?}").contains("BEGIN"));
/// ```
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<Inner>,
}

impl SigningKey {
    /// Generates a new key for `alg` with the given `kid`.
    ///
    /// RSA keys are 2048-bit (generation takes roughly 50–200 ms); EC and Ed25519 keys are
    /// instant.
    ///
    /// # Panics
    ///
    /// If the system's cryptographic library fails to generate a key.
    ///
    /// ```
    /// use auth0_actix::{testing::SigningKey, Algorithm};
    ///
    /// let key = SigningKey::generate("ec-1", Algorithm::ES256);
    /// assert_eq!(key.alg(), Algorithm::ES256);
    /// assert_eq!(key.public_jwk()["crv"], "P-256");
    /// ```
    pub fn generate(kid: &str, alg: Algorithm) -> SigningKey {
        let (material, mut public_jwk, spki_der) = match alg {
            Algorithm::RS256 => generate_rsa(&signature::RSA_PKCS1_SHA256),
            Algorithm::RS384 => generate_rsa(&signature::RSA_PKCS1_SHA384),
            Algorithm::RS512 => generate_rsa(&signature::RSA_PKCS1_SHA512),
            Algorithm::PS256 => generate_rsa(&signature::RSA_PSS_SHA256),
            Algorithm::PS384 => generate_rsa(&signature::RSA_PSS_SHA384),
            Algorithm::PS512 => generate_rsa(&signature::RSA_PSS_SHA512),
            Algorithm::ES256 => generate_ec("P-256", &signature::ECDSA_P256_SHA256_FIXED_SIGNING),
            Algorithm::ES384 => generate_ec("P-384", &signature::ECDSA_P384_SHA384_FIXED_SIGNING),
            Algorithm::EdDSA => generate_ed25519(),
        };
        if let Some(object) = public_jwk.as_object_mut() {
            object.insert("kid".into(), Value::from(kid));
            object.insert("use".into(), Value::from("sig"));
            object.insert("alg".into(), Value::from(alg.as_str()));
        }
        SigningKey {
            inner: Arc::new(Inner {
                kid: kid.to_owned(),
                alg,
                material,
                public_jwk,
                spki_der,
            }),
        }
    }

    /// The key id, published in the JWKS and put in token headers.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.signing_key().kid(), "key-1");
    /// ```
    pub fn kid(&self) -> &str {
        &self.inner.kid
    }

    /// The algorithm this key signs with.
    ///
    /// ```
    /// use auth0_actix::{testing::SigningKey, Algorithm};
    ///
    /// let key = SigningKey::generate("k", Algorithm::PS256);
    /// assert_eq!(key.alg(), Algorithm::PS256);
    /// ```
    pub fn alg(&self) -> Algorithm {
        self.inner.alg
    }

    /// The public key as a JWK, as the issuer publishes it: `kty`, `kid`, `use: "sig"`, `alg`
    /// and `n`/`e` (RSA) or `crv`/`x`/`y` (EC). Never contains private members.
    ///
    /// ```
    /// use auth0_actix::{testing::SigningKey, Algorithm};
    ///
    /// let jwk = SigningKey::generate("key-9", Algorithm::RS256).public_jwk();
    /// assert_eq!(jwk["kid"], "key-9");
    /// assert_eq!(jwk["use"], "sig");
    /// assert_eq!(jwk["alg"], "RS256");
    /// assert_eq!(jwk["e"], "AQAB");
    /// assert!(jwk.get("d").is_none());
    /// ```
    pub fn public_jwk(&self) -> Value {
        self.inner.public_jwk.clone()
    }

    /// The public key as DER `SubjectPublicKeyInfo`, e.g. as an HS256 secret in
    /// algorithm-confusion tests.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let der = issuer.signing_key().public_key_der();
    /// let forged = issuer.token().hs256_with_secret(&der);
    /// assert_eq!(forged.split('.').count(), 3);
    /// ```
    pub fn public_key_der(&self) -> Vec<u8> {
        self.inner.spki_der.clone()
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), e.g. as an HS256 secret in
    /// algorithm-confusion tests.
    ///
    /// ```
    /// use auth0_actix::{testing::SigningKey, Algorithm};
    ///
    /// let pem = SigningKey::generate("k", Algorithm::RS256).public_key_pem();
    /// assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    /// assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    /// ```
    pub fn public_key_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.inner.spki_der)
    }

    /// Signs `message` (a JWS signing input) with this key's algorithm.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.inner.material {
            Material::Rsa(pair, padding) => {
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(*padding, &rng, message, &mut out)
                    .expect("RSA signing failed");
                out
            }
            Material::Ec(pair) => pair
                .sign(&rng, message)
                .expect("ECDSA signing failed")
                .as_ref()
                .to_vec(),
            Material::Ed(pair) => pair.sign(message).as_ref().to_vec(),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.inner.kid)
            .field("alg", &self.inner.alg)
            .finish_non_exhaustive()
    }
}

/// Splits an uncompressed EC point (`0x04 || x || y`) into its coordinates.
pub(crate) fn ec_coordinates(point: &[u8]) -> (&[u8], &[u8]) {
    let body = point.get(1..).unwrap_or_default();
    body.split_at(body.len() / 2)
}

/// PEM-encodes DER bytes with 64-character lines.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
