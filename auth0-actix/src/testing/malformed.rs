//! Tokens that are not well-formed JWTs, for parser and rejection tests.
//!
//! Each function returns a fixed string built around a plausible header
//! (`{"alg":"RS256","typ":"JWT","kid":"key-1"}`) and payload, broken in exactly one way. None of
//! them is signed by any real key.
//!
//! ```
//! use auth0_actix::testing::malformed;
//!
//! assert_eq!(malformed::two_segments().split('.').count(), 2);
//! for token in malformed::all() {
//!     // Send each as `Authorization: Bearer {token}` and expect a 401.
//!     assert!(!token.contains('\n'));
//! }
//! ```

use super::encode::b64url;

const HEADER: &str = r#"{"alg":"RS256","typ":"JWT","kid":"key-1"}"#;
const PAYLOAD: &str = r#"{"iss":"https://127.0.0.1/","sub":"user_123","aud":"https://api.local.test","iat":1700000000,"exp":4102444800}"#;

fn header() -> String {
    b64url(HEADER)
}

fn payload() -> String {
    b64url(PAYLOAD)
}

/// A syntactically valid but meaningless signature segment (256 bytes, like RS256).
fn signature() -> String {
    b64url([0x5au8; 256])
}

/// The empty string.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::empty(), "");
/// ```
pub fn empty() -> String {
    String::new()
}

/// Random text that is not a JWT at all (no dots).
///
/// ```
/// assert!(!auth0_actix::testing::malformed::not_a_jwt().contains('.'));
/// ```
pub fn not_a_jwt() -> String {
    "this-is-not-a-jwt".to_owned()
}

/// Only `header.payload` (the signature segment and its dot are missing).
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::two_segments().split('.').count(), 2);
/// ```
pub fn two_segments() -> String {
    format!("{}.{}", header(), payload())
}

/// Four segments: `header.payload.signature.extra`.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::four_segments().split('.').count(), 4);
/// ```
pub fn four_segments() -> String {
    format!("{}.{}.{}.{}", header(), payload(), signature(), signature())
}

/// Five segments, shaped like a JWE (`header.key.iv.ciphertext.tag`).
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::five_segments().split('.').count(), 5);
/// ```
pub fn five_segments() -> String {
    let jwe_header = b64url(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"key-1"}"#);
    format!("{jwe_header}.{0}.{0}.{0}.{0}", signature())
}

/// Three segments that are all empty: `..`.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::empty_segments(), "..");
/// ```
pub fn empty_segments() -> String {
    "..".to_owned()
}

/// The header segment contains characters outside the base64url alphabet.
///
/// ```
/// assert!(auth0_actix::testing::malformed::bad_base64_header().starts_with("!!"));
/// ```
pub fn bad_base64_header() -> String {
    format!("!!{}*.{}.{}", header(), payload(), signature())
}

/// The payload segment contains characters outside the base64url alphabet.
///
/// ```
/// assert!(auth0_actix::testing::malformed::bad_base64_payload().contains(".!!"));
/// ```
pub fn bad_base64_payload() -> String {
    format!("{}.!!{}*.{}", header(), payload(), signature())
}

/// The signature segment contains characters outside the base64url alphabet.
///
/// ```
/// assert!(auth0_actix::testing::malformed::bad_base64_signature().ends_with("$$"));
/// ```
pub fn bad_base64_signature() -> String {
    format!("{}.{}.{}$$", header(), payload(), signature())
}

/// Segments in standard base64 with `=` padding instead of unpadded base64url.
///
/// ```
/// assert!(auth0_actix::testing::malformed::padded_base64().contains('='));
/// ```
pub fn padded_base64() -> String {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    // A header whose standard encoding needs padding.
    let header = STANDARD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"key-1" }"#);
    let payload = STANDARD.encode(PAYLOAD);
    format!("{header}.{payload}.{}", signature())
}

/// The header decodes to a JSON array (`[]`) instead of an object.
///
/// ```
/// use base64::Engine as _;
/// let token = auth0_actix::testing::malformed::json_array_header();
/// let header = token.split('.').next().unwrap();
/// let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap();
/// assert_eq!(bytes, b"[]");
/// ```
pub fn json_array_header() -> String {
    format!("{}.{}.{}", b64url("[]"), payload(), signature())
}

/// The payload decodes to a JSON array instead of an object.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::json_array_payload().split('.').count(), 3);
/// ```
pub fn json_array_payload() -> String {
    format!(
        "{}.{}.{}",
        header(),
        b64url(r#"["sub","user_123"]"#),
        signature()
    )
}

/// The header decodes to bytes that are not JSON.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::non_json_header().split('.').count(), 3);
/// ```
pub fn non_json_header() -> String {
    format!("{}.{}.{}", b64url("not json {"), payload(), signature())
}

/// The payload decodes to bytes that are not JSON.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::non_json_payload().split('.').count(), 3);
/// ```
pub fn non_json_payload() -> String {
    format!("{}.{}.{}", header(), b64url("not json {"), signature())
}

/// The header decodes to bytes that are not valid UTF-8.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::non_utf8_header().split('.').count(), 3);
/// ```
pub fn non_utf8_header() -> String {
    format!(
        "{}.{}.{}",
        b64url([0xff, 0xfe, 0x7b, 0x7d]),
        payload(),
        signature()
    )
}

/// A well-formed header object without `alg`.
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::missing_alg().split('.').count(), 3);
/// ```
pub fn missing_alg() -> String {
    format!(
        "{}.{}.{}",
        b64url(r#"{"typ":"JWT","kid":"key-1"}"#),
        payload(),
        signature()
    )
}

/// A header whose `alg` is not a string (`{"alg":256}`).
///
/// ```
/// assert_eq!(auth0_actix::testing::malformed::non_string_alg().split('.').count(), 3);
/// ```
pub fn non_string_alg() -> String {
    format!(
        "{}.{}.{}",
        b64url(r#"{"alg":256,"typ":"JWT","kid":"key-1"}"#),
        payload(),
        signature()
    )
}

/// A token with whitespace inside it (`header. payload.signature`).
///
/// ```
/// assert!(auth0_actix::testing::malformed::with_whitespace().contains(' '));
/// ```
pub fn with_whitespace() -> String {
    format!("{}. {}.{}", header(), payload(), signature())
}

/// A structurally valid-looking token of at least `len` bytes, made by padding the payload
/// with a long claim: for size-limit tests.
///
/// ```
/// let token = auth0_actix::testing::malformed::oversized(64 * 1024);
/// assert!(token.len() >= 64 * 1024);
/// assert_eq!(token.split('.').count(), 3);
/// ```
pub fn oversized(len: usize) -> String {
    // Each filler byte becomes 4/3 base64 characters, so this comfortably exceeds `len`.
    let filler = "x".repeat(len);
    let payload = format!(r#"{{"sub":"user_123","filler":"{filler}"}}"#);
    format!("{}.{}.{}", header(), b64url(payload), signature())
}

/// Every fixed malformed token of this module (all but [`oversized`]).
///
/// ```
/// assert!(auth0_actix::testing::malformed::all().len() >= 10);
/// ```
pub fn all() -> Vec<String> {
    vec![
        empty(),
        not_a_jwt(),
        two_segments(),
        four_segments(),
        five_segments(),
        empty_segments(),
        bad_base64_header(),
        bad_base64_payload(),
        bad_base64_signature(),
        padded_base64(),
        json_array_header(),
        json_array_payload(),
        non_json_header(),
        non_json_payload(),
        non_utf8_header(),
        missing_alg(),
        non_string_alg(),
        with_whitespace(),
    ]
}
