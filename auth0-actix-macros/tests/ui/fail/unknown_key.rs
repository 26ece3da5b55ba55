use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/messages")]
#[require_auth(scope = "read:messages")]
async fn messages() -> impl Responder {
    "messages"
}

#[get("/audience")]
#[require_auth(audience = "https://api.example.com")]
async fn audience() -> impl Responder {
    "audience"
}

fn main() {
    let _app = App::new().service(messages).service(audience);
}
