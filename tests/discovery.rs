//! Discovery and JWKS as a Bearer request sees them (docs/compatibility.md §2.2 steps 8–13, §2.3):
//! exact descriptions when the issuer's documents are unusable or unreachable, which fetches
//! happen, and difference D16 (documents over 1 MiB, endless bodies and silent servers fail the
//! fetch, they never hang it). Real HTTP against the local issuer (and, for D16, a hostile server).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use auth0_actix::testing::LocalIssuer;
use auth0_actix::{require_auth, Auth0Builder, Claims};
use e2e_support::{eventually, expect, now, Api, TestApp};
use serde_json::{json, Value};

#[get("/test")]
#[require_auth]
async fn private(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": claims.sub }))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(private);
}

/// An app serving `/test` (any valid token) that trusts `issuer`, configured by `configure`.
fn env_for(
    issuer: LocalIssuer,
    configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static,
) -> Api {
    Api::builder()
        .issuer(issuer)
        .configure(configure)
        .routes(routes)
        .start()
}

fn env() -> Api {
    env_for(LocalIssuer::start(), |b| b)
}

/// The issuer's real discovery document with `change` applied.
fn discovery_with(env: &Api, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let issuer = env.issuer();
    let mut doc = json!({ "issuer": issuer.issuer(), "jwks_uri": issuer.jwks_url() });
    change(doc.as_object_mut().unwrap());
    doc
}

// ------------------------------------------------------------------------------------------
// Discovery (§2.2 steps 8–10)

#[tokio::test]
async fn discovery_fetch_failure() {
    let env = env();
    env.issuer().set_failing(true);
    expect::invalid_token(
        &env.good().await,
        "Failed to fetch OIDC discovery metadata: HTTP status 503",
    );
    assert_eq!(env.issuer().discovery_fetches(), 1);
    assert_eq!(env.issuer().jwks_fetches(), 0);
    // A failed fetch is not cached: once the issuer recovers, so does the API.
    env.issuer().set_failing(false);
    assert_eq!(env.good().await.status, 200);
}

#[tokio::test]
async fn discovery_unreachable() {
    // An issuer that is gone: its port refuses connections.
    let issuer = LocalIssuer::start();
    let auth0 = issuer.auth0_builder().build().unwrap();
    let token = issuer.token().sign();
    drop(issuer);
    let api = Api::builder().auth0(auth0).routes(routes).start();
    let reply = api.bearer(&token).await;
    expect::invalid_token(
        &reply,
        "Failed to fetch OIDC discovery metadata: connection failed",
    );
}

#[tokio::test]
async fn test_mcd_discovery_missing_issuer_field() {
    let env = env();
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.remove("issuer");
        })));
    expect::invalid_token(
        &env.good().await,
        "Discovery metadata missing 'issuer' field",
    );
    assert_eq!(env.issuer().jwks_fetches(), 0);
    // An empty issuer is a missing one.
    let other = env_for(LocalIssuer::start(), |b| b);
    other
        .issuer()
        .set_discovery_override(Some(discovery_with(&other, |d| {
            d.insert("issuer".into(), json!(""));
        })));
    expect::invalid_token(
        &other.good().await,
        "Discovery metadata missing 'issuer' field",
    );
}

#[tokio::test]
async fn test_mcd_malformed_discovery_issuer_format() {
    let env = env();
    let port = env.issuer().port();
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("issuer".into(), json!(format!("http://127.0.0.1:{port}/")));
        })));
    expect::invalid_token(
        &env.good().await,
        "Invalid discovery issuer format: invalid domain URL (https required)",
    );
}

#[tokio::test]
async fn discovery_issuer_with_a_path_is_malformed() {
    let env = env();
    let iss = format!("{}tenant", env.issuer().issuer());
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("issuer".into(), json!(iss));
        })));
    expect::invalid_token(
        &env.good().await,
        "Invalid discovery issuer format: invalid domain URL (path/query/fragment are not allowed)",
    );
}

