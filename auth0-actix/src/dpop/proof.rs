//! Verifying one DPoP proof JWT, in the reference's order (`docs/compatibility.md` §3.2), with
//! proof fields of the wrong type answered 400 instead of 500 (README Differences, D3) and `htm`
//! compared exactly (D8). The proof's JSON is read with [`jose::members`](crate::jose::members).

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{digest, Context, SHA256};
use base64::Engine as _;

use crate::algorithm::Algorithm;
use crate::crypto::{CryptoBackend, Material, PublicKey};
use crate::error::AuthError;
use crate::jose::members::{as_str, decode_members, Member, Members};
use crate::jose::{split, B64};

/// Largest DPoP proof accepted (bytes).
pub(crate) const MAX_PROOF_BYTES: usize = 8 * 1024;

fn bad(description: impl Into<std::borrow::Cow<'static, str>>) -> AuthError {
    AuthError::invalid_dpop_proof(description)
}

/// A proof whose header was decoded (check 4 of the request branch).
pub(crate) struct ParsedProof<'p> {
    header: Members<'p, 3>,
    payload_segment: &'p str,
    signing_input: &'p str,
    signature: &'p str,
}

/// The header members the checks read, in this order.
const HEADER: [&str; 3] = ["typ", "alg", "jwk"];
/// The payload claims the checks read, in the order "Missing required claims" lists them.
const CLAIMS: [&str; 5] = ["iat", "ath", "htm", "htu", "jti"];

/// Splits the proof and decodes its header into `buf`, which the parsed proof borrows; any
/// failure is "Failed to verify DPoP proof".
pub(crate) fn parse<'p>(
    proof: &'p str,
    buf: &'p mut Vec<u8>,
) -> Result<ParsedProof<'p>, AuthError> {
    let failed = || bad("Failed to verify DPoP proof");
    if proof.len() > MAX_PROOF_BYTES {
        return Err(failed());
    }
    let (h, p, s) = split(proof).map_err(|_| failed())?;
    let header = decode_members(h, &HEADER, buf, "header").map_err(|_| failed())?;
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

/// What a proof's own checks read of the configuration.
pub(crate) struct Rules {
    /// Seconds a proof's `iat` may lie in the future.
    pub(crate) iat_leeway: u64,
    /// Maximum age of a proof, in seconds.
    pub(crate) iat_offset: u64,
    /// Algorithms a proof may be signed with.
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) crypto_backend: CryptoBackend,
}

