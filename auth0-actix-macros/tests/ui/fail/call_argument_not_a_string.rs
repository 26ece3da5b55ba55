use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

const ADMIN: &str = "admin";

#[get("/constant")]
#[require_auth(scopes = any("read:data", ADMIN))]
async fn constant() -> impl Responder {
    let _ = ADMIN;
    "constant"
}

#[get("/number")]
#[require_auth(scopes = all("read:data", any(1, "admin")))]
async fn number() -> impl Responder {
    "number"
}

#[get("/list")]
#[require_auth(scopes = any(["read:data", "write:data"], "admin"))]
async fn list() -> impl Responder {
    "list"
}

#[get("/no-parens")]
#[require_auth(scopes = any)]
async fn no_parens() -> impl Responder {
    "no_parens"
}

#[get("/missing-comma")]
#[require_auth(scopes = any("read:data" "admin"))]
async fn missing_comma() -> impl Responder {
    "missing_comma"
}

fn main() {
    let _app = App::new()
        .service(constant)
        .service(number)
        .service(list)
        .service(no_parens)
        .service(missing_comma);
}
