//! DPoP end to end (docs/compatibility.md §3.1–§3.5, differences D3, D5, D7, D8): a real app on a
//! loopback port, a real local issuer, real HTTP. Every check of the request branch (§3.1) and
//! of the proof (§3.2), in order, with the exact `error_description` and `WWW-Authenticate`;
//! htu normalisation (§3.3); the iat window (§3.4); replay (D7); and the reference's own DPoP
//! tests (§6.4 and the proof rows of §6.7, named after them).
//!
//! The app listens on plain `http://127.0.0.1:PORT`, so a proof's `htu` is
//! `http://127.0.0.1:PORT/path` (from the `Host` header the client sends).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{get, web, HttpResponse, Responder};
use auth0_actix::dpop::{InMemoryReplayStore, ReplayStore, ReplayStoreError};
use auth0_actix::testing::{access_token_hash, DpopKey};
use auth0_actix::BoxFuture;
use auth0_actix::{require_auth, Claims};
use e2e_support::www::MIXED_BARE;
use e2e_support::{expect, now, Api, ApiBuilder, Reply};
use serde_json::{json, Value};

const INVALID_PROOF: &str = "invalid_dpop_proof";
const BAD_SIGNATURE: &str =
    "JWT signature verification failed: bad_signature (or a key not on the curve)";
const REPLAYED: &str = "DPoP proof has already been used (jti replay)";

/// A mixed-mode app with default settings, serving the echo routes.
fn env() -> Api {
    Api::start()
}

/// The proof's signature with its last five characters replaced.
fn with_broken_signature(proof: &str) -> String {
    let (rest, sig) = proof.rsplit_once('.').expect("a JWS");
    let replacement = if sig.ends_with("AAAAA") {
        "BAAAA"
    } else {
        "AAAAA"
    };
    format!("{rest}.{}{replacement}", &sig[..sig.len() - 5])
}

// ---------------------------------------------------------------------------------------------
// Success, and what the handler gets

#[tokio::test]
async fn valid_proof_gives_the_handler_the_access_token_claims_and_the_key_thumbprint() {
    let env = env();
    let token = env
        .issuer()
        .token()
        .subject("user_123")
        .scope("read:data")
        .claim("jti", "token-jti")
        .claim("https://example.com/role", "admin")
        .bound_to(&env.key)
        .sign();
    let proof = env.proof("GET", "/test", &token).jti("proof-jti").sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    let claims = expect::dpop_ok(&reply, &env.key);
    assert_eq!(claims["sub"], "user_123");
    assert_eq!(claims["iss"], env.issuer().issuer());
    assert_eq!(claims["aud"], env.issuer().audience());
    assert_eq!(claims["scope"], "read:data");
    assert_eq!(claims["https://example.com/role"], "admin");
    assert_eq!(claims["cnf"], json!({ "jkt": env.key.thumbprint() }));
    // The access token's jti, not the proof's; and no proof claims at all.
    assert_eq!(claims["jti"], "token-jti");
    for proof_claim in ["htm", "htu", "ath"] {
        assert!(
            claims.get(proof_claim).is_none(),
            "{proof_claim} leaked: {claims}"
        );
    }
}

#[tokio::test]
async fn every_method_is_checked_against_its_own_htm() {
    let env = env();
    let token = env.bound_token();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        let proof = env.proof(method, "/test", &token).sign();
        let reply = env.dpop(method, "/test", &token, &proof).await;
        expect::dpop_ok(&reply, &env.key);
    }
}

#[tokio::test]
async fn scheme_name_is_case_insensitive() {
    let env = env();
    let token = env.bound_token();
    for scheme in ["DPoP", "dpop", "DPOP"] {
        let proof = env.proof("GET", "/test", &token).sign();
        let req = env
            .request("GET", "/test")
            .header("Authorization", format!("{scheme} {token}"))
            .header("DPoP", proof);
        expect::dpop_ok(&env.send(req).await, &env.key);
    }
}

// ---------------------------------------------------------------------------------------------
// §3.1: the request branch, in order

#[tokio::test]
async fn missing_dpop_header_is_invalid_request_before_any_fetch() {
    let env = env();
    let token = env.bound_token();
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {token}"));
    expect::invalid_request(&env.send(req).await, "", MIXED_BARE);
    // An empty DPoP field counts as missing.
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", "");
    expect::invalid_request(&env.send(req).await, "", MIXED_BARE);
    assert_eq!(env.issuer().discovery_fetches(), 0);
    assert_eq!(env.issuer().jwks_fetches(), 0);
}

#[tokio::test]
async fn comma_in_proof_is_multiple_proofs_before_any_fetch() {
    let env = env();
    let token = env.bound_token();
    let a = env.proof("GET", "/test", &token).sign();
    let b = env.proof("GET", "/test", &token).sign();
    let reply = env.dpop("GET", "/test", &token, &format!("{a}, {b}")).await;
    expect::invalid_dpop_proof(&reply, "Multiple DPoP proofs are not allowed");
    // Even a single valid proof with a trailing comma.
    let reply = env.dpop("GET", "/test", &token, &format!("{a},")).await;
    expect::invalid_dpop_proof(&reply, "Multiple DPoP proofs are not allowed");
    assert_eq!(env.issuer().discovery_fetches(), 0);
}

/// D5: the reference keeps the first of two `DPoP` fields; we refuse both.
#[tokio::test]
async fn two_dpop_header_fields_are_refused() {
    let env = env();
    let token = env.bound_token();
    let good = env.proof("GET", "/test", &token).sign();
    let other = env.proof("GET", "/test", &token).sign();
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", good.clone())
        .header("DPoP", other);
    expect::invalid_dpop_proof(&env.send(req).await, "Multiple DPoP proofs are not allowed");
    // Also when the second field is empty or garbage: the first alone would have passed.
    for second in ["", "garbage"] {
        let good = env.proof("GET", "/test", &token).sign();
        let req = env
            .request("GET", "/test")
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", good)
            .header("DPoP", second);
        expect::invalid_dpop_proof(&env.send(req).await, "Multiple DPoP proofs are not allowed");
    }
    assert_eq!(env.issuer().discovery_fetches(), 0);
    // The first proof was not consumed by the refused requests: it still works alone.
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &good).await, &env.key);
}

#[tokio::test]
async fn unparsable_proof_is_failed_to_verify_before_any_fetch() {
    let env = env();
    let token = env.bound_token();
    let array_header = format!(
        "{}.{}.{}",
        base64_url_encode(b"[\"dpop+jwt\"]"),
        base64_url_encode(b"{}"),
        base64_url_encode(b"sig")
    );
    for proof in [
        "invalid.jwt.proof",
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "!!!.e30.sig",
        array_header.as_str(),
    ] {
        let reply = env.dpop("GET", "/test", &token, proof).await;
        expect::invalid_dpop_proof(&reply, "Failed to verify DPoP proof");
    }
    // Bytes that are not visible ASCII.
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {token}"))
        .header(
            "DPoP",
            reqwest::header::HeaderValue::from_bytes(b"\xffinvalid.jwt.proof").unwrap(),
        );
    expect::invalid_dpop_proof(&env.send(req).await, "Failed to verify DPoP proof");
    // The proof header is checked before the token: even a garbage token gets the proof error.
    let reply = env
        .dpop("GET", "/test", "garbage-token", "invalid.jwt.proof")
        .await;
    expect::invalid_dpop_proof(&reply, "Failed to verify DPoP proof");
    assert_eq!(env.issuer().discovery_fetches(), 0);
    assert_eq!(env.issuer().jwks_fetches(), 0);
}

/// Minimal base64url (no padding), to build hand-made proof segments.
fn base64_url_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn token_errors_beat_proof_content_errors() {
    let env = env();
    let expired = env
        .issuer()
        .token()
        .bound_to(&env.key)
        .expires_at(now() - 10)
        .sign();
    // A proof wrong in every content check: typ, htm, htu, ath.
    let bad_proof = env
        .key
        .proof("POST", "http://elsewhere.test/x")
        .header("typ", "JWT")
        .ath("wrong")
        .sign();
    let reply = env.dpop("GET", "/test", &expired, &bad_proof).await;
    expect::invalid_token_for_dpop(&reply, "Token is expired");
    // A token signed by nobody the issuer knows.
    let tampered = env.issuer().token().bound_to(&env.key).tampered();
    let reply = env.dpop("GET", "/test", &tampered, &bad_proof).await;
    expect::invalid_token_for_dpop(&reply, "Signature verification failed: bad_signature");
}

