//! Parsing and validation of the arguments of `#[require_auth(...)]`.
//!
//! Grammar (arguments in any order, each at most once; trailing commas are allowed):
//!
//! ```text
//! args    := ε | arg ("," arg)* ","?
//! arg     := "scopes" "=" value | "grants" "=" grants
//! value   := STRING | "[" element ("," element)* ","? "]" | call
//! element := STRING | call                       -- a list: every element is required
//! call    := ("any" | "all") "(" element ("," element)* ","? ")"
//! grants  := "\"scope\"" | "\"permissions\"" | "\"scope_or_permissions\""
//! ```
//!
//! Every scope is checked at compile time against the `scope-token` grammar of RFC 6749 §3.3,
//! and may appear only once in the whole expression, so that a typo such as a space-separated
//! list is caught before the API ever runs. `grants` needs `scopes`: without a scope
//! requirement there is nothing for it to apply to.

use std::collections::HashSet;

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{bracketed, parenthesized, Expr, Ident, LitStr, Token};

/// The scope requirement key.
const SCOPES_KEY: &str = "scopes";

/// The grant source key.
const GRANTS_KEY: &str = "grants";

/// Example shown in error messages.
const USAGE: &str =
    "write `scopes = \"read:messages\"`, `scopes = [\"read:data\", \"write:data\"]` \
                     or `scopes = any(\"read:data\", \"admin\")`";

/// Example of `grants` shown in error messages.
const GRANTS_USAGE: &str =
    "write `grants = \"scope\"`, `grants = \"permissions\"` or `grants = \"scope_or_permissions\"`";

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
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Args {
    /// What the token must grant; `None` means "any valid token". A single string or a list is
    /// an [`ScopeExpr::All`] of scopes.
    pub(crate) scopes: Option<ScopeExpr>,
    /// Where grants are read from for this route; `None` means the configuration's default.
    /// Only ever set together with `scopes`.
    pub(crate) grants: Option<GrantsArg>,
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

/// A parsed, not yet validated, scope expression (literals keep their spans).
enum Node {
    /// A string literal.
    Lit(LitStr),
    /// A top-level `[..]` list (every element required).
    List(Vec<Node>),
    /// `any(..)` or `all(..)`.
    Call(Function, Vec<Node>),
}

/// Where an element is parsed, for error messages.
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
        let mut scopes: Option<ScopeExpr> = None;
        let mut grants: Option<(GrantsArg, Ident)> = None;

        while !input.is_empty() {
            if input.peek(LitStr) || input.peek(syn::token::Bracket) || peek_function(input) {
                return Err(input.error(format!("missing `scopes =`; {USAGE}")));
            }
            if !input.peek(Ident::peek_any) {
                return Err(input.error(format!("unexpected argument; {USAGE}")));
            }
            let key = input.call(Ident::parse_any)?;
            let is_scopes = check_key(&key)?;
            if is_scopes && scopes.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    "`scopes` is given more than once; list every required scope in one array, \
                     e.g. `scopes = [\"read:data\", \"write:data\"]`, or combine them with \
                     `any(..)` and `all(..)`",
                ));
            }
            if !is_scopes && grants.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    "`grants` is given more than once; give one source of grants: \
                     `grants = \"scope\"`, `\"permissions\"` or `\"scope_or_permissions\"`",
                ));
            }
            let usage = if is_scopes { USAGE } else { GRANTS_USAGE };
            let name = if is_scopes { SCOPES_KEY } else { GRANTS_KEY };
            if !input.peek(Token![=]) {
                let span = if input.is_empty() {
                    key.span()
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
            if is_scopes {
                let node = parse_element(input, Context::Top)?;
                scopes = Some(validate(&node)?);
            } else {
                grants = Some((parse_grants(input)?, key));
            }

            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                let msg = if is_scopes {
                    "unexpected tokens after the `scopes` value; to require several scopes, \
                     use a list: `scopes = [\"read:data\", \"write:data\"]`"
                        .to_owned()
                } else {
                    format!("unexpected tokens after the `grants` value; {GRANTS_USAGE}")
                };
                return Err(input.error(msg));
            }
            input.parse::<Token![,]>()?;
        }

        if let (Some((_, key)), None) = (&grants, &scopes) {
            return Err(syn::Error::new(
                key.span(),
                "`grants` without `scopes` has no effect: `#[require_auth]` without scopes \
                 accepts any valid token, whatever it grants; add the required scopes, e.g. \
                 `#[require_auth(scopes = \"read:reports\", grants = \"permissions\")]`, or \
                 remove `grants`",
            ));
        }

        Ok(Args {
            scopes,
            grants: grants.map(|(value, _)| value),
        })
    }
}

