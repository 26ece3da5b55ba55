//! Configuration: [`Auth0Builder`] (from code or from the environment), validated once when
//! built into the immutable, cheaply cloned [`Auth0`] handle that the rest of the pipeline reads.
//!
//! Every default is documented on the builder method that changes it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;

use crate::algorithm::Algorithm;
use crate::authorize::Grants;
use crate::challenge::{ChallengeContext, Offered};
use crate::clock::{Clock, SystemClock};
use crate::crypto::CryptoBackend;
use crate::dpop::{InMemoryReplayStore, ReplayStore};
use crate::error::{AuthError, ConfigError};
use crate::keys::KeyStore;
use crate::metrics::{Counters, Metrics};
use crate::verified_cache::{
    TokenCache, DEFAULT_TOKEN_CACHE_BYTES, DEFAULT_TOKEN_CACHE_ENTRIES,
    DEFAULT_TOKEN_CACHE_TTL_SECS,
};

/// How DPoP (RFC 9449) is handled, from `dpop_enabled` / `dpop_required`.
///
/// ```
/// use auth0_actix::{Auth0, DpopMode};
/// let auth0 = Auth0::builder()
///     .domain("tenant.us.auth0.com")
///     .audience("https://api.example.com")
///     .build()?;
/// assert_eq!(auth0.dpop_mode(), DpopMode::Allowed);
/// # Ok::<(), auth0_actix::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpopMode {
    /// `dpop_enabled = false`: Bearer only; the `DPoP` scheme is an unknown scheme and a `DPoP`
    /// header beside a Bearer token is ignored.
    Disabled,
    /// The default ("mixed"): Bearer and DPoP are both accepted.
    Allowed,
    /// `dpop_required = true`: only DPoP is accepted.
    Required,
}

/// Renders an [`AuthError`] as the application wants; see [`Auth0Builder::error_renderer`].
pub type ErrorRenderer = Arc<dyn Fn(&AuthError) -> HttpResponse + Send + Sync>;

/// Default upper bound of discovery and JWKS cache lifetimes.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(600);
/// Default number of entries in each of the discovery and JWKS caches.
pub const DEFAULT_CACHE_MAX_ENTRIES: usize = 100;
/// Default seconds a DPoP proof `iat` may lie in the future.
pub const DEFAULT_DPOP_IAT_LEEWAY: u64 = 30;
/// Default maximum age of a DPoP proof, in seconds.
pub const DEFAULT_DPOP_IAT_OFFSET: u64 = 300;
/// Default lower bound of discovery and JWKS cache lifetimes (a tiny `max-age` is raised to it).
pub const DEFAULT_CACHE_MIN_TTL: Duration = Duration::from_secs(30);
/// Default time an expired discovery or JWKS document may still be used when refreshing it
/// fails (stale-if-error, difference D12).
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(3600);
/// Default minimum time between two JWKS refetches caused by unknown `kid`s (D11).
pub const DEFAULT_UNKNOWN_KID_COOLDOWN: Duration = Duration::from_secs(30);
/// Default connect timeout for discovery and JWKS fetches.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout (connect, request, response body) for discovery and JWKS fetches.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest discovery or JWKS document accepted (difference D16).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Upper bound of `dpop_iat_leeway`, `dpop_iat_offset` and `unknown_kid_cooldown`: one day.
/// Larger values are configuration mistakes (a proof valid for a year, a year without
/// picking up a rotated key), and would overflow time arithmetic near `u64::MAX`.
const MAX_WINDOW_SECS: u64 = 86_400;

/// Builds an [`Auth0`] handle. Start from [`Auth0::builder`] or [`Auth0Builder::from_env`].
///
/// ```
/// use std::time::Duration;
/// use auth0_actix::{Algorithm, Auth0};
///
/// let auth0 = Auth0::builder()
///     .domain("tenant.us.auth0.com")          // or "https://tenant.us.auth0.com/"
///     .audience("https://api.example.com")
///     .dpop_required(true)
///     .algorithms([Algorithm::RS256, Algorithm::PS256])
///     .clock_leeway(Duration::from_secs(5))
///     .build()?;
/// # Ok::<(), auth0_actix::ConfigError>(())
/// ```
#[derive(Clone)]
#[must_use = "call .build() to get an Auth0 handle"]
pub struct Auth0Builder {
    domain: Option<String>,
    audience: Option<String>,
    dpop_enabled: bool,
    dpop_required: bool,
    dpop_iat_leeway: u64,
    dpop_iat_offset: u64,
    trust_proxy: bool,
    cache_ttl: Duration,
    cache_min_ttl: Duration,
    cache_max_entries: usize,
    max_stale: Duration,
    unknown_kid_cooldown: Duration,
    clock: Arc<dyn Clock>,
    domains: Option<Domains>,
    algorithms: Vec<Algorithm>,
    grants: Grants,
    missing_credentials_unauthorized: bool,
    token_cache_entries: usize,
    token_cache_ttl: Duration,
    proof_algorithms: Vec<Algorithm>,
    crypto_backend: CryptoBackend,
    replay_store: Option<Arc<dyn ReplayStore>>,
    clock_leeway: Duration,
    connect_timeout: Duration,
    http_timeout: Duration,
    root_certificates: Vec<Vec<u8>>,
    allow_insecure_http_on_loopback: bool,
    error_renderer: Option<ErrorRenderer>,
    /// Trust the system roots and `SSL_CERT_FILE` (off only for handles that never fetch).
    system_trust: bool,
}

impl fmt::Debug for Auth0Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth0Builder")
            .field("domain", &self.domain)
            .field("audience", &self.audience)
            .field("dpop_enabled", &self.dpop_enabled)
            .field("dpop_required", &self.dpop_required)
            .field("trust_proxy", &self.trust_proxy)
            .finish_non_exhaustive()
    }
}

