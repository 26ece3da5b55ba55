//! A bounded cache of fetched documents that keeps an API up through key rotation and IdP
//! outages:
//!
//! - single flight (D13): concurrent fetches of one key share one request and its result. A
//!   caller either joins the flight in progress, or starts one (if its gate allows), or finds a
//!   recent enough copy; a caller the gate refuses touches no flight at all;
//! - freshness: `min_ttl ≤ max-age ≤ max_ttl`, with a refresh started in the background ahead
//!   of expiry, or on the first use after it: a copy within `max_stale` past its lifetime is
//!   served at once while one background refresh runs, so no request waits on the network once
//!   the cache is warm (a copy with a zero lifetime, e.g. `cache_ttl(0)`, is refetched first);
//! - stale-if-error (D12): an expired copy stays servable for `max_stale` when refreshing fails,
//!   and a failed refresh is retried only after the back-off;
//! - negative caching of slow failures: after a fetch timed out, callers with nothing to serve
//!   get that failure at once for the back-off instead of each waiting for a timeout;
//! - least-recently-used eviction when full (per-issuer caches stay bounded).
//!
//! Locks are never held across an await; a hit takes one read lock and clones an `Arc`.
//!
//! Times come from the configured clock, which is the wall clock by default and may step back
//! (NTP, a VM restored): a copy stamped in the future counts as expired and is refreshed at
//! once, and a failure stamped in the future is forgotten, so a clock step never stretches a
//! lifetime or a back-off.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;

/// A document that can tell whether a newly fetched copy changes anything.
pub(crate) trait SameAs {
    /// Whether `newer` is equivalent to `self`, so that the cache may keep `self` (and its
    /// generation) instead of storing `newer`.
    fn same_as(&self, newer: &Self) -> bool;
}

/// How long documents live; see the `Auth0Builder` cache settings for the defaults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) min_ttl: Duration,
    pub(crate) max_ttl: Duration,
    /// Fraction of the TTL after which one request starts a background refresh.
    pub(crate) refresh_ahead: f64,
    pub(crate) max_stale: Duration,
    pub(crate) max_entries: usize,
    /// After a failed refresh, how long the copy is served without trying again; after a timed
    /// out fetch, how long callers without a copy get its failure at once.
    pub(crate) backoff: Duration,
}

impl Policy {
    /// The lifetime of a document whose server said `max-age`.
    pub(crate) fn ttl(&self, max_age: Option<Duration>) -> Duration {
        let ttl = max_age.unwrap_or(self.max_ttl);
        ttl.max(self.min_ttl).min(self.max_ttl)
    }
}

struct Entry<V> {
    value: Arc<V>,
    fetched: u64,
    fresh_until: u64,
    /// When the next refresh is due: ahead of expiry, or the end of a failed refresh's back-off.
    refresh_at: AtomicU64,
    last_used: AtomicU64,
    /// A refresh is in flight (set by the one caller told to start it).
    refreshing: AtomicBool,
    /// The last refresh failed.
    failed: AtomicBool,
}

/// What a lookup found.
#[derive(Debug)]
pub(crate) enum Hit<V> {
    /// A copy to serve at once: fresh, or expired but within `max_stale` (being refreshed in the
    /// background, or backing off after a failed refresh). `refresh`: this caller must start
    /// the background refresh (true for one caller at a time, once it is due). `stale`: it is
    /// expired and its last refresh failed (stale-if-error, D12).
    Serve {
        value: Arc<V>,
        refresh: bool,
        stale: bool,
    },
    /// Expired, to be fetched before use: past `max_stale` (`fallback` is `None`), or a copy
    /// with a zero lifetime, which `fallback` may replace if the fetch fails.
    Expired {
        fallback: Option<Arc<V>>,
    },
    Miss,
}

/// The outcome of a flight, `None` until it lands.
type Outcome<V> = Option<Result<Arc<V>, String>>;

/// The flights in progress, by key: a receiver of each one's outcome.
type Flights<V> = Mutex<HashMap<String, watch::Receiver<Outcome<V>>>>;

