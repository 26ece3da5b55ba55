//! The error model: one [`AuthError`] type that knows its status, `error` code,
//! `error_description` and (once `web::respond` attached it) `WWW-Authenticate` challenge; plus
//! [`ConfigError`] for configurations that cannot work. `web::respond` renders an `AuthError`
//! as actix-web's `ResponseError`.
//!
//! Response body (matching the reference SDK):
//!
//! ```json
//! {"detail": {"error": "invalid_token", "error_description": "Token is expired"}}
//! ```

use std::borrow::Cow;
use std::fmt;

use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;

use crate::scheme::Scheme;

/// The OAuth error code of an [`AuthError`], with its HTTP status.
///
/// ```
/// use auth0_actix::ErrorCode;
/// assert_eq!(ErrorCode::InvalidToken.as_str(), "invalid_token");
/// assert_eq!(ErrorCode::InvalidToken.status().as_u16(), 401);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: missing or malformed credentials (RFC 6750 §3.1).
    InvalidRequest,
    /// 401: the access token is invalid (RFC 6750 §3.1).
    InvalidToken,
    /// 400: the DPoP proof is invalid (RFC 9449 §7.1).
    InvalidDpopProof,
    /// 403: the token lacks a required scope (RFC 6750 §3.1).
    InsufficientScope,
    /// 500: something went wrong on the server side; nothing internal is disclosed.
    InternalServerError,
    /// 500: a custom-domains resolver failed.
    DomainsResolverError,
}

impl ErrorCode {
    /// The `error` value sent to clients.
    ///
    /// ```
    /// use auth0_actix::ErrorCode;
    /// assert_eq!(ErrorCode::InvalidDpopProof.as_str(), "invalid_dpop_proof");
    /// assert_eq!(ErrorCode::DomainsResolverError.to_string(), "domains_resolver_error");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::InternalServerError => "internal_server_error",
            ErrorCode::DomainsResolverError => "domains_resolver_error",
        }
    }

    /// The HTTP status that goes with the code.
    ///
    /// ```
    /// use auth0_actix::ErrorCode;
    /// assert_eq!(ErrorCode::InvalidDpopProof.status().as_u16(), 400);
    /// assert_eq!(ErrorCode::InsufficientScope.status().as_u16(), 403);
    /// assert_eq!(ErrorCode::DomainsResolverError.status().as_u16(), 500);
    /// ```
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidRequest | ErrorCode::InvalidDpopProof => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
            ErrorCode::InternalServerError | ErrorCode::DomainsResolverError => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request was not authenticated or authorized.
///
/// Rendered by actix-web through [`ResponseError`](actix_web::ResponseError): the status of its [`ErrorCode`], the JSON
/// body `{"detail":{"error":…,"error_description":…}}` and, for 400/401/403, a
/// `WWW-Authenticate` challenge. To render it your own way, see
/// [`Auth0Builder::error_renderer`](crate::Auth0Builder::error_renderer).
///
/// ```
/// use actix_web::ResponseError;
/// use auth0_actix::{AuthError, ErrorCode};
///
/// fn describe(err: &AuthError) -> String {
///     format!("{} {}: {}", err.status_code(), err.code(), err.description())
/// }
/// ```
#[derive(Clone)]
pub struct AuthError {
    code: ErrorCode,
    status: StatusCode,
    description: Cow<'static, str>,
    scheme: Scheme,
    challenge: Option<HeaderValue>,
}

