//! The example API: an actix-web API protected by auth0-actix (`docs/example-api.md` fixes its
//! routes, bodies and configuration).
//!
//! ```sh
//! cargo run --example api                  # offline: a built-in local issuer, tokens printed
//! AUTH0_DOMAIN=tenant.us.auth0.com AUTH0_AUDIENCE=https://api.example.com cargo run --example api
//! ```
//!
//! Configuration comes from the environment, or from a `.env` file in the working directory
//! (variables already set win over the file):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `AUTH0_DOMAIN` | tenant domain | unset: start the built-in local issuer |
//! | `AUTH0_AUDIENCE` | API identifier | required with `AUTH0_DOMAIN`; else the local issuer's |
//! | `AUTH0_DPOP_ENABLED`, `AUTH0_DPOP_REQUIRED`, `AUTH0_DPOP_IAT_LEEWAY`, `AUTH0_DPOP_IAT_OFFSET`, `AUTH0_TRUST_PROXY`, … | the library's own settings (`auth0_actix::env`) | the library's defaults |
//! | `LISTEN` | address to bind | `127.0.0.1:8000` |
//! | `CORS_ALLOWED_ORIGIN` | browser origin(s) allowed to call the API (see `cors.rs`) | none |
//! | `RUST_LOG` | log filter (logs go to stderr) | `info` |
//!
//! A value that does not parse stops the start-up with a message naming the variable (exit
//! status 1, no backtrace). SIGTERM and SIGINT (Ctrl-C) shut the server down gracefully:
//! in-flight requests finish (for up to 10 s); a second signal exits at once.
//!
//! # Output
//!
//! Logs go to stderr; stdout carries only the block printed at start-up, made to be pasted
//! into a shell and to be read by scripts (`scripts/example-smoke.sh`):
//!
//! - `NAME=value` lines (`API`, `ISSUER`, `AUDIENCE`, `TOKEN`, `DPOP_TOKEN`): valid shell
//!   assignments, one value per line;
//! - lines starting with `curl `: complete commands, tokens included;
//! - lines starting with `#`: explanations.
//!
//! With the local issuer, `TOKEN` grants the scopes of every route, and the one `curl` line
//! with `Authorization: DPoP` carries a DPoP-bound token and a proof for `GET /api/private`.

mod cors;
mod routes;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use auth0_actix::testing::{DpopKey, LocalIssuer};
use auth0_actix::{defaults, env, Auth0, Auth0Builder, ConfigError, DpopMode};
use tracing_subscriber::EnvFilter;

/// The scopes of every route of the example (contract: both tables of routes).
const ALL_SCOPES: &str = "read:messages read:data write:data read:reports admin:read";
/// Where the API listens unless `LISTEN` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:8000";
/// Lifetime of the printed tokens: long enough for a working day or a soak test.
const TOKEN_LIFETIME_SECS: i64 = 24 * 60 * 60;
/// How long a graceful shutdown waits for in-flight requests.
const SHUTDOWN_TIMEOUT_SECS: u64 = 10;

