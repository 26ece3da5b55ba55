//! JWKS documents (RFC 7517), parsed once per fetch into ready-to-verify keys: each key holds
//! one pre-built [`PublicKey`] per allowed algorithm that fits it (see `crypto`), so a request
//! with a cached key does no key parsing at all.

use aws_lc_rs::digest;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::crypto::{CryptoBackend, Material, PublicKey};
use crate::jose::B64;

/// A public key from the JWKS, ready to verify signatures.
pub(crate) struct VerifyingKey {
    pub(crate) kid: String,
    verifiers: Vec<(Algorithm, PublicKey)>,
}

impl VerifyingKey {
    /// The pre-parsed key for `alg`, if the key fits that algorithm and it is allowed.
    pub(crate) fn for_algorithm(&self, alg: Algorithm) -> Option<&PublicKey> {
        self.verifiers
            .iter()
            .find(|(a, _)| *a == alg)
            .map(|(_, k)| k)
    }
}

/// The usable keys of one JWKS document.
pub(crate) struct KeySet {
    keys: Vec<VerifyingKey>,
    /// SHA-256 over every usable key's `kid`, algorithms and key bytes, in document order: two
    /// sets with the same fingerprint verify exactly the same tokens.
    fingerprint: [u8; 32],
}

impl KeySet {
    /// Parses a JWKS document. Keys that are not for signatures, have no `kid`, or cannot be
    /// used with any allowed algorithm are skipped (and logged), not fatal.
    pub(crate) fn parse(
        body: &[u8],
        allowed: &[Algorithm],
        backend: CryptoBackend,
    ) -> Result<KeySet, String> {
        let doc: Value = serde_json::from_slice(body).map_err(|_| "JWKS is not valid JSON")?;
        let list = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("JWKS has no 'keys' array")?;
        let mut keys = Vec::with_capacity(list.len());
        let mut fingerprint = digest::Context::new(&digest::SHA256);
        for jwk in list {
            let Some(jwk) = jwk.as_object() else { continue };
            match parse_key(jwk, allowed, backend, &mut fingerprint) {
                Ok(Some(key)) => keys.push(key),
                Ok(None) => {}
                Err(reason) => {
                    tracing::warn!(target: "auth0_actix", kid = ?jwk.get("kid"), reason, "JWKS key skipped");
                }
            }
        }
        let mut digest = [0u8; 32];
        digest.copy_from_slice(fingerprint.finish().as_ref());
        Ok(KeySet {
            keys,
            fingerprint: digest,
        })
    }

    /// Whether `other` holds the same usable keys (same `kid`s, algorithms and key material, in
    /// the same order), i.e. verifies exactly the same tokens.
    pub(crate) fn same_keys(&self, other: &KeySet) -> bool {
        self.fingerprint == other.fingerprint
    }

    /// The first key whose `kid` equals `kid` (as the reference: first match wins).
    pub(crate) fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// How many usable keys the set holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// One usable key of a JWKS, or `None` for a key to skip. A usable key is also added to
/// `fingerprint`.
fn parse_key(
    jwk: &Map<String, Value>,
    allowed: &[Algorithm],
    backend: CryptoBackend,
    fingerprint: &mut digest::Context,
) -> Result<Option<VerifyingKey>, &'static str> {
    let Some(kid) = jwk.get("kid").and_then(Value::as_str) else {
        return Ok(None);
    };
    if jwk
        .get("use")
        .and_then(Value::as_str)
        .is_some_and(|u| u != "sig")
    {
        return Ok(None);
    }
    // A key that names its algorithm may only be used with that algorithm (RFC 8725 §3.1).
    let pinned = match jwk.get("alg").and_then(Value::as_str) {
        Some(a) => Some(a.parse::<Algorithm>().map_err(|_| "unsupported 'alg'")?),
        None => None,
    };
    let kty = jwk
        .get("kty")
        .and_then(Value::as_str)
        .ok_or("missing 'kty'")?;
    let candidates = allowed
        .iter()
        .copied()
        .filter(|a| a.key_type() == kty && pinned.is_none_or(|p| p == *a));
    let mut verifiers = Vec::new();
    // The decoded members the usable algorithms were built from, for the fingerprint.
    let mut used: Vec<(Algorithm, [Vec<u8>; 2])> = Vec::new();
    for alg in candidates {
        let members = match kty {
            "RSA" => [member(jwk, "n")?, member(jwk, "e")?],
            "EC" => {
                let (crv, len) = if alg == Algorithm::ES256 {
                    ("P-256", 32)
                } else {
                    ("P-384", 48)
                };
                if jwk.get("crv").and_then(Value::as_str) != Some(crv) {
                    continue;
                }
                let (x, y) = (member(jwk, "x")?, member(jwk, "y")?);
                if x.len() != len || y.len() != len {
                    return Err("EC coordinates of the wrong length");
                }
                [x, y]
            }
            "OKP" => {
                if jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
                    continue;
                }
                [member(jwk, "x")?, Vec::new()]
            }
            _ => continue,
        };
        let [a, b] = &members;
        let material = match kty {
            "RSA" => Material::Rsa { n: a, e: b },
            "EC" => Material::Ec { x: a, y: b },
            _ => Material::Okp { x: a },
        };
        verifiers.push((alg, PublicKey::new(backend, alg, material)?));
        used.push((alg, members));
    }
    if verifiers.is_empty() {
        return Ok(None);
    }
    let mut field = |bytes: &[u8]| {
        fingerprint.update(&(bytes.len() as u64).to_be_bytes());
        fingerprint.update(bytes);
    };
    field(kid.as_bytes());
    for (alg, [a, b]) in &used {
        field(alg.as_str().as_bytes());
        field(a);
        field(b);
    }
    Ok(Some(VerifyingKey {
        kid: kid.to_owned(),
        verifiers,
    }))
}

