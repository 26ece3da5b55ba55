//! The `Protect` middleware and `guard::Authorized` over real HTTP: a whole app and single scopes
//! protected by middleware, with handlers that carry no attribute (400/401/403/200 with exact
//! challenges); verification shared once per request between the middleware, `#[require_auth]`
//! and the extractors (counted with `Auth0::metrics().verified`, the verified-token cache off);
//! and guards that route by grant, where a guard that does not match means "no route here"
//! (404, by actix-web's design), with the first matching route winning.

use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use actix_web::{get, web, App, HttpResponse, HttpServer, Responder};
use auth0_actix::guard::Authorized;
use auth0_actix::testing::LocalIssuer;
use auth0_actix::{require_auth, Auth0, Auth0Builder, Authenticated, Claims, Grants, Protect};
use auth0_actix::{Metrics, Requirement};
use e2e_support::{builder_for, send, Reply, TestApp};
use serde_json::json;

/// The bare challenge of the default (mixed) DPoP mode.
const BARE: &str = "Bearer realm=\"api\", DPoP algs=\"ES256\"";

// ------------------------------------------------------------------------------------------
// Handlers: none of them checks anything itself unless its name says so

/// No extractor at all: only a middleware can protect it.
async fn plain() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "route": "plain" }))
}

/// The claims the middleware verified.
async fn whoami(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "route": "whoami", "sub": claims.sub }))
}

/// The attribute under a middleware, with two extractors beside it.
#[get("/messages")]
#[require_auth(scopes = "read:messages")]
async fn messages(claims: Claims, auth: Authenticated) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "route": "messages",
        "sub": claims.sub,
        "same": claims.as_json() == auth.claims.as_json(),
    }))
}

/// The attribute alone (no middleware), for comparison.
#[get("/attribute-only")]
#[require_auth(scopes = "read:messages")]
async fn attribute_only(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "attribute-only" }))
}

fn route(name: &'static str) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone {
    move || std::future::ready(HttpResponse::Ok().json(json!({ "route": name })))
}

// ------------------------------------------------------------------------------------------
// Set-up

struct Env {
    issuer: LocalIssuer,
    auth0: Auth0,
    app: TestApp,
    http: reqwest::Client,
}

/// An issuer, an `Auth0` configured by `configure` (the verified-token cache off, so that every
/// verification is real work), and an app serving `routes`.
fn env_with<F>(configure: impl FnOnce(Auth0Builder) -> Auth0Builder, routes: F) -> Env
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let issuer = LocalIssuer::start();
    let auth0 = configure(builder_for(&issuer).verified_token_cache(0))
        .build()
        .expect("a valid configuration");
    let app = e2e_support::start(auth0.clone(), routes);
    Env {
        issuer,
        auth0,
        app,
        http: e2e_support::client(),
    }
}

fn env<F>(routes: F) -> Env
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    env_with(|b| b, routes)
}

impl Env {
    async fn get(&self, path: &str, authorization: Option<&str>) -> Reply {
        get(&self.http, &self.app.url, path, authorization).await
    }

    async fn bearer(&self, path: &str, token: &str) -> Reply {
        self.get(path, Some(&format!("Bearer {token}"))).await
    }

    fn scoped(&self, scope: &str) -> String {
        self.issuer.token().scope(scope).sign()
    }

    fn metrics(&self) -> Metrics {
        self.auth0.metrics()
    }

    /// Sends a request and returns the reply with how many verifications it caused.
    async fn counted(&self, path: &str, token: &str) -> (Reply, u64) {
        let before = self.metrics().verified;
        let reply = self.bearer(path, token).await;
        (reply, self.metrics().verified - before)
    }
}

async fn get(http: &reqwest::Client, base: &str, path: &str, authorization: Option<&str>) -> Reply {
    let mut req = http.get(format!("{base}{path}"));
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    send(req).await
}

#[track_caller]
fn assert_route(reply: &Reply, route: &str) {
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["route"], route, "{reply:?}");
}

