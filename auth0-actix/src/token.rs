//! [`TokenVerifier`]: access-token verification, in the reference's order
//! (`docs/compatibility.md` §2.2):
//!
//! 1. split and decode the header → `alg` allow-list (no `none`, no `HS*`) — before any I/O;
//! 2. decode the payload → `iss` present and well-formed (custom domains: allowed);
//! 3. discovery (cached) → its `issuer` matches the token's → `jwks_uri`;
//! 4. JWKS (cached) → `kid` → pre-parsed key for the token's `alg` → signature;
//! 5. the claims ([`Validation`]): `iss` exactly equal to discovery's, `aud`, `exp`, `nbf`
//!    (README Differences, D1), `iat`.
//!
//! Claims of the wrong JSON type are a 401 naming the claim, never a 500 (D2). A byte-identical
//! token verified before is answered from the [`verified_cache`](crate::verified_cache).

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::claims::Claims;
use crate::clock::Clock;
use crate::error::AuthError;
use crate::headers::request_url::request_url;
use crate::issuer::{normalize_domain, Domains, ResolverContext};
use crate::jose::{decode_object, split, B64};
use crate::keys::KeyStore;
use crate::validation::Validation;
use crate::verified_cache::TokenCache;

/// Largest access token accepted (bytes). Auth0 tokens are well under 8 KiB even with many
/// RBAC permissions; anything larger is rejected before decoding.
pub(crate) const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A token split into its parts and decoded, not yet verified.
pub(crate) struct Unverified<'t> {
    pub(crate) header: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
    /// `header.payload`, the signed bytes.
    pub(crate) signing_input: &'t str,
    pub(crate) signature: &'t str,
}

fn invalid(description: impl Into<Cow<'static, str>>) -> AuthError {
    AuthError::invalid_token(description)
}

/// Steps 1–2 of the header: decode, then check `alg` against the allow-list.
pub(crate) fn parse<'t>(
    token: &'t str,
    allowed: &[Algorithm],
) -> Result<(Unverified<'t>, Algorithm), AuthError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid(format!(
            "Failed to parse token header: token is larger than {MAX_TOKEN_BYTES} bytes"
        )));
    }
    let (h, p, s) =
        split(token).map_err(|e| invalid(format!("Failed to parse token header: {e}")))?;
    let header = decode_object(h, "header")
        .map_err(|e| invalid(format!("Failed to parse token header: {e}")))?;
    let alg = match header.get("alg") {
        None => {
            return Err(invalid(
                "Signature verification failed: token header has no 'alg'",
            ))
        }
        Some(Value::String(alg)) => alg,
        Some(_) => {
            return Err(invalid(
                "Failed to parse token header: 'alg' must be a string",
            ))
        }
    };
    if alg.starts_with("HS") {
        return Err(invalid(format!(
            "Symmetric algorithm '{}' is not supported. Only asymmetric algorithms (e.g., RS256) are allowed.",
            echo(alg)
        )));
    }
    let alg = match alg.parse::<Algorithm>() {
        Ok(a) if allowed.contains(&a) => a,
        _ => {
            return Err(invalid(format!(
                "Signature verification failed: unsupported_algorithm: '{}' is not allowed",
                echo(alg)
            )))
        }
    };
    let payload = decode_object(p, "payload")
        .map_err(|e| invalid(format!("Failed to parse token payload: {e}")))?;
    let signing_input = &token[..h.len() + 1 + p.len()];
    Ok((
        Unverified {
            header,
            payload,
            signing_input,
            signature: s,
        },
        alg,
    ))
}

/// The request a token arrived with, for custom-domain resolvers (its URL is built only when a
/// resolver asks, keeping it off the hot path).
#[derive(Clone, Copy)]
pub(crate) struct RequestContext<'r> {
    pub(crate) req: &'r actix_web::HttpRequest,
    pub(crate) trust_proxy: bool,
}

/// Verifies access tokens for one configuration: its own settings, key store, verified-token
/// cache and clock.
pub(crate) struct TokenVerifier {
    /// Normalised `https://host/` of the configured domain (absent with custom domains only).
    pub(crate) issuer: Option<String>,
    /// Custom domains: the allowed issuers, normalised, or a resolver.
    pub(crate) domains: Option<Domains>,
    /// Algorithms a token may be signed with (deduplicated, never empty).
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) validation: Validation,
    /// The verified-token cache (`None`: off).
    pub(crate) cache: Option<TokenCache>,
    pub(crate) keys: KeyStore,
    pub(crate) clock: Arc<dyn Clock>,
}