#[tokio::test]
async fn unbound_token_with_valid_proof_has_no_jkt_confirmation() {
    let env = env();
    let token = env.issuer().token().subject("user_123").sign();
    let proof = env.proof("GET", "/test", &token).sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    expect::invalid_token_for_dpop(&reply, "JWT Access Token has no jkt confirmation claim");
    // Checked before the proof: an invalid proof gets the same answer.
    let bad = env.proof("GET", "/wrong-url", &token).sign();
    let reply = env.dpop("GET", "/test", &token, &bad).await;
    expect::invalid_token_for_dpop(&reply, "JWT Access Token has no jkt confirmation claim");
    // cnf: null is no cnf.
    let token = env.issuer().token().claim("cnf", Value::Null).sign();
    let proof = env.proof("GET", "/test", &token).sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    expect::invalid_token_for_dpop(&reply, "JWT Access Token has no jkt confirmation claim");
}

#[tokio::test]
async fn cnf_of_the_wrong_type_is_an_invalid_confirmation_format() {
    let env = env();
    for cnf in [json!(env.key.thumbprint()), json!(["jkt"]), json!(1)] {
        let token = env.issuer().token().claim("cnf", cnf.clone()).sign();
        let proof = env.proof("GET", "/test", &token).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_token_for_dpop(
            &reply,
            "JWT Access Token has invalid confirmation claim format",
        );
        // Before the proof too.
        let bad = env.proof("POST", "/test", &token).sign();
        let reply = env.dpop("GET", "/test", &token, &bad).await;
        expect::invalid_token_for_dpop(
            &reply,
            "JWT Access Token has invalid confirmation claim format",
        );
    }
}

#[tokio::test]
async fn cnf_without_jkt_is_reported_after_the_proof_is_verified() {
    let env = env();
    // A non-empty cnf object whose jkt is absent or falsy (`docs/compatibility.md` §3.1 step 9).
    for cnf in [
        json!({ "x5t#S256": "abc" }),
        json!({ "jkt": "" }),
        json!({ "jkt": null }),
        json!({ "jkt": 0 }),
        json!({ "jkt": false }),
        json!({ "jkt": [] }),
        json!({ "jkt": {} }),
    ] {
        let token = env.issuer().token().claim("cnf", cnf.clone()).sign();
        let proof = env.proof("GET", "/test", &token).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_token_for_dpop(&reply, "Access token 'cnf' claim missing 'jkt'");
        // A bad proof is reported first (§3.1 step 8 before step 9).
        let bad = env
            .proof("GET", "/test", &token)
            .header("typ", "jwt")
            .sign();
        let reply = env.dpop("GET", "/test", &token, &bad).await;
        expect::invalid_dpop_proof(&reply, "Unexpected JWT 'typ' header parameter value");
    }
}

#[tokio::test]
async fn proof_by_another_key_is_a_confirmation_mismatch() {
    let env = env();
    let token = env.bound_token();
    let other = DpopKey::generate();
    let proof = other
        .proof("GET", &env.app.at("/test"))
        .access_token(&token)
        .sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    expect::invalid_token_for_dpop(&reply, "JWT Access Token confirmation mismatch");
    // A jkt that differs only in case is a mismatch too (plain, exact comparison).
    let upper = env
        .issuer()
        .token()
        .claim("cnf", json!({ "jkt": env.key.thumbprint().to_uppercase() }))
        .sign();
    let proof = env.proof("GET", "/test", &upper).sign();
    let reply = env.dpop("GET", "/test", &upper, &proof).await;
    expect::invalid_token_for_dpop(&reply, "JWT Access Token confirmation mismatch");
    // The proof is verified before the binding: a bad proof by the other key is a proof error.
    let bad = other
        .proof("GET", &env.app.at("/test"))
        .access_token("another token")
        .sign();
    let reply = env.dpop("GET", "/test", &token, &bad).await;
    expect::invalid_dpop_proof(&reply, "DPoP Proof ath mismatch");
}

// ---------------------------------------------------------------------------------------------
// §3.1 steps 7, 9 and 10: `cnf` and `cnf.jkt` are tested by Python truthiness

const NO_JKT: &str = "JWT Access Token has no jkt confirmation claim";
const BAD_CNF_FORMAT: &str = "JWT Access Token has invalid confirmation claim format";

/// Proofs for `GET /test` with `token` that each fail one proof check (htu, htm, typ, ath,
/// signature), plus the valid one, so a test can show that an answer comes before the proof.
fn valid_and_broken_proofs(env: &Api, token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("valid proof", env.proof("GET", "/test", token).sign()),
        (
            "proof for another URL",
            env.proof("GET", "/wrong-url", token).sign(),
        ),
        (
            "proof for another method",
            env.proof("POST", "/test", token).sign(),
        ),
        (
            "proof with typ JWT",
            env.proof("GET", "/test", token).header("typ", "JWT").sign(),
        ),
        (
            "proof for another token",
            env.proof("GET", "/test", "another token").sign(),
        ),
        (
            "proof with a broken signature",
            with_broken_signature(&env.proof("GET", "/test", token).sign()),
        ),
    ]
}

/// A falsy `cnf` (`{}`, `""`, `0`, `false`, `[]`, `null`) is "no confirmation claim": 401,
/// decided before the proof is looked at, so a broken proof gets the same answer.
#[tokio::test]
async fn falsy_cnf_is_no_jkt_confirmation_even_with_a_broken_proof() {
    let env = env();
    for cnf in [
        json!({}),
        json!(""),
        json!(0),
        json!(0.0),
        json!(false),
        json!([]),
        json!(null),
    ] {
        let token = env.issuer().token().claim("cnf", cnf.clone()).sign();
        for (what, proof) in valid_and_broken_proofs(&env, &token) {
            let reply = env.dpop("GET", "/test", &token, &proof).await;
            assert_eq!(
                (reply.status, reply.description()),
                (401, NO_JKT),
                "cnf {cnf}, {what}: {reply:?}"
            );
            expect::invalid_token_for_dpop(&reply, NO_JKT);
        }
        // A proof whose header does not even decode is refused before the token (step 4).
        let reply = env.dpop("GET", "/test", &token, "invalid.jwt.proof").await;
        expect::invalid_dpop_proof(&reply, "Failed to verify DPoP proof");
    }
}

/// A truthy `cnf` that is not an object (`"abc"`, `5`, `true`, `[..]`) is an invalid format:
/// 401, before the proof too.
#[tokio::test]
async fn truthy_non_object_cnf_is_an_invalid_format_even_with_a_broken_proof() {
    let env = env();
    for cnf in [
        json!("abc"),
        json!(5),
        json!(-0.5),
        json!(true),
        json!([{ "jkt": env.key.thumbprint() }]),
    ] {
        let token = env.issuer().token().claim("cnf", cnf.clone()).sign();
        for (what, proof) in valid_and_broken_proofs(&env, &token) {
            let reply = env.dpop("GET", "/test", &token, &proof).await;
            assert_eq!(
                (reply.status, reply.description()),
                (401, BAD_CNF_FORMAT),
                "cnf {cnf}, {what}: {reply:?}"
            );
            expect::invalid_token_for_dpop(&reply, BAD_CNF_FORMAT);
        }
    }
}