#[track_caller]
fn assert_missing(reply: &Reply) {
    reply.assert_error(400, "invalid_request", "");
    assert_eq!(reply.challenge(), BARE);
}

#[track_caller]
fn assert_expired(reply: &Reply) {
    reply.assert_error(401, "invalid_token", "Token is expired");
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"invalid_token\", error_description=\"Token is expired\", \
         DPoP algs=\"ES256\""
    );
}

#[track_caller]
fn assert_insufficient(reply: &Reply, scopes: &str) {
    reply.assert_error(403, "insufficient_scope", "Insufficient scopes");
    assert_eq!(
        reply.challenge(),
        format!(
            "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
             scope=\"{scopes}\", DPoP algs=\"ES256\""
        )
    );
}

/// An app built as `App::new().app_data(auth0).wrap(Protect::require(requirement))` — the
/// middleware on the `App` itself, which `e2e_support::start` (a `ServiceConfig`) cannot do.
/// Stops when dropped.
struct WrappedApp {
    url: String,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl Drop for WrappedApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ =
            std::thread::spawn(move || actix_rt::System::new().block_on(handle.stop(false))).join();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn start_wrapped(
    auth0: Auth0,
    requirement: Requirement,
    routes: fn(&mut web::ServiceConfig),
) -> WrappedApp {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let sys = actix_rt::System::new();
        sys.block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(auth0.clone())
                    .wrap(Protect::require(requirement.clone()))
                    .configure(routes)
            })
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
    WrappedApp {
        url: format!("http://127.0.0.1:{port}"),
        handle,
        thread: Some(thread),
    }
}

// ------------------------------------------------------------------------------------------
// The whole app

fn app_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/plain", web::get().to(plain))
        .route("/whoami", web::get().to(whoami))
        .service(messages);
}

#[tokio::test]
async fn protect_on_the_app_guards_every_route() {
    let issuer = LocalIssuer::start();
    let auth0 = builder_for(&issuer)
        .verified_token_cache(0)
        .build()
        .unwrap();
    let app = start_wrapped(auth0.clone(), Requirement::none(), app_routes);
    let http = e2e_support::client();
    let call = |path: &'static str, token: Option<String>| {
        let authorization = token.map(|t| format!("Bearer {t}"));
        let (http, url) = (http.clone(), app.url.clone());
        async move { get(&http, &url, path, authorization.as_deref()).await }
    };

    let token = issuer.token().subject("app_user").sign();
    assert_route(&call("/plain", Some(token.clone())).await, "plain");
    let reply = call("/whoami", Some(token.clone())).await;
    assert_route(&reply, "whoami");
    assert_eq!(reply.json()["sub"], "app_user");

    for path in ["/plain", "/whoami", "/messages"] {
        assert_missing(&call(path, None).await);
        assert_expired(&call(path, Some(issuer.token().expires_in(-5).sign())).await);
    }
    // Under the app's middleware, the attribute still checks its own scope.
    assert_insufficient(
        &call("/messages", Some(token.clone())).await,
        "read:messages",
    );
    let reply = call(
        "/messages",
        Some(issuer.token().scope("read:messages").sign()),
    )
    .await;
    assert_route(&reply, "messages");
    assert_eq!(reply.json()["same"], true);

    // The middleware wraps the app's router, so it answers before routing: a path that
    // matches no route is an authentication error without a token, and a 404 with one.
    assert_missing(&call("/nowhere", None).await);
    let reply = call("/nowhere", Some(token)).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    assert!(reply.challenges.is_empty(), "{reply:?}");
}

