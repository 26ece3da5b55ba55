//! Reverse-proxy handling end to end (docs/compatibility.md §5): which URL a DPoP proof's `htu`
//! must name when the app runs behind a proxy (`trust_proxy(true)`) or not, over real HTTP. Also
//! the reference's own proxy tests (§6.5, named after them) and the hardening beyond it: rejected
//! prefixes, and malformed hosts that must never make a proof for another endpoint valid. Also the
//! required and disabled modes behind a trusted proxy (§3.6; mixed mode is the default of every
//! other test here), `X-Forwarded-Port` ignored, IDN hosts, and the URL a domains resolver is
//! shown.
//!
//! The app listens on `http://127.0.0.1:PORT`; the proxy headers are sent by the test client
//! as a proxy would.

use std::sync::{Arc, Mutex};

use auth0_actix::BoxFuture;
use auth0_actix::{DomainsResolver, ResolverContext};
use e2e_support::www::{required_dpop, DISABLED_BARE, REQUIRED_BARE};
use e2e_support::{expect, Api, Reply};

const HTU_MISMATCH: &str = "DPoP Proof htu mismatch";

fn trusted() -> Api {
    Api::configured(|b| b.trust_proxy(true))
}

fn untrusted() -> Api {
    Api::start()
}

/// `GET /test` with a fresh bound token, a proof for `htu`, and the extra `headers`.
async fn get_with_proof(env: &Api, headers: &[(&str, &str)], htu: &str) -> Reply {
    let token = env.bound_token();
    let proof = env.key.proof("GET", htu).access_token(&token).sign();
    let mut req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    env.send(req).await
}

#[track_caller]
fn assert_accepted(reply: &Reply, env: &Api, what: &str) {
    assert_eq!(reply.status, 200, "{what}: {reply:?}");
    assert_eq!(reply.json()["jkt"], env.key.thumbprint(), "{what}");
}

#[track_caller]
fn assert_htu_mismatch(reply: &Reply) {
    expect::invalid_dpop_proof(reply, HTU_MISMATCH);
}

/// Asserts that with `headers` the expected htu is exactly `expected`: a proof for it passes,
/// proofs for each of `not` fail with an htu mismatch.
async fn assert_canonical_url(env: &Api, headers: &[(&str, &str)], expected: &str, not: &[&str]) {
    let reply = get_with_proof(env, headers, expected).await;
    assert_accepted(&reply, env, &format!("{headers:?} expects {expected}"));
    for wrong in not {
        let reply = get_with_proof(env, headers, wrong).await;
        assert_eq!(
            (reply.status, reply.description()),
            (400, HTU_MISMATCH),
            "{headers:?}: a proof for {wrong} must fail (expected htu {expected}): {reply:?}"
        );
    }
}

/// Extra request headers, as (name, value) pairs.
type Headers<'a> = &'a [(&'a str, &'a str)];

const PROXY: [(&str, &str); 2] = [
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "api.example.com"),
];

// ---------------------------------------------------------------------------------------------
// The reference's tests (docs/compatibility.md §6.5), ported

#[tokio::test]
async fn test_reverse_proxy_with_trust_enabled() {
    let env = trusted();
    let reply = get_with_proof(&env, &PROXY, "https://api.example.com/test").await;
    assert_accepted(&reply, &env, "trusted proxy headers");
}

#[tokio::test]
async fn test_reverse_proxy_without_trust_fails() {
    let env = untrusted();
    let reply = get_with_proof(&env, &PROXY, "https://api.example.com/test").await;
    assert_htu_mismatch(&reply);
}

#[tokio::test]
async fn test_reverse_proxy_with_path_prefix() {
    let env = trusted();
    let headers = [PROXY[0], PROXY[1], ("X-Forwarded-Prefix", "/api/v1")];
    assert_canonical_url(
        &env,
        &headers,
        "https://api.example.com/api/v1/test",
        &[
            "https://api.example.com/test",
            "https://api.example.com/api/v1/test/",
        ],
    )
    .await;
}

