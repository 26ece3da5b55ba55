//! The URL a client addressed, rebuilt from the request (and, behind a trusted reverse proxy,
//! from `X-Forwarded-Proto/Host/Prefix`): what a DPoP proof's `htu` is compared with, and what a
//! custom-domains resolver is shown.

use actix_web::http::header::{self, HeaderName};
use actix_web::HttpRequest;

/// Headers read only with [`Auth0Builder::trust_proxy`](crate::Auth0Builder::trust_proxy).
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static X_FORWARDED_PREFIX: HeaderName = HeaderName::from_static("x-forwarded-prefix");

/// The URL the client addressed, as DPoP `htu` is checked against (`docs/compatibility.md` §5):
/// scheme from the connection, host from `Host` (or the HTTP/2 authority), then the path and
/// query as received. With `trust_proxy`, `X-Forwarded-Proto`, `-Host` and `-Prefix` replace
/// them under the reference's rules, plus: a prefix holding `?` or `#` is ignored, and a host
/// (from either header) that is not a plain `host[:port]` makes the URL unusable, so a
/// malformed host can never make a proof for one endpoint valid for another.
pub(crate) fn request_url(req: &HttpRequest, trust_proxy: bool) -> Option<String> {
    let mut scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    // A `Host` that is not visible ASCII, or two `Host` fields, names no host we could build an
    // URL from: no URL (so no proof matches), rather than a fallback host the client never sent.
    let mut hosts = req.headers().get_all(header::HOST);
    let host_header = match (hosts.next(), hosts.next()) {
        (Some(h), None) => Some(h.to_str().ok()?),
        (Some(_), Some(_)) => return None,
        (None, _) => None,
    };
    let mut host = match host_header.or_else(|| req.uri().authority().map(|a| a.as_str())) {
        Some(h) => h,
        None => req.app_config().host(),
    };
    let mut prefix = "";
    if trust_proxy {
        let first = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
        if let Some(proto) = first(&X_FORWARDED_PROTO) {
            match proto.trim().to_ascii_lowercase().as_str() {
                "https" => scheme = "https",
                "http" => scheme = "http",
                _ => {}
            }
        }
        if let Some(forwarded) = req.headers().get(&X_FORWARDED_HOST) {
            let forwarded = forwarded.to_str().ok()?;
            let forwarded = forwarded.split(',').next().unwrap_or_default().trim();
            if !forwarded.is_empty() {
                host = forwarded;
            }
        }
        if let Some(p) = first(&X_FORWARDED_PREFIX) {
            prefix = forwarded_prefix(p);
        }
    }
    if !is_plain_authority(host) {
        return None;
    }
    let path_and_query = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let mut url = String::with_capacity(
        scheme.len() + 3 + host.len() + prefix.len() + path_and_query.len() + 1,
    );
    url.push_str(scheme);
    url.push_str("://");
    url.push_str(host);
    if !prefix.is_empty() {
        url.push('/');
        url.push_str(prefix);
    }
    url.push_str(path_and_query);
    Some(url)
}

/// The usable part of an `X-Forwarded-Prefix`, without leading or trailing slashes; empty when
/// the prefix must be ignored (`..` in any spelling: `%2e%2e`, `.%2e`, `%2E.`; `//…`, `:`, NUL,
/// `?`, `#`) or is just `/`.
fn forwarded_prefix(raw: &str) -> &str {
    let p = raw.trim();
    let dots = p.to_ascii_lowercase().replace("%2e", ".");
    if dots.contains("..") || p.starts_with("//") || p.contains([':', '\0', '?', '#']) {
        return "";
    }
    p.trim_matches('/')
}

