//! [`Protect`]: middleware (`Transform`) that authenticates every request of an app or scope and
//! checks a [`Requirement`], answering with the usual error response otherwise.
//!
//! The outcome is stored once per request, so extractors, `#[require_auth]` handlers and guards
//! beneath reuse it: a route under `Protect` with `#[require_auth]` on it verifies once.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::Error;

use crate::authorize::{self, Requirement};
use crate::extract;

/// Middleware protecting everything beneath it.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use auth0_actix::{Protect, Requirement};
///
/// # fn app(auth0: auth0_actix::Auth0) {
/// let app = App::new()
///     .app_data(auth0)
///     .route("/api/public", web::get().to(HttpResponse::Ok))
///     .service(
///         web::scope("/api/admin")
///             .wrap(Protect::require("admin:read"))
///             .route("/stats", web::get().to(HttpResponse::Ok)),
///     )
///     .service(
///         web::scope("/api/team")
///             .wrap(Protect::require(Requirement::any(["team:read", "admin:read"])))
///             .route("/list", web::get().to(HttpResponse::Ok)),
///     );
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Protect {
    requirement: Rc<Requirement>,
}

impl Default for Protect {
    fn default() -> Self {
        Self::new()
    }
}

impl Protect {
    /// Requires any valid token.
    pub fn new() -> Self {
        Self::require(Requirement::none())
    }

    /// Requires a valid token satisfying `requirement` (a scope, or a [`Requirement`]).
    pub fn require(requirement: impl Into<Requirement>) -> Self {
        Protect {
            requirement: Rc::new(requirement.into()),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Protect
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = ProtectService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ProtectService {
            service: Rc::new(service),
            requirement: self.requirement.clone(),
        }))
    }
}

/// The service [`Protect`] wraps around an app or scope.
#[doc(hidden)]
pub struct ProtectService<S> {
    service: Rc<S>,
    requirement: Rc<Requirement>,
}

impl<S, B> Service<ServiceRequest> for ProtectService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let requirement = self.requirement.clone();
        Box::pin(async move {
            // Borrow, never clone, the request: routing beneath needs it unshared.
            let outcome = match extract::auth0(req.request()) {
                Err(e) => Err(e),
                Ok(auth0) => {
                    let cfg = &auth0.inner;
                    let checked = match extract::verified(req.request(), &auth0).await {
                        Ok(v) => authorize::require(cfg, &v, &requirement),
                        Err(e) => Err(e),
                    };
                    checked.map_err(|e| extract::into_actix_error(cfg, e))
                }
            };
            match outcome {
                Ok(()) => service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body),
                Err(e) => Ok(req.error_response(e).map_into_right_body()),
            }
        })
    }
}
