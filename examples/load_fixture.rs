//! Fixture for the load script (`benchmarks/load.sh`): runs a local OIDC issuer on loopback and
//! writes what a load generator needs, then keeps the issuer up until stdin closes.
//!
//! ```text
//! cargo run --release --example load_fixture -- DIR PROOFS HTU [HTU2]
//! ```
//!
//! Writes into `DIR`: `ca.pem` (the issuer's CA, for `SSL_CERT_FILE`), `env` (`AUTH0_DOMAIN`
//! and `AUTH0_AUDIENCE` lines), `bearer_token`, `dpop_token` (bound to a fresh key), and
//! `proofs`: `PROOFS` distinct DPoP proofs for `GET HTU` with that token, one per line, and
//! `tokens`: distinct Bearer tokens for the bounded-memory run (`TOKENS` from the environment,
//! default 20 000; RSA signing is slow, so they are minted first and the proofs last, keeping
//! the proofs' 300 s `iat` window for the load runs).
//! With `HTU2`, also `proofs2`: as many distinct proofs for `GET HTU2` (a second server).
//! Prints `READY` when done. Proofs are valid for 300 s (the default `iat` window).

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use auth0_actix::testing::{DpopKey, LocalIssuer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: load_fixture DIR PROOFS HTU [HTU2]";
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let proofs: usize = args.next().ok_or(usage)?.parse()?;
    let htu = args.next().ok_or(usage)?;
    let htu2 = args.next();
    let tokens: usize = match std::env::var("TOKENS") {
        Ok(n) => n.parse()?,
        Err(_) => 20_000,
    };
    std::fs::create_dir_all(&dir)?;

    let issuer = LocalIssuer::start();
    std::fs::write(
        dir.join("ca.pem"),
        issuer.ca_certificate_pem().unwrap_or_default(),
    )?;
    std::fs::write(
        dir.join("env"),
        format!(
            "AUTH0_DOMAIN={}\nAUTH0_AUDIENCE={}\n",
            issuer.domain(),
            issuer.audience()
        ),
    )?;
    let scopes = "read:messages read:data write:data read:reports admin:read";
    std::fs::write(
        dir.join("bearer_token"),
        issuer.token().scope(scopes).expires_in(3600).sign(),
    )?;
    let key = DpopKey::generate();
    let bound = issuer
        .token()
        .scope(scopes)
        .expires_in(3600)
        .bound_to(&key)
        .sign();
    std::fs::write(dir.join("dpop_token"), &bound)?;
    let mut out = BufWriter::new(std::fs::File::create(dir.join("tokens"))?);
    for i in 0..tokens {
        writeln!(
            out,
            "{}",
            issuer
                .token()
                .scope(scopes)
                .claim("n", i)
                .expires_in(3600)
                .sign()
        )?;
    }
    out.flush()?;
    for (file, htu) in [("proofs", Some(&htu)), ("proofs2", htu2.as_ref())] {
        let Some(htu) = htu else { continue };
        let mut out = BufWriter::new(std::fs::File::create(dir.join(file))?);
        for _ in 0..proofs {
            writeln!(out, "{}", key.proof("GET", htu).access_token(&bound).sign())?;
        }
        out.flush()?;
    }
    println!("READY");
    std::io::stdout().flush()?;
    // Serve discovery and JWKS until the load script closes our stdin (or kills us).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(issuer);
    Ok(())
}
