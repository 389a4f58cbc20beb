//! A thin layer over the official `elasticsearch` client: JSON in, JSON out,
//! and one error type that tells "the server is unreachable" from "the server
//! answered with an error".

use elasticsearch::http::transport::Transport;
use elasticsearch::http::StatusCode;
use elasticsearch::Elasticsearch;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search server is unreachable: {0}")]
    Unreachable(elasticsearch::Error),
    #[error("the search server answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the search server's answer was not JSON: {0}")]
    Body(elasticsearch::Error),
}

impl SearchError {
    /// Whether retrying later may succeed (unreachable, overloaded, failing).
    pub fn is_transient(&self) -> bool {
        match self {
            SearchError::Unreachable(_) | SearchError::Body(_) => true,
            SearchError::Status { status, .. } => *status == 429 || *status >= 500,
        }
    }
}

/// The search server, cheap to clone.
#[derive(Clone)]
pub struct SearchClient {
    pub es: Elasticsearch,
}

impl SearchClient {
    pub fn new(url: &str) -> Result<Self, elasticsearch::Error> {
        Ok(SearchClient {
            es: Elasticsearch::new(Transport::single_node(url)?),
        })
    }

    /// One `_search` over `indices` (names or aliases), its answer as JSON.
    pub async fn search(&self, indices: &[&str], body: Value) -> Result<Value, SearchError> {
        json(
            self.es
                .search(elasticsearch::SearchParts::Index(indices))
                .body(body)
                .send()
                .await,
        )
        .await
    }

    /// The search server as a `/ready` dependency.
    pub async fn dependency(&self, required: bool) -> encore_common::telemetry::Dependency {
        let state = match self.es.ping().send().await {
            Ok(r) if r.status_code().is_success() => Ok(()),
            Ok(r) => Err(format!("the search server answered {}", r.status_code())),
            Err(e) => Err(format!("the search server is unreachable: {e}")),
        };
        encore_common::telemetry::Dependency {
            name: "search",
            required,
            state,
        }
    }
}

/// Reads a response as JSON, turning 4xx/5xx answers into [`SearchError::Status`].
pub async fn json(
    response: Result<elasticsearch::http::response::Response, elasticsearch::Error>,
) -> Result<Value, SearchError> {
    decoded(response).await
}

/// Like [`json`], into `T`: a caller that reads a few fields of a large
/// answer skips building a tree of the rest.
pub async fn decoded<T: serde::de::DeserializeOwned>(
    response: Result<elasticsearch::http::response::Response, elasticsearch::Error>,
) -> Result<T, SearchError> {
    let response = response.map_err(SearchError::Unreachable)?;
    let status = response.status_code();
    if status.is_client_error() || status.is_server_error() {
        let body = response.text().await.unwrap_or_default();
        return Err(SearchError::Status {
            status: status.as_u16(),
            body: body.chars().take(500).collect(),
        });
    }
    response.json::<T>().await.map_err(SearchError::Body)
}

/// Like [`json`], but a 404 is `None` rather than an error.
pub async fn json_or_missing(
    response: Result<elasticsearch::http::response::Response, elasticsearch::Error>,
) -> Result<Option<Value>, SearchError> {
    match response {
        Ok(r) if r.status_code() == StatusCode::NOT_FOUND => Ok(None),
        other => json(other).await.map(Some),
    }
}
