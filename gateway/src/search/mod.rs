//! `GET /v1/search` and `GET /v1/search/suggest`, over the indices the
//! indexer keeps (their names and fields are defined in `encore_search::indices`).
//!
//! Relevance (the analyzers are in `encore_search::analysis`) adds up:
//! - all the words in one display field, boosted title/name > artist > album;
//! - all the words in `all_text`, every display field in one, so "artist
//!   and title" queries find the track that holds all the words;
//! - a prefix match on the edge n-gram sub-fields, so a half-typed word
//!   already finds things;
//! - a match of words written together or apart (`.joined`: "acdc" = "ac dc"),
//!   every run typed found as a run in one field;
//! - a bonus when the query is a whole title or name (`.exact`).
//!
//! The first three count as one (the best of them). Typos are tolerated only
//! when the words as typed find nothing: then one typo per word of 4 letters
//! or more, and if that finds nothing either, two from 6 letters, each across
//! every field (`all_text`); [`Typos`] says why in steps. Across kinds,
//! artists weigh 2× and albums 1.5× (`KIND_BOOST`). Everything is
//! transliterated to Latin, lowercased and accent-folded on both sides.
//! Popularity (a track's plays of the last 30 days, merged into the index by
//! the indexer) adds `ENCORE_SEARCH_POPULARITY_WEIGHT × ln(1 + plays)`; ties
//! go to the id. When a search finds almost nothing, the answer carries a
//! "did you mean" from the index's own terms.
//! Private playlists are only visible to their owner; deleted entities are
//! tombstones in the index and never shown.

use axum::extract::State;
use axum::routing::get;
use axum::Json;
use axum::Router;
use encore_schemas::EntityType;
use encore_search::client::SearchError;
use encore_search::indices::{Names, ALL};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

pub mod events;
mod index;
mod kinds;
mod query;
pub use index::Index;
pub use kinds::{ids_by_kind, kinds_body, KindPage};
pub use query::{
    did_you_mean_body, kind_boost, search_body, suggest_body, visibility, Suggest, Typos,
};

use crate::auth::MaybeUser;
use crate::catalog::YEARS;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::QueryParams;
use crate::produce::Events;
use crate::state::AppState;

/// Search and autocomplete.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/search", get(search))
        .route("/v1/search/suggest", get(suggest))
        .merge(events::router())
}

const MAX_LIMIT: usize = 50;
/// Deep paging is what filters are for.
const MAX_OFFSET: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResultType {
    Track,
    Album,
    Artist,
    Playlist,
}

