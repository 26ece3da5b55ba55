//! The example API (`examples/api`) over real HTTP: its very route and CORS modules, mounted on
//! a loopback port and verified against the local issuer, as `docs/example-api.md` fixes them.

#[path = "../examples/api/cors.rs"]
mod cors;
#[path = "../examples/api/routes.rs"]
mod routes;

use actix_web::web;
use auth0_actix::testing::DpopKey;
use e2e_support::Api;
use reqwest::StatusCode;

/// The scopes of every route of the example.
const ALL_SCOPES: &str = "read:messages read:data write:data read:reports admin:read";

/// Every protected route of the first table: method and path.
const PROTECTED: [(&str, &str); 4] = [
    ("GET", "/api/private"),
    ("GET", "/api/messages"),
    ("POST", "/api/data"),
    ("GET", "/api/profile"),
];

/// The mixed-mode challenge for a request without credentials.
const BARE_CHALLENGE: &str = "Bearer realm=\"api\", DPoP algs=\"ES256\"";

/// The example's routes, as `main.rs` mounts them, with a fresh local issuer.
fn start() -> Api {
    Api::serving(routes::configure)
}

#[tokio::test]
async fn every_route_answers_its_exact_body() {
    let api = start();
    let token = api.issuer().token().scope(ALL_SCOPES).sign();

    let expected = [
        ("GET", "/api/public", r#"{"message":"public"}"#.to_owned()),
        (
            "GET",
            "/api/private",
            r#"{"message":"private","sub":"user_123"}"#.to_owned(),
        ),
        (
            "GET",
            "/api/messages",
            r#"{"messages":["hello"]}"#.to_owned(),
        ),
        ("POST", "/api/data", r#"{"ok":true}"#.to_owned()),
        (
            "GET",
            "/api/profile",
            format!(r#"{{"sub":"user_123","scope":"{ALL_SCOPES}"}}"#),
        ),
    ];
    for (method, path, body) in expected {
        let reply = api.bearer_call(method, path, &token).await;
        assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
        assert_eq!(reply.body, body, "{method} {path}");
        assert_eq!(
            reply.content_type.as_deref(),
            Some("application/json"),
            "{method} {path}"
        );
    }

    let public = api.get("/api/public", &[]).await;
    assert_eq!(public.status, 200);
    assert_eq!(public.body, r#"{"message":"public"}"#);
}

#[tokio::test]
async fn absent_sub_and_scope_are_null() {
    let api = start();
    let token = api.issuer().token().remove_claim("sub").sign();

    let private = api.bearer_call("GET", "/api/private", &token).await;
    assert_eq!(private.status, 200, "{}", private.body);
    assert_eq!(private.body, r#"{"message":"private","sub":null}"#);

    let profile = api.bearer_call("GET", "/api/profile", &token).await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(profile.body, r#"{"sub":null,"scope":null}"#);
}

#[tokio::test]
async fn no_token_is_400_invalid_request() {
    let api = start();
    for (method, path) in PROTECTED {
        let reply = api.call(method, path, &[]).await;
        assert_eq!(reply.status, 400, "{method} {path}");
        assert_eq!(
            reply.json(),
            serde_json::json!({"detail": {"error": "invalid_request", "error_description": ""}}),
            "{method} {path}"
        );
        assert_eq!(reply.challenge(), BARE_CHALLENGE, "{method} {path}");
    }
}

#[tokio::test]
async fn tampered_token_is_401_invalid_token() {
    let api = start();
    let tampered = api.issuer().token().scope(ALL_SCOPES).tampered();
    for (method, path) in PROTECTED {
        let reply = api.bearer_call(method, path, &tampered).await;
        assert_eq!(reply.status, 401, "{method} {path}");
        assert_eq!(reply.error(), "invalid_token", "{method} {path}");
        let challenge = reply.challenge();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\""),
            "{method} {path}: {challenge}"
        );
    }
}

#[tokio::test]
async fn missing_scopes_are_403_insufficient_scope() {
    let api = start();
    let unscoped = api.issuer().token().sign();
    let read_only = api.issuer().token().scope("read:data read:messages").sign();

    let cases = [
        ("GET", "/api/messages", &unscoped, "read:messages"),
        ("POST", "/api/data", &unscoped, "read:data write:data"),
        ("POST", "/api/data", &read_only, "read:data write:data"),
    ];
    for (method, path, token, required) in cases {
        let reply = api.bearer_call(method, path, token).await;
        assert_eq!(reply.status, 403, "{method} {path}");
        assert_eq!(
            reply.json(),
            serde_json::json!({"detail": {"error": "insufficient_scope", "error_description": "Insufficient scopes"}}),
        );
        let challenge = reply.challenge();
        assert!(
            challenge.contains(&format!("scope=\"{required}\"")),
            "{method} {path}: {challenge}"
        );
    }

    // Routes without a scope requirement take any valid token.
    for path in ["/api/private", "/api/profile"] {
        assert_eq!(api.bearer_call("GET", path, &unscoped).await.status, 200);
    }
}

#[tokio::test]
async fn dpop_request_succeeds_once_and_its_replay_is_refused() {
    let api = start();
    let key = DpopKey::generate();
    let token = api.issuer().token().scope(ALL_SCOPES).bound_to(&key).sign();
    let auth = format!("DPoP {token}");
    let proof = key
        .proof("GET", &api.at("/api/private"))
        .access_token(&token)
        .sign();
    let headers = [("authorization", auth.as_str()), ("dpop", proof.as_str())];

    let first = api.get("/api/private", &headers).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body, r#"{"message":"private","sub":"user_123"}"#);

    let replay = api.get("/api/private", &headers).await;
    assert_eq!(replay.status, 400, "{}", replay.body);
    assert_eq!(replay.error(), "invalid_dpop_proof");
    let challenge = replay.challenge();
    assert!(
        challenge.starts_with("Bearer realm=\"api\", DPoP error=\"invalid_dpop_proof\""),
        "{challenge}"
    );

    // A scoped POST route with a fresh proof for its own method and URL.
    let proof = key
        .proof("POST", &api.at("/api/data"))
        .access_token(&token)
        .sign();
    let data = api
        .call(
            "POST",
            "/api/data",
            &[("authorization", auth.as_str()), ("dpop", proof.as_str())],
        )
        .await;
    assert_eq!(data.status, 200, "{}", data.body);
    assert_eq!(data.body, r#"{"ok":true}"#);

    // The same bound token as Bearer is refused: it must come with its proof.
    let as_bearer = api.bearer_call("GET", "/api/private", &token).await;
    assert_eq!(as_bearer.status, 401);
    assert_eq!(as_bearer.error(), "invalid_token");
}

/// The routes behind the example's CORS layer, as `main.rs` wraps them.
fn start_with_cors(origins: cors::AllowedOrigins) -> Api {
    Api::serving(move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("")
                .wrap(origins.layer())
                .configure(routes::configure),
        );
    })
}

#[tokio::test]
async fn cors_allows_the_configured_origin_only() {
    let origins = cors::AllowedOrigins::parse(Some("https://SPA.example.com:443/")).unwrap();
    assert_eq!(
        origins,
        cors::AllowedOrigins::List(vec!["https://spa.example.com".into()])
    );
    let app = start_with_cors(origins);
    let spa = "https://spa.example.com";

    let preflight = app
        .request("OPTIONS", "/api/private")
        .header("origin", spa)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization, dpop")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], spa);
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["authorization", "content-type", "dpop"] {
        assert!(allowed.contains(name), "{allowed}");
    }

    // An error response keeps its challenge readable by the page.
    let res = app
        .request("GET", "/api/private")
        .header("origin", spa)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()["access-control-allow-origin"], spa);
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("www-authenticate"), "{exposed}");

    // Another origin gets the response without CORS headers (the browser hides it).
    let res = app
        .request("GET", "/api/public")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let origins = cors::AllowedOrigins::parse(None).unwrap();
    assert_eq!(origins, cors::AllowedOrigins::None);
    let app = start_with_cors(origins);
    let res = app
        .request("GET", "/api/public")
        .header("origin", "https://spa.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn bad_cors_origins_name_the_variable() {
    for bad in [
        "spa.example.com",
        "ftp://spa.example.com",
        "https://spa.example.com/app",
        "https://spa.example.com/?q=1",
        "https://user@spa.example.com",
    ] {
        let err = cors::AllowedOrigins::parse(Some(bad)).unwrap_err();
        assert!(err.contains("CORS_ALLOWED_ORIGIN"), "{bad}: {err}");
    }
    assert_eq!(
        cors::AllowedOrigins::parse(Some("*")).unwrap(),
        cors::AllowedOrigins::Any
    );
    assert_eq!(
        cors::AllowedOrigins::parse(Some("http://localhost:3000, https://a.test")).unwrap(),
        cors::AllowedOrigins::List(vec![
            "http://localhost:3000".into(),
            "https://a.test".into()
        ])
    );
}

#[tokio::test]
async fn second_table_routes_answer_their_exact_bodies() {
    let api = start();
    let token = api.issuer().token().scope(ALL_SCOPES).sign();
    for (path, body) in [
        ("/api/admin/stats", r#"{"stats":"ok"}"#),
        ("/api/any", r#"{"ok":true}"#),
        ("/api/reports", r#"{"ok":true}"#),
        ("/api/optional", r#"{"sub":"user_123"}"#),
    ] {
        let reply = api.bearer_call("GET", path, &token).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(reply.body, body, "{path}");
    }
}

#[tokio::test]
async fn admin_scope_is_protected_by_the_middleware() {
    let api = start();
    let none = api.get("/api/admin/stats", &[]).await;
    assert_eq!(none.status, 400);
    assert_eq!(none.error(), "invalid_request");
    let tampered = api
        .bearer_call("GET", "/api/admin/stats", &api.issuer().token().tampered())
        .await;
    assert_eq!(tampered.status, 401);
    let weak = api.issuer().token().scope("read:messages").sign();
    let reply = api.bearer_call("GET", "/api/admin/stats", &weak).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
         scope=\"admin:read\", DPoP algs=\"ES256\""
    );
}

#[tokio::test]
async fn any_accepts_either_scope_and_names_both_when_refused() {
    let api = start();
    for scope in ["read:messages", "read:data"] {
        let token = api.issuer().token().scope(scope).sign();
        assert_eq!(
            api.bearer_call("GET", "/api/any", &token).await.status,
            200,
            "{scope}"
        );
    }
    let token = api.issuer().token().scope("write:data").sign();
    let reply = api.bearer_call("GET", "/api/any", &token).await;
    assert_eq!(reply.status, 403);
    assert!(
        reply
            .challenge()
            .contains("scope=\"read:messages read:data\""),
        "{reply:?}"
    );
}

#[tokio::test]
async fn reports_accept_the_scope_or_an_rbac_permission() {
    let api = start();
    let by_scope = api.issuer().token().scope("read:reports").sign();
    assert_eq!(
        api.bearer_call("GET", "/api/reports", &by_scope)
            .await
            .status,
        200
    );
    let by_permission = api.issuer().token().permissions(["read:reports"]).sign();
    assert_eq!(
        api.bearer_call("GET", "/api/reports", &by_permission)
            .await
            .status,
        200
    );
    let neither = api
        .issuer()
        .token()
        .scope("read:data")
        .permissions(["read:data"])
        .sign();
    assert_eq!(
        api.bearer_call("GET", "/api/reports", &neither)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn optional_is_anonymous_without_credentials_and_strict_with_bad_ones() {
    let api = start();
    let anonymous = api.get("/api/optional", &[]).await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.body, r#"{"sub":null}"#);
    let bad = api
        .bearer_call("GET", "/api/optional", &api.issuer().token().tampered())
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.error(), "invalid_token");
}
