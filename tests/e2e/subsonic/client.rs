//! A small Subsonic client for the tests, sending requests the way the two
//! reference clients do: `subsonic-api` (npm) with GET and an API key, and
//! `py-opensonic` (PyPI) with form POST and the md5 token.

use md5::{Digest, Md5};
use serde_json::Value;

/// How the client proves who it is.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    ApiKey(String),
    /// `u` + `t` + `s`, from the app password.
    Token {
        user: String,
        password: String,
    },
    /// `u` + `p`, hex-encoded (`enc:`).
    Password {
        user: String,
        password: String,
    },
    None,
}

#[derive(Debug, Clone)]
pub(crate) struct Subsonic {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) auth: Auth,
    /// Form POST (py-opensonic) instead of GET (subsonic-api).
    pub(crate) post: bool,
}

/// An answer: HTTP status, headers and body text.
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) bytes: Vec<u8>,
}

impl Raw {
    async fn read(response: reqwest::Response) -> Raw {
        Raw {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            bytes: response.bytes().await.expect("a body").to_vec(),
        }
    }
}

impl Subsonic {
    pub(crate) fn new(base: &str, auth: Auth, post: bool) -> Self {
        Subsonic {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            auth,
            post,
        }
    }

    fn auth_params(&self) -> Vec<(String, String)> {
        match &self.auth {
            Auth::ApiKey(key) => vec![("apiKey".into(), key.clone())],
            Auth::Token { user, password } => {
                let salt = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
                let token = hex::encode(Md5::digest(format!("{password}{salt}")));
                vec![
                    ("u".into(), user.clone()),
                    ("t".into(), token),
                    ("s".into(), salt),
                ]
            }
            Auth::Password { user, password } => vec![
                ("u".into(), user.clone()),
                (
                    "p".into(),
                    format!("enc:{}", hex::encode(password.as_bytes())),
                ),
            ],
            Auth::None => Vec::new(),
        }
    }

    /// The client's credentials, `c`, `v`, `f` when given, and `params`.
    fn all_params(&self, format: Option<&str>, params: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all = self.auth_params();
        all.extend([
            ("c".to_string(), "encore-tests".to_string()),
            ("v".to_string(), "1.16.1".to_string()),
        ]);
        all.extend(format.map(|f| ("f".to_string(), f.to_string())));
        all.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    }

    /// Sends `method` (with `.view`, as older clients do, on POST) with the
    /// client's credentials, `c`, `v` and `f`, plus `params`.
    pub(crate) async fn raw(&self, method: &str, format: &str, params: &[(&str, &str)]) -> Raw {
        let all = self.all_params(Some(format), params);
        let request = if self.post {
            self.http
                .post(format!("{}/rest/{method}.view", self.base))
                .form(&all)
        } else {
            self.http
                .get(format!("{}/rest/{method}", self.base))
                .query(&all)
        };
        let response = request.send().await.expect("an answer");
        Raw::read(response).await
    }

    /// `method` by POST with a JSON body and everything else in the query,
    /// as OpenSubsonic's `getTranscodeDecision` is sent.
    pub(crate) async fn post_json(
        &self,
        method: &str,
        format: &str,
        params: &[(&str, &str)],
        body: &Value,
    ) -> Raw {
        let all = self.all_params(Some(format), params);
        let response = self
            .http
            .post(format!("{}/rest/{method}", self.base))
            .query(&all)
            .json(body)
            .send()
            .await
            .expect("an answer");
        Raw::read(response).await
    }

    /// `stream` with a `Range` header.
    pub(crate) async fn stream_range(&self, id: &str, range: &str) -> Raw {
        let all = self.all_params(None, &[("id", id)]);
        let response = self
            .http
            .get(format!("{}/rest/stream", self.base))
            .query(&all)
            .header("range", range)
            .send()
            .await
            .expect("an answer");
        Raw::read(response).await
    }

    /// The JSON `subsonic-response`, whatever its status.
    pub(crate) async fn call(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let raw = self.raw(method, "json", params).await;
        assert_eq!(raw.status, 200, "{method}: every answer is HTTP 200");
        let body: Value = serde_json::from_slice(&raw.bytes).expect("JSON");
        body["subsonic-response"].clone()
    }

    /// The JSON `subsonic-response` of a call that must succeed.
    pub(crate) async fn ok(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let answer = self.call(method, params).await;
        assert_eq!(answer["status"], "ok", "{method} {params:?}: {answer}");
        answer
    }

    /// The error code of a call that must fail.
    pub(crate) async fn error(&self, method: &str, params: &[(&str, &str)]) -> i64 {
        let answer = self.call(method, params).await;
        assert_eq!(answer["status"], "failed", "{method} {params:?}: {answer}");
        answer["error"]["code"].as_i64().expect("an error code")
    }
}
