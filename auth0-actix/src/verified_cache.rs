//! The verified-token cache: a repeated Bearer token skips signature verification.
//!
//! Security reasoning, item by item:
//! - Entries are keyed by SHA-256 of the *whole* token, so a hit means a byte-identical token
//!   was fully verified before (finding another token with the same hash is infeasible).
//! - An entry lives until the earlier of the token's `exp` (plus the configured clock leeway,
//!   exactly as verification allows) and the cache TTL: the cache never extends a token's life.
//! - Every JWKS fetch that changes the key set bumps a key-set generation (an identical refetch
//!   keeps it); entries from an older generation are misses, so a key that left the JWKS stops
//!   being trusted as soon as the new set is fetched.
//! - Custom domains: the allow-list (or resolver) is consulted again on every hit.
//! - DPoP is never weakened: only the access token's verification is reused; the proof, its
//!   binding to `cnf.jkt` and replay are checked on every request.
//! - Bounded in entries and bytes; tokens above a size limit are not cached.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockWriteGuard};

use aws_lc_rs::digest::{digest, SHA256};

use crate::claims::Claims;

const SHARDS: usize = 16;

/// Default number of verified tokens remembered.
pub const DEFAULT_TOKEN_CACHE_ENTRIES: usize = 10_000;
/// Default longest time a verified token is remembered (seconds).
pub const DEFAULT_TOKEN_CACHE_TTL_SECS: u64 = 300;
/// Tokens larger than this (bytes) are never cached.
pub const MAX_CACHED_TOKEN_BYTES: usize = 8 * 1024;
/// Default bound on the cache's memory (approximate bytes of tokens held).
pub const DEFAULT_TOKEN_CACHE_BYTES: usize = 16 * 1024 * 1024;

pub(crate) type Key = [u8; 32];

struct Entry {
    claims: Claims,
    /// The token's normalised issuer (for custom-domain checks on hits).
    issuer: Arc<str>,
    /// Unix seconds after which the entry is dead.
    expires_at: f64,
    generation: u64,
    bytes: usize,
}

#[derive(Default)]
struct Shard {
    map: HashMap<Key, Entry>,
    bytes: usize,
}

pub(crate) struct TokenCache {
    shards: Vec<RwLock<Shard>>,
    ttl: f64,
    entries_per_shard: usize,
    bytes_per_shard: usize,
}

/// A cache hit.
pub(crate) struct Hit {
    pub(crate) claims: Claims,
    pub(crate) issuer: Arc<str>,
}

impl TokenCache {
    pub(crate) fn new(entries: usize, bytes: usize, ttl_secs: u64) -> Self {
        TokenCache {
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
            ttl: ttl_secs as f64,
            entries_per_shard: entries.div_ceil(SHARDS).max(1),
            bytes_per_shard: bytes.div_ceil(SHARDS).max(1),
        }
    }

    /// The cache key of `token`, or `None` if it is too large to cache.
    pub(crate) fn key(token: &str) -> Option<Key> {
        if token.len() > MAX_CACHED_TOKEN_BYTES {
            return None;
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
        Some(key)
    }

    fn shard(&self, key: &Key) -> RwLockWriteGuard<'_, Shard> {
        self.shards[usize::from(key[0]) % SHARDS]
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// A hit takes a shared lock only (workers reading one popular token never queue behind
    /// each other); dead entries are left for `insert` to sweep.
    pub(crate) fn get(&self, key: &Key, now: f64, generation: u64) -> Option<Hit> {
        let shard = self.shards[usize::from(key[0]) % SHARDS]
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let entry = shard.map.get(key)?;
        (now < entry.expires_at && entry.generation == generation).then(|| Hit {
            claims: entry.claims.clone(),
            issuer: entry.issuer.clone(),
        })
    }

    /// Remembers a verified token until `min(exp + leeway, now + ttl)`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert(
        &self,
        key: Key,
        token_len: usize,
        claims: Claims,
        issuer: String,
        now: f64,
        valid_until: f64,
        generation: u64,
    ) {
        let expires_at = valid_until.min(now + self.ttl);
        if expires_at <= now {
            return;
        }
        let bytes = token_len + issuer.len() + 64;
        let mut shard = self.shard(&key);
        if let Some(old) = shard.map.remove(&key) {
            shard.bytes -= old.bytes;
        }
        if shard.map.len() >= self.entries_per_shard || shard.bytes + bytes > self.bytes_per_shard {
            shard
                .map
                .retain(|_, e| e.expires_at > now && e.generation == generation);
            shard.bytes = shard.map.values().map(|e| e.bytes).sum();
            while shard.map.len() >= self.entries_per_shard
                || shard.bytes + bytes > self.bytes_per_shard
            {
                let Some(victim) = shard.map.keys().next().copied() else {
                    break;
                };
                if let Some(e) = shard.map.remove(&victim) {
                    shard.bytes -= e.bytes;
                }
            }
        }
        shard.bytes += bytes;
        shard.map.insert(
            key,
            Entry {
                claims,
                issuer: issuer.into(),
                expires_at,
                generation,
                bytes,
            },
        );
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap().map.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims::from_verified(serde_json::Map::new())
    }

    #[test]
    fn hits_until_expiry_or_key_change() {
        let cache = TokenCache::new(100, 1 << 20, 300);
        let k = TokenCache::key("token").unwrap();
        cache.insert(k, 5, claims(), "https://i/".into(), 1000.0, 1100.0, 7);
        assert!(cache.get(&k, 1050.0, 7).is_some());
        assert!(
            cache.get(&k, 1050.0, 8).is_none(),
            "a new key set invalidates"
        );
        cache.insert(k, 5, claims(), "https://i/".into(), 1000.0, 1100.0, 7);
        assert!(cache.get(&k, 1100.0, 7).is_none(), "never past exp");
        cache.insert(k, 5, claims(), "https://i/".into(), 1000.0, 5000.0, 7);
        assert!(cache.get(&k, 1299.0, 7).is_some());
        assert!(cache.get(&k, 1300.0, 7).is_none(), "never past the TTL");
    }

    #[test]
    fn bounded_and_skips_large_tokens() {
        assert!(TokenCache::key(&"x".repeat(MAX_CACHED_TOKEN_BYTES + 1)).is_none());
        let cache = TokenCache::new(32, 1 << 20, 300);
        for i in 0..5_000 {
            let k = TokenCache::key(&i.to_string()).unwrap();
            cache.insert(k, 10, claims(), "https://i/".into(), 0.0, 100.0, 1);
        }
        assert!(cache.len() <= 32, "{}", cache.len());
        let small = TokenCache::new(1000, 16 * 200, 300);
        for i in 0..5_000 {
            let k = TokenCache::key(&i.to_string()).unwrap();
            small.insert(k, 100, claims(), "https://i/".into(), 0.0, 100.0, 1);
        }
        let bytes: usize = small.shards.iter().map(|s| s.read().unwrap().bytes).sum();
        assert!(bytes <= 16 * 200, "{bytes}");
    }
}
