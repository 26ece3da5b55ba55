//! Bearer authentication end to end: `Authorization` parsing (docs/compatibility.md §2.1), every
//! check of access-token verification in the reference's order with its exact `error_description`
//! (§2.2), and the differences that harden it (D1 `nbf`, D2 wrong JSON types, D4 non-string
//! `scope`, D6 two `Authorization` fields, D9 escaping of reflected values). Real HTTP, a real
//! local issuer; tests named `test_*` port the reference test of that name (§6.1, §6.7).

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use auth0_actix::testing::{malformed, LocalIssuer};
use auth0_actix::{require_auth, Auth0Builder, Claims};
use e2e_support::www::MIXED_BARE;
use e2e_support::{expect, now, Api, ApiBuilder, Reply};
use reqwest::header::{HeaderValue, AUTHORIZATION};
use serde_json::{json, Value};

#[get("/test")]
#[require_auth]
async fn private(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "sub": claims.sub,
        "iss": claims.iss,
        "act": claims.get("act"),
        "actor": claims.current_actor().ok(),
        "chain": claims.delegation_chain().ok(),
    }))
}

#[get("/messages")]
#[require_auth(scopes = "read:messages")]
async fn messages() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "messages": ["hello"] }))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(private).service(messages);
}

/// An issuer and an app protected by it (`/test` any valid token, `/messages` a scope).
fn app() -> ApiBuilder {
    Api::builder().routes(routes)
}

/// [`app`] in mixed DPoP mode, the default configuration.
fn env() -> Api {
    app().start()
}

/// [`app`] with its configuration changed by `configure`.
fn env_with(configure: impl FnOnce(Auth0Builder) -> Auth0Builder + 'static) -> Api {
    app().configure(configure).start()
}

/// `GET /test` with this exact `Authorization` value.
async fn authorization(env: &Api, value: HeaderValue) -> Reply {
    env.send(env.request("GET", "/test").header(AUTHORIZATION, value))
        .await
}

/// 400 `invalid_request` with an empty description and the bare mixed-mode challenges.
#[track_caller]
fn assert_bare_invalid_request(reply: &Reply) {
    expect::invalid_request(reply, "", MIXED_BARE);
}

#[track_caller]
fn assert_ok_for(reply: &Reply, sub: &str) {
    assert_eq!(expect::ok(reply)["sub"], sub, "{reply:?}");
}

// ------------------------------------------------------------------------------------------
// §2.1 Authorization parsing

#[tokio::test]
async fn test_missing_authorization_header() {
    let env = env();
    assert_bare_invalid_request(&env.get("/test", &[]).await);
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

#[tokio::test]
async fn test_verify_request_fail_missing_authorization_header() {
    let env = env();
    let reply = env.get("/test", &[]).await;
    expect::error(&reply, 400, "invalid_request", "");
}

#[tokio::test]
async fn test_verify_request_fail_missing_authorization_header_empty_value() {
    let env = env();
    assert_bare_invalid_request(&authorization(&env, HeaderValue::from_static("")).await);
}

#[tokio::test]
async fn scheme_alone_or_with_blank_token_is_a_400() {
    let env = env();
    for value in ["Bearer", "Bearer ", "Bearer   ", "bearer\t", "BEARER"] {
        let reply = authorization(&env, HeaderValue::from_static(value)).await;
        assert_bare_invalid_request(&reply);
    }
}

#[tokio::test]
async fn test_verify_request_fail_empty_bearer_token() {
    let env = env();
    assert_bare_invalid_request(&authorization(&env, HeaderValue::from_static("Bearer ")).await);
}

#[tokio::test]
async fn test_verify_request_fail_unsupported_scheme() {
    let env = env();
    let token = env.issuer().token().sign();
    for value in [
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("Token {token}"),
        format!("Digest {token}"),
        format!("Bearer{token}"),
        format!("Bearer-{token}"),
    ] {
        let reply = authorization(&env, HeaderValue::from_str(&value).unwrap()).await;
        assert_bare_invalid_request(&reply);
    }
    assert_eq!(
        env.issuer().discovery_fetches(),
        0,
        "unknown schemes never reach verification"
    );
}

#[tokio::test]
async fn non_ascii_authorization_bytes_are_a_400_not_a_500() {
    let env = env();
    let reply = authorization(
        &env,
        HeaderValue::from_bytes(b"Bearer \xff\xfe.abc.def").unwrap(),
    )
    .await;
    assert_bare_invalid_request(&reply);
}

#[tokio::test]
async fn scheme_is_case_insensitive() {
    let env = env();
    let token = env.issuer().token().subject("user_case").sign();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let value = HeaderValue::from_str(&format!("{scheme} {token}")).unwrap();
        assert_ok_for(&authorization(&env, value).await, "user_case");
    }
}