impl Default for Auth0Builder {
    fn default() -> Self {
        Auth0Builder {
            domain: None,
            audience: None,
            dpop_enabled: true,
            dpop_required: false,
            dpop_iat_leeway: DEFAULT_DPOP_IAT_LEEWAY,
            dpop_iat_offset: DEFAULT_DPOP_IAT_OFFSET,
            trust_proxy: false,
            cache_ttl: DEFAULT_CACHE_TTL,
            cache_min_ttl: DEFAULT_CACHE_MIN_TTL,
            cache_max_entries: DEFAULT_CACHE_MAX_ENTRIES,
            max_stale: DEFAULT_MAX_STALE,
            unknown_kid_cooldown: DEFAULT_UNKNOWN_KID_COOLDOWN,
            clock: Arc::new(SystemClock),
            domains: None,
            algorithms: vec![Algorithm::RS256],
            grants: Grants::Scope,
            missing_credentials_unauthorized: false,
            token_cache_entries: DEFAULT_TOKEN_CACHE_ENTRIES,
            token_cache_ttl: Duration::from_secs(DEFAULT_TOKEN_CACHE_TTL_SECS),
            proof_algorithms: vec![Algorithm::ES256],
            crypto_backend: CryptoBackend::AwsLc,
            replay_store: Some(Arc::new(InMemoryReplayStore::default())),
            clock_leeway: Duration::ZERO,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            root_certificates: Vec::new(),
            allow_insecure_http_on_loopback: false,
            error_renderer: None,
            system_trust: true,
        }
    }
}

/// The environment variables [`Auth0Builder::from_env`] reads.
pub mod env {
    /// Tenant domain, e.g. `tenant.us.auth0.com` (required).
    pub const DOMAIN: &str = "AUTH0_DOMAIN";
    /// API identifier (required).
    pub const AUDIENCE: &str = "AUTH0_AUDIENCE";
    /// `true`/`false`: DPoP accepted (default `true`).
    pub const DPOP_ENABLED: &str = "AUTH0_DPOP_ENABLED";
    /// `true`/`false`: only DPoP accepted (default `false`).
    pub const DPOP_REQUIRED: &str = "AUTH0_DPOP_REQUIRED";
    /// Seconds a proof `iat` may lie in the future (default 30).
    pub const DPOP_IAT_LEEWAY: &str = "AUTH0_DPOP_IAT_LEEWAY";
    /// Maximum proof age in seconds (default 300).
    pub const DPOP_IAT_OFFSET: &str = "AUTH0_DPOP_IAT_OFFSET";
    /// `true`/`false`: read `X-Forwarded-Proto/Host/Prefix` (default `false`).
    pub const TRUST_PROXY: &str = "AUTH0_TRUST_PROXY";
    /// Upper bound of discovery/JWKS cache lifetimes in seconds (default 600).
    pub const CACHE_TTL: &str = "AUTH0_CACHE_TTL";
    /// Entries per cache (default 100).
    pub const CACHE_MAX_ENTRIES: &str = "AUTH0_CACHE_MAX_ENTRIES";
    /// Comma-separated allowed token algorithms (default `RS256`).
    pub const ALGORITHMS: &str = "AUTH0_ALGORITHMS";
    /// Clock leeway in seconds for `exp`/`nbf` (default 0).
    pub const CLOCK_LEEWAY: &str = "AUTH0_CLOCK_LEEWAY";
    /// A PEM bundle of extra CAs trusted for discovery/JWKS (as curl and OpenSSL read it).
    pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
}

