//! Expansion of `#[require_auth]`.
//!
//! The handler keeps its name, attributes, visibility, generics, return type and body; the
//! macro only inserts one extra first parameter, an `auth0_actix::__private::RequireAuth<S>`
//! extractor. Being first, it runs before the handler's other extractors, so a missing or bad
//! token is reported before, say, a malformed JSON body. With scopes, `S` is a hidden
//! zero-sized type emitted right before the handler, whose `ScopeRequirement::requirement()`
//! is the scope expression as a `Requirement` (see [`requirement`]), built once.
//!
//! Every path the expansion names in the library goes through one hidden module,
//! `__private`, reached as `::auth0_actix::__private` or, with `crate = "path"`, as
//! `path::__private`: a crate that depends on the library under another name, or reaches it
//! through a re-export, says so once and nothing else in the output names `auth0_actix`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::{FnArg, Item, ItemFn};

use crate::args::{Args, GrantsArg, ScopeExpr};

/// Expands the attribute. On any error, the original item is emitted untouched next to the
/// `compile_error!`, so that the rest of the crate (and IDEs) still see the handler.
pub(crate) fn require_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse2::<Args>(args);
    let handler = parse_handler(item.clone());
    let result = match (args, handler) {
        (Ok(args), Ok(handler)) => Ok(expand(&args, handler)),
        (Err(mut first), Err(second)) => {
            first.combine(second);
            Err(first)
        }
        (Err(err), Ok(_)) | (Ok(_), Err(err)) => Err(err),
    };
    result.unwrap_or_else(|err| {
        let error = err.to_compile_error();
        quote! {
            #error
            #item
        }
    })
}

/// Parses and checks the annotated item: a free `async fn`, annotated only once.
fn parse_handler(item: TokenStream) -> syn::Result<ItemFn> {
    let handler = match syn::parse2::<Item>(item) {
        Ok(Item::Fn(handler)) => handler,
        Ok(_) => {
            return Err(syn::Error::new(
                Span::call_site(),
                "`#[require_auth]` can only be applied to an `async fn` request handler",
            ))
        }
        // An item syn cannot parse (a syntax error in the handler): its own error, at the
        // offending token, says more than "not a fn" at the attribute would.
        Err(err) => return Err(err),
    };

    if let Some(receiver) = handler.sig.receiver() {
        return Err(syn::Error::new_spanned(
            receiver,
            "`#[require_auth]` cannot be applied to a method with a `self` receiver: \
             actix-web handlers are free functions (or associated functions without `self`)",
        ));
    }
    if handler.sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            handler.sig.fn_token,
            "`#[require_auth]` must be applied to an `async fn`: actix-web handlers are async; \
             write `async fn`",
        ));
    }
    if let Some(again) = handler.attrs.iter().find(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "require_auth")
    }) {
        return Err(syn::Error::new_spanned(
            again,
            "`#[require_auth]` is applied more than once to this handler; list every required \
             scope in one attribute: `#[require_auth(scopes = [\"read:data\", \"write:data\"])]`",
        ));
    }
    Ok(handler)
}

