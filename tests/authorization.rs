//! Authorization beyond one scope, over real HTTP: scope expressions (`any`, `all`, nested) in
//! `#[require_auth]` and in `Protect`, with exact 403 challenges whose `scope` parameter lists
//! every scope involved, in order, once (D10); Auth0 RBAC `permissions` per configuration and
//! per route; optional authentication (`OptionalClaims`); the delegation helpers on `act`; and
//! the opt-in RFC 6750 answer to missing credentials (401 with a bare challenge).

use actix_web::{get, web, HttpResponse, Responder};
use auth0_actix::testing::LocalIssuer;
use auth0_actix::{
    require_auth, Auth0Builder, AuthError, Claims, Grants, OptionalClaims, Protect, Requirement,
};
use e2e_support::{builder_for, send, Reply, TestApp};
use serde_json::{json, Value};

// ------------------------------------------------------------------------------------------
// Set-up

struct Env {
    issuer: LocalIssuer,
    auth0: auth0_actix::Auth0,
    app: TestApp,
    http: reqwest::Client,
}

fn env_with<F>(configure: impl FnOnce(Auth0Builder) -> Auth0Builder, routes: F) -> Env
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let issuer = LocalIssuer::start();
    let auth0 = configure(builder_for(&issuer))
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
        let mut req = self.http.get(self.app.at(path));
        if let Some(value) = authorization {
            req = req.header("authorization", value);
        }
        send(req).await
    }

    async fn bearer(&self, path: &str, token: &str) -> Reply {
        self.get(path, Some(&format!("Bearer {token}"))).await
    }

    fn scoped(&self, scope: &str) -> String {
        self.issuer.token().scope(scope).sign()
    }

    fn permitted(&self, permissions: &[&str]) -> String {
        self.issuer
            .token()
            .permissions(permissions.iter().copied())
            .sign()
    }
}

fn route(name: &'static str) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone {
    move || std::future::ready(HttpResponse::Ok().json(json!({ "route": name })))
}

#[track_caller]
fn assert_route(reply: &Reply, route: &str) {
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["route"], route, "{reply:?}");
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

/// The bare challenge of the default (mixed) DPoP mode.
const BARE: &str = "Bearer realm=\"api\", DPoP algs=\"ES256\"";

// ------------------------------------------------------------------------------------------
// Scope expressions, in the attribute and in the middleware

#[get("/attr/any")]
#[require_auth(scopes = any("read:messages", "read:data"))]
async fn attr_any() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "any" }))
}

#[get("/attr/all")]
#[require_auth(scopes = all("read:data", "write:data"))]
async fn attr_all() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "all" }))
}

#[require_auth(scopes = all("read:data", any("write:data", "admin")))]
#[get("/attr/nested")]
async fn attr_nested(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "nested" }))
}

#[get("/attr/deep")]
#[require_auth(scopes = any(
    all("read:reports", "export:reports"),
    "admin",
    all("auditor", any("region:eu", "region:us")),
))]
async fn attr_deep() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "deep" }))
}

#[get("/attr/list")]
#[require_auth(scopes = ["read:data", any("write:data", "admin")])]
async fn attr_list() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "list" }))
}

/// The requirements of the attribute routes above, as `Protect` takes them.
fn requirements() -> [(&'static str, Requirement); 5] {
    [
        ("any", Requirement::any(["read:messages", "read:data"])),
        ("all", Requirement::all(["read:data", "write:data"])),
        (
            "nested",
            Requirement::all([
                Requirement::scope("read:data"),
                Requirement::any(["write:data", "admin"]),
            ]),
        ),
        (
            "deep",
            Requirement::any([
                Requirement::all(["read:reports", "export:reports"]),
                Requirement::scope("admin"),
                Requirement::all([
                    Requirement::scope("auditor"),
                    Requirement::any(["region:eu", "region:us"]),
                ]),
            ]),
        ),
        (
            "list",
            Requirement::all([
                Requirement::scope("read:data"),
                Requirement::any(["write:data", "admin"]),
            ]),
        ),
    ]
}

fn expression_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(attr_any)
        .service(attr_all)
        .service(attr_nested)
        .service(attr_deep)
        .service(attr_list);
    for (name, requirement) in requirements() {
        cfg.service(
            web::scope(&format!("/mw/{name}"))
                .wrap(Protect::require(requirement))
                .route("", web::get().to(route(name))),
        );
    }
    // Scopes repeated across alternatives (the attribute refuses them; a `Requirement` built
    // in code may hold them): the challenge names each scope once.
    cfg.service(
        web::scope("/mw/repeated")
            .wrap(Protect::require(Requirement::any([
                Requirement::all(["a", "b"]),
                Requirement::all(["a", "c"]),
                Requirement::all(["b", "a"]),
            ])))
            .route("", web::get().to(route("repeated"))),
    );
}

