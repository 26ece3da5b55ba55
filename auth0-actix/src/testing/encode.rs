//! Small encoding helpers shared by the minting code: base64url, JWS segments, times, ids.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

/// Base64url without padding, as JOSE uses it.
pub(crate) fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Encodes a JSON object as a JWS segment.
pub(crate) fn encode_segment(object: &Map<String, Value>) -> String {
    // Serializing a map of JSON values cannot fail.
    let json = serde_json::to_vec(object).unwrap_or_default();
    b64url(json)
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A random base64url identifier of 16 bytes (for `jti`).
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("system random generator failed");
    b64url(bytes)
}

/// Turns any serializable value into JSON, panicking with a clear message otherwise.
pub(crate) fn to_json(what: &str, value: impl serde::Serialize) -> Value {
    match serde_json::to_value(value) {
        Ok(v) => v,
        Err(e) => panic!("{what} must serialize to JSON: {e}"),
    }
}
