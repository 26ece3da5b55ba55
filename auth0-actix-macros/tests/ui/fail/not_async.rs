use actix_web::{web, App, Responder};
use auth0_actix_macros::require_auth;

#[require_auth(scopes = "read:data")]
fn data() -> impl Responder {
    "data"
}

fn main() {
    let _ = data();
    let _app = App::new().route("/data", web::get().to(|| async { "data" }));
}
