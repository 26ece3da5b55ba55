//! The documented default of every setting, in one place; each builder method that changes one
//! names it.

use std::time::Duration;

/// Default upper bound of discovery and JWKS cache lifetimes.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(600);
/// Default number of entries in each of the discovery and JWKS caches.
pub const DEFAULT_CACHE_MAX_ENTRIES: usize = 100;
/// Default seconds a DPoP proof `iat` may lie in the future.
pub const DEFAULT_DPOP_IAT_LEEWAY: u64 = 30;
/// Default maximum age of a DPoP proof, in seconds.
pub const DEFAULT_DPOP_IAT_OFFSET: u64 = 300;
/// Default lower bound of discovery and JWKS cache lifetimes (a tiny `max-age` is raised to it).
pub const DEFAULT_CACHE_MIN_TTL: Duration = Duration::from_secs(30);
/// Default time an expired discovery or JWKS document may still be used when refreshing it
/// fails (stale-if-error, difference D12).
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(3600);
/// Default minimum time between two JWKS refetches caused by unknown `kid`s (D11).
pub const DEFAULT_UNKNOWN_KID_COOLDOWN: Duration = Duration::from_secs(30);
/// Default connect timeout for discovery and JWKS fetches.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout (connect, request, response body) for discovery and JWKS fetches.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound of `dpop_iat_leeway`, `dpop_iat_offset` and `unknown_kid_cooldown`: one day.
/// Larger values are configuration mistakes (a proof valid for a year, a year without
/// picking up a rotated key), and would overflow time arithmetic near `u64::MAX`.
pub(crate) const MAX_WINDOW_SECS: u64 = 86_400;
