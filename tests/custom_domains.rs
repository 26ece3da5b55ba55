//! Custom domains (several issuers, the reference's "MCD"): a static allow-list or a resolver
//! decides per request which issuers are accepted, before any network I/O (docs/compatibility.md
//! §2.2 step 7), and discovery comes from the token's own issuer (step 8), cached per issuer. Ports
//! the reference's MCD tests (§6.1, §6.2, §6.4 and §6.7 "MCD / cache"; `test_*` names are theirs)
//! over real HTTP, with two local issuers as two tenants: issuers `https://127.0.0.1:PORT/`, each
//! with its own CA, both trusted.

use std::sync::{Arc, Mutex};

use actix_web::{get, web, HttpResponse};
use auth0_actix::testing::{DpopKey, LocalIssuer, TokenBuilder};
use auth0_actix::BoxFuture;
use auth0_actix::{
    require_auth, Auth0, Auth0Builder, Claims, ConfigError, DomainsResolver, ResolverContext,
};
use e2e_support::{expect, fetches, with_unique_jti, Api, Reply};
use serde_json::json;

const NOT_ALLOWED: &str = "Token issuer is not in the list of allowed domains";

#[get("/data")]
#[require_auth(scopes = "read:data")]
async fn data(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": claims.sub, "iss": claims.iss }))
}

fn routes(cfg: &mut web::ServiceConfig) {
    e2e_support::echo_routes(cfg);
    cfg.service(data);
}

/// A builder trusting every one of `issuers` (their CAs), with their audience and no domain.
fn trusting(issuers: &[&LocalIssuer]) -> Auth0Builder {
    issuers.iter().fold(
        Auth0::builder().audience(issuers[0].audience()),
        |builder, issuer| {
            builder.root_certificate_pem(issuer.ca_certificate_pem().expect("an https issuer"))
        },
    )
}

/// An app serving `/test` (any credentials, echoing them) and `/data` (scope `read:data`).
fn serve(builder: Auth0Builder) -> Api {
    Api::builder().configuration(builder).routes(routes).start()
}

/// `issuer`'s token builder with a `jti` of its own (a repeated token may be answered from the
/// verified-token cache).
fn token(issuer: &LocalIssuer) -> TokenBuilder {
    with_unique_jti(issuer.token())
}

#[track_caller]
fn assert_ok_from(reply: &Reply, issuer: &LocalIssuer) {
    assert_eq!(reply.status, 200, "expected 200: {reply:?}");
    let body = reply.json();
    assert_eq!(body["claims"]["iss"], issuer.issuer(), "{body}");
    assert_eq!(body["claims"]["sub"], "user_123", "{body}");
}

