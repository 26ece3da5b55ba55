//! The fixture every suite starts from: an issuer, a verifier configured for it, an app serving
//! routes over real HTTP on loopback, a client, and a DPoP key.
//!
//! ```ignore
//! let api = Api::builder()
//!     .configure(|b| b.dpop_required(true))
//!     .routes(my_routes)
//!     .manual_clock()
//!     .start();
//! let expired = api.issuer().token().expires_in(-5).sign();
//! expect::invalid_request(&api.bearer(&expired).await, "", www::REQUIRED_BARE);
//! ```

use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App};
use auth0_actix::testing::ManualClock;
use auth0_actix::testing::{DpopKey, LocalIssuer, ProofBuilder, TokenBuilder};
use auth0_actix::{Auth0, Auth0Builder, Clock, Metrics, Protect, Requirement};

use crate::{client, echo_routes, fetches, send, start_app, with_unique_jti, Reply, TestApp};

type Routes = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;
type Configure = Box<dyn FnOnce(Auth0Builder) -> Auth0Builder>;

/// Where the app's `Auth0` comes from.
enum Verifier {
    /// The given local issuer, or a new one (`None`); the [`Api`] owns it.
    Issuer(Option<LocalIssuer>),
    /// A configuration of the test's own (several issuers, an issuer the test made).
    Configuration(Box<Auth0Builder>),
    /// A handle built already (a mock; a configuration the test inspected first).
    Built(Auth0),
}

/// How the app registers its `Auth0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// `app_data(auth0)` (the default).
    AppData,
    /// `app_data(web::Data::new(auth0))`.
    WebData,
    /// Not at all (a handler that needs it answers 500).
    Unregistered,
}

/// Builds an [`Api`]: by default a new HTTPS local issuer, its default configuration (mixed
/// DPoP mode), [`echo_routes`], the system clock, `Auth0` registered as `app_data`.
pub struct ApiBuilder {
    verifier: Verifier,
    configure: Vec<Configure>,
    routes: Routes,
    clock: Option<ManualClock>,
    registration: Registration,
    protect_app: Option<Requirement>,
}

impl ApiBuilder {
    /// Trusts `issuer` (its domain, audience and CA, or the loopback plain-HTTP opt-in).
    pub fn issuer(mut self, issuer: LocalIssuer) -> Self {
        self.verifier = Verifier::Issuer(Some(issuer));
        self
    }

    /// Starts from this configuration instead of an issuer's; [`Api::issuer`] is then absent.
    pub fn configuration(mut self, builder: Auth0Builder) -> Self {
        self.verifier = Verifier::Configuration(Box::new(builder));
        self
    }

    /// Serves this `Auth0` as it is (no [`configure`](Self::configure), no clock).
    pub fn auth0(mut self, auth0: Auth0) -> Self {
        self.verifier = Verifier::Built(auth0);
        self
    }

    /// Changes the configuration (after the clock is set; several calls apply in order).
    pub fn configure(
        mut self,
        configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static,
    ) -> Self {
        self.configure.push(Box::new(configure));
        self
    }

    /// The app's routes (instead of [`echo_routes`]).
    pub fn routes(
        mut self,
        routes: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        self.routes = Arc::new(routes);
        self
    }

    /// The verifier reads this clock; [`Api::now`] and [`Api::advance`] use it.
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// [`clock`](Self::clock) with a manual clock set to the system time now.
    pub fn manual_clock(self) -> Self {
        self.clock(ManualClock::starting_now())
    }

    /// [`clock`](Self::clock) with a manual clock set to `unix` (whole seconds).
    pub fn clock_at(self, unix: i64) -> Self {
        self.clock(ManualClock::at(Duration::from_secs(unix as u64)))
    }

    /// How the app registers its `Auth0`.
    pub fn registration(mut self, registration: Registration) -> Self {
        self.registration = registration;
        self
    }

    /// Wraps the whole `App` in `Protect::require(requirement)` (not a scope: the middleware
    /// then runs before the app's router).
    pub fn protect_app(mut self, requirement: Requirement) -> Self {
        self.protect_app = Some(requirement);
        self
    }

