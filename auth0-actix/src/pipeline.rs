//! One verification of one request, top to bottom:
//!
//! 1. **credentials**, parsed once ([`headers::authorization`](crate::headers::authorization)):
//!    the scheme and token, or a 400 (401 with `missing_credentials_unauthorized`);
//! 2. **DPoP-mode rules**: required mode refuses Bearer, disabled mode refuses DPoP — before
//!    any token is looked at;
//! 3. **token** ([`TokenVerifier`]): cache hit, else framing → `alg` → issuer → key → signature →
//!    claims;
//! 4. Bearer: neither a DPoP-bound token nor a DPoP proof may come with the Bearer scheme;
//!    DPoP: **proof** ([`dpop::Policy`]) → **binding** (`cnf.jkt`) → replay.
//!
//! Steps 1–2, and step 3 for a token this thread verified recently, need no waiting:
//! [`Pipeline::start`] decides them at once, and [`Pipeline::finish`] does the rest. Failures
//! leave here as bare [`AuthError`]s: `web::respond` counts them and gives them their response.

use actix_web::HttpRequest;

use crate::claims::Claims;
use crate::dpop::{self, DpopMode};
use crate::error::{AuthError, ErrorCode};
use crate::headers::authorization::{self, Credentials, TokenSpan};
use crate::headers::request_url::request_url;
use crate::scheme::Scheme;
use crate::token::{RequestContext, TokenVerifier};

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

/// The request-level settings and the two verifiers.
pub(crate) struct Pipeline {
    pub(crate) mode: DpopMode,
    /// Answer a request without `Authorization` with 401 and a bare challenge, not 400.
    pub(crate) missing_credentials_unauthorized: bool,
    /// Build the public URL from `X-Forwarded-*` (DPoP `htu`, custom-domain resolvers).
    pub(crate) trust_proxy: bool,
    pub(crate) token: TokenVerifier,
    pub(crate) dpop: dpop::Policy,
}

/// What [`Pipeline::start`] decided.
pub(crate) enum Start {
    /// Decided with no waiting.
    Done(Result<Authenticated, AuthError>),
    /// A token to verify with [`Pipeline::finish`].
    Pending(TokenSpan),
}

impl Pipeline {
    /// Step 1: the credentials, once. `Ok` holds the scheme and the token's place in the
    /// `Authorization` field.
    pub(crate) fn credentials(&self, req: &HttpRequest) -> Result<TokenSpan, AuthError> {
        match authorization::credentials(req)? {
            Credentials::Token(scheme, token) => Ok(TokenSpan::of(req, scheme, token)),
            Credentials::Missing if self.missing_credentials_unauthorized => {
                Err(AuthError::missing_credentials_unauthorized())
            }
            Credentials::Missing | Credentials::Unusable => Err(AuthError::invalid_request()),
        }
    }

    /// Steps 1–2, and the token itself when this thread verified it recently (Bearer only: a
    /// DPoP request always has a proof to check).
    pub(crate) fn start(&self, req: &HttpRequest) -> Start {
        let span = match self.credentials(req) {
            Ok(span) => span,
            Err(e) => return Start::Done(Err(e)),
        };
        match (self.mode, span.scheme) {
            // Required mode: only the DPoP scheme, before any token check.
            (DpopMode::Required, Scheme::Bearer) => Start::Done(Err(AuthError::invalid_request())),
            // Disabled mode: DPoP is an unknown scheme.
            (DpopMode::Disabled, Scheme::DPoP) => Start::Done(Err(AuthError::invalid_request())),
            (_, Scheme::Bearer) => {
                let recent = span
                    .token(req)
                    .and_then(|token| self.token.recently_verified(token));
                match recent {
                    Some(claims) => Start::Done(self.bearer(req, claims)),
                    None => Start::Pending(span),
                }
            }
            (_, _) => Start::Pending(span),
        }
    }

    /// Steps 3–4 for the token [`start`](Self::start) found.
    pub(crate) async fn finish(
        &self,
        req: &HttpRequest,
        span: TokenSpan,
    ) -> Result<Authenticated, AuthError> {
        // The field `start` read; the same request cannot have changed it.
        let Some(token) = span.token(req) else {
            return Err(AuthError::invalid_request());
        };
        let context = Some(RequestContext {
            req,
            trust_proxy: self.trust_proxy,
        });
        match span.scheme {
            Scheme::DPoP => self
                .dpop(req, token, context)
                .await
                .map_err(|e| e.on_scheme(Scheme::DPoP)),
            _ => {
                let claims = self.token.verify(token, context).await?;
                self.bearer(req, claims)
            }
        }
    }

    /// The Bearer rules that follow a verified token: outside disabled mode, neither a
    /// DPoP-bound token nor a DPoP proof may come with the Bearer scheme.
    fn bearer(&self, req: &HttpRequest, claims: Claims) -> Result<Authenticated, AuthError> {
        if self.mode != DpopMode::Disabled {
            if claims.bound_jkt().is_some() {
                return Err(AuthError::invalid_token(
                    "DPoP-bound token requires the DPoP authentication scheme, not Bearer",
                ));
            }
            if authorization::has_dpop_header(req) {
                return Err(AuthError::new(
                    ErrorCode::InvalidRequest,
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

    /// The DPoP scheme (`docs/compatibility.md` §3.1): the proof's header decodes before the
    /// token is verified; the proof itself is checked after.
    async fn dpop(
        &self,
        req: &HttpRequest,
        access_token: &str,
        context: Option<RequestContext<'_>>,
    ) -> Result<Authenticated, AuthError> {
        let proof = authorization::dpop_proof(req)?.ok_or_else(AuthError::invalid_request)?;
        let mut header = Vec::new();
        let proof = self.dpop.parse(proof, &mut header)?;
        let claims = self.token.verify(access_token, context).await?;
        dpop::confirmation(&claims)?;
        let url = request_url(req, self.trust_proxy);
        let verified =
            self.dpop
                .check(&proof, access_token, req.method().as_str(), url.as_deref())?;
        dpop::bind(&claims, &verified)?;
        self.dpop.remember(&verified).await?;
        Ok(Authenticated {
            claims,
            scheme: Scheme::DPoP,
            jkt: Some(verified.jkt),
        })
    }
}
