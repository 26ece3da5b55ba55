//! JOSE framing shared by access tokens and DPoP proofs (RFC 7515 compact serialization): the
//! base64url flavour, splitting a compact JWS into its three segments, and decoding a segment
//! that must hold a JSON object. [`members`] picks a few members out of an object without
//! building a map (DPoP proofs).

pub(crate) mod members;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{Map, Value};

/// base64url, padding optional on input (as the reference), none on output.
pub(crate) const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Splits a compact JWS into exactly three segments and decodes header and payload.
/// `what` names the JWT in errors ("token" or "proof").
pub(crate) fn split(token: &str) -> Result<(&str, &str, &str), String> {
    let mut parts = token.splitn(4, '.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => Ok((h, p, s)),
        _ => Err(format!(
            "Invalid token format: expected 3 segments, got {}",
            token.split('.').count()
        )),
    }
}

/// Decodes one base64url JSON segment that must be an object.
pub(crate) fn decode_object(segment: &str, what: &str) -> Result<Map<String, Value>, String> {
    let bytes = B64
        .decode(segment)
        .map_err(|_| format!("{what} is not valid base64url"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("{what} is not a JSON object")),
        Err(_) => Err(format!("{what} is not valid JSON")),
    }
}
