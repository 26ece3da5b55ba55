//! `#[require_auth(scopes = "...")]`, below and above the routing attribute, with and without
//! a `Claims` parameter.
#![deny(warnings)]

use actix_web::{get, App, HttpResponse, Responder};
use auth0_actix::__private::ScopeRequirement;
use auth0_actix::{require_auth, Claims};

#[get("/below")]
#[require_auth(scopes = "read:messages")]
async fn below() -> impl Responder {
    HttpResponse::Ok().body("below")
}

#[require_auth(scopes = "read:messages")]
#[get("/above")]
async fn above() -> impl Responder {
    HttpResponse::Ok().body("above")
}

#[get("/below/claims")]
#[require_auth(scopes = "read:messages")]
async fn below_with_claims(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

#[require_auth(scopes = "read:messages",)]
#[get("/above/claims")]
async fn above_with_claims(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

fn main() {
    let _app = App::new()
        .service(below)
        .service(above)
        .service(below_with_claims)
        .service(above_with_claims);

    // With the attribute above the routing one, the requirement type sits next to the handler.
    assert_eq!(
        <__Auth0ActixScopes_above as ScopeRequirement>::requirement().to_string(),
        "read:messages"
    );
    assert_eq!(
        <__Auth0ActixScopes_above_with_claims as ScopeRequirement>::requirement().to_string(),
        "read:messages"
    );
}
