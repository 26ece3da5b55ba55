//! Parsing and validation of the arguments of `#[require_auth(...)]`.
//!
//! Grammar (arguments in any order, each at most once; trailing commas are allowed):
//!
//! ```text
//! args    := ε | arg ("," arg)* ","?
//! arg     := "scopes" "=" value | "grants" "=" grants | "crate" "=" STRING   -- STRING: a path
//! value   := STRING | "[" element ("," element)* ","? "]" | call
//! element := STRING | call                       -- a list: every element is required
//! call    := ("any" | "all") "(" element ("," element)* ","? ")"
//! grants  := "\"scope\"" | "\"permissions\"" | "\"scope_or_permissions\""
//! ```
//!
//! Every value is Rust expression syntax, so syn parses it (`syn::Expr`: literals, arrays and
//! calls, with their spans); this module only checks the parsed expression against the grammar
//! above. The list of arguments is read by a short loop rather than as syn's
//! `Punctuated<Meta, Token![,]>`: the loop catches the mistakes syn would report in general
//! terms (a value without its key, a missing `=` or value, a missing comma, a token that starts
//! no expression) so that each message says what the attribute expects.
//!
//! Every scope is checked at compile time against the `scope-token` grammar of RFC 6749 §3.3,
//! and may appear only once in the whole expression, so that a typo such as a space-separated
//! list is caught before the API ever runs. `grants` needs `scopes`: without a scope
//! requirement there is nothing for it to apply to.

use std::collections::HashSet;

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprCall, ExprLit, Ident, Lit, LitStr, Path, Token};

/// Example shown in error messages.
const USAGE: &str =
    "write `scopes = \"read:messages\"`, `scopes = [\"read:data\", \"write:data\"]` \
                     or `scopes = any(\"read:data\", \"admin\")`";

/// Example of `grants` shown in error messages.
const GRANTS_USAGE: &str =
    "write `grants = \"scope\"`, `grants = \"permissions\"` or `grants = \"scope_or_permissions\"`";

/// Example of `crate` shown in error messages.
const CRATE_USAGE: &str = "write the path to auth0-actix as a string, e.g. `crate = \"auth\"` \
     with `auth = { package = \"auth0-actix\", .. }` in Cargo.toml, or \
     `crate = \"::my_reexport::auth0\"` for a re-export";

/// A validated scope expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScopeExpr {
    /// One scope.
    Scope(String),
    /// Every part is required (a list, or `all(..)`); never empty.
    All(Vec<ScopeExpr>),
    /// At least one part is required (`any(..)`); never empty.
    Any(Vec<ScopeExpr>),
}

/// `grants = "..."`: where the token's grants are read from (`auth0_actix::Grants`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantsArg {
    /// `"scope"`: `Grants::Scope`.
    Scope,
    /// `"permissions"`: `Grants::Permissions`.
    Permissions,
    /// `"scope_or_permissions"`: `Grants::ScopeOrPermissions`.
    ScopeOrPermissions,
}

impl GrantsArg {
    /// Every accepted value, as written in the attribute.
    const VALUES: [(&'static str, GrantsArg); 3] = [
        ("scope", GrantsArg::Scope),
        ("permissions", GrantsArg::Permissions),
        ("scope_or_permissions", GrantsArg::ScopeOrPermissions),
    ];

    /// The name of the `auth0_actix::Grants` variant.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            GrantsArg::Scope => "Scope",
            GrantsArg::Permissions => "Permissions",
            GrantsArg::ScopeOrPermissions => "ScopeOrPermissions",
        }
    }
}

/// The validated arguments of one `#[require_auth(...)]` attribute.
#[derive(Default)]
pub(crate) struct Args {
    /// What the token must grant; `None` means "any valid token". A single string or a list is
    /// an [`ScopeExpr::All`] of scopes.
    pub(crate) scopes: Option<ScopeExpr>,
    /// Where grants are read from for this route; `None` means the configuration's default.
    /// Only ever set together with `scopes`.
    pub(crate) grants: Option<GrantsArg>,
    /// `crate = "path"`: the path the expansion names the library by; `None` means
    /// `::auth0_actix`.
    pub(crate) krate: Option<Path>,
}

