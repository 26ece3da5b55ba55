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
mod encode;
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