/// `(route, granted scope value, allowed?)` for every expression route; the challenge of a
/// denial is the route's scopes in order, each once.
const EXPRESSION_CASES: &[(&str, &str, bool)] = &[
    ("any", "read:messages", true),
    ("any", "read:data", true),
    ("any", "read:data read:messages", true),
    ("any", "write:data", false),
    ("any", "", false),
    ("any", "READ:DATA", false),
    ("all", "read:data write:data", true),
    ("all", "write:data openid read:data", true),
    ("all", "read:data", false),
    ("all", "write:data", false),
    ("nested", "read:data write:data", true),
    ("nested", "read:data admin", true),
    ("nested", "admin read:data write:data", true),
    ("nested", "read:data", false),
    ("nested", "write:data admin", false),
    ("deep", "read:reports export:reports", true),
    ("deep", "admin", true),
    ("deep", "auditor region:us", true),
    ("deep", "auditor region:eu read:reports", true),
    ("deep", "read:reports", false),
    ("deep", "auditor", false),
    ("deep", "region:eu region:us export:reports", false),
    ("list", "read:data admin", true),
    ("list", "read:data", false),
];

fn challenge_scopes(route: &str) -> &'static str {
    match route {
        "any" => "read:messages read:data",
        "all" => "read:data write:data",
        "nested" | "list" => "read:data write:data admin",
        "deep" => "read:reports export:reports admin auditor region:eu region:us",
        other => panic!("no route {other}"),
    }
}

#[tokio::test]
async fn expressions_in_the_attribute() {
    let env = env(expression_routes);
    for &(name, scope, allowed) in EXPRESSION_CASES {
        let reply = env
            .bearer(&format!("/attr/{name}"), &env.scoped(scope))
            .await;
        if allowed {
            assert_route(&reply, name);
        } else {
            assert_insufficient(&reply, challenge_scopes(name));
        }
    }
}

#[tokio::test]
async fn expressions_in_the_middleware() {
    let env = env(expression_routes);
    for &(name, scope, allowed) in EXPRESSION_CASES {
        let reply = env.bearer(&format!("/mw/{name}"), &env.scoped(scope)).await;
        if allowed {
            assert_route(&reply, name);
        } else {
            assert_insufficient(&reply, challenge_scopes(name));
        }
    }
    for scope in ["a b", "c a", "a b c"] {
        assert_route(
            &env.bearer("/mw/repeated", &env.scoped(scope)).await,
            "repeated",
        );
    }
    for scope in ["a", "b c", ""] {
        assert_insufficient(
            &env.bearer("/mw/repeated", &env.scoped(scope)).await,
            "a b c",
        );
    }
}

#[tokio::test]
async fn authentication_errors_beat_expression_errors() {
    let env = env(expression_routes);
    for path in ["/attr/deep", "/mw/deep", "/attr/any", "/mw/any"] {
        let reply = env.get(path, None).await;
        reply.assert_error(400, "invalid_request", "");
        assert_eq!(reply.challenge(), BARE);
        let expired = env.issuer.token().scope("admin").expires_in(-5).sign();
        env.bearer(path, &expired)
            .await
            .assert_error(401, "invalid_token", "Token is expired");
    }
}

// ------------------------------------------------------------------------------------------
// Auth0 RBAC permissions

#[get("/reports")]
#[require_auth(scopes = "read:reports")]
async fn reports() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "reports" }))
}

