use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

const READ_MESSAGES: &str = "read:messages";

#[get("/messages")]
#[require_auth(scopes = READ_MESSAGES)]
async fn messages() -> impl Responder {
    let _ = READ_MESSAGES;
    "messages"
}

#[get("/concat")]
#[require_auth(scopes = concat!("read:", "messages"))]
async fn concatenated() -> impl Responder {
    "messages"
}

#[get("/missing")]
#[require_auth(scopes =)]
async fn missing() -> impl Responder {
    "messages"
}

#[get("/no-equals")]
#[require_auth(scopes("read:messages"))]
async fn no_equals() -> impl Responder {
    "messages"
}

fn main() {
    let _app = App::new()
        .service(messages)
        .service(concatenated)
        .service(missing)
        .service(no_equals);
}
