//! The `Protect` middleware and `guard::Authorized` over real HTTP: a whole app and single scopes
//! protected by middleware, with handlers that carry no attribute (400/401/403/200 with exact
//! challenges); verification shared once per request between the middleware, `#[require_auth]`
//! and the extractors (counted with `Auth0::metrics().verified`, the verified-token cache off);
//! and guards that route by grant, where a guard that does not match means "no route here"
//! (404, by actix-web's design), with the first matching route winning.

use actix_web::{get, web, HttpResponse, Responder};
use auth0_actix::guard::Authorized;
use auth0_actix::testing::LocalIssuer;
use auth0_actix::{require_auth, Auth0, Authenticated, Claims, Grants, Protect, Requirement};
use e2e_support::www::MIXED_BARE;
use e2e_support::{expect, route, Api, ApiBuilder, Registration, Reply};
use serde_json::json;

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

// ------------------------------------------------------------------------------------------
// Set-up

/// An issuer, an `Auth0` with the verified-token cache off (so that every verification is real
/// work), and an app serving `routes`.
fn uncached(routes: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static) -> ApiBuilder {
    Api::builder()
        .configure(|b| b.verified_token_cache(0))
        .routes(routes)
}

/// Sends a request and returns the reply with how many verifications it caused.
async fn counted(env: &Api, path: &str, token: &str) -> (Reply, u64) {
    let before = env.metrics().verified;
    let reply = env.bearer_at(path, token).await;
    (reply, env.metrics().verified - before)
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
    let app = uncached(app_routes)
        .protect_app(Requirement::none())
        .start();
    let issuer = app.issuer();
    let call = |path: &'static str, token: Option<String>| {
        let authorization = token.map(|t| format!("Bearer {t}"));
        let app = &app;
        async move { app.with_authorization(path, authorization.as_deref()).await }
    };

    let token = issuer.token().subject("app_user").sign();
    expect::route(&call("/plain", Some(token.clone())).await, "plain");
    let reply = call("/whoami", Some(token.clone())).await;
    expect::route(&reply, "whoami");
    assert_eq!(reply.json()["sub"], "app_user");

    for path in ["/plain", "/whoami", "/messages"] {
        expect::invalid_request(&call(path, None).await, "", MIXED_BARE);
        expect::invalid_token(
            &call(path, Some(issuer.token().expires_in(-5).sign())).await,
            "Token is expired",
        );
    }
    // Under the app's middleware, the attribute still checks its own scope.
    expect::insufficient_scope(
        &call("/messages", Some(token.clone())).await,
        "read:messages",
    );
    let reply = call(
        "/messages",
        Some(issuer.token().scope("read:messages").sign()),
    )
    .await;
    expect::route(&reply, "messages");
    assert_eq!(reply.json()["same"], true);

    // The middleware wraps the app's router, so it answers before routing: a path that
    // matches no route is an authentication error without a token, and a 404 with one.
    expect::invalid_request(&call("/nowhere", None).await, "", MIXED_BARE);
    let reply = call("/nowhere", Some(token)).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    assert!(reply.challenges.is_empty(), "{reply:?}");
}

