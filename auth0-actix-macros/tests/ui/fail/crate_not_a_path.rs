use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/number")]
#[require_auth(scopes = "read:data", crate = 5)]
async fn number() -> impl Responder {
    "number"
}

#[get("/ident")]
#[require_auth(crate = auth0_actix)]
async fn ident() -> impl Responder {
    "ident"
}

#[get("/not-a-path")]
#[require_auth(crate = "not a path!")]
async fn not_a_path() -> impl Responder {
    "not_a_path"
}

#[get("/empty")]
#[require_auth(crate = "")]
async fn empty() -> impl Responder {
    "empty"
}

#[get("/missing")]
#[require_auth(crate =)]
async fn missing() -> impl Responder {
    "missing"
}

fn main() {
    let _app = App::new()
        .service(number)
        .service(ident)
        .service(not_a_path)
        .service(empty)
        .service(missing);
}
