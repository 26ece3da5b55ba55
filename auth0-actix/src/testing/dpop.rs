//! DPoP (RFC 9449) keys and proofs.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::encode::{b64url, encode_segment, now, random_id, to_json};
use super::keys::ec_coordinates;

struct Inner {
    pair: EcdsaKeyPair,
    jwk: Value,
    jkt: String,
}

/// A client's DPoP key: an EC P-256 key pair that signs ES256 proofs.
///
/// Cloning is cheap and shares the key; [`Debug`] prints the thumbprint only.
///
/// ```
/// use auth0_actix::testing::{DpopKey, LocalIssuer};
///
/// let issuer = LocalIssuer::start();
/// let dpop = DpopKey::generate();
/// let token = issuer.token().bound_to(&dpop).sign();
/// let proof = dpop
///     .proof("GET", "https://api.local.test/messages")
///     .access_token(&token)
///     .sign();
/// assert_eq!(proof.split('.').count(), 3);
/// ```
#[derive(Clone)]
pub struct DpopKey {
    inner: Arc<Inner>,
}

impl DpopKey {
    /// Generates a fresh P-256 key.
    ///
    /// # Panics
    ///
    /// If the system's cryptographic library fails to generate a key.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let a = DpopKey::generate();
    /// let b = DpopKey::generate();
    /// assert_ne!(a.thumbprint(), b.thumbprint());
    /// ```
    pub fn generate() -> DpopKey {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .expect("P-256 key generation failed");
        let (x, y) = ec_coordinates(pair.public_key().as_ref());
        let jwk = json!({ "kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y) });
        let jkt = jwk_thumbprint(&jwk).unwrap_or_default();
        DpopKey {
            inner: Arc::new(Inner { pair, jwk, jkt }),
        }
    }

    /// The public key as a JWK (`kty`, `crv`, `x`, `y`), as it goes in a proof's `jwk` header.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let jwk = DpopKey::generate().public_jwk();
    /// assert_eq!(jwk["kty"], "EC");
    /// assert_eq!(jwk["crv"], "P-256");
    /// assert!(jwk.get("d").is_none());
    /// ```
    pub fn public_jwk(&self) -> Value {
        self.inner.jwk.clone()
    }

    /// The RFC 7638 SHA-256 thumbprint of the public JWK, base64url: the `jkt` that
    /// [`TokenBuilder::bound_to`](super::TokenBuilder::bound_to) puts in `cnf`.
    ///
    /// ```
    /// use auth0_actix::testing::{jwk_thumbprint, DpopKey};
    ///
    /// let key = DpopKey::generate();
    /// assert_eq!(key.thumbprint().len(), 43);
    /// assert_eq!(Some(key.thumbprint()), jwk_thumbprint(&key.public_jwk()));
    /// ```
    pub fn thumbprint(&self) -> String {
        self.inner.jkt.clone()
    }

    /// A proof builder for a request with method `htm` to URL `htu`, pre-filled with header
    /// `{typ: "dpop+jwt", alg: "ES256", jwk}` and claims `htm`, `htu`, `iat` (now) and a random
    /// `jti`. Add `ath` with [`ProofBuilder::access_token`].
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let key = DpopKey::generate();
    /// let b = key.proof("POST", "https://api.local.test/items");
    /// assert_eq!(b.headers()["typ"], "dpop+jwt");
    /// assert_eq!(b.headers()["jwk"], key.public_jwk());
    /// assert_eq!(b.claims()["htm"], "POST");
    /// assert!(b.claims()["jti"].is_string());
    /// ```
    pub fn proof(&self, htm: &str, htu: &str) -> ProofBuilder {
        let mut header = Map::new();
        header.insert("typ".into(), Value::from("dpop+jwt"));
        header.insert("alg".into(), Value::from("ES256"));
        header.insert("jwk".into(), self.public_jwk());
        let mut claims = Map::new();
        claims.insert("htm".into(), Value::from(htm));
        claims.insert("htu".into(), Value::from(htu));
        claims.insert("iat".into(), Value::from(now()));
        claims.insert("jti".into(), Value::from(random_id()));
        ProofBuilder {
            header,
            claims,
            key: self.clone(),
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.inner
            .pair
            .sign(&SystemRandom::new(), message)
            .expect("ES256 signing failed")
            .as_ref()
            .to_vec()
    }
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("jkt", &self.inner.jkt)
            .finish_non_exhaustive()
    }
}

/// A fluent, by-value builder of DPoP proof JWTs; get one from [`DpopKey::proof`].
///
/// Every header member and claim can be overridden or removed; finish with
/// [`sign`](ProofBuilder::sign).
///
/// ```
/// use auth0_actix::testing::DpopKey;
///
/// let key = DpopKey::generate();
/// let replayed = key
///     .proof("GET", "https://api.local.test/messages")
///     .jti("fixed-id")
///     .iat(1_700_000_000)
///     .nonce("server-nonce")
///     .sign();
/// assert_eq!(replayed.split('.').count(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct ProofBuilder {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    key: DpopKey,
}

impl ProofBuilder {
    /// Sets `htm`, the HTTP method.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").htm("DELETE");
    /// assert_eq!(b.claims()["htm"], "DELETE");
    /// ```
    pub fn htm(self, method: &str) -> ProofBuilder {
        self.claim("htm", method)
    }