impl Auth0Builder {
    /// A builder with every setting at its default.
    ///
    /// ```
    /// use auth0_actix::Auth0Builder;
    /// let auth0 = Auth0Builder::new()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from the `AUTH0_*` environment variables (see [`mod@env`]); unset ones keep
    /// their defaults. A value that does not parse is an error naming the variable, never a
    /// silent default: so is a variable that is set but blank (`AUTH0_DPOP_REQUIRED=`), except
    /// `AUTH0_DOMAIN` and `AUTH0_AUDIENCE`, for which blank means unset (as the example API reads
    /// them; [`build`](Self::build) then names whichever is required). Values may be surrounded
    /// by whitespace. Further builder calls may override what was read.
    ///
    /// ```no_run
    /// let auth0 = auth0_actix::Auth0Builder::from_env()?.build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with a custom variable source (handy in tests).
    ///
    /// ```
    /// use auth0_actix::Auth0Builder;
    /// let vars = [("AUTH0_DOMAIN", "tenant.us.auth0.com"), ("AUTH0_AUDIENCE", "api")];
    /// let builder = Auth0Builder::from_lookup(|name| {
    ///     vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    /// })?;
    /// assert!(builder.build().is_ok());
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut b = Self::default();
        let text = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        b.domain = text(env::DOMAIN);
        b.audience = text(env::AUDIENCE);
        // Settings that must parse: blank is not a value.
        let get = |name: &str| -> Result<Option<String>, ConfigError> {
            match lookup(name) {
                Some(v) if v.trim().is_empty() => Err(ConfigError::invalid(
                    name,
                    "set but blank: give it a value, or unset it to use the default",
                )),
                v => Ok(v),
            }
        };
        if let Some(v) = get(env::DPOP_ENABLED)? {
            b.dpop_enabled = parse_bool(env::DPOP_ENABLED, &v)?;
        }
        if let Some(v) = get(env::DPOP_REQUIRED)? {
            b.dpop_required = parse_bool(env::DPOP_REQUIRED, &v)?;
        }
        if let Some(v) = get(env::DPOP_IAT_LEEWAY)? {
            b.dpop_iat_leeway = parse_u64(env::DPOP_IAT_LEEWAY, &v)?;
        }
        if let Some(v) = get(env::DPOP_IAT_OFFSET)? {
            b.dpop_iat_offset = parse_u64(env::DPOP_IAT_OFFSET, &v)?;
        }
        if let Some(v) = get(env::TRUST_PROXY)? {
            b.trust_proxy = parse_bool(env::TRUST_PROXY, &v)?;
        }
        if let Some(v) = get(env::CACHE_TTL)? {
            b.cache_ttl = Duration::from_secs(parse_u64(env::CACHE_TTL, &v)?);
        }
        if let Some(v) = get(env::CACHE_MAX_ENTRIES)? {
            b.cache_max_entries = usize::try_from(parse_u64(env::CACHE_MAX_ENTRIES, &v)?)
                .map_err(|_| ConfigError::invalid(env::CACHE_MAX_ENTRIES, "too large"))?;
        }
        if let Some(v) = get(env::ALGORITHMS)? {
            b.algorithms = v
                .split(',')
                .map(|a| {
                    a.trim().parse::<Algorithm>().map_err(|e| {
                        ConfigError::invalid(env::ALGORITHMS, format!("`{}` is {e}", a.trim()))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = get(env::CLOCK_LEEWAY)? {
            b.clock_leeway = Duration::from_secs(parse_u64(env::CLOCK_LEEWAY, &v)?);
        }
        Ok(b)
    }

    /// The tenant domain: `tenant.us.auth0.com`, `auth.example.com:8443` or
    /// `https://auth.example.com/` (normalised, difference D14). Required. Discovery is fetched
    /// from `https://{domain}/.well-known/openid-configuration`. `http://`, paths, queries and
    /// credentials are rejected by [`build`](Self::build).
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("https://tenant.us.auth0.com/") // normalised
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// assert_eq!(auth0.issuer(), Some("https://tenant.us.auth0.com/"));
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The API identifier tokens must be issued for (`aud`). Required.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// assert_eq!(auth0.audience(), "https://api.example.com");
    /// assert!(Auth0::builder().domain("tenant.us.auth0.com").build().is_err(), "audience is required");
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Accept DPoP-bound tokens. Default `true` (mixed mode with `dpop_required(false)`).
    ///
    /// ```
    /// use auth0_actix::DpopMode;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .dpop_enabled(false) // Bearer only
    ///     .build()?;
    /// assert_eq!(auth0.dpop_mode(), DpopMode::Disabled);
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_enabled(mut self, enabled: bool) -> Self {
        self.dpop_enabled = enabled;
        self
    }

    /// Accept only DPoP. Default `false`. Contradicts `dpop_enabled(false)` (an error at build,
    /// difference D15).
    ///
    /// ```
    /// use auth0_actix::DpopMode;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .dpop_required(true) // DPoP only
    ///     .build()?;
    /// assert_eq!(auth0.dpop_mode(), DpopMode::Required);
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_required(mut self, required: bool) -> Self {
        self.dpop_required = required;
        self
    }

    /// Seconds a DPoP proof's `iat` may lie in the future (clock skew). Default 30; at most
    /// 86 400 (one day), checked by [`build`](Self::build).
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .dpop_iat_leeway(10)
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_iat_leeway(mut self, seconds: u64) -> Self {
        self.dpop_iat_leeway = seconds;
        self
    }

    /// Maximum age of a DPoP proof in seconds. Default 300; at most 86 400 (one day), checked
    /// by [`build`](Self::build).
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .dpop_iat_offset(120)
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_iat_offset(mut self, seconds: u64) -> Self {
        self.dpop_iat_offset = seconds;
        self
    }

    /// Build the expected request URL from `X-Forwarded-Proto/Host/Prefix`. Default `false`.
    /// Enable it only behind a reverse proxy that sets these headers itself: a client that can
    /// reach the app directly could otherwise choose the URL its DPoP proofs are checked against.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .trust_proxy(true) // only behind a proxy that sets X-Forwarded-*
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn trust_proxy(mut self, trust: bool) -> Self {
        self.trust_proxy = trust;
        self
    }

    /// Upper bound of discovery and JWKS cache lifetimes (`Cache-Control: max-age` may shorten
    /// it). Default 600 s. `Duration::ZERO` means no reuse, as in the reference: every lookup
    /// fetches (concurrent ones share one fetch), and the last good copy is still served when a
    /// fetch fails (see [`max_stale`](Self::max_stale)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .cache_ttl(Duration::from_secs(3600))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// Lower bound of discovery and JWKS cache lifetimes: a smaller `max-age` is raised to it
    /// (never above [`cache_ttl`](Self::cache_ttl)). Default 30 s. Refreshes start in the
    /// background at 80% of a document's lifetime (or on its first use after it, the expired copy
    /// answering meanwhile), so requests do not wait for them.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .cache_min_ttl(Duration::from_secs(60))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn cache_min_ttl(mut self, ttl: Duration) -> Self {
        self.cache_min_ttl = ttl;
        self
    }

    /// How long past its lifetime a discovery or JWKS document may still be used: while it is
    /// being refreshed in the background, and when refreshing it fails (stale-if-error: an IdP
    /// outage must not become an API outage; each such use is logged and counted in
    /// [`Metrics::stale_served`]). Default 1 hour; `Duration::ZERO` turns it off (a request
    /// past a document's lifetime then waits for its refetch).
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .max_stale(Duration::from_secs(6 * 3600))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// Minimum time between two refetches of one JWKS caused by tokens with an unknown `kid`.
    /// A newly rotated key is picked up on its first use; a flood of made-up `kid`s causes at
    /// most one fetch per cooldown. Default 30 s; more than zero and at most one day, checked
    /// by [`build`](Self::build).
    ///
    /// It is also the back-off after a failed fetch: a document whose refresh failed is served
    /// (stale) without asking the issuer again for this long, and after a fetch that timed out,
    /// requests with no copy to serve get its failure at once for this long instead of each
    /// waiting for a timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .unknown_kid_cooldown(Duration::from_secs(60))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn unknown_kid_cooldown(mut self, cooldown: Duration) -> Self {
        self.unknown_kid_cooldown = cooldown;
        self
    }

    /// The clock every time check reads. Default: the system clock. Tests can pass a
    /// `ManualClock` (feature `testing`) to move time instead of sleeping.
    ///
    /// ```
    /// use auth0_actix::SystemClock;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .clock(SystemClock)
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Accepts tokens from several issuers (custom domains): a static allow-list. Each token's
    /// `iss` must be in the list (checked before any network I/O) and discovery is fetched from
    /// the token's issuer. May be combined with [`domain`](Self::domain) (hybrid mode), which
    /// then only names the tenant for other uses.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domains(["tenant.us.auth0.com", "auth.example.com"])
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domains = Some(Domains::List(domains.into_iter().map(Into::into).collect()));
        self
    }

    /// Accepts tokens from the issuers a resolver allows for each request (see
    /// [`DomainsResolver`]). Its failures answer 500 `domains_resolver_error`.
    ///
    /// ```
    /// use auth0_actix::{dpop::BoxFuture, Auth0, DomainsResolver, ResolverContext};
    ///
    /// /// Both regional tenants, whatever the request.
    /// struct Regions;
    /// impl DomainsResolver for Regions {
    ///     fn resolve<'a>(&'a self, _: &'a ResolverContext<'a>) -> BoxFuture<'a, Result<Vec<String>, String>> {
    ///         Box::pin(async { Ok(vec!["tenant.eu.auth0.com".into(), "tenant.us.auth0.com".into()]) })
    ///     }
    /// }
    /// let auth0 = Auth0::builder()
    ///     .domains_resolver(Regions)
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn domains_resolver(mut self, resolver: impl DomainsResolver) -> Self {
        self.domains = Some(Domains::Resolver(Arc::new(resolver)));
        self
    }

    /// Entries in each of the discovery and JWKS caches (at least 1). Default 100.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .cache_max_entries(10)
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn cache_max_entries(mut self, entries: usize) -> Self {
        self.cache_max_entries = entries;
        self
    }

    /// Algorithms access tokens may be signed with. Default `[RS256]`, which is what Auth0
    /// issues. `none` and `HS*` cannot be expressed. A token's `alg` must also fit its key.
    ///
    /// ```
    /// use auth0_actix::Algorithm;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .algorithms([Algorithm::RS256, Algorithm::PS256])
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Algorithms DPoP proofs may be signed with: any of `ES256`, `ES384`, `EdDSA`. Default
    /// `[ES256]` (what the reference accepts). The `algs` challenge parameter lists them.
    ///
    /// ```
    /// use auth0_actix::Algorithm;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .proof_algorithms([Algorithm::ES256, Algorithm::EdDSA])
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn proof_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.proof_algorithms = algorithms.into_iter().collect();
        self
    }

