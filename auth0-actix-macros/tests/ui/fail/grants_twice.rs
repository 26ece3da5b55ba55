use actix_web::{get, App, Responder};
use auth0_actix_macros::require_auth;

#[get("/reports")]
#[require_auth(scopes = "read:reports", grants = "scope", grants = "permissions")]
async fn reports() -> impl Responder {
    "reports"
}

fn main() {
    let _app = App::new().service(reports);
}
