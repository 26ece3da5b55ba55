//! The HTTP side of the protocol, named as the headers are: reading `Authorization` and `DPoP`
//! ([`authorization`]), the public URL of a request behind proxies ([`request_url`]), and
//! rendering `WWW-Authenticate` challenges ([`www_authenticate`]). Nothing here knows the
//! builder or the handle.

pub(crate) mod authorization;
pub(crate) mod request_url;
pub(crate) mod www_authenticate;