/// Builds the output for a valid attribute on a valid handler.
fn expand(args: &Args, mut handler: ItemFn) -> TokenStream {
    let span = Span::call_site();
    let krate = match &args.krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::auth0_actix),
    };
    let private = quote!(#krate::__private);

    let (requirement, marker) = if let Some(scopes) = &args.scopes {
        let name = format_ident!("__Auth0ActixScopes_{}", handler.sig.ident, span = span);
        let vis = &handler.vis;
        let value = requirement(scopes, args.grants, &private);
        let marker = quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
            #vis struct #name;

            impl #private::ScopeRequirement for #name {
                fn requirement() -> &'static #private::Requirement {
                    static REQUIREMENT: #private::OnceLock<#private::Requirement> =
                        #private::OnceLock::new();
                    #private::lazy_requirement(&REQUIREMENT, || {
                        #value
                    })
                }
            }
        };
        (name.into_token_stream(), marker)
    } else {
        (quote!(#private::NoScopes), TokenStream::new())
    };

    let param: FnArg = syn::parse_quote_spanned! {span=>
        _: #private::RequireAuth<#requirement>
    };
    handler.sig.inputs.insert(0, param);

    quote! {
        #marker
        #handler
    }
}

/// The `Requirement` expression for a scope expression and grant source, `private` being the
/// path to the library's `__private` module:
///
/// - a scope: `private::Requirement::scope("x")`;
/// - a list or `all(..)`: `private::Requirement::all([..])`, and `any(..)`:
///   `private::Requirement::any([..])`, whose elements are plain string literals when they
///   are all scopes (so `scopes = "x"` is `all(["x"])`), and otherwise each a `Requirement`
///   expression (an array's elements must share one type);
/// - with `grants`, followed by `.grants(private::Grants::Variant)`.
fn requirement(expr: &ScopeExpr, grants: Option<GrantsArg>, private: &TokenStream) -> TokenStream {
    let value = scope_expr(expr, private);
    match grants {
        Some(grants) => {
            let variant = format_ident!("{}", grants.variant());
            quote!(#value.grants(#private::Grants::#variant))
        }
        None => value,
    }
}

/// A scope expression as a `Requirement` expression.
fn scope_expr(expr: &ScopeExpr, private: &TokenStream) -> TokenStream {
    let (function, parts) = match expr {
        ScopeExpr::Scope(scope) => return quote!(#private::Requirement::scope(#scope)),
        ScopeExpr::All(parts) => (quote!(all), parts),
        ScopeExpr::Any(parts) => (quote!(any), parts),
    };
    let scopes: Option<Vec<&String>> = parts
        .iter()
        .map(|part| match part {
            ScopeExpr::Scope(scope) => Some(scope),
            ScopeExpr::All(_) | ScopeExpr::Any(_) => None,
        })
        .collect();
    let elements: Vec<TokenStream> = match scopes {
        Some(scopes) => scopes.iter().map(|scope| quote!(#scope)).collect(),
        None => parts.iter().map(|part| scope_expr(part, private)).collect(),
    };
    quote!(#private::Requirement::#function([#(#elements),*]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: TokenStream, item: TokenStream) -> String {
        require_auth(args, item).to_string()
    }

    #[test]
    fn a_syntax_error_is_reported_as_syn_sees_it() {
        let item = quote!(
            async fn handler() -> u8 {
                let x = ;
                x
            }
        );
        let out = expand_str(quote!(), item.clone());
        assert!(out.contains("expected an expression"), "{out}");
        assert!(!out.contains("can only be applied"), "{out}");
        // The item itself follows the error untouched.
        assert!(out.ends_with(&item.to_string()), "{out}");
        // A well-formed item that is not a function keeps the dedicated message.
        let out = expand_str(
            quote!(),
            quote!(
                struct Handler;
            ),
        );
        assert!(
            out.contains("can only be applied to an `async fn`"),
            "{out}"
        );
    }

    #[test]
    fn no_scopes_inserts_first_parameter() {
        let out = expand_str(
            quote!(),
            quote! {
                /// Docs.
                #[get("/x")]
                pub async fn handler(path: web::Path<u32>) -> impl Responder { "ok" }
            },
        );
        let expected = quote! {
            /// Docs.
            #[get("/x")]
            pub async fn handler(
                _: ::auth0_actix::__private::RequireAuth<::auth0_actix::__private::NoScopes>,
                path: web::Path<u32>
            ) -> impl Responder { "ok" }
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn scopes_emit_a_marker_type() {
        let out = expand_str(
            quote!(scopes = ["read:data", "write:data"]),
            quote!(
                pub(crate) async fn r#list() -> String {
                    String::new()
                }
            ),
        );
        let expected = quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
            pub(crate) struct __Auth0ActixScopes_list;

            impl ::auth0_actix::__private::ScopeRequirement for __Auth0ActixScopes_list {
                fn requirement() -> &'static ::auth0_actix::__private::Requirement {
                    static REQUIREMENT: ::auth0_actix::__private::OnceLock<::auth0_actix::__private::Requirement> =
                        ::auth0_actix::__private::OnceLock::new();
                    ::auth0_actix::__private::lazy_requirement(&REQUIREMENT, || {
                        ::auth0_actix::__private::Requirement::all(["read:data", "write:data"])
                    })
                }
            }

            pub(crate) async fn r#list(
                _: ::auth0_actix::__private::RequireAuth<__Auth0ActixScopes_list>
            ) -> String { String::new() }
        };
        assert_eq!(out, expected.to_string());
    }

    /// The `Requirement` expression `requirement()` builds for `args`.
    fn requirement_of(args: TokenStream) -> String {
        let args: Args = syn::parse2(args).expect("valid arguments");
        let private = quote!(::auth0_actix::__private);
        requirement(args.scopes.as_ref().expect("scopes"), args.grants, &private).to_string()
    }

    #[test]
    fn plain_forms_are_all_of_string_literals() {
        assert_eq!(
            requirement_of(quote!(scopes = "read:messages")),
            quote!(::auth0_actix::__private::Requirement::all([
                "read:messages"
            ]))
            .to_string()
        );
        assert_eq!(
            requirement_of(quote!(scopes = ["a", "b"])),
            quote!(::auth0_actix::__private::Requirement::all(["a", "b"])).to_string()
        );
    }

    #[test]
    fn expressions_nest_requirements() {
        assert_eq!(
            requirement_of(quote!(scopes = any("read:messages", "read:data"))),
            quote!(::auth0_actix::__private::Requirement::any([
                "read:messages",
                "read:data"
            ]))
            .to_string()
        );
        assert_eq!(
            requirement_of(quote!(scopes = all("a", any("b", "c")))),
            quote!(::auth0_actix::__private::Requirement::all([
                ::auth0_actix::__private::Requirement::scope("a"),
                ::auth0_actix::__private::Requirement::any(["b", "c"])
            ]))
            .to_string()
        );
        assert_eq!(
            requirement_of(quote!(scopes = ["a", any(all("b", "c"), "d")])),
            quote!(::auth0_actix::__private::Requirement::all([
                ::auth0_actix::__private::Requirement::scope("a"),
                ::auth0_actix::__private::Requirement::any([
                    ::auth0_actix::__private::Requirement::all(["b", "c"]),
                    ::auth0_actix::__private::Requirement::scope("d")
                ])
            ]))
            .to_string()
        );
    }

    #[test]
    fn grants_follow_the_requirement() {
        for (value, variant) in [
            ("scope", quote!(Scope)),
            ("permissions", quote!(Permissions)),
            ("scope_or_permissions", quote!(ScopeOrPermissions)),
        ] {
            assert_eq!(
                requirement_of(quote!(scopes = any("a", "b"), grants = #value)),
                quote!(::auth0_actix::__private::Requirement::any(["a", "b"])
                    .grants(::auth0_actix::__private::Grants::#variant))
                .to_string()
            );
        }
    }

    #[test]
    fn an_expression_with_grants_in_the_marker_type() {
        let out = expand_str(
            quote!(
                scopes = all("read:data", any("write:data", "admin")),
                grants = "permissions"
            ),
            quote!(
                async fn edit() -> String {
                    String::new()
                }
            ),
        );
        let expected = quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
            struct __Auth0ActixScopes_edit;

            impl ::auth0_actix::__private::ScopeRequirement for __Auth0ActixScopes_edit {
                fn requirement() -> &'static ::auth0_actix::__private::Requirement {
                    static REQUIREMENT: ::auth0_actix::__private::OnceLock<::auth0_actix::__private::Requirement> =
                        ::auth0_actix::__private::OnceLock::new();
                    ::auth0_actix::__private::lazy_requirement(&REQUIREMENT, || {
                        ::auth0_actix::__private::Requirement::all([
                            ::auth0_actix::__private::Requirement::scope("read:data"),
                            ::auth0_actix::__private::Requirement::any(["write:data", "admin"])
                        ])
                        .grants(::auth0_actix::__private::Grants::Permissions)
                    })
                }
            }

            async fn edit(
                _: ::auth0_actix::__private::RequireAuth<__Auth0ActixScopes_edit>
            ) -> String { String::new() }
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn every_library_path_goes_through_the_private_module() {
        let item = quote!(
            async fn edit() -> String {
                String::new()
            }
        );
        let args = quote!(scopes = all("a", any("b", "c")), grants = "permissions");
        let out = expand_str(args.clone(), item.clone());
        let private = out.matches(":: auth0_actix :: __private ::").count();
        assert!(private > 0, "{out}");
        assert_eq!(out.matches("auth0_actix").count(), private, "{out}");

        // With `crate`, the given path replaces `::auth0_actix`, everywhere.
        let out = expand_str(quote!(#args, crate = "auth"), item.clone());
        assert!(!out.contains("auth0_actix"), "{out}");
        let private = out.matches("auth :: __private ::").count();
        assert_eq!(private, out.matches("auth").count(), "{out}");
        assert!(private > 0, "{out}");

        let out = expand_str(quote!(crate = "::my_reexport::auth0"), item);
        let expected = quote! {
            async fn edit(
                _: ::my_reexport::auth0::__private::RequireAuth<
                    ::my_reexport::auth0::__private::NoScopes
                >
            ) -> String { String::new() }
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn errors_keep_the_item() {
        let item = quote!(
            async fn handler() -> String {
                String::new()
            }
        );
        let out = expand_str(quote!(scopes = ""), item.clone());
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.ends_with(&item.to_string()), "{out}");
    }

    #[test]
    fn argument_and_item_errors_are_both_reported() {
        let out = expand_str(
            quote!(bad = 1),
            quote!(
                fn handler() {}
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    }

    #[test]
    fn rejects_non_async_receivers_and_non_fns() {
        for item in [
            quote!(
                fn handler() -> String {
                    String::new()
                }
            ),
            quote!(
                async fn handler(&self) -> String {
                    String::new()
                }
            ),
            quote!(
                struct Handler;
            ),
            quote!(
                async fn handler() -> String;
            ),
            quote!(
                #[require_auth]
                async fn handler() -> String {
                    String::new()
                }
            ),
        ] {
            let out = expand_str(quote!(), item);
            assert!(out.contains("compile_error"), "{out}");
        }
    }
}
