//! OpenSubsonic's `transcoding` extension. `getTranscodeDecision` takes the
//! client's capabilities (`ClientInfo`, as the POST's JSON body) and says
//! whether a song plays as stored or which transcode to ask for;
//! `getTranscodeStream` sends that transcode, from the same transcoder and
//! cache `stream` uses. The rules are in [`decide`], free of I/O.

mod decide;

use encore_core::catalog::{songs, Song};

use self::decide::{decide, params, parse_params, ClientInfo, Stream};
use super::params::Failure;
use super::response::{Element, Value};
use crate::context::{Ctx, Outcome, Reply};
use crate::host::Wanted;

/// The song's stored audio as the extension describes streams; `None`
/// when it has none.
fn source(song: &Song) -> Option<Stream> {
    let content_type = song.audio_content_type.as_deref()?;
    let codec = song.audio_codec.clone();
    let (container, codec) = match content_type {
        "audio/mpeg" => ("mp3", codec.unwrap_or_else(|| "mp3".into())),
        "audio/flac" => ("flac", codec.unwrap_or_else(|| "flac".into())),
        "audio/wav" => ("wav", codec.unwrap_or_else(|| "pcm".into())),
        // Vorbis or Opus: unknown for audio stored before Encore kept the
        // codec, which then matches no profile naming one.
        "audio/ogg" => ("ogg", codec.unwrap_or_default()),
        other => (
            other.trim_start_matches("audio/"),
            codec.unwrap_or_default(),
        ),
    };
    let bitrate = song
        .audio_size
        .filter(|_| song.duration_ms > 0)
        .and_then(|size| u64::try_from(size * 8 * 1000 / song.duration_ms).ok());
    let known = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
    Some(Stream {
        container: container.into(),
        codec,
        bitrate,
        channels: known(song.audio_channels.map(i64::from)),
        samplerate: known(song.audio_sample_rate.map(i64::from)),
        bitdepth: known(song.audio_bit_depth.map(i64::from)),
    })
}

fn details(name: &'static str, stream: &Stream) -> Element {
    let number = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok());
    Element::new(name)
        .attr("protocol", "http")
        .attr("container", stream.container.as_str())
        .attr("codec", stream.codec.as_str())
        .opt("audioChannels", number(stream.channels))
        .opt("audioBitrate", number(stream.bitrate))
        .opt("audioSamplerate", number(stream.samplerate))
        .opt("audioBitdepth", number(stream.bitdepth))
}

/// Only songs: Encore has no podcasts. Absent means a song, as the older
/// form of the extension had no `mediaType`.
fn song_id(ctx: &Ctx) -> Result<uuid::Uuid, Failure> {
    match ctx.params.get("mediaType").map(str::trim) {
        None | Some("song") => {}
        Some(_) => {
            return Err(Failure::invalid(
                "mediaType",
                "must be song: Encore has no podcasts",
            ))
        }
    }
    // `songId` in the extension's first draft.
    match ctx.params.get("mediaId") {
        Some(_) => ctx.params.id("mediaId"),
        None => ctx.params.id("songId"),
    }
}

/// `getTranscodeDecision`: `mediaId`, `mediaType`, and the client's
/// capabilities as the JSON body.
pub(super) async fn decision(ctx: &Ctx) -> Outcome {
    let id = song_id(ctx)?;
    if ctx.body.is_empty() {
        return Err(Failure::invalid(
            "body",
            "must be the client's capabilities as JSON (OpenSubsonic ClientInfo), sent by POST",
        ));
    }
    let client: ClientInfo = serde_json::from_slice(&ctx.body)
        .map_err(|e| Failure::invalid("body", &format!("is not a ClientInfo: {e}")))?;
    tracing::debug!(client = %client.name, platform = %client.platform, "transcode decision");
    let song = songs::one(&ctx.state.db, ctx.caller.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    let Some(stream) = source(&song) else {
        return Err(Failure::not_found("audio of this song"));
    };
    let decision = decide(&stream, &client);
    let mut element = Element::new("transcodeDecision")
        .attr("canDirectPlay", decision.direct)
        .attr("canTranscode", decision.transcode.is_some())
        .values(
            "transcodeReason",
            decision.reasons.into_iter().map(Value::from).collect(),
        );
    if !decision.direct && decision.transcode.is_none() {
        element = element.attr(
            "errorReason",
            "no transcoding profile asks for what Encore makes: MP3, Opus in Ogg or AAC in ADTS, over HTTP",
        );
    }
    if let Some((target, out)) = &decision.transcode {
        element = element.attr("transcodeParams", params(*target, out));
    }
    element = element.child(details("sourceStream", &stream));
    if let Some((_, out)) = &decision.transcode {
        element = element.child(details("transcodeStream", out));
    }
    Ok(Reply::Payload(element))
}

/// `getTranscodeStream`: `mediaId`, `mediaType`, `transcodeParams` (from
/// the decision) and `offset` (seconds).
pub(super) async fn stream(ctx: &Ctx) -> Outcome {
    let id = song_id(ctx)?;
    let text = ctx.params.required("transcodeParams")?;
    let (target, kbps) = parse_params(text).ok_or_else(|| {
        Failure::invalid(
            "transcodeParams",
            "is not one getTranscodeDecision gave out",
        )
    })?;
    let offset_s = ctx
        .params
        .int("offset")?
        .map(|s| {
            u32::try_from(s)
                .map_err(|_| Failure::invalid("offset", "must be a number of seconds from 0"))
        })
        .transpose()?;
    let wanted = Wanted {
        format: Some(target.format().into()),
        kbps: Some(kbps),
        offset_s,
    };
    let response = ctx.state.host.stream(id, &ctx.headers, wanted).await?;
    Ok(Reply::Raw(response))
}
