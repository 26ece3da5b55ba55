//! What the library logs, read back from a real `tracing` subscriber at TRACE level:
//!
//! - rejected (and accepted) requests carrying an access token and a DPoP proof never put the
//!   token, any of its three segments, or the proof (nor its segments) in the logs;
//! - a handler in an app with no `Auth0` registered answers 500 and logs, at ERROR, how to
//!   register it (`.app_data(auth0.clone())`);
//! - stale-if-error: after an issuer outage outlasts the keys' TTL, a valid token still passes and
//!   a warning says the last good copies are being served.
//!
//! The apps run on their own threads (actix workers), so the subscriber is the global default
//! of this test binary, writing into one shared buffer; the tests take turns (a lock) and each
//! starts from an empty buffer. Time is a `ManualClock`.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use auth0_actix::testing::{malformed, DpopKey, TokenBuilder};
use auth0_actix::{require_auth, Claims};
use e2e_support::{expect, Api, Registration, Reply};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Capturing the logs

/// Everything the global subscriber wrote (plain text, no colours).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The lines holding `needle`.
    fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

/// The buffer of the global subscriber (installed on first use), every target at TRACE.
fn logs() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only global subscriber of this test binary");
        logs
    })
    .clone()
}

/// Serialises the tests of this file (one shared buffer), and hands out the emptied buffer.
async fn exclusive_logs() -> (tokio::sync::MutexGuard<'static, ()>, Logs) {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let turn = TURN.lock().await;
    let logs = logs();
    logs.clear();
    (turn, logs)
}

// ---------------------------------------------------------------------------------------------
// Harness

/// A local issuer and an app trusting it (serving `e2e_support::echo_routes`) on a manual clock.
fn start() -> Api {
    Api::builder()
        .manual_clock()
        .configure(|b| {
            b.cache_ttl(Duration::from_secs(600))
                .max_stale(Duration::from_secs(3600))
        })
        .start()
}

/// A token of the issuer, issued now on the manual clock, valid for an hour, with a `jti` of
/// its own (so that no two tokens are alike).
fn fresh_token(api: &Api) -> TokenBuilder {
    api.mint(api.issuer().token())
}

/// A proof by `key` for `method /test`, issued now on the manual clock, bound to `token`.
fn proof(api: &Api, key: &DpopKey, method: &str, token: &str) -> String {
    api.proof_by(key, method, "/test", token).sign()
}

/// `GET /test` with this `Authorization` value and, if given, this DPoP proof.
async fn get(api: &Api, authorization: &str, proof: Option<&str>) -> Reply {
    let mut request = api
        .request("GET", "/test")
        .header("Authorization", authorization);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    api.send(request).await
}

/// The secrets of a compact JWS: the whole and each of its segments (long enough to be
/// unmistakable).
fn secrets(jws: &str) -> Vec<String> {
    std::iter::once(jws)
        .chain(jws.split('.'))
        .filter(|s| s.len() >= 16)
        .map(str::to_owned)
        .collect()
}

/// Fragments this long of a token or proof must not appear in the logs either (a truncated
/// token is still token contents).
const FRAGMENT: usize = 32;

