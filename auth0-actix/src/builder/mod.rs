//! [`Auth0Builder`]: every setting of a configuration, with its default, set from code or from
//! the environment, validated once by [`build`](Auth0Builder::build) into the immutable
//! [`Auth0`] handle. The builder sits on top of the crate: it assembles each stage's own
//! settings, and nothing below it imports it.
//!
//! - this file: the settings and their setters (each default documented where it is set);
//! - `env`: environment variable names and parsing ([`Auth0Builder::from_env`]);
//! - `build`: validation and assembly;
//!
//! Every default value is a constant of [`defaults`](crate::defaults).
//!
//! Adding a setting means a field and a setter here, a variable in `env` (when it has one), and
//! the stage's settings struct that `build` fills.

mod build;
pub mod env;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;

use crate::algorithm::Algorithm;
use crate::authorize::Grants;
use crate::clock::{Clock, SystemClock};
use crate::crypto::CryptoBackend;
use crate::defaults;
use crate::dpop::{DpopMode, InMemoryReplayStore, ReplayStore};
use crate::error::{AuthError, ConfigError};
use crate::handle::Auth0;
use crate::issuer::{Domains, DomainsResolver};
use crate::web::respond::ErrorRenderer;

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
    dpop_iat_leeway: Duration,
    dpop_iat_offset: Duration,
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
            dpop_iat_leeway: defaults::DPOP_IAT_LEEWAY,
            dpop_iat_offset: defaults::DPOP_IAT_OFFSET,
            trust_proxy: false,
            cache_ttl: defaults::CACHE_TTL,
            cache_min_ttl: defaults::CACHE_MIN_TTL,
            cache_max_entries: defaults::CACHE_MAX_ENTRIES,
            max_stale: defaults::MAX_STALE,
            unknown_kid_cooldown: defaults::UNKNOWN_KID_COOLDOWN,
            clock: Arc::new(SystemClock),
            domains: None,
            algorithms: vec![Algorithm::RS256],
            grants: Grants::Scope,
            missing_credentials_unauthorized: false,
            token_cache_entries: defaults::TOKEN_CACHE_ENTRIES,
            token_cache_ttl: defaults::TOKEN_CACHE_TTL,
            proof_algorithms: vec![Algorithm::ES256],
            crypto_backend: CryptoBackend::AwsLc,
            replay_store: Some(Arc::new(InMemoryReplayStore::default())),
            clock_leeway: Duration::ZERO,
            connect_timeout: defaults::CONNECT_TIMEOUT,
            http_timeout: defaults::HTTP_TIMEOUT,
            root_certificates: Vec::new(),
            allow_insecure_http_on_loopback: false,
            error_renderer: None,
            system_trust: true,
        }
    }
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

    /// How DPoP is handled, in one setting: [`DpopMode::Disabled`] (Bearer only),
    /// [`DpopMode::Allowed`] (the default: both) or [`DpopMode::Required`] (DPoP only). The same
    /// as the reference's pair [`dpop_enabled`](Self::dpop_enabled) and
    /// [`dpop_required`](Self::dpop_required), without a way to contradict itself.
    ///
    /// ```
    /// use auth0_actix::{Auth0, DpopMode};
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .dpop_mode(DpopMode::Required)
    ///     .build()?;
    /// assert_eq!(auth0.dpop_mode(), DpopMode::Required);
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_mode(mut self, mode: DpopMode) -> Self {
        self.dpop_enabled = mode != DpopMode::Disabled;
        self.dpop_required = mode == DpopMode::Required;
        self
    }

    /// How far in the future a DPoP proof's `iat` may lie (clock skew). Default 30 s
    /// ([`defaults::DPOP_IAT_LEEWAY`]); at most one day, checked by [`build`](Self::build).
    /// Proof times are whole seconds: a fraction of a second here is dropped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .dpop_iat_leeway(Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_iat_leeway(mut self, leeway: Duration) -> Self {
        self.dpop_iat_leeway = leeway;
        self
    }

    /// Maximum age of a DPoP proof. Default 300 s ([`defaults::DPOP_IAT_OFFSET`]); at most one
    /// day, checked by [`build`](Self::build). Proof times are whole seconds: a fraction of a
    /// second here is dropped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0_actix::Auth0;
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .dpop_iat_offset(Duration::from_secs(120))
    ///     .build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn dpop_iat_offset(mut self, max_age: Duration) -> Self {
        self.dpop_iat_offset = max_age;
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
    /// [`Metrics::stale_served`](crate::Metrics::stale_served)). Default 1 hour; `Duration::ZERO` turns it off (a request
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
    /// use auth0_actix::{Auth0, BoxFuture, DomainsResolver, ResolverContext};
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
    /// [`InMemoryReplayStore`] of [`defaults::REPLAY_CAPACITY`]
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

    /// A builder whose handle trusts no CA at all and so reads no trust store: for a handle
    /// that never fetches (`testing::mock_auth0`), which an unreadable `SSL_CERT_FILE` or a
    /// system without CA certificates must not make fail.
    #[cfg(feature = "testing")]
    pub(crate) fn without_trust_store(mut self) -> Self {
        self.system_trust = false;
        self
    }
}

/// The handle's constructors live with the builder they start from (so that the handle, and
/// everything below it, never imports the builder); every other method of [`Auth0`] is in
/// `handle.rs`.
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
}