#[get("/rbac")]
#[require_auth(scopes = "read:reports", grants = "permissions")]
async fn rbac() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "rbac" }))
}

#[get("/either")]
#[require_auth(scopes = any("read:reports", "admin"), grants = "scope_or_permissions")]
async fn either() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "either" }))
}

#[get("/scope-only")]
#[require_auth(grants = "scope", scopes = "read:reports")]
async fn scope_only() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "scope-only" }))
}

#[get("/rbac-nested")]
#[require_auth(
    scopes = all("read:reports", any("export:reports", "admin")),
    grants = "permissions"
)]
async fn rbac_nested() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "rbac-nested" }))
}

fn permission_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(reports)
        .service(rbac)
        .service(either)
        .service(scope_only)
        .service(rbac_nested)
        .service(
            web::scope("/mw/reports")
                .wrap(Protect::require("read:reports"))
                .route("", web::get().to(route("mw-reports"))),
        )
        .service(
            web::scope("/mw/rbac")
                .wrap(Protect::require(
                    Requirement::scope("read:reports").grants(Grants::Permissions),
                ))
                .route("", web::get().to(route("mw-rbac"))),
        );
}

#[tokio::test]
async fn permissions_are_ignored_by_default() {
    let env = env(permission_routes);
    let permitted = env.permitted(&["read:reports"]);
    assert_insufficient(&env.bearer("/reports", &permitted).await, "read:reports");
    assert_insufficient(&env.bearer("/mw/reports", &permitted).await, "read:reports");
    let scoped = env.scoped("read:reports");
    assert_route(&env.bearer("/reports", &scoped).await, "reports");
    assert_route(&env.bearer("/mw/reports", &scoped).await, "mw-reports");
}

#[tokio::test]
async fn permissions_per_configuration() {
    let env = env_with(|b| b.grants(Grants::ScopeOrPermissions), permission_routes);
    for token in [
        env.permitted(&["read:reports"]),
        env.permitted(&["other", "read:reports"]),
        env.scoped("read:reports"),
        env.issuer
            .token()
            .scope("read:reports")
            .permissions(["read:reports"])
            .sign(),
    ] {
        assert_route(&env.bearer("/reports", &token).await, "reports");
        assert_route(&env.bearer("/mw/reports", &token).await, "mw-reports");
    }
    for token in [
        env.permitted(&["READ:REPORTS", "read:report"]),
        env.permitted(&[]),
        // `permissions` must be an array of strings.
        env.issuer
            .token()
            .claim("permissions", "read:reports")
            .sign(),
        env.issuer
            .token()
            .claim("permissions", json!([["read:reports"]]))
            .sign(),
        env.issuer
            .token()
            .claim("permission", ["read:reports"])
            .sign(),
    ] {
        assert_insufficient(&env.bearer("/reports", &token).await, "read:reports");
        assert_insufficient(&env.bearer("/mw/reports", &token).await, "read:reports");
    }

    // A route that names its source wins over the configuration.
    let permitted = env.permitted(&["read:reports"]);
    assert_insufficient(&env.bearer("/scope-only", &permitted).await, "read:reports");
    assert_route(
        &env.bearer("/scope-only", &env.scoped("read:reports")).await,
        "scope-only",
    );
    assert_insufficient(
        &env.bearer("/rbac", &env.scoped("read:reports")).await,
        "read:reports",
    );
    assert_route(&env.bearer("/rbac", &permitted).await, "rbac");
}

