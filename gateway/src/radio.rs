//! `/v1/radio-stations`: internet radio stations, addresses of streams
//! elsewhere that admins list for every listener (the same stations as
//! Subsonic's), kept by [`encore_core::radio`]. Encore never proxies them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Json;
use axum::Router;
use encore_core::radio::{self, Field, NewStation};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::checks::Checks;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/radio-stations", get(list).post(create))
        .route("/v1/radio-stations/{id}", put(update).delete(remove))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationBody {
    /// 1 to 100 characters on one line.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The stream itself: an http or https URL.
    #[schema(max_length = 2000)]
    pub stream_url: String,
    /// The station's own site: an http or https URL.
    #[schema(max_length = 2000)]
    pub homepage_url: Option<String>,
}

impl StationBody {
    /// The station, or a 400 naming every bad field.
    fn checked(&self) -> ApiResult<NewStation<'_>> {
        let station = NewStation {
            name: &self.name,
            stream_url: &self.stream_url,
            homepage_url: self.homepage_url.as_deref(),
        };
        let mut checks = Checks::new();
        for (field, why) in radio::problems(&station) {
            let name = match field {
                Field::Name => "name",
                Field::StreamUrl => "stream_url",
                Field::HomepageUrl => "homepage_url",
            };
            checks.fail(name, why);
        }
        checks.finish()?;
        Ok(station)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Station {
    pub id: Uuid,
    pub name: String,
    pub stream_url: String,
    pub homepage_url: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<radio::Station> for Station {
    fn from(row: radio::Station) -> Self {
        Station {
            id: row.id,
            name: row.name,
            stream_url: row.stream_url,
            homepage_url: row.homepage_url,
            created_at: crate::times::rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stations {
    /// By name.
    pub items: Vec<Station>,
}

/// Every station, for anyone, as the catalogue is.
#[utoipa::path(get, path = "/v1/radio-stations", tag = "catalog",
    responses((status = 200, body = Stations)))]
pub async fn list(State(db): State<PgPool>) -> ApiResult<Json<Stations>> {
    let items = radio::list(&db).await?;
    Ok(Json(Stations {
        items: items.into_iter().map(Station::from).collect(),
    }))
}

/// Adds a station (admins only).
#[utoipa::path(post, path = "/v1/radio-stations", tag = "catalog", security(("bearer" = [])),
    request_body = StationBody,
    responses((status = 201, body = Station), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn create(
    State(db): State<PgPool>,
    admin: AuthUser,
    JsonBody(body): JsonBody<StationBody>,
) -> ApiResult<(StatusCode, Json<Station>)> {
    admin.require_admin()?;
    let station = radio::create(&db, &body.checked()?).await?;
    Ok((StatusCode::CREATED, Json(station.into())))
}

/// Replaces a station (admins only).
#[utoipa::path(put, path = "/v1/radio-stations/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = StationBody,
    responses((status = 200, body = Station), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(db): State<PgPool>,
    admin: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<StationBody>,
) -> ApiResult<Json<Station>> {
    admin.require_admin()?;
    let station = radio::update(&db, id, &body.checked()?).await?;
    Ok(Json(
        station
            .ok_or_else(|| ApiError::not_found("radio station"))?
            .into(),
    ))
}

/// Removes a station (admins only); removing an absent one changes nothing.
#[utoipa::path(delete, path = "/v1/radio-stations/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn remove(
    State(db): State<PgPool>,
    admin: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    admin.require_admin()?;
    radio::delete(&db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
