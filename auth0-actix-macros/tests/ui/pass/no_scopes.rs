//! `#[require_auth]` without arguments, below and above the routing attribute, with and
//! without a `Claims` parameter.
#![deny(warnings)]

use actix_web::{get, App, HttpResponse, Responder};
use auth0_actix::{require_auth, Claims};

#[get("/below")]
#[require_auth]
async fn below() -> impl Responder {
    HttpResponse::Ok().body("below")
}

#[require_auth]
#[get("/above")]
async fn above() -> impl Responder {
    HttpResponse::Ok().body("above")
}

#[get("/below/claims")]
#[require_auth]
async fn below_with_claims(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

#[require_auth]
#[get("/above/claims")]
async fn above_with_claims(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

// Empty parentheses are the same as no arguments.
#[get("/parens")]
#[require_auth()]
async fn parens() -> &'static str {
    "parens"
}

fn main() {
    let _app = App::new()
        .service(below)
        .service(above)
        .service(below_with_claims)
        .service(above_with_claims)
        .service(parens);
}
