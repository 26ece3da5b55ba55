//! `#[require_auth]` and the extractors over real HTTP: the three attribute forms, with and
//! without a `Claims` parameter, above and below actix-web's routing attributes, beside other
//! extractors; 401 before 403, exact case-sensitive scopes (with D4 and D10), a handler whose app
//! registered no `Auth0` (500, never 401), the `Authenticated` extractor, a custom error
//! renderer, and one verification per request.

use actix_web::{get, post, route, web, HttpResponse, Responder};
use auth0_actix::testing::DpopKey;
use auth0_actix::{require_auth, Authenticated, Claims, Metrics, Scheme};
use e2e_support::{expect, Api, Registration};
use serde::Deserialize;
use serde_json::{json, Value};

// ------------------------------------------------------------------------------------------
// Handlers: every form of the attribute

/// No arguments, no parameters.
#[get("/any")]
#[require_auth]
async fn any() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "any" }))
}

/// No arguments, with the claims.
#[get("/any/claims")]
#[require_auth]
async fn any_claims(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "any/claims", "sub": claims.sub }))
}

/// One scope, attribute above the routing attribute.
#[require_auth(scopes = "read:messages")]
#[get("/one")]
async fn one() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "one" }))
}

/// One scope, below, with the claims.
#[get("/one/claims")]
#[require_auth(scopes = "read:messages")]
async fn one_claims(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "one/claims", "scope": claims.scope }))
}

/// A list: every scope required. Below `#[post]`.
#[post("/all")]
#[require_auth(scopes = ["read:data", "write:data"])]
async fn all(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "all", "sub": claims.sub }))
}

/// A list, above `#[post]`, no claims.
#[require_auth(scopes = ["read:data", "write:data"])]
#[post("/all/above")]
async fn all_above() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "all/above" }))
}

/// `#[route]` with several methods, attribute below.
#[route("/multi", method = "GET", method = "PUT")]
#[require_auth(scopes = "read:messages")]
async fn multi(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "multi", "sub": claims.sub }))
}

/// `#[route]`, attribute above, no scopes.
#[require_auth]
#[route("/multi/above", method = "DELETE")]
async fn multi_above() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "multi/above" }))
}

#[derive(Deserialize)]
struct Item {
    name: String,
}

/// Path and JSON extractors beside the claims, and an early return.
#[post("/items/{id}")]
#[require_auth(scopes = "write:items")]
async fn create_item(id: web::Path<u32>, item: web::Json<Item>, claims: Claims) -> HttpResponse {
    if item.name.is_empty() {
        return HttpResponse::UnprocessableEntity().json(json!({ "error": "empty name" }));
    }
    HttpResponse::Created().json(json!({
        "id": id.into_inner(),
        "name": item.name,
        "owner": claims.sub,
    }))
}

/// The `Authenticated` extractor alone, no attribute.
#[get("/whoami")]
async fn whoami(auth: Authenticated) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "sub": auth.claims.sub,
        "bearer": auth.scheme == Scheme::Bearer,
        "jkt": auth.jkt,
    }))
}

/// The `Claims` extractor alone, no attribute: any valid token, no scope check.
#[get("/claims-only")]
async fn claims_only(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "sub": claims.sub }))
}

/// The attribute with both extractors: they must see one and the same verification.
#[get("/consistent")]
#[require_auth(scopes = "read:messages")]
async fn consistent(claims: Claims, auth: Authenticated, again: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "same": claims.as_json() == auth.claims.as_json() && claims.as_json() == again.as_json(),
        "jti": claims.jti,
        "scheme": auth.scheme.as_str(),
        "jkt": auth.jkt,
    }))
}

/// A public route beside protected ones.
#[get("/public")]
async fn public() -> impl Responder {
    HttpResponse::Ok().json(json!({ "message": "public" }))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(any)
        .service(any_claims)
        .service(one)
        .service(one_claims)
        .service(all)
        .service(all_above)
        .service(multi)
        .service(multi_above)
        .service(create_item)
        .service(whoami)
        .service(claims_only)
        .service(consistent)
        .service(public);
}

