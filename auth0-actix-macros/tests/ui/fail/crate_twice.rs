use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/data")]
#[require_auth(crate = "auth0_actix", scopes = "read:data", crate = "auth0_actix")]
async fn data() -> impl Responder {
    "data"
}

fn main() {
    let _app = App::new().service(data);
}
