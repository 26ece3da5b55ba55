//! Reading credentials from the request: the `Authorization` header (scheme and token) and the
//! `DPoP` header, with the reference's parsing rules (`behaviour.md` §2.1) and two stricter ones:
//! two `Authorization` fields are a 400 (difference D6), two `DPoP` fields too (D5).

use actix_web::http::header::{self, HeaderName};
use actix_web::HttpRequest;

use crate::challenge::Scheme;
use crate::error::AuthError;

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
            crate::ErrorCode::InvalidRequest,
            "Multiple Authorization header fields are not allowed",
        ));
    }
    let Ok(value) = value.to_str() else {
        return Ok(Credentials::Unusable);
    };
    Ok(parse_authorization(value))
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
    match value.to_str() {
        Ok("") => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(_) => {
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
}
