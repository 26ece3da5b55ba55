//! Authorization beyond one scope, over real HTTP: scope expressions (`any`, `all`, nested) in
//! `#[require_auth]` and in `Protect`, with exact 403 challenges whose `scope` parameter lists
//! every scope involved, in order, once (D10); Auth0 RBAC `permissions` per configuration and
//! per route; optional authentication (`OptionalClaims`); the delegation helpers on `act`; and
//! the opt-in RFC 6750 answer to missing credentials (401 with a bare challenge).

use actix_web::{get, web, HttpResponse, Responder};
use auth0_actix::{
    require_auth, Auth0Builder, AuthError, Claims, Grants, OptionalClaims, Protect, Requirement,
};
use e2e_support::www::MIXED_BARE;
use e2e_support::{expect, route, Api};
use serde_json::{json, Value};

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
    let env = Api::serving(expression_routes);
    for &(name, scope, allowed) in EXPRESSION_CASES {
        let reply = env
            .bearer_at(&format!("/attr/{name}"), &env.scoped(scope))
            .await;
        if allowed {
            expect::route(&reply, name);
        } else {
            expect::insufficient_scope(&reply, challenge_scopes(name));
        }
    }
}

#[tokio::test]
async fn expressions_in_the_middleware() {
    let env = Api::serving(expression_routes);
    for &(name, scope, allowed) in EXPRESSION_CASES {
        let reply = env
            .bearer_at(&format!("/mw/{name}"), &env.scoped(scope))
            .await;
        if allowed {
            expect::route(&reply, name);
        } else {
            expect::insufficient_scope(&reply, challenge_scopes(name));
        }
    }
    for scope in ["a b", "c a", "a b c"] {
        expect::route(
            &env.bearer_at("/mw/repeated", &env.scoped(scope)).await,
            "repeated",
        );
    }
    for scope in ["a", "b c", ""] {
        expect::insufficient_scope(
            &env.bearer_at("/mw/repeated", &env.scoped(scope)).await,
            "a b c",
        );
    }
}

