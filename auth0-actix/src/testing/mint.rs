//! Access-token minting.

use aws_lc_rs::hmac;
use serde::Serialize;
use serde_json::{Map, Value};

use super::dpop::DpopKey;
use super::encode::{b64url, encode_segment, now, to_json};
use super::keys::SigningKey;

/// A fluent, by-value builder of access tokens (JWS compact serialization).
///
/// Get one pre-filled from [`LocalIssuer::token`](super::LocalIssuer::token) (header `alg`,
/// `typ: "JWT"`, `kid`; claims `iss`, `aud`, `sub: "user_123"`, `iat`, `exp` one hour ahead), or
/// start from an empty claim set with [`TokenBuilder::new`]. Every setter overwrites; the
/// `remove_*` methods drop a member entirely. Finish with [`sign`](TokenBuilder::sign) or one of
/// the deliberately broken variants.
///
/// ```
/// use auth0_actix::testing::LocalIssuer;
///
/// let issuer = LocalIssuer::start();
/// let token = issuer
///     .token()
///     .subject("auth0|abc")
///     .scope("read:messages write:messages")
///     .claim("https://example.com/roles", ["admin"])
///     .expires_in(60)
///     .sign();
/// assert_eq!(token.split('.').count(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct TokenBuilder {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    key: SigningKey,
}

impl TokenBuilder {
    /// A builder signing with `key`, with header `{alg, typ: "JWT", kid}` from the key and no
    /// claims at all.
    ///
    /// ```
    /// use auth0_actix::{testing::{SigningKey, TokenBuilder}, Algorithm};
    ///
    /// let key = SigningKey::generate("other", Algorithm::ES256);
    /// let builder = TokenBuilder::new(&key);
    /// assert_eq!(builder.headers()["alg"], "ES256");
    /// assert_eq!(builder.headers()["kid"], "other");
    /// assert!(builder.claims().is_empty());
    /// let token = builder.subject("someone").sign();
    /// assert_eq!(token.split('.').count(), 3);
    /// ```
    pub fn new(key: &SigningKey) -> TokenBuilder {
        let mut header = Map::new();
        header.insert("alg".into(), Value::from(key.alg().as_str()));
        header.insert("typ".into(), Value::from("JWT"));
        header.insert("kid".into(), Value::from(key.kid()));
        TokenBuilder {
            header,
            claims: Map::new(),
            key: key.clone(),
        }
    }

    /// Sets (or replaces) the claim `name` to any serializable value.
    ///
    /// # Panics
    ///
    /// If `value` does not serialize to JSON.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().claim("org_id", "org_1").claim("n", 3);
    /// assert_eq!(b.claims()["org_id"], "org_1");
    /// assert_eq!(b.claims()["n"], 3);
    /// ```
    pub fn claim(mut self, name: &str, value: impl Serialize) -> TokenBuilder {
        let value = to_json("claim value", value);
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Removes the claim `name` (no-op if absent).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().remove_claim("exp");
    /// assert!(b.claims().get("exp").is_none());
    /// ```
    pub fn remove_claim(mut self, name: &str) -> TokenBuilder {
        self.claims.remove(name);
        self
    }

    /// Sets (or replaces) the JOSE header member `name`. Setting `alg` changes only what the
    /// header claims; [`sign`](TokenBuilder::sign) still signs with the key's real algorithm.
    ///
    /// # Panics
    ///
    /// If `value` does not serialize to JSON.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().header("typ", "at+jwt").header("jku", "https://evil.test/jwks");
    /// assert_eq!(b.headers()["typ"], "at+jwt");
    /// ```
    pub fn header(mut self, name: &str, value: impl Serialize) -> TokenBuilder {
        let value = to_json("header value", value);
        self.header.insert(name.to_owned(), value);
        self
    }

    /// Removes the header member `name` (no-op if absent).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().remove_header("kid");
    /// assert!(b.headers().get("kid").is_none());
    /// ```
    pub fn remove_header(mut self, name: &str) -> TokenBuilder {
        self.header.remove(name);
        self
    }

    /// Sets `sub`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.token().subject("auth0|1").claims()["sub"], "auth0|1");
    /// ```
    pub fn subject(self, subject: &str) -> TokenBuilder {
        self.claim("sub", subject)
    }

    /// Sets `scope`, a space-separated list of scopes.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.token().scope("a b").claims()["scope"], "a b");
    /// ```
    pub fn scope(self, scope: &str) -> TokenBuilder {
        self.claim("scope", scope)
    }

    /// Sets Auth0's RBAC `permissions` claim (an array of strings).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().permissions(["read:messages", "delete:messages"]);
    /// assert_eq!(b.claims()["permissions"][1], "delete:messages");
    /// ```
    pub fn permissions<I, S>(self, permissions: I) -> TokenBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list: Vec<String> = permissions.into_iter().map(Into::into).collect();
        self.claim("permissions", list)
    }