impl ResultType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultType::Track => "track",
            ResultType::Album => "album",
            ResultType::Artist => "artist",
            ResultType::Playlist => "playlist",
        }
    }

    fn entity(self) -> EntityType {
        match self {
            ResultType::Track => EntityType::Track,
            ResultType::Album => EntityType::Album,
            ResultType::Artist => EntityType::Artist,
            ResultType::Playlist => EntityType::Playlist,
        }
    }

    fn of(entity: EntityType) -> Self {
        match entity {
            EntityType::Track => ResultType::Track,
            EntityType::Album => ResultType::Album,
            EntityType::Artist => ResultType::Artist,
            EntityType::Playlist => ResultType::Playlist,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for: 1 to 200 characters.
    pub q: String,
    /// Only this kind of result.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<ResultType>,
    /// Only tracks, albums and artists of this genre (case-insensitive).
    pub genre: Option<String>,
    /// Only tracks and albums released this year.
    pub year: Option<i32>,
    /// 1 to 50, default 20.
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One result.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hit {
    #[serde(rename = "type")]
    pub kind: ResultType,
    pub id: Uuid,
    /// The track, album or playlist title, or the artist's name.
    pub title: String,
    /// The artist (and album) of a track, the artist of an album.
    pub subtitle: Option<String>,
    pub cover_url: Option<String>,
    pub year: Option<i32>,
    pub score: f64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchPage {
    pub items: Vec<Hit>,
    pub total: u64,
    pub next_cursor: Option<String>,
    /// Names this search in a click (`POST /v1/search/clicks`).
    pub search_id: Uuid,
    /// When the search found almost nothing: a query that would find more,
    /// built from the catalogue's own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

/// At most this many results and the answer offers a "did you mean".
const ALMOST_NOTHING: u64 = 2;

/// Searches tracks, albums, artists and playlists at once.
#[utoipa::path(get, path = "/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody),
              (status = 503, description = "The search server is unreachable or rebuilding", body = ErrorBody)))]
pub async fn search(
    State(index): State<Index>,
    State(events): State<Events>,
    MaybeUser(viewer): MaybeUser,
    QueryParams(query): QueryParams<SearchQuery>,
) -> ApiResult<Json<SearchPage>> {
    let q = checked_text(&query.q)?;
    let limit = query.limit.unwrap_or(20);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    if let Some(year) = query
        .year
        .filter(|y| !(YEARS.0..=YEARS.1).contains(&i64::from(*y)))
    {
        return Err(ApiError::invalid_field(
            "year",
            format!("{year} is not a release year"),
        ));
    }
    let offset = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|o| *o <= MAX_OFFSET)
            .ok_or_else(|| {
                ApiError::invalid_field("cursor", "is not a cursor this API gave out")
            })?,
    };
    let mut filters = vec![visibility(viewer.map(|v| v.id))];
    if let Some(genre) = query
        .genre
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
    {
        filters.push(
            json!({"bool": {"should": [{"term": {"genre": genre}}, {"term": {"genres": genre}}]}}),
        );
    }
    if let Some(year) = query.year {
        filters.push(json!({"term": {"year": year}}));
    }
    let weight = index.popularity_weight;
    let mut answer = Value::Null;
    for typos in Typos::LADDER {
        let body = search_body(q, typos, filters.clone(), offset, limit, weight);
        answer = run(&index, query.kind, body).await?;
        if total_of(&answer) > 0 {
            break;
        }
    }
    let total = total_of(&answer);
    // Only a search that found (almost) nothing pays for the suggester.
    let did_you_mean = if total <= ALMOST_NOTHING {
        did_you_mean(&index, query.kind, q).await?
    } else {
        None
    };
    let items: Vec<Hit> = hits(&index.names, &answer);
    let next = offset + items.len();
    let next_cursor = (items.len() == limit && (next as u64) < total && next <= MAX_OFFSET)
        .then(|| next.to_string());
    let search_id = Uuid::now_v7();
    events::searched(
        &events,
        search_id,
        viewer.map(|v| v.id),
        q,
        query.kind,
        total,
    );
    Ok(Json(SearchPage {
        items,
        total,
        next_cursor,
        search_id,
        did_you_mean,
    }))
}

/// A phrase built from the catalogue's own words (up to two corrected) that
/// differs from what was typed.
async fn did_you_mean(
    index: &Index,
    kind: Option<ResultType>,
    q: &str,
) -> ApiResult<Option<String>> {
    let body = did_you_mean_body(q);
    let answer = run(index, kind, body).await?;
    let options = answer["suggest"]["did_you_mean"][0]["options"].as_array();
    Ok(options
        .into_iter()
        .flatten()
        .filter_map(|option| option["text"].as_str())
        .find(|text| !text.eq_ignore_ascii_case(q))
        .map(String::from))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What has been typed so far: 1 to 200 characters.
    pub q: String,
    /// 1 to 20, default 8.
    pub limit: Option<usize>,
}

/// Named apart from the recommendations' `Suggestions`: OpenAPI components
/// are keyed by name, and the one registered last silently replaced the
/// other, so this answer was documented as recommendations.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuggestPage {
    pub items: Vec<Hit>,
}