    /// Which library verifies token and proof signatures. Default [`CryptoBackend::AwsLc`]
    /// (aws-lc-rs, the fastest we measured); with the `rust-crypto` feature,
    /// `CryptoBackend::RustCrypto` uses the pure-Rust RustCrypto crates instead.
    ///
    /// ```
    /// use auth0_actix::{Auth0, CryptoBackend};
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .crypto_backend(CryptoBackend::AwsLc)
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn crypto_backend(mut self, backend: CryptoBackend) -> Self {
        self.crypto_backend = backend;
        self
    }

    /// Where seen DPoP proofs are remembered to refuse replays (difference D7). Default: an
    /// [`InMemoryReplayStore`] of [`DEFAULT_REPLAY_CAPACITY`](crate::dpop::DEFAULT_REPLAY_CAPACITY)
    /// proofs, right for one node; several nodes behind a load balancer need a shared store.
    /// `None` turns replay protection off (as the reference, which has none).
    ///
    /// ```
    /// use auth0_actix::{dpop::InMemoryReplayStore, Auth0};
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .replay_store(Some(InMemoryReplayStore::new(1_000_000)))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn replay_store(mut self, store: Option<impl ReplayStore>) -> Self {
        self.replay_store = store.map(|s| Arc::new(s) as Arc<dyn ReplayStore>);
        self
    }

    /// Where grants are read from when a route does not say: [`Grants::Scope`] (default, as the
    /// reference), `Permissions` or `ScopeOrPermissions` (Auth0 RBAC's `permissions` claim).
    ///
    /// ```
    /// use auth0_actix::Grants;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .grants(Grants::ScopeOrPermissions) // Auth0 RBAC
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    /// Answers a request without any `Authorization` header with RFC 6750's `401` and a bare
    /// challenge (no error parameters) instead of the reference's `400 invalid_request`.
    /// Default `false`. Malformed or unknown-scheme credentials stay `400`.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .missing_credentials_unauthorized(true) // 401 + bare challenge
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn missing_credentials_unauthorized(mut self, enabled: bool) -> Self {
        self.missing_credentials_unauthorized = enabled;
        self
    }

    /// How many verified access tokens to remember so that a repeated token skips signature
    /// verification (see the crate docs' "Verified-token cache" section for why this is safe).
    /// Default 10 000; `0` turns the cache off. Memory is also bounded (16 MiB of tokens) and
    /// tokens over 8 KiB are never cached.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .verified_token_cache(0) // every request verifies a signature
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn verified_token_cache(mut self, entries: usize) -> Self {
        self.token_cache_entries = entries;
        self
    }

