//! `GET /v1/tracks/{id}/similar` and `GET /v1/me/recommendations`, over the
//! features the ETL computes (`encore_warehouse::features`, the same code the
//! offline evaluation measures) and publishes to Redis each generation
//! (`encore_online::generation`), which answers when it can.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use encore_core::catalog::songs;
use encore_online::generation;
use encore_warehouse::features::{self, Reason};
use encore_warehouse::names;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::cache::{cached, Warehouse};
use crate::charts::warehouse_error;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{PathParams, QueryParams};
use crate::state::AppState;

/// Similar tracks and recommendations.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tracks/{id}/similar", get(similar))
        .route("/v1/me/recommendations", get(mine))
}

const TTL: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// 1 to 50, default 10.
    pub limit: Option<usize>,
}

fn checked_limit(limit: Option<usize>) -> ApiResult<usize> {
    let limit = limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 50"));
    }
    Ok(limit)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suggested {
    pub track_id: Uuid,
    pub title: Option<String>,
    pub artist_id: Option<Uuid>,
    pub score: f64,
    /// Why, in English: "Because you played …", "Because you like Nina
    /// Simone", "Popular in rock among listeners like you", "You played this
    /// 12 times" (replay mix); for a listener too new for personal picks
    /// "Popular in rock" or "Popular on Encore"; for similar tracks "Often
    /// played with …". Apps in other languages word `why` instead.
    pub reason: String,
    pub why: Why,
    /// The track the reason refers to, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because_of: Option<Uuid>,
}

/// Why a track is suggested, as a code with what its wording names, so that
/// an app can say it in its listener's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Why {
    /// The listener's play of `track_id` pushed this one up most.
    Played {
        track_id: Uuid,
        title: Option<String>,
    },
    /// By an artist the listener plays.
    Artist {
        artist_id: Uuid,
        name: Option<String>,
    },
    /// Played by listeners like this one, in a genre this one plays.
    SimilarListeners { genre: String },
    /// Among the most played in the listener's favourite genre: a listener
    /// too new for personal picks.
    Genre { genre: String },
    /// Among the most played overall: a listener too new for anything else.
    Popular,
    /// A replay mix: the listener's own track, played `plays` times.
    Replay { plays: u64 },
    /// A similar track: in `sessions` listening sessions with `track_id`.
    PlayedWith {
        track_id: Uuid,
        title: Option<String>,
        sessions: u64,
    },
}

impl Why {
    /// The English wording `reason` carries.
    pub fn english(&self) -> String {
        match self {
            Why::Played { title, .. } => format!(
                "Because you played {}",
                title.as_deref().unwrap_or("a track you liked")
            ),
            Why::Artist { name, .. } => format!(
                "Because you like {}",
                name.as_deref().unwrap_or("this artist")
            ),
            Why::SimilarListeners { genre } => {
                format!("Popular in {genre} among listeners like you")
            }
            Why::Genre { genre } => format!("Popular in {genre}"),
            Why::Popular => "Popular on Encore".to_string(),
            Why::Replay { plays: 1 } => "You played this once".to_string(),
            Why::Replay { plays } => format!("You played this {plays} times"),
            Why::PlayedWith {
                title, sessions, ..
            } => format!(
                "Often played with {} ({sessions} sessions)",
                title.as_deref().unwrap_or("this track")
            ),
        }
    }

    /// The track the wording refers to.
    fn track(&self) -> Option<Uuid> {
        match self {
            Why::Played { track_id, .. } | Why::PlayedWith { track_id, .. } => Some(*track_id),
            _ => None,
        }
    }
}

