//! Discovery and JWKS: fetch, cache, and hand out ready-to-verify keys. The only part of the
//! crate that does network I/O; a request whose keys are cached never awaits anything here.
//!
//! - [`fetch`]: the shared HTTPS client, timeouts and size cap.
//! - [`discovery`]: `issuer` and `jwks_uri` from `/.well-known/openid-configuration`.
//! - [`jwks`]: keys parsed once per fetch into pre-parsed public keys.
//! - [`cache`]: TTL cache with single-flight fetching.

mod cache;
mod discovery;
mod fetch;
mod jwks;

use std::sync::Arc;

pub(crate) use discovery::Discovery;
pub(crate) use jwks::{verification_algorithm, KeySet};

use crate::algorithm::Algorithm;
use crate::config::Auth0Builder;
use crate::error::{AuthError, ConfigError};
use cache::Cache;

/// Caches of discovery documents (by normalised issuer) and JWKS (by `jwks_uri`).
pub(crate) struct KeyStore {
    client: reqwest::Client,
    discovery: Cache<Discovery>,
    jwks: Cache<KeySet>,
    algorithms: Vec<Algorithm>,
    pub(crate) allow_http: bool,
}

impl KeyStore {
    pub(crate) fn new(builder: &Auth0Builder, _issuer: &str) -> Result<KeyStore, ConfigError> {
        let settings = builder.key_settings();
        Ok(KeyStore {
            client: fetch::client(&settings)?,
            discovery: Cache::new(settings.cache_ttl, settings.cache_max_entries),
            jwks: Cache::new(settings.cache_ttl, settings.cache_max_entries),
            algorithms: settings.algorithms.to_vec(),
            allow_http: settings.allow_http,
        })
    }

    /// The discovery document of `issuer` (normalised, ending in `/`).
    pub(crate) async fn discovery(&self, issuer: &str) -> Result<Arc<Discovery>, String> {
        self.discovery
            .get_or_fetch(issuer, || async {
                let url = format!("{issuer}.well-known/openid-configuration");
                let fetched = fetch::get(&self.client, &url).await?;
                let doc = Discovery::parse(&fetched.body, self.allow_http)?;
                tracing::debug!(target: "auth0_actix", issuer, "discovery fetched");
                Ok((doc, fetched.max_age))
            })
            .await
    }

    /// The key set published at `jwks_uri`.
    pub(crate) async fn jwks(&self, jwks_uri: &str) -> Result<Arc<KeySet>, String> {
        self.jwks
            .get_or_fetch(jwks_uri, || async {
                let fetched = fetch::get(&self.client, jwks_uri).await?;
                let keys = KeySet::parse(&fetched.body, &self.algorithms)?;
                tracing::debug!(target: "auth0_actix", jwks_uri, "JWKS fetched");
                Ok((keys, fetched.max_age))
            })
            .await
    }

    /// Fetches discovery and the JWKS of `issuer` now.
    pub(crate) async fn warm_up(&self, issuer: &str) -> Result<(), AuthError> {
        let doc = self.discovery(issuer).await.map_err(|e| {
            AuthError::invalid_token(format!("Failed to fetch OIDC discovery metadata: {e}"))
        })?;
        let uri = doc.jwks_uri.as_deref().ok_or_else(|| {
            AuthError::invalid_token("Discovery metadata missing 'jwks_uri' field")
        })?;
        self.jwks(uri)
            .await
            .map_err(|e| AuthError::invalid_token(format!("Failed to fetch JWKS: {e}")))?;
        Ok(())
    }
}
