//! Replay protection for DPoP proofs (RFC 9449 §11.1, difference D7): a proof's `jti` may be
//! used once per key within the window in which its `iat` is acceptable.
//!
//! Entries are keyed by SHA-256(`jkt` ‖ 0 ‖ `jti`), so an attacker-chosen `jti` length cannot
//! grow memory: every entry is 32 bytes of key plus 8 bytes of expiry.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed, `Send` future, as [`ReplayStore`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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
/// use auth0_actix::dpop::{BoxFuture, ReplayStore, ReplayStoreError};
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
    fn insert_if_absent(
        &self,
        key: [u8; 32],
        expires_at: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, ReplayStoreError>>;
}

const SHARDS: usize = 16;

/// Default number of proofs remembered by [`InMemoryReplayStore::default`].
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// A bounded, sharded in-memory [`ReplayStore`] for a single node. Each of its 16 shards has its
/// own lock (held for a hash-map operation, never across an await), so requests are not
/// serialised behind one lock. Every operation is O(1): a shard keeps its entries in arrival
/// order, drops expired ones from the front, and when full forgets its oldest entry. Memory
/// stays bounded at roughly 100 bytes per remembered proof.
///
/// Size it for your traffic: a proof must be remembered for `dpop_iat_offset` (300 s by
/// default), so the default capacity of 100 000 covers about 330 DPoP requests a second on
/// one node. Past that, the oldest proofs are forgotten before their window closes (each
/// eviction is logged at `debug`): give the store a larger capacity, shorten the offset, or use
/// a shared store.
///
/// ```
/// use auth0_actix::dpop::InMemoryReplayStore;
/// let store = InMemoryReplayStore::new(10_000);
/// # let _ = store;
/// ```
pub struct InMemoryReplayStore {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
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
    /// Forgets the oldest entry; false when there is none.
    fn pop_oldest(&mut self) -> bool {
        let Some((key, exp)) = self.order.pop_front() else {
            return false;
        };
        if self.map.get(&key) == Some(&exp) {
            self.map.remove(&key);
        }
        true
    }
}

impl Default for InMemoryReplayStore {
    fn default() -> Self {
        Self::new(DEFAULT_REPLAY_CAPACITY)
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
        }
    }

    fn insert(&self, key: [u8; 32], expires_at: u64, now: u64) -> bool {
        let shard = &self.shards[usize::from(key[0]) % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        if shard.map.get(&key).is_some_and(|&exp| exp > now) {
            return false;
        }
        // Expiries arrive in (nearly) increasing order: drop the expired ones at the front.
        while shard.order.front().is_some_and(|&(_, exp)| exp <= now) {
            shard.pop_oldest();
        }
        while shard.map.len() >= self.per_shard && !shard.map.contains_key(&key) {
            if !shard.pop_oldest() {
                break;
            }
            tracing::debug!(target: "auth0_actix", "DPoP replay store full: forgot its oldest proof");
        }
        // Leftovers of re-used keys must not make the queue outgrow the map for long.
        while shard.order.len() > 2 * self.per_shard {
            shard.pop_oldest();
        }
        shard.map.insert(key, expires_at);
        shard.order.push_back((key, expires_at));
        true
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
    }
}
