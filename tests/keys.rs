//! The discovery and JWKS cache end to end (issue "Keys that never cause an outage"): key rotation
//! and unknown `kid`s (README Differences, D11), stale-if-error through an issuer outage (D12),
//! single flight (D13), refresh ahead of expiry, `Cache-Control` TTLs clamped to
//! `[cache_min_ttl, cache_ttl]` and the LRU bound (docs/compatibility.md §2.3, §6.7 "MCD /
//! cache", §6.9), `Auth0::warm_up`, and the verified-token cache, which must never let a repeated
//! token outlive its key, its `exp` or its DPoP proof checks.
//!
//! Real HTTP against real local issuers. Time is a `ManualClock` the tests move instead of
//! sleeping, so every token is minted relative to it; what the app does in the background is
//! observed by polling a counter in short steps. Each token carries its own `jti` unless a test
//! is about repeating one: a repeated token is answered from the verified-token cache without
//! looking at keys at all.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use auth0_actix::testing::{DpopKey, LocalIssuer, SigningKey, TokenBuilder};
use auth0_actix::{Algorithm, Auth0, Auth0Builder, Clock};
use e2e_support::{eventually, expect, fetches, send, Api, Reply, TestApp};
use serde_json::json;
use tokio::sync::watch;

const MISSING_KEY: &str = "No matching key found in JWKS";

// ---------------------------------------------------------------------------------------------
// Harness

/// A local issuer and an app trusting it (serving `e2e_support::echo_routes`, `/test`) on a
/// manual clock set to the system time, configured by `configure`.
fn local(configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static) -> Api {
    Api::builder().manual_clock().configure(configure).start()
}

/// An app serving `e2e_support::echo_routes` with `builder`'s verifier on a manual clock.
fn serve(builder: Auth0Builder) -> Api {
    Api::builder().configuration(builder).manual_clock().start()
}

/// Sends every token at once (at most 100 requests in flight) and returns the replies.
async fn bearer_all(api: &Api, tokens: Vec<String>) -> Vec<Reply> {
    let mut replies = Vec::with_capacity(tokens.len());
    for chunk in tokens.chunks(100) {
        let mut set = tokio::task::JoinSet::new();
        for token in chunk {
            set.spawn(send(api.request("GET", "/test").bearer_auth(token)));
        }
        replies.extend(set.join_all().await);
    }
    replies
}

// ---------------------------------------------------------------------------------------------
// An issuer whose answers the test holds back, fails or gives a Cache-Control of their own.

/// One document of a [`GatedIssuer`].
struct Doc {
    requests: AtomicUsize,
    answered: AtomicUsize,
    open: watch::Sender<bool>,
    failing: AtomicBool,
    cache_control: Mutex<Option<String>>,
}

impl Doc {
    fn new() -> Doc {
        Doc {
            requests: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            open: watch::Sender::new(true),
            failing: AtomicBool::new(false),
            cache_control: Mutex::new(None),
        }
    }

    /// Requests received (counted on arrival, before any hold).
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Requests answered.
    fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    /// Requests from now on wait, unanswered, until [`release`](Doc::release).
    fn hold(&self) {
        self.open.send_replace(false);
    }

    fn release(&self) {
        self.open.send_replace(true);
    }

    /// While `true`, the document is answered with 503.
    fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    fn set_cache_control(&self, value: &str) {
        *self.cache_control.lock().unwrap() = Some(value.to_owned());
    }

    async fn respond(&self, body: serde_json::Value) -> HttpResponse {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.subscribe();
        let _ = open.wait_for(|open| *open).await;
        let response = if self.failing.load(Ordering::SeqCst) {
            HttpResponse::ServiceUnavailable().finish()
        } else {
            let mut response = HttpResponse::Ok();
            response.content_type("application/json");
            if let Some(value) = self.cache_control.lock().unwrap().clone() {
                response.insert_header(("cache-control", value));
            }
            response.body(body.to_string())
        };
        self.answered.fetch_add(1, Ordering::SeqCst);
        response
    }
}

struct Gate {
    discovery: Doc,
    jwks: Doc,
    key: SigningKey,
    /// Keys published beside `key`.
    more: Mutex<Vec<serde_json::Value>>,
}

async fn gated_discovery(gate: web::Data<Gate>, req: HttpRequest) -> HttpResponse {
    let base = format!("http://{}", req.connection_info().host());
    gate.discovery
        .respond(json!({ "issuer": format!("{base}/"), "jwks_uri": format!("{base}/jwks.json") }))
        .await
}

async fn gated_jwks(gate: web::Data<Gate>) -> HttpResponse {
    let mut keys = vec![gate.key.public_jwk()];
    keys.extend(gate.more.lock().unwrap().iter().cloned());
    gate.jwks.respond(json!({ "keys": keys })).await
}

/// A plain-HTTP OIDC issuer on 127.0.0.1 (the verifier opts in to loopback HTTP) with one RS256
/// key, whose discovery and JWKS answers can be held back, failed or given a `Cache-Control`.
struct GatedIssuer {
    gate: Arc<Gate>,
    server: TestApp,
}

const GATED_AUDIENCE: &str = "https://api.gated.test";