    /// Starts the issuer (unless given) and the app.
    pub fn start(self) -> Api {
        let (issuer, auth0) = match self.verifier {
            Verifier::Built(auth0) => {
                assert!(
                    self.configure.is_empty() && self.clock.is_none(),
                    "a built Auth0 takes no configuration and no clock"
                );
                (None, auth0)
            }
            Verifier::Issuer(issuer) => {
                let issuer = issuer.unwrap_or_else(LocalIssuer::start);
                let builder = issuer.auth0_builder();
                let auth0 = build(builder, self.clock.as_ref(), self.configure);
                (Some(issuer), auth0)
            }
            Verifier::Configuration(builder) => {
                (None, build(*builder, self.clock.as_ref(), self.configure))
            }
        };
        let app = serve(
            auth0.clone(),
            self.routes,
            self.registration,
            self.protect_app,
        );
        Api {
            issuer,
            auth0,
            app,
            http: client(),
            key: DpopKey::generate(),
            clock: self.clock,
        }
    }

    /// [`start`](Self::start), then [`Api::warm_up`].
    pub async fn start_warmed_up(self) -> Api {
        let api = self.start();
        api.warm_up().await;
        api
    }
}

fn build(
    mut builder: Auth0Builder,
    clock: Option<&ManualClock>,
    configure: Vec<Configure>,
) -> Auth0 {
    if let Some(clock) = clock {
        builder = builder.clock(clock.clone());
    }
    for step in configure {
        builder = step(builder);
    }
    builder.build().expect("a valid configuration")
}

fn serve(
    auth0: Auth0,
    routes: Routes,
    registration: Registration,
    protect_app: Option<Requirement>,
) -> TestApp {
    let configure = move || {
        let (auth0, routes) = (auth0.clone(), routes.clone());
        move |cfg: &mut web::ServiceConfig| {
            match registration {
                Registration::AppData => {
                    cfg.app_data(auth0);
                }
                Registration::WebData => {
                    cfg.app_data(web::Data::new(auth0));
                }
                Registration::Unregistered => {}
            }
            routes(cfg);
        }
    };
    match protect_app {
        None => start_app(move || App::new().configure(configure())),
        Some(requirement) => start_app(move || {
            App::new()
                .wrap(Protect::require(requirement.clone()))
                .configure(configure())
        }),
    }
}

/// A running app with its issuer, verifier, client and DPoP key; stops when dropped.
pub struct Api {
    issuer: Option<LocalIssuer>,
    /// The verifier the app registered (clones share its caches and counters).
    pub auth0: Auth0,
    /// The app under test.
    pub app: TestApp,
    /// A client for it.
    pub http: reqwest::Client,
    /// The client's DPoP key.
    pub key: DpopKey,
    clock: Option<ManualClock>,
}

impl Api {
    /// The default fixture; see [`ApiBuilder`].
    pub fn builder() -> ApiBuilder {
        ApiBuilder {
            verifier: Verifier::Issuer(None),
            configure: Vec::new(),
            routes: Arc::new(echo_routes),
            clock: None,
            registration: Registration::AppData,
            protect_app: None,
        }
    }

    /// A new issuer and an app serving [`echo_routes`] with the default configuration.
    pub fn start() -> Api {
        Api::builder().start()
    }

    /// A new issuer and an app serving `routes` with the default configuration.
    pub fn serving(routes: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static) -> Api {
        Api::builder().routes(routes).start()
    }

    /// [`start`](Api::start) with the configuration changed by `configure`.
    pub fn configured(configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static) -> Api {
        Api::builder().configure(configure).start()
    }

    /// The issuer the app trusts; panics for an app started from a configuration or an `Auth0`.
    #[track_caller]
    pub fn issuer(&self) -> &LocalIssuer {
        self.issuer
            .as_ref()
            .expect("this Api was not started from a local issuer")
    }

    /// The app's URL for `path`.
    pub fn at(&self, path: &str) -> String {
        self.app.at(path)
    }

    // -----------------------------------------------------------------------------------------
    // Requests

