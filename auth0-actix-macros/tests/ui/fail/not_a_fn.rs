use auth0_actix_macros::require_auth;

#[require_auth]
struct Handler;

#[require_auth(scopes = "read:data")]
const SCOPE: &str = "read:data";

fn main() {
    let _ = (Handler, SCOPE);
}