impl TokenVerifier {
    /// Verifies an access token completely and returns its claims.
    ///
    /// With the verified-token cache on, a byte-identical token verified before (with the
    /// current key set, before its expiry) skips straight to its claims.
    pub(crate) async fn verify(
        &self,
        token: &str,
        request: Option<RequestContext<'_>>,
    ) -> Result<Claims, AuthError> {
        let Some(cache) = self.cache.as_ref().filter(|_| TokenCache::cacheable(token)) else {
            return self.verify_uncached(token, request).await.map(|v| v.claims);
        };
        let generation = self.keys.generation();
        let now = self.clock.now().as_secs_f64();
        let key = match cache.get(token, now, generation, self.domains.is_some()) {
            Ok(hit) => match (&self.domains, &hit.issuer) {
                (None, _) => return Ok(hit.claims),
                // Custom domains: the issuer must still be allowed (the list or resolver may say
                // no now).
                (Some(domains), Some(issuer)) => {
                    self.check_allowed(domains, issuer, request).await?;
                    return Ok(hit.claims);
                }
                // A hit asked for its issuer always has one; without it, verify in full.
                (Some(_), None) => TokenCache::key(token),
            },
            Err(key) => key,
        };
        let verified = self.verify_uncached(token, request).await?;
        let valid_until = verified.exp + self.validation.leeway as f64;
        let claims = verified.claims;
        cache.insert(
            key,
            token,
            claims.clone(),
            verified.issuer,
            now,
            valid_until,
            generation,
        );
        Ok(claims)
    }

    /// The claims of a token this thread verified recently, when that settles it with no I/O:
    /// `None` if it has to go through [`verify`](Self::verify) (not recent, the cache is off, or
    /// custom domains must re-check the issuer).
    pub(crate) fn recently_verified(&self, token: &str) -> Option<Claims> {
        if self.domains.is_some() {
            return None;
        }
        let cache = self.cache.as_ref()?;
        let now = self.clock.now().as_secs_f64();
        cache
            .recent(token.as_bytes(), now, self.keys.generation(), false)
            .map(|hit| hit.claims)
    }

    /// Custom domains: the (normalised) token issuer must be allowed for this request; the
    /// request's URL is built only when a resolver asks, keeping it off the hot path.
    async fn check_allowed(
        &self,
        domains: &Domains,
        token_issuer: &str,
        request: Option<RequestContext<'_>>,
    ) -> Result<(), AuthError> {
        let url = match domains {
            Domains::Resolver(_) => request.and_then(|r| request_url(r.req, r.trust_proxy)),
            Domains::List(_) => None,
        };
        let ctx = ResolverContext {
            unverified_iss: token_issuer,
            request_url: url.as_deref(),
            request_headers: request.map(|r| r.req.headers()),
        };
        domains.check(ctx, self.keys.allow_http()).await
    }

    async fn verify_uncached(
        &self,
        token: &str,
        request: Option<RequestContext<'_>>,
    ) -> Result<VerifiedToken, AuthError> {
        let (unverified, alg) = parse(token, &self.algorithms)?;
        let Unverified {
            header,
            payload,
            signing_input,
            signature,
        } = unverified;

        // iss: present, a string, and well-formed — all before any network I/O.
        let iss = match payload.get("iss") {
            None | Some(Value::Null) => return Err(invalid("Token missing 'iss' claim")),
            Some(Value::String(s)) if s.is_empty() => {
                return Err(invalid("Token missing 'iss' claim"))
            }
            Some(Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(invalid(
                    "Invalid token issuer format: 'iss' must be a string",
                ))
            }
        };
        let token_issuer = normalize_domain(iss, self.keys.allow_http())
            .map_err(|e| invalid(format!("Invalid token issuer format: {e}")))?;

        // Custom domains: the issuer must be allowed before any network I/O, and discovery comes
        // from the token's issuer. Single domain: discovery from the configured domain.
        let discovery_from = match &self.domains {
            Some(domains) => {
                self.check_allowed(domains, &token_issuer, request).await?;
                token_issuer.as_str()
            }
            None => self.issuer.as_deref().unwrap_or(token_issuer.as_str()),
        };
        let discovery = self
            .keys
            .discovery(discovery_from)
            .await
            .map_err(|e| invalid(format!("Failed to fetch OIDC discovery metadata: {e}")))?;
        let (discovery_issuer_raw, discovery_issuer) = match &discovery.issuer {
            Ok((raw, normalized)) => (raw.as_str(), normalized.as_str()),
            Err(e) => return Err(invalid(e.clone())),
        };
        if token_issuer != discovery_issuer {
            return Err(invalid("Token issuer does not match the discovery issuer"));
        }
        let jwks_uri = discovery
            .jwks_uri
            .as_deref()
            .ok_or_else(|| invalid("Discovery metadata missing 'jwks_uri' field"))?;
        let keys = self
            .keys
            .jwks(jwks_uri)
            .await
            .map_err(|e| invalid(format!("Failed to fetch JWKS: {e}")))?;

        let kid = match header.get("kid") {
            None | Some(Value::Null) => return Err(invalid("Token header missing 'kid' claim")),
            Some(Value::String(k)) => k.as_str(),
            Some(_) => {
                return Err(invalid(
                    "Failed to parse token header: 'kid' must be a string",
                ))
            }
        };
        // Unknown kid: one refetch (coalesced, rate-limited per JWKS) so rotated keys work at once.
        let refreshed;
        let key = match keys.find(kid) {
            Some(key) => key,
            None => {
                refreshed = self.keys.jwks_after_unknown_kid(jwks_uri, &keys).await;
                refreshed
                    .as_deref()
                    .and_then(|k| k.find(kid))
                    .ok_or_else(|| invalid("No matching key found in JWKS"))?
            }
        };
        let key = key.for_algorithm(alg).ok_or_else(|| {
            invalid(format!(
                "Signature verification failed: key '{kid}' cannot be used with {alg}"
            ))
        })?;
        let signature = B64.decode(signature).map_err(|_| {
            invalid("Signature verification failed: signature is not valid base64url")
        })?;
        if !key.verify(signing_input.as_bytes(), &signature) {
            return Err(invalid("Signature verification failed: bad_signature"));
        }

        let now = self.clock.now().as_secs() as f64;
        let exp = self
            .validation
            .check(&payload, iss, discovery_issuer_raw, now)?;
        Ok(VerifiedToken {
            claims: Claims::from_verified(payload),
            issuer: token_issuer,
            exp,
        })
    }
}

