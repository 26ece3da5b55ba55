//! Authorization after authentication: what a route requires of a valid token, checked only
//! once the token is valid (401 beats 403).
//!
//! A [`Requirement`] is a scope, or all / any of several requirements, nested freely. Scopes are
//! exact, case-sensitive tokens of the space-separated `scope` claim (a `scope` that is not a
//! string grants nothing, difference D4). With Auth0 RBAC, grants can also come from the
//! `permissions` array ([`Grants`]).

use std::fmt;
use std::sync::OnceLock;

use crate::claims::Claims;
use crate::config::Config;
use crate::error::{AuthError, ErrorCode};
use crate::verify::Authenticated;

/// Where a token's grants are read from.
///
/// Auth0 puts API permissions in `scope` for most flows; with RBAC and "Add Permissions in the
/// Access Token" enabled on the API (Dashboard → Applications → APIs → your API → Settings →
/// RBAC Settings), users' permissions arrive in a `permissions` array instead.
///
/// ```
/// use auth0_actix::Grants;
/// assert_eq!(Grants::default(), Grants::Scope);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Grants {
    /// The `scope` claim only (the default, as the reference).
    #[default]
    Scope,
    /// The `permissions` claim only (Auth0 RBAC).
    Permissions,
    /// Either claim.
    ScopeOrPermissions,
}

impl Grants {
    fn grants(self, claims: &Claims, name: &str) -> bool {
        match self {
            Grants::Scope => claims.has_scope(name),
            Grants::Permissions => claims.has_permission(name),
            Grants::ScopeOrPermissions => claims.has_scope(name) || claims.has_permission(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Scope(String),
    All(Vec<Expr>),
    Any(Vec<Expr>),
}

/// What a route requires of a valid token: scopes combined with all/any, and where grants come
/// from. `Requirement::all([])` (or [`Requirement::none`]) accepts any valid token.
///
/// ```
/// use auth0_actix::{Grants, Requirement};
///
/// // read:data AND (write:data OR admin), granted by scope or RBAC permissions
/// let req = Requirement::all([
///     Requirement::scope("read:data"),
///     Requirement::any(["write:data", "admin"]),
/// ])
/// .grants(Grants::ScopeOrPermissions);
/// assert_eq!(req.to_string(), "read:data and (write:data or admin)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    expr: Expr,
    grants: Option<Grants>,
}

impl Requirement {
    /// Any valid token.
    pub fn none() -> Self {
        Requirement {
            expr: Expr::All(Vec::new()),
            grants: None,
        }
    }

    /// One scope (or permission).
    pub fn scope(name: impl Into<String>) -> Self {
        Requirement {
            expr: Expr::Scope(name.into()),
            grants: None,
        }
    }

    /// Every one of `parts`.
    pub fn all<I: IntoIterator<Item = R>, R: Into<Requirement>>(parts: I) -> Self {
        Requirement {
            expr: Expr::All(parts.into_iter().map(|r| r.into().expr).collect()),
            grants: None,
        }
    }

    /// At least one of `parts` (an empty list is never satisfied).
    pub fn any<I: IntoIterator<Item = R>, R: Into<Requirement>>(parts: I) -> Self {
        Requirement {
            expr: Expr::Any(parts.into_iter().map(|r| r.into().expr).collect()),
            grants: None,
        }
    }

    /// Reads grants from `grants` for this requirement, whatever the configuration's default
    /// ([`Auth0Builder::grants`](crate::Auth0Builder::grants)).
    pub fn grants(mut self, grants: Grants) -> Self {
        self.grants = Some(grants);
        self
    }

    /// Whether `claims` satisfy the requirement, reading grants from `default` unless the
    /// requirement names its own source.
    pub fn is_satisfied_by(&self, claims: &Claims, default: Grants) -> bool {
        fn eval(e: &Expr, claims: &Claims, g: Grants) -> bool {
            match e {
                Expr::Scope(s) => g.grants(claims, s),
                Expr::All(parts) => parts.iter().all(|p| eval(p, claims, g)),
                Expr::Any(parts) => parts.iter().any(|p| eval(p, claims, g)),
            }
        }
        eval(&self.expr, claims, self.grants.unwrap_or(default))
    }

    /// Whether this accepts any valid token.
    pub fn is_none(&self) -> bool {
        matches!(&self.expr, Expr::All(parts) if parts.is_empty())
    }

    /// Every scope named, in order, without duplicates: the `scope` challenge parameter.
    fn scope_names(&self) -> String {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match e {
                Expr::Scope(s) => {
                    if !out.contains(&s.as_str()) {
                        out.push(s);
                    }
                }
                Expr::All(parts) | Expr::Any(parts) => parts.iter().for_each(|p| walk(p, out)),
            }
        }
        let mut names = Vec::new();
        walk(&self.expr, &mut names);
        names.join(" ")
    }
}

impl From<&str> for Requirement {
    fn from(scope: &str) -> Self {
        Requirement::scope(scope)
    }
}

impl From<String> for Requirement {
    fn from(scope: String) -> Self {
        Requirement::scope(scope)
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write(e: &Expr, f: &mut fmt::Formatter<'_>, nested: bool) -> fmt::Result {
            let (parts, sep) = match e {
                Expr::Scope(s) => return f.write_str(s),
                Expr::All(p) if p.is_empty() => return f.write_str("any valid token"),
                Expr::All(p) => (p, " and "),
                Expr::Any(p) => (p, " or "),
            };
            if nested && parts.len() > 1 {
                f.write_str("(")?;
            }
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write(p, f, true)?;
            }
            if nested && parts.len() > 1 {
                f.write_str(")")?;
            }
            Ok(())
        }
        write(&self.expr, f, false)
    }
}

