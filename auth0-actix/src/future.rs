//! [`BoxFuture`]: the future type of the traits an application implements (a shared replay
//! store, a custom-domains resolver), so they stay object-safe without an async-trait crate.

use std::future::Future;
use std::pin::Pin;

/// A boxed, `Send` future: what [`ReplayStore`](crate::dpop::ReplayStore) and
/// [`DomainsResolver`](crate::DomainsResolver) methods return.
///
/// ```
/// use auth0_actix::BoxFuture;
///
/// fn answer<'a>(name: &'a str) -> BoxFuture<'a, usize> {
///     Box::pin(async move { name.len() })
/// }
/// # let _ = answer("x");
/// ```
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
