//! The transcode decision of OpenSubsonic's `transcoding` extension, as a
//! plain function of the song's stream and the client's capabilities
//! (`ClientInfo`, the request's JSON body): no I/O, so every rule is a unit
//! test.
//!
//! The extension's documents have named the profile fields both singly
//! (`container: "mp3"`, `value: "320000"`) and as lists (`containers:
//! ["mp3"]`, `values: ["320000"]`); both are read, and a single string may
//! list several, comma-separated, as the older form's examples do.

use serde::{Deserialize, Deserializer};

/// What a song's audio is, as the extension's `StreamDetails` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stream {
    pub(super) container: String,
    pub(super) codec: String,
    /// Bits per second.
    pub(super) bitrate: Option<u64>,
    pub(super) channels: Option<u64>,
    pub(super) samplerate: Option<u64>,
    pub(super) bitdepth: Option<u64>,
}

/// A format Encore transcodes to, as the extension names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Mp3,
    Opus,
    Aac,
}

impl Target {
    /// `stream`'s `format` for it.
    pub(super) fn format(self) -> &'static str {
        match self {
            Target::Mp3 => "mp3",
            Target::Opus => "opus",
            Target::Aac => "aac",
        }
    }

    fn container(self) -> &'static str {
        match self {
            Target::Mp3 => "mp3",
            Target::Opus => "ogg",
            Target::Aac => "aac",
        }
    }

    /// The format a transcoding profile asks for, if Encore makes it: MP3,
    /// Opus in Ogg, or AAC in ADTS, over plain HTTP.
    fn of(container: &str, codec: &str) -> Option<Target> {
        match (container, codec) {
            ("mp3", "mp3" | "") => Some(Target::Mp3),
            ("ogg" | "opus", "opus" | "") => Some(Target::Opus),
            ("aac" | "adts", "aac" | "") => Some(Target::Aac),
            _ => None,
        }
    }

    fn default_bitrate(self) -> u64 {
        match self {
            Target::Mp3 => 192_000,
            Target::Opus => 128_000,
            Target::Aac => 160_000,
        }
    }

    /// The bitrate a transcode gets: the client's caps, within what Encore
    /// encodes (32 to 320 kbps), rounded down to whole kbps.
    fn bitrate(self, caps: &[u64]) -> u64 {
        let capped = caps.iter().copied().fold(self.default_bitrate(), u64::min);
        capped.clamp(32_000, 320_000) / 1000 * 1000
    }
}

/// A list the documents give either as one (comma-separated) string or as
/// an array of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Names(Vec<String>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        let all = match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        };
        Ok(Names(
            all.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect(),
        ))
    }
}

