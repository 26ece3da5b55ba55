//! Test support: a local OIDC issuer, access-token minting, malformed tokens and DPoP proofs.
//!
//! Enabled by the `testing` feature. Everything here runs on `127.0.0.1` and never reaches the
//! internet, so it suits unit tests, end-to-end tests and offline examples. Never enable the
//! feature in production builds: it exists to forge tokens.
//!
//! - [`LocalIssuer`] serves an OpenID Connect discovery document and a JWKS over HTTPS (with its
//!   own freshly generated CA) or plain HTTP, on its own thread, so it works from any test
//!   runtime: `#[actix_web::test]`, `#[tokio::test]` or plain synchronous code.
//! - [`TokenBuilder`] mints access tokens (signed, `alg: none`, HS256-confused, tampered).
//! - [`SigningKey`] is an RSA, EC or Ed25519 signing key with a `kid`, for key-rotation tests.
//! - [`malformed`] holds tokens that are not even well-formed JWTs.
//! - [`DpopKey`] and [`ProofBuilder`] mint DPoP proofs (RFC 9449) and key-bound tokens.
//! - [`mock_auth0`] hands made-up claims to handlers with no issuer at all.
//! - [`ManualClock`] moves time for expiry and cache tests without sleeping.
//!
//! ```
//! use auth0_actix::testing::LocalIssuer;
//!
//! let issuer = LocalIssuer::start();
//! let token = issuer.token().subject("user_42").scope("read:messages").sign();
//! assert_eq!(token.split('.').count(), 3);
//! assert!(issuer.issuer().starts_with("https://127.0.0.1:"));
//! ```

mod dpop;
mod issuer;
mod keys;
pub mod malformed;
mod mint;
mod mock;
#[cfg(test)]
mod tests;

pub use crate::clock::ManualClock;
pub use dpop::{access_token_hash, jwk_thumbprint, DpopKey, ProofBuilder};
pub use issuer::{LocalIssuer, LocalIssuerBuilder};
pub use keys::SigningKey;
pub use mint::TokenBuilder;
pub use mock::mock_auth0;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

/// Base64url without padding, as JOSE uses it.
pub(crate) fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Encodes a JSON object as a JWS segment.
pub(crate) fn encode_segment(object: &Map<String, Value>) -> String {
    // Serializing a map of JSON values cannot fail.
    let json = serde_json::to_vec(object).unwrap_or_default();
    b64url(json)
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A random base64url identifier of 16 bytes (for `jti`).
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("system random generator failed");
    b64url(bytes)
}

/// Turns any serializable value into JSON, panicking with a clear message otherwise.
pub(crate) fn to_json(what: &str, value: impl serde::Serialize) -> Value {
    match serde_json::to_value(value) {
        Ok(v) => v,
        Err(e) => panic!("{what} must serialize to JSON: {e}"),
    }
}
