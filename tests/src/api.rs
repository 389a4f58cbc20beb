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

/// Registers `name` (made unique) with a fixed password, `correct horse battery`.
pub async fn register(api: &Api, name: &str) -> Account {
    let unique = format!("{name}-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let email = format!("{unique}@example.com");
    let session = api
        .post(
            "/v1/auth/register",
            json!({"email": email, "username": unique, "password": "correct horse battery"}),
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