#[tokio::test]
async fn protect_require_on_the_app() {
    let issuer = LocalIssuer::start();
    let auth0 = builder_for(&issuer).build().unwrap();
    let app = start_wrapped(auth0, Requirement::any(["read:plain", "admin"]), app_routes);
    let http = e2e_support::client();
    for (scope, granted) in [
        ("read:plain", true),
        ("admin", true),
        ("openid admin", true),
        ("read:other", false),
        ("", false),
    ] {
        let token = issuer.token().scope(scope).sign();
        let reply = get(&http, &app.url, "/plain", Some(&format!("Bearer {token}"))).await;
        if granted {
            assert_route(&reply, "plain");
        } else {
            assert_insufficient(&reply, "read:plain admin");
        }
    }
}

// ------------------------------------------------------------------------------------------
// Scopes

fn scoped_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/public", web::get().to(route("public")))
        .service(
            web::scope("/admin")
                .wrap(Protect::require("admin:read"))
                .route("/stats", web::get().to(route("admin/stats")))
                .route("/whoami", web::get().to(whoami)),
        )
        .service(
            web::scope("/api")
                .wrap(Protect::new())
                .route("/plain", web::get().to(plain))
                .service(messages),
        )
        .service(attribute_only);
}

#[tokio::test]
async fn protect_require_on_a_scope_without_any_attribute() {
    let env = env(scoped_routes);

    // The public route beside the scope needs nothing.
    assert_route(&env.get("/public", None).await, "public");
    assert_route(&env.get("/public", Some("Basic x")).await, "public");

    for path in ["/admin/stats", "/admin/whoami"] {
        assert_missing(&env.get(path, None).await);
        assert_missing(&env.get(path, Some("Basic dXNlcjpwYXNz")).await);
        assert_expired(
            &env.bearer(path, &env.issuer.token().expires_in(-5).sign())
                .await,
        );
        env.bearer(path, "not-a-jwt").await.assert_error(
            401,
            "invalid_token",
            "Failed to parse token header: Invalid token format: expected 3 segments, got 1",
        );
        // A valid token without the scope: 403 with the scope in the challenge.
        assert_insufficient(
            &env.bearer(path, &env.scoped("read:messages")).await,
            "admin:read",
        );
        assert_insufficient(
            &env.bearer(path, &env.scoped("ADMIN:READ")).await,
            "admin:read",
        );
        // RBAC permissions are not scopes by default.
        let token = env.issuer.token().permissions(["admin:read"]).sign();
        assert_insufficient(&env.bearer(path, &token).await, "admin:read");
    }
    let admin = env
        .issuer
        .token()
        .subject("admin_1")
        .scope("admin:read")
        .sign();
    assert_route(&env.bearer("/admin/stats", &admin).await, "admin/stats");
    let reply = env.bearer("/admin/whoami", &admin).await;
    assert_route(&reply, "whoami");
    assert_eq!(reply.json()["sub"], "admin_1");
    // Inside the scope, an unknown path is a 404 once the middleware let the request through.
    assert_eq!(env.bearer("/admin/nowhere", &admin).await.status, 404);
    assert_insufficient(
        &env.bearer("/admin/nowhere", &env.scoped("read:messages"))
            .await,
        "admin:read",
    );
}

#[tokio::test]
async fn the_rejection_counters_see_the_middleware() {
    let env = env(scoped_routes);
    let before = env.metrics();
    assert_insufficient(
        &env.bearer("/admin/stats", &env.scoped("x")).await,
        "admin:read",
    );
    assert_missing(&env.get("/admin/stats", None).await);
    let after = env.metrics();
    assert_eq!(after.verified - before.verified, 1);
    assert_eq!(
        after.rejected_insufficient_scope - before.rejected_insufficient_scope,
        1
    );
    assert_eq!(
        after.rejected_invalid_request - before.rejected_invalid_request,
        1
    );
}

