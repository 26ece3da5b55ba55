//! Replay protection for DPoP proofs (RFC 9449 §11.1, difference D7): a proof's `jti` may be
//! used once per key within the window in which its `iat` is acceptable.
//!
//! Entries are keyed by SHA-256(`jkt` ‖ 0 ‖ `jti`), so an attacker-chosen `jti` length cannot
//! grow memory: every entry is 32 bytes of key plus 8 bytes of expiry.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::defaults::REPLAY_CAPACITY;
use crate::future::BoxFuture;

/// A failure of the store itself (e.g. a networked store that cannot be reached). The request
/// is then refused with a 500: replay protection fails closed.
#[derive(Debug, Clone)]
pub struct ReplayStoreError(pub String);

impl fmt::Display for ReplayStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replay store failed: {}", self.0)
    }
}

impl std::error::Error for ReplayStoreError {}

/// Remembers which DPoP proofs have been seen. Implement it for a store shared by several nodes
/// (Redis, a database…); the default is [`InMemoryReplayStore`].
///
/// ```
/// use auth0_actix::dpop::{ReplayStore, ReplayStoreError};
/// use auth0_actix::BoxFuture;
///
/// /// Accepts every proof: replay protection off (what `replay_protection(None)` does).
/// struct Nothing;
/// impl ReplayStore for Nothing {
///     fn insert_if_absent(&self, _key: [u8; 32], _expires_at: u64, _now: u64) -> BoxFuture<'_, Result<bool, ReplayStoreError>> {
///         Box::pin(async { Ok(true) })
///     }
/// }
/// ```
pub trait ReplayStore: Send + Sync + 'static {
    /// Records `key` until `expires_at` unless it is already recorded and not expired at `now`
    /// (both Unix seconds on the verifier's clock). Returns `true` when the key was new (the
    /// proof is fresh), `false` on a replay.
    ///
    /// `key` is SHA-256(`jkt` ‖ `0x00` ‖ `jti`): the proof key's RFC 7638 thumbprint, a zero
    /// byte, then the proof's `jti` (a stable derivation, so nodes of different versions can
    /// share one store). `expires_at` is the proof's `iat` plus `dpop_iat_offset` plus one
    /// second: the first moment at which the proof would be refused as too old anyway.
    fn insert_if_absent(
        &self,
        key: [u8; 32],
        expires_at: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, ReplayStoreError>>;
}

const SHARDS: usize = 16;

/// A bounded, sharded in-memory [`ReplayStore`] for a single node. Each of its 16 shards has its
/// own lock (held for a hash-map operation, never across an await), so requests are not
/// serialised behind one lock. Every operation is O(1): a shard keeps its entries in arrival
/// order, drops expired ones from the front, and when full forgets its oldest entry. Memory
/// stays bounded at roughly 100 bytes per remembered proof.
///
/// Size it for your traffic: a proof must be remembered for `dpop_iat_offset` (300 s by
/// default), so the default capacity of 100 000 covers about 330 DPoP requests a second on
/// one node. Past that, the oldest proofs are forgotten before their window closes, so a proof
/// captured then could be replayed: each such eviction is counted
/// ([`evictions`](Self::evictions)) and logged at `warn` (at most once a minute). Give the
/// store a larger capacity, shorten the offset, or use a shared store.
///
/// ```
/// use std::sync::Arc;
/// use auth0_actix::dpop::InMemoryReplayStore;
/// use auth0_actix::Auth0;
///
/// let store = Arc::new(InMemoryReplayStore::new(1_000_000));
/// let auth0 = Auth0::builder()
///     .domain("example.us.auth0.com")
///     .audience("https://api.example.com")
///     .replay_store(Some(store.clone()))
///     .build()
///     .unwrap();
/// assert_eq!(store.evictions(), 0);
/// # let _ = auth0;
/// ```
pub struct InMemoryReplayStore {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    /// Proofs forgotten while still inside their acceptance window.
    evictions: AtomicU64,
    /// When (Unix seconds) the last "store full" warning was logged.
    warned_at: AtomicU64,
}

#[derive(Default)]
struct Shard {
    /// Key → expiry (Unix seconds).
    map: HashMap<[u8; 32], u64>,
    /// Keys in arrival order with the expiry they were stored with (an entry whose expiry no
    /// longer matches the map's is a leftover of a re-used key and is skipped).
    order: VecDeque<([u8; 32], u64)>,
}

impl Shard {
    /// Forgets the oldest entry: `None` when there is none, else whether it was still live
    /// (remembered and not expired at `now`).
    fn pop_oldest(&mut self, now: u64) -> Option<bool> {
        let (key, exp) = self.order.pop_front()?;
        if self.map.get(&key) == Some(&exp) {
            self.map.remove(&key);
            return Some(exp > now);
        }
        Some(false)
    }
}

impl Default for InMemoryReplayStore {
    fn default() -> Self {
        Self::new(REPLAY_CAPACITY)
    }
}

