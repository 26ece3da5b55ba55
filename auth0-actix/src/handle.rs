//! [`Auth0`], the handle an app registers, and every method it has: what it was configured
//! with, its counters, warming its keys up, and verifying a request or a token.
//!
//! A handle is one `Arc` around the assembled stages: the [`Pipeline`] that verifies, the
//! [`Responder`] that answers, and the default grant source of requirements. Verifying a request
//! goes through the per-request [`memo`](crate::memo), so that it runs once however many
//! extractors, guards and middleware ask. (Its two constructors, `Auth0::builder` and
//! `Auth0::from_env`, live with the builder, which nothing here imports.)

use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;

use crate::authorize::Grants;
use crate::claims::Claims;
use crate::dpop::DpopMode;
use crate::error::AuthError;
use crate::issuer::Domains;
use crate::memo::{self, Lookup, Outcome};
use crate::metrics::Metrics;
use crate::pipeline::{Authenticated, Pipeline, Start};
use crate::web::respond::Responder;

/// The shared, immutable handle to a verifier: register it with `App::app_data(auth0.clone())`
/// and every extractor, middleware and `#[require_auth]` handler in the app uses it. Cloning is
/// cheap (one `Arc`).
///
/// ```no_run
/// use actix_web::{get, App, HttpServer, Responder};
/// use auth0_actix::{require_auth, Auth0, Claims};
///
/// #[get("/api/private")]
/// #[require_auth]
/// async fn private(claims: Claims) -> impl Responder {
///     format!("hello {}", claims.sub.as_deref().unwrap_or("anonymous"))
/// }
///
/// #[actix_web::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let auth0 = Auth0::from_env()?;     // AUTH0_DOMAIN, AUTH0_AUDIENCE, ...
///     auth0.warm_up().await?;             // optional: fetch discovery and keys now
///     HttpServer::new(move || App::new().app_data(auth0.clone()).service(private))
///         .bind("127.0.0.1:8000")?
///         .run()
///         .await?;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Auth0 {
    inner: Arc<Shared>,
}

/// What every clone of one handle shares.
struct Shared {
    pipeline: Pipeline,
    respond: Responder,
    /// Where requirements read grants when they name no source of their own.
    grants: Grants,
    /// The `testing` feature's one seam: claims handed to every request with credentials,
    /// instead of running the pipeline (see `testing::mock_auth0`).
    #[cfg(feature = "testing")]
    fixed_claims: Option<Claims>,
}

impl fmt::Debug for Auth0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = &self.inner.pipeline.token;
        f.debug_struct("Auth0")
            .field("issuer", &token.issuer)
            .field("custom_domains", &token.domains.is_some())
            .field("audience", &token.validation.audience)
            .field("dpop_mode", &self.inner.pipeline.mode)
            .finish_non_exhaustive()
    }
}

/// What a request's verification needs next, as decided without waiting.
pub(crate) enum Decided {
    /// Known now: shared from an earlier caller, or decided with no I/O.
    Now(Outcome),
    /// Verification has to wait; [`Auth0::wait`] finishes it.
    Later(Later),
}

/// A verification to finish or to join.
pub(crate) enum Later {
    /// This caller runs it, in this memo cell.
    Run(memo::Cell, crate::headers::authorization::TokenSpan),
    /// Another caller started it: wait for its outcome (or, if that caller went away, run it).
    Join(memo::Cell),
}

impl Auth0 {
    /// Assembles a handle (for the builder).
    pub(crate) fn new(pipeline: Pipeline, respond: Responder, grants: Grants) -> Auth0 {
        Auth0 {
            inner: Arc::new(Shared {
                pipeline,
                respond,
                grants,
                #[cfg(feature = "testing")]
                fixed_claims: None,
            }),
        }
    }

