//! The one place that does network I/O: fetching discovery and JWKS documents over HTTPS with
//! one shared client, explicit timeouts and a size cap (difference D16).
//!
//! Trust: the system roots, plus the CAs in `SSL_CERT_FILE` and those given to
//! `Auth0Builder::root_certificate_pem`. On Linux and the BSDs the platform verifier reads its
//! roots through `rustls-native-certs`, which loads *only* `SSL_CERT_FILE` when that variable is
//! set; so when it is set we add the distribution's CA bundle ourselves (the first of
//! [`SYSTEM_BUNDLES`] that exists), and both are trusted, as curl and OpenSSL users expect.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header;

use super::settings::Settings;
use crate::error::ConfigError;
use crate::issuer::is_loopback;

/// The environment variable naming a PEM bundle of extra trusted CAs, as curl and OpenSSL read
/// it.
pub(crate) const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// Largest discovery or JWKS document accepted (README Differences, D16).
pub(crate) const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// The CA bundle files of Unix-like systems whose platform verifier reads plain files, in the
/// order `openssl-probe` tries them: the first that exists is the system bundle.
#[cfg(all(unix, not(target_os = "android"), not(target_vendor = "apple")))]
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL, CentOS
    "/etc/pki/tls/certs/ca-bundle.crt",   // older Fedora and RHEL
    "/etc/ssl/ca-bundle.pem",             // openSUSE
    "/etc/pki/tls/cacert.pem",            // OpenELEC
    "/etc/ssl/cert.pem",                  // Alpine, OpenBSD
    "/usr/local/share/certs/ca-root-nss.crt", // FreeBSD
    "/etc/openssl/certs/ca-certificates.crt", // NetBSD
];
/// Elsewhere (macOS, Windows, Android) the platform verifier asks the OS trust store, which
/// `SSL_CERT_FILE` does not replace: nothing to add.
#[cfg(not(all(unix, not(target_os = "android"), not(target_vendor = "apple"))))]
const SYSTEM_BUNDLES: &[&str] = &[];

/// A fetched JSON document and how long its server says it may be cached.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) max_age: Option<Duration>,
}

/// CA certificates (DER) the client trusts beside the platform verifier's own roots.
#[derive(Debug, Default)]
struct Roots {
    /// From the builder and `SSL_CERT_FILE`.
    configured: Vec<Vec<u8>>,
    /// The system bundle, read only when `SSL_CERT_FILE` hides it from the platform verifier;
    /// without the certificates already in `configured`.
    system: Vec<Vec<u8>>,
}

impl Roots {
    /// Every certificate to trust: the configured ones, then the system bundle's.
    fn all(&self) -> Vec<Vec<u8>> {
        self.configured
            .iter()
            .chain(&self.system)
            .cloned()
            .collect()
    }

    /// Reads the builder's PEMs, the `ssl_cert_file` bundle (if set) and then the first of
    /// `system_bundles` that holds certificates. A bad builder PEM or `SSL_CERT_FILE` is an error
    /// naming it; an unusable system bundle is logged and skipped.
    fn load(
        builder_pems: &[Vec<u8>],
        ssl_cert_file: Option<&Path>,
        system_bundles: &[&Path],
    ) -> Result<Roots, ConfigError> {
        let mut roots = Roots::default();
        for pem in builder_pems {
            roots.configured.extend(
                pem_certificates(pem)
                    .map_err(|e| ConfigError::invalid("root_certificate_pem", e))?,
            );
        }
        let Some(file) = ssl_cert_file else {
            return Ok(roots);
        };
        if file.as_os_str().is_empty() {
            return Err(ConfigError::invalid(
                SSL_CERT_FILE,
                "set but blank: unset it, or set it to a PEM bundle of CA certificates",
            ));
        }
        let pem = std::fs::read(file).map_err(|e| {
            ConfigError::invalid(
                SSL_CERT_FILE,
                format!("cannot read {}: {e}", file.display()),
            )
        })?;
        roots.configured.extend(pem_certificates(&pem).map_err(|e| {
            ConfigError::invalid(SSL_CERT_FILE, format!("{}: {e}", file.display()))
        })?);
        let same_file = |p: &Path| {
            std::fs::canonicalize(p)
                .ok()
                .is_some_and(|p| std::fs::canonicalize(file).ok() == Some(p))
        };
        for bundle in system_bundles.iter().filter(|p| p.exists()) {
            if same_file(bundle) {
                // SSL_CERT_FILE is the system bundle: it is in `configured` already.
                break;
            }
            match std::fs::read(bundle)
                .map_err(|e| e.to_string())
                .and_then(|pem| pem_certificates(&pem))
            {
                Ok(certs) => {
                    let known: HashSet<&[u8]> =
                        roots.configured.iter().map(Vec::as_slice).collect();
                    let system: Vec<Vec<u8>> = certs
                        .into_iter()
                        .filter(|c| !known.contains(c.as_slice()))
                        .collect();
                    tracing::debug!(target: "auth0_actix", bundle = %bundle.display(),
                        system = system.len(), ssl_cert_file = %file.display(),
                        "trusting the system CA bundle beside SSL_CERT_FILE");
                    roots.system = system;
                    break;
                }
                Err(e) => {
                    tracing::warn!(target: "auth0_actix", bundle = %bundle.display(), error = %e,
                        "system CA bundle unusable; trying the next");
                }
            }
        }
        Ok(roots)
    }
}

