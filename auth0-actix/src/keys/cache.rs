//! A bounded cache of fetched documents that keeps an API up through key rotation and IdP
//! outages:
//!
//! - single flight (D13): concurrent fetches of one key share one request and its result;
//! - freshness: `min_ttl ≤ max-age ≤ max_ttl`, with a refresh started ahead of expiry;
//! - stale-if-error (D12): an expired copy stays servable for `max_stale` when refreshing fails;
//! - least-recently-used eviction when full (per-issuer caches stay bounded).
//!
//! Locks are never held across an await; a hit takes one read lock and clones an `Arc`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::clock::Clock;

/// How long documents live; see the `Auth0Builder` cache settings for the defaults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) min_ttl: Duration,
    pub(crate) max_ttl: Duration,
    /// Fraction of the TTL after which one request starts a background refresh.
    pub(crate) refresh_ahead: f64,
    pub(crate) max_stale: Duration,
    pub(crate) max_entries: usize,
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
    refresh_at: AtomicU64,
    last_used: AtomicU64,
    refreshing: AtomicBool,
}

/// What a lookup found.
pub(crate) enum Hit<V> {
    /// A fresh copy; `refresh` is true for exactly one caller once it is time to refresh ahead.
    Fresh {
        value: Arc<V>,
        refresh: bool,
    },
    /// An expired copy, whether it may still be served if a refresh fails, and whether a
    /// refresh failed recently (then the copy is served at once, without trying again).
    Expired {
        value: Arc<V>,
        servable: bool,
        backing_off: bool,
    },
    Miss,
}

type Flight<V> = Arc<OnceCell<Result<Arc<V>, String>>>;

pub(crate) struct Cache<V> {
    entries: RwLock<HashMap<String, Entry<V>>>,
    in_flight: Mutex<HashMap<String, Flight<V>>>,
    policy: Policy,
    clock: Arc<dyn Clock>,
    /// Bumped after every insert, once the new value is visible to lookups.
    generation: AtomicU64,
}

pub(crate) fn ms_of(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl<V> Cache<V> {
    pub(crate) fn new(policy: Policy, clock: Arc<dyn Clock>) -> Self {
        Cache {
            entries: RwLock::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
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
        if now < entry.fresh_until {
            let refresh = now >= entry.refresh_at.load(Ordering::Relaxed)
                && !entry.refreshing.swap(true, Ordering::AcqRel);
            return Hit::Fresh {
                value: entry.value.clone(),
                refresh,
            };
        }
        let servable = now
            <= entry
                .fresh_until
                .saturating_add(ms_of(self.policy.max_stale));
        let backing_off = servable && now < entry.refresh_at.load(Ordering::Relaxed);
        Hit::Expired {
            value: entry.value.clone(),
            servable,
            backing_off,
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

    /// After a failed background refresh: try again no sooner than `retry_in`.
    pub(crate) fn refresh_failed(&self, key: &str, retry_in: Duration) {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.get(key) {
            entry.refresh_at.store(
                self.now().saturating_add(ms_of(retry_in)),
                Ordering::Relaxed,
            );
            entry.refreshing.store(false, Ordering::Release);
        }
    }

    /// Fetches `key` once for all concurrent callers, unless a copy fetched at or after
    /// `newer_than` (clock milliseconds) is already cached, which is then returned.
    /// `fetch` returns the value and the server's `max-age`, if any.
    pub(crate) async fn fetch<F, Fut>(
        &self,
        key: &str,
        newer_than: u64,
        fetch: F,
    ) -> Result<Arc<V>, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(V, Option<Duration>), String>>,
    {
        let flight = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            in_flight.entry(key.to_owned()).or_default().clone()
        };
        let result = flight
            .get_or_init(|| async {
                // A flight that finished between our decision to fetch and now may suffice.
                if let Some(value) = self.cached_since(key, newer_than) {
                    return Ok(value);
                }
                let (value, max_age) = fetch().await?;
                Ok(self.insert(key, value, max_age))
            })
            .await
            .clone();
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if in_flight.get(key).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
            in_flight.remove(key);
        }
        result
    }

    /// How many values have been stored so far. A caller that reads a generation and then
    /// looks a value up sees at least the value stored with that generation.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn cached_since(&self, key: &str, newer_than: u64) -> Option<Arc<V>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(key)?;
        (entry.fetched >= newer_than && self.now() < entry.fresh_until).then(|| entry.value.clone())
    }

    fn insert(&self, key: &str, value: V, max_age: Option<Duration>) -> Arc<V> {
        let now = self.now();
        let ttl = ms_of(self.policy.ttl(max_age));
        let refresh_at = now + (ttl as f64 * self.policy.refresh_ahead) as u64;
        let value = Arc::new(value);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
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
            },
        );
        drop(entries);
        self.generation.fetch_add(1, Ordering::Release);
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use std::sync::atomic::AtomicUsize;

    fn policy(max_entries: usize) -> Policy {
        Policy {
            min_ttl: Duration::ZERO,
            max_ttl: Duration::from_secs(60),
            refresh_ahead: 0.8,
            max_stale: Duration::from_secs(3600),
            max_entries,
        }
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_fetch() {
        let cache = Arc::new(Cache::<u32>::new(policy(10), Arc::new(SystemClock)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let tasks = (0..50).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            async move {
                cache
                    .fetch("k", 0, || async {
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
        let err = cache
            .fetch("k", 0, || async { Err("down".to_owned()) })
            .await;
        assert_eq!(err, Err("down".to_owned()));
        assert!(matches!(cache.lookup("k"), Hit::Miss));
        cache
            .fetch("k", 0, || async { Ok((1, Some(Duration::ZERO))) })
            .await
            .unwrap();
        assert!(matches!(
            cache.lookup("k"),
            Hit::Expired { servable: true, .. }
        ));
    }

    #[tokio::test]
    async fn full_cache_evicts_the_least_recently_used_entry() {
        let cache = Cache::<u32>::new(policy(2), Arc::new(SystemClock));
        cache
            .fetch("a", 0, || async { Ok((1, None)) })
            .await
            .unwrap();
        cache
            .fetch("b", 0, || async { Ok((2, None)) })
            .await
            .unwrap();
        // Touch "a" so that "b" is the least recently used (same-millisecond ties are possible,
        // so make "b" strictly older).
        {
            let entries = cache.entries.read().unwrap();
            entries["b"].last_used.store(0, Ordering::Relaxed);
        }
        let _ = cache.lookup("a");
        cache
            .fetch("c", 0, || async { Ok((3, None)) })
            .await
            .unwrap();
        assert!(matches!(cache.lookup("b"), Hit::Miss));
        assert!(matches!(cache.lookup("a"), Hit::Fresh { .. }));
        assert!(matches!(cache.lookup("c"), Hit::Fresh { .. }));
    }
}