/// An issuer and an app serving every form above (mixed mode, default configuration).
fn env() -> Api {
    Api::serving(routes)
}

// ------------------------------------------------------------------------------------------
// The forms

#[tokio::test]
async fn no_arguments_any_valid_token() {
    let env = env();
    let token = env.issuer().token().sign();
    expect::route(&env.bearer_at("/any", &token).await, "any");
    let reply = env.bearer_at("/any/claims", &token).await;
    expect::route(&reply, "any/claims");
    assert_eq!(reply.json()["sub"], "user_123");
    for path in ["/any", "/any/claims"] {
        let reply = env.get(path, &[]).await;
        expect::error(&reply, 400, "invalid_request", "");
        let reply = env
            .bearer_at(path, &env.issuer().token().expires_in(-5).sign())
            .await;
        expect::error(&reply, 401, "invalid_token", "Token is expired");
    }
}

#[tokio::test]
async fn one_scope_above_and_below_the_routing_attribute() {
    let env = env();
    let good = env.scoped("read:messages");
    expect::route(&env.bearer_at("/one", &good).await, "one");
    let reply = env.bearer_at("/one/claims", &good).await;
    expect::route(&reply, "one/claims");
    assert_eq!(reply.json()["scope"], "read:messages");
    let other = env.scoped("write:messages");
    expect::insufficient_scope(&env.bearer_at("/one", &other).await, "read:messages");
    expect::insufficient_scope(&env.bearer_at("/one/claims", &other).await, "read:messages");
}

#[tokio::test]
async fn a_list_requires_every_scope() {
    let env = env();
    for path in ["/all", "/all/above"] {
        for scope in [
            "read:data write:data",
            "write:data read:data",
            "a read:data b write:data",
        ] {
            let reply = env.bearer_call("POST", path, &env.scoped(scope)).await;
            assert_eq!(reply.status, 200, "{path} {scope:?}: {reply:?}");
        }
        for scope in ["read:data", "write:data", "", "read:data,write:data"] {
            let reply = env.bearer_call("POST", path, &env.scoped(scope)).await;
            expect::insufficient_scope(&reply, "read:data write:data");
        }
        let reply = env
            .bearer_call("POST", path, &env.issuer().token().sign())
            .await;
        expect::insufficient_scope(&reply, "read:data write:data");
    }
    let reply = env
        .bearer_call("POST", "/all", &env.scoped("read:data write:data"))
        .await;
    assert_eq!(reply.json()["sub"], "user_123");
}

#[tokio::test]
async fn route_attribute_with_several_methods() {
    let env = env();
    let good = env.scoped("read:messages");
    for method in ["GET", "PUT"] {
        let reply = env.bearer_call(method, "/multi", &good).await;
        expect::route(&reply, "multi");
        let reply = env
            .bearer_call(method, "/multi", &env.scoped("read:other"))
            .await;
        expect::insufficient_scope(&reply, "read:messages");
    }
    // A method the route does not serve never reaches authentication.
    let reply = env.bearer_call("POST", "/multi", &good).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    let reply = env
        .bearer_call("DELETE", "/multi/above", &env.issuer().token().sign())
        .await;
    expect::route(&reply, "multi/above");
    let reply = env.call("DELETE", "/multi/above", &[]).await;
    expect::error(&reply, 400, "invalid_request", "");
}

#[tokio::test]
async fn path_and_json_extractors_and_an_early_return() {
    let env = env();
    let token = env
        .issuer()
        .token()
        .subject("owner_1")
        .scope("write:items")
        .sign();
    let post = |id: &str, body: Value, token: Option<&str>| {
        let mut req = env.request("POST", &format!("/items/{id}")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        env.send(req)
    };
    let reply = post("7", json!({"name": "widget"}), Some(&token)).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"id": 7, "name": "widget", "owner": "owner_1"})
    );
    // The handler's own early return.
    let reply = post("7", json!({"name": ""}), Some(&token)).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json(), json!({"error": "empty name"}));
    // Authentication runs before the other extractors: a bad path or body without a token is
    // an authentication error, not a 404 or a JSON error.
    let reply = post("not-a-number", json!({"nope": 1}), None).await;
    expect::error(&reply, 400, "invalid_request", "");
    assert_eq!(
        reply.challenge(),
        "Bearer realm=\"api\", DPoP algs=\"ES256\""
    );
    let reply = post("7", json!({"nope": 1}), Some(&env.scoped("read:items"))).await;
    expect::insufficient_scope(&reply, "write:items");
    // With a good token, the other extractors' errors come through unchanged.
    let reply = post("not-a-number", json!({"name": "x"}), Some(&token)).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    assert!(reply.challenges.is_empty());
    let reply = post("7", json!({"nope": 1}), Some(&token)).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(
        reply.challenges.is_empty(),
        "a JSON error carries no challenge"
    );
}