/// The DER of every `CERTIFICATE` block of a PEM bundle (other blocks and text between blocks
/// are ignored, as OpenSSL does). A bundle without any certificate is an error.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut rest = text.as_ref();
    let mut certs = Vec::new();
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let end = body
            .find(END)
            .ok_or("not a PEM bundle: a CERTIFICATE block has no END line")?;
        let b64: String = body[..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| "not a PEM bundle: a CERTIFICATE block is not base64")?;
        certs.push(der);
        rest = &body[end + END.len()..];
    }
    if certs.is_empty() {
        return Err("not a PEM bundle: no CERTIFICATE block found".to_owned());
    }
    Ok(certs)
}

/// Builds the shared client: no redirects (as the reference), no idle pooling across actix
/// worker runtimes, HTTPS only unless the loopback opt-in is on, and the trust described in the
/// module docs. A handle that never fetches (`testing::mock_auth0`) trusts nothing and reads
/// neither `SSL_CERT_FILE` nor the system roots, so it cannot fail to build.
pub(crate) fn client(settings: &Settings) -> Result<reqwest::Client, ConfigError> {
    if !settings.system_trust {
        return build(settings, &[], true);
    }
    let ssl_cert_file = std::env::var_os(SSL_CERT_FILE);
    let system_bundles: Vec<&Path> = SYSTEM_BUNDLES.iter().map(Path::new).collect();
    let roots = Roots::load(
        &settings.root_certificates,
        ssl_cert_file.as_deref().map(Path::new),
        &system_bundles,
    )?;
    if roots.system.is_empty() {
        return build(settings, &roots.configured, false);
    }
    let all = roots.all();
    build(settings, &all, false).or_else(|e| {
        // One certificate the TLS library cannot use must not take the configured CAs down.
        tracing::warn!(target: "auth0_actix", error = %e,
            "the system CA bundle cannot be used beside SSL_CERT_FILE; trusting SSL_CERT_FILE \
             and the builder's CAs only");
        build(settings, &roots.configured, false)
    })
}

/// The client trusting the platform's roots plus `roots` (or `roots` only).
fn build(
    settings: &Settings,
    roots: &[Vec<u8>],
    only: bool,
) -> Result<reqwest::Client, ConfigError> {
    let certs = roots
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
    let mut builder = reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .user_agent(concat!("auth0-actix/", env!("CARGO_PKG_VERSION")))
        .https_only(!settings.allow_http);
    if only {
        builder = builder.tls_certs_only(certs);
    } else if !certs.is_empty() {
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| ConfigError::HttpClient(e.to_string()))
}

/// Refuses any URL but `https://`, and `http://` on a loopback host when the opt-in is on.
///
/// The client's `https_only` is off under the opt-in (the local issuer's discovery URL is plain
/// http), so this is what keeps a discovery document from sending the JWKS fetch over plain
/// http to any other host.
fn check_url(url: &str, allow_http_loopback: bool) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "invalid URL".to_owned())?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if allow_http_loopback && parsed.host_str().is_some_and(is_loopback) => Ok(()),
        "http" if allow_http_loopback => Err(
            "invalid URL (https required; plain http is allowed for loopback hosts only)".into(),
        ),
        _ => Err("invalid URL (https required)".into()),
    }
}

/// Why a fetch failed.
#[derive(Debug)]
pub(crate) struct FetchError {
    /// A short reason fit for an `error_description` (no internals beyond the status).
    pub(crate) reason: String,
    /// The fetch ran into a timeout (connect or total): it cost its caller the full wait.
    pub(crate) timed_out: bool,
}

impl From<String> for FetchError {
    fn from(reason: String) -> Self {
        FetchError {
            reason,
            timed_out: false,
        }
    }
}

impl From<&str> for FetchError {
    fn from(reason: &str) -> Self {
        reason.to_owned().into()
    }
}

