//! Verifying one DPoP proof JWT, in the reference's order (`behaviour.md` §3.2), with proof
//! fields of the wrong type answered 400 instead of 500 (D3) and `htm` compared exactly (D8).

use std::borrow::Cow;
use std::fmt;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{digest, Context, SHA256};
use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::algorithm::Algorithm;
use crate::config::Config;
use crate::crypto::{Material, PublicKey};
use crate::error::AuthError;
use crate::token::{decode_object, now, split, B64};

/// Largest DPoP proof accepted (bytes).
pub const MAX_PROOF_BYTES: usize = 8 * 1024;

fn bad(description: impl Into<std::borrow::Cow<'static, str>>) -> AuthError {
    AuthError::invalid_dpop_proof(description)
}

/// A proof whose header was decoded (check 4 of the request branch).
pub(crate) struct ParsedProof<'p> {
    header: Members<'p, 3>,
    payload_segment: &'p str,
    signing_input: &'p str,
    signature: &'p str,
}

/// The header members the checks read, in this order.
const HEADER: [&str; 3] = ["typ", "alg", "jwk"];
/// The JWK members the checks read, in this order.
const JWK: [&str; 5] = ["kty", "crv", "x", "y", "d"];
/// The payload claims the checks read, in the order "Missing required claims" lists them.
const CLAIMS: [&str; 5] = ["iat", "ath", "htm", "htu", "jti"];

/// Splits the proof and decodes its header into `buf`, which the parsed proof borrows; any
/// failure is "Failed to verify DPoP proof".
pub(crate) fn parse<'p>(
    proof: &'p str,
    buf: &'p mut Vec<u8>,
) -> Result<ParsedProof<'p>, AuthError> {
    let failed = || bad("Failed to verify DPoP proof");
    if proof.len() > MAX_PROOF_BYTES {
        return Err(failed());
    }
    let (h, p, s) = split(proof).map_err(|_| failed())?;
    let header = decode_members(h, &HEADER, buf, "header").map_err(|_| failed())?;
    Ok(ParsedProof {
        header,
        payload_segment: p,
        signing_input: &proof[..h.len() + 1 + p.len()],
        signature: s,
    })
}

/// The values of `names` in one JSON object, by position. A proof is small and read once, so
/// rather than build a `serde_json::Map` (an allocation per key and per string), only the
/// members the checks read are kept, borrowed from the decoded bytes where they hold no escape.
/// A duplicated member keeps its last value, as `serde_json::Map` and Python's `json` do.
type Members<'a, const N: usize> = [Option<Member<'a>>; N];

/// One member's value, as the checks read it. `null` is kept (a claim set to `null` counts as
/// missing, a JWK `d` set to `null` is still private key material); an object is read as a JWK
/// (the only object a proof's checks look into); other values are known by kind only.
#[derive(Debug)]
enum Member<'a> {
    Null,
    Str(Cow<'a, str>),
    Num(f64),
    Object(Box<Members<'a, 5>>),
    Other,
}

fn as_str<'m>(member: &'m Option<Member<'_>>) -> Option<&'m str> {
    match member {
        Some(Member::Str(s)) => Some(s),
        _ => None,
    }
}

/// Decodes one base64url segment (into `buf`) holding a JSON object and picks `names` from it.
/// Errors as `token::decode_object` words them: the whole text is read and validated as JSON
/// (members not picked included) before a valid non-object is called "not a JSON object".
fn decode_members<'b, const N: usize>(
    segment: &str,
    names: &'static [&'static str; N],
    buf: &'b mut Vec<u8>,
    what: &str,
) -> Result<Members<'b, N>, String> {
    if serde_json_has_private_maps() {
        return via_value(segment, names, what);
    }
    buf.clear();
    B64.decode_vec(segment, buf)
        .map_err(|_| format!("{what} is not valid base64url"))?;
    let mut json = serde_json::Deserializer::from_slice(buf);
    let members = json
        .deserialize_any(Pick(names))
        .and_then(|members| json.end().map(|()| members));
    match members {
        Ok(Some(members)) => Ok(members),
        Ok(None) => Err(format!("{what} is not a JSON object")),
        Err(_) => Err(format!("{what} is not valid JSON")),
    }
}