impl AuthError {
    pub(crate) fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        AuthError {
            code,
            status: code.status(),
            description: description.into(),
            scheme: Scheme::Bearer,
            challenge: None,
        }
    }

    /// 400 `invalid_request` with an empty description (missing or unusable credentials).
    pub(crate) fn invalid_request() -> Self {
        Self::new(ErrorCode::InvalidRequest, "")
    }

    pub(crate) fn invalid_token(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidToken, description)
    }

    pub(crate) fn invalid_dpop_proof(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidDpopProof, description)
    }

    /// A 500 whose cause is logged here and never sent to the client.
    pub(crate) fn internal(cause: &dyn fmt::Display) -> Self {
        tracing::error!(target: "auth0_actix", %cause, "authentication failed on the server side");
        Self::new(
            ErrorCode::InternalServerError,
            "An unexpected error occurred during authentication",
        )
    }

    /// RFC 6750's answer to a request without credentials: 401 with a bare challenge.
    pub(crate) fn missing_credentials_unauthorized() -> Self {
        AuthError {
            status: StatusCode::UNAUTHORIZED,
            ..Self::invalid_request()
        }
    }

    /// Records the scheme the client used, which decides where challenge parameters go.
    pub(crate) fn on_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Attaches the rendered `WWW-Authenticate` challenge (see `web::respond`).
    pub(crate) fn with_www_authenticate(mut self, challenge: Option<HeaderValue>) -> Self {
        self.challenge = challenge;
        self
    }

    /// The response status: the code's, except for the opt-in `401` answer to missing
    /// credentials.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The OAuth error code (whose [`status`](ErrorCode::status) is the response's, except for
    /// the opt-in `401` answer to missing credentials, which keeps `invalid_request`).
    ///
    /// ```
    /// use auth0_actix::ErrorCode;
    /// # actix_web::rt::System::new().block_on(async {
    /// # let auth0 = auth0_actix::Auth0::builder().domain("t.auth0.com").audience("a").build().unwrap();
    /// # let req = actix_web::test::TestRequest::get()
    /// #     .insert_header(("Authorization", "Bearer not-a-jwt"))
    /// #     .to_http_request();
    /// let err = auth0.verify_request(&req).await.unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::InvalidToken);
    /// assert_eq!(err.code().as_str(), "invalid_token");
    /// # });
    /// ```
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable `error_description` (may be empty). Never contains a token.
    ///
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// # let auth0 = auth0_actix::Auth0::builder().domain("t.auth0.com").audience("a").build().unwrap();
    /// # let req = actix_web::test::TestRequest::get()
    /// #     .insert_header(("Authorization", "Bearer not-a-jwt"))
    /// #     .to_http_request();
    /// let err = auth0.verify_request(&req).await.unwrap_err();
    /// assert_eq!(
    ///     err.description(),
    ///     "Failed to parse token header: Invalid token format: expected 3 segments, got 1"
    /// );
    /// # });
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The scheme the client used, or [`Scheme::Bearer`] when it used none we know.
    ///
    /// ```
    /// use auth0_actix::Scheme;
    /// # actix_web::rt::System::new().block_on(async {
    /// # let auth0 = auth0_actix::Auth0::builder().domain("t.auth0.com").audience("a").build().unwrap();
    /// # let req = actix_web::test::TestRequest::get()
    /// #     .insert_header(("Authorization", "Bearer not-a-jwt"))
    /// #     .to_http_request();
    /// let err = auth0.verify_request(&req).await.unwrap_err();
    /// assert_eq!(err.scheme(), Scheme::Bearer);
    /// # });
    /// ```
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The `WWW-Authenticate` header value sent with this error, if any (400, 401 and 403
    /// carry one, 500s none).
    ///
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// # let auth0 = auth0_actix::Auth0::builder().domain("t.auth0.com").audience("a").build().unwrap();
    /// # let req = actix_web::test::TestRequest::get()
    /// #     .insert_header(("Authorization", "Bearer not-a-jwt"))
    /// #     .to_http_request();
    /// let err = auth0.verify_request(&req).await.unwrap_err();
    /// let challenge = err.www_authenticate().unwrap().to_str().unwrap();
    /// assert!(challenge.starts_with(r#"Bearer error="invalid_token", error_description=""#));
    /// assert!(challenge.ends_with(r#", DPoP algs="ES256""#)); // the default mixed mode
    /// # });
    /// ```
    pub fn www_authenticate(&self) -> Option<&HeaderValue> {
        self.challenge.as_ref()
    }

    /// The JSON body: `{"detail":{"error":…,"error_description":…}}`.
    ///
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// # let auth0 = auth0_actix::Auth0::builder().domain("t.auth0.com").audience("a").build().unwrap();
    /// # let req = actix_web::test::TestRequest::get()
    /// #     .insert_header(("Authorization", "Bearer not-a-jwt"))
    /// #     .to_http_request();
    /// let err = auth0.verify_request(&req).await.unwrap_err();
    /// assert_eq!(err.body()["detail"]["error"], "invalid_token");
    /// assert_eq!(err.body()["detail"]["error_description"], err.description());
    /// # });
    /// ```
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "detail": { "error": self.code.as_str(), "error_description": self.description }
        })
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthError")
            .field("code", &self.code)
            .field("description", &self.description)
            .field("scheme", &self.scheme)
            .finish()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.description.is_empty() {
            f.write_str(self.code.as_str())
        } else {
            write!(f, "{}: {}", self.code.as_str(), self.description)
        }
    }
}

impl std::error::Error for AuthError {}

/// A configuration that cannot work, reported when it is built (never at request time).
///
/// ```
/// use auth0_actix::Auth0;
/// let err = Auth0::builder().domain("tenant.us.auth0.com").build().unwrap_err();
/// assert!(err.to_string().contains("audience"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting is missing.
    Missing {
        /// The setting (builder method or environment variable).
        setting: &'static str,
        /// What to do about it.
        hint: &'static str,
    },
    /// A setting has a value that cannot be used.
    Invalid {
        /// The setting (builder method or environment variable).
        setting: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Settings that contradict each other.
    Conflict(String),
    /// The HTTP client for discovery and JWKS could not be built.
    HttpClient(String),
}

impl ConfigError {
    pub(crate) fn invalid(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            setting: setting.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing { setting, hint } => write!(f, "{setting} is required: {hint}"),
            ConfigError::Invalid { setting, reason } => write!(f, "invalid {setting}: {reason}"),
            ConfigError::Conflict(msg) => f.write_str(msg),
            ConfigError::HttpClient(msg) => {
                write!(
                    f,
                    "cannot build the HTTP client for discovery and JWKS: {msg}"
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {}
