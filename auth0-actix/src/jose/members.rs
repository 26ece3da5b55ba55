//! Picking a few members out of a JSON object, borrowed from the decoded bytes, without
//! building a `serde_json::Map` (an allocation per key and per string): how a DPoP proof's
//! header and claims are read, once per request.
//!
//! Why not `#[derive(Deserialize)]` over a struct of borrowed fields: derive refuses a
//! duplicated member ("duplicate field"), where the reference (and `serde_json::Map`) keeps the
//! last value, so the verdict on such a proof would change; and it cannot tell `null` from an
//! absent member without extra wrappers on every field. Measured when this decoder replaced
//! `serde_json::Map` (BENCHMARKS.md, "DPoP proof decoding"): 86 → 59 allocations per DPoP
//! request, and the DPoP route from 1.29× to 1.12× of (RSA + P-256) verification.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{decode_object, B64};

/// The JWK members the checks read, in this order (an object member is read as a JWK: the only
/// object a proof's checks look into).
pub(crate) const JWK: [&str; 5] = ["kty", "crv", "x", "y", "d"];

/// The values of `names` in one JSON object, by position. A proof is small and read once, so
/// rather than build a `serde_json::Map` (an allocation per key and per string), only the
/// members the checks read are kept, borrowed from the decoded bytes where they hold no escape.
/// A duplicated member keeps its last value, as `serde_json::Map` and Python's `json` do.
pub(crate) type Members<'a, const N: usize> = [Option<Member<'a>>; N];

/// One member's value, as the checks read it. `null` is kept (a claim set to `null` counts as
/// missing, a JWK `d` set to `null` is still private key material); an object is read as a JWK
/// (the only object a proof's checks look into); other values are known by kind only.
#[derive(Debug)]
pub(crate) enum Member<'a> {
    Null,
    Str(Cow<'a, str>),
    Num(f64),
    Object(Box<Members<'a, 5>>),
    Other,
}

pub(crate) fn as_str<'m>(member: &'m Option<Member<'_>>) -> Option<&'m str> {
    match member {
        Some(Member::Str(s)) => Some(s),
        _ => None,
    }
}

/// Decodes one base64url segment (into `buf`) holding a JSON object and picks `names` from it.
/// Errors as `token::decode_object` words them: the whole text is read and validated as JSON
/// (members not picked included) before a valid non-object is called "not a JSON object".
pub(crate) fn decode_members<'b, const N: usize>(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The header members and claims a DPoP proof's checks read.
    const HEADER: [&str; 3] = ["typ", "alg", "jwk"];
    const CLAIMS: [&str; 5] = ["iat", "ath", "htm", "htu", "jti"];

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
