//! actix-web extractors. Verification runs at most once per request (see [`memo`](crate::memo)):
//! the first extractor (or middleware) to ask starts it, and every other one shares its outcome.
//! An outcome known without I/O is answered at once ([`AuthFuture`]).
//!
//! - [`Claims`]: the verified token's claims (any valid token).
//! - [`Authenticated`]: claims plus how they were presented (scheme, DPoP key thumbprint).
//! - [`ClaimsAs<T>`]: the claims deserialized into your own type.
//! - `RequireAuth<S>`: what `#[require_auth]` inserts; verifies, then checks the scopes.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::OnceLock;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::authorize::Requirement;
use crate::claims::Claims;
use crate::error::AuthError;
use crate::handle::{Auth0, Decided};
use crate::headers::authorization::{self, Credentials};
use crate::memo::Outcome;
use crate::pipeline::Authenticated;

/// The app's [`Auth0`], if it registered one (as `Auth0` or as `web::Data<Auth0>`). Borrowed,
/// not cloned: cloning would bump the configuration's shared reference count on every request,
/// a cache line every worker thread would then fight over.
pub(crate) fn registered(req: &HttpRequest) -> Option<&Auth0> {
    req.app_data::<Auth0>().or_else(|| {
        req.app_data::<actix_web::web::Data<Auth0>>()
            .map(|d| d.get_ref())
    })
}

/// The app's [`Auth0`], or a logged 500 explaining how to register it (never a 401).
pub(crate) fn auth0(req: &HttpRequest) -> Result<&Auth0, actix_web::Error> {
    if let Some(auth0) = registered(req) {
        return Ok(auth0);
    }
    let err = AuthError::internal(&format_args!(
        "no auth0_actix::Auth0 is registered for {} {}: add `.app_data(auth0.clone())` to the App \
         (or to the scope) that serves this route",
        req.method(),
        req.path()
    ));
    Err(err.into())
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// The future of this crate's extractors. Most requests need no waiting: the request was
/// verified already (by the middleware or another extractor), its credentials are refused
/// outright, or its Bearer token is one this worker verified recently; those are answered at
/// once, with no allocation. The rest (key fetches, DPoP proofs) wait in a boxed future.
///
/// You rarely name it: it is what `from_request` returns for [`Claims`], [`Authenticated`],
/// [`ClaimsAs`] and [`OptionalClaims`], for instance when one extractor is built on another.
///
/// ```
/// use actix_web::{dev::Payload, FromRequest, HttpRequest};
/// use auth0_actix::{AuthFuture, Claims};
///
/// /// The caller's `sub`, or a 401/400 as `Claims` would answer.
/// struct Subject(String);
///
/// impl FromRequest for Subject {
///     type Error = actix_web::Error;
///     type Future = futures_util::future::MapOk<AuthFuture<Claims>, fn(Claims) -> Subject>;
///
///     fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
///         use futures_util::TryFutureExt;
///         Claims::from_request(req, payload).map_ok(|c| Subject(c.sub.clone().unwrap_or_default()))
///     }
/// }
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct AuthFuture<T>(State<T>);

/// Turns a request's outcome into an extractor's value (run when the future is polled, as an
/// extractor's errors and logs always were).
type Finish<T> = fn(&Auth0, Outcome) -> Result<T, actix_web::Error>;

enum State<T> {
    /// The value itself.
    Ready(Option<T>),
    /// The outcome is known; `Finish` runs on the first poll.
    Known(Option<(HttpRequest, Outcome, Finish<T>)>),
    /// Verification has to wait (or the app registered no `Auth0`: the boxed future logs it).
    Waiting(LocalFuture<T>),
}

// Values are only ever moved out, never pinned in place.
impl<T> Unpin for AuthFuture<T> {}

impl<T> Future for AuthFuture<T> {
    type Output = Result<T, actix_web::Error>;

    fn poll(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        const DONE: &str = "AuthFuture polled after it completed";
        std::task::Poll::Ready(match &mut self.get_mut().0 {
            State::Ready(value) => Ok(value.take().expect(DONE)),
            State::Known(known) => {
                let (req, outcome, finish) = known.take().expect(DONE);
                auth0(&req).and_then(|auth0| finish(auth0, outcome))
            }
            State::Waiting(future) => return future.as_mut().poll(cx),
        })
    }
}

impl<T> std::fmt::Debug for AuthFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            State::Ready(_) | State::Known(_) => "AuthFuture(ready)",
            State::Waiting(_) => "AuthFuture(waiting)",
        })
    }
}

