use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/quote")]
#[require_auth(scopes = "read:\"data\"")]
async fn quote() -> impl Responder {
    "quote"
}

#[get("/backslash")]
#[require_auth(scopes = ["read:data", r"write\data"])]
async fn backslash() -> impl Responder {
    "backslash"
}

#[get("/unicode")]
#[require_auth(scopes = "lire:données")]
async fn unicode() -> impl Responder {
    "unicode"
}

fn main() {
    let _app = App::new()
        .service(quote)
        .service(backslash)
        .service(unicode);
}