/// Autocomplete across every kind: what starts with the words typed, or,
/// when nothing does, what they name joined up or with a typo or two.
#[utoipa::path(get, path = "/v1/search/suggest", tag = "search", params(SuggestQuery),
    responses((status = 200, body = SuggestPage), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn suggest(
    State(index): State<Index>,
    MaybeUser(viewer): MaybeUser,
    QueryParams(query): QueryParams<SuggestQuery>,
) -> ApiResult<Json<SuggestPage>> {
    let q = checked_text(&query.q)?;
    let limit = query.limit.unwrap_or(8);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 20"));
    }
    let mut answer = Value::Null;
    for step in Suggest::LADDER {
        answer = run(
            &index,
            None,
            suggest_body(q, viewer.map(|v| v.id), limit, step),
        )
        .await?;
        if total_of(&answer) > 0 {
            break;
        }
    }
    Ok(Json(SuggestPage {
        items: hits(&index.names, &answer),
    }))
}

fn checked_text(q: &str) -> ApiResult<&str> {
    let q = q.trim();
    if q.is_empty() || q.chars().count() > 200 || q.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            "q",
            "must be 1 to 200 characters of text",
        ));
    }
    Ok(q)
}

async fn run(index: &Index, kind: Option<ResultType>, mut body: Value) -> ApiResult<Value> {
    let names = &index.names;
    let indices: Vec<String> = match kind {
        Some(kind) => vec![names.alias(kind.entity())],
        None => {
            body["indices_boost"] = kind_boost(names);
            ALL.iter().map(|e| names.alias(*e)).collect()
        }
    };
    let indices: Vec<&str> = indices.iter().map(String::as_str).collect();
    timed(index.client.search(&indices, body))
        .await
        .map_err(engine_error)
}

/// One request to the engine, its time recorded in
/// `encore_gateway_search_seconds`.
async fn timed<T>(request: impl std::future::Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let answer = request.await;
    metrics::histogram!(encore_common::metrics::GATEWAY_SEARCH_SECONDS.name)
        .record(started.elapsed().as_secs_f64());
    answer
}

/// What a failed engine request tells the client.
fn engine_error(error: SearchError) -> ApiError {
    match error {
        SearchError::Status { status: 404, .. } => {
            ApiError::unavailable("the search index is being rebuilt; retry shortly")
        }
        SearchError::Status { status: 400, body } => {
            tracing::error!(%body, "the search server refused a query we built");
            ApiError::internal(body)
        }
        other => {
            tracing::warn!(error = %other, "search failed");
            ApiError::unavailable("search is unavailable right now; retry shortly")
        }
    }
}

/// How many documents a search answer matched.
fn total_of(answer: &Value) -> u64 {
    answer["hits"]["total"]["value"].as_u64().unwrap_or(0)
}

/// The hits of a search answer, as results.
fn hits(names: &Names, answer: &Value) -> Vec<Hit> {
    let Some(hits) = answer["hits"]["hits"].as_array() else {
        return Vec::new();
    };
    hits.iter()
        .filter_map(|hit| {
            let index = hit["_index"].as_str()?;
            let entity = ALL
                .into_iter()
                .find(|e| names.version_of(*e, index).is_some())?;
            let source = &hit["_source"];
            let text = |k: &str| source[k].as_str().map(String::from);
            let subtitle = match entity {
                EntityType::Track => match (text("artist_name"), text("album_title")) {
                    (Some(artist), Some(album)) => Some(format!("{artist} — {album}")),
                    (artist, album) => artist.or(album),
                },
                EntityType::Album => text("artist_name"),
                _ => None,
            };
            Some(Hit {
                kind: ResultType::of(entity),
                id: source["id"].as_str()?.parse().ok()?,
                title: text("title").or_else(|| text("name"))?,
                subtitle: subtitle.filter(|s| !s.is_empty()),
                cover_url: text("cover_url").or_else(|| text("image_url")),
                year: source["year"].as_i64().and_then(|y| i32::try_from(y).ok()),
                score: hit["_score"].as_f64().unwrap_or(0.0),
            })
        })
        .collect()
}