impl GatedIssuer {
    fn start() -> GatedIssuer {
        let gate = web::Data::new(Gate {
            discovery: Doc::new(),
            jwks: Doc::new(),
            key: SigningKey::generate("gated-key", Algorithm::RS256),
            more: Mutex::new(Vec::new()),
        });
        let data = gate.clone();
        let server = e2e_support::start_with(move || {
            let data = data.clone();
            move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(data)
                    .route(
                        "/.well-known/openid-configuration",
                        web::get().to(gated_discovery),
                    )
                    .route("/jwks.json", web::get().to(gated_jwks));
            }
        });
        GatedIssuer {
            gate: gate.into_inner(),
            server,
        }
    }

    fn discovery(&self) -> &Doc {
        &self.gate.discovery
    }

    fn jwks(&self) -> &Doc {
        &self.gate.jwks
    }

    /// Publishes `key` beside the issuer's own from the next JWKS answer on.
    fn publish(&self, key: &SigningKey) {
        self.gate.more.lock().unwrap().push(key.public_jwk());
    }

    fn builder(&self) -> Auth0Builder {
        Auth0::builder()
            .domain(self.server.url.clone())
            .audience(GATED_AUDIENCE)
            .allow_insecure_http_on_loopback(true)
    }

    /// A token builder for this issuer (mint it with [`Api::mint`]).
    fn token(&self) -> TokenBuilder {
        TokenBuilder::new(&self.gate.key)
            .issuer(&format!("{}/", self.server.url))
            .audience(GATED_AUDIENCE)
            .subject("user_123")
    }
}

// ---------------------------------------------------------------------------------------------
// Rotation and unknown kids (D11)

#[tokio::test]
async fn a_rotated_key_works_on_its_first_request_with_one_extra_jwks_fetch() {
    let api = local(|b| b);
    let issuer = api.issuer();
    api.warm_up().await;
    assert_eq!(api.fetches(), (1, 1));
    // The issuer rotates right after our fetch: a new key is published and signs from now on.
    let first = issuer.signing_key();
    let next = issuer.generate_key("key-2");
    issuer.publish(&next);
    issuer.set_signing_key(&next);
    expect::ok(&api.good().await);
    assert_eq!(
        api.fetches(),
        (1, 2),
        "exactly one JWKS refetch and no discovery"
    );
    assert_eq!(api.metrics().unknown_kid_refetches, 1);
    // Both keys verify from the refetched set without further fetches.
    expect::ok(&api.good().await);
    expect::ok(
        &api.bearer(&api.mint(issuer.token()).signed_with(&first).sign())
            .await,
    );
    assert_eq!(api.fetches(), (1, 2));
    // A later rotation is picked up the same way.
    api.advance(120);
    let third = issuer.generate_key("key-3");
    issuer.publish(&third);
    issuer.set_signing_key(&third);
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 3));
    assert_eq!(api.metrics().unknown_kid_refetches, 2);
}

#[tokio::test]
async fn concurrent_first_uses_of_a_rotated_key_share_one_refetch() {
    let api = local(|b| b);
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    let next = issuer.generate_key("key-2");
    issuer.publish(&next);
    issuer.set_signing_key(&next);
    let tokens = (0..100).map(|_| api.mint(issuer.token()).sign()).collect();
    for reply in bearer_all(&api, tokens).await {
        expect::ok(&reply);
    }
    assert_eq!(api.fetches(), (1, 2));
    assert_eq!(api.metrics().unknown_kid_refetches, 1);
}

#[tokio::test]
async fn a_flood_of_unknown_kids_costs_one_jwks_fetch_per_cooldown() {
    let api = local(|b| b.unknown_kid_cooldown(Duration::from_secs(30)));
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 1));
    let flood = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| api.mint(issuer.token()).kid(&format!("bogus-{i}")).sign())
            .collect()
    };
    for reply in bearer_all(&api, flood(1_000)).await {
        expect::invalid_token(&reply, MISSING_KEY);
    }
    assert_eq!(api.fetches(), (1, 2), "one refetch for 1,000 unknown kids");
    assert_eq!(api.metrics().unknown_kid_refetches, 1);
    // 29 s later the cooldown still holds.
    api.advance(29);
    for reply in bearer_all(&api, flood(200)).await {
        expect::invalid_token(&reply, MISSING_KEY);
    }
    assert_eq!(api.fetches(), (1, 2));
    // Past the cooldown: one more refetch, then quiet again.
    api.advance(2);
    for reply in bearer_all(&api, flood(1_000)).await {
        expect::invalid_token(&reply, MISSING_KEY);
    }
    assert_eq!(api.fetches(), (1, 3));
    assert_eq!(api.metrics().unknown_kid_refetches, 2);
    // Valid tokens were never in the way.
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 3));
}

#[tokio::test]
async fn unknown_kids_during_an_outage_cost_one_failed_fetch_per_cooldown() {
    let api = local(|b| b.unknown_kid_cooldown(Duration::from_secs(30)));
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    issuer.set_failing(true);
    let flood = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| api.mint(issuer.token()).kid(&format!("bogus-{i}")).sign())
            .collect()
    };
    for reply in bearer_all(&api, flood(300)).await {
        expect::invalid_token(&reply, MISSING_KEY);
    }
    assert_eq!(api.fetches(), (1, 2), "one failed refetch");
    assert_eq!(api.metrics().fetch_failures, 1);
    // Known keys keep working from the cache.
    expect::ok(&api.good().await);
    api.advance(31);
    for reply in bearer_all(&api, flood(300)).await {
        expect::invalid_token(&reply, MISSING_KEY);
    }
    assert_eq!(api.fetches(), (1, 3));
    assert_eq!(api.metrics().unknown_kid_refetches, 2);
}

#[tokio::test]
async fn a_new_key_inside_the_cooldown_is_picked_up_by_a_refresh_in_flight() {
    let gated = GatedIssuer::start();
    gated.jwks().set_cache_control("max-age=300");
    let api = serve(
        gated
            .builder()
            .unknown_kid_cooldown(Duration::from_secs(3600)),
    );
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    // An unknown kid refetches the JWKS and starts an hour-long cooldown.
    let bogus = api.mint(gated.token()).kid("bogus").sign();
    expect::invalid_token(&api.bearer(&bogus).await, MISSING_KEY);
    assert_eq!(gated.jwks().requests(), 2);
    // Past 80 % of the refetched copy's lifetime a request starts a refresh, which the issuer
    // holds; meanwhile it publishes a new key.
    api.advance(241);
    gated.jwks().hold();
    let next = SigningKey::generate("gated-key-2", Algorithm::RS256);
    gated.publish(&next);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    eventually("the refresh to reach the issuer", || {
        gated.jwks().requests() == 3
    })
    .await;
    // A token of the new key: the cooldown allows no refetch of its own, yet it is not refused
    // either: it gets the refresh in flight (joined, or landed by the time it looks).
    let token = api.mint(gated.token()).signed_with(&next).sign();
    let request = tokio::spawn(send(api.request("GET", "/test").bearer_auth(token)));
    gated.jwks().release();
    expect::ok(&request.await.unwrap());
    assert_eq!(gated.jwks().requests(), 3);
    let m = api.metrics();
    assert_eq!((m.unknown_kid_refetches, m.fetch_failures), (1, 0));
}

