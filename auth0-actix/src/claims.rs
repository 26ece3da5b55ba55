//! The verified access token's claims: typed standard claims, every other claim reachable, and
//! scope helpers. [`Claims`] is also an actix-web extractor (see [`crate::extract`]).

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The `aud` claim: one audience or many (RFC 7519 §4.1.3).
///
/// ```
/// use auth0_actix::Audience;
/// let aud = Audience::Many(vec!["https://api".into(), "https://t.auth0.com/userinfo".into()]);
/// assert!(aud.contains("https://api"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// A single audience string.
    One(String),
    /// An array of audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is among the token's audiences.
    ///
    /// ```
    /// use auth0_actix::Audience;
    /// assert!(Audience::One("https://api".into()).contains("https://api"));
    /// assert!(!Audience::One("https://api".into()).contains("https://api/"));
    /// ```
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(a) => a == audience,
            Audience::Many(list) => list.iter().any(|a| a == audience),
        }
    }

    /// The audiences as a slice-like iterator.
    ///
    /// ```
    /// use auth0_actix::Audience;
    /// let aud = Audience::Many(vec!["https://api".into(), "https://t.auth0.com/userinfo".into()]);
    /// assert_eq!(aud.iter().collect::<Vec<_>>(), ["https://api", "https://t.auth0.com/userinfo"]);
    /// assert_eq!(Audience::One("https://api".into()).iter().count(), 1);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Audience::One(a) => (Some(a.as_str()), &[][..]),
            Audience::Many(list) => (None, list.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

/// The `cnf` (confirmation) claim of a sender-constrained token (RFC 7800, RFC 9449 §6).
///
/// ```
/// use auth0_actix::Claims;
/// fn dpop_bound(claims: &Claims) -> bool {
///     claims.cnf.as_ref().and_then(|cnf| cnf.jkt.as_deref()).is_some()
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Confirmation {
    /// The JWK SHA-256 thumbprint the token is bound to (`cnf.jkt`).
    pub jkt: Option<String>,
}

/// Python-style truthiness of a JSON value, as the reference SDK tests `cnf` and `cnf.jkt`:
/// `null`, `false`, `0`, `""`, `[]` and `{}` are falsy.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The claims of a verified access token.
///
/// Standard claims are typed fields; every claim, standard or custom (such as namespaced
/// `https://example.com/role` claims added by Auth0 Actions, or RBAC `permissions`), is
/// reachable with [`get`](TokenClaims::get) or [`deserialize`](TokenClaims::deserialize).
///
/// ```
/// use auth0_actix::Claims;
/// # fn demo(claims: &Claims) {
/// let user = claims.sub.as_deref().unwrap_or("anonymous");
/// let can_read = claims.has_scope("read:messages");
/// let role = claims.get("https://example.com/role").and_then(|v| v.as_str());
/// # let _ = (user, can_read, role); }
/// ```
#[derive(Clone)]
pub struct Claims(Arc<TokenClaims>);

impl std::ops::Deref for Claims {
    type Target = TokenClaims;

    fn deref(&self) -> &TokenClaims {
        &self.0
    }
}

impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The fields and helpers of [`Claims`] (which dereferences to this; cloning `Claims` is one
/// reference-count increment).
///
/// ```
/// use auth0_actix::{Claims, TokenClaims};
///
/// fn machine_to_machine(claims: &TokenClaims) -> bool {
///     claims.sub.as_deref().is_some_and(|sub| sub.ends_with("@clients"))
/// }
/// # fn demo(claims: Claims) {
/// let m2m = machine_to_machine(&claims); // &Claims dereferences to &TokenClaims
/// # let _ = m2m; }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenClaims {
    /// Issuer (`iss`), exactly as in the token.
    pub iss: String,
    /// Subject (`sub`): the user ID, or `<client_id>@clients` for machine-to-machine tokens.
    pub sub: Option<String>,
    /// Audience(s) (`aud`).
    pub aud: Audience,
    /// Expiry (`exp`), seconds since the epoch.
    pub exp: i64,
    /// Issued at (`iat`), seconds since the epoch.
    pub iat: i64,
    /// Not before (`nbf`), seconds since the epoch.
    pub nbf: Option<i64>,
    /// Granted scopes (`scope`), space-separated. `None` when absent or not a string.
    pub scope: Option<String>,
    /// Authorized party (`azp`).
    pub azp: Option<String>,
    /// Client ID (`client_id`, RFC 9068).
    pub client_id: Option<String>,
    /// Token ID (`jti`).
    pub jti: Option<String>,
    /// Confirmation (`cnf`) of a DPoP-bound token.
    pub cnf: Option<Confirmation>,
    raw: Map<String, Value>,
}

impl Claims {
    /// Builds claims from a payload whose `iss`, `aud`, `exp`, `iat` and `nbf` the verifier has
    /// already checked.
    pub(crate) fn from_verified(raw: Map<String, Value>) -> Claims {
        let string = |name: &str| raw.get(name).and_then(Value::as_str).map(str::to_owned);
        let number = |name: &str| raw.get(name).and_then(Value::as_f64).map(|n| n as i64);
        let aud = match raw.get("aud") {
            Some(Value::Array(list)) => Audience::Many(
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            Some(Value::String(a)) => Audience::One(a.clone()),
            _ => Audience::Many(Vec::new()),
        };
        let cnf = raw
            .get("cnf")
            .and_then(Value::as_object)
            .map(|c| Confirmation {
                jkt: c.get("jkt").and_then(Value::as_str).map(str::to_owned),
            });
        Claims(Arc::new(TokenClaims {
            iss: string("iss").unwrap_or_default(),
            sub: string("sub"),
            aud,
            exp: number("exp").unwrap_or_default(),
            iat: number("iat").unwrap_or_default(),
            nbf: number("nbf"),
            scope: string("scope"),
            azp: string("azp"),
            client_id: string("client_id"),
            jti: string("jti"),
            cnf,
            raw,
        }))
    }

    /// Claims made up for tests; see [`crate::testing`]. A value that is not a JSON object
    /// gives claims with none set.
    ///
    /// ```
    /// use auth0_actix::Claims;
    /// let claims = Claims::from_json(serde_json::json!({"sub": "user_123", "scope": "read:data"}));
    /// assert_eq!(claims.sub.as_deref(), Some("user_123"));
    /// assert!(claims.has_scope("read:data"));
    /// ```
    #[cfg(feature = "testing")]
    pub fn from_json(value: Value) -> Claims {
        match value {
            Value::Object(map) => Claims::from_verified(map),
            _ => Claims::from_verified(Map::new()),
        }
    }
}

impl TokenClaims {
    /// Any claim by name, e.g. `permissions` or `https://example.com/role`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"https://example.com/role": "admin"}));
    /// let role = claims.get("https://example.com/role").and_then(|v| v.as_str());
    /// assert_eq!(role, Some("admin"));
    /// assert_eq!(claims.get("missing"), None);
    /// # }
    /// ```
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.raw.get(name)
    }

    /// The raw `cnf.jkt` value, whatever its type, when `cnf` is an object holding a truthy
    /// `jkt`: what makes a token DPoP-bound (`docs/compatibility.md` §2.1).
    pub(crate) fn bound_jkt(&self) -> Option<&Value> {
        self.get("cnf")
            .and_then(Value::as_object)
            .and_then(|cnf| cnf.get("jkt"))
            .filter(|jkt| truthy(jkt))
    }

    /// All claims as a JSON object.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"sub": "user_123", "org_id": "org_1"}));
    /// let names: Vec<&String> = claims.as_json().keys().collect();
    /// assert_eq!(names, ["org_id", "sub"]);
    /// # }
    /// ```
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.raw
    }

    /// Deserializes all claims into your own type.
    ///
    /// ```
    /// # fn demo(claims: &auth0_actix::Claims) -> Result<(), serde_json::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Mine {
    ///     sub: String,
    ///     #[serde(rename = "https://example.com/role")]
    ///     role: Option<String>,
    /// }
    /// let mine: Mine = claims.deserialize()?;
    /// # Ok(()) }
    /// ```
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(Value::Object(self.raw.clone()))
    }

    /// The granted scopes: the `scope` claim split on whitespace (empty if none).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"scope": "read:data  write:data"}));
    /// assert_eq!(claims.scopes().collect::<Vec<_>>(), ["read:data", "write:data"]);
    /// # }
    /// ```
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }

    /// Whether `scope` was granted (exact, case-sensitive).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"scope": "read:data write:data"}));
    /// assert!(claims.has_scope("read:data"));
    /// assert!(!claims.has_scope("READ:DATA"));
    /// assert!(!claims.has_scope("read"));
    /// # }
    /// ```
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// The Auth0 RBAC permissions: the string items of the `permissions` array (empty if none).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"permissions": ["read:reports", 7, "admin"]}));
    /// assert_eq!(claims.permissions().collect::<Vec<_>>(), ["read:reports", "admin"]);
    /// # }
    /// ```
    pub fn permissions(&self) -> impl Iterator<Item = &str> {
        self.raw
            .get("permissions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// Whether the RBAC permission `name` was granted (exact, case-sensitive).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"permissions": ["read:reports"], "scope": "admin"}));
    /// assert!(claims.has_permission("read:reports"));
    /// assert!(!claims.has_permission("admin")); // a scope, not a permission
    /// # }
    /// ```
    pub fn has_permission(&self, name: &str) -> bool {
        self.permissions().any(|p| p == name)
    }

    /// The party currently acting on the subject's behalf: the outermost `act.sub` (RFC 8693
    /// §4.1), or `None` when there is no `act` claim (absent or JSON `null`). An `act` that is
    /// not an object, or whose `sub` is not a non-blank string, is a 401 `invalid_token`
    /// "Invalid act claim". Only the outermost `act` is read, as the reference does: nested
    /// actors are prior ones, informational (see [`delegation_chain`](Self::delegation_chain)).
    ///
    /// ```
    /// # fn demo(claims: &auth0_actix::Claims) -> Result<(), auth0_actix::AuthError> {
    /// if let Some(actor) = claims.current_actor()? {
    ///     println!("{actor} acts for {:?}", claims.sub);
    /// }
    /// # Ok(()) }
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"sub": "user_1", "act": {"sub": "agent", "act": {"sub": "app"}}}));
    /// # assert_eq!(claims.current_actor().unwrap(), Some("agent"));
    /// # let bad = Claims::from_json(json!({"act": "agent"}));
    /// # assert_eq!(bad.current_actor().unwrap_err().description(), "Invalid act claim");
    /// # }
    /// ```
    pub fn current_actor(&self) -> Result<Option<&str>, crate::error::AuthError> {
        match self.raw.get("act") {
            None | Some(Value::Null) => Ok(None),
            Some(act) => actor_sub(act).map(Some),
        }
    }

    /// Every actor of a delegation, newest first, by walking nested `act` claims (a JSON
    /// `null` ends the chain as an absent `act` does); empty when there is none. Every level is
    /// validated as [`current_actor`](Self::current_actor) validates the outermost one.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"sub": "user_1", "act": {"sub": "agent", "act": {"sub": "app"}}}));
    /// // {"sub": "user_1", "act": {"sub": "agent", "act": {"sub": "app"}}}
    /// assert_eq!(claims.delegation_chain()?, ["agent", "app"]);
    /// # }
    /// # Ok::<(), auth0_actix::AuthError>(())
    /// ```
    pub fn delegation_chain(&self) -> Result<Vec<&str>, crate::error::AuthError> {
        let mut chain = Vec::new();
        let mut act = self.raw.get("act");
        while let Some(value) = act.filter(|v| !v.is_null()) {
            chain.push(actor_sub(value)?);
            act = value.get("act");
        }
        Ok(chain)
    }

    /// Whether every one of `scopes` was granted.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use auth0_actix::Claims;
    /// # use serde_json::json;
    /// # let claims = Claims::from_json(json!({"scope": "read:data write:data"}));
    /// assert!(claims.has_scopes(["read:data", "write:data"]));
    /// assert!(!claims.has_scopes(["read:data", "admin"]));
    /// assert!(claims.has_scopes([])); // nothing required
    /// # }
    /// ```
    pub fn has_scopes<'a>(&self, scopes: impl IntoIterator<Item = &'a str>) -> bool {
        scopes.into_iter().all(|s| self.has_scope(s))
    }
}