/// Whether this build's serde_json hands some values to visitors as a one-member map under a
/// private key, which only `serde_json::Value` turns back into the value: its
/// `arbitrary_precision` (numbers) and `raw_value` (raw JSON) features do, and any crate of a
/// build can enable them. Our visitors would take such a map for an object, so with either
/// feature on, proofs are decoded through `Value`, exactly as before `Pick` existed.
fn serde_json_has_private_maps() -> bool {
    static PRIVATE_MAPS: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        [
            r#"{"$serde_json::private::Number":"1"}"#,
            r#"{"$serde_json::private::RawValue":"1"}"#,
        ]
        .into_iter()
        .any(|json| !matches!(serde_json::from_str(json), Ok(Value::Object(_))))
    });
    *PRIVATE_MAPS
}

/// [`decode_members`] through `serde_json::Value`, by `token::decode_object` (the access
/// token's decoder): a map per object, an allocation per key and string; the same results
/// and errors.
fn via_value<const N: usize>(
    segment: &str,
    names: &'static [&'static str; N],
    what: &str,
) -> Result<Members<'static, N>, String> {
    let mut object = decode_object(segment, what)?;
    Ok(names.map(|name| object.remove(name).map(Member::from_value)))
}

/// Reads any JSON value: the values of the given member names if it is an object, `None`
/// (after validating it) if it is not.
struct Pick<const N: usize>(&'static [&'static str; N]);

impl<const N: usize> Pick<N> {
    fn members<'de, A: MapAccess<'de>>(&self, mut map: A) -> Result<Members<'de, N>, A::Error> {
        let mut members: Members<'de, N> = std::array::from_fn(|_| None);
        while let Some(Key(key)) = map.next_key()? {
            match self.0.iter().position(|name| *name == key) {
                Some(i) => members[i] = Some(map.next_value()?),
                None => map.next_value::<Skip>().map(drop)?,
            }
        }
        Ok(members)
    }
}

impl<'de, const N: usize> Visitor<'de> for Pick<N> {
    type Value = Option<Members<'de, N>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.members(map).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq).map(|()| None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A value the checks do not read, still validated as JSON as `serde_json::Value` would be
/// (string escapes and UTF-8, number range, nesting depth), unlike `IgnoredAny`, which only
/// skips over its structure.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor).map(|()| Skip)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(())
    }
}

/// A member name, borrowed unless it holds an escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor).map(Key)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Deserialize<'de> for Member<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MemberVisitor)
    }
}

struct MemberVisitor;

impl<'de> Visitor<'de> for MemberVisitor {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Member::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Member::Other)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Member::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Member::Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Member::Num(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq).map(|()| Member::Other)
    }
    /// An object, read as a JWK. (Only a real object: in a build whose serde_json passes other
    /// values as maps, proofs are decoded by [`via_value`] instead.)
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Pick(&JWK)
            .members(map)
            .map(|jwk| Member::Object(Box::new(jwk)))
    }
}

impl Member<'_> {
    /// A decoded value, as `Pick` reads it: an object is read as a JWK.
    fn from_value(value: Value) -> Self {
        match value {
            Value::Null => Member::Null,
            Value::String(s) => Member::Str(Cow::Owned(s)),
            Value::Number(n) => n.as_f64().map_or(Member::Other, Member::Num),
            Value::Bool(_) | Value::Array(_) => Member::Other,
            Value::Object(mut object) => {
                let jwk = JWK.map(|name| object.remove(name).map(Member::from_value));
                Member::Object(Box::new(jwk))
            }
        }
    }
}

/// What a verified proof tells the caller.
pub(crate) struct VerifiedProof {
    /// RFC 7638 thumbprint of the proof's public key.
    pub(crate) jkt: String,
    pub(crate) jti: String,
    pub(crate) iat: f64,
}

/// The JWK `kty` and `crv` a proof algorithm needs.
fn key_shape(alg: Algorithm) -> Option<(&'static str, &'static str, usize)> {
    match alg {
        Algorithm::ES256 => Some(("EC", "P-256", 32)),
        Algorithm::ES384 => Some(("EC", "P-384", 48)),
        Algorithm::EdDSA => Some(("OKP", "Ed25519", 32)),
        _ => None,
    }
}

