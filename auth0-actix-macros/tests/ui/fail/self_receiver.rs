use auth0_actix_macros::require_auth;

struct Api;

impl Api {
    #[require_auth]
    async fn data(&self) -> &'static str {
        "data"
    }
}

fn main() {
    let _ = Api.data();
}
