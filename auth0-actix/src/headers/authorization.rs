//! Reading credentials from the request: the `Authorization` header (scheme and token, RFC 6750
//! §2.1, RFC 9449 §7.1) and the `DPoP` header, with the reference's parsing rules
//! (`docs/compatibility.md` §2.1) and two stricter ones: two `Authorization` fields are a 400
//! (README Differences, D6), two `DPoP` fields too (D5).

use actix_web::http::header::{self, HeaderName};
use actix_web::HttpRequest;

use crate::error::{AuthError, ErrorCode};
use crate::scheme::Scheme;

/// The header a DPoP proof travels in.
pub(crate) static DPOP: HeaderName = HeaderName::from_static("dpop");

/// What the `Authorization` header holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Credentials<'r> {
    /// No `Authorization` header, or an empty one.
    Missing,
    /// A scheme we know, with a non-blank token (not yet verified).
    Token(Scheme, &'r str),
    /// Present but unusable: no token after the scheme, an unknown scheme, or bytes that are
    /// not visible ASCII. The reference answers these like a missing header.
    Unusable,
}

/// Parses the `Authorization` header.
pub(crate) fn credentials(req: &HttpRequest) -> Result<Credentials<'_>, AuthError> {
    let mut fields = req.headers().get_all(header::AUTHORIZATION);
    let Some(value) = fields.next() else {
        return Ok(Credentials::Missing);
    };
    if fields.next().is_some() {
        return Err(AuthError::new(
            ErrorCode::InvalidRequest,
            "Multiple Authorization header fields are not allowed",
        ));
    }
    // Header values arrive without control characters other than tab (the HTTP parser refuses
    // them); what is left to refuse is non-ASCII. `is_ascii` checks a word at a time, which
    // matters for ~1 KiB tokens on every request (HeaderValue::to_str goes byte by byte).
    let bytes = value.as_bytes();
    match std::str::from_utf8(bytes) {
        Ok(value) if bytes.is_ascii() => Ok(parse_authorization(value)),
        _ => Ok(Credentials::Unusable),
    }
}

/// Where a request's token sits in its (single) `Authorization` field, and under which scheme:
/// what a verification that has to wait carries from the synchronous start to the rest, so the
/// field is parsed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenSpan {
    pub(crate) scheme: Scheme,
    start: usize,
    end: usize,
}

impl TokenSpan {
    /// The span of `token`, which [`credentials`] returned for `req`.
    pub(crate) fn of(req: &HttpRequest, scheme: Scheme, token: &str) -> TokenSpan {
        let field = req
            .headers()
            .get(header::AUTHORIZATION)
            .map_or(0, |v| v.as_bytes().as_ptr() as usize);
        let start = (token.as_ptr() as usize).saturating_sub(field);
        TokenSpan {
            scheme,
            start,
            end: start + token.len(),
        }
    }

    /// The token again (the field was checked to be ASCII when it was parsed).
    pub(crate) fn token<'r>(&self, req: &'r HttpRequest) -> Option<&'r str> {
        let field = req.headers().get(header::AUTHORIZATION)?;
        std::str::from_utf8(field.as_bytes().get(self.start..self.end)?).ok()
    }
}

/// `value.split(None, 1)` as the reference: the scheme, then everything after the first run of
/// whitespace is the token (trailing text stays in the token and fails verification).
pub(crate) fn parse_authorization(value: &str) -> Credentials<'_> {
    let value = value.trim_start();
    if value.is_empty() {
        return Credentials::Missing;
    }
    let Some((scheme, rest)) = value.split_once(|c: char| c.is_ascii_whitespace()) else {
        return Credentials::Unusable;
    };
    let token = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if token.trim().is_empty() {
        return Credentials::Unusable;
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        Credentials::Token(Scheme::Bearer, token)
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Credentials::Token(Scheme::DPoP, token)
    } else {
        Credentials::Unusable
    }
}

