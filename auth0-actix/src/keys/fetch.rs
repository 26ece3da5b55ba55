//! The one place that does network I/O: fetching discovery and JWKS documents over HTTPS with
//! one shared client, explicit timeouts and a size cap (difference D16).

use std::time::Duration;

use reqwest::header;

use crate::config::{KeySettings, MAX_DOCUMENT_BYTES};
use crate::error::ConfigError;

/// A fetched JSON document and how long its server says it may be cached.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) max_age: Option<Duration>,
}

/// Builds the shared client: no redirects (as the reference), no idle pooling across actix
/// worker runtimes, HTTPS only unless the loopback opt-in is on, and extra trusted roots from
/// `SSL_CERT_FILE` and the builder on top of the system roots.
pub(crate) fn client(settings: &KeySettings<'_>) -> Result<reqwest::Client, ConfigError> {
    let mut roots = Vec::new();
    for pem in settings.root_certificates {
        roots.extend(
            reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ConfigError::invalid("root_certificate_pem", e.to_string()))?,
        );
    }
    if let Some(path) = std::env::var_os(crate::config::env::SSL_CERT_FILE) {
        let pem = std::fs::read(&path).map_err(|e| {
            ConfigError::invalid(
                crate::config::env::SSL_CERT_FILE,
                format!("cannot read {}: {e}", path.to_string_lossy()),
            )
        })?;
        roots.extend(reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            ConfigError::invalid(
                crate::config::env::SSL_CERT_FILE,
                format!("not a PEM bundle: {e}"),
            )
        })?);
    }
    let mut builder = reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .user_agent(concat!("auth0-actix/", env!("CARGO_PKG_VERSION")))
        .https_only(!settings.allow_http);
    if !roots.is_empty() {
        builder = builder.tls_certs_merge(roots);
    }
    builder
        .build()
        .map_err(|e| ConfigError::HttpClient(e.to_string()))
}

/// GETs `url`, insisting on a 2xx status and a body of at most [`MAX_DOCUMENT_BYTES`].
/// The error is a short reason fit for an `error_description` (no internals beyond the status).
pub(crate) async fn get(client: &reqwest::Client, url: &str) -> Result<Fetched, String> {
    let mut res = client
        .get(url)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(target: "auth0_actix", url, error = %e, "fetch failed");
            if e.is_timeout() {
                "request timed out".to_owned()
            } else if e.is_connect() {
                "connection failed".to_owned()
            } else {
                "request failed".to_owned()
            }
        })?;
    let status = res.status();
    if !status.is_success() {
        tracing::warn!(target: "auth0_actix", url, %status, "fetch answered with an error status");
        return Err(format!("HTTP status {}", status.as_u16()));
    }
    if res
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err("document larger than 1 MiB".into());
    }
    let max_age = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_max_age);
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| {
        tracing::warn!(target: "auth0_actix", url, error = %e, "reading the body failed");
        "reading the response failed".to_owned()
    })? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err("document larger than 1 MiB".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { body, max_age })
}

/// The first `max-age=N` directive of a `Cache-Control` value; unparseable values are ignored.
pub(crate) fn parse_max_age(value: &str) -> Option<Duration> {
    value.split(',').find_map(|d| {
        let (name, arg) = d.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        arg.trim()
            .trim_matches('"')
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_parsed() {
        assert_eq!(parse_max_age("max-age=300"), Some(Duration::from_secs(300)));
        assert_eq!(
            parse_max_age("public, max-age=600, must-revalidate"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(parse_max_age("no-cache"), None);
        assert_eq!(parse_max_age("max-age=-5"), None);
        assert_eq!(parse_max_age("max-age=abc"), None);
    }
}
