//! Discovery and JWKS: fetch, cache, and hand out ready-to-verify keys. The only part of the
//! crate that does network I/O; a request whose keys are cached never awaits anything here.
//!
//! - `fetch`: the shared HTTPS client, timeouts and size cap (D16).
//! - `discovery`: `issuer` and `jwks_uri` from `/.well-known/openid-configuration`.
//! - `jwks`: keys parsed once per fetch into pre-parsed public keys.
//! - `cache`: single flight (D13), refresh ahead, stale-if-error (D12), LRU bounds.
//!
//! An unknown `kid` causes one JWKS refetch, coalesced with any fetch in flight and at most
//! once per cooldown per JWKS (D11). The cooldown runs from the last such refetch, not from
//! routine fetches, so a key published just after a fetch still works on its first use. It is
//! decided before a fetch starts: a refused refetch never becomes a flight other callers see.
//!
//! Each fetch runs in a task of its own (single flight, D13): the request that started it may
//! be cancelled (its client gone, a timeout) without cancelling the fetch the others wait on.

mod cache;
mod discovery;
mod fetch;
mod jwks;
mod settings;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use discovery::Discovery;
pub(crate) use fetch::SSL_CERT_FILE;
pub(crate) use jwks::KeySet;
pub(crate) use settings::Settings;

use crate::algorithm::Algorithm;
use crate::clock::Clock;
use crate::crypto::CryptoBackend;
use crate::error::{AuthError, ConfigError};
use crate::metrics::Counters;
use cache::{Begin, Cache, Hit, Leader, Policy, SameAs};
use tracing::Instrument as _;

/// Caches of discovery documents (by normalised issuer) and JWKS (by `jwks_uri`).
#[derive(Clone)]
pub(crate) struct KeyStore(Arc<Inner>);

struct Inner {
    client: reqwest::Client,
    discovery: Cache<Discovery>,
    jwks: Cache<KeySet>,
    algorithms: Vec<Algorithm>,
    crypto_backend: CryptoBackend,
    allow_http: bool,
    kid_cooldown: Duration,
    /// When each JWKS was last refetched for an unknown `kid` (clock milliseconds); only
    /// entries still inside the cooldown are kept.
    kid_refetched: Mutex<HashMap<String, u64>>,
    counters: Arc<Counters>,
}

impl SameAs for Discovery {
    fn same_as(&self, newer: &Self) -> bool {
        self == newer
    }
}

impl SameAs for KeySet {
    fn same_as(&self, newer: &Self) -> bool {
        self.same_keys(newer)
    }
}

/// What the two document kinds differ in.
trait Document: SameAs + Sized + Send + Sync + 'static {
    const NAME: &'static str;
    fn cache(inner: &Inner) -> &Cache<Self>;
    fn fetch_counter(inner: &Inner) -> &AtomicU64;
    fn url(key: &str) -> String;
    fn parse(inner: &Inner, body: &[u8]) -> Result<Self, String>;
}

impl Document for Discovery {
    const NAME: &'static str = "discovery";
    fn cache(inner: &Inner) -> &Cache<Self> {
        &inner.discovery
    }
    fn fetch_counter(inner: &Inner) -> &AtomicU64 {
        &inner.counters.discovery_fetches
    }
    fn url(issuer: &str) -> String {
        format!("{issuer}.well-known/openid-configuration")
    }
    fn parse(inner: &Inner, body: &[u8]) -> Result<Self, String> {
        Discovery::parse(body, inner.allow_http)
    }
}

impl Document for KeySet {
    const NAME: &'static str = "JWKS";
    fn cache(inner: &Inner) -> &Cache<Self> {
        &inner.jwks
    }
    fn fetch_counter(inner: &Inner) -> &AtomicU64 {
        &inner.counters.jwks_fetches
    }
    fn url(jwks_uri: &str) -> String {
        jwks_uri.to_owned()
    }
    fn parse(inner: &Inner, body: &[u8]) -> Result<Self, String> {
        KeySet::parse(body, &inner.algorithms, inner.crypto_backend)
    }
}