/// Checks the proof against the access token, method and URL of the request.
pub(crate) fn verify(
    cfg: &Config,
    proof: &ParsedProof<'_>,
    access_token: &str,
    method: &str,
    url: Option<&str>,
) -> Result<VerifiedProof, AuthError> {
    let [typ, alg, jwk] = &proof.header;
    if as_str(typ) != Some("dpop+jwt") {
        return Err(bad("Unexpected JWT 'typ' header parameter value"));
    }
    let alg = as_str(alg)
        .and_then(|a| a.parse::<Algorithm>().ok())
        .filter(|a| cfg.proof_algorithms.contains(a))
        .ok_or_else(|| bad("Unsupported algorithm in DPoP proof"))?;
    let (kty, crv, coord_len) =
        key_shape(alg).ok_or_else(|| bad("Unsupported algorithm in DPoP proof"))?;
    let Some(Member::Object(jwk)) = jwk else {
        return Err(bad("Missing or invalid jwk in header"));
    };
    let [jwk_kty, jwk_crv, jwk_x, jwk_y, jwk_d] = &**jwk;
    if jwk_d.is_some() {
        return Err(bad("Private key material found in jwk header"));
    }
    if as_str(jwk_kty) != Some(kty) {
        return Err(bad(format!("Only {kty} keys are supported for DPoP")));
    }
    if as_str(jwk_crv) != Some(crv) {
        return Err(bad(format!("Only {crv} curve is supported")));
    }
    let coord = |name: &str, member| -> Result<(&str, Vec<u8>), AuthError> {
        let text = as_str(member).unwrap_or_default();
        match B64.decode(text) {
            Ok(bytes) if bytes.len() == coord_len => Ok((text, bytes)),
            _ => Err(bad(format!(
                "JWT signature verification failed: invalid jwk '{name}'"
            ))),
        }
    };
    let (x_text, x) = coord("x", jwk_x)?;
    let (y_text, y) = if kty == "EC" {
        coord("y", jwk_y)?
    } else {
        ("", Vec::new())
    };
    let material = if kty == "EC" {
        Material::Ec { x: &x, y: &y }
    } else {
        Material::Okp { x: &x }
    };
    let signature = B64
        .decode(proof.signature)
        .map_err(|_| bad("JWT signature verification failed: signature is not valid base64url"))?;
    let verified = PublicKey::new(cfg.crypto_backend, alg, material)
        .is_ok_and(|key| key.verify(proof.signing_input.as_bytes(), &signature));
    if !verified {
        return Err(bad(
            "JWT signature verification failed: bad_signature (or a key not on the curve)",
        ));
    }

    let mut payload = Vec::new();
    let claims = decode_members(proof.payload_segment, &CLAIMS, &mut payload, "payload")
        .map_err(|e| bad(format!("Failed to verify DPoP proof: {e}")))?;
    let missing: Vec<&str> = CLAIMS
        .into_iter()
        .zip(&claims)
        .filter(|(_, value)| matches!(value, None | Some(Member::Null)))
        .map(|(name, _)| name)
        .collect();
    match missing.as_slice() {
        [] => {}
        [one] => return Err(bad(format!("Missing required claim: {one}"))),
        many => return Err(bad(format!("Missing required claims: {}", many.join(", ")))),
    }
    let [iat, ath, htm, htu, jti] = &claims;
    let jti = match jti {
        Some(Member::Str(s)) if s.trim().is_empty() => {
            return Err(bad("jti claim must not be empty"))
        }
        Some(Member::Str(s)) => s.clone().into_owned(),
        _ => return Err(bad("jti claim must be a string")),
    };
    let iat = match iat {
        Some(Member::Num(iat)) => *iat,
        _ => return Err(bad("Invalid iat claim (must be integer or float)")),
    };
    let now = now(cfg) as f64;
    if iat < now - cfg.dpop_iat_offset as f64 {
        return Err(bad("DPoP Proof iat is too old"));
    }
    if iat > now + cfg.dpop_iat_leeway as f64 {
        return Err(bad("DPoP Proof iat is from the future"));
    }
    if as_str(htm) != Some(method) {
        return Err(bad("DPoP Proof htm mismatch"));
    }
    let htu_ok = match (as_str(htu), url) {
        (Some(claimed), Some(actual)) => super::htu::matches(claimed, actual),
        _ => false,
    };
    if !htu_ok {
        return Err(bad("DPoP Proof htu mismatch"));
    }
    let mut expected_ath = [0; 43]; // base64url of 32 bytes, unpadded
    let ath_ok = B64
        .encode_slice(digest(&SHA256, access_token.as_bytes()), &mut expected_ath)
        .is_ok_and(|len| {
            as_str(ath).is_some_and(|ath| {
                verify_slices_are_equal(ath.as_bytes(), &expected_ath[..len]).is_ok()
            })
        });
    if !ath_ok {
        return Err(bad("DPoP Proof ath mismatch"));
    }
    let jkt = thumbprint(crv, kty, x_text, (kty == "EC").then_some(y_text));
    Ok(VerifiedProof { jkt, jti, iat })
}

