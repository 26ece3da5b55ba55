//! Unit tests of the argument parser: accepted forms, and the message of each rejected one.

use super::*;
use proc_macro2::{Span, TokenStream};
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
        Ok(args) => panic!("expected an error, got {:?}", args.scopes),
        Err(err) => err.to_string(),
    }
}

fn s(scope: &str) -> ScopeExpr {
    Scope(scope.to_owned())
}

#[test]
fn empty_arguments_mean_no_scopes() {
    let args = args(quote!());
    assert!(args.scopes.is_none() && args.grants.is_none() && args.krate.is_none());
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

// ---------------------------------------------------------------------------------------
// crate

/// The `crate` path of `tokens`, as written by `quote`.
fn crate_path(tokens: TokenStream) -> String {
    match args(tokens).krate {
        Some(path) => quote!(#path).to_string(),
        None => panic!("expected a crate path"),
    }
}

#[test]
fn crate_paths() {
    assert_eq!(crate_path(quote!(crate = "auth")), "auth");
    assert_eq!(
        crate_path(quote!(crate = "::my_reexport::auth0")),
        ":: my_reexport :: auth0"
    );
    assert_eq!(
        crate_path(quote!(crate = r"crate::deps::auth")),
        "crate :: deps :: auth"
    );
    // With the other arguments, in any order.
    let parsed = args(quote!(crate = "auth", scopes = "a", grants = "scope",));
    assert_eq!(parsed.scopes, Some(All(vec![s("a")])));
    assert_eq!(parsed.grants, Some(GrantsArg::Scope));
    assert!(parsed.krate.is_some());
    assert!(args(quote!(scopes = "a")).krate.is_none());
}

#[test]
fn crate_errors() {
    for tokens in [
        quote!(crate = 5),
        quote!(crate = auth),
        quote!(crate = ["auth"]),
    ] {
        let msg = error(tokens);
        assert!(
            msg.starts_with("expected a string literal; write the path"),
            "{msg}"
        );
    }
    for (tokens, shown) in [
        (
            quote!(crate = "not a path!"),
            r#""not a path!" is not a path"#,
        ),
        (quote!(crate = ""), r#""" is not a path"#),
        (quote!(crate = "auth::"), r#""auth::" is not a path"#),
        (quote!(crate = "auth<T>"), r#""auth<T>" is not a path"#),
        (quote!(crate = "(auth"), r#""(auth" is not a path"#),
    ] {
        let msg = error(tokens);
        assert!(msg.starts_with(shown), "{msg}");
        assert!(msg.contains(r#"`crate = "auth"`"#), "{msg}");
    }
    assert!(error(quote!(crate = "auth"x)).starts_with("unexpected suffix `x` on the crate path"));
    assert!(error(quote!(crate)).contains("expected `=` after `crate`"));
    assert!(error(quote!(crate =)).contains("missing value after `crate =`"));
    assert!(error(quote!(crate = "auth" "x")).contains("unexpected tokens after the `crate` value"));
    let msg = error(quote!(crate = "auth", scopes = "a", crate = "auth"));
    assert!(msg.starts_with("`crate` is given more than once"), "{msg}");
    assert!(error(quote!(krate = "auth")).contains("(did you mean `crate`?)"));
}

/// Values syn cannot parse as an expression get the attribute's words, not syn's (a change of
/// syn's wording would show here).
#[test]
fn syn_errors_are_reworded() {
    for tokens in [
        quote!(scopes = = "a"),
        quote!(scopes = ["a", =]),
        quote!(scopes = any("a",, "b")),
    ] {
        let msg = error(tokens);
        assert!(
            msg.starts_with("expected a string literal, an array of string literals"),
            "{msg}"
        );
    }
    let msg = error(quote!(scopes = "a", grants = =));
    assert!(
        msg.starts_with("expected a string literal; write `grants"),
        "{msg}"
    );
    let msg = error(quote!(crate = =));
    assert!(
        msg.starts_with("expected a string literal; write the path"),
        "{msg}"
    );
    assert_eq!(
        error(quote!(scopes = all("a", ["b" "c"]))),
        "expected `,` between scopes"
    );
}
