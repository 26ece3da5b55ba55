//! Authorization after authentication: required scopes, checked only once the token is valid
//! (401 beats 403). Exact, case-sensitive tokens of the space-separated `scope` claim; a `scope`
//! that is not a string grants nothing (difference D4).

use crate::config::Config;
use crate::error::{AuthError, ErrorCode};
use crate::verify::Authenticated;

/// Checks that every scope in `required` was granted; 403 `insufficient_scope` with a
/// challenge naming the required scopes otherwise (difference D10).
pub(crate) fn require(
    cfg: &Config,
    verified: &Authenticated,
    required: &[&str],
) -> Result<(), AuthError> {
    if verified.claims.has_scopes(required.iter().copied()) {
        return Ok(());
    }
    cfg.counters.rejected(ErrorCode::InsufficientScope);
    let scope = required.join(" ");
    Err(
        AuthError::new(ErrorCode::InsufficientScope, "Insufficient scopes")
            .on_scheme(verified.scheme)
            .with_challenge(&cfg.challenge, Some(&scope)),
    )
}