/// A truthy `jkt` that is not a string (`123`, `true`, an array, an object) is present: the
/// proof is verified first (400 when it is broken), then the binding cannot match (401).
#[tokio::test]
async fn a_non_string_jkt_is_present_but_never_matches() {
    let env = env();
    let thumbprint = env.key.thumbprint();
    for jkt in [
        json!(123),
        json!(true),
        json!([thumbprint]),
        json!({ "jkt": thumbprint }),
    ] {
        let token = env
            .issuer()
            .token()
            .claim("cnf", json!({ "jkt": jkt }))
            .sign();
        let proof = env.proof("GET", "/test", &token).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        assert_eq!(
            (reply.status, reply.description()),
            (401, "JWT Access Token confirmation mismatch"),
            "jkt {jkt}: {reply:?}"
        );
        expect::invalid_token_for_dpop(&reply, "JWT Access Token confirmation mismatch");
        let bad = env.proof("GET", "/wrong-url", &token).sign();
        expect::invalid_dpop_proof(
            &env.dpop("GET", "/test", &token, &bad).await,
            "DPoP Proof htu mismatch",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// §3.2: the proof, check by check

#[tokio::test]
async fn typ_must_be_exactly_dpop_jwt() {
    let env = env();
    let token = env.bound_token();
    let cases = [
        env.proof("GET", "/test", &token).remove_header("typ"),
        env.proof("GET", "/test", &token).header("typ", Value::Null),
        env.proof("GET", "/test", &token).header("typ", "JWT"),
        env.proof("GET", "/test", &token).header("typ", "jwt"),
        env.proof("GET", "/test", &token).header("typ", "DPOP+JWT"),
        env.proof("GET", "/test", &token)
            .header("typ", "application/dpop+jwt"),
        env.proof("GET", "/test", &token).header("typ", 1),
    ];
    for proof in cases {
        let reply = env.dpop("GET", "/test", &token, &proof.sign()).await;
        expect::invalid_dpop_proof(&reply, "Unexpected JWT 'typ' header parameter value");
    }
}

#[tokio::test]
async fn only_es256_is_allowed_by_default() {
    let env = env();
    let token = env.bound_token();
    for alg in [
        json!("RS256"),
        json!("HS256"),
        json!("ES384"),
        json!("EdDSA"),
        json!("es256"),
        json!(null),
        json!(256),
    ] {
        let proof = env
            .proof("GET", "/test", &token)
            .header("alg", alg.clone())
            .sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "Unsupported algorithm in DPoP proof");
    }
    let missing = env
        .proof("GET", "/test", &token)
        .remove_header("alg")
        .sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &missing).await,
        "Unsupported algorithm in DPoP proof",
    );
    let none = env.proof("GET", "/test", &token).unsigned_alg_none();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &none).await,
        "Unsupported algorithm in DPoP proof",
    );
}

/// `proof_algorithms` decides what is accepted and what the `algs` challenge parameter says;
/// a proof's key must fit its algorithm.
#[tokio::test]
async fn proof_algorithms_setting_is_honoured() {
    use auth0_actix::Algorithm;
    // ES384 only: an ES256 proof is refused, and the challenge offers ES384.
    let env = Api::configured(|b| b.proof_algorithms([Algorithm::ES384]));
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    let description = "Unsupported algorithm in DPoP proof";
    expect::error_with_challenge(
        &reply,
        400,
        INVALID_PROOF,
        description,
        &format!(
            "Bearer realm=\"api\", DPoP error=\"{INVALID_PROOF}\", error_description=\"{description}\", algs=\"ES384\""
        ),
    );
    // A proof claiming ES384 with a P-256 key does not fit.
    let proof = env
        .proof("GET", "/test", &token)
        .header("alg", "ES384")
        .sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    assert_eq!(
        (reply.status, reply.description()),
        (400, "Only P-384 curve is supported"),
        "{reply:?}"
    );

    // ES256 and ES384: ES256 proofs pass, and both are offered.
    let env = Api::configured(|b| b.proof_algorithms([Algorithm::ES256, Algorithm::ES384]));
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    let reply = env
        .send(
            env.request("GET", "/test")
                .header("Authorization", format!("DPoP {token}")),
        )
        .await;
    expect::invalid_request(
        &reply,
        "",
        "Bearer realm=\"api\", DPoP algs=\"ES256 ES384\"",
    );
}

#[tokio::test]
async fn jwk_must_be_an_object() {
    let env = env();
    let token = env.bound_token();
    let thumb = env.key.thumbprint();
    let cases = [
        env.proof("GET", "/test", &token).remove_header("jwk"),
        env.proof("GET", "/test", &token).header("jwk", Value::Null),
        env.proof("GET", "/test", &token)
            .header("jwk", thumb.as_str()),
        env.proof("GET", "/test", &token)
            .header("jwk", json!([env.key.public_jwk()])),
    ];
    for proof in cases {
        let reply = env.dpop("GET", "/test", &token, &proof.sign()).await;
        expect::invalid_dpop_proof(&reply, "Missing or invalid jwk in header");
    }
}

#[tokio::test]
async fn jwk_with_private_key_material_is_refused() {
    let env = env();
    let token = env.bound_token();
    let mut jwk = env.key.public_jwk();
    jwk["d"] = json!("cHJpdmF0ZS1rZXktbWF0ZXJpYWwtZ29lcy1oZXJlLXh4eA");
    let proof = env.proof("GET", "/test", &token).header("jwk", jwk).sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    expect::invalid_dpop_proof(&reply, "Private key material found in jwk header");
}

#[tokio::test]
async fn only_ec_p256_keys_are_accepted() {
    let env = env();
    let token = env.bound_token();
    for jwk in [
        json!({ "kty": "RSA" }),
        json!({ "kty": "RSA", "n": "AQAB", "e": "AQAB" }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": "AA" }),
        json!({ "crv": "P-256" }),
    ] {
        let proof = env
            .proof("GET", "/test", &token)
            .header("jwk", jwk.clone())
            .sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "Only EC keys are supported for DPoP");
    }
    for crv in [
        json!("P-384"),
        json!("P-521"),
        json!("secp256k1"),
        json!(null),
    ] {
        let mut jwk = env.key.public_jwk();
        jwk["crv"] = crv;
        let proof = env.proof("GET", "/test", &token).header("jwk", jwk).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "Only P-256 curve is supported");
    }
}

#[tokio::test]
async fn extra_jwk_members_are_allowed() {
    let env = env();
    let token = env.bound_token();
    let mut jwk = env.key.public_jwk();
    jwk["kid"] = json!("my-key");
    jwk["alg"] = json!("ES256");
    jwk["use"] = json!("sig");
    let proof = env.proof("GET", "/test", &token).header("jwk", jwk).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
}

#[tokio::test]
async fn bad_signatures_are_refused() {
    let env = env();
    let token = env.bound_token();
    let other = DpopKey::generate();
    let by_other = env.proof("GET", "/test", &token).signed_with(&other).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &by_other).await,
        BAD_SIGNATURE,
    );
    let broken = with_broken_signature(&env.proof("GET", "/test", &token).sign());
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &broken).await,
        BAD_SIGNATURE,
    );
    // A payload changed after signing.
    let proof = env.proof("GET", "/test", &token).sign();
    let mut parts: Vec<&str> = proof.split('.').collect();
    let forged = base64_url_encode(
        json!({ "htm": "GET", "htu": env.app.at("/test"), "iat": now(), "jti": "forged", "ath": access_token_hash(&token) })
            .to_string()
            .as_bytes(),
    );
    parts[1] = &forged;
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &parts.join(".")).await,
        BAD_SIGNATURE,
    );
    // An empty signature.
    let (unsigned, _) = proof.rsplit_once('.').unwrap();
    let reply = env
        .dpop("GET", "/test", &token, &format!("{unsigned}."))
        .await;
    assert_eq!(
        (reply.status, reply.error()),
        (400, INVALID_PROOF),
        "{reply:?}"
    );
    assert!(
        reply
            .description()
            .starts_with("JWT signature verification failed: "),
        "{reply:?}"
    );
}