/// An argument's name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Scopes,
    Grants,
    Crate,
}

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::Scopes => "scopes",
            Key::Grants => "grants",
            Key::Crate => "crate",
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Key::Scopes => USAGE,
            Key::Grants => GRANTS_USAGE,
            Key::Crate => CRATE_USAGE,
        }
    }

    /// The error for a second occurrence of the argument.
    fn twice(self) -> &'static str {
        match self {
            Key::Scopes => {
                "`scopes` is given more than once; list every required scope in one array, \
                 e.g. `scopes = [\"read:data\", \"write:data\"]`, or combine them with \
                 `any(..)` and `all(..)`"
            }
            Key::Grants => {
                "`grants` is given more than once; give one source of grants: \
                 `grants = \"scope\"`, `\"permissions\"` or `\"scope_or_permissions\"`"
            }
            Key::Crate => "`crate` is given more than once; give the path to auth0-actix once",
        }
    }
}

/// `any(..)` or `all(..)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    All,
    Any,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::All => "all",
            Function::Any => "any",
        }
    }
}

/// Where an element stands, for error messages.
#[derive(Clone, Copy)]
enum Context {
    /// The value right after `scopes =`.
    Top,
    /// An element of a `[..]` list.
    List,
    /// An argument of `any(..)` or `all(..)`.
    Call(Function),
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut grants_key: Option<Ident> = None;

        while !input.is_empty() {
            if input.peek(LitStr) || input.peek(syn::token::Bracket) || peek_function(input) {
                return Err(input.error(format!("missing `scopes =`; {USAGE}")));
            }
            if !input.peek(Ident::peek_any) {
                return Err(input.error(format!("unexpected argument; {USAGE}")));
            }
            let ident = input.call(Ident::parse_any)?;
            let key = key(&ident)?;
            let given = match key {
                Key::Scopes => args.scopes.is_some(),
                Key::Grants => grants_key.is_some(),
                Key::Crate => args.krate.is_some(),
            };
            if given {
                return Err(syn::Error::new(ident.span(), key.twice()));
            }
            let value = value(input, key, &ident)?;
            match key {
                Key::Scopes => args.scopes = Some(scopes(&value)?),
                Key::Grants => {
                    args.grants = Some(grants(&value)?);
                    grants_key = Some(ident);
                }
                Key::Crate => args.krate = Some(crate_path(&value)?),
            }

            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                return Err(input.error(match key {
                    Key::Scopes => "unexpected tokens after the `scopes` value; to require \
                                    several scopes, use a list: \
                                    `scopes = [\"read:data\", \"write:data\"]`"
                        .to_owned(),
                    _ => format!(
                        "unexpected tokens after the `{}` value; {}",
                        key.name(),
                        key.usage()
                    ),
                }));
            }
            input.parse::<Token![,]>()?;
        }

        if let (Some(key), None) = (&grants_key, &args.scopes) {
            return Err(syn::Error::new(
                key.span(),
                "`grants` without `scopes` has no effect: `#[require_auth]` without scopes \
                 accepts any valid token, whatever it grants; add the required scopes, e.g. \
                 `#[require_auth(scopes = \"read:reports\", grants = \"permissions\")]`, or \
                 remove `grants`",
            ));
        }
        Ok(args)
    }
}

/// Whether the input starts with `any(` or `all(` (a value without its `scopes =`).
fn peek_function(input: ParseStream<'_>) -> bool {
    input.peek2(syn::token::Paren)
        && input
            .fork()
            .call(Ident::parse_any)
            .is_ok_and(|ident| ident == "any" || ident == "all")
}

