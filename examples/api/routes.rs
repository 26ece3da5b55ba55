//! The example API's routes (their contract: `docs/example-api.md`): what a black-box client
//! may rely on. `main.rs` mounts them with `App::configure(routes::configure)`, and
//! `tests/example_api.rs` includes this very file to drive the same handlers over HTTP.
//!
//! | route | protection | 200 body |
//! |---|---|---|
//! | `GET /api/public` | none | `{"message":"public"}` |
//! | `GET /api/private` | any valid token | `{"message":"private","sub":…}` |
//! | `GET /api/messages` | scope `read:messages` | `{"messages":["hello"]}` |
//! | `POST /api/data` | scopes `read:data` AND `write:data` | `{"ok":true}` |
//! | `GET /api/profile` | any valid token | `{"sub":…,"scope":…}` |
//! | `GET /api/admin/stats` | the whole `/api/admin` scope wrapped by `Protect` requiring `admin:read` | `{"stats":"ok"}` |
//! | `GET /api/any` | any one of `read:messages`, `read:data` | `{"ok":true}` |
//! | `GET /api/reports` | `read:reports` from `scope` or Auth0 RBAC `permissions` | `{"ok":true}` |
//! | `GET /api/optional` | optional: anonymous without credentials, the usual error for bad ones | `{"sub":…}` |
//!
//! Every protected handler carries `#[require_auth]` (the `/api/admin` subtree shows the
//! middleware instead, with no attribute on its handlers): the library verifies the token (and the
//! DPoP proof) and checks the scopes before the handler runs, and answers failures itself
//! (400/401/403 with `{"detail":{"error":…,"error_description":…}}` and `WWW-Authenticate`).
//!
//! Bodies are serialized from structs, so their keys come out in the contract's order.

use actix_web::{get, post, web, HttpResponse, Responder};
use auth0_actix::{require_auth, Claims, OptionalClaims, Protect};
use serde::Serialize;

/// Mounts every route. To add one, write the handler below and list it here; a group that
/// needs its own middleware goes in as a `web::scope("/api/…").wrap(…)` of its own (the routes
/// here are registered by full path, so no `/api` scope swallows a later one).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(public)
        .service(private)
        .service(messages)
        .service(data)
        .service(profile)
        .service(any)
        .service(reports)
        .service(optional)
        .service(
            web::scope("/api/admin")
                .wrap(Protect::require("admin:read"))
                .service(admin_stats),
        );
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

#[derive(Serialize)]
struct Private<'a> {
    message: &'static str,
    /// `null` when the token has no `sub`.
    sub: Option<&'a str>,
}

#[derive(Serialize)]
struct Messages {
    messages: [&'static str; 1],
}

#[derive(Serialize)]
struct OkBody {
    ok: bool,
}

#[derive(Serialize)]
struct Profile<'a> {
    sub: Option<&'a str>,
    /// The `scope` claim as granted (space-separated), `null` when absent.
    scope: Option<&'a str>,
}

/// `GET /api/public`: no authentication.
#[get("/api/public")]
async fn public() -> impl Responder {
    HttpResponse::Ok().json(Message { message: "public" })
}

/// `GET /api/private`: any valid access token (Bearer, or DPoP with its proof).
#[get("/api/private")]
#[require_auth]
async fn private(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(Private {
        message: "private",
        sub: claims.sub.as_deref(),
    })
}

/// `GET /api/messages`: the token must grant `read:messages`. The claims are not needed, so
/// the handler takes none.
#[get("/api/messages")]
#[require_auth(scopes = "read:messages")]
async fn messages() -> impl Responder {
    HttpResponse::Ok().json(Messages {
        messages: ["hello"],
    })
}

/// `POST /api/data`: the token must grant both `read:data` and `write:data`.
#[post("/api/data")]
#[require_auth(scopes = ["read:data", "write:data"])]
async fn data() -> impl Responder {
    HttpResponse::Ok().json(OkBody { ok: true })
}

/// `GET /api/profile`: any valid token; echoes who it was issued to and what it grants.
#[get("/api/profile")]
#[require_auth]
async fn profile(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(Profile {
        sub: claims.sub.as_deref(),
        scope: claims.scope.as_deref(),
    })
}

#[derive(Serialize)]
struct Stats {
    stats: &'static str,
}

#[derive(Serialize)]
struct Optional<'a> {
    /// `null` for an anonymous request (or a token without `sub`).
    sub: Option<&'a str>,
}

/// `GET /api/admin/stats`: protected by the `Protect` middleware around the whole
/// `/api/admin` scope (scope `admin:read`); the handler itself carries no attribute.
#[get("/stats")]
async fn admin_stats() -> impl Responder {
    HttpResponse::Ok().json(Stats { stats: "ok" })
}

/// `GET /api/any`: the token must grant at least one of `read:messages`, `read:data`.
#[get("/api/any")]
#[require_auth(scopes = any("read:messages", "read:data"))]
async fn any() -> impl Responder {
    HttpResponse::Ok().json(OkBody { ok: true })
}

/// `GET /api/reports`: `read:reports`, granted by the `scope` claim or by Auth0 RBAC's
/// `permissions` claim (enable RBAC and "Add Permissions in the Access Token" on the API).
#[get("/api/reports")]
#[require_auth(scopes = "read:reports", grants = "scope_or_permissions")]
async fn reports() -> impl Responder {
    HttpResponse::Ok().json(OkBody { ok: true })
}

/// `GET /api/optional`: anonymous without an `Authorization` header; with one, the token
/// must verify (a bad token is the usual error, never a silent anonymous).
#[get("/api/optional")]
async fn optional(OptionalClaims(claims): OptionalClaims) -> impl Responder {
    HttpResponse::Ok().json(Optional {
        sub: claims.as_ref().and_then(|c| c.sub.as_deref()),
    })
}
