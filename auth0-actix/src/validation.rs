//! What a token's claims must satisfy once its signature verified: exact issuer, audience,
//! expiry, not-before (README Differences, D1) and issued-at, in that order
//! (`docs/compatibility.md` §2.2, steps after the signature). A date claim of the wrong JSON
//! type is a 401 naming the claim, never a 500 (D2).

use serde_json::{Map, Value};

use crate::error::AuthError;

/// The claim rules of one configuration: a plain struct, built once by the builder.
#[derive(Debug, Clone)]
pub(crate) struct Validation {
    /// The API identifier a token's `aud` must name (one string, or one of an array).
    pub(crate) audience: String,
    /// Seconds of clock skew allowed on `exp` and `nbf` (default 0, as the reference).
    pub(crate) leeway: u64,
}

impl Validation {
    /// Checks the claims of a token whose signature verified, at `now` (Unix seconds). `iss` is
    /// the token's own `iss`, `discovery_issuer` the discovery document's `issuer` exactly as
    /// served. Returns `exp`.
    pub(crate) fn check(
        &self,
        payload: &Map<String, Value>,
        iss: &str,
        discovery_issuer: &str,
        now: f64,
    ) -> Result<f64, AuthError> {
        if iss != discovery_issuer {
            return Err(invalid(
                "Verified Token issuer does not match the discovery issuer",
            ));
        }
        match payload.get("aud") {
            Some(Value::Array(list)) => {
                if !list
                    .iter()
                    .any(|a| a.as_str() == Some(self.audience.as_str()))
                {
                    return Err(invalid("Audience mismatch (not in token's aud array)"));
                }
            }
            Some(Value::String(a)) if *a == self.audience => {}
            _ => return Err(invalid("Audience mismatch (single aud)")),
        }
        let leeway = self.leeway as f64;
        let exp = match numeric(payload, "exp")? {
            // The reference words a missing `exp` as an expired token.
            None => return Err(invalid("Token is expired")),
            Some(exp) if now >= exp + leeway => return Err(invalid("Token is expired")),
            Some(exp) => exp,
        };
        // RFC 7519 §4.1.5: MUST NOT be accepted before nbf (D1).
        if let Some(nbf) = numeric(payload, "nbf")? {
            if now + leeway < nbf {
                return Err(invalid("Token is not yet valid (nbf is in the future)"));
            }
        }
        if numeric(payload, "iat")?.is_none() {
            return Err(invalid("Missing 'iat' claim in token"));
        }
        Ok(exp)
    }
}

fn invalid(description: &'static str) -> AuthError {
    AuthError::invalid_token(description)
}

/// A numeric date claim: absent, a number, or (D2) a 401 naming the claim.
fn numeric(payload: &Map<String, Value>, name: &str) -> Result<Option<f64>, AuthError> {
    match payload.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(AuthError::invalid_token(format!(
            "Invalid '{name}' claim (must be a number)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(payload: Value, now: f64) -> Result<f64, String> {
        let rules = Validation {
            audience: "api".into(),
            leeway: 5,
        };
        let Value::Object(payload) = payload else {
            unreachable!("test payloads are objects")
        };
        rules
            .check(&payload, "https://t/", "https://t/", now)
            .map_err(|e| e.description().to_owned())
    }

    #[test]
    fn claims_in_order_with_leeway() {
        let ok = json!({"aud": ["x", "api"], "exp": 100, "iat": 1});
        assert_eq!(check(ok.clone(), 104.9), Ok(100.0));
        assert_eq!(check(ok, 105.0).unwrap_err(), "Token is expired");
        assert_eq!(
            check(json!({"aud": "other", "exp": 100, "iat": 1}), 0.0).unwrap_err(),
            "Audience mismatch (single aud)"
        );
        assert_eq!(
            check(json!({"aud": ["x"], "exp": 100, "iat": 1}), 0.0).unwrap_err(),
            "Audience mismatch (not in token's aud array)"
        );
        assert_eq!(
            check(json!({"aud": "api", "exp": 100, "nbf": 50, "iat": 1}), 44.0).unwrap_err(),
            "Token is not yet valid (nbf is in the future)"
        );
        assert!(check(json!({"aud": "api", "exp": 100, "nbf": 50, "iat": 1}), 45.0).is_ok());
        assert_eq!(
            check(json!({"aud": "api", "exp": 100}), 0.0).unwrap_err(),
            "Missing 'iat' claim in token"
        );
        assert_eq!(
            check(json!({"aud": "api", "exp": "100", "iat": 1}), 0.0).unwrap_err(),
            "Invalid 'exp' claim (must be a number)"
        );
        assert_eq!(
            check(json!({"aud": "api", "iat": 1}), 0.0).unwrap_err(),
            "Token is expired"
        );
    }

    #[test]
    fn the_issuer_must_match_discovery_exactly() {
        let rules = Validation {
            audience: "api".into(),
            leeway: 0,
        };
        let payload = json!({"aud": "api", "exp": 100, "iat": 1});
        let err = rules
            .check(payload.as_object().unwrap(), "https://t", "https://t/", 0.0)
            .unwrap_err();
        assert_eq!(
            err.description(),
            "Verified Token issuer does not match the discovery issuer"
        );
    }
}
