//! Expectations on a [`Reply`], named for what they expect. Each error expectation checks the
//! status, `Content-Type: application/json`, the exact body
//! `{"detail":{"error":…,"error_description":…}}` and, where it names one, the exact (single)
//! `WWW-Authenticate` value.

use auth0_actix::testing::DpopKey;
use serde_json::{json, Value};

use crate::www::{mixed_bearer, mixed_dpop, mixed_insufficient_scope};
use crate::Reply;

/// The library's error response: `status`, JSON, and exactly this `error` and description.
#[track_caller]
pub fn error(reply: &Reply, status: u16, code: &str, description: &str) {
    assert_eq!(reply.status, status, "status: {reply:?}");
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/json"),
        "content type: {reply:?}"
    );
    assert_eq!(
        reply.json(),
        json!({"detail": {"error": code, "error_description": description}}),
        "body: {reply:?}"
    );
}

/// [`error`], with exactly this `WWW-Authenticate` value.
#[track_caller]
pub fn error_with_challenge(
    reply: &Reply,
    status: u16,
    code: &str,
    description: &str,
    challenge: &str,
) {
    error(reply, status, code, description);
    assert_eq!(reply.challenge(), challenge, "challenge: {reply:?}");
}

/// 401 `invalid_token` on the Bearer scheme (mixed mode).
#[track_caller]
pub fn invalid_token(reply: &Reply, description: &str) {
    let challenge = mixed_bearer("invalid_token", description);
    error_with_challenge(reply, 401, "invalid_token", description, &challenge);
}

/// 401 `invalid_token` on the DPoP scheme (mixed mode).
#[track_caller]
pub fn invalid_token_for_dpop(reply: &Reply, description: &str) {
    let challenge = mixed_dpop("invalid_token", description);
    error_with_challenge(reply, 401, "invalid_token", description, &challenge);
}

/// 400 `invalid_dpop_proof` (mixed mode).
#[track_caller]
pub fn invalid_dpop_proof(reply: &Reply, description: &str) {
    let challenge = mixed_dpop("invalid_dpop_proof", description);
    error_with_challenge(reply, 400, "invalid_dpop_proof", description, &challenge);
}

/// 400 `invalid_request` with this description and challenge (for missing or unusable
/// credentials: `""` and the mode's bare challenge, such as `www::MIXED_BARE`).
#[track_caller]
pub fn invalid_request(reply: &Reply, description: &str, challenge: &str) {
    error_with_challenge(reply, 400, "invalid_request", description, challenge);
}

/// 403 `insufficient_scope` naming `scopes` in the Bearer challenge (mixed mode).
#[track_caller]
pub fn insufficient_scope(reply: &Reply, scopes: &str) {
    let challenge = mixed_insufficient_scope(scopes);
    error_with_challenge(
        reply,
        403,
        "insufficient_scope",
        "Insufficient scopes",
        &challenge,
    );
}

/// 500 `internal_server_error`, with no challenge at all.
#[track_caller]
pub fn server_error(reply: &Reply) {
    error(
        reply,
        500,
        "internal_server_error",
        "An unexpected error occurred during authentication",
    );
    assert!(
        reply.challenges.is_empty(),
        "no challenge on a 500: {reply:?}"
    );
}

/// A 200; returns the body as JSON (`Value::Null` when it is not JSON).
#[track_caller]
pub fn ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "expected 200: {reply:?}");
    if reply.is_json() {
        reply.json()
    } else {
        Value::Null
    }
}

/// A 200 from a handler answering `{"route": name, …}`.
#[track_caller]
pub fn route(reply: &Reply, name: &str) {
    assert_eq!(ok(reply)["route"], name, "{reply:?}");
}

/// A 200 from [`echo_authenticated`](crate::echo_authenticated) for a Bearer request; returns
/// the claims.
#[track_caller]
pub fn bearer_ok(reply: &Reply) -> Value {
    let body = ok(reply);
    assert_eq!(body["scheme"], "Bearer", "{reply:?}");
    assert_eq!(body["jkt"], Value::Null, "{reply:?}");
    body["claims"].clone()
}

/// A 200 from [`echo_authenticated`](crate::echo_authenticated) for a DPoP request by `key`;
/// returns the claims.
#[track_caller]
pub fn dpop_ok(reply: &Reply, key: &DpopKey) -> Value {
    let body = ok(reply);
    assert_eq!(body["scheme"], "DPoP", "{reply:?}");
    assert_eq!(body["jkt"], key.thumbprint(), "{reply:?}");
    body["claims"].clone()
}