// ------------------------------------------------------------------------------------------
// 401 beats 403; scopes are exact and case-sensitive

#[tokio::test]
async fn authentication_errors_beat_scope_errors() {
    let env = env();
    let expired_unscoped = env.issuer().token().expires_in(-5).sign();
    expect::error(
        &env.bearer_at("/one", &expired_unscoped).await,
        401,
        "invalid_token",
        "Token is expired",
    );
    expect::error(
        &env.bearer_at("/one", &env.issuer().token().scope("x").tampered())
            .await,
        401,
        "invalid_token",
        "Signature verification failed: bad_signature",
    );
    let reply = env.get("/one", &[]).await;
    expect::error(&reply, 400, "invalid_request", "");
    let reply = env.bearer_call("POST", "/all", "not-a-token").await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn scopes_are_exact_case_sensitive_tokens() {
    let env = env();
    for denied in [
        "READ:MESSAGES",
        "Read:Messages",
        "read:message",
        "read:messages:all",
        "read",
        "xread:messages",
        "read:messages,write:messages",
        "\"read:messages\"",
    ] {
        expect::insufficient_scope(
            &env.bearer_at("/one", &env.scoped(denied)).await,
            "read:messages",
        );
    }
    for granted in [
        "read:messages",
        "openid read:messages profile",
        "  read:messages  ",
        "write:x\tread:messages",
        "a\nread:messages",
    ] {
        let reply = env.bearer_at("/one", &env.scoped(granted)).await;
        expect::route(&reply, "one");
    }
}

#[tokio::test]
async fn permissions_are_not_scopes_by_default() {
    let env = env();
    let token = env.issuer().token().permissions(["read:messages"]).sign();
    expect::insufficient_scope(&env.bearer_at("/one", &token).await, "read:messages");
}

/// D4: a scope claim that is not a string grants nothing; never a 500.
#[tokio::test]
async fn non_string_scope_claims_grant_nothing() {
    let env = env();
    for scope in [
        json!(["read:messages"]),
        json!({"0": "read:messages"}),
        json!(7),
    ] {
        let token = env.issuer().token().claim("scope", &scope).sign();
        expect::insufficient_scope(&env.bearer_at("/one", &token).await, "read:messages");
        assert_eq!(env.bearer_at("/any", &token).await.status, 200);
    }
}

// ------------------------------------------------------------------------------------------
// Registration

#[get("/unregistered")]
#[require_auth]
async fn unregistered() -> impl Responder {
    HttpResponse::Ok().finish()
}

#[get("/unregistered/scoped")]
#[require_auth(scopes = "read:messages")]
async fn unregistered_scoped(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

#[tokio::test]
async fn a_handler_in_an_app_without_auth0_is_a_500_never_a_401() {
    let app = Api::builder()
        .registration(Registration::Unregistered)
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(unregistered)
                .service(unregistered_scoped)
                .service(claims_only);
        })
        .start();
    let issuer = app.issuer();
    let token = issuer.token().scope("read:messages").sign();
    for path in ["/unregistered", "/unregistered/scoped", "/claims-only"] {
        for auth in [None, Some("garbage"), Some(token.as_str())] {
            let authorization = auth.map(|t| format!("Bearer {t}"));
            let reply = app.with_authorization(path, authorization.as_deref()).await;
            expect::server_error(&reply);
        }
    }
    assert_eq!(issuer.discovery_fetches(), 0);
}