/// Accepts `scopes`, `grants` and `crate`; rejects any other key, with a hint for the common
/// near-misses.
fn key(key: &Ident) -> syn::Result<Key> {
    let name = key.unraw().to_string();
    let hint = match name.as_str() {
        "scopes" => return Ok(Key::Scopes),
        "grants" => return Ok(Key::Grants),
        "crate" => return Ok(Key::Crate),
        "scope" | "scp" | "roles" => " (did you mean `scopes`?)",
        "permissions" | "permission" => {
            " (did you mean `scopes`? With Auth0 RBAC, add `grants = \"permissions\"` to read \
             them from the `permissions` claim)"
        }
        "grant" | "grant_source" | "source" => " (did you mean `grants`?)",
        "krate" | "crate_path" => " (did you mean `crate`?)",
        _ => "",
    };
    Err(syn::Error::new(
        key.span(),
        format!(
            "unknown argument `{name}`{hint}: the accepted arguments are `scopes` and `grants`, \
             e.g. `scopes = \"read:messages\"` or \
             `scopes = [\"read:data\", \"write:data\"], grants = \"permissions\"`"
        ),
    ))
}

/// Parses `= value` after the key `ident`, as a Rust expression.
fn value(input: ParseStream<'_>, key: Key, ident: &Ident) -> syn::Result<Expr> {
    let (name, usage) = (key.name(), key.usage());
    if !input.peek(Token![=]) {
        let span = if input.is_empty() {
            ident.span()
        } else {
            input.span()
        };
        return Err(syn::Error::new(
            span,
            format!("expected `=` after `{name}`; {usage}"),
        ));
    }
    let eq: Token![=] = input.parse()?;
    if input.is_empty() || input.peek(Token![,]) {
        return Err(syn::Error::new(
            eq.span,
            format!("missing value after `{name} =`; {usage}"),
        ));
    }
    input.parse::<Expr>().map_err(|err| {
        // syn's words for a value that is not Rust syntax, in the attribute's: a missing comma
        // in `any("a" "b")` (or "expected `,` or `;`" in `["a" "b"]`, which could be `[x; n]`),
        // at the second scope, and a token that starts no expression.
        let msg = err.to_string();
        let msg = match key {
            Key::Scopes if msg.starts_with("expected `,`") => "expected `,` between scopes".into(),
            Key::Scopes if msg == "expected an expression" => not_a_string_msg(Context::Top),
            _ if msg == "expected an expression" => format!("expected a string literal; {usage}"),
            _ => return err,
        };
        syn::Error::new(err.span(), msg)
    })
}

/// The string literal `expr` is, looking through the invisible groups of `macro_rules!`.
fn string(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit),
        Expr::Group(group) => string(&group.expr),
        _ => None,
    }
}

/// The value of `crate`: a string holding a path (`"auth"`, `"::my_reexport::auth0"`), which
/// keeps the string's span.
fn crate_path(expr: &Expr) -> syn::Result<Path> {
    let Some(lit) = string(expr) else {
        return Err(syn::Error::new_spanned(
            expr,
            format!("expected a string literal; {CRATE_USAGE}"),
        ));
    };
    if !lit.suffix().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!("unexpected suffix `{}` on the crate path", lit.suffix()),
        ));
    }
    lit.parse_with(Path::parse_mod_style).map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!("{:?} is not a path; {CRATE_USAGE}", lit.value()),
        )
    })
}

/// The value of `grants`: one of the accepted string literals.
fn grants(expr: &Expr) -> syn::Result<GrantsArg> {
    let Some(lit) = string(expr) else {
        // A path to a `Grants` variant gets the string to write instead.
        let last = match expr {
            Expr::Path(path) => path.path.segments.last(),
            _ => None,
        };
        let variant = last.and_then(|last| {
            let mut values = GrantsArg::VALUES.iter();
            values.find(|(_, grants)| last.ident == grants.variant())
        });
        let hint = variant.map_or_else(String::new, |(name, _)| {
            let path = expr.to_token_stream().to_string().replace(' ', "");
            format!(" (for `{path}`, write `grants = \"{name}\"`)")
        });
        return Err(syn::Error::new_spanned(
            expr,
            format!("expected a string literal{hint}; {GRANTS_USAGE}"),
        ));
    };
    if !lit.suffix().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!("unexpected suffix `{}` on the grants value", lit.suffix()),
        ));
    }
    let value = lit.value();
    if let Some((_, grants)) = GrantsArg::VALUES.iter().find(|(name, _)| *name == value) {
        return Ok(*grants);
    }
    let hint = match value.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
        "scopes" | "scp" => " (did you mean \"scope\"?)".to_owned(),
        "permission" | "rbac" => " (did you mean \"permissions\"?)".to_owned(),
        "either"
        | "any"
        | "both"
        | "scope_or_permission"
        | "scopes_or_permissions"
        | "scope_and_permissions"
        | "permissions_or_scope" => " (did you mean \"scope_or_permissions\"?)".to_owned(),
        lower => match GrantsArg::VALUES.iter().find(|(name, _)| *name == lower) {
            Some((name, _)) => format!(" (did you mean \"{name}\"?)"),
            None => String::new(),
        },
    };
    Err(syn::Error::new(
        lit.span(),
        format!("unknown grants value {value:?}{hint}; {GRANTS_USAGE}"),
    ))
}

