//! stream and download: a song's stored audio, with `Range`, through the
//! native stream's code. Streaming is not listening: only scrobbles and
//! playback reports count as plays.
//!
//! `getCoverArt` serves artwork (the host's): the id is an album's (what
//! `coverArt` names), a song's (its album's cover) or an artist's (its
//! picture, else the cover of its newest album that has one). Where there is no
//! cover it sends a placeholder picture, as Navidrome does: apps show the
//! image they get, and an error leaves a broken tile.
//!
//! `stream` transcodes as `format` and `maxBitRate` ask (the host
//! transcodes), and starts `timeOffset` seconds in (OpenSubsonic
//! `transcodeOffset`: clients send it on every seek, not knowing whether
//! they get a transcode, so a seek into the original transcodes it too);
//! `download` always sends the original.

use axum::http::header;
use axum::response::IntoResponse;

use super::params::Failure;
use crate::context::{Ctx, Outcome, Reply};
use crate::host::{HostError, Wanted};

/// What `getCoverArt` sends for something without a cover: a record on a
/// dark ground, 300 pixels a side (apps scale it to their tiles).
const NO_COVER: &[u8] = include_bytes!("../assets/no-cover.png");

pub(super) async fn stream(ctx: &Ctx, download: bool) -> Outcome {
    let id = ctx.params.id("id")?;
    let wanted = if download {
        Wanted::default()
    } else {
        let kbps = ctx
            .params
            .int("maxBitRate")?
            .map(|k| match u32::try_from(k) {
                Ok(kbps) => Ok(kbps),
                // Above any real bitrate: the original is within it.
                Err(_) if k > 0 => Ok(u32::MAX),
                Err(_) => Err(Failure::invalid(
                    "maxBitRate",
                    "must be 0 (no limit) or a bitrate in kbps",
                )),
            })
            .transpose()?;
        let offset_s = ctx
            .params
            .int("timeOffset")?
            .map(|s| {
                u32::try_from(s).map_err(|_| {
                    Failure::invalid("timeOffset", "must be a number of seconds from 0")
                })
            })
            .transpose()?;
        Wanted {
            format: ctx.params.get("format").map(String::from),
            kbps,
            offset_s,
        }
    };
    let response = ctx.state.host.stream(id, &ctx.headers, wanted).await?;
    Ok(Reply::Raw(response))
}

/// `getAvatar`: `username`'s picture, which anyone signed in may see (as
/// the native `/v1/users/{id}/avatar`); 70 when there is none.
pub(super) async fn avatar(ctx: &Ctx) -> Outcome {
    let username = ctx.params.required("username")?;
    let user = encore_core::accounts::named(&ctx.state.db, username).await?;
    let user = user.ok_or_else(|| Failure::not_found("user"))?;
    Ok(Reply::Raw(ctx.state.host.avatar(user).await?))
}

/// `getCoverArt`: `id`, `size` (pixels a side).
pub(super) async fn cover_art(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let size = ctx
        .params
        .int("size")?
        .map(|s| u32::try_from(s.clamp(16, 4096)).unwrap_or(4096));
    let key = encore_core::catalog::albums::artwork_key(&ctx.state.db, id).await?;
    let cover = match key {
        Some(key) => ctx.state.host.artwork(key, size).await,
        None => Err(HostError::NotFound("cover art".into())),
    };
    match cover {
        Ok(response) => Ok(Reply::Raw(response)),
        Err(HostError::NotFound(_)) => Ok(Reply::Raw(no_cover())),
        Err(other) => Err(other.into()),
    }
}

fn no_cover() -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            // Short: a cover uploaded later should show soon.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        NO_COVER,
    )
        .into_response()
}
