//! The local OIDC issuer: discovery document and JWKS served on 127.0.0.1.

use std::fmt;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use actix_web::http::header;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

use super::encode::now;
use super::keys::SigningKey;
use super::mint::TokenBuilder;
use crate::algorithm::Algorithm;

const DEFAULT_AUDIENCE: &str = "https://api.local.test";
const DEFAULT_KID: &str = "key-1";
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
const JWKS_PATH: &str = "/.well-known/jwks.json";

/// Configures a [`LocalIssuer`] before starting it.
///
/// ```
/// use auth0_actix::{testing::LocalIssuer, Algorithm};
///
/// let issuer = LocalIssuer::builder()
///     .audience("https://my-api.test")
///     .key_algorithm(Algorithm::PS256)
///     .start();
/// assert_eq!(issuer.audience(), "https://my-api.test");
/// assert_eq!(issuer.signing_key().alg(), Algorithm::PS256);
/// ```
#[derive(Clone, Debug)]
pub struct LocalIssuerBuilder {
    audience: String,
    http: bool,
    alg: Algorithm,
    kid: String,
}

impl LocalIssuerBuilder {
    /// The audience minted tokens carry (default `"https://api.local.test"`).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::builder().audience("urn:my-api").start();
    /// assert_eq!(issuer.token().claims()["aud"], "urn:my-api");
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> LocalIssuerBuilder {
        self.audience = audience.into();
        self
    }

    /// Serve plain HTTP instead of HTTPS: no CA, `issuer()` starts with `http://`. Verifiers
    /// must be told to allow insecure HTTP on loopback.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::builder().http().start();
    /// assert!(issuer.issuer().starts_with("http://127.0.0.1:"));
    /// assert!(issuer.ca_certificate_pem().is_none());
    /// ```
    pub fn http(mut self) -> LocalIssuerBuilder {
        self.http = true;
        self
    }

    /// The algorithm of the initial key and of keys from [`LocalIssuer::generate_key`]
    /// (default [`Algorithm::RS256`]).
    ///
    /// ```
    /// use auth0_actix::{testing::LocalIssuer, Algorithm};
    ///
    /// let issuer = LocalIssuer::builder().key_algorithm(Algorithm::ES256).start();
    /// assert_eq!(issuer.token().headers()["alg"], "ES256");
    /// ```
    pub fn key_algorithm(mut self, alg: Algorithm) -> LocalIssuerBuilder {
        self.alg = alg;
        self
    }

    /// The `kid` of the initial key (default `"key-1"`).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::builder().kid("primary").start();
    /// assert_eq!(issuer.signing_key().kid(), "primary");
    /// ```
    pub fn kid(mut self, kid: impl Into<String>) -> LocalIssuerBuilder {
        self.kid = kid.into();
        self
    }

    /// Generates the key (and, for HTTPS, a CA and a server certificate), binds
    /// `127.0.0.1:0` and starts serving on a dedicated thread. Returns once the server runs.
    ///
    /// # Panics
    ///
    /// If binding, key or certificate generation, or the server start fails.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::builder().start();
    /// assert!(issuer.domain().starts_with("127.0.0.1:"));
    /// ```
    pub fn start(self) -> LocalIssuer {
        LocalIssuer::start_with(self)
    }
}

/// Mutable issuer state shared with the server thread.
struct Mutable {
    signing: SigningKey,
    published: Vec<SigningKey>,
    discovery_override: Option<Value>,
    failing: bool,
    cache_control: Option<String>,
}

struct State {
    issuer: String,
    base_url: String,
    alg: Algorithm,
    discovery_fetches: AtomicUsize,
    jwks_fetches: AtomicUsize,
    mutable: Mutex<Mutable>,
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Mutable> {
        // A panicking test thread must not wedge the issuer for everyone else.
        self.mutable.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn discovery_document(&self) -> Value {
        let base = &self.base_url;
        json!({
            "issuer": self.issuer,
            "jwks_uri": format!("{base}{JWKS_PATH}"),
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/oauth/token"),
            "userinfo_endpoint": format!("{base}/userinfo"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.alg.as_str()],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "dpop_signing_alg_values_supported": ["ES256"],
        })
    }
}

fn json_response(
    status: actix_web::http::StatusCode,
    body: &Value,
    cache: Option<String>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, "application/json"));
    if let Some(value) = cache {
        response.insert_header((header::CACHE_CONTROL, value));
    }
    response.body(body.to_string())
}

fn unavailable() -> HttpResponse {
    json_response(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        &json!({ "error": "temporarily_unavailable" }),
        None,
    )
}