#[tokio::test]
async fn test_reverse_proxy_with_trailing_slash_prefix() {
    let env = trusted();
    let headers = [PROXY[0], PROXY[1], ("X-Forwarded-Prefix", "/api/v1/")];
    assert_canonical_url(
        &env,
        &headers,
        "https://api.example.com/api/v1/test",
        &[
            "https://api.example.com/api/v1//test",
            "https://api.example.com/test",
        ],
    )
    .await;
}

#[tokio::test]
async fn test_reverse_proxy_multiple_hosts() {
    let env = trusted();
    let headers = [
        PROXY[0],
        (
            "X-Forwarded-Host",
            "client.example.com, proxy1.internal, proxy2.internal",
        ),
    ];
    assert_canonical_url(
        &env,
        &headers,
        "https://client.example.com/test",
        &[
            "https://proxy1.internal/test",
            "https://proxy2.internal/test",
        ],
    )
    .await;
}

#[tokio::test]
async fn test_reverse_proxy_partial_headers() {
    let env = trusted();
    let direct = env.app.at("/test");
    let https = direct.replacen("http://", "https://", 1);
    assert_canonical_url(&env, &[("X-Forwarded-Proto", "https")], &https, &[&direct]).await;
}

/// The canonical URL (no public function: observed as the one htu a proof may name).
#[tokio::test]
async fn test_get_canonical_url_with_proxy() {
    let env = trusted();
    let direct = env.app.at("/test");
    assert_canonical_url(
        &env,
        &PROXY,
        "https://api.example.com/test",
        &[
            &direct,
            "http://api.example.com/test",
            "https://127.0.0.1/test",
        ],
    )
    .await;
}

