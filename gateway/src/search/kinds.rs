//! One search, several kinds, each paged on its own: what APIs that list
//! results by kind need (Subsonic's `search3`: so many artists from this
//! offset, so many albums from that one). One `_msearch` per typo step, and
//! as in the native search, the first step that finds anything in
//! any kind answers: a query naming a song must not send its artist and album
//! searches on to the costliest typo matching, where they find nothing.

use elasticsearch::http::request::JsonBody;
use elasticsearch::MsearchParts;
use encore_search::client::decoded;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use encore_search::indices::Names;

use super::Index;
use super::{engine_error, search_body, timed, visibility, ResultType, Typos};
use crate::error::{ApiError, ApiResult};

/// One kind's page.
#[derive(Debug, Clone, Copy)]
pub struct KindPage {
    pub kind: ResultType,
    pub offset: usize,
    pub size: usize,
}

/// How deep the search server pages: its `index.max_result_window`
/// (OpenSearch's default). A page past it has nothing to find; one that
/// reaches over it is cut at it, so a deep page answers what there is
/// rather than an engine error that looks like an outage.
const MAX_WINDOW: usize = 10_000;

/// `page` cut to what the search server can page through: `None` when
/// nothing of it lies inside the window.
fn within_window(page: KindPage) -> Option<KindPage> {
    let size = page.size.min(MAX_WINDOW.saturating_sub(page.offset));
    (size > 0).then_some(KindPage { size, ..page })
}

/// One typo step's `_msearch` lines (a header and a search for each page),
/// for the pages that lie inside the engine's window. Public so the load
/// bench can send the engine the very requests `search3` sends.
pub fn kinds_body(
    names: &Names,
    q: &str,
    typos: Typos,
    viewer: Option<Uuid>,
    pages: &[KindPage],
    popularity_weight: f64,
) -> Vec<Value> {
    let mut body = Vec::with_capacity(pages.len() * 2);
    for page in pages.iter().copied().filter_map(within_window) {
        let mut search = search_body(
            q,
            typos,
            vec![visibility(viewer)],
            page.offset,
            page.size,
            popularity_weight,
        );
        // The id is the sort's tie-breaker, so each hit's sort values
        // carry it. Fetching no stored fields at all (not even `_id`)
        // spares the engine decompressing each hit's stored block, which
        // was most of what a search allocated and so of its GC pauses.
        search["stored_fields"] = json!("_none_");
        // Only "anything at all?" is asked of the total, and counting
        // every match is a good part of a search's cost.
        search["track_total_hits"] = json!(1);
        body.push(json!({"index": names.alias(page.kind.entity())}));
        body.push(search);
    }
    body
}

/// The ids each page found, best first, in the order of `pages`.
pub async fn ids_by_kind(
    index: &Index,
    q: &str,
    viewer: Option<Uuid>,
    pages: &[KindPage],
) -> ApiResult<Vec<Vec<Uuid>>> {
    let mut found: Vec<Vec<Uuid>> = vec![Vec::new(); pages.len()];
    let wanted: Vec<usize> = (0..pages.len())
        .filter(|i| within_window(pages[*i]).is_some())
        .collect();
    if wanted.is_empty() {
        return Ok(found);
    }
    for (step, typos) in Typos::LADDER.into_iter().enumerate() {
        let body = kinds_body(
            &index.names,
            q,
            typos,
            viewer,
            pages,
            index.popularity_weight,
        );
        let answers = msearch(index, body.into_iter().map(JsonBody::from).collect()).await?;
        // As the native search: the first step that finds anything, in any
        // kind, answers for every kind. A kind the words match nothing of
        // does not climb on to costlier typos alone.
        let last = step + 1 == Typos::LADDER.len();
        if last || answers.iter().any(|(total, _)| *total > 0) {
            for (i, (_, ids)) in wanted.iter().zip(answers) {
                found[*i] = ids;
            }
            return Ok(found);
        }
    }
    Ok(found)
}

/// What `search3` reads of a `_msearch` answer: each search's error or
/// total, and its hits' sort values. Decoded into these rather than a JSON
/// tree, the rest of the answer is skipped as it is read.
#[derive(Deserialize)]
struct Answers {
    #[serde(default)]
    responses: Vec<Answer>,
}

#[derive(Deserialize)]
struct Answer {
    error: Option<Value>,
    #[serde(default)]
    hits: Hits,
}

#[derive(Deserialize, Default)]
struct Hits {
    #[serde(default)]
    total: Total,
    #[serde(default)]
    hits: Vec<Hit>,
}

#[derive(Deserialize, Default)]
struct Total {
    #[serde(default)]
    value: u64,
}

#[derive(Deserialize)]
struct Hit {
    #[serde(default)]
    sort: Vec<Value>,
}

/// A hit's id, from its sort values: the last of them is the `id` that
/// [`search_body`] sorts ties by.
fn sorted_id(hit: &Hit) -> Option<&str> {
    hit.sort.last()?.as_str()
}

/// Sends one `_msearch` and reads each search's total and ids, in order.
async fn msearch(index: &Index, body: Vec<JsonBody<Value>>) -> ApiResult<Vec<(u64, Vec<Uuid>)>> {
    let searches = body.len() / 2;
    let request = async {
        let sent = index
            .client
            .es
            .msearch(MsearchParts::None)
            .body(body)
            .send()
            .await;
        decoded::<Answers>(sent).await
    };
    let answer = timed(request).await.map_err(engine_error)?;
    let unavailable = || ApiError::unavailable("search is unavailable right now; retry shortly");
    if answer.responses.len() != searches {
        tracing::warn!(
            sent = searches,
            answered = answer.responses.len(),
            "a multi-search answered a different number of searches"
        );
        return Err(unavailable());
    }
    let mut answers = Vec::with_capacity(searches);
    for response in answer.responses {
        if let Some(error) = response.error {
            tracing::warn!(%error, "one search of a multi-search failed");
            return Err(unavailable());
        }
        let ids: Vec<Uuid> = (response.hits.hits.iter())
            .filter_map(|hit| sorted_id(hit)?.parse().ok())
            .collect();
        answers.push((response.hits.total.value, ids));
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_cut_at_the_engines_window() {
        let page = |offset, size| KindPage {
            kind: ResultType::Track,
            offset,
            size,
        };
        let cut = |offset, size| within_window(page(offset, size)).map(|p| p.size);
        assert_eq!(cut(0, 20), Some(20));
        assert_eq!(cut(9_981, 20), Some(19));
        assert_eq!(cut(10_000, 20), None);
        assert_eq!(cut(99_999, 500), None);
        assert_eq!(cut(0, 0), None);
    }

    #[test]
    fn the_id_is_read_from_the_sort_that_ends_in_it() {
        let body = search_body("x", Typos::LADDER[0], Vec::new(), 0, 10, 0.0);
        let last = body["sort"].as_array().and_then(|s| s.last());
        assert_eq!(last, Some(&json!({"id": "asc"})), "{body}");
        let id = "0190f0a4-0000-7000-8000-000000000001";
        let hit = |json: Value| serde_json::from_value::<Hit>(json).expect("a hit");
        assert_eq!(
            sorted_id(&hit(json!({"_score": 1.5, "sort": [1.5, id]}))),
            Some(id)
        );
        assert_eq!(sorted_id(&hit(json!({"_score": 1.5}))), None);
    }
}
