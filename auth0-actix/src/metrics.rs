//! Counters an application can read or export (Prometheus, StatsD, logs…). Never token contents.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::error::ErrorCode;

/// Per-request outcomes are counted on one of this many stripes, chosen by the counting thread.
const STRIPES: usize = 8;

/// One thread's share of the per-request counters, alone on its cache lines: worker threads
/// counting requests never write a line another one is writing (a shared counter would bounce
/// between cores on every request).
#[derive(Default)]
#[repr(align(128))]
struct Stripe([AtomicU64; Outcome::COUNT]);

/// What a request's verification ended in.
#[derive(Clone, Copy)]
enum Outcome {
    Verified,
    InvalidRequest,
    InvalidToken,
    InvalidDpopProof,
    InsufficientScope,
    ServerError,
}

impl Outcome {
    const COUNT: usize = 6;
}

#[derive(Default)]
pub(crate) struct Counters {
    outcomes: [Stripe; STRIPES],
    pub(crate) discovery_fetches: AtomicU64,
    pub(crate) jwks_fetches: AtomicU64,
    pub(crate) fetch_failures: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cache_misses: AtomicU64,
    pub(crate) stale_served: AtomicU64,
    pub(crate) unknown_kid_refetches: AtomicU64,
    pub(crate) background_refreshes: AtomicU64,
}

/// This thread's stripe: threads take stripes in turn as they first count.
fn stripe_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local!(static INDEX: usize = NEXT.fetch_add(1, Relaxed) % STRIPES);
    INDEX.with(|i| *i)
}

impl Counters {
    pub(crate) fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    fn count(&self, outcome: Outcome) {
        self.outcomes[stripe_index()].0[outcome as usize].fetch_add(1, Relaxed);
    }

    fn total(&self, outcome: Outcome) -> u64 {
        self.outcomes
            .iter()
            .map(|s| s.0[outcome as usize].load(Relaxed))
            .fold(0, u64::wrapping_add)
    }

    /// A request whose credentials verified.
    pub(crate) fn verified(&self) {
        self.count(Outcome::Verified);
    }

    pub(crate) fn rejected(&self, code: ErrorCode) {
        self.count(match code {
            ErrorCode::InvalidRequest => Outcome::InvalidRequest,
            ErrorCode::InvalidToken => Outcome::InvalidToken,
            ErrorCode::InvalidDpopProof => Outcome::InvalidDpopProof,
            ErrorCode::InsufficientScope => Outcome::InsufficientScope,
            ErrorCode::InternalServerError | ErrorCode::DomainsResolverError => {
                Outcome::ServerError
            }
        });
    }

    pub(crate) fn snapshot(&self) -> Metrics {
        Metrics {
            verified: self.total(Outcome::Verified),
            rejected_invalid_request: self.total(Outcome::InvalidRequest),
            rejected_invalid_token: self.total(Outcome::InvalidToken),
            rejected_invalid_dpop_proof: self.total(Outcome::InvalidDpopProof),
            rejected_insufficient_scope: self.total(Outcome::InsufficientScope),
            server_errors: self.total(Outcome::ServerError),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn striped_counts_from_many_threads_add_up() {
        let counters = Counters::default();
        std::thread::scope(|s| {
            for t in 0..(STRIPES + 3) {
                let counters = &counters;
                s.spawn(move || {
                    for _ in 0..1000 {
                        counters.verified();
                    }
                    for _ in 0..t {
                        counters.rejected(ErrorCode::InvalidToken);
                    }
                    counters.rejected(ErrorCode::DomainsResolverError);
                });
            }
        });
        let m = counters.snapshot();
        assert_eq!(m.verified, 1000 * (STRIPES as u64 + 3));
        assert_eq!(
            m.rejected_invalid_token,
            (0..STRIPES as u64 + 3).sum::<u64>()
        );
        assert_eq!(m.server_errors, STRIPES as u64 + 3);
        assert_eq!(m.rejected_invalid_request, 0);
    }
}
