//! Configuration as an application meets it: builder defaults (docs/compatibility.md §6.2, §6.3),
//! domain normalisation (§6.10, difference D14) both at build time and end to end against the
//! local issuer, contradictory DPoP settings (D15), token algorithms, and the environment
//! variables read through `Auth0Builder::from_lookup` (never the process environment, so the
//! tests can run in parallel).

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use auth0_actix::testing::{DpopKey, LocalIssuer};
use auth0_actix::{require_auth, Algorithm, Auth0, Auth0Builder, Claims, ConfigError, DpopMode};
use e2e_support::{expect, now, send, Api};
use serde_json::json;

#[get("/test")]
#[require_auth]
async fn test_route(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": claims.sub }))
}

/// An app serving `/test` (any valid token) with `auth0`.
fn serve(auth0: Auth0) -> Api {
    Api::builder()
        .auth0(auth0)
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(test_route);
        })
        .start()
}

/// A builder with a domain that is never contacted (nothing here sends a request).
fn offline() -> Auth0Builder {
    Auth0::builder()
        .domain("tenant.auth0.com")
        .audience("my-audience")
}

/// The issuer `domain` normalises to, through the public builder.
fn issuer_of(domain: &str) -> String {
    Auth0::builder()
        .domain(domain)
        .audience("my-audience")
        .build()
        .unwrap_or_else(|e| panic!("{domain:?} should be accepted: {e}"))
        .issuer()
        .expect("a single-domain configuration")
        .to_owned()
}

/// The reason `domain` is rejected at build time.
fn domain_error(domain: &str) -> String {
    match Auth0::builder().domain(domain).audience("a").build() {
        Err(ConfigError::Invalid { setting, reason }) => {
            assert_eq!(setting, "domain (AUTH0_DOMAIN)");
            reason
        }
        Err(other) => panic!("{domain:?}: unexpected error {other:?}"),
        Ok(auth0) => panic!("{domain:?} was accepted as {:?}", auth0.issuer()),
    }
}

// ------------------------------------------------------------------------------------------
// §6.2 / §6.3 defaults and DPoP settings

#[test]
fn test_dpop_default_configuration() {
    let auth0 = offline().build().unwrap();
    assert_eq!(auth0.dpop_mode(), DpopMode::Allowed);
    assert_eq!(
        auth0_actix::defaults::DPOP_IAT_LEEWAY,
        Duration::from_secs(30)
    );
    assert_eq!(
        auth0_actix::defaults::DPOP_IAT_OFFSET,
        Duration::from_secs(300)
    );
    assert_eq!(auth0_actix::defaults::CACHE_TTL, Duration::from_secs(600));
    assert_eq!(auth0_actix::defaults::CACHE_MAX_ENTRIES, 100);
}

#[test]
fn test_dpop_disabled_configuration() {
    let auth0 = offline().dpop_enabled(false).build().unwrap();
    assert_eq!(auth0.dpop_mode(), DpopMode::Disabled);
    let auth0 = offline().dpop_required(true).build().unwrap();
    assert_eq!(auth0.dpop_mode(), DpopMode::Required);
    let auth0 = offline()
        .dpop_enabled(true)
        .dpop_required(false)
        .build()
        .unwrap();
    assert_eq!(auth0.dpop_mode(), DpopMode::Allowed);
}

/// The leeway/offset can only be observed through proofs: one 45 s in the future, one 400 s old.
#[tokio::test]
async fn test_dpop_custom_timing_configuration() {
    let issuer = LocalIssuer::start();
    let custom = serve(
        issuer
            .auth0_builder()
            .dpop_iat_leeway(Duration::from_secs(60))
            .dpop_iat_offset(Duration::from_secs(600))
            .build()
            .unwrap(),
    );
    let default = serve(issuer.auth0_builder().build().unwrap());
    let key = DpopKey::generate();
    let token = issuer.token().bound_to(&key).sign();
    let request = |api: &Api, iat: i64| {
        let proof = key
            .proof("GET", &api.at("/test"))
            .access_token(&token)
            .iat(iat)
            .sign();
        api.request("GET", "/test")
            .header("authorization", format!("DPoP {token}"))
            .header("dpop", proof)
    };
    for iat in [now() + 45, now() - 400] {
        assert_eq!(send(request(&custom, iat)).await.status, 200, "iat {iat}");
    }
    expect::error(
        &send(request(&default, now() + 45)).await,
        400,
        "invalid_dpop_proof",
        "DPoP Proof iat is from the future",
    );
    expect::error(
        &send(request(&default, now() - 400)).await,
        400,
        "invalid_dpop_proof",
        "DPoP Proof iat is too old",
    );
}

