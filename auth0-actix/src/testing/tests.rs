//! Unit tests of the testing module: a real issuer over real HTTPS.

use std::io::{Read as _, Write as _};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, Validation};
use serde_json::Value;

use super::encode::now;
use super::*;
use crate::algorithm::Algorithm;

fn client_for(issuer: &LocalIssuer) -> reqwest::Client {
    let pem = issuer.ca_certificate_pem().expect("HTTPS issuer has a CA");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA PEM parses");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .expect("client builds")
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, Option<String>, Value) {
    let response = client.get(url).send().await.expect("request succeeds");
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let bytes = response.bytes().await.expect("body reads");
    let body = serde_json::from_slice(&bytes).expect("body is JSON");
    (status, cache, body)
}

/// jsonwebtoken needs a process-wide crypto provider once several backends are compiled in.
fn install_jwt_provider() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

fn decoding_key(jwk: &Value) -> DecodingKey {
    install_jwt_provider();
    match jwk["kty"].as_str() {
        Some("RSA") => {
            DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
                .unwrap()
        }
        Some("EC") => {
            DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
                .unwrap()
        }
        Some("OKP") => DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap(),
        other => panic!("unexpected kty {other:?}"),
    }
}

fn validation(issuer: &LocalIssuer, alg: JwtAlg) -> Validation {
    let mut v = Validation::new(alg);
    v.set_audience(&[issuer.audience()]);
    v.set_issuer(&[issuer.issuer()]);
    v
}

fn segment_json(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("segment exists");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

fn jwk_by_kid<'a>(jwks: &'a Value, kid: &str) -> &'a Value {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} not in JWKS"))
}

#[tokio::test]
async fn serves_discovery_and_jwks_over_https_and_counts_fetches() {
    let issuer = LocalIssuer::start();
    assert_eq!(issuer.domain(), format!("127.0.0.1:{}", issuer.port()));
    assert_eq!(issuer.issuer(), format!("https://{}/", issuer.domain()));
    let client = client_for(&issuer);
    assert_eq!((issuer.discovery_fetches(), issuer.jwks_fetches()), (0, 0));

    let (status, cache, doc) = get(&client, &issuer.discovery_url()).await;
    assert_eq!(status, 200);
    assert_eq!(cache, None);
    assert_eq!(doc["issuer"], issuer.issuer());
    assert_eq!(doc["jwks_uri"], issuer.jwks_url());
    assert_eq!((issuer.discovery_fetches(), issuer.jwks_fetches()), (1, 0));

    let (status, _, jwks) = get(&client, doc["jwks_uri"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["kid"], "key-1");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["e"], "AQAB");
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256, "RSA-2048 modulus");
    assert!(key.get("d").is_none() && key.get("p").is_none());
    assert_eq!((issuer.discovery_fetches(), issuer.jwks_fetches()), (1, 1));

    get(&client, &issuer.jwks_url()).await;
    assert_eq!(issuer.jwks_fetches(), 2);

    let missing = client
        .get(format!("https://{}/nope", issuer.domain()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn a_client_trusting_another_ca_is_refused() {
    let issuer = LocalIssuer::start();
    let other = LocalIssuer::start();
    let wrong = client_for(&other);
    assert!(wrong.get(issuer.discovery_url()).send().await.is_err());
    assert_eq!(issuer.discovery_fetches(), 0);
    let right = client_for(&issuer);
    assert_eq!(get(&right, &issuer.discovery_url()).await.0, 200);
}

#[tokio::test]
async fn minted_token_verifies_against_the_published_jwk() {
    let issuer = LocalIssuer::start();
    let (_, _, jwks) = get(&client_for(&issuer), &issuer.jwks_url()).await;
    let token = issuer.token().scope("read:messages").sign();

    let header = segment_json(&token, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], "key-1");

    let key = decoding_key(jwk_by_kid(&jwks, "key-1"));
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation(&issuer, JwtAlg::RS256))
        .expect("token verifies");
    let claims = data.claims;
    assert_eq!(claims["sub"], "user_123");
    assert_eq!(claims["scope"], "read:messages");
    assert_eq!(claims["aud"], "https://api.local.test");
    assert_eq!(claims["iss"], issuer.issuer());
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);
    assert!((iat - now()).abs() <= 5);
}

