//! Guards that route by what a verified token grants.
//!
//! A guard cannot wait for verification, so it reads what [`Protect`](crate::Protect) (or an
//! outer middleware) already verified for the request; without it, or with an invalid token, a
//! guard simply does not match. **A guard that does not match means "no route here"**: actix-web
//! tries the next route and answers 404 when none matches — never 401 or 403. Use guards to
//! choose between handlers by grant (e.g. an admin and a regular view of one path); use
//! `#[require_auth(scopes = …)]` or [`Protect::require`](crate::Protect::require) to *deny*
//! access with a proper 403 and challenge.

use actix_web::guard::{Guard, GuardContext};

use crate::authorize::{Grants, Requirement};
use crate::config::Auth0;
use crate::extract;

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
    pub fn new(requirement: impl Into<Requirement>) -> Self {
        Authorized(requirement.into())
    }
}

impl Guard for Authorized {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        // The handle as the extractors find it: registered as `Auth0` or as `web::Data<Auth0>`.
        let grants = ctx
            .app_data::<Auth0>()
            .or_else(|| {
                ctx.app_data::<actix_web::web::Data<Auth0>>()
                    .map(|d| d.get_ref())
            })
            .map_or(Grants::Scope, |a| a.inner.grants);
        let ext = ctx.req_data();
        extract::finished(&ext).is_some_and(|v| self.0.is_satisfied_by(&v.claims, grants))
    }
}
