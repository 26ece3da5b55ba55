//! Visibility, doc comments, other attributes and generics are kept; handlers can live in
//! modules, blocks and (without scopes) `impl` blocks.
#![deny(warnings, missing_docs)]

use actix_web::{web, App, HttpResponse, Responder};

/// Public handlers.
pub mod api {
    use actix_web::{get, HttpResponse, Responder};
    use auth0_actix::require_auth;

    /// Reads the messages.
    ///
    /// Its documentation is kept.
    #[get("/messages")]
    #[require_auth(scopes = "read:messages")]
    #[allow(clippy::unused_async)]
    pub async fn messages() -> impl Responder {
        HttpResponse::Ok().body("messages")
    }

    /// A public handler with scopes and the attribute on top: its hidden requirement type is
    /// public too, so `missing_docs` and `private_interfaces` stay quiet.
    #[require_auth(scopes = ["read:data", "write:data"])]
    #[get("/data")]
    #[must_use = "handlers are registered, not called"]
    pub async fn data() -> impl Responder {
        HttpResponse::Ok().body("data")
    }

    /// A crate-visible handler without routing attribute.
    #[require_auth(scopes = "admin")]
    pub(crate) async fn admin() -> &'static str {
        "admin"
    }

    pub(super) mod nested {
        use auth0_actix::require_auth;

        /// Visible to the parent module.
        #[require_auth(scopes = "read:nested")]
        pub(in crate::api) async fn nested() -> &'static str {
            "nested"
        }

        /// Re-exported below.
        #[require_auth(scopes = "read:nested")]
        pub(crate) async fn r#type() -> &'static str {
            "raw identifier"
        }
    }

    pub(crate) use nested::r#type as raw;

    /// Registers the handlers of this module that have no routing attribute.
    pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
        cfg.route("/admin", actix_web::web::get().to(admin))
            .route("/nested", actix_web::web::get().to(nested::nested))
            .route("/type", actix_web::web::get().to(raw));
    }
}

trait Greeting {
    fn greeting() -> String;
}

struct English;

impl Greeting for English {
    fn greeting() -> String {
        "hello".to_owned()
    }
}

#[auth0_actix::require_auth(scopes = "read:greeting")]
async fn generic<G>(name: web::Path<String>) -> String
where
    G: Greeting + 'static,
{
    format!("{}, {name}", G::greeting())
}

struct Handlers;

impl Handlers {
    #[auth0_actix::require_auth]
    async fn associated() -> HttpResponse {
        HttpResponse::Ok().finish()
    }
}

fn main() {
    // Handlers defined in a block.
    #[auth0_actix::require_auth(scopes = "read:local")]
    async fn local() -> impl Responder {
        "local"
    }

    let _app = App::new()
        .service(api::messages)
        .service(api::data)
        .configure(api::configure)
        .route("/hello/{name}", web::get().to(generic::<English>))
        .route("/associated", web::get().to(Handlers::associated))
        .route("/local", web::get().to(local));
}