#[tokio::test]
async fn auth0_registered_as_web_data_works_too() {
    let app = Api::builder()
        .registration(Registration::WebData)
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(one_claims);
        })
        .start();
    let reply = app
        .bearer_at("/one/claims", &app.scoped("read:messages"))
        .await;
    expect::route(&reply, "one/claims");
}

// ------------------------------------------------------------------------------------------
// Extractors

#[tokio::test]
async fn the_authenticated_extractor() {
    let env = env();
    let reply = env
        .bearer_at("/whoami", &env.issuer().token().subject("me").sign())
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"sub": "me", "bearer": true, "jkt": null})
    );
    let reply = env.get("/whoami", &[]).await;
    expect::error(&reply, 400, "invalid_request", "");
    let reply = env
        .bearer_at("/whoami", &env.issuer().token().expires_in(-1).sign())
        .await;
    expect::error(&reply, 401, "invalid_token", "Token is expired");
}

#[tokio::test]
async fn the_claims_extractor_alone_checks_no_scope() {
    let env = env();
    let reply = env
        .bearer_at("/claims-only", &env.issuer().token().sign())
        .await;
    assert_eq!(reply.json(), json!({"sub": "user_123"}));
    let reply = env
        .bearer_at("/claims-only", &env.issuer().token().kid("zzz").sign())
        .await;
    expect::error(
        &reply,
        401,
        "invalid_token",
        "No matching key found in JWKS",
    );
}

#[tokio::test]
async fn public_routes_need_no_token() {
    let env = env();
    let reply = env.get("/public", &[]).await;
    assert_eq!(reply.json(), json!({"message": "public"}));
    let reply = env.bearer_at("/public", "garbage").await;
    assert_eq!(reply.status, 200, "unprotected routes ignore credentials");
}

/// One verification per request, shared by `RequireAuth`, `Claims` and `Authenticated`: the
/// handler sees identical claims, and a DPoP proof (which the replay store accepts only once)
/// passes although three extractors ask for the outcome.
#[tokio::test]
async fn verification_happens_once_per_request() {
    let env = env();
    let token = env
        .issuer()
        .token()
        .scope("read:messages")
        .claim("jti", "token-1")
        .sign();
    let reply = env.bearer_at("/consistent", &token).await;
    assert_eq!(
        reply.json(),
        json!({"same": true, "jti": "token-1", "scheme": "Bearer", "jkt": null})
    );
    assert_eq!(env.issuer().discovery_fetches(), 1);
    assert_eq!(env.issuer().jwks_fetches(), 1);

    let key = DpopKey::generate();
    let bound = env
        .issuer()
        .token()
        .scope("read:messages")
        .claim("jti", "token-2")
        .bound_to(&key)
        .sign();
    let proof = key
        .proof("GET", &env.app.at("/consistent"))
        .access_token(&bound)
        .sign();
    let reply = env.dpop("GET", "/consistent", &bound, &proof).await;
    assert_eq!(
        reply.json(),
        json!({"same": true, "jti": "token-2", "scheme": "DPoP", "jkt": key.thumbprint()})
    );
    // The replay store does refuse that proof a second time, so the 200 above was one check.
    let reply = env.dpop("GET", "/consistent", &bound, &proof).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.json()["detail"]["error"], "invalid_dpop_proof");
}

// ------------------------------------------------------------------------------------------
// A custom error renderer

fn rendered_app() -> Api {
    Api::builder()
        .configure(|b| {
            b.error_renderer(|err| {
                HttpResponse::Ok()
                    .insert_header(("x-rendered", "yes"))
                    .content_type("text/plain")
                    .body(format!("denied: {} ({})", err.code(), err.description()))
            })
        })
        .routes(routes)
        .start()
}

