//! actix-web extractors. Verification runs at most once per request: the first extractor (or
//! middleware) to ask starts it, and every other one awaits the same result.
//!
//! - [`Claims`]: the verified token's claims (any valid token).
//! - [`Authenticated`]: claims plus how they were presented (scheme, DPoP key thumbprint).
//! - [`ClaimsAs<T>`]: the claims deserialized into your own type.
//! - `RequireAuth<S>`: what `#[require_auth]` inserts; verifies, then checks the scopes.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use tokio::sync::OnceCell;

use crate::authorize::Requirement;
use std::sync::OnceLock;

use crate::claims::Claims;
use crate::config::{Auth0, Config};
use crate::error::AuthError;
use crate::verify::Authenticated;

type Outcome = Result<Arc<Authenticated>, AuthError>;

/// The per-request verification outcomes, kept in the request's extensions: one per
/// configuration that asked (almost always exactly one). A handler whose scope registers another
/// [`Auth0`] than the middleware above it (another audience, issuer or DPoP mode) gets its own
/// verification, shared in turn by every extractor and middleware using that configuration.
struct Slots {
    first: Slot,
    more: Vec<Slot>,
}

/// The configuration's identity (the address of its shared state, which outlives the request)
/// and its outcome, filled by the first caller.
type Slot = (usize, Rc<OnceCell<Outcome>>);

fn config_id(auth0: &Auth0) -> usize {
    Arc::as_ptr(&auth0.inner) as usize
}

impl Slots {
    fn find(&self, config: usize) -> Option<&Rc<OnceCell<Outcome>>> {
        std::iter::once(&self.first)
            .chain(&self.more)
            .find(|(c, _)| *c == config)
            .map(|(_, cell)| cell)
    }
}

/// The app's [`Auth0`], if it registered one. Borrowed, not cloned: cloning would bump the
/// configuration's shared reference count on every request, a cache line every worker thread
/// would then fight over.
fn registered(req: &HttpRequest) -> Option<&Auth0> {
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

/// Converts an [`AuthError`] into an actix error, through the app's renderer if it set one.
pub(crate) fn into_actix_error(cfg: &Config, err: AuthError) -> actix_web::Error {
    match &cfg.error_renderer {
        Some(render) => {
            let res = err.decorate(render(&err));
            InternalError::from_response(err, res).into()
        }
        None => err.into(),
    }
}

/// Verifies the request once per configuration and shares the outcome with every later caller.
pub(crate) async fn verified(req: &HttpRequest, auth0: &Auth0) -> Outcome {
    if let Some(outcome) = verified_now(req, auth0) {
        return outcome;
    }
    let config = config_id(auth0);
    let cell = {
        let mut ext = req.extensions_mut();
        match ext.get_mut::<Slots>() {
            Some(slots) => match slots.find(config) {
                Some(cell) => cell.clone(),
                None => {
                    let cell = Rc::<OnceCell<Outcome>>::default();
                    slots.more.push((config, cell.clone()));
                    cell
                }
            },
            None => {
                let cell = Rc::<OnceCell<Outcome>>::default();
                ext.insert(Slots {
                    first: (config, cell.clone()),
                    more: Vec::new(),
                });
                cell
            }
        }
    };
    cell.get_or_init(|| async { auth0.verify_uncached(req).await.map(Arc::new) })
        .await
        .clone()
}

/// The outcome for this request when it is known without waiting: shared from an earlier
/// caller, or decided now ([`Auth0::verify_now`]) and then shared. `None`: await
/// [`verified`] (which joins a verification another caller has started).
fn verified_now(req: &HttpRequest, auth0: &Auth0) -> Option<Outcome> {
    let config = config_id(auth0);
    if let Some(slots) = req.extensions().get::<Slots>() {
        if let Some(cell) = slots.find(config) {
            return cell.get().cloned();
        }
    }
    let outcome = auth0.verify_now(req)?.map(Arc::new);
    let cell = Rc::new(OnceCell::new_with(Some(outcome.clone())));
    let mut ext = req.extensions_mut();
    match ext.get_mut::<Slots>() {
        Some(slots) => slots.more.push((config, cell)),
        None => {
            ext.insert(Slots {
                first: (config, cell),
                more: Vec::new(),
            });
        }
    }
    Some(outcome)
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
    if let Some(outcome) = registered(req).and_then(|auth0| verified_now(req, auth0)) {
        return AuthFuture(State::Known(Some((req.clone(), outcome, finish))));
    }
    let req = req.clone();
    AuthFuture(State::Waiting(Box::pin(async move {
        let auth0 = auth0(&req)?;
        finish(auth0, verified(&req, auth0).await)
    })))
}

impl FromRequest for Claims {
    type Error = actix_web::Error;
    type Future = AuthFuture<Claims>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |auth0, outcome| match outcome {
            Ok(v) => Ok(v.claims.clone()),
            Err(e) => Err(into_actix_error(&auth0.inner, e)),
        })
    }
}

impl FromRequest for Authenticated {
    type Error = actix_web::Error;
    type Future = AuthFuture<Authenticated>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |auth0, outcome| match outcome {
            Ok(v) => Ok((*v).clone()),
            Err(e) => Err(into_actix_error(&auth0.inner, e)),
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
            let cfg = &auth0.inner;
            let claims = match outcome {
                Ok(v) => v.claims.deserialize::<T>().map_err(|e| {
                    AuthError::invalid_token(format!(
                        "Token claims do not fit the expected shape: {e}"
                    ))
                    .on_scheme(v.scheme)
                    .with_challenge(&cfg.challenge, None)
                }),
                Err(e) => Err(e),
            };
            claims.map(ClaimsAs).map_err(|e| into_actix_error(cfg, e))
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
            let cfg = &auth0.inner;
            let result = match outcome {
                Ok(v) => crate::authorize::require(cfg, &v, S::requirement()),
                Err(e) => Err(e),
            };
            result
                .map(|()| RequireAuth(PhantomData))
                .map_err(|e| into_actix_error(cfg, e))
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
            && matches!(
                crate::request::credentials(req),
                Ok(crate::request::Credentials::Missing)
            )
        {
            return AuthFuture(State::Ready(Some(OptionalClaims(None))));
        }
        extract(req, |auth0, outcome| match outcome {
            Ok(v) => Ok(OptionalClaims(Some(v.claims.clone()))),
            Err(e) => Err(into_actix_error(&auth0.inner, e)),
        })
    }
}

/// The outcome already computed for this request with `auth0`'s configuration (or, with none
/// registered, the first one computed), if verification has finished (for guards).
pub(crate) fn finished(
    ext: &actix_web::dev::Extensions,
    auth0: Option<&Auth0>,
) -> Option<Arc<Authenticated>> {
    let slots = ext.get::<Slots>()?;
    let cell = match auth0 {
        Some(auth0) => slots.find(config_id(auth0))?,
        None => &slots.first.1,
    };
    cell.get()?.as_ref().ok().cloned()
}