#[tokio::test]
async fn whitespace_between_scheme_and_token_is_any_run_of_spaces_or_tabs() {
    let env = env();
    let token = env.issuer().token().subject("user_ws").sign();
    for sep in ["  ", "     ", "\t", " \t ", "\t\t"] {
        let value = HeaderValue::from_str(&format!("Bearer{sep}{token}")).unwrap();
        assert_ok_for(&authorization(&env, value).await, "user_ws");
    }
}

#[tokio::test]
async fn trailing_text_after_the_token_stays_in_the_token() {
    let env = env();
    let token = env.issuer().token().sign();
    let value = HeaderValue::from_str(&format!("Bearer {token} extra")).unwrap();
    expect::invalid_token(
        &authorization(&env, value).await,
        "Signature verification failed: signature is not valid base64url",
    );
}

#[tokio::test]
async fn test_verify_request_with_multiple_spaces_in_authorization() {
    let env = env();
    let value = HeaderValue::from_static("Bearer  token  with  extra  spaces");
    expect::invalid_token(
        &authorization(&env, value).await,
        "Failed to parse token header: Invalid token format: expected 3 segments, got 1",
    );
}

#[tokio::test]
async fn test_verify_request_header_normalization() {
    let env = env();
    let token = env.issuer().token().sign();
    // Field names are case-insensitive; send the capitalised form explicitly.
    let reply = env
        .send(
            env.request("GET", "/test")
                .header("Authorization", format!("Bearer {token}")),
        )
        .await;
    assert_ok_for(&reply, "user_123");
}

/// D6: `Authorization` is a singleton field; two of them are ambiguous, so a 400.
#[tokio::test]
async fn two_authorization_fields_are_a_400() {
    let env = env();
    let good = env.issuer().token().sign();
    for (first, second) in [
        (format!("Bearer {good}"), format!("Bearer {good}")),
        (format!("Bearer {good}"), "Bearer garbage".to_owned()),
        ("Basic dXNlcjpwYXNz".to_owned(), format!("Bearer {good}")),
    ] {
        let reply = env
            .send(
                env.request("GET", "/test")
                    .header(AUTHORIZATION, first)
                    .header(AUTHORIZATION, second),
            )
            .await;
        expect::error(
            &reply,
            400,
            "invalid_request",
            "Multiple Authorization header fields are not allowed",
        );
        assert_eq!(
            reply.challenge(),
            "Bearer error=\"invalid_request\", error_description=\"Multiple Authorization header \
             fields are not allowed\", DPoP algs=\"ES256\""
        );
    }
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

// ------------------------------------------------------------------------------------------
// §2.2 success and the claims handed to the handler

#[tokio::test]
async fn test_valid_bearer_token_authentication() {
    let env = env();
    let reply = env.bearer(&env.issuer().token().sign()).await;
    assert_ok_for(&reply, "user_123");
}

#[tokio::test]
async fn test_verify_request_bearer_scheme_success() {
    let env = env();
    let reply = env.bearer(&env.issuer().token().sign()).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["sub"], "user_123");
    assert_eq!(body["iss"], env.issuer().issuer());
}

#[tokio::test]
async fn test_verify_access_token_successfully() {
    let env = env();
    let token = env.issuer().token().subject("user_123").sign();
    assert_ok_for(&env.bearer(&token).await, "user_123");
    assert_eq!(env.issuer().discovery_fetches(), 1);
    assert_eq!(env.issuer().jwks_fetches(), 1);
}

#[tokio::test]
async fn test_verify_access_token_preserves_act_claim() {
    let env = env();
    let act = json!({"sub": "agent_2", "act": {"sub": "agent_1"}});
    let reply = env
        .bearer(&env.issuer().token().claim("act", &act).sign())
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["act"], act);
}

// ------------------------------------------------------------------------------------------
// §2.2 step 2: the header segment, and payload decoding

