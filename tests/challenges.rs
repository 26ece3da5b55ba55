//! `WWW-Authenticate` and the error response for Bearer requests in each DPoP mode
//! (docs/compatibility.md §2.1 Bearer branch, §3.6, §4.2, §4.3), with differences D6, D10 and D15's
//! neighbours; and the reference's configuration-mode tests (§6.3). Exact header values.

use actix_web::{get, web, HttpResponse};
use auth0_actix::testing::DpopKey;
use auth0_actix::{require_auth, Algorithm, Auth0Builder, Claims};
use e2e_support::{expect, Api, Registration, Reply};
use reqwest::header::AUTHORIZATION;
use serde_json::json;

#[get("/test")]
#[require_auth]
async fn test_route(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": claims.sub }))
}

#[get("/messages")]
#[require_auth(scopes = "read:messages")]
async fn messages() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "messages": ["hello"] }))
}

#[get("/data")]
#[require_auth(scopes = ["read:data", "write:data"])]
async fn data() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "ok": true }))
}

fn env_with(configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static) -> Api {
    Api::builder()
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(test_route).service(messages).service(data);
        })
        .configure(configure)
        .start()
}

fn mixed() -> Api {
    env_with(|b| b)
}

fn disabled() -> Api {
    env_with(|b| b.dpop_enabled(false))
}

fn required() -> Api {
    env_with(|b| b.dpop_required(true))
}

/// `GET /test` with `Authorization: Bearer <token>` and `DPoP: <proof>`.
async fn bearer_with_dpop_header(env: &Api, token: &str, proof: &str) -> Reply {
    let authorization = format!("Bearer {token}");
    env.get(
        "/test",
        &[("authorization", &authorization), ("dpop", proof)],
    )
    .await
}

fn expired(env: &Api) -> String {
    env.issuer().token().expires_in(-10).sign()
}

fn bound(env: &Api) -> String {
    env.issuer().token().bound_to(&DpopKey::generate()).sign()
}

const EXPIRED: &str = "Token is expired";
const BOUND_AS_BEARER: &str =
    "DPoP-bound token requires the DPoP authentication scheme, not Bearer";
const PROOF_WITH_BEARER: &str = "DPoP proof requires DPoP authentication scheme, not Bearer";

// ------------------------------------------------------------------------------------------
// Response shape (§4.2)