fn main() -> ExitCode {
    // `.env` first, so that RUST_LOG may come from it too.
    let dotenv = match dotenvy::dotenv() {
        Ok(path) => Some(path),
        Err(e) if e.not_found() => None,
        Err(e) => {
            eprintln!("error: cannot load .env: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing();
    if let Some(path) = dotenv {
        tracing::info!(path = %path.display(), "loaded environment from .env");
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr (stdout is the start-up block), filtered by `RUST_LOG` (default `info`, actix-server at `warn`).
fn init_tracing() {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("warning: ignoring RUST_LOG={spec:?} ({e}); logging at info");
            EnvFilter::new("info,actix_server=warn")
        }),
        // actix-server's start-up chatter (twice: the local issuer is a server too) stays out.
        _ => EnvFilter::new("info,actix_server=warn"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn run() -> Result<(), String> {
    let listen = optional_var("LISTEN")?.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let origins = cors::AllowedOrigins::parse(optional_var(cors::ALLOWED_ORIGIN_VAR)?.as_deref())?;
    let (auth0, local) = configure().map_err(|e| format!("configuration: {e}"))?;
    let result =
        actix_web::rt::System::new().block_on(serve(auth0, local.as_ref(), listen, origins));
    // The local issuer (if any) serves discovery and keys until the server has stopped.
    drop(local);
    result
}

/// An environment variable, `None` when unset or blank; an error naming it when not UTF-8.
fn optional_var(name: &str) -> Result<Option<String>, String> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v.trim().to_owned())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
    }
}

/// The verifier: from `AUTH0_*` when `AUTH0_DOMAIN` is set, otherwise for a local issuer
/// started here (the other `AUTH0_*` settings still apply).
fn configure() -> Result<(Auth0, Option<LocalIssuer>), ConfigError> {
    // Reads and validates every AUTH0_* variable; a bad value is an error naming it.
    let builder = Auth0Builder::from_env()?;
    if optional_var(env::DOMAIN).ok().flatten().is_some() {
        // AUTH0_AUDIENCE is required here: build() names it when it is missing.
        let auth0 = builder.build()?;
        tracing::info!(
            issuer = auth0.issuer().unwrap_or_default(),
            audience = auth0.audience(),
            "using the tenant from AUTH0_DOMAIN"
        );
        return Ok((auth0, None));
    }
    let mut issuer = LocalIssuer::builder();
    if let Some(audience) = optional_var(env::AUDIENCE).ok().flatten() {
        issuer = issuer.audience(audience);
    }
    let issuer = issuer.start();
    let mut builder = builder.domain(issuer.domain()).audience(issuer.audience());
    if let Some(ca) = issuer.ca_certificate_pem() {
        builder = builder.root_certificate_pem(ca);
    }
    let auth0 = builder.build()?;
    tracing::info!(
        issuer = issuer.issuer(),
        audience = auth0.audience(),
        "AUTH0_DOMAIN is not set: started the built-in local issuer"
    );
    Ok((auth0, Some(issuer)))
}

async fn serve(
    auth0: Auth0,
    local: Option<&LocalIssuer>,
    listen: String,
    origins: cors::AllowedOrigins,
) -> Result<(), String> {
    let app_auth0 = auth0.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(origins.layer())
            .app_data(app_auth0.clone())
            .configure(routes::configure)
    })
    // Our own handler below: actix's would stop at once on SIGINT.
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    .bind(&listen)
    .map_err(|e| format!("cannot listen on LISTEN={listen}: {e}"))?;
    let addr = *server
        .addrs()
        .first()
        .ok_or_else(|| format!("LISTEN={listen} resolved to no address"))?;
    let base = base_url(addr);

    // Fetch discovery and keys now, so the first request does not wait for them; on failure
    // the verifier retries on each request.
    if let Err(e) = auth0.warm_up().await {
        tracing::warn!(issuer = auth0.issuer().unwrap_or_default(), error = %e, "could not fetch discovery/JWKS yet");
    }

    let banner = match local {
        Some(issuer) => local_banner(&auth0, issuer, &base),
        None => tenant_banner(&auth0, &base),
    };
    print!("{banner}");

    let server = server.run();
    actix_web::rt::spawn(stop_on_signals(server.handle()));
    tracing::info!(%addr, "listening");
    server.await.map_err(|e| format!("server error: {e}"))?;
    tracing::info!("stopped");
    Ok(())
}

