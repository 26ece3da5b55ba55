//! The DPoP mode matrix end to end (docs/compatibility.md §3.6, §2.1, §4.3; difference D15): every
//! row in the three modes — mixed (default), `dpop_required(true)` and `dpop_enabled(false)` — with
//! the exact status, `error`, `error_description` and `WWW-Authenticate`; and the reference's mode
//! tests (§6.3) and `verify_request` tests (§6.7), named after them.

use auth0_actix::testing::DpopKey;
use auth0_actix::ConfigError;
use e2e_support::www::{
    disabled_bearer, mixed_bearer, mixed_dpop, required_dpop, DISABLED_BARE, MIXED_BARE,
    REQUIRED_BARE,
};
use e2e_support::{expect, now, Api, Reply};
use serde_json::json;

const BOUND_AS_BEARER: &str =
    "DPoP-bound token requires the DPoP authentication scheme, not Bearer";
const PROOF_WITH_BEARER: &str = "DPoP proof requires DPoP authentication scheme, not Bearer";
const NO_JKT: &str = "JWT Access Token has no jkt confirmation claim";
const BAD_CNF_FORMAT: &str = "JWT Access Token has invalid confirmation claim format";
const MISMATCH: &str = "JWT Access Token confirmation mismatch";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Mixed,
    Required,
    Disabled,
}

const MODES: [Mode; 3] = [Mode::Mixed, Mode::Required, Mode::Disabled];

/// An issuer and an app of its own in `mode` (own issuer: fetch counters are per mode).
fn site(mode: Mode) -> Api {
    println!("--- mode {mode:?}");
    Api::configured(move |b| match mode {
        Mode::Mixed => b,
        Mode::Required => b.dpop_required(true),
        Mode::Disabled => b.dpop_enabled(false),
    })
}

/// The bare challenge of `mode` (an `invalid_request` without description).
fn bare(mode: Mode) -> &'static str {
    match mode {
        Mode::Mixed => MIXED_BARE,
        Mode::Required => REQUIRED_BARE,
        Mode::Disabled => DISABLED_BARE,
    }
}

/// Asserts the bare 400 `invalid_request` of `mode`.
#[track_caller]
fn assert_bare_400(reply: &Reply, mode: Mode) {
    expect::invalid_request(reply, "", bare(mode));
}

/// Asserts an error on the DPoP scheme in mixed or required mode.
#[track_caller]
fn assert_dpop_scheme_error(
    reply: &Reply,
    mode: Mode,
    status: u16,
    error: &str,
    description: &str,
) {
    let www = match mode {
        Mode::Mixed => mixed_dpop(error, description),
        Mode::Required => required_dpop(error, description),
        Mode::Disabled => panic!("no DPoP-scheme errors in disabled mode"),
    };
    expect::error_with_challenge(reply, status, error, description, &www);
}

#[track_caller]
fn assert_no_fetch(env: &Api) {
    assert_eq!(
        env.fetches(),
        (0, 0),
        "the issuer must not have been contacted"
    );
}

async fn valid_dpop(env: &Api, token: &str) -> Reply {
    let proof = env.proof("GET", "/test", token).sign();
    env.dpop("GET", "/test", token, &proof).await
}

// ---------------------------------------------------------------------------------------------
// §3.6, row by row, in every mode

#[tokio::test]
async fn no_authorization() {
    for mode in MODES {
        let env = site(mode);
        assert_bare_400(&env.send(env.request("GET", "/test")).await, mode);
        // A DPoP header alone is no credential either.
        let proof = env.proof("GET", "/test", "x").sign();
        assert_bare_400(
            &env.send(env.request("GET", "/test").header("DPoP", proof))
                .await,
            mode,
        );
        // Nor an empty Authorization field.
        assert_bare_400(
            &env.send(env.request("GET", "/test").header("Authorization", ""))
                .await,
            mode,
        );
        assert_no_fetch(&env);
    }
}

#[tokio::test]
async fn basic_or_unknown_scheme() {
    for mode in MODES {
        let env = site(mode);
        let token = env.bound_token();
        for value in [
            "Basic dXNlcjpwYXNz".to_owned(),
            format!("Token {token}"),
            format!("Negotiate {token}"),
            format!("DPoP-Bearer {token}"),
            "Bearer".to_owned(),
            "DPoP".to_owned(),
            token.clone(),
        ] {
            let proof = env.proof("GET", "/test", &token).sign();
            let req = env
                .request("GET", "/test")
                .header("Authorization", value)
                .header("DPoP", proof);
            assert_bare_400(&env.send(req).await, mode);
        }
        assert_no_fetch(&env);
    }
}

