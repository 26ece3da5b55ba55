//! The actix-web adapters: they find the app's [`Auth0`](crate::Auth0), start or share the
//! request's one verification, and hand failures to [`respond`] — they never decide policy.
//!
//! - `extract`: the extractors ([`Claims`](crate::Claims), [`Authenticated`](crate::Authenticated),
//!   [`ClaimsAs`](crate::ClaimsAs), [`OptionalClaims`](crate::OptionalClaims)) and what
//!   `#[require_auth]` inserts;
//! - `middleware`: [`Protect`](crate::Protect), for a whole app or scope;
//! - [`guard`](crate::guard): routing by grant;
//! - `respond`: the one place a failure becomes a response.

pub(crate) mod extract;
pub mod guard;
pub(crate) mod middleware;
pub(crate) mod respond;