/// The RFC 7638 SHA-256 thumbprint (base64url) of an `EC` (with `y`) or `OKP` public key: the
/// required members in lexicographic order, no whitespace, with the coordinates' text exactly
/// as the proof's `jwk` carries it (it decoded to the lengths the curve needs; a padded form,
/// which the decoder tolerates, is hashed with its padding, so it cannot match a `cnf.jkt`
/// computed from the unpadded key).
fn thumbprint(crv: &str, kty: &str, x: &str, y: Option<&str>) -> String {
    let mut hash = Context::new(&SHA256);
    for part in [r#"{"crv":""#, crv, r#"","kty":""#, kty, r#"","x":""#, x] {
        hash.update(part.as_bytes());
    }
    if let Some(y) = y {
        hash.update(br#"","y":""#);
        hash.update(y.as_bytes());
    }
    hash.update(br#""}"#);
    B64.encode(hash.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members<const N: usize>(
        json: impl AsRef<[u8]>,
        names: &'static [&'static str; N],
    ) -> Result<Vec<Option<String>>, String> {
        let mut buf = Vec::new();
        let members = decode_members(&B64.encode(json), names, &mut buf, "payload")?;
        Ok(describe(&members))
    }

    /// Both decoders' full results (JWK members included), as `Debug` prints them.
    fn both<const N: usize>(json: &[u8], names: &'static [&'static str; N]) -> (String, String) {
        let mut buf = Vec::new();
        let pick = decode_members(&B64.encode(json), names, &mut buf, "payload");
        let value = via_value(&B64.encode(json), names, "payload");
        (format!("{pick:?}"), format!("{value:?}"))
    }

    fn describe<const N: usize>(members: &Members<'_, N>) -> Vec<Option<String>> {
        members
            .iter()
            .map(|m| {
                m.as_ref().map(|m| match m {
                    Member::Null => "null".to_owned(),
                    Member::Str(s) => format!("str:{s}"),
                    Member::Num(n) => format!("num:{n}"),
                    Member::Object(jwk) => format!("jwk:{}", jwk.iter().flatten().count()),
                    Member::Other => "other".to_owned(),
                })
            })
            .collect()
    }

    fn some(values: &[&str]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| (!v.is_empty()).then(|| v.to_string()))
            .collect()
    }

    #[test]
    fn picks_the_named_members_by_kind() {
        let json = r#"{"jti":"a\u0062c","iat":12.5,"x":[1,{"y":2}],"htm":null,"ath":true,
            "htu":{"kty":"EC","d":null,"z":1}}"#;
        assert_eq!(
            members(json, &CLAIMS).unwrap(),
            some(&["num:12.5", "other", "null", "jwk:2", "str:abc"])
        );
        // Integers read as numbers; unknown members are skipped whatever they hold.
        assert_eq!(
            members(r#"{"iat":-3,"jti":"","q":{"r":[[]]}}"#, &CLAIMS).unwrap(),
            some(&["num:-3", "", "", "", "str:"])
        );
    }

    #[test]
    fn a_duplicated_member_keeps_its_last_value() {
        assert_eq!(
            members(
                r#"{"jti":"first","jti":"last","iat":1,"iat":null}"#,
                &CLAIMS
            )
            .unwrap(),
            some(&["null", "", "", "", "str:last"])
        );
    }

    #[test]
    fn thumbprints() {
        // RFC 8037 appendix A.3.
        assert_eq!(
            thumbprint(
                "Ed25519",
                "OKP",
                "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                None
            ),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        // The P-256 key of RFC 7515 appendix A.3, hashed independently (Python's hashlib).
        assert_eq!(
            thumbprint(
                "P-256",
                "EC",
                "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                Some("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
            ),
            "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
        );
    }

    #[test]
    fn members_not_read_are_still_validated() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let deep_member = format!(r#"{{"jti":"j","foo":{deep}}}"#);
        let invalid: [&[u8]; 7] = [
            br#"{"jti":"j","foo":1e999}"#,
            br#"{"jti":"j","foo":"\ud800"}"#,
            b"{\"jti\":\"j\",\"foo\":\"\xff\"}",
            b"{\"jti\":\"j\",\"foo\":{\"\xff\":1}}",
            deep_member.as_bytes(),
            // Inside a JWK, too.
            b"{\"htu\":{\"kty\":\"EC\",\"x5c\":[\"\xff\"]}}",
            br#"{"htu":{"kty":"EC","n":-1e999}}"#,
        ];
        for json in invalid {
            assert_eq!(
                members(json, &CLAIMS).unwrap_err(),
                "payload is not valid JSON",
                "{}",
                String::from_utf8_lossy(json)
            );
        }
        // Nesting within serde_json's limit is fine.
        let nested = format!(r#"{{"jti":"j","foo":{}}}"#, &deep[100..300]);
        assert_eq!(
            members(nested, &CLAIMS).unwrap(),
            some(&["", "", "", "", "str:j"])
        );
    }

    #[test]
    fn this_build_reads_proofs_with_pick() {
        // Neither `arbitrary_precision` nor `raw_value` is on in our builds: the tests above
        // exercise `Pick`. (Were one turned on, `via_value` would decode every proof.)
        assert!(!serde_json_has_private_maps());
    }

    #[test]
    fn both_decoders_agree() {
        let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
        let inputs: Vec<Vec<u8>> = [
            r#"{"jti":"a\u0062c","iat":12.5,"x":[1,{"y":2}],"htm":null,"ath":true,"htu":{"kty":"EC","d":null,"z":1,"x":{"a":1}}}"#,
            r#"{"\u0069at":-0,"jti":"","jti":"last","q":{"r":[[]]},"htu":[],"ath":1e308}"#,
            r#"{"jti":"first","jti":null,"iat":18446744073709551616}"#,
            r#"{"htu":{"kty":"EC","kty":"OKP","d":1,"d":null}}"#,
            r#"{"jti":"j","foo":1e999}"#,
            r#"{"jti":"j","foo":"\ud800"}"#,
            r#"{"htu":{"kty":"EC","n":-1e999}}"#,
            "[1]", "\"s\"", "null", "[", "1 2", "{} {}", "{\"a\":1,}", " {\"jti\":\"j\"} ",
        ]
        .into_iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([
            b"{\"jti\":\"j\",\"foo\":\"\xff\"}".to_vec(),
            b"{\"htu\":{\"x5c\":[\"\xff\"]}}".to_vec(),
            format!(r#"{{"jti":"j","foo":{deep}}}"#).into_bytes(),
            format!(r#"{{"jti":"j","foo":{}}}"#, &deep[40..220]).into_bytes(),
        ])
        .collect();
        for json in &inputs {
            let text = String::from_utf8_lossy(json);
            let (pick, value) = both(json, &CLAIMS);
            assert_eq!(pick, value, "{text}");
            let (pick, value) = both(json, &HEADER);
            assert_eq!(pick, value, "{text}");
        }
    }

    #[test]
    fn errors_are_worded_as_for_access_tokens() {
        for (json, error) in [
            ("[1]", "payload is not a JSON object"),
            ("\"jti\"", "payload is not a JSON object"),
            ("null", "payload is not a JSON object"),
            ("{\"jti\":", "payload is not valid JSON"),
            ("{} {}", "payload is not valid JSON"),
            ("{\"iat\":1e999}", "payload is not valid JSON"),
            // Invalid JSON is invalid whatever its top-level value would have been.
            ("[", "payload is not valid JSON"),
            ("[1e999]", "payload is not valid JSON"),
            ("1 2", "payload is not valid JSON"),
            ("\"a\" \"b\"", "payload is not valid JSON"),
            ("null,", "payload is not valid JSON"),
        ] {
            assert_eq!(members(json, &CLAIMS).unwrap_err(), error, "{json}");
        }
        let mut buf = Vec::new();
        let err = decode_members("not base64!", &CLAIMS, &mut buf, "header").unwrap_err();
        assert_eq!(err, "header is not valid base64url");
    }
}
