//! The verified-token cache's TTL end to end (`Auth0Builder::verified_token_cache_ttl`, default
//! 300 s): a repeated token within the TTL skips verification, and once the TTL has passed the
//! token is verified again (signature included), even though its `exp` is far away.
//!
//! Real HTTP against a local issuer, time on a `ManualClock`. A verified-token cache hit never
//! looks at discovery or the JWKS, so it leaves `Metrics::cache_hits + cache_misses` (the
//! discovery/JWKS lookups) unchanged; a full verification looks both up (+2). The keys are
//! fetched before the first request and stay fresh throughout (600 s TTL, no refresh before 480 s),
//! so the lookups count verifications and nothing else.

use std::time::Duration;

use auth0_actix::testing::{DpopKey, TokenBuilder};
use auth0_actix::Auth0Builder;
use e2e_support::{expect, send, Api, Reply};

/// A local issuer, and an app trusting it on a manual clock, keys fetched already.
async fn start(configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static) -> Api {
    let api = Api::builder()
        .manual_clock()
        .configure(configure)
        .configure(|b| b.cache_ttl(Duration::from_secs(600)))
        .start_warmed_up()
        .await;
    assert_eq!(api.lookups(), 2, "warm-up looked up discovery and the JWKS");
    api
}

/// A token issued now on the manual clock, expiring an hour later.
fn fresh_token(api: &Api) -> TokenBuilder {
    api.mint(api.issuer().token())
}

/// Asserts a 200 that was (`true`) or was not (`false`) a full verification, `before` being
/// the lookups before the request.
#[track_caller]
fn check(api: &Api, reply: &Reply, before: u64, verified_again: bool, what: &str) {
    assert_eq!(reply.status, 200, "{what}: {reply:?}");
    let expected = if verified_again { before + 2 } else { before };
    assert_eq!(
        api.lookups(),
        expected,
        "{what}: {}",
        if verified_again {
            "expected a full verification (a verified-token cache miss)"
        } else {
            "expected a verified-token cache hit (no key lookup)"
        }
    );
}

/// Sends `token` and [`check`]s the reply.
async fn expect_bearer(api: &Api, token: &str, verified_again: bool, what: &str) {
    let before = api.lookups();
    let reply = api.bearer(token).await;
    check(api, &reply, before, verified_again, what);
}

#[tokio::test]
async fn a_repeated_token_is_verified_again_once_the_default_ttl_has_passed() {
    let api = start(|b| b).await;
    let token = fresh_token(&api).sign();
    expect_bearer(&api, &token, true, "first use").await;
    expect_bearer(&api, &token, false, "repeat").await;
    api.advance(299);
    expect_bearer(&api, &token, false, "299 s later (within 300 s)").await;
    // 301 s after it was verified: the entry is gone though the token has ~55 min left.
    api.advance(2);
    expect_bearer(&api, &token, true, "301 s later (past 300 s)").await;
    // ... and it is remembered again from now on.
    expect_bearer(&api, &token, false, "repeat after re-verification").await;
    api.advance(299);
    expect_bearer(&api, &token, false, "299 s after re-verification").await;
    let m = api.auth0.metrics();
    assert_eq!(m.verified, 6, "every request passed: {m:?}");
    // The keys were fetched once: the second verification used the cached keys.
    assert_eq!(api.fetches(), (1, 1));
    assert_eq!((m.discovery_fetches, m.jwks_fetches), (1, 1));
}

#[tokio::test]
async fn the_ttl_setting_is_honoured_to_the_second() {
    let api = start(|b| b.verified_token_cache_ttl(Duration::from_secs(60))).await;
    let token = fresh_token(&api).sign();
    expect_bearer(&api, &token, true, "first use").await;
    api.advance(59);
    expect_bearer(&api, &token, false, "59 s later").await;
    api.advance(1);
    expect_bearer(&api, &token, true, "60 s later (the TTL)").await;
    api.advance(59);
    expect_bearer(&api, &token, false, "59 s after re-verification").await;
    api.advance(2);
    expect_bearer(&api, &token, true, "61 s after re-verification").await;
}