#[tokio::test]
async fn permissions_per_route() {
    let env = env(permission_routes);
    let permitted = env.permitted(&["read:reports"]);
    let scoped = env.scoped("read:reports");

    // grants = "permissions": the permissions claim only.
    assert_route(&env.bearer("/rbac", &permitted).await, "rbac");
    assert_insufficient(&env.bearer("/rbac", &scoped).await, "read:reports");
    assert_route(&env.bearer("/mw/rbac", &permitted).await, "mw-rbac");
    assert_insufficient(&env.bearer("/mw/rbac", &scoped).await, "read:reports");

    // grants = "scope_or_permissions": either.
    assert_route(&env.bearer("/either", &permitted).await, "either");
    assert_route(&env.bearer("/either", &scoped).await, "either");
    assert_route(
        &env.bearer("/either", &env.permitted(&["admin"])).await,
        "either",
    );
    assert_route(&env.bearer("/either", &env.scoped("admin")).await, "either");
    assert_insufficient(
        &env.bearer("/either", &env.scoped("read:other")).await,
        "read:reports admin",
    );

    // An expression, all from permissions; a scope does not count, even for one part.
    assert_route(
        &env.bearer("/rbac-nested", &env.permitted(&["read:reports", "admin"]))
            .await,
        "rbac-nested",
    );
    assert_route(
        &env.bearer(
            "/rbac-nested",
            &env.permitted(&["export:reports", "read:reports"]),
        )
        .await,
        "rbac-nested",
    );
    let mixed = env
        .issuer
        .token()
        .scope("read:reports")
        .permissions(["admin"])
        .sign();
    assert_insufficient(
        &env.bearer("/rbac-nested", &mixed).await,
        "read:reports export:reports admin",
    );
    assert_insufficient(
        &env.bearer("/rbac-nested", &env.permitted(&["read:reports"]))
            .await,
        "read:reports export:reports admin",
    );

    // The route's own source does not leak to routes without one.
    assert_insufficient(&env.bearer("/reports", &permitted).await, "read:reports");
}

// ------------------------------------------------------------------------------------------
// Optional authentication

#[get("/greeting")]
async fn greeting(OptionalClaims(claims): OptionalClaims) -> impl Responder {
    HttpResponse::Ok().json(match claims {
        Some(claims) => json!({ "anonymous": false, "sub": claims.sub }),
        None => json!({ "anonymous": true }),
    })
}

fn optional_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(greeting);
}

#[tokio::test]
async fn optional_claims_without_credentials_is_anonymous() {
    let env = env(optional_routes);
    let before = env.auth0.metrics();
    let reply = env.get("/greeting", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json(), json!({ "anonymous": true }));
    assert!(reply.challenges.is_empty(), "{reply:?}");
    // An empty Authorization field carries no credentials either.
    let reply = env.get("/greeting", Some("")).await;
    assert_eq!(reply.json(), json!({ "anonymous": true }), "{reply:?}");
    // Nothing was verified or rejected, and the issuer was never asked.
    let after = env.auth0.metrics();
    assert_eq!(after, before);
    assert_eq!(env.issuer.discovery_fetches(), 0);
}

#[tokio::test]
async fn optional_claims_with_a_valid_token() {
    let env = env(optional_routes);
    let token = env.issuer.token().subject("known_user").sign();
    let reply = env.bearer("/greeting", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({ "anonymous": false, "sub": "known_user" })
    );
}

#[tokio::test]
async fn optional_claims_never_turn_bad_credentials_into_anonymous() {
    let env = env(optional_routes);
    env.bearer("/greeting", &env.issuer.token().expires_in(-5).sign())
        .await
        .assert_error(401, "invalid_token", "Token is expired");
    env.bearer("/greeting", &env.issuer.token().tampered())
        .await
        .assert_error(
            401,
            "invalid_token",
            "Signature verification failed: bad_signature",
        );
    let reply = env.bearer("/greeting", "not-a-jwt").await;
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(reply.json()["detail"]["error"], "invalid_token");
    // Present but unusable credentials: the usual 400, not anonymous.
    for authorization in ["Basic x", "Bearer", "Bearer    ", "Token abc"] {
        let reply = env.get("/greeting", Some(authorization)).await;
        reply.assert_error(400, "invalid_request", "");
        assert_eq!(reply.challenge(), BARE, "{authorization:?}");
    }
}

#[tokio::test]
async fn optional_claims_stay_anonymous_when_missing_credentials_are_401s() {
    let env = env_with(
        |b| b.missing_credentials_unauthorized(true),
        optional_routes,
    );
    let reply = env.get("/greeting", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json(), json!({ "anonymous": true }));
    env.get("/greeting", Some("Basic x"))
        .await
        .assert_error(400, "invalid_request", "");
}

