//! [`Auth0Builder::build`]: validates the settings (every error names the setting and, where it
//! has one, its environment variable) and assembles each stage's own settings — the key store,
//! the token verifier, the DPoP policy, the pipeline and the responder — into the handle.

use std::sync::Arc;

use super::Auth0Builder;
use crate::algorithm::Algorithm;
use crate::defaults::MAX_WINDOW;
use crate::dpop::{self, DpopMode};
use crate::error::ConfigError;
use crate::handle::Auth0;
use crate::headers::www_authenticate::{ChallengeContext, Offered};
use crate::issuer::{normalize_domain, Domains};
use crate::keys::{self, KeyStore};
use crate::metrics::Counters;
use crate::pipeline::Pipeline;
use crate::token::TokenVerifier;
use crate::validation::Validation;
use crate::verified_cache::{TokenCache, TOKEN_CACHE_BYTES};
use crate::web::respond::Responder;

impl Auth0Builder {
    /// Validates the settings and builds the handle. Errors say what to fix.
    ///
    /// ```
    /// use auth0_actix::{Auth0, ConfigError};
    /// let err = Auth0::builder().audience("https://api.example.com").build().unwrap_err();
    /// assert!(err.to_string().contains("domain"), "{err}");
    ///
    /// let auth0 = Auth0::builder()
    ///     .domain("tenant.us.auth0.com")
    ///     .audience("https://api.example.com")
    ///     .build()?;
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn build(self) -> Result<Auth0, ConfigError> {
        let audience = self
            .audience
            .clone()
            .filter(|a| !a.trim().is_empty())
            .ok_or(ConfigError::Missing {
                setting: "audience (AUTH0_AUDIENCE)",
                hint: "set it to your API's identifier from the Auth0 dashboard",
            })?;
        let issuer = match self.domain.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(d) => Some(
                normalize_domain(d, self.allow_insecure_http_on_loopback)
                    .map_err(|reason| ConfigError::invalid("domain (AUTH0_DOMAIN)", reason))?,
            ),
            None => None,
        };
        let domains = match &self.domains {
            None => None,
            Some(Domains::List(list)) => {
                if list.is_empty() {
                    return Err(ConfigError::invalid(
                        "domains",
                        "domains list cannot be empty",
                    ));
                }
                let mut normalized = Vec::with_capacity(list.len());
                for d in list {
                    if d.trim().is_empty() {
                        return Err(ConfigError::invalid(
                            "domains",
                            "domains list must contain only non-empty strings",
                        ));
                    }
                    normalized.push(
                        normalize_domain(d, self.allow_insecure_http_on_loopback).map_err(
                            |reason| ConfigError::invalid("domains", format!("`{d}`: {reason}")),
                        )?,
                    );
                }
                Some(Domains::List(normalized))
            }
            Some(Domains::Resolver(r)) => Some(Domains::Resolver(r.clone())),
        };
        if issuer.is_none() && domains.is_none() {
            return Err(ConfigError::Missing {
                setting: "domain (AUTH0_DOMAIN)",
                hint: "set it to your tenant domain, e.g. tenant.us.auth0.com (or list several \
                       custom domains with domains(..))",
            });
        }
        if !self.dpop_enabled && self.dpop_required {
            return Err(ConfigError::Conflict(
                "dpop_required(true) contradicts dpop_enabled(false): every request would fail. \
                 Enable DPoP or stop requiring it"
                    .into(),
            ));
        }
        if self.algorithms.is_empty() {
            return Err(ConfigError::invalid(
                "algorithms",
                "allow at least one algorithm",
            ));
        }
        if self.cache_max_entries == 0 {
            return Err(ConfigError::invalid(
                "cache_max_entries (AUTH0_CACHE_MAX_ENTRIES)",
                "must be at least 1",
            ));
        }
        self.check_ranges()?;
        let mode = match (self.dpop_enabled, self.dpop_required) {
            (false, _) => DpopMode::Disabled,
            (true, false) => DpopMode::Allowed,
            (true, true) => DpopMode::Required,
        };
        let mut proof_algorithms = self.proof_algorithms.clone();
        proof_algorithms.dedup();
        if proof_algorithms.is_empty() {
            return Err(ConfigError::invalid(
                "proof_algorithms",
                "allow at least one algorithm",
            ));
        }
        if let Some(a) = proof_algorithms
            .iter()
            .find(|a| !matches!(a, Algorithm::ES256 | Algorithm::ES384 | Algorithm::EdDSA))
        {
            return Err(ConfigError::invalid(
                "proof_algorithms",
                format!("{a} is not supported for DPoP proofs (use ES256, ES384 or EdDSA)"),
            ));
        }
        let challenge = ChallengeContext {
            offered: match mode {
                DpopMode::Disabled => Offered::BearerOnly,
                DpopMode::Allowed => Offered::Both,
                DpopMode::Required => Offered::DpopOnly,
            },
            algs: proof_algorithms
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        };
        let mut algorithms = self.algorithms.clone();
        algorithms.dedup();
        let counters = Arc::new(Counters::default());
        let keys = KeyStore::new(&self.key_settings(), self.clock.clone(), counters.clone())?;
        let token = TokenVerifier {
            issuer,
            domains,
            algorithms,
            validation: Validation {
                audience,
                leeway: self.clock_leeway.as_secs(),
            },
            cache: (self.token_cache_entries > 0).then(|| {
                TokenCache::new(
                    self.token_cache_entries,
                    TOKEN_CACHE_BYTES,
                    self.token_cache_ttl.as_secs(),
                )
            }),
            keys,
            clock: self.clock.clone(),
        };
        let dpop = dpop::Policy {
            proof: dpop::Rules {
                iat_leeway: self.dpop_iat_leeway.as_secs(),
                iat_offset: self.dpop_iat_offset.as_secs(),
                algorithms: proof_algorithms,
                crypto_backend: self.crypto_backend,
            },
            replay_store: self.replay_store.clone(),
            clock: self.clock.clone(),
        };
        let pipeline = Pipeline {
            mode,
            missing_credentials_unauthorized: self.missing_credentials_unauthorized,
            trust_proxy: self.trust_proxy,
            token,
            dpop,
        };
        let respond = Responder {
            challenge,
            counters,
            renderer: self.error_renderer.clone(),
        };
        Ok(Auth0::new(pipeline, respond, self.grants))
    }

    /// Time settings outside their ranges: each error names the setting, its environment
    /// variable when it has one, the allowed range and the value given.
    fn check_ranges(&self) -> Result<(), ConfigError> {
        let max = MAX_WINDOW.as_secs();
        for (setting, window) in [
            (
                "dpop_iat_leeway (AUTH0_DPOP_IAT_LEEWAY)",
                self.dpop_iat_leeway,
            ),
            (
                "dpop_iat_offset (AUTH0_DPOP_IAT_OFFSET)",
                self.dpop_iat_offset,
            ),
        ] {
            if window > MAX_WINDOW {
                return Err(ConfigError::invalid(
                    setting,
                    format!(
                        "must be between 0 and {max} seconds (one day), got {}",
                        window.as_secs()
                    ),
                ));
            }
        }
        let cooldown = self.unknown_kid_cooldown;
        if cooldown.is_zero() || cooldown > MAX_WINDOW {
            return Err(ConfigError::invalid(
                "unknown_kid_cooldown",
                format!(
                    "must be more than 0 and at most {max} s (one day), got {} s \
                     (it also spaces out retries while the issuer fails)",
                    cooldown.as_secs_f64()
                ),
            ));
        }
        for (setting, timeout) in [
            ("connect_timeout", self.connect_timeout),
            ("http_timeout", self.http_timeout),
        ] {
            if timeout.is_zero() {
                return Err(ConfigError::invalid(
                    setting,
                    "must be more than 0 (a zero timeout fails every fetch)",
                ));
            }
        }
        Ok(())
    }

    /// The key store's share of the settings.
    fn key_settings(&self) -> keys::Settings {
        keys::Settings {
            min_ttl: self.cache_min_ttl,
            max_stale: self.max_stale,
            kid_cooldown: self.unknown_kid_cooldown,
            algorithms: self.algorithms.clone(),
            crypto_backend: self.crypto_backend,
            connect_timeout: self.connect_timeout,
            timeout: self.http_timeout,
            root_certificates: self.root_certificates.clone(),
            allow_http: self.allow_insecure_http_on_loopback,
            cache_ttl: self.cache_ttl,
            cache_max_entries: self.cache_max_entries,
            system_trust: self.system_trust,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn builder_validates() {
        let base = || Auth0::builder().domain("t.auth0.com").audience("api");
        assert!(base().build().is_ok());
        assert!(matches!(
            Auth0::builder().domain("t.auth0.com").build(),
            Err(ConfigError::Missing { .. })
        ));
        assert!(matches!(
            Auth0::builder().audience("a").build(),
            Err(ConfigError::Missing { .. })
        ));
        assert!(matches!(
            base().dpop_enabled(false).dpop_required(true).build(),
            Err(ConfigError::Conflict(_))
        ));
        assert!(base().algorithms([]).build().is_err());
        assert!(base().cache_max_entries(0).build().is_err());
        assert!(base().domain("http://t.auth0.com").build().is_err());
    }

    #[test]
    fn time_settings_are_checked_against_their_ranges() {
        let base = || Auth0::builder().domain("t.auth0.com").audience("api");
        let err = |b: Auth0Builder| b.build().unwrap_err().to_string();
        assert!(base()
            .dpop_iat_leeway(Duration::from_secs(86_400))
            .dpop_iat_offset(Duration::from_secs(86_400))
            .unknown_kid_cooldown(Duration::from_secs(86_400))
            .build()
            .is_ok());
        assert!(base()
            .dpop_iat_leeway(Duration::ZERO)
            .dpop_iat_offset(Duration::ZERO)
            .unknown_kid_cooldown(Duration::from_millis(1))
            .cache_ttl(Duration::ZERO)
            .build()
            .is_ok());
        assert_eq!(
            err(base().dpop_iat_offset(Duration::from_secs(u64::MAX))),
            "invalid dpop_iat_offset (AUTH0_DPOP_IAT_OFFSET): must be between 0 and 86400 \
             seconds (one day), got 18446744073709551615"
        );
        assert_eq!(
            err(base().dpop_iat_leeway(Duration::from_secs(86_401))),
            "invalid dpop_iat_leeway (AUTH0_DPOP_IAT_LEEWAY): must be between 0 and 86400 \
             seconds (one day), got 86401"
        );
        for cooldown in [Duration::ZERO, Duration::from_secs(86_401)] {
            let e = err(base().unknown_kid_cooldown(cooldown));
            assert!(
                e.starts_with(
                    "invalid unknown_kid_cooldown: must be more than 0 and at most 86400 s"
                ),
                "{e}"
            );
        }
        assert_eq!(
            err(base().connect_timeout(Duration::ZERO)),
            "invalid connect_timeout: must be more than 0 (a zero timeout fails every fetch)"
        );
        assert_eq!(
            err(base().http_timeout(Duration::ZERO)),
            "invalid http_timeout: must be more than 0 (a zero timeout fails every fetch)"
        );
    }
}
