//! Scope expressions: `any(..)`, `all(..)`, nested freely and inside a list, above and below the
//! routing attribute, with and without a `Claims` parameter.
#![deny(warnings)]

use actix_web::{get, post, App, HttpResponse, Responder};
use auth0_actix::__private::ScopeRequirement;
use auth0_actix::{require_auth, Claims, Requirement};

#[get("/any")]
#[require_auth(scopes = any("read:messages", "read:data"))]
async fn any_below() -> impl Responder {
    HttpResponse::Ok().body("any")
}

#[require_auth(scopes = all("read:data", "write:data"))]
#[post("/all")]
async fn all_above(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().body("all")
}

#[get("/nested")]
#[require_auth(scopes = all("read:data", any("write:data", "admin")))]
async fn nested(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().body("nested")
}

#[require_auth(scopes = any(
    all("read:reports", "export:reports"),
    "admin",
    all("auditor", any("region:eu", "region:us")),
))]
#[get("/deep")]
async fn deep() -> impl Responder {
    HttpResponse::Ok().body("deep")
}

#[get("/list")]
#[require_auth(scopes = ["read:data", any("write:data", "admin")])]
async fn list_with_call() -> impl Responder {
    HttpResponse::Ok().body("list")
}

#[get("/single")]
#[require_auth(scopes = any("read:messages"),)]
async fn single() -> impl Responder {
    HttpResponse::Ok().body("single")
}

fn main() {
    let _app = App::new()
        .service(any_below)
        .service(all_above)
        .service(nested)
        .service(deep)
        .service(list_with_call)
        .service(single);

    assert_eq!(
        <__Auth0ActixScopes_all_above as ScopeRequirement>::requirement(),
        &Requirement::all(["read:data", "write:data"])
    );
    assert_eq!(
        <__Auth0ActixScopes_all_above as ScopeRequirement>::requirement().to_string(),
        "read:data and write:data"
    );
    assert_eq!(
        <__Auth0ActixScopes_deep as ScopeRequirement>::requirement(),
        &Requirement::any([
            Requirement::all(["read:reports", "export:reports"]),
            Requirement::scope("admin"),
            Requirement::all([
                Requirement::scope("auditor"),
                Requirement::any(["region:eu", "region:us"]),
            ]),
        ])
    );
    assert_eq!(
        <__Auth0ActixScopes_deep as ScopeRequirement>::requirement().to_string(),
        "(read:reports and export:reports) or admin or (auditor and (region:eu or region:us))"
    );
}
