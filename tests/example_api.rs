//! The example API (`examples/api`) over real HTTP: its very route and CORS modules, mounted on
//! a loopback port and verified against the local issuer, as `example-contract.md` fixes them.

#[path = "../examples/api/cors.rs"]
mod cors;
#[path = "../examples/api/routes.rs"]
mod routes;

use actix_web::web;
use auth0_actix::testing::{DpopKey, LocalIssuer};
use auth0_actix::Auth0;
use e2e_support::TestApp;
use reqwest::{Method, StatusCode};

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

struct Api {
    issuer: LocalIssuer,
    app: TestApp,
    http: reqwest::Client,
}

/// A response, read whole.
struct Reply {
    status: StatusCode,
    challenge: Option<String>,
    content_type: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    fn error(&self) -> String {
        self.json()["detail"]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no detail.error in {}", self.body))
            .to_owned()
    }
}

fn verifier(issuer: &LocalIssuer) -> Auth0 {
    Auth0::builder()
        .domain(issuer.domain())
        .audience(issuer.audience())
        .root_certificate_pem(
            issuer
                .ca_certificate_pem()
                .expect("an HTTPS issuer has a CA"),
        )
        .build()
        .expect("valid configuration")
}

/// The example's routes, as `main.rs` mounts them, with a fresh local issuer.
fn start() -> Api {
    let issuer = LocalIssuer::start();
    let app = e2e_support::start(verifier(&issuer), routes::configure);
    Api {
        issuer,
        app,
        http: e2e_support::client(),
    }
}

impl Api {
    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self.http.request(method, self.app.at(path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = req.send().await.expect("the request completes");
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().expect("ASCII header").to_owned())
        };
        let (challenge, content_type) = (header("www-authenticate"), header("content-type"));
        Reply {
            status: res.status(),
            challenge,
            content_type,
            body: res.text().await.expect("a body"),
        }
    }

    async fn bearer(&self, method: &str, path: &str, token: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.send(method, path, &[("authorization", &auth)]).await
    }
}

#[tokio::test]
async fn every_route_answers_its_exact_body() {
    let api = start();
    let token = api.issuer.token().scope(ALL_SCOPES).sign();

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
        let reply = api.bearer(method, path, &token).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{method} {path}: {}",
            reply.body
        );
        assert_eq!(reply.body, body, "{method} {path}");
        assert_eq!(
            reply.content_type.as_deref(),
            Some("application/json"),
            "{method} {path}"
        );
    }

    let public = api.send("GET", "/api/public", &[]).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.body, r#"{"message":"public"}"#);
}