/// 500 `domains_resolver_error` with no challenge at all (docs/compatibility.md §2.2 step 7).
#[track_caller]
fn assert_resolver_error(reply: &Reply, description: &str) {
    expect::error(reply, 500, "domains_resolver_error", description);
    assert!(
        reply.challenges.is_empty(),
        "no WWW-Authenticate on a resolver error: {reply:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// A resolver that answers from a closure and records what it was shown.

/// What a resolver saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    unverified_iss: String,
    request_url: Option<String>,
    custom_header: Option<String>,
    authorization: Option<String>,
}

type Answer = dyn Fn(&str) -> Result<Vec<String>, String> + Send + Sync;

#[derive(Clone)]
struct Resolver {
    answer: Arc<Answer>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Resolver {
    fn new(answer: impl Fn(&str) -> Result<Vec<String>, String> + Send + Sync + 'static) -> Self {
        Resolver {
            answer: Arc::new(answer),
            seen: Arc::default(),
        }
    }

    /// Always answers `domains`.
    fn fixed(domains: &[String]) -> Self {
        let domains = domains.to_vec();
        Resolver::new(move |_| Ok(domains.clone()))
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl DomainsResolver for Resolver {
    fn resolve<'a>(
        &'a self,
        ctx: &'a ResolverContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<String>, String>> {
        let header = |name: &str| {
            ctx.request_headers
                .and_then(|h| h.get(name))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        self.seen.lock().unwrap().push(Seen {
            unverified_iss: ctx.unverified_iss.to_owned(),
            request_url: ctx.request_url.map(str::to_owned),
            custom_header: header("x-custom-header"),
            authorization: header("authorization"),
        });
        let answer = (self.answer)(ctx.unverified_iss);
        Box::pin(async move {
            // A resolver may await (a database, a cache...).
            tokio::task::yield_now().await;
            answer
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Static allow-list (§6.1, §6.7)

#[tokio::test]
async fn test_mcd_valid_token_from_allowed_domain() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    assert_ok_from(&api.good_from(&a).await, &a);
    assert_ok_from(&api.good_from(&b).await, &b);
    assert_eq!(api.auth0.issuer(), None, "no single domain configured");
}

#[tokio::test]
async fn test_mcd_verify_early_issuer_validation() {
    // test_mcd_token_from_disallowed_domain_rejected too: a third tenant, and an unreachable
    // host, are refused before any network I/O.
    let (a, b, c) = (
        LocalIssuer::start(),
        LocalIssuer::start(),
        LocalIssuer::start(),
    );
    let api = serve(trusting(&[&a, &b, &c]).domains([a.domain(), b.domain()]));
    expect::invalid_token(&api.good_from(&c).await, NOT_ALLOWED);
    let attacker = token(&c).issuer("https://attacker.auth0.com/").sign();
    expect::invalid_token(&api.bearer(&attacker).await, NOT_ALLOWED);
    assert_eq!([fetches(&a), fetches(&b), fetches(&c)], [(0, 0); 3]);
    let m = api.auth0.metrics();
    assert_eq!((m.discovery_fetches, m.jwks_fetches), (0, 0));
    assert_eq!(m.rejected_invalid_token, 2);
}

#[tokio::test]
async fn test_mcd_init_with_domains_list() {
    // Every spelling of a domain is normalised: upper case, scheme, trailing slashes.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([
        format!("HTTPS://{}", a.domain()),
        format!("  https://{}///  ", b.domain()),
    ]));
    assert_ok_from(&api.good_from(&a).await, &a);
    assert_ok_from(&api.good_from(&b).await, &b);
}

#[tokio::test]
async fn test_mcd_discovery_uses_token_issuer() {
    // And test_mcd_jwks_fetched_from_issuer_jwks_uri.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    assert_ok_from(&api.good_from(&b).await, &b);
    assert_eq!(fetches(&b), (1, 1));
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_discovery_cached_per_issuer() {
    // And test_mcd_discovery_cache_hit, test_mcd_jwks_cache_hit.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    for _ in 0..3 {
        assert_ok_from(&api.good_from(&a).await, &a);
        assert_ok_from(&api.good_from(&b).await, &b);
    }
    assert_eq!(fetches(&a), (1, 1));
    assert_eq!(fetches(&b), (1, 1));
    let m = api.auth0.metrics();
    assert_eq!((m.discovery_fetches, m.jwks_fetches), (2, 2));
}

#[tokio::test]
async fn test_mcd_jwks_cached_per_uri() {
    // Two issuers whose discovery documents name one jwks_uri share one cached JWKS.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    b.set_discovery_override(Some(
        json!({ "issuer": b.issuer(), "jwks_uri": a.jwks_url() }),
    ));
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    assert_ok_from(&api.good_from(&a).await, &a);
    let from_b = token(&b).signed_with(&a.signing_key()).sign();
    assert_ok_from(&api.bearer(&from_b).await, &b);
    assert_eq!(fetches(&a), (1, 1));
    assert_eq!(fetches(&b), (1, 0));
}

#[tokio::test]
async fn one_tenant_down_does_not_affect_the_other() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    a.set_failing(true);
    expect::invalid_token(
        &api.good_from(&a).await,
        "Failed to fetch OIDC discovery metadata: HTTP status 503",
    );
    assert_ok_from(&api.good_from(&b).await, &b);
    a.set_failing(false);
    assert_ok_from(&api.good_from(&a).await, &a);
}

#[tokio::test]
async fn test_mcd_first_issuer_validation() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    a.set_discovery_override(Some(
        json!({ "issuer": "https://malicious.auth0.com/", "jwks_uri": a.jwks_url() }),
    ));
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    expect::invalid_token(
        &api.good_from(&a).await,
        "Token issuer does not match the discovery issuer",
    );
    assert_eq!(fetches(&a), (1, 0));
}

