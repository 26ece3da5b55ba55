//! `auth0_actix::testing::mock_auth0` over real HTTP: what the README ("Mocking
//! Authentication") promises of it, claim by claim. Any well-formed `Authorization` header
//! (Bearer or DPoP scheme, any token) is handed the given claims with no issuer at all; missing
//! or malformed credentials still get their 400 and challenge; scope requirements are still
//! enforced against the given claims (403 `insufficient_scope`, handler not run).

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{get, post, web, HttpResponse};
use auth0_actix::{require_auth, testing, Claims};
use e2e_support::www::MIXED_BARE;
use e2e_support::{expect, Api, Reply};
use serde_json::{json, Value};

/// How many times an app's scoped handlers ran (to prove a 400 or 403 never reaches them).
#[derive(Default)]
struct Runs(AtomicUsize);

#[get("/secure")]
#[require_auth(scopes = "read:data")]
async fn secure(claims: Claims, runs: web::Data<Runs>) -> HttpResponse {
    runs.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().body(format!(
        "Hello {}",
        claims.sub.as_deref().unwrap_or_default()
    ))
}

#[post("/data")]
#[require_auth(scopes = ["read:data", "write:data"])]
async fn data(runs: web::Data<Runs>) -> HttpResponse {
    runs.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(json!({ "ok": true }))
}

#[get("/claims")]
#[require_auth]
async fn all_claims(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(claims.as_json())
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(secure)
        .service(data)
        .service(all_claims)
        // `Authenticated`: which scheme the request came with.
        .service(web::resource("/whoami").to(e2e_support::echo_authenticated));
}

/// An app serving the routes above with `testing::mock_auth0`, and its handlers' run count.
struct Mock {
    api: Api,
    runs: web::Data<Runs>,
}

impl Mock {
    fn start(claims: Value) -> Mock {
        let runs = web::Data::new(Runs::default());
        let app_runs = runs.clone();
        let api = Api::builder()
            .auth0(testing::mock_auth0(claims))
            .routes(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(app_runs.clone());
                routes(cfg);
            })
            .start();
        Mock { api, runs }
    }

    /// How many times the scoped handlers ran.
    fn runs(&self) -> usize {
        self.runs.0.load(Ordering::SeqCst)
    }

    /// `GET path` with these `Authorization` values (none: no header).
    async fn get(&self, path: &str, authorization: &[&str]) -> Reply {
        self.call("GET", path, authorization).await
    }

    /// `method path` with these `Authorization` values.
    async fn call(&self, method: &str, path: &str, authorization: &[&str]) -> Reply {
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("Authorization", *value))
            .collect();
        self.api.call(method, path, &headers).await
    }

    /// No discovery or JWKS was ever fetched: the mock needs no issuer.
    #[track_caller]
    fn assert_no_network(&self) {
        let m = self.api.metrics();
        assert_eq!(
            (m.discovery_fetches, m.jwks_fetches, m.fetch_failures),
            (0, 0, 0),
            "{m:?}"
        );
    }
}

fn reader() -> Mock {
    Mock::start(json!({
        "sub": "user123",
        "scope": "read:data",
        "https://example.com/role": "admin",
    }))
}

#[tokio::test]
async fn a_bearer_token_gets_the_given_claims_with_no_issuer() {
    let mock = reader();
    let reply = mock.get("/secure", &["Bearer mock-token"]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "Hello user123"));
    // The token is not even a JWT: nothing is verified, the claims are the ones given.
    let reply = mock.get("/claims", &["Bearer not-a-jwt-at-all"]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"sub": "user123", "scope": "read:data", "https://example.com/role": "admin"})
    );
    mock.assert_no_network();
}

#[tokio::test]
async fn no_credentials_get_the_usual_400_and_challenge() {
    let mock = reader();
    for path in ["/secure", "/claims", "/whoami"] {
        let reply = mock.get(path, &[]).await;
        expect::error(&reply, 400, "invalid_request", "");
        assert_eq!(reply.challenge(), MIXED_BARE, "{path}");
    }
    assert_eq!(mock.api.metrics().rejected_invalid_request, 3);
    assert_eq!(mock.runs(), 0, "no handler ran");
    mock.assert_no_network();
}

