//! The analyst dashboard's two endpoints (admins only):
//!
//! - `GET /v1/admin/analytics`: plays and listeners per hour and per day, new
//!   listeners and skip rate by genre, from the warehouse
//!   ([`encore_warehouse::dashboard`]);
//! - `GET /v1/admin/live`: events per second and consumer lag per group, read
//!   from the consumers' own `/metrics` (the figures their operators already
//!   graph), so the dashboard and Prometheus never disagree.

pub mod live;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use encore_common::metrics::{CONSUMER_LAG, KAFKA_CONSUMED_TOTAL};
use encore_warehouse::dashboard;
use serde::{Deserialize, Serialize};

use self::live::LiveSamples;
use crate::auth::AuthUser;
use crate::cache::Warehouse;
use crate::charts::warehouse_error;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::QueryParams;
use crate::produce::Events;
use crate::state::AppState;
use crate::GatewayConfig;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/analytics", get(analytics))
        .route("/v1/admin/live", get(live))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// 1 to 90, default 7: how many days back, today included.
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Analytics {
    /// RFC 3339: the start of the first hour counted.
    pub from: String,
    pub to: String,
    pub hourly: Vec<HourPoint>,
    pub daily: Vec<DayPoint>,
    pub skip_rate_by_genre: Vec<GenreSkipRate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HourPoint {
    /// RFC 3339, the hour's start.
    pub at: String,
    pub plays: u64,
    pub listeners: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayPoint {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub plays: u64,
    pub listeners: u64,
    /// Listeners whose first play ever was that day.
    pub new_listeners: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GenreSkipRate {
    /// `unknown` when the catalog names no genre.
    pub genre: String,
    pub plays: u64,
    pub skips: u64,
    /// skips ÷ plays, 0 to 1.
    pub skip_rate: f64,
}

/// Plays and listeners over time, new listeners and skip rate by genre.
#[utoipa::path(get, path = "/v1/admin/analytics", tag = "admin", security(("bearer" = [])), params(AnalyticsQuery),
    responses((status = 200, body = Analytics), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn analytics(
    State(warehouse): State<Warehouse>,
    user: AuthUser,
    QueryParams(query): QueryParams<AnalyticsQuery>,
) -> ApiResult<Json<Analytics>> {
    user.require_admin()?;
    let days = query.days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(ApiError::invalid_field("days", "must be 1 to 90"));
    }
    let now = time::OffsetDateTime::now_utc();
    let today = now.replace_time(time::Time::MIDNIGHT);
    let from = today - time::Duration::days(i64::from(days) - 1);
    let since = u32::try_from(from.unix_timestamp()).map_err(ApiError::internal)?;
    let db = &warehouse.client;
    let (hourly, daily, genres) = tokio::try_join!(
        dashboard::hourly(db, since),
        dashboard::daily(db, since),
        dashboard::skips_by_genre(db, since, 20),
    )
    .map_err(warehouse_error)?;
    let hourly = hourly
        .into_iter()
        .map(|h| {
            let at = time::OffsetDateTime::from_unix_timestamp(i64::from(h.at))
                .map_err(ApiError::internal)?;
            Ok(HourPoint {
                at: crate::times::rfc3339(at),
                plays: h.plays,
                listeners: h.listeners,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Json(Analytics {
        from: crate::times::rfc3339(from),
        to: crate::times::rfc3339(now),
        hourly,
        daily: daily
            .into_iter()
            .map(|d| DayPoint {
                day: d.date,
                plays: d.plays,
                listeners: d.listeners,
                new_listeners: d.new_listeners,
            })
            .collect(),
        skip_rate_by_genre: genres
            .into_iter()
            .map(|g| GenreSkipRate {
                genre: if g.genre.is_empty() {
                    "unknown".into()
                } else {
                    g.genre
                },
                skip_rate: g.skips as f64 / g.plays.max(1) as f64,
                plays: g.plays,
                skips: g.skips,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Live {
    /// RFC 3339.
    pub at: String,
    /// Playback events consumed per second, over the last few seconds.
    pub events_per_second: f64,
    /// Lag per consumer group and topic, summed over partitions.
    pub groups: Vec<GroupLag>,
    /// Consumers whose `/metrics` did not answer, with why.
    pub unreachable: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupLag {
    pub group: String,
    pub topic: String,
    pub lag: i64,
}

/// Events per second and consumer lag, from the consumers' own metrics.
#[utoipa::path(get, path = "/v1/admin/live", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Live), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn live(
    State(config): State<Arc<GatewayConfig>>,
    State(events): State<Events>,
    State(samples): State<Arc<LiveSamples>>,
    user: AuthUser,
) -> ApiResult<Json<Live>> {
    user.require_admin()?;
    let scrape = || scrape(&config.consumers_ops, &events.playback_topic);
    let mut reading = scrape().await;
    let mut rate = samples.rate(Instant::now(), reading.consumed);
    if rate.is_none() {
        // The first look (or the first in a while): read again a second later.
        tokio::time::sleep(Duration::from_secs(1)).await;
        reading = scrape().await;
        rate = samples.rate(Instant::now(), reading.consumed);
    }
    Ok(Json(Live {
        at: crate::times::rfc3339(time::OffsetDateTime::now_utc()),
        events_per_second: rate.unwrap_or(0.0),
        groups: reading
            .lags
            .into_iter()
            .map(|((group, topic), lag)| GroupLag { group, topic, lag })
            .collect(),
        unreachable: reading.unreachable,
    }))
}

/// What one round of scraping the consumers found.
struct Reading {
    /// Playback records consumed, summed over the consumers.
    consumed: f64,
    lags: BTreeMap<(String, String), i64>,
    unreachable: Vec<String>,
}

/// Reads every consumer's `/metrics` (at `ENCORE_ETL_ADDR` and `ENCORE_INDEXER_ADDR`).
async fn scrape(consumers: &[(String, String)], playback_topic: &str) -> Reading {
    let client = reqwest::Client::new();
    let mut reading = Reading {
        consumed: 0.0,
        lags: BTreeMap::new(),
        unreachable: Vec::new(),
    };
    for (name, addr) in consumers {
        let answer = client
            .get(format!("http://{addr}/metrics"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        let text = match answer {
            Ok(answer) => answer.text().await,
            Err(e) => Err(e),
        };
        match text {
            Ok(text) => {
                for sample in parse(&text) {
                    if sample.name == KAFKA_CONSUMED_TOTAL.name
                        && sample.label("topic") == Some(playback_topic)
                    {
                        reading.consumed += sample.value;
                    } else if sample.name == CONSUMER_LAG.name {
                        if let (Some(group), Some(topic)) =
                            (sample.label("group"), sample.label("topic"))
                        {
                            *reading
                                .lags
                                .entry((group.to_string(), topic.to_string()))
                                .or_default() += sample.value as i64;
                        }
                    }
                }
            }
            Err(e) => reading.unreachable.push(format!("{name} at {addr}: {e}")),
        }
    }
    reading
}

/// One line of the Prometheus text format.
#[derive(Debug, PartialEq)]
struct Sample<'a> {
    name: &'a str,
    labels: Vec<(&'a str, String)>,
    value: f64,
}

impl Sample<'_> {
    fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The samples of a `/metrics` answer. Only what our own exporter writes
/// needs reading (no timestamps, labels quoted with `\"`, `\\` and `\n`
/// escapes), so this is a few lines rather than a dependency.
fn parse(text: &str) -> Vec<Sample<'_>> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let value: f64 = value.trim().parse().ok()?;
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, labels(rest.strip_suffix('}')?)?),
                None => (series, Vec::new()),
            };
            Some(Sample {
                name,
                labels,
                value,
            })
        })
        .collect()
}

fn labels(mut text: &str) -> Option<Vec<(&str, String)>> {
    let mut out = Vec::new();
    while !text.is_empty() {
        let (name, rest) = text.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (_, c) => value.push(c),
            }
        };
        out.push((name.trim_start_matches(',').trim(), value));
        text = &rest[end + 1..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_exporters_lines() {
        let text = "# HELP encore_consumer_lag lag\n# TYPE encore_consumer_lag gauge\n\
            encore_consumer_lag{group=\"etl-plays\",topic=\"t.playback\",partition=\"0\"} 4\n\
            encore_consumer_lag{group=\"etl-plays\",topic=\"t.playback\",partition=\"1\"} 3\n\
            encore_kafka_consumed_total{topic=\"a \\\"b\\\"\"} 12\nup 1\n";
        let samples = parse(text);
        assert_eq!(samples.len(), 4);
        assert_eq!(samples[0].label("group"), Some("etl-plays"));
        assert_eq!(samples[0].label("partition"), Some("0"));
        assert_eq!(samples[2].label("topic"), Some("a \"b\""));
        assert_eq!(samples[2].value, 12.0);
        assert_eq!(samples[3].name, "up");
    }
}
