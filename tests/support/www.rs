//! Expected `WWW-Authenticate` values (docs/compatibility.md §4.3) with the default proof
//! algorithms.

/// Mixed mode, no error parameters.
pub const MIXED_BARE: &str = "Bearer realm=\"api\", DPoP algs=\"ES256\"";
/// Required mode, no error parameters.
pub const REQUIRED_BARE: &str = "DPoP algs=\"ES256\"";
/// Disabled mode, no error parameters.
pub const DISABLED_BARE: &str = "Bearer realm=\"api\"";

/// Mixed mode, an error on the DPoP scheme.
pub fn mixed_dpop(error: &str, description: &str) -> String {
    format!("Bearer realm=\"api\", DPoP error=\"{error}\", error_description=\"{description}\", algs=\"ES256\"")
}

/// Mixed mode, an error on the Bearer scheme.
pub fn mixed_bearer(error: &str, description: &str) -> String {
    format!("Bearer error=\"{error}\", error_description=\"{description}\", DPoP algs=\"ES256\"")
}

/// Mixed mode, a Bearer request without the `scopes` (space-separated) it needs.
pub fn mixed_insufficient_scope(scopes: &str) -> String {
    format!(
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scopes\", \
         scope=\"{scopes}\", DPoP algs=\"ES256\""
    )
}

/// Required mode, an error (always on the DPoP scheme).
pub fn required_dpop(error: &str, description: &str) -> String {
    format!("DPoP error=\"{error}\", error_description=\"{description}\", algs=\"ES256\"")
}

/// Disabled mode, an error (always on the Bearer scheme).
pub fn disabled_bearer(error: &str, description: &str) -> String {
    format!("Bearer error=\"{error}\", error_description=\"{description}\"")
}