async fn discovery(state: web::Data<State>) -> HttpResponse {
    state.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    let (failing, doc, cache) = {
        let m = state.lock();
        (
            m.failing,
            m.discovery_override.clone(),
            m.cache_control.clone(),
        )
    };
    if failing {
        return unavailable();
    }
    let doc = doc.unwrap_or_else(|| state.discovery_document());
    json_response(actix_web::http::StatusCode::OK, &doc, cache)
}

async fn jwks(state: web::Data<State>) -> HttpResponse {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let (failing, keys, cache) = {
        let m = state.lock();
        let keys: Vec<Value> = m.published.iter().map(SigningKey::public_jwk).collect();
        (m.failing, keys, m.cache_control.clone())
    };
    if failing {
        return unavailable();
    }
    json_response(
        actix_web::http::StatusCode::OK,
        &json!({ "keys": keys }),
        cache,
    )
}

/// The generated CA and server certificate of an HTTPS issuer.
struct Tls {
    ca_pem: String,
    config: rustls::ServerConfig,
}

fn generate_tls() -> Tls {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };

    let ca_key = KeyPair::generate().expect("CA key generation failed");
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).expect("CA parameters are valid");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "auth0-actix LocalIssuer test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .expect("CA certificate generation failed");
    let ca = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().expect("server key generation failed");
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("server certificate parameters are valid");
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &ca)
        .expect("server certificate generation failed");

    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS protocol versions are supported")
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone()], key_der)
        .expect("server certificate is usable");
    Tls {
        ca_pem: ca_cert.pem(),
        config,
    }
}

/// A running local OIDC issuer on `127.0.0.1`, serving
/// `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`.
///
/// The server runs on its own OS thread with its own actix system (one worker), so it works
/// from `#[actix_web::test]`, `#[tokio::test]` and plain synchronous code alike. Dropping the
/// issuer stops the server and joins its thread.
///
/// By default it serves HTTPS with a certificate from a CA generated for this issuer alone
/// (trust [`ca_certificate_pem`](LocalIssuer::ca_certificate_pem)), publishes one RSA-2048
/// RS256 key with `kid` `"key-1"`, and mints tokens for the audience
/// `"https://api.local.test"`.
///
/// ```
/// use auth0_actix::testing::LocalIssuer;
///
/// let issuer = LocalIssuer::start();
/// let token = issuer.token().scope("read:messages").sign();
/// // Configure the verifier with issuer.domain(), issuer.audience() and the CA, then send
/// // `Authorization: Bearer {token}`.
/// # let _ = token;
/// ```
pub struct LocalIssuer {
    state: Arc<State>,
    audience: String,
    port: u16,
    http: bool,
    ca_pem: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LocalIssuer {
    /// Starts an issuer with the defaults: HTTPS, one RS256 key `"key-1"`, audience
    /// `"https://api.local.test"`.
    ///
    /// # Panics
    ///
    /// If the server cannot start (see [`LocalIssuerBuilder::start`]).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.audience(), "https://api.local.test");
    /// assert!(issuer.ca_certificate_pem().is_some());
    /// ```
    pub fn start() -> LocalIssuer {
        LocalIssuer::builder().start()
    }

    /// A builder to change the audience, the transport or the key algorithm.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::builder().http().start();
    /// assert!(issuer.domain().starts_with("http://127.0.0.1:"));
    /// ```
    pub fn builder() -> LocalIssuerBuilder {
        LocalIssuerBuilder {
            audience: DEFAULT_AUDIENCE.to_owned(),
            http: false,
            alg: Algorithm::RS256,
            kid: DEFAULT_KID.to_owned(),
        }
    }

    fn start_with(config: LocalIssuerBuilder) -> LocalIssuer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("binding 127.0.0.1:0 failed");
        let port = listener
            .local_addr()
            .expect("bound listener has an address")
            .port();
        let scheme = if config.http { "http" } else { "https" };
        let base_url = format!("{scheme}://127.0.0.1:{port}");
        let key = SigningKey::generate(&config.kid, config.alg);
        let tls = (!config.http).then(generate_tls);
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());

        let state = Arc::new(State {
            issuer: format!("{base_url}/"),
            base_url,
            alg: config.alg,
            discovery_fetches: AtomicUsize::new(0),
            jwks_fetches: AtomicUsize::new(0),
            mutable: Mutex::new(Mutable {
                signing: key.clone(),
                published: vec![key],
                discovery_override: None,
                failing: false,
                cache_control: None,
            }),
        });