/// A JWK whose `x`/`y` are well-formed base64url of 32 bytes each but do not name a point on
/// P-256 is a 400 at the signature check, never a 500 and never accepted, even when the token
/// is bound to that JWK's thumbprint.
#[tokio::test]
async fn a_jwk_off_the_curve_is_refused_at_the_signature_check() {
    let env = env();
    let good = env.key.public_jwk();
    let x = good["x"].as_str().unwrap().to_owned();
    let y = good["y"].as_str().unwrap().to_owned();
    let flipped_y = {
        // The last character of a 32-byte coordinate carries 4 bits: change one of them.
        let mut chars: Vec<char> = y.chars().collect();
        let last = chars.last_mut().unwrap();
        *last = if *last == 'A' { 'E' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    let zeros = base64_url_encode(&[0u8; 32]);
    let ones = base64_url_encode(&[0xffu8; 32]);
    let cases = [
        ("y of another point", x.clone(), flipped_y),
        ("y = x", x.clone(), x.clone()),
        ("(0, 0)", zeros.clone(), zeros.clone()),
        ("x with y = 0", x.clone(), zeros),
        ("coordinates >= p", ones.clone(), ones),
        ("x and y swapped", y, x),
    ];
    for (what, x, y) in cases {
        assert_eq!(x.len(), 43, "{what}: 32 bytes of base64url");
        assert_eq!(y.len(), 43, "{what}: 32 bytes of base64url");
        let jwk = json!({ "kty": "EC", "crv": "P-256", "x": x, "y": y });
        let token = env
            .issuer()
            .token()
            .claim(
                "cnf",
                json!({ "jkt": auth0_actix::testing::jwk_thumbprint(&jwk).unwrap() }),
            )
            .sign();
        let proof = env.proof("GET", "/test", &token).header("jwk", jwk).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        assert_eq!(
            (reply.status, reply.description()),
            (400, BAD_SIGNATURE),
            "{what}: {reply:?}"
        );
        expect::invalid_dpop_proof(&reply, BAD_SIGNATURE);
    }
}

/// Builds a proof of exactly `len` bytes with `make`, padding its header and payload with
/// members the verifier ignores.
fn proof_of_length(make: impl Fn() -> auth0_actix::testing::ProofBuilder, len: usize) -> String {
    let base = make().sign().len();
    assert!(base < len, "a bare proof is {base} bytes");
    // Base64url grows by 4 characters per 3 bytes; start a little below the estimate.
    let start = ((len - base) * 3 / 4).saturating_sub(40);
    for header_pad in 0..3 {
        for pad in start.. {
            let proof = make()
                .header("x-pad", "h".repeat(header_pad))
                .claim("pad", "p".repeat(pad))
                .sign();
            match proof.len().cmp(&len) {
                std::cmp::Ordering::Equal => return proof,
                std::cmp::Ordering::Greater => break,
                std::cmp::Ordering::Less => {}
            }
        }
    }
    panic!("no proof of {len} bytes")
}

/// A proof of `MAX_PROOF_BYTES + 1` bytes is refused with a 400 before anything else (no
/// fetch, no signature check); one of exactly `MAX_PROOF_BYTES` is accepted.
#[tokio::test]
async fn proof_size_is_capped() {
    // The documented limit (README, D20).
    const MAX_PROOF_BYTES: usize = 8 * 1024;
    let env = env();
    let token = env.bound_token();
    for len in [
        MAX_PROOF_BYTES + 1,
        MAX_PROOF_BYTES + 2,
        2 * MAX_PROOF_BYTES,
    ] {
        let proof = proof_of_length(|| env.proof("GET", "/test", &token), len);
        assert_eq!(proof.len(), len);
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "Failed to verify DPoP proof");
    }
    assert_eq!(
        env.fetches(),
        (0, 0),
        "refused before the token was verified"
    );
    let proof = proof_of_length(|| env.proof("GET", "/test", &token), MAX_PROOF_BYTES);
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
}

#[tokio::test]
async fn missing_claims_are_named_in_the_reference_order() {
    let env = env();
    let token = env.bound_token();
    for claim in ["iat", "ath", "htm", "htu", "jti"] {
        let proof = env.proof("GET", "/test", &token).remove_claim(claim).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, &format!("Missing required claim: {claim}"));
    }
    let cases: [(&[&str], &str); 4] = [
        (&["ath", "iat"], "Missing required claims: iat, ath"),
        (&["jti", "htm"], "Missing required claims: htm, jti"),
        (
            &["htu", "jti", "ath"],
            "Missing required claims: ath, htu, jti",
        ),
        (
            &["jti", "htu", "htm", "ath", "iat"],
            "Missing required claims: iat, ath, htm, htu, jti",
        ),
    ];
    for (removed, description) in cases {
        let proof = removed
            .iter()
            .fold(env.proof("GET", "/test", &token), |p, c| p.remove_claim(c));
        let reply = env.dpop("GET", "/test", &token, &proof.sign()).await;
        expect::invalid_dpop_proof(&reply, description);
    }
}

/// D3: a proof claim of the wrong type is a 400, never a 500.
#[tokio::test]
async fn jti_must_be_a_non_blank_string() {
    let env = env();
    let token = env.bound_token();
    for jti in [json!(123), json!(true), json!(["a"]), json!({ "a": 1 })] {
        let proof = env.proof("GET", "/test", &token).claim("jti", jti).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "jti claim must be a string");
    }
    for jti in ["", " ", "\t \n"] {
        let proof = env.proof("GET", "/test", &token).jti(jti).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "jti claim must not be empty");
    }
}

/// D3: a non-numeric iat is a 400, never a 500.
#[tokio::test]
async fn iat_must_be_a_number() {
    let env = env();
    let token = env.bound_token();
    for iat in [
        json!("yesterday"),
        json!(now().to_string()),
        json!([1]),
        json!({}),
    ] {
        let proof = env.proof("GET", "/test", &token).claim("iat", iat).sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "Invalid iat claim (must be integer or float)");
    }
    // A fractional iat is a number.
    let proof = env
        .proof("GET", "/test", &token)
        .claim("iat", now() as f64 + 0.5)
        .sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
}

async fn send_with_iat(env: &Api, token: &str, iat: impl serde::Serialize) -> Reply {
    let proof = env.proof("GET", "/test", token).claim("iat", iat).sign();
    env.dpop("GET", "/test", token, &proof).await
}

#[tokio::test]
async fn iat_window_defaults_300_s_back_30_s_forward() {
    let env = env();
    let token = env.bound_token();
    let send = |iat: i64| send_with_iat(&env, &token, iat);
    // The server's clock can only be later than ours, so these margins hold however slow the
    // machine is: the future edge exactly, the past edge with 10 s to spare.
    expect::dpop_ok(&send(now() + 30).await, &env.key);
    expect::dpop_ok(&send(now() - 290).await, &env.key);
    expect::dpop_ok(&send(now() - 30).await, &env.key);
    for old in [now() - 301, now() - 3600, 0, -1] {
        expect::invalid_dpop_proof(&send(old).await, "DPoP Proof iat is too old");
    }
    for future in [now() + 40, now() + 3600] {
        expect::invalid_dpop_proof(&send(future).await, "DPoP Proof iat is from the future");
    }
}

#[tokio::test]
async fn custom_iat_leeway_and_offset_are_honoured() {
    // Wider window.
    let env = Api::configured(|b| {
        b.dpop_iat_leeway(Duration::from_secs(120))
            .dpop_iat_offset(Duration::from_secs(1000))
    });
    let token = env.bound_token();
    for iat in [now() + 100, now() - 900] {
        let proof = env.proof("GET", "/test", &token).iat(iat).sign();
        expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    }
    let proof = env.proof("GET", "/test", &token).iat(now() + 200).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof iat is from the future",
    );
    let proof = env.proof("GET", "/test", &token).iat(now() - 1100).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof iat is too old",
    );

    // Narrower window: neither setting widens the other.
    let env = Api::configured(|b| {
        b.dpop_iat_leeway(Duration::from_secs(0))
            .dpop_iat_offset(Duration::from_secs(20))
    });
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).iat(now()).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    let proof = env.proof("GET", "/test", &token).iat(now() + 10).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof iat is from the future",
    );
    let proof = env.proof("GET", "/test", &token).iat(now() - 60).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof iat is too old",
    );
}

/// A mixed-mode app on a manual clock set to `t` (whole seconds).
fn on_clock_at(t: i64) -> ApiBuilder {
    Api::builder().clock_at(t)
}

