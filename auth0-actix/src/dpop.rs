//! DPoP proof-of-possession (RFC 9449). Not implemented yet: DPoP-scheme requests are refused
//! with 400 `invalid_dpop_proof` until the proof checks land.

use actix_web::HttpRequest;

use crate::challenge::Scheme;
use crate::config::Config;
use crate::error::AuthError;
use crate::verify::Authenticated;

pub(crate) async fn verify_request(
    _cfg: &Config,
    _req: &HttpRequest,
    _token: &str,
) -> Result<Authenticated, AuthError> {
    Err(AuthError::invalid_dpop_proof("DPoP proofs are not supported yet").on_scheme(Scheme::DPoP))
}
