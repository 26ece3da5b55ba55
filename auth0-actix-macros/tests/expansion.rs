//! The expansion of `#[require_auth]` as seen from a user crate: the hidden requirement types
//! carry the declared scopes (plain lists, `any`/`all` expressions and `grants`), the handlers
//! keep their signature for actix-web, and the code is linted by `cargo clippy --all-targets`
//! like any user code.

use actix_web::{get, post, web, App, HttpResponse, Responder};
use auth0_actix::__private::{NoScopes, RequireAuth, ScopeRequirement};
use auth0_actix::{require_auth, Claims, Grants, Requirement};

#[require_auth]
#[get("/any")]
async fn any_token() -> impl Responder {
    HttpResponse::Ok().finish()
}

#[require_auth(scopes = "read:messages")]
#[get("/messages")]
async fn read_messages(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

#[require_auth(scopes = ["read:data", "write:data"])]
#[post("/data/{id}")]
async fn write_data(id: web::Path<u32>, body: String) -> HttpResponse {
    if body.is_empty() {
        return HttpResponse::BadRequest().finish();
    }
    HttpResponse::Ok().body(format!("{id}: {body}"))
}

#[get("/below")]
#[require_auth(scopes = ["read:data", "write:data"])]
async fn below(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

/// Without a routing attribute, the handler can be named and called directly, which shows the
/// exact parameter the macro inserted.
#[require_auth(scopes = ["b", "a", "c"])]
async fn plain(value: u8) -> u8 {
    value
}

#[require_auth]
async fn plain_any(value: u8) -> u8 {
    value
}

#[require_auth(scopes = any("read:messages", "read:data"))]
#[get("/either")]
async fn either(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().finish()
}

#[require_auth(scopes = all("read:data", any("write:data", "admin")), grants = "permissions")]
async fn nested(value: u8) -> u8 {
    value
}

#[require_auth(scopes = ["a", any(all("b", "c"), "d")], grants = "scope_or_permissions")]
async fn list_with_calls() -> &'static str {
    "ok"
}

/// Expressions keep their structure and order; `grants` is part of the requirement.
#[test]
fn requirement_types_carry_expressions_and_grants() {
    let alternatives = <__Auth0ActixScopes_either as ScopeRequirement>::requirement();
    assert_eq!(
        alternatives,
        &Requirement::any(["read:messages", "read:data"])
    );
    assert_eq!(alternatives.to_string(), "read:messages or read:data");

    let nested = <__Auth0ActixScopes_nested as ScopeRequirement>::requirement();
    assert_eq!(
        nested,
        &Requirement::all([
            Requirement::scope("read:data"),
            Requirement::any(["write:data", "admin"]),
        ])
        .grants(Grants::Permissions)
    );
    assert_eq!(nested.to_string(), "read:data and (write:data or admin)");

    let list = <__Auth0ActixScopes_list_with_calls as ScopeRequirement>::requirement();
    assert_eq!(
        list,
        &Requirement::all([
            Requirement::scope("a"),
            Requirement::any([Requirement::all(["b", "c"]), Requirement::scope("d")]),
        ])
        .grants(Grants::ScopeOrPermissions)
    );
    assert_eq!(list.to_string(), "a and ((b and c) or d)");
    assert_ne!(
        list,
        &Requirement::all([
            Requirement::scope("a"),
            Requirement::any([Requirement::all(["b", "c"]), Requirement::scope("d")]),
        ]),
        "the grant source is part of the requirement"
    );
}

/// The scopes are kept verbatim and in the declared order, and all of them are required.
#[test]
fn requirement_types_list_the_scopes() {
    assert_eq!(
        <__Auth0ActixScopes_read_messages as ScopeRequirement>::requirement(),
        &Requirement::all(["read:messages"])
    );
    assert_eq!(
        <__Auth0ActixScopes_write_data as ScopeRequirement>::requirement(),
        &Requirement::all(["read:data", "write:data"])
    );
    let plain = <__Auth0ActixScopes_plain as ScopeRequirement>::requirement();
    assert_eq!(plain, &Requirement::all(["b", "a", "c"]));
    assert_eq!(plain.to_string(), "b and a and c");
    // Built once: every call returns the same value.
    assert!(std::ptr::eq(
        plain,
        <__Auth0ActixScopes_plain as ScopeRequirement>::requirement()
    ));
    assert!(<NoScopes as ScopeRequirement>::requirement().is_none());
}

/// The inserted parameter comes first and its type names the requirement.
#[test]
fn the_auth_extractor_is_the_first_parameter() {
    fn first_param<A, R, F>(_: fn(A, u8) -> F) -> std::any::TypeId
    where
        A: 'static,
        F: std::future::Future<Output = R>,
    {
        std::any::TypeId::of::<A>()
    }
    assert_eq!(
        first_param(plain),
        std::any::TypeId::of::<RequireAuth<__Auth0ActixScopes_plain>>()
    );
    assert_eq!(
        first_param(plain_any),
        std::any::TypeId::of::<RequireAuth<NoScopes>>()
    );
    assert_eq!(
        first_param(nested),
        std::any::TypeId::of::<RequireAuth<__Auth0ActixScopes_nested>>()
    );
}

#[test]
fn handlers_register_with_actix() {
    let _app = App::new()
        .service(any_token)
        .service(read_messages)
        .service(write_data)
        .service(below)
        .service(either)
        .route("/list", web::get().to(list_with_calls))
        .route("/plain", web::get().to(|| async { "not protected" }));
}
