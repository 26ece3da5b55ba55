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
//!  → middleware (Protect)     optional, on an App or scope: verifies every request beneath it
//!                             and checks its Requirement before routing goes further
//!  → guard (Authorized)       optional, on a route: matches by what Protect verified (else 404)
//!  → extract / require_auth   the first extractor (or Protect) starts verification; every later
//!                             one, guards included, shares its outcome (one verification a request);
//!                             an outcome known without I/O is answered at once (AuthFuture)
//!  → verify                   the pipeline: credentials → mode rules → token (→ proof) → binding
//!     → request               Authorization (scheme, token), DPoP header(s), the request URL
//!     → token                 verified_cache hit (this thread's recent tokens, then the shared
//!                             shards): claims (custom domains re-checked), else
//!                             header → alg allow-list → payload → iss → key → signature → claims
//!        → keys               discovery + JWKS: fetch, cache, single flight (the only I/O)
//!        → crypto             signature checks on keys built once per JWKS fetch
//!     → dpop                  proof checks, key binding, replay (DPoP scheme only, every request)
//!  → authorize                the Requirement: scopes / permissions, all / any (403 after a
//!                             valid token)
//!  → handler                  gets Claims, or
//!  → error + challenge        status, JSON body, WWW-Authenticate
//! config                      builder, from_env, validation: the immutable Auth0 handle
//! metrics                     counters of the above, read with Auth0::metrics
//! ```
//!
//! | module | concern |
//! |---|---|
//! | [`config`](Auth0Builder) | settings, defaults, environment, validation |
//! | [`middleware`](Protect) | protecting a whole app or scope |
//! | [`guard`] | choosing between routes by grant |
//! | [`claims`](Claims), `extract` | claims types and extractors; verification once per request |
//! | `verify` | the verification pipeline |
//! | `request` | reading `Authorization` and `DPoP` headers, the request URL behind proxies |
//! | `token`, `algorithm` | access-token verification, the allowed algorithms |
//! | `crypto` ([`CryptoBackend`]) | signature verification: aws-lc-rs, or RustCrypto (feature `rust-crypto`) |
//! | `verified_cache` | remembering verified tokens so a repeated one skips the signature check |
//! | `keys` | discovery and JWKS fetching and caching |
//! | [`dpop`] | DPoP proofs, replay store |
//! | [`authorize`](Requirement) | what a route requires of a valid token |
//! | [`error`](AuthError), `challenge` | error model and `WWW-Authenticate` |
//! | [`metrics`](Metrics), [`clock`](Clock) | counters; the time every check reads |
//! | [`testing`] (feature `testing`) | a local issuer and token minting for tests |
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

mod algorithm;
mod authorize;
mod challenge;
mod claims;
mod clock;
mod config;
mod crypto;
pub mod dpop;
mod error;
mod extract;
pub mod guard;
mod keys;
mod metrics;
mod middleware;
mod request;
mod token;
mod verified_cache;
mod verify;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use algorithm::{Algorithm, UnknownAlgorithm};
// Its docs (inlined here) say how to use it under a renamed dependency: the expanded code names
// `::auth0_actix::__private` unless `crate = "…"` gives another path.
pub use auth0_actix_macros::require_auth;
pub use authorize::{Grants, Requirement};
pub use challenge::Scheme;
pub use claims::{Audience, Claims, Confirmation, TokenClaims};
#[cfg(feature = "testing")]
pub use clock::ManualClock;
pub use clock::{Clock, SystemClock};
pub use config::{
    env, Auth0, Auth0Builder, DomainsResolver, DpopMode, ErrorRenderer, ResolverContext,
    DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_CACHE_MIN_TTL, DEFAULT_CACHE_TTL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DPOP_IAT_LEEWAY, DEFAULT_DPOP_IAT_OFFSET, DEFAULT_HTTP_TIMEOUT, DEFAULT_MAX_STALE,
    DEFAULT_UNKNOWN_KID_COOLDOWN, MAX_DOCUMENT_BYTES,
};
pub use crypto::CryptoBackend;
pub use error::{AuthError, ConfigError, ErrorCode};
pub use extract::{AuthFuture, ClaimsAs, OptionalClaims};
pub use metrics::Metrics;
pub use middleware::Protect;
pub use token::MAX_TOKEN_BYTES;
pub use verified_cache::{
    DEFAULT_TOKEN_CACHE_BYTES, DEFAULT_TOKEN_CACHE_ENTRIES, DEFAULT_TOKEN_CACHE_TTL_SECS,
    MAX_CACHED_TOKEN_BYTES, MAX_RECENT_TOKEN_BYTES, RECENT_SLOTS,
};
pub use verify::Authenticated;

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
    pub use crate::extract::{NoScopes, RequireAuth, ScopeRequirement};
    pub use std::sync::OnceLock;
}
