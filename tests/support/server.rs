//! Running an actix-web app on a real loopback port, on its own thread and runtime, so tests
//! drive it over real HTTP from any test runtime; and the clients that talk to it.

use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;

use actix_web::body::MessageBody;
use actix_web::dev::{ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, HttpServer};

use crate::Reply;

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

    /// `127.0.0.1:PORT`, the authority a client names in `Host`.
    pub fn host(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping needs a runtime; the server's own thread has one.
        let _ =
            std::thread::spawn(move || actix_rt::System::new().block_on(handle.stop(false))).join();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the app `make()` builds (called once per worker) on 127.0.0.1 with one worker.
pub fn start_app<F, T, B>(make: F) -> TestApp
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    T::Future: 'static,
    B: MessageBody + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let sys = actix_rt::System::new();
        sys.block_on(async move {
            let server = HttpServer::new(make)
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
    TestApp {
        url: format!("http://127.0.0.1:{port}"),
        handle,
        thread: Some(thread),
    }
}

/// Starts an app whose whole configuration (including whether an `Auth0` is registered) comes
/// from `make()`, called once per worker: for servers that are not the app under test (a
/// hostile JWKS host, an issuer of the test's own) and for apps without an `Auth0`.
pub fn start_with<M, F>(make: M) -> TestApp
where
    M: Fn() -> F + Send + Clone + 'static,
    F: FnOnce(&mut web::ServiceConfig) + 'static,
{
    start_app(move || App::new().configure(make()))
}

/// A reqwest client for talking to test apps (no proxies, short timeouts).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Sends `head` (request line and header lines, without the final empty line) verbatim over a
/// new connection to `app`, with `Connection: close`, and reads the reply. For what reqwest
/// cannot send: exact header-name case, duplicated or odd `Host` fields, raw request-targets.
pub fn raw_request(app: &TestApp, head: &str) -> Reply {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(app.host()).expect("connect to the test app");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("read timeout");
    let request = format!(
        "{}\r\nConnection: close\r\n\r\n",
        head.trim_end_matches("\r\n")
    );
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("a complete HTTP response");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
        .collect();
    Reply::new(status, headers, body.to_owned())
}