/// What a waiter gets when the flight it joined ended without an outcome (its task was dropped,
/// e.g. because the runtime shut down).
const ABANDONED: &str = "the fetch was abandoned";

/// How a fetch begins for one caller; see [`Cache::begin`].
pub(crate) enum Begin<V> {
    /// A copy fetched recently enough is cached: no fetch needed.
    Cached(Arc<V>),
    /// A fetch is in flight: wait for its outcome.
    Join(Waiter<V>),
    /// This caller starts the fetch, and must [`finish`](Leader::finish) it.
    Lead(Leader<V>),
    /// No fetch was in flight and the gate did not allow one.
    Refused,
}

/// Waits for the outcome of a flight.
pub(crate) struct Waiter<V>(watch::Receiver<Outcome<V>>);

impl<V> Waiter<V> {
    pub(crate) async fn wait(mut self) -> Result<Arc<V>, String> {
        match self.0.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or_else(|| Err(ABANDONED.to_owned())),
            Err(_) => Err(ABANDONED.to_owned()),
        }
    }
}

/// The one caller that runs a flight. Dropping it unfinished ends the flight: its waiters get
/// an error and the next caller starts a new one.
pub(crate) struct Leader<V> {
    key: String,
    outcome: watch::Sender<Outcome<V>>,
    flights: Arc<Flights<V>>,
}

impl<V: SameAs> Leader<V> {
    /// A waiter for this flight's outcome.
    pub(crate) fn waiter(&self) -> Waiter<V> {
        Waiter(self.outcome.subscribe())
    }

    /// The key being fetched.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// Stores a fetched value (with its server's `max-age`) in `cache` and hands the outcome to
    /// every waiter. A failure stores nothing, and a cached copy starts its back-off (see
    /// [`Cache::refresh_failed`]) before any waiter hears of it.
    pub(crate) fn finish(
        self,
        cache: &Cache<V>,
        fetched: Result<(V, Option<Duration>), String>,
    ) -> Result<Arc<V>, String> {
        let outcome = fetched.map(|(value, max_age)| cache.insert(&self.key, value, max_age));
        if outcome.is_err() {
            cache.refresh_failed(&self.key);
        }
        self.outcome.send_replace(Some(outcome.clone()));
        outcome
    }
}

