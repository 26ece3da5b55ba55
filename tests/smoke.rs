//! A first end-to-end pass: a real app, a real local issuer, real HTTP.

use actix_web::{get, web, HttpResponse, Responder};
use auth0_actix::{require_auth, Claims};
use e2e_support::Api;

#[get("/private")]
#[require_auth]
async fn private(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "sub": claims.sub }))
}

#[get("/messages")]
#[require_auth(scopes = "read:messages")]
async fn messages() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "messages": ["hello"] }))
}

#[tokio::test]
async fn bearer_round_trip() {
    let app = Api::serving(|cfg: &mut web::ServiceConfig| {
        cfg.service(private).service(messages);
    });
    let (issuer, http) = (app.issuer(), &app.http);

    let res = http.get(app.at("/private")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"api\", DPoP algs=\"ES256\""
    );

    let token = issuer.token().subject("user_123").sign();
    let res = http
        .get(app.at("/private"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["sub"],
        "user_123"
    );

    let res = http
        .get(app.at("/messages"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", scope=\"read:messages\", DPoP algs=\"ES256\""
    );

    let scoped = issuer.token().scope("read:messages").sign();
    let res = http
        .get(app.at("/messages"))
        .bearer_auth(&scoped)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let res = http
        .get(app.at("/private"))
        .bearer_auth(issuer.token().tampered())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["detail"]["error"], "invalid_token");
    assert_eq!(issuer.discovery_fetches(), 1);
    assert_eq!(issuer.jwks_fetches(), 1);
}