/// A fully verified token.
struct VerifiedToken {
    claims: Claims,
    /// Normalised issuer.
    issuer: String,
    exp: f64,
}

/// A client-chosen value as echoed in an `error_description` (and so in `WWW-Authenticate`):
/// cut to [`MAX_ECHO_CHARS`] characters, so a 12 KB `alg` cannot swell the response headers
/// past what proxies accept.
fn echo(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(MAX_ECHO_CHARS) {
        None => value.into(),
        Some((end, _)) => format!("{}…", &value[..end]).into(),
    }
}

/// How many characters of a client-chosen value an error description repeats (real algorithm
/// names have at most 5).
const MAX_ECHO_CHARS: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(v: &str) -> String {
        B64.encode(v)
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(payload))
    }

    fn parse_err(t: &str) -> String {
        match parse(t, &[Algorithm::RS256]) {
            Err(e) => e.description().to_owned(),
            Ok(_) => panic!("parsed"),
        }
    }

    #[test]
    fn segments_and_encoding() {
        assert_eq!(
            parse_err("a.b"),
            "Failed to parse token header: Invalid token format: expected 3 segments, got 2"
        );
        assert!(parse_err("a.b.c.d").contains("got 4"));
        assert!(parse_err("!!.b.c").starts_with("Failed to parse token header: "));
        assert_eq!(
            parse_err(&token("[1]", "{}")),
            "Failed to parse token header: header is not a JSON object"
        );
        assert!(
            parse_err(&format!("{}.pay!load.sig", b64(r#"{"alg":"RS256"}"#)))
                .starts_with("Failed to parse token payload: ")
        );
        assert!(parse_err(&token(r#"{"alg":"RS256"}"#, "[]")).contains("not a JSON object"));
    }

    #[test]
    fn algorithms_are_checked_before_anything_else() {
        assert_eq!(
            parse_err(&token(r#"{"alg":"HS256"}"#, "{}")),
            "Symmetric algorithm 'HS256' is not supported. Only asymmetric algorithms (e.g., RS256) are allowed."
        );
        assert!(parse_err(&token(r#"{"alg":"none"}"#, "{}")).contains("'none' is not allowed"));
        assert!(parse_err(&token(r#"{"alg":"RS384"}"#, "{}")).contains("'RS384' is not allowed"));
        assert!(parse_err(&token(r#"{"alg":5}"#, "{}")).contains("'alg' must be a string"));
        assert!(parse_err(&token(r#"{}"#, "{}")).contains("no 'alg'"));
        let big = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert!(parse_err(&big).contains("larger than"));
    }

    #[test]
    fn a_long_alg_is_echoed_cut_short() {
        let long = "é".repeat(5_000);
        for alg in [format!("HS{long}"), format!("RS{long}")] {
            let description = parse_err(&token(&format!(r#"{{"alg":"{alg}"}}"#), "{}"));
            let echoed: String = alg.chars().take(MAX_ECHO_CHARS).collect();
            assert!(
                description.contains(&format!("'{echoed}…'")),
                "{description}"
            );
            assert!(description.len() < 200, "{} bytes", description.len());
        }
    }

    #[test]
    fn a_well_formed_token_parses() {
        let t = token(r#"{"alg":"RS256","kid":"k"}"#, r#"{"iss":"x"}"#);
        let (u, alg) = parse(&t, &[Algorithm::RS256]).unwrap();
        assert_eq!(alg, Algorithm::RS256);
        assert_eq!(u.payload["iss"], "x");
        assert_eq!(u.signature, "c2ln");
        assert_eq!(u.signing_input.matches('.').count(), 1);
    }
}
