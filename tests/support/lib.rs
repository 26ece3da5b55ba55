//! Support shared by the end-to-end tests in `tests/`: one fixture ([`Api`], built with
//! [`Api::builder`]) that starts a local issuer and an app trusting it on a real loopback port,
//! a [`Reply`] reduced to what the tests look at, and expectations on it ([`expect`]).

pub mod expect;
pub mod www;

mod echo;
mod fixture;
mod helpers;
mod reply;
mod server;

pub use echo::{echo_authenticated, echo_routes, route};
pub use fixture::{Api, ApiBuilder, Registration};
pub use helpers::{eventually, fetches, now, with_unique_jti};
pub use reply::{send, Reply};
pub use server::{client, raw_request, start_app, start_with, TestApp};