#[tokio::test]
async fn a_scope_under_protect_without_auth0_is_a_500() {
    let issuer = LocalIssuer::start();
    let app = e2e_support::start_with(|| {
        |cfg: &mut web::ServiceConfig| {
            cfg.service(
                web::scope("/admin")
                    .wrap(Protect::require("admin:read"))
                    .route("/stats", web::get().to(plain)),
            );
        }
    });
    let http = e2e_support::client();
    let token = issuer.token().scope("admin:read").sign();
    for authorization in [None, Some(format!("Bearer {token}"))] {
        let reply = get(&http, &app.url, "/admin/stats", authorization.as_deref()).await;
        reply.assert_error(
            500,
            "internal_server_error",
            "An unexpected error occurred during authentication",
        );
        assert!(reply.challenges.is_empty(), "{reply:?}");
    }
    assert_eq!(issuer.discovery_fetches(), 0);
}

// ------------------------------------------------------------------------------------------
// Verification happens once per request

#[tokio::test]
async fn middleware_and_attribute_on_one_route_verify_once() {
    let env = env(scoped_routes);
    let token = env
        .issuer
        .token()
        .subject("once")
        .scope("read:messages")
        .sign();
    for _ in 0..3 {
        let (reply, verifications) = env.counted("/api/messages", &token).await;
        assert_route(&reply, "messages");
        assert_eq!(reply.json()["sub"], "once");
        assert_eq!(reply.json()["same"], true);
        assert_eq!(verifications, 1, "Protect + #[require_auth] + 2 extractors");
    }
    // The same count as the attribute alone, and as the middleware alone.
    let (reply, verifications) = env.counted("/attribute-only", &token).await;
    assert_route(&reply, "attribute-only");
    assert_eq!(verifications, 1);
    let (reply, verifications) = env.counted("/api/plain", &token).await;
    assert_route(&reply, "plain");
    assert_eq!(verifications, 1);

    // Failures are verified once too: the middleware's rejection ends the request.
    let before = env.metrics();
    assert_expired(
        &env.bearer("/api/messages", &env.issuer.token().expires_in(-5).sign())
            .await,
    );
    let after = env.metrics();
    assert_eq!(
        after.rejected_invalid_token - before.rejected_invalid_token,
        1
    );
    assert_eq!(after.verified, before.verified);

    // The middleware accepts any valid token; the attribute then denies the missing scope,
    // still after a single verification.
    let (reply, verifications) = env.counted("/api/messages", &env.scoped("other")).await;
    assert_insufficient(&reply, "read:messages");
    assert_eq!(verifications, 1);
}

#[get("/deep")]
#[require_auth(scopes = all("read:reports", any("export:reports", "admin")))]
async fn deep(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "deep", "sub": claims.sub }))
}

#[tokio::test]
async fn nested_middlewares_and_the_attribute_verify_once() {
    let issuer = LocalIssuer::start();
    let auth0 = builder_for(&issuer)
        .verified_token_cache(0)
        .build()
        .unwrap();
    let app = start_wrapped(auth0.clone(), Requirement::none(), |cfg| {
        cfg.service(
            web::scope("/reports")
                .wrap(Protect::require("read:reports"))
                .service(
                    web::scope("/v1")
                        .wrap(Protect::require(Requirement::any([
                            "export:reports",
                            "admin",
                        ])))
                        .service(deep),
                ),
        );
    });
    let http = e2e_support::client();
    let token = issuer
        .token()
        .subject("deep_user")
        .scope("read:reports admin")
        .sign();
    for _ in 0..2 {
        let before = auth0.metrics().verified;
        let reply = get(
            &http,
            &app.url,
            "/reports/v1/deep",
            Some(&format!("Bearer {token}")),
        )
        .await;
        assert_route(&reply, "deep");
        assert_eq!(reply.json()["sub"], "deep_user");
        assert_eq!(
            auth0.metrics().verified - before,
            1,
            "three middlewares and the attribute"
        );
    }
    // The outer scope's requirement is checked first.
    let token = issuer.token().scope("admin").sign();
    let reply = get(
        &http,
        &app.url,
        "/reports/v1/deep",
        Some(&format!("Bearer {token}")),
    )
    .await;
    assert_insufficient(&reply, "read:reports");
    let token = issuer.token().scope("read:reports").sign();
    let reply = get(
        &http,
        &app.url,
        "/reports/v1/deep",
        Some(&format!("Bearer {token}")),
    )
    .await;
    assert_insufficient(&reply, "export:reports admin");
}

