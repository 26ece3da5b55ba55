//! Parsing and validation of the arguments of `#[require_auth(...)]`.
//!
//! Grammar (a trailing comma is allowed):
//!
//! ```text
//! args   := ε | "scopes" "=" value ","?
//! value  := STRING | "[" STRING ("," STRING)* ","? "]"
//! ```
//!
//! Every scope is checked at compile time against the `scope-token` grammar of RFC 6749 §3.3,
//! so a typo such as a space-separated list is caught before the API ever runs.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{bracketed, Expr, Ident, LitStr, Token};

/// The only accepted key.
const SCOPES_KEY: &str = "scopes";

/// Example shown in error messages.
const USAGE: &str =
    "write `scopes = \"read:messages\"` or `scopes = [\"read:data\", \"write:data\"]`";

/// The validated arguments of one `#[require_auth(...)]` attribute.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Args {
    /// Scopes that must all be granted; empty means "any valid token".
    pub(crate) scopes: Vec<String>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut scopes: Option<Vec<String>> = None;

        while !input.is_empty() {
            if input.peek(LitStr) || input.peek(syn::token::Bracket) {
                return Err(input.error(format!("missing `scopes =`; {USAGE}")));
            }
            if !input.peek(Ident::peek_any) {
                return Err(input.error(format!("unexpected argument; {USAGE}")));
            }
            let key = input.call(Ident::parse_any)?;
            check_key(&key)?;
            if scopes.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    "`scopes` is given more than once; list every required scope in one array, \
                     e.g. `scopes = [\"read:data\", \"write:data\"]`",
                ));
            }
            if !input.peek(Token![=]) {
                let span = if input.is_empty() {
                    key.span()
                } else {
                    input.span()
                };
                return Err(syn::Error::new(
                    span,
                    format!("expected `=` after `scopes`; {USAGE}"),
                ));
            }
            let eq: Token![=] = input.parse()?;
            scopes = Some(parse_value(input, eq.span)?);

            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                return Err(input.error(
                    "unexpected tokens after the `scopes` value; to require several scopes, \
                     use a list: `scopes = [\"read:data\", \"write:data\"]`",
                ));
            }
            input.parse::<Token![,]>()?;
        }

        Ok(Args {
            scopes: scopes.unwrap_or_default(),
        })
    }
}

/// Rejects any key other than `scopes`, with a hint for the common near-misses.
fn check_key(key: &Ident) -> syn::Result<()> {
    let name = key.unraw().to_string();
    if name == SCOPES_KEY {
        return Ok(());
    }
    let hint = match name.as_str() {
        "scope" | "scp" | "permissions" | "permission" | "roles" => {
            " (did you mean `scopes`?)".to_owned()
        }
        _ => String::new(),
    };
    Err(syn::Error::new(
        key.span(),
        format!(
            "unknown argument `{name}`{hint}: the only accepted argument is `scopes`, \
             e.g. `scopes = \"read:messages\"` or `scopes = [\"read:data\", \"write:data\"]`"
        ),
    ))
}

/// Parses the value of `scopes`: one string literal, or a non-empty array of them.
/// `eq_span` locates the `=` for the error on a missing value.
fn parse_value(input: ParseStream<'_>, eq_span: Span) -> syn::Result<Vec<String>> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return validate_scopes(&[lit]);
    }
    if input.peek(syn::token::Bracket) {
        let content;
        let bracket = bracketed!(content in input);
        if content.is_empty() {
            return Err(syn::Error::new(
                bracket.span.join(),
                "empty scope list: list at least one scope, or write `#[require_auth]` \
                 without arguments to accept any valid token",
            ));
        }
        let mut lits = Vec::new();
        while !content.is_empty() {
            lits.push(parse_lit_str(&content)?);
            if content.is_empty() {
                break;
            }
            if !content.peek(Token![,]) {
                return Err(content.error("expected `,` between scopes"));
            }
            content.parse::<Token![,]>()?;
        }
        return validate_scopes(&lits);
    }
    if input.is_empty() {
        return Err(syn::Error::new(
            eq_span,
            format!("missing value after `scopes =`; {USAGE}"),
        ));
    }
    Err(not_a_string(input, false))
}

/// Parses one string literal inside the scope array.
fn parse_lit_str(input: ParseStream<'_>) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        input.parse()
    } else {
        Err(not_a_string(input, true))
    }
}