/// §3.2 step 10 / §3.4 pinned to the second: with the defaults (leeway 30, offset 300) the
/// window is `[now - 300, now + 30]`, both ends included.
#[tokio::test]
async fn iat_bounds_are_inclusive_to_the_second() {
    let t = now();
    let env = on_clock_at(t).start();
    let token = env.bound_token();
    let send = |iat: i64| send_with_iat(&env, &token, iat);
    expect::dpop_ok(&send(t - 300).await, &env.key);
    expect::invalid_dpop_proof(&send(t - 301).await, "DPoP Proof iat is too old");
    expect::dpop_ok(&send(t + 30).await, &env.key);
    expect::invalid_dpop_proof(&send(t + 31).await, "DPoP Proof iat is from the future");
    expect::dpop_ok(&send(t).await, &env.key);

    // `now` is whole seconds (truncated): 999 ms later the bounds have not moved, so a
    // fractional iat past them is refused, on either side.
    env.clock().advance(Duration::from_millis(999));
    let send_f = |iat: f64| send_with_iat(&env, &token, iat);
    expect::dpop_ok(&send_f(t as f64 + 30.0).await, &env.key);
    expect::invalid_dpop_proof(
        &send_f(t as f64 + 30.5).await,
        "DPoP Proof iat is from the future",
    );
    expect::dpop_ok(&send_f(t as f64 - 300.0).await, &env.key);
    expect::invalid_dpop_proof(&send_f(t as f64 - 300.5).await, "DPoP Proof iat is too old");

    // One second on, the window has moved by one second.
    env.clock().advance(Duration::from_millis(1));
    expect::dpop_ok(&send(t + 31).await, &env.key);
    expect::invalid_dpop_proof(&send(t - 300).await, "DPoP Proof iat is too old");
}

/// With leeway 0 and offset 0 only `iat == now` is acceptable: neither setting widens the
/// other.
#[tokio::test]
async fn zero_leeway_and_offset_accept_only_the_current_second() {
    let t = now();
    let env = on_clock_at(t)
        .configure(|b| {
            b.dpop_iat_leeway(Duration::from_secs(0))
                .dpop_iat_offset(Duration::from_secs(0))
        })
        .start();
    let token = env.bound_token();
    let send = |iat: i64| send_with_iat(&env, &token, iat);
    expect::dpop_ok(&send(t).await, &env.key);
    expect::invalid_dpop_proof(&send(t - 1).await, "DPoP Proof iat is too old");
    expect::invalid_dpop_proof(&send(t + 1).await, "DPoP Proof iat is from the future");
}

/// D7: a proof is remembered for as long as its iat stays acceptable. A proof made 30 s in the
/// future is acceptable until `iat + offset` = t + 330: a replay then is still refused as a
/// replay; one second later the proof is simply too old.
#[tokio::test]
async fn a_future_proof_is_remembered_until_its_window_closes() {
    let t = now();
    let env = on_clock_at(t).start();
    let token = env
        .issuer()
        .token()
        .bound_to(&env.key)
        .expires_at(t + 3600)
        .sign();
    let proof = env.proof("GET", "/test", &token).iat(t + 30).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    env.clock().advance(Duration::from_secs(330));
    expect::invalid_dpop_proof(&env.dpop("GET", "/test", &token, &proof).await, REPLAYED);
    // The app still works at t + 330 for a fresh proof.
    let fresh = env.proof("GET", "/test", &token).iat(t + 330).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &fresh).await, &env.key);
    env.clock().advance(Duration::from_secs(1));
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof iat is too old",
    );
}

#[tokio::test]
async fn htm_must_match_the_method_exactly() {
    let env = env();
    let token = env.bound_token();
    let cases = [
        ("GET", json!("POST")),
        ("POST", json!("GET")),
        // D8: methods are case-sensitive (RFC 9110 §9.1); the reference lower-cases both.
        ("GET", json!("get")),
        ("DELETE", json!("Delete")),
        ("GET", json!(" GET")),
        // D3: a non-string htm is a 400 as well.
        ("GET", json!(1)),
        ("GET", json!(["GET"])),
    ];
    for (method, htm) in cases {
        let proof = env.proof(method, "/test", &token).claim("htm", htm).sign();
        let reply = env.dpop(method, "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "DPoP Proof htm mismatch");
    }
}

#[tokio::test]
async fn htu_must_be_the_request_url() {
    let env = env();
    let token = env.bound_token();
    let port = env
        .app
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .parse::<u16>()
        .unwrap();
    let cases = [
        json!(env.app.at("/wrong-url")),
        json!(env.app.at("/TEST")),
        json!(env.app.at("/test/")),
        json!(env.app.at("/")),
        json!(format!("https://127.0.0.1:{port}/test")),
        json!(format!("http://127.0.0.1:{}/test", port.wrapping_add(1))),
        json!(format!("http://localhost:{port}/test")),
        json!("http://127.0.0.1/test"),
        json!("/test"),
        json!("not a url"),
        json!(format!("ftp://127.0.0.1:{port}/test")),
        json!(""),
        // D3: a non-string htu.
        json!(1),
        json!({ "url": env.app.at("/test") }),
    ];
    for htu in cases {
        let proof = env
            .proof("GET", "/test", &token)
            .claim("htu", htu.clone())
            .sign();
        let reply = env.dpop("GET", "/test", &token, &proof).await;
        expect::invalid_dpop_proof(&reply, "DPoP Proof htu mismatch");
    }
}

/// §3.3: the equivalences of htu normalisation, over real requests.
#[tokio::test]
async fn htu_normalisation_equivalences() {
    let env = env();
    let token = env.bound_token();
    let base = env.app.url.clone();
    let port = base.rsplit(':').next().unwrap().to_owned();
    // (path requested, Host header sent, htu in the proof)
    let host = format!("127.0.0.1:{port}");
    let accepted = [
        (
            "/test",
            host.clone(),
            format!("HTTP://127.0.0.1:{port}/test"),
        ),
        ("/test?a=1", host.clone(), format!("{base}/test?b=2")),
        ("/test?a=1", host.clone(), format!("{base}/test")),
        ("/test", host.clone(), format!("{base}/test?x=y#fragment")),
        ("/test", host.clone(), format!("{base}/test#fragment")),
        ("/test", host.clone(), format!("{base}/r/../test")),
        ("/test", host.clone(), format!("{base}/./test")),
        ("/r/", host.clone(), format!("{base}/r/?abc=def")),
        ("/r/", host.clone(), format!("{base}/r/#fragment")),
        // Host case and default ports, with a client-chosen Host header (no proxy trust).
        (
            "/test",
            "api.example.com".to_owned(),
            "http://API.Example.COM/test".to_owned(),
        ),
        (
            "/test",
            "API.EXAMPLE.COM".to_owned(),
            "http://api.example.com/test".to_owned(),
        ),
        (
            "/test",
            "api.example.com".to_owned(),
            "http://api.example.com:80/test".to_owned(),
        ),
        (
            "/test",
            "api.example.com:80".to_owned(),
            "http://api.example.com/test".to_owned(),
        ),
    ];
    for (path, host, htu) in accepted {
        let proof = env.key.proof("GET", &htu).access_token(&token).sign();
        let req = env
            .request("GET", path)
            .header("Host", host.clone())
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof);
        let reply = env.send(req).await;
        assert_eq!(reply.status, 200, "{path} Host {host} htu {htu}: {reply:?}");
    }
    let refused = [
        // Trailing slash and path case are significant.
        ("/r", host.clone(), format!("{base}/r/")),
        ("/r/", host.clone(), format!("{base}/r")),
        ("/test", host.clone(), format!("{base}/Test")),
        // No decoding of unreserved characters.
        ("/r", host.clone(), format!("{base}/%72")),
        // A non-default port is part of the URL.
        (
            "/test",
            "api.example.com:8080".to_owned(),
            "http://api.example.com/test".to_owned(),
        ),
        (
            "/test",
            "api.example.com".to_owned(),
            "http://api.example.com:443/test".to_owned(),
        ),
        (
            "/test",
            "api.example.com".to_owned(),
            "https://api.example.com/test".to_owned(),
        ),
    ];
    for (path, host, htu) in refused {
        let proof = env.key.proof("GET", &htu).access_token(&token).sign();
        let req = env
            .request("GET", path)
            .header("Host", host.clone())
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof);
        let reply = env.send(req).await;
        assert_eq!(
            (reply.status, reply.description()),
            (400, "DPoP Proof htu mismatch"),
            "{path} Host {host} htu {htu}: {reply:?}"
        );
    }
}

