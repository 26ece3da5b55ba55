//! Handlers with made-up claims and no issuer at all (what the reference SDK's docs call "Mocking
//! Authentication").

use serde_json::Value;

use crate::claims::Claims;
use crate::handle::Auth0;

/// An [`Auth0`] handle that verifies nothing: every request whose `Authorization` header holds a
/// token under a known scheme (`Bearer x`, `DPoP x`) is handed `claims`. Missing or malformed
/// credentials still get the usual 400, and scope requirements are still enforced against
/// `claims`, so handlers and their authorization can be unit-tested without any issuer.
///
/// Exists only with the `testing` feature: it cannot be switched on in a build without it.
///
/// ```
/// use actix_web::{get, test, App, Responder};
/// use auth0_actix::{require_auth, testing, Claims};
///
/// #[get("/secure")]
/// #[require_auth(scopes = "read:data")]
/// async fn secure(claims: Claims) -> impl Responder {
///     format!("Hello {}", claims.sub.as_deref().unwrap_or_default())
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let auth0 = testing::mock_auth0(serde_json::json!({"sub": "user123", "scope": "read:data"}));
/// let app = test::init_service(App::new().app_data(auth0).service(secure)).await;
/// let req = test::TestRequest::get()
///     .uri("/secure")
///     .insert_header(("Authorization", "Bearer mock-token"))
///     .to_request();
/// let body = test::call_and_read_body(&app, req).await;
/// assert_eq!(body, "Hello user123");
/// # });
/// ```
pub fn mock_auth0(claims: Value) -> Auth0 {
    let claims = match claims {
        Value::Object(map) => Claims::from_verified(map),
        _ => Claims::from_verified(serde_json::Map::new()),
    };
    // A fixed, valid configuration that reads nothing from the environment and never fetches
    // (so it trusts no CA and reads no trust store): building it cannot fail.
    let built = Auth0::builder()
        .domain("mock.invalid")
        .audience("mock")
        .without_trust_store()
        .build();
    let Ok(auth0) = built else {
        unreachable!("the mock configuration is valid")
    };
    auth0.with_fixed_claims(claims)
}