impl KeyStore {
    pub(crate) fn new(
        s: &Settings,
        clock: Arc<dyn Clock>,
        counters: Arc<Counters>,
    ) -> Result<KeyStore, ConfigError> {
        let policy = Policy {
            min_ttl: s.min_ttl.min(s.cache_ttl),
            max_ttl: s.cache_ttl,
            refresh_ahead: 0.8,
            max_stale: s.max_stale,
            max_entries: s.cache_max_entries.max(1),
            backoff: s.kid_cooldown,
        };
        Ok(KeyStore(Arc::new(Inner {
            client: fetch::client(s)?,
            discovery: Cache::new(policy, clock.clone()),
            jwks: Cache::new(policy, clock),
            algorithms: s.algorithms.clone(),
            crypto_backend: s.crypto_backend,
            allow_http: s.allow_http,
            kid_cooldown: s.kid_cooldown,
            kid_refetched: Mutex::new(HashMap::new()),
            counters,
        })))
    }

    /// The key-set generation: changes whenever a fetched JWKS holds keys that differ from the
    /// cached copy's (or there was none). A refetch of an unchanged JWKS (refresh ahead, an
    /// unknown `kid`) keeps the generation, so it does not empty the verified-token cache.
    ///
    /// It is bumped only once a fetched key set is stored, so a request that reads a generation
    /// and then looks keys up sees at least that key set: the verified-token cache can never
    /// file a token checked against older keys under a newer generation.
    pub(crate) fn generation(&self) -> u64 {
        self.0.jwks.generation()
    }

    /// Whether plain-http loopback issuers are allowed.
    pub(crate) fn allow_http(&self) -> bool {
        self.0.allow_http
    }

    /// The discovery document of `issuer` (normalised, ending in `/`).
    pub(crate) async fn discovery(&self, issuer: &str) -> Result<Arc<Discovery>, String> {
        get::<Discovery>(&self.0, issuer, Caller::Request).await
    }

    /// The key set published at `jwks_uri`.
    pub(crate) async fn jwks(&self, jwks_uri: &str) -> Result<Arc<KeySet>, String> {
        get::<KeySet>(&self.0, jwks_uri, Caller::Request).await
    }

    /// A newer copy of the key set than `seen`, which lacks a token's `kid`: one cached since
    /// (another request's refetch), else a refetch shared with any fetch in flight, started at
    /// most once per cooldown per JWKS. `None`: there is nothing newer (the cached set stands).
    pub(crate) async fn jwks_after_unknown_kid(
        &self,
        jwks_uri: &str,
        seen: &Arc<KeySet>,
    ) -> Option<Arc<KeySet>> {
        let inner = &self.0;
        let newer = || {
            inner
                .jwks
                .cached(jwks_uri)
                .filter(|current| !Arc::ptr_eq(current, seen))
        };
        if let Some(current) = newer() {
            return Some(current);
        }
        // Asked only if no fetch of this JWKS is in flight (one in flight is joined instead),
        // and in the same step as starting one: a refusal starts nothing.
        let cooldown = || {
            let mut last = inner
                .kid_refetched
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let (now, window) = (inner.jwks.now_ms(), cache::ms_of(inner.kid_cooldown));
            if !start_cooldown(&mut last, jwks_uri, now, window) {
                tracing::debug!(target: "auth0_actix", jwks_uri,
                    "unknown kid: JWKS refetches are cooling down");
                return false;
            }
            Counters::inc(&inner.counters.unknown_kid_refetches);
            tracing::info!(target: "auth0_actix", jwks_uri, "unknown kid: refetching the JWKS");
            true
        };
        match fetch_shared::<KeySet>(inner, jwks_uri, u64::MAX, cooldown).await {
            Some(Ok(fresh)) if !Arc::ptr_eq(&fresh, seen) => Some(fresh),
            _ => newer(),
        }
    }