/// §3.3 over real requests with exact request-targets: hex escapes compare case-insensitively
/// (`%7e` = `%7E`, `%c3%a9` = `%C3%A9`) but are never decoded (`%7e` ≠ `~`, `%2F` ≠ `/`);
/// a space or a non-ASCII character in the proof's htu is percent-encoded before comparing;
/// a `%` not followed by two hex digits is compared as it is.
#[tokio::test]
async fn htu_percent_escapes_spaces_and_non_ascii_paths() {
    let env = Api::builder()
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(web::resource("/{tail:.*}").to(e2e_support::echo_authenticated));
        })
        .start();
    let token = env.bound_token();
    let host = env.app.host().to_owned();
    // (request-target as sent, path in the proof's htu, accepted)
    let cases = [
        ("/caf%7e", "/caf%7E", true),
        ("/caf%7E", "/caf%7e", true),
        ("/caf%7e", "/caf~", false),
        ("/caf~", "/caf%7e", false),
        ("/a%20b", "/a b", true),
        ("/a%20b", "/a%20b", true),
        ("/a%20b", "/a+b", false),
        ("/a%20b", "/a%2520b", false),
        ("/caf%c3%a9", "/café", true),
        ("/caf%C3%A9", "/café", true),
        ("/caf%C3%A9", "/caf%c3%a9", true),
        ("/caf%C3%A9", "/CAFÉ", false),
        ("/caf%C3%A9", "/cafe", false),
        ("/%E2%82%AC/x", "/€/x", true),
        ("/a%2fb", "/a%2Fb", true),
        ("/a%2Fb", "/a/b", false),
        ("/a%zz", "/a%zz", true),
        ("/a%zz", "/a%ZZ", false),
        ("/a%7", "/a%7", true),
    ];
    for (target, htu_path, accepted) in cases {
        let htu = format!("http://{host}{htu_path}");
        let proof = env.key.proof("GET", &htu).access_token(&token).sign();
        let reply = e2e_support::raw_request(
            &env.app,
            &format!(
                "GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: DPoP {token}\r\nDPoP: {proof}"
            ),
        );
        if accepted {
            assert_eq!(reply.status, 200, "{target} with htu {htu}: {reply:?}");
            expect::dpop_ok(&reply, &env.key);
        } else {
            assert_eq!(
                (reply.status, reply.description()),
                (400, "DPoP Proof htu mismatch"),
                "{target} with htu {htu}: {reply:?}"
            );
            expect::invalid_dpop_proof(&reply, "DPoP Proof htu mismatch");
        }
    }
}

#[tokio::test]
async fn ath_must_hash_the_presented_token() {
    let env = env();
    let token = env.bound_token();
    let other = env
        .issuer()
        .token()
        .subject("user_456")
        .bound_to(&env.key)
        .sign();
    assert_ne!(token, other);
    let cases = [
        env.proof("GET", "/test", &other),
        env.proof("GET", "/test", &token).ath("not-a-hash"),
        env.proof("GET", "/test", &token).ath(""),
        env.proof("GET", "/test", &token)
            .ath(&access_token_hash(&token).to_lowercase()),
        env.proof("GET", "/test", &token)
            .ath(&format!("{}=", access_token_hash(&token))),
        env.proof("GET", "/test", &token).claim("ath", 1),
    ];
    for proof in cases {
        let reply = env.dpop("GET", "/test", &token, &proof.sign()).await;
        expect::invalid_dpop_proof(&reply, "DPoP Proof ath mismatch");
    }
}

/// Each check of §3.1/§3.2 runs before the next: a proof with every defect is fixed one defect
/// at a time, and each reply names the next check.
#[tokio::test]
async fn checks_run_in_the_reference_order() {
    let env = env();
    let token = env.bound_token();
    let other = DpopKey::generate();
    let good_jwk = env.key.public_jwk();
    let base = || {
        env.proof("POST", "/wrong-url", &token)
            .remove_claim("ath")
            .claim("jti", 123)
            .claim("iat", "x")
    };
    let steps: Vec<(auth0_actix::testing::ProofBuilder, &str)> = vec![
        (
            base()
                .header("typ", "JWT")
                .header("alg", "RS256")
                .remove_header("jwk"),
            "Unexpected JWT 'typ' header parameter value",
        ),
        (
            base().header("alg", "RS256").remove_header("jwk"),
            "Unsupported algorithm in DPoP proof",
        ),
        (
            base().remove_header("jwk"),
            "Missing or invalid jwk in header",
        ),
        (
            base().header("jwk", json!({ "kty": "RSA", "crv": "P-384", "d": "x" })),
            "Private key material found in jwk header",
        ),
        (
            base().header("jwk", json!({ "kty": "RSA", "crv": "P-384" })),
            "Only EC keys are supported for DPoP",
        ),
        (
            base().header(
                "jwk",
                json!({ "kty": "EC", "crv": "P-384", "x": good_jwk["x"], "y": good_jwk["y"] }),
            ),
            "Only P-256 curve is supported",
        ),
        (base().signed_with(&other), BAD_SIGNATURE),
        (base(), "Missing required claim: ath"),
        (base().ath("wrong"), "jti claim must be a string"),
        (
            base().ath("wrong").jti("j-1"),
            "Invalid iat claim (must be integer or float)",
        ),
        (
            base().ath("wrong").jti("j-1").iat(now() - 3600),
            "DPoP Proof iat is too old",
        ),
        (
            base().ath("wrong").jti("j-1").iat(now()),
            "DPoP Proof htm mismatch",
        ),
        (
            base().ath("wrong").jti("j-1").iat(now()).htm("GET"),
            "DPoP Proof htu mismatch",
        ),
        (
            base()
                .ath("wrong")
                .jti("j-1")
                .iat(now())
                .htm("GET")
                .htu(&env.app.at("/test")),
            "DPoP Proof ath mismatch",
        ),
    ];
    for (proof, description) in steps {
        let reply = env.dpop("GET", "/test", &token, &proof.sign()).await;
        expect::invalid_dpop_proof(&reply, description);
    }
    // A perfect proof by the wrong key: the binding (401).
    let by_other = other
        .proof("GET", &env.app.at("/test"))
        .access_token(&token)
        .jti("j-1")
        .sign();
    expect::invalid_token_for_dpop(
        &env.dpop("GET", "/test", &token, &by_other).await,
        "JWT Access Token confirmation mismatch",
    );
    // All fixed: accepted; and the same proof id again is a replay (checked last).
    let good = env.proof("GET", "/test", &token).jti("j-1").sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &good).await, &env.key);
    expect::invalid_dpop_proof(&env.dpop("GET", "/test", &token, &good).await, REPLAYED);
}

// ---------------------------------------------------------------------------------------------
// D7: replay

#[tokio::test]
async fn replayed_proof_is_refused() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    expect::invalid_dpop_proof(&env.dpop("GET", "/test", &token, &proof).await, REPLAYED);
    expect::invalid_dpop_proof(&env.dpop("GET", "/test", &token, &proof).await, REPLAYED);
    // A fresh proof from the same key is fine.
    let fresh = env.proof("GET", "/test", &token).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &fresh).await, &env.key);
}

#[tokio::test]
async fn same_jti_from_the_same_key_is_a_replay_even_in_a_new_proof() {
    let env = env();
    let token = env.bound_token();
    let first = env.proof("GET", "/test", &token).jti("fixed-id").sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &first).await, &env.key);
    let second = env
        .proof("POST", "/test", &token)
        .jti("fixed-id")
        .iat(now() - 5)
        .sign();
    expect::invalid_dpop_proof(&env.dpop("POST", "/test", &token, &second).await, REPLAYED);
}

#[tokio::test]
async fn same_jti_with_a_different_key_is_not_a_replay() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).jti("shared-id").sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    let other = DpopKey::generate();
    let other_token = env.issuer().token().bound_to(&other).sign();
    let other_proof = other
        .proof("GET", &env.app.at("/test"))
        .access_token(&other_token)
        .jti("shared-id")
        .sign();
    expect::dpop_ok(
        &env.dpop("GET", "/test", &other_token, &other_proof).await,
        &other,
    );
}

#[tokio::test]
async fn rejected_proofs_do_not_use_up_their_jti() {
    let env = env();
    let token = env.bound_token();
    // Refused for its htu, then for the binding: neither remembers the jti.
    let wrong_url = env.proof("GET", "/wrong-url", &token).jti("j").sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &wrong_url).await,
        "DPoP Proof htu mismatch",
    );
    let unbound = env
        .issuer()
        .token()
        .claim("cnf", json!({ "jkt": DpopKey::generate().thumbprint() }))
        .sign();
    let mismatch = env.proof("GET", "/test", &unbound).jti("j").sign();
    expect::invalid_token_for_dpop(
        &env.dpop("GET", "/test", &unbound, &mismatch).await,
        "JWT Access Token confirmation mismatch",
    );
    let good = env.proof("GET", "/test", &token).jti("j").sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &good).await, &env.key);
}