/// Checks the proof against the access token, method and URL of the request, at `now` (Unix
/// seconds).
pub(crate) fn verify(
    policy: &Rules,
    now: u64,
    proof: &ParsedProof<'_>,
    access_token: &str,
    method: &str,
    url: Option<&str>,
) -> Result<VerifiedProof, AuthError> {
    let [typ, alg, jwk] = &proof.header;
    if as_str(typ) != Some("dpop+jwt") {
        return Err(bad("Unexpected JWT 'typ' header parameter value"));
    }
    let alg = as_str(alg)
        .and_then(|a| a.parse::<Algorithm>().ok())
        .filter(|a| policy.algorithms.contains(a))
        .ok_or_else(|| bad("Unsupported algorithm in DPoP proof"))?;
    let (kty, crv, coord_len) =
        key_shape(alg).ok_or_else(|| bad("Unsupported algorithm in DPoP proof"))?;
    let Some(Member::Object(jwk)) = jwk else {
        return Err(bad("Missing or invalid jwk in header"));
    };
    let [jwk_kty, jwk_crv, jwk_x, jwk_y, jwk_d] = &**jwk;
    if jwk_d.is_some() {
        return Err(bad("Private key material found in jwk header"));
    }
    if as_str(jwk_kty) != Some(kty) {
        return Err(bad(format!("Only {kty} keys are supported for DPoP")));
    }
    if as_str(jwk_crv) != Some(crv) {
        return Err(bad(format!("Only {crv} curve is supported")));
    }
    let coord = |name: &str, member| -> Result<(&str, Vec<u8>), AuthError> {
        let text = as_str(member).unwrap_or_default();
        match B64.decode(text) {
            Ok(bytes) if bytes.len() == coord_len => Ok((text, bytes)),
            _ => Err(bad(format!(
                "JWT signature verification failed: invalid jwk '{name}'"
            ))),
        }
    };
    let (x_text, x) = coord("x", jwk_x)?;
    let (y_text, y) = if kty == "EC" {
        coord("y", jwk_y)?
    } else {
        ("", Vec::new())
    };
    let material = if kty == "EC" {
        Material::Ec { x: &x, y: &y }
    } else {
        Material::Okp { x: &x }
    };
    let signature = B64
        .decode(proof.signature)
        .map_err(|_| bad("JWT signature verification failed: signature is not valid base64url"))?;
    let verified = PublicKey::new(policy.crypto_backend, alg, material)
        .is_ok_and(|key| key.verify(proof.signing_input.as_bytes(), &signature));
    if !verified {
        return Err(bad(
            "JWT signature verification failed: bad_signature (or a key not on the curve)",
        ));
    }

    let mut payload = Vec::new();
    let claims = decode_members(proof.payload_segment, &CLAIMS, &mut payload, "payload")
        .map_err(|e| bad(format!("Failed to verify DPoP proof: {e}")))?;
    let missing: Vec<&str> = CLAIMS
        .into_iter()
        .zip(&claims)
        .filter(|(_, value)| matches!(value, None | Some(Member::Null)))
        .map(|(name, _)| name)
        .collect();
    match missing.as_slice() {
        [] => {}
        [one] => return Err(bad(format!("Missing required claim: {one}"))),
        many => return Err(bad(format!("Missing required claims: {}", many.join(", ")))),
    }
    let [iat, ath, htm, htu, jti] = &claims;
    let jti = match jti {
        Some(Member::Str(s)) if s.trim().is_empty() => {
            return Err(bad("jti claim must not be empty"))
        }
        Some(Member::Str(s)) => s.clone().into_owned(),
        _ => return Err(bad("jti claim must be a string")),
    };
    let iat = match iat {
        Some(Member::Num(iat)) => *iat,
        _ => return Err(bad("Invalid iat claim (must be integer or float)")),
    };
    let now = now as f64;
    if iat < now - policy.iat_offset as f64 {
        return Err(bad("DPoP Proof iat is too old"));
    }
    if iat > now + policy.iat_leeway as f64 {
        return Err(bad("DPoP Proof iat is from the future"));
    }
    if as_str(htm) != Some(method) {
        return Err(bad("DPoP Proof htm mismatch"));
    }
    let htu_ok = match (as_str(htu), url) {
        (Some(claimed), Some(actual)) => super::htu::matches(claimed, actual),
        _ => false,
    };
    if !htu_ok {
        return Err(bad("DPoP Proof htu mismatch"));
    }
    let mut expected_ath = [0; 43]; // base64url of 32 bytes, unpadded
    let ath_ok = B64
        .encode_slice(digest(&SHA256, access_token.as_bytes()), &mut expected_ath)
        .is_ok_and(|len| {
            as_str(ath).is_some_and(|ath| {
                verify_slices_are_equal(ath.as_bytes(), &expected_ath[..len]).is_ok()
            })
        });
    if !ath_ok {
        return Err(bad("DPoP Proof ath mismatch"));
    }
    let jkt = thumbprint(crv, kty, x_text, (kty == "EC").then_some(y_text));
    Ok(VerifiedProof { jkt, jti, iat })
}

/// The RFC 7638 SHA-256 thumbprint (base64url) of an `EC` (with `y`) or `OKP` public key: the
/// required members in lexicographic order, no whitespace, with the coordinates' text exactly
/// as the proof's `jwk` carries it (it decoded to the lengths the curve needs; a padded form,
/// which the decoder tolerates, is hashed with its padding, so it cannot match a `cnf.jkt`
/// computed from the unpadded key).
fn thumbprint(crv: &str, kty: &str, x: &str, y: Option<&str>) -> String {
    let mut hash = Context::new(&SHA256);
    for part in [r#"{"crv":""#, crv, r#"","kty":""#, kty, r#"","x":""#, x] {
        hash.update(part.as_bytes());
    }
    if let Some(y) = y {
        hash.update(br#"","y":""#);
        hash.update(y.as_bytes());
    }
    hash.update(br#""}"#);
    B64.encode(hash.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints() {
        // RFC 8037 appendix A.3.
        assert_eq!(
            thumbprint(
                "Ed25519",
                "OKP",
                "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                None
            ),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        // The P-256 key of RFC 7515 appendix A.3, hashed independently (Python's hashlib).
        assert_eq!(
            thumbprint(
                "P-256",
                "EC",
                "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                Some("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
            ),
            "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
        );
    }
}
