//! `WWW-Authenticate` challenges (RFC 6750 §3, RFC 9449 §7.1), built once per error.
//!
//! The rules follow the reference SDK (`docs/compatibility.md` §4.3) with two deliberate
//! improvements (README Differences): quoted-string values are escaped (D9) and
//! `403 insufficient_scope` carries a challenge with the required `scope` (D10).
//!
//! | mode     | no error parameters                 | error on Bearer                          | error on DPoP |
//! |----------|-------------------------------------|------------------------------------------|---------------|
//! | disabled | `Bearer realm="api"`                | `Bearer error=…, error_description=…`    | – |
//! | required | `DPoP algs="ES256"`                 | –                                        | `DPoP error=…, error_description=…, algs="ES256"` |
//! | mixed    | `Bearer realm="api", DPoP algs=…`   | `Bearer error=…, …, DPoP algs=…`         | `Bearer realm="api", DPoP error=…, …, algs=…` |

use std::fmt::Write as _;

use actix_web::http::header::HeaderValue;

use crate::scheme::Scheme;

/// Which schemes the API offers, derived from the DPoP settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offered {
    /// DPoP disabled: Bearer only.
    BearerOnly,
    /// DPoP required: DPoP only.
    DpopOnly,
    /// Mixed: both.
    Both,
}

/// Everything a challenge needs that comes from the configuration, rendered once at build time.
#[derive(Debug, Clone)]
pub(crate) struct ChallengeContext {
    pub(crate) offered: Offered,
    /// The `algs` parameter value: space-separated allowed proof algorithms.
    pub(crate) algs: String,
}

/// The error parameters of one challenge.
pub(crate) struct ErrorParams<'a> {
    pub(crate) error: &'a str,
    pub(crate) description: &'a str,
    pub(crate) scope: Option<&'a str>,
}

impl ChallengeContext {
    /// Renders the `WWW-Authenticate` value. `params` are put on `scheme` (the scheme the client
    /// used; Bearer when it used none the API knows); `None` renders bare challenges.
    pub(crate) fn render(&self, scheme: Scheme, params: Option<&ErrorParams<'_>>) -> HeaderValue {
        let mut out = String::with_capacity(96);
        let bearer_offered = self.offered != Offered::DpopOnly;
        let dpop_offered = self.offered != Offered::BearerOnly;
        // In Bearer-only mode every error lands on Bearer; in DPoP-only mode on DPoP.
        let target = match self.offered {
            Offered::BearerOnly => Scheme::Bearer,
            Offered::DpopOnly => Scheme::DPoP,
            Offered::Both => scheme,
        };
        if bearer_offered {
            out.push_str("Bearer");
            match params.filter(|_| target == Scheme::Bearer) {
                Some(p) => push_error_params(&mut out, p),
                None => out.push_str(" realm=\"api\""),
            }
        }
        if dpop_offered {
            if bearer_offered {
                out.push_str(", ");
            }
            out.push_str("DPoP");
            if let Some(p) = params.filter(|_| target == Scheme::DPoP) {
                push_error_params(&mut out, p);
                out.push(',');
            }
            push_param(&mut out, "algs", &self.algs);
        }
        // Every byte is printable ASCII after escaping, so this cannot fail; fall back to a bare
        // challenge rather than panic if it ever did.
        HeaderValue::from_str(&out).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }
}

fn push_error_params(out: &mut String, p: &ErrorParams<'_>) {
    push_param(out, "error", p.error);
    if !p.description.is_empty() {
        out.push(',');
        push_param(out, "error_description", p.description);
    }
    if let Some(scope) = p.scope {
        out.push(',');
        push_param(out, "scope", scope);
    }
}

/// Appends ` name="value"`, escaping the value as an RFC 9110 §5.6.4 quoted-string.
fn push_param(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"");
    push_quoted(out, value);
    out.push('"');
}

/// Escapes `"` and `\` with a backslash; replaces every character that cannot appear in a
/// header value (controls, DEL, non-ASCII) with `?` (difference D9: no header injection, no 500).
pub(crate) fn push_quoted(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(offered: Offered) -> ChallengeContext {
        ChallengeContext {
            offered,
            algs: "ES256".into(),
        }
    }
    fn err<'a>(error: &'a str, description: &'a str) -> ErrorParams<'a> {
        ErrorParams {
            error,
            description,
            scope: None,
        }
    }

    #[test]
    fn bare_challenges_per_mode() {
        assert_eq!(
            ctx(Offered::BearerOnly).render(Scheme::Bearer, None),
            "Bearer realm=\"api\""
        );
        assert_eq!(
            ctx(Offered::DpopOnly).render(Scheme::Bearer, None),
            "DPoP algs=\"ES256\""
        );
        assert_eq!(
            ctx(Offered::Both).render(Scheme::Bearer, None),
            "Bearer realm=\"api\", DPoP algs=\"ES256\""
        );
    }

    #[test]
    fn error_challenges_per_mode_and_scheme() {
        let e = err("invalid_token", "Token is expired");
        assert_eq!(
            ctx(Offered::BearerOnly).render(Scheme::Bearer, Some(&e)),
            "Bearer error=\"invalid_token\", error_description=\"Token is expired\""
        );
        assert_eq!(
            ctx(Offered::DpopOnly).render(Scheme::DPoP, Some(&e)),
            "DPoP error=\"invalid_token\", error_description=\"Token is expired\", algs=\"ES256\""
        );
        assert_eq!(
            ctx(Offered::Both).render(Scheme::Bearer, Some(&e)),
            "Bearer error=\"invalid_token\", error_description=\"Token is expired\", DPoP algs=\"ES256\""
        );
        assert_eq!(
            ctx(Offered::Both).render(Scheme::DPoP, Some(&e)),
            "Bearer realm=\"api\", DPoP error=\"invalid_token\", error_description=\"Token is expired\", algs=\"ES256\""
        );
    }

    #[test]
    fn empty_description_is_omitted_and_scope_is_added() {
        let e = ErrorParams {
            error: "insufficient_scope",
            description: "",
            scope: Some("a b"),
        };
        assert_eq!(
            ctx(Offered::BearerOnly).render(Scheme::Bearer, Some(&e)),
            "Bearer error=\"insufficient_scope\", scope=\"a b\""
        );
    }

    #[test]
    fn values_are_escaped_never_injected() {
        let e = err("invalid_token", "alg 'x\"\\\r\nSet-Cookie: a=b' é");
        let v = ctx(Offered::BearerOnly).render(Scheme::Bearer, Some(&e));
        assert_eq!(
            v.to_str().unwrap(),
            "Bearer error=\"invalid_token\", error_description=\"alg 'x\\\"\\\\??Set-Cookie: a=b' ?\""
        );
    }
}