#[tokio::test]
async fn test_verify_access_token_fail_malformed_token() {
    let env = env();
    expect::invalid_token(
        &env.bearer(&malformed::two_segments()).await,
        "Failed to parse token header: Invalid token format: expected 3 segments, got 2",
    );
    let header = env.issuer().token().sign();
    let header = header.split('.').next().unwrap();
    expect::invalid_token(
        &env.bearer(&format!("{header}.pay!load.signature")).await,
        "Failed to parse token payload: payload is not valid base64url",
    );
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

#[tokio::test]
async fn malformed_tokens_are_401_with_the_exact_reason() {
    let env = env();
    let cases: [(String, &str); 16] = [
        (
            malformed::not_a_jwt(),
            "Failed to parse token header: Invalid token format: expected 3 segments, got 1",
        ),
        (
            malformed::two_segments(),
            "Failed to parse token header: Invalid token format: expected 3 segments, got 2",
        ),
        (
            malformed::four_segments(),
            "Failed to parse token header: Invalid token format: expected 3 segments, got 4",
        ),
        (
            malformed::five_segments(),
            "Failed to parse token header: Invalid token format: expected 3 segments, got 5",
        ),
        (
            malformed::empty_segments(),
            "Failed to parse token header: header is not valid JSON",
        ),
        (
            malformed::bad_base64_header(),
            "Failed to parse token header: header is not valid base64url",
        ),
        (
            malformed::non_json_header(),
            "Failed to parse token header: header is not valid JSON",
        ),
        (
            malformed::non_utf8_header(),
            "Failed to parse token header: header is not valid JSON",
        ),
        (
            malformed::json_array_header(),
            "Failed to parse token header: header is not a JSON object",
        ),
        (
            malformed::non_string_alg(),
            "Failed to parse token header: 'alg' must be a string",
        ),
        (
            malformed::missing_alg(),
            "Signature verification failed: token header has no 'alg'",
        ),
        (
            malformed::bad_base64_payload(),
            "Failed to parse token payload: payload is not valid base64url",
        ),
        (
            malformed::non_json_payload(),
            "Failed to parse token payload: payload is not valid JSON",
        ),
        (
            malformed::json_array_payload(),
            "Failed to parse token payload: payload is not a JSON object",
        ),
        (
            malformed::with_whitespace(),
            "Failed to parse token payload: payload is not valid base64url",
        ),
        (
            malformed::oversized(16 * 1024), // the documented limit (README, D20)
            "Failed to parse token header: token is larger than 16384 bytes",
        ),
    ];
    for (token, description) in &cases {
        expect::invalid_token(&env.bearer(token).await, description);
    }
    assert_eq!(
        env.issuer().discovery_fetches(),
        0,
        "no token that fails to parse causes network I/O"
    );
}

#[tokio::test]
async fn malformed_tokens_that_parse_fail_later_in_order() {
    let env = env();
    // These decode fine; their fixed `iss` (https://127.0.0.1/) is not our issuer.
    for token in [
        malformed::bad_base64_signature(),
        malformed::padded_base64(),
    ] {
        expect::invalid_token(
            &env.bearer(&token).await,
            "Token issuer does not match the discovery issuer",
        );
    }
    // With our issuer, a signature that is not base64url fails at the signature step.
    let good = env.issuer().token().sign();
    expect::invalid_token(
        &env.bearer(&format!("{good}$$")).await,
        "Signature verification failed: signature is not valid base64url",
    );
}

#[tokio::test]
async fn every_fixed_malformed_token_is_rejected_never_a_500() {
    let env = env();
    for token in malformed::all() {
        let reply = authorization(
            &env,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        )
        .await;
        // The empty token is a missing one (400); every other one is an invalid token.
        if token.is_empty() {
            assert_bare_invalid_request(&reply);
        } else {
            assert_eq!(reply.status, 401, "{token}: {reply:?}");
            assert_eq!(reply.json()["detail"]["error"], "invalid_token");
        }
    }
}

// ------------------------------------------------------------------------------------------
// §2.2 step 3: algorithms, before any network I/O

const SYMMETRIC_HS256: &str = "Symmetric algorithm 'HS256' is not supported. Only asymmetric \
                               algorithms (e.g., RS256) are allowed.";

#[tokio::test]
async fn hs256_tokens_are_rejected_before_any_fetch() {
    let env = env();
    let secret = env.issuer().token().hs256_with_secret(b"a shared secret");
    expect::invalid_token(&env.bearer(&secret).await, SYMMETRIC_HS256);
    assert_eq!(env.issuer().discovery_fetches(), 0);
    assert_eq!(env.issuer().jwks_fetches(), 0);
}

#[tokio::test]
async fn hs256_keyed_with_the_public_key_is_rejected() {
    let env = env();
    let key = env.issuer().signing_key();
    let pem = env
        .issuer()
        .token()
        .hs256_with_secret(key.public_key_pem().as_bytes());
    let der = env
        .issuer()
        .token()
        .hs256_with_secret(&key.public_key_der());
    expect::invalid_token(&env.bearer(&pem).await, SYMMETRIC_HS256);
    expect::invalid_token(&env.bearer(&der).await, SYMMETRIC_HS256);
    // Even with the keys cached, the confusion never reaches a key.
    assert_eq!(env.bearer(&env.issuer().token().sign()).await.status, 200);
    expect::invalid_token(&env.bearer(&pem).await, SYMMETRIC_HS256);
}

#[tokio::test]
async fn any_hs_family_alg_is_the_symmetric_error() {
    let env = env();
    for alg in ["HS384", "HS512", "HS1"] {
        let token = env.issuer().token().header("alg", alg).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            &format!(
                "Symmetric algorithm '{alg}' is not supported. Only asymmetric algorithms \
                 (e.g., RS256) are allowed."
            ),
        );
    }
}

