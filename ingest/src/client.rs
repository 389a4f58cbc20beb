//! The gateway's API as `ingest` uses it: imports, matching, playback,
//! audio uploads and sync requests go through the same endpoints, checks,
//! authorisation and outbox as any client's.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the gateway at {url} is unreachable: {source}")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("the gateway answered {status} to {what}: {message}")]
    Refused {
        status: u16,
        what: String,
        message: String,
    },
    #[error("the gateway's answer to {what} was not what was expected: {source}")]
    Answer {
        what: String,
        source: reqwest::Error,
    },
}

impl ClientError {
    /// Worth retrying (503, 429, or the gateway away for a moment).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } => true,
            ClientError::Refused { status, .. } => *status == 503 || *status == 429,
            ClientError::Answer { .. } => false,
        }
    }
}

/// One catalog row of an import, as `POST /v1/admin/import` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CatalogRow {
    Artist {
        external_id: String,
        name: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        genres: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<String>,
    },
    Album {
        external_id: String,
        artist_external_id: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        release_year: Option<i32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        genres: Vec<String>,
    },
    Track {
        external_id: String,
        artist_external_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        album_external_id: Option<String>,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ms: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        genre: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        release_year: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        track_number: Option<i32>,
    },
}

/// What the gateway did with one imported row.
#[derive(Debug, Clone, Deserialize)]
pub struct RowResult {
    pub status: String,
    pub id: Option<Uuid>,
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Matched {
    pub track_id: Option<Uuid>,
    pub duration_ms: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TrackSummary {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub genre: Option<String>,
    pub duration_ms: i64,
    pub stream_url: Option<String>,
}

/// A logged-in client of one gateway.
#[derive(Clone)]
pub struct Gateway {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl Gateway {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap_or_default();
        Gateway {
            base: base.trim_end_matches('/').to_string(),
            http,
            token: None,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Logs in with an email or username; later calls carry the token.
    pub async fn login(mut self, login: &str, password: &str) -> Result<Self, ClientError> {
        let session: Value = self
            .call(
                reqwest::Method::POST,
                "/v1/auth/login",
                Some(&json!({"login": login, "password": password})),
                "login",
            )
            .await?;
        self.token = session["access_token"].as_str().map(String::from);
        Ok(self)
    }

    /// Registers an account (or logs into it if it exists) with this password.
    pub async fn register_or_login(
        self,
        email: &str,
        username: &str,
        password: &str,
    ) -> Result<Self, ClientError> {
        let body = json!({"email": email, "username": username, "password": password});
        match self
            .clone()
            .call::<Value>(
                reqwest::Method::POST,
                "/v1/auth/register",
                Some(&body),
                "registration",
            )
            .await
        {
            Ok(session) => {
                let mut logged = self;
                logged.token = session["access_token"].as_str().map(String::from);
                Ok(logged)
            }
            Err(ClientError::Refused { status: 409, .. }) => self.login(email, password).await,
            Err(other) => Err(other),
        }
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        builder: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, ClientError> {
        let response = builder
            .send()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: self.base.clone(),
                source,
            })?;
        let status = response.status();
        if !status.is_success() {
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or("no details")
                .to_string();
            return Err(ClientError::Refused {
                status: status.as_u16(),
                what: what.to_string(),
                message,
            });
        }
        if status == reqwest::StatusCode::NO_CONTENT {
            return serde_json::from_value(Value::Null).map_err(|_| ClientError::Refused {
                status: 204,
                what: what.to_string(),
                message: "no content".into(),
            });
        }
        response.json().await.map_err(|source| ClientError::Answer {
            what: what.to_string(),
            source,
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<T, ClientError> {
        let mut builder = self.request(method, path);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        self.send(builder, what).await
    }

    /// Retries transient failures (the gateway restarting, a 503) with backoff.
    async fn call_retrying<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        what: &str,
    ) -> Result<T, ClientError> {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.call(method.clone(), path, Some(body), what).await {
                Err(e) if e.is_transient() && backoff < Duration::from_secs(30) => {
                    tracing::warn!(error = %e, "retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                other => return other,
            }
        }
    }

    pub async fn import(&self, rows: &[CatalogRow]) -> Result<Vec<RowResult>, ClientError> {
        #[derive(Deserialize)]
        struct Answer {
            results: Vec<RowResult>,
        }
        let answer: Answer = self
            .call_retrying(
                reqwest::Method::POST,
                "/v1/admin/import",
                &json!({"rows": rows}),
                "the import",
            )
            .await?;
        Ok(answer.results)
    }

    pub async fn match_tracks(
        &self,
        items: &[(String, String)],
    ) -> Result<Vec<Matched>, ClientError> {
        #[derive(Deserialize)]
        struct Answer {
            results: Vec<Matched>,
        }
        let items: Vec<Value> = items
            .iter()
            .map(|(artist, title)| json!({"artist": artist, "title": title}))
            .collect();
        let answer: Answer = self
            .call_retrying(
                reqwest::Method::POST,
                "/v1/catalog/match",
                &json!({"items": items}),
                "matching",
            )
            .await?;
        Ok(answer.results)
    }

    /// Posts a batch of playback events (the user is the token's).
    pub async fn post_playback(&self, events: &[Value]) -> Result<usize, ClientError> {
        let answer: Value = self
            .call_retrying(
                reqwest::Method::POST,
                "/v1/events/playback",
                &json!({"events": events}),
                "playback events",
            )
            .await?;
        Ok(answer["accepted"].as_u64().unwrap_or(0) as usize)
    }

    /// Every track of the catalog, page by page.
    pub async fn all_tracks(&self) -> Result<Vec<TrackSummary>, ClientError> {
        #[derive(Deserialize)]
        struct Page {
            items: Vec<TrackSummary>,
            next_cursor: Option<String>,
        }
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/tracks?limit=100&cursor={c}"),
                None => "/v1/tracks?limit=100".to_string(),
            };
            let page: Page = self
                .call(reqwest::Method::GET, &path, None, "listing tracks")
                .await?;
            out.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// The id of the account this client is logged in as.
    pub async fn my_id(&self) -> Result<Uuid, ClientError> {
        #[derive(Deserialize)]
        struct Me {
            id: Uuid,
        }
        let me: Me = self
            .call(reqwest::Method::GET, "/v1/me", None, "reading the account")
            .await?;
        Ok(me.id)
    }

    pub async fn track(&self, id: Uuid) -> Result<TrackSummary, ClientError> {
        self.call(
            reqwest::Method::GET,
            &format!("/v1/tracks/{id}"),
            None,
            "reading a track",
        )
        .await
    }

    /// Uploads a track's audio file.
    pub async fn upload_audio(&self, track: Uuid, bytes: Vec<u8>) -> Result<Value, ClientError> {
        let builder = self
            .request(reqwest::Method::POST, &format!("/v1/tracks/{track}/audio"))
            .header("content-type", "application/octet-stream")
            .body(bytes);
        self.send(builder, "an audio upload").await
    }

    /// The ETag of a track's stored audio, if it has audio.
    pub async fn audio_etag(&self, track: Uuid) -> Result<Option<String>, ClientError> {
        let response = self
            .request(reqwest::Method::GET, &format!("/v1/tracks/{track}/stream"))
            .header("range", "bytes=0-0")
            .send()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: self.base.clone(),
                source,
            })?;
        if !response.status().is_success() {
            return Ok(None);
        }
        Ok(response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_matches('"').to_string()))
    }

    /// Claims the oldest pending sync request, if any.
    pub async fn claim_sync(&self) -> Result<Option<Uuid>, ClientError> {
        let answer: Option<Value> = self
            .call(
                reqwest::Method::POST,
                "/v1/admin/sync/claim",
                None,
                "claiming a sync",
            )
            .await?;
        Ok(answer.and_then(|a| a["id"].as_str().and_then(|s| s.parse().ok())))
    }

    pub async fn finish_sync(&self, id: Uuid, ok: bool, summary: &str) -> Result<(), ClientError> {
        let status = if ok { "done" } else { "failed" };
        let body = json!({"status": status, "summary": summary});
        let _: Value = self
            .call(
                reqwest::Method::PUT,
                &format!("/v1/admin/sync/{id}"),
                Some(&body),
                "finishing a sync",
            )
            .await?;
        Ok(())
    }
}