#[tokio::test]
async fn protect_require_on_the_app() {
    let app = Api::builder()
        .protect_app(Requirement::any(["read:plain", "admin"]))
        .routes(app_routes)
        .start();
    for (scope, granted) in [
        ("read:plain", true),
        ("admin", true),
        ("openid admin", true),
        ("read:other", false),
        ("", false),
    ] {
        let reply = app.bearer_at("/plain", &app.scoped(scope)).await;
        if granted {
            expect::route(&reply, "plain");
        } else {
            expect::insufficient_scope(&reply, "read:plain admin");
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
    let env = uncached(scoped_routes).start();

    // The public route beside the scope needs nothing.
    expect::route(&env.with_authorization("/public", None).await, "public");
    expect::route(
        &env.with_authorization("/public", Some("Basic x")).await,
        "public",
    );

    for path in ["/admin/stats", "/admin/whoami"] {
        expect::invalid_request(&env.with_authorization(path, None).await, "", MIXED_BARE);
        expect::invalid_request(
            &env.with_authorization(path, Some("Basic dXNlcjpwYXNz"))
                .await,
            "",
            MIXED_BARE,
        );
        expect::invalid_token(
            &env.bearer_at(path, &env.issuer().token().expires_in(-5).sign())
                .await,
            "Token is expired",
        );
        expect::error(
            &env.bearer_at(path, "not-a-jwt").await,
            401,
            "invalid_token",
            "Failed to parse token header: Invalid token format: expected 3 segments, got 1",
        );
        // A valid token without the scope: 403 with the scope in the challenge.
        expect::insufficient_scope(
            &env.bearer_at(path, &env.scoped("read:messages")).await,
            "admin:read",
        );
        expect::insufficient_scope(
            &env.bearer_at(path, &env.scoped("ADMIN:READ")).await,
            "admin:read",
        );
        // RBAC permissions are not scopes by default.
        let token = env.issuer().token().permissions(["admin:read"]).sign();
        expect::insufficient_scope(&env.bearer_at(path, &token).await, "admin:read");
    }
    let admin = env
        .issuer()
        .token()
        .subject("admin_1")
        .scope("admin:read")
        .sign();
    expect::route(&env.bearer_at("/admin/stats", &admin).await, "admin/stats");
    let reply = env.bearer_at("/admin/whoami", &admin).await;
    expect::route(&reply, "whoami");
    assert_eq!(reply.json()["sub"], "admin_1");
    // Inside the scope, an unknown path is a 404 once the middleware let the request through.
    assert_eq!(env.bearer_at("/admin/nowhere", &admin).await.status, 404);
    expect::insufficient_scope(
        &env.bearer_at("/admin/nowhere", &env.scoped("read:messages"))
            .await,
        "admin:read",
    );
}

#[tokio::test]
async fn the_rejection_counters_see_the_middleware() {
    let env = uncached(scoped_routes).start();
    let before = env.metrics();
    expect::insufficient_scope(
        &env.bearer_at("/admin/stats", &env.scoped("x")).await,
        "admin:read",
    );
    expect::invalid_request(
        &env.with_authorization("/admin/stats", None).await,
        "",
        MIXED_BARE,
    );
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
    let app = Api::builder()
        .registration(Registration::Unregistered)
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(
                web::scope("/admin")
                    .wrap(Protect::require("admin:read"))
                    .route("/stats", web::get().to(plain)),
            );
        })
        .start();
    let issuer = app.issuer();
    let token = issuer.token().scope("admin:read").sign();
    for authorization in [None, Some(format!("Bearer {token}"))] {
        let reply = app
            .with_authorization("/admin/stats", authorization.as_deref())
            .await;
        expect::server_error(&reply);
    }
    assert_eq!(issuer.discovery_fetches(), 0);
}

// ------------------------------------------------------------------------------------------
// Verification happens once per request

#[tokio::test]
async fn middleware_and_attribute_on_one_route_verify_once() {
    let env = uncached(scoped_routes).start();
    let token = env
        .issuer()
        .token()
        .subject("once")
        .scope("read:messages")
        .sign();
    for _ in 0..3 {
        let (reply, verifications) = counted(&env, "/api/messages", &token).await;
        expect::route(&reply, "messages");
        assert_eq!(reply.json()["sub"], "once");
        assert_eq!(reply.json()["same"], true);
        assert_eq!(verifications, 1, "Protect + #[require_auth] + 2 extractors");
    }
    // The same count as the attribute alone, and as the middleware alone.
    let (reply, verifications) = counted(&env, "/attribute-only", &token).await;
    expect::route(&reply, "attribute-only");
    assert_eq!(verifications, 1);
    let (reply, verifications) = counted(&env, "/api/plain", &token).await;
    expect::route(&reply, "plain");
    assert_eq!(verifications, 1);

    // Failures are verified once too: the middleware's rejection ends the request.
    let before = env.metrics();
    expect::invalid_token(
        &env.bearer_at("/api/messages", &env.issuer().token().expires_in(-5).sign())
            .await,
        "Token is expired",
    );
    let after = env.metrics();
    assert_eq!(
        after.rejected_invalid_token - before.rejected_invalid_token,
        1
    );
    assert_eq!(after.verified, before.verified);

    // The middleware accepts any valid token; the attribute then denies the missing scope,
    // still after a single verification.
    let (reply, verifications) = counted(&env, "/api/messages", &env.scoped("other")).await;
    expect::insufficient_scope(&reply, "read:messages");
    assert_eq!(verifications, 1);
}