fn member(jwk: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, &'static str> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or("missing key member")?;
    B64.decode(text).map_err(|_| "key member is not base64url")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RSA modulus of RFC 7517 appendix A.1.
    const N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    fn rsa_jwk(kid: &str, n: &str) -> String {
        format!(r#"{{"kid":"{kid}","kty":"RSA","n":"{n}","e":"AQAB"}}"#)
    }

    fn set(keys: &[String]) -> KeySet {
        let doc = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
        KeySet::parse(
            doc.as_bytes(),
            &[Algorithm::RS256, Algorithm::PS256],
            CryptoBackend::AwsLc,
        )
        .unwrap()
    }

    #[test]
    fn key_sets_are_the_same_only_with_the_same_usable_keys_in_the_same_order() {
        let a = rsa_jwk("a", N);
        let b = rsa_jwk("b", N);
        assert_eq!(set(&[a.clone(), b.clone()]).len(), 2);
        assert!(set(&[a.clone(), b.clone()]).same_keys(&set(&[a.clone(), b.clone()])));
        // Members the verifier does not use, and skipped keys, change nothing.
        let a_annotated =
            format!(r#"{{"kid":"a","kty":"RSA","n":"{N}","e":"AQAB","x5t":"abc","use":"sig"}}"#);
        let skipped = r#"{"kid":"enc","use":"enc","kty":"RSA","n":"AQAB","e":"AQAB"}"#.to_owned();
        assert!(set(&[a.clone(), b.clone()]).same_keys(&set(&[a_annotated, skipped, b.clone()])));
        // A key added, removed, renamed, re-keyed, pinned to another algorithm or moved is a
        // different set (order decides which of two equal kids wins).
        let other_n = N.replacen('0', "1", 1);
        let pinned = format!(r#"{{"kid":"a","kty":"RSA","n":"{N}","e":"AQAB","alg":"PS256"}}"#);
        for different in [
            vec![a.clone()],
            vec![a.clone(), b.clone(), rsa_jwk("c", N)],
            vec![a.clone(), rsa_jwk("c", N)],
            vec![a.clone(), rsa_jwk("b", &other_n)],
            vec![pinned, b.clone()],
            vec![b.clone(), a.clone()],
        ] {
            assert!(!set(&[a.clone(), b.clone()]).same_keys(&set(&different)));
        }
        assert!(set(&[]).same_keys(&set(&[])));
    }

    #[test]
    fn keys_without_kid_for_encryption_or_of_other_types_are_skipped() {
        let doc = br#"{"keys":[
            {"kty":"RSA","n":"AQAB","e":"AQAB"},
            {"kid":"enc","use":"enc","kty":"RSA","n":"AQAB","e":"AQAB"},
            {"kid":"oct","kty":"oct","k":"c2VjcmV0"},
            "not an object"
        ]}"#;
        let set = KeySet::parse(doc, &[Algorithm::RS256], CryptoBackend::AwsLc).unwrap();
        assert_eq!(set.len(), 0);
        assert!(KeySet::parse(b"{}", &[Algorithm::RS256], CryptoBackend::AwsLc).is_err());
        assert!(KeySet::parse(b"[", &[Algorithm::RS256], CryptoBackend::AwsLc).is_err());
    }
}