    /// Longest time a verified token is remembered (never past its `exp`). Default 300 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .verified_token_cache_ttl(Duration::from_secs(60))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn verified_token_cache_ttl(mut self, ttl: Duration) -> Self {
        self.token_cache_ttl = ttl;
        self
    }

    /// Clock leeway applied to `exp` and `nbf`. Default 0 (as the reference).
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .clock_leeway(Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn clock_leeway(mut self, leeway: Duration) -> Self {
        self.clock_leeway = leeway;
        self
    }

    /// Connect timeout for discovery and JWKS fetches. Default 5 s; zero is rejected by
    /// [`build`](Self::build).
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .connect_timeout(Duration::from_secs(2))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Total timeout of one discovery or JWKS fetch. Default 10 s; zero is rejected by
    /// [`build`](Self::build).
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .http_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Trusts the CA certificate(s) in this PEM for discovery and JWKS, in addition to the
    /// system roots and any in `SSL_CERT_FILE`. Checked by [`build`](Self::build).
    ///
    /// ```no_run
    /// use auth0_actix::Auth0;
    /// let pem = std::fs::read("/etc/my-company/ca.pem")?;
    /// let auth0 = Auth0::builder()
    ///     .domain("auth.internal.example.com")
    ///     .audience("https://api.example.com")
    ///     .root_certificate_pem(pem)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Allows a plain-`http://` domain when its host is a loopback address (`127.0.0.0/8`,
    /// `::1`, `localhost`). Default `false`. For local issuers in tests and offline examples
    /// only: tokens fetched over plain HTTP prove nothing on a network.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("http://127.0.0.1:8081") // a local issuer in a test
    ///     .audience("https://api.example.com")
    ///     .allow_insecure_http_on_loopback(true)
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn allow_insecure_http_on_loopback(mut self, allow: bool) -> Self {
        self.allow_insecure_http_on_loopback = allow;
        self
    }

    /// Renders authentication errors the application's own way. The response's status and
    /// `WWW-Authenticate` challenge are always set from the error afterwards, so a renderer
    /// chooses the body and extra headers only. Default: the reference's JSON body.
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use auth0_actix::Auth0;
    ///
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .error_renderer(|err| {
    ///         HttpResponse::Ok().json(serde_json::json!({
    ///             "error": err.code().as_str(),
    ///             "message": err.description(),
    ///         }))
    ///     })
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn error_renderer(
        mut self,
        render: impl Fn(&AuthError) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        self.error_renderer = Some(Arc::new(render));
        self
    }

    /// Validates the settings and builds the handle. Errors say what to fix.
    ///
    /// ```
    /// use auth0_actix::{Auth0, ConfigError};
    /// let err = Auth0::builder().audience("https://api.example.com").build().unwrap_err();
    /// assert!(err.to_string().contains("domain"), "{err}");
    ///
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn build(self) -> Result<Auth0, ConfigError> {
        let audience = self
            .audience
            .clone()
            .filter(|a| !a.trim().is_empty())
            .ok_or(ConfigError::Missing {
                setting: "audience (AUTH0_AUDIENCE)",
                hint: "set it to your API's identifier from the Auth0 dashboard",
            })?;
        let issuer = match self.domain.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(d) => Some(
                normalize_domain(d, self.allow_insecure_http_on_loopback)
                    .map_err(|reason| ConfigError::invalid("domain (AUTH0_DOMAIN)", reason))?,
            ),
            None => None,
        };
        let domains = match &self.domains {
            None => None,
            Some(Domains::List(list)) => {
                if list.is_empty() {
                    return Err(ConfigError::invalid(
                        "domains",
                        "domains list cannot be empty",
                    ));
                }
                let mut normalized = Vec::with_capacity(list.len());
                for d in list {
                    if d.trim().is_empty() {
                        return Err(ConfigError::invalid(
                            "domains",
                            "domains list must contain only non-empty strings",
                        ));
                    }
                    normalized.push(
                        normalize_domain(d, self.allow_insecure_http_on_loopback).map_err(
                            |reason| ConfigError::invalid("domains", format!("`{d}`: {reason}")),
                        )?,
                    );
                }
                Some(Domains::List(normalized))
            }
            Some(Domains::Resolver(r)) => Some(Domains::Resolver(r.clone())),
        };
        if issuer.is_none() && domains.is_none() {
            return Err(ConfigError::Missing {
                setting: "domain (AUTH0_DOMAIN)",
                hint: "set it to your tenant domain, e.g. tenant.us.auth0.com (or list several \
                       custom domains with domains(..))",
            });
        }
        if !self.dpop_enabled && self.dpop_required {
            return Err(ConfigError::Conflict(
                "dpop_required(true) contradicts dpop_enabled(false): every request would fail. \
                 Enable DPoP or stop requiring it"
                    .into(),
            ));
        }
        if self.algorithms.is_empty() {
            return Err(ConfigError::invalid(
                "algorithms",
                "allow at least one algorithm",
            ));
        }
        if self.cache_max_entries == 0 {
            return Err(ConfigError::invalid(
                "cache_max_entries (AUTH0_CACHE_MAX_ENTRIES)",
                "must be at least 1",
            ));
        }
        self.check_ranges()?;
        let mode = match (self.dpop_enabled, self.dpop_required) {
            (false, _) => DpopMode::Disabled,
            (true, false) => DpopMode::Allowed,
            (true, true) => DpopMode::Required,
        };
        let mut proof_algorithms = self.proof_algorithms.clone();
        proof_algorithms.dedup();
        if proof_algorithms.is_empty() {
            return Err(ConfigError::invalid(
                "proof_algorithms",
                "allow at least one algorithm",
            ));
        }
        if let Some(a) = proof_algorithms
            .iter()
            .find(|a| !matches!(a, Algorithm::ES256 | Algorithm::ES384 | Algorithm::EdDSA))
        {
            return Err(ConfigError::invalid(
                "proof_algorithms",
                format!("{a} is not supported for DPoP proofs (use ES256, ES384 or EdDSA)"),
            ));
        }
        let challenge = ChallengeContext {
            offered: match mode {
                DpopMode::Disabled => Offered::BearerOnly,
                DpopMode::Allowed => Offered::Both,
                DpopMode::Required => Offered::DpopOnly,
            },
            algs: proof_algorithms
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        };
        let counters = Arc::new(Counters::default());
        let keys = KeyStore::new(&self, self.clock.clone(), counters.clone())?;
        let mut algorithms = self.algorithms.clone();
        algorithms.dedup();
        Ok(Auth0 {
            inner: Arc::new(Config {
                issuer,
                domains,
                audience,
                mode,
                clock: self.clock.clone(),
                counters,
                dpop_iat_leeway: self.dpop_iat_leeway,
                dpop_iat_offset: self.dpop_iat_offset,
                trust_proxy: self.trust_proxy,
                algorithms,
                proof_algorithms,
                crypto_backend: self.crypto_backend,
                clock_leeway: self.clock_leeway.as_secs(),
                grants: self.grants,
                token_cache: (self.token_cache_entries > 0).then(|| {
                    TokenCache::new(
                        self.token_cache_entries,
                        DEFAULT_TOKEN_CACHE_BYTES,
                        self.token_cache_ttl.as_secs(),
                    )
                }),
                missing_credentials_unauthorized: self.missing_credentials_unauthorized,
                replay_store: self.replay_store.clone(),
                challenge,
                error_renderer: self.error_renderer.clone(),
                keys,
                #[cfg(feature = "testing")]
                fixed_claims: None,
            }),
        })
    }

    /// Time settings outside their ranges: each error names the setting, its environment
    /// variable when it has one, the allowed range and the value given.
    fn check_ranges(&self) -> Result<(), ConfigError> {
        for (setting, seconds) in [
            (
                "dpop_iat_leeway (AUTH0_DPOP_IAT_LEEWAY)",
                self.dpop_iat_leeway,
            ),
            (
                "dpop_iat_offset (AUTH0_DPOP_IAT_OFFSET)",
                self.dpop_iat_offset,
            ),
        ] {
            if seconds > MAX_WINDOW_SECS {
                return Err(ConfigError::invalid(
                    setting,
                    format!(
                        "must be between 0 and {MAX_WINDOW_SECS} seconds (one day), got {seconds}"
                    ),
                ));
            }
        }
        let cooldown = self.unknown_kid_cooldown;
        if cooldown.is_zero() || cooldown > Duration::from_secs(MAX_WINDOW_SECS) {
            return Err(ConfigError::invalid(
                "unknown_kid_cooldown",
                format!(
                    "must be more than 0 and at most {MAX_WINDOW_SECS} s (one day), got {} s \
                     (it also spaces out retries while the issuer fails)",
                    cooldown.as_secs_f64()
                ),
            ));
        }
        for (setting, timeout) in [
            ("connect_timeout", self.connect_timeout),
            ("http_timeout", self.http_timeout),
        ] {
            if timeout.is_zero() {
                return Err(ConfigError::invalid(
                    setting,
                    "must be more than 0 (a zero timeout fails every fetch)",
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn key_settings(&self) -> KeySettings<'_> {
        KeySettings {
            min_ttl: self.cache_min_ttl,
            max_stale: self.max_stale,
            kid_cooldown: self.unknown_kid_cooldown,
            algorithms: &self.algorithms,
            crypto_backend: self.crypto_backend,
            connect_timeout: self.connect_timeout,
            timeout: self.http_timeout,
            root_certificates: &self.root_certificates,
            allow_http: self.allow_insecure_http_on_loopback,
            cache_ttl: self.cache_ttl,
            cache_max_entries: self.cache_max_entries,
            system_trust: self.system_trust,
        }
    }
}

/// What the key store needs from the builder.
pub(crate) struct KeySettings<'a> {
    pub(crate) min_ttl: Duration,
    pub(crate) max_stale: Duration,
    pub(crate) kid_cooldown: Duration,
    pub(crate) algorithms: &'a [Algorithm],
    pub(crate) crypto_backend: CryptoBackend,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) root_certificates: &'a [Vec<u8>],
    pub(crate) allow_http: bool,
    pub(crate) cache_ttl: Duration,
    pub(crate) cache_max_entries: usize,
    /// Trust the system roots and `SSL_CERT_FILE`; when false, nothing at all.
    pub(crate) system_trust: bool,
}

fn parse_bool(var: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::invalid(
            var,
            format!("`{value}` is not a boolean (true/false)"),
        )),
    }
}

fn parse_u64(var: &str, value: &str) -> Result<u64, ConfigError> {
    value.trim().parse().map_err(|_| {
        ConfigError::invalid(
            var,
            format!("`{value}` is not a whole number of seconds/entries"),
        )
    })
}

/// Normalises a domain or issuer to `https://host[:port]/` (or `http://` for loopback hosts
/// when allowed). Accepts a bare host, `host:port`, and `https://host/` with trailing slashes;
/// rejects other schemes, credentials, paths, queries and fragments.
pub(crate) fn normalize_domain(input: &str, allow_http_loopback: bool) -> Result<String, String> {
    let lower = input.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return Err("domain must be a non-empty string".into());
    }
    let (scheme, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        ("http", rest)
    } else if lower.contains("://") {
        return Err("invalid domain URL (https required)".into());
    } else {
        ("https", lower.as_str())
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if tail.chars().any(|c| c != '/') {
        return Err("invalid domain URL (path/query/fragment are not allowed)".into());
    }
    if authority.contains('@') {
        return Err("invalid domain URL (credentials are not allowed)".into());
    }
    if authority.is_empty() {
        return Err("domain must be a non-empty string".into());
    }
    // Fast path (every token's `iss` goes through here): a plain DNS name with an optional
    // port, which a URL parser would leave unchanged, needs no parser.
    if scheme == "https" && is_plain_dns_authority(authority) {
        let mut normalized = String::with_capacity(authority.len() + 9);
        normalized.push_str("https://");
        normalized.push_str(authority);
        normalized.push('/');
        return Ok(normalized);
    }
    let url = url::Url::parse(&format!("{scheme}://{authority}/"))
        .map_err(|e| format!("invalid domain URL ({e})"))?;
    let host = url.host_str().unwrap_or_default();
    if scheme == "http" && !(allow_http_loopback && is_loopback(host)) {
        return Err(if allow_http_loopback {
            "invalid domain URL (https required; plain http is allowed for loopback hosts only)"
                .into()
        } else {
            "invalid domain URL (https required)".into()
        });
    }
    let normalized = url.as_str().to_owned();
    // The URL parser may have rewritten the host (IDNA, IP forms); insist on a canonical input so
    // two spellings of one issuer cannot disagree later.
    if normalized != format!("{scheme}://{authority}/") {
        return Err(format!(
            "invalid domain URL (not a canonical host: use {normalized})"
        ));
    }
    Ok(normalized)
}

/// `label(.label)*[:port]` with lower-case letters, digits and inner hyphens, no label starting
/// with `xn--`-style oddities the parser would need to check, a non-numeric final label, and a
/// port of 1–5 digits without a leading zero. Anything else takes the URL parser's path.
fn is_plain_dns_authority(authority: &str) -> bool {
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && !p.starts_with('0')
            && p.parse::<u16>().is_ok_and(|n| n != 443)
    });
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && !l.starts_with("xn--")
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_lowercase()));
    // A dotted-quad IPv4 address in canonical form (what the URL parser would print).
    let ipv4_ok = || {
        host.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| host.len() <= 15 && ip.to_string() == host)
    };
    port_ok && (labels_ok || ipv4_ok())
}