impl Names {
    /// No names, or `*`, allow anything.
    fn allows(&self, name: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|n| n == "*" || n == name)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DirectPlayProfile {
    #[serde(default, alias = "container")]
    pub(super) containers: Names,
    #[serde(default, alias = "audioCodec")]
    pub(super) audio_codecs: Names,
    #[serde(default, alias = "protocol")]
    pub(super) protocols: Names,
    pub(super) max_audio_channels: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TranscodingProfile {
    #[serde(default)]
    pub(super) container: String,
    #[serde(default)]
    pub(super) audio_codec: String,
    #[serde(default)]
    pub(super) protocol: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Limitation {
    pub(super) name: String,
    pub(super) comparison: String,
    #[serde(default, alias = "value")]
    pub(super) values: Names,
    #[serde(default)]
    pub(super) required: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CodecProfile {
    #[serde(rename = "type", default)]
    pub(super) kind: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) limitations: Vec<Limitation>,
}

/// What the client can play, from the request's body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClientInfo {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) platform: String,
    pub(super) max_audio_bitrate: Option<u64>,
    pub(super) max_transcoding_audio_bitrate: Option<u64>,
    #[serde(default)]
    pub(super) direct_play_profiles: Vec<DirectPlayProfile>,
    #[serde(default)]
    pub(super) transcoding_profiles: Vec<TranscodingProfile>,
    #[serde(default)]
    pub(super) codec_profiles: Vec<CodecProfile>,
}

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decision {
    pub(super) direct: bool,
    /// Why not directly, one reason per direct play profile (or one when
    /// there are none, or when the client's bitrate cap rules it out).
    pub(super) reasons: Vec<String>,
    /// The transcode to ask `getTranscodeStream` for, if any fits.
    pub(super) transcode: Option<(Target, Stream)>,
}

impl ClientInfo {
    /// The client's limitations on `codec`.
    fn limits<'a>(&'a self, codec: &'a str) -> impl Iterator<Item = &'a Limitation> {
        self.codec_profiles
            .iter()
            .filter(move |p| {
                (p.kind.is_empty() || p.kind.eq_ignore_ascii_case("AudioCodec"))
                    && p.name.eq_ignore_ascii_case(codec)
            })
            .flat_map(|p| p.limitations.iter())
    }
}

/// Whether `stream` meets `limit`. What the server does not know about the
/// stream passes, unless the client requires it.
fn meets(stream: &Stream, limit: &Limitation) -> bool {
    let value = match limit.name.to_ascii_lowercase().as_str() {
        "audiobitrate" => stream.bitrate,
        "audiochannels" => stream.channels,
        "audiosamplerate" => stream.samplerate,
        "audiobitdepth" => stream.bitdepth,
        // Profiles (AAC-LC, ...) and anything newer: Encore's sources have none.
        _ => return !limit.required,
    };
    let Some(value) = value else {
        return !limit.required;
    };
    let numbers: Vec<u64> = limit
        .values
        .0
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    match limit.comparison.to_ascii_lowercase().as_str() {
        "equals" => numbers.contains(&value),
        "notequals" => !numbers.contains(&value),
        "lessthanequal" => numbers.first().is_some_and(|n| value <= *n),
        "greaterthanequal" => numbers.first().is_some_and(|n| value >= *n),
        _ => !limit.required,
    }
}

/// Why `profile` cannot play `stream` as it is, or `None` if it can.
fn refusal(stream: &Stream, profile: &DirectPlayProfile) -> Option<&'static str> {
    if !profile.containers.allows(&stream.container) {
        return Some("ContainerNotSupported");
    }
    if !profile.audio_codecs.allows(&stream.codec) {
        return Some("AudioCodecNotSupported");
    }
    if !profile.protocols.allows("http") {
        return Some("ProtocolNotSupported");
    }
    if let (Some(max), Some(channels)) = (profile.max_audio_channels, stream.channels) {
        if channels > max {
            return Some("AudioChannelsNotSupported");
        }
    }
    None
}

/// The decision for `stream` (`None`: the song has no audio) and `client`.
pub(super) fn decide(stream: &Stream, client: &ClientInfo) -> Decision {
    let mut reasons: Vec<String> = client
        .direct_play_profiles
        .iter()
        .filter_map(|p| refusal(stream, p))
        .map(String::from)
        .collect();
    let playable = client.direct_play_profiles.len() > reasons.len();
    if client.direct_play_profiles.is_empty() {
        reasons.push("NoDirectPlayProfile".into());
    }
    let within_bitrate = match (client.max_audio_bitrate, stream.bitrate) {
        (Some(max), Some(bitrate)) => bitrate <= max,
        _ => true,
    };
    if playable && !within_bitrate {
        reasons = vec!["AudioBitrateNotSupported".into()];
    }
    let within_limits = client.limits(&stream.codec).all(|l| meets(stream, l));
    if playable && within_bitrate && !within_limits {
        reasons = vec!["AudioCodecLimitationNotMet".into()];
    }
    let direct = playable && within_bitrate && within_limits;
    if direct {
        return Decision {
            direct,
            reasons: Vec::new(),
            transcode: None,
        };
    }
    let transcode = client.transcoding_profiles.iter().find_map(|profile| {
        if !matches!(
            profile.protocol.to_ascii_lowercase().as_str(),
            "" | "*" | "http"
        ) {
            return None;
        }
        let container = profile.container.to_ascii_lowercase();
        let codec = profile.audio_codec.to_ascii_lowercase();
        let target = Target::of(&container, &codec)?;
        // Caps: the client's for transcodes, and its own `LessThanEqual`
        // bitrate limitation on the codec, if it has one.
        let mut caps: Vec<u64> = client.max_transcoding_audio_bitrate.into_iter().collect();
        caps.extend(
            client
                .limits(target.format())
                .filter(|l| l.name.eq_ignore_ascii_case("audioBitrate"))
                .filter(|l| l.comparison.eq_ignore_ascii_case("LessThanEqual"))
                .filter_map(|l| l.values.0.first()?.parse::<u64>().ok()),
        );
        let out = Stream {
            container: target.container().into(),
            codec: target.format().into(),
            bitrate: Some(target.bitrate(&caps)),
            channels: stream.channels,
            samplerate: stream.samplerate,
            bitdepth: None,
        };
        Some((target, out))
    });
    Decision {
        direct,
        reasons,
        transcode,
    }
}

/// What `getTranscodeStream` gets back: the target and its kbps, as
/// `mp3-192`. Not secret: it only names what `stream` could be asked for.
pub(super) fn params(target: Target, stream: &Stream) -> String {
    let kbps = stream.bitrate.unwrap_or(target.default_bitrate()) / 1000;
    format!("{}-{kbps}", target.format())
}

/// The target and kbps of [`params`]' text.
pub(super) fn parse_params(text: &str) -> Option<(Target, u32)> {
    let (format, kbps) = text.trim().split_once('-')?;
    let target = match format {
        "mp3" => Target::Mp3,
        "opus" => Target::Opus,
        "aac" => Target::Aac,
        _ => return None,
    };
    let kbps: u32 = kbps.parse().ok()?;
    (32..=320).contains(&kbps).then_some((target, kbps))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flac() -> Stream {
        Stream {
            container: "flac".into(),
            codec: "flac".into(),
            bitrate: Some(900_000),
            channels: Some(2),
            samplerate: Some(96_000),
            bitdepth: Some(24),
        }
    }

    fn client(json: &str) -> ClientInfo {
        serde_json::from_str(json).expect("a ClientInfo")
    }

    const PHONE: &str = r#"{"name": "phone", "platform": "Android",
        "maxTranscodingAudioBitrate": 256000,
        "directPlayProfiles": [{"containers": ["mp3"], "audioCodecs": ["mp3"], "protocols": ["http"]},
                               {"container": "flac", "audioCodec": "flac", "protocol": "*", "maxAudioChannels": 2}],
        "transcodingProfiles": [{"container": "mp4", "audioCodec": "aac", "protocol": "hls"},
                                {"container": "ogg", "audioCodec": "opus", "protocol": "http"}],
        "codecProfiles": [{"type": "AudioCodec", "name": "flac", "limitations": [
            {"name": "audioSamplerate", "comparison": "LessThanEqual", "values": ["48000"], "required": true}]},
            {"type": "AudioCodec", "name": "opus", "limitations": [
            {"name": "audioBitrate", "comparison": "LessThanEqual", "value": "96000"}]}]}"#;

