//! Heap allocations per verified request, counted by a wrapping global allocator.
//!
//! `cargo bench -p auth0-actix --features testing --bench allocations`
//!
//! Prints one line per scenario: allocations and bytes allocated per `verify_request`, or per
//! `Claims` extraction (what a handler taking `Claims` pays), measured over many requests
//! (request construction and proof minting are outside the count).

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};

use actix_web::dev::Payload;
use actix_web::test::TestRequest;
use actix_web::{FromRequest, HttpRequest};
use auth0_actix::testing::{DpopKey, LocalIssuer};
use auth0_actix::{Auth0, Claims};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn now<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the hot path awaited something"),
    }
}

/// What is counted per request.
#[derive(Clone, Copy)]
enum Via {
    VerifyRequest,
    ClaimsExtractor,
}

fn verify(via: Via, auth0: &Auth0, req: &HttpRequest) {
    match via {
        Via::VerifyRequest => {
            now(auth0.verify_request(req)).expect("verifies");
        }
        Via::ClaimsExtractor => {
            now(Claims::from_request(req, &mut Payload::None)).expect("verifies");
        }
    }
}

fn measure(name: &str, via: Via, auth0: &Auth0, mut make: impl FnMut() -> HttpRequest) {
    const N: usize = 2_000;
    let requests: Vec<HttpRequest> = (0..N).map(|_| make()).collect();
    // One warm-up so one-time initialisation is not counted.
    verify(via, auth0, &make());
    let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    for req in &requests {
        verify(via, auth0, req);
    }
    let (a1, b1) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    println!(
        "{name:<28} {:>6.1} allocations/request {:>8.0} bytes/request",
        (a1 - a0) as f64 / N as f64,
        (b1 - b0) as f64 / N as f64
    );
}

fn main() {
    let issuer = LocalIssuer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let uncached = issuer
        .auth0_builder()
        .verified_token_cache(0)
        .build()
        .unwrap();
    let cached = issuer.auth0_builder().build().unwrap();
    runtime.block_on(async {
        uncached.warm_up().await.unwrap();
        cached.warm_up().await.unwrap();
    });
    let token = issuer.token().scope("read:messages").sign();
    let bearer = format!("Bearer {token}");
    let key = DpopKey::generate();
    let bound = issuer.token().bound_to(&key).sign();
    let dpop = format!("DPoP {bound}");
    let bearer_req = || {
        TestRequest::get()
            .uri("/r")
            .insert_header(("Authorization", bearer.as_str()))
            .app_data(cached.clone())
            .to_http_request()
    };
    let dpop_req = || {
        let proof = key
            .proof("GET", "http://localhost:8080/r")
            .access_token(&bound)
            .sign();
        TestRequest::get()
            .uri("/r")
            .insert_header(("Host", "localhost:8080"))
            .insert_header(("Authorization", dpop.as_str()))
            .insert_header(("DPoP", proof))
            .to_http_request()
    };
    println!("scenario                     allocations and bytes per request");
    use Via::*;
    measure("bearer, keys cached", VerifyRequest, &uncached, bearer_req);
    measure("bearer, token cached", VerifyRequest, &cached, bearer_req);
    measure(
        "bearer, token cached, Claims",
        ClaimsExtractor,
        &cached,
        bearer_req,
    );
    measure("dpop, keys cached", VerifyRequest, &uncached, dpop_req);
    measure("dpop, token cached", VerifyRequest, &cached, dpop_req);
}