#[tokio::test]
async fn test_mcd_second_issuer_validation() {
    // The token's iss is another spelling of an allowed issuer: the resolver sees it
    // normalised and it passes step 9, but not the exact comparison of step 15.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::fixed(&[a.domain()]);
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver.clone()));
    let spelled = format!("HTTPS://127.0.0.1:{}", a.port());
    let reply = api.bearer(&token(&a).issuer(&spelled).sign()).await;
    expect::invalid_token(
        &reply,
        "Verified Token issuer does not match the discovery issuer",
    );
    assert_eq!(resolver.seen()[0].unverified_iss, a.issuer());
    assert_eq!(fetches(&a), (1, 1));
}

#[tokio::test]
async fn test_mcd_malformed_discovery_issuer_format() {
    // And test_mcd_discovery_missing_issuer_field, test_mcd_discovery_missing_jwks_uri_field,
    // for the tenant whose discovery document is broken only.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let port = a.port();
    for (doc, description) in [
        (
            json!({ "issuer": format!("http://127.0.0.1:{port}/"), "jwks_uri": a.jwks_url() }),
            "Invalid discovery issuer format: invalid domain URL (https required)",
        ),
        (
            json!({ "jwks_uri": a.jwks_url() }),
            "Discovery metadata missing 'issuer' field",
        ),
        (
            json!({ "issuer": a.issuer() }),
            "Discovery metadata missing 'jwks_uri' field",
        ),
    ] {
        // A new app each time: a discovery document is cached once fetched.
        let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
        a.set_discovery_override(Some(doc));
        expect::invalid_token(&api.good_from(&a).await, description);
        assert_ok_from(&api.good_from(&b).await, &b);
    }
    assert_eq!(a.jwks_fetches(), 0);
}

#[tokio::test]
async fn test_mcd_malformed_token_issuer_format() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    let reply = api
        .bearer(&token(&a).issuer("http://evil.com").sign())
        .await;
    expect::invalid_token(
        &reply,
        "Invalid token issuer format: invalid domain URL (https required)",
    );
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_token_missing_iss_with_domains_enabled() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::fixed(&[a.domain(), b.domain()]);
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver.clone()));
    let reply = api.bearer(&token(&a).remove_claim("iss").sign()).await;
    expect::invalid_token(&reply, "Token missing 'iss' claim");
    assert_eq!(resolver.calls(), 0, "nothing to resolve without an issuer");
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_verify_rejects_symmetric_algorithm() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    let pem = a.signing_key().public_key_pem();
    let reply = api
        .bearer(&token(&a).hs256_with_secret(pem.as_bytes()))
        .await;
    expect::invalid_token(
        &reply,
        "Symmetric algorithm 'HS256' is not supported. Only asymmetric algorithms (e.g., RS256) are allowed.",
    );
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_signature_verification_with_correct_key() {
    // And test_mcd_jwks_no_matching_kid: each tenant's tokens verify with that tenant's keys.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    let other = a.generate_key("other-key");
    a.publish(&other);
    assert_ok_from(&api.bearer(&token(&a).signed_with(&other).sign()).await, &a);
    // Signed by b's key, whose kid "key-1" a also publishes (for a's own key): the signature
    // is checked against a's key, and fails.
    let forged = token(&a).signed_with(&b.signing_key()).sign();
    expect::invalid_token(
        &api.bearer(&forged).await,
        "Signature verification failed: bad_signature",
    );
    let unknown = token(&a).kid("someone-elses-key").sign();
    expect::invalid_token(&api.bearer(&unknown).await, "No matching key found in JWKS");
}