#[tokio::test]
async fn authentication_errors_beat_expression_errors() {
    let env = Api::serving(expression_routes);
    for path in ["/attr/deep", "/mw/deep", "/attr/any", "/mw/any"] {
        let reply = env.with_authorization(path, None).await;
        expect::invalid_request(&reply, "", MIXED_BARE);
        let expired = env.issuer().token().scope("admin").expires_in(-5).sign();
        expect::error(
            &env.bearer_at(path, &expired).await,
            401,
            "invalid_token",
            "Token is expired",
        );
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
    let env = Api::serving(permission_routes);
    let permitted = env.permitted(&["read:reports"]);
    expect::insufficient_scope(&env.bearer_at("/reports", &permitted).await, "read:reports");
    expect::insufficient_scope(
        &env.bearer_at("/mw/reports", &permitted).await,
        "read:reports",
    );
    let scoped = env.scoped("read:reports");
    expect::route(&env.bearer_at("/reports", &scoped).await, "reports");
    expect::route(&env.bearer_at("/mw/reports", &scoped).await, "mw-reports");
}

#[tokio::test]
async fn permissions_per_configuration() {
    let env = Api::builder()
        .configure(|b| b.grants(Grants::ScopeOrPermissions))
        .routes(permission_routes)
        .start();
    for token in [
        env.permitted(&["read:reports"]),
        env.permitted(&["other", "read:reports"]),
        env.scoped("read:reports"),
        env.issuer()
            .token()
            .scope("read:reports")
            .permissions(["read:reports"])
            .sign(),
    ] {
        expect::route(&env.bearer_at("/reports", &token).await, "reports");
        expect::route(&env.bearer_at("/mw/reports", &token).await, "mw-reports");
    }
    for token in [
        env.permitted(&["READ:REPORTS", "read:report"]),
        env.permitted(&[]),
        // `permissions` must be an array of strings.
        env.issuer()
            .token()
            .claim("permissions", "read:reports")
            .sign(),
        env.issuer()
            .token()
            .claim("permissions", json!([["read:reports"]]))
            .sign(),
        env.issuer()
            .token()
            .claim("permission", ["read:reports"])
            .sign(),
    ] {
        expect::insufficient_scope(&env.bearer_at("/reports", &token).await, "read:reports");
        expect::insufficient_scope(&env.bearer_at("/mw/reports", &token).await, "read:reports");
    }

    // A route that names its source wins over the configuration.
    let permitted = env.permitted(&["read:reports"]);
    expect::insufficient_scope(
        &env.bearer_at("/scope-only", &permitted).await,
        "read:reports",
    );
    expect::route(
        &env.bearer_at("/scope-only", &env.scoped("read:reports"))
            .await,
        "scope-only",
    );
    expect::insufficient_scope(
        &env.bearer_at("/rbac", &env.scoped("read:reports")).await,
        "read:reports",
    );
    expect::route(&env.bearer_at("/rbac", &permitted).await, "rbac");
}

#[tokio::test]
async fn permissions_per_route() {
    let env = Api::serving(permission_routes);
    let permitted = env.permitted(&["read:reports"]);
    let scoped = env.scoped("read:reports");

    // grants = "permissions": the permissions claim only.
    expect::route(&env.bearer_at("/rbac", &permitted).await, "rbac");
    expect::insufficient_scope(&env.bearer_at("/rbac", &scoped).await, "read:reports");
    expect::route(&env.bearer_at("/mw/rbac", &permitted).await, "mw-rbac");
    expect::insufficient_scope(&env.bearer_at("/mw/rbac", &scoped).await, "read:reports");

    // grants = "scope_or_permissions": either.
    expect::route(&env.bearer_at("/either", &permitted).await, "either");
    expect::route(&env.bearer_at("/either", &scoped).await, "either");
    expect::route(
        &env.bearer_at("/either", &env.permitted(&["admin"])).await,
        "either",
    );
    expect::route(
        &env.bearer_at("/either", &env.scoped("admin")).await,
        "either",
    );
    expect::insufficient_scope(
        &env.bearer_at("/either", &env.scoped("read:other")).await,
        "read:reports admin",
    );

    // An expression, all from permissions; a scope does not count, even for one part.
    expect::route(
        &env.bearer_at("/rbac-nested", &env.permitted(&["read:reports", "admin"]))
            .await,
        "rbac-nested",
    );
    expect::route(
        &env.bearer_at(
            "/rbac-nested",
            &env.permitted(&["export:reports", "read:reports"]),
        )
        .await,
        "rbac-nested",
    );
    let mixed = env
        .issuer()
        .token()
        .scope("read:reports")
        .permissions(["admin"])
        .sign();
    expect::insufficient_scope(
        &env.bearer_at("/rbac-nested", &mixed).await,
        "read:reports export:reports admin",
    );
    expect::insufficient_scope(
        &env.bearer_at("/rbac-nested", &env.permitted(&["read:reports"]))
            .await,
        "read:reports export:reports admin",
    );

    // The route's own source does not leak to routes without one.
    expect::insufficient_scope(&env.bearer_at("/reports", &permitted).await, "read:reports");
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
    let env = Api::serving(optional_routes);
    let before = env.auth0.metrics();
    let reply = env.with_authorization("/greeting", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json(), json!({ "anonymous": true }));
    assert!(reply.challenges.is_empty(), "{reply:?}");
    // An empty Authorization field carries no credentials either.
    let reply = env.with_authorization("/greeting", Some("")).await;
    assert_eq!(reply.json(), json!({ "anonymous": true }), "{reply:?}");
    // Nothing was verified or rejected, and the issuer was never asked.
    let after = env.auth0.metrics();
    assert_eq!(after, before);
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

#[tokio::test]
async fn optional_claims_with_a_valid_token() {
    let env = Api::serving(optional_routes);
    let token = env.issuer().token().subject("known_user").sign();
    let reply = env.bearer_at("/greeting", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({ "anonymous": false, "sub": "known_user" })
    );
}

#[tokio::test]
async fn optional_claims_never_turn_bad_credentials_into_anonymous() {
    let env = Api::serving(optional_routes);
    expect::error(
        &env.bearer_at("/greeting", &env.issuer().token().expires_in(-5).sign())
            .await,
        401,
        "invalid_token",
        "Token is expired",
    );
    expect::error(
        &env.bearer_at("/greeting", &env.issuer().token().tampered())
            .await,
        401,
        "invalid_token",
        "Signature verification failed: bad_signature",
    );
    let reply = env.bearer_at("/greeting", "not-a-jwt").await;
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(reply.json()["detail"]["error"], "invalid_token");
    // Present but unusable credentials: the usual 400, not anonymous.
    for authorization in ["Basic x", "Bearer", "Bearer    ", "Token abc"] {
        let reply = env
            .with_authorization("/greeting", Some(authorization))
            .await;
        expect::error(&reply, 400, "invalid_request", "");
        assert_eq!(reply.challenge(), MIXED_BARE, "{authorization:?}");
    }
}

#[tokio::test]
async fn optional_claims_stay_anonymous_when_missing_credentials_are_401s() {
    let env = Api::builder()
        .configure(|b| b.missing_credentials_unauthorized(true))
        .routes(optional_routes)
        .start();
    let reply = env.with_authorization("/greeting", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json(), json!({ "anonymous": true }));
    expect::error(
        &env.with_authorization("/greeting", Some("Basic x")).await,
        400,
        "invalid_request",
        "",
    );
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
    let env = Api::serving(delegation_routes);
    let token = env
        .issuer()
        .token()
        .subject("user_1")
        .claim(
            "act",
            json!({"sub": "agent_a", "act": {"sub": "service_b", "act": {"sub": "root_c"}}}),
        )
        .sign();
    let reply = env.bearer_at("/actor", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"sub": "user_1", "actor": "agent_a", "chain": ["agent_a", "service_b", "root_c"]})
    );
    let reply = env.bearer_at("/actor/actix", &token).await;
    assert_eq!(reply.json(), json!({ "actor": "agent_a" }));

    // No act: no actor, an empty chain.
    let reply = env.bearer_at("/actor", &env.issuer().token().sign()).await;
    assert_eq!(
        reply.json(),
        json!({"sub": "user_123", "actor": null, "chain": []})
    );
    // Other members of act are allowed beside sub.
    let token = env
        .issuer()
        .token()
        .claim("act", json!({"sub": "agent_a", "client_id": "cli"}))
        .sign();
    assert_eq!(
        env.bearer_at("/actor", &token).await.json()["chain"],
        json!(["agent_a"])
    );
}

