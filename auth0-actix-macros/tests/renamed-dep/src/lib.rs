//! Test support for `auth0-actix-macros`: a crate whose only dependency on auth0-actix is
//! renamed, `auth = { package = "auth0-actix", .. }`, the case `#[require_auth(crate = "…")]`
//! exists for.
//!
//! Cargo refuses a package that depends on another one under two names, and the macros crate
//! needs the name `auth0_actix` for its other tests, so it cannot also depend on the library as
//! `auth`. It depends on this crate as `auth` instead: the glob re-export below gives it, and its
//! trybuild cases, the library's items under that name.
//!
//! The handlers in [`renamed`] are compiled here, where `auth0_actix` is no name at all: if the
//! expansion named `::auth0_actix` anywhere, this crate, and so every test of the macros crate,
//! would fail to build.

pub use auth::*;

/// Handlers protected through the renamed dependency, for the macros crate's runtime test.
pub mod renamed {
    /// Requires the scope `x`; answers with the token's `scope` claim.
    #[auth::require_auth(scopes = "x", crate = "auth")]
    pub async fn scoped(claims: auth::Claims) -> String {
        claims.scope.clone().unwrap_or_default()
    }

    /// Any valid token.
    #[auth::require_auth(crate = "auth")]
    pub async fn any_token() -> &'static str {
        "any valid token"
    }
}