/// Whether the input starts with `name(`: a scope function call (or a misspelt one).
fn peek_call(input: ParseStream<'_>) -> bool {
    input.peek(Ident::peek_any) && input.peek2(syn::token::Paren)
}

/// Whether the input starts with `any(` or `all(` (a value without its `scopes =`).
fn peek_function(input: ParseStream<'_>) -> bool {
    peek_call(input)
        && input
            .fork()
            .call(Ident::parse_any)
            .is_ok_and(|ident| ident == "any" || ident == "all")
}

/// Accepts `scopes` (returns `true`) and `grants` (`false`); rejects any other key, with a hint
/// for the common near-misses.
fn check_key(key: &Ident) -> syn::Result<bool> {
    let name = key.unraw().to_string();
    match name.as_str() {
        SCOPES_KEY => return Ok(true),
        GRANTS_KEY => return Ok(false),
        _ => {}
    }
    let hint = match name.as_str() {
        "scope" | "scp" | "roles" => " (did you mean `scopes`?)",
        "permissions" | "permission" => {
            " (did you mean `scopes`? With Auth0 RBAC, add `grants = \"permissions\"` to read \
             them from the `permissions` claim)"
        }
        "grant" | "grant_source" | "source" => " (did you mean `grants`?)",
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

/// Parses the value of `grants`: one of the accepted string literals.
fn parse_grants(input: ParseStream<'_>) -> syn::Result<GrantsArg> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
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
        return Err(syn::Error::new(
            lit.span(),
            format!("unknown grants value {value:?}{hint}; {GRANTS_USAGE}"),
        ));
    }
    let fork = input.fork();
    let expr = fork.parse::<Expr>();
    let hint = match &expr {
        Ok(Expr::Path(path)) => path
            .path
            .segments
            .last()
            .and_then(|last| {
                GrantsArg::VALUES
                    .iter()
                    .find(|(_, grants)| last.ident == grants.variant())
            })
            .map(|(name, _)| {
                let segments: Vec<String> = path
                    .path
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect();
                let colons = if path.path.leading_colon.is_some() {
                    "::"
                } else {
                    ""
                };
                format!(
                    " (for `{colons}{}`, write `grants = \"{name}\"`)",
                    segments.join("::")
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let msg = format!("expected a string literal{hint}; {GRANTS_USAGE}");
    Err(match expr {
        Ok(expr) => syn::Error::new_spanned(expr, msg),
        Err(_) => input.error(msg),
    })
}

/// Parses one scope expression: the value of `scopes` (`Context::Top`), a list element or a
/// function argument.
fn parse_element(input: ParseStream<'_>, context: Context) -> syn::Result<Node> {
    if input.peek(LitStr) {
        return Ok(Node::Lit(input.parse()?));
    }
    if input.peek(syn::token::Bracket) {
        return match context {
            Context::Top => parse_list(input),
            Context::List => Err(nested_list(input, "a list cannot contain another list")),
            Context::Call(function) => Err(nested_list(
                input,
                &format!("a list cannot appear inside `{}(..)`", function.name()),
            )),
        };
    }
    if peek_call(input) {
        return parse_call(input);
    }
    if input.peek(Ident::peek_any) {
        let fork = input.fork();
        let ident = fork.call(Ident::parse_any)?;
        let name = ident.unraw().to_string();
        if (name == "any" || name == "all") && !fork.peek(Token![::]) && !fork.peek(Token![!]) {
            let span = if fork.is_empty() {
                ident.span()
            } else {
                fork.span()
            };
            return Err(syn::Error::new(
                span,
                format!(
                    "expected `(` after `{name}`: write the scopes as its arguments, e.g. \
                     `{name}(\"read:data\", \"admin\")`"
                ),
            ));
        }
    }
    Err(not_a_string(input, context))
}

/// Parses a top-level `[..]` list.
fn parse_list(input: ParseStream<'_>) -> syn::Result<Node> {
    let content;
    let bracket = bracketed!(content in input);
    if content.is_empty() {
        return Err(syn::Error::new(
            bracket.span.join(),
            "empty scope list: list at least one scope, or write `#[require_auth]` \
             without arguments to accept any valid token",
        ));
    }
    Ok(Node::List(parse_elements(&content, Context::List)?))
}

/// Parses `any(..)` or `all(..)`.
fn parse_call(input: ParseStream<'_>) -> syn::Result<Node> {
    let ident = input.call(Ident::parse_any)?;
    let name = ident.unraw().to_string();
    let function = match name.as_str() {
        "any" => Function::Any,
        "all" => Function::All,
        _ => return Err(unknown_function(&ident, &name)),
    };
    let content;
    let paren = parenthesized!(content in input);
    if content.is_empty() {
        let mut group = Group::new(Delimiter::Parenthesis, TokenStream::new());
        group.set_span(paren.span.join());
        let msg = match function {
            Function::Any => {
                "empty `any()`: list at least one scope, e.g. `any(\"read:data\", \"admin\")`; \
                 an empty `any()` could never be satisfied"
            }
            Function::All => {
                "empty `all()`: list at least one scope, e.g. `all(\"read:data\", \"write:data\")`, \
                 or write `#[require_auth]` without arguments to accept any valid token"
            }
        };
        return Err(syn::Error::new_spanned(quote!(#ident #group), msg));
    }
    Ok(Node::Call(
        function,
        parse_elements(&content, Context::Call(function))?,
    ))
}

/// The comma-separated elements of a non-empty list or call.
fn parse_elements(content: ParseStream<'_>, context: Context) -> syn::Result<Vec<Node>> {
    let mut nodes = Vec::new();
    while !content.is_empty() {
        nodes.push(parse_element(content, context)?);
        if content.is_empty() {
            break;
        }
        if !content.peek(Token![,]) {
            return Err(content.error("expected `,` between scopes"));
        }
        content.parse::<Token![,]>()?;
    }
    Ok(nodes)
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

/// The error for a `[..]` where only a scope or a call may stand, over the whole list.
fn nested_list(input: ParseStream<'_>, what: &str) -> syn::Error {
    let msg = format!(
        "{what}: use `all(..)` for scopes that are all required and `any(..)` for \
         alternatives, e.g. `scopes = all(\"read:data\", any(\"write:data\", \"admin\"))`"
    );
    let fork = input.fork();
    match fork.parse::<Group>() {
        Ok(group) => syn::Error::new_spanned(group, msg),
        Err(_) => input.error(msg),
    }
}

/// Builds the error for a value that is not a string literal (or a scope function call),
/// spanning the whole expression when it parses as one (e.g. a constant or a `concat!` call).
fn not_a_string(input: ParseStream<'_>, context: Context) -> syn::Error {
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
    let msg = format!(
        "{expected}; constants and macros are not supported because scopes are checked at \
         compile time"
    );
    let fork = input.fork();
    match fork.parse::<Expr>() {
        Ok(expr) => syn::Error::new_spanned(expr, msg),
        Err(_) => input.error(msg),
    }
}

/// Validates every scope of the expression in source order (RFC 6749 §3.3; each scope once in
/// the whole expression), with the error on the first offending literal. A single string is
/// `All([scope])`, as a one-element list.
fn validate(node: &Node) -> syn::Result<ScopeExpr> {
    let mut checker = Checker {
        seen: HashSet::new(),
        has_functions: contains_call(node),
    };
    Ok(match checker.node(node, None)? {
        ScopeExpr::Scope(scope) => ScopeExpr::All(vec![ScopeExpr::Scope(scope)]),
        expr => expr,
    })
}

/// Whether the expression uses `any(..)` or `all(..)`.
fn contains_call(node: &Node) -> bool {
    match node {
        Node::Lit(_) => false,
        Node::List(items) => items.iter().any(contains_call),
        Node::Call(..) => true,
    }
}

/// The state of one expression's validation.
struct Checker {
    /// The scopes met so far.
    seen: HashSet<String>,
    /// Whether the expression uses `any(..)`/`all(..)` (for the duplicate hint).
    has_functions: bool,
}

impl Checker {
    /// Validates `node`, whose enclosing list or call is `parent` (`None` at the top).
    fn node(&mut self, node: &Node, parent: Option<&Node>) -> syn::Result<ScopeExpr> {
        Ok(match node {
            Node::Lit(lit) => ScopeExpr::Scope(self.scope(lit, parent)?),
            Node::List(list) | Node::Call(Function::All, list) => {
                ScopeExpr::All(self.items(list, node)?)
            }
            Node::Call(Function::Any, list) => ScopeExpr::Any(self.items(list, node)?),
        })
    }

    /// Validates the elements of the list or call `parent`.
    fn items(&mut self, items: &[Node], parent: &Node) -> syn::Result<Vec<ScopeExpr>> {
        items
            .iter()
            .map(|item| self.node(item, Some(parent)))
            .collect()
    }

    /// Checks one scope literal and returns its value.
    fn scope(&mut self, lit: &LitStr, parent: Option<&Node>) -> syn::Result<String> {
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
                    "so to require several scopes use a list: `scopes = {}`",
                    suggest(&Node::List(vec![Node::Lit(lit.clone())]))
                ),
                Some(list @ Node::List(_)) => format!(
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

/// What a user most likely meant by a list or call holding space-separated scopes: in a list or
/// `all(..)`, every scope split on whitespace, each listed once; in `any(..)`, such a string
/// becomes `all(..)` of its scopes (as OAuth reads a space-separated `scope` value).
fn suggest(node: &Node) -> String {
    let (open, close, flatten, items) = match node {
        Node::Lit(lit) => return format!("{:?}", lit.value()),
        Node::List(items) => ("[", "]", true, items),
        Node::Call(Function::All, items) => ("all(", ")", true, items),
        Node::Call(Function::Any, items) => ("any(", ")", false, items),
    };
    let mut seen = HashSet::new();
    let mut parts = Vec::new();
    for item in items {
        match item {
            Node::Lit(lit) => {
                let value = lit.value();
                let scopes: Vec<&str> = value.split_whitespace().collect();
                if scopes.len() > 1 && !flatten {
                    let quoted: Vec<String> = scopes.iter().map(|s| format!("{s:?}")).collect();
                    parts.push(format!("all({})", quoted.join(", ")));
                } else {
                    for scope in scopes {
                        if seen.insert(scope.to_owned()) {
                            parts.push(format!("{scope:?}"));
                        }
                    }
                }
            }
            nested => parts.push(suggest(nested)),
        }
    }
    format!("{open}{}{close}", parts.join(", "))
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
mod tests {
    use super::*;
    use proc_macro2::Span;
    use quote::quote;
    use ScopeExpr::{All, Any, Scope};

    fn parse(tokens: TokenStream) -> syn::Result<Args> {
        syn::parse2(tokens)
    }

    fn args(tokens: TokenStream) -> Args {
        match parse(tokens) {
            Ok(args) => args,
            Err(err) => panic!("expected success, got error: {err}"),
        }
    }

    fn expr(tokens: TokenStream) -> ScopeExpr {
        let args = args(tokens);
        assert_eq!(args.grants, None);
        args.scopes.expect("a scope expression")
    }

    /// The scopes of a plain string or list (an `All` of scopes).
    fn scopes(tokens: TokenStream) -> Vec<String> {
        match expr(tokens) {
            All(parts) => parts
                .into_iter()
                .map(|part| match part {
                    Scope(scope) => scope,
                    other => panic!("expected a scope, got {other:?}"),
                })
                .collect(),
            other => panic!("expected a list of scopes, got {other:?}"),
        }
    }

    fn error(tokens: TokenStream) -> String {
        match parse(tokens) {
            Ok(args) => panic!("expected an error, got {args:?}"),
            Err(err) => err.to_string(),
        }
    }

    fn s(scope: &str) -> ScopeExpr {
        Scope(scope.to_owned())
    }

    #[test]
    fn empty_arguments_mean_no_scopes() {
        assert_eq!(parse(quote!()).ok(), Some(Args::default()));
    }

    #[test]
    fn single_string() {
        assert_eq!(scopes(quote!(scopes = "read:messages")), ["read:messages"]);
    }

    #[test]
    fn single_string_with_trailing_comma() {
        assert_eq!(scopes(quote!(scopes = "read:messages",)), ["read:messages"]);
    }

    #[test]
    fn raw_string() {
        assert_eq!(scopes(quote!(scopes = r"read:messages")), ["read:messages"]);
    }

    #[test]
    fn array_keeps_order() {
        assert_eq!(
            scopes(quote!(scopes = ["write:data", "read:data"])),
            ["write:data", "read:data"]
        );
    }

    #[test]
    fn array_with_trailing_commas() {
        assert_eq!(
            scopes(quote!(scopes = ["read:data", "write:data",],)),
            ["read:data", "write:data"]
        );
    }

    #[test]
    fn single_element_array() {
        assert_eq!(scopes(quote!(scopes = ["admin"])), ["admin"]);
    }

    #[test]
    fn every_allowed_punctuation_is_accepted() {
        let all: String = (0x21u8..=0x7e)
            .map(char::from)
            .filter(|&c| c != '"' && c != '\\')
            .collect();
        let lit = LitStr::new(&all, Span::call_site());
        assert_eq!(scopes(quote!(scopes = #lit)), std::slice::from_ref(&all));
        assert_eq!(expr(quote!(scopes = any(#lit))), Any(vec![Scope(all)]));
    }

    #[test]
    fn scope_token_grammar() {
        assert!(is_scope_char('!'));
        assert!(!is_scope_char('"'));
        assert!(is_scope_char('#'));
        assert!(is_scope_char('['));
        assert!(!is_scope_char('\\'));
        assert!(is_scope_char(']'));
        assert!(is_scope_char('~'));
        assert!(!is_scope_char('\x7f'));
        assert!(!is_scope_char(' '));
        assert!(!is_scope_char('é'));
        assert!(!is_scope_char('\0'));
    }

    // ---------------------------------------------------------------------------------------
    // Expressions

    #[test]
    fn any_and_all() {
        assert_eq!(
            expr(quote!(scopes = any("read:messages", "read:data"))),
            Any(vec![s("read:messages"), s("read:data")])
        );
        assert_eq!(
            expr(quote!(scopes = all("read:data", "write:data"))),
            All(vec![s("read:data"), s("write:data")])
        );
        // One argument, trailing commas, raw identifiers.
        assert_eq!(expr(quote!(scopes = any("a",),)), Any(vec![s("a")]));
        assert_eq!(expr(quote!(scopes = r#all("a"))), All(vec![s("a")]));
    }

    #[test]
    fn nesting_keeps_the_structure_and_order() {
        assert_eq!(
            expr(quote!(scopes = all("a", any("b", "c")))),
            All(vec![s("a"), Any(vec![s("b"), s("c")])])
        );
        assert_eq!(
            expr(quote!(
                scopes = any(all("a", "b"), all("c", any("d", "e")), "f")
            )),
            Any(vec![
                All(vec![s("a"), s("b")]),
                All(vec![s("c"), Any(vec![s("d"), s("e")])]),
                s("f"),
            ])
        );
        // A list may hold calls too; it stays "all".
        assert_eq!(
            expr(quote!(scopes = ["a", any("b", "c")])),
            All(vec![s("a"), Any(vec![s("b"), s("c")])])
        );
        assert_eq!(
            expr(quote!(scopes = any(any(any("deep"))))),
            Any(vec![Any(vec![Any(vec![s("deep")])])])
        );
    }

    #[test]
    fn unknown_function_suggests_any_or_all() {
        for (tokens, guess) in [
            (quote!(scopes = one_of("a", "b")), "did you mean `any(..)`?"),
            (quote!(scopes = or("a", "b")), "did you mean `any(..)`?"),
            (quote!(scopes = Any("a", "b")), "did you mean `any(..)`?"),
            (
                quote!(scopes = all("a", either("b"))),
                "did you mean `any(..)`?",
            ),
            (quote!(scopes = all_of("a", "b")), "did you mean `all(..)`?"),
            (
                quote!(scopes = ["x", and("a", "b")]),
                "did you mean `all(..)`?",
            ),
            (
                quote!(scopes = require("a")),
                "did you mean `any(..)` or `all(..)`?",
            ),
        ] {
            let msg = error(tokens);
            assert!(msg.starts_with("unknown scope function `"), "{msg}");
            assert!(msg.contains(guess), "{msg} should say {guess}");
        }
        assert!(error(quote!(scopes = one_of("a"))).contains("`one_of`"));
    }

    #[test]
    fn empty_calls() {
        let msg = error(quote!(scopes = any()));
        assert!(msg.starts_with("empty `any()`"), "{msg}");
        assert!(msg.contains("never be satisfied"), "{msg}");
        let msg = error(quote!(scopes = all("a", all())));
        assert!(msg.starts_with("empty `all()`"), "{msg}");
        assert!(msg.contains("without arguments"), "{msg}");
        assert!(error(quote!(scopes = ["a", any()])).starts_with("empty `any()`"));
    }

    #[test]
    fn call_arguments_must_be_strings_or_calls() {
        for (tokens, function) in [
            (quote!(scopes = any("a", READ)), "any"),
            (quote!(scopes = any(1)), "any"),
            (quote!(scopes = all("a", concat!("b", "c"))), "all"),
            (quote!(scopes = all("a", any("b", 'c'))), "any"),
            (quote!(scopes = any(("a", "b"))), "any"),
        ] {
            let msg = error(tokens);
            assert!(
                msg.contains(&format!(
                    "expected a string literal, `any(..)` or `all(..)` as an argument of \
                     `{function}(..)`"
                )),
                "{msg}"
            );
            assert!(msg.contains("checked at compile time"), "{msg}");
        }
    }

    #[test]
    fn lists_cannot_nest() {
        let msg = error(quote!(scopes = any(["a", "b"], "c")));
        assert!(
            msg.starts_with("a list cannot appear inside `any(..)`"),
            "{msg}"
        );
        let msg = error(quote!(scopes = [["a"]]));
        assert!(
            msg.starts_with("a list cannot contain another list"),
            "{msg}"
        );
    }

    #[test]
    fn function_name_without_parentheses() {
        for (tokens, name) in [
            (quote!(scopes = any), "any"),
            (quote!(scopes = all["a"]), "all"),
            (quote!(scopes = ["a", any]), "any"),
        ] {
            let msg = error(tokens);
            assert!(
                msg.starts_with(&format!("expected `(` after `{name}`")),
                "{msg}"
            );
        }
    }

    #[test]
    fn call_missing_comma() {
        assert!(error(quote!(scopes = any("a" "b"))).contains("expected `,` between scopes"));
    }

    #[test]
    fn duplicates_anywhere_in_the_expression() {
        for tokens in [
            quote!(scopes = any("a", "a")),
            quote!(scopes = all("a", any("b", "a"))),
            quote!(scopes = any(all("a", "b"), all("a", "c"))),
            quote!(scopes = ["a", any("b", "a")]),
        ] {
            let msg = error(tokens);
            assert!(
                msg.starts_with("duplicate scope \"a\": list each scope once in the expression"),
                "{msg}"
            );
            assert!(msg.contains("factor"), "{msg}");
        }
    }

    #[test]
    fn scopes_inside_expressions_are_validated() {
        let msg = error(quote!(scopes = any("ok", "read\"data")));
        assert!(msg.contains("'\"' (U+0022)"), "{msg}");
        let msg = error(quote!(scopes = all("ok", any("lecture:données"))));
        assert!(msg.contains("'é' (U+00E9)"), "{msg}");
        assert!(error(quote!(scopes = any("a", ""))).contains("empty scope"));
        assert!(error(quote!(scopes = any("a", " "))).contains("empty scope"));
        assert!(error(quote!(scopes = any("a"x))).contains("unexpected suffix"));
    }

    #[test]
    fn whitespace_in_expressions_suggests_the_split() {
        // In all(..): the scopes join their siblings.
        let msg = error(quote!(scopes = all("read:data write:data", "admin")));
        assert!(msg.contains("contains whitespace"), "{msg}");
        assert!(
            msg.contains(
                r#"write each scope as its own string: `all("read:data", "write:data", "admin")`"#
            ),
            "{msg}"
        );
        // In any(..): a space-separated value grants every scope, so it becomes all(..).
        let msg = error(quote!(scopes = any("read:data write:data", "admin")));
        assert!(
            msg.contains(r#"`any(all("read:data", "write:data"), "admin")`"#),
            "{msg}"
        );
        // Nested: the enclosing call is suggested, other calls shown as written.
        let msg = error(quote!(scopes = all("x", any("a", "b c", all("d")))));
        assert!(
            msg.contains(r#"`any("a", all("b", "c"), all("d"))`"#),
            "{msg}"
        );
        // In a list holding a call.
        let msg = error(quote!(scopes = ["a b", any("c", "d")]));
        assert!(
            msg.contains(r#"use a list: `scopes = ["a", "b", any("c", "d")]`"#),
            "{msg}"
        );
    }

    // ---------------------------------------------------------------------------------------
    // grants

    #[test]
    fn grants_values() {
        for (value, grants) in [
            ("scope", GrantsArg::Scope),
            ("permissions", GrantsArg::Permissions),
            ("scope_or_permissions", GrantsArg::ScopeOrPermissions),
        ] {
            let lit = LitStr::new(value, Span::call_site());
            let parsed = args(quote!(scopes = "read:reports", grants = #lit));
            assert_eq!(parsed.grants, Some(grants));
            assert_eq!(parsed.scopes, Some(All(vec![s("read:reports")])));
            // Either order, trailing comma.
            let parsed = args(quote!(grants = #lit, scopes = any("a", "b"),));
            assert_eq!(parsed.grants, Some(grants));
            assert_eq!(parsed.scopes, Some(Any(vec![s("a"), s("b")])));
        }
        assert_eq!(
            GrantsArg::ScopeOrPermissions.variant(),
            "ScopeOrPermissions"
        );
    }

    #[test]
    fn unknown_grants_value() {
        for (tokens, hint) in [
            (quote!(grants = "perms"), ""),
            (
                quote!(grants = "permission"),
                r#"(did you mean "permissions"?)"#,
            ),
            (quote!(grants = "scopes"), r#"(did you mean "scope"?)"#),
            (
                quote!(grants = "either"),
                r#"(did you mean "scope_or_permissions"?)"#,
            ),
            (
                quote!(grants = "Permissions"),
                r#"(did you mean "permissions"?)"#,
            ),
            (
                quote!(grants = "scope-or-permissions"),
                r#"(did you mean "scope_or_permissions"?)"#,
            ),
        ] {
            let msg = error(quote!(scopes = "a", #tokens));
            assert!(msg.starts_with("unknown grants value"), "{msg}");
            assert!(msg.contains(hint), "{msg} should contain {hint}");
            assert!(
                msg.contains(r#"`grants = "scope_or_permissions"`"#),
                "{msg}"
            );
        }
    }

    #[test]
    fn grants_literal_suffix() {
        let msg = error(quote!(scopes = "a", grants = "scope"x));
        assert!(
            msg.starts_with("unexpected suffix `x` on the grants value"),
            "{msg}"
        );
    }

    #[test]
    fn grants_value_not_a_string() {
        let msg = error(quote!(scopes = "a", grants = Grants::Permissions));
        assert!(msg.starts_with("expected a string literal"), "{msg}");
        assert!(
            msg.contains(r#"(for `Grants::Permissions`, write `grants = "permissions"`)"#),
            "{msg}"
        );
        let msg = error(quote!(scopes = "a", grants = ScopeOrPermissions));
        assert!(
            msg.contains(r#"write `grants = "scope_or_permissions"`"#),
            "{msg}"
        );
        let msg = error(quote!(scopes = "a", grants = 1));
        assert!(msg.starts_with("expected a string literal;"), "{msg}");
        assert!(error(quote!(scopes = "a", grants =)).contains("missing value after `grants =`"));
        assert!(error(quote!(scopes = "a", grants)).contains("expected `=` after `grants`"));
        let msg = error(quote!(scopes = "a", grants = "scope" "permissions"));
        assert!(
            msg.contains("unexpected tokens after the `grants` value"),
            "{msg}"
        );
    }

    #[test]
    fn grants_twice() {
        let msg = error(quote!(
            scopes = "a",
            grants = "scope",
            grants = "permissions"
        ));
        assert!(msg.starts_with("`grants` is given more than once"), "{msg}");
    }

    #[test]
    fn grants_needs_scopes() {
        let msg = error(quote!(grants = "permissions"));
        assert!(
            msg.starts_with("`grants` without `scopes` has no effect"),
            "{msg}"
        );
        assert!(
            msg.contains(r#"`#[require_auth(scopes = "read:reports", grants = "permissions")]`"#),
            "{msg}"
        );
    }

    // ---------------------------------------------------------------------------------------
    // Keys and the plain forms' errors

    #[test]
    fn unknown_key() {
        let msg = error(quote!(roles = "admin"));
        assert!(msg.contains("unknown argument `roles`"), "{msg}");
        assert!(msg.contains("did you mean `scopes`"), "{msg}");
        let msg = error(quote!(permissions = "read:reports"));
        assert!(msg.contains("did you mean `scopes`"), "{msg}");
        assert!(msg.contains(r#"add `grants = "permissions"`"#), "{msg}");
        let msg = error(quote!(scopes = "a", grant = "scope"));
        assert!(msg.contains("did you mean `grants`"), "{msg}");
        let msg = error(quote!(audience = "x"));
        assert!(msg.contains("unknown argument `audience`"), "{msg}");
        assert!(
            msg.contains("the accepted arguments are `scopes` and `grants`"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_key_after_scopes() {
        let msg = error(quote!(scopes = "a", scope = "b"));
        assert!(msg.contains("unknown argument `scope`"), "{msg}");
    }

    #[test]
    fn keyword_key_is_an_unknown_key() {
        let msg = error(quote!(type = "a"));
        assert!(msg.contains("unknown argument `type`"), "{msg}");
    }

    #[test]
    fn positional_argument() {
        let msg = error(quote!("read:messages"));
        assert!(msg.contains("missing `scopes =`"), "{msg}");
        let msg = error(quote!(["read:data", "write:data"]));
        assert!(msg.contains("missing `scopes =`"), "{msg}");
        let msg = error(quote!(any("read:data", "admin")));
        assert!(msg.contains("missing `scopes =`"), "{msg}");
        let msg = error(quote!(42));
        assert!(msg.contains("unexpected argument"), "{msg}");
    }

    #[test]
    fn scopes_twice() {
        let msg = error(quote!(scopes = "a", scopes = "b"));
        assert!(msg.contains("more than once"), "{msg}");
        let msg = error(quote!(scopes = "a", grants = "scope", scopes = any("b")));
        assert!(msg.contains("`scopes` is given more than once"), "{msg}");
    }

    #[test]
    fn missing_equals() {
        assert!(error(quote!(scopes)).contains("expected `=`"));
        assert!(error(quote!(scopes("a"))).contains("expected `=`"));
    }

    #[test]
    fn missing_value() {
        assert!(error(quote!(scopes =)).contains("missing value"));
        assert!(error(quote!(scopes =, grants = "scope")).contains("missing value"));
    }

    #[test]
    fn value_not_a_string() {
        for tokens in [
            quote!(scopes = READ),
            quote!(scopes = 1),
            quote!(scopes = b"read"),
            quote!(scopes = concat!("a", "b")),
            quote!(scopes = ("a", "b")),
            quote!(scopes = Requirement::any(["a"])),
            quote!(scopes = any!("a")),
        ] {
            let msg = error(tokens);
            assert!(
                msg.starts_with("expected a string literal, an array of string literals"),
                "{msg}"
            );
        }
    }

    #[test]
    fn array_element_not_a_string() {
        for tokens in [
            quote!(scopes = ["a", READ]),
            quote!(scopes = ["a", 'b']),
            quote!(scopes = ["a", concat!("b")]),
        ] {
            let msg = error(tokens);
            assert!(
                msg.contains("expected a string literal in the scope list"),
                "{msg}"
            );
        }
    }

    #[test]
    fn array_missing_comma() {
        assert!(error(quote!(scopes = ["a" "b"])).contains("expected `,` between scopes"));
    }

    #[test]
    fn empty_array() {
        assert!(error(quote!(scopes = [])).contains("empty scope list"));
    }

    #[test]
    fn empty_scope() {
        assert!(error(quote!(scopes = "")).contains("empty scope"));
        assert!(error(quote!(scopes = ["a", ""])).contains("empty scope"));
    }

    #[test]
    fn whitespace_suggests_a_list() {
        let msg = error(quote!(scopes = "read:data write:data"));
        assert!(msg.contains("contains whitespace"), "{msg}");
        assert!(
            msg.contains(r#"`scopes = ["read:data", "write:data"]`"#),
            "{msg}"
        );
        // In a list, the suggestion keeps the other scopes and lists each one once.
        let msg = error(quote!(scopes = ["a", "b\tc", "c"]));
        assert!(msg.contains(r#"`scopes = ["a", "b", "c"]`"#), "{msg}");
        assert!(error(quote!(scopes = " ")).contains("empty scope"));
        assert!(error(quote!(scopes = ["a", "\n"])).contains("empty scope"));
    }

    #[test]
    fn duplicate_scope() {
        let msg = error(quote!(scopes = ["read:data", "write:data", "read:data"]));
        assert_eq!(msg, "duplicate scope \"read:data\": list each scope once");
    }

    #[test]
    fn invalid_characters() {
        for (tokens, shown) in [
            (quote!(scopes = "read\"data"), "'\"' (U+0022)"),
            (quote!(scopes = "read\\data"), "'\\\\' (U+005C)"),
            (quote!(scopes = "lecture:données"), "'é' (U+00E9)"),
            (quote!(scopes = "a\u{7f}"), "(U+007F)"),
            (quote!(scopes = ["ok", "nul\0"]), "(U+0000)"),
        ] {
            let msg = error(tokens);
            assert!(msg.contains("not allowed in an OAuth 2.0 scope"), "{msg}");
            assert!(msg.contains(shown), "{msg} should mention {shown}");
        }
    }

    #[test]
    fn literal_suffix() {
        assert!(error(quote!(scopes = "read"x)).contains("unexpected suffix"));
    }

    #[test]
    fn trailing_garbage() {
        let msg = error(quote!(scopes = "a" "b"));
        assert!(
            msg.contains("unexpected tokens after the `scopes` value"),
            "{msg}"
        );
        let msg = error(quote!(scopes = ["a"] extra));
        assert!(msg.contains("unexpected tokens"), "{msg}");
        let msg = error(quote!(scopes = any("a") extra));
        assert!(msg.contains("unexpected tokens"), "{msg}");
        let msg = error(quote!(scopes = "a",,));
        assert!(msg.contains("unexpected argument"), "{msg}");
    }
}
