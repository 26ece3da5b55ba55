//! Helpers shared by the end-to-end tests: run an actix-web app on a real loopback port, on its
//! own thread and runtime, so tests drive it over real HTTP from any test runtime.

use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};

/// A running app; stops when dropped.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl TestApp {
    /// `self.url + path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping needs a runtime; the server's own thread has one.
        let _ = std::thread::spawn(move || actix_rt::System::new().block_on(handle.stop(false))).join();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts `App::new().app_data(auth0).configure(routes)` on 127.0.0.1 with one worker.
pub fn start<F>(auth0: auth0_actix::Auth0, routes: F) -> TestApp
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    start_with(move || {
        let (auth0, routes) = (auth0.clone(), routes.clone());
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(auth0.clone());
            routes(cfg);
        }
    })
}

/// Starts an app whose whole configuration (including whether an `Auth0` is registered) comes
/// from `make()`, called once per worker.
pub fn start_with<M, F>(make: M) -> TestApp
where
    M: Fn() -> F + Send + Clone + 'static,
    F: FnOnce(&mut web::ServiceConfig) + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let sys = actix_rt::System::new();
        sys.block_on(async move {
            let server = HttpServer::new(move || App::new().configure(make()))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .expect("listen")
                .run();
            tx.send(server.handle()).expect("send handle");
            let _ = server.await;
        });
    });
    let handle = rx.recv().expect("server started");
    TestApp { url: format!("http://127.0.0.1:{port}"), handle, thread: Some(thread) }
}

/// A reqwest client for talking to test apps (no proxies, short timeouts).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

// ---------------------------------------------------------------------------------------------
// Helpers for the Bearer-side suites (bearer.rs, discovery.rs, challenges.rs, config.rs,
// macros.rs): a verifier configured for a local issuer, and a response reduced to what
// authentication tests assert on.

/// A builder for `issuer`: its domain and audience, and trust in its CA (HTTPS issuers) or the
/// loopback plain-HTTP opt-in (`LocalIssuer::builder().http()` issuers).
pub fn builder_for(issuer: &auth0_actix::testing::LocalIssuer) -> auth0_actix::Auth0Builder {
    let builder = auth0_actix::Auth0::builder()
        .domain(issuer.domain())
        .audience(issuer.audience());
    match issuer.ca_certificate_pem() {
        Some(pem) => builder.root_certificate_pem(pem),
        None => builder.allow_insecure_http_on_loopback(true),
    }
}

/// `builder_for(issuer).build()`, with the defaults (mixed DPoP mode).
pub fn auth0_for(issuer: &auth0_actix::testing::LocalIssuer) -> auth0_actix::Auth0 {
    builder_for(issuer).build().expect("a valid configuration")
}

/// The parts of a response that authentication tests look at.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Every `WWW-Authenticate` field value, in order.
    pub challenges: Vec<String>,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Every response header, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: String,
}

impl Reply {
    /// Reads a whole response.
    pub async fn read(res: reqwest::Response) -> Reply {
        let status = res.status().as_u16();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let challenges = headers
            .iter()
            .filter(|(k, _)| k == "www-authenticate")
            .map(|(_, v)| v.clone())
            .collect();
        let content_type = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone());
        let body = res.text().await.expect("a readable body");
        Reply {
            status,
            challenges,
            content_type,
            headers,
            body,
        }
    }

    /// The single `WWW-Authenticate` value; panics when there is none or several.
    pub fn challenge(&self) -> &str {
        assert_eq!(
            self.challenges.len(),
            1,
            "exactly one WWW-Authenticate field: {self:?}"
        );
        &self.challenges[0]
    }

    /// The body as JSON; panics when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("JSON body ({e}): {self:?}"))
    }

    /// A header's first value, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the library's error response: status, `application/json` and exactly
    /// `{"detail":{"error":code,"error_description":description}}`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str, description: &str) {
        assert_eq!(self.status, status, "status: {self:?}");
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "content type: {self:?}"
        );
        assert_eq!(
            self.json(),
            serde_json::json!({"detail": {"error": code, "error_description": description}}),
            "body: {self:?}"
        );
    }
}

/// Sends a request and reads the whole response.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    Reply::read(request.send().await.expect("the request reaches the app")).await
}