#[test]
fn test_mcd_backward_compatibility_single_domain() {
    let auth0 = offline().build().unwrap();
    assert_eq!(auth0.issuer(), Some("https://tenant.auth0.com/"));
    assert_eq!(auth0.audience(), "my-audience");
}

#[test]
fn test_init_missing_args() {
    assert!(matches!(
        Auth0::builder().domain("").audience("a").build(),
        Err(ConfigError::Missing { setting, .. }) if setting.starts_with("domain")
    ));
    assert!(matches!(
        Auth0::builder().audience("a").build(),
        Err(ConfigError::Missing { setting, .. }) if setting.starts_with("domain")
    ));
    let err = Auth0::builder()
        .domain("tenant.auth0.com")
        .audience("")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, ConfigError::Missing { setting, .. } if setting.starts_with("audience")),
        "{err:?}"
    );
}

#[test]
fn test_verify_access_token_fail_no_audience_config() {
    for audience in [None, Some(""), Some("   ")] {
        let mut builder = Auth0::builder().domain("tenant.auth0.com");
        if let Some(a) = audience {
            builder = builder.audience(a);
        }
        let err = builder.build().unwrap_err();
        assert!(err.to_string().contains("audience"), "{err}");
        assert!(err.to_string().contains("required"), "{err}");
    }
}

#[test]
fn test_cache_config_validation() {
    assert!(matches!(
        offline().cache_max_entries(0).build(),
        Err(ConfigError::Invalid { setting, .. })
            if setting == "cache_max_entries (AUTH0_CACHE_MAX_ENTRIES)"
    ));
    assert!(offline().cache_max_entries(1).build().is_ok());
    // As the reference: a TTL of 0 is accepted and means no reuse (tests/discovery.rs).
    assert!(offline().cache_ttl(Duration::ZERO).build().is_ok());
}

/// The setting and the reason of a rejected build.
fn invalid(builder: Auth0Builder) -> (String, String) {
    match builder.build() {
        Err(ConfigError::Invalid { setting, reason }) => (setting, reason),
        other => panic!("expected an invalid setting, got {other:?}"),
    }
}

#[test]
fn time_settings_outside_their_range_are_rejected_naming_the_range() {
    // One day at most for the proof windows (larger ones are mistakes, and overflowed).
    let (setting, reason) = invalid(offline().dpop_iat_offset(Duration::from_secs(u64::MAX)));
    assert_eq!(setting, "dpop_iat_offset (AUTH0_DPOP_IAT_OFFSET)");
    assert_eq!(
        reason,
        "must be between 0 and 86400 seconds (one day), got 18446744073709551615"
    );
    let (setting, reason) = invalid(offline().dpop_iat_leeway(Duration::from_secs(86_401)));
    assert_eq!(setting, "dpop_iat_leeway (AUTH0_DPOP_IAT_LEEWAY)");
    assert!(
        reason.starts_with("must be between 0 and 86400 seconds"),
        "{reason}"
    );
    assert!(offline()
        .dpop_iat_leeway(Duration::from_secs(86_400))
        .dpop_iat_offset(Duration::from_secs(0))
        .build()
        .is_ok());
    // A zero cooldown would let every unknown kid refetch the JWKS (and never back off).
    for cooldown in [Duration::ZERO, Duration::from_secs(86_401)] {
        let (setting, reason) = invalid(offline().unknown_kid_cooldown(cooldown));
        assert_eq!(setting, "unknown_kid_cooldown");
        assert!(
            reason.starts_with("must be more than 0 and at most 86400 s (one day)"),
            "{reason}"
        );
    }
    // A zero timeout fails every fetch.
    for (builder, name) in [
        (offline().connect_timeout(Duration::ZERO), "connect_timeout"),
        (offline().http_timeout(Duration::ZERO), "http_timeout"),
    ] {
        let (setting, reason) = invalid(builder);
        assert_eq!(setting, name);
        assert!(reason.starts_with("must be more than 0"), "{reason}");
    }
}

