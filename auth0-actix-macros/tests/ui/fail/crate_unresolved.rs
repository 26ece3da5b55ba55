// A well-formed path that names nothing: rustc's error points at the string.
use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/data")]
#[require_auth(crate = "no_such_crate")]
async fn data() -> impl Responder {
    "data"
}

fn main() {
    let _app = App::new().service(data);
}
