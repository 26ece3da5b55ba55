//! `crate = "…"` names the library the way this crate reaches it: here as `auth`, the name of a
//! renamed dependency (`auth = { package = .. }` among the dev-dependencies), with and without
//! scopes, and through a path to a re-export.
#![deny(warnings)]

use actix_web::{get, App, HttpResponse, Responder};

#[get("/scoped")]
#[auth::require_auth(scopes = "x", crate = "auth")]
async fn scoped(claims: auth::Claims) -> impl Responder {
    HttpResponse::Ok().body(claims.sub.clone().unwrap_or_default())
}

#[auth::require_auth(crate = "auth")]
#[get("/any")]
async fn any_token() -> impl Responder {
    HttpResponse::Ok().finish()
}

/// `crate` may come first, and the path may start with `::`.
#[get("/list")]
#[auth::require_auth(crate = "::auth", scopes = ["x", "y"])]
async fn list() -> &'static str {
    "list"
}

/// A re-export of the library, reached by a longer path.
mod deps {
    pub use ::auth as auth0;
}

#[get("/reexport")]
#[deps::auth0::require_auth(
    scopes = any("x", all("y", "z")),
    grants = "permissions",
    crate = "crate::deps::auth0",
)]
async fn reexport(_claims: deps::auth0::Claims) -> &'static str {
    "reexport"
}

fn main() {
    let _app = App::new()
        .service(scoped)
        .service(any_token)
        .service(list)
        .service(reexport);
}