/// The `sub` of one `act` level: a non-blank string in an object, or "Invalid act claim".
fn actor_sub(act: &Value) -> Result<&str, crate::error::AuthError> {
    act.as_object()
        .and_then(|object| object.get("sub"))
        .and_then(Value::as_str)
        .filter(|sub| !sub.trim().is_empty())
        .ok_or_else(|| crate::error::AuthError::invalid_token("Invalid act claim"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        Claims::from_verified(v.as_object().unwrap().clone())
    }

    #[test]
    fn standard_and_custom_claims() {
        let c = claims(json!({
            "iss": "https://t/", "sub": "user_123", "aud": ["a", "b"], "exp": 2e9, "iat": 1,
            "scope": "read:x  write:x", "cnf": {"jkt": "abc"}, "https://example.com/role": "admin"
        }));
        assert_eq!(c.sub.as_deref(), Some("user_123"));
        assert!(c.aud.contains("b"));
        assert_eq!(c.exp, 2_000_000_000);
        assert!(c.has_scopes(["read:x", "write:x"]));
        assert!(!c.has_scope("read"));
        assert!(!c.has_scope("READ:X"));
        assert_eq!(c.cnf.as_ref().unwrap().jkt.as_deref(), Some("abc"));
        assert_eq!(c.get("https://example.com/role"), Some(&json!("admin")));
    }

    #[test]
    fn delegation() {
        let c = claims(json!({"act": {"sub": "a", "act": {"sub": "b", "act": {"sub": "c"}}}}));
        assert_eq!(c.current_actor().unwrap(), Some("a"));
        assert_eq!(c.delegation_chain().unwrap(), vec!["a", "b", "c"]);
        assert_eq!(claims(json!({})).current_actor().unwrap(), None);
        assert!(claims(json!({})).delegation_chain().unwrap().is_empty());
        for bad in [
            json!({"act": "x"}),
            json!({"act": 5}),
            json!({"act": {"sub": "   "}}),
            json!({"act": {"sub": "a", "act": "nested string"}}),
        ] {
            let err = claims(bad).delegation_chain().unwrap_err();
            assert_eq!(err.description(), "Invalid act claim");
            assert_eq!(err.code(), crate::ErrorCode::InvalidToken);
        }
        // As the reference: a null act is no act, and the current actor is the outermost one
        // whatever the nested levels hold.
        let null = claims(json!({"act": null}));
        assert_eq!(null.current_actor().unwrap(), None);
        assert!(null.delegation_chain().unwrap().is_empty());
        let ends = claims(json!({"act": {"sub": "a", "act": null}}));
        assert_eq!(ends.delegation_chain().unwrap(), vec!["a"]);
        let bad_nested = claims(json!({"act": {"sub": "a", "act": "nested string"}}));
        assert_eq!(bad_nested.current_actor().unwrap(), Some("a"));
        assert!(bad_nested.delegation_chain().is_err());
        for bad in [
            json!({"act": "x"}),
            json!({"act": {"sub": 7}}),
            json!({"act": {}}),
        ] {
            let err = claims(bad).current_actor().unwrap_err();
            assert_eq!(err.description(), "Invalid act claim");
        }
    }

    #[test]
    fn permissions() {
        let c = claims(json!({"permissions": ["read:reports", 5, "x"]}));
        assert_eq!(
            c.permissions().collect::<Vec<_>>(),
            vec!["read:reports", "x"]
        );
        assert!(c.has_permission("x"));
        assert!(!claims(json!({"permissions": "read:reports"})).has_permission("read:reports"));
    }

    #[test]
    fn truthiness_follows_the_reference() {
        for falsy in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&falsy), "{falsy} is falsy");
        }
        for truthy_value in [
            json!(true),
            json!(1),
            json!(-0.5),
            json!("x"),
            json!([0]),
            json!({"a": 0}),
        ] {
            assert!(truthy(&truthy_value), "{truthy_value} is truthy");
        }
    }

    #[test]
    fn a_truthy_jkt_of_any_type_binds_the_token() {
        assert_eq!(
            claims(json!({"cnf": {"jkt": 123}})).bound_jkt(),
            Some(&json!(123))
        );
        assert_eq!(
            claims(json!({"cnf": {"jkt": "abc"}})).bound_jkt(),
            Some(&json!("abc"))
        );
        for unbound in [
            json!({"cnf": {"jkt": ""}}),
            json!({"cnf": {"jkt": 0}}),
            json!({"cnf": "abc"}),
            json!({"cnf": {}}),
            json!({}),
        ] {
            assert_eq!(claims(unbound.clone()).bound_jkt(), None, "{unbound}");
        }
    }

    #[test]
    fn non_string_scope_is_no_scope() {
        let c = claims(json!({"scope": ["read:x"]}));
        assert_eq!(c.scope, None);
        assert!(!c.has_scope("read:x"));
    }
}
