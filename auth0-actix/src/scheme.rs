//! [`Scheme`]: the two ways a client presents an access token.

/// The authentication scheme a client used (or is told to use).
///
/// Non-exhaustive: a later version may accept another scheme, so a `match` needs a `_` arm.
///
/// ```
/// use auth0_actix::Scheme;
/// assert_eq!(Scheme::Bearer.as_str(), "Bearer");
/// assert_eq!(Scheme::DPoP.as_str(), "DPoP");
///
/// fn sender_constrained(scheme: Scheme) -> bool {
///     match scheme {
///         Scheme::DPoP => true,
///         Scheme::Bearer => false,
///         _ => false, // a scheme this code does not know yet
///     }
/// }
/// assert!(sender_constrained(Scheme::DPoP));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `Authorization: Bearer <token>` (RFC 6750).
    Bearer,
    /// `Authorization: DPoP <token>` with a `DPoP` proof header (RFC 9449).
    DPoP,
}

impl Scheme {
    /// The scheme's name as it appears in `Authorization` and `WWW-Authenticate`.
    ///
    /// ```
    /// use auth0_actix::Scheme;
    /// assert_eq!(format!("{} abc.def.ghi", Scheme::DPoP.as_str()), "DPoP abc.def.ghi");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Bearer => "Bearer",
            Scheme::DPoP => "DPoP",
        }
    }
}
