//! Mounting Subsonic (`encore_subsonic`) under `/rest`, with the gateway as
//! its host: the files, the search server, the playback producer and the
//! outbox's relay are the same ones the native API uses.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use encore_schemas::PlaybackEvent;
use encore_subsonic::host::{Page, Wanted};
use encore_subsonic::{Host, HostError, Subsonic};
use futures_util::future::BoxFuture;
use sqlx::PgPool;
use uuid::Uuid;

use crate::audio::{self, AudioFiles};
use crate::error::ApiError;
use crate::outbox::Wakeup;
use crate::produce::Events;
use crate::search::{ids_by_kind, Index, KindPage, ResultType};
use crate::state::AppState;
use crate::storage::Storage;

/// `/rest/{method}` over the state's parts.
pub fn router(state: &AppState) -> Router<AppState> {
    let host = GatewayHost {
        db: state.db.clone(),
        audio: state.audio.clone(),
        storage: state.storage.clone(),
        search: state.search.clone(),
        events: state.events.clone(),
        outbox: state.outbox.clone(),
    };
    let subsonic = Subsonic {
        db: state.db.clone(),
        warehouse: state.warehouse.client.clone(),
        online: state.warehouse.online.clone(),
        sealer: state.sealer.clone(),
        login: state.config.auth.login,
        proxies: state.trusted_proxies.clone(),
        public_url: state.config.public_url.clone(),
        host: Arc::new(host),
        recent: Default::default(),
    };
    encore_subsonic::router(subsonic, &state.config.subsonic_cors_origins)
}

struct GatewayHost {
    db: PgPool,
    audio: AudioFiles,
    storage: Storage,
    search: Index,
    events: Events,
    outbox: Wakeup,
}

/// The native API's errors in the terms Subsonic maps to its codes.
fn host_error(error: ApiError) -> HostError {
    match error.status {
        StatusCode::NOT_FOUND => HostError::NotFound(error.message),
        StatusCode::FORBIDDEN => HostError::Forbidden(error.message),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => HostError::Invalid {
            field: error
                .fields
                .first()
                .map_or_else(|| "id".to_string(), |f| f.field.clone()),
            message: error.message,
        },
        StatusCode::SERVICE_UNAVAILABLE => HostError::Unavailable {
            message: error.message,
            retry_after: error.retry_after,
        },
        _ => HostError::Failed(error.message),
    }
}

impl Host for GatewayHost {
    fn stream<'a>(
        &'a self,
        track: Uuid,
        headers: &'a HeaderMap,
        wanted: Wanted,
    ) -> BoxFuture<'a, Result<Response, HostError>> {
        Box::pin(async move {
            let wanted = audio::Wanted {
                format: wanted.format,
                kbps: wanted.kbps,
                offset_s: wanted.offset_s,
            };
            audio::send(&self.db, &self.audio, track, headers, &wanted)
                .await
                .map_err(|e| match host_error(e) {
                    // The native stream's names for Subsonic's parameters.
                    HostError::Invalid { field, message } if field == "offset" => {
                        HostError::Invalid {
                            field: "timeOffset".into(),
                            message,
                        }
                    }
                    other => other,
                })
        })
    }

    fn artwork(
        &self,
        key: String,
        size: Option<u32>,
    ) -> BoxFuture<'_, Result<Response, HostError>> {
        Box::pin(async move {
            crate::catalog::covers::artwork(&self.storage, key, size)
                .await
                .map_err(host_error)
        })
    }

    fn avatar(&self, user: Uuid) -> BoxFuture<'_, Result<Response, HostError>> {
        Box::pin(async move {
            crate::me::avatar(&self.db, &self.storage, user)
                .await
                .map_err(host_error)
        })
    }

    fn search<'a>(
        &'a self,
        query: &'a str,
        user: Uuid,
        pages: [Page; 3],
    ) -> BoxFuture<'a, Result<[Vec<Uuid>; 3], HostError>> {
        Box::pin(async move {
            let kinds = [ResultType::Artist, ResultType::Album, ResultType::Track];
            let pages: Vec<KindPage> = kinds
                .into_iter()
                .zip(pages)
                .map(|(kind, page)| KindPage {
                    kind,
                    size: page.size,
                    offset: page.offset,
                })
                .collect();
            let mut found = ids_by_kind(&self.search, query, Some(user), &pages)
                .await
                .map_err(host_error)?
                .into_iter();
            let mut next = || found.next().unwrap_or_default();
            Ok([next(), next(), next()])
        })
    }

    fn publish<'a>(&'a self, events: &'a [PlaybackEvent]) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            crate::playback::publish::publish(&self.events, events)
                .await
                .map_err(host_error)
        })
    }

    fn outbox_written(&self) {
        self.outbox.notify();
    }
}