#[tokio::test]
async fn bearer_unbound_valid() {
    for mode in MODES {
        let env = site(mode);
        let token = env.issuer().token().subject("user_123").sign();
        let reply = env.bearer(&token).await;
        match mode {
            Mode::Mixed | Mode::Disabled => {
                assert_eq!(expect::bearer_ok(&reply)["sub"], "user_123");
            }
            Mode::Required => {
                assert_bare_400(&reply, mode);
                // Refused before any token check.
                assert_no_fetch(&env);
            }
        }
    }
}

#[tokio::test]
async fn bearer_with_bound_token() {
    for mode in MODES {
        let env = site(mode);
        let token = env.bound_token();
        let reply = env.bearer(&token).await;
        match mode {
            Mode::Mixed => expect::invalid_token(&reply, BOUND_AS_BEARER),
            Mode::Required => {
                assert_bare_400(&reply, mode);
                assert_no_fetch(&env);
            }
            // Disabled: the binding is ignored.
            Mode::Disabled => {
                let claims = expect::bearer_ok(&reply);
                assert_eq!(claims["cnf"]["jkt"], env.key.thumbprint());
            }
        }
        // A cnf that is not an object with a jkt is no binding: plain Bearer where allowed.
        for cnf in [json!("a-string"), json!({}), json!({ "jkt": "" })] {
            let token = env.issuer().token().claim("cnf", cnf).sign();
            let reply = env.bearer(&token).await;
            match mode {
                Mode::Required => assert_bare_400(&reply, mode),
                _ => {
                    expect::bearer_ok(&reply);
                }
            }
        }
    }
}

/// §2.1 Bearer branch step 2 by Python truthiness: a `cnf` object with a truthy `jkt` of any
/// type (`123`, `true`, a string, an array, an object) binds the token; a falsy `jkt` (`""`,
/// `0`, `false`, `null`, `[]`, `{}`) or a `cnf` that is not an object does not.
#[tokio::test]
async fn bearer_binding_follows_jkt_truthiness() {
    for mode in MODES {
        let env = site(mode);
        for jkt in [
            json!(123),
            json!(true),
            json!("abc"),
            json!(["x"]),
            json!({ "a": 1 }),
        ] {
            let token = env
                .issuer()
                .token()
                .claim("cnf", json!({ "jkt": jkt }))
                .sign();
            let reply = env.bearer(&token).await;
            match mode {
                Mode::Mixed => expect::invalid_token(&reply, BOUND_AS_BEARER),
                Mode::Required => assert_bare_400(&reply, mode),
                Mode::Disabled => {
                    assert_eq!(expect::bearer_ok(&reply)["cnf"]["jkt"], jkt);
                }
            }
        }
        let unbound = [
            json!({ "jkt": "" }),
            json!({ "jkt": 0 }),
            json!({ "jkt": false }),
            json!({ "jkt": null }),
            json!({ "jkt": [] }),
            json!({ "jkt": {} }),
            json!({ "x5t#S256": "abc" }),
            json!({}),
            json!("abc"),
            json!(5),
            json!(""),
            json!(0),
            json!(false),
            json!([]),
        ];
        for cnf in unbound {
            let token = env.issuer().token().claim("cnf", cnf.clone()).sign();
            let reply = env.bearer(&token).await;
            match mode {
                Mode::Required => assert_bare_400(&reply, mode),
                Mode::Mixed | Mode::Disabled => {
                    assert_eq!(expect::bearer_ok(&reply)["cnf"], cnf, "cnf {cnf}");
                }
            }
        }
    }
}

