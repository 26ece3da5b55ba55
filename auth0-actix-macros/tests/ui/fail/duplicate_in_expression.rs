use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/same-call")]
#[require_auth(scopes = any("read:data", "admin", "read:data"))]
async fn same_call() -> impl Responder {
    "same_call"
}

#[get("/across")]
#[require_auth(scopes = any(all("read:data", "write:data"), all("read:data", "admin")))]
async fn across() -> impl Responder {
    "across"
}

#[get("/list-and-call")]
#[require_auth(scopes = ["admin", any("read:data", "admin")])]
async fn list_and_call() -> impl Responder {
    "list_and_call"
}

fn main() {
    let _app = App::new()
        .service(same_call)
        .service(across)
        .service(list_and_call);
}