#[tokio::test]
async fn test_get_canonical_url_security_without_trust() {
    let env = untrusted();
    let direct = env.app.at("/test");
    assert!(direct.contains("127.0.0.1"));
    assert_canonical_url(
        &env,
        &[("X-Forwarded-Host", "attacker.com")],
        &direct,
        &["http://attacker.com/test", "https://attacker.com/test"],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Without trust, every forwarded header is ignored

#[tokio::test]
async fn untrusted_forwarded_headers_are_each_ignored() {
    let env = untrusted();
    let direct = env.app.at("/test");
    let port = direct
        .split(':')
        .nth(2)
        .unwrap()
        .trim_end_matches("/test")
        .to_owned();
    let https = format!("https://127.0.0.1:{port}/test");
    let prefixed = env.app.at("/api/v1/test");
    let cases: [(Headers, &[&str]); 4] = [
        (&[("X-Forwarded-Proto", "https")], &[&https]),
        (
            &[("X-Forwarded-Host", "api.example.com")],
            &["http://api.example.com/test"],
        ),
        (&[("X-Forwarded-Prefix", "/api/v1")], &[&prefixed]),
        (
            &[PROXY[0], PROXY[1], ("X-Forwarded-Prefix", "/api/v1")],
            &[
                "https://api.example.com/api/v1/test",
                "https://api.example.com/test",
            ],
        ),
    ];
    for (headers, refused) in cases {
        assert_canonical_url(&env, headers, &direct, refused).await;
    }
    // RFC 7239 Forwarded is never read.
    assert_canonical_url(
        &env,
        &[("Forwarded", "proto=https;host=api.example.com")],
        &direct,
        &["https://api.example.com/test"],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// With trust: the rules of §5

#[tokio::test]
async fn trusted_without_forwarded_headers_uses_the_request() {
    let env = trusted();
    let direct = env.app.at("/test");
    assert_canonical_url(&env, &[], &direct, &["https://api.example.com/test"]).await;
    // Forwarded (RFC 7239) is ignored even when trusting the proxy.
    assert_canonical_url(
        &env,
        &[("Forwarded", "proto=https;host=api.example.com")],
        &direct,
        &["https://api.example.com/test"],
    )
    .await;
}

#[tokio::test]
async fn forwarded_proto_is_trimmed_lower_cased_and_only_http_or_https() {
    let env = trusted();
    let host = ("X-Forwarded-Host", "api.example.com");
    for proto in ["https", "HTTPS", " https ", "HttpS"] {
        assert_canonical_url(
            &env,
            &[("X-Forwarded-Proto", proto), host],
            "https://api.example.com/test",
            &["http://api.example.com/test"],
        )
        .await;
    }
    // Ignored: comma lists are not split, other schemes, empty.
    for proto in ["https, http", "https,https", "ftp", "wss", "", "https http"] {
        assert_canonical_url(
            &env,
            &[("X-Forwarded-Proto", proto), host],
            "http://api.example.com/test",
            &["https://api.example.com/test"],
        )
        .await;
    }
    // Forwarded http over an https-looking request.
    assert_canonical_url(
        &env,
        &[("X-Forwarded-Proto", "http"), host],
        "http://api.example.com/test",
        &["https://api.example.com/test"],
    )
    .await;
}

#[tokio::test]
async fn forwarded_host_rules() {
    let env = trusted();
    let direct = env.app.at("/test");
    let proto = PROXY[0];
    // Replaces the whole authority: the app's port is dropped...
    let port = direct
        .split(':')
        .nth(2)
        .unwrap()
        .trim_end_matches("/test")
        .to_owned();
    let with_app_port = format!("https://api.example.com:{port}/test");
    assert_canonical_url(
        &env,
        &[proto, ("X-Forwarded-Host", "api.example.com")],
        "https://api.example.com/test",
        &[&with_app_port],
    )
    .await;
    // ...unless the forwarded value carries one.
    assert_canonical_url(
        &env,
        &[proto, ("X-Forwarded-Host", "api.example.com:8443")],
        "https://api.example.com:8443/test",
        &["https://api.example.com/test"],
    )
    .await;
    // Default port and host case are normalised away.
    assert_canonical_url(
        &env,
        &[proto, ("X-Forwarded-Host", "API.Example.COM")],
        "https://api.example.com:443/test",
        &["https://api.example.com:80/test"],
    )
    .await;
    // Trimmed; first of a comma list; first of two fields.
    for value in [
        " api.example.com ",
        "api.example.com,evil.com",
        " api.example.com , evil.com",
    ] {
        assert_canonical_url(
            &env,
            &[proto, ("X-Forwarded-Host", value)],
            "https://api.example.com/test",
            &["https://evil.com/test"],
        )
        .await;
    }
    assert_canonical_url(
        &env,
        &[
            proto,
            ("X-Forwarded-Host", "api.example.com"),
            ("X-Forwarded-Host", "evil.com"),
        ],
        "https://api.example.com/test",
        &["https://evil.com/test"],
    )
    .await;
    // IPv6 literals work.
    assert_canonical_url(
        &env,
        &[proto, ("X-Forwarded-Host", "[::1]:8443")],
        "https://[::1]:8443/test",
        &["https://[::1]/test"],
    )
    .await;
    // Empty (or empty before the first comma): ignored, the Host header is used.
    let https_direct = direct.replacen("http://", "https://", 1);
    for value in ["", "   ", ",api.example.com"] {
        assert_canonical_url(
            &env,
            &[proto, ("X-Forwarded-Host", value)],
            &https_direct,
            &["https://api.example.com/test"],
        )
        .await;
    }
}

#[tokio::test]
async fn forwarded_prefix_rules() {
    let env = trusted();
    let cases = [
        ("/api/v1", "https://api.example.com/api/v1/test"),
        ("api/v1", "https://api.example.com/api/v1/test"),
        ("  /api/v1/  ", "https://api.example.com/api/v1/test"),
        ("/api/v1//", "https://api.example.com/api/v1/test"),
        ("/", "https://api.example.com/test"),
        ("", "https://api.example.com/test"),
        // Not comma-split: the whole value is the prefix.
        ("/a,/b", "https://api.example.com/a,/b/test"),
    ];
    for (prefix, expected) in cases {
        let headers = [PROXY[0], PROXY[1], ("X-Forwarded-Prefix", prefix)];
        let reply = get_with_proof(&env, &headers, expected).await;
        assert_accepted(
            &reply,
            &env,
            &format!("prefix {prefix:?} expects {expected}"),
        );
    }
}

/// A prefix holding `..`, starting with `//`, holding `:`, `%2e%2e` (any case), `?` or `#` is
/// ignored entirely: the proof must name the un-prefixed URL, and the URL a naive
/// concatenation would give is refused.
#[tokio::test]
async fn dangerous_prefixes_are_ignored() {
    let env = trusted();
    let cases = [
        ("..", &["https://api.example.com../test"][..]),
        (
            "/../admin",
            &[
                "https://api.example.com/admin/test",
                "https://api.example.com/../admin/test",
            ][..],
        ),
        ("/api/../admin", &["https://api.example.com/admin/test"][..]),
        (
            "//evil.com",
            &[
                "https://evil.com/test",
                "https://api.example.com//evil.com/test",
            ][..],
        ),
        (
            "//x",
            &["https://x/test", "https://api.example.com//x/test"][..],
        ),
        ("/a:b", &["https://api.example.com/a:b/test"][..]),
        ("https://evil.com", &["https://evil.com/test"][..]),
        (
            "/%2e%2e/admin",
            &[
                "https://api.example.com/admin/test",
                "https://api.example.com/%2e%2e/admin/test",
            ][..],
        ),
        (
            "/%2E%2e/admin",
            &[
                "https://api.example.com/admin/test",
                "https://api.example.com/%2E%2e/admin/test",
            ][..],
        ),
        ("/a?b", &["https://api.example.com/a"][..]),
        ("/a#b", &["https://api.example.com/a"][..]),
        ("?", &["https://api.example.com/"][..]),
        ("#", &["https://api.example.com/"][..]),
    ];
    for (prefix, naive) in cases {
        let headers = [PROXY[0], PROXY[1], ("X-Forwarded-Prefix", prefix)];
        assert_canonical_url(&env, &headers, "https://api.example.com/test", naive).await;
    }
}

/// A `Host` or `X-Forwarded-Host` that is not a plain `host[:port]` can never make a proof
/// for another endpoint valid: every URL a parser could read out of it is refused.
#[tokio::test]
async fn malformed_forwarded_host_never_validates_another_endpoint() {
    let env = trusted();
    let cases = [
        (
            "evil.com/admin",
            &[
                "https://evil.com/admin/test",
                "https://evil.com/admin",
                "https://evil.com/test",
            ][..],
        ),
        (
            "a@b",
            &["https://a@b/test", "https://b/test", "https://a/test"][..],
        ),
        ("api.example.com/", &["https://api.example.com//test"][..]),
        (
            "evil.com?x=",
            &[
                "https://evil.com/test",
                "https://evil.com/?x=/test",
                "https://evil.com/",
            ][..],
        ),
        (
            "evil.com#",
            &["https://evil.com/test", "https://evil.com/"][..],
        ),
        (
            "evil.com\\admin",
            &["https://evil.com/admin/test", "https://evil.com/test"][..],
        ),
        (
            "user:pw@evil.com",
            &["https://evil.com/test", "https://user:pw@evil.com/test"][..],
        ),
        (
            "evil.com:99999",
            &["https://evil.com:99999/test", "https://evil.com/test"][..],
        ),
    ];
    for (host, endpoints) in cases {
        for htu in endpoints {
            let headers = [PROXY[0], ("X-Forwarded-Host", host)];
            let reply = get_with_proof(&env, &headers, htu).await;
            assert_eq!(
                (reply.status, reply.description()),
                (400, HTU_MISMATCH),
                "X-Forwarded-Host {host:?}, proof for {htu}: {reply:?}"
            );
            assert_htu_mismatch(&reply);
        }
    }
}

#[tokio::test]
async fn malformed_host_header_never_validates_another_endpoint() {
    for env in [untrusted(), trusted()] {
        let cases = [
            (
                "evil.com/admin",
                &[
                    "http://evil.com/admin/test",
                    "http://evil.com/admin",
                    "http://evil.com/test",
                ][..],
            ),
            (
                "a@b",
                &["http://a@b/test", "http://b/test", "http://a/test"][..],
            ),
            (
                "evil.com?x=",
                &["http://evil.com/test", "http://evil.com/"][..],
            ),
            (
                "evil.com\\admin",
                &["http://evil.com/admin/test", "http://evil.com/test"][..],
            ),
        ];
        for (host, endpoints) in cases {
            for htu in endpoints {
                let reply = get_with_proof(&env, &[("Host", host)], htu).await;
                assert_eq!(
                    (reply.status, reply.description()),
                    (400, HTU_MISMATCH),
                    "Host {host:?}, proof for {htu}: {reply:?}"
                );
                assert_htu_mismatch(&reply);
            }
        }
    }
}

/// With trust, a good X-Forwarded-Host makes a malformed Host irrelevant, and the other way
/// round a malformed X-Forwarded-Host is not rescued by a good Host.
#[tokio::test]
async fn forwarded_host_overrides_the_host_header() {
    let env = trusted();
    let reply = get_with_proof(
        &env,
        &[("Host", "evil.com/admin"), PROXY[0], PROXY[1]],
        "https://api.example.com/test",
    )
    .await;
    assert_accepted(&reply, &env, "good X-Forwarded-Host, bad Host");
    let direct = env.app.at("/test");
    let https_direct = direct.replacen("http://", "https://", 1);
    for htu in [direct.as_str(), https_direct.as_str()] {
        let reply = get_with_proof(
            &env,
            &[PROXY[0], ("X-Forwarded-Host", "evil.com/admin")],
            htu,
        )
        .await;
        assert_htu_mismatch(&reply);
    }
}

/// The proxy rules decide the htu only: the rest of the proof is checked as always.
#[tokio::test]
async fn other_proof_checks_still_apply_behind_a_proxy() {
    let env = trusted();
    let token = env.bound_token();
    let proof = env
        .key
        .proof("POST", "https://api.example.com/test")
        .access_token(&token)
        .sign();
    let req = env
        .request("GET", "/test")
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof.clone())
        .header(PROXY[0].0, PROXY[0].1)
        .header(PROXY[1].0, PROXY[1].1);
    let description = "DPoP Proof htm mismatch";
    expect::invalid_dpop_proof(&env.send(req).await, description);
    // And a good proof is single-use here too (D7).
    let proof = env
        .key
        .proof("GET", "https://api.example.com/test")
        .access_token(&token)
        .sign();
    let send = || {
        env.request("GET", "/test")
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof.clone())
            .header(PROXY[0].0, PROXY[0].1)
            .header(PROXY[1].0, PROXY[1].1)
    };
    assert_accepted(&env.send(send()).await, &env, "first use");
    let replay = "DPoP proof has already been used (jti replay)";
    expect::invalid_dpop_proof(&env.send(send()).await, replay);
}

// --------------------------------------------------------------------------------------------- The
// mode matrix (docs/compatibility.md §3.6) with trust-proxy on: the proxy rules decide the htu in
// every mode, and the mode decides which scheme is accepted

/// Sends `Authorization: <scheme> <token>`, an optional proof, and `headers` to `GET /test`.
async fn get_with(
    env: &Api,
    scheme: &str,
    token: &str,
    proof: Option<&str>,
    headers: Headers<'_>,
) -> Reply {
    let mut req = env
        .request("GET", "/test")
        .header("Authorization", format!("{scheme} {token}"));
    if let Some(proof) = proof {
        req = req.header("DPoP", proof);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    env.send(req).await
}

#[tokio::test]
async fn required_mode_behind_a_trusted_proxy() {
    let env = Api::configured(|b| b.dpop_required(true).trust_proxy(true));
    let token = env.bound_token();
    let headers = [PROXY[0], PROXY[1], ("X-Forwarded-Prefix", "/api")];
    let public = "https://api.example.com/api/test";
    let proof = |htu: &str| env.key.proof("GET", htu).access_token(&token).sign();
    let reply = get_with(&env, "DPoP", &token, Some(&proof(public)), &headers).await;
    assert_accepted(&reply, &env, "required mode, proof for the public URL");
    // A proof for the URL the app itself sees, or for the public URL without the prefix.
    for htu in [
        env.app.at("/test"),
        "https://api.example.com/test".to_owned(),
    ] {
        let reply = get_with(&env, "DPoP", &token, Some(&proof(&htu)), &headers).await;
        expect::error_with_challenge(
            &reply,
            400,
            "invalid_dpop_proof",
            HTU_MISMATCH,
            &required_dpop("invalid_dpop_proof", HTU_MISMATCH),
        );
    }
    // Bearer is refused before anything else, with or without a proof for the public URL.
    let unbound = env.issuer().token().sign();
    for proof in [None, Some(proof(public))] {
        let reply = get_with(&env, "Bearer", &unbound, proof.as_deref(), &headers).await;
        expect::invalid_request(&reply, "", REQUIRED_BARE);
    }
    // DPoP without a proof.
    let reply = get_with(&env, "DPoP", &token, None, &headers).await;
    expect::invalid_request(&reply, "", REQUIRED_BARE);
}

#[tokio::test]
async fn disabled_mode_behind_a_trusted_proxy() {
    let env = Api::configured(|b| b.dpop_enabled(false).trust_proxy(true));
    let public = "https://api.example.com/test";
    // Bearer works behind the proxy, a DPoP header is ignored and a binding too.
    let unbound = env.issuer().token().subject("user_123").sign();
    let bound = env.bound_token();
    let proof = env.key.proof("GET", public).access_token(&unbound).sign();
    for (token, proof) in [
        (&unbound, None),
        (&unbound, Some(proof.as_str())),
        (&bound, None),
    ] {
        let reply = get_with(&env, "Bearer", token, proof, &PROXY).await;
        let body = expect::ok(&reply);
        assert_eq!(body["scheme"], "Bearer");
        assert_eq!(body["claims"]["sub"], "user_123");
    }
    // The DPoP scheme is refused even with a perfect proof for the public URL.
    let proof = env.key.proof("GET", public).access_token(&bound).sign();
    let reply = get_with(&env, "DPoP", &bound, Some(&proof), &PROXY).await;
    expect::invalid_request(&reply, "", DISABLED_BARE);
    assert_eq!(
        env.issuer().discovery_fetches(),
        1,
        "only for the Bearer tokens"
    );
}

// ---------------------------------------------------------------------------------------------
// §5 rows beyond the reference's tests

/// No `X-Forwarded-Port`: the port comes from `X-Forwarded-Host` or is the scheme's default.
#[tokio::test]
async fn forwarded_port_is_ignored() {
    let env = trusted();
    let port = ("X-Forwarded-Port", "8443");
    assert_canonical_url(
        &env,
        &[PROXY[0], PROXY[1], port],
        "https://api.example.com/test",
        &["https://api.example.com:8443/test"],
    )
    .await;
    // Alone, it does not change the app's own authority either.
    let direct = env.app.at("/test");
    assert_canonical_url(
        &env,
        &[port],
        &direct,
        &["http://127.0.0.1:8443/test", "https://127.0.0.1:8443/test"],
    )
    .await;
    // A port in X-Forwarded-Host wins over it.
    assert_canonical_url(
        &env,
        &[PROXY[0], ("X-Forwarded-Host", "api.example.com:9443"), port],
        "https://api.example.com:9443/test",
        &[
            "https://api.example.com:8443/test",
            "https://api.example.com/test",
        ],
    )
    .await;
}

/// A `Host` holding the punycode of an IDN matches a proof naming the Unicode host (the
/// proof's htu goes through IDNA), directly and through `X-Forwarded-Host`; a host sent as raw
/// UTF-8 bytes is unreadable and matches nothing (§3.3).
#[tokio::test]
async fn idn_hosts_compare_as_punycode() {
    let punycode = reqwest::Url::parse("http://café.example/")
        .unwrap()
        .host_str()
        .unwrap()
        .to_owned();
    assert_eq!(punycode, "xn--caf-dma.example");
    let env = untrusted();
    for htu in [
        "http://café.example/test",
        "http://CAFÉ.example/test",
        "http://xn--caf-dma.example/test",
    ] {
        let reply = get_with_proof(&env, &[("Host", &punycode)], htu).await;
        assert_accepted(&reply, &env, &format!("Host {punycode}, htu {htu}"));
    }
    let reply = get_with_proof(&env, &[("Host", &punycode)], "http://cafe.example/test").await;
    assert_htu_mismatch(&reply);

    let env = trusted();
    let xfh = ("X-Forwarded-Host", punycode.as_str());
    assert_canonical_url(
        &env,
        &[PROXY[0], xfh],
        "https://café.example/test",
        &["https://cafe.example/test", "http://café.example/test"],
    )
    .await;
    // Raw UTF-8 in X-Forwarded-Host: no URL, so no proof matches (not even for the Host).
    let token = env.bound_token();
    let raw = reqwest::header::HeaderValue::from_bytes("café.example".as_bytes()).unwrap();
    for htu in [
        "https://café.example/test".to_owned(),
        "https://xn--caf-dma.example/test".to_owned(),
        env.app.at("/test").replacen("http://", "https://", 1),
    ] {
        let proof = env.key.proof("GET", &htu).access_token(&token).sign();
        let req = env
            .request("GET", "/test")
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof)
            .header(PROXY[0].0, PROXY[0].1)
            .header("X-Forwarded-Host", raw.clone());
        assert_htu_mismatch(&env.send(req).await);
    }
}

/// A `Host` the server cannot read (obs-text bytes) names no URL: every proof is an htu
/// mismatch, whatever host it names, with or without trust, and even with a good
/// `X-Forwarded-Host` (RFC 9112 §3.2: a server must refuse an invalid `Host`). Two `Host`
/// fields are refused by actix-http itself (400, before the app); should it ever let them
/// through, the library names no URL for them either: never a proof accepted.
#[tokio::test]
async fn unreadable_or_repeated_host_never_validates_a_proof() {
    let obs_host = "hé.test";
    let obs_punycode = reqwest::Url::parse(&format!("http://{obs_host}/"))
        .unwrap()
        .host_str()
        .unwrap()
        .to_owned();
    for (trust, env) in [(false, untrusted()), (true, trusted())] {
        let direct_host = env.app.url.trim_start_matches("http://").to_owned();
        let token = env.bound_token();
        // (Host lines, proofs to try, whether the library sees the request)
        let hosts: Vec<(String, Vec<String>, bool)> = vec![
            (
                format!("Host: {obs_host}"),
                vec![
                    format!("http://{obs_host}/test"),
                    format!("http://{obs_punycode}/test"),
                    "http://h.test/test".to_owned(),
                    format!("http://{direct_host}/test"),
                ],
                true,
            ),
            (
                format!("Host: {direct_host}\r\nHost: evil.test"),
                vec![
                    format!("http://{direct_host}/test"),
                    "http://evil.test/test".to_owned(),
                ],
                false,
            ),
            (
                format!("Host: evil.test\r\nhost: {direct_host}"),
                vec![
                    format!("http://{direct_host}/test"),
                    "http://evil.test/test".to_owned(),
                ],
                false,
            ),
        ];
        for (host_lines, htus, reaches_the_app) in hosts {
            let mut extra = vec![String::new()];
            if trust {
                extra.push(
                    "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: api.example.com".into(),
                );
            }
            for extra in &extra {
                let mut htus = htus.clone();
                if !extra.is_empty() {
                    htus.push("https://api.example.com/test".to_owned());
                }
                for htu in &htus {
                    let proof = env.key.proof("GET", htu).access_token(&token).sign();
                    let reply = e2e_support::raw_request(
                        &env.app,
                        &format!(
                            "GET /test HTTP/1.1\r\n{host_lines}\r\nAuthorization: DPoP {token}\r\nDPoP: {proof}{extra}"
                        ),
                    );
                    let what = format!("trust {trust}, {host_lines:?}{extra:?}, proof for {htu}");
                    if reaches_the_app || reply.is_json() {
                        assert_eq!(
                            (reply.status, reply.description()),
                            (400, HTU_MISMATCH),
                            "{what}: {reply:?}"
                        );
                        assert_htu_mismatch(&reply);
                    } else {
                        // actix-http's own 400: no JSON body, no challenge.
                        assert_eq!(
                            (reply.status, reply.challenges.len()),
                            (400, 0),
                            "{what}: {reply:?}"
                        );
                    }
                }
            }
        }
        // The same request with one readable Host passes: the refusals above are the Host's.
        let htu = format!("http://{direct_host}/test");
        let proof = env.key.proof("GET", &htu).access_token(&token).sign();
        let reply = e2e_support::raw_request(
            &env.app,
            &format!(
                "GET /test HTTP/1.1\r\nHost: {direct_host}\r\nAuthorization: DPoP {token}\r\nDPoP: {proof}"
            ),
        );
        assert_accepted(&reply, &env, "one readable Host");
    }
}

/// An HTTP/1.0 request without `Host`: the URL is the server's own address (as Starlette's
/// `scope["server"]`), never a host the client did not send.
#[tokio::test]
async fn missing_host_is_the_server_address() {
    let env = untrusted();
    let token = env.bound_token();
    let direct = env.app.at("/test");
    for (htu, ok) in [
        (direct.as_str(), true),
        ("http://localhost/test", false),
        ("http://localhost:8080/test", false),
    ] {
        let proof = env.key.proof("GET", htu).access_token(&token).sign();
        let reply = e2e_support::raw_request(
            &env.app,
            &format!("GET /test HTTP/1.0\r\nAuthorization: DPoP {token}\r\nDPoP: {proof}"),
        );
        if ok {
            assert_accepted(&reply, &env, "no Host, proof for the server address");
        } else {
            assert_htu_mismatch(&reply);
        }
    }
}

/// A domains resolver that allows the token's own issuer and records the request URL it was
/// shown (`None` when the request names no usable URL).
#[derive(Clone, Default)]
struct UrlRecorder {
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl UrlRecorder {
    fn take(&self) -> Vec<Option<String>> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

impl DomainsResolver for UrlRecorder {
    fn resolve<'a>(
        &'a self,
        ctx: &'a ResolverContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<String>, String>> {
        self.seen
            .lock()
            .unwrap()
            .push(ctx.request_url.map(str::to_owned));
        let allowed = vec![ctx.unverified_iss.to_owned()];
        Box::pin(async move { Ok(allowed) })
    }
}

/// §5: "the same URL is passed as `request_url` to MCD resolvers": with trust on, the URL the
/// proxy's client addressed (forwarded scheme, host and prefix; query kept), for Bearer and
/// DPoP requests alike; without trust, the URL the app itself sees.
#[tokio::test]
async fn a_domains_resolver_sees_the_proxy_aware_url() {
    let headers = [PROXY[0], PROXY[1], ("X-Forwarded-Prefix", "/api/v1")];
    for trust in [true, false] {
        let resolver = UrlRecorder::default();
        let env = Api::configured({
            let resolver = resolver.clone();
            move |b| b.domains_resolver(resolver).trust_proxy(trust)
        });
        let expected = if trust {
            "https://api.example.com/api/v1/test?tenant=eu".to_owned()
        } else {
            env.app.at("/test?tenant=eu")
        };
        // Bearer.
        let token = env.issuer().token().subject("user_123").sign();
        let mut req = env.request("GET", "/test?tenant=eu").bearer_auth(&token);
        for (name, value) in headers {
            req = req.header(name, value);
        }
        assert_eq!(expect::ok(&env.send(req).await)["scheme"], "Bearer");
        assert_eq!(
            resolver.take(),
            vec![Some(expected.clone())],
            "trust {trust}"
        );
        // DPoP, with a proof for that same URL.
        let token = env.bound_token();
        let proof = env.key.proof("GET", &expected).access_token(&token).sign();
        let mut req = env
            .request("GET", "/test?tenant=eu")
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof);
        for (name, value) in headers {
            req = req.header(name, value);
        }
        assert_accepted(&env.send(req).await, &env, &format!("trust {trust}"));
        assert_eq!(resolver.take(), vec![Some(expected)], "trust {trust}");
    }
    // A forwarded host that names no URL: the resolver is told there is none.
    let resolver = UrlRecorder::default();
    let env = Api::configured({
        let resolver = resolver.clone();
        move |b| b.domains_resolver(resolver).trust_proxy(true)
    });
    let token = env.issuer().token().sign();
    let req = env
        .request("GET", "/test")
        .bearer_auth(&token)
        .header("X-Forwarded-Host", "evil.com/admin");
    assert_eq!(expect::ok(&env.send(req).await)["scheme"], "Bearer");
    assert_eq!(resolver.take(), vec![None]);
}
