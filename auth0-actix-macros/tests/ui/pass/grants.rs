//! `grants = ".."` next to `scopes`, in either order, with every accepted value.
#![deny(warnings)]

use actix_web::{get, App, HttpResponse, Responder};
use auth0_actix::__private::ScopeRequirement;
use auth0_actix::{require_auth, Claims, Grants, Requirement};

#[get("/permissions")]
#[require_auth(scopes = "read:reports", grants = "permissions")]
async fn permissions(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().body("permissions")
}

#[require_auth(grants = "scope_or_permissions", scopes = any("read:reports", "admin"),)]
#[get("/either")]
async fn either() -> impl Responder {
    HttpResponse::Ok().body("either")
}

#[require_auth(scopes = ["read:data", "write:data"], grants = "scope")]
#[get("/scope")]
async fn scope() -> impl Responder {
    HttpResponse::Ok().body("scope")
}

fn main() {
    let _app = App::new()
        .service(permissions)
        .service(either)
        .service(scope);

    assert_eq!(
        <__Auth0ActixScopes_either as ScopeRequirement>::requirement(),
        &Requirement::any(["read:reports", "admin"]).grants(Grants::ScopeOrPermissions)
    );
    assert_eq!(
        <__Auth0ActixScopes_scope as ScopeRequirement>::requirement(),
        &Requirement::all(["read:data", "write:data"]).grants(Grants::Scope)
    );
}