impl<V> Drop for Leader<V> {
    fn drop(&mut self) {
        let mut flights = lock(&self.flights);
        if flights
            .get(&self.key)
            .is_some_and(|rx| rx.same_channel(&self.outcome.subscribe()))
        {
            flights.remove(&self.key);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) struct Cache<V> {
    entries: RwLock<HashMap<String, Entry<V>>>,
    flights: Arc<Flights<V>>,
    /// Recent timed-out fetches by key: when (clock milliseconds), and why.
    failures: Mutex<HashMap<String, (u64, String)>>,
    policy: Policy,
    clock: Arc<dyn Clock>,
    /// Bumped after every insert of a new or changed value, once it is visible to lookups.
    generation: AtomicU64,
}

pub(crate) fn ms_of(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl<V: SameAs> Cache<V> {
    pub(crate) fn new(policy: Policy, clock: Arc<dyn Clock>) -> Self {
        Cache {
            entries: RwLock::new(HashMap::new()),
            flights: Arc::new(Mutex::new(HashMap::new())),
            failures: Mutex::new(HashMap::new()),
            policy,
            clock,
            generation: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        ms_of(self.clock.now())
    }

    pub(crate) fn lookup(&self, key: &str) -> Hit<V> {
        let now = self.now();
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = entries.get(key) else {
            return Hit::Miss;
        };
        entry.last_used.store(now, Ordering::Relaxed);
        // The clock stepped back past the fetch: the stamps cannot be trusted.
        let clock_stepped_back = now < entry.fetched;
        let fresh = now < entry.fresh_until && !clock_stepped_back;
        let servable = fresh
            || now
                <= entry
                    .fresh_until
                    .saturating_add(ms_of(self.policy.max_stale));
        if !servable {
            return Hit::Expired { fallback: None };
        }
        let failed = entry.failed.load(Ordering::Acquire);
        let due =
            now >= entry.refresh_at.load(Ordering::Relaxed) || (clock_stepped_back && !failed);
        if !fresh && due && entry.fresh_until == entry.fetched {
            // No lifetime at all: never reused without trying a fetch first.
            return Hit::Expired {
                fallback: Some(entry.value.clone()),
            };
        }
        Hit::Serve {
            value: entry.value.clone(),
            refresh: due && !entry.refreshing.swap(true, Ordering::AcqRel),
            stale: !fresh && failed,
        }
    }

    /// The cached copy of `key`, fresh or not, without touching its recency or refresh state.
    pub(crate) fn cached(&self, key: &str) -> Option<Arc<V>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(key).map(|e| e.value.clone())
    }

    /// Milliseconds on the cache's clock.
    pub(crate) fn now_ms(&self) -> u64 {
        self.now()
    }

    /// After a failed fetch: a cached copy is marked as failed (it counts as stale once expired)
    /// and is not refreshed again for the back-off (nor before its refresh was due anyway).
    /// Whether the copy is past its lifetime (now served as stale).
    pub(crate) fn refresh_failed(&self, key: &str) -> bool {
        self.refresh_done(key, true)
    }

    /// Whether the cached copy of `key` is past its lifetime (or stamped in the future).
    pub(crate) fn expired(&self, key: &str) -> bool {
        let now = self.now();
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .is_some_and(|e| now >= e.fresh_until || now < e.fetched)
    }

    /// A failed fetch that a background refresh of `key` waits for: settles the copy's failed
    /// state and back-off before the failure is handed on and counted, so whoever observes the
    /// failure (a counter, a waiter) also observes the back-off.
    pub(crate) fn refresh_failed_if_refreshing(&self, key: &str) {
        let refreshing = {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            entries
                .get(key)
                .is_some_and(|e| e.refreshing.load(Ordering::Acquire))
        };
        if refreshing {
            self.refresh_failed(key);
        }
    }

    /// After a refresh that could not start (no runtime): the next lookup may try again.
    pub(crate) fn refresh_skipped(&self, key: &str) {
        self.refresh_done(key, false);
    }

    fn refresh_done(&self, key: &str, failed: bool) -> bool {
        let stepped_back = failed && self.restamp_if_clock_stepped_back(key);
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = entries.get(key) else {
            return false;
        };
        let now = self.now();
        if failed {
            let retry = now.saturating_add(ms_of(self.policy.backoff));
            entry.failed.store(true, Ordering::Release);
            if stepped_back {
                // The clock stepped back: the old schedule means nothing.
                entry.refresh_at.store(retry, Ordering::Relaxed);
            } else {
                entry.refresh_at.fetch_max(retry, Ordering::Relaxed);
            }
        }
        entry.refreshing.store(false, Ordering::Release);
        now >= entry.fresh_until || now < entry.fetched
    }

    /// After a failed refresh, a copy stamped in the future (the clock stepped back past its
    /// fetch) is re-stamped as fetched and expired now, so `max_stale` counts from here rather
    /// than from a lifetime the step stretched. (`fetched` one millisecond before `fresh_until`:
    /// a copy that had a lifetime, not one fetched with none.)
    /// Whether it did.
    fn restamp_if_clock_stepped_back(&self, key: &str) -> bool {
        let now = self.now();
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        match entries.get_mut(key) {
            Some(entry) if now < entry.fetched => {
                entry.fetched = now.saturating_sub(1);
                entry.fresh_until = now;
                true
            }
            _ => false,
        }
    }

    /// Remembers that fetching `key` timed out with `reason`, for [`recent_failure`].
    ///
    /// [`recent_failure`]: Cache::recent_failure
    pub(crate) fn timed_out(&self, key: &str, reason: &str) {
        let now = self.now();
        let backoff = ms_of(self.policy.backoff);
        let mut failures = lock(&self.failures);
        failures.retain(|_, (at, _)| *at <= now && now < at.saturating_add(backoff));
        if failures.len() >= self.policy.max_entries && !failures.contains_key(key) {
            if let Some(oldest) = failures
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
            {
                failures.remove(&oldest);
            }
        }
        failures.insert(key.to_owned(), (now, reason.to_owned()));
    }

    /// Why fetching `key` timed out, if it did less than the back-off ago (and nothing was
    /// stored since).
    pub(crate) fn recent_failure(&self, key: &str) -> Option<String> {
        let now = self.now();
        let failures = lock(&self.failures);
        let (at, reason) = failures.get(key)?;
        (*at <= now && now < at.saturating_add(ms_of(self.policy.backoff))).then(|| reason.clone())
    }

    /// How a fetch of `key` begins for this caller: it joins the flight in progress if there is
    /// one; else it gets the cached copy if that was fetched at or after `newer_than` (clock
    /// milliseconds) and is fresh; else it leads a new flight if `may_start` allows (asked only
    /// then, under the flights lock, so a gate decision and the start of its flight are one
    /// step). A refusal leaves no trace for other callers.
    pub(crate) fn begin(
        &self,
        key: &str,
        newer_than: u64,
        may_start: impl FnOnce() -> bool,
    ) -> Begin<V> {
        let mut flights = lock(&self.flights);
        if let Some(outcome) = flights.get(key) {
            return Begin::Join(Waiter(outcome.clone()));
        }
        if let Some(value) = self.cached_since(key, newer_than) {
            return Begin::Cached(value);
        }
        if !may_start() {
            return Begin::Refused;
        }
        let (outcome, rx) = watch::channel(None);
        flights.insert(key.to_owned(), rx);
        Begin::Lead(Leader {
            key: key.to_owned(),
            outcome,
            flights: self.flights.clone(),
        })
    }

    /// How many new or changed values have been stored so far: storing a copy that is the
    /// [same as](SameAs) the cached one keeps the generation (and the cached `Arc`). A caller
    /// that reads a generation and then looks a value up sees at least the value stored with
    /// that generation.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn cached_since(&self, key: &str, newer_than: u64) -> Option<Arc<V>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(key)?;
        let now = self.now();
        (newer_than <= entry.fetched && entry.fetched <= now && now < entry.fresh_until)
            .then(|| entry.value.clone())
    }

    fn insert(&self, key: &str, value: V, max_age: Option<Duration>) -> Arc<V> {
        let now = self.now();
        let ttl = ms_of(self.policy.ttl(max_age));
        let refresh_at = now.saturating_add((ttl as f64 * self.policy.refresh_ahead) as u64);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        let (value, changed) = match entries.get(key) {
            Some(old) if old.value.same_as(&value) => (old.value.clone(), false),
            _ => (Arc::new(value), true),
        };
        if !entries.contains_key(key) && entries.len() >= self.policy.max_entries {
            let stale = ms_of(self.policy.max_stale);
            entries.retain(|_, e| now <= e.fresh_until.saturating_add(stale));
            if entries.len() >= self.policy.max_entries {
                if let Some(lru) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.last_used.load(Ordering::Relaxed))
                    .map(|(k, _)| k.clone())
                {
                    entries.remove(&lru);
                }
            }
        }
        entries.insert(
            key.to_owned(),
            Entry {
                value: value.clone(),
                fetched: now,
                fresh_until: now.saturating_add(ttl),
                refresh_at: AtomicU64::new(refresh_at),
                last_used: AtomicU64::new(now),
                refreshing: AtomicBool::new(false),
                failed: AtomicBool::new(false),
            },
        );
        drop(entries);
        lock(&self.failures).remove(key);
        if changed {
            self.generation.fetch_add(1, Ordering::Release);
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use std::future::Future;
    use std::sync::atomic::AtomicUsize;

    impl SameAs for u32 {
        fn same_as(&self, newer: &Self) -> bool {
            self == newer
        }
    }

    fn policy(max_entries: usize) -> Policy {
        Policy {
            min_ttl: Duration::ZERO,
            max_ttl: Duration::from_secs(60),
            refresh_ahead: 0.8,
            max_stale: Duration::from_secs(3600),
            max_entries,
            backoff: Duration::from_secs(30),
        }
    }

    /// A fetch of `key` through `begin`, running `fetch` inline when this call leads.
    async fn fetch<V: SameAs, Fut>(
        cache: &Cache<V>,
        key: &str,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<Arc<V>, String>
    where
        Fut: Future<Output = Result<(V, Option<Duration>), String>>,
    {
        match cache.begin(key, 0, || true) {
            Begin::Cached(value) => Ok(value),
            Begin::Join(waiter) => waiter.wait().await,
            Begin::Lead(leader) => {
                let fetched = fetch().await;
                leader.finish(cache, fetched)
            }
            Begin::Refused => unreachable!("the gate allows"),
        }
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_fetch() {
        let cache = Arc::new(Cache::<u32>::new(policy(10), Arc::new(SystemClock)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let tasks = (0..50).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            async move {
                fetch(&cache, "k", || async {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok((7, None))
                })
                .await
            }
        });
        let results = futures_util::future::join_all(tasks).await;
        assert!(results.iter().all(|r| r.as_deref() == Ok(&7)));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_refused_start_leaves_nothing_for_others_to_join() {
        let cache = Cache::<u32>::new(policy(10), Arc::new(SystemClock));
        assert!(matches!(
            cache.begin("k", u64::MAX, || false),
            Begin::Refused
        ));
        // The next caller is not handed the refusal: it starts a flight of its own.
        let Begin::Lead(leader) = cache.begin("k", 0, || true) else {
            panic!("expected to lead a new flight");
        };
        // While that flight is in progress, a gated caller joins it without asking its gate.
        let Begin::Join(waiter) = cache.begin("k", u64::MAX, || panic!("gate asked")) else {
            panic!("expected to join the flight in progress");
        };
        assert_eq!(leader.finish(&cache, Ok((5, None))), Ok(Arc::new(5)));
        assert_eq!(waiter.wait().await, Ok(Arc::new(5)));
        // Done: a fresh copy answers, unless the caller wants a newer one than it.
        assert!(matches!(cache.begin("k", 0, || false), Begin::Cached(v) if *v == 5));
        assert!(matches!(
            cache.begin("k", u64::MAX, || false),
            Begin::Refused
        ));
    }

    #[tokio::test]
    async fn an_abandoned_flight_fails_its_waiters_and_a_new_one_can_start() {
        let cache = Cache::<u32>::new(policy(10), Arc::new(SystemClock));
        let Begin::Lead(leader) = cache.begin("k", 0, || true) else {
            panic!("expected to lead");
        };
        let waiter = leader.waiter();
        drop(leader);
        assert_eq!(waiter.wait().await, Err(ABANDONED.to_owned()));
        assert!(matches!(cache.begin("k", 0, || true), Begin::Lead(_)));
    }

    #[tokio::test]
    async fn storing_an_unchanged_copy_keeps_the_generation_and_the_value() {
        let cache = Cache::<u32>::new(policy(10), Arc::new(SystemClock));
        let first = fetch(&cache, "k", || async { Ok((1, None)) })
            .await
            .unwrap();
        assert_eq!(cache.generation(), 1);
        let Begin::Lead(leader) = cache.begin("k", u64::MAX, || true) else {
            panic!("expected to lead");
        };
        let same = leader.finish(&cache, Ok((1, None))).unwrap();
        assert!(Arc::ptr_eq(&first, &same));
        assert_eq!(cache.generation(), 1);
        let Begin::Lead(leader) = cache.begin("k", u64::MAX, || true) else {
            panic!("expected to lead");
        };
        assert_eq!(*leader.finish(&cache, Ok((2, None))).unwrap(), 2);
        assert_eq!(cache.generation(), 2);
        // A new key is a change too.
        fetch(&cache, "other", || async { Ok((2, None)) })
            .await
            .unwrap();
        assert_eq!(cache.generation(), 3);
    }

    /// A clock the test moves (milliseconds).
    struct TestClock(AtomicU64);

    impl Clock for TestClock {
        fn now(&self) -> Duration {
            Duration::from_millis(self.0.load(Ordering::SeqCst))
        }
    }

    fn at(clock: &TestClock, ms: u64) {
        clock.0.store(ms, Ordering::SeqCst);
    }

    /// (refresh, stale) of a `Serve`, or a panic.
    fn served(hit: Hit<u32>) -> (bool, bool) {
        match hit {
            Hit::Serve { refresh, stale, .. } => (refresh, stale),
            other => panic!("expected Serve, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn expired_copies_are_served_while_refreshing_and_stale_once_a_refresh_failed() {
        let clock = Arc::new(TestClock(AtomicU64::new(1_000_000)));
        let cache = Cache::<u32>::new(policy(10), clock.clone());
        let ten_seconds = Some(Duration::from_secs(10));
        fetch(&cache, "k", || async { Ok((1, ten_seconds)) })
            .await
            .unwrap();
        at(&clock, 1_005_000);
        assert_eq!(served(cache.lookup("k")), (false, false));
        // At 80 % one caller is told to refresh, the others are not.
        at(&clock, 1_008_000);
        assert_eq!(served(cache.lookup("k")), (true, false));
        assert_eq!(served(cache.lookup("k")), (false, false));
        // That refresh fails: no new one for the back-off (30 s), and once expired the copy is
        // served as stale.
        cache.refresh_failed("k");
        assert_eq!(served(cache.lookup("k")), (false, false));
        at(&clock, 1_011_000);
        assert_eq!(served(cache.lookup("k")), (false, true));
        at(&clock, 1_038_000);
        assert_eq!(served(cache.lookup("k")), (true, true));
        // Past max_stale (1 h after expiry) it must be fetched first, with no fallback.
        at(&clock, 1_010_000 + 3_600_000);
        assert!(matches!(cache.lookup("k"), Hit::Serve { .. }));
        at(&clock, 1_010_001 + 3_600_000);
        assert!(matches!(cache.lookup("k"), Hit::Expired { fallback: None }));

        // Expired without any failure: served (not stale) while one refresh runs.
        fetch(&cache, "e", || async { Ok((2, ten_seconds)) })
            .await
            .unwrap();
        at(&clock, 1_010_002 + 3_600_000 + 10_000);
        assert_eq!(served(cache.lookup("e")), (true, false));
        assert_eq!(served(cache.lookup("e")), (false, false));
    }

    #[tokio::test]
    async fn a_copy_without_lifetime_is_refetched_before_use_unless_backing_off() {
        let clock = Arc::new(TestClock(AtomicU64::new(1_000_000)));
        let cache = Cache::<u32>::new(policy(10), clock.clone());
        fetch(&cache, "z", || async { Ok((1, Some(Duration::ZERO))) })
            .await
            .unwrap();
        assert!(matches!(cache.lookup("z"), Hit::Expired { fallback: Some(v) } if *v == 1));
        cache.refresh_failed("z");
        assert_eq!(served(cache.lookup("z")), (false, true));
        at(&clock, 1_030_000);
        assert!(matches!(
            cache.lookup("z"),
            Hit::Expired { fallback: Some(_) }
        ));
    }

    #[tokio::test]
    async fn a_timed_out_fetch_is_remembered_for_the_back_off_or_until_a_store() {
        let clock = Arc::new(TestClock(AtomicU64::new(1_000_000)));
        let cache = Cache::<u32>::new(policy(10), clock.clone());
        cache.timed_out("k", "request timed out");
        assert_eq!(
            cache.recent_failure("k").as_deref(),
            Some("request timed out")
        );
        assert_eq!(cache.recent_failure("other"), None);
        at(&clock, 1_029_999);
        assert!(cache.recent_failure("k").is_some());
        at(&clock, 1_030_000);
        assert_eq!(cache.recent_failure("k"), None);
        cache.timed_out("k", "request timed out");
        fetch(&cache, "k", || async { Ok((1, None)) })
            .await
            .unwrap();
        assert_eq!(cache.recent_failure("k"), None);
        // Bounded like the entries.
        for i in 0..20 {
            cache.timed_out(&format!("key-{i}"), "request timed out");
        }
        assert!(lock(&cache.failures).len() <= 10);
    }

    #[tokio::test]
    async fn a_clock_that_steps_back_neither_stretches_a_lifetime_nor_a_back_off() {
        let clock = Arc::new(TestClock(AtomicU64::new(1_000_000)));
        let cache = Cache::<u32>::new(policy(10), clock.clone());
        fetch(&cache, "k", || async {
            Ok((1, Some(Duration::from_secs(60))))
        })
        .await
        .unwrap();
        // 100 s back: the copy, stamped in the future, is served as expired and refreshed now.
        at(&clock, 900_000);
        assert_eq!(served(cache.lookup("k")), (true, false));
        assert_eq!(served(cache.lookup("k")), (false, false));
        assert!(matches!(cache.begin("k", 0, || false), Begin::Refused));
        // That refresh fails: the back-off counts from the new now, not the old schedule.
        cache.refresh_failed("k");
        assert_eq!(served(cache.lookup("k")), (false, true));
        at(&clock, 930_000);
        assert_eq!(served(cache.lookup("k")), (true, true));
        // And max_stale (1 h) counts from the failure too, not from the stretched lifetime
        // (which would keep the copy servable until 1_060_000 + 3_600_000).
        at(&clock, 900_000 + 3_600_000);
        assert!(matches!(cache.lookup("k"), Hit::Serve { .. }));
        at(&clock, 900_001 + 3_600_000);
        assert!(matches!(cache.lookup("k"), Hit::Expired { fallback: None }));
        // A timed-out fetch stamped in the future is forgotten.
        at(&clock, 2_000_000);
        cache.timed_out("t", "request timed out");
        at(&clock, 1_990_000);
        assert_eq!(cache.recent_failure("t"), None);
    }

    #[test]
    fn ttl_is_clamped() {
        let p = Policy {
            min_ttl: Duration::from_secs(30),
            ..policy(1)
        };
        assert_eq!(p.ttl(Some(Duration::from_secs(5))), Duration::from_secs(30));
        assert_eq!(
            p.ttl(Some(Duration::from_secs(45))),
            Duration::from_secs(45)
        );
        assert_eq!(
            p.ttl(Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
        assert_eq!(p.ttl(None), Duration::from_secs(60));
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_zero_ttl_expires_at_once() {
        let cache = Cache::<u32>::new(policy(10), Arc::new(SystemClock));
        let err = fetch(&cache, "k", || async { Err("down".to_owned()) }).await;
        assert_eq!(err, Err("down".to_owned()));
        assert!(matches!(cache.lookup("k"), Hit::Miss));
        fetch(&cache, "k", || async { Ok((1, Some(Duration::ZERO))) })
            .await
            .unwrap();
        assert!(matches!(
            cache.lookup("k"),
            Hit::Expired { fallback: Some(v) } if *v == 1
        ));
    }

    #[tokio::test]
    async fn full_cache_evicts_the_least_recently_used_entry() {
        let cache = Cache::<u32>::new(policy(2), Arc::new(SystemClock));
        fetch(&cache, "a", || async { Ok((1, None)) })
            .await
            .unwrap();
        fetch(&cache, "b", || async { Ok((2, None)) })
            .await
            .unwrap();
        // Touch "a" so that "b" is the least recently used (same-millisecond ties are possible,
        // so make "b" strictly older).
        {
            let entries = cache.entries.read().unwrap();
            entries["b"].last_used.store(0, Ordering::Relaxed);
        }
        let _ = cache.lookup("a");
        fetch(&cache, "c", || async { Ok((3, None)) })
            .await
            .unwrap();
        assert!(matches!(cache.lookup("b"), Hit::Miss));
        assert!(matches!(cache.lookup("a"), Hit::Serve { stale: false, .. }));
        assert!(matches!(cache.lookup("c"), Hit::Serve { stale: false, .. }));
    }
}
