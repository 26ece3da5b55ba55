//! `#[require_auth(crate = "auth")]` at run time: handlers protected through the library under
//! another name verify the token and its scopes like any other. `auth` is the dev-dependency
//! that stands for the renamed library (see Cargo.toml); the handlers of `auth::renamed` were
//! compiled in that crate, where the library's only name is `auth`.

use actix_web::http::StatusCode;
use actix_web::{test, web, App};
use serde_json::{json, Value};

#[auth::require_auth(scopes = "x", crate = "auth")]
async fn scoped(claims: auth::Claims) -> String {
    claims.scope.clone().unwrap_or_default()
}

#[auth::require_auth(crate = "auth")]
async fn any_token() -> &'static str {
    "any valid token"
}

/// The status and body of `GET uri` for each `(uri, with_token)`, in an app where every token
/// carries `claims`, with this file's handlers under `/here` and the renamed crate's under
/// `/there`.
async fn responses(claims: Value, requests: &[(&str, bool)]) -> Vec<(StatusCode, String)> {
    let app = test::init_service(
        App::new()
            .app_data(auth::testing::mock_auth0(claims))
            .route("/here/scoped", web::get().to(scoped))
            .route("/here/any", web::get().to(any_token))
            .route("/there/scoped", web::get().to(auth::renamed::scoped))
            .route("/there/any", web::get().to(auth::renamed::any_token)),
    )
    .await;
    let mut responses = Vec::new();
    for &(uri, token) in requests {
        let mut request = test::TestRequest::get().uri(uri);
        if token {
            request = request.insert_header(("Authorization", "Bearer mock-token"));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let status = response.status();
        let body = test::read_body(response).await;
        responses.push((status, String::from_utf8_lossy(&body).into_owned()));
    }
    responses
}

#[actix_web::test]
async fn a_token_with_the_scope_is_let_through() {
    for side in ["here", "there"] {
        let scoped = format!("/{side}/scoped");
        let any = format!("/{side}/any");
        let got = responses(
            json!({"sub": "user", "scope": "x"}),
            &[(&scoped, true), (&any, true)],
        )
        .await;
        assert_eq!(
            got,
            [
                (StatusCode::OK, "x".to_owned()),
                (StatusCode::OK, "any valid token".to_owned())
            ],
            "{side}"
        );
    }
}

#[actix_web::test]
async fn a_token_without_the_scope_is_refused() {
    for side in ["here", "there"] {
        let scoped = format!("/{side}/scoped");
        let any = format!("/{side}/any");
        let got = responses(
            json!({"sub": "user", "scope": "y"}),
            &[
                (&scoped, true),
                (&any, true),
                (&scoped, false),
                (&any, false),
            ],
        )
        .await;
        let statuses: Vec<StatusCode> = got.iter().map(|(status, _)| *status).collect();
        // 403 for the missing scope; without scopes, any valid token is enough; without a token
        // neither handler runs (400: missing credentials).
        assert_eq!(
            statuses,
            [
                StatusCode::FORBIDDEN,
                StatusCode::OK,
                StatusCode::BAD_REQUEST,
                StatusCode::BAD_REQUEST
            ],
            "{side}"
        );
    }
}