/// The `DPoP` header fields: `Ok(None)` when absent or empty, an error when there are several.
pub(crate) fn dpop_proof(req: &HttpRequest) -> Result<Option<&str>, AuthError> {
    let mut fields = req.headers().get_all(&DPOP);
    let Some(value) = fields.next() else {
        return Ok(None);
    };
    if fields.next().is_some() {
        return Err(
            AuthError::invalid_dpop_proof("Multiple DPoP proofs are not allowed")
                .on_scheme(Scheme::DPoP),
        );
    }
    // As in `credentials`: a word-at-a-time ASCII check instead of `HeaderValue::to_str`'s
    // byte-by-byte one (the same verdict: header values hold no control characters but tab).
    let bytes = value.as_bytes();
    match std::str::from_utf8(bytes) {
        Ok("") => Ok(None),
        Ok(v) if bytes.is_ascii() => Ok(Some(v)),
        _ => {
            Err(AuthError::invalid_dpop_proof("Failed to verify DPoP proof")
                .on_scheme(Scheme::DPoP))
        }
    }
}

/// Whether the request carries a non-empty `DPoP` header field.
pub(crate) fn has_dpop_header(req: &HttpRequest) -> bool {
    req.headers().get_all(&DPOP).any(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn authorization_values() {
        use Credentials::*;
        assert_eq!(
            parse_authorization("Bearer abc"),
            Token(Scheme::Bearer, "abc")
        );
        assert_eq!(
            parse_authorization("bearer abc"),
            Token(Scheme::Bearer, "abc")
        );
        assert_eq!(
            parse_authorization("BEARER\tabc"),
            Token(Scheme::Bearer, "abc")
        );
        assert_eq!(parse_authorization("DPoP abc"), Token(Scheme::DPoP, "abc"));
        assert_eq!(parse_authorization("dpop abc"), Token(Scheme::DPoP, "abc"));
        assert_eq!(
            parse_authorization("Bearer   a  b"),
            Token(Scheme::Bearer, "a  b")
        );
        assert_eq!(parse_authorization("Bearer"), Unusable);
        assert_eq!(parse_authorization("Bearer   "), Unusable);
        assert_eq!(parse_authorization("Basic dXNlcjpwYXNz"), Unusable);
        assert_eq!(parse_authorization(""), Missing);
    }

    #[test]
    fn a_span_finds_the_token_again() {
        let req = TestRequest::default()
            .insert_header(("Authorization", "DPoP   abc.def.ghi "))
            .to_http_request();
        let Ok(Credentials::Token(scheme, token)) = credentials(&req) else {
            panic!("a token")
        };
        let span = TokenSpan::of(&req, scheme, token);
        assert_eq!(span.scheme, Scheme::DPoP);
        assert_eq!(span.token(&req), Some("abc.def.ghi "));
        let other = TestRequest::default().to_http_request();
        assert_eq!(span.token(&other), None);
    }

    #[test]
    fn duplicate_fields_are_rejected() {
        let req = TestRequest::default()
            .append_header(("Authorization", "Bearer a"))
            .append_header(("Authorization", "Bearer b"))
            .to_http_request();
        let err = credentials(&req).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidRequest);
        let req = TestRequest::default()
            .append_header(("DPoP", "a"))
            .append_header(("dpop", "b"))
            .to_http_request();
        assert_eq!(
            dpop_proof(&req).unwrap_err().description(),
            "Multiple DPoP proofs are not allowed"
        );
        let req = TestRequest::default().to_http_request();
        assert_eq!(credentials(&req).unwrap(), Credentials::Missing);
        assert_eq!(dpop_proof(&req).unwrap(), None);
    }

    #[test]
    fn dpop_field_values() {
        use actix_web::http::header::HeaderValue;
        let proof = |value: HeaderValue| {
            let req = TestRequest::default()
                .insert_header(("DPoP", value))
                .to_http_request();
            dpop_proof(&req).map(|p| p.map(str::to_owned))
        };
        assert_eq!(
            proof(HeaderValue::from_static("a.b.c")).unwrap().as_deref(),
            Some("a.b.c")
        );
        assert_eq!(proof(HeaderValue::from_static("")).unwrap(), None);
        // A tab is visible to `to_str` too: the proof goes on (and fails to decode later).
        assert_eq!(
            proof(HeaderValue::from_static("a\tb")).unwrap().as_deref(),
            Some("a\tb")
        );
        for obs_text in [&b"a.b.\xe9"[..], "a.b.\u{e9}".as_bytes()] {
            let err = proof(HeaderValue::from_bytes(obs_text).unwrap()).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidDpopProof);
            assert_eq!(err.description(), "Failed to verify DPoP proof");
        }
    }
}