#[get("/deep")]
#[require_auth(scopes = all("read:reports", any("export:reports", "admin")))]
async fn deep(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "deep", "sub": claims.sub }))
}

#[tokio::test]
async fn nested_middlewares_and_the_attribute_verify_once() {
    let app = uncached(|cfg: &mut web::ServiceConfig| {
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
    })
    .protect_app(Requirement::none())
    .start();
    let (issuer, auth0) = (app.issuer(), &app.auth0);
    let token = issuer
        .token()
        .subject("deep_user")
        .scope("read:reports admin")
        .sign();
    for _ in 0..2 {
        let before = auth0.metrics().verified;
        let reply = app.bearer_at("/reports/v1/deep", &token).await;
        expect::route(&reply, "deep");
        assert_eq!(reply.json()["sub"], "deep_user");
        assert_eq!(
            auth0.metrics().verified - before,
            1,
            "three middlewares and the attribute"
        );
    }
    // The outer scope's requirement is checked first.
    let token = issuer.token().scope("admin").sign();
    let reply = app.bearer_at("/reports/v1/deep", &token).await;
    expect::insufficient_scope(&reply, "read:reports");
    let token = issuer.token().scope("read:reports").sign();
    let reply = app.bearer_at("/reports/v1/deep", &token).await;
    expect::insufficient_scope(&reply, "export:reports admin");
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
    let env = uncached(guarded_routes).start();
    for (scope, expected) in [
        ("admin:read", "all reports"),
        ("admin:read reports:read", "all reports"),
        ("reports:read", "team reports"),
        ("openid reports:read", "team reports"),
        ("", "your reports"),
        ("reports:write", "your reports"),
    ] {
        let reply = env.bearer_at("/reports", &env.scoped(scope)).await;
        expect::route(&reply, expected);
    }
    // Without a valid token the middleware answers; no guard is ever asked.
    expect::invalid_request(
        &env.with_authorization("/reports", None).await,
        "",
        MIXED_BARE,
    );
    expect::invalid_token(
        &env.bearer_at(
            "/reports",
            &env.issuer()
                .token()
                .scope("admin:read")
                .expires_in(-5)
                .sign(),
        )
        .await,
        "Token is expired",
    );
}

#[tokio::test]
async fn a_guard_that_does_not_match_is_a_404_never_a_403() {
    let env = uncached(guarded_routes).start();
    expect::route(
        &env.bearer_at("/admin-only", &env.scoped("admin:read"))
            .await,
        "admin",
    );
    for scope in ["reports:read", "", "ADMIN:READ"] {
        let reply = env.bearer_at("/admin-only", &env.scoped(scope)).await;
        assert_eq!(reply.status, 404, "{scope:?}: {reply:?}");
        assert!(reply.challenges.is_empty(), "{reply:?}");
    }
    // Permissions are not scopes unless the configuration says so.
    let token = env.issuer().token().permissions(["admin:read"]).sign();
    assert_eq!(env.bearer_at("/admin-only", &token).await.status, 404);

    // No middleware: the guard never sees a verified token, so it never matches, even for a
    // token that would satisfy it.
    for authorization in [None, Some(format!("Bearer {}", env.scoped("admin:read")))] {
        let reply = env
            .with_authorization("/unprotected-guard", authorization.as_deref())
            .await;
        assert_eq!(reply.status, 404, "{reply:?}");
        assert!(reply.challenges.is_empty(), "{reply:?}");
    }
}

