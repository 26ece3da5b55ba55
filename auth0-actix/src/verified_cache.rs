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
//! - Each thread also keeps the few tokens it found most recently (at most [`RECENT_SLOTS`] per
//!   thread, tokens up to [`MAX_RECENT_TOKEN_BYTES`]), so a token repeated on the same worker is
//!   found without hashing it or touching the shared shards. Such a hit is an exact, constant-time
//!   comparison of the whole token with one that was fully verified, under the same expiry and
//!   key-set generation rules as the shards, and only within the same cache.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock, RwLockWriteGuard};

use aws_lc_rs::digest::{digest, SHA256};
use constant_time_eq::constant_time_eq;

use crate::claims::Claims;

const SHARDS: usize = 16;

/// Tokens larger than this (bytes) are never cached.
pub(crate) const MAX_CACHED_TOKEN_BYTES: usize = 8 * 1024;
/// Bound on the cache's memory (approximate bytes of tokens held).
pub(crate) const TOKEN_CACHE_BYTES: usize = 16 * 1024 * 1024;

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
    /// Tells this cache's entries in the threads' recent tokens apart from another cache's
    /// (never reused, unlike an address).
    id: u64,
    shards: Vec<RwLock<Shard>>,
    ttl: f64,
    entries_per_shard: usize,
    bytes_per_shard: usize,
}

/// A cache hit.
pub(crate) struct Hit {
    pub(crate) claims: Claims,
    /// The token's issuer, when the caller asked for it (custom domains re-check it).
    pub(crate) issuer: Option<Arc<str>>,
}

/// A live shard entry's contents, cloned out of the lock.
struct Shared {
    claims: Claims,
    issuer: Arc<str>,
    expires_at: f64,
    generation: u64,
}

/// How many recently verified tokens each thread remembers (over all caches).
pub(crate) const RECENT_SLOTS: usize = 8;
/// Tokens larger than this (bytes) are looked up by hash only, never kept per thread.
pub(crate) const MAX_RECENT_TOKEN_BYTES: usize = 4 * 1024;

/// A token this thread found verified: the whole token (so a hit is an exact comparison) and
/// the shard entry's claims, issuer, expiry and key-set generation.
struct Recent {
    cache: u64,
    token: Box<[u8]>,
    claims: Claims,
    issuer: Arc<str>,
    expires_at: f64,
    generation: u64,
}

thread_local! {
    static RECENT: RefCell<[Option<Recent>; RECENT_SLOTS]> =
        const { RefCell::new([const { None }; RECENT_SLOTS]) };
}

/// The slot a token goes in: its last bytes are signature, as good as random for a real token
/// (a chosen token can only pick which slot it is compared against).
fn recent_slot(token: &[u8]) -> usize {
    let tail = &token[token.len().saturating_sub(8)..];
    tail.iter().fold(0usize, |h, &b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    }) % RECENT_SLOTS
}

impl TokenCache {
    pub(crate) fn new(entries: usize, bytes: usize, ttl_secs: u64) -> Self {
        static IDS: AtomicU64 = AtomicU64::new(0);
        TokenCache {
            id: IDS.fetch_add(1, Relaxed),
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
            ttl: ttl_secs as f64,
            entries_per_shard: entries.div_ceil(SHARDS).max(1),
            bytes_per_shard: bytes.div_ceil(SHARDS).max(1),
        }
    }

    /// Whether `token` is small enough to be cached at all.
    pub(crate) fn cacheable(token: &str) -> bool {
        token.len() <= MAX_CACHED_TOKEN_BYTES
    }

    /// The shards' key for `token`: its SHA-256.
    pub(crate) fn key(token: &str) -> Key {
        let mut key = [0u8; 32];
        key.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
        key
    }

    /// `token`'s live entry: first among this thread's recent tokens, then in the shards under
    /// its SHA-256. A miss returns that key, for [`insert`](Self::insert) after verification.
    pub(crate) fn get(
        &self,
        token: &str,
        now: f64,
        generation: u64,
        with_issuer: bool,
    ) -> Result<Hit, Key> {
        if let Some(hit) = self.recent(token.as_bytes(), now, generation, with_issuer) {
            return Ok(hit);
        }
        let key = Self::key(token);
        let Some(entry) = self.get_shared(&key, now, generation) else {
            return Err(key);
        };
        let hit = Hit {
            claims: entry.claims.clone(),
            issuer: with_issuer.then(|| entry.issuer.clone()),
        };
        self.remember(token.as_bytes(), entry);
        Ok(hit)
    }

