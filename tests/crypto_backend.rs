//! The RustCrypto signature backend (feature `rust-crypto`, `CryptoBackend::RustCrypto`) end to
//! end: over real HTTP against a local issuer, tokens of every algorithm and DPoP proofs verify
//! exactly as with the default aws-lc-rs backend, and tampered ones are refused the same way.
#![cfg(feature = "rust-crypto")]

use auth0_actix::testing::{DpopKey, LocalIssuer};
use auth0_actix::{Algorithm, CryptoBackend};
use e2e_support::{builder_for, send, Reply};

/// A token with its signature's first character changed (the last one may only touch padding
/// bits of the base64url text).
fn tampered(token: &str) -> String {
    let dot = token.rfind('.').expect("a JWS");
    let mut bytes = token.as_bytes().to_vec();
    bytes[dot + 1] = if bytes[dot + 1] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = e2e_support::client().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(request).await
}

#[tokio::test]
async fn both_backends_accept_and_refuse_the_same_tokens_for_every_algorithm() {
    for alg in Algorithm::ALL {
        let issuer = LocalIssuer::builder().key_algorithm(alg).start();
        let token = issuer.token().subject("rust-crypto").sign();
        for backend in [CryptoBackend::AwsLc, CryptoBackend::RustCrypto] {
            let auth0 = builder_for(&issuer)
                .algorithms([alg])
                .crypto_backend(backend)
                .verified_token_cache(0)
                .build()
                .expect("a valid configuration");
            let app = e2e_support::start(auth0, e2e_support::echo_routes);
            let url = app.at("/test");
            let reply = get(&url, &[("Authorization", &format!("Bearer {token}"))]).await;
            assert_eq!(
                reply.status,
                200,
                "{alg} on {backend:?}: {:?}",
                reply.json()
            );
            assert_eq!(reply.json()["claims"]["sub"], "rust-crypto");
            let bad = format!("Bearer {}", tampered(&token));
            let reply = get(&url, &[("Authorization", &bad)]).await;
            reply.assert_error(
                401,
                "invalid_token",
                "Signature verification failed: bad_signature",
            );
        }
    }
}

#[tokio::test]
async fn dpop_proofs_verify_with_the_rust_crypto_backend() {
    let issuer = LocalIssuer::start();
    let auth0 = builder_for(&issuer)
        .crypto_backend(CryptoBackend::RustCrypto)
        .build()
        .expect("a valid configuration");
    let app = e2e_support::start(auth0, e2e_support::echo_routes);
    let url = app.at("/test");
    let key = DpopKey::generate();
    let token = issuer.token().bound_to(&key).sign();
    let authorization = format!("DPoP {token}");
    let proof = key.proof("GET", &url).access_token(&token).sign();
    let reply = get(&url, &[("Authorization", &authorization), ("DPoP", &proof)]).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    assert_eq!(reply.json()["scheme"], "DPoP");

    let proof = key.proof("GET", &url).access_token(&token).sign();
    let reply = get(
        &url,
        &[
            ("Authorization", &authorization),
            ("DPoP", &tampered(&proof)),
        ],
    )
    .await;
    reply.assert_error(
        400,
        "invalid_dpop_proof",
        "JWT signature verification failed: bad_signature (or a key not on the curve)",
    );
}
