//! Authorization after authentication: what a route requires of a valid token. Pure algebra
//! over claims — whether a [`Requirement`] holds; the `403` for one that does not is rendered
//! by `web::respond`, where every other failure is. Checked only once the token is valid (401
//! beats 403).
//!
//! A [`Requirement`] is a scope, or all / any of several requirements, nested freely. Scopes are
//! exact, case-sensitive tokens of the space-separated `scope` claim (a `scope` that is not a
//! string grants nothing, difference D4). With Auth0 RBAC, grants can also come from the
//! `permissions` array ([`Grants`]).

use std::fmt;
use std::sync::OnceLock;

use crate::claims::Claims;

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
    /// A nested requirement that named its own grant source: it applies to everything inside,
    /// whatever the enclosing requirement or the configuration says.
    Grants(Grants, Box<Expr>),
}

/// What a route requires of a valid token: scopes combined with all/any, and where grants come
/// from. `Requirement::all([])` (or [`Requirement::none`]) accepts any valid token.
///
/// A grant source set with [`grants`](Requirement::grants) applies to the requirement it is
/// set on, nested ones included, unless a nested requirement sets its own: the innermost
/// source wins, and the configuration's
/// ([`Auth0Builder::grants`](crate::Auth0Builder::grants)) applies where none is set.
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
    ///
    /// ```
    /// use auth0_actix::{Protect, Requirement};
    ///
    /// let any_token = Requirement::none();
    /// assert!(any_token.is_none());
    /// assert_eq!(any_token, Requirement::all(Vec::<Requirement>::new()));
    /// let _same_as_protect_new = Protect::require(any_token);
    /// ```
    pub fn none() -> Self {
        Requirement {
            expr: Expr::All(Vec::new()),
            grants: None,
        }
    }

    /// One scope (or permission), matched exactly and case-sensitively against one of the
    /// token's space-separated scopes. A `&str` or `String` converts into this wherever a
    /// requirement is expected.
    ///
    /// ```
    /// use auth0_actix::{guard::Authorized, Protect, Requirement};
    ///
    /// let read = Requirement::scope("read:messages");
    /// assert_eq!(Requirement::from("read:messages"), read);
    /// let _middleware = Protect::require("read:messages"); // the same requirement
    /// let _guard = Authorized::new(read);
    /// ```
    ///
    /// # Panics
    ///
    /// If `name` is empty or holds whitespace: a token's scopes are split on whitespace, so
    /// such a scope could never be granted and every request would get `403` (the
    /// `#[require_auth]` attribute refuses it at compile time). This is a mistake in the
    /// route set-up, reported when the route is built; for several scopes use
    /// [`all`](Self::all) or [`any`](Self::any):
    ///
    /// ```should_panic
    /// # use auth0_actix::Requirement;
    /// // panics: "... use Requirement::all([\"read:data\", \"write:data\"]) ..."
    /// let _ = Requirement::scope("read:data write:data");
    /// ```
    ///
    /// A scope read at run time (from a file, the environment) can be checked first with
    /// `!name.is_empty() && !name.contains(char::is_whitespace)`.
    #[track_caller]
    pub fn scope(name: impl Into<String>) -> Self {
        let name = name.into();
        if name.is_empty() {
            panic!(
                "auth0_actix::Requirement::scope(\"\"): a scope cannot be empty (no token could \
                 ever grant it); for any valid token use Requirement::none() or Protect::new()"
            );
        }
        if name.contains(char::is_whitespace) {
            let parts: Vec<String> = name.split_whitespace().map(|p| format!("{p:?}")).collect();
            panic!(
                "auth0_actix::Requirement::scope({name:?}): a scope cannot contain whitespace \
                 (a token's scopes are split on it, so this one could never be granted); for \
                 every one of them use Requirement::all([{list}]), for one of them \
                 Requirement::any([{list}])",
                list = parts.join(", ")
            );
        }
        Requirement {
            expr: Expr::Scope(name),
            grants: None,
        }
    }

    /// Every one of `parts` (scopes, or requirements); an empty list accepts any valid token.
    ///
    /// ```
    /// use auth0_actix::Requirement;
    ///
    /// let both = Requirement::all(["read:data", "write:data"]);
    /// assert_eq!(both.to_string(), "read:data and write:data");
    ///
    /// // Parts of different kinds: make each one a Requirement.
    /// let nested = Requirement::all([
    ///     Requirement::scope("read:data"),
    ///     Requirement::any(["write:data", "admin"]),
    /// ]);
    /// assert_eq!(nested.to_string(), "read:data and (write:data or admin)");
    /// ```
    #[track_caller]
    pub fn all<I: IntoIterator<Item = R>, R: Into<Requirement>>(parts: I) -> Self {
        Requirement {
            expr: Expr::All(exprs(parts)),
            grants: None,
        }
    }

    /// At least one of `parts` (scopes, or requirements); an empty list is never satisfied.
    ///
    /// ```
    /// use auth0_actix::Requirement;
    ///
    /// let either = Requirement::any(["read:messages", "admin"]);
    /// assert_eq!(either.to_string(), "read:messages or admin");
    /// ```
    #[track_caller]
    pub fn any<I: IntoIterator<Item = R>, R: Into<Requirement>>(parts: I) -> Self {
        Requirement {
            expr: Expr::Any(exprs(parts)),
            grants: None,
        }
    }

    /// Reads grants from `grants` for this requirement (and the requirements nested in it that
    /// set no source of their own), whatever the configuration's default
    /// ([`Auth0Builder::grants`](crate::Auth0Builder::grants)). Called twice, the last call
    /// wins.
    ///
    /// ```
    /// use auth0_actix::{Grants, Requirement};
    ///
    /// // read:reports from the RBAC `permissions` claim, and openid from `scope`, whatever
    /// // the configuration's default.
    /// let req = Requirement::all([
    ///     Requirement::scope("read:reports").grants(Grants::Permissions),
    ///     Requirement::scope("openid"),
    /// ])
    /// .grants(Grants::Scope);
    /// # let _ = req;
    /// ```
    pub fn grants(mut self, grants: Grants) -> Self {
        self.grants = Some(grants);
        self
    }

    /// Whether `claims` satisfy the requirement, reading grants from `default` wherever the
    /// requirement names no source of its own (the middleware, guards and the attribute pass
    /// the configuration's [`Auth0Builder::grants`](crate::Auth0Builder::grants)).
    ///
    /// ```
    /// use auth0_actix::{Claims, Grants, Requirement};
    ///
    /// fn may_export(claims: &Claims) -> bool {
    ///     Requirement::all([Requirement::scope("read:reports"), Requirement::any(["export", "admin"])])
    ///         .is_satisfied_by(claims, Grants::ScopeOrPermissions)
    /// }
    /// ```
    pub fn is_satisfied_by(&self, claims: &Claims, default: Grants) -> bool {
        fn eval(e: &Expr, claims: &Claims, g: Grants) -> bool {
            match e {
                Expr::Scope(s) => g.grants(claims, s),
                Expr::All(parts) => parts.iter().all(|p| eval(p, claims, g)),
                Expr::Any(parts) => parts.iter().any(|p| eval(p, claims, g)),
                Expr::Grants(own, inner) => eval(inner, claims, *own),
            }
        }
        eval(&self.expr, claims, self.grants.unwrap_or(default))
    }

    /// Whether this accepts any valid token.
    ///
    /// ```
    /// use auth0_actix::Requirement;
    ///
    /// assert!(Requirement::none().is_none());
    /// assert!(Requirement::all(Vec::<&str>::new()).is_none());
    /// assert!(!Requirement::scope("read:data").is_none());
    /// assert!(!Requirement::any(Vec::<&str>::new()).is_none()); // never satisfied
    /// ```
    pub fn is_none(&self) -> bool {
        matches!(&self.expr, Expr::All(parts) if parts.is_empty())
    }

    /// The expression to nest in another requirement, keeping this one's grant source.
    fn into_expr(self) -> Expr {
        match self.grants {
            Some(grants) => Expr::Grants(grants, Box::new(self.expr)),
            None => self.expr,
        }
    }

    /// Every scope named, in order, without duplicates: the `scope` challenge parameter.
    pub(crate) fn scope_names(&self) -> String {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match e {
                Expr::Scope(s) => {
                    if !out.contains(&s.as_str()) {
                        out.push(s);
                    }
                }
                Expr::All(parts) | Expr::Any(parts) => parts.iter().for_each(|p| walk(p, out)),
                Expr::Grants(_, inner) => walk(inner, out),
            }
        }
        let mut names = Vec::new();
        walk(&self.expr, &mut names);
        names.join(" ")
    }
}