    /// `token`'s entry among this thread's recent tokens only (no hashing, no lock).
    pub(crate) fn recent(
        &self,
        token: &[u8],
        now: f64,
        generation: u64,
        with_issuer: bool,
    ) -> Option<Hit> {
        if token.len() > MAX_RECENT_TOKEN_BYTES {
            return None;
        }
        RECENT
            .try_with(|recent| {
                let recent = recent.try_borrow().ok()?;
                let r = recent[recent_slot(token)].as_ref()?;
                (r.cache == self.id
                    && constant_time_eq(&r.token, token)
                    && now < r.expires_at
                    && r.generation == generation)
                    .then(|| Hit {
                        claims: r.claims.clone(),
                        issuer: with_issuer.then(|| r.issuer.clone()),
                    })
            })
            .ok()
            .flatten()
    }

    /// Keeps a verified token among this thread's recent ones (replacing its slot's occupant).
    fn remember(&self, token: &[u8], entry: Shared) {
        if token.len() > MAX_RECENT_TOKEN_BYTES {
            return;
        }
        let _ = RECENT.try_with(|recent| {
            if let Ok(mut recent) = recent.try_borrow_mut() {
                recent[recent_slot(token)] = Some(Recent {
                    cache: self.id,
                    token: token.into(),
                    claims: entry.claims,
                    issuer: entry.issuer,
                    expires_at: entry.expires_at,
                    generation: entry.generation,
                });
            }
        });
    }

    fn shard(&self, key: &Key) -> RwLockWriteGuard<'_, Shard> {
        self.shards[usize::from(key[0]) % SHARDS]
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// A hit takes a shared lock only (workers reading one popular token never queue behind
    /// each other); dead entries are left for `insert` to sweep.
    fn get_shared(&self, key: &Key, now: f64, generation: u64) -> Option<Shared> {
        let shard = self.shards[usize::from(key[0]) % SHARDS]
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let entry = shard.map.get(key)?;
        (now < entry.expires_at && entry.generation == generation).then(|| Shared {
            claims: entry.claims.clone(),
            issuer: entry.issuer.clone(),
            expires_at: entry.expires_at,
            generation: entry.generation,
        })
    }

    /// Remembers a verified token until `min(exp + leeway, now + ttl)`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert(
        &self,
        key: Key,
        token: &str,
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
        let bytes = token.len() + issuer.len() + 64;
        let issuer: Arc<str> = issuer.into();
        self.remember(
            token.as_bytes(),
            Shared {
                claims: claims.clone(),
                issuer: issuer.clone(),
                expires_at,
                generation,
            },
        );
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
                issuer,
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

    /// Empties this thread's recent tokens: the next lookup goes to the shards.
    fn forget_recent() {
        RECENT.with(|r| *r.borrow_mut() = [const { None }; RECENT_SLOTS]);
    }

    /// Empties the shards: a hit after this came from this thread's recent tokens.
    fn clear_shared(cache: &TokenCache) {
        for shard in &cache.shards {
            *shard.write().unwrap() = Shard::default();
        }
    }

    fn insert(cache: &TokenCache, token: &str, now: f64, valid_until: f64, generation: u64) {
        let key = TokenCache::key(token);
        cache.insert(
            key,
            token,
            claims(),
            "https://i/".into(),
            now,
            valid_until,
            generation,
        );
    }

    fn hit(cache: &TokenCache, token: &str, now: f64, generation: u64) -> bool {
        cache.get(token, now, generation, false).is_ok()
    }

