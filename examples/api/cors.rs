//! The example API's CORS layer, for a browser single-page app served from another origin.
//!
//! `CORS_ALLOWED_ORIGIN` names the origin(s) allowed to call the API from a browser: one
//! origin (`https://spa.example.com`), a comma-separated list, or `*` for any origin. Unset
//! (the default), no cross-origin browser call is allowed: responses carry no CORS headers,
//! so browsers keep them from other origins' scripts. Non-browser clients (curl, servers) are
//! not affected either way: CORS is enforced by browsers, it is not authentication.
//!
//! Allowed: methods `GET` and `POST`; request headers `Authorization`, `Content-Type` and
//! `DPoP`; the `WWW-Authenticate` response header is exposed, so the SPA can read the
//! challenge (`error`, `scope`, `algs`). Credentials (cookies) are not allowed: the access
//! token travels in the `Authorization` header, which needs no credentialed CORS.

use actix_cors::Cors;
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, Uri};

/// The environment variable naming the allowed origin(s).
pub const ALLOWED_ORIGIN_VAR: &str = "CORS_ALLOWED_ORIGIN";

/// Which origins may call the API from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// No cross-origin calls (the default).
    None,
    /// Any origin (`*`); for local development.
    Any,
    /// These origins, serialized as browsers send them in `Origin`.
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Parses the value of [`ALLOWED_ORIGIN_VAR`] (`None` or blank: no cross-origin calls).
    /// Errors name the variable and the offending entry.
    pub fn parse(raw: Option<&str>) -> Result<AllowedOrigins, String> {
        let raw = raw.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Ok(AllowedOrigins::None);
        }
        if raw == "*" {
            return Ok(AllowedOrigins::Any);
        }
        let mut origins = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let origin = normalize_origin(entry)
                .map_err(|why| format!("invalid {ALLOWED_ORIGIN_VAR} entry `{entry}`: {why}"))?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        if origins.is_empty() {
            return Ok(AllowedOrigins::None);
        }
        Ok(AllowedOrigins::List(origins))
    }

    /// The CORS middleware for these origins.
    pub fn layer(&self) -> Cors {
        let mut cors = Cors::default()
            .allowed_methods([Method::GET, Method::POST])
            .allowed_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("dpop"),
            ])
            .expose_headers([header::WWW_AUTHENTICATE])
            .max_age(600);
        match self {
            AllowedOrigins::None => {}
            AllowedOrigins::Any => cors = cors.allow_any_origin(),
            AllowedOrigins::List(origins) => {
                for origin in origins {
                    cors = cors.allowed_origin(origin);
                }
            }
        }
        cors
    }
}

/// `scheme://host[:port]` as a browser serializes it in `Origin`: lower case, no default port,
/// no path, query, fragment or credentials.
fn normalize_origin(entry: &str) -> Result<String, &'static str> {
    let uri: Uri = entry
        .parse()
        .map_err(|_| "not a URL; write it as https://spa.example.com")?;
    let scheme = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => "https",
        Some("http") => "http",
        Some(_) => return Err("the scheme must be http or https"),
        None => return Err("the scheme is missing; write it as https://spa.example.com"),
    };
    let authority = uri.authority().ok_or("the host is missing")?;
    if authority.as_str().contains('@') {
        return Err("an origin has no user name or password");
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() || entry.contains('#') {
        return Err("an origin has no path, query or fragment");
    }
    let host = authority.host().to_ascii_lowercase();
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match authority.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}