    /// Sets `htu`, the HTTP target URI.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").htu("https://b.test/x");
    /// assert_eq!(b.claims()["htu"], "https://b.test/x");
    /// ```
    pub fn htu(self, uri: &str) -> ProofBuilder {
        self.claim("htu", uri)
    }

    /// Sets `iat` to an absolute Unix time.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").iat(1_700_000_000);
    /// assert_eq!(b.claims()["iat"], 1_700_000_000i64);
    /// ```
    pub fn iat(self, unix: i64) -> ProofBuilder {
        self.claim("iat", unix)
    }

    /// Sets `jti` (random by default), e.g. to replay a proof id.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").jti("same");
    /// assert_eq!(b.claims()["jti"], "same");
    /// ```
    pub fn jti(self, jti: &str) -> ProofBuilder {
        self.claim("jti", jti)
    }

    /// Sets `nonce`, a server-provided `DPoP-Nonce`.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").nonce("n-1");
    /// assert_eq!(b.claims()["nonce"], "n-1");
    /// ```
    pub fn nonce(self, nonce: &str) -> ProofBuilder {
        self.claim("nonce", nonce)
    }

    /// Sets `ath` to the hash of `access_token` (see [`access_token_hash`]).
    ///
    /// ```
    /// use auth0_actix::testing::{access_token_hash, DpopKey};
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").access_token("abc");
    /// assert_eq!(b.claims()["ath"], access_token_hash("abc"));
    /// ```
    pub fn access_token(self, access_token: &str) -> ProofBuilder {
        self.claim("ath", access_token_hash(access_token))
    }

    /// Sets `ath` verbatim (e.g. a wrong hash).
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").ath("not-a-hash");
    /// assert_eq!(b.claims()["ath"], "not-a-hash");
    /// ```
    pub fn ath(self, ath: &str) -> ProofBuilder {
        self.claim("ath", ath)
    }

