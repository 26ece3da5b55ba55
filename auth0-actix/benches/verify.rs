//! Verification cost, with the raw signature checks it is built on measured in the same run.
//!
//! `cargo bench -p auth0-actix --features testing --bench verify`
//!
//! Groups:
//! - `baseline/*`: one raw RSA-2048 PKCS#1 v1.5 verify and one P-256 ECDSA verify (aws-lc-rs,
//!   with the key parsed per call as `UnparsedPublicKey` does, and pre-parsed), the same checks
//!   through jsonwebtoken's two backends and the `p256` crate, and SHA-256 of a token.
//! - `bearer/*`: `Auth0::verify_access_token` with cached keys (verified-token cache off), with
//!   the verified-token cache, and `jsonwebtoken::decode` of the same token for comparison.
//! - `request/*`: the whole pipeline from an `HttpRequest`: Bearer, DPoP (a fresh proof per
//!   iteration, minted outside the timing), a rejected request (error + challenge rendering).
//! - `parse/*`, `scope/*`: Authorization parsing (through a rejected scheme) and scope checks.
//! - `rust_crypto/*` (with `--features testing,rust-crypto`): Bearer and DPoP verification
//!   through `CryptoBackend::RustCrypto`, the alternative backend, in the same run.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use actix_web::test::TestRequest;
use actix_web::ResponseError;
use auth0_actix::testing::{DpopKey, LocalIssuer};
use auth0_actix::{Auth0, Grants, Requirement};
use aws_lc_rs::signature::{self, ParsedPublicKey, UnparsedPublicKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::Value;

/// Polls a future that must complete without waiting (everything here is cached).
fn now<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the hot path awaited something"),
    }
}

struct Fixture {
    /// Serves the keys for the benches' lifetime (and configures the `rust_crypto` group).
    #[cfg_attr(not(feature = "rust-crypto"), allow(dead_code))]
    issuer: LocalIssuer,
    uncached: Auth0,
    cached: Auth0,
    token: String,
    jwk: Value,
    dpop_key: DpopKey,
    bound_token: String,
}

fn fixture() -> Fixture {
    // Both jsonwebtoken backends are compiled in for comparison: choose its default explicitly.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let issuer = LocalIssuer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let uncached = issuer
        .auth0_builder()
        .verified_token_cache(0)
        .build()
        .unwrap();
    let cached = issuer.auth0_builder().build().unwrap();
    runtime.block_on(async {
        uncached.warm_up().await.unwrap();
        cached.warm_up().await.unwrap();
    });
    let token = issuer
        .token()
        .scope("read:messages read:data write:data")
        .sign();
    let dpop_key = DpopKey::generate();
    let bound_token = issuer.token().bound_to(&dpop_key).sign();
    let jwk = issuer.signing_key().public_jwk();
    Fixture {
        issuer,
        uncached,
        cached,
        token,
        jwk,
        dpop_key,
        bound_token,
    }
}

fn split(token: &str) -> (&str, Vec<u8>) {
    let dot = token.rfind('.').unwrap();
    (&token[..dot], B64.decode(&token[dot + 1..]).unwrap())
}

fn rsa_der(jwk: &Value) -> Vec<u8> {
    // Re-encode n/e as PKCS#1 through aws-lc-rs' own component type (RsaPublicKeyComponents
    // verifies from components directly; for the parsed baseline we go through a JWKS-like
    // path below instead).
    let n = B64.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = B64.decode(jwk["e"].as_str().unwrap()).unwrap();
    fn int(b: &[u8]) -> Vec<u8> {
        let mut v = vec![0x02];
        let mut body = b.to_vec();
        if body[0] & 0x80 != 0 {
            body.insert(0, 0);
        }
        len(&mut v, body.len());
        v.extend(body);
        v
    }
    fn len(v: &mut Vec<u8>, n: usize) {
        if n < 128 {
            v.push(n as u8);
        } else if n < 256 {
            v.extend([0x81, n as u8]);
        } else {
            v.extend([0x82, (n >> 8) as u8, n as u8]);
        }
    }
    let (n, e) = (int(&n), int(&e));
    let mut out = vec![0x30];
    len(&mut out, n.len() + e.len());
    out.extend(n);
    out.extend(e);
    out
}

fn baselines(c: &mut Criterion, f: &Fixture) {
    let (message, sig) = split(&f.token);
    let der = rsa_der(&f.jwk);
    let parsed = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &der).unwrap();
    let mut g = c.benchmark_group("baseline");
    g.bench_function("rsa2048_verify_aws_lc_parse_per_call", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &der)
                .verify(message.as_bytes(), &sig)
                .unwrap()
        })
    });
    g.bench_function("rsa2048_verify_aws_lc_preparsed", |b| {
        b.iter(|| parsed.verify_sig(message.as_bytes(), &sig).unwrap())
    });
    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_components(
        f.jwk["n"].as_str().unwrap(),
        f.jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    for (name, provider) in [
        (
            "rsa2048_verify_jsonwebtoken_aws_lc",
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        ),
        (
            "rsa2048_verify_jsonwebtoken_rust_crypto",
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let verifier =
                    (provider.verifier_factory)(&jsonwebtoken::Algorithm::RS256, &jwt_key).unwrap();
                signature_verify(&*verifier, message.as_bytes(), &sig)
            })
        });
    }

    // P-256: a DPoP proof's signature.
    let proof = f
        .dpop_key
        .proof("GET", "https://api.test/r")
        .access_token(&f.bound_token)
        .sign();
    let (p_msg, p_sig) = split(&proof);
    let jwk = f.dpop_key.public_jwk();
    let mut point = vec![4u8];
    point.extend(B64.decode(jwk["x"].as_str().unwrap()).unwrap());
    point.extend(B64.decode(jwk["y"].as_str().unwrap()).unwrap());
    g.bench_function("p256_verify_aws_lc", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
                .verify(p_msg.as_bytes(), &p_sig)
                .unwrap()
        })
    });
    g.bench_function("p256_verify_p256_crate", |b| {
        use p256::ecdsa::signature::Verifier as _;
        b.iter(|| {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
            let sig = p256::ecdsa::Signature::from_slice(&p_sig).unwrap();
            key.verify(p_msg.as_bytes(), &sig).unwrap()
        })
    });
    g.bench_function("sha256_of_token", |b| {
        b.iter(|| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, f.token.as_bytes()))
    });
    g.finish();
}