/// Checks a scope expression parsed by syn, in source order: its shape (string literals, one
/// top-level `[..]` list, `any(..)` and `all(..)`) and its scopes (RFC 6749 §3.3, each once in
/// the whole expression), with the error at the first offending token. A single string is
/// `All([scope])`, as a one-element list.
fn scopes(expr: &Expr) -> syn::Result<ScopeExpr> {
    let mut checker = Checker {
        seen: HashSet::new(),
        has_functions: contains_call(expr),
    };
    Ok(match checker.expr(expr, Context::Top, None)? {
        ScopeExpr::Scope(scope) => ScopeExpr::All(vec![ScopeExpr::Scope(scope)]),
        expr => expr,
    })
}

/// Whether the expression calls a function (for the duplicate hint).
fn contains_call(expr: &Expr) -> bool {
    match expr {
        Expr::Array(list) => list.elems.iter().any(contains_call),
        Expr::Call(_) => true,
        _ => false,
    }
}

/// The state of one expression's check.
struct Checker {
    /// The scopes met so far.
    seen: HashSet<String>,
    /// Whether the expression uses `any(..)`/`all(..)` (for the duplicate hint).
    has_functions: bool,
}

impl Checker {
    /// Checks `expr`, standing in `context`, whose enclosing list or call is `parent`.
    fn expr(
        &mut self,
        expr: &Expr,
        context: Context,
        parent: Option<&Expr>,
    ) -> syn::Result<ScopeExpr> {
        if let Some(lit) = string(expr) {
            return Ok(ScopeExpr::Scope(self.scope(lit, expr, parent)?));
        }
        match expr {
            Expr::Array(list) => {
                let what = match context {
                    Context::Top if list.elems.is_empty() => {
                        return Err(syn::Error::new(
                            list.bracket_token.span.join(),
                            "empty scope list: list at least one scope, or write \
                             `#[require_auth]` without arguments to accept any valid token",
                        ))
                    }
                    Context::Top => {
                        return Ok(ScopeExpr::All(self.items(
                            &list.elems,
                            Context::List,
                            expr,
                        )?))
                    }
                    Context::List => "a list cannot contain another list".to_owned(),
                    Context::Call(function) => {
                        format!("a list cannot appear inside `{}(..)`", function.name())
                    }
                };
                Err(syn::Error::new_spanned(
                    list,
                    format!(
                        "{what}: use `all(..)` for scopes that are all required and `any(..)` \
                         for alternatives, e.g. \
                         `scopes = all(\"read:data\", any(\"write:data\", \"admin\"))`"
                    ),
                ))
            }
            Expr::Call(call) => {
                let function = function(call, context)?;
                let items = self.items(&call.args, Context::Call(function), expr)?;
                Ok(match function {
                    Function::All => ScopeExpr::All(items),
                    Function::Any => ScopeExpr::Any(items),
                })
            }
            // `any` or `all` without its parentheses (or with brackets instead).
            Expr::Path(_) | Expr::Index(_) => {
                let (ident, brackets) = match expr {
                    Expr::Index(index) => (plain_ident(&index.expr), Some(index.bracket_token)),
                    _ => (plain_ident(expr), None),
                };
                match ident.map(|ident| (ident, ident.unraw().to_string())) {
                    Some((ident, name)) if name == "any" || name == "all" => Err(syn::Error::new(
                        brackets.map_or(ident.span(), |brackets| brackets.span.open()),
                        format!(
                            "expected `(` after `{name}`: write the scopes as its arguments, \
                             e.g. `{name}(\"read:data\", \"admin\")`"
                        ),
                    )),
                    _ => Err(not_a_string(expr, context)),
                }
            }
            _ => Err(not_a_string(expr, context)),
        }
    }