// ------------------------------------------------------------------------------------------
// Delegation (`act`, RFC 8693 §4.1)

/// Maps an invalid `act` claim's `AuthError` to its response.
#[get("/actor")]
#[require_auth]
async fn actor(claims: Claims) -> Result<HttpResponse, AuthError> {
    let chain = claims.delegation_chain()?;
    let current = claims.current_actor()?;
    Ok(HttpResponse::Ok().json(json!({
        "sub": claims.sub,
        "actor": current,
        "chain": chain,
    })))
}

/// The current actor alone, through `actix_web::Error` and `?`.
#[get("/actor/actix")]
async fn actor_actix(claims: Claims) -> actix_web::Result<HttpResponse> {
    let current = claims.current_actor()?;
    Ok(HttpResponse::Ok().json(json!({ "actor": current })))
}

/// A handler that never looks at `act`.
#[get("/no-act-check")]
async fn no_act_check(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "sub": claims.sub }))
}

fn delegation_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(actor)
        .service(actor_actix)
        .service(no_act_check);
}

#[tokio::test]
async fn delegation_helpers_through_a_handler() {
    let env = env(delegation_routes);
    let token = env
        .issuer
        .token()
        .subject("user_1")
        .claim(
            "act",
            json!({"sub": "agent_a", "act": {"sub": "service_b", "act": {"sub": "root_c"}}}),
        )
        .sign();
    let reply = env.bearer("/actor", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"sub": "user_1", "actor": "agent_a", "chain": ["agent_a", "service_b", "root_c"]})
    );
    let reply = env.bearer("/actor/actix", &token).await;
    assert_eq!(reply.json(), json!({ "actor": "agent_a" }));

    // No act: no actor, an empty chain.
    let reply = env.bearer("/actor", &env.issuer.token().sign()).await;
    assert_eq!(
        reply.json(),
        json!({"sub": "user_123", "actor": null, "chain": []})
    );
    // Other members of act are allowed beside sub.
    let token = env
        .issuer
        .token()
        .claim("act", json!({"sub": "agent_a", "client_id": "cli"}))
        .sign();
    assert_eq!(
        env.bearer("/actor", &token).await.json()["chain"],
        json!(["agent_a"])
    );
}

#[tokio::test]
async fn invalid_act_claims_map_to_a_401() {
    let env = env(delegation_routes);
    // The outermost act is checked by both helpers.
    let shapes: [Value; 8] = [
        json!("agent_a"),
        json!(5),
        json!(["agent_a"]),
        json!({}),
        json!({"sub": "   "}),
        json!({"sub": ""}),
        json!({"sub": 7}),
        json!({"act": {"sub": "agent_b"}}),
    ];
    for act in shapes {
        let token = env.issuer.token().claim("act", &act).sign();
        for path in ["/actor", "/actor/actix"] {
            let reply = env.bearer(path, &token).await;
            reply.assert_error(401, "invalid_token", "Invalid act claim");
        }
        // The token itself is valid: a handler that does not ask about act serves it.
        let reply = env.bearer("/no-act-check", &token).await;
        assert_eq!(reply.status, 200, "{act}: {reply:?}");
    }
}

/// As the reference (`get_current_actor` reads only the outermost `act`, and a JSON `null` is
/// no `act` at all): a bad *nested* actor fails the chain but not the current actor.
#[tokio::test]
async fn nested_and_null_act_claims_as_the_reference() {
    let env = env(delegation_routes);
    for act in [
        json!({"sub": "agent_a", "act": "nested string"}),
        json!({"sub": "agent_a", "act": {"sub": " "}}),
        json!({"sub": "agent_a", "act": {"sub": "b", "act": 5}}),
    ] {
        let token = env.issuer.token().claim("act", &act).sign();
        env.bearer("/actor", &token)
            .await
            .assert_error(401, "invalid_token", "Invalid act claim");
        let reply = env.bearer("/actor/actix", &token).await;
        assert_eq!(reply.status, 200, "{act}: {reply:?}");
        assert_eq!(reply.json(), json!({ "actor": "agent_a" }), "{act}");
    }

    let token = env.issuer.token().claim("act", Value::Null).sign();
    let reply = env.bearer("/actor", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"sub": "user_123", "actor": null, "chain": []})
    );
    let token = env
        .issuer
        .token()
        .claim("act", json!({"sub": "agent_a", "act": null}))
        .sign();
    let reply = env.bearer("/actor", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"sub": "user_123", "actor": "agent_a", "chain": ["agent_a"]})
    );
}