#[tokio::test]
async fn rotation_changes_the_jwks_and_the_signing_key() {
    let issuer = LocalIssuer::start();
    let client = client_for(&issuer);
    let key2 = issuer.generate_key("key-2");
    assert_eq!(key2.alg(), Algorithm::RS256);

    // Generated but unpublished: not in the JWKS.
    let (_, _, jwks) = get(&client, &issuer.jwks_url()).await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);

    issuer.publish(&key2);
    let (_, _, jwks) = get(&client, &issuer.jwks_url()).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["key-1", "key-2"]);
    assert_ne!(
        jwk_by_kid(&jwks, "key-1")["n"],
        jwk_by_kid(&jwks, "key-2")["n"]
    );

    // Publishing the same kid again replaces rather than duplicates.
    issuer.publish(&key2);
    assert_eq!(issuer.published_kids(), ["key-1", "key-2"]);

    issuer.set_signing_key(&key2);
    assert_eq!(issuer.signing_key().kid(), "key-2");
    let token = issuer.token().sign();
    assert_eq!(segment_json(&token, 0)["kid"], "key-2");
    let v = validation(&issuer, JwtAlg::RS256);
    jsonwebtoken::decode::<Value>(&token, &decoding_key(jwk_by_kid(&jwks, "key-2")), &v)
        .expect("verifies with key-2");
    assert!(
        jsonwebtoken::decode::<Value>(&token, &decoding_key(jwk_by_kid(&jwks, "key-1")), &v)
            .is_err()
    );

    issuer.unpublish("key-1");
    let (_, _, jwks) = get(&client, &issuer.jwks_url()).await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], "key-2");
    assert_eq!(issuer.jwks_fetches(), 3);
}

#[tokio::test]
async fn failing_mode_overrides_and_cache_control() {
    let issuer = LocalIssuer::start();
    let client = client_for(&issuer);

    issuer.set_failing(true);
    for url in [issuer.discovery_url(), issuer.jwks_url()] {
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 503, "{url}");
    }
    assert_eq!((issuer.discovery_fetches(), issuer.jwks_fetches()), (1, 1));
    issuer.set_failing(false);

    issuer.set_cache_control(Some("public, max-age=42".to_owned()));
    let (_, cache, _) = get(&client, &issuer.discovery_url()).await;
    assert_eq!(cache.as_deref(), Some("public, max-age=42"));
    let (_, cache, _) = get(&client, &issuer.jwks_url()).await;
    assert_eq!(cache.as_deref(), Some("public, max-age=42"));
    issuer.set_cache_control(None);
    let (_, cache, _) = get(&client, &issuer.jwks_url()).await;
    assert_eq!(cache, None);

    let fake = serde_json::json!({ "issuer": "https://evil.example/", "jwks_uri": "https://evil.example/jwks" });
    issuer.set_discovery_override(Some(fake.clone()));
    assert_eq!(get(&client, &issuer.discovery_url()).await.2, fake);
    issuer.set_discovery_override(None);
    assert_eq!(
        get(&client, &issuer.discovery_url()).await.2["issuer"],
        issuer.issuer()
    );
}

#[test]
fn plain_http_mode_from_sync_code_and_drop_stops_the_server() {
    let issuer = LocalIssuer::builder().http().audience("urn:test").start();
    assert!(issuer.ca_certificate_pem().is_none());
    assert_eq!(
        issuer.domain(),
        format!("http://127.0.0.1:{}", issuer.port())
    );
    assert_eq!(
        issuer.issuer(),
        format!("http://127.0.0.1:{}/", issuer.port())
    );
    assert_eq!(issuer.token().claims()["aud"], "urn:test");

    let port = issuer.port();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).unwrap();
    let doc: Value = serde_json::from_str(body).unwrap();
    assert_eq!(doc["issuer"], issuer.issuer());
    assert_eq!(doc["jwks_uri"], issuer.jwks_url());
    assert_eq!(issuer.discovery_fetches(), 1);

    drop(issuer);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[actix_web::test]
