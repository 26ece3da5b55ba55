use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/data")]
#[require_auth(scopes = ["read:data", write_data])]
async fn data() -> impl Responder {
    "data"
}

#[get("/missing-comma")]
#[require_auth(scopes = ["read:data" "write:data"])]
async fn missing_comma() -> impl Responder {
    "data"
}

fn main() {
    let _app = App::new().service(data).service(missing_comma);
}