#[tokio::test]
async fn bearer_with_dpop_header() {
    for mode in MODES {
        let env = site(mode);
        let token = env.issuer().token().subject("user_123").sign();
        for proof in [
            env.proof("GET", "/test", &token).sign(),
            "garbage".to_owned(),
        ] {
            let req = env
                .request("GET", "/test")
                .bearer_auth(&token)
                .header("DPoP", proof);
            let reply = env.send(req).await;
            match mode {
                Mode::Mixed => expect::invalid_request(
                    &reply,
                    PROOF_WITH_BEARER,
                    &mixed_bearer("invalid_request", PROOF_WITH_BEARER),
                ),
                Mode::Required => assert_bare_400(&reply, mode),
                // Disabled: the header is ignored.
                Mode::Disabled => {
                    assert_eq!(expect::bearer_ok(&reply)["sub"], "user_123");
                }
            }
        }
        // An empty DPoP field is no DPoP header.
        let req = env
            .request("GET", "/test")
            .bearer_auth(&token)
            .header("DPoP", "");
        let reply = env.send(req).await;
        match mode {
            Mode::Required => assert_bare_400(&reply, mode),
            _ => {
                expect::bearer_ok(&reply);
            }
        }
    }
}

/// §2.1 Bearer branch: token errors are checked first, then the binding, then the header.
#[tokio::test]
async fn bearer_with_dpop_header_check_order() {
    let env = site(Mode::Mixed);
    let proof = env.proof("GET", "/test", "x").sign();
    let expired = env.issuer().token().expires_at(now() - 10).sign();
    let req = env
        .request("GET", "/test")
        .bearer_auth(&expired)
        .header("DPoP", proof.clone());
    expect::invalid_token(&env.send(req).await, "Token is expired");
    let bound = env.bound_token();
    let req = env
        .request("GET", "/test")
        .bearer_auth(&bound)
        .header("DPoP", proof);
    expect::invalid_token(&env.send(req).await, BOUND_AS_BEARER);
}

#[tokio::test]
async fn dpop_valid() {
    for mode in MODES {
        let env = site(mode);
        let token = env.bound_token();
        let reply = valid_dpop(&env, &token).await;
        match mode {
            Mode::Mixed | Mode::Required => {
                assert_eq!(expect::dpop_ok(&reply, &env.key)["sub"], "user_123");
            }
            Mode::Disabled => {
                assert_bare_400(&reply, mode);
                assert_no_fetch(&env);
            }
        }
    }
}

#[tokio::test]
async fn dpop_without_dpop_header() {
    for mode in MODES {
        let env = site(mode);
        let token = env.bound_token();
        let reply = env
            .send(
                env.request("GET", "/test")
                    .header("Authorization", format!("DPoP {token}")),
            )
            .await;
        assert_bare_400(&reply, mode);
        assert_no_fetch(&env);
    }
}

#[tokio::test]
async fn dpop_unbound_token_with_valid_proof() {
    for mode in MODES {
        let env = site(mode);
        let token = env.issuer().token().sign();
        let reply = valid_dpop(&env, &token).await;
        match mode {
            Mode::Disabled => {
                assert_bare_400(&reply, mode);
                assert_no_fetch(&env);
            }
            _ => assert_dpop_scheme_error(&reply, mode, 401, "invalid_token", NO_JKT),
        }
        // By truthiness (§3.1 step 7): a falsy cnf is no confirmation claim, a truthy cnf
        // that is not an object a format error, and a truthy non-string jkt never matches.
        let cases = [
            (json!({}), NO_JKT),
            (json!(""), NO_JKT),
            (json!(0), NO_JKT),
            (json!(false), NO_JKT),
            (json!([]), NO_JKT),
            (json!("abc"), BAD_CNF_FORMAT),
            (json!(5), BAD_CNF_FORMAT),
            (json!({ "jkt": 123 }), MISMATCH),
        ];
        for (cnf, description) in cases {
            let token = env.issuer().token().claim("cnf", cnf).sign();
            let reply = valid_dpop(&env, &token).await;
            match mode {
                Mode::Disabled => assert_bare_400(&reply, mode),
                _ => assert_dpop_scheme_error(&reply, mode, 401, "invalid_token", description),
            }
        }
    }
}

#[tokio::test]
async fn dpop_jkt_mismatch() {
    for mode in MODES {
        let env = site(mode);
        let token = env.issuer().token().bound_to(&DpopKey::generate()).sign();
        let reply = valid_dpop(&env, &token).await;
        match mode {
            Mode::Disabled => {
                assert_bare_400(&reply, mode);
                assert_no_fetch(&env);
            }
            _ => assert_dpop_scheme_error(&reply, mode, 401, "invalid_token", MISMATCH),
        }
    }
}