async fn works_inside_an_actix_runtime() {
    let issuer = LocalIssuer::start();
    let (status, _, doc) = get(&client_for(&issuer), &issuer.discovery_url()).await;
    assert_eq!(status, 200);
    assert_eq!(doc["issuer"], issuer.issuer());
    drop(issuer);
}

#[test]
fn other_key_algorithms_verify() {
    let cases = [
        (Algorithm::RS384, JwtAlg::RS384),
        (Algorithm::RS512, JwtAlg::RS512),
        (Algorithm::PS256, JwtAlg::PS256),
        (Algorithm::PS384, JwtAlg::PS384),
        (Algorithm::PS512, JwtAlg::PS512),
        (Algorithm::ES256, JwtAlg::ES256),
        (Algorithm::ES384, JwtAlg::ES384),
        (Algorithm::EdDSA, JwtAlg::EdDSA),
    ];
    for (ours, theirs) in cases {
        let key = SigningKey::generate("k", ours);
        let jwk = key.public_jwk();
        assert_eq!(jwk["alg"], ours.as_str());
        let token = TokenBuilder::new(&key).subject("s").expires_in(60).sign();
        assert_eq!(segment_json(&token, 0)["alg"], ours.as_str());
        let mut v = Validation::new(theirs);
        v.validate_aud = false;
        let data = jsonwebtoken::decode::<Value>(&token, &decoding_key(&jwk), &v)
            .unwrap_or_else(|e| panic!("{ours}: {e}"));
        assert_eq!(data.claims["sub"], "s");
    }
}

#[test]
fn es256_issuer_publishes_ec_keys() {
    let issuer = LocalIssuer::builder()
        .http()
        .key_algorithm(Algorithm::ES256)
        .start();
    let jwk = issuer.signing_key().public_jwk();
    assert_eq!(jwk["kty"], "EC");
    assert_eq!(jwk["crv"], "P-256");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jwk["x"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    let token = issuer.token().sign();
    jsonwebtoken::decode::<Value>(
        &token,
        &decoding_key(&jwk),
        &validation(&issuer, JwtAlg::ES256),
    )
    .expect("ES256 token verifies");
    assert_eq!(issuer.generate_key("key-2").alg(), Algorithm::ES256);
}

#[test]
fn broken_token_variants_have_the_expected_shapes() {
    let issuer = LocalIssuer::builder().http().start();
    let key = issuer.signing_key();
    let v = validation(&issuer, JwtAlg::RS256);
    let rsa = decoding_key(&key.public_jwk());

    // alg none: header says none, signature empty, claims intact.
    let none = issuer.token().unsigned_alg_none();
    let parts: Vec<&str> = none.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[2], "");
    assert_eq!(segment_json(&none, 0)["alg"], "none");
    assert_eq!(segment_json(&none, 0)["kid"], "key-1");
    assert_eq!(segment_json(&none, 1)["sub"], "user_123");
    assert!(jsonwebtoken::decode::<Value>(&none, &rsa, &v).is_err());

    // HS256 keyed with the public key PEM: a valid HMAC under that secret.
    let pem = key.public_key_pem();
    let hs = issuer.token().hs256_with_secret(pem.as_bytes());
    assert_eq!(segment_json(&hs, 0)["alg"], "HS256");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(hs.split('.').nth(2).unwrap())
            .unwrap()
            .len(),
        32
    );
    let mut hv = validation(&issuer, JwtAlg::HS256);
    hv.algorithms = vec![JwtAlg::HS256];
    install_jwt_provider();
    jsonwebtoken::decode::<Value>(&hs, &DecodingKey::from_secret(pem.as_bytes()), &hv)
        .expect("HMAC is correct for the given secret");
    assert!(jsonwebtoken::decode::<Value>(&hs, &rsa, &v).is_err());
    let der_hs = issuer.token().hs256_with_secret(&key.public_key_der());
    assert_ne!(der_hs.split('.').nth(2), hs.split('.').nth(2));

    // The PEM/DER are the real SubjectPublicKeyInfo of the key.
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    assert_eq!(der, key.public_key_der());
    assert!(aws_lc_rs::rsa::PublicKey::from_der(&der).is_ok());

    // Tampered: header and signature of a real token, different payload.
    let builder = issuer.token();
    let good = builder.clone().sign();
    let bad = builder.tampered();
    let (g, b): (Vec<&str>, Vec<&str>) = (good.split('.').collect(), bad.split('.').collect());
    assert_eq!(g[0], b[0]);
    assert_eq!(g[2], b[2]);
    assert_ne!(g[1], b[1]);
    assert_eq!(segment_json(&bad, 1)["sub"], "attacker");
    jsonwebtoken::decode::<Value>(&good, &rsa, &v).expect("untampered verifies");
    assert!(jsonwebtoken::decode::<Value>(&bad, &rsa, &v).is_err());
    let again = issuer.token().subject("attacker").tampered();
    assert_eq!(segment_json(&again, 1)["sub"], "attacker-2");
}

