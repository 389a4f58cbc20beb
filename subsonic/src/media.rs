//! stream and download: a song's stored audio, with `Range`, through the
//! native stream's code. Streaming is not listening: only scrobbles and
//! playback reports count as plays.
//!
//! `getCoverArt` serves album covers (the host's): the id is an
//! album's (what `coverArt` names), a song's (its album's cover) or an
//! artist's (the cover of its newest album that has one).
//!
//! `stream` transcodes as `format` and `maxBitRate` ask
//! (the host transcodes); `download` always sends the original.

use super::params::Failure;
use crate::context::{Ctx, Outcome, Reply};
use crate::host::Wanted;

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
        Wanted {
            format: ctx.params.get("format").map(String::from),
            kbps,
        }
    };
    let response = ctx.state.host.stream(id, &ctx.headers, wanted).await?;
    Ok(Reply::Raw(response))
}

/// `getCoverArt`: `id`, `size` (pixels a side).
pub(super) async fn cover_art(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let size = ctx
        .params
        .int("size")?
        .map(|s| u32::try_from(s.clamp(16, 4096)).unwrap_or(4096));
    let album = encore_core::catalog::albums::cover_for(&ctx.state.db, id).await?;
    let album = album.ok_or_else(|| Failure::not_found("cover art"))?;
    let response = ctx.state.host.cover(album, size).await?;
    Ok(Reply::Raw(response))
}