pub(crate) fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// A handle that hands `claims` to every request with credentials (see
/// [`crate::testing::mock_auth0`]).
#[cfg(feature = "testing")]
pub(crate) fn mocked(claims: crate::Claims) -> Auth0 {
    // It never fetches: no trust store to read, so an unreadable SSL_CERT_FILE (or a system
    // without CA certificates) cannot make it fail.
    let built = Auth0Builder {
        system_trust: false,
        ..Auth0::builder().domain("mock.invalid").audience("mock")
    }
    .build();
    // A fixed, valid configuration that reads nothing from the environment: building it
    // cannot fail.
    let Ok(mut auth0) = built else {
        unreachable!("the mock configuration is valid")
    };
    if let Some(config) = Arc::get_mut(&mut auth0.inner) {
        config.fixed_claims = Some(claims);
    }
    auth0
}

/// Allowed issuers for several custom domains.
#[derive(Clone)]
pub(crate) enum Domains {
    /// Normalised `https://host/` issuers (raw strings before `build`).
    List(Vec<String>),
    Resolver(Arc<dyn DomainsResolver>),
}

/// What a [`DomainsResolver`] sees of the request it decides for.
#[derive(Debug)]
#[non_exhaustive]
pub struct ResolverContext<'a> {
    /// The token's `iss`, normalised (`https://host/`), not yet verified.
    pub unverified_iss: &'a str,
    /// The request URL as DPoP `htu` is built (`None` outside a request).
    pub request_url: Option<&'a str>,
    /// The request headers (`None` outside a request).
    pub request_headers: Option<&'a actix_web::http::header::HeaderMap>,
}