#[tokio::test]
async fn alg_none_is_rejected_before_any_fetch() {
    let env = env();
    expect::invalid_token(
        &env.bearer(&env.issuer().token().unsigned_alg_none()).await,
        "Signature verification failed: unsupported_algorithm: 'none' is not allowed",
    );
    // The same with a signature left on.
    let forged = env.issuer().token().header("alg", "none").sign();
    expect::invalid_token(
        &env.bearer(&forged).await,
        "Signature verification failed: unsupported_algorithm: 'none' is not allowed",
    );
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

#[tokio::test]
async fn algorithms_other_than_rs256_are_not_allowed_by_default() {
    let env = env();
    for alg in ["RS384", "RS512", "PS256", "ES256", "EdDSA", "rs256", "XYZ"] {
        let token = env.issuer().token().header("alg", alg).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            &format!(
                "Signature verification failed: unsupported_algorithm: '{alg}' is not allowed"
            ),
        );
    }
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

// ------------------------------------------------------------------------------------------
// §2.2 steps 5–6: iss, before any network I/O

#[tokio::test]
async fn test_missing_issuer_claim() {
    let env = env();
    let reply = env
        .bearer(&env.issuer().token().remove_claim("iss").sign())
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["detail"]["error"], "invalid_token");
}

#[tokio::test]
async fn test_verify_access_token_fail_no_iss() {
    let env = env();
    for token in [
        env.issuer().token().remove_claim("iss").sign(),
        env.issuer().token().issuer("").sign(),
        env.issuer().token().claim("iss", Value::Null).sign(),
    ] {
        expect::invalid_token(&env.bearer(&token).await, "Token missing 'iss' claim");
    }
    assert_eq!(
        env.issuer().discovery_fetches(),
        0,
        "no HTTP for a token without iss"
    );
}

#[tokio::test]
async fn malformed_issuers_are_rejected_before_any_fetch() {
    let env = env();
    let port = env.issuer().port();
    let cases = [
        (
            format!("http://127.0.0.1:{port}/"),
            "Invalid token issuer format: invalid domain URL (https required)",
        ),
        (
            "http://evil.com".to_owned(),
            "Invalid token issuer format: invalid domain URL (https required)",
        ),
        (
            format!("https://127.0.0.1:{port}/tenant"),
            "Invalid token issuer format: invalid domain URL (path/query/fragment are not allowed)",
        ),
        (
            format!("https://127.0.0.1:{port}/?x=1"),
            "Invalid token issuer format: invalid domain URL (path/query/fragment are not allowed)",
        ),
        (
            format!("https://user:pw@127.0.0.1:{port}/"),
            "Invalid token issuer format: invalid domain URL (credentials are not allowed)",
        ),
        (
            "   ".to_owned(),
            "Invalid token issuer format: domain must be a non-empty string",
        ),
    ];
    for (iss, description) in &cases {
        let token = env.issuer().token().issuer(iss).sign();
        expect::invalid_token(&env.bearer(&token).await, description);
    }
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

#[tokio::test]
async fn test_invalid_issuer_claim() {
    let env = env();
    let reply = env
        .bearer(
            &env.issuer()
                .token()
                .issuer("https://invalid-issuer.local")
                .sign(),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["detail"]["error"], "invalid_token");
}

#[tokio::test]
async fn test_verify_access_token_fail_invalid_iss() {
    let env = env();
    let token = env
        .issuer()
        .token()
        .issuer("https://invalid-issuer.local")
        .sign();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Token issuer does not match the discovery issuer",
    );
    // Single-domain mode: discovery of the configured domain, then the mismatch; no JWKS.
    assert_eq!(env.issuer().discovery_fetches(), 1);
    assert_eq!(env.issuer().jwks_fetches(), 0);
}