fn signature_verify(v: &dyn jsonwebtoken::crypto::JwtVerifier, msg: &[u8], sig: &[u8]) -> bool {
    let sig = sig.to_vec();
    v.verify(msg, &sig).is_ok()
}

fn bearer(c: &mut Criterion, f: &Fixture) {
    let mut g = c.benchmark_group("bearer");
    g.bench_function("verify_access_token_keys_cached", |b| {
        b.iter(|| now(f.uncached.verify_access_token(&f.token)).unwrap())
    });
    g.bench_function("verify_access_token_token_cached", |b| {
        b.iter(|| now(f.cached.verify_access_token(&f.token)).unwrap())
    });
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        f.jwk["n"].as_str().unwrap(),
        f.jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[f.cached.audience()]);
    g.bench_function("jsonwebtoken_decode_aws_lc", |b| {
        b.iter(|| jsonwebtoken::decode::<Value>(&f.token, &key, &validation).unwrap())
    });
    g.finish();
}

/// A DPoP request with a fresh proof (minted outside the timing: `iter_batched` set-up).
fn dpop_request(f: &Fixture) -> actix_web::HttpRequest {
    let proof = f
        .dpop_key
        .proof("GET", "http://localhost:8080/r")
        .access_token(&f.bound_token)
        .sign();
    TestRequest::get()
        .uri("/r")
        .insert_header(("Host", "localhost:8080"))
        .insert_header(("Authorization", format!("DPoP {}", f.bound_token)))
        .insert_header(("DPoP", proof))
        .to_http_request()
}

fn request(c: &mut Criterion, f: &Fixture) {
    let mut g = c.benchmark_group("request");
    let bearer = format!("Bearer {}", f.token);
    g.bench_function("bearer_keys_cached", |b| {
        b.iter_batched(
            || {
                TestRequest::get()
                    .uri("/r")
                    .insert_header(("Authorization", bearer.as_str()))
                    .to_http_request()
            },
            |req| now(f.uncached.verify_request(&req)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("bearer_token_cached", |b| {
        b.iter_batched(
            || {
                TestRequest::get()
                    .uri("/r")
                    .insert_header(("Authorization", bearer.as_str()))
                    .to_http_request()
            },
            |req| now(f.cached.verify_request(&req)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    for (name, auth0) in [
        ("dpop_keys_cached", &f.uncached),
        ("dpop_token_cached", &f.cached),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || dpop_request(f),
                |req| now(auth0.verify_request(&req)).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    let tampered = format!("Bearer {}x", f.token);
    g.bench_function("rejected_with_challenge", |b| {
        b.iter_batched(
            || {
                TestRequest::get()
                    .uri("/r")
                    .insert_header(("Authorization", tampered.as_str()))
                    .to_http_request()
            },
            |req| {
                now(f.uncached.verify_request(&req))
                    .unwrap_err()
                    .error_response()
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("parse_unknown_scheme", |b| {
        b.iter_batched(
            || {
                TestRequest::get()
                    .uri("/r")
                    .insert_header(("Authorization", "Basic dXNlcjpwYXNz"))
                    .to_http_request()
            },
            |req| now(f.uncached.verify_request(&req)).unwrap_err(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn scope(c: &mut Criterion, f: &Fixture) {
    let claims = now(f.cached.verify_access_token(&f.token)).unwrap();
    let all = Requirement::all(["read:data", "write:data"]);
    let nested = Requirement::all([
        Requirement::scope("read:data"),
        Requirement::any(["admin", "write:data"]),
    ]);
    let mut g = c.benchmark_group("scope");
    g.bench_function("all_of_two", |b| {
        b.iter(|| assert!(all.is_satisfied_by(&claims, Grants::Scope)))
    });
    g.bench_function("nested_any", |b| {
        b.iter(|| assert!(nested.is_satisfied_by(&claims, Grants::Scope)))
    });
    g.finish();
}

/// The same verifications with the pure-Rust backend (keys cached, verified-token cache off).
#[cfg(feature = "rust-crypto")]
fn rust_crypto(c: &mut Criterion, f: &Fixture) {
    let auth0 = f
        .issuer
        .auth0_builder()
        .verified_token_cache(0)
        .crypto_backend(auth0_actix::CryptoBackend::RustCrypto)
        .build()
        .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(auth0.warm_up())
        .unwrap();
    let mut g = c.benchmark_group("rust_crypto");
    g.bench_function("verify_access_token_keys_cached", |b| {
        b.iter(|| now(auth0.verify_access_token(&f.token)).unwrap())
    });
    g.bench_function("request_dpop_keys_cached", |b| {
        b.iter_batched(
            || dpop_request(f),
            |req| now(auth0.verify_request(&req)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    baselines(c, &f);
    bearer(c, &f);
    request(c, &f);
    scope(c, &f);
    #[cfg(feature = "rust-crypto")]
    rust_crypto(c, &f);
}

criterion_group!(verify, benches);
criterion_main!(verify);
