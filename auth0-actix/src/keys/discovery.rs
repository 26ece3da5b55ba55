//! OIDC discovery documents (`/.well-known/openid-configuration`): the `issuer` and `jwks_uri`
//! the verifier needs, with the issuer normalised once per fetch.

use serde_json::Value;

use crate::issuer::normalize_domain;

/// The parts of a discovery document the verifier uses. Missing or malformed fields are kept
/// as errors and reported per request, in the reference's order.
#[derive(PartialEq, Eq)]
pub(crate) struct Discovery {
    /// The raw `issuer` string and its normalised form, or why it is unusable.
    pub(crate) issuer: Result<(String, String), String>,
    pub(crate) jwks_uri: Option<String>,
}

impl Discovery {
    pub(crate) fn parse(body: &[u8], allow_http_loopback: bool) -> Result<Discovery, String> {
        let doc: Value =
            serde_json::from_slice(body).map_err(|_| "discovery document is not valid JSON")?;
        let doc = doc
            .as_object()
            .ok_or("discovery document is not a JSON object")?;
        let issuer = match doc.get("issuer").and_then(Value::as_str) {
            None | Some("") => Err("Discovery metadata missing 'issuer' field".to_owned()),
            Some(raw) => normalize_domain(raw, allow_http_loopback)
                .map(|n| (raw.to_owned(), n))
                .map_err(|e| format!("Invalid discovery issuer format: {e}")),
        };
        let jwks_uri = doc
            .get("jwks_uri")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Discovery { issuer, jwks_uri })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked() {
        let d =
            Discovery::parse(br#"{"issuer":"https://T.auth0.com","jwks_uri":"x"}"#, false).unwrap();
        assert_eq!(
            d.issuer.unwrap(),
            (
                "https://T.auth0.com".to_owned(),
                "https://t.auth0.com/".to_owned()
            )
        );
        let d = Discovery::parse(br#"{"jwks_uri":"x"}"#, false).unwrap();
        assert_eq!(
            d.issuer.unwrap_err(),
            "Discovery metadata missing 'issuer' field"
        );
        let d = Discovery::parse(br#"{"issuer":"http://evil.com/"}"#, false).unwrap();
        assert!(d
            .issuer
            .unwrap_err()
            .starts_with("Invalid discovery issuer format: "));
        assert!(d.jwks_uri.is_none());
        assert!(Discovery::parse(b"[1]", false).is_err());
    }
}