#[tokio::test]
async fn absent_sub_and_scope_are_null() {
    let api = start();
    let token = api.issuer.token().remove_claim("sub").sign();

    let private = api.bearer("GET", "/api/private", &token).await;
    assert_eq!(private.status, StatusCode::OK, "{}", private.body);
    assert_eq!(private.body, r#"{"message":"private","sub":null}"#);

    let profile = api.bearer("GET", "/api/profile", &token).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert_eq!(profile.body, r#"{"sub":null,"scope":null}"#);
}

#[tokio::test]
async fn no_token_is_400_invalid_request() {
    let api = start();
    for (method, path) in PROTECTED {
        let reply = api.send(method, path, &[]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(
            reply.json(),
            serde_json::json!({"detail": {"error": "invalid_request", "error_description": ""}}),
            "{method} {path}"
        );
        assert_eq!(
            reply.challenge.as_deref(),
            Some(BARE_CHALLENGE),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn tampered_token_is_401_invalid_token() {
    let api = start();
    let tampered = api.issuer.token().scope(ALL_SCOPES).tampered();
    for (method, path) in PROTECTED {
        let reply = api.bearer(method, path, &tampered).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(reply.error(), "invalid_token", "{method} {path}");
        let challenge = reply.challenge.unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\""),
            "{method} {path}: {challenge}"
        );
    }
}

#[tokio::test]
async fn missing_scopes_are_403_insufficient_scope() {
    let api = start();
    let unscoped = api.issuer.token().sign();
    let read_only = api.issuer.token().scope("read:data read:messages").sign();

    let cases = [
        ("GET", "/api/messages", &unscoped, "read:messages"),
        ("POST", "/api/data", &unscoped, "read:data write:data"),
        ("POST", "/api/data", &read_only, "read:data write:data"),
    ];
    for (method, path, token, required) in cases {
        let reply = api.bearer(method, path, token).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(
            reply.json(),
            serde_json::json!({"detail": {"error": "insufficient_scope", "error_description": "Insufficient scopes"}}),
        );
        let challenge = reply.challenge.unwrap_or_default();
        assert!(
            challenge.contains(&format!("scope=\"{required}\"")),
            "{method} {path}: {challenge}"
        );
    }

    // Routes without a scope requirement take any valid token.
    for path in ["/api/private", "/api/profile"] {
        assert_eq!(
            api.bearer("GET", path, &unscoped).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn dpop_request_succeeds_once_and_its_replay_is_refused() {
    let api = start();
    let key = DpopKey::generate();
    let token = api.issuer.token().scope(ALL_SCOPES).bound_to(&key).sign();
    let auth = format!("DPoP {token}");
    let proof = key
        .proof("GET", &api.app.at("/api/private"))
        .access_token(&token)
        .sign();
    let headers = [("authorization", auth.as_str()), ("dpop", proof.as_str())];

    let first = api.send("GET", "/api/private", &headers).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body, r#"{"message":"private","sub":"user_123"}"#);

    let replay = api.send("GET", "/api/private", &headers).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);
    assert_eq!(replay.error(), "invalid_dpop_proof");
    let challenge = replay.challenge.unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer realm=\"api\", DPoP error=\"invalid_dpop_proof\""),
        "{challenge}"
    );

    // A scoped POST route with a fresh proof for its own method and URL.
    let proof = key
        .proof("POST", &api.app.at("/api/data"))
        .access_token(&token)
        .sign();
    let data = api
        .send(
            "POST",
            "/api/data",
            &[("authorization", auth.as_str()), ("dpop", proof.as_str())],
        )
        .await;
    assert_eq!(data.status, StatusCode::OK, "{}", data.body);
    assert_eq!(data.body, r#"{"ok":true}"#);

    // The same bound token as Bearer is refused: it must come with its proof.
    let as_bearer = api.bearer("GET", "/api/private", &token).await;
    assert_eq!(as_bearer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(as_bearer.error(), "invalid_token");
}

/// The routes behind the example's CORS layer, as `main.rs` wraps them.
fn start_with_cors(issuer: &LocalIssuer, origins: cors::AllowedOrigins) -> TestApp {
    let auth0 = verifier(issuer);
    e2e_support::start_with(move || {
        let (auth0, origins) = (auth0.clone(), origins.clone());
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(auth0).service(
                web::scope("")
                    .wrap(origins.layer())
                    .configure(routes::configure),
            );
        }
    })
}

#[tokio::test]
async fn cors_allows_the_configured_origin_only() {
    let issuer = LocalIssuer::start();
    let origins = cors::AllowedOrigins::parse(Some("https://SPA.example.com:443/")).unwrap();
    assert_eq!(
        origins,
        cors::AllowedOrigins::List(vec!["https://spa.example.com".into()])
    );
    let app = start_with_cors(&issuer, origins);
    let http = e2e_support::client();
    let spa = "https://spa.example.com";

    let preflight = http
        .request(Method::OPTIONS, app.at("/api/private"))
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
    let res = http
        .get(app.at("/api/private"))
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
    let res = http
        .get(app.at("/api/public"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let issuer = LocalIssuer::start();
    let origins = cors::AllowedOrigins::parse(None).unwrap();
    assert_eq!(origins, cors::AllowedOrigins::None);
    let app = start_with_cors(&issuer, origins);
    let res = e2e_support::client()
        .get(app.at("/api/public"))
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
    let token = api.issuer.token().scope(ALL_SCOPES).sign();
    for (path, body) in [
        ("/api/admin/stats", r#"{"stats":"ok"}"#),
        ("/api/any", r#"{"ok":true}"#),
        ("/api/reports", r#"{"ok":true}"#),
        ("/api/optional", r#"{"sub":"user_123"}"#),
    ] {
        let reply = api.bearer("GET", path, &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        assert_eq!(reply.body, body, "{path}");
    }
}

#[tokio::test]
async fn admin_scope_is_protected_by_the_middleware() {
    let api = start();
    let none = api.send("GET", "/api/admin/stats", &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.error(), "invalid_request");
    let tampered = api
        .bearer("GET", "/api/admin/stats", &api.issuer.token().tampered())
        .await;
    assert_eq!(tampered.status, StatusCode::UNAUTHORIZED);
    let weak = api.issuer.token().scope("read:messages").sign();
    let reply = api.bearer("GET", "/api/admin/stats", &weak).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
             scope=\"admin:read\", DPoP algs=\"ES256\""
        )
    );
}

#[tokio::test]
async fn any_accepts_either_scope_and_names_both_when_refused() {
    let api = start();
    for scope in ["read:messages", "read:data"] {
        let token = api.issuer.token().scope(scope).sign();
        assert_eq!(
            api.bearer("GET", "/api/any", &token).await.status,
            StatusCode::OK,
            "{scope}"
        );
    }
    let token = api.issuer.token().scope("write:data").sign();
    let reply = api.bearer("GET", "/api/any", &token).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply
            .challenge
            .as_deref()
            .is_some_and(|c| c.contains("scope=\"read:messages read:data\"")),
        "{:?}",
        reply.challenge
    );
}

#[tokio::test]
async fn reports_accept_the_scope_or_an_rbac_permission() {
    let api = start();
    let by_scope = api.issuer.token().scope("read:reports").sign();
    assert_eq!(
        api.bearer("GET", "/api/reports", &by_scope).await.status,
        StatusCode::OK
    );
    let by_permission = api.issuer.token().permissions(["read:reports"]).sign();
    assert_eq!(
        api.bearer("GET", "/api/reports", &by_permission)
            .await
            .status,
        StatusCode::OK
    );
    let neither = api
        .issuer
        .token()
        .scope("read:data")
        .permissions(["read:data"])
        .sign();
    assert_eq!(
        api.bearer("GET", "/api/reports", &neither).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn optional_is_anonymous_without_credentials_and_strict_with_bad_ones() {
    let api = start();
    let anonymous = api.send("GET", "/api/optional", &[]).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(anonymous.body, r#"{"sub":null}"#);
    let bad = api
        .bearer("GET", "/api/optional", &api.issuer.token().tampered())
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.error(), "invalid_token");
}