#[tokio::test]
async fn test_mcd_first_issuer_validation() {
    let env = env();
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("issuer".into(), json!("https://malicious.auth0.com/"));
        })));
    expect::invalid_token(
        &env.good().await,
        "Token issuer does not match the discovery issuer",
    );
    assert_eq!(env.issuer().jwks_fetches(), 0, "the JWKS is never fetched");
}

#[tokio::test]
async fn test_mcd_discovery_missing_jwks_uri_field() {
    let env = env();
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.remove("jwks_uri");
        })));
    expect::invalid_token(
        &env.good().await,
        "Discovery metadata missing 'jwks_uri' field",
    );
    // A jwks_uri that is not a string is missing too.
    let other = env_for(LocalIssuer::start(), |b| b);
    other
        .issuer()
        .set_discovery_override(Some(discovery_with(&other, |d| {
            d.insert("jwks_uri".into(), json!(["https://x/jwks"]));
        })));
    expect::invalid_token(
        &other.good().await,
        "Discovery metadata missing 'jwks_uri' field",
    );
}

#[tokio::test]
async fn discovery_problems_are_reported_in_order() {
    let env = env();
    // Missing issuer and jwks_uri: the issuer is checked first.
    env.issuer().set_discovery_override(Some(json!({})));
    expect::invalid_token(
        &env.good().await,
        "Discovery metadata missing 'issuer' field",
    );
    // A token issuer mismatch beats a missing jwks_uri.
    let other = env_for(LocalIssuer::start(), |b| b);
    other
        .issuer()
        .set_discovery_override(Some(json!({"issuer": "https://elsewhere.test/"})));
    expect::invalid_token(
        &other.good().await,
        "Token issuer does not match the discovery issuer",
    );
}

#[tokio::test]
async fn discovery_that_is_not_an_object() {
    let env = env();
    env.issuer()
        .set_discovery_override(Some(json!(["issuer", "jwks_uri"])));
    expect::invalid_token(
        &env.good().await,
        "Failed to fetch OIDC discovery metadata: discovery document is not a JSON object",
    );
}

// ------------------------------------------------------------------------------------------
// JWKS (§2.2 steps 11–13)

#[tokio::test]
async fn jwks_fetch_failure() {
    let env = env();
    // Cache discovery only: a token from elsewhere fails right after discovery.
    let foreign = env
        .issuer()
        .token()
        .issuer("https://elsewhere.test/")
        .sign();
    assert_eq!(env.bearer(&foreign).await.status, 401);
    assert_eq!(env.fetches(), (1, 0));
    env.issuer().set_failing(true);
    expect::invalid_token(&env.good().await, "Failed to fetch JWKS: HTTP status 503");
    assert_eq!(env.issuer().jwks_fetches(), 1);
    env.issuer().set_failing(false);
    assert_eq!(env.good().await.status, 200, "failures are not cached");
}

#[tokio::test]
async fn jwks_not_found() {
    let env = env();
    let uri = format!("{}no-such-jwks.json", env.issuer().issuer());
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("jwks_uri".into(), json!(uri));
        })));
    expect::invalid_token(&env.good().await, "Failed to fetch JWKS: HTTP status 404");
}

#[tokio::test]
async fn jwks_without_keys() {
    let env = env();
    // The discovery document itself: valid JSON, no `keys` (the reference answers 500).
    let uri = env.issuer().discovery_url();
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("jwks_uri".into(), json!(uri));
        })));
    expect::invalid_token(
        &env.good().await,
        "Failed to fetch JWKS: JWKS has no 'keys' array",
    );
}

#[tokio::test]
async fn jwks_unreachable() {
    let env = env();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert(
                "jwks_uri".into(),
                json!(format!("https://127.0.0.1:{port}/jwks.json")),
            );
        })));
    expect::invalid_token(&env.good().await, "Failed to fetch JWKS: connection failed");
}