#[tokio::test]
async fn replay_protection_can_be_turned_off() {
    let env = Api::configured(|b| b.replay_store(None::<auth0_actix::dpop::InMemoryReplayStore>));
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).sign();
    for _ in 0..3 {
        expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    }
}

/// One call a [`ReplayStore`] received: (key, expires_at, now).
type StoreCall = ([u8; 32], u64, u64);

/// A store that records every call and answers as the in-memory store would.
#[derive(Clone, Default)]
struct RecordingStore {
    calls: Arc<Mutex<Vec<StoreCall>>>,
    inner: Arc<InMemoryReplayStore>,
}

impl RecordingStore {
    fn calls(&self) -> Vec<StoreCall> {
        self.calls.lock().unwrap().clone()
    }
}

impl ReplayStore for RecordingStore {
    fn insert_if_absent(
        &self,
        key: [u8; 32],
        expires_at: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, ReplayStoreError>> {
        self.calls.lock().unwrap().push((key, expires_at, now));
        self.inner.insert_if_absent(key, expires_at, now)
    }
}

/// A store that cannot be reached.
#[derive(Clone, Default)]
struct FailingStore {
    calls: Arc<Mutex<usize>>,
}

impl ReplayStore for FailingStore {
    fn insert_if_absent(
        &self,
        _key: [u8; 32],
        _expires_at: u64,
        _now: u64,
    ) -> BoxFuture<'_, Result<bool, ReplayStoreError>> {
        *self.calls.lock().unwrap() += 1;
        Box::pin(async { Err(ReplayStoreError("connection refused".to_owned())) })
    }
}

/// The replay key of a proof: SHA-256(jkt ‖ 0x00 ‖ jti), base64url.
fn replay_key(jkt: &str, jti: &str) -> String {
    access_token_hash(&format!("{jkt}\u{0}{jti}"))
}

/// A custom store gets, for each proof that passed every other check, a key derived from the
/// key thumbprint and the `jti` (never the raw `jti`), `expires_at = iat + offset + 1` (the
/// first second at which the proof is too old), and `now` from the configured clock.
#[tokio::test]
async fn a_custom_replay_store_gets_key_expiry_and_clock() {
    let t = now();
    let store = RecordingStore::default();
    let env = on_clock_at(t)
        .configure({
            let store = store.clone();
            move |b| b.replay_store(Some(store))
        })
        .start();
    env.clock().advance(Duration::from_millis(700));
    let token = env.bound_token();
    let jkt = env.key.thumbprint();

    let proof = env
        .proof("GET", "/test", &token)
        .jti("j-1")
        .iat(t - 10)
        .sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    let calls = store.calls();
    assert_eq!(calls.len(), 1);
    let (key, expires_at, now_seen) = calls[0];
    assert_eq!(base64_url_encode(&key), replay_key(&jkt, "j-1"));
    assert_eq!(
        (expires_at, now_seen),
        ((t - 10 + 300 + 1) as u64, t as u64)
    );

    // The same proof again: same key, the store says "seen", the request is a replay.
    expect::invalid_dpop_proof(&env.dpop("GET", "/test", &token, &proof).await, REPLAYED);
    assert_eq!(store.calls().len(), 2);
    assert_eq!(store.calls()[1].0, key);

    // A fractional iat: the entry expires at the first whole second the proof is too old.
    let proof = env
        .proof("GET", "/test", &token)
        .jti("j-2")
        .claim("iat", t as f64 - 10.7)
        .sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    let (key2, expires_at, _) = store.calls()[2];
    assert_eq!(base64_url_encode(&key2), replay_key(&jkt, "j-2"));
    assert_eq!(expires_at, (t - 11 + 301) as u64);

    // A long jti is hashed like any other.
    let long = "j".repeat(4000);
    let proof = env.proof("GET", "/test", &token).jti(&long).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    assert_eq!(
        base64_url_encode(&store.calls()[3].0),
        replay_key(&jkt, &long)
    );

    // Proofs refused by an earlier check never reach the store.
    let bad = env.proof("GET", "/wrong-url", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &bad).await,
        "DPoP Proof htu mismatch",
    );
    assert_eq!(store.calls().len(), 4);

    // The clock seen moves with the configured clock.
    env.clock().advance(Duration::from_secs(100));
    let proof = env.proof("GET", "/test", &token).iat(t + 100).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    let (_, expires_at, now_seen) = store.calls()[4];
    assert_eq!((expires_at, now_seen), ((t + 401) as u64, (t + 100) as u64));
}

/// `expires_at` follows a custom offset.
#[tokio::test]
async fn replay_expiry_follows_the_configured_offset() {
    let t = now();
    let store = RecordingStore::default();
    let env = on_clock_at(t)
        .configure({
            let store = store.clone();
            move |b| {
                b.replay_store(Some(store))
                    .dpop_iat_offset(Duration::from_secs(60))
            }
        })
        .start();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).iat(t - 5).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    let calls = store.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].1, calls[0].2), ((t - 5 + 61) as u64, t as u64));
}

/// A store failure fails closed: 500 `internal_server_error` without any challenge
/// (docs/compatibility.md §4.3), counted as a server error; the proof checks before it still answer
/// 400.
#[tokio::test]
async fn a_failing_replay_store_is_a_500_without_challenge() {
    let store = FailingStore::default();
    let env = Api::configured({
        let store = store.clone();
        move |b| b.replay_store(Some(store))
    });
    let token = env.bound_token();
    let before = env.auth0.metrics();
    let proof = env.proof("GET", "/test", &token).sign();
    let reply = env.dpop("GET", "/test", &token, &proof).await;
    expect::server_error(&reply);
    assert_eq!(*store.calls.lock().unwrap(), 1);
    let after = env.auth0.metrics();
    assert_eq!(after.server_errors, before.server_errors + 1);
    assert_eq!(after.verified, before.verified);

    // A bad proof never reaches the store: the usual 400.
    let bad = env.proof("GET", "/wrong-url", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &bad).await,
        "DPoP Proof htu mismatch",
    );
    assert_eq!(*store.calls.lock().unwrap(), 1);
    let last = env.auth0.metrics();
    assert_eq!(last.server_errors, after.server_errors);
    assert_eq!(
        last.rejected_invalid_dpop_proof,
        after.rejected_invalid_dpop_proof + 1
    );
    // Bearer requests do not use the store.
    let unbound = env.issuer().token().sign();
    let reply = env
        .send(env.request("GET", "/test").bearer_auth(&unbound))
        .await;
    assert_eq!(expect::ok(&reply)["scheme"], "Bearer");
    assert_eq!(*store.calls.lock().unwrap(), 1);
}

// ---------------------------------------------------------------------------------------------
// The reference's DPoP tests (docs/compatibility.md §6.4), ported

#[get("/scoped")]
#[require_auth(scopes = "read:data")]
async fn scoped(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(json!({ "sub": claims.sub }))
}

fn scoped_env() -> Api {
    Api::builder()
        .routes(|cfg: &mut web::ServiceConfig| {
            cfg.service(scoped);
            e2e_support::echo_routes(cfg);
        })
        .start()
}

#[tokio::test]
async fn test_dpop_authentication_success() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).sign();
    let claims = expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
    assert_eq!(claims["sub"], "user_123");
}

#[tokio::test]
async fn test_dpop_authentication_missing_dpop_header() {
    let env = env();
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {}", env.bound_token()));
    expect::invalid_request(&env.send(req).await, "", MIXED_BARE);
    assert_eq!(
        env.issuer().discovery_fetches() + env.issuer().jwks_fetches(),
        0
    );
}

#[tokio::test]
async fn test_dpop_authentication_invalid_dpop_proof() {
    let env = env();
    let reply = env
        .dpop("GET", "/test", &env.bound_token(), "invalid.jwt.proof")
        .await;
    expect::invalid_dpop_proof(&reply, "Failed to verify DPoP proof");
    assert_eq!(
        env.issuer().discovery_fetches() + env.issuer().jwks_fetches(),
        0
    );
}

#[tokio::test]
async fn test_dpop_authentication_url_mismatch() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/wrong-url", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof htu mismatch",
    );
}