    /// Sets `aud`: a string or an array of strings (or anything else, for negative tests).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().audience(["https://api.local.test", "https://other"]);
    /// assert!(b.claims()["aud"].is_array());
    /// ```
    pub fn audience(self, audience: impl Serialize) -> TokenBuilder {
        self.claim("aud", audience)
    }

    /// Sets `iss`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().issuer("https://evil.example/");
    /// assert_eq!(b.claims()["iss"], "https://evil.example/");
    /// ```
    pub fn issuer(self, issuer: &str) -> TokenBuilder {
        self.claim("iss", issuer)
    }

    /// Sets `exp` to now plus `seconds` (negative for an already expired token).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token().issued_at(0).expires_in(-120);
    /// let exp = b.claims()["exp"].as_i64().unwrap();
    /// assert!(exp < std::time::SystemTime::now()
    ///     .duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64);
    /// ```
    pub fn expires_in(self, seconds: i64) -> TokenBuilder {
        self.claim("exp", now().saturating_add(seconds))
    }

    /// Sets `exp` to an absolute Unix time.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.token().expires_at(4_102_444_800).claims()["exp"], 4_102_444_800i64);
    /// ```
    pub fn expires_at(self, unix: i64) -> TokenBuilder {
        self.claim("exp", unix)
    }

    /// Sets `iat` to an absolute Unix time.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.token().issued_at(1_700_000_000).claims()["iat"], 1_700_000_000i64);
    /// ```
    pub fn issued_at(self, unix: i64) -> TokenBuilder {
        self.claim("iat", unix)
    }

    /// Sets `nbf` to an absolute Unix time.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.token().not_before(4_102_444_800).claims()["nbf"], 4_102_444_800i64);
    /// ```
    pub fn not_before(self, unix: i64) -> TokenBuilder {
        self.claim("nbf", unix)
    }

    /// Sets the header `kid` without changing the signing key (e.g. an unknown `kid`).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.token().kid("nope").headers()["kid"], "nope");
    /// ```
    pub fn kid(self, kid: &str) -> TokenBuilder {
        self.header("kid", kid)
    }

    /// Signs with `key` instead, and sets the header `alg` and `kid` to the key's. Call
    /// [`kid`](TokenBuilder::kid) or [`header`](TokenBuilder::header) afterwards to lie about
    /// them.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let unpublished = issuer.generate_key("key-2");
    /// let b = issuer.token().signed_with(&unpublished);
    /// assert_eq!(b.headers()["kid"], "key-2");
    /// ```
    pub fn signed_with(mut self, key: &SigningKey) -> TokenBuilder {
        self.key = key.clone();
        self.header
            .insert("alg".into(), Value::from(key.alg().as_str()));
        self.header.insert("kid".into(), Value::from(key.kid()));
        self
    }