    /// Fetches discovery and the JWKS of `issuer` now.
    pub(crate) async fn warm_up(&self, issuer: &str) -> Result<(), AuthError> {
        let doc = get::<Discovery>(&self.0, issuer, Caller::WarmUp)
            .await
            .map_err(|e| {
                AuthError::invalid_token(format!("Failed to fetch OIDC discovery metadata: {e}"))
            })?;
        let uri = doc.jwks_uri.as_deref().ok_or_else(|| {
            AuthError::invalid_token("Discovery metadata missing 'jwks_uri' field")
        })?;
        get::<KeySet>(&self.0, uri, Caller::WarmUp)
            .await
            .map_err(|e| AuthError::invalid_token(format!("Failed to fetch JWKS: {e}")))?;
        Ok(())
    }
}

/// Starts the cooldown of `key` at `now` unless one started less than `window` ago (all clock
/// milliseconds); forgets ended cooldowns, and stamps in the future (the clock stepped back), so
/// that a clock step cannot stretch a cooldown.
fn start_cooldown(stamps: &mut HashMap<String, u64>, key: &str, now: u64, window: u64) -> bool {
    stamps.retain(|_, t| *t <= now && now < t.saturating_add(window));
    if stamps.contains_key(key) {
        return false;
    }
    stamps.insert(key.to_owned(), now);
    true
}

/// Who looks a document up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    Request,
    /// `Auth0::warm_up`: always tries the issuer, even right after a timed-out fetch.
    WarmUp,
}

async fn get<D: Document>(inner: &Arc<Inner>, key: &str, caller: Caller) -> Result<Arc<D>, String> {
    const TOO_OLD: &str = " (and the cached copy is too old to serve)";
    let cache = D::cache(inner);
    match cache.lookup(key) {
        Hit::Serve {
            value,
            refresh,
            stale,
        } => {
            if stale {
                // A refresh failed: serve the last good copy (stale-if-error, D12). Retries wait
                // for the back-off, so a hanging IdP costs one wait per back-off, not one per
                // request; and never a request's wait.
                Counters::inc(&inner.counters.stale_served);
                tracing::debug!(target: "auth0_actix", document = D::NAME, key,
                    "serving the last good copy during the refresh back-off");
            } else {
                Counters::inc(&inner.counters.cache_hits);
                tracing::trace!(target: "auth0_actix", document = D::NAME, key, "cache hit");
            }
            if refresh {
                refresh_in_background::<D>(inner.clone(), key.to_owned());
            }
            Ok(value)
        }
        Hit::Expired { fallback } => {
            Counters::inc(&inner.counters.cache_misses);
            tracing::debug!(target: "auth0_actix", document = D::NAME, key, "cache entry expired");
            let Some(last_good) = fallback else {
                return fetch_unless_timed_out::<D>(inner, key, caller)
                    .await
                    .map_err(|e| format!("{e}{TOO_OLD}"));
            };
            match fetch_now::<D>(inner, key).await {
                Ok(fresh) => Ok(fresh),
                Err(e) => {
                    Counters::inc(&inner.counters.stale_served);
                    cache.refresh_failed(key);
                    tracing::warn!(target: "auth0_actix", document = D::NAME, key, error = %e,
                        "refresh failed: serving the last good copy (stale-if-error); next try \
                         after the back-off");
                    Ok(last_good)
                }
            }
        }
        Hit::Miss => {
            Counters::inc(&inner.counters.cache_misses);
            tracing::debug!(target: "auth0_actix", document = D::NAME, key, "cache miss");
            fetch_unless_timed_out::<D>(inner, key, caller).await
        }
    }
}

/// With nothing to serve: the failure of a fetch that timed out less than the back-off ago,
/// at once (a flood of requests during an outage is not a flood of timeouts), else a fetch.
async fn fetch_unless_timed_out<D: Document>(
    inner: &Arc<Inner>,
    key: &str,
    caller: Caller,
) -> Result<Arc<D>, String> {
    if caller == Caller::Request {
        if let Some(reason) = D::cache(inner).recent_failure(key) {
            tracing::debug!(target: "auth0_actix", document = D::NAME, key,
                "the last fetch timed out: failing at once until the back-off ends");
            return Err(reason);
        }
    }
    fetch_now::<D>(inner, key).await
}

/// Fetches `key` now, or joins the fetch in flight.
async fn fetch_now<D: Document>(inner: &Arc<Inner>, key: &str) -> Result<Arc<D>, String> {
    let newer_than = D::cache(inner).now_ms();
    fetch_shared::<D>(inner, key, newer_than, || true)
        .await
        .unwrap_or_else(|| Err("fetch refused".to_owned()))
}