/// `host[:port]` with nothing that could change a URL's structure (no userinfo, path, query,
/// fragment, backslash or whitespace), as a URL parser reads it back unchanged.
fn is_plain_authority(host: &str) -> bool {
    if host.is_empty()
        || !host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':' | b'[' | b']')
        })
    {
        return false;
    }
    match url::Url::parse(&format!("http://{host}/")) {
        Ok(u) => u.path() == "/" && u.username().is_empty() && u.host_str().is_some(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn url(req: TestRequest, trust: bool) -> Option<String> {
        request_url(&req.to_http_request(), trust)
    }

    #[test]
    fn from_host_header_and_path() {
        let req = TestRequest::get()
            .uri("/api/x?a=1")
            .insert_header(("Host", "api.test:8080"));
        assert_eq!(
            url(req, false).as_deref(),
            Some("http://api.test:8080/api/x?a=1")
        );
    }

    #[test]
    fn forwarded_headers_only_when_trusted() {
        let req = || {
            TestRequest::get()
                .uri("/test")
                .insert_header(("Host", "internal:8000"))
                .insert_header(("X-Forwarded-Proto", " HTTPS "))
                .insert_header(("X-Forwarded-Host", "api.example.com, proxy1.internal"))
                .insert_header(("X-Forwarded-Prefix", "/api/v1/"))
        };
        assert_eq!(
            url(req(), false).as_deref(),
            Some("http://internal:8000/test")
        );
        assert_eq!(
            url(req(), true).as_deref(),
            Some("https://api.example.com/api/v1/test")
        );
    }

    #[test]
    fn bad_prefixes_are_ignored() {
        for bad in [
            "/../admin",
            "//evil",
            "/a:b",
            "/%2E%2e/x",
            "/.%2e/x",
            "/%2E./x",
            "/a?b",
            "/a#b",
        ] {
            let req = TestRequest::get()
                .uri("/t")
                .insert_header(("Host", "h"))
                .insert_header(("X-Forwarded-Prefix", bad));
            assert_eq!(url(req, true).as_deref(), Some("http://h/t"), "{bad}");
        }
        let req = TestRequest::get()
            .uri("/t")
            .insert_header(("Host", "h"))
            .insert_header(("X-Forwarded-Prefix", "api"));
        assert_eq!(url(req, true).as_deref(), Some("http://h/api/t"));
        let req = TestRequest::get()
            .uri("/t")
            .insert_header(("Host", "h"))
            .insert_header(("X-Forwarded-Proto", "https, http"));
        assert_eq!(
            url(req, true).as_deref(),
            Some("http://h/t"),
            "comma lists are not split"
        );
    }

    #[test]
    fn malformed_hosts_make_no_url() {
        for bad in ["evil.com/admin", "a@b", "h?x", "h#x", "h\\x", "h x"] {
            let req = TestRequest::get()
                .uri("/t")
                .insert_header(("Host", "ok"))
                .insert_header(("X-Forwarded-Host", bad));
            assert_eq!(url(req, true), None, "{bad}");
        }
    }

    #[test]
    fn an_unreadable_or_repeated_host_makes_no_url() {
        let obs_text = actix_web::http::header::HeaderValue::from_bytes(b"h\xe9.test").unwrap();
        let req = TestRequest::get()
            .uri("/t")
            .insert_header(("Host", obs_text.clone()));
        assert_eq!(url(req, false), None, "Host with obs-text");
        let req = TestRequest::get()
            .uri("/t")
            .append_header(("Host", "a.test"))
            .append_header(("Host", "b.test"));
        assert_eq!(url(req, false), None, "two Host fields");
        let req = TestRequest::get()
            .uri("/t")
            .insert_header(("Host", "ok.test"))
            .insert_header(("X-Forwarded-Host", obs_text));
        assert_eq!(url(req, true), None, "X-Forwarded-Host with obs-text");
        let req = TestRequest::get()
            .uri("/t")
            .insert_header(("Host", "ok.test"))
            .insert_header(("X-Forwarded-Host", "\u{0}".replace('\u{0}', "")));
        assert_eq!(
            url(req, true).as_deref(),
            Some("http://ok.test/t"),
            "empty X-Forwarded-Host is ignored"
        );
    }
}
