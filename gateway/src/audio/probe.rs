//! What an uploaded file really is, read from its content with `lofty`:
//! the container, the duration and the tags. The client's Content-Type and
//! file name are never trusted.

use std::io::Cursor;

use lofty::config::{ParseOptions, ParsingMode};
use lofty::file::{AudioFile, FileType, TaggedFileExt};
use lofty::probe::Probe;
use lofty::tag::Accessor;
use serde::Serialize;

/// The formats Encore serves, with their media type and file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    Mp3,
    Flac,
    Vorbis,
    Opus,
    Wav,
}

impl AudioFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "audio/mpeg",
            AudioFormat::Flac => "audio/flac",
            AudioFormat::Vorbis | AudioFormat::Opus => "audio/ogg",
            AudioFormat::Wav => "audio/wav",
        }
    }

    /// The codec, as OpenSubsonic's transcoding profiles name codecs.
    pub fn codec(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Flac => "flac",
            AudioFormat::Vorbis => "vorbis",
            AudioFormat::Opus => "opus",
            AudioFormat::Wav => "pcm",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Flac => "flac",
            AudioFormat::Vorbis | AudioFormat::Opus => "ogg",
            AudioFormat::Wav => "wav",
        }
    }
}

/// Tags found in the file, if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AudioTags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub year: Option<u32>,
    pub track_number: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AudioInfo {
    pub format: AudioFormat,
    pub duration_ms: i64,
    /// Samples per second, when the file says.
    pub sample_rate: Option<u32>,
    /// Bits per sample: lossless formats only.
    pub bit_depth: Option<u8>,
    pub channels: Option<u8>,
    pub tags: AudioTags,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProbeError {
    #[error("the file is not audio in a format we accept (MP3, FLAC, Ogg Vorbis, Ogg Opus, WAV)")]
    NotAudio,
    #[error("the {0:?} file has no playable duration")]
    NoDuration(AudioFormat),
    #[error("the {0:?} file holds far less audio than its header promises; is it cut short?")]
    Truncated(AudioFormat),
}

/// Below this many bits per second of actual file, no codec we accept makes
/// audible sound (Opus, the leanest, needs about 6 kbit/s): such a file is a
/// header whose audio was cut off.
const MIN_BITS_PER_SECOND: u64 = 4_000;

/// Reads `bytes` strictly: a file that only looks like audio in its first
/// bytes fails here.
pub fn probe(bytes: &[u8]) -> Result<AudioInfo, ProbeError> {
    let options = ParseOptions::new().parsing_mode(ParsingMode::Strict);
    let probe = Probe::new(Cursor::new(bytes))
        .options(options)
        .guess_file_type()
        .map_err(|_| ProbeError::NotAudio)?;
    let format = match probe.file_type() {
        Some(FileType::Mpeg) => AudioFormat::Mp3,
        Some(FileType::Flac) => AudioFormat::Flac,
        Some(FileType::Vorbis) => AudioFormat::Vorbis,
        Some(FileType::Opus) => AudioFormat::Opus,
        Some(FileType::Wav) => AudioFormat::Wav,
        _ => return Err(ProbeError::NotAudio),
    };
    let file = probe.read().map_err(|_| ProbeError::NotAudio)?;
    let duration_ms = i64::try_from(file.properties().duration().as_millis()).unwrap_or(i64::MAX);
    if duration_ms <= 0 {
        return Err(ProbeError::NoDuration(format));
    }
    let bits_per_second = bytes.len() as u64 * 8 * 1_000 / duration_ms as u64;
    if bits_per_second < MIN_BITS_PER_SECOND {
        return Err(ProbeError::Truncated(format));
    }
    let tags = file
        .primary_tag()
        .or_else(|| file.first_tag())
        .map(|tag| AudioTags {
            title: tag_text(tag.title()),
            artist: tag_text(tag.artist()),
            album: tag_text(tag.album()),
            genre: tag_text(tag.genre()),
            year: tag.year(),
            track_number: tag.track(),
        })
        .unwrap_or_default();
    let properties = file.properties();
    Ok(AudioInfo {
        format,
        duration_ms,
        sample_rate: properties.sample_rate().filter(|r| *r > 0),
        bit_depth: properties.bit_depth().filter(|b| *b > 0),
        channels: properties.channels().filter(|c| *c > 0),
        tags,
    })
}

/// A tag's text, trimmed, without what the text rule refuses (tags use NUL
/// as a separator of several values, and a file is no reason to fail an
/// upload over one), or `None` when nothing is left.
fn tag_text(tag: Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    let tag = tag?;
    let text = encore_common::text::cleaned(&tag).trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid 16-bit mono PCM WAV of `samples` silent samples at 8 kHz.
    fn wav(samples: u32) -> Vec<u8> {
        let data_len = samples * 2;
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&8_000u32.to_le_bytes());
        out.extend_from_slice(&16_000u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out.resize(out.len() + data_len as usize, 0);
        out
    }

    #[test]
    fn reads_a_wav_duration() {
        let info = probe(&wav(16_000)).unwrap();
        assert_eq!(info.format, AudioFormat::Wav);
        assert_eq!(info.duration_ms, 2_000);
        assert_eq!(
            (info.sample_rate, info.bit_depth, info.channels),
            (Some(8_000), Some(16), Some(1))
        );
        assert_eq!(info.tags, AudioTags::default());
    }

    #[test]
    fn refuses_what_is_not_audio() {
        assert_eq!(
            probe(b"just some text, no audio here"),
            Err(ProbeError::NotAudio)
        );
        assert_eq!(probe(b"\x89PNG\r\n\x1a\n0000"), Err(ProbeError::NotAudio));
        assert_eq!(probe(b""), Err(ProbeError::NotAudio));
        let mut cut = wav(16_000);
        cut.truncate(30);
        assert!(probe(&cut).is_err());
    }

    #[test]
    fn refuses_a_header_whose_audio_was_cut_off() {
        // A WAV header that promises 2 minutes, followed by almost nothing.
        let mut promise = wav(16);
        let claimed: u32 = 8_000 * 2 * 120;
        promise[40..44].copy_from_slice(&claimed.to_le_bytes());
        promise[4..8].copy_from_slice(&(36 + claimed).to_le_bytes());
        assert!(matches!(
            probe(&promise),
            Err(ProbeError::Truncated(_)) | Err(ProbeError::NotAudio)
        ));
    }
}