#[tokio::test]
async fn test_dpop_authentication_method_mismatch() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("POST", "/test", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof htm mismatch",
    );
}

#[tokio::test]
async fn test_dpop_with_scope_validation() {
    let env = scoped_env();
    let token = env
        .issuer()
        .token()
        .subject("user_123")
        .scope("read:data write:data")
        .bound_to(&env.key)
        .sign();
    let proof = env.proof("GET", "/scoped", &token).sign();
    let reply = env.dpop("GET", "/scoped", &token, &proof).await;
    assert_eq!(expect::ok(&reply)["sub"], "user_123");
}

/// The 403 carries a DPoP challenge naming the scope (D10), with the bare Bearer one (mixed).
#[tokio::test]
async fn test_dpop_with_invalid_scope() {
    let env = scoped_env();
    let token = env
        .issuer()
        .token()
        .scope("write:data")
        .bound_to(&env.key)
        .sign();
    let proof = env.proof("GET", "/scoped", &token).sign();
    let reply = env.dpop("GET", "/scoped", &token, &proof).await;
    expect::error_with_challenge(
        &reply,
        403,
        "insufficient_scope",
        "Insufficient scopes",
        "Bearer realm=\"api\", DPoP error=\"insufficient_scope\", error_description=\"Insufficient scopes\", scope=\"read:data\", algs=\"ES256\"",
    );
    // 401 beats 403: a bad proof on the scoped route is a proof error.
    let bad = env.proof("GET", "/test", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/scoped", &token, &bad).await,
        "DPoP Proof htu mismatch",
    );
}

// ---------------------------------------------------------------------------------------------
// The reference's `verify_dpop_proof` tests (docs/compatibility.md §6.7), ported to HTTP: the proof
// reaches the library through a route, with a token bound to the proof's key.

#[tokio::test]
async fn test_verify_dpop_proof_successfully() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
}

/// An empty access token cannot reach the proof check over HTTP: `DPoP ` alone is an unusable
/// Authorization header (400 `invalid_request`, no description).
#[tokio::test]
async fn test_verify_dpop_proof_fail_no_access_token() {
    let env = env();
    let proof = env.proof("GET", "/test", "").sign();
    let req = env
        .request("GET", "/test")
        .header("Authorization", "DPoP ")
        .header("DPoP", proof);
    expect::invalid_request(&env.send(req).await, "", MIXED_BARE);
}

/// An empty proof is a missing `DPoP` header.
#[tokio::test]
async fn test_verify_dpop_proof_fail_no_dpop_proof() {
    let env = env();
    let reply = env.dpop("GET", "/test", &env.bound_token(), "").await;
    expect::invalid_request(&reply, "", MIXED_BARE);
}

/// Over HTTP a request always has a method; an empty `htm` in the proof can never match it.
#[tokio::test]
async fn test_verify_dpop_proof_fail_no_http_method_url() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).htm("").sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof htm mismatch",
    );
}

/// Over HTTP the URL is built from the request; when it cannot be (a `Host` that is not a
/// plain `host[:port]`), no htu matches.
#[tokio::test]
async fn test_verify_dpop_proof_fail_no_http_url() {
    let env = env();
    let token = env.bound_token();
    for htu in ["http://a b/test", "http://a%20b/test", "http:///test"] {
        let proof = env.key.proof("GET", htu).access_token(&token).sign();
        let req = env
            .request("GET", "/test")
            .header("Host", "a b")
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof);
        expect::invalid_dpop_proof(&env.send(req).await, "DPoP Proof htu mismatch");
    }
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_no_typ() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .proof("GET", "/test", &token)
        .header("typ", Value::Null)
        .sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Unexpected JWT 'typ' header parameter value",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_invalid_typ() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .proof("GET", "/test", &token)
        .header("typ", "jwt")
        .sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Unexpected JWT 'typ' header parameter value",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_invalid_alg() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .proof("GET", "/test", &token)
        .header("alg", "RS256")
        .sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Unsupported algorithm in DPoP proof",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_no_jwk() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .proof("GET", "/test", &token)
        .header("jwk", Value::Null)
        .sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Missing or invalid jwk in header",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_invalid_jwk_format() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .proof("GET", "/test", &token)
        .header("jwk", "invalid_jwk")
        .sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Missing or invalid jwk in header",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_private_key_in_jwk() {
    let env = env();
    let token = env.bound_token();
    let mut jwk = env.key.public_jwk();
    jwk["d"] = json!("private");
    let proof = env.proof("GET", "/test", &token).header("jwk", jwk).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Private key material found in jwk header",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_with_missing_jwk_parameters() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .proof("GET", "/test", &token)
        .header("jwk", json!({ "kty": "RSA" }))
        .sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Only EC keys are supported for DPoP",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_no_iat() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).remove_claim("iat").sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Missing required claim: iat",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_invalid_iat_in_future() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).iat(now() + 3600).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof iat is from the future",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_iat_exact_boundary_conditions() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).iat(now() + 30).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
}

#[tokio::test]
async fn test_verify_dpop_proof_iat_in_past() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).iat(now() - 3600).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof iat is too old",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_iat_within_leeway() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).iat(now() - 30).sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_empty_jti() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).jti("").sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "jti claim must not be empty",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_custom_jti_value() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .proof("GET", "/test", &token)
        .jti("custom-jti-value-12345")
        .sign();
    expect::dpop_ok(&env.dpop("GET", "/test", &token, &proof).await, &env.key);
}

#[tokio::test]
async fn test_verify_dpop_proof_with_missing_jti() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", &token).remove_claim("jti").sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "Missing required claim: jti",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_htm_mismatch() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("POST", "/test", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof htm mismatch",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_htu_mismatch() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/wrong-url", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/r", &token, &proof).await,
        "DPoP Proof htu mismatch",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_htu_url_normalization_case_sensitivity() {
    let env = env();
    let token = env.bound_token();
    let proof = env
        .key
        .proof("GET", "http://API.EXAMPLE.COM/r")
        .access_token(&token)
        .sign();
    let req = env
        .request("GET", "/r")
        .header("Host", "api.example.com")
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof);
    expect::dpop_ok(&env.send(req).await, &env.key);
}

#[tokio::test]
async fn test_verify_dpop_proof_htu_trailing_slash_mismatch() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/r/", &token).sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/r", &token, &proof).await,
        "DPoP Proof htu mismatch",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_htu_query_parameters() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/r?param1=value1", &token).sign();
    expect::dpop_ok(
        &env.dpop("GET", "/r?param2=value2", &token, &proof).await,
        &env.key,
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_htu_port_numbers() {
    let env = env();
    let token = env.bound_token();
    // The app is plain HTTP, so the default port is 80 (the reference's case is https and 443;
    // see reverse_proxy.rs for that through a trusted proxy).
    let proof = env
        .key
        .proof("GET", "http://api.example.com:80/r")
        .access_token(&token)
        .sign();
    let req = env
        .request("GET", "/r")
        .header("Host", "api.example.com")
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof);
    expect::dpop_ok(&env.send(req).await, &env.key);
}

#[tokio::test]
async fn test_verify_dpop_proof_htu_fragment_handling() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/r#fragment1", &token).sign();
    // reqwest never sends a fragment; the request URL has none and the proof's is ignored.
    expect::dpop_ok(
        &env.dpop("GET", "/r#fragment2", &token, &proof).await,
        &env.key,
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_htu_trailing_slash_preserved() {
    let env = env();
    let token = env.bound_token();
    for htu_path in ["/r/?abc=def", "/r/#fragment"] {
        let proof = env.proof("GET", htu_path, &token).sign();
        expect::dpop_ok(&env.dpop("GET", "/r/", &token, &proof).await, &env.key);
    }
}

#[tokio::test]
async fn test_verify_dpop_proof_fail_ath_mismatch() {
    let env = env();
    let token = env.bound_token();
    let proof = env.proof("GET", "/test", "wrong_token").sign();
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        "DPoP Proof ath mismatch",
    );
}

#[tokio::test]
async fn test_verify_dpop_proof_with_invalid_signature() {
    let env = env();
    let token = env.bound_token();
    let proof = with_broken_signature(&env.proof("GET", "/test", &token).sign());
    expect::invalid_dpop_proof(
        &env.dpop("GET", "/test", &token, &proof).await,
        BAD_SIGNATURE,
    );
}
