//! One search, several kinds, each paged on its own: what APIs that list
//! results by kind need (Subsonic's `search3`: so many artists from this
//! offset, so many albums from that one). One `_msearch` per typo step, and
//! as in the native search, the first step that finds anything in any kind
//! answers: a query naming a song must not send its artist and album
//! searches on to the costliest typo matching, where they find nothing.

use elasticsearch::http::request::JsonBody;
use elasticsearch::MsearchParts;
use encore_search::client::json;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{engine_error, search_body, visibility, ResultType, Typos};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// One kind's page.
#[derive(Debug, Clone, Copy)]
pub struct KindPage {
    pub kind: ResultType,
    pub offset: usize,
    pub size: usize,
}

/// The ids each page found, best first, in the order of `pages`.
pub async fn ids_by_kind(
    state: &AppState,
    q: &str,
    viewer: Option<Uuid>,
    pages: &[KindPage],
) -> ApiResult<Vec<Vec<Uuid>>> {
    let mut found: Vec<Option<Vec<Uuid>>> =
        pages.iter().map(|p| (p.size == 0).then(Vec::new)).collect();
    let weight = state.config.search_popularity_weight;
    for (step, typos) in Typos::LADDER.into_iter().enumerate() {
        let pending: Vec<usize> = (0..pages.len()).filter(|i| found[*i].is_none()).collect();
        if pending.is_empty() {
            break;
        }
        let mut body: Vec<JsonBody<Value>> = Vec::with_capacity(pending.len() * 2);
        for i in &pending {
            let page = pages[*i];
            let mut search = search_body(
                q,
                typos,
                vec![visibility(viewer)],
                page.offset,
                page.size,
                weight,
            );
            search["_source"] = json!(["id"]);
            body.push(json!({"index": state.search_names.alias(page.kind.entity())}).into());
            body.push(search.into());
        }
        let started = std::time::Instant::now();
        let answer = json(
            state
                .search
                .es
                .msearch(MsearchParts::None)
                .body(body)
                .send()
                .await,
        )
        .await;
        metrics::histogram!(encore_common::metrics::GATEWAY_SEARCH_SECONDS.name)
            .record(started.elapsed().as_secs_f64());
        let answer = answer.map_err(engine_error)?;
        let mut answers = Vec::with_capacity(pending.len());
        for n in 0..pending.len() {
            let response = &answer["responses"][n];
            if let Some(error) = response.get("error") {
                tracing::warn!(%error, "one search of a multi-search failed");
                return Err(ApiError::unavailable(
                    "search is unavailable right now; retry shortly",
                ));
            }
            let total = response["hits"]["total"]["value"].as_u64().unwrap_or(0);
            let ids: Vec<Uuid> = response["hits"]["hits"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|hit| hit["_source"]["id"].as_str()?.parse().ok())
                .collect();
            answers.push((total, ids));
        }
        // As the native search: the first step that finds anything, in any
        // kind, answers for every kind. A kind the words match nothing of
        // does not climb on to costlier typos alone.
        let last = step + 1 == Typos::LADDER.len();
        if last || answers.iter().any(|(total, _)| *total > 0) {
            for (i, (_, ids)) in pending.into_iter().zip(answers) {
                found[i] = Some(ids);
            }
        }
    }
    Ok(found.into_iter().map(Option::unwrap_or_default).collect())
}