    /// Checks the elements of the list or call `parent`.
    fn items(
        &mut self,
        items: &Punctuated<Expr, Token![,]>,
        context: Context,
        parent: &Expr,
    ) -> syn::Result<Vec<ScopeExpr>> {
        items
            .iter()
            .map(|item| self.expr(item, context, Some(parent)))
            .collect()
    }

    /// Checks one scope literal, the expression `expr`, and returns its value.
    fn scope(&mut self, lit: &LitStr, expr: &Expr, parent: Option<&Expr>) -> syn::Result<String> {
        let scope = lit.value();
        if !lit.suffix().is_empty() {
            return Err(syn::Error::new(
                lit.span(),
                format!("unexpected suffix `{}` on a scope literal", lit.suffix()),
            ));
        }
        if scope.chars().any(char::is_whitespace) && !scope.trim().is_empty() {
            let advice = match parent {
                None => format!(
                    "so to require several scopes use a list: `scopes = [{}]`",
                    suggest_items([expr], true)
                ),
                Some(list @ Expr::Array(_)) => format!(
                    "so to require several scopes use a list: `scopes = {}`",
                    suggest(list)
                ),
                Some(call) => format!("so write each scope as its own string: `{}`", suggest(call)),
            };
            return Err(syn::Error::new(
                lit.span(),
                format!("scope {scope:?} contains whitespace; a scope is a single token, {advice}"),
            ));
        }
        check_scope(&scope).map_err(|msg| syn::Error::new(lit.span(), msg))?;
        if !self.seen.insert(scope.clone()) {
            let hint = if self.has_functions {
                " in the expression; factor a scope that several alternatives share out of \
                 them, e.g. `all(\"a\", any(\"b\", \"c\"))` rather than \
                 `any(all(\"a\", \"b\"), all(\"a\", \"c\"))`"
            } else {
                ""
            };
            return Err(syn::Error::new(
                lit.span(),
                format!("duplicate scope {scope:?}: list each scope once{hint}"),
            ));
        }
        Ok(scope)
    }
}

/// The identifier `expr` is, when it is a plain one (`any`, `r#all`, `one_of`, `READ`).
fn plain_ident(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        Expr::Group(group) => plain_ident(&group.expr),
        _ => None,
    }
}

/// The function of a call, `any` or `all`, which must have arguments.
fn function(call: &ExprCall, context: Context) -> syn::Result<Function> {
    let Some(ident) = plain_ident(&call.func) else {
        return Err(not_a_string(call, context));
    };
    let name = ident.unraw().to_string();
    let (function, empty) = match name.as_str() {
        "any" => (
            Function::Any,
            "empty `any()`: list at least one scope, e.g. `any(\"read:data\", \"admin\")`; \
             an empty `any()` could never be satisfied",
        ),
        "all" => (
            Function::All,
            "empty `all()`: list at least one scope, e.g. `all(\"read:data\", \"write:data\")`, \
             or write `#[require_auth]` without arguments to accept any valid token",
        ),
        _ => return Err(unknown_function(ident, &name)),
    };
    if call.args.is_empty() {
        return Err(syn::Error::new_spanned(call, empty));
    }
    Ok(function)
}

/// The error for a call to a function other than `any` and `all`, at its name.
fn unknown_function(ident: &Ident, name: &str) -> syn::Error {
    let lower = name.to_ascii_lowercase().replace('_', "");
    let guess = match lower.as_str() {
        "any" | "anyof" | "oneof" | "or" | "either" | "some" | "atleastone" | "first" => {
            "did you mean `any(..)`?"
        }
        "all" | "allof" | "and" | "every" | "each" | "both" | "list" => "did you mean `all(..)`?",
        _ => "did you mean `any(..)` or `all(..)`?",
    };
    syn::Error::new(
        ident.span(),
        format!(
            "unknown scope function `{name}`: {guess} Scope expressions combine scopes with \
             `any(..)` (at least one is required) and `all(..)` (every one is required), e.g. \
             `scopes = all(\"read:data\", any(\"write:data\", \"admin\"))`"
        ),
    )
}