#[test]
fn builder_overrides_and_removals() {
    let issuer = LocalIssuer::builder().http().start();
    let other = SigningKey::generate("foreign", Algorithm::RS256);
    let token = issuer
        .token()
        .remove_claim("sub")
        .remove_header("typ")
        .header("typ", "at+jwt")
        .audience(["a", "b"])
        .issuer("https://elsewhere/")
        .not_before(4_102_444_800)
        .issued_at(1)
        .claim("custom", serde_json::json!({"x": [1, 2]}))
        .permissions(["p:1"])
        .signed_with(&other)
        .kid("key-1")
        .sign();
    let header = segment_json(&token, 0);
    let claims = segment_json(&token, 1);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], "key-1");
    assert!(claims.get("sub").is_none());
    assert_eq!(claims["aud"], serde_json::json!(["a", "b"]));
    assert_eq!(claims["iss"], "https://elsewhere/");
    assert_eq!(claims["nbf"], 4_102_444_800i64);
    assert_eq!(claims["iat"], 1);
    assert_eq!(claims["custom"]["x"][1], 2);
    assert_eq!(claims["permissions"][0], "p:1");
    // Signed by the foreign key despite the kid claiming key-1.
    let mut v = Validation::new(JwtAlg::RS256);
    v.validate_aud = false;
    v.validate_nbf = false;
    jsonwebtoken::decode::<Value>(&token, &decoding_key(&other.public_jwk()), &v)
        .expect("signed by the foreign key");
    assert!(jsonwebtoken::decode::<Value>(
        &token,
        &decoding_key(&issuer.signing_key().public_jwk()),
        &v
    )
    .is_err());
}

#[test]
fn malformed_tokens_are_distinct_and_rejected() {
    let all = malformed::all();
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len());
    let key = SigningKey::generate("key-1", Algorithm::RS256);
    let dk = decoding_key(&key.public_jwk());
    let mut v = Validation::new(JwtAlg::RS256);
    v.validate_aud = false;
    for token in all.iter().chain([&malformed::oversized(10_000)]) {
        assert!(
            jsonwebtoken::decode::<Value>(token, &dk, &v).is_err(),
            "{token}"
        );
    }
    assert_eq!(
        segment_json(&malformed::json_array_header(), 0),
        serde_json::json!([])
    );
}

