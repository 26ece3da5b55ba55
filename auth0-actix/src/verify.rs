//! The request pipeline, top to bottom: credentials → mode rules → token (→ proof) → binding.
//! Every error leaves here with its `WWW-Authenticate` challenge attached.

use actix_web::HttpRequest;

use crate::challenge::Scheme;
use crate::claims::Claims;
use crate::config::{Auth0, Config, DpopMode};
use crate::error::AuthError;
use crate::request::{self, Credentials};
use crate::{dpop, token};

/// The outcome of verifying a request: the access token's claims and how they were presented.
/// Also an extractor.
///
/// ```
/// use actix_web::{get, Responder};
/// use auth0_actix::{Authenticated, Scheme};
///
/// #[get("/whoami")]
/// async fn whoami(auth: Authenticated) -> impl Responder {
///     let bound = auth.scheme == Scheme::DPoP;
///     format!("{:?} (bound: {bound})", auth.claims.sub)
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Authenticated {
    /// The access token's claims.
    pub claims: Claims,
    /// The scheme the token was presented with.
    pub scheme: Scheme,
    /// For DPoP requests, the RFC 7638 thumbprint of the proof's key (equal to `cnf.jkt`).
    pub jkt: Option<String>,
}

impl Auth0 {
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
        crate::extract::verified(req, self)
            .await
            .map(|v| (*v).clone())
    }

    /// [`verify_request`](Self::verify_request) without the per-request memo: counts the
    /// outcome and attaches the challenge to errors.
    pub(crate) async fn verify_uncached(
        &self,
        req: &HttpRequest,
    ) -> Result<Authenticated, AuthError> {
        let cfg = &*self.inner;
        finish(cfg, verify_request(cfg, req).await)
    }

    /// The outcome, when it is known without waiting (counted and with its challenge, as
    /// [`verify_uncached`](Self::verify_uncached)); `None` when it takes
    /// [`verify_uncached`](Self::verify_uncached): a DPoP proof, or a token this thread has not
    /// verified recently.
    pub(crate) fn verify_now(&self, req: &HttpRequest) -> Option<Result<Authenticated, AuthError>> {
        let cfg = &*self.inner;
        let outcome = match first_step(cfg, req) {
            Step::Done(outcome) => outcome,
            Step::Bearer(token) => bearer_outcome(cfg, req, token::recently_verified(cfg, token)?),
            Step::DPoP(_) => return None,
        };
        Some(finish(cfg, outcome))
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
        token::verify(&self.inner, token, None).await
    }
}

/// Counts a request's outcome and attaches the challenge to an error.
fn finish(
    cfg: &Config,
    outcome: Result<Authenticated, AuthError>,
) -> Result<Authenticated, AuthError> {
    match &outcome {
        Ok(_) => cfg.counters.verified(),
        Err(e) => {
            cfg.counters.rejected(e.code());
            tracing::debug!(target: "auth0_actix", code = e.code().as_str(),
                reason = e.description(), "request rejected");
        }
    }
    outcome.map_err(|e| e.with_challenge(&cfg.challenge, None))
}

/// What the credentials and the mode rules decide before any token is looked at.
enum Step<'r> {
    /// Decided: unusable credentials, a scheme the mode refuses (or, in tests, fixed claims).
    Done(Result<Authenticated, AuthError>),
    /// A Bearer token to verify.
    Bearer(&'r str),
    /// A DPoP-bound token to verify with its proof.
    DPoP(&'r str),
}

fn first_step<'r>(cfg: &Config, req: &'r HttpRequest) -> Step<'r> {
    let (scheme, token) = match request::credentials(req) {
        Ok(Credentials::Token(scheme, token)) => (scheme, token),
        Ok(Credentials::Missing) if cfg.missing_credentials_unauthorized => {
            return Step::Done(Err(AuthError::missing_credentials_unauthorized()))
        }
        Ok(Credentials::Missing | Credentials::Unusable) => {
            return Step::Done(Err(AuthError::invalid_request()))
        }
        Err(e) => return Step::Done(Err(e)),
    };
    #[cfg(feature = "testing")]
    if let Some(claims) = &cfg.fixed_claims {
        return Step::Done(Ok(Authenticated {
            claims: claims.clone(),
            scheme,
            jkt: None,
        }));
    }
    match (cfg.mode, scheme) {
        // Required mode: only the DPoP scheme, before any token check.
        (DpopMode::Required, Scheme::Bearer) => Step::Done(Err(AuthError::invalid_request())),
        // Disabled mode: DPoP is an unknown scheme.
        (DpopMode::Disabled, Scheme::DPoP) => Step::Done(Err(AuthError::invalid_request())),
        (_, Scheme::DPoP) => Step::DPoP(token),
        (_, Scheme::Bearer) => Step::Bearer(token),
    }
}

async fn verify_request(cfg: &Config, req: &HttpRequest) -> Result<Authenticated, AuthError> {
    match first_step(cfg, req) {
        Step::Done(outcome) => outcome,
        Step::DPoP(token) => dpop::verify_request(cfg, req, token).await,
        Step::Bearer(token) => {
            let context = token::RequestContext {
                req,
                trust_proxy: cfg.trust_proxy,
            };
            let claims = token::verify(cfg, token, Some(context)).await?;
            bearer_outcome(cfg, req, claims)
        }
    }
}

/// The Bearer rules that follow a verified token: outside disabled mode, neither a DPoP-bound
/// token nor a DPoP proof may come with the Bearer scheme.
fn bearer_outcome(
    cfg: &Config,
    req: &HttpRequest,
    claims: Claims,
) -> Result<Authenticated, AuthError> {
    if cfg.mode != DpopMode::Disabled {
        if claims.bound_jkt().is_some() {
            return Err(AuthError::invalid_token(
                "DPoP-bound token requires the DPoP authentication scheme, not Bearer",
            ));
        }
        if request::has_dpop_header(req) {
            return Err(AuthError::new(
                crate::ErrorCode::InvalidRequest,
                "DPoP proof requires DPoP authentication scheme, not Bearer",
            ));
        }
    }
    Ok(Authenticated {
        claims,
        scheme: Scheme::Bearer,
        jkt: None,
    })
}
