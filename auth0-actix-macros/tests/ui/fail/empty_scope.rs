use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/one")]
#[require_auth(scopes = "")]
async fn one() -> impl Responder {
    "one"
}

#[get("/list")]
#[require_auth(scopes = ["read:data", ""])]
async fn list() -> impl Responder {
    "list"
}

fn main() {
    let _app = App::new().service(one).service(list);
}