        let (ready_tx, ready_rx) = mpsc::channel::<std::io::Result<()>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server_state = web::Data::from(Arc::clone(&state));
        let thread = std::thread::Builder::new()
            .name(format!("local-issuer-{port}"))
            .spawn(move || {
                serve(
                    listener,
                    tls.map(|t| t.config),
                    server_state,
                    ready_tx,
                    stop_rx,
                );
            })
            .expect("spawning the issuer thread failed");

        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("the local issuer failed to start: {e}"),
            Err(_) => panic!("the local issuer thread exited during start-up"),
        }

        LocalIssuer {
            state,
            audience: config.audience,
            port,
            http: config.http,
            ca_pem,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// What users configure as `AUTH0_DOMAIN`: `"127.0.0.1:PORT"` for HTTPS, or
    /// `"http://127.0.0.1:PORT"` in plain-HTTP mode (the scheme tells the verifier to use HTTP).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.domain(), format!("127.0.0.1:{}", issuer.port()));
    /// ```
    pub fn domain(&self) -> String {
        if self.http {
            format!("http://127.0.0.1:{}", self.port)
        } else {
            format!("127.0.0.1:{}", self.port)
        }
    }

    /// A verifier builder configured for this issuer: [`domain`](LocalIssuer::domain),
    /// [`audience`](LocalIssuer::audience), and either trust of the issuer's CA (HTTPS) or
    /// `allow_insecure_http_on_loopback(true)` (HTTP mode). Add other settings, then `build()`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let auth0 = issuer.auth0_builder().build()?;
    /// assert_eq!(auth0.audience(), issuer.audience());
    ///
    /// let plain = LocalIssuer::builder().http().start();
    /// let _auth0 = plain.auth0_builder().dpop_required(true).build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn auth0_builder(&self) -> crate::builder::Auth0Builder {
        let builder = crate::handle::Auth0::builder()
            .domain(self.domain())
            .audience(self.audience());
        match &self.ca_pem {
            Some(pem) => builder.root_certificate_pem(pem.clone()),
            None => builder.allow_insecure_http_on_loopback(true),
        }
    }

    /// The port the server listens on.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_ne!(issuer.port(), 0);
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The issuer identifier, `"https://127.0.0.1:PORT/"` (or `"http://..."` in HTTP mode): the
    /// discovery document's `issuer` and minted tokens' `iss`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.issuer(), format!("https://127.0.0.1:{}/", issuer.port()));
    /// ```
    pub fn issuer(&self) -> String {
        self.state.issuer.clone()
    }

    /// The audience minted tokens carry by default.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// assert_eq!(LocalIssuer::start().audience(), "https://api.local.test");
    /// ```
    pub fn audience(&self) -> String {
        self.audience.clone()
    }

    /// The PEM of the CA that signed the server certificate, to add to the verifier's trusted
    /// roots; `None` in HTTP mode.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let pem = LocalIssuer::start().ca_certificate_pem().unwrap();
    /// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    /// ```
    pub fn ca_certificate_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The URL of the discovery document.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert!(issuer.discovery_url().ends_with("/.well-known/openid-configuration"));
    /// ```
    pub fn discovery_url(&self) -> String {
        format!("{}{DISCOVERY_PATH}", self.state.base_url)
    }

    /// The URL of the JWKS (the discovery document's `jwks_uri`).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.jwks_url(), format!("{}.well-known/jwks.json", issuer.issuer()));
    /// ```
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.state.base_url)
    }

    /// A token builder pre-filled with header `{alg, typ: "JWT", kid}` of the current signing
    /// key and claims `iss`, `aud`, `sub: "user_123"`, `iat` (now) and `exp` (now + 3600).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let b = issuer.token();
    /// assert_eq!(b.headers()["kid"], "key-1");
    /// assert_eq!(b.claims()["iss"], issuer.issuer());
    /// let (iat, exp) = (b.claims()["iat"].as_i64().unwrap(), b.claims()["exp"].as_i64().unwrap());
    /// assert_eq!(exp - iat, 3600);
    /// let _token: String = b.sign();
    /// ```
    pub fn token(&self) -> TokenBuilder {
        let iat = now();
        TokenBuilder::new(&self.signing_key())
            .issuer(&self.state.issuer)
            .audience(self.audience())
            .subject("user_123")
            .issued_at(iat)
            .expires_at(iat + 3600)
    }

    /// The key [`token`](LocalIssuer::token) signs with (initially the published `"key-1"`).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// assert_eq!(issuer.signing_key().public_jwk()["kid"], "key-1");
    /// ```
    pub fn signing_key(&self) -> SigningKey {
        self.state.lock().signing.clone()
    }

    /// Generates a new key with the issuer's algorithm. It is neither published nor used for
    /// signing until [`publish`](LocalIssuer::publish) / [`set_signing_key`](LocalIssuer::set_signing_key).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let next = issuer.generate_key("key-2");
    /// assert_eq!(next.kid(), "key-2");
    /// assert_eq!(issuer.published_kids(), vec!["key-1".to_owned()]);
    /// ```
    pub fn generate_key(&self, kid: &str) -> SigningKey {
        SigningKey::generate(kid, self.state.alg)
    }

    /// Adds `key`'s public JWK to the JWKS, replacing a published key with the same `kid`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// issuer.publish(&issuer.generate_key("key-2"));
    /// assert_eq!(issuer.published_kids(), vec!["key-1".to_owned(), "key-2".to_owned()]);
    /// ```
    pub fn publish(&self, key: &SigningKey) {
        let mut m = self.state.lock();
        match m.published.iter_mut().find(|k| k.kid() == key.kid()) {
            Some(slot) => *slot = key.clone(),
            None => m.published.push(key.clone()),
        }
    }

    /// Removes every published key with this `kid` from the JWKS (no-op if none). The signing
    /// key is unchanged, so tokens may then name an unpublished `kid`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// issuer.unpublish("key-1");
    /// assert!(issuer.published_kids().is_empty());
    /// ```
    pub fn unpublish(&self, kid: &str) {
        self.state.lock().published.retain(|k| k.kid() != kid);
    }

    /// Makes `key` the default for [`token`](LocalIssuer::token). Does not publish it.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// let next = issuer.generate_key("key-2");
    /// issuer.publish(&next);
    /// issuer.set_signing_key(&next);
    /// assert_eq!(issuer.token().headers()["kid"], "key-2");
    /// ```
    pub fn set_signing_key(&self, key: &SigningKey) {
        self.state.lock().signing = key.clone();
    }

    /// The `kid`s currently in the JWKS, in publication order.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// assert_eq!(LocalIssuer::start().published_kids(), vec!["key-1".to_owned()]);
    /// ```
    pub fn published_kids(&self) -> Vec<String> {
        self.state
            .lock()
            .published
            .iter()
            .map(|k| k.kid().to_owned())
            .collect()
    }

    /// How many requests the discovery endpoint received (including failed ones).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// assert_eq!(LocalIssuer::start().discovery_fetches(), 0);
    /// ```
    pub fn discovery_fetches(&self) -> usize {
        self.state.discovery_fetches.load(Ordering::SeqCst)
    }

    /// How many requests the JWKS endpoint received (including failed ones).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// assert_eq!(LocalIssuer::start().jwks_fetches(), 0);
    /// ```
    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Serves `doc` verbatim as the discovery document (`None` restores the real one), e.g.
    /// with a wrong `issuer` or a foreign `jwks_uri`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    /// use serde_json::json;
    ///
    /// let issuer = LocalIssuer::start();
    /// issuer.set_discovery_override(Some(json!({
    ///     "issuer": "https://evil.example/",
    ///     "jwks_uri": issuer.jwks_url(),
    /// })));
    /// issuer.set_discovery_override(None);
    /// ```
    pub fn set_discovery_override(&self, doc: Option<Value>) {
        self.state.lock().discovery_override = doc;
    }

    /// While `true`, both endpoints answer `503 Service Unavailable`.
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// issuer.set_failing(true);
    /// // ... the verifier must now fail closed (or keep using its cache) ...
    /// issuer.set_failing(false);
    /// ```
    pub fn set_failing(&self, failing: bool) {
        self.state.lock().failing = failing;
    }

    /// Sends this `Cache-Control` value with both documents (`None`: no such header).
    ///
    /// ```
    /// use auth0_actix::testing::LocalIssuer;
    ///
    /// let issuer = LocalIssuer::start();
    /// issuer.set_cache_control(Some("public, max-age=60".to_owned()));
    /// ```
    pub fn set_cache_control(&self, value: Option<String>) {
        self.state.lock().cache_control = value;
    }
}

impl fmt::Debug for LocalIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalIssuer")
            .field("issuer", &self.state.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl Drop for LocalIssuer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs the server until `stop` fires (or its sender is dropped).
fn serve(
    listener: TcpListener,
    tls: Option<rustls::ServerConfig>,
    state: web::Data<State>,
    ready: mpsc::Sender<std::io::Result<()>>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let system = actix_rt::System::new();
    system.block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route(DISCOVERY_PATH, web::get().to(discovery))
                .route(JWKS_PATH, web::get().to(jwks))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0);
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config),
            None => server.listen(listener),
        };
        let server = match server {
            Ok(server) => server.run(),
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let handle = server.handle();
        actix_rt::spawn(async move {
            let _ = stop.await;
            handle.stop(false).await;
        });
        let _ = ready.send(Ok(()));
        let _ = server.await;
    });
}
