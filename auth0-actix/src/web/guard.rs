//! Guards that route by what a verified token grants.
//!
//! A guard cannot wait for verification, so it reads what [`Protect`](crate::Protect) (or an
//! outer middleware) already verified for the request; without it, or with an invalid token, a
//! guard simply does not match.
//!
//! # A guard that does not match means 404
//!
//! A guard only says whether a route applies. When no route of a path matches, actix-web
//! answers **404 Not Found**, never 401 or 403, and without a `WWW-Authenticate` challenge:
//! that is actix-web's design, not something this crate can change. So:
//!
//! - use guards to *choose* between handlers by grant, e.g. an admin and a regular view of one
//!   path, with a last route without a guard as the fallback;
//! - to *deny* access, use `#[require_auth(scopes = …)]` or
//!   [`Protect::require`](crate::Protect::require): a token without the scope gets
//!   `403 insufficient_scope` with a challenge naming the scopes, so a client knows what to ask
//!   for (and a missing or bad token its `400`/`401`), where a guard would answer a bare 404.
//!
//! # Pitfall: the guard goes beneath the `Protect`, not beside it
//!
//! A guard is checked by the router that holds the guarded service, *before* that service, and
//! so any middleware wrapping it, is called. A guard on the very `web::scope(..)` that is
//! `.wrap(Protect::..)`ed is therefore checked by the parent router before `Protect` has
//! verified anything: it never matches, and every request gets 404 (even one without a token,
//! since `Protect` never runs). Put the guard on the routes (or resources, or inner scopes)
//! beneath the protected scope:
//!
//! ```
//! use actix_web::{web, App};
//! use auth0_actix::{guard::Authorized, Auth0, Protect};
//!
//! # fn apps(auth0: Auth0) {
//! // Wrong: the scope's guard runs before its Protect. Every request to /admin is a 404.
//! let _always_404 = App::new().app_data(auth0.clone()).service(
//!     web::scope("/admin")
//!         .guard(Authorized::new("admin:read"))
//!         .wrap(Protect::new())
//!         .route("", web::get().to(|| async { "admin" })),
//! );
//!
//! // Right: Protect on the scope, the guard on the route beneath it.
//! let _routed = App::new().app_data(auth0).service(
//!     web::scope("/admin")
//!         .wrap(Protect::new())
//!         .route("", web::get().guard(Authorized::new("admin:read")).to(|| async { "admin" })),
//! );
//! # }
//! # apps(Auth0::builder().domain("t.auth0.com").audience("a").build().unwrap());
//! ```
//!
//! Under an app-wide `App::new().wrap(Protect::..)`, guards on scopes work too: the middleware
//! runs before the app's router.

use actix_web::guard::{Guard, GuardContext};

use crate::authorize::{Grants, Requirement};
use crate::handle::Auth0;
use crate::memo;

/// Matches requests whose verified token satisfies a [`Requirement`].
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use auth0_actix::{guard::Authorized, Protect};
///
/// # fn app(auth0: auth0_actix::Auth0) {
/// let app = App::new().app_data(auth0).service(
///     web::scope("/api/reports")
///         .wrap(Protect::new())
///         .route("", web::get().guard(Authorized::new("admin:read")).to(|| async { "all reports" }))
///         .route("", web::get().to(|| async { "your reports" })),
/// );
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Authorized(Requirement);

impl Authorized {
    /// A guard for `requirement` (a scope, or a [`Requirement`]).
    ///
    /// It matches when the request's verified token satisfies `requirement`, reading grants
    /// where the requirement says, else where the configuration does
    /// ([`Auth0Builder::grants`](crate::Auth0Builder::grants)).
    ///
    /// ```
    /// use actix_web::{guard::Guard, test::TestRequest};
    /// use auth0_actix::{guard::Authorized, Grants, Requirement};
    ///
    /// let admin = Authorized::new("admin:read");
    /// let team = Authorized::new(
    ///     Requirement::any(["team:read", "admin:read"]).grants(Grants::ScopeOrPermissions),
    /// );
    /// // Nothing verified this request (no `Protect` in front): no guard matches.
    /// let req = TestRequest::get().to_srv_request();
    /// assert!(!admin.check(&req.guard_ctx()));
    /// assert!(!team.check(&req.guard_ctx()));
    /// ```
    pub fn new(requirement: impl Into<Requirement>) -> Self {
        Authorized(requirement.into())
    }
}

impl Guard for Authorized {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        // The handle as the extractors find it: registered as `Auth0` or as `web::Data<Auth0>`.
        let auth0 = ctx.app_data::<Auth0>().or_else(|| {
            ctx.app_data::<actix_web::web::Data<Auth0>>()
                .map(|d| d.get_ref())
        });
        let grants = auth0.map_or(Grants::Scope, Auth0::grants);
        let ext = ctx.req_data();
        memo::finished(&ext, auth0.map(Auth0::id))
            .is_some_and(|v| self.0.is_satisfied_by(&v.claims, grants))
    }
}
