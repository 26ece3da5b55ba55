//! A response, read whole and reduced to what the tests look at.

use serde_json::Value;

/// The parts of a response the tests assert on.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Every `WWW-Authenticate` field value, in order.
    pub challenges: Vec<String>,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Every response header, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: String,
    /// The body as JSON, when it is JSON.
    parsed: Option<Value>,
}

impl Reply {
    /// A reply from its parts (header names in any case).
    pub fn new(status: u16, headers: Vec<(String, String)>, body: String) -> Reply {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        let challenges = headers
            .iter()
            .filter(|(name, _)| name == "www-authenticate")
            .map(|(_, value)| value.clone())
            .collect();
        let content_type = headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map(|(_, value)| value.clone());
        let parsed = serde_json::from_str(&body).ok();
        Reply {
            status,
            challenges,
            content_type,
            headers,
            body,
            parsed,
        }
    }

    /// Reads a whole reqwest response.
    pub async fn read(res: reqwest::Response) -> Reply {
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = res.text().await.expect("a readable body");
        Reply::new(status, headers, body)
    }

    /// The single `WWW-Authenticate` value; panics when there is none or several.
    #[track_caller]
    pub fn challenge(&self) -> &str {
        assert_eq!(
            self.challenges.len(),
            1,
            "exactly one WWW-Authenticate field: {self:?}"
        );
        &self.challenges[0]
    }

    /// The body as JSON; panics when it is not JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        match &self.parsed {
            Some(value) => value.clone(),
            None => panic!("the body is not JSON: {self:?}"),
        }
    }

    /// Whether the body is JSON at all.
    pub fn is_json(&self) -> bool {
        self.parsed.is_some()
    }

    /// `detail.error` of a JSON error body (a placeholder when there is none).
    pub fn error(&self) -> &str {
        self.detail("error").unwrap_or("<no detail.error>")
    }

    /// `detail.error_description` of a JSON error body (a placeholder when there is none).
    pub fn description(&self) -> &str {
        self.detail("error_description")
            .unwrap_or("<no detail.error_description>")
    }

    fn detail(&self, member: &str) -> Option<&str> {
        self.parsed.as_ref()?.get("detail")?.get(member)?.as_str()
    }

    /// A header's first value, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends a request and reads the whole response.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    Reply::read(request.send().await.expect("the request reaches the app")).await
}
