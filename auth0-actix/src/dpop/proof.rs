//! Verifying one DPoP proof JWT, in the reference's order (`behaviour.md` §3.2), with proof
//! fields of the wrong type answered 400 instead of 500 (D3) and `htm` compared exactly (D8).

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{digest, SHA256};
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::config::Config;
use crate::crypto::{Material, PublicKey};
use crate::error::AuthError;
use crate::token::{decode_object, now, split, B64};

/// Largest DPoP proof accepted (bytes).
pub const MAX_PROOF_BYTES: usize = 8 * 1024;

fn bad(description: impl Into<std::borrow::Cow<'static, str>>) -> AuthError {
    AuthError::invalid_dpop_proof(description)
}

/// A proof whose header was decoded (check 4 of the request branch).
pub(crate) struct ParsedProof<'p> {
    header: Map<String, Value>,
    payload_segment: &'p str,
    signing_input: &'p str,
    signature: &'p str,
}

/// Splits the proof and decodes its header; any failure is "Failed to verify DPoP proof".
pub(crate) fn parse(proof: &str) -> Result<ParsedProof<'_>, AuthError> {
    let failed = || bad("Failed to verify DPoP proof");
    if proof.len() > MAX_PROOF_BYTES {
        return Err(failed());
    }
    let (h, p, s) = split(proof).map_err(|_| failed())?;
    let header = decode_object(h, "header").map_err(|_| failed())?;
    Ok(ParsedProof {
        header,
        payload_segment: p,
        signing_input: &proof[..h.len() + 1 + p.len()],
        signature: s,
    })
}

/// What a verified proof tells the caller.
pub(crate) struct VerifiedProof {
    /// RFC 7638 thumbprint of the proof's public key.
    pub(crate) jkt: String,
    pub(crate) jti: String,
    pub(crate) iat: f64,
}

/// The JWK `kty` and `crv` a proof algorithm needs.
fn key_shape(alg: Algorithm) -> Option<(&'static str, &'static str, usize)> {
    match alg {
        Algorithm::ES256 => Some(("EC", "P-256", 32)),
        Algorithm::ES384 => Some(("EC", "P-384", 48)),
        Algorithm::EdDSA => Some(("OKP", "Ed25519", 32)),
        _ => None,
    }
}

/// Checks the proof against the access token, method and URL of the request.
pub(crate) fn verify(
    cfg: &Config,
    proof: &ParsedProof<'_>,
    access_token: &str,
    method: &str,
    url: Option<&str>,
) -> Result<VerifiedProof, AuthError> {
    let header = &proof.header;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(bad("Unexpected JWT 'typ' header parameter value"));
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(|a| a.parse::<Algorithm>().ok())
        .filter(|a| cfg.proof_algorithms.contains(a))
        .ok_or_else(|| bad("Unsupported algorithm in DPoP proof"))?;
    let (kty, crv, coord_len) =
        key_shape(alg).ok_or_else(|| bad("Unsupported algorithm in DPoP proof"))?;
    let jwk = header
        .get("jwk")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("Missing or invalid jwk in header"))?;
    if jwk.contains_key("d") {
        return Err(bad("Private key material found in jwk header"));
    }
    if jwk.get("kty").and_then(Value::as_str) != Some(kty) {
        return Err(bad(format!("Only {kty} keys are supported for DPoP")));
    }
    if jwk.get("crv").and_then(Value::as_str) != Some(crv) {
        return Err(bad(format!("Only {crv} curve is supported")));
    }
    let coord = |name: &str| -> Result<(&str, Vec<u8>), AuthError> {
        let text = jwk.get(name).and_then(Value::as_str).unwrap_or_default();
        match B64.decode(text) {
            Ok(bytes) if bytes.len() == coord_len => Ok((text, bytes)),
            _ => Err(bad(format!(
                "JWT signature verification failed: invalid jwk '{name}'"
            ))),
        }
    };
    let (x_text, x) = coord("x")?;
    let (y, thumbprint_input) = if kty == "EC" {
        let (y_text, y) = coord("y")?;
        (
            y,
            format!(r#"{{"crv":"{crv}","kty":"EC","x":"{x_text}","y":"{y_text}"}}"#),
        )
    } else {
        (
            Vec::new(),
            format!(r#"{{"crv":"{crv}","kty":"OKP","x":"{x_text}"}}"#),
        )
    };
    let material = if kty == "EC" {
        Material::Ec { x: &x, y: &y }
    } else {
        Material::Okp { x: &x }
    };
    let signature = B64
        .decode(proof.signature)
        .map_err(|_| bad("JWT signature verification failed: signature is not valid base64url"))?;
    let verified = PublicKey::new(cfg.crypto_backend, alg, material)
        .is_ok_and(|key| key.verify(proof.signing_input.as_bytes(), &signature));
    if !verified {
        return Err(bad(
            "JWT signature verification failed: bad_signature (or a key not on the curve)",
        ));
    }

    let claims = decode_object(proof.payload_segment, "payload")
        .map_err(|e| bad(format!("Failed to verify DPoP proof: {e}")))?;
    let missing: Vec<&str> = ["iat", "ath", "htm", "htu", "jti"]
        .into_iter()
        .filter(|c| claims.get(*c).is_none_or(Value::is_null))
        .collect();
    match missing.as_slice() {
        [] => {}
        [one] => return Err(bad(format!("Missing required claim: {one}"))),
        many => return Err(bad(format!("Missing required claims: {}", many.join(", ")))),
    }
    let jti = match &claims["jti"] {
        Value::String(s) if s.trim().is_empty() => return Err(bad("jti claim must not be empty")),
        Value::String(s) => s.clone(),
        _ => return Err(bad("jti claim must be a string")),
    };
    let iat = claims["iat"]
        .as_f64()
        .ok_or_else(|| bad("Invalid iat claim (must be integer or float)"))?;
    let now = now(cfg) as f64;
    if iat < now - cfg.dpop_iat_offset as f64 {
        return Err(bad("DPoP Proof iat is too old"));
    }
    if iat > now + cfg.dpop_iat_leeway as f64 {
        return Err(bad("DPoP Proof iat is from the future"));
    }
    if claims["htm"].as_str() != Some(method) {
        return Err(bad("DPoP Proof htm mismatch"));
    }
    let htu_ok = match (claims["htu"].as_str(), url) {
        (Some(claimed), Some(actual)) => super::htu::matches(claimed, actual),
        _ => false,
    };
    if !htu_ok {
        return Err(bad("DPoP Proof htu mismatch"));
    }
    let expected_ath = B64.encode(digest(&SHA256, access_token.as_bytes()));
    let ath_ok = claims["ath"].as_str().is_some_and(|ath| {
        verify_slices_are_equal(ath.as_bytes(), expected_ath.as_bytes()).is_ok()
    });
    if !ath_ok {
        return Err(bad("DPoP Proof ath mismatch"));
    }
    let jkt = B64.encode(digest(&SHA256, thumbprint_input.as_bytes()));
    Ok(VerifiedProof { jkt, jti, iat })
}
