//! The RustCrypto signature backend (feature `rust-crypto`, `CryptoBackend::RustCrypto`) end to
//! end: over real HTTP against a local issuer, tokens of every algorithm and DPoP proofs verify
//! exactly as with the default aws-lc-rs backend, and tampered ones are refused the same way.
#![cfg(feature = "rust-crypto")]

use auth0_actix::testing::{DpopKey, LocalIssuer};
use auth0_actix::{Algorithm, CryptoBackend};
use e2e_support::{expect, Api};

/// A token with its signature's first character changed (the last one may only touch padding
/// bits of the base64url text).
fn tampered(token: &str) -> String {
    let dot = token.rfind('.').expect("a JWS");
    let mut bytes = token.as_bytes().to_vec();
    bytes[dot + 1] = if bytes[dot + 1] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

#[tokio::test]
async fn both_backends_accept_and_refuse_the_same_tokens_for_every_algorithm() {
    for alg in Algorithm::ALL {
        let issuer = LocalIssuer::builder().key_algorithm(alg).start();
        let token = issuer.token().subject("rust-crypto").sign();
        for backend in [CryptoBackend::AwsLc, CryptoBackend::RustCrypto] {
            let api = Api::builder()
                .configuration(issuer.auth0_builder())
                .configure(move |b| {
                    b.algorithms([alg])
                        .crypto_backend(backend)
                        .verified_token_cache(0)
                })
                .start();
            let reply = api.bearer(&token).await;
            assert_eq!(
                reply.status,
                200,
                "{alg} on {backend:?}: {:?}",
                reply.json()
            );
            assert_eq!(reply.json()["claims"]["sub"], "rust-crypto");
            let reply = api.bearer(&tampered(&token)).await;
            expect::error(
                &reply,
                401,
                "invalid_token",
                "Signature verification failed: bad_signature",
            );
        }
    }
}

#[tokio::test]
async fn dpop_proofs_verify_with_the_rust_crypto_backend() {
    let api = Api::configured(|b| b.crypto_backend(CryptoBackend::RustCrypto));
    let url = api.at("/test");
    let key = DpopKey::generate();
    let token = api.issuer().token().bound_to(&key).sign();
    let proof = key.proof("GET", &url).access_token(&token).sign();
    let reply = api.dpop("GET", "/test", &token, &proof).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    assert_eq!(reply.json()["scheme"], "DPoP");

    let proof = key.proof("GET", &url).access_token(&token).sign();
    let reply = api.dpop("GET", "/test", &token, &tampered(&proof)).await;
    expect::error(
        &reply,
        400,
        "invalid_dpop_proof",
        "JWT signature verification failed: bad_signature (or a key not on the curve)",
    );
}