/// The parts of an `all`/`any` as expressions. A loop, not a closure, so that a panicking
/// `Requirement::scope` reports the caller's line (`#[track_caller]` stops at closures).
#[track_caller]
fn exprs<I: IntoIterator<Item = R>, R: Into<Requirement>>(parts: I) -> Vec<Expr> {
    let mut exprs = Vec::new();
    for part in parts {
        exprs.push(part.into().into_expr());
    }
    exprs
}

impl From<&str> for Requirement {
    /// [`Requirement::scope`], which panics on an empty scope or one holding whitespace.
    #[track_caller]
    fn from(scope: &str) -> Self {
        Requirement::scope(scope)
    }
}

impl From<String> for Requirement {
    /// [`Requirement::scope`], which panics on an empty scope or one holding whitespace.
    #[track_caller]
    fn from(scope: String) -> Self {
        Requirement::scope(scope)
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write(e: &Expr, f: &mut fmt::Formatter<'_>, nested: bool) -> fmt::Result {
            let (parts, sep) = match e {
                Expr::Scope(s) => return f.write_str(s),
                Expr::Grants(_, inner) => return write(inner, f, nested),
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
    fn nested_grant_sources_are_kept() {
        let rbac = claims(json!({"permissions": ["read:reports"], "scope": "openid"}));
        let scoped = claims(json!({"scope": "read:reports openid"}));
        // The inner source applies to its scope; the rest reads the default (or the outer one).
        let req = Requirement::all([
            Requirement::scope("read:reports").grants(Grants::Permissions),
            Requirement::scope("openid"),
        ]);
        assert!(req.is_satisfied_by(&rbac, Grants::Scope));
        assert!(!req.is_satisfied_by(&scoped, Grants::Scope));
        assert!(
            !req.is_satisfied_by(&rbac, Grants::Permissions),
            "openid is no permission"
        );
        let outer = req.clone().grants(Grants::Scope);
        assert!(outer.is_satisfied_by(&rbac, Grants::Permissions));
        // Innermost wins, however deep, and in any().
        let deep = Requirement::any([Requirement::all([
            Requirement::any(["x", "read:reports"]).grants(Grants::Permissions)
        ])])
        .grants(Grants::Scope);
        assert!(deep.is_satisfied_by(&rbac, Grants::Scope));
        assert!(!deep.is_satisfied_by(&scoped, Grants::Scope));
        // The last .grants(..) on one requirement wins.
        let last = Requirement::scope("read:reports")
            .grants(Grants::Scope)
            .grants(Grants::Permissions);
        assert!(last.is_satisfied_by(&rbac, Grants::Scope));
        // Grant sources change neither the challenge's scopes nor the display.
        assert_eq!(req.scope_names(), "read:reports openid");
        assert_eq!(req.to_string(), "read:reports and openid");
        assert_eq!(
            Requirement::all([
                Requirement::any(["a", "b"]).grants(Grants::Permissions),
                "c".into()
            ])
            .to_string(),
            "(a or b) and c"
        );
    }

    #[test]
    fn scopes_that_could_never_be_granted_are_refused() {
        let message = |f: fn()| {
            let err = std::panic::catch_unwind(f).expect_err("must panic");
            err.downcast_ref::<String>()
                .cloned()
                .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap()
        };
        let spaced = message(|| {
            let _ = Requirement::scope("read:data write:data");
        });
        assert!(spaced.contains("cannot contain whitespace"), "{spaced}");
        assert!(
            spaced.contains(r#"Requirement::all(["read:data", "write:data"])"#),
            "{spaced}"
        );
        let empty = message(|| {
            let _ = Requirement::scope("");
        });
        assert!(empty.contains("cannot be empty"), "{empty}");
        // Every way in goes through Requirement::scope.
        for f in [
            (|| drop(Requirement::from("a\tb"))) as fn(),
            || drop(Requirement::from(String::new())),
            || drop(Requirement::all(["ok", "not ok"])),
            || drop(Requirement::any(["ok", "\u{a0}nbsp"])),
            || drop(crate::Protect::require("a b")),
            || drop(crate::guard::Authorized::new("")),
        ] {
            assert!(std::panic::catch_unwind(f).is_err());
        }
        // Anything else is a scope: printable, not necessarily RFC 6749 (a token may hold it).
        for fine in ["read:data", "x", "a\"b", "ünïcode", "https://api/read"] {
            assert_eq!(Requirement::scope(fine).scope_names(), fine);
        }
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