#[tokio::test]
async fn a_fetch_outlives_the_request_that_started_it() {
    use std::future::Future as _;
    use std::task::{Context, Poll, Waker};

    let gated = GatedIssuer::start();
    let api = serve(gated.builder());
    gated.discovery().hold();
    // The first caller starts the discovery fetch, then is dropped (cancelled) while waiting.
    {
        let first = std::pin::pin!(api.auth0.warm_up());
        let poll = first.poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(poll, Poll::Pending));
    }
    eventually("the discovery request", || {
        gated.discovery().requests() == 1
    })
    .await;
    // The fetch goes on without it: the next caller joins it instead of starting another.
    let auth0 = api.auth0.clone();
    let second = tokio::spawn(async move { auth0.warm_up().await });
    eventually("the second caller to miss the cache", || {
        api.metrics().cache_misses == 2
    })
    .await;
    gated.discovery().release();
    second.await.unwrap().expect("warm-up");
    assert_eq!(
        (gated.discovery().requests(), gated.jwks().requests()),
        (1, 1)
    );
    let m = api.metrics();
    assert_eq!((m.discovery_fetches, m.fetch_failures), (1, 0));
}

#[tokio::test]
async fn a_new_key_inside_the_cooldown_of_the_last_unknown_kid_refetch_waits_for_it() {
    let api = local(|b| b.unknown_kid_cooldown(Duration::from_secs(30)));
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    let bogus = api.mint(issuer.token()).kid("bogus").sign();
    expect::invalid_token(&api.bearer(&bogus).await, MISSING_KEY);
    assert_eq!(api.fetches(), (1, 2));
    // A real rotation 10 s after that refetch: the cooldown bounds fetches for everyone.
    api.advance(10);
    let next = issuer.generate_key("key-2");
    issuer.publish(&next);
    issuer.set_signing_key(&next);
    expect::invalid_token(&api.good().await, MISSING_KEY);
    assert_eq!(api.fetches(), (1, 2));
    // Once the cooldown is over the new key's first request refetches and succeeds.
    api.advance(21);
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 3));
}

#[tokio::test]
async fn a_removed_key_stops_verifying_once_the_jwks_is_refetched() {
    let api = local(|b| b);
    let issuer = api.issuer();
    let old = issuer.signing_key();
    let remembered = api.mint(issuer.token()).sign();
    expect::ok(&api.bearer(&remembered).await);
    // Rotation with revocation: key-2 in, key-1 out.
    let next = issuer.generate_key("key-2");
    issuer.publish(&next);
    issuer.set_signing_key(&next);
    issuer.unpublish("key-1");
    // Until the JWKS is refetched, the cached set still holds key-1.
    expect::ok(
        &api.bearer(&api.mint(issuer.token()).signed_with(&old).sign())
            .await,
    );
    assert_eq!(api.fetches(), (1, 1));
    // The first key-2 token refetches the JWKS...
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 2));
    // ...after which key-1 is gone: for new tokens and for the one verified before.
    let key_1_token = api.mint(issuer.token()).signed_with(&old).sign();
    expect::invalid_token(&api.bearer(&key_1_token).await, MISSING_KEY);
    expect::invalid_token(&api.bearer(&remembered).await, MISSING_KEY);
    assert_eq!(api.fetches(), (1, 2), "inside the cooldown: no refetch");
}

#[tokio::test]
async fn a_removed_key_stops_verifying_once_the_cached_jwks_expires() {
    let api = local(|b| b.cache_ttl(Duration::from_secs(300)));
    let issuer = api.issuer();
    let old = issuer.signing_key();
    expect::ok(&api.good().await);
    issuer.unpublish("key-1");
    api.advance(100);
    expect::ok(&api.good().await);
    // The first use after the copy's lifetime is answered from it at once (no request waits on
    // the issuer once the cache is warm) while the JWKS is fetched again in the background...
    api.advance(201);
    expect::ok(&api.good().await);
    eventually("the background refetch", || api.fetches() == (2, 2)).await;
    // ...and once that lands, the removed key no longer verifies.
    let reply = until_rejected(&api, || api.mint(issuer.token()).signed_with(&old).sign()).await;
    expect::invalid_token(&reply, MISSING_KEY);
    // The key stays unknown: later tokens cause no refetch inside the cooldown.
    let jwks_fetches = issuer.jwks_fetches();
    expect::invalid_token(
        &api.bearer(&api.mint(issuer.token()).signed_with(&old).sign())
            .await,
        MISSING_KEY,
    );
    assert_eq!(issuer.jwks_fetches(), jwks_fetches);
}