#[tokio::test]
async fn dpop_bad_proof() {
    for mode in MODES {
        let env = site(mode);
        let token = env.bound_token();
        let a = env.proof("GET", "/test", &token).sign();
        let cases = [
            (
                "invalid.jwt.proof".to_owned(),
                "Failed to verify DPoP proof",
            ),
            (format!("{a}, {a}"), "Multiple DPoP proofs are not allowed"),
            (
                env.proof("POST", "/test", &token).sign(),
                "DPoP Proof htm mismatch",
            ),
            (
                env.proof("GET", "/wrong-url", &token).sign(),
                "DPoP Proof htu mismatch",
            ),
            (
                env.proof("GET", "/test", &token)
                    .header("typ", "JWT")
                    .sign(),
                "Unexpected JWT 'typ' header parameter value",
            ),
            (
                env.proof("GET", "/test", &token).iat(now() - 3600).sign(),
                "DPoP Proof iat is too old",
            ),
        ];
        for (proof, description) in cases {
            let reply = env.dpop("GET", "/test", &token, &proof).await;
            match mode {
                Mode::Disabled => assert_bare_400(&reply, mode),
                _ => assert_dpop_scheme_error(&reply, mode, 400, "invalid_dpop_proof", description),
            }
        }
        // Two DPoP fields (D5) as well.
        let req = env
            .request("GET", "/test")
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", a.clone())
            .header("DPoP", a);
        let reply = env.send(req).await;
        match mode {
            Mode::Disabled => {
                assert_bare_400(&reply, mode);
                assert_no_fetch(&env);
            }
            _ => assert_dpop_scheme_error(
                &reply,
                mode,
                400,
                "invalid_dpop_proof",
                "Multiple DPoP proofs are not allowed",
            ),
        }
    }
}

/// Token errors on each scheme, where each mode lets them happen (§4.3: "any other error").
#[tokio::test]
async fn token_errors_carry_the_challenge_of_the_scheme_used() {
    for mode in MODES {
        let env = site(mode);
        let expired = env
            .issuer()
            .token()
            .bound_to(&env.key)
            .expires_at(now() - 10)
            .sign();
        let dpop_reply = valid_dpop(&env, &expired).await;
        let unbound_expired = env.issuer().token().expires_at(now() - 10).sign();
        let bearer_reply = env.bearer(&unbound_expired).await;
        let expired_text = "Token is expired";
        match mode {
            Mode::Mixed => {
                assert_dpop_scheme_error(&dpop_reply, mode, 401, "invalid_token", expired_text);
                expect::invalid_token(&bearer_reply, expired_text);
            }
            Mode::Required => {
                assert_dpop_scheme_error(&dpop_reply, mode, 401, "invalid_token", expired_text);
                assert_bare_400(&bearer_reply, mode);
            }
            Mode::Disabled => {
                assert_bare_400(&dpop_reply, mode);
                expect::error_with_challenge(
                    &bearer_reply,
                    401,
                    "invalid_token",
                    expired_text,
                    &disabled_bearer("invalid_token", expired_text),
                );
            }
        }
    }
}

/// The last row of §3.6: the reference accepts `dpop_enabled=False, dpop_required=True` and then
/// fails every request; we refuse the configuration (D15).
#[tokio::test]
async fn disabled_and_required_is_refused_at_build_time() {
    let issuer = auth0_actix::testing::LocalIssuer::start();
    let results = [
        issuer
            .auth0_builder()
            .dpop_enabled(false)
            .dpop_required(true)
            .build(),
        issuer
            .auth0_builder()
            .dpop_required(true)
            .dpop_enabled(false)
            .build(),
    ];
    for result in results {
        match result {
            Err(ConfigError::Conflict(message)) => {
                assert!(
                    message.contains("dpop_required(true) contradicts dpop_enabled(false)"),
                    "{message}"
                );
            }
            other => panic!(
                "expected a conflict, got {:?}",
                other.map(|a| a.dpop_mode())
            ),
        }
    }
    // The three valid combinations build, with the mode they name.
    use auth0_actix::DpopMode;
    for (enabled, required, mode) in [
        (true, false, DpopMode::Allowed),
        (true, true, DpopMode::Required),
        (false, false, DpopMode::Disabled),
    ] {
        let auth0 = issuer
            .auth0_builder()
            .dpop_enabled(enabled)
            .dpop_required(required)
            .build()
            .expect("a valid configuration");
        assert_eq!(auth0.dpop_mode(), mode);
    }
}

// ---------------------------------------------------------------------------------------------
// The reference's mode tests (docs/compatibility.md §6.3), ported

