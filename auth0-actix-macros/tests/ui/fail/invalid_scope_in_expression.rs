use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/whitespace-any")]
#[require_auth(scopes = any("read:data write:data", "admin"))]
async fn whitespace_any() -> impl Responder {
    "whitespace_any"
}

#[get("/whitespace-all")]
#[require_auth(scopes = all("admin", any("x", "y"), "read:data\twrite:data"))]
async fn whitespace_all() -> impl Responder {
    "whitespace_all"
}

#[get("/quote")]
#[require_auth(scopes = all("read:data", any("admin", "write:\"data\"")))]
async fn quote() -> impl Responder {
    "quote"
}

#[get("/unicode")]
#[require_auth(scopes = any("lire:données"))]
async fn unicode() -> impl Responder {
    "unicode"
}

#[get("/empty")]
#[require_auth(scopes = any("read:data", ""))]
async fn empty() -> impl Responder {
    "empty"
}

fn main() {
    let _app = App::new()
        .service(whitespace_any)
        .service(whitespace_all)
        .service(quote)
        .service(unicode)
        .service(empty);
}