impl Suggested {
    fn new(
        track_id: Uuid,
        names: &HashMap<Uuid, (String, Option<Uuid>)>,
        score: f64,
        why: Why,
    ) -> Self {
        Suggested {
            track_id,
            title: names.get(&track_id).map(|(t, _)| t.clone()),
            artist_id: names.get(&track_id).and_then(|(_, a)| *a),
            score,
            reason: why.english(),
            because_of: why.track(),
            why,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub items: Vec<Suggested>,
}

/// Titles and artists of `ids`, from the catalog dimensions.
async fn titles(
    warehouse: &Warehouse,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, (String, Option<Uuid>)>> {
    names::tracks(&warehouse.client, ids)
        .await
        .map_err(warehouse_error)
}

/// Tracks listened to near this one.
#[utoipa::path(get, path = "/v1/tracks/{id}/similar", tag = "recommendations",
    params(("id" = Uuid, Path), LimitQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn similar(
    State(db): State<PgPool>,
    State(warehouse): State<Warehouse>,
    PathParams(track): PathParams<Uuid>,
    QueryParams(query): QueryParams<LimitQuery>,
) -> ApiResult<Response> {
    let limit = checked_limit(query.limit)?;
    let key = format!("similar/{track}/{limit}");
    cached(
        &warehouse,
        key,
        TTL,
        similar_to(&db, &warehouse, track, limit),
    )
    .await
}

async fn similar_to(
    db: &PgPool,
    warehouse: &Warehouse,
    track: Uuid,
    limit: usize,
) -> ApiResult<Suggestions> {
    if !track_known(db, warehouse, track).await? {
        return Err(ApiError::not_found("track"));
    }
    let (found, _) = generation::similar(&warehouse.online, &warehouse.client, track, limit)
        .await
        .map_err(warehouse_error)?;
    let mut ids: Vec<Uuid> = found.iter().map(|s| s.track_id).collect();
    ids.push(track);
    let names = titles(warehouse, &ids).await?;
    let of = names.get(&track).map(|(t, _)| t.clone());
    let items = found
        .into_iter()
        .map(|s| {
            let why = Why::PlayedWith {
                track_id: track,
                title: of.clone(),
                sessions: s.sessions,
            };
            Suggested::new(s.track_id, &names, s.score, why)
        })
        .collect();
    Ok(Suggestions { items })
}

/// Whether the catalog (PostgreSQL) or, failing that, the warehouse's
/// catalog dimension knows `track`: an unknown track is a 404, whatever the
/// statistics hold or whether they are there yet.
async fn track_known(db: &PgPool, warehouse: &Warehouse, track: Uuid) -> ApiResult<bool> {
    let in_catalog = songs::exists(db, track).await?;
    // Tracks can reach the warehouse from the catalog topics alone (another
    // gateway, a replay); an unavailable warehouse cannot vouch for one.
    Ok(in_catalog
        || titles(warehouse, &[track])
            .await
            .is_ok_and(|known| known.contains_key(&track)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationsQuery {
    /// 1 to 50, default 10.
    pub limit: Option<usize>,
    /// `replay` for a replay mix: the caller's own most played tracks.
    /// Otherwise nothing the caller played or liked is recommended.
    pub mix: Option<String>,
}

/// Personal recommendations, each with its reason; listeners too new for
/// personal ones get what is popular in their favourite genre, then overall.
#[utoipa::path(get, path = "/v1/me/recommendations", tag = "recommendations", security(("bearer" = [])),
    params(RecommendationsQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn mine(
    State(db): State<PgPool>,
    State(warehouse): State<Warehouse>,
    user: AuthUser,
    QueryParams(query): QueryParams<RecommendationsQuery>,
) -> ApiResult<Response> {
    let limit = checked_limit(query.limit)?;
    let replay = match query.mix.as_deref() {
        None => false,
        Some("replay") => true,
        Some(_) => return Err(ApiError::invalid_field("mix", "must be replay")),
    };
    let key = format!("recommendations/{}/{limit}/{replay}", user.id);
    cached(
        &warehouse,
        key,
        TTL,
        picks_for(&db, &warehouse, user.id, limit, replay),
    )
    .await
}

async fn picks_for(
    db: &PgPool,
    warehouse: &Warehouse,
    user: Uuid,
    limit: usize,
    replay: bool,
) -> ApiResult<Suggestions> {
    let found = if replay {
        features::replay(&warehouse.client, user, limit)
            .await
            .map_err(warehouse_error)?
    } else {
        // Liked tracks live in PostgreSQL, not in the warehouse: ask for
        // enough to fill the list after leaving them out.
        let liked = songs::liked_lately(db, user, RECENT_LIKES).await?;
        let wanted = limit + liked.len();
        generation::recommendations(&warehouse.online, &warehouse.client, user, wanted)
            .await
            .map_err(warehouse_error)?
            .0
            .into_iter()
            .filter(|r| !liked.contains(&r.track_id))
            .take(limit)
            .collect()
    };
    let mut ids: Vec<Uuid> = found.iter().map(|r| r.track_id).collect();
    ids.extend(found.iter().filter_map(|r| match r.reason {
        Reason::BecauseYouPlayed { seed } => Some(seed),
        _ => None,
    }));
    let names = titles(warehouse, &ids).await?;
    let artist_ids: Vec<Uuid> = found
        .iter()
        .filter_map(|r| match r.reason {
            Reason::BecauseYouLike { artist } => Some(artist),
            _ => None,
        })
        .collect();
    let artists = names::artists(&warehouse.client, &artist_ids)
        .await
        .map_err(warehouse_error)?;
    let title = |id: &Uuid| names.get(id).map(|(t, _)| t.clone());
    let items = found
        .into_iter()
        .map(|r| {
            let why = match r.reason {
                Reason::BecauseYouPlayed { seed } => Why::Played {
                    track_id: seed,
                    title: title(&seed),
                },
                Reason::BecauseYouLike { artist } => Why::Artist {
                    artist_id: artist,
                    name: artists.get(&artist).cloned(),
                },
                Reason::PopularAmongSimilar { genre } => Why::SimilarListeners { genre },
                Reason::PopularIn { genre } => Why::Genre { genre },
                Reason::Popular => Why::Popular,
                Reason::Replay { plays } => Why::Replay { plays },
            };
            Suggested::new(r.track_id, &names, r.score, why)
        })
        .collect();
    Ok(Suggestions { items })
}

/// How many of a listener's latest likes are kept out of their recommendations.
const RECENT_LIKES: i64 = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_a_code_with_what_it_names_and_its_english_wording() {
        let seed = Uuid::from_u128(7);
        let why = Why::Played {
            track_id: seed,
            title: Some("Planted One".into()),
        };
        let json = serde_json::to_value(&why).unwrap();
        assert_eq!(json["code"], "played");
        assert_eq!(json["title"], "Planted One");
        assert_eq!(why.english(), "Because you played Planted One");
        assert_eq!(why.track(), Some(seed));
        let with = Why::PlayedWith {
            track_id: seed,
            title: None,
            sessions: 3,
        };
        assert_eq!(serde_json::to_value(&with).unwrap()["code"], "played_with");
        assert_eq!(with.english(), "Often played with this track (3 sessions)");
        assert_eq!(Why::Replay { plays: 1 }.english(), "You played this once");
        assert_eq!(
            serde_json::to_value(Why::SimilarListeners {
                genre: "jazz".into()
            })
            .unwrap()["code"],
            "similar_listeners"
        );
        assert_eq!(Why::Popular.track(), None);
    }
}