/// Sends a new token from `mint` every 2 ms until one is refused (for at most 10 s), and
/// returns that reply: a change made in the background (a refresh landing) is observed, never
/// slept on.
async fn until_rejected(api: &Api, mint: impl Fn() -> String) -> Reply {
    for _ in 0..5_000 {
        let reply = api.bearer(&mint()).await;
        if reply.status != 200 {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("timed out waiting for a rejection");
}

#[tokio::test]
async fn a_wall_clock_stepping_back_stretches_neither_a_lifetime_nor_a_cooldown() {
    let api = local(|b| b.unknown_kid_cooldown(Duration::from_secs(30)));
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    let bogus = api.mint(issuer.token()).kid("bogus").sign();
    expect::invalid_token(&api.bearer(&bogus).await, MISSING_KEY);
    assert_eq!(api.fetches(), (1, 2));
    // The clock steps back an hour. The cached copies, stamped "in the future", are served at
    // once and refreshed in the background, rather than trusted for an hour and ten minutes.
    let now = api.clock().now();
    api.clock().set(now - Duration::from_secs(3600));
    expect::ok(&api.good().await);
    eventually("the refreshes", || api.fetches() == (2, 3)).await;
    // The unknown-kid cooldown stamped before the step does not last an hour either: a key
    // published now works on its first use (after the refresh above has landed).
    let next = issuer.generate_key("key-2");
    issuer.publish(&next);
    issuer.set_signing_key(&next);
    let reply = until_ok(&api, || api.mint(issuer.token()).sign()).await;
    expect::ok(&reply);
    assert_eq!(api.metrics().unknown_kid_refetches, 2);
}

/// Sends a new token from `mint` every 2 ms until one is accepted (for at most 10 s).
async fn until_ok(api: &Api, mint: impl Fn() -> String) -> Reply {
    for _ in 0..5_000 {
        let reply = api.bearer(&mint()).await;
        if reply.status == 200 {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("timed out waiting for a 200");
}

// ---------------------------------------------------------------------------------------------
// Single flight (D13)

#[tokio::test]
async fn a_cold_herd_makes_one_discovery_and_one_jwks_fetch() {
    let api = local(|b| b);
    let issuer = api.issuer();
    let tokens = (0..100).map(|_| api.mint(issuer.token()).sign()).collect();
    for reply in bearer_all(&api, tokens).await {
        expect::ok(&reply);
    }
    assert_eq!(api.fetches(), (1, 1));
    let m = api.metrics();
    assert_eq!((m.discovery_fetches, m.jwks_fetches), (1, 1));
    assert_eq!(m.verified, 100);
}

#[tokio::test]
async fn a_cold_herd_waits_on_one_fetch_while_it_is_in_flight() {
    let gated = GatedIssuer::start();
    let api = serve(gated.builder());
    gated.discovery().hold();
    let mut herd = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let token = api.mint(gated.token()).sign();
        herd.spawn(send(api.request("GET", "/test").bearer_auth(token)));
    }
    // All 100 requests are waiting for discovery, and the issuer has seen one request (the
    // fetch may still be connecting when the last request starts waiting: wait for it too).
    eventually("100 requests waiting on discovery", || {
        api.metrics().cache_misses == 100
    })
    .await;
    eventually("the one discovery request", || {
        gated.discovery().requests() >= 1
    })
    .await;
    assert_eq!(gated.discovery().requests(), 1);
    assert_eq!(gated.jwks().requests(), 0);
    gated.discovery().release();
    for reply in herd.join_all().await {
        expect::ok(&reply);
    }
    assert_eq!(
        (gated.discovery().requests(), gated.jwks().requests()),
        (1, 1)
    );
    let m = api.metrics();
    assert_eq!(
        (m.discovery_fetches, m.jwks_fetches, m.verified),
        (1, 1, 100)
    );
    assert_eq!(m.cache_hits + m.cache_misses, 200);
}

// ---------------------------------------------------------------------------------------------
// Stale-if-error (D12)

#[tokio::test]
async fn an_issuer_outage_after_warm_up_is_bridged_by_the_last_good_keys() {
    let api = local(|b| {
        b.cache_ttl(Duration::from_secs(600))
            .max_stale(Duration::from_secs(1800))
    });
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    issuer.set_failing(true);
    // Within the TTL the outage goes unnoticed.
    api.advance(300);
    expect::ok(&api.good().await);
    assert_eq!(api.metrics().stale_served, 0);
    // Past the TTL a request is answered from the expired copies at once, while it starts one
    // background refresh of each; both fail.
    api.advance(301);
    expect::ok(&api.good().await);
    eventually("both refreshes to fail", || {
        api.metrics().fetch_failures == 2
    })
    .await;
    assert_eq!(api.metrics().stale_served, 0, "nothing had failed yet");
    // From then on the last good copies keep serving (counted and logged as stale), without
    // asking the issuer again during the back-off (the unknown-kid cooldown, 30 s), so a
    // hanging IdP cannot make requests wait, nor be asked once per request.
    for round in 1..=3 {
        expect::ok(&api.good().await);
        assert_eq!(
            api.metrics().stale_served,
            2 * round,
            "discovery and JWKS stale"
        );
    }
    assert_eq!(api.fetches(), (2, 2));
    // After the back-off one request retries both, in the background again.
    api.advance(31);
    expect::ok(&api.good().await);
    eventually("one retry per document", || {
        api.metrics().fetch_failures == 4
    })
    .await;
    assert_eq!(api.fetches(), (3, 3));
    // The issuer recovers: after the back-off the next request starts the refreshes, which
    // land fresh copies; stale serving stops.
    issuer.set_failing(false);
    api.advance(31);
    expect::ok(&api.good().await);
    eventually("the refreshes to reach the issuer", || {
        api.fetches() == (4, 4)
    })
    .await;
    let mut stale = api.metrics().stale_served;
    for _ in 0..5_000 {
        expect::ok(&api.good().await);
        let now_stale = api.metrics().stale_served;
        if now_stale == stale {
            break;
        }
        stale = now_stale;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for _ in 0..3 {
        expect::ok(&api.good().await);
    }
    assert_eq!(api.metrics().stale_served, stale);
    assert_eq!(api.fetches(), (4, 4));
    assert_eq!(api.metrics().fetch_failures, 4);
}

#[tokio::test]
async fn past_max_stale_an_outage_fails_closed_and_recovers() {
    let api = local(|b| {
        b.cache_ttl(Duration::from_secs(600))
            .max_stale(Duration::from_secs(1800))
    });
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    issuer.set_failing(true);
    // The copies expired at +600 s; they may be served until +2400 s.
    api.advance(2400);
    expect::ok(&api.good().await);
    api.advance(1);
    expect::invalid_token(
        &api.good().await,
        "Failed to fetch OIDC discovery metadata: HTTP status 503 (and the cached copy is too old to serve)",
    );
    issuer.set_failing(false);
    // A refresh started during the outage may still be in flight: requests that join it share
    // its failure. Once it has ended, the next request fetches afresh and passes.
    let mut reply = api.good().await;
    for _ in 0..5_000 {
        if reply.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
        reply = api.good().await;
    }
    expect::ok(&reply);
    let stale = api.metrics().stale_served;
    expect::ok(&api.good().await);
    assert_eq!(api.metrics().stale_served, stale);
}

#[tokio::test]
async fn past_max_stale_a_jwks_outage_names_the_jwks() {
    let gated = GatedIssuer::start();
    // Discovery lives an hour, the JWKS 10 minutes and then 60 s more at most.
    gated.jwks().set_cache_control("max-age=600");
    let api = serve(
        gated
            .builder()
            .cache_ttl(Duration::from_secs(3600))
            .max_stale(Duration::from_secs(60)),
    );
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    gated.jwks().set_failing(true);
    api.advance(660);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    eventually("the JWKS refresh to fail", || {
        api.metrics().fetch_failures == 1
    })
    .await;
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(api.metrics().stale_served, 1, "only the JWKS was stale");
    api.advance(1);
    expect::invalid_token(
        &api.bearer(&api.mint(gated.token()).sign()).await,
        "Failed to fetch JWKS: HTTP status 503 (and the cached copy is too old to serve)",
    );
    gated.jwks().set_failing(false);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(gated.discovery().requests(), 1);
}

#[tokio::test]
async fn max_stale_zero_turns_stale_serving_off() {
    let api = local(|b| b.max_stale(Duration::ZERO));
    let issuer = api.issuer();
    expect::ok(&api.good().await);
    issuer.set_failing(true);
    api.advance(601);
    expect::invalid_token(
        &api.good().await,
        "Failed to fetch OIDC discovery metadata: HTTP status 503 (and the cached copy is too old to serve)",
    );
    assert_eq!(api.metrics().stale_served, 0);
}

// ---------------------------------------------------------------------------------------------
// Refresh ahead of expiry

#[tokio::test]
async fn past_80_percent_of_the_ttl_one_request_starts_one_background_refresh() {
    let api = local(|b| b.cache_ttl(Duration::from_secs(600)));
    expect::ok(&api.good().await);
    // Up to 80 % of the TTL nothing is refreshed.
    api.advance(479);
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 1));
    assert_eq!(api.metrics().background_refreshes, 0);
    // Past it, the next request refreshes both documents in the background.
    api.advance(2);
    expect::ok(&api.good().await);
    eventually("the background refreshes to reach the issuer", || {
        api.fetches() == (2, 2)
    })
    .await;
    for _ in 0..5 {
        expect::ok(&api.good().await);
    }
    assert_eq!(api.fetches(), (2, 2), "one refresh per document");
    assert_eq!(api.metrics().background_refreshes, 2);
}

#[tokio::test]
async fn a_refresh_ahead_never_makes_a_request_wait_and_extends_the_lifetime() {
    let gated = GatedIssuer::start();
    // The JWKS lives 300 s, discovery 600 s: only the JWKS is due at 241 s.
    gated.discovery().set_cache_control("max-age=600");
    gated.jwks().set_cache_control("max-age=300");
    let api = serve(gated.builder().cache_ttl(Duration::from_secs(600)));
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(
        (gated.discovery().requests(), gated.jwks().requests()),
        (1, 1)
    );

    // The issuer stops answering JWKS requests; past 80 % of 300 s a request still gets its
    // answer at once, while the refresh it started waits in the background.
    gated.jwks().hold();
    gated.publish(&SigningKey::generate("gated-key-2", Algorithm::RS256));
    api.advance(241);
    let remembered = api.mint(gated.token()).sign();
    let reply = tokio::time::timeout(Duration::from_secs(10), api.bearer(&remembered))
        .await
        .expect("a request does not wait for a refresh ahead");
    expect::ok(&reply);
    eventually("the background JWKS refresh to reach the issuer", || {
        gated.jwks().requests() == 2
    })
    .await;
    for _ in 0..5 {
        expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    }
    assert_eq!(
        gated.jwks().requests(),
        2,
        "one refresh in flight, not one per request"
    );
    assert_eq!(gated.jwks().answered(), 1);
    assert_eq!(api.metrics().background_refreshes, 1);

    // Released, the refresh lands with the key published meanwhile: the changed key set ends
    // the verified-token cache entry of `remembered`, so a repeat of it goes back to the key
    // cache.
    let hits = api.metrics().cache_hits;
    gated.jwks().release();
    for _ in 0..5_000 {
        expect::ok(&api.bearer(&remembered).await);
        if api.metrics().cache_hits > hits {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(
        api.metrics().cache_hits > hits,
        "the refreshed key set arrived"
    );
    // The refreshed copy lives from 241 s: at 301 s (the old copy's expiry) nothing is fetched.
    api.advance(60);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(
        (gated.discovery().requests(), gated.jwks().requests()),
        (1, 2)
    );
    assert_eq!(api.metrics().stale_served, 0);
}

#[tokio::test]
async fn past_its_lifetime_a_copy_is_served_at_once_while_one_refresh_runs() {
    let gated = GatedIssuer::start();
    gated.discovery().set_cache_control("max-age=600");
    gated.jwks().set_cache_control("max-age=300");
    let api = serve(gated.builder().cache_ttl(Duration::from_secs(600)));
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    // Nobody used the JWKS between 80 % and 100 % of its lifetime: it expired. The issuer now
    // holds every JWKS request (and has published a new key), and still the next requests are
    // answered at once, from the expired copy.
    gated.jwks().hold();
    let next = SigningKey::generate("gated-key-2", Algorithm::RS256);
    gated.publish(&next);
    api.advance(301);
    for _ in 0..5 {
        let reply = tokio::time::timeout(
            Duration::from_secs(10),
            api.bearer(&api.mint(gated.token()).sign()),
        )
        .await
        .expect("a request does not wait for the refresh of an expired copy");
        expect::ok(&reply);
    }
    eventually("the background refresh to reach the issuer", || {
        gated.jwks().requests() == 2
    })
    .await;
    let m = api.metrics();
    assert_eq!(
        (m.background_refreshes, m.cache_misses, m.stale_served),
        (1, 2, 0),
        "one refresh; only the cold start missed; nothing failed"
    );
    // It lands: a token of the new key verifies (joining the refresh if it is still in
    // flight) without a fetch of its own, and the copy lives 300 s from its landing (with no
    // refresh due before 80 % of that).
    gated.jwks().release();
    expect::ok(
        &api.bearer(&api.mint(gated.token()).signed_with(&next).sign())
            .await,
    );
    assert_eq!(gated.jwks().requests(), 2);
    assert_eq!(api.metrics().unknown_kid_refetches, 0);
    api.advance(239);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(gated.jwks().requests(), 2);
}

#[tokio::test]
async fn with_nothing_to_serve_a_hanging_issuer_costs_one_timeout_per_back_off() {
    let gated = GatedIssuer::start();
    let api = serve(
        gated
            .builder()
            .http_timeout(Duration::from_millis(300))
            .unknown_kid_cooldown(Duration::from_secs(30)),
    );
    let timed_out = "Failed to fetch OIDC discovery metadata: request timed out";
    // Cold start against an issuer that accepts connections and never answers: the first
    // request waits for the fetch's timeout.
    gated.discovery().hold();
    expect::invalid_token(
        &api.bearer(&api.mint(gated.token()).sign()).await,
        timed_out,
    );
    assert_eq!(gated.discovery().requests(), 1);
    // For the back-off, a flood gets the same answer at once: no request reaches the issuer,
    // so none waits for a timeout.
    let flood = (0..200).map(|_| api.mint(gated.token()).sign()).collect();
    for reply in bearer_all(&api, flood).await {
        expect::invalid_token(&reply, timed_out);
    }
    assert_eq!(gated.discovery().requests(), 1);
    assert_eq!(api.metrics().discovery_fetches, 1);
    // warm_up always tries (and times out, as the issuer still hangs).
    let err = api.auth0.warm_up().await.unwrap_err();
    assert_eq!(err.description(), timed_out);
    assert_eq!(gated.discovery().requests(), 2);
    // After the back-off the next request tries again; the issuer answers now.
    gated.discovery().release();
    api.advance(29);
    expect::invalid_token(
        &api.bearer(&api.mint(gated.token()).sign()).await,
        timed_out,
    );
    api.advance(1);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(gated.discovery().requests(), 3);
}

#[tokio::test]
async fn a_fast_failure_is_not_remembered_the_next_request_tries_again() {
    // As the reference: an error status (or a refused connection) costs no wait, so nothing is
    // remembered and the API recovers with the issuer, at once.
    let api = local(|b| b);
    let issuer = api.issuer();
    issuer.set_failing(true);
    for _ in 0..3 {
        expect::invalid_token(
            &api.good().await,
            "Failed to fetch OIDC discovery metadata: HTTP status 503",
        );
    }
    assert_eq!(api.fetches(), (3, 0));
    issuer.set_failing(false);
    expect::ok(&api.good().await);
}

#[tokio::test]
async fn a_failed_refresh_ahead_keeps_the_copy_and_retries_after_the_cooldown() {
    let gated = GatedIssuer::start();
    gated.discovery().set_cache_control("max-age=600");
    gated.jwks().set_cache_control("max-age=300");
    let api = serve(
        gated
            .builder()
            .unknown_kid_cooldown(Duration::from_secs(30)),
    );
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    gated.jwks().set_failing(true);
    api.advance(241);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    eventually("the background refresh to fail", || {
        api.metrics().fetch_failures == 1
    })
    .await;
    // A request on the app's one worker: the failed refresh has finished its bookkeeping.
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(gated.jwks().requests(), 2);
    // No retry before the cooldown is over; one after it.
    api.advance(29);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    assert_eq!(gated.jwks().requests(), 2);
    gated.jwks().set_failing(false);
    api.advance(2);
    expect::ok(&api.bearer(&api.mint(gated.token()).sign()).await);
    eventually("the retried refresh to reach the issuer", || {
        gated.jwks().answered() == 3
    })
    .await;
    assert_eq!(api.metrics().background_refreshes, 2);
    assert_eq!(api.metrics().stale_served, 0);
}

// ---------------------------------------------------------------------------------------------
// TTLs (docs/compatibility.md §2.3; min/max clamp) and the LRU bound

/// Observes a document lifetime: reused at half of it, refetched (in the background, the
/// request being answered from the expired copy) on the first use just after it.
async fn assert_lifetime(cache_control: Option<&str>, lifetime: u64) {
    let api = local(|b| {
        b.cache_min_ttl(Duration::from_secs(60))
            .cache_ttl(Duration::from_secs(300))
    });
    let issuer = api.issuer();
    issuer.set_cache_control(cache_control.map(str::to_owned));
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 1));
    api.advance(lifetime / 2);
    expect::ok(&api.good().await);
    assert_eq!(
        api.fetches(),
        (1, 1),
        "{cache_control:?}: reused within {lifetime} s"
    );
    api.advance(lifetime - lifetime / 2 + 1);
    expect::ok(&api.good().await);
    eventually(
        &format!("{cache_control:?}: refetched after {lifetime} s"),
        || api.fetches() == (2, 2),
    )
    .await;
}

#[tokio::test]
async fn max_age_sets_the_lifetime_within_the_bounds() {
    assert_lifetime(Some("max-age=120"), 120).await;
    assert_lifetime(Some("public, max-age=200, must-revalidate"), 200).await;
}

#[tokio::test]
async fn a_tiny_max_age_is_raised_to_cache_min_ttl() {
    assert_lifetime(Some("max-age=5"), 60).await;
    assert_lifetime(Some("max-age=0"), 60).await;
}

#[tokio::test]
async fn a_long_max_age_is_capped_at_cache_ttl() {
    assert_lifetime(Some("max-age=86400"), 300).await;
}

#[tokio::test]
async fn without_max_age_the_lifetime_is_cache_ttl() {
    assert_lifetime(None, 300).await;
    assert_lifetime(Some("no-cache"), 300).await;
}

#[tokio::test]
async fn cache_max_entries_evicts_the_least_recently_used_issuer() {
    let issuers: Vec<LocalIssuer> = (0..3).map(|_| LocalIssuer::start()).collect();
    let mut builder = Auth0::builder()
        .domains(issuers.iter().map(LocalIssuer::domain))
        .audience(issuers[0].audience())
        .cache_max_entries(2);
    for issuer in &issuers {
        builder = builder.root_certificate_pem(issuer.ca_certificate_pem().unwrap());
    }
    let api = serve(builder);
    let (a, b, c) = (&issuers[0], &issuers[1], &issuers[2]);
    let all = || [fetches(a), fetches(b), fetches(c)];
    expect::ok(&api.good_from(a).await);
    api.advance(1);
    expect::ok(&api.good_from(b).await);
    api.advance(1);
    expect::ok(&api.good_from(a).await); // a is now more recently used than b
    api.advance(1);
    assert_eq!(all(), [(1, 1), (1, 1), (0, 0)]);
    // c makes three issuers for two entries per cache: b, the least recently used, goes.
    expect::ok(&api.good_from(c).await);
    api.advance(1);
    expect::ok(&api.good_from(a).await);
    assert_eq!(all(), [(1, 1), (1, 1), (1, 1)]);
    api.advance(1);
    expect::ok(&api.good_from(b).await);
    assert_eq!(all(), [(1, 1), (2, 2), (1, 1)], "b was evicted");
    // ...which in turn evicted c (a was used more recently).
    api.advance(1);
    expect::ok(&api.good_from(a).await);
    expect::ok(&api.good_from(c).await);
    assert_eq!(all(), [(1, 1), (2, 2), (2, 2)]);
}

// ---------------------------------------------------------------------------------------------
// warm_up

#[tokio::test]
async fn warm_up_fetches_the_keys_before_the_first_request() {
    let api = local(|b| b);
    api.warm_up().await;
    assert_eq!(api.fetches(), (1, 1));
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 1));
    let m = api.metrics();
    assert_eq!((m.discovery_fetches, m.jwks_fetches), (1, 1));
    assert_eq!(
        m.cache_hits, 2,
        "the first request found both documents cached"
    );
}