    #[test]
    fn hits_until_expiry_or_key_change_in_both_tiers() {
        // Each check runs against the thread's recent tokens (shards emptied) and against the
        // shards alone (recent tokens forgotten).
        for tier in ["recent", "shared"] {
            let cache = TokenCache::new(100, 1 << 20, 300);
            let at = |now: f64, generation: u64| {
                match tier {
                    "recent" => clear_shared(&cache),
                    _ => forget_recent(),
                }
                hit(&cache, "token", now, generation)
            };
            insert(&cache, "token", 1000.0, 1100.0, 7);
            assert!(at(1050.0, 7), "{tier}");
            insert(&cache, "token", 1000.0, 1100.0, 7);
            assert!(!at(1050.0, 8), "{tier}: a new key set invalidates");
            insert(&cache, "token", 1000.0, 1100.0, 7);
            assert!(!at(1100.0, 7), "{tier}: never past exp");
            insert(&cache, "token", 1000.0, 5000.0, 7);
            assert!(at(1299.0, 7), "{tier}");
            insert(&cache, "token", 1000.0, 5000.0, 7);
            assert!(!at(1300.0, 7), "{tier}: never past the TTL");
        }
    }

    #[test]
    fn a_shard_hit_is_remembered_by_the_thread_that_found_it_only() {
        let cache = TokenCache::new(100, 1 << 20, 300);
        insert(&cache, "token", 1000.0, 1100.0, 7);
        forget_recent();
        std::thread::scope(|s| {
            s.spawn(|| {
                assert!(
                    hit(&cache, "token", 1010.0, 7),
                    "another thread finds it in a shard"
                );
                clear_shared(&cache);
                assert!(
                    hit(&cache, "token", 1020.0, 7),
                    "and then among its own recent tokens"
                );
            });
        });
        assert!(!hit(&cache, "token", 1030.0, 7), "this thread never had it");
    }

    #[test]
    fn recent_tokens_match_exactly_and_per_cache() {
        let token = format!("{}.{}.{}", "h".repeat(40), "p".repeat(300), "s".repeat(86));
        let cache = TokenCache::new(100, 1 << 20, 300);
        insert(&cache, &token, 1000.0, 1100.0, 7);
        clear_shared(&cache);
        assert!(hit(&cache, &token, 1001.0, 7));
        // Same length, same tail (so the same slot), one byte different in the payload.
        let mut other = token.clone().into_bytes();
        other[200] = b'q';
        let other = String::from_utf8(other).unwrap();
        assert!(!hit(&cache, &other, 1001.0, 7));
        assert!(!hit(&cache, &token[..token.len() - 1], 1001.0, 7));
        let another = TokenCache::new(100, 1 << 20, 300);
        assert!(
            !hit(&another, &token, 1001.0, 7),
            "another configuration never sees this one's tokens"
        );
    }

    #[test]
    fn large_tokens_are_found_by_hash_only() {
        let big = "x".repeat(MAX_RECENT_TOKEN_BYTES + 1);
        assert!(TokenCache::cacheable(&big));
        assert!(!TokenCache::cacheable(
            &"x".repeat(MAX_CACHED_TOKEN_BYTES + 1)
        ));
        let cache = TokenCache::new(100, 1 << 20, 300);
        insert(&cache, &big, 1000.0, 1100.0, 7);
        assert!(hit(&cache, &big, 1001.0, 7));
        clear_shared(&cache);
        assert!(!hit(&cache, &big, 1001.0, 7), "never kept per thread");
    }

    #[test]
    fn each_thread_keeps_a_bounded_number_of_tokens() {
        let cache = TokenCache::new(100, 1 << 20, 300);
        for i in 0..1_000 {
            insert(&cache, &format!("token-{i}"), 0.0, 100.0, 1);
        }
        clear_shared(&cache);
        let kept = (0..1_000)
            .filter(|i| hit(&cache, &format!("token-{i}"), 1.0, 1))
            .count();
        assert!((1..=RECENT_SLOTS).contains(&kept), "{kept}");
    }

    #[test]
    fn bounded_in_entries_and_bytes() {
        let cache = TokenCache::new(32, 1 << 20, 300);
        for i in 0..5_000 {
            insert(&cache, &i.to_string(), 0.0, 100.0, 1);
        }
        assert!(cache.len() <= 32, "{}", cache.len());
        let small = TokenCache::new(1000, 16 * 200, 300);
        for i in 0..5_000 {
            insert(&small, &format!("{i:0>100}"), 0.0, 100.0, 1);
        }
        let bytes: usize = small.shards.iter().map(|s| s.read().unwrap().bytes).sum();
        assert!(bytes <= 16 * 200, "{bytes}");
    }
}