#[tokio::test]
async fn a_custom_renderer_chooses_the_body_but_not_status_or_challenge() {
    let app = rendered_app();
    let issuer = app.issuer();

    let reply = app.get("/one", &[]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body, "denied: invalid_request ()");
    assert_eq!(reply.content_type.as_deref(), Some("text/plain"));
    assert_eq!(reply.header("x-rendered"), Some("yes"));
    assert_eq!(
        reply.challenge(),
        "Bearer realm=\"api\", DPoP algs=\"ES256\""
    );

    let expired = issuer.token().expires_in(-5).sign();
    let reply = app.bearer_at("/one", &expired).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, "denied: invalid_token (Token is expired)");
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"invalid_token\", error_description=\"Token is expired\", DPoP \
         algs=\"ES256\""
    );

    let unscoped = issuer.token().sign();
    let reply = app.bearer_at("/one", &unscoped).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.body,
        "denied: insufficient_scope (Insufficient scopes)"
    );
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
         scope=\"read:messages\", DPoP algs=\"ES256\""
    );

    // The extractors outside the attribute use the renderer too.
    let reply = app.bearer_at("/whoami", &expired).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, "denied: invalid_token (Token is expired)");

    // Successful requests are untouched.
    let reply = app.bearer_at("/any", &unscoped).await;
    expect::route(&reply, "any");
    assert_eq!(reply.header("x-rendered"), None);
}

// ------------------------------------------------------------------------------------------
// Outcomes decided at once and after waiting

/// Four extractors on one request (the attribute, `Claims` twice, `Authenticated`), whether the
/// outcome is decided at once (refused credentials; a token this worker verified recently) or
/// after waiting (a first verification): one count in the metrics and one rendered error per
/// request, and identical claims in the handler.
#[tokio::test]
async fn every_extractor_of_a_request_shares_one_outcome_counted_and_rendered_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let renders = Arc::new(AtomicUsize::new(0));
    let counted = renders.clone();
    let app = Api::builder()
        .configure(move |b| {
            b.error_renderer(move |err| {
                counted.fetch_add(1, Ordering::SeqCst);
                HttpResponse::Ok().body(format!("denied: {}", err.code()))
            })
        })
        .routes(routes)
        .start();
    let (issuer, auth0) = (app.issuer(), &app.auth0);
    let get = |authorization: Option<String>| {
        let mut request = app.request("GET", "/consistent");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        app.send(request)
    };

    let token = issuer
        .token()
        .scope("read:messages")
        .claim("jti", "t")
        .sign();
    // The first use waits for a verification; the repeats are answered from the verified-token
    // cache (at once on a worker that verified it, through the shared shards on another).
    for round in 0..6 {
        let reply = get(Some(format!("Bearer {token}"))).await;
        assert_eq!(
            reply.json(),
            json!({"same": true, "jti": "t", "scheme": "Bearer", "jkt": null}),
            "round {round}"
        );
    }
    let m = auth0.metrics();
    assert_eq!(m.verified, 6, "{m:?}");
    assert_eq!(renders.load(Ordering::SeqCst), 0);
    // The counters and the renderer's calls so far.
    let state = || (auth0.metrics(), renders.load(Ordering::SeqCst));
    // Between two states: one more render, and one more of the given counter.
    let once = |before: &(Metrics, usize), counter: fn(&Metrics) -> u64, label: &str| {
        let after = state();
        assert_eq!(after.1, before.1 + 1, "{label}: rendered once");
        let (was, is) = (counter(&before.0), counter(&after.0));
        assert_eq!(is, was + 1, "{label}: counted once");
    };

    // Refused before any token is looked at: decided at once.
    for (authorization, status, code) in [
        (None, 400, "invalid_request"),
        (Some("Basic abc".to_owned()), 400, "invalid_request"),
        (Some("Bearer".to_owned()), 400, "invalid_request"),
    ] {
        let before = state();
        let reply = get(authorization.clone()).await;
        assert_eq!(reply.status, status, "{authorization:?}: {reply:?}");
        assert_eq!(reply.body, format!("denied: {code}"), "{authorization:?}");
        once(
            &before,
            |m| m.rejected_invalid_request,
            &format!("{authorization:?}"),
        );
    }

    // A cached token without the scope: verified at once, refused by the attribute, once.
    let unscoped = issuer.token().sign();
    for round in 0..4 {
        let before = state();
        let reply = get(Some(format!("Bearer {unscoped}"))).await;
        assert_eq!(reply.status, 403, "round {round}: {reply:?}");
        once(
            &before,
            |m| m.rejected_insufficient_scope,
            &format!("round {round}"),
        );
    }
}