/// One fetch of `key` for all concurrent callers: joins the one in flight, or returns a copy
/// cached at or after `newer_than` (clock milliseconds), or starts one if `may_start` (asked only
/// then) allows. `None`: refused, and nothing was started.
async fn fetch_shared<D: Document>(
    inner: &Arc<Inner>,
    key: &str,
    newer_than: u64,
    may_start: impl FnOnce() -> bool,
) -> Option<Result<Arc<D>, String>> {
    let leader = match D::cache(inner).begin(key, newer_than, may_start) {
        Begin::Cached(value) => return Some(Ok(value)),
        Begin::Join(waiter) => return Some(waiter.wait().await),
        Begin::Refused => return None,
        Begin::Lead(leader) => leader,
    };
    let waiter = leader.waiter();
    let flight = run_flight::<D>(inner.clone(), leader)
        .instrument(tracing::debug_span!(target: "auth0_actix", "fetch", document = D::NAME, key));
    // Detached: the fetch outlives this caller, whom its request may cancel at the next await.
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn(flight)),
        Err(_) => flight.await,
    }
    Some(waiter.wait().await)
}

/// Fetches and parses the leader's document and hands the outcome to its flight.
async fn run_flight<D: Document>(inner: Arc<Inner>, leader: Leader<D>) {
    let key = leader.key();
    Counters::inc(D::fetch_counter(&inner));
    let fetched = match fetch::get(&inner.client, &D::url(key), inner.allow_http).await {
        Ok(fetched) => D::parse(&inner, &fetched.body).map(|doc| (doc, fetched.max_age)),
        Err(e) => {
            if e.timed_out {
                D::cache(&inner).timed_out(key, &e.reason);
            }
            Err(e.reason)
        }
    };
    if fetched.is_ok() {
        tracing::debug!(target: "auth0_actix", document = D::NAME, key, "fetched");
    }
    if fetched.is_err() {
        D::cache(&inner).refresh_failed_if_refreshing(key);
    }
    // Counted once the outcome is stored and handed on.
    if leader.finish(D::cache(&inner), fetched).is_err() {
        Counters::inc(&inner.counters.fetch_failures);
    }
}

/// Starts a refresh without making the request wait (ahead of expiry, or of an expired copy
/// being served meanwhile); no-op outside a Tokio runtime.
fn refresh_in_background<D: Document>(inner: Arc<Inner>, key: String) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        D::cache(&inner).refresh_skipped(&key);
        return;
    };
    Counters::inc(&inner.counters.background_refreshes);
    runtime.spawn(async move {
        // A failure's back-off was settled by the flight itself, before it was handed on
        // (`refresh_failed_if_refreshing`): settling it again here, later, could push the
        // next try past a back-off that has already ended.
        if let Err(e) = fetch_now::<D>(&inner, &key).await {
            if D::cache(&inner).expired(&key) {
                tracing::warn!(target: "auth0_actix", document = D::NAME, key, error = %e,
                    "refresh failed: serving the last good copy (stale-if-error); next try \
                     after the back-off");
            } else {
                tracing::warn!(target: "auth0_actix", document = D::NAME, key, error = %e,
                    "refresh ahead failed: the cached copy serves until it expires; next try \
                     after the back-off");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cooldown_runs_for_its_window_per_key_and_ignores_stamps_in_the_future() {
        let mut stamps = HashMap::new();
        assert!(start_cooldown(&mut stamps, "a", 1_000, 30_000));
        assert!(!start_cooldown(&mut stamps, "a", 30_999, 30_000));
        assert!(start_cooldown(&mut stamps, "b", 30_999, 30_000));
        assert!(start_cooldown(&mut stamps, "a", 31_000, 30_000));
        // The clock steps back an hour: the stamps, now in the future, no longer hold.
        assert!(start_cooldown(&mut stamps, "a", 0, 30_000));
        assert_eq!(stamps.len(), 1, "ended and future stamps are forgotten");
    }
}
