//! DPoP proof-of-possession (RFC 9449): the replay store an application may plug in
//! ([`ReplayStore`], [`InMemoryReplayStore`]).
//!
//! Inside the crate this module holds the checks of the DPoP scheme, each a step the request
//! pipeline calls in the reference's order (`docs/compatibility.md` §3.1): one proof only
//! (README Differences, D5) → its header decodes (`Policy::parse`) → (the access token
//! verifies) → the token has `cnf` (`confirmation`) → the proof verifies (`Policy::check`:
//! `typ`, `alg`, `jwk`, signature, claims, `iat` window, `htm` (D8), `htu`, `ath`) → `cnf.jkt`
//! equals the proof key's thumbprint (`bind`) → the proof was not seen before
//! (`Policy::remember`, D7). `Policy` is this stage's own settings, built by the builder;
//! `proof` checks one proof, `htu` compares URLs, `replay` remembers proofs.

mod htu;
mod proof;
mod replay;

use std::sync::Arc;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use serde_json::Value;

pub(crate) use proof::{ParsedProof, Rules, VerifiedProof};
pub use replay::{InMemoryReplayStore, ReplayStore, ReplayStoreError};

use crate::claims::{truthy, Claims};
use crate::clock::Clock;
use crate::error::AuthError;

/// How DPoP (RFC 9449) is handled: set with [`Auth0Builder::dpop_mode`](crate::Auth0Builder::dpop_mode)
/// (or the reference's `dpop_enabled` / `dpop_required` pair).
///
/// ```
/// use auth0_actix::{Auth0, DpopMode};
/// let auth0 = Auth0::builder()
///     .domain("tenant.us.auth0.com")
///     .audience("https://api.example.com")
///     .build()?;
/// assert_eq!(auth0.dpop_mode(), DpopMode::Allowed);
/// # Ok::<(), auth0_actix::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DpopMode {
    /// `dpop_enabled = false`: Bearer only; the `DPoP` scheme is an unknown scheme and a `DPoP`
    /// header beside a Bearer token is ignored.
    Disabled,
    /// The default ("mixed"): Bearer and DPoP are both accepted.
    #[default]
    Allowed,
    /// `dpop_required = true`: only DPoP is accepted.
    Required,
}

/// The DPoP stage's settings and replay memory.
pub(crate) struct Policy {
    /// What one proof's checks read.
    pub(crate) proof: Rules,
    /// `None`: replay protection off.
    pub(crate) replay_store: Option<Arc<dyn ReplayStore>>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Policy {
    /// The proof's framing and header (checks 1–4 of the DPoP branch): one proof, not too
    /// large, three segments, a header that decodes. `buf` holds the decoded header, which the
    /// parsed proof borrows.
    pub(crate) fn parse<'p>(
        &self,
        proof: &'p str,
        buf: &'p mut Vec<u8>,
    ) -> Result<ParsedProof<'p>, AuthError> {
        if proof.contains(',') {
            return Err(AuthError::invalid_dpop_proof(
                "Multiple DPoP proofs are not allowed",
            ));
        }
        proof::parse(proof, buf)
    }

    /// Checks the proof against the access token, the request's method and its public URL.
    pub(crate) fn check(
        &self,
        proof: &ParsedProof<'_>,
        access_token: &str,
        method: &str,
        url: Option<&str>,
    ) -> Result<VerifiedProof, AuthError> {
        let now = self.clock.now().as_secs();
        proof::verify(&self.proof, now, proof, access_token, method, url)
    }

    /// Records the proof as used; a proof seen before within its window is a replay (D7). A
    /// failing store is a 500 (replay protection fails closed).
    pub(crate) async fn remember(&self, proof: &VerifiedProof) -> Result<(), AuthError> {
        let Some(store) = &self.replay_store else {
            return Ok(());
        };
        // Remember the proof for as long as its iat stays acceptable.
        let expires_at = (proof.iat.max(0.0) as u64)
            .saturating_add(self.proof.iat_offset)
            .saturating_add(1);
        let now = self.clock.now().as_secs();
        let key = replay::replay_key(&proof.jkt, &proof.jti);
        match store.insert_if_absent(key, expires_at, now).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AuthError::invalid_dpop_proof(
                "DPoP proof has already been used (jti replay)",
            )),
            Err(e) => Err(AuthError::internal(&e)),
        }
    }
}

/// The token must carry a confirmation claim. `cnf` and `cnf.jkt` are tested by the
/// reference's truthiness (`docs/compatibility.md` §3.1): a `cnf` of `{}`, `""` or `0` is "no
/// confirmation claim", a `jkt` of `123` is "present" but cannot match.
pub(crate) fn confirmation(claims: &Claims) -> Result<(), AuthError> {
    match claims.get("cnf") {
        Some(Value::Object(cnf)) if !cnf.is_empty() => Ok(()),
        Some(cnf) if truthy(cnf) => Err(AuthError::invalid_token(
            "JWT Access Token has invalid confirmation claim format",
        )),
        _ => Err(AuthError::invalid_token(
            "JWT Access Token has no jkt confirmation claim",
        )),
    }
}

/// The token's `cnf.jkt` must equal the proof key's thumbprint (compared in constant time).
pub(crate) fn bind(claims: &Claims, proof: &VerifiedProof) -> Result<(), AuthError> {
    let jkt = claims
        .bound_jkt()
        .ok_or_else(|| AuthError::invalid_token("Access token 'cnf' claim missing 'jkt'"))?;
    let matches = jkt
        .as_str()
        .is_some_and(|jkt| verify_slices_are_equal(jkt.as_bytes(), proof.jkt.as_bytes()).is_ok());
    if matches {
        Ok(())
    } else {
        Err(AuthError::invalid_token(
            "JWT Access Token confirmation mismatch",
        ))
    }
}