/// The URL clients use: an unspecified bind address (`0.0.0.0`, `::`) is shown as loopback.
fn base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// The start-up block with the local issuer: tokens and ready-to-paste `curl` lines.
fn local_banner(auth0: &Auth0, issuer: &LocalIssuer, base: &str) -> String {
    let mode = auth0.dpop_mode();
    let token = issuer
        .token()
        .scope(ALL_SCOPES)
        .expires_in(TOKEN_LIFETIME_SECS)
        .sign();
    let hours = TOKEN_LIFETIME_SECS / 3600;
    let (iss, aud) = (issuer.issuer(), auth0.audience());
    let required_note = if mode == DpopMode::Required {
        "# AUTH0_DPOP_REQUIRED=true: these Bearer lines are refused (400); use the DPoP line.\n"
    } else {
        ""
    };
    let mut out = format!(
        "\n\
         # auth0-actix example API, with the built-in local issuer (AUTH0_DOMAIN is not set).\n\
         API={base}\n\
         ISSUER={iss}\n\
         AUDIENCE={aud}\n\
         \n\
         # An access token with the scopes of every route ({ALL_SCOPES}), valid {hours} h:\n\
         TOKEN={token}\n\
         \n\
         {required_note}\
         # A public route (no token):\n\
         curl -i {base}/api/public\n\
         # A protected route (any valid token; without one: 400 invalid_request):\n\
         curl -i {base}/api/private -H 'Authorization: Bearer {token}'\n\
         # A scoped route (needs read:messages):\n\
         curl -i {base}/api/messages -H 'Authorization: Bearer {token}'\n\
         \n"
    );
    if mode == DpopMode::Disabled {
        out.push_str("# DPoP is disabled (AUTH0_DPOP_ENABLED=false): Bearer tokens only.\n\n");
        return out;
    }
    let key = DpopKey::generate();
    let dpop_token = issuer
        .token()
        .scope(ALL_SCOPES)
        .expires_in(TOKEN_LIFETIME_SECS)
        .bound_to(&key)
        .sign();
    let url = format!("{base}/api/private");
    let proof = key.proof("GET", &url).access_token(&dpop_token).sign();
    let max_age = dpop_iat_offset();
    out.push_str(&format!(
        "# DPoP (RFC 9449): a token bound to a key made at start-up (cnf.jkt), valid {hours} h:\n\
         DPOP_TOKEN={dpop_token}\n\
         # ...and a request to GET {url} with a DPoP proof.\n\
         # The proof is single-use and expires in {max_age} s: running this line again is\n\
         # refused as a replay (400 invalid_dpop_proof). Restart the example for a new one.\n\
         curl -i {url} -H 'Authorization: DPoP {dpop_token}' -H 'DPoP: {proof}'\n\
         \n"
    ));
    out
}

/// The start-up block with a real tenant: where to get a token, and `curl` lines using it.
fn tenant_banner(auth0: &Auth0, base: &str) -> String {
    let (iss, aud) = (auth0.issuer().unwrap_or_default(), auth0.audience());
    format!(
        "\n\
         # auth0-actix example API, verifying access tokens of {iss}\n\
         API={base}\n\
         ISSUER={iss}\n\
         AUDIENCE={aud}\n\
         \n\
         # Get an access token for this audience (Client Credentials flow, or Auth0 Dashboard\n\
         # -> APIs -> Test), put it in ACCESS_TOKEN, then:\n\
         curl -i {base}/api/public\n\
         curl -i {base}/api/private -H \"Authorization: Bearer $ACCESS_TOKEN\"\n\
         curl -i {base}/api/messages -H \"Authorization: Bearer $ACCESS_TOKEN\"\n\
         \n"
    )
}

/// The maximum proof age in force (already validated by `Auth0Builder::from_env`).
fn dpop_iat_offset() -> u64 {
    optional_var(env::DPOP_IAT_OFFSET)
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(defaults::DPOP_IAT_OFFSET.as_secs())
}

/// First SIGTERM/SIGINT: graceful shutdown. A second one: exit at once.
async fn stop_on_signals(handle: ServerHandle) {
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for shutdown signals");
            return;
        }
    };
    let signal = signals.next().await;
    tracing::info!(
        signal,
        "shutting down gracefully (send it again to exit at once)"
    );
    actix_web::rt::spawn(handle.stop(true));
    let signal = signals.next().await;
    tracing::warn!(signal, "exiting without waiting for in-flight requests");
    std::process::exit(1);
}

#[cfg(unix)]
struct Signals {
    term: actix_web::rt::signal::unix::Signal,
    int: actix_web::rt::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        std::future::poll_fn(|cx| {
            if self.term.poll_recv(cx).is_ready() {
                return std::task::Poll::Ready("SIGTERM");
            }
            if self.int.poll_recv(cx).is_ready() {
                return std::task::Poll::Ready("SIGINT");
            }
            std::task::Poll::Pending
        })
        .await
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn next(&mut self) -> &'static str {
        let _ = actix_web::rt::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
