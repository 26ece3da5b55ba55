//! Issuers: how a configured domain (or a token's `iss`) is normalised to `https://host[:port]/`
//! (README Differences, D14), which hosts count as loopback, and custom domains — a static
//! allow-list or a [`DomainsResolver`] deciding per request.

use std::sync::Arc;

use crate::error::{AuthError, ErrorCode};
use crate::future::BoxFuture;

/// Normalises a domain or issuer to `https://host[:port]/` (or `http://` for loopback hosts
/// when allowed). Accepts a bare host, `host:port`, and `https://host/` with trailing slashes;
/// rejects other schemes, credentials, paths, queries and fragments.
pub(crate) fn normalize_domain(input: &str, allow_http_loopback: bool) -> Result<String, String> {
    let lower = input.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return Err("domain must be a non-empty string".into());
    }
    let (scheme, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        ("http", rest)
    } else if lower.contains("://") {
        return Err("invalid domain URL (https required)".into());
    } else {
        ("https", lower.as_str())
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if tail.chars().any(|c| c != '/') {
        return Err("invalid domain URL (path/query/fragment are not allowed)".into());
    }
    if authority.contains('@') {
        return Err("invalid domain URL (credentials are not allowed)".into());
    }
    if authority.is_empty() {
        return Err("domain must be a non-empty string".into());
    }
    // Fast path (every token's `iss` goes through here): a plain DNS name with an optional
    // port, which a URL parser would leave unchanged, needs no parser.
    if scheme == "https" && is_plain_dns_authority(authority) {
        let mut normalized = String::with_capacity(authority.len() + 9);
        normalized.push_str("https://");
        normalized.push_str(authority);
        normalized.push('/');
        return Ok(normalized);
    }
    let url = url::Url::parse(&format!("{scheme}://{authority}/"))
        .map_err(|e| format!("invalid domain URL ({e})"))?;
    let host = url.host_str().unwrap_or_default();
    if scheme == "http" && !(allow_http_loopback && is_loopback(host)) {
        return Err(if allow_http_loopback {
            "invalid domain URL (https required; plain http is allowed for loopback hosts only)"
                .into()
        } else {
            "invalid domain URL (https required)".into()
        });
    }
    let normalized = url.as_str().to_owned();
    // The URL parser may have rewritten the host (IDNA, IP forms); insist on a canonical input so
    // two spellings of one issuer cannot disagree later.
    if normalized != format!("{scheme}://{authority}/") {
        return Err(format!(
            "invalid domain URL (not a canonical host: use {normalized})"
        ));
    }
    Ok(normalized)
}

/// `label(.label)*[:port]` with lower-case letters, digits and inner hyphens, no label starting
/// with `xn--`-style oddities the parser would need to check, a non-numeric final label, and a
/// port of 1–5 digits without a leading zero. Anything else takes the URL parser's path.
fn is_plain_dns_authority(authority: &str) -> bool {
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && !p.starts_with('0')
            && p.parse::<u16>().is_ok_and(|n| n != 443)
    });
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && !l.starts_with("xn--")
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_lowercase()));
    // A dotted-quad IPv4 address in canonical form (what the URL parser would print).
    let ipv4_ok = || {
        host.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| host.len() <= 15 && ip.to_string() == host)
    };
    port_ok && (labels_ok || ipv4_ok())
}

pub(crate) fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Allowed issuers for several custom domains.
#[derive(Clone)]
pub(crate) enum Domains {
    /// Normalised `https://host/` issuers (raw strings before `build`).
    List(Vec<String>),
    Resolver(Arc<dyn DomainsResolver>),
}

/// What a [`DomainsResolver`] sees of the request it decides for.
#[derive(Debug)]
#[non_exhaustive]
pub struct ResolverContext<'a> {
    /// The token's `iss`, normalised (`https://host/`), not yet verified.
    pub unverified_iss: &'a str,
    /// The request URL as DPoP `htu` is built (`None` outside a request).
    pub request_url: Option<&'a str>,
    /// The request headers (`None` outside a request).
    pub request_headers: Option<&'a actix_web::http::header::HeaderMap>,
}

/// Decides, per request, which issuers (custom domains) are accepted. Return domains in any
/// form [`Auth0Builder::domain`](crate::Auth0Builder::domain) accepts; an `Err`, an empty list, a blank or malformed entry is
/// a 500 `domains_resolver_error` (no challenge).
///
/// ```
/// use auth0_actix::{Auth0, BoxFuture, DomainsResolver, ResolverContext};
///
/// struct PerHost;
/// impl DomainsResolver for PerHost {
///     fn resolve<'a>(&'a self, ctx: &'a ResolverContext<'a>) -> BoxFuture<'a, Result<Vec<String>, String>> {
///         let eu = ctx.request_url.is_some_and(|u| u.contains(".eu."));
///         Box::pin(async move {
///             Ok(vec![if eu { "tenant.eu.auth0.com".into() } else { "tenant.us.auth0.com".into() }])
///         })
///     }
/// }
/// let auth0 = Auth0::builder().domains_resolver(PerHost).audience("https://api").build()?;
/// # Ok::<(), auth0_actix::ConfigError>(())
/// ```
pub trait DomainsResolver: Send + Sync + 'static {
    /// The allowed domains for this request.
    fn resolve<'a>(
        &'a self,
        ctx: &'a ResolverContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<String>, String>>;
}