#[tokio::test]
async fn test_mcd_token_with_valid_scopes() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    let reply = api
        .bearer_at("/data", &token(&b).scope("read:data write:data").sign())
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({ "sub": "user_123", "iss": b.issuer() })
    );
}

#[tokio::test]
async fn test_mcd_token_with_insufficient_scopes() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    let reply = api
        .bearer_at("/data", &token(&b).scope("write:data").sign())
        .await;
    expect::error(&reply, 403, "insufficient_scope", "Insufficient scopes");
}

#[tokio::test]
async fn test_mcd_dpop_with_static_domains() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    let key = DpopKey::generate();
    let access = token(&b).bound_to(&key).sign();
    let proof = key
        .proof("GET", &api.app.at("/test"))
        .access_token(&access)
        .sign();
    let reply = api.dpop("GET", "/test", &access, &proof).await;
    assert_ok_from(&reply, &b);
    assert_eq!(reply.json()["scheme"], "DPoP");
    assert_eq!(reply.json()["jkt"], key.thumbprint());
}

// ---------------------------------------------------------------------------------------------
// Hybrid: `domain` and `domains` (§6.2 test_mcd_initialization_hybrid_mode, §6.7)

#[tokio::test]
async fn test_mcd_initialization_hybrid_mode() {
    // `domains` decides which issuers are accepted; `domain` only names the tenant.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domain(a.domain()).domains([b.domain()]));
    assert_eq!(api.auth0.issuer(), Some(a.issuer().as_str()));
    assert_ok_from(&api.good_from(&b).await, &b);
    expect::invalid_token(&api.good_from(&a).await, NOT_ALLOWED);
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_init_with_both_domain_and_domains() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(
        trusting(&[&a, &b])
            .domain(a.domain())
            .domains([a.domain(), b.domain()]),
    );
    assert_ok_from(&api.good_from(&a).await, &a);
    assert_ok_from(&api.good_from(&b).await, &b);
    assert_eq!(fetches(&a), (1, 1));
    assert_eq!(fetches(&b), (1, 1));
}

// ---------------------------------------------------------------------------------------------
// Resolver (§6.1, §6.7)

#[tokio::test]
async fn test_mcd_with_callable_resolver_success() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::fixed(&[b.domain()]);
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver.clone()));
    assert_ok_from(&api.good_from(&b).await, &b);
    assert_eq!(resolver.calls(), 1);
    assert_eq!(fetches(&b), (1, 1));
}

#[tokio::test]
async fn test_mcd_resolve_allowed_domains_with_resolver() {
    // The resolver is asked on every request and its answer normalised each time.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let (da, db) = (a.domain(), b.domain());
    let resolver =
        Resolver::new(move |_| Ok(vec![format!("https://{da}/"), format!("  HTTPS://{db}  ")]));
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver.clone()));
    for _ in 0..2 {
        assert_ok_from(&api.good_from(&a).await, &a);
        assert_ok_from(&api.good_from(&b).await, &b);
    }
    assert_eq!(resolver.calls(), 4);
}

#[tokio::test]
async fn test_mcd_resolver_rejects_issuer() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::fixed(&[b.domain()]);
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver));
    expect::invalid_token(&api.good_from(&a).await, NOT_ALLOWED);
    assert_eq!(fetches(&a), (0, 0));
    assert_eq!(fetches(&b), (0, 0));
}

#[tokio::test]
async fn test_mcd_issuer_not_in_resolved_domains_list() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::fixed(&["other.example.com".to_owned()]);
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver));
    expect::invalid_token(&api.good_from(&b).await, NOT_ALLOWED);
    assert_eq!(fetches(&b), (0, 0));
}

#[tokio::test]
async fn test_mcd_resolver_throws_exception() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::new(|_| Err("tenant database unavailable".to_owned()));
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver));
    assert_resolver_error(
        &api.good_from(&a).await,
        "Domains resolver function failed: tenant database unavailable",
    );
    assert_eq!(fetches(&a), (0, 0));
    assert_eq!(api.auth0.metrics().server_errors, 1);
}

