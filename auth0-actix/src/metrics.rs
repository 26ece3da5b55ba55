//! Counters an application can read or export (Prometheus, StatsD, logs…). Never token contents.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::error::ErrorCode;

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) verified: AtomicU64,
    pub(crate) rejected_invalid_request: AtomicU64,
    pub(crate) rejected_invalid_token: AtomicU64,
    pub(crate) rejected_invalid_dpop_proof: AtomicU64,
    pub(crate) rejected_insufficient_scope: AtomicU64,
    pub(crate) server_errors: AtomicU64,
    pub(crate) discovery_fetches: AtomicU64,
    pub(crate) jwks_fetches: AtomicU64,
    pub(crate) fetch_failures: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cache_misses: AtomicU64,
    pub(crate) stale_served: AtomicU64,
    pub(crate) unknown_kid_refetches: AtomicU64,
    pub(crate) background_refreshes: AtomicU64,
}

impl Counters {
    pub(crate) fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn rejected(&self, code: ErrorCode) {
        Self::inc(match code {
            ErrorCode::InvalidRequest => &self.rejected_invalid_request,
            ErrorCode::InvalidToken => &self.rejected_invalid_token,
            ErrorCode::InvalidDpopProof => &self.rejected_invalid_dpop_proof,
            ErrorCode::InsufficientScope => &self.rejected_insufficient_scope,
            ErrorCode::InternalServerError | ErrorCode::DomainsResolverError => &self.server_errors,
        });
    }

    pub(crate) fn snapshot(&self) -> Metrics {
        Metrics {
            verified: self.verified.load(Relaxed),
            rejected_invalid_request: self.rejected_invalid_request.load(Relaxed),
            rejected_invalid_token: self.rejected_invalid_token.load(Relaxed),
            rejected_invalid_dpop_proof: self.rejected_invalid_dpop_proof.load(Relaxed),
            rejected_insufficient_scope: self.rejected_insufficient_scope.load(Relaxed),
            server_errors: self.server_errors.load(Relaxed),
            discovery_fetches: self.discovery_fetches.load(Relaxed),
            jwks_fetches: self.jwks_fetches.load(Relaxed),
            fetch_failures: self.fetch_failures.load(Relaxed),
            cache_hits: self.cache_hits.load(Relaxed),
            cache_misses: self.cache_misses.load(Relaxed),
            stale_served: self.stale_served.load(Relaxed),
            unknown_kid_refetches: self.unknown_kid_refetches.load(Relaxed),
            background_refreshes: self.background_refreshes.load(Relaxed),
        }
    }
}

/// A snapshot of an [`Auth0`](crate::Auth0) handle's counters since it was built.
///
/// ```
/// # let auth0 = auth0_actix::Auth0::builder().domain("t.auth0.com").audience("a").build()?;
/// let m = auth0.metrics();
/// println!("verified={} jwks_fetches={} stale={}", m.verified, m.jwks_fetches, m.stale_served);
/// # Ok::<(), auth0_actix::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Requests whose credentials verified.
    pub verified: u64,
    /// 400 `invalid_request` answers.
    pub rejected_invalid_request: u64,
    /// 401 `invalid_token` answers.
    pub rejected_invalid_token: u64,
    /// 400 `invalid_dpop_proof` answers.
    pub rejected_invalid_dpop_proof: u64,
    /// 403 `insufficient_scope` answers.
    pub rejected_insufficient_scope: u64,
    /// 500 answers: `domains_resolver_error` (a failing custom-domains resolver) and
    /// `internal_server_error` (a failing replay store). A route whose app registers no
    /// [`Auth0`](crate::Auth0) answers 500 too, but is not counted: without a handle there are
    /// no counters to count it in (the log names the route).
    pub server_errors: u64,
    /// Discovery documents fetched.
    pub discovery_fetches: u64,
    /// JWKS documents fetched.
    pub jwks_fetches: u64,
    /// Fetches that failed.
    pub fetch_failures: u64,
    /// Discovery/JWKS lookups answered from the cache.
    pub cache_hits: u64,
    /// Discovery/JWKS lookups that had to wait for a fetch.
    pub cache_misses: u64,
    /// Lookups answered with an expired document because a refresh failed (D12).
    pub stale_served: u64,
    /// JWKS refetches caused by an unknown `kid` (D11).
    pub unknown_kid_refetches: u64,
    /// Refreshes started ahead of expiry in the background.
    pub background_refreshes: u64,
}