#[tokio::test]
async fn a_failed_warm_up_reports_why_and_the_first_request_retries() {
    let api = local(|b| b);
    let issuer = api.issuer();
    issuer.set_failing(true);
    let err = api.auth0.warm_up().await.expect_err("the issuer is down");
    assert_eq!(
        err.description(),
        "Failed to fetch OIDC discovery metadata: HTTP status 503"
    );
    issuer.set_failing(false);
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (2, 1));
}

// ---------------------------------------------------------------------------------------------
// The verified-token cache
//
// These tests warm up first: a token verified while a key set arrives is remembered against the
// older set (and so verified once more), which is not what they are about.

#[tokio::test]
async fn a_repeated_token_is_verified_once() {
    let api = local(|b| b);
    let issuer = api.issuer();
    api.warm_up().await;
    let token = api.mint(issuer.token()).sign();
    for _ in 0..5 {
        expect::ok(&api.bearer(&token).await);
    }
    let m = api.metrics();
    assert_eq!(m.verified, 5);
    assert_eq!(
        (m.cache_misses, m.cache_hits),
        (2, 2),
        "warm-up missed, only the first request looked up discovery and JWKS"
    );
    assert_eq!(api.fetches(), (1, 1));
}

#[tokio::test]
async fn with_the_verified_token_cache_off_every_request_looks_up_the_keys() {
    let api = local(|b| b.verified_token_cache(0));
    let issuer = api.issuer();
    let token = api.mint(issuer.token()).sign();
    for _ in 0..5 {
        expect::ok(&api.bearer(&token).await);
    }
    let m = api.metrics();
    assert_eq!(m.verified, 5);
    assert_eq!((m.cache_misses, m.cache_hits), (2, 8));
    assert_eq!(api.fetches(), (1, 1));
}