#[tokio::test]
async fn test_mcd_jwks_no_matching_kid() {
    let env = env();
    let token = env.issuer().token().kid("someone-elses-key").sign();
    expect::invalid_token(&env.bearer(&token).await, "No matching key found in JWKS");
}

#[tokio::test]
async fn test_mcd_signature_verification_with_correct_key() {
    let env = env();
    let other = env.issuer().generate_key("other-key");
    env.issuer().publish(&other);
    // JWKS [key-1, other-key]: each token verifies with the key its kid names.
    assert_eq!(env.good().await.status, 200);
    let token = env.issuer().token().signed_with(&other).sign();
    assert_eq!(env.bearer(&token).await.status, 200);
    // other-key's signature under key-1's kid does not.
    let token = env.issuer().token().signed_with(&other).kid("key-1").sign();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Signature verification failed: bad_signature",
    );
}

#[tokio::test]
async fn test_mcd_jwks_fetched_from_issuer_jwks_uri() {
    let env = env();
    assert_eq!(env.good().await.status, 200);
    assert_eq!(env.issuer().discovery_fetches(), 1);
    assert_eq!(env.issuer().jwks_fetches(), 1);
}

#[tokio::test]
async fn test_mcd_discovery_cache_hit() {
    let env = env();
    for sub in ["a", "b", "c"] {
        let token = env.issuer().token().subject(sub).sign();
        assert_eq!(env.bearer(&token).await.json()["sub"], sub);
    }
    assert_eq!(env.issuer().discovery_fetches(), 1);
    assert_eq!(env.issuer().jwks_fetches(), 1);
}

/// The reference's effective TTL, min(max-age, cache_ttl), observed on a manual clock: a copy
/// is reused through half its lifetime and refetched once the lifetime is over (in the
/// background: the request past it is answered from the expired copy, as no request waits on
/// the network once the cache is warm; refreshes ahead of expiry, at 80 %, are avoided here).
#[tokio::test]
async fn test_effective_ttl_from_cache_control() {
    for (cache_control, lifetime) in [
        (Some("max-age=60"), 60),
        (Some("public, max-age=3600, must-revalidate"), 600),
        (None, 600),
    ] {
        let env = Api::builder().clock_at(now()).routes(routes).start();
        let clock = env.clock();
        env.issuer()
            .set_cache_control(cache_control.map(str::to_owned));
        let fetches = || env.fetches();
        assert_eq!(env.good().await.status, 200);
        assert_eq!(fetches(), (1, 1), "{cache_control:?}");
        clock.advance(Duration::from_secs(lifetime / 2));
        assert_eq!(env.good().await.status, 200);
        assert_eq!(
            fetches(),
            (1, 1),
            "{cache_control:?}: reused within its lifetime"
        );
        clock.advance(Duration::from_secs(lifetime / 2 + 1));
        // Answered from the expired copies at once; they are refetched in the background.
        assert_eq!(env.good().await.status, 200);
        eventually(
            &format!("{cache_control:?}: refetched after {lifetime} s"),
            || fetches() == (2, 2),
        )
        .await;
    }
}

#[tokio::test]
async fn cache_ttl_zero_means_no_reuse() {
    let env = env_for(LocalIssuer::start(), |b| b.cache_ttl(Duration::ZERO));
    for _ in 0..2 {
        assert_eq!(env.good().await.status, 200);
    }
    assert_eq!(env.issuer().discovery_fetches(), 2);
    assert_eq!(env.issuer().jwks_fetches(), 2);
}

// ------------------------------------------------------------------------------------------
// D16: size cap and timeouts

/// A body that never ends.
struct Endless;

static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];

impl MessageBody for Endless {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Ok(Bytes::from_static(&CHUNK))))
    }
}

/// 2 MiB of valid JWKS JSON, with a Content-Length.
async fn big_jwks() -> HttpResponse {
    let filler = "x".repeat(2 * 1024 * 1024);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json!({ "keys": [], "filler": filler }).to_string())
}