/// The error for a value that is neither a string literal nor a scope function call, over the
/// whole expression (e.g. a constant or a `concat!` call).
fn not_a_string(expr: impl ToTokens, context: Context) -> syn::Error {
    syn::Error::new_spanned(expr, not_a_string_msg(context))
}

/// The message of [`not_a_string`].
fn not_a_string_msg(context: Context) -> String {
    let expected = match context {
        Context::Top => "expected a string literal, an array of string literals, `any(..)` or \
                         `all(..)`, e.g. `scopes = \"read:messages\"`, \
                         `scopes = [\"read:data\", \"write:data\"]` or \
                         `scopes = any(\"read:data\", \"admin\")`"
            .to_owned(),
        Context::List => "expected a string literal in the scope list, e.g. \
                          `scopes = [\"read:data\", \"write:data\"]` (elements may also be \
                          `any(..)` or `all(..)`)"
            .to_owned(),
        Context::Call(function) => {
            let name = function.name();
            format!(
                "expected a string literal, `any(..)` or `all(..)` as an argument of \
                 `{name}(..)`, e.g. `{name}(\"read:data\", \"admin\")`"
            )
        }
    };
    format!(
        "{expected}; constants and macros are not supported because scopes are checked at \
         compile time"
    )
}

/// What a user most likely meant by a list or call holding space-separated scopes: in a list or
/// `all(..)`, every scope split on whitespace, each listed once; in `any(..)`, such a string
/// becomes `all(..)` of its scopes (as OAuth reads a space-separated `scope` value). Nested
/// calls get the same treatment; anything else is shown as written.
fn suggest(expr: &Expr) -> String {
    match expr {
        Expr::Array(list) => format!("[{}]", suggest_items(&list.elems, true)),
        Expr::Call(call) => {
            let any = plain_ident(&call.func).is_some_and(|ident| ident.unraw() == "any");
            let name = if any { "any" } else { "all" };
            format!("{name}({})", suggest_items(&call.args, !any))
        }
        other => other.to_token_stream().to_string(),
    }
}

/// The elements of a suggested list or call; `flatten` splits a space-separated string into
/// its siblings, otherwise it becomes `all(..)`.
fn suggest_items<'a>(items: impl IntoIterator<Item = &'a Expr>, flatten: bool) -> String {
    let mut seen = HashSet::new();
    let mut parts = Vec::new();
    for item in items {
        let Some(lit) = string(item) else {
            parts.push(suggest(item));
            continue;
        };
        let value = lit.value();
        let scopes: Vec<String> = value.split_whitespace().map(|s| format!("{s:?}")).collect();
        if scopes.len() > 1 && !flatten {
            parts.push(format!("all({})", scopes.join(", ")));
        } else {
            parts.extend(
                scopes
                    .into_iter()
                    .filter(|scope| seen.insert(scope.clone())),
            );
        }
    }
    parts.join(", ")
}

/// The `scope-token` grammar of RFC 6749 §3.3: `1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_char(c: char) -> bool {
    matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E')
}

/// Validates a scope value, returning a user-facing message on failure.
fn check_scope(scope: &str) -> Result<(), String> {
    if scope.is_empty() {
        return Err("empty scope: a scope must have at least one character".to_owned());
    }
    if scope.trim().is_empty() {
        return Err(
            "empty scope: a scope must have at least one non-whitespace character".to_owned(),
        );
    }
    if let Some(c) = scope.chars().find(|&c| !is_scope_char(c)) {
        return Err(format!(
            "scope {scope:?} contains {c:?} (U+{:04X}), which is not allowed in an OAuth 2.0 \
             scope: RFC 6749 §3.3 allows printable ASCII except space, `\"` and `\\`",
            u32::from(c)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