// ------------------------------------------------------------------------------------------
// Missing credentials: 400 by default, RFC 6750's 401 when opted in

#[get("/attr")]
#[require_auth(scopes = "read:messages")]
async fn attr() -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "attr" }))
}

#[get("/claims")]
async fn claims_route(_claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "route": "claims" }))
}

fn missing_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(attr).service(claims_route).service(
        web::scope("/mw")
            .wrap(Protect::require("read:messages"))
            .route("", web::get().to(route("mw"))),
    );
}

const MISSING_PATHS: [&str; 3] = ["/attr", "/claims", "/mw"];

#[tokio::test]
async fn missing_credentials_are_a_400_by_default() {
    let env = env(missing_routes);
    for path in MISSING_PATHS {
        for authorization in [None, Some(""), Some("Basic x")] {
            let reply = env.get(path, authorization).await;
            reply.assert_error(400, "invalid_request", "");
            assert_eq!(reply.challenge(), BARE, "{path} {authorization:?}");
        }
    }
}

#[tokio::test]
async fn missing_credentials_unauthorized_answers_401_with_a_bare_challenge() {
    let env = env_with(|b| b.missing_credentials_unauthorized(true), missing_routes);
    for path in MISSING_PATHS {
        for authorization in [None, Some("")] {
            let reply = env.get(path, authorization).await;
            reply.assert_error(401, "invalid_request", "");
            assert_eq!(reply.challenge(), BARE, "{path} {authorization:?}");
        }
        // Credentials that are present but unusable stay a 400.
        for authorization in ["Basic x", "Bearer", "Token abc"] {
            let reply = env.get(path, Some(authorization)).await;
            reply.assert_error(400, "invalid_request", "");
            assert_eq!(reply.challenge(), BARE, "{path} {authorization:?}");
        }
        // And the rest is unchanged.
        env.bearer(path, &env.issuer.token().expires_in(-5).sign())
            .await
            .assert_error(401, "invalid_token", "Token is expired");
        let reply = env.bearer(path, &env.scoped("other")).await;
        if path == "/claims" {
            assert_eq!(reply.status, 200, "no scope required: {reply:?}");
        } else {
            assert_insufficient(&reply, "read:messages");
        }
        let reply = env.bearer(path, &env.scoped("read:messages")).await;
        assert_eq!(reply.status, 200, "{path}: {reply:?}");
    }
    // Only the one counter moved for the missing credentials.
    let before = env.auth0.metrics();
    let _ = env.get("/attr", None).await;
    let after = env.auth0.metrics();
    assert_eq!(
        after.rejected_invalid_request - before.rejected_invalid_request,
        1
    );
    assert_eq!(after.verified, before.verified);
}

#[tokio::test]
async fn missing_credentials_unauthorized_in_the_other_dpop_modes() {
    for (configure, bare) in [
        (
            (|b: Auth0Builder| b.dpop_required(true)) as fn(Auth0Builder) -> Auth0Builder,
            "DPoP algs=\"ES256\"",
        ),
        (
            |b: Auth0Builder| b.dpop_enabled(false),
            "Bearer realm=\"api\"",
        ),
    ] {
        let env = env_with(
            move |b| configure(b).missing_credentials_unauthorized(true),
            missing_routes,
        );
        for path in MISSING_PATHS {
            let reply = env.get(path, None).await;
            reply.assert_error(401, "invalid_request", "");
            assert_eq!(reply.challenge(), bare, "{path}");
            let reply = env.get(path, Some("Basic x")).await;
            reply.assert_error(400, "invalid_request", "");
            assert_eq!(reply.challenge(), bare, "{path}");
        }
    }
}
