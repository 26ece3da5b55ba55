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