/// GETs `url`, insisting on a 2xx status and a body of at most [`MAX_DOCUMENT_BYTES`].
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    allow_http_loopback: bool,
) -> Result<Fetched, FetchError> {
    check_url(url, allow_http_loopback)?;
    let mut res = client
        .get(url)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(target: "auth0_actix", url, error = %e, "fetch failed");
            let reason = if e.is_timeout() {
                "request timed out"
            } else if e.is_connect() {
                "connection failed"
            } else {
                "request failed"
            };
            FetchError {
                reason: reason.to_owned(),
                timed_out: e.is_timeout(),
            }
        })?;
    let status = res.status();
    if !status.is_success() {
        tracing::warn!(target: "auth0_actix", url, %status, "fetch answered with an error status");
        return Err(format!("HTTP status {}", status.as_u16()).into());
    }
    if res
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err("document larger than 1 MiB".into());
    }
    let max_age = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_max_age);
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| {
        tracing::warn!(target: "auth0_actix", url, error = %e, "reading the body failed");
        FetchError {
            reason: "reading the response failed".to_owned(),
            timed_out: e.is_timeout(),
        }
    })? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err("document larger than 1 MiB".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { body, max_age })
}

/// The first `max-age=N` directive of a `Cache-Control` value; unparseable values are ignored.
pub(crate) fn parse_max_age(value: &str) -> Option<Duration> {
    value.split(',').find_map(|d| {
        let (name, arg) = d.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        arg.trim()
            .trim_matches('"')
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_and_opted_in_loopback_http_urls_are_fetched() {
        assert_eq!(check_url("https://evil.example/jwks", false), Ok(()));
        assert_eq!(check_url("http://127.0.0.1:9/jwks", true), Ok(()));
        assert_eq!(check_url("http://localhost:9/jwks", true), Ok(()));
        assert_eq!(check_url("http://[::1]:9/jwks", true), Ok(()));
        // The opt-in lets the local issuer's discovery URL through, not a jwks_uri elsewhere.
        assert_eq!(
            check_url("http://evil.example/jwks", true).unwrap_err(),
            "invalid URL (https required; plain http is allowed for loopback hosts only)"
        );
        assert_eq!(
            check_url("http://127.0.0.1:9/jwks", false).unwrap_err(),
            "invalid URL (https required)"
        );
        assert_eq!(
            check_url("ftp://127.0.0.1/jwks", true).unwrap_err(),
            "invalid URL (https required)"
        );
        assert_eq!(check_url("jwks.json", true).unwrap_err(), "invalid URL");
    }

    #[test]
    fn pem_bundles_are_read_block_by_block() {
        let pem =
            "junk before\n-----BEGIN CERTIFICATE-----\nAQID\r\nBA==\n-----END CERTIFICATE-----\n\
                   # a comment\n-----BEGIN PRIVATE KEY-----\nBQY=\n-----END PRIVATE KEY-----\n\
                   -----BEGIN CERTIFICATE-----\nBwg=\n-----END CERTIFICATE-----\n";
        assert_eq!(
            pem_certificates(pem.as_bytes()).unwrap(),
            vec![vec![1, 2, 3, 4], vec![7, 8]]
        );
        assert!(pem_certificates(b"")
            .unwrap_err()
            .contains("no CERTIFICATE block"));
        assert!(pem_certificates(b"-----BEGIN CERTIFICATE-----\nAQID")
            .unwrap_err()
            .contains("no END line"));
        assert!(pem_certificates(
            b"-----BEGIN CERTIFICATE-----\n*not base64*\n-----END CERTIFICATE-----"
        )
        .unwrap_err()
        .contains("not base64"));
    }

    /// A directory of its own under the system temp dir, removed on drop.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "auth0-actix-{name}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self, name: &str, contents: &[u8]) -> std::path::PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, contents).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn pem(ders: &[&[u8]]) -> Vec<u8> {
        let mut out = String::new();
        for der in ders {
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            out.push_str("-----BEGIN CERTIFICATE-----\n");
            out.push_str(&b64);
            out.push_str("\n-----END CERTIFICATE-----\n");
        }
        out.into_bytes()
    }

    #[test]
    fn ssl_cert_file_adds_to_the_system_bundle_instead_of_replacing_it() {
        let dir = TempDir::new("roots");
        let system = dir.file("system.pem", &pem(&[b"system-1", b"system-2", b"shared"]));
        let extra = dir.file("extra.pem", &pem(&[b"extra", b"shared"]));
        let missing = dir.0.join("no-such-bundle.pem");
        let builder = pem(&[b"builder"]);
        let roots = Roots::load(
            &[builder],
            Some(&extra),
            &[missing.as_path(), system.as_path()],
        )
        .unwrap();
        assert_eq!(
            roots.configured,
            vec![b"builder".to_vec(), b"extra".to_vec(), b"shared".to_vec()]
        );
        // The first existing bundle, less what SSL_CERT_FILE already holds.
        assert_eq!(
            roots.system,
            vec![b"system-1".to_vec(), b"system-2".to_vec()]
        );

        // SSL_CERT_FILE naming the system bundle itself: nothing is read twice.
        let roots = Roots::load(&[], Some(&system), &[system.as_path()]).unwrap();
        assert_eq!(roots.configured.len(), 3);
        assert!(roots.system.is_empty());
        // Without SSL_CERT_FILE the platform verifier finds the system roots on its own.
        let roots = Roots::load(&[], None, &[system.as_path()]).unwrap();
        assert!(roots.configured.is_empty() && roots.system.is_empty());
        // An unusable system bundle is skipped for the next one.
        let broken = dir.file("broken.pem", b"not a bundle");
        let roots = Roots::load(&[], Some(&extra), &[broken.as_path(), system.as_path()]).unwrap();
        assert_eq!(roots.system.len(), 2);
    }

    #[test]
    fn a_bad_ssl_cert_file_is_an_error_naming_it() {
        let dir = TempDir::new("bad-roots");
        let err = |file: &Path| Roots::load(&[], Some(file), &[]).unwrap_err().to_string();
        let missing = dir.0.join("missing.pem");
        let e = err(&missing);
        assert!(e.starts_with("invalid SSL_CERT_FILE: cannot read "), "{e}");
        assert!(e.contains("missing.pem"), "{e}");
        let e = err(&dir.file("junk.pem", b"junk"));
        assert!(e.starts_with("invalid SSL_CERT_FILE: "), "{e}");
        assert!(
            e.ends_with("not a PEM bundle: no CERTIFICATE block found"),
            "{e}"
        );
        let e = err(Path::new(""));
        assert!(e.starts_with("invalid SSL_CERT_FILE: set but blank"), "{e}");
        let e = Roots::load(&[b"junk".to_vec()], None, &[])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid root_certificate_pem: "), "{e}");
    }

    #[test]
    fn max_age_is_parsed() {
        assert_eq!(parse_max_age("max-age=300"), Some(Duration::from_secs(300)));
        assert_eq!(
            parse_max_age("public, max-age=600, must-revalidate"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(parse_max_age("no-cache"), None);
        assert_eq!(parse_max_age("max-age=-5"), None);
        assert_eq!(parse_max_age("max-age=abc"), None);
    }
}

/// The trust merge over real TLS: two local HTTPS issuers, one CA in `SSL_CERT_FILE`, the other
/// in the "system bundle".
#[cfg(all(test, feature = "testing"))]
mod tls_tests {
    use super::*;
    use crate::testing::LocalIssuer;

    #[tokio::test]
    async fn the_system_bundle_and_ssl_cert_file_are_both_trusted() {
        let (system, extra) = (LocalIssuer::start(), LocalIssuer::start());
        let dir = std::env::temp_dir().join(format!("auth0-actix-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, issuer: &LocalIssuer| {
            let path = dir.join(name);
            std::fs::write(&path, issuer.ca_certificate_pem().unwrap()).unwrap();
            path
        };
        let (bundle, ssl_cert_file) = (write("system.pem", &system), write("extra.pem", &extra));
        let roots = Roots::load(&[], Some(&ssl_cert_file), &[bundle.as_path()]).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let settings = test_settings();
        let all = roots.all();
        let client = build(&settings, &all, false).unwrap();
        for issuer in [&system, &extra] {
            let doc = get(&client, &issuer.discovery_url(), false).await;
            assert!(doc.is_ok(), "{}: {:?}", issuer.discovery_url(), doc.err());
        }
        // Without the system bundle, the "system" issuer is not trusted: the merge is what
        // made it work.
        let client = build(&settings, &roots.configured, false).unwrap();
        assert!(get(&client, &extra.discovery_url(), false).await.is_ok());
        assert_eq!(
            get(&client, &system.discovery_url(), false)
                .await
                .err()
                .map(|e| e.reason)
                .as_deref(),
            Some("connection failed")
        );
    }

    #[test]
    fn a_handle_without_system_trust_reads_no_trust_store() {
        // What testing::mock_auth0 builds: nothing to read, so nothing can fail.
        let settings = Settings {
            system_trust: false,
            ..test_settings()
        };
        assert!(client(&settings).is_ok());
    }

    fn test_settings() -> Settings {
        use std::time::Duration;
        Settings {
            cache_ttl: Duration::from_secs(600),
            min_ttl: Duration::from_secs(30),
            cache_max_entries: 100,
            max_stale: Duration::from_secs(3600),
            kid_cooldown: Duration::from_secs(30),
            algorithms: vec![crate::algorithm::Algorithm::RS256],
            crypto_backend: crate::crypto::CryptoBackend::AwsLc,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            root_certificates: Vec::new(),
            allow_http: false,
            system_trust: true,
        }
    }
}
