use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/one-of")]
#[require_auth(scopes = one_of("read:messages", "read:data"))]
async fn one_of() -> impl Responder {
    "one_of"
}

#[get("/nested")]
#[require_auth(scopes = all("read:data", every("write:data", "admin")))]
async fn nested() -> impl Responder {
    "nested"
}

#[get("/in-list")]
#[require_auth(scopes = ["read:data", require("admin")])]
async fn in_list() -> impl Responder {
    "in_list"
}

fn main() {
    let _app = App::new()
        .service(one_of)
        .service(nested)
        .service(in_list);
}