#[tokio::test]
async fn a_tampered_copy_of_a_cached_token_is_never_a_hit() {
    let api = start(|b| b).await;
    let token = fresh_token(&api).sign();
    expect_bearer(&api, &token, true, "first use").await;
    // The same token with another signature is another cache key: verified, and refused.
    let (signed, signature) = token.rsplit_once('.').expect("a JWS");
    let mut bytes = signature.as_bytes().to_vec();
    bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{signed}.{}", String::from_utf8(bytes).expect("ASCII"));
    let before = api.lookups();
    let reply = api.bearer(&tampered).await;
    expect::error(
        &reply,
        401,
        "invalid_token",
        "Signature verification failed: bad_signature",
    );
    assert_eq!(api.lookups(), before + 2, "the tampered copy was verified");
    expect_bearer(&api, &token, false, "the genuine token, still cached").await;
}

#[tokio::test]
async fn a_dpop_bound_token_is_verified_again_past_the_ttl_and_its_proofs_every_time() {
    let api = start(|b| b).await;
    let key = DpopKey::generate();
    let token = fresh_token(&api).bound_to(&key).sign();
    let dpop = |proof: String| {
        send(
            api.request("GET", "/test")
                .header("Authorization", format!("DPoP {token}"))
                .header("DPoP", proof),
        )
    };
    let proof = || {
        key.proof("GET", &api.app.at("/test"))
            .access_token(&token)
            .iat(api.now())
            .sign()
    };
    let before = api.lookups();
    let reply = dpop(proof()).await;
    check(&api, &reply, before, true, "first use");
    assert_eq!(reply.json()["scheme"], "DPoP");
    let before = api.lookups();
    check(
        &api,
        &dpop(proof()).await,
        before,
        false,
        "repeat, new proof",
    );
    api.advance(301);
    let before = api.lookups();
    check(
        &api,
        &dpop(proof()).await,
        before,
        true,
        "301 s later, new proof",
    );
    let before = api.lookups();
    check(
        &api,
        &dpop(proof()).await,
        before,
        false,
        "repeat after re-verification",
    );
}

/// A DPoP-bound token in the verified-token cache (its first use, with a proof, put it there)
/// is still refused when it comes back with the Bearer scheme, and a cached Bearer token is
/// still refused beside a DPoP proof: the cache skips the signature check only, never the
/// scheme rules.
#[tokio::test]
async fn a_cached_token_still_obeys_the_scheme_rules() {
    let api = start(|b| b).await;
    let key = DpopKey::generate();
    // `scheme token` with a fresh proof for it.
    let with_proof = |scheme: &str, token: &str| {
        let proof = key
            .proof("GET", &api.app.at("/test"))
            .access_token(token)
            .iat(api.now())
            .sign();
        send(
            api.request("GET", "/test")
                .header("Authorization", format!("{scheme} {token}"))
                .header("DPoP", proof),
        )
    };

    let bound = fresh_token(&api).bound_to(&key).sign();
    let reply = with_proof("DPoP", &bound).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    for round in 0..4 {
        let before = api.lookups();
        let reply = api.bearer(&bound).await;
        expect::error(
            &reply,
            401,
            "invalid_token",
            "DPoP-bound token requires the DPoP authentication scheme, not Bearer",
        );
        assert_eq!(api.lookups(), before, "round {round}: a cache hit, refused");
    }

    let token = fresh_token(&api).sign();
    expect_bearer(&api, &token, true, "first use").await;
    for round in 0..4 {
        let before = api.lookups();
        let reply = with_proof("Bearer", &token).await;
        expect::error(
            &reply,
            400,
            "invalid_request",
            "DPoP proof requires DPoP authentication scheme, not Bearer",
        );
        assert_eq!(api.lookups(), before, "round {round}: a cache hit, refused");
    }
}
