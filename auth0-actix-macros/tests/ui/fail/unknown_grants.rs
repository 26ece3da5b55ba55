use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/perms")]
#[require_auth(scopes = "read:reports", grants = "perms")]
async fn perms() -> impl Responder {
    "perms"
}

#[get("/permission")]
#[require_auth(scopes = "read:reports", grants = "permission")]
async fn permission() -> impl Responder {
    "permission"
}

#[get("/path")]
#[require_auth(scopes = "read:reports", grants = auth0_actix::Grants::ScopeOrPermissions)]
async fn path() -> impl Responder {
    "path"
}

#[get("/missing")]
#[require_auth(scopes = "read:reports", grants =)]
async fn missing() -> impl Responder {
    "missing"
}

fn main() {
    let _app = App::new()
        .service(perms)
        .service(permission)
        .service(path)
        .service(missing);
}
