//! Procedural macros for [`auth0-actix`](https://docs.rs/auth0-actix).
//!
//! Use them through the library, which re-exports them as `auth0_actix::require_auth`. The
//! generated code names the library as `::auth0_actix`; a crate that depends on it under another
//! name, or reaches it through a re-export, gives that path with `crate = "…"` (see
//! [`require_auth`]).
//!
//! # Example
//!
//! ```
//! use actix_web::{get, post, web, App, HttpResponse, Responder};
//! use auth0_actix::{require_auth, Claims};
//!
//! /// Any valid access token.
//! #[get("/api/private")]
//! #[require_auth]
//! async fn private() -> impl Responder {
//!     HttpResponse::Ok().body("hello, authenticated caller")
//! }
//!
//! /// The token must grant `read:messages`; the verified claims are available too.
//! #[get("/api/messages")]
//! #[require_auth(scopes = "read:messages")]
//! async fn messages(claims: Claims) -> impl Responder {
//!     let caller = claims.sub.as_deref().unwrap_or("anonymous");
//!     HttpResponse::Ok().body(format!("messages for {caller}"))
//! }
//!
//! /// The token must grant both scopes.
//! #[post("/api/data/{id}")]
//! #[require_auth(scopes = ["read:data", "write:data"])]
//! async fn update(id: web::Path<u32>, body: String) -> impl Responder {
//!     if body.is_empty() {
//!         return HttpResponse::BadRequest().finish();
//!     }
//!     HttpResponse::Ok().body(format!("updated {id}"))
//! }
//!
//! /// `read:reports`, and `export:reports` or `admin`, granted by the token's `scope` or by its
//! /// Auth0 RBAC `permissions`.
//! #[get("/api/reports/export")]
//! #[require_auth(
//!     scopes = all("read:reports", any("export:reports", "admin")),
//!     grants = "scope_or_permissions",
//! )]
//! async fn export() -> impl Responder {
//!     HttpResponse::Ok().body("report.csv")
//! }
//!
//! // In a real app, also add the `auth0_actix::Auth0` handle with `.app_data(..)`.
//! let _app = App::new()
//!     .service(private)
//!     .service(messages)
//!     .service(update)
//!     .service(export);
//! ```

#![deny(missing_docs)]

use proc_macro::TokenStream;

mod args;
mod expand;