    #[test]
    fn a_stream_the_client_plays_goes_as_it_is() {
        let mp3 = Stream {
            container: "mp3".into(),
            codec: "mp3".into(),
            bitrate: Some(192_000),
            ..flac()
        };
        let decision = decide(&mp3, &client(PHONE));
        assert!(decision.direct, "{decision:?}");
        assert_eq!(decision.transcode, None);
    }

    #[test]
    fn a_limitation_not_met_transcodes_to_the_first_profile_encore_makes() {
        let decision = decide(&flac(), &client(PHONE));
        assert!(!decision.direct);
        assert_eq!(decision.reasons, ["AudioCodecLimitationNotMet"]);
        // HLS in MP4 is skipped; Opus at the codec's own 96 kbps cap.
        let (target, out) = decision.transcode.expect("a transcode");
        assert_eq!(target, Target::Opus);
        assert_eq!((out.container.as_str(), out.bitrate), ("ogg", Some(96_000)));
        assert_eq!(params(target, &out), "opus-96");
        assert_eq!(parse_params("opus-96"), Some((Target::Opus, 96)));
    }

    #[test]
    fn each_profile_says_why_not() {
        let wav = Stream {
            container: "wav".into(),
            codec: "pcm".into(),
            ..flac()
        };
        let decision = decide(&wav, &client(PHONE));
        assert_eq!(
            decision.reasons,
            ["ContainerNotSupported", "ContainerNotSupported"]
        );
        let capped = client(r#"{"maxAudioBitrate": 320000, "directPlayProfiles": [{}]}"#);
        let decision = decide(&flac(), &capped);
        assert_eq!(decision.reasons, ["AudioBitrateNotSupported"]);
        // No transcoding profile Encore makes: no transcode.
        assert_eq!(decision.transcode, None);
        let nothing = decide(&flac(), &ClientInfo::default());
        assert_eq!(nothing.reasons, ["NoDirectPlayProfile"]);
    }

    #[test]
    fn bitrates_stay_within_what_encore_encodes() {
        assert_eq!(Target::Mp3.bitrate(&[]), 192_000);
        assert_eq!(Target::Mp3.bitrate(&[8_000]), 32_000);
        assert_eq!(Target::Aac.bitrate(&[128_500]), 128_000);
        for bad in ["flac-100", "mp3-8", "mp3-999", "mp3", "mp3-x", ""] {
            assert_eq!(parse_params(bad), None, "{bad}");
        }
    }
}