impl fmt::Debug for InMemoryReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryReplayStore")
            .field("capacity", &(self.per_shard * SHARDS))
            .finish()
    }
}

impl InMemoryReplayStore {
    /// A store remembering at most `capacity` proofs (at least 16).
    pub fn new(capacity: usize) -> Self {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        InMemoryReplayStore {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard,
            evictions: AtomicU64::new(0),
            warned_at: AtomicU64::new(0),
        }
    }

    /// How many proofs were forgotten before their acceptance window closed because the store
    /// was full: each one could have been replayed. Non-zero means the capacity is too small for
    /// the traffic.
    ///
    /// ```
    /// use auth0_actix::dpop::InMemoryReplayStore;
    /// assert_eq!(InMemoryReplayStore::new(10_000).evictions(), 0);
    /// ```
    pub fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }

    fn insert(&self, key: [u8; 32], expires_at: u64, now: u64) -> bool {
        let shard = &self.shards[usize::from(key[0]) % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        if shard.map.get(&key).is_some_and(|&exp| exp > now) {
            return false;
        }
        // Expiries arrive in (nearly) increasing order: drop the expired ones at the front.
        while shard.order.front().is_some_and(|&(_, exp)| exp <= now) {
            shard.pop_oldest(now);
        }
        let mut live_evicted = 0;
        while shard.map.len() >= self.per_shard && !shard.map.contains_key(&key) {
            match shard.pop_oldest(now) {
                None => break,
                Some(live) => live_evicted += u64::from(live),
            }
        }
        // Leftovers of re-used keys must not make the queue outgrow the map for long.
        while shard.order.len() > 2 * self.per_shard {
            live_evicted += u64::from(shard.pop_oldest(now) == Some(true));
        }
        shard.map.insert(key, expires_at);
        shard.order.push_back((key, expires_at));
        drop(shard);
        if live_evicted > 0 {
            self.evicted(live_evicted, now);
        }
        true
    }

    /// Counts live proofs forgotten for room, and warns about it at most once a minute.
    fn evicted(&self, count: u64, now: u64) {
        let total = self.evictions.fetch_add(count, Ordering::Relaxed) + count;
        let last = self.warned_at.load(Ordering::Relaxed);
        if now >= last.saturating_add(60)
            && self
                .warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                target: "auth0_actix",
                capacity = self.per_shard * SHARDS,
                evictions = total,
                "DPoP replay store is full: proofs are forgotten before their window closes, so \
                 a captured proof could be replayed; raise the store's capacity, shorten \
                 dpop_iat_offset, or use a shared store"
            );
        }
    }
}

/// A shared store: keep an `Arc` to read its state (e.g. [`InMemoryReplayStore::evictions`])
/// while the configuration uses it.
impl<S: ReplayStore + ?Sized> ReplayStore for std::sync::Arc<S> {
    fn insert_if_absent(
        &self,
        key: [u8; 32],
        expires_at: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, ReplayStoreError>> {
        (**self).insert_if_absent(key, expires_at, now)
    }
}

impl ReplayStore for InMemoryReplayStore {
    fn insert_if_absent(
        &self,
        key: [u8; 32],
        expires_at: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, ReplayStoreError>> {
        let fresh = self.insert(key, expires_at, now);
        Box::pin(std::future::ready(Ok(fresh)))
    }
}

/// The replay key of a proof.
pub(crate) fn replay_key(jkt: &str, jti: &str) -> [u8; 32] {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(jkt.as_bytes());
    ctx.update(&[0]);
    ctx.update(jti.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(ctx.finish().as_ref());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_use_is_a_replay_until_expiry() {
        let store = InMemoryReplayStore::new(100);
        let k = replay_key("thumb", "jti-1");
        assert!(store.insert(k, 200, 100));
        assert!(!store.insert(k, 200, 150));
        assert!(store.insert(k, 300, 201), "expired entries may be reused");
        assert_ne!(replay_key("thumb", "jti-1"), replay_key("other", "jti-1"));
    }

    #[test]
    fn memory_stays_bounded() {
        let store = InMemoryReplayStore::new(32);
        for i in 0..10_000u32 {
            assert!(store.insert(replay_key("k", &i.to_string()), 1_000 + u64::from(i), 10));
        }
        let total: usize = store
            .shards
            .iter()
            .map(|s| s.lock().unwrap().map.len())
            .sum();
        assert!(total <= 32, "{total}");
        assert_eq!(
            store.evictions(),
            10_000 - total as u64,
            "every forgotten proof was still live"
        );
    }

    #[test]
    fn expired_entries_are_not_counted_as_evictions() {
        let store = InMemoryReplayStore::new(16);
        for i in 0..1_000u32 {
            // Each proof expires before the next arrives: nothing live is ever forgotten.
            let t = u64::from(i) * 10;
            assert!(store.insert(replay_key("k", &i.to_string()), t + 5, t));
        }
        assert_eq!(store.evictions(), 0);
    }
}
