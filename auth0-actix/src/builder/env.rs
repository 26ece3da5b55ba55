//! The environment variables [`Auth0Builder::from_env`](crate::Auth0Builder::from_env) reads,
//! and how their values are parsed: a value that does not parse is an error naming the
//! variable, never a silent default.

use std::time::Duration;

use crate::algorithm::Algorithm;
use crate::builder::Auth0Builder;
use crate::error::ConfigError;

/// Tenant domain, e.g. `tenant.us.auth0.com` (required).
pub const DOMAIN: &str = "AUTH0_DOMAIN";
/// API identifier (required).
pub const AUDIENCE: &str = "AUTH0_AUDIENCE";
/// `true`/`false`: DPoP accepted (default `true`).
pub const DPOP_ENABLED: &str = "AUTH0_DPOP_ENABLED";
/// `true`/`false`: only DPoP accepted (default `false`).
pub const DPOP_REQUIRED: &str = "AUTH0_DPOP_REQUIRED";
/// Seconds a proof `iat` may lie in the future (default 30).
pub const DPOP_IAT_LEEWAY: &str = "AUTH0_DPOP_IAT_LEEWAY";
/// Maximum proof age in seconds (default 300).
pub const DPOP_IAT_OFFSET: &str = "AUTH0_DPOP_IAT_OFFSET";
/// `true`/`false`: read `X-Forwarded-Proto/Host/Prefix` (default `false`).
pub const TRUST_PROXY: &str = "AUTH0_TRUST_PROXY";
/// Upper bound of discovery/JWKS cache lifetimes in seconds (default 600).
pub const CACHE_TTL: &str = "AUTH0_CACHE_TTL";
/// Entries per cache (default 100).
pub const CACHE_MAX_ENTRIES: &str = "AUTH0_CACHE_MAX_ENTRIES";
/// Comma-separated allowed token algorithms (default `RS256`).
pub const ALGORITHMS: &str = "AUTH0_ALGORITHMS";
/// Clock leeway in seconds for `exp`/`nbf` (default 0).
pub const CLOCK_LEEWAY: &str = "AUTH0_CLOCK_LEEWAY";
/// A PEM bundle of extra CAs trusted for discovery/JWKS (as curl and OpenSSL read it).
pub const SSL_CERT_FILE: &str = crate::keys::SSL_CERT_FILE;

impl Auth0Builder {
    /// A builder filled from the `AUTH0_*` environment variables (see [`env`](crate::env)); unset ones keep
    /// their defaults. A value that does not parse is an error naming the variable, never a
    /// silent default: so is a variable that is set but blank (`AUTH0_DPOP_REQUIRED=`), except
    /// `AUTH0_DOMAIN` and `AUTH0_AUDIENCE`, for which blank means unset (as the example API reads
    /// them; [`build`](Self::build) then names whichever is required). Values may be surrounded
    /// by whitespace. Further builder calls may override what was read.
    ///
    /// ```no_run
    /// let auth0 = auth0_actix::Auth0Builder::from_env()?.build()?;
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with a custom variable source (handy in tests).
    ///
    /// ```
    /// use auth0_actix::Auth0Builder;
    /// let vars = [("AUTH0_DOMAIN", "tenant.us.auth0.com"), ("AUTH0_AUDIENCE", "api")];
    /// let builder = Auth0Builder::from_lookup(|name| {
    ///     vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    /// })?;
    /// assert!(builder.build().is_ok());
    /// # Ok::<(), auth0_actix::ConfigError>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut b = Self::default();
        let text = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        b.domain = text(DOMAIN);
        b.audience = text(AUDIENCE);
        // Settings that must parse: blank is not a value.
        let get = |name: &str| -> Result<Option<String>, ConfigError> {
            match lookup(name) {
                Some(v) if v.trim().is_empty() => Err(ConfigError::invalid(
                    name,
                    "set but blank: give it a value, or unset it to use the default",
                )),
                v => Ok(v),
            }
        };
        if let Some(v) = get(DPOP_ENABLED)? {
            b.dpop_enabled = parse_bool(DPOP_ENABLED, &v)?;
        }
        if let Some(v) = get(DPOP_REQUIRED)? {
            b.dpop_required = parse_bool(DPOP_REQUIRED, &v)?;
        }
        if let Some(v) = get(DPOP_IAT_LEEWAY)? {
            b.dpop_iat_leeway = Duration::from_secs(parse_u64(DPOP_IAT_LEEWAY, &v)?);
        }
        if let Some(v) = get(DPOP_IAT_OFFSET)? {
            b.dpop_iat_offset = Duration::from_secs(parse_u64(DPOP_IAT_OFFSET, &v)?);
        }
        if let Some(v) = get(TRUST_PROXY)? {
            b.trust_proxy = parse_bool(TRUST_PROXY, &v)?;
        }
        if let Some(v) = get(CACHE_TTL)? {
            b.cache_ttl = Duration::from_secs(parse_u64(CACHE_TTL, &v)?);
        }
        if let Some(v) = get(CACHE_MAX_ENTRIES)? {
            b.cache_max_entries = usize::try_from(parse_u64(CACHE_MAX_ENTRIES, &v)?)
                .map_err(|_| ConfigError::invalid(CACHE_MAX_ENTRIES, "too large"))?;
        }
        if let Some(v) = get(ALGORITHMS)? {
            b.algorithms = v
                .split(',')
                .map(|a| {
                    a.trim().parse::<Algorithm>().map_err(|e| {
                        ConfigError::invalid(ALGORITHMS, format!("`{}` is {e}", a.trim()))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = get(CLOCK_LEEWAY)? {
            b.clock_leeway = Duration::from_secs(parse_u64(CLOCK_LEEWAY, &v)?);
        }
        Ok(b)
    }
}

fn parse_bool(var: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::invalid(
            var,
            format!("`{value}` is not a boolean (true/false)"),
        )),
    }
}

fn parse_u64(var: &str, value: &str) -> Result<u64, ConfigError> {
    value.trim().parse().map_err(|_| {
        ConfigError::invalid(
            var,
            format!("`{value}` is not a whole number of seconds/entries"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dpop::DpopMode;

    #[test]
    fn env_values_that_do_not_parse_name_the_variable() {
        let lookup = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            }
        };
        let err =
            Auth0Builder::from_lookup(lookup(&[("AUTH0_DPOP_ENABLED", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("AUTH0_DPOP_ENABLED"), "{err}");
        let err =
            Auth0Builder::from_lookup(lookup(&[("AUTH0_DPOP_IAT_LEEWAY", "-1")])).unwrap_err();
        assert!(err.to_string().contains("AUTH0_DPOP_IAT_LEEWAY"), "{err}");
        let err =
            Auth0Builder::from_lookup(lookup(&[("AUTH0_ALGORITHMS", "RS256,HS256")])).unwrap_err();
        assert!(err.to_string().contains("HS256"), "{err}");
        let auth0 = Auth0Builder::from_lookup(lookup(&[
            ("AUTH0_DOMAIN", "https://tenant.auth0.com/"),
            ("AUTH0_AUDIENCE", "api"),
            ("AUTH0_DPOP_REQUIRED", "true"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(auth0.issuer(), Some("https://tenant.auth0.com/"));
        assert_eq!(auth0.dpop_mode(), DpopMode::Required);
    }
}
