//! [`Settings`]: what the key store is built from.

use std::time::Duration;

use crate::algorithm::Algorithm;
use crate::crypto::CryptoBackend;

/// The key store's settings, built by the builder (each default is documented on the builder
/// method that sets it).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Upper bound of a document's lifetime (`Cache-Control: max-age` may shorten it).
    pub(crate) cache_ttl: Duration,
    /// Lower bound of a document's lifetime.
    pub(crate) min_ttl: Duration,
    /// Documents per cache.
    pub(crate) cache_max_entries: usize,
    /// How long past its lifetime a document may still serve (stale-if-error).
    pub(crate) max_stale: Duration,
    /// Between two unknown-`kid` refetches of one JWKS; also the back-off after a failure.
    pub(crate) kid_cooldown: Duration,
    /// Token algorithms: which keys of a JWKS are prepared, and for what.
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) crypto_backend: CryptoBackend,
    pub(crate) connect_timeout: Duration,
    /// Total time of one fetch.
    pub(crate) timeout: Duration,
    /// Extra trusted CAs (PEM), beside the system roots and `SSL_CERT_FILE`.
    pub(crate) root_certificates: Vec<Vec<u8>>,
    /// Plain `http://` allowed for loopback hosts.
    pub(crate) allow_http: bool,
    /// Trust the system roots and `SSL_CERT_FILE`; when false, nothing at all (a handle that
    /// never fetches).
    pub(crate) system_trust: bool,
}
