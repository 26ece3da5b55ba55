//! A small TTL cache of fetched documents with single-flight fetching (difference D13): when
//! several requests miss the same key at once, one fetch runs and every waiter shares its
//! result. Locks are never held across an await; hits take one read lock and clone an `Arc`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

struct Entry<V> {
    value: Arc<V>,
    inserted: Instant,
    expires: Instant,
}

type Flight<V> = Arc<OnceCell<Result<Arc<V>, String>>>;

/// Documents keyed by URL, each kept for `min(max-age, ttl)`; at most `max_entries` of them
/// (when full, expired entries go first, then the oldest).
pub(crate) struct Cache<V> {
    entries: RwLock<HashMap<String, Entry<V>>>,
    in_flight: Mutex<HashMap<String, Flight<V>>>,
    ttl: Duration,
    max_entries: usize,
}

impl<V> Cache<V> {
    pub(crate) fn new(ttl: Duration, max_entries: usize) -> Self {
        Cache {
            entries: RwLock::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            ttl,
            max_entries: max_entries.max(1),
        }
    }

    /// The cached value for `key`, if present and fresh.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<V>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(key)?;
        (Instant::now() < entry.expires).then(|| entry.value.clone())
    }

    /// The cached value, or the result of `fetch` (run once for all concurrent callers).
    /// `fetch` returns the value and the server's `max-age`, if any.
    pub(crate) async fn get_or_fetch<F, Fut>(&self, key: &str, fetch: F) -> Result<Arc<V>, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(V, Option<Duration>), String>>,
    {
        if let Some(hit) = self.get(key) {
            return Ok(hit);
        }
        let flight = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            in_flight.entry(key.to_owned()).or_default().clone()
        };
        let result = flight
            .get_or_init(|| async {
                // Another flight may have filled the cache between our miss and now.
                if let Some(hit) = self.get(key) {
                    return Ok(hit);
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

    fn insert(&self, key: &str, value: V, max_age: Option<Duration>) -> Arc<V> {
        let now = Instant::now();
        let ttl = max_age.map_or(self.ttl, |m| m.min(self.ttl));
        let value = Arc::new(value);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if !entries.contains_key(key) && entries.len() >= self.max_entries {
            entries.retain(|_, e| e.expires > now);
            if entries.len() >= self.max_entries {
                if let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.inserted)
                    .map(|(k, _)| k.clone())
                {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(
            key.to_owned(),
            Entry {
                value: value.clone(),
                inserted: now,
                expires: now + ttl,
            },
        );
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_misses_share_one_fetch() {
        let cache = Arc::new(Cache::<u32>::new(Duration::from_secs(60), 10));
        let fetches = Arc::new(AtomicUsize::new(0));
        let tasks = (0..50).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            async move {
                cache
                    .get_or_fetch("k", || async {
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
    async fn failures_are_not_cached_and_ttl_follows_max_age() {
        let cache = Cache::<u32>::new(Duration::from_secs(60), 10);
        let err = cache
            .get_or_fetch("k", || async { Err("down".to_owned()) })
            .await;
        assert_eq!(err, Err("down".to_owned()));
        assert!(cache.get("k").is_none());
        cache
            .get_or_fetch("k", || async { Ok((1, Some(Duration::ZERO))) })
            .await
            .unwrap();
        assert!(cache.get("k").is_none(), "max-age=0 expires at once");
    }

    #[tokio::test]
    async fn full_cache_evicts_the_oldest_entry() {
        let cache = Cache::<u32>::new(Duration::from_secs(60), 2);
        for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
            cache
                .get_or_fetch(k, || async move { Ok((i as u32, None)) })
                .await
                .unwrap();
        }
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some() && cache.get("c").is_some());
    }
}