#[tokio::test]
async fn error_body_shape_and_headers() {
    let env = mixed();
    let reply = env.bearer(&expired(&env)).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    // Exactly this JSON, no other members.
    assert_eq!(
        reply.json(),
        json!({"detail": {"error": "invalid_token", "error_description": EXPIRED}})
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    // An empty description is sent as "" (not omitted, not null).
    let reply = env.get("/test", &[]).await;
    assert_eq!(
        reply.json(),
        json!({"detail": {"error": "invalid_request", "error_description": ""}})
    );
}

// ------------------------------------------------------------------------------------------
// Disabled mode (Bearer only)

#[tokio::test]
async fn disabled_bare_challenge_without_error_params() {
    let env = disabled();
    for headers in [
        vec![],
        vec![("authorization", "Basic dXNlcjpwYXNz")],
        vec![("authorization", "Bearer")],
        vec![("authorization", "DPoP abc")],
    ] {
        let reply = env.get("/test", &headers).await;
        expect::invalid_request(&reply, "", "Bearer realm=\"api\"");
    }
}

#[tokio::test]
async fn disabled_error_challenge_has_no_realm() {
    let env = disabled();
    let reply = env.bearer(&expired(&env)).await;
    expect::error_with_challenge(
        &reply,
        401,
        "invalid_token",
        EXPIRED,
        "Bearer error=\"invalid_token\", error_description=\"Token is expired\"",
    );
}

#[tokio::test]
async fn disabled_insufficient_scope_challenge_names_the_scopes() {
    let env = disabled();
    let reply = env
        .bearer_at("/data", &env.issuer().token().scope("read:data").sign())
        .await;
    expect::error_with_challenge(
        &reply,
        403,
        "insufficient_scope",
        "Insufficient scopes",
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
         scope=\"read:data write:data\"",
    );
}

#[tokio::test]
async fn disabled_two_authorization_fields() {
    let env = disabled();
    let token = env.issuer().token().sign();
    let reply = env
        .send(
            env.request("GET", "/test")
                .header(AUTHORIZATION, format!("Bearer {token}"))
                .header(AUTHORIZATION, format!("Bearer {token}")),
        )
        .await;
    expect::invalid_request(
        &reply,
        "Multiple Authorization header fields are not allowed",
        "Bearer error=\"invalid_request\", error_description=\"Multiple Authorization header \
         fields are not allowed\"",
    );
}

#[tokio::test]
async fn test_bearer_only_mode_accepts_bearer() {
    let env = disabled();
    let reply = env.bearer(&env.issuer().token().sign()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["user"], "user_123");
}

#[tokio::test]
async fn disabled_bound_token_as_bearer_is_accepted() {
    let env = disabled();
    let reply = env.bearer(&bound(&env)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn disabled_dpop_header_beside_bearer_is_ignored() {
    let env = disabled();
    let token = env.issuer().token().sign();
    let reply = bearer_with_dpop_header(&env, &token, "some.proof.value").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = bearer_with_dpop_header(&env, &bound(&env), "x").await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn test_dpop_disabled_mode_rejects_dpop() {
    let env = disabled();
    let key = DpopKey::generate();
    let token = env.issuer().token().bound_to(&key).sign();
    let proof = key
        .proof("GET", &env.app.at("/test"))
        .access_token(&token)
        .sign();
    let reply = env
        .get(
            "/test",
            &[
                ("authorization", &format!("DPoP {token}")),
                ("dpop", &proof),
            ],
        )
        .await;
    expect::invalid_request(&reply, "", "Bearer realm=\"api\"");
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

// ------------------------------------------------------------------------------------------
// Mixed mode (the default)

#[tokio::test]
async fn mixed_bare_challenges() {
    let env = mixed();
    for headers in [
        vec![],
        vec![("authorization", "Basic dXNlcjpwYXNz")],
        vec![("authorization", "Bearer   ")],
    ] {
        let reply = env.get("/test", &headers).await;
        expect::invalid_request(&reply, "", "Bearer realm=\"api\", DPoP algs=\"ES256\"");
    }
}

#[tokio::test]
async fn mixed_bearer_error_leads_with_bearer_params_then_bare_dpop() {
    let env = mixed();
    let reply = env.bearer(&expired(&env)).await;
    expect::error_with_challenge(
        &reply,
        401,
        "invalid_token",
        EXPIRED,
        "Bearer error=\"invalid_token\", error_description=\"Token is expired\", DPoP \
         algs=\"ES256\"",
    );
}

#[tokio::test]
async fn mixed_insufficient_scope_challenge() {
    let env = mixed();
    let reply = env
        .bearer_at(
            "/messages",
            &env.issuer().token().scope("read:other").sign(),
        )
        .await;
    expect::error_with_challenge(
        &reply,
        403,
        "insufficient_scope",
        "Insufficient scopes",
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
         scope=\"read:messages\", DPoP algs=\"ES256\"",
    );
}

#[tokio::test]
async fn test_dpop_bound_token_with_bearer_scheme_fails() {
    let env = mixed();
    let reply = env.bearer(&bound(&env)).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["detail"]["error"], "invalid_token");
    assert!(reply.json()["detail"]["error_description"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("dpop"));
}

#[tokio::test]
async fn test_verify_request_fail_dpop_enabled_bearer_with_cnf_conflict() {
    let env = mixed();
    let reply = env.bearer(&bound(&env)).await;
    expect::error_with_challenge(
        &reply,
        401,
        "invalid_token",
        BOUND_AS_BEARER,
        "Bearer error=\"invalid_token\", error_description=\"DPoP-bound token requires the DPoP \
         authentication scheme, not Bearer\", DPoP algs=\"ES256\"",
    );
}

#[tokio::test]
async fn mixed_dpop_header_beside_bearer_is_a_400() {
    let env = mixed();
    let token = env.issuer().token().sign();
    let reply = bearer_with_dpop_header(&env, &token, "some.proof.value").await;
    expect::invalid_request(
        &reply,
        PROOF_WITH_BEARER,
        "Bearer error=\"invalid_request\", error_description=\"DPoP proof requires DPoP \
         authentication scheme, not Bearer\", DPoP algs=\"ES256\"",
    );
    // An empty DPoP field is no proof at all.
    let reply = bearer_with_dpop_header(&env, &token, "").await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn mixed_token_errors_win_over_the_dpop_header_and_binding_wins_too() {
    let env = mixed();
    let reply = bearer_with_dpop_header(&env, &expired(&env), "x").await;
    expect::error(&reply, 401, "invalid_token", EXPIRED);
    let reply = bearer_with_dpop_header(&env, &bound(&env), "x").await;
    expect::error(&reply, 401, "invalid_token", BOUND_AS_BEARER);
}

#[tokio::test]
async fn mixed_cnf_without_a_usable_jkt_is_plain_bearer() {
    let env = mixed();
    for cnf in [
        json!("jkt"),
        json!({}),
        json!({"jkt": ""}),
        json!({"jkt": null}),
    ] {
        let token = env.issuer().token().claim("cnf", &cnf).sign();
        assert_eq!(env.bearer(&token).await.status, 200, "cnf {cnf}");
    }
}

#[tokio::test]
async fn the_algs_parameter_lists_the_allowed_proof_algorithms() {
    let env = env_with(|b| b.proof_algorithms([Algorithm::ES256, Algorithm::EdDSA]));
    let reply = env.get("/test", &[]).await;
    assert_eq!(
        reply.challenge(),
        "Bearer realm=\"api\", DPoP algs=\"ES256 EdDSA\""
    );
}

// ------------------------------------------------------------------------------------------
// Required mode (DPoP only)

#[tokio::test]
async fn required_bare_challenge_is_dpop_only() {
    let env = required();
    for headers in [vec![], vec![("authorization", "Basic dXNlcjpwYXNz")]] {
        let reply = env.get("/test", &headers).await;
        expect::invalid_request(&reply, "", "DPoP algs=\"ES256\"");
    }
}

#[tokio::test]
async fn test_dpop_required_mode_rejects_bearer() {
    let env = required();
    for token in [
        env.issuer().token().sign(),
        bound(&env),
        expired(&env),
        "garbage".to_owned(),
    ] {
        let reply = env.bearer(&token).await;
        expect::invalid_request(&reply, "", "DPoP algs=\"ES256\"");
    }
    let reply = bearer_with_dpop_header(&env, &env.issuer().token().sign(), "x").await;
    expect::invalid_request(&reply, "", "DPoP algs=\"ES256\"");
    assert_eq!(
        env.issuer().discovery_fetches(),
        0,
        "no network for a Bearer request"
    );
}

#[tokio::test]
async fn test_verify_request_fail_dpop_required_mode() {
    let env = required();
    let reply = env.bearer(&env.issuer().token().sign()).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["detail"]["error"], "invalid_request");
}

/// The reference's `[dpop-required-bearer-rejected]` case: `Bearer token` (not even a JWT).
#[tokio::test]
async fn test_verify_request_dpop_required_mismatch_bearer_rejected() {
    let env = required();
    let reply = env.bearer("token").await;
    expect::invalid_request(&reply, "", "DPoP algs=\"ES256\"");
}

#[tokio::test]
async fn test_dpop_required_mode_accepts_dpop() {
    let env = required();
    let key = DpopKey::generate();
    let token = env.issuer().token().bound_to(&key).sign();
    let proof = key
        .proof("GET", &env.app.at("/test"))
        .access_token(&token)
        .sign();
    let reply = env
        .get(
            "/test",
            &[
                ("authorization", &format!("DPoP {token}")),
                ("dpop", &proof),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["user"], "user_123");
}

// ------------------------------------------------------------------------------------------
// 500s carry no challenge (§4.3 "any" row)

#[get("/unregistered")]
#[require_auth]
async fn unregistered() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[tokio::test]
async fn server_errors_have_no_challenge() {
    let api = Api::builder()
        .registration(Registration::Unregistered)
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(unregistered);
        })
        .start();
    expect::server_error(&api.get("/unregistered", &[]).await);
}
