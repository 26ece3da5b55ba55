//! Time, tokens, fetch counts and polling, shared by the suites.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use auth0_actix::testing::{LocalIssuer, TokenBuilder};

/// Unix seconds on the system clock.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// `token` with a `jti` no other token of this test binary has: a repeated token may be
/// answered from the verified-token cache without looking at keys at all, a new one never is.
pub fn with_unique_jti(token: TokenBuilder) -> TokenBuilder {
    static JTI: AtomicUsize = AtomicUsize::new(0);
    token.claim(
        "jti",
        format!("e2e-{}", JTI.fetch_add(1, Ordering::Relaxed)),
    )
}

/// (discovery fetches, JWKS fetches) as `issuer` counted them.
pub fn fetches(issuer: &LocalIssuer) -> (usize, usize) {
    (issuer.discovery_fetches(), issuer.jwks_fetches())
}

/// Polls `done` every 2 ms, for at most 10 s: background work is observed, never slept on.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..5_000 {
        if done() {
            return;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    panic!("timed out waiting for {what}");
}