#[tokio::test]
async fn a_token_from_another_local_issuer_is_rejected() {
    let env = env();
    let other = LocalIssuer::start();
    let token = other.token().audience(env.issuer().audience()).sign();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Token issuer does not match the discovery issuer",
    );
    assert_eq!(
        other.discovery_fetches(),
        0,
        "never fetched from the token's issuer"
    );
}

/// §2.2 step 15 (the reference's test_mcd_second_issuer_validation, single-domain here): the
/// normalised issuers agree, but the raw `iss` must equal the discovery `issuer` exactly.
#[tokio::test]
async fn verified_issuer_must_match_discovery_exactly() {
    let env = env();
    let port = env.issuer().port();
    for iss in [
        format!("https://127.0.0.1:{port}"),
        format!("https://127.0.0.1:{port}//"),
        format!("HTTPS://127.0.0.1:{port}/"),
        format!("127.0.0.1:{port}"),
    ] {
        let token = env.issuer().token().issuer(&iss).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            "Verified Token issuer does not match the discovery issuer",
        );
    }
}

// ------------------------------------------------------------------------------------------
// §2.2 steps 12–14: kid, key, signature

#[tokio::test]
async fn missing_kid() {
    let env = env();
    let token = env.issuer().token().remove_header("kid").sign();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Token header missing 'kid' claim",
    );
    let token = env.issuer().token().header("kid", Value::Null).sign();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Token header missing 'kid' claim",
    );
}

#[tokio::test]
async fn unknown_kid() {
    let env = env();
    let token = env.issuer().token().kid("no-such-key").sign();
    expect::invalid_token(&env.bearer(&token).await, "No matching key found in JWKS");
    // An unpublished key with its own kid: the same.
    let unpublished = env.issuer().generate_key("key-2");
    let token = env.issuer().token().signed_with(&unpublished).sign();
    expect::invalid_token(&env.bearer(&token).await, "No matching key found in JWKS");
}

#[tokio::test]
async fn an_unpublished_key_reusing_a_published_kid_fails_the_signature() {
    let env = env();
    let impostor = env.issuer().generate_key("key-1");
    let token = env.issuer().token().signed_with(&impostor).sign();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Signature verification failed: bad_signature",
    );
}

#[tokio::test]
async fn tampered_payload_fails_the_signature() {
    let env = env();
    expect::invalid_token(
        &env.bearer(&env.issuer().token().tampered()).await,
        "Signature verification failed: bad_signature",
    );
    // A signature from another token of the same key.
    let a = env.issuer().token().subject("a").sign();
    let b = env.issuer().token().subject("b").sign();
    let spliced = format!(
        "{}.{}",
        a.rsplit_once('.').unwrap().0,
        b.rsplit_once('.').unwrap().1
    );
    expect::invalid_token(
        &env.bearer(&spliced).await,
        "Signature verification failed: bad_signature",
    );
    // An empty signature.
    let stripped = format!("{}.", a.rsplit_once('.').unwrap().0);
    expect::invalid_token(
        &env.bearer(&stripped).await,
        "Signature verification failed: bad_signature",
    );
}

#[tokio::test]
async fn a_second_published_key_is_found_by_kid() {
    let env = env();
    let second = env.issuer().generate_key("key-2");
    env.issuer().publish(&second);
    let token = env
        .issuer()
        .token()
        .signed_with(&second)
        .subject("rotated")
        .sign();
    assert_ok_for(&env.bearer(&token).await, "rotated");
    assert_ok_for(&env.bearer(&env.issuer().token().sign()).await, "user_123");
}

// ------------------------------------------------------------------------------------------
// §2.2 step 16: aud

#[tokio::test]
async fn test_verify_access_token_fail_no_aud() {
    let env = env();
    let token = env.issuer().token().remove_claim("aud").sign();
    expect::invalid_token(&env.bearer(&token).await, "Audience mismatch (single aud)");
}

#[tokio::test]
async fn test_verify_access_token_fail_invalid_aud() {
    let env = env();
    let token = env.issuer().token().audience("wrong-aud").sign();
    expect::invalid_token(&env.bearer(&token).await, "Audience mismatch (single aud)");
}

#[tokio::test]
async fn audience_forms() {
    let env = env();
    let ours = env.issuer().audience();
    let ok = [
        json!(ours),
        json!([ours]),
        json!(["https://tenant/userinfo", ours]),
    ];
    for aud in ok {
        let token = env.issuer().token().audience(&aud).sign();
        assert_eq!(env.bearer(&token).await.status, 200, "aud {aud}");
    }
    let single = [
        json!(ours.to_uppercase()),
        json!(format!("{ours}/")),
        json!(""),
        json!(42),
        json!({"aud": ours}),
        Value::Null,
    ];
    for aud in single {
        let token = env.issuer().token().audience(&aud).sign();
        expect::invalid_token(&env.bearer(&token).await, "Audience mismatch (single aud)");
    }
    let array = [json!([]), json!(["other"]), json!([[ours]]), json!([42])];
    for aud in array {
        let token = env.issuer().token().audience(&aud).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            "Audience mismatch (not in token's aud array)",
        );
    }
}

