//! DPoP proof-of-possession (RFC 9449): the DPoP-scheme branch of the pipeline.
//!
//! Order (`behaviour.md` §3.1): `DPoP` header present → one proof only (D5) → proof header
//! decodes → access token verifies (401) → token has `cnf` → proof verifies (400: `typ`, `alg`,
//! `jwk`, signature, claims, `iat` window, `htm` (D8), `htu`, `ath`) → `cnf.jkt` present and
//! equal to the proof key's thumbprint (401) → the proof was not seen before (D7).
//!
//! - [`proof`](self): one proof's checks; `htu`: URL comparison; [`ReplayStore`]: replay memory.

mod htu;
mod proof;
mod replay;

use actix_web::HttpRequest;
use aws_lc_rs::constant_time::verify_slices_are_equal;
use serde_json::Value;

pub use proof::MAX_PROOF_BYTES;
pub use replay::{
    BoxFuture, InMemoryReplayStore, ReplayStore, ReplayStoreError, DEFAULT_REPLAY_CAPACITY,
};

use crate::challenge::Scheme;
use crate::claims::truthy;
use crate::config::Config;
use crate::error::AuthError;
use crate::request;
use crate::token;
use crate::verify::Authenticated;

/// Verifies a request that used the DPoP scheme (DPoP is enabled: the caller checked).
pub(crate) async fn verify_request(
    cfg: &Config,
    req: &HttpRequest,
    access_token: &str,
) -> Result<Authenticated, AuthError> {
    verify(cfg, req, access_token)
        .await
        .map_err(|e| e.on_scheme(Scheme::DPoP))
}

async fn verify(
    cfg: &Config,
    req: &HttpRequest,
    access_token: &str,
) -> Result<Authenticated, AuthError> {
    let proof = request::dpop_proof(req)?.ok_or_else(AuthError::invalid_request)?;
    if proof.contains(',') {
        return Err(AuthError::invalid_dpop_proof(
            "Multiple DPoP proofs are not allowed",
        ));
    }
    let mut header = Vec::new();
    let parsed = proof::parse(proof, &mut header)?;
    let context = token::RequestContext {
        req,
        trust_proxy: cfg.trust_proxy,
    };
    let claims = token::verify(cfg, access_token, Some(context)).await?;
    // §3.1 steps 7, 9 and 10 test `cnf` and `cnf.jkt` by Python truthiness: a `cnf` of `{}`,
    // `""` or `0` is "no confirmation claim", a `jkt` of `123` is "present" but cannot match.
    match claims.get("cnf") {
        Some(Value::Object(cnf)) if !cnf.is_empty() => {}
        Some(cnf) if truthy(cnf) => {
            return Err(AuthError::invalid_token(
                "JWT Access Token has invalid confirmation claim format",
            ))
        }
        _ => {
            return Err(AuthError::invalid_token(
                "JWT Access Token has no jkt confirmation claim",
            ))
        }
    }
    let url = request::request_url(req, cfg.trust_proxy);
    let verified = proof::verify(
        cfg,
        &parsed,
        access_token,
        req.method().as_str(),
        url.as_deref(),
    )?;
    let jkt = claims
        .bound_jkt()
        .ok_or_else(|| AuthError::invalid_token("Access token 'cnf' claim missing 'jkt'"))?;
    let matches = jkt.as_str().is_some_and(|jkt| {
        verify_slices_are_equal(jkt.as_bytes(), verified.jkt.as_bytes()).is_ok()
    });
    if !matches {
        return Err(AuthError::invalid_token(
            "JWT Access Token confirmation mismatch",
        ));
    }
    if let Some(store) = &cfg.replay_store {
        // Remember the proof for as long as its iat stays acceptable.
        let expires_at = (verified.iat.max(0.0) as u64)
            .saturating_add(cfg.dpop_iat_offset)
            .saturating_add(1);
        let now = token::now(cfg).max(0) as u64;
        let key = replay::replay_key(&verified.jkt, &verified.jti);
        match store.insert_if_absent(key, expires_at, now).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(AuthError::invalid_dpop_proof(
                    "DPoP proof has already been used (jti replay)",
                ))
            }
            Err(e) => return Err(AuthError::internal(&e)),
        }
    }
    Ok(Authenticated {
        claims,
        scheme: Scheme::DPoP,
        jkt: Some(verified.jkt),
    })
}