// ------------------------------------------------------------------------------------------
// Guards

fn guarded_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/reports")
            .wrap(Protect::new())
            // Tried in order: the first route whose guard matches serves the request.
            .route(
                "",
                web::get()
                    .guard(Authorized::new("admin:read"))
                    .to(route("all reports")),
            )
            .route(
                "",
                web::get()
                    .guard(Authorized::new(Requirement::any([
                        "reports:read",
                        "admin:read",
                    ])))
                    .to(route("team reports")),
            )
            .route("", web::get().to(route("your reports"))),
    )
    .service(
        web::scope("/admin-only").wrap(Protect::new()).route(
            "",
            web::get()
                .guard(Authorized::new("admin:read"))
                .to(route("admin")),
        ),
    )
    // A guard without a middleware before it has no verified token to read.
    .route(
        "/unprotected-guard",
        web::get()
            .guard(Authorized::new("admin:read"))
            .to(route("unprotected-guard")),
    )
    // The pitfall: a guard on the very scope Protect wraps is checked by the parent router
    // before the middleware runs, so it never sees a verified token.
    .service(
        web::scope("/guarded-scope")
            .guard(Authorized::new("admin:read"))
            .wrap(Protect::new())
            .route("", web::get().to(route("guarded-scope"))),
    );
}

#[tokio::test]
async fn guards_route_by_grant_in_order() {
    let env = env(guarded_routes);
    for (scope, expected) in [
        ("admin:read", "all reports"),
        ("admin:read reports:read", "all reports"),
        ("reports:read", "team reports"),
        ("openid reports:read", "team reports"),
        ("", "your reports"),
        ("reports:write", "your reports"),
    ] {
        let reply = env.bearer("/reports", &env.scoped(scope)).await;
        assert_route(&reply, expected);
    }
    // Without a valid token the middleware answers; no guard is ever asked.
    assert_missing(&env.get("/reports", None).await);
    assert_expired(
        &env.bearer(
            "/reports",
            &env.issuer.token().scope("admin:read").expires_in(-5).sign(),
        )
        .await,
    );
}

#[tokio::test]
async fn a_guard_that_does_not_match_is_a_404_never_a_403() {
    let env = env(guarded_routes);
    assert_route(
        &env.bearer("/admin-only", &env.scoped("admin:read")).await,
        "admin",
    );
    for scope in ["reports:read", "", "ADMIN:READ"] {
        let reply = env.bearer("/admin-only", &env.scoped(scope)).await;
        assert_eq!(reply.status, 404, "{scope:?}: {reply:?}");
        assert!(reply.challenges.is_empty(), "{reply:?}");
    }
    // Permissions are not scopes unless the configuration says so.
    let token = env.issuer.token().permissions(["admin:read"]).sign();
    assert_eq!(env.bearer("/admin-only", &token).await.status, 404);

    // No middleware: the guard never sees a verified token, so it never matches, even for a
    // token that would satisfy it.
    for authorization in [None, Some(format!("Bearer {}", env.scoped("admin:read")))] {
        let reply = env
            .get("/unprotected-guard", authorization.as_deref())
            .await;
        assert_eq!(reply.status, 404, "{reply:?}");
        assert!(reply.challenges.is_empty(), "{reply:?}");
    }
}

#[tokio::test]
async fn a_guard_on_the_protected_scope_itself_never_matches() {
    let env = env(guarded_routes);
    // Not even the middleware answers: the parent router found no matching service.
    for authorization in [
        None,
        Some(format!("Bearer {}", env.scoped("admin:read"))),
        Some("Bearer not-a-token".to_owned()),
    ] {
        let reply = env.get("/guarded-scope", authorization.as_deref()).await;
        assert_eq!(reply.status, 404, "{authorization:?}: {reply:?}");
        assert!(reply.challenges.is_empty(), "{reply:?}");
    }
}