    /// Binds the token to a DPoP key: sets `cnf.jkt` to the key's RFC 7638 thumbprint (keeping
    /// other `cnf` members if `cnf` is already an object).
    ///
    /// ```
    /// use auth0_actix::testing::{DpopKey, LocalIssuer};
    ///
    /// let issuer = LocalIssuer::start();
    /// let dpop = DpopKey::generate();
    /// let b = issuer.token().bound_to(&dpop);
    /// assert_eq!(b.claims()["cnf"]["jkt"], dpop.thumbprint());
    /// ```
    pub fn bound_to(mut self, key: &DpopKey) -> TokenBuilder {
        let jkt = Value::from(key.thumbprint());
        match self.claims.get_mut("cnf").and_then(Value::as_object_mut) {
            Some(cnf) => {
                cnf.insert("jkt".into(), jkt);
            }
            None => {
                let mut cnf = Map::new();
                cnf.insert("jkt".into(), jkt);
                self.claims.insert("cnf".into(), Value::Object(cnf));
            }
        }
        self
    }

    /// The claims as they stand.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token();
    /// assert_eq!(b.claims()["sub"], "user_123");
    /// assert_eq!(b.claims()["aud"], issuer.audience());
    /// ```
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The JOSE header as it stands.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.token().headers()["typ"], "JWT");
    /// ```
    pub fn headers(&self) -> &Map<String, Value> {
        &self.header
    }

    /// A normally signed JWT: `header.payload.signature`, signed with the key's algorithm.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let token = issuer.token().sign();
    /// let parts: Vec<&str> = token.split('.').collect();
    /// assert_eq!(parts.len(), 3);
    /// assert!(parts.iter().all(|p| !p.is_empty()));
    /// ```
    pub fn sign(self) -> String {
        let input = self.signing_input(&self.header);
        let signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64url(signature))
    }

    /// An unsecured JWT: header `alg` set to `"none"` and an empty signature (`header.payload.`).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let token = issuer.token().unsigned_alg_none();
    /// assert!(token.ends_with('.'));
    /// assert_eq!(token.split('.').count(), 3);
    /// ```
    pub fn unsigned_alg_none(self) -> String {
        let mut header = self.header.clone();
        header.insert("alg".into(), Value::from("none"));
        format!("{}.", self.signing_input(&header))
    }

    /// A JWT with header `alg: "HS256"`, MAC'd with `secret`: for algorithm-confusion tests,
    /// pass the public key (see [`SigningKey::public_key_pem`] and
    /// [`SigningKey::public_key_der`]).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let pem = issuer.signing_key().public_key_pem();
    /// let token = issuer.token().hs256_with_secret(pem.as_bytes());
    /// assert_eq!(token.split('.').count(), 3);
    /// ```
    pub fn hs256_with_secret(self, secret: &[u8]) -> String {
        let mut header = self.header.clone();
        header.insert("alg".into(), Value::from("HS256"));
        let input = self.signing_input(&header);
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let tag = hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", b64url(tag.as_ref()))
    }

    /// A properly signed token whose payload was then altered: `sub` becomes `"attacker"` (or
    /// `"attacker-2"` if it already was `"attacker"`) and
    /// the payload re-encoded, keeping the original header and signature, which therefore no
    /// longer matches.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token();
    /// let good = b.clone().sign();
    /// let bad = b.tampered();
    /// let good: Vec<&str> = good.split('.').collect();
    /// let bad: Vec<&str> = bad.split('.').collect();
    /// assert_eq!(good[0], bad[0]);
    /// assert_ne!(good[1], bad[1]);
    /// ```
    pub fn tampered(self) -> String {
        let mut altered = self.claims.clone();
        let forged = if altered.get("sub") == Some(&Value::from("attacker")) {
            "attacker-2"
        } else {
            "attacker"
        };
        altered.insert("sub".into(), Value::from(forged));
        let signed = self.sign();
        let mut parts = signed.splitn(3, '.');
        let header = parts.next().unwrap_or_default();
        let _payload = parts.next();
        let signature = parts.next().unwrap_or_default();
        format!("{header}.{}.{signature}", encode_segment(&altered))
    }

    fn signing_input(&self, header: &Map<String, Value>) -> String {
        format!(
            "{}.{}",
            encode_segment(header),
            encode_segment(&self.claims)
        )
    }
}
