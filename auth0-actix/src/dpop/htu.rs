//! `htu` comparison (RFC 9449 §4.3 check 9): both the proof's `htu` and the request URL are
//! reduced to origin + path by a WHATWG URL parser (the `url` crate), with percent-escapes
//! upper-cased. Query and fragment are ignored; default ports dropped; scheme and host
//! lower-cased; dot segments resolved (`docs/compatibility.md` §3.3).

/// Whether a proof's `htu` names the request URL `actual` (built by `request::request_url`
/// from a validated host and the request's path). When the proof carries exactly that URL
/// (without query), the two are equal without parsing — identical strings normalise
/// identically; otherwise both are normalised and compared.
pub(crate) fn matches(claimed: &str, actual: &str) -> bool {
    let without_query = actual.split(['?', '#']).next().unwrap_or(actual);
    if claimed == without_query && normalize(actual).is_some() {
        return true;
    }
    match (normalize(claimed), normalize(actual)) {
        (Some(c), Some(a)) => c == a,
        _ => false,
    }
}

/// The comparable form of `url`, or `None` if it is not an absolute http(s) URL.
pub(crate) fn normalize(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return None;
    }
    let origin = parsed.origin().ascii_serialization();
    let path = parsed.path();
    let mut out = String::with_capacity(origin.len() + path.len());
    out.push_str(&origin);
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            out.push('%');
            out.push(bytes[i + 1].to_ascii_uppercase() as char);
            out.push(bytes[i + 2].to_ascii_uppercase() as char);
            i += 3;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    fn same(a: &str, b: &str) -> bool {
        normalize(a).is_some() && normalize(a) == normalize(b)
    }

    #[test]
    fn equivalences() {
        assert!(same(
            "https://API.example.com/resource",
            "https://api.example.com/resource"
        ));
        assert!(same(
            "https://api.example.com:443/r",
            "https://api.example.com/r"
        ));
        assert!(same("http://h:80/r", "http://h/r"));
        assert!(same(
            "https://h/r?param1=value1",
            "https://h/r?param2=value2"
        ));
        assert!(same("https://h/r#a", "https://h/r#b"));
        assert!(same("https://h", "https://h/"));
        assert!(same("https://h/a/../r", "https://h/r"));
        assert!(same("https://h/%7e", "https://h/%7E"));
        assert!(same("https://h/r/?abc=def", "https://h/r/"));
    }

    #[test]
    fn differences() {
        assert!(!same("https://h/r/", "https://h/r"));
        assert!(!same("https://h/R", "https://h/r"));
        assert!(!same("https://h/%7e", "https://h/~"));
        assert!(!same("https://h:8443/r", "https://h/r"));
        assert!(!same("http://h/r", "https://h/r"));
        assert_eq!(normalize("not a url"), None);
        assert_eq!(normalize("ftp://h/r"), None);
        assert_eq!(normalize("/relative"), None);
    }
}