    /// This handle with the pipeline replaced by `claims` for every request with credentials.
    #[cfg(feature = "testing")]
    pub(crate) fn with_fixed_claims(mut self, claims: Claims) -> Auth0 {
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.fixed_claims = Some(claims);
        }
        self
    }

    /// The configured domain as an issuer, normalised (`https://tenant.us.auth0.com/`);
    /// `None` when only [`domains`](crate::Auth0Builder::domains) were given.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// assert_eq!(auth0.issuer(), Some("https://tenant.us.auth0.com/"));
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn issuer(&self) -> Option<&str> {
        self.inner.pipeline.token.issuer.as_deref()
    }

    /// A snapshot of this handle's counters (verifications, rejections by reason, fetches,
    /// cache hits and misses, stale serving, unknown-`kid` refetches).
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// assert_eq!(auth0.metrics().verified, 0);
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn metrics(&self) -> Metrics {
        self.inner.respond.counters.snapshot()
    }

    /// The configured audience.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// assert_eq!(auth0.audience(), "https://api.example.com");
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn audience(&self) -> &str {
        &self.inner.pipeline.token.validation.audience
    }

    /// The DPoP mode.
    ///
    /// ```
    /// use auth0_actix::DpopMode;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// assert_eq!(auth0.dpop_mode(), DpopMode::Allowed); // mixed: Bearer and DPoP
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_mode(&self) -> DpopMode {
        self.inner.pipeline.mode
    }

    /// Fetches discovery and the JWKS now, so the first request does not wait for them.
    /// Optional; failures are returned (the verifier retries on the next request).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let auth0 = auth0_actix::Auth0::from_env()?;
    /// if let Err(e) = auth0.warm_up().await {
    ///     eprintln!("keys not fetched yet (retried on the first request): {e}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn warm_up(&self) -> Result<(), AuthError> {
        let token = &self.inner.pipeline.token;
        let issuers: Vec<String> = match (&token.issuer, &token.domains) {
            (_, Some(Domains::List(list))) => list.clone(),
            (Some(issuer), _) => vec![issuer.clone()],
            (None, _) => Vec::new(),
        };
        for issuer in issuers {
            token.keys.warm_up(&issuer).await?;
        }
        Ok(())
    }

    /// Verifies a request's credentials as the extractors do: the `Authorization` header, the
    /// DPoP proof when the DPoP scheme is used, and the mode rules. Does not check scopes.
    ///
    /// Verification runs once per request: if the middleware, an extractor or an earlier call
    /// already verified this request with this configuration, their outcome is returned (a
    /// DPoP proof is not checked, and so not "replayed", twice).
    ///
    /// ```no_run
    /// use actix_web::{HttpRequest, HttpResponse};
    /// use auth0_actix::Auth0;
    ///
    /// async fn handler(req: HttpRequest, auth0: actix_web::web::Data<Auth0>) -> HttpResponse {
    ///     match auth0.verify_request(&req).await {
    ///         Ok(v) => HttpResponse::Ok().body(v.claims.sub.clone().unwrap_or_default()),
    ///         Err(e) => actix_web::ResponseError::error_response(&e),
    ///     }
    /// }
    /// ```
    pub async fn verify_request(&self, req: &HttpRequest) -> Result<Authenticated, AuthError> {
        self.verified(req).await.map(|v| (*v).clone())
    }

    /// Verifies an access token alone (signature, `iss`, `aud`, `exp`, `nbf`, `iat`), with no
    /// request context: no scheme or DPoP rules apply.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_actix::Auth0, token: &str) {
    /// match auth0.verify_access_token(token).await {
    ///     Ok(claims) => println!("token for {:?}", claims.sub),
    ///     Err(e) => println!("rejected: {e}"),
    /// }
    /// # }
    /// ```
    pub async fn verify_access_token(&self, token: &str) -> Result<Claims, AuthError> {
        self.inner.pipeline.token.verify(token, None).await
    }

    /// The request's outcome under this configuration, verifying it if nothing did yet.
    pub(crate) async fn verified(&self, req: &HttpRequest) -> Outcome {
        match self.decide(req) {
            Decided::Now(outcome) => outcome,
            Decided::Later(later) => self.wait(req, later).await,
        }
    }

    /// The outcome when it is known without waiting (shared from an earlier caller, or decided
    /// now and then shared); otherwise what is left to do. Credentials are parsed here, once.
    pub(crate) fn decide(&self, req: &HttpRequest) -> Decided {
        let id = self.id();
        match memo::lookup(req, id) {
            Lookup::Done(outcome) => return Decided::Now(outcome),
            Lookup::Started(cell) => return Decided::Later(Later::Join(cell)),
            Lookup::Absent => {}
        }
        let start = self.start(req);
        match start {
            Start::Done(outcome) => {
                let outcome = self.inner.respond.outcome(outcome).map(Arc::new);
                memo::insert(req, id, Some(outcome.clone()));
                Decided::Now(outcome)
            }
            Start::Pending(span) => Decided::Later(Later::Run(memo::insert(req, id, None), span)),
        }
    }

    /// Finishes what [`decide`](Self::decide) left to do.
    pub(crate) async fn wait(&self, req: &HttpRequest, later: Later) -> Outcome {
        let (cell, span) = match later {
            Later::Run(cell, span) => (cell, Some(span)),
            Later::Join(cell) => (cell, None),
        };
        cell.get_or_init(|| async {
            let outcome = match span {
                Some(span) => self.inner.pipeline.finish(req, span).await,
                // The caller that started it went away before finishing: start again.
                None => match self.start(req) {
                    Start::Done(outcome) => outcome,
                    Start::Pending(span) => self.inner.pipeline.finish(req, span).await,
                },
            };
            self.inner.respond.outcome(outcome).map(Arc::new)
        })
        .await
        .clone()
    }

    /// The pipeline's synchronous start, or (tests) the fixed claims.
    fn start(&self, req: &HttpRequest) -> Start {
        #[cfg(feature = "testing")]
        if let Some(claims) = &self.inner.fixed_claims {
            return Start::Done(
                self.inner
                    .pipeline
                    .credentials(req)
                    .map(|span| Authenticated {
                        claims: claims.clone(),
                        scheme: span.scheme,
                        jkt: None,
                    }),
            );
        }
        self.inner.pipeline.start(req)
    }

    /// How this configuration answers failures.
    pub(crate) fn respond(&self) -> &Responder {
        &self.inner.respond
    }

    /// Where requirements read grants by default.
    pub(crate) fn grants(&self) -> Grants {
        self.inner.grants
    }

    /// This configuration's identity in the per-request memo: the address of its shared
    /// state, which outlives every request.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }
}