/// Requires a valid Auth0 access token, and optionally scopes, on an actix-web handler.
///
/// Apply it to an `async fn` handler, above or below actix-web's routing attributes
/// (`#[get("/path")]`, `#[post(..)]`, `#[route(..)]`, ...):
///
/// - `#[require_auth]`: any valid access token;
/// - `#[require_auth(scopes = "read:messages")]`: the token must grant that scope;
/// - `#[require_auth(scopes = ["read:data", "write:data"])]`: the token must grant every
///   listed scope;
/// - `#[require_auth(scopes = any("read:messages", "read:data"))]`: at least one of them;
/// - `#[require_auth(scopes = all("read:data", "write:data"))]`: every one of them (as a list);
/// - `any(..)` and `all(..)` nest freely, and may be elements of a list:
///   `scopes = all("read:data", any("write:data", "admin"))`,
///   `scopes = ["read:data", any("write:data", "admin")]`.
///
/// Add `grants = ".."` next to `scopes` to say where this route reads grants from, whatever
/// the configuration's default (`auth0_actix::Auth0Builder::grants`):
///
/// - `grants = "scope"`: the `scope` claim (`auth0_actix::Grants::Scope`);
/// - `grants = "permissions"`: the Auth0 RBAC `permissions` claim (`Grants::Permissions`);
/// - `grants = "scope_or_permissions"`: either claim (`Grants::ScopeOrPermissions`).
///
/// For example `#[require_auth(scopes = "read:reports", grants = "permissions")]`. `grants`
/// without `scopes` is a compile error: any valid token is accepted, whatever it grants.
///
/// Add `crate = ".."` where the library is not `::auth0_actix`: see *A renamed dependency*
/// below.
///
/// The request is rejected with the library's error response (`401` for an invalid token,
/// `400` for missing or malformed credentials unless the configuration opts into RFC 6750's
/// `401`, `403` `insufficient_scope` for a requirement the token does not meet, with a
/// challenge whose `scope` parameter lists every scope of the expression, in order, once)
/// before the handler runs. Take an `auth0_actix::Claims` parameter to read the verified
/// claims; the token is verified only once per request, even under the `auth0_actix::Protect`
/// middleware.
///
/// # Expansion
///
/// The handler keeps its signature, return type, attributes and body; the macro inserts one
/// extra *first* parameter, so that authentication errors are reported before the errors of
/// the handler's other extractors:
///
/// ```text
/// #[require_auth(scopes = ["read:data", "write:data"])]
/// async fn update(body: String) -> String { .. }
/// ```
///
/// becomes
///
/// ```text
/// #[doc(hidden)]
/// #[allow(non_camel_case_types)]
/// #[derive(Clone, Copy, Debug)]
/// struct __Auth0ActixScopes_update;
/// impl ::auth0_actix::__private::ScopeRequirement for __Auth0ActixScopes_update {
///     // builds ::auth0_actix::__private::Requirement::all(["read:data", "write:data"]) once
/// }
/// async fn update(
///     _: ::auth0_actix::__private::RequireAuth<__Auth0ActixScopes_update>,
///     body: String,
/// ) -> String { .. }
/// ```
///
/// The requirement mirrors the expression, with `Requirement` functions: a list or `all(..)`
/// is `Requirement::all([..])`, `any(..)` is `Requirement::any([..])`, whose elements are string
/// literals when they are all scopes and otherwise each a `Requirement`
/// (`Requirement::scope("x")`, or a nested `all`/`any`); `grants` appends
/// `.grants(Grants::..)`. So
/// `scopes = all("read:data", any("write:data", "admin")), grants = "permissions"` builds
///
/// ```text
/// ::auth0_actix::__private::Requirement::all([
///     ::auth0_actix::__private::Requirement::scope("read:data"),
///     ::auth0_actix::__private::Requirement::any(["write:data", "admin"]),
/// ])
/// .grants(::auth0_actix::__private::Grants::Permissions)
/// ```
///
/// and a single `scopes = "x"` builds `Requirement::all(["x"])`.
///
/// Without scopes, no type is emitted and the parameter is
/// `RequireAuth<::auth0_actix::__private::NoScopes>`. The hidden type has the handler's
/// visibility; because it is an item placed next to the handler, a handler *with scopes* must
/// be a free function (in a module or a block), not an associated function in an `impl` block.
///
/// Every path the expansion names in the library goes through one hidden module,
/// `::auth0_actix::__private`, and it names no crate but that one and `core` (not even
/// `actix_web`), so `crate = ".."` below replaces `::auth0_actix` everywhere at once.
///
/// # A renamed dependency
///
/// A procedural macro cannot learn under which name the crate using it depends on the library,
/// so the expansion names it `::auth0_actix` unless told otherwise. With a renamed dependency,
///
/// ```toml
/// [dependencies]
/// auth = { package = "auth0-actix", version = "0.1" }
/// ```
///
/// give that name with `crate = ".."`, a string holding the path to the library, next to the
/// other arguments (in any order):
///
/// ```
/// use actix_web::{get, App, HttpResponse, Responder};
///
/// #[get("/api/messages")]
/// #[auth::require_auth(scopes = "read:messages", crate = "auth")]
/// async fn messages(claims: auth::Claims) -> impl Responder {
///     HttpResponse::Ok().body(format!("messages for {}", claims.sub.as_deref().unwrap_or("?")))
/// }
///
/// #[get("/api/private")]
/// #[auth::require_auth(crate = "auth")]
/// async fn private() -> impl Responder {
///     HttpResponse::Ok().finish()
/// }
///
/// let _app = App::new().service(messages).service(private);
/// ```
///
/// A crate that reaches the library through a re-export gives that path instead, e.g.
/// `crate = "::my_framework::auth0"`. The path is checked where it is written: a string that is
/// not a path is a compile error at the string, and so is a path that does not resolve.
///
/// # Compile-time checks
///
/// Scopes are validated against RFC 6749 §3.3 (printable ASCII except space, `"` and `\`),
/// must be non-empty and appear once in the whole expression; a space-separated string is
/// rejected with a suggestion (a list, or the enclosing `any`/`all` with the scopes split).
/// Only string literals, `any(..)` and `all(..)` are accepted: an unknown function
/// (`one_of(..)`: "did you mean `any(..)`?"), an empty `any()`/`all()`, a constant, a macro or
/// a list inside `any`/`all` are errors. `grants` takes one of its three strings, once, and
/// `crate` one string holding a path, once. The attribute must be applied once, to an
/// `async fn` without a `self` receiver. Errors point at the offending token; a handler with a
/// syntax error gets the parser's own error there (next to the compiler's), not a complaint
/// about the attribute.
#[proc_macro_attribute]
pub fn require_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::require_auth(args.into(), item.into()).into()
}