#[test]
fn dpop_proofs_and_bound_tokens() {
    use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

    let issuer = LocalIssuer::builder().http().start();
    let dpop = DpopKey::generate();
    let token = issuer.token().bound_to(&dpop).sign();
    assert_eq!(segment_json(&token, 1)["cnf"]["jkt"], dpop.thumbprint());

    // cnf members already present are kept.
    let b = issuer
        .token()
        .claim("cnf", serde_json::json!({"x5t#S256": "abc"}))
        .bound_to(&dpop);
    assert_eq!(b.claims()["cnf"]["x5t#S256"], "abc");
    assert_eq!(b.claims()["cnf"]["jkt"], dpop.thumbprint());

    let proof = dpop
        .proof("GET", "https://api.local.test/messages")
        .access_token(&token)
        .sign();
    let header = segment_json(&proof, 0);
    let claims = segment_json(&proof, 1);
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["jwk"], dpop.public_jwk());
    assert!(header["jwk"].get("d").is_none());
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], "https://api.local.test/messages");
    assert!((claims["iat"].as_i64().unwrap() - now()).abs() <= 5);
    let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        token.as_bytes(),
    ));
    assert_eq!(claims["ath"], ath);
    assert_eq!(jwk_thumbprint(&header["jwk"]), Some(dpop.thumbprint()));

    // The signature verifies against the embedded JWK.
    let verify = |proof: &str, jwk: &Value| {
        let (input, sig) = proof.rsplit_once('.').unwrap();
        let mut point = vec![4u8];
        point.extend(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap());
        point.extend(URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap());
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap())
            .is_ok()
    };
    assert!(verify(&proof, &dpop.public_jwk()));

    // Fresh jti per proof.
    let a = dpop.proof("GET", "https://x/").sign();
    let b = dpop.proof("GET", "https://x/").sign();
    assert_ne!(segment_json(&a, 1)["jti"], segment_json(&b, 1)["jti"]);

    // Signed by another key: header jwk unchanged, signature does not match it.
    let other = DpopKey::generate();
    let mismatched = dpop.proof("GET", "https://x/").signed_with(&other).sign();
    assert_eq!(segment_json(&mismatched, 0)["jwk"], dpop.public_jwk());
    assert!(!verify(&mismatched, &dpop.public_jwk()));
    assert!(verify(&mismatched, &other.public_jwk()));

    // Everything overridable / removable.
    let custom = dpop
        .proof("GET", "https://x/")
        .htm("POST")
        .htu("https://y/")
        .iat(5)
        .jti("j")
        .nonce("n")
        .ath("wrong")
        .remove_header("jwk")
        .header("typ", "JWT")
        .remove_claim("iat")
        .sign();
    let (h, c) = (segment_json(&custom, 0), segment_json(&custom, 1));
    assert!(h.get("jwk").is_none());
    assert_eq!(h["typ"], "JWT");
    assert_eq!(c["htm"], "POST");
    assert_eq!(c["htu"], "https://y/");
    assert!(c.get("iat").is_none());
    assert_eq!(c["jti"], "j");
    assert_eq!(c["nonce"], "n");
    assert_eq!(c["ath"], "wrong");

    let none = dpop.proof("GET", "https://x/").unsigned_alg_none();
    assert!(none.ends_with('.'));
    assert_eq!(segment_json(&none, 0)["alg"], "none");
}

#[test]
fn debug_output_never_contains_key_material() {
    let key = SigningKey::generate("key-1", Algorithm::RS256);
    let text = format!("{key:?}");
    assert!(text.contains("key-1") && text.contains("RS256"));
    assert!(!text.contains(key.public_jwk()["n"].as_str().unwrap()));
    let dpop = DpopKey::generate();
    assert_eq!(
        format!("{dpop:?}"),
        format!("DpopKey {{ jkt: {:?}, .. }}", dpop.thumbprint())
    );
    let issuer = LocalIssuer::builder().http().start();
    assert!(format!("{issuer:?}").contains(&issuer.issuer()));
}

#[tokio::test]
async fn the_crate_verifier_warms_up_against_the_issuer() {
    for issuer in [LocalIssuer::start(), LocalIssuer::builder().http().start()] {
        let auth0 = issuer.auth0_builder().build().expect("config is valid");
        assert_eq!(auth0.issuer(), Some(issuer.issuer().as_str()));
        auth0.warm_up().await.expect("discovery and JWKS fetched");
        assert_eq!(issuer.discovery_fetches(), 1, "{}", issuer.issuer());
        assert_eq!(issuer.jwks_fetches(), 1, "{}", issuer.issuer());
    }
}

#[test]
fn handles_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<LocalIssuer>();
    check::<LocalIssuerBuilder>();
    check::<SigningKey>();
    check::<TokenBuilder>();
    check::<DpopKey>();
    check::<ProofBuilder>();
}
