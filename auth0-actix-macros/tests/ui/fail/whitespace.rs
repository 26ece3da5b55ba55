use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/data")]
#[require_auth(scopes = "read:data write:data")]
async fn data() -> impl Responder {
    "data"
}

#[get("/list")]
#[require_auth(scopes = ["admin", "read:data\twrite:data"])]
async fn list() -> impl Responder {
    "list"
}

fn main() {
    let _app = App::new().service(data).service(list);
}