#[tokio::test]
async fn test_mcd_resolver_returns_empty_list_at_runtime() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains_resolver(Resolver::fixed(&[])));
    assert_resolver_error(
        &api.good_from(&a).await,
        "Domains resolver returned an empty list",
    );
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_resolver_returns_non_string_items() {
    // Rust's types leave blank strings as the only "non-string" answer.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    for blank in ["", "   "] {
        let resolver = Resolver::fixed(&[a.domain(), blank.to_owned()]);
        let api = serve(trusting(&[&a, &b]).domains_resolver(resolver));
        assert_resolver_error(
            &api.good_from(&a).await,
            "Domains resolver must return a list of non-empty strings",
        );
    }
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_resolver_returns_invalid_domain_format() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    for (entry, reason) in [
        ("http://invalid.com", "invalid domain URL (https required)"),
        (
            "tenant.auth0.com/some/path",
            "invalid domain URL (path/query/fragment are not allowed)",
        ),
        (
            "user:pass@tenant.auth0.com",
            "invalid domain URL (credentials are not allowed)",
        ),
    ] {
        let resolver = Resolver::fixed(&[entry.to_owned(), a.domain()]);
        let api = serve(trusting(&[&a, &b]).domains_resolver(resolver));
        assert_resolver_error(
            &api.good_from(&a).await,
            &format!("Domains resolver returned invalid domain: {reason}"),
        );
    }
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn test_mcd_resolver_receives_request_context() {
    // And test_mcd_verify_request_with_resolver_context.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::fixed(&[b.domain()]);
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver.clone()));
    let access = token(&b).sign();
    let reply = api
        .send(
            api.request("GET", "/test?tenant=secondary")
                .bearer_auth(&access)
                .header("X-Custom-Header", "test-value"),
        )
        .await;
    assert_ok_from(&reply, &b);
    let seen = resolver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].unverified_iss, b.issuer());
    assert_eq!(
        seen[0].request_url.as_deref(),
        Some(api.app.at("/test?tenant=secondary").as_str())
    );
    assert_eq!(seen[0].custom_header.as_deref(), Some("test-value"));
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Bearer {access}").as_str())
    );
}

#[tokio::test]
async fn a_cached_token_is_checked_against_the_resolver_again() {
    // The verified-token cache never skips the allow-list: the tenant is removed, its
    // already-verified token stops working; a failing resolver fails cached tokens too.
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let allowed = Arc::new(Mutex::new(Ok(vec![a.domain()])));
    let answer = allowed.clone();
    let resolver = Resolver::new(move |_| answer.lock().unwrap().clone());
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver.clone()));
    // Keys fetched first: a token verified while a key set arrives is remembered against the
    // older set (and verified once more), which is not what this test is about.
    assert_ok_from(&api.good_from(&a).await, &a);
    let access = token(&a).sign();
    assert_ok_from(&api.bearer(&access).await, &a);
    let before = api.lookups();
    assert_ok_from(&api.bearer(&access).await, &a);
    assert_eq!(
        api.lookups(),
        before,
        "the repeat was a verified-token cache hit"
    );
    *allowed.lock().unwrap() = Ok(vec![b.domain()]);
    expect::invalid_token(&api.bearer(&access).await, NOT_ALLOWED);
    *allowed.lock().unwrap() = Err("down".to_owned());
    assert_resolver_error(
        &api.bearer(&access).await,
        "Domains resolver function failed: down",
    );
    *allowed.lock().unwrap() = Ok(vec![a.domain()]);
    assert_ok_from(&api.bearer(&access).await, &a);
    assert_eq!(api.lookups(), before, "still the cached verification");
    assert_eq!(resolver.calls(), 6);
    assert_eq!(fetches(&a), (1, 1));
}

// ---------------------------------------------------------------------------------------------
// warm_up with several issuers

#[tokio::test]
async fn warm_up_fetches_every_listed_issuer() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    api.auth0.warm_up().await.expect("warm-up");
    assert_eq!((fetches(&a), fetches(&b)), ((1, 1), (1, 1)));
    assert_ok_from(&api.good_from(&a).await, &a);
    assert_ok_from(&api.good_from(&b).await, &b);
    assert_eq!((fetches(&a), fetches(&b)), ((1, 1), (1, 1)));
}