// ------------------------------------------------------------------------------------------
// §2.2 steps 17–18: exp and iat; D1 nbf

#[tokio::test]
async fn test_missing_expiration_claim() {
    let env = env();
    let reply = env
        .bearer(&env.issuer().token().remove_claim("exp").sign())
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["detail"]["error"], "invalid_token");
}

#[tokio::test]
async fn test_verify_access_token_fail_no_exp() {
    let env = env();
    // The reference's text for a missing exp is the expired one (§2.2 step 17).
    let token = env.issuer().token().remove_claim("exp").sign();
    expect::invalid_token(&env.bearer(&token).await, "Token is expired");
}

#[tokio::test]
async fn expired_tokens() {
    let env = env();
    for seconds in [-1, -60, -86_400] {
        let token = env.issuer().token().expires_in(seconds).sign();
        expect::invalid_token(&env.bearer(&token).await, "Token is expired");
    }
}

#[tokio::test]
async fn exp_boundary_is_exclusive_with_zero_leeway() {
    let env = env();
    // now >= exp is expired: an exp of this very second is already expired.
    let token = env.issuer().token().expires_at(now()).sign();
    expect::invalid_token(&env.bearer(&token).await, "Token is expired");
    let token = env.issuer().token().expires_in(30).sign();
    assert_eq!(env.bearer(&token).await.status, 200);
    // Fractional dates are numbers too.
    let token = env
        .issuer()
        .token()
        .claim("exp", now() as f64 + 30.5)
        .sign();
    assert_eq!(env.bearer(&token).await.status, 200);
}

/// The exact boundaries on a manual clock at second `t`: `exp == t` is expired, `nbf == t` is
/// valid; and a token verified once is not kept alive past its `exp` by any cache.
#[tokio::test]
async fn exp_and_nbf_boundaries_to_the_second() {
    let t = now();
    let env = app().clock_at(t).start();
    let token = |exp: i64, nbf: Option<i64>| {
        let b = env.issuer().token().issued_at(t - 10).expires_at(exp);
        match nbf {
            Some(nbf) => b.not_before(nbf).sign(),
            None => b.sign(),
        }
    };
    expect::invalid_token(&env.bearer(&token(t, None)).await, "Token is expired");
    let last_second = token(t + 1, None);
    assert_eq!(env.bearer(&last_second).await.status, 200);
    assert_eq!(env.bearer(&token(t + 60, Some(t))).await.status, 200);
    expect::invalid_token(
        &env.bearer(&token(t + 60, Some(t + 1))).await,
        "Token is not yet valid (nbf is in the future)",
    );
    env.clock().advance(Duration::from_secs(1));
    expect::invalid_token(&env.bearer(&last_second).await, "Token is expired");
    assert_eq!(env.bearer(&token(t + 60, Some(t + 1))).await.status, 200);
}

#[tokio::test]
async fn clock_leeway_boundaries_to_the_second() {
    let t = now();
    let env = app()
        .clock_at(t)
        .configure(|b| b.clock_leeway(Duration::from_secs(5)))
        .start();
    let exp = |exp: i64| env.issuer().token().expires_at(exp).sign();
    let nbf = |nbf: i64| env.issuer().token().not_before(nbf).sign();
    expect::invalid_token(&env.bearer(&exp(t - 5)).await, "Token is expired");
    assert_eq!(env.bearer(&exp(t - 4)).await.status, 200);
    assert_eq!(env.bearer(&nbf(t + 5)).await.status, 200);
    expect::invalid_token(
        &env.bearer(&nbf(t + 6)).await,
        "Token is not yet valid (nbf is in the future)",
    );
}

#[tokio::test]
async fn clock_leeway_widens_exp() {
    let env = env_with(|b| b.clock_leeway(Duration::from_secs(60)));
    let token = env.issuer().token().expires_in(-30).sign();
    assert_eq!(env.bearer(&token).await.status, 200);
    let token = env.issuer().token().expires_in(-90).sign();
    expect::invalid_token(&env.bearer(&token).await, "Token is expired");
}

#[tokio::test]
async fn test_verify_access_token_fail_no_iat() {
    let env = env();
    let token = env.issuer().token().remove_claim("iat").sign();
    expect::invalid_token(&env.bearer(&token).await, "Missing 'iat' claim in token");
}