#[tokio::test]
async fn a_refetch_of_an_unchanged_jwks_keeps_the_verified_tokens() {
    // Documents live 200 s, remembered tokens 300 s (the default).
    let api = local(|b| b.cache_ttl(Duration::from_secs(200)));
    let issuer = api.issuer();
    api.warm_up().await;
    let token = api.mint(issuer.token()).sign();
    expect::ok(&api.bearer(&token).await);
    assert_eq!(api.lookups(), 4, "warm-up and the first request");
    // An unknown kid refetches the JWKS; it holds the same keys, so the repeated token is still
    // answered from the verified-token cache (no key lookup): bogus kids cannot empty it.
    for i in 0..3 {
        let bogus = api.mint(issuer.token()).kid(&format!("bogus-{i}")).sign();
        expect::invalid_token(&api.bearer(&bogus).await, MISSING_KEY);
        api.advance(31);
    }
    assert_eq!(api.fetches(), (1, 4));
    let before = api.lookups();
    expect::ok(&api.bearer(&token).await);
    assert_eq!(api.lookups(), before, "a verified-token cache hit");
    // Nor does a routine refresh ahead of expiry (the JWKS was last fetched at 62 s, so both
    // documents are past 80 % of their 200 s at 223 s).
    api.advance(223 - 93);
    expect::ok(&api.good().await);
    eventually("the refresh ahead", || api.fetches() == (2, 5)).await;
    expect::ok(&api.good().await);
    let before = api.lookups();
    expect::ok(&api.bearer(&token).await);
    assert_eq!(api.lookups(), before, "a verified-token cache hit");
}

