//! Protect [actix-web](https://actix.rs) APIs with Auth0 (or any OIDC issuer) access tokens:
//! Bearer (RFC 6750) and DPoP proof-of-possession (RFC 9449).
//!
//! ```no_run
//! use actix_web::{get, post, App, HttpServer, Responder};
//! use auth0_actix::{require_auth, Auth0, Claims};
//!
//! #[get("/api/private")]
//! #[require_auth]
//! async fn private(claims: Claims) -> impl Responder {
//!     format!("hello {}", claims.sub.as_deref().unwrap_or("anonymous"))
//! }
//!
//! #[get("/api/messages")]
//! #[require_auth(scopes = "read:messages")]
//! async fn messages() -> impl Responder {
//!     "protected, no claims needed"
//! }
//!
//! #[post("/api/data")]
//! #[require_auth(scopes = ["read:data", "write:data"])] // all required
//! async fn data(claims: Claims) -> impl Responder {
//!     claims.scope.clone().unwrap_or_default()
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let auth0 = Auth0::from_env()?; // AUTH0_DOMAIN, AUTH0_AUDIENCE (+ optional settings)
//!     HttpServer::new(move || {
//!         App::new().app_data(auth0.clone()).service(private).service(messages).service(data)
//!     })
//!     .bind("127.0.0.1:8000")?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! [`#[require_auth]`](require_auth) expands to code that names the crate `::auth0_actix`. Under
//! a renamed dependency (`auth = { package = "auth0-actix", .. }`) or through a re-export, give
//! the path with `crate = "…"`: `#[auth::require_auth(scopes = "read:messages", crate = "auth")]`
//! (see the attribute's docs).
//!
//! # A request's path through the crate
//!
//! ```text
//! HTTP request
//!  → web/middleware (Protect)   optional, on an App or scope: verifies every request beneath it
//!                               and checks its Requirement before routing goes further
//!  → web/guard (Authorized)     optional, on a route: matches by what Protect verified (else 404)
//!  → web/extract, require_auth  find the app's Auth0; the first one to ask starts the request's
//!                               verification, every later one shares it (memo); an outcome
//!                               known without I/O is answered at once (AuthFuture)
//!  → handle (Auth0)             decide now, or wait: memo → pipeline → respond
//!     → memo                    one slot per configuration in the request's extensions
//!     → pipeline                credentials (once) → DPoP-mode rules → token → proof → binding
//!        → headers/authorization  scheme and token, the DPoP field(s)
//!        → headers/request_url    the URL the client addressed (behind trusted proxies too)
//!        → token (TokenVerifier)  verified_cache hit, else jose framing → alg allow-list →
//!                                 issuer (custom domains) → key → signature → validation
//!           → keys              discovery + JWKS: fetch, cache, single flight (the only I/O)
//!           → crypto            signature checks on keys built once per JWKS fetch
//!        → dpop (Policy)        proof (jose/members) → signature → htm/htu/iat/ath → cnf.jkt
//!                               → replay store (DPoP scheme only, every request)
//!  → authorize                  pure: does the Requirement hold for these claims?
//!  → handler                    gets Claims, or
//!  → web/respond                the one place a failure becomes a response: status, JSON body,
//!                               WWW-Authenticate (headers/www_authenticate), counters, log line
//! builder                       setters, from_env, validation; assembles each stage's settings
//!                               into the Auth0 handle; nothing imports it
//! ```
//!
//! Dependencies point one way, from the leaves up: a file imports only files below it in this
//! table (the crate's `tests/layers.rs` checks that there is no cycle).
//!
//! | layer | file | concern |
//! |---|---|---|
//! | leaves | `error.rs` ([`AuthError`], [`ConfigError`]), `scheme.rs` ([`Scheme`]) | the error model; Bearer or DPoP |
//! | | `claims.rs` ([`Claims`]), `clock.rs` ([`Clock`]), `metrics.rs` ([`Metrics`]) | verified claims; the time every check reads; counters |
//! | | `algorithm.rs` ([`Algorithm`]), `crypto.rs` ([`CryptoBackend`]) | signature algorithms; aws-lc-rs or RustCrypto |
//! | | `jose/` | base64url, compact-JWS framing, picking members out of a proof |
//! | | `issuer.rs` ([`DomainsResolver`]), `future.rs` ([`BoxFuture`]) | domain normalisation, custom domains; boxed futures |
//! | protocol | `headers/` | `Authorization` and `DPoP` parsing, the request URL, `WWW-Authenticate` |
//! | | `keys/` | discovery and JWKS: fetch, trust, cache |
//! | | `validation.rs`, `verified_cache.rs` | claim rules; remembering verified tokens |
//! | | `authorize.rs` ([`Requirement`], [`Grants`]) | what a route requires of a valid token |
//! | | [`dpop`] | DPoP proofs, key binding, replay store |
//! | verifiers | `token.rs`, `pipeline.rs` ([`Authenticated`]) | one token; one request |
//! | handle | `memo.rs`, `handle.rs` ([`Auth0`]) | one verification per request; the handle |
//! | actix | `web/` ([`Protect`], [`guard`], [`ClaimsAs`], [`OptionalClaims`]) | middleware, guards, extractors, responses |
//! | on top | `builder/` ([`Auth0Builder`], [`env`](mod@env)) | settings, defaults, environment, validation |
//! | | [`testing`] (feature `testing`) | a local issuer and token minting for tests |
//!
//! # Errors
//!
//! | status | `error` | when |
//! |---|---|---|
//! | 400 | `invalid_request` | no or malformed `Authorization`, unknown scheme, scheme not allowed by the DPoP mode |
//! | 401 | `invalid_request` | no `Authorization` at all, only with [`Auth0Builder::missing_credentials_unauthorized`] (RFC 6750's bare challenge; off by default) |
//! | 400 | `invalid_dpop_proof` | a DPoP proof that fails a check, or a replayed one |
//! | 401 | `invalid_token` | the token fails verification (signature, issuer, audience, expiry…) |
//! | 403 | `insufficient_scope` | a valid token without a required scope |
//! | 500 | `internal_server_error` | a server-side problem: no `Auth0` registered, a failing replay store (logged, never detailed to the client) |
//! | 500 | `domains_resolver_error` | a custom-domains resolver failed (see [`DomainsResolver`]) |
//!
//! The body is `{"detail":{"error":…,"error_description":…}}`, as the reference SDK sends.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Leaves: import nothing above them.
mod algorithm;
mod claims;
mod clock;
mod crypto;
pub mod defaults;
mod error;
mod future;
mod issuer;
mod jose;
mod metrics;
mod scheme;
// Protocol pieces: no builder, no handle.
mod authorize;
pub mod dpop;
mod headers;
mod keys;
mod validation;
mod verified_cache;
// The verifiers and the handle.
mod handle;
mod memo;
mod pipeline;
mod token;
// actix-web adapters.
mod web;
// Construction, on top: nothing imports it.
mod builder;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use algorithm::{Algorithm, UnknownAlgorithm};
// Its docs (inlined here) say how to use it under a renamed dependency: the expanded code names
// `::auth0_actix::__private` unless `crate = "…"` gives another path.
pub use auth0_actix_macros::require_auth;
pub use authorize::{Grants, Requirement};
pub use builder::{env, Auth0Builder};
pub use claims::{Audience, Claims, Confirmation, TokenClaims};
pub use clock::{Clock, SystemClock};
pub use crypto::CryptoBackend;
pub use dpop::DpopMode;
pub use error::{AuthError, ConfigError, ErrorCode};
pub use future::BoxFuture;
pub use handle::Auth0;
pub use issuer::{DomainsResolver, ResolverContext};
pub use metrics::Metrics;
pub use pipeline::Authenticated;
pub use scheme::Scheme;
pub use web::extract::{AuthFuture, ClaimsAs, OptionalClaims};
pub use web::guard;
pub use web::middleware::Protect;
pub use web::respond::ErrorRenderer;

/// The README's Rust snippets, compiled (and, unless marked `no_run`, run) as doc tests: only
/// under `cargo test --doc`, never part of the API. Its testing snippets need the `testing`
/// feature.
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Items the `#[require_auth]` macro expands to. Not a public API.
///
/// The expansion names the library only through this module, as `::auth0_actix::__private::…`
/// or, with `crate = "path"`, as `path::__private::…`; so every item it needs is here, even the
/// ones exported above too (`Requirement`, `Grants`).
#[doc(hidden)]
pub mod __private {
    pub use crate::authorize::{lazy_requirement, Grants, Requirement};
    pub use crate::web::extract::{NoScopes, RequireAuth, ScopeRequirement};
    pub use std::sync::OnceLock;
}