/// The first secret, or `FRAGMENT`-byte piece of one, that occurs in `text`, with its line.
fn find_leak(text: &str, secrets: &[String]) -> Option<(String, String)> {
    let windows: std::collections::HashSet<&[u8]> = text.as_bytes().windows(FRAGMENT).collect();
    for secret in secrets {
        let hit = if secret.len() < FRAGMENT {
            text.contains(secret.as_str()).then(|| secret.clone())
        } else {
            secret
                .as_bytes()
                .windows(FRAGMENT)
                .find(|w| windows.contains(w))
                .map(|w| String::from_utf8_lossy(w).into_owned())
        };
        if let Some(fragment) = hit {
            let line = text
                .lines()
                .find(|l| l.contains(fragment.as_str()))
                .unwrap_or_default()
                .to_owned();
            return Some((fragment, line));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Tokens and proofs never reach the logs

#[tokio::test]
async fn tokens_and_dpop_proofs_are_never_logged_even_at_trace() {
    let (_turn, logs) = exclusive_logs().await;
    let api = start();
    let key = DpopKey::generate();
    let other_key = DpopKey::generate();
    let mut sent: Vec<String> = Vec::new();
    let mut rejected = 0;

    // (Authorization, DPoP proof, expected status, expected error)
    let bound = fresh_token(&api).bound_to(&key).sign();
    let mut cases: Vec<(String, Option<String>, u16, &str)> = Vec::new();
    // Accepted first: discovery and JWKS are fetched (and traced) with a token in flight.
    cases.push((
        format!("DPoP {bound}"),
        Some(proof(&api, &key, "GET", &bound)),
        200,
        "",
    ));
    // The proof is for another method.
    cases.push((
        format!("DPoP {bound}"),
        Some(proof(&api, &key, "POST", &bound)),
        400,
        "invalid_dpop_proof",
    ));
    // The same (accepted) proof again: a replay.
    let replayed = cases[0].1.clone();
    cases.push((format!("DPoP {bound}"), replayed, 400, "invalid_dpop_proof"));
    // The token's signature is broken (the proof is good for the broken token).
    let (signed, signature) = bound.rsplit_once('.').expect("a JWS");
    let flipped = if signature.as_bytes()[10] == b'A' {
        "B"
    } else {
        "A"
    };
    let tampered = format!("{signed}.{}{flipped}{}", &signature[..10], &signature[11..]);
    cases.push((
        format!("DPoP {tampered}"),
        Some(proof(&api, &key, "GET", &tampered)),
        401,
        "invalid_token",
    ));
    // A proof by another key than the one the token is bound to.
    cases.push((
        format!("DPoP {bound}"),
        Some(proof(&api, &other_key, "GET", &bound)),
        401,
        "invalid_token",
    ));
    // An expired bound token.
    let now = api.now();
    let expired = fresh_token(&api)
        .issued_at(now - 7200)
        .expires_at(now - 3600)
        .bound_to(&key)
        .sign();
    cases.push((
        format!("DPoP {expired}"),
        Some(proof(&api, &key, "GET", &expired)),
        401,
        "invalid_token",
    ));
    // A token signed by a key the JWKS does not have (an unknown kid: a refetch is logged).
    let stranger = api.issuer().generate_key("not-published");
    let unknown = fresh_token(&api)
        .signed_with(&stranger)
        .bound_to(&key)
        .sign();
    cases.push((
        format!("DPoP {unknown}"),
        Some(proof(&api, &key, "GET", &unknown)),
        401,
        "invalid_token",
    ));
    // A garbled proof.
    let garbled = format!("{}x", proof(&api, &key, "GET", &bound));
    cases.push((
        format!("DPoP {bound}"),
        Some(garbled),
        400,
        "invalid_dpop_proof",
    ));
    // The bound token presented as Bearer, with its proof.
    cases.push((
        format!("Bearer {bound}"),
        Some(proof(&api, &key, "GET", &bound)),
        401,
        "invalid_token",
    ));
    // An unbound token as Bearer with a DPoP header beside it.
    let unbound = fresh_token(&api).sign();
    cases.push((
        format!("Bearer {unbound}"),
        Some(proof(&api, &key, "GET", &unbound)),
        400,
        "invalid_request",
    ));
    // Malformed tokens of every kind, with a proof.
    for token in malformed::all() {
        let proof = proof(&api, &key, "GET", &token);
        cases.push((format!("DPoP {token}"), Some(proof), 0, ""));
    }

    for (authorization, proof, status, error) in &cases {
        let reply = get(&api, authorization, proof.as_deref()).await;
        if *status == 0 {
            assert!(reply.status == 400 || reply.status == 401, "{reply:?}");
        } else {
            assert_eq!(reply.status, *status, "{authorization}: {reply:?}");
        }
        if reply.status != 200 {
            rejected += 1;
        }
        if !error.is_empty() {
            assert_eq!(reply.json()["detail"]["error"], *error, "{reply:?}");
        }
        let token = authorization.split_once(' ').map_or("", |(_, t)| t);
        sent.extend(secrets(token));
        if let Some(proof) = proof {
            sent.extend(secrets(proof));
        }
    }

    let text = logs.text();
    // The capture works, at TRACE, and saw these very rejections (so the search below means
    // something): the library's own events are there, by reason.
    assert_eq!(api.auth0.metrics().verified, 1);
    let m = api.auth0.metrics();
    assert_eq!(
        m.rejected_invalid_request + m.rejected_invalid_token + m.rejected_invalid_dpop_proof,
        rejected,
        "{m:?}"
    );
    let rejections = logs.lines_with("request rejected");
    assert_eq!(
        rejections.len() as u64,
        rejected,
        "one rejection event per rejected request:\n{text}"
    );
    for code in ["invalid_token", "invalid_dpop_proof", "invalid_request"] {
        assert!(
            rejections.iter().any(|l| l.contains(code)),
            "no rejection logged as {code}:\n{text}"
        );
    }
    assert!(
        text.lines()
            .any(|l| l.contains("TRACE") && l.contains("auth0_actix")),
        "no TRACE event of the library captured:\n{text}"
    );
    assert!(
        !logs.lines_with("unknown kid").is_empty(),
        "the unknown-kid refetch was not logged:\n{text}"
    );
    if let Some((fragment, line)) = find_leak(&text, &sent) {
        panic!("a piece of a token or proof was logged: {fragment}\nin: {line}");
    }
}

// ---------------------------------------------------------------------------------------------
// No Auth0 registered

#[get("/no-auth0")]
#[require_auth]
async fn no_auth0(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": claims.sub }))
}

#[get("/no-auth0-extractor")]
async fn no_auth0_extractor(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": claims.sub }))
}

#[tokio::test]
async fn a_handler_without_a_registered_auth0_answers_500_and_logs_how_to_register_it() {
    let (_turn, logs) = exclusive_logs().await;
    // An app that never registers an Auth0.
    let api = Api::builder()
        .registration(Registration::Unregistered)
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(no_auth0).service(no_auth0_extractor);
        })
        .start();
    let token = api.issuer().token().sign();
    for path in ["/no-auth0", "/no-auth0-extractor"] {
        for authorization in [Some(format!("Bearer {token}")), None] {
            logs.clear();
            let reply = api.with_authorization(path, authorization.as_deref()).await;
            let what = format!("GET {path} with Authorization {authorization:?}");
            expect::error(
                &reply,
                500,
                "internal_server_error",
                "An unexpected error occurred during authentication",
            );
            assert!(reply.challenges.is_empty(), "{what}: {reply:?}");
            // The cause stays in the logs, at ERROR, naming the route and the fix.
            let text = logs.text();
            let lines = logs.lines_with("app_data");
            assert_eq!(
                lines.len(),
                1,
                "{what}: one log line naming app_data:\n{text}"
            );
            let line = &lines[0];
            assert!(line.contains("ERROR"), "{what}: not at ERROR: {line}");
            assert!(
                line.contains(".app_data(auth0.clone())"),
                "{what}: no registration hint: {line}"
            );
            assert!(
                line.contains(&format!("GET {path}")),
                "{what}: route not named: {line}"
            );
            assert!(
                !text.contains(&token),
                "{what}: the token was logged:\n{text}"
            );
        }
    }
    assert_eq!(api.fetches(), (0, 0));
}

// ---------------------------------------------------------------------------------------------
// Stale-if-error

#[tokio::test]
async fn an_outage_past_the_ttl_keeps_valid_tokens_passing_and_warns_about_stale_keys() {
    let (_turn, logs) = exclusive_logs().await;
    let api = start();
    let stale_warnings = || logs.lines_with("stale-if-error");

    // Warm-up: discovery and JWKS fetched by a first request.
    let reply = api.bearer(&fresh_token(&api).sign()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(api.fetches(), (1, 1));

    // The issuer fails; within the TTL nobody notices, and nothing is said about stale keys.
    api.issuer().set_failing(true);
    api.clock().advance(Duration::from_secs(300));
    let reply = api.bearer(&fresh_token(&api).sign()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(stale_warnings().is_empty(), "{}", logs.text());
    assert_eq!(api.auth0.metrics().stale_served, 0);

    // Past the TTL: the request is answered from the last good keys at once while it starts a
    // background refresh of each document; both fail, and a warning says so for each.
    api.clock().advance(Duration::from_secs(301));
    let token = fresh_token(&api).sign();
    let reply = api.bearer(&token).await;
    assert_eq!(
        reply.status, 200,
        "a valid token during the outage: {reply:?}"
    );
    for _ in 0..5_000 {
        if api.auth0.metrics().fetch_failures == 2 && stale_warnings().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(
        api.issuer().discovery_fetches() > 1,
        "the refresh reached the failing issuer"
    );
    // From then on valid tokens pass on the stale keys, counted per document.
    let token = fresh_token(&api).sign();
    let reply = api.bearer(&token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(api.auth0.metrics().stale_served, 2);
    let text = logs.text();
    let warnings = stale_warnings();
    assert_eq!(warnings.len(), 2, "one warning per document:\n{text}");
    for document in ["discovery", "JWKS"] {
        let line = warnings
            .iter()
            .find(|l| l.contains(&format!("document=\"{document}\"")))
            .unwrap_or_else(|| panic!("no stale warning for {document}:\n{text}"));
        assert!(line.contains(" WARN "), "not a warning: {line}");
        assert!(line.contains("serving the last good copy"), "{line}");
    }
    assert!(!text.contains(&token), "the token was logged:\n{text}");
}
