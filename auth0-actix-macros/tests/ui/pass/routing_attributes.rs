//! Works with `#[post]`, `#[route(..)]` and `#[routes]`, in either order.
#![deny(warnings)]

use actix_web::{post, route, routes, App, HttpResponse, Responder};
use auth0_actix::require_auth;

#[post("/messages")]
#[require_auth(scopes = "write:messages")]
async fn post_below(body: String) -> impl Responder {
    HttpResponse::Created().body(body)
}

#[require_auth(scopes = "write:messages")]
#[post("/messages/above")]
async fn post_above(body: String) -> impl Responder {
    HttpResponse::Created().body(body)
}

#[route("/items", method = "GET", method = "HEAD")]
#[require_auth]
async fn route_below() -> impl Responder {
    HttpResponse::Ok().finish()
}

#[require_auth(scopes = ["read:items", "admin"])]
#[route("/items/above", method = "GET", method = "PUT")]
async fn route_above() -> impl Responder {
    HttpResponse::Ok().finish()
}

#[routes]
#[get("/multi")]
#[post("/multi")]
#[require_auth(scopes = "read:items")]
async fn routes_below() -> impl Responder {
    HttpResponse::Ok().finish()
}

#[require_auth(scopes = "read:items")]
#[routes]
#[get("/multi/above")]
#[post("/multi/above")]
async fn routes_above() -> impl Responder {
    HttpResponse::Ok().finish()
}

fn main() {
    let _app = App::new()
        .service(post_below)
        .service(post_above)
        .service(route_below)
        .service(route_above)
        .service(routes_below)
        .service(routes_above);
}
