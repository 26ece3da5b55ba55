//! Expansion of `#[require_auth]`.
//!
//! The handler keeps its name, attributes, visibility, generics, return type and body; the
//! macro only inserts one extra first parameter, an `auth0_actix::__private::RequireAuth<S>`
//! extractor. Being first, it runs before the handler's other extractors, so a missing or bad
//! token is reported before, say, a malformed JSON body. With scopes, `S` is a hidden
//! zero-sized type emitted right before the handler, whose `ScopeRequirement::requirement()`
//! is `Requirement::all([..the scopes..])`, built once.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::{FnArg, Item, ItemFn};

use crate::args::Args;

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
    let not_a_fn = || {
        syn::Error::new(
            Span::call_site(),
            "`#[require_auth]` can only be applied to an `async fn` request handler",
        )
    };
    let handler = match syn::parse2::<Item>(item) {
        Ok(Item::Fn(handler)) => handler,
        Ok(_) | Err(_) => return Err(not_a_fn()),
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
    let private = quote!(::auth0_actix::__private);

    let (requirement, marker) = if args.scopes.is_empty() {
        (quote!(#private::NoScopes), TokenStream::new())
    } else {
        let name = format_ident!("__Auth0ActixScopes_{}", handler.sig.ident, span = span);
        let vis = &handler.vis;
        let scopes = &args.scopes;
        let marker = quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
            #vis struct #name;

            impl #private::ScopeRequirement for #name {
                fn requirement() -> &'static ::auth0_actix::Requirement {
                    static REQUIREMENT: #private::OnceLock<::auth0_actix::Requirement> =
                        #private::OnceLock::new();
                    #private::lazy_requirement(&REQUIREMENT, || {
                        ::auth0_actix::Requirement::all([#(#scopes),*])
                    })
                }
            }
        };
        (name.into_token_stream(), marker)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: TokenStream, item: TokenStream) -> String {
        require_auth(args, item).to_string()
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
                fn requirement() -> &'static ::auth0_actix::Requirement {
                    static REQUIREMENT: ::auth0_actix::__private::OnceLock<::auth0_actix::Requirement> =
                        ::auth0_actix::__private::OnceLock::new();
                    ::auth0_actix::__private::lazy_requirement(&REQUIREMENT, || {
                        ::auth0_actix::Requirement::all(["read:data", "write:data"])
                    })
                }
            }

            pub(crate) async fn r#list(
                _: ::auth0_actix::__private::RequireAuth<__Auth0ActixScopes_list>
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