#[tokio::test]
async fn iat_in_the_future_is_not_checked() {
    let env = env();
    let token = env.issuer().token().issued_at(now() + 3600).sign();
    assert_eq!(env.bearer(&token).await.status, 200);
}

/// D1: RFC 7519 §4.1.5, a token MUST NOT be accepted before `nbf`.
#[tokio::test]
async fn nbf_in_the_future_is_rejected() {
    let env = env();
    for ahead in [60, 3600] {
        let token = env.issuer().token().not_before(now() + ahead).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            "Token is not yet valid (nbf is in the future)",
        );
    }
    for past in [0, -60] {
        let token = env.issuer().token().not_before(now() + past).sign();
        assert_eq!(env.bearer(&token).await.status, 200, "nbf now{past:+}");
    }
    let token = env.issuer().token().claim("nbf", Value::Null).sign();
    assert_eq!(env.bearer(&token).await.status, 200, "a null nbf is no nbf");
}

#[tokio::test]
async fn clock_leeway_widens_nbf() {
    let env = env_with(|b| b.clock_leeway(Duration::from_secs(60)));
    let token = env.issuer().token().not_before(now() + 30).sign();
    assert_eq!(env.bearer(&token).await.status, 200);
    let token = env.issuer().token().not_before(now() + 120).sign();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Token is not yet valid (nbf is in the future)",
    );
}

/// The checks run in the reference's order: the first failing one is reported.
#[tokio::test]
async fn checks_run_in_order() {
    let env = env();
    let t = || env.issuer().token();
    let cases = [
        (
            t().remove_claim("iss").hs256_with_secret(b"s"),
            "the alg wins over a missing iss",
        ),
        (
            t().remove_claim("iss").kid("unknown").sign(),
            "iss wins over kid",
        ),
        (t().kid("unknown").audience("x").sign(), "kid wins over aud"),
        (
            t().audience("x").expires_in(-10).sign(),
            "aud wins over exp",
        ),
        (
            t().expires_in(-10).not_before(now() + 600).sign(),
            "exp wins over nbf",
        ),
        (
            t().not_before(now() + 600).remove_claim("iat").sign(),
            "nbf wins over iat",
        ),
    ];
    let expected = [
        SYMMETRIC_HS256,
        "Token missing 'iss' claim",
        "No matching key found in JWKS",
        "Audience mismatch (single aud)",
        "Token is expired",
        "Token is not yet valid (nbf is in the future)",
    ];
    for ((token, why), description) in cases.iter().zip(expected) {
        let reply = env.bearer(token).await;
        assert_eq!(
            reply.json()["detail"]["error_description"],
            description,
            "{why}"
        );
    }
    // The signature is checked before any claim: a tampered, expired token is a bad signature.
    let token = t().expires_in(-10).audience("x").tampered();
    expect::invalid_token(
        &env.bearer(&token).await,
        "Signature verification failed: bad_signature",
    );
}

// ------------------------------------------------------------------------------------------
// D2: claims of the wrong JSON type are a 401 naming the claim, never a 500

#[tokio::test]
async fn wrong_json_types_in_dates_are_401_naming_the_claim() {
    let env = env();
    for (claim, value) in [
        ("exp", json!("4102444800")),
        ("exp", json!(true)),
        ("exp", json!([1])),
        ("nbf", json!("0")),
        ("nbf", json!({})),
        ("iat", json!("1700000000")),
        ("iat", json!(false)),
    ] {
        let token = env.issuer().token().claim(claim, &value).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            &format!("Invalid '{claim}' claim (must be a number)"),
        );
    }
}

#[tokio::test]
async fn wrong_json_types_in_the_header_are_401_naming_the_member() {
    let env = env();
    for alg in [json!(true), json!(256), json!(["RS256"]), json!({"a": 1})] {
        let token = env.issuer().token().header("alg", &alg).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            "Failed to parse token header: 'alg' must be a string",
        );
    }
    for kid in [json!(true), json!(1), json!(["key-1"])] {
        let token = env.issuer().token().header("kid", &kid).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            "Failed to parse token header: 'kid' must be a string",
        );
    }
    expect::invalid_token(
        &env.bearer(&malformed::json_array_header()).await,
        "Failed to parse token header: header is not a JSON object",
    );
    expect::invalid_token(
        &env.bearer(&malformed::json_array_payload()).await,
        "Failed to parse token payload: payload is not a JSON object",
    );
}