/// Checks `requirement` against a verified request; 403 `insufficient_scope` with a challenge
/// naming the scopes involved otherwise (difference D10).
pub(crate) fn require(
    cfg: &Config,
    verified: &Authenticated,
    requirement: &Requirement,
) -> Result<(), AuthError> {
    if requirement.is_satisfied_by(&verified.claims, cfg.grants) {
        return Ok(());
    }
    cfg.counters.rejected(ErrorCode::InsufficientScope);
    let scope = requirement.scope_names();
    Err(
        AuthError::new(ErrorCode::InsufficientScope, "Insufficient scopes")
            .on_scheme(verified.scheme)
            .with_challenge(&cfg.challenge, Some(&scope)),
    )
}

/// A `&'static Requirement` built once (for the code `#[require_auth]` generates).
#[doc(hidden)]
pub fn lazy_requirement(
    cell: &'static OnceLock<Requirement>,
    make: fn() -> Requirement,
) -> &'static Requirement {
    cell.get_or_init(make)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> Claims {
        Claims::from_verified(v.as_object().unwrap().clone())
    }

    #[test]
    fn expressions() {
        let c = claims(json!({"scope": "read:data write:data", "permissions": ["read:reports"]}));
        let g = Grants::Scope;
        assert!(Requirement::none().is_satisfied_by(&c, g));
        assert!(Requirement::all(["read:data", "write:data"]).is_satisfied_by(&c, g));
        assert!(!Requirement::all(["read:data", "admin"]).is_satisfied_by(&c, g));
        assert!(Requirement::any(["admin", "write:data"]).is_satisfied_by(&c, g));
        assert!(!Requirement::any(Vec::<&str>::new()).is_satisfied_by(&c, g));
        let nested = Requirement::all([
            Requirement::scope("read:data"),
            Requirement::any(["x", "write:data"]),
        ]);
        assert!(nested.is_satisfied_by(&c, g));
        assert_eq!(nested.scope_names(), "read:data x write:data");
    }

    #[test]
    fn grant_sources() {
        let c = claims(json!({"scope": "read:data", "permissions": ["read:reports"]}));
        let r = Requirement::scope("read:reports");
        assert!(!r.is_satisfied_by(&c, Grants::Scope));
        assert!(r.is_satisfied_by(&c, Grants::Permissions));
        assert!(r.is_satisfied_by(&c, Grants::ScopeOrPermissions));
        assert!(r
            .clone()
            .grants(Grants::Permissions)
            .is_satisfied_by(&c, Grants::Scope));
        assert!(!Requirement::scope("read:data").is_satisfied_by(&c, Grants::Permissions));
    }
}