#[test]
fn from_lookup_values_out_of_range_name_the_variable_at_build() {
    for (name, value) in [
        ("AUTH0_DPOP_IAT_OFFSET", "18446744073709551615"),
        ("AUTH0_DPOP_IAT_LEEWAY", "86401"),
        ("AUTH0_CACHE_MAX_ENTRIES", "0"),
    ] {
        let err = Auth0Builder::from_lookup(vars(&[
            ("AUTH0_DOMAIN", "tenant.auth0.com"),
            ("AUTH0_AUDIENCE", "api"),
            (name, value),
        ]))
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
        assert!(err.contains(name), "{name}={value}: {err}");
    }
}

#[test]
fn test_mcd_cache_configuration_passthrough() {
    let auth0 = offline()
        .cache_ttl(Duration::from_secs(1200))
        .cache_max_entries(200)
        .build();
    assert!(auth0.is_ok());
}

// ------------------------------------------------------------------------------------------
// D15: a configuration that can never work is rejected

#[test]
fn contradictory_dpop_settings_are_rejected_at_build() {
    for builder in [
        offline().dpop_enabled(false).dpop_required(true),
        offline().dpop_required(true).dpop_enabled(false),
    ] {
        match builder.build() {
            Err(ConfigError::Conflict(msg)) => {
                assert!(msg.contains("dpop_required(true)"), "{msg}");
                assert!(msg.contains("dpop_enabled(false)"), "{msg}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
}

// ------------------------------------------------------------------------------------------
// §6.10 normalize_domain, through the builder (D14)

#[test]
fn test_normalize_domain_bare() {
    assert_eq!(issuer_of("tenant.auth0.com"), "https://tenant.auth0.com/");
}

#[test]
fn test_normalize_domain_with_https() {
    assert_eq!(
        issuer_of("https://tenant.auth0.com"),
        "https://tenant.auth0.com/"
    );
}

#[test]
fn test_normalize_domain_with_http() {
    assert_eq!(
        domain_error("http://tenant.auth0.com"),
        "invalid domain URL (https required)"
    );
}

#[test]
fn test_normalize_domain_with_trailing_slash() {
    assert_eq!(issuer_of("tenant.auth0.com/"), "https://tenant.auth0.com/");
}

#[test]
fn test_normalize_domain_with_https_and_trailing_slash() {
    assert_eq!(
        issuer_of("https://tenant.auth0.com/"),
        "https://tenant.auth0.com/"
    );
}

#[test]
fn test_normalize_domain_mixed_case() {
    assert_eq!(issuer_of("TENANT.AUTH0.COM"), "https://tenant.auth0.com/");
}

#[test]
fn test_normalize_domain_mixed_case_with_protocol() {
    assert_eq!(
        issuer_of("HTTPS://Tenant.Auth0.COM"),
        "https://tenant.auth0.com/"
    );
}

#[test]
fn test_normalize_domain_with_whitespace() {
    assert_eq!(
        issuer_of("  tenant.auth0.com  "),
        "https://tenant.auth0.com/"
    );
}

#[test]
fn test_normalize_domain_custom_domain() {
    assert_eq!(issuer_of("auth.example.com"), "https://auth.example.com/");
}

#[test]
fn test_normalize_domain_multiple_slashes() {
    assert_eq!(
        issuer_of("tenant.auth0.com///"),
        "https://tenant.auth0.com/"
    );
}

#[test]
fn test_normalize_domain_rejects_path() {
    assert_eq!(
        domain_error("tenant.auth0.com/some/path"),
        "invalid domain URL (path/query/fragment are not allowed)"
    );
}

#[test]
fn test_normalize_domain_rejects_query() {
    assert_eq!(
        domain_error("tenant.auth0.com?foo=bar"),
        "invalid domain URL (path/query/fragment are not allowed)"
    );
}

#[test]
fn test_normalize_domain_rejects_fragment() {
    assert_eq!(
        domain_error("tenant.auth0.com#section"),
        "invalid domain URL (path/query/fragment are not allowed)"
    );
}

#[test]
fn test_normalize_domain_rejects_credentials() {
    assert_eq!(
        domain_error("user:pass@tenant.auth0.com"),
        "invalid domain URL (credentials are not allowed)"
    );
    assert_eq!(
        domain_error("https://user:pass@tenant.auth0.com/"),
        "invalid domain URL (credentials are not allowed)"
    );
}

#[test]
fn test_normalize_domain_rejects_http() {
    assert_eq!(
        domain_error("http://tenant.auth0.com/"),
        "invalid domain URL (https required)"
    );
    assert_eq!(
        domain_error("ftp://tenant.auth0.com"),
        "invalid domain URL (https required)"
    );
}

#[test]
fn test_normalize_domain_rejects_empty() {
    // A blank domain is a missing one.
    for blank in ["", "   "] {
        assert!(matches!(
            Auth0::builder().domain(blank).audience("a").build(),
            Err(ConfigError::Missing { setting, .. }) if setting == "domain (AUTH0_DOMAIN)"
        ));
    }
    // A domain with nothing but a scheme has no host.
    assert_eq!(
        domain_error("https://"),
        "domain must be a non-empty string"
    );
}

#[test]
fn ports_are_kept_and_the_error_names_the_setting() {
    assert_eq!(
        issuer_of("auth.example.com:8443"),
        "https://auth.example.com:8443/"
    );
    assert_eq!(issuer_of("127.0.0.1:8443"), "https://127.0.0.1:8443/");
    let err = Auth0::builder()
        .domain("http://tenant.auth0.com")
        .audience("a")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid domain (AUTH0_DOMAIN): invalid domain URL (https required)"
    );
}

#[test]
fn plain_http_needs_the_opt_in_and_a_loopback_host() {
    assert_eq!(
        domain_error("http://127.0.0.1:9000"),
        "invalid domain URL (https required)"
    );
    let local = Auth0::builder()
        .domain("http://127.0.0.1:9000")
        .audience("a")
        .allow_insecure_http_on_loopback(true)
        .build()
        .unwrap();
    assert_eq!(local.issuer(), Some("http://127.0.0.1:9000/"));
    let err = Auth0::builder()
        .domain("http://tenant.auth0.com")
        .audience("a")
        .allow_insecure_http_on_loopback(true)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("loopback hosts only"), "{err}");
}

/// D14 end to end: every accepted spelling of the local issuer's domain serves real requests.
#[tokio::test]
async fn accepted_domain_spellings_work_end_to_end() {
    let issuer = LocalIssuer::start();
    let host = issuer.domain();
    let token = issuer.token().sign();
    for domain in [
        host.clone(),
        format!("https://{host}"),
        format!("https://{host}/"),
        format!("HTTPS://{host}//"),
        format!("  {host}/  "),
    ] {
        let auth0 = issuer.auth0_builder().domain(&domain).build().unwrap();
        assert_eq!(auth0.issuer(), Some(issuer.issuer().as_str()), "{domain:?}");
        let app = serve(auth0);
        assert_eq!(app.bearer(&token).await.status, 200, "{domain:?}");
    }
}

// ------------------------------------------------------------------------------------------
// Token algorithms (configurable beyond the reference)

#[tokio::test]
async fn non_default_key_algorithms_need_to_be_allowed() {
    let issuer = LocalIssuer::builder()
        .key_algorithm(Algorithm::ES256)
        .start();
    let token = issuer.token().sign();
    let default = serve(issuer.auth0_builder().build().unwrap());
    expect::error(
        &default.bearer(&token).await,
        401,
        "invalid_token",
        "Signature verification failed: unsupported_algorithm: 'ES256' is not allowed",
    );
    let allowed = serve(
        issuer
            .auth0_builder()
            .algorithms([Algorithm::ES256])
            .build()
            .unwrap(),
    );
    assert_eq!(allowed.bearer(&token).await.status, 200);
}

#[tokio::test]
async fn rsa_pss_issuer_with_ps256_allowed() {
    let issuer = LocalIssuer::builder()
        .key_algorithm(Algorithm::PS256)
        .start();
    let app = serve(
        issuer
            .auth0_builder()
            .algorithms([Algorithm::RS256, Algorithm::PS256])
            .build()
            .unwrap(),
    );
    assert_eq!(app.bearer(&issuer.token().sign()).await.status, 200);
}

#[tokio::test]
async fn the_alg_must_fit_the_key_type() {
    let issuer = LocalIssuer::start(); // an RSA key
    let app = serve(
        issuer
            .auth0_builder()
            .algorithms([Algorithm::RS256, Algorithm::ES256])
            .build()
            .unwrap(),
    );
    let token = issuer.token().header("alg", "ES256").sign();
    expect::error(
        &app.bearer(&token).await,
        401,
        "invalid_token",
        "Signature verification failed: key 'key-1' cannot be used with ES256",
    );
}

#[test]
fn algorithm_lists_are_validated() {
    assert!(matches!(
        offline().algorithms([]).build(),
        Err(ConfigError::Invalid { setting, .. }) if setting == "algorithms"
    ));
    assert!(matches!(
        offline().proof_algorithms([]).build(),
        Err(ConfigError::Invalid { setting, .. }) if setting == "proof_algorithms"
    ));
    assert!(matches!(
        offline().proof_algorithms([Algorithm::RS256]).build(),
        Err(ConfigError::Invalid { setting, .. }) if setting == "proof_algorithms"
    ));
    assert!("HS256".parse::<Algorithm>().is_err());
    assert!("none".parse::<Algorithm>().is_err());
}

// ------------------------------------------------------------------------------------------
// The environment, through from_lookup

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

fn env_builder(issuer: &LocalIssuer, extra: &[(&str, &str)]) -> Result<Auth0Builder, ConfigError> {
    let domain = issuer.domain();
    let audience = issuer.audience();
    let mut pairs = vec![
        ("AUTH0_DOMAIN", domain.as_str()),
        ("AUTH0_AUDIENCE", audience.as_str()),
    ];
    pairs.extend_from_slice(extra);
    // The CA comes from SSL_CERT_FILE in real deployments; here, from the builder.
    Auth0Builder::from_lookup(vars(&pairs))
        .map(|b| b.root_certificate_pem(issuer.ca_certificate_pem().unwrap()))
}

#[tokio::test]
async fn from_lookup_configures_a_working_verifier() {
    let issuer = LocalIssuer::start();
    let auth0 = env_builder(&issuer, &[]).unwrap().build().unwrap();
    assert_eq!(auth0.issuer(), Some(issuer.issuer().as_str()));
    assert_eq!(auth0.audience(), issuer.audience());
    assert_eq!(auth0.dpop_mode(), DpopMode::Allowed);
    let app = serve(auth0);
    let reply = app.bearer(&issuer.token().sign()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["user"], "user_123");
}

#[tokio::test]
async fn from_lookup_dpop_disabled_changes_the_challenge() {
    let issuer = LocalIssuer::start();
    let auth0 = env_builder(&issuer, &[("AUTH0_DPOP_ENABLED", "false")])
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(auth0.dpop_mode(), DpopMode::Disabled);
    let app = serve(auth0);
    let reply = app.get("/test", &[]).await;
    assert_eq!(reply.challenge(), "Bearer realm=\"api\"");
}

#[tokio::test]
async fn from_lookup_dpop_required_rejects_bearer() {
    let issuer = LocalIssuer::start();
    let auth0 = env_builder(&issuer, &[("AUTH0_DPOP_REQUIRED", "true")])
        .unwrap()
        .build()
        .unwrap();
    let app = serve(auth0);
    let reply = app.bearer(&issuer.token().sign()).await;
    expect::error(&reply, 400, "invalid_request", "");
    assert_eq!(reply.challenge(), "DPoP algs=\"ES256\"");
}

#[tokio::test]
async fn from_lookup_clock_leeway_and_algorithms() {
    let issuer = LocalIssuer::start();
    let leeway = serve(
        env_builder(&issuer, &[("AUTH0_CLOCK_LEEWAY", "60")])
            .unwrap()
            .build()
            .unwrap(),
    );
    let early = issuer.token().not_before(now() + 30).sign();
    assert_eq!(leeway.bearer(&early).await.status, 200);
    let ps_only = serve(
        env_builder(&issuer, &[("AUTH0_ALGORITHMS", "PS256, ES256")])
            .unwrap()
            .build()
            .unwrap(),
    );
    expect::error(
        &ps_only.bearer(&issuer.token().sign()).await,
        401,
        "invalid_token",
        "Signature verification failed: unsupported_algorithm: 'RS256' is not allowed",
    );
}

#[test]
fn from_lookup_values_that_do_not_parse_name_the_variable() {
    for (name, value) in [
        ("AUTH0_DPOP_ENABLED", "maybe"),
        ("AUTH0_DPOP_REQUIRED", "2"),
        ("AUTH0_TRUST_PROXY", "yes please"),
        ("AUTH0_DPOP_IAT_LEEWAY", "-1"),
        ("AUTH0_DPOP_IAT_OFFSET", "5m"),
        ("AUTH0_CACHE_TTL", "abc"),
        ("AUTH0_CACHE_MAX_ENTRIES", "1.5"),
        ("AUTH0_CLOCK_LEEWAY", "-30"),
        ("AUTH0_ALGORITHMS", "RS256,HS256"),
    ] {
        let err = Auth0Builder::from_lookup(vars(&[
            ("AUTH0_DOMAIN", "tenant.auth0.com"),
            ("AUTH0_AUDIENCE", "api"),
            (name, value),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains(name), "{name}={value}: {err}");
    }
}

#[test]
fn from_lookup_missing_and_blank_required_variables() {
    let err = Auth0Builder::from_lookup(vars(&[("AUTH0_AUDIENCE", "api")]))
        .unwrap()
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("AUTH0_DOMAIN"), "{err}");
    let err = Auth0Builder::from_lookup(vars(&[
        ("AUTH0_DOMAIN", "tenant.auth0.com"),
        ("AUTH0_AUDIENCE", "  "),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("AUTH0_AUDIENCE"), "{err}");
}

#[test]
fn from_lookup_a_blank_setting_is_an_error_naming_it() {
    // "A value that does not parse is a start-up error that names the variable, never a silent
    // default" (docs/example-api.md): blank is not a value. (AUTH0_DOMAIN and AUTH0_AUDIENCE
    // are the exception: blank means unset, and build() names them when they are required.)
    for name in [
        "AUTH0_DPOP_ENABLED",
        "AUTH0_DPOP_REQUIRED",
        "AUTH0_DPOP_IAT_LEEWAY",
        "AUTH0_DPOP_IAT_OFFSET",
        "AUTH0_TRUST_PROXY",
        "AUTH0_CACHE_TTL",
        "AUTH0_CACHE_MAX_ENTRIES",
        "AUTH0_ALGORITHMS",
        "AUTH0_CLOCK_LEEWAY",
    ] {
        for blank in ["", "  "] {
            let err = Auth0Builder::from_lookup(vars(&[
                ("AUTH0_DOMAIN", "tenant.auth0.com"),
                ("AUTH0_AUDIENCE", "api"),
                (name, blank),
            ]))
            .unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "invalid {name}: set but blank: give it a value, or unset it to use the \
                     default"
                )
            );
        }
    }
    // Surrounding whitespace is fine.
    let auth0 = Auth0Builder::from_lookup(vars(&[
        ("AUTH0_DOMAIN", "tenant.auth0.com"),
        ("AUTH0_AUDIENCE", "api"),
        ("AUTH0_DPOP_REQUIRED", " true "),
    ]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(auth0.dpop_mode(), DpopMode::Required);
}

#[test]
fn from_lookup_bad_domain_and_contradiction_fail_at_build() {
    let err = Auth0Builder::from_lookup(vars(&[
        ("AUTH0_DOMAIN", "http://tenant.auth0.com"),
        ("AUTH0_AUDIENCE", "api"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("AUTH0_DOMAIN"), "{err}");
    let err = Auth0Builder::from_lookup(vars(&[
        ("AUTH0_DOMAIN", "tenant.auth0.com"),
        ("AUTH0_AUDIENCE", "api"),
        ("AUTH0_DPOP_ENABLED", "false"),
        ("AUTH0_DPOP_REQUIRED", "true"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert!(matches!(err, ConfigError::Conflict(_)), "{err:?}");
}

#[test]
fn builder_calls_override_what_was_read() {
    let auth0 = Auth0Builder::from_lookup(vars(&[
        ("AUTH0_DOMAIN", "tenant.auth0.com"),
        ("AUTH0_AUDIENCE", "api"),
        ("AUTH0_DPOP_REQUIRED", "true"),
    ]))
    .unwrap()
    .dpop_required(false)
    .domain("https://other.auth0.com/")
    .build()
    .unwrap();
    assert_eq!(auth0.dpop_mode(), DpopMode::Allowed);
    assert_eq!(auth0.issuer(), Some("https://other.auth0.com/"));
}

// ------------------------------------------------------------------------------------------
// SSL_CERT_FILE, read from the real process environment by build(). The environment is shared
// by every test of this binary, so each case runs in a child process of its own: the parent
// re-runs this test binary on one `child_*` test with the variable set. Run any other way, a
// `child_*` test returns at once.

const CHILD: &str = "AUTH0_ACTIX_TEST_CHILD";
const CHILD_RAN: &str = "child test body ran";

/// Runs the test `name` of this binary alone in a new process, with `SSL_CERT_FILE` and `vars`.
fn run_child(name: &str, ssl_cert_file: &std::path::Path, vars: &[(&str, &str)]) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env("SSL_CERT_FILE", ssl_cert_file)
        .env(CHILD, name)
        .envs(vars.iter().copied())
        .output()
        .expect("the test binary runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{name}:\n{stdout}\n{stderr}");
    assert!(stdout.contains(CHILD_RAN), "{name} did not run:\n{stdout}");
}

/// Whether this process is the child `run_child` started for `name`.
fn is_child(name: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(name)
}

/// A file under the temp dir holding `contents`, named for this test process.
fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("auth0-actix-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

#[tokio::test]
async fn the_cas_in_ssl_cert_file_are_trusted() {
    let issuer = LocalIssuer::start();
    // Without SSL_CERT_FILE (or root_certificate_pem) the issuer's CA is not trusted...
    let untrusted = Auth0::builder()
        .domain(issuer.domain())
        .audience(issuer.audience())
        .build()
        .unwrap();
    let err = untrusted.warm_up().await.unwrap_err();
    assert_eq!(
        err.description(),
        "Failed to fetch OIDC discovery metadata: connection failed"
    );
    // ...with it, it is (and the system roots still are: see keys/fetch.rs's unit tests).
    let ca = temp_file("issuer-ca.pem", &issuer.ca_certificate_pem().unwrap());
    run_child(
        "child_warms_up_trusting_ssl_cert_file",
        &ca,
        &[("CHILD_DOMAIN", &issuer.domain())],
    );
    let _ = std::fs::remove_file(ca);
}

#[tokio::test]
async fn child_warms_up_trusting_ssl_cert_file() {
    if !is_child("child_warms_up_trusting_ssl_cert_file") {
        return;
    }
    let auth0 = Auth0::builder()
        .domain(std::env::var("CHILD_DOMAIN").unwrap())
        .audience("api")
        .build()
        .expect("SSL_CERT_FILE is a readable bundle");
    auth0.warm_up().await.expect("the issuer's CA is trusted");
    println!("{CHILD_RAN}");
}

#[test]
fn an_unreadable_ssl_cert_file_fails_the_build_but_not_mock_auth0() {
    let missing = std::env::temp_dir().join("auth0-actix-no-such-bundle.pem");
    run_child("child_unreadable_ssl_cert_file", &missing, &[]);
    let junk = temp_file("junk.pem", "not a certificate");
    run_child("child_unreadable_ssl_cert_file", &junk, &[]);
    let _ = std::fs::remove_file(junk);
}

#[actix_web::test]
async fn child_unreadable_ssl_cert_file() {
    if !is_child("child_unreadable_ssl_cert_file") {
        return;
    }
    let err = offline().build().unwrap_err().to_string();
    assert!(err.starts_with("invalid SSL_CERT_FILE: "), "{err}");
    let err = Auth0Builder::from_lookup(vars(&[
        ("AUTH0_DOMAIN", "t.auth0.com"),
        ("AUTH0_AUDIENCE", "a"),
    ]))
    .unwrap()
    .build()
    .unwrap_err()
    .to_string();
    assert!(err.contains("SSL_CERT_FILE"), "{err}");
    // A mock handle fetches nothing, so it reads no trust store and cannot fail.
    let auth0 = auth0_actix::testing::mock_auth0(json!({ "sub": "user123" }));
    let app = serve(auth0);
    let reply = app.bearer("anything").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["user"], "user123");
    println!("{CHILD_RAN}");
}