/// A JWKS that starts like one and never ends (chunked, no Content-Length).
async fn endless_jwks() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(Endless)
}

/// A JWKS server that accepts the request and never answers.
async fn silent_jwks() -> HttpResponse {
    std::future::pending::<()>().await;
    HttpResponse::Ok().finish()
}

/// A plain-HTTP local issuer whose JWKS lives on a hostile server at `path`.
fn hostile(
    path: &str,
    configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static,
) -> (Api, TestApp) {
    let server = e2e_support::start_with(|| {
        |cfg: &mut web::ServiceConfig| {
            cfg.route("/big", web::get().to(big_jwks))
                .route("/endless", web::get().to(endless_jwks))
                .route("/silent", web::get().to(silent_jwks));
        }
    });
    let env = env_for(LocalIssuer::builder().http().start(), configure);
    let uri = server.at(path);
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("jwks_uri".into(), json!(uri));
        })));
    (env, server)
}

#[tokio::test]
async fn plain_http_local_issuer_works_with_the_loopback_opt_in() {
    let env = env_for(LocalIssuer::builder().http().start(), |b| b);
    assert_eq!(env.good().await.status, 200);
}

#[tokio::test]
async fn the_loopback_opt_in_never_sends_a_jwks_fetch_over_http_elsewhere() {
    // The opt-in lets the local issuer be fetched over plain http; a discovery document naming
    // a plain-http jwks_uri on another host is refused before any request is made.
    let local = env_for(LocalIssuer::builder().http().start(), |b| b);
    for uri in [
        "http://jwks.example/.well-known/jwks.json",
        "http://10.0.0.1:8080/jwks.json",
    ] {
        local
            .issuer()
            .set_discovery_override(Some(discovery_with(&local, |d| {
                d.insert("jwks_uri".into(), json!(uri));
            })));
        expect::invalid_token(
            &local.good().await,
            "Failed to fetch JWKS: invalid URL (https required; plain http is allowed for \
             loopback hosts only)",
        );
    }
    // Without the opt-in, a plain-http jwks_uri is refused on any host.
    let env = env();
    let uri = env.issuer().jwks_url().replacen("https://", "http://", 1);
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("jwks_uri".into(), json!(uri));
        })));
    expect::invalid_token(
        &env.good().await,
        "Failed to fetch JWKS: invalid URL (https required)",
    );
    assert_eq!(env.issuer().jwks_fetches(), 0);
}

#[tokio::test]
async fn a_jwks_over_1_mib_is_a_fetch_error() {
    let (env, _server) = hostile("/big", |b| b);
    expect::invalid_token(
        &env.good().await,
        "Failed to fetch JWKS: document larger than 1 MiB",
    );
}

#[tokio::test]
async fn an_endless_jwks_is_cut_at_1_mib_not_read_forever() {
    let (env, _server) = hostile("/endless", |b| b.http_timeout(Duration::from_secs(20)));
    let started = Instant::now();
    expect::invalid_token(
        &env.good().await,
        "Failed to fetch JWKS: document larger than 1 MiB",
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "stopped by the size cap, not by the timeout"
    );
}

#[tokio::test]
async fn a_silent_jwks_server_times_out() {
    let (env, _server) = hostile("/silent", |b| b.http_timeout(Duration::from_secs(1)));
    expect::invalid_token(&env.good().await, "Failed to fetch JWKS: request timed out");
}

#[tokio::test]
async fn a_discovery_document_over_1_mib_is_a_fetch_error() {
    let env = env();
    let filler = "x".repeat(1024 * 1024 + 1);
    env.issuer()
        .set_discovery_override(Some(discovery_with(&env, |d| {
            d.insert("filler".into(), json!(filler));
        })));
    expect::invalid_token(
        &env.good().await,
        "Failed to fetch OIDC discovery metadata: document larger than 1 MiB",
    );
    assert_eq!(env.issuer().jwks_fetches(), 0);
}