/// Under an app-wide `Protect`, the middleware runs before the app's router, so a guard on a
/// scope sees the verified token.
fn app_guarded_scope(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .guard(Authorized::new("admin:read"))
            .route("", web::get().to(route("admin"))),
    );
}

#[tokio::test]
async fn a_scope_guard_beneath_an_app_wide_protect_matches() {
    let issuer = LocalIssuer::start();
    let auth0 = builder_for(&issuer).build().unwrap();
    let app = start_wrapped(auth0, Requirement::none(), app_guarded_scope);
    let http = e2e_support::client();
    let bearer = |scope: &str| Some(format!("Bearer {}", issuer.token().scope(scope).sign()));
    let admin = get(&http, &app.url, "/admin", bearer("admin:read").as_deref()).await;
    assert_route(&admin, "admin");
    let other = get(&http, &app.url, "/admin", bearer("reports:read").as_deref()).await;
    assert_eq!(other.status, 404, "{other:?}");
    assert_missing(&get(&http, &app.url, "/admin", None).await);
}

#[tokio::test]
async fn guards_read_grants_as_the_configuration_says() {
    let env = env_with(|b| b.grants(Grants::ScopeOrPermissions), guarded_routes);
    let token = env.issuer.token().permissions(["admin:read"]).sign();
    assert_route(&env.bearer("/admin-only", &token).await, "admin");
    assert_route(&env.bearer("/reports", &token).await, "all reports");
    let token = env.issuer.token().permissions(["reports:read"]).sign();
    assert_route(&env.bearer("/reports", &token).await, "team reports");
    assert_route(
        &env.bearer("/admin-only", &env.scoped("admin:read")).await,
        "admin",
    );
}

/// The extractors accept the `Auth0` handle as `web::Data<Auth0>` too; guards must then read
/// the same configuration.
#[tokio::test]
async fn guards_read_the_configuration_registered_as_web_data() {
    let issuer = LocalIssuer::start();
    let auth0 = builder_for(&issuer)
        .grants(Grants::ScopeOrPermissions)
        .build()
        .unwrap();
    let app = e2e_support::start_with(move || {
        let data = web::Data::new(auth0.clone());
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(data);
            guarded_routes(cfg);
        }
    });
    let http = e2e_support::client();
    let token = issuer.token().permissions(["admin:read"]).sign();
    let reply = get(
        &http,
        &app.url,
        "/admin-only",
        Some(&format!("Bearer {token}")),
    )
    .await;
    assert_route(&reply, "admin");
}

// ------------------------------------------------------------------------------------------
// `Auth0::verify_request` and nested configurations share (or rightly refuse) the outcome

/// Under `Protect`, calls `Auth0::verify_request` itself, as an application might.
async fn manual(req: actix_web::HttpRequest) -> HttpResponse {
    let auth0 = req.app_data::<Auth0>().expect("registered").clone();
    match auth0.verify_request(&req).await {
        Ok(auth) => HttpResponse::Ok().json(json!({ "route": "manual", "sub": auth.claims.sub })),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

#[tokio::test]
async fn verify_request_under_protect_reuses_the_outcome_even_for_dpop() {
    let env = e2e_support::DpopEnv::start_with_routes(
        |b| b.verified_token_cache(0),
        |cfg: &mut web::ServiceConfig| {
            cfg.service(
                web::scope("/api")
                    .wrap(Protect::new())
                    .route("/manual", web::get().to(manual)),
            );
        },
    );
    let token = env.bound_token();
    let before = env.auth0.metrics().verified;
    let proof = env.proof("GET", "/api/manual", &token).sign();
    let reply = env.dpop("GET", "/api/manual", &token, &proof).await;
    // Verifying the same request twice would check the proof twice and call it a replay.
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["sub"], "user_123");
    assert_eq!(env.auth0.metrics().verified - before, 1);
    // The proof was still recorded: sending it again is a replay.
    let again = env.dpop("GET", "/api/manual", &token, &proof).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["detail"]["error"], "invalid_dpop_proof");
}