#[tokio::test]
async fn test_dpop_required_mode_rejects_bearer() {
    let env = site(Mode::Required);
    let reply = env.bearer(&env.issuer().token().sign()).await;
    expect::invalid_request(&reply, "", REQUIRED_BARE);
    assert_no_fetch(&env);
}

#[tokio::test]
async fn test_dpop_required_mode_accepts_dpop() {
    let env = site(Mode::Required);
    let token = env.bound_token();
    expect::dpop_ok(&valid_dpop(&env, &token).await, &env.key);
}

#[tokio::test]
async fn test_dpop_disabled_mode_rejects_dpop() {
    let env = site(Mode::Disabled);
    let token = env.bound_token();
    expect::invalid_request(&valid_dpop(&env, &token).await, "", DISABLED_BARE);
}

#[tokio::test]
async fn test_bearer_only_mode_accepts_bearer() {
    let env = site(Mode::Disabled);
    let reply = env
        .bearer(&env.issuer().token().subject("user_123").sign())
        .await;
    assert_eq!(expect::bearer_ok(&reply)["sub"], "user_123");
}

#[tokio::test]
async fn test_dpop_bound_token_with_bearer_scheme_fails() {
    let env = site(Mode::Mixed);
    let reply = env.bearer(&env.bound_token()).await;
    expect::invalid_token(&reply, BOUND_AS_BEARER);
    assert!(reply.description().to_lowercase().contains("dpop"));
}

// ---------------------------------------------------------------------------------------------
// The reference's `verify_request` tests (docs/compatibility.md §6.7), ported to HTTP

#[tokio::test]
async fn test_verify_request_bearer_scheme_success() {
    let env = site(Mode::Mixed);
    let claims = expect::bearer_ok(
        &env.bearer(&env.issuer().token().subject("user_123").sign())
            .await,
    );
    assert_eq!(claims["sub"], "user_123");
    assert_eq!(claims["aud"], env.issuer().audience());
    assert_eq!(claims["iss"], env.issuer().issuer());
}

#[tokio::test]
async fn test_verify_request_dpop_scheme_success() {
    let env = site(Mode::Mixed);
    let claims = expect::dpop_ok(&valid_dpop(&env, &env.bound_token()).await, &env.key);
    assert_eq!(claims["sub"], "user_123");
    assert_eq!(claims["aud"], env.issuer().audience());
    assert_eq!(claims["iss"], env.issuer().issuer());
}

/// Header names as written on the wire, in any case.
#[tokio::test]
async fn test_verify_request_header_normalization() {
    let env = site(Mode::Mixed);
    let token = env.issuer().token().subject("user_123").sign();
    let host = env.app.url.trim_start_matches("http://").to_owned();
    for name in [
        "Authorization",
        "AUTHORIZATION",
        "authorization",
        "aUtHoRiZaTiOn",
    ] {
        let reply = e2e_support::raw_request(
            &env.app,
            &format!("GET /test HTTP/1.1\r\nHost: {host}\r\n{name}: Bearer {token}"),
        );
        assert_eq!(expect::bearer_ok(&reply)["sub"], "user_123", "{name}");
    }
}

#[tokio::test]
async fn test_verify_request_dpop_header_case_insensitive() {
    let env = site(Mode::Mixed);
    let token = env.bound_token();
    let host = env.app.url.trim_start_matches("http://").to_owned();
    for name in ["DPoP", "dpop", "DPOP", "Dpop"] {
        let proof = env.proof("GET", "/test", &token).sign();
        let reply = e2e_support::raw_request(
            &env.app,
            &format!("GET /test HTTP/1.1\r\nHost: {host}\r\nAuthorization: DPoP {token}\r\n{name}: {proof}"),
        );
        assert_eq!(
            expect::dpop_ok(&reply, &env.key)["sub"],
            "user_123",
            "{name}"
        );
    }
    // Two fields whose names differ only in case are still two fields (D5).
    let (a, b) = (
        env.proof("GET", "/test", &token).sign(),
        env.proof("GET", "/test", &token).sign(),
    );
    let reply = e2e_support::raw_request(
        &env.app,
        &format!("GET /test HTTP/1.1\r\nHost: {host}\r\nAuthorization: DPoP {token}\r\nDPoP: {a}\r\ndpop: {b}"),
    );
    assert_dpop_scheme_error(
        &reply,
        Mode::Mixed,
        400,
        "invalid_dpop_proof",
        "Multiple DPoP proofs are not allowed",
    );
}