/// Decides, per request, which issuers (custom domains) are accepted. Return domains in any
/// form [`Auth0Builder::domain`] accepts; an `Err`, an empty list, a blank or malformed entry is
/// a 500 `domains_resolver_error` (no challenge).
///
/// ```
/// use auth0_actix::{dpop::BoxFuture, Auth0, DomainsResolver, ResolverContext};
///
/// struct PerHost;
/// impl DomainsResolver for PerHost {
///     fn resolve<'a>(&'a self, ctx: &'a ResolverContext<'a>) -> BoxFuture<'a, Result<Vec<String>, String>> {
///         let eu = ctx.request_url.is_some_and(|u| u.contains(".eu."));
///         Box::pin(async move {
///             Ok(vec![if eu { "tenant.eu.auth0.com".into() } else { "tenant.us.auth0.com".into() }])
///         })
///     }
/// }
/// let auth0 = Auth0::builder().domains_resolver(PerHost).audience("https://api").build()?;
/// # Ok::<(), auth0_actix::ConfigError>(())
/// ```
pub trait DomainsResolver: Send + Sync + 'static {
    /// The allowed domains for this request.
    fn resolve<'a>(
        &'a self,
        ctx: &'a ResolverContext<'a>,
    ) -> crate::dpop::BoxFuture<'a, Result<Vec<String>, String>>;
}

/// The configuration every request reads; immutable after [`Auth0Builder::build`].
pub(crate) struct Config {
    /// Normalised `https://host/` of the configured domain (absent in custom-domains mode).
    pub(crate) issuer: Option<String>,
    /// Custom domains (MCD): the allowed issuers, normalised, or a resolver.
    pub(crate) domains: Option<Domains>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) audience: String,
    pub(crate) mode: DpopMode,
    pub(crate) dpop_iat_leeway: u64,
    pub(crate) dpop_iat_offset: u64,
    pub(crate) trust_proxy: bool,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) proof_algorithms: Vec<Algorithm>,
    /// Which library verifies signatures.
    pub(crate) crypto_backend: CryptoBackend,
    /// Seconds.
    pub(crate) clock_leeway: u64,
    pub(crate) grants: Grants,
    pub(crate) missing_credentials_unauthorized: bool,
    pub(crate) token_cache: Option<TokenCache>,
    pub(crate) challenge: ChallengeContext,
    pub(crate) replay_store: Option<Arc<dyn ReplayStore>>,
    pub(crate) error_renderer: Option<ErrorRenderer>,
    pub(crate) keys: KeyStore,
    /// Test-only: skip verification and hand these claims to every request with credentials.
    #[cfg(feature = "testing")]
    pub(crate) fixed_claims: Option<crate::Claims>,
}

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
    pub(crate) inner: Arc<Config>,
}

impl fmt::Debug for Auth0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth0")
            .field("issuer", &self.inner.issuer)
            .field("custom_domains", &self.inner.domains.is_some())
            .field("audience", &self.inner.audience)
            .field("dpop_mode", &self.inner.mode)
            .finish_non_exhaustive()
    }
}

impl Auth0 {
    /// A builder with every setting at its default.
    ///
    /// ```
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn builder() -> Auth0Builder {
        Auth0Builder::default()
    }