#[tokio::test]
async fn invalid_act_claims_map_to_a_401() {
    let env = Api::serving(delegation_routes);
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
        let token = env.issuer().token().claim("act", &act).sign();
        for path in ["/actor", "/actor/actix"] {
            let reply = env.bearer_at(path, &token).await;
            expect::error(&reply, 401, "invalid_token", "Invalid act claim");
        }
        // The token itself is valid: a handler that does not ask about act serves it.
        let reply = env.bearer_at("/no-act-check", &token).await;
        assert_eq!(reply.status, 200, "{act}: {reply:?}");
    }
}

/// As the reference (`get_current_actor` reads only the outermost `act`, and a JSON `null` is
/// no `act` at all): a bad *nested* actor fails the chain but not the current actor.
#[tokio::test]
async fn nested_and_null_act_claims_as_the_reference() {
    let env = Api::serving(delegation_routes);
    for act in [
        json!({"sub": "agent_a", "act": "nested string"}),
        json!({"sub": "agent_a", "act": {"sub": " "}}),
        json!({"sub": "agent_a", "act": {"sub": "b", "act": 5}}),
    ] {
        let token = env.issuer().token().claim("act", &act).sign();
        expect::error(
            &env.bearer_at("/actor", &token).await,
            401,
            "invalid_token",
            "Invalid act claim",
        );
        let reply = env.bearer_at("/actor/actix", &token).await;
        assert_eq!(reply.status, 200, "{act}: {reply:?}");
        assert_eq!(reply.json(), json!({ "actor": "agent_a" }), "{act}");
    }

    let token = env.issuer().token().claim("act", Value::Null).sign();
    let reply = env.bearer_at("/actor", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"sub": "user_123", "actor": null, "chain": []})
    );
    let token = env
        .issuer()
        .token()
        .claim("act", json!({"sub": "agent_a", "act": null}))
        .sign();
    let reply = env.bearer_at("/actor", &token).await;
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
    let env = Api::serving(missing_routes);
    for path in MISSING_PATHS {
        for authorization in [None, Some(""), Some("Basic x")] {
            let reply = env.with_authorization(path, authorization).await;
            expect::error(&reply, 400, "invalid_request", "");
            assert_eq!(reply.challenge(), MIXED_BARE, "{path} {authorization:?}");
        }
    }
}

#[tokio::test]
async fn missing_credentials_unauthorized_answers_401_with_a_bare_challenge() {
    let env = Api::builder()
        .configure(|b| b.missing_credentials_unauthorized(true))
        .routes(missing_routes)
        .start();
    for path in MISSING_PATHS {
        for authorization in [None, Some("")] {
            let reply = env.with_authorization(path, authorization).await;
            expect::error(&reply, 401, "invalid_request", "");
            assert_eq!(reply.challenge(), MIXED_BARE, "{path} {authorization:?}");
        }
        // Credentials that are present but unusable stay a 400.
        for authorization in ["Basic x", "Bearer", "Token abc"] {
            let reply = env.with_authorization(path, Some(authorization)).await;
            expect::error(&reply, 400, "invalid_request", "");
            assert_eq!(reply.challenge(), MIXED_BARE, "{path} {authorization:?}");
        }
        // And the rest is unchanged.
        expect::error(
            &env.bearer_at(path, &env.issuer().token().expires_in(-5).sign())
                .await,
            401,
            "invalid_token",
            "Token is expired",
        );
        let reply = env.bearer_at(path, &env.scoped("other")).await;
        if path == "/claims" {
            assert_eq!(reply.status, 200, "no scope required: {reply:?}");
        } else {
            expect::insufficient_scope(&reply, "read:messages");
        }
        let reply = env.bearer_at(path, &env.scoped("read:messages")).await;
        assert_eq!(reply.status, 200, "{path}: {reply:?}");
    }
    // Only the one counter moved for the missing credentials.
    let before = env.auth0.metrics();
    let _ = env.with_authorization("/attr", None).await;
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
        let env = Api::builder()
            .configure(move |b| configure(b).missing_credentials_unauthorized(true))
            .routes(missing_routes)
            .start();
        for path in MISSING_PATHS {
            let reply = env.with_authorization(path, None).await;
            expect::error(&reply, 401, "invalid_request", "");
            assert_eq!(reply.challenge(), bare, "{path}");
            let reply = env.with_authorization(path, Some("Basic x")).await;
            expect::error(&reply, 400, "invalid_request", "");
            assert_eq!(reply.challenge(), bare, "{path}");
        }
    }
}