#[tokio::test]
async fn a_scope_with_its_own_configuration_does_not_reuse_the_outer_outcome() {
    let issuer = LocalIssuer::start();
    let outer = builder_for(&issuer)
        .verified_token_cache(0)
        .build()
        .expect("outer");
    let inner = builder_for(&issuer)
        .audience("https://another-api.example")
        .verified_token_cache(0)
        .build()
        .expect("inner");
    let inner_for_app = inner.clone();
    let app = e2e_support::start(outer.clone(), move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("/api").wrap(Protect::new()).service(
                web::scope("/other")
                    .app_data(inner_for_app.clone())
                    .route("/whoami", web::get().to(whoami)),
            ),
        );
    });
    let http = e2e_support::client();
    // Valid for the outer audience only: the middleware (outer) lets it through, and the
    // handler's extractor (inner configuration) must verify it again and refuse it.
    let token = issuer.token().sign();
    let reply = get(
        &http,
        &app.url,
        "/api/other/whoami",
        Some(&format!("Bearer {token}")),
    )
    .await;
    assert_eq!(reply.status, 401, "{:?}", reply.json());
    assert_eq!(reply.json()["detail"]["error"], "invalid_token");
    assert_eq!(outer.metrics().verified, 1);
    assert_eq!(inner.metrics().verified, 0);
    assert_eq!(inner.metrics().rejected_invalid_token, 1);

    // A token for the inner audience passes the inner check but not the outer middleware.
    let token = issuer
        .token()
        .audience("https://another-api.example")
        .sign();
    let reply = get(
        &http,
        &app.url,
        "/api/other/whoami",
        Some(&format!("Bearer {token}")),
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        inner.metrics().verified,
        0,
        "the middleware refused it first"
    );
}

/// The attribute and two extractors, for a scope with its own configuration.
#[get("/both")]
#[require_auth]
async fn both(claims: Claims, auth: Authenticated) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "route": "both",
        "sub": claims.sub,
        "scheme": auth.scheme.as_str(),
    }))
}

#[tokio::test]
async fn the_inner_configuration_verifies_once_for_all_its_extractors_even_for_dpop() {
    let env = e2e_support::DpopEnv::start_with_routes(
        |b| b.verified_token_cache(0),
        |_: &mut web::ServiceConfig| {},
    );
    // Outer `Protect` on the configuration the app registers; an inner scope with its own
    // (same issuer and audience, separate counters and replay store).
    let inner = builder_for(&env.issuer)
        .verified_token_cache(0)
        .build()
        .expect("inner");
    let (outer, inner_for_app) = (env.auth0.clone(), inner.clone());
    let app = e2e_support::start(outer.clone(), move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("/api").wrap(Protect::new()).service(
                web::scope("/inner")
                    .app_data(inner_for_app.clone())
                    .service(both),
            ),
        );
    });
    let token = env.bound_token();
    let url = app.at("/api/inner/both");
    for _ in 0..2 {
        let proof = env.key.proof("GET", &url).access_token(&token).sign();
        let reply = send(
            env.http
                .get(&url)
                .header("Authorization", format!("DPoP {token}"))
                .header("DPoP", proof),
        )
        .await;
        // Each configuration checked the proof once: a second check by the inner one would
        // find the proof in its replay store and refuse it.
        assert_eq!(reply.status, 200, "{:?}", reply.json());
        assert_eq!(reply.json()["scheme"], "DPoP");
    }
    assert_eq!(
        outer.metrics().verified,
        2,
        "the middleware, once a request"
    );
    assert_eq!(
        inner.metrics().verified,
        2,
        "the attribute and both extractors, once a request"
    );
}