    /// `Auth0Builder::from_env()?.build()`: reads [`mod@env`] variables and validates them.
    ///
    /// ```no_run
    /// // AUTH0_DOMAIN=tenant.us.auth0.com AUTH0_AUDIENCE=https://api.example.com
    /// let auth0 = auth0_actix::Auth0::from_env()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Auth0, ConfigError> {
        Auth0Builder::from_env()?.build()
    }

    /// The configured domain as an issuer, normalised (`https://tenant.us.auth0.com/`);
    /// `None` when only [`domains`](Auth0Builder::domains) were given.
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
        self.inner.issuer.as_deref()
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
        self.inner.counters.snapshot()
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
        &self.inner.audience
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
        self.inner.mode
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
        let issuers: Vec<String> = match (&self.inner.issuer, &self.inner.domains) {
            (_, Some(Domains::List(list))) => list.clone(),
            (Some(issuer), _) => vec![issuer.clone()],
            (None, _) => Vec::new(),
        };
        for issuer in issuers {
            self.inner.keys.warm_up(&issuer).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised() {
        for ok in [
            "tenant.auth0.com",
            "https://tenant.auth0.com",
            "tenant.auth0.com/",
            "https://tenant.auth0.com/",
            "TENANT.AUTH0.COM",
            "HTTPS://Tenant.Auth0.COM",
            "  tenant.auth0.com  ",
            "tenant.auth0.com///",
        ] {
            assert_eq!(
                normalize_domain(ok, false).as_deref(),
                Ok("https://tenant.auth0.com/")
            );
        }
        assert_eq!(
            normalize_domain("127.0.0.1:8443", false).unwrap(),
            "https://127.0.0.1:8443/"
        );
        assert_eq!(
            normalize_domain("auth.example.com", false).unwrap(),
            "https://auth.example.com/"
        );
    }

    #[test]
    fn bad_domains_are_rejected_with_the_reason() {
        let err = |d: &str| normalize_domain(d, false).unwrap_err();
        assert!(err("http://tenant.auth0.com").contains("https required"));
        assert!(err("tenant.auth0.com/some/path").contains("path/query/fragment"));
        assert!(err("tenant.auth0.com?foo=bar").contains("path/query/fragment"));
        assert!(err("tenant.auth0.com#section").contains("path/query/fragment"));
        assert!(err("user:pass@tenant.auth0.com").contains("credentials"));
        assert!(err("").contains("non-empty"));
        assert!(err("   ").contains("non-empty"));
        assert!(err("ftp://x").contains("https required"));
    }

    #[test]
    fn fast_path_agrees_with_the_url_parser() {
        for d in [
            "a.b",
            "tenant.us.auth0.com",
            "x-y.example.com:8443",
            "localhost:3000",
            "a1.b2",
            "127.0.0.1:8443",
            "10.0.0.1",
        ] {
            assert!(is_plain_dns_authority(d), "{d}");
            let parsed = url::Url::parse(&format!("https://{d}/")).unwrap();
            assert_eq!(parsed.as_str(), format!("https://{d}/"), "{d}");
        }
        for d in [
            "127.1",
            "1.2.3.04",
            "a..b",
            "-a.b",
            "a-.b",
            "xn--bcher-kva.de",
            "a.b:0",
            "a.b:443",
            "a.b:99999",
            "a.b:",
            "[::1]",
            "a_b.c",
            "A.b",
        ] {
            assert!(!is_plain_dns_authority(d), "{d}");
        }
        assert_eq!(
            normalize_domain("https://a.b:443/", false).unwrap_err(),
            "invalid domain URL (not a canonical host: use https://a.b/)"
        );
    }

    #[test]
    fn plain_http_only_for_loopback_with_opt_in() {
        assert!(normalize_domain("http://127.0.0.1:9000", false).is_err());
        assert_eq!(
            normalize_domain("http://127.0.0.1:9000", true).unwrap(),
            "http://127.0.0.1:9000/"
        );
        assert_eq!(
            normalize_domain("http://localhost:9", true).unwrap(),
            "http://localhost:9/"
        );
        assert!(normalize_domain("http://example.com", true).is_err());
    }

    #[test]
    fn builder_validates() {
        let base = || Auth0::builder().domain("t.auth0.com").audience("api");
        assert!(base().build().is_ok());
        assert!(matches!(
            Auth0::builder().domain("t.auth0.com").build(),
            Err(ConfigError::Missing { .. })
        ));
        assert!(matches!(
            Auth0::builder().audience("a").build(),
            Err(ConfigError::Missing { .. })
        ));
        assert!(matches!(
            base().dpop_enabled(false).dpop_required(true).build(),
            Err(ConfigError::Conflict(_))
        ));
        assert!(base().algorithms([]).build().is_err());
        assert!(base().cache_max_entries(0).build().is_err());
        assert!(base().domain("http://t.auth0.com").build().is_err());
    }

    #[test]
    fn time_settings_are_checked_against_their_ranges() {
        let base = || Auth0::builder().domain("t.auth0.com").audience("api");
        let err = |b: Auth0Builder| b.build().unwrap_err().to_string();
        assert!(base()
            .dpop_iat_leeway(86_400)
            .dpop_iat_offset(86_400)
            .unknown_kid_cooldown(Duration::from_secs(86_400))
            .build()
            .is_ok());
        assert!(base()
            .dpop_iat_leeway(0)
            .dpop_iat_offset(0)
            .unknown_kid_cooldown(Duration::from_millis(1))
            .cache_ttl(Duration::ZERO)
            .build()
            .is_ok());
        assert_eq!(
            err(base().dpop_iat_offset(u64::MAX)),
            "invalid dpop_iat_offset (AUTH0_DPOP_IAT_OFFSET): must be between 0 and 86400 \
             seconds (one day), got 18446744073709551615"
        );
        assert_eq!(
            err(base().dpop_iat_leeway(86_401)),
            "invalid dpop_iat_leeway (AUTH0_DPOP_IAT_LEEWAY): must be between 0 and 86400 \
             seconds (one day), got 86401"
        );
        for cooldown in [Duration::ZERO, Duration::from_secs(86_401)] {
            let e = err(base().unknown_kid_cooldown(cooldown));
            assert!(
                e.starts_with(
                    "invalid unknown_kid_cooldown: must be more than 0 and at most 86400 s"
                ),
                "{e}"
            );
        }
        assert_eq!(
            err(base().connect_timeout(Duration::ZERO)),
            "invalid connect_timeout: must be more than 0 (a zero timeout fails every fetch)"
        );
        assert_eq!(
            err(base().http_timeout(Duration::ZERO)),
            "invalid http_timeout: must be more than 0 (a zero timeout fails every fetch)"
        );
    }

    #[test]
    fn env_values_that_do_not_parse_name_the_variable() {
        let lookup = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            }
        };
        let err =
            Auth0Builder::from_lookup(lookup(&[("AUTH0_DPOP_ENABLED", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("AUTH0_DPOP_ENABLED"), "{err}");
        let err =
            Auth0Builder::from_lookup(lookup(&[("AUTH0_DPOP_IAT_LEEWAY", "-1")])).unwrap_err();
        assert!(err.to_string().contains("AUTH0_DPOP_IAT_LEEWAY"), "{err}");
        let err =
            Auth0Builder::from_lookup(lookup(&[("AUTH0_ALGORITHMS", "RS256,HS256")])).unwrap_err();
        assert!(err.to_string().contains("HS256"), "{err}");
        let auth0 = Auth0Builder::from_lookup(lookup(&[
            ("AUTH0_DOMAIN", "https://tenant.auth0.com/"),
            ("AUTH0_AUDIENCE", "api"),
            ("AUTH0_DPOP_REQUIRED", "true"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(auth0.issuer(), Some("https://tenant.auth0.com/"));
        assert_eq!(auth0.dpop_mode(), DpopMode::Required);
    }
}
