use auth0_actix_macros::require_auth;

// A handler with a syntax error: the error is syn's (and rustc's), at the offending token, not
// "can only be applied to an `async fn`" at the attribute.
#[require_auth(scopes = "read:data")]
async fn handler() -> &'static str {
    let greeting = ;
    "ok"
}

fn main() {
    let _ = handler;
}