#[tokio::test]
async fn test_verify_request_fail_dpop_required_mode() {
    let env = site(Mode::Required);
    let reply = env.bearer(&env.issuer().token().sign()).await;
    expect::invalid_request(&reply, "", REQUIRED_BARE);
}

#[tokio::test]
async fn test_verify_request_fail_dpop_enabled_bearer_with_cnf_conflict() {
    let env = site(Mode::Mixed);
    let reply = env.bearer(&env.bound_token()).await;
    expect::invalid_token(&reply, BOUND_AS_BEARER);
    assert_eq!(
        reply.description().to_lowercase(),
        "dpop-bound token requires the dpop authentication scheme, not bearer"
    );
}

#[tokio::test]
async fn test_verify_request_fail_dpop_disabled() {
    let env = site(Mode::Disabled);
    let token = env.bound_token();
    expect::invalid_request(&valid_dpop(&env, &token).await, "", DISABLED_BARE);
}

#[tokio::test]
async fn test_verify_request_fail_missing_authorization_header() {
    let env = site(Mode::Mixed);
    expect::invalid_request(&env.send(env.request("GET", "/test")).await, "", MIXED_BARE);
}

#[tokio::test]
async fn test_verify_request_fail_unsupported_scheme() {
    let env = site(Mode::Mixed);
    let req = env
        .request("GET", "/test")
        .header("Authorization", "Basic dXNlcjpwYXNz");
    expect::invalid_request(&env.send(req).await, "", MIXED_BARE);
}

#[tokio::test]
async fn test_verify_request_fail_empty_bearer_token() {
    let env = site(Mode::Mixed);
    let host = env.app.url.trim_start_matches("http://").to_owned();
    for value in ["Bearer ", "Bearer", "Bearer \t "] {
        let reply = e2e_support::raw_request(
            &env.app,
            &format!("GET /test HTTP/1.1\r\nHost: {host}\r\nAuthorization: {value}"),
        );
        expect::invalid_request(&reply, "", MIXED_BARE);
    }
    assert_no_fetch(&env);
}

#[tokio::test]
async fn test_verify_request_with_multiple_spaces_in_authorization() {
    let env = site(Mode::Mixed);
    let req = env
        .request("GET", "/test")
        .header("Authorization", "Bearer  token  with  extra  spaces");
    let description =
        "Failed to parse token header: Invalid token format: expected 3 segments, got 1";
    expect::invalid_token(&env.send(req).await, description);
    // Multiple spaces before a real token are accepted; text after it stays in the token.
    let token = env.issuer().token().subject("user_123").sign();
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("Bearer   {token}"));
    expect::bearer_ok(&env.send(req).await);
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("Bearer {token} extra"));
    let reply = env.send(req).await;
    assert_eq!(
        (reply.status, reply.error()),
        (401, "invalid_token"),
        "{reply:?}"
    );
}

#[tokio::test]
async fn test_verify_request_fail_missing_dpop_header() {
    let env = site(Mode::Mixed);
    let token = env.bound_token();
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {token}"));
    expect::invalid_request(&env.send(req).await, "", MIXED_BARE);
}

#[tokio::test]
async fn test_verify_request_fail_multiple_dpop_proofs() {
    let env = site(Mode::Mixed);
    let token = env.bound_token();
    let reply = env.dpop("GET", "/test", &token, "proof1, proof2").await;
    assert_dpop_scheme_error(
        &reply,
        Mode::Mixed,
        400,
        "invalid_dpop_proof",
        "Multiple DPoP proofs are not allowed",
    );
    assert_no_fetch(&env);
}

#[tokio::test]
async fn test_verify_request_dpop_required_mismatch_dpop_required_bearer_rejected() {
    let env = site(Mode::Required);
    let req = env
        .request("GET", "/test")
        .header("Authorization", "Bearer token");
    expect::invalid_request(&env.send(req).await, "", REQUIRED_BARE);
    assert_no_fetch(&env);
}

#[tokio::test]
async fn test_verify_request_dpop_required_mismatch_dpop_required_missing_dpop_header() {
    let env = site(Mode::Required);
    let req = env
        .request("GET", "/test")
        .header("Authorization", "DPoP token");
    expect::invalid_request(&env.send(req).await, "", REQUIRED_BARE);
    assert_no_fetch(&env);
}