#[tokio::test]
async fn a_guard_on_the_protected_scope_itself_never_matches() {
    let env = uncached(guarded_routes).start();
    // Not even the middleware answers: the parent router found no matching service.
    for authorization in [
        None,
        Some(format!("Bearer {}", env.scoped("admin:read"))),
        Some("Bearer not-a-token".to_owned()),
    ] {
        let reply = env
            .with_authorization("/guarded-scope", authorization.as_deref())
            .await;
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
    let app = Api::builder()
        .protect_app(Requirement::none())
        .routes(app_guarded_scope)
        .start();
    let admin = app.bearer_at("/admin", &app.scoped("admin:read")).await;
    expect::route(&admin, "admin");
    let other = app.bearer_at("/admin", &app.scoped("reports:read")).await;
    assert_eq!(other.status, 404, "{other:?}");
    expect::invalid_request(&app.get("/admin", &[]).await, "", MIXED_BARE);
}

#[tokio::test]
async fn guards_read_grants_as_the_configuration_says() {
    let env = uncached(guarded_routes)
        .configure(|b| b.grants(Grants::ScopeOrPermissions))
        .start();
    let token = env.issuer().token().permissions(["admin:read"]).sign();
    expect::route(&env.bearer_at("/admin-only", &token).await, "admin");
    expect::route(&env.bearer_at("/reports", &token).await, "all reports");
    let token = env.issuer().token().permissions(["reports:read"]).sign();
    expect::route(&env.bearer_at("/reports", &token).await, "team reports");
    expect::route(
        &env.bearer_at("/admin-only", &env.scoped("admin:read"))
            .await,
        "admin",
    );
}

/// The extractors accept the `Auth0` handle as `web::Data<Auth0>` too; guards must then read
/// the same configuration.
#[tokio::test]
async fn guards_read_the_configuration_registered_as_web_data() {
    let app = Api::builder()
        .configure(|b| b.grants(Grants::ScopeOrPermissions))
        .registration(Registration::WebData)
        .routes(guarded_routes)
        .start();
    let token = app.issuer().token().permissions(["admin:read"]).sign();
    let reply = app.bearer_at("/admin-only", &token).await;
    expect::route(&reply, "admin");
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
    let env = uncached(|cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("/api")
                .wrap(Protect::new())
                .route("/manual", web::get().to(manual)),
        );
    })
    .start();
    let token = env.bound_token();
    let before = env.auth0.metrics().verified;
    let proof = env.proof("GET", "/api/manual", &token).sign();
    let reply = env.dpop("GET", "/api/manual", &token, &proof).await;
    // Verifying the same request twice would check the proof twice and call it a replay.
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["sub"], "user_123");
    assert_eq!(env.auth0.metrics().verified - before, 1);
    // The proof was still recorded: sending it again is a replay.
    let again = env.dpop("GET", "/api/manual", &token, &proof).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["detail"]["error"], "invalid_dpop_proof");
}

#[tokio::test]
async fn a_scope_with_its_own_configuration_does_not_reuse_the_outer_outcome() {
    let issuer = LocalIssuer::start();
    let inner = issuer
        .auth0_builder()
        .audience("https://another-api.example")
        .verified_token_cache(0)
        .build()
        .expect("inner");
    let inner_for_app = inner.clone();
    let app = uncached(move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("/api").wrap(Protect::new()).service(
                web::scope("/other")
                    .app_data(inner_for_app.clone())
                    .route("/whoami", web::get().to(whoami)),
            ),
        );
    })
    .issuer(issuer)
    .start();
    let (issuer, outer) = (app.issuer(), &app.auth0);
    // Valid for the outer audience only: the middleware (outer) lets it through, and the
    // handler's extractor (inner configuration) must verify it again and refuse it.
    let token = issuer.token().sign();
    let reply = app.bearer_at("/api/other/whoami", &token).await;
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
    let reply = app.bearer_at("/api/other/whoami", &token).await;
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
    // Outer `Protect` on the configuration the app registers; an inner scope with its own
    // (same issuer and audience, separate counters and replay store).
    let issuer = LocalIssuer::start();
    let inner = issuer
        .auth0_builder()
        .verified_token_cache(0)
        .build()
        .expect("inner");
    let inner_for_app = inner.clone();
    let env = uncached(move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("/api").wrap(Protect::new()).service(
                web::scope("/inner")
                    .app_data(inner_for_app.clone())
                    .service(both),
            ),
        );
    })
    .issuer(issuer)
    .start();
    let outer = &env.auth0;
    let token = env.bound_token();
    for _ in 0..2 {
        let proof = env.proof("GET", "/api/inner/both", &token).sign();
        let reply = env.dpop("GET", "/api/inner/both", &token, &proof).await;
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