#[tokio::test]
async fn a_non_string_iss_is_401() {
    let env = env();
    for iss in [json!(1), json!(true), json!([env.issuer().issuer()])] {
        let token = env.issuer().token().claim("iss", &iss).sign();
        expect::invalid_token(
            &env.bearer(&token).await,
            "Invalid token issuer format: 'iss' must be a string",
        );
    }
}

#[tokio::test]
async fn odd_but_harmless_claim_types_are_accepted() {
    let env = env();
    // `cnf` that is not an object, or without `jkt`, is a plain Bearer token (§2.1).
    for cnf in [
        json!("x"),
        json!({}),
        json!({"jkt": ""}),
        json!({"x5t#S256": "abc"}),
    ] {
        let token = env.issuer().token().claim("cnf", &cnf).sign();
        assert_eq!(env.bearer(&token).await.status, 200, "cnf {cnf}");
    }
    // sub of another type: the claim is simply not a string.
    let token = env.issuer().token().claim("sub", 42).sign();
    let reply = env.bearer(&token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["sub"], Value::Null);
}

// ------------------------------------------------------------------------------------------
// Scopes: §6.1 test_insufficient_scope, D4

#[tokio::test]
async fn test_insufficient_scope() {
    let env = env();
    let reply = env
        .bearer_at("/messages", &env.issuer().token().scope("invalid").sign())
        .await;
    expect::error(&reply, 403, "insufficient_scope", "Insufficient scopes");
}

/// D4: a `scope` that is not a string grants nothing (403), never a 500.
#[tokio::test]
async fn non_string_scope_is_403_insufficient_scope() {
    let env = env();
    for scope in [
        json!(["read:messages"]),
        json!({"read:messages": true}),
        json!(1),
        json!(true),
    ] {
        let token = env.issuer().token().claim("scope", &scope).sign();
        let reply = env.bearer_at("/messages", &token).await;
        expect::error(&reply, 403, "insufficient_scope", "Insufficient scopes");
        assert_eq!(
            reply.challenge(),
            "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
             scope=\"read:messages\", DPoP algs=\"ES256\""
        );
        // The same token is fine where no scope is needed.
        assert_eq!(env.bearer(&token).await.status, 200);
    }
}

// ------------------------------------------------------------------------------------------
// D9: reflected values are escaped in WWW-Authenticate, never a 500 or an injected header

#[tokio::test]
async fn quotes_and_backslashes_in_a_reflected_alg_are_escaped() {
    let env = env();
    let token = env.issuer().token().header("alg", "HS\"\\x").sign();
    let reply = env.bearer(&token).await;
    let description = "Symmetric algorithm 'HS\"\\x' is not supported. Only asymmetric algorithms \
                       (e.g., RS256) are allowed.";
    expect::error(&reply, 401, "invalid_token", description);
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"invalid_token\", error_description=\"Symmetric algorithm 'HS\\\"\\\\x' is \
         not supported. Only asymmetric algorithms (e.g., RS256) are allowed.\", DPoP \
         algs=\"ES256\""
    );
}

#[tokio::test]
async fn control_and_non_ascii_characters_in_a_reflected_alg_are_replaced() {
    let env = env();
    let token = env
        .issuer()
        .token()
        .header("alg", "HS\r\nX-Injected: 1\u{0}é")
        .sign();
    let reply = env.bearer(&token).await;
    // The JSON body keeps the value (JSON escapes it); the header cannot.
    expect::error(
        &reply,
        401,
        "invalid_token",
        "Symmetric algorithm 'HS\r\nX-Injected: 1\u{0}é' is not supported. Only asymmetric \
         algorithms (e.g., RS256) are allowed.",
    );
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"invalid_token\", error_description=\"Symmetric algorithm \
         'HS??X-Injected: 1??' is not supported. Only asymmetric algorithms (e.g., RS256) are \
         allowed.\", DPoP algs=\"ES256\""
    );
    assert_eq!(reply.header("x-injected"), None);
}

#[tokio::test]
async fn a_reflected_unknown_alg_is_escaped_too() {
    let env = env();
    let token = env
        .issuer()
        .token()
        .header("alg", "RS\"256\\\u{7f}ü")
        .sign();
    let reply = env.bearer(&token).await;
    expect::error(
        &reply,
        401,
        "invalid_token",
        "Signature verification failed: unsupported_algorithm: 'RS\"256\\\u{7f}ü' is not allowed",
    );
    assert_eq!(
        reply.challenge(),
        "Bearer error=\"invalid_token\", error_description=\"Signature verification failed: \
         unsupported_algorithm: 'RS\\\"256\\\\??' is not allowed\", DPoP algs=\"ES256\""
    );
}
