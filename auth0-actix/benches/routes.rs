//! Whole-app cost of a protected route against a public one, in process (no sockets): what the
//! library adds to a request, including extractors, the per-request slot and the handler.
//!
//! `cargo bench -p auth0-actix --features testing --bench routes`

use actix_web::{get, test, web, App, HttpResponse, Responder};
use auth0_actix::testing::LocalIssuer;
use auth0_actix::{require_auth, Claims};
use criterion::{criterion_group, criterion_main, Criterion};

#[get("/public")]
async fn public() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "message": "public" }))
}

#[get("/private")]
#[require_auth]
async fn private(claims: Claims) -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "message": "private", "sub": claims.sub }))
}

fn routes(c: &mut Criterion) {
    let issuer = LocalIssuer::start();
    let auth0 = issuer.auth0_builder().build().unwrap();
    let token = format!("Bearer {}", issuer.token().scope("read:messages").sign());
    let rt = actix_web::rt::System::new();
    let app = rt.block_on(async {
        auth0.warm_up().await.unwrap();
        test::init_service(
            App::new()
                .app_data(auth0.clone())
                .service(public)
                .service(private)
                .default_service(web::to(HttpResponse::NotFound)),
        )
        .await
    });
    let mut g = c.benchmark_group("routes");
    g.bench_function("public", |b| {
        b.iter(|| {
            rt.block_on(async {
                let req = test::TestRequest::get().uri("/public").to_request();
                assert!(test::call_service(&app, req).await.status().is_success());
            })
        })
    });
    g.bench_function("public_with_authorization_header", |b| {
        b.iter(|| {
            rt.block_on(async {
                let req = test::TestRequest::get()
                    .uri("/public")
                    .insert_header(("Authorization", token.as_str()))
                    .to_request();
                assert!(test::call_service(&app, req).await.status().is_success());
            })
        })
    });
    g.bench_function("private_bearer_token_cached", |b| {
        b.iter(|| {
            rt.block_on(async {
                let req = test::TestRequest::get()
                    .uri("/private")
                    .insert_header(("Authorization", token.as_str()))
                    .to_request();
                assert!(test::call_service(&app, req).await.status().is_success());
            })
        })
    });
    g.finish();
}

criterion_group!(benches, routes);
criterion_main!(benches);
