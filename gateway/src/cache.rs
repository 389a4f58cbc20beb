//! The warehouse as the gateway reads it, and the answers it shares.
//!
//! Answers computed from ClickHouse (charts for half a minute, a listener's
//! own numbers for a few seconds) are kept in Redis
//! (`encore_online::answers`), so every gateway computes each once and
//! expires it at the same moment. There is no second, in-process cache: with
//! Redis down each request is computed, which is slower, never wrong.

use std::time::Duration;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use encore_online::answers;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// The warehouse as the gateway reads it: the client, and the online store
/// that holds per-listener reads and shared answers.
#[derive(Clone)]
pub struct Warehouse {
    pub client: clickhouse::Client,
    pub online: encore_online::Store,
}

/// The answer kept under `key` while younger than `fresh`; otherwise
/// `compute`'s, which is then kept. Either way the JSON goes out as bytes: a
/// hit is never parsed.
pub async fn cached<T: Serialize>(
    warehouse: &Warehouse,
    key: String,
    fresh: Duration,
    compute: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<Response> {
    if let Some(hit) = answers::get(&warehouse.online, &key).await {
        return Ok(json_response(hit));
    }
    let json = serde_json::to_vec(&compute.await?).map_err(ApiError::internal)?;
    answers::put(&warehouse.online, &key, &json, fresh).await;
    Ok(json_response(json))
}

fn json_response(json: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}
