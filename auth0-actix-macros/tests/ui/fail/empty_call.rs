use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/any")]
#[require_auth(scopes = any())]
async fn empty_any() -> impl Responder {
    "any"
}

#[get("/all")]
#[require_auth(scopes = any("admin", all()))]
async fn empty_all() -> impl Responder {
    "all"
}

fn main() {
    let _app = App::new().service(empty_any).service(empty_all);
}
