//! Handlers the suites protect: one answering with what verification produced, and one
//! answering with its own name.

use actix_web::{web, HttpResponse};

/// Answers 200 with what verification produced:
/// `{"scheme": "DPoP"|"Bearer", "jkt": <thumbprint or null>, "claims": {...access-token claims}}`.
pub async fn echo_authenticated(auth: auth0_actix::Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "scheme": auth.scheme.as_str(),
        "jkt": auth.jkt,
        "claims": auth.claims.as_json(),
    }))
}

/// A handler answering 200 `{"route": name}` (it checks nothing itself).
pub fn route(name: &'static str) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone {
    move || std::future::ready(HttpResponse::Ok().json(serde_json::json!({ "route": name })))
}

/// [`echo_authenticated`] for every method on `/test`, `/r`, `/r/` and `/wrong-url`.
pub fn echo_routes(cfg: &mut web::ServiceConfig) {
    for path in ["/test", "/r", "/r/", "/wrong-url"] {
        cfg.service(web::resource(path).to(echo_authenticated));
    }
}
