use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/data")]
#[require_auth(scopes = [])]
async fn data() -> impl Responder {
    "data"
}

fn main() {
    let _app = App::new().service(data);
}