#[tokio::test]
async fn a_changed_jwks_ends_every_verified_token_cache_entry() {
    let api = local(|b| b);
    let issuer = api.issuer();
    api.warm_up().await;
    let old = issuer.signing_key();
    let token = api.mint(issuer.token()).sign();
    expect::ok(&api.bearer(&token).await);
    expect::ok(&api.bearer(&token).await);
    assert_eq!(
        api.lookups(),
        4,
        "the repeat was a verified-token cache hit"
    );
    // A key is published and first used: the refetched JWKS differs, so the repeated token is
    // verified again (its key is still published, so it passes), then remembered again.
    let next = issuer.generate_key("key-2");
    issuer.publish(&next);
    issuer.set_signing_key(&next);
    expect::ok(&api.good().await);
    assert_eq!(api.fetches(), (1, 2));
    let before = api.lookups();
    expect::ok(&api.bearer(&token).await);
    assert_eq!(api.lookups(), before + 2, "verified again");
    expect::ok(&api.bearer(&token).await);
    assert_eq!(api.lookups(), before + 2, "remembered again");
    // Its key is removed: once the JWKS is fetched again, the remembered token stops verifying.
    issuer.unpublish(old.kid());
    api.advance(31);
    let bogus = api.mint(issuer.token()).kid("bogus").sign();
    expect::invalid_token(&api.bearer(&bogus).await, MISSING_KEY);
    assert_eq!(api.fetches(), (1, 3));
    expect::invalid_token(&api.bearer(&token).await, MISSING_KEY);
}