#[tokio::test]
async fn malformed_credentials_get_the_usual_400() {
    let mock = reader();
    for authorization in [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token mock-token",
        "mock-token",
    ] {
        let reply = mock.get("/claims", &[authorization]).await;
        expect::error(&reply, 400, "invalid_request", "");
        assert_eq!(
            reply.challenge(),
            MIXED_BARE,
            "Authorization: {authorization}"
        );
    }
    // Two Authorization fields are refused as well (D6), however well-formed each one is.
    let reply = mock
        .get("/claims", &["Bearer mock-token", "Bearer mock-token"])
        .await;
    assert_eq!(reply.status, 400, "two Authorization fields: {reply:?}");
    assert_eq!(reply.json()["detail"]["error"], "invalid_request");
    mock.assert_no_network();
}

#[tokio::test]
async fn a_missing_scope_is_403_insufficient_scope() {
    let mock = reader();
    // read:data is granted, write:data is not: every scope is required.
    let reply = mock.call("POST", "/data", &["Bearer mock-token"]).await;
    expect::error(&reply, 403, "insufficient_scope", "Insufficient scopes");
    // The same challenge as with a real verifier in mixed mode (D10).
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
         scope=\"read:data write:data\", DPoP algs=\"ES256\""
    );
    // Claims without any scope at all.
    let anonymous = Mock::start(json!({"sub": "user123"}));
    let reply = anonymous.get("/secure", &["Bearer mock-token"]).await;
    expect::error(&reply, 403, "insufficient_scope", "Insufficient scopes");
    assert_eq!((mock.runs(), anonymous.runs()), (0, 0), "no handler ran");
    assert_eq!(mock.api.metrics().rejected_insufficient_scope, 1);
    assert_eq!(anonymous.api.metrics().rejected_insufficient_scope, 1);
    // Scopes are exact and case-sensitive, against the given claims.
    let near = Mock::start(json!({"scope": "READ:DATA read:data:all"}));
    let reply = near.get("/secure", &["Bearer mock-token"]).await;
    expect::error(&reply, 403, "insufficient_scope", "Insufficient scopes");
    // Granted both, the same route answers.
    let writer = Mock::start(json!({"scope": "write:data read:data"}));
    let reply = writer.call("POST", "/data", &["Bearer mock-token"]).await;
    assert_eq!((reply.status, reply.json()), (200, json!({"ok": true})));
    assert_eq!(writer.runs(), 1);
}

#[tokio::test]
async fn the_dpop_scheme_is_accepted() {
    let mock = reader();
    // The DPoP scheme with no DPoP proof at all: the mock checks no proof.
    let reply = mock.get("/whoami", &["DPoP mock-token"]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let body = reply.json();
    assert_eq!(body["scheme"], "DPoP");
    assert_eq!(body["claims"]["sub"], "user123");
    assert_eq!(body["jkt"], Value::Null);
    let reply = mock.get("/secure", &["DPoP mock-token"]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "Hello user123"));
    // A DPoP header beside it is not checked either.
    let reply = mock
        .api
        .get(
            "/whoami",
            &[
                ("Authorization", "DPoP mock-token"),
                ("DPoP", "not-a-proof"),
            ],
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()["scheme"].clone()),
        (200, json!("DPoP"))
    );
    // ... and the Bearer scheme is reported as such.
    let reply = mock.get("/whoami", &["Bearer mock-token"]).await;
    assert_eq!(reply.json()["scheme"], "Bearer");
    // Scopes are enforced on the DPoP scheme too.
    let anonymous = Mock::start(json!({"sub": "user123"}));
    let reply = anonymous.get("/secure", &["DPoP mock-token"]).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_eq!(reply.json()["detail"]["error"], "insufficient_scope");
    mock.assert_no_network();
}

#[tokio::test]
async fn claims_that_are_not_an_object_give_empty_claims() {
    let mock = Mock::start(json!("not an object"));
    let reply = mock.get("/claims", &["Bearer mock-token"]).await;
    assert_eq!((reply.status, reply.json()), (200, json!({})));
    let reply = mock.get("/secure", &["Bearer mock-token"]).await;
    expect::error(&reply, 403, "insufficient_scope", "Insufficient scopes");
}