/// Builds the error for a value that is not a string literal, spanning the whole expression
/// when it parses as one (e.g. a constant or a `concat!` call).
fn not_a_string(input: ParseStream<'_>, in_list: bool) -> syn::Error {
    let expected = if in_list {
        "expected a string literal in the scope list, e.g. \
         `scopes = [\"read:data\", \"write:data\"]`"
    } else {
        "expected a string literal or an array of string literals, e.g. \
         `scopes = \"read:messages\"` or `scopes = [\"read:data\", \"write:data\"]`"
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

/// Checks every scope of the list (RFC 6749 §3.3, no duplicates) and returns their values,
/// with the error on the first offending literal.
fn validate_scopes(lits: &[LitStr]) -> syn::Result<Vec<String>> {
    let values: Vec<String> = lits.iter().map(LitStr::value).collect();
    let mut seen = HashSet::new();
    for (lit, scope) in lits.iter().zip(&values) {
        if !lit.suffix().is_empty() {
            return Err(syn::Error::new(
                lit.span(),
                format!("unexpected suffix `{}` on a scope literal", lit.suffix()),
            ));
        }
        if scope.chars().any(char::is_whitespace) && !scope.trim().is_empty() {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "scope {scope:?} contains whitespace; a scope is a single token, so to \
                     require several scopes use a list: `scopes = {}`",
                    suggest_list(&values)
                ),
            ));
        }
        check_scope(scope).map_err(|msg| syn::Error::new(lit.span(), msg))?;
        if !seen.insert(scope.as_str()) {
            return Err(syn::Error::new(
                lit.span(),
                format!("duplicate scope {scope:?}: list each scope once"),
            ));
        }
    }
    Ok(values)
}

/// The list a user most likely meant: every scope split on whitespace, each listed once.
fn suggest_list(values: &[String]) -> String {
    let mut seen = HashSet::new();
    let items: Vec<String> = values
        .iter()
        .flat_map(|value| value.split_whitespace())
        .filter(|scope| seen.insert(*scope))
        .map(|scope| format!("{scope:?}"))
        .collect();
    format!("[{}]", items.join(", "))
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
    use quote::quote;

    fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Args> {
        syn::parse2(tokens)
    }

    fn scopes(tokens: proc_macro2::TokenStream) -> Vec<String> {
        match parse(tokens) {
            Ok(args) => args.scopes,
            Err(err) => panic!("expected success, got error: {err}"),
        }
    }

    fn error(tokens: proc_macro2::TokenStream) -> String {
        match parse(tokens) {
            Ok(args) => panic!("expected an error, got {args:?}"),
            Err(err) => err.to_string(),
        }
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
        assert_eq!(scopes(quote!(scopes = #lit)), [all]);
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

    #[test]
    fn unknown_key() {
        let msg = error(quote!(roles = "admin"));
        assert!(msg.contains("unknown argument `roles`"), "{msg}");
        assert!(msg.contains("did you mean `scopes`"), "{msg}");
        let msg = error(quote!(audience = "x"));
        assert!(msg.contains("unknown argument `audience`"), "{msg}");
        assert!(msg.contains("only accepted argument is `scopes`"), "{msg}");
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
        let msg = error(quote!(42));
        assert!(msg.contains("unexpected argument"), "{msg}");
    }

    #[test]
    fn scopes_twice() {
        let msg = error(quote!(scopes = "a", scopes = "b"));
        assert!(msg.contains("more than once"), "{msg}");
    }

    #[test]
    fn missing_equals() {
        assert!(error(quote!(scopes)).contains("expected `=`"));
        assert!(error(quote!(scopes("a"))).contains("expected `=`"));
    }

    #[test]
    fn missing_value() {
        assert!(error(quote!(scopes =)).contains("missing value"));
    }

    #[test]
    fn value_not_a_string() {
        for tokens in [
            quote!(scopes = READ),
            quote!(scopes = 1),
            quote!(scopes = b"read"),
            quote!(scopes = concat!("a", "b")),
            quote!(scopes = ("a", "b")),
        ] {
            let msg = error(tokens);
            assert!(msg.contains("expected a string literal"), "{msg}");
        }
    }

    #[test]
    fn array_element_not_a_string() {
        for tokens in [
            quote!(scopes = ["a", READ]),
            quote!(scopes = [["a"]]),
            quote!(scopes = ["a", 'b']),
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
        assert!(msg.contains("duplicate scope \"read:data\""), "{msg}");
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
        let msg = error(quote!(scopes = "a",,));
        assert!(msg.contains("unexpected argument"), "{msg}");
    }
}