    /// A request to the app's `path`.
    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        self.http.request(method, self.at(path))
    }

    /// Sends `request` and reads the reply.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        send(request).await
    }

    /// `method path` with these headers (a name may repeat).
    pub async fn call(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.request(method, path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        send(request).await
    }

    /// `GET path` with these headers.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.call("GET", path, headers).await
    }

    /// `GET path` with this `Authorization` value, or none.
    pub async fn with_authorization(&self, path: &str, authorization: Option<&str>) -> Reply {
        match authorization {
            Some(value) => self.get(path, &[("authorization", value)]).await,
            None => self.get(path, &[]).await,
        }
    }

    /// `GET /test` with `Authorization: Bearer <token>`.
    pub async fn bearer(&self, token: &str) -> Reply {
        self.bearer_at("/test", token).await
    }

    /// `GET path` with `Authorization: Bearer <token>`.
    pub async fn bearer_at(&self, path: &str, token: &str) -> Reply {
        self.bearer_call("GET", path, token).await
    }

    /// `method path` with `Authorization: Bearer <token>`.
    pub async fn bearer_call(&self, method: &str, path: &str, token: &str) -> Reply {
        send(self.request(method, path).bearer_auth(token)).await
    }

    /// `method path` with `Authorization: DPoP <token>` and `DPoP: <proof>`.
    pub async fn dpop(&self, method: &str, path: &str, token: &str, proof: &str) -> Reply {
        let request = self
            .request(method, path)
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof);
        send(request).await
    }

    /// `GET /test` with a new valid token of the issuer.
    pub async fn good(&self) -> Reply {
        self.good_from(self.issuer()).await
    }

    /// `GET /test` with a new valid token of `issuer`.
    pub async fn good_from(&self, issuer: &LocalIssuer) -> Reply {
        self.bearer(&self.mint(issuer.token()).sign()).await
    }

    // -----------------------------------------------------------------------------------------
    // Tokens and proofs

    /// `token` issued now (on the manual clock, if any), valid for an hour, with a `jti` of
    /// its own.
    pub fn mint(&self, token: TokenBuilder) -> TokenBuilder {
        let now = self.now();
        with_unique_jti(token.issued_at(now).expires_at(now + 3600))
    }

    /// A token of the issuer for `user_123` bound to [`key`](Api::key).
    pub fn bound_token(&self) -> String {
        self.issuer()
            .token()
            .subject("user_123")
            .bound_to(&self.key)
            .sign()
    }

    /// A token of the issuer granting `scope`.
    pub fn scoped(&self, scope: &str) -> String {
        self.issuer().token().scope(scope).sign()
    }

    /// A token of the issuer granting these RBAC `permissions`.
    pub fn permitted(&self, permissions: &[&str]) -> String {
        self.issuer()
            .token()
            .permissions(permissions.iter().copied())
            .sign()
    }

    /// A proof by [`key`](Api::key) for `method` on the app's `path` (the URL the app sees
    /// without proxy headers), issued now, with `ath` for `token`.
    pub fn proof(&self, method: &str, path: &str, token: &str) -> ProofBuilder {
        self.proof_by(&self.key, method, path, token)
    }

    /// [`proof`](Api::proof) by another key.
    pub fn proof_by(&self, key: &DpopKey, method: &str, path: &str, token: &str) -> ProofBuilder {
        key.proof(method, &self.at(path))
            .access_token(token)
            .iat(self.now())
    }

    // -----------------------------------------------------------------------------------------
    // Time, counters, warm-up

    /// Unix seconds on the manual clock, or the system clock without one.
    pub fn now(&self) -> i64 {
        match &self.clock {
            Some(clock) => clock.now().as_secs() as i64,
            None => crate::now(),
        }
    }

    /// The manual clock; panics when the app runs on the system clock.
    #[track_caller]
    pub fn clock(&self) -> &ManualClock {
        self.clock
            .as_ref()
            .expect("this Api runs on the system clock")
    }

    /// Moves the manual clock `seconds` on.
    #[track_caller]
    pub fn advance(&self, seconds: u64) {
        self.clock().advance(Duration::from_secs(seconds));
    }

    /// The verifier's counters.
    pub fn metrics(&self) -> Metrics {
        self.auth0.metrics()
    }

    /// Discovery and JWKS cache lookups so far (hits and misses): +2 for each verification
    /// that looked up keys, nothing for a verified-token cache hit.
    pub fn lookups(&self) -> u64 {
        let m = self.metrics();
        m.cache_hits + m.cache_misses
    }

    /// (discovery fetches, JWKS fetches) as the issuer counted them.
    pub fn fetches(&self) -> (usize, usize) {
        fetches(self.issuer())
    }

    /// Fetches discovery and the JWKS now, and expects that to work.
    pub async fn warm_up(&self) {
        self.auth0.warm_up().await.expect("warm-up");
    }
}
