//! The asymmetric JWS algorithms a token or proof may be signed with.
//!
//! `none` and the HMAC family (`HS*`) have no variant: they can never be allowed (RFC 8725 §3.1,
//! §3.2). Every token's `alg` is checked against the configured allow-list before any network
//! work, and against the key's type before verifying.

use std::fmt;
use std::str::FromStr;

/// An asymmetric JWS signature algorithm (RFC 7518 §3).
///
/// ```
/// use auth0_actix::Algorithm;
/// assert_eq!("RS256".parse::<Algorithm>(), Ok(Algorithm::RS256));
/// assert!("HS256".parse::<Algorithm>().is_err());
/// assert!("none".parse::<Algorithm>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (Auth0's default).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256 (the default for DPoP proofs).
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    ///
    /// ```
    /// use auth0_actix::Algorithm;
    /// let elliptic: Vec<_> = Algorithm::ALL.into_iter().filter(|a| a.key_type() == "EC").collect();
    /// assert_eq!(elliptic, [Algorithm::ES256, Algorithm::ES384]);
    /// ```
    pub const ALL: [Algorithm; 9] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The `alg` header value.
    ///
    /// ```
    /// use auth0_actix::Algorithm;
    /// assert_eq!(Algorithm::EdDSA.as_str(), "EdDSA");
    /// assert_eq!(Algorithm::PS256.to_string(), "PS256");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The JWK `kty` a key for this algorithm has (`RSA`, `EC` or `OKP`).
    ///
    /// ```
    /// use auth0_actix::Algorithm;
    /// assert_eq!(Algorithm::RS256.key_type(), "RSA");
    /// assert_eq!(Algorithm::ES384.key_type(), "EC");
    /// assert_eq!(Algorithm::EdDSA.key_type(), "OKP");
    /// ```
    pub const fn key_type(self) -> &'static str {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => "RSA",
            Algorithm::ES256 | Algorithm::ES384 => "EC",
            Algorithm::EdDSA => "OKP",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `alg` is not an asymmetric algorithm we know (`none`, `HS256`, typos…).
///
/// ```
/// use auth0_actix::{Algorithm, UnknownAlgorithm};
/// assert_eq!("HS256".parse::<Algorithm>(), Err(UnknownAlgorithm));
/// assert_eq!("rs256".parse::<Algorithm>(), Err(UnknownAlgorithm)); // case-sensitive
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAlgorithm;

impl fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a supported asymmetric JWS algorithm (RS*, PS*, ES256, ES384, EdDSA)")
    }
}

impl std::error::Error for UnknownAlgorithm {}

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(UnknownAlgorithm)
    }
}
