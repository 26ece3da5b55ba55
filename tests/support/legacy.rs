//! The helpers of the suites not yet ported to the fixture ([`crate::Api`]); removed once
//! every suite uses it.

use actix_web::web;

use crate::{client, echo_routes, start_with, TestApp};

/// Starts `App::new().app_data(auth0).configure(routes)` on 127.0.0.1 with one worker.
pub fn start<F>(auth0: auth0_actix::Auth0, routes: F) -> TestApp
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    start_with(move || {
        let (auth0, routes) = (auth0.clone(), routes.clone());
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(auth0.clone());
            routes(cfg);
        }
    })
}

/// A builder that trusts the HTTPS `issuer` (its domain, audience and CA certificate); add DPoP
/// and proxy settings, then `.build()`.
pub fn dpop_builder(issuer: &auth0_actix::testing::LocalIssuer) -> auth0_actix::Auth0Builder {
    auth0_actix::Auth0::builder()
        .domain(issuer.domain())
        .audience(issuer.audience())
        .root_certificate_pem(issuer.ca_certificate_pem().expect("an https issuer"))
}

/// The parts of a response the auth tests look at.
#[derive(Debug, Clone)]
pub struct AuthReply {
    /// HTTP status code.
    pub status: u16,
    /// The `WWW-Authenticate` value, if any (several fields joined with `", "`).
    pub www_authenticate: Option<String>,
    /// The JSON body (`Value::Null` when the body is not JSON).
    pub body: serde_json::Value,
}

impl AuthReply {
    /// Reads a reqwest response.
    pub async fn read(res: reqwest::Response) -> AuthReply {
        let status = res.status().as_u16();
        let values: Vec<String> = res
            .headers()
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().expect("ASCII WWW-Authenticate").to_owned())
            .collect();
        let www_authenticate = (!values.is_empty()).then(|| values.join(", "));
        let bytes = res.bytes().await.expect("response body");
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        AuthReply {
            status,
            www_authenticate,
            body,
        }
    }

    /// `body.detail.error`.
    pub fn error(&self) -> &str {
        self.body["detail"]["error"]
            .as_str()
            .unwrap_or("<no detail.error>")
    }

    /// `body.detail.error_description`.
    pub fn description(&self) -> &str {
        self.body["detail"]["error_description"]
            .as_str()
            .unwrap_or("<no detail.error_description>")
    }

    /// Asserts an error response completely: status, `error`, `error_description` and the exact
    /// `WWW-Authenticate` value.
    #[track_caller]
    pub fn assert_error(
        &self,
        status: u16,
        error: &str,
        description: &str,
        www_authenticate: &str,
    ) {
        assert_eq!(
            (
                self.status,
                self.error(),
                self.description(),
                self.www_authenticate.as_deref()
            ),
            (status, error, description, Some(www_authenticate)),
            "full reply: {self:?}"
        );
    }

    /// Asserts a 200 and returns the body.
    #[track_caller]
    pub fn assert_ok(&self) -> &serde_json::Value {
        assert_eq!(self.status, 200, "expected 200, got {self:?}");
        &self.body
    }
}

/// A builder for `issuer`: its domain and audience, and trust in its CA (HTTPS issuers) or the
/// loopback plain-HTTP opt-in (`LocalIssuer::builder().http()` issuers).
pub fn builder_for(issuer: &auth0_actix::testing::LocalIssuer) -> auth0_actix::Auth0Builder {
    let builder = auth0_actix::Auth0::builder()
        .domain(issuer.domain())
        .audience(issuer.audience());
    match issuer.ca_certificate_pem() {
        Some(pem) => builder.root_certificate_pem(pem),
        None => builder.allow_insecure_http_on_loopback(true),
    }
}

/// `builder_for(issuer).build()`, with the defaults (mixed DPoP mode).
pub fn auth0_for(issuer: &auth0_actix::testing::LocalIssuer) -> auth0_actix::Auth0 {
    builder_for(issuer).build().expect("a valid configuration")
}

/// A local issuer, an app trusting it (serving [`echo_routes`] unless told otherwise), a
/// client and a DPoP key.
pub struct DpopEnv {
    /// The token issuer.
    pub issuer: auth0_actix::testing::LocalIssuer,
    /// The app under test.
    pub app: TestApp,
    /// A client for it.
    pub http: reqwest::Client,
    /// The client's DPoP key.
    pub key: auth0_actix::testing::DpopKey,
    /// The app's verifier handle (for its metrics).
    pub auth0: auth0_actix::Auth0,
}

impl DpopEnv {
    /// Starts an issuer and an app serving [`echo_routes`], configured by `configure` (which
    /// receives [`dpop_builder`]).
    pub fn start(
        configure: impl FnOnce(auth0_actix::Auth0Builder) -> auth0_actix::Auth0Builder,
    ) -> DpopEnv {
        Self::start_with_routes(configure, echo_routes)
    }

    /// As [`start`](Self::start) with other routes.
    pub fn start_with_routes<F>(
        configure: impl FnOnce(auth0_actix::Auth0Builder) -> auth0_actix::Auth0Builder,
        routes: F,
    ) -> DpopEnv
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    {
        let issuer = auth0_actix::testing::LocalIssuer::start();
        let auth0 = configure(dpop_builder(&issuer))
            .build()
            .expect("a valid configuration");
        let app = start(auth0.clone(), routes);
        DpopEnv {
            issuer,
            app,
            http: client(),
            key: auth0_actix::testing::DpopKey::generate(),
            auth0,
        }
    }

    /// A token for `user_123` bound to [`key`](Self::key).
    pub fn bound_token(&self) -> String {
        self.issuer
            .token()
            .subject("user_123")
            .bound_to(&self.key)
            .sign()
    }

    /// A proof by [`key`](Self::key) for `method` on the app's `path` (htu as the app sees it
    /// without proxy headers), with `ath` for `token`.
    pub fn proof(
        &self,
        method: &str,
        path: &str,
        token: &str,
    ) -> auth0_actix::testing::ProofBuilder {
        self.key
            .proof(method, &self.app.at(path))
            .access_token(token)
    }

    /// A request to the app's `path`.
    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        self.http.request(method, self.app.at(path))
    }

    /// Sends `Authorization: DPoP <token>` and `DPoP: <proof>` as `method` to `path`.
    pub async fn dpop(&self, method: &str, path: &str, token: &str, proof: &str) -> AuthReply {
        let res = self
            .request(method, path)
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof)
            .send()
            .await
            .expect("request");
        AuthReply::read(res).await
    }

    /// Sends a builder and reads the reply.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> AuthReply {
        AuthReply::read(request.send().await.expect("request")).await
    }
}
