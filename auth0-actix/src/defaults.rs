//! The default of every setting, in one place. Each [`Auth0Builder`](crate::Auth0Builder)
//! method (and environment variable) that changes one names it; these constants let code and
//! tests refer to a default without repeating its value.
//!
//! ```
//! use std::time::Duration;
//! use auth0_actix::defaults;
//!
//! assert_eq!(defaults::CACHE_TTL, Duration::from_secs(600));
//! assert_eq!(defaults::DPOP_IAT_OFFSET, Duration::from_secs(300));
//! ```

use std::time::Duration;

/// Upper bound of discovery and JWKS cache lifetimes (`Cache-Control: max-age` may shorten it):
/// [`cache_ttl`](crate::Auth0Builder::cache_ttl), `AUTH0_CACHE_TTL`.
pub const CACHE_TTL: Duration = Duration::from_secs(600);
/// Lower bound of discovery and JWKS cache lifetimes (a tiny `max-age` is raised to it):
/// [`cache_min_ttl`](crate::Auth0Builder::cache_min_ttl).
pub const CACHE_MIN_TTL: Duration = Duration::from_secs(30);
/// Entries in each of the discovery and JWKS caches:
/// [`cache_max_entries`](crate::Auth0Builder::cache_max_entries), `AUTH0_CACHE_MAX_ENTRIES`.
pub const CACHE_MAX_ENTRIES: usize = 100;
/// How long an expired discovery or JWKS document may still be used while it is refreshed or
/// when refreshing it fails (stale-if-error, README Differences D12):
/// [`max_stale`](crate::Auth0Builder::max_stale).
pub const MAX_STALE: Duration = Duration::from_secs(3600);
/// Minimum time between two JWKS refetches caused by unknown `kid`s (D11), and the back-off
/// after a failed fetch: [`unknown_kid_cooldown`](crate::Auth0Builder::unknown_kid_cooldown).
pub const UNKNOWN_KID_COOLDOWN: Duration = Duration::from_secs(30);
/// Connect timeout of discovery and JWKS fetches:
/// [`connect_timeout`](crate::Auth0Builder::connect_timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Total timeout (connect, request, response body) of one discovery or JWKS fetch:
/// [`http_timeout`](crate::Auth0Builder::http_timeout).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How far in the future a DPoP proof's `iat` may lie (clock skew):
/// [`dpop_iat_leeway`](crate::Auth0Builder::dpop_iat_leeway), `AUTH0_DPOP_IAT_LEEWAY`.
pub const DPOP_IAT_LEEWAY: Duration = Duration::from_secs(30);
/// Maximum age of a DPoP proof: [`dpop_iat_offset`](crate::Auth0Builder::dpop_iat_offset),
/// `AUTH0_DPOP_IAT_OFFSET`.
pub const DPOP_IAT_OFFSET: Duration = Duration::from_secs(300);
/// Verified access tokens remembered so a repeated one skips signature verification:
/// [`verified_token_cache`](crate::Auth0Builder::verified_token_cache).
pub const TOKEN_CACHE_ENTRIES: usize = 10_000;
/// Longest time a verified token is remembered (never past its `exp`):
/// [`verified_token_cache_ttl`](crate::Auth0Builder::verified_token_cache_ttl).
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(300);
/// DPoP proofs the default in-memory replay store remembers
/// ([`InMemoryReplayStore::default`](crate::dpop::InMemoryReplayStore)).
pub const REPLAY_CAPACITY: usize = 100_000;

/// Upper bound of `dpop_iat_leeway`, `dpop_iat_offset` and `unknown_kid_cooldown`: one day.
/// Larger values are configuration mistakes (a proof valid for a year, a year without picking up
/// a rotated key), and would overflow time arithmetic near `u64::MAX`.
pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(86_400);