/// Runs an extractor: `finish` turns the request's outcome into the extracted value; the
/// outcome is decided at once when it can be, waited for otherwise.
fn extract<T: 'static>(req: &HttpRequest, finish: Finish<T>) -> AuthFuture<T> {
    let later = match registered(req).map(|auth0| auth0.decide(req)) {
        Some(Decided::Now(outcome)) => {
            return AuthFuture(State::Known(Some((req.clone(), outcome, finish))))
        }
        Some(Decided::Later(later)) => Some(later),
        None => None,
    };
    let req = req.clone();
    AuthFuture(State::Waiting(Box::pin(async move {
        let auth0 = auth0(&req)?;
        let outcome = match later {
            Some(later) => auth0.wait(&req, later).await,
            None => auth0.verified(&req).await,
        };
        finish(auth0, outcome)
    })))
}

impl FromRequest for Claims {
    type Error = actix_web::Error;
    type Future = AuthFuture<Claims>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |auth0, outcome| match outcome {
            Ok(v) => Ok(v.claims.clone()),
            Err(e) => Err(auth0.respond().to_actix(e)),
        })
    }
}

impl FromRequest for Authenticated {
    type Error = actix_web::Error;
    type Future = AuthFuture<Authenticated>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |auth0, outcome| match outcome {
            Ok(v) => Ok((*v).clone()),
            Err(e) => Err(auth0.respond().to_actix(e)),
        })
    }
}

/// The verified token's claims deserialized into your own type (any valid token). A payload
/// that does not fit `T` is a 401 `invalid_token` naming the serde error.
///
/// ```
/// use actix_web::{get, Responder};
/// use auth0_actix::ClaimsAs;
///
/// #[derive(serde::Deserialize)]
/// struct MyClaims {
///     sub: String,
///     #[serde(rename = "https://example.com/role", default)]
///     role: Option<String>,
/// }
///
/// #[get("/me")]
/// async fn me(ClaimsAs(claims): ClaimsAs<MyClaims>) -> impl Responder {
///     format!("{} ({:?})", claims.sub, claims.role)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ClaimsAs<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for ClaimsAs<T> {
    type Error = actix_web::Error;
    type Future = AuthFuture<ClaimsAs<T>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |auth0, outcome| {
            let respond = auth0.respond();
            let claims = match outcome {
                Ok(v) => v
                    .claims
                    .deserialize::<T>()
                    .map_err(|e| respond.claims_shape(&v, &e)),
                Err(e) => Err(e),
            };
            claims.map(ClaimsAs).map_err(|e| respond.to_actix(e))
        })
    }
}

/// Implemented by the type `#[require_auth(..)]` generates for each handler that names scopes.
#[doc(hidden)]
pub trait ScopeRequirement: 'static {
    /// What the handler requires; built once.
    fn requirement() -> &'static Requirement;
}

/// No scope requirement: any valid token.
#[doc(hidden)]
pub struct NoScopes;

impl ScopeRequirement for NoScopes {
    fn requirement() -> &'static Requirement {
        static NONE: OnceLock<Requirement> = OnceLock::new();
        NONE.get_or_init(Requirement::none)
    }
}

/// What `#[require_auth]` inserts as a handler's first parameter: verifies the request (shared
/// with [`Claims`] and the middleware) and checks `S::requirement()`.
#[doc(hidden)]
pub struct RequireAuth<S: ScopeRequirement = NoScopes>(PhantomData<S>);

impl<S: ScopeRequirement> FromRequest for RequireAuth<S> {
    type Error = actix_web::Error;
    type Future = AuthFuture<RequireAuth<S>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |auth0, outcome| {
            let respond = auth0.respond();
            let result = match outcome {
                Ok(v) => respond.authorize(&v, S::requirement(), auth0.grants()),
                Err(e) => Err(e),
            };
            result
                .map(|()| RequireAuth(PhantomData))
                .map_err(|e| respond.to_actix(e))
        })
    }
}

/// Optional authentication: `None` when the request carries no `Authorization` header at all,
/// the verified claims when it carries valid credentials, and the usual error response when it
/// carries credentials that do not verify — never a silent anonymous for a bad token.
///
/// (actix-web's own `Option<Claims>` would turn every error into `None`; use this instead.)
///
/// ```
/// use actix_web::{get, Responder};
/// use auth0_actix::OptionalClaims;
///
/// #[get("/greeting")]
/// async fn greeting(OptionalClaims(claims): OptionalClaims) -> impl Responder {
///     match claims {
///         Some(c) => format!("hello {}", c.sub.as_deref().unwrap_or("?")),
///         None => "hello stranger".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct OptionalClaims(pub Option<Claims>);

impl FromRequest for OptionalClaims {
    type Error = actix_web::Error;
    type Future = AuthFuture<OptionalClaims>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if registered(req).is_some()
            && matches!(authorization::credentials(req), Ok(Credentials::Missing))
        {
            return AuthFuture(State::Ready(Some(OptionalClaims(None))));
        }
        extract(req, |auth0, outcome| match outcome {
            Ok(v) => Ok(OptionalClaims(Some(v.claims.clone()))),
            Err(e) => Err(auth0.respond().to_actix(e)),
        })
    }
}