#[tokio::test]
async fn a_cached_token_is_never_accepted_past_its_exp() {
    let api = local(|b| b);
    let issuer = api.issuer();
    api.warm_up().await;
    let now = api.now();
    let token = api.mint(issuer.token()).expires_at(now + 60).sign();
    expect::ok(&api.bearer(&token).await);
    api.advance(59);
    expect::ok(&api.bearer(&token).await);
    let m = api.metrics();
    assert_eq!(
        m.cache_hits + m.cache_misses,
        4,
        "the repeat was a cache hit"
    );
    // The clock reaches exp: expired, cached or not (zero leeway, docs/compatibility.md §2.2 step
    // 17).
    api.advance(1);
    expect::invalid_token(&api.bearer(&token).await, "Token is expired");
    api.advance(1);
    expect::invalid_token(&api.bearer(&token).await, "Token is expired");
}

#[tokio::test]
async fn a_cached_token_respects_the_clock_leeway_and_no_more() {
    let api = local(|b| b.clock_leeway(Duration::from_secs(10)));
    let issuer = api.issuer();
    api.warm_up().await;
    let now = api.now();
    let token = api.mint(issuer.token()).expires_at(now + 60).sign();
    expect::ok(&api.bearer(&token).await);
    api.advance(69);
    expect::ok(&api.bearer(&token).await);
    api.advance(1);
    expect::invalid_token(&api.bearer(&token).await, "Token is expired");
}

#[tokio::test]
async fn a_dpop_proof_is_checked_on_every_request_even_when_the_token_is_cached() {
    let api = local(|b| b);
    let issuer = api.issuer();
    api.warm_up().await;
    let key = DpopKey::generate();
    let token = api.mint(issuer.token()).bound_to(&key).sign();
    let proof = api.proof_by(&key, "GET", "/test", &token).sign();
    let reply = api.dpop("GET", "/test", &token, &proof).await;
    expect::ok(&reply);
    assert_eq!(reply.json()["scheme"], "DPoP");
    // The same token with a new proof: the token comes from the cache, the proof is checked.
    let before = api.lookups();
    expect::ok(
        &api.dpop(
            "GET",
            "/test",
            &token,
            &api.proof_by(&key, "GET", "/test", &token).sign(),
        )
        .await,
    );
    assert_eq!(api.lookups(), before, "the token was a cache hit");
    // A replayed proof is refused although the token is cached.
    let replay = api.dpop("GET", "/test", &token, &proof).await;
    expect::error(
        &replay,
        400,
        "invalid_dpop_proof",
        "DPoP proof has already been used (jti replay)",
    );
    // So is a proof by another key (binding), one for another method, and the bound token
    // presented as Bearer.
    let other = DpopKey::generate();
    expect::error(
        &api.dpop(
            "GET",
            "/test",
            &token,
            &api.proof_by(&other, "GET", "/test", &token).sign(),
        )
        .await,
        401,
        "invalid_token",
        "JWT Access Token confirmation mismatch",
    );
    let wrong_method = key
        .proof("POST", &api.app.at("/test"))
        .access_token(&token)
        .iat(api.now())
        .sign();
    expect::error(
        &api.dpop("GET", "/test", &token, &wrong_method).await,
        400,
        "invalid_dpop_proof",
        "DPoP Proof htm mismatch",
    );
    expect::error(
        &api.bearer(&token).await,
        401,
        "invalid_token",
        "DPoP-bound token requires the DPoP authentication scheme, not Bearer",
    );
    assert_eq!(api.lookups(), before);
}
