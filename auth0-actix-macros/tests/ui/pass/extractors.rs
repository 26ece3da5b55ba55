//! Handlers with other extractors, `Result` return types and early returns keep working: the
//! macro only prepends a parameter.
#![deny(warnings)]

use actix_web::{get, post, put, web, App, HttpRequest, HttpResponse, Responder};
use auth0_actix::{require_auth, Claims};
use serde::Deserialize;

#[derive(Deserialize)]
struct NewMessage {
    text: String,
}

#[derive(Deserialize)]
struct Page {
    limit: Option<u32>,
}

#[get("/users/{user}/messages/{id}")]
#[require_auth(scopes = "read:messages")]
async fn by_path(path: web::Path<(String, u32)>, page: web::Query<Page>) -> impl Responder {
    let (user, id) = path.into_inner();
    HttpResponse::Ok().body(format!("{user}/{id} limit={:?}", page.limit))
}

#[require_auth(scopes = ["write:messages"])]
#[post("/messages")]
async fn create(_claims: Claims, body: web::Json<NewMessage>) -> HttpResponse {
    if body.text.is_empty() {
        return HttpResponse::BadRequest().body("empty message");
    }
    HttpResponse::Created().body(body.into_inner().text)
}

#[put("/messages/{id}")]
#[require_auth]
async fn update(
    req: HttpRequest,
    id: web::Path<u32>,
    body: web::Json<NewMessage>,
    _claims: Claims,
) -> actix_web::Result<HttpResponse> {
    let id = id.into_inner();
    if id == 0 {
        return Err(actix_web::error::ErrorNotFound("no message 0"));
    }
    let _ = req.path();
    Ok(HttpResponse::Ok().body(format!("{id}: {}", body.text)))
}

#[get("/counter")]
#[require_auth(scopes = "read:counter")]
async fn counter(state: web::Data<u64>) -> String {
    let value = **state;
    // An early return from a nested block, and a `?` in an inner closure.
    let parsed = (|| -> Result<u64, std::num::ParseIntError> { Ok("1".parse::<u64>()? + value) })();
    let n = match parsed {
        Ok(n) => n,
        Err(e) => return e.to_string(),
    };
    if n > 100 {
        return "large".to_owned();
    }
    n.to_string()
}

fn main() {
    let _app = App::new()
        .app_data(web::Data::new(7_u64))
        .service(by_path)
        .service(create)
        .service(update)
        .service(counter);
}