#[tokio::test]
async fn warm_up_in_hybrid_mode_fetches_the_listed_issuers() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let api = serve(trusting(&[&a, &b]).domain(a.domain()).domains([b.domain()]));
    api.auth0.warm_up().await.expect("warm-up");
    assert_eq!((fetches(&a), fetches(&b)), ((0, 0), (1, 1)));
}

#[tokio::test]
async fn warm_up_with_a_resolver_has_nothing_to_fetch() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    let resolver = Resolver::fixed(&[a.domain()]);
    let api = serve(trusting(&[&a, &b]).domains_resolver(resolver.clone()));
    api.auth0.warm_up().await.expect("warm-up");
    assert_eq!(resolver.calls(), 0);
    assert_eq!(fetches(&a), (0, 0));
}

#[tokio::test]
async fn a_failed_warm_up_names_the_issuer_problem() {
    let (a, b) = (LocalIssuer::start(), LocalIssuer::start());
    b.set_failing(true);
    let api = serve(trusting(&[&a, &b]).domains([a.domain(), b.domain()]));
    let err = api.auth0.warm_up().await.expect_err("b is down");
    assert_eq!(
        err.description(),
        "Failed to fetch OIDC discovery metadata: HTTP status 503"
    );
    b.set_failing(false);
    assert_ok_from(&api.good_from(&b).await, &b);
}

// ---------------------------------------------------------------------------------------------
// Configuration (§6.2, §6.7)

fn config_error(builder: Auth0Builder) -> String {
    match builder.build() {
        Ok(_) => panic!("the configuration was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn test_mcd_init_with_empty_domains_list() {
    let err = config_error(
        Auth0::builder()
            .audience("api")
            .domains(Vec::<String>::new()),
    );
    assert_eq!(err, "invalid domains: domains list cannot be empty");
    // test_mcd_empty_domains_list_raises_error: with a domain too.
    let err = config_error(
        Auth0::builder()
            .audience("api")
            .domain("tenant.auth0.com")
            .domains(Vec::<String>::new()),
    );
    assert_eq!(err, "invalid domains: domains list cannot be empty");
}

#[test]
fn test_mcd_init_with_non_string_domains_list() {
    for list in [vec!["tenant1.auth0.com", ""], vec!["   "]] {
        let err = config_error(Auth0::builder().audience("api").domains(list));
        assert_eq!(
            err,
            "invalid domains: domains list must contain only non-empty strings"
        );
    }
}

#[test]
fn an_unusable_domains_entry_is_named() {
    for (entry, reason) in [
        (
            "http://tenant.auth0.com",
            "invalid domain URL (https required)",
        ),
        (
            "tenant.auth0.com/path",
            "invalid domain URL (path/query/fragment are not allowed)",
        ),
        (
            "user:pass@tenant.auth0.com",
            "invalid domain URL (credentials are not allowed)",
        ),
    ] {
        let err = config_error(
            Auth0::builder()
                .audience("api")
                .domains(["tenant1.auth0.com", entry]),
        );
        assert_eq!(err, format!("invalid domains: `{entry}`: {reason}"));
    }
}

#[test]
fn test_mcd_missing_both_domain_and_domains_raises_error() {
    match Auth0::builder().audience("api").build() {
        Err(e @ ConfigError::Missing { .. }) => {
            let text = e.to_string();
            assert!(
                text.starts_with("domain (AUTH0_DOMAIN) is required"),
                "{text}"
            );
            assert!(text.contains("domains("), "{text}");
        }
        other => panic!("expected a missing-domain error, got {other:?}"),
    }
}

#[test]
fn test_mcd_init_with_domains_resolver() {
    let auth0 = Auth0::builder()
        .audience("api")
        .domains_resolver(Resolver::fixed(&["tenant.auth0.com".to_owned()]))
        .build()
        .expect("a resolver alone is a valid configuration");
    assert_eq!(auth0.issuer(), None);
}
