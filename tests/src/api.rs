//! A small JSON client for the gateway's API, with accounts for tests.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{Service, TestRun};

/// A response: status, headers and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The body, after asserting the status.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self.body
    }

    /// The `error.fields[].field` names of an error answer.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["error"]["fields"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|f| f["field"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The gateway's API as one caller (anonymous, or with a bearer token).
#[derive(Clone, Debug)]
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    pub fn new(gateway: &Service) -> Self {
        Api {
            base: gateway.url(""),
            client: reqwest::Client::new(),
            token: None,
        }
    }

    /// The same API as the caller holding `token`.
    pub fn with_token(&self, token: &str) -> Api {
        Api {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Answer {
        let response = builder.send().await.expect("the gateway answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Sends a body of `size` bytes over a raw connection, reading the answer
    /// while it is still being sent: the server answers 413 as soon as the
    /// body passes its limit and closes, and an HTTP client that only reads
    /// after sending everything would see the connection reset instead.
    pub async fn send_oversized(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        size: usize,
    ) -> Answer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self
            .base
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
        );
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("a connection to the gateway");
        let (mut reader, mut writer) = stream.into_split();
        let sending = tokio::spawn(async move {
            // The server may answer and close before the end: not an error here.
            if writer.write_all(head.as_bytes()).await.is_ok() {
                let _ = writer.write_all(&vec![b' '; size]).await;
            }
            // Kept open until the answer is read: closing our side would look
            // like a client that went away, and the server would not answer.
            writer
        });
        let mut raw = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            reader.read_to_end(&mut raw),
        )
        .await;
        sending.abort();
        let text = String::from_utf8_lossy(&raw);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .and_then(|(_, body)| serde_json::from_str(body).ok())
            .unwrap_or(Value::Null);
        Answer {
            status,
            headers: reqwest::header::HeaderMap::new(),
            body,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut builder = self.request(method, path);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        self.send(builder).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }
}

/// A registered account and its session.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
    pub api: Api,
}

impl Account {
    /// A new API key of this account (`POST /v1/me/api-keys`), the secret
    /// Subsonic apps sign in with.
    pub async fn api_key(&self, name: &str) -> String {
        self.api
            .post("/v1/me/api-keys", json!({ "name": name }))
            .await
            .expect(201)["secret"]
            .as_str()
            .expect("a key")
            .to_string()
    }

    /// Creates an artist, an album of it and a track on that album through
    /// the catalog API (the account must be an admin or the artist's member);
    /// returns the three answers.
    pub async fn artist_album_track(
        &self,
        artist: &str,
        album: &str,
        track: &str,
    ) -> (Value, Value, Value) {
        let artist = self
            .api
            .post("/v1/artists", json!({"name": artist}))
            .await
            .expect(201);
        let album = self
            .api
            .post(
                "/v1/albums",
                json!({"artist_id": artist["id"], "title": album}),
            )
            .await
            .expect(201);
        let track = self
            .api
            .post(
                "/v1/tracks",
                json!({"artist_id": artist["id"], "album_id": album["id"], "title": track}),
            )
            .await
            .expect(201);
        (artist, album, track)
    }

    /// Uploads `audio` as a track's file through `POST /v1/tracks/{id}/audio`.
    pub async fn upload_audio(&self, track: &str, audio: Vec<u8>) -> Value {
        self.api
            .send(
                self.api
                    .request(Method::POST, &format!("/v1/tracks/{track}/audio"))
                    .header("content-type", "application/octet-stream")
                    .body(audio),
            )
            .await
            .expect(200)
    }

    /// A new artist with one track (no album) whose file is `audio`; the track's id.
    pub async fn track_with_audio(&self, artist: &str, title: &str, audio: Vec<u8>) -> String {
        let artist = self
            .api
            .post("/v1/artists", json!({"name": artist}))
            .await
            .expect(201);
        let track = self
            .api
            .post(
                "/v1/tracks",
                json!({"artist_id": artist["id"], "title": title}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .expect("a track id")
            .to_string();
        self.upload_audio(&track, audio).await;
        track
    }
}

/// The password [`register`] gives every account.
pub const PASSWORD: &str = "correct horse battery";

/// Registers `name` (made unique) with a fixed password, [`PASSWORD`].
pub async fn register(api: &Api, name: &str) -> Account {
    let unique = format!("{name}-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let email = format!("{unique}@example.com");
    let session = api
        .post(
            "/v1/auth/register",
            json!({"email": email, "username": unique, "password": PASSWORD}),
        )
        .await
        .expect(201);
    account(api, &session)
}

/// The account of a session answer (register, login, refresh).
pub fn account(api: &Api, session: &Value) -> Account {
    let access_token = session["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    Account {
        id: session["user"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("user id"),
        email: session["user"]["email"]
            .as_str()
            .expect("email")
            .to_string(),
        refresh_token: session["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_string(),
        api: api.with_token(&access_token),
        access_token,
    }
}

impl TestRun {
    /// Registers an account and gives it `role` (listener, artist, admin) directly in the database.
    pub async fn account_with_role(&self, api: &Api, name: &str, role: &str) -> Account {
        let account = register(api, name).await;
        let db = self.postgres().await;
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(account.id)
            .bind(role)
            .execute(&db)
            .await
            .expect("setting the role");
        db.close().await;
        account
    }
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