impl Domains {
    /// Whether the (normalised, unverified) token issuer is allowed: in the static list, or in
    /// what the resolver returns for this request (`ctx`). A failing resolver, an empty list or
    /// a blank or malformed entry is a 500 `domains_resolver_error`; an issuer not allowed, a
    /// 401 `invalid_token`.
    pub(crate) async fn check(
        &self,
        ctx: ResolverContext<'_>,
        allow_http: bool,
    ) -> Result<(), AuthError> {
        let not_allowed =
            || AuthError::invalid_token("Token issuer is not in the list of allowed domains");
        let resolver_error = |d: String| AuthError::new(ErrorCode::DomainsResolverError, d);
        let token_issuer = ctx.unverified_iss;
        match self {
            Domains::List(list) => list
                .iter()
                .any(|d| d == token_issuer)
                .then_some(())
                .ok_or_else(not_allowed),
            Domains::Resolver(resolver) => {
                let list = resolver.resolve(&ctx).await.map_err(|e| {
                    resolver_error(format!("Domains resolver function failed: {e}"))
                })?;
                if list.is_empty() {
                    return Err(resolver_error(
                        "Domains resolver returned an empty list".into(),
                    ));
                }
                let mut allowed = false;
                for d in &list {
                    if d.trim().is_empty() {
                        return Err(resolver_error(
                            "Domains resolver must return a list of non-empty strings".into(),
                        ));
                    }
                    let normalized = normalize_domain(d, allow_http).map_err(|e| {
                        resolver_error(format!("Domains resolver returned invalid domain: {e}"))
                    })?;
                    allowed |= normalized == token_issuer;
                }
                allowed.then_some(()).ok_or_else(not_allowed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised() {
        for ok in [
            "tenant.auth0.com",
            "https://tenant.auth0.com",
            "tenant.auth0.com/",
            "https://tenant.auth0.com/",
            "TENANT.AUTH0.COM",
            "HTTPS://Tenant.Auth0.COM",
            "  tenant.auth0.com  ",
            "tenant.auth0.com///",
        ] {
            assert_eq!(
                normalize_domain(ok, false).as_deref(),
                Ok("https://tenant.auth0.com/")
            );
        }
        assert_eq!(
            normalize_domain("127.0.0.1:8443", false).unwrap(),
            "https://127.0.0.1:8443/"
        );
        assert_eq!(
            normalize_domain("auth.example.com", false).unwrap(),
            "https://auth.example.com/"
        );
    }

    #[test]
    fn bad_domains_are_rejected_with_the_reason() {
        let err = |d: &str| normalize_domain(d, false).unwrap_err();
        assert!(err("http://tenant.auth0.com").contains("https required"));
        assert!(err("tenant.auth0.com/some/path").contains("path/query/fragment"));
        assert!(err("tenant.auth0.com?foo=bar").contains("path/query/fragment"));
        assert!(err("tenant.auth0.com#section").contains("path/query/fragment"));
        assert!(err("user:pass@tenant.auth0.com").contains("credentials"));
        assert!(err("").contains("non-empty"));
        assert!(err("   ").contains("non-empty"));
        assert!(err("ftp://x").contains("https required"));
    }

    #[test]
    fn fast_path_agrees_with_the_url_parser() {
        for d in [
            "a.b",
            "tenant.us.auth0.com",
            "x-y.example.com:8443",
            "localhost:3000",
            "a1.b2",
            "127.0.0.1:8443",
            "10.0.0.1",
        ] {
            assert!(is_plain_dns_authority(d), "{d}");
            let parsed = url::Url::parse(&format!("https://{d}/")).unwrap();
            assert_eq!(parsed.as_str(), format!("https://{d}/"), "{d}");
        }
        for d in [
            "127.1",
            "1.2.3.04",
            "a..b",
            "-a.b",
            "a-.b",
            "xn--bcher-kva.de",
            "a.b:0",
            "a.b:443",
            "a.b:99999",
            "a.b:",
            "[::1]",
            "a_b.c",
            "A.b",
        ] {
            assert!(!is_plain_dns_authority(d), "{d}");
        }
        assert_eq!(
            normalize_domain("https://a.b:443/", false).unwrap_err(),
            "invalid domain URL (not a canonical host: use https://a.b/)"
        );
    }

    #[test]
    fn plain_http_only_for_loopback_with_opt_in() {
        assert!(normalize_domain("http://127.0.0.1:9000", false).is_err());
        assert_eq!(
            normalize_domain("http://127.0.0.1:9000", true).unwrap(),
            "http://127.0.0.1:9000/"
        );
        assert_eq!(
            normalize_domain("http://localhost:9", true).unwrap(),
            "http://localhost:9/"
        );
        assert!(normalize_domain("http://example.com", true).is_err());
    }
}
