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

use super::extract;
use crate::authorize::Requirement;

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
    /// Requires any valid token: a request without one gets the usual error response (here
    /// `400 invalid_request` with a bare challenge) and never reaches the routes beneath.
    ///
    /// ```
    /// use actix_web::{test, web, App, HttpResponse};
    /// use auth0_actix::{Auth0, Protect};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let auth0 = Auth0::builder().domain("your-tenant.us.auth0.com").audience("https://api").build()?;
    /// let app = test::init_service(
    ///     App::new()
    ///         .app_data(auth0)
    ///         .wrap(Protect::new()) // every route of the app
    ///         .route("/api/me", web::get().to(HttpResponse::Ok)),
    /// )
    /// .await;
    /// let res = test::call_service(&app, test::TestRequest::get().uri("/api/me").to_request()).await;
    /// assert_eq!(res.status(), 400);
    /// assert!(res.headers().contains_key("www-authenticate"));
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// # }).unwrap();
    /// ```
    pub fn new() -> Self {
        Self::require(Requirement::none())
    }

    /// Requires a valid token satisfying `requirement` (a scope, or a [`Requirement`]); a
    /// valid token that does not gets `403 insufficient_scope`, with a challenge naming the
    /// scopes.
    ///
    /// ```
    /// use actix_web::{test, web, App, HttpResponse};
    /// use auth0_actix::{Protect, Requirement};
    ///
    /// # #[cfg(feature = "testing")]
    /// # actix_web::rt::System::new().block_on(async {
    /// # // Verifies nothing: every Bearer token is handed these claims.
    /// # let auth0 = auth0_actix::testing::mock_auth0(serde_json::json!({"scope": "team:read"}));
    /// let app = test::init_service(
    ///     App::new()
    ///         .app_data(auth0)
    ///         .service(
    ///             web::scope("/api/admin")
    ///                 .wrap(Protect::require("admin:read"))
    ///                 .route("/stats", web::get().to(HttpResponse::Ok)),
    ///         )
    ///         .service(
    ///             web::scope("/api/team")
    ///                 .wrap(Protect::require(Requirement::any(["team:read", "admin:read"])))
    ///                 .route("/list", web::get().to(HttpResponse::Ok)),
    ///         ),
    /// )
    /// .await;
    /// // A token granting team:read (and nothing else):
    /// let get = |uri| {
    ///     test::TestRequest::get()
    ///         .uri(uri)
    ///         .insert_header(("Authorization", "Bearer team-read-token"))
    ///         .to_request()
    /// };
    /// assert_eq!(test::call_service(&app, get("/api/team/list")).await.status(), 200);
    /// let denied = test::call_service(&app, get("/api/admin/stats")).await;
    /// assert_eq!(denied.status(), 403);
    /// # let challenge = denied.headers().get("www-authenticate").unwrap().to_str().unwrap();
    /// # assert!(challenge.contains(r#"scope="admin:read""#), "{challenge}");
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// When `requirement` is a `&str` or `String` that is empty or holds whitespace (see
    /// [`Requirement::scope`]).
    #[track_caller]
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
                    let respond = auth0.respond();
                    let checked = match auth0.verified(req.request()).await {
                        Ok(v) => respond.authorize(&v, &requirement, auth0.grants()),
                        Err(e) => Err(e),
                    };
                    checked.map_err(|e| respond.to_actix(e))
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