    /// Sets (or replaces) the claim `name`.
    ///
    /// # Panics
    ///
    /// If `value` does not serialize to JSON.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").claim("iat", "yesterday");
    /// assert_eq!(b.claims()["iat"], "yesterday");
    /// ```
    pub fn claim(mut self, name: &str, value: impl Serialize) -> ProofBuilder {
        let value = to_json("claim value", value);
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Removes the claim `name` (no-op if absent).
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").remove_claim("jti");
    /// assert!(b.claims().get("jti").is_none());
    /// ```
    pub fn remove_claim(mut self, name: &str) -> ProofBuilder {
        self.claims.remove(name);
        self
    }

    /// Sets (or replaces) the header member `name` (`typ`, `alg`, `jwk`, ...). Setting `alg`
    /// only changes what the header says; [`sign`](ProofBuilder::sign) always signs ES256.
    ///
    /// # Panics
    ///
    /// If `value` does not serialize to JSON.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").header("typ", "JWT");
    /// assert_eq!(b.headers()["typ"], "JWT");
    /// ```
    pub fn header(mut self, name: &str, value: impl Serialize) -> ProofBuilder {
        let value = to_json("header value", value);
        self.header.insert(name.to_owned(), value);
        self
    }

    /// Removes the header member `name` (no-op if absent).
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/").remove_header("jwk");
    /// assert!(b.headers().get("jwk").is_none());
    /// ```
    pub fn remove_header(mut self, name: &str) -> ProofBuilder {
        self.header.remove(name);
        self
    }

    /// Signs with `key` instead, leaving the header's `jwk` as it is (so the signature does not
    /// match the embedded key unless `jwk` is changed too).
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let (a, b) = (DpopKey::generate(), DpopKey::generate());
    /// let proof = a.proof("GET", "https://a.test/").signed_with(&b);
    /// assert_eq!(proof.headers()["jwk"], a.public_jwk());
    /// let _mismatched: String = proof.sign();
    /// ```
    pub fn signed_with(mut self, key: &DpopKey) -> ProofBuilder {
        self.key = key.clone();
        self
    }

    /// The claims as they stand.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/");
    /// assert_eq!(b.claims()["htu"], "https://a.test/");
    /// ```
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The JOSE header as it stands.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let b = DpopKey::generate().proof("GET", "https://a.test/");
    /// assert_eq!(b.headers()["alg"], "ES256");
    /// ```
    pub fn headers(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The signed proof (ES256), ready for the `DPoP` request header.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let proof = DpopKey::generate().proof("GET", "https://a.test/").sign();
    /// assert_eq!(proof.split('.').count(), 3);
    /// ```
    pub fn sign(self) -> String {
        let input = format!(
            "{}.{}",
            encode_segment(&self.header),
            encode_segment(&self.claims)
        );
        let signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64url(signature))
    }

    /// An unsecured proof: header `alg` set to `"none"`, empty signature.
    ///
    /// ```
    /// use auth0_actix::testing::DpopKey;
    ///
    /// let proof = DpopKey::generate().proof("GET", "https://a.test/").unsigned_alg_none();
    /// assert!(proof.ends_with('.'));
    /// ```
    pub fn unsigned_alg_none(mut self) -> String {
        self.header.insert("alg".into(), Value::from("none"));
        format!(
            "{}.{}.",
            encode_segment(&self.header),
            encode_segment(&self.claims)
        )
    }
}

/// `ath` for an access token: base64url(SHA-256(ASCII bytes of the token)).
///
/// ```
/// use auth0_actix::testing::access_token_hash;
///
/// // RFC 9449, section 7.1 example.
/// assert_eq!(
///     access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
///     "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
/// );
/// ```
pub fn access_token_hash(access_token: &str) -> String {
    b64url(digest::digest(&digest::SHA256, access_token.as_bytes()))
}

/// The RFC 7638 SHA-256 thumbprint (base64url) of a public JWK of type `EC`, `RSA`, `OKP` or
/// `oct`; `None` if a required member is missing or not a string, or `kty` is unknown.
///
/// ```
/// use auth0_actix::testing::jwk_thumbprint;
/// use serde_json::json;
///
/// // RFC 7638, section 3.1 example.
/// let jwk = json!({
///     "kty": "RSA",
///     "e": "AQAB",
///     "alg": "RS256",
///     "kid": "2011-04-29",
///     "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
/// });
/// assert_eq!(
///     jwk_thumbprint(&jwk).unwrap(),
///     "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
/// );
/// ```
pub fn jwk_thumbprint(jwk: &Value) -> Option<String> {
    let required: &[&str] = match jwk.get("kty")?.as_str()? {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        "oct" => &["k", "kty"],
        _ => return None,
    };
    // Members in lexicographic order, no whitespace (RFC 7638, section 3.2).
    let mut canonical = String::from("{");
    for (i, name) in required.iter().enumerate() {
        let value = jwk.get(*name)?.as_str()?;
        if i > 0 {
            canonical.push(',');
        }
        canonical.push_str(&Value::from(*name).to_string());
        canonical.push(':');
        canonical.push_str(&Value::from(value).to_string());
    }
    canonical.push('}');
    Some(b64url(digest::digest(
        &digest::SHA256,
        canonical.as_bytes(),
    )))
}
