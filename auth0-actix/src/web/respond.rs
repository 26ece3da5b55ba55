//! The one place a failure becomes a response: the `WWW-Authenticate` challenge for the error
//! and the scheme the client used, the counters, the log line of a rejection, the `403` of an
//! unmet [`Requirement`], the application's [`ErrorRenderer`], and actix-web's
//! [`ResponseError`] for [`AuthError`] (status, `Cache-Control: no-store`, the JSON body).
//!
//! Challenge rules (`docs/compatibility.md` §4.3, README Differences D9 and D10) are rendered
//! by [`headers::www_authenticate`](crate::headers::www_authenticate).

use std::sync::Arc;

use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::authorize::{Grants, Requirement};
use crate::error::{AuthError, ErrorCode};
use crate::headers::www_authenticate::{ChallengeContext, ErrorParams};
use crate::metrics::Counters;
use crate::pipeline::Authenticated;

/// Renders an [`AuthError`] as the application wants; see
/// [`Auth0Builder::error_renderer`](crate::Auth0Builder::error_renderer).
pub type ErrorRenderer = Arc<dyn Fn(&AuthError) -> HttpResponse + Send + Sync>;

/// How one configuration answers.
pub(crate) struct Responder {
    pub(crate) challenge: ChallengeContext,
    pub(crate) counters: Arc<Counters>,
    pub(crate) renderer: Option<ErrorRenderer>,
}

impl Responder {
    /// A request's verification outcome, counted; a rejection is logged (code and reason, never
    /// a credential) and gets its challenge.
    pub(crate) fn outcome(
        &self,
        outcome: Result<Authenticated, AuthError>,
    ) -> Result<Authenticated, AuthError> {
        outcome
            .map_err(|e| {
                tracing::debug!(target: "auth0_actix", code = e.code().as_str(),
                reason = e.description(), "request rejected");
                self.counters.rejected(e.code());
                self.with_challenge(e, None)
            })
            .inspect(|_| self.counters.verified())
    }

    /// Checks `requirement` against a verified request: `403 insufficient_scope` with a
    /// challenge naming the scopes involved otherwise (D10).
    pub(crate) fn authorize(
        &self,
        verified: &Authenticated,
        requirement: &Requirement,
        grants: Grants,
    ) -> Result<(), AuthError> {
        if requirement.is_satisfied_by(&verified.claims, grants) {
            return Ok(());
        }
        self.counters.rejected(ErrorCode::InsufficientScope);
        let err = AuthError::new(ErrorCode::InsufficientScope, "Insufficient scopes")
            .on_scheme(verified.scheme);
        Err(self.with_challenge(err, Some(&requirement.scope_names())))
    }

    /// A verified token whose claims do not fit the type a handler asked for (`ClaimsAs<T>`).
    pub(crate) fn claims_shape(
        &self,
        verified: &Authenticated,
        err: &dyn std::fmt::Display,
    ) -> AuthError {
        let err =
            AuthError::invalid_token(format!("Token claims do not fit the expected shape: {err}"))
                .on_scheme(verified.scheme);
        self.with_challenge(err, None)
    }

    /// The actix error for `err`, through the application's renderer when it set one (whose
    /// response then gets the error's status and challenge, so a renderer cannot drop them).
    pub(crate) fn to_actix(&self, err: AuthError) -> actix_web::Error {
        match &self.renderer {
            Some(render) => {
                let mut res = render(&err);
                *res.status_mut() = err.status();
                if let Some(v) = err.www_authenticate() {
                    res.headers_mut()
                        .insert(header::WWW_AUTHENTICATE, v.clone());
                }
                InternalError::from_response(err, res).into()
            }
            None => err.into(),
        }
    }

    /// Attaches the `WWW-Authenticate` challenge (none for 500s); `scope` is the `scope`
    /// parameter of a 403.
    fn with_challenge(&self, err: AuthError, scope: Option<&str>) -> AuthError {
        let challenge = challenge(&self.challenge, &err, scope);
        err.with_www_authenticate(challenge)
    }
}

/// The challenge for `err` under `ctx`: bare for an `invalid_request` without description (the
/// reference omits error parameters then), none for server errors.
fn challenge(ctx: &ChallengeContext, err: &AuthError, scope: Option<&str>) -> Option<HeaderValue> {
    match err.code() {
        ErrorCode::InternalServerError | ErrorCode::DomainsResolverError => None,
        ErrorCode::InvalidRequest if err.description().is_empty() => {
            Some(ctx.render(err.scheme(), None))
        }
        code => Some(ctx.render(
            err.scheme(),
            Some(&ErrorParams {
                error: code.as_str(),
                description: err.description(),
                scope,
            }),
        )),
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status());
        if let Some(v) = self.www_authenticate() {
            res.insert_header((header::WWW_AUTHENTICATE, v.clone()));
        }
        res.insert_header((header::CACHE_CONTROL, "no-store"))
            .json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::www_authenticate::Offered;

    fn responder(offered: Offered) -> Responder {
        Responder {
            challenge: ChallengeContext {
                offered,
                algs: "ES256".into(),
            },
            counters: Arc::default(),
            renderer: None,
        }
    }

    #[test]
    fn response_has_status_body_and_challenge() {
        let respond = responder(Offered::BearerOnly);
        let err = respond
            .outcome(Err(AuthError::invalid_token("Token is expired")))
            .unwrap_err();
        let res = err.error_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            res.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer error=\"invalid_token\", error_description=\"Token is expired\""
        );
        assert_eq!(
            res.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        assert_eq!(
            err.body(),
            serde_json::json!({"detail":{"error":"invalid_token","error_description":"Token is expired"}})
        );
        assert_eq!(respond.counters.snapshot().rejected_invalid_token, 1);
    }

    #[test]
    fn server_errors_carry_no_challenge() {
        let respond = responder(Offered::Both);
        let err = respond
            .outcome(Err(AuthError::internal(&"boom")))
            .unwrap_err();
        assert!(err.www_authenticate().is_none());
        assert_eq!(
            err.error_response().status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert!(!err.description().contains("boom"));
        assert_eq!(respond.counters.snapshot().server_errors, 1);
    }

    #[test]
    fn an_unmet_requirement_is_a_403_naming_the_scopes() {
        let respond = responder(Offered::Both);
        let verified = Authenticated {
            claims: crate::claims::Claims::from_verified(
                serde_json::json!({"scope": "a"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
            scheme: crate::scheme::Scheme::DPoP,
            jkt: None,
        };
        let req = Requirement::all(["a", "b"]);
        let err = respond
            .authorize(&verified, &req, Grants::Scope)
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            err.www_authenticate().unwrap(),
            "Bearer realm=\"api\", DPoP error=\"insufficient_scope\", \
             error_description=\"Insufficient scopes\", scope=\"a b\", algs=\"ES256\""
        );
        assert!(respond
            .authorize(&verified, &Requirement::scope("a"), Grants::Scope)
            .is_ok());
        assert_eq!(respond.counters.snapshot().rejected_insufficient_scope, 1);
    }
}
