//! An upload's loudness, measured once with ffmpeg's EBU R128 filter: the
//! integrated loudness (LUFS) and the true peak (dBTP), from which players
//! normalise volume (OpenSubsonic `replayGain`: gain = −18 LUFS − loudness,
//! the ReplayGain 2.0 reference).
//!
//! Measuring decodes the whole file, a second or so for a song, once per
//! upload. A file ffmpeg cannot measure is stored anyway, without a
//! loudness: volume normalisation is a nicety, the upload is not.

use std::process::Stdio;

use axum::body::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// What ffmpeg's `ebur128` summary says of a file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loudness {
    /// Integrated loudness, LUFS.
    pub integrated_lufs: f32,
    /// True peak, dBTP; `None` for digital silence (−∞).
    pub true_peak_dbtp: Option<f32>,
}

/// Measures `audio` with `ffmpeg`; `None` (with a warning) when it cannot.
pub async fn measure(ffmpeg: &str, audio: Bytes) -> Option<Loudness> {
    let child = Command::new(ffmpeg)
        .args(["-hide_banner", "-nostats", "-i", "pipe:0"])
        // `framelog=verbose` keeps its ten lines a second of progress below
        // the log level: the summary is all that is read.
        .args(["-vn", "-af", "ebur128=peak=true:framelog=verbose"])
        .args(["-f", "null", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            tracing::warn!(%error, ffmpeg, "measuring loudness: ffmpeg did not start");
            return None;
        }
    };
    let mut stdin = child.stdin.take()?;
    // Written beside the read: ffmpeg's stderr must be drained while it
    // works, or a full pipe would stall both.
    let feed = tokio::spawn(async move {
        // ffmpeg may stop reading early (a file it cannot decode): not an error here.
        let _ = stdin.write_all(&audio).await;
    });
    // Bytes, not text: ffmpeg echoes the file's tags, in whatever encoding.
    let mut report = Vec::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_end(&mut report).await;
    }
    let report = String::from_utf8_lossy(&report);
    let _ = feed.await;
    let status = child.wait().await.ok()?;
    // A filter that failed still prints an empty summary (0 LUFS).
    let found = status.success().then(|| summary(&report)).flatten();
    if found.is_none() {
        let last = report.lines().last().unwrap_or("no output");
        tracing::warn!(
            ?status,
            reason = last,
            "measuring loudness failed; stored without it"
        );
    }
    found
}

/// The integrated loudness and true peak from an `ebur128` summary.
fn summary(report: &str) -> Option<Loudness> {
    let after = &report[report.rfind("Summary:")?..];
    let value = |label: &str| -> Option<&str> {
        after
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
    };
    let integrated_lufs: f32 = value("I:")?.parse().ok()?;
    // "-inf" for silence; any other value is the peak.
    let true_peak_dbtp = value("Peak:")
        .and_then(|v| v.parse::<f32>().ok())
        .filter(|p| p.is_finite());
    integrated_lufs.is_finite().then_some(Loudness {
        integrated_lufs,
        true_peak_dbtp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Input #0, mp3, from 'pipe:0':\n\
        [Parsed_ebur128_0 @ 0x55] Summary:\n\n  Integrated loudness:\n    I:         -19.6 LUFS\n    \
        Threshold: -29.7 LUFS\n\n  Loudness range:\n    LRA:         0.0 LU\n\n  True peak:\n    \
        Peak:       -2.5 dBFS\n";

    #[test]
    fn the_summary_gives_the_loudness_and_the_peak() {
        assert_eq!(
            summary(REPORT),
            Some(Loudness {
                integrated_lufs: -19.6,
                true_peak_dbtp: Some(-2.5)
            })
        );
        let silent = REPORT.replace("-2.5 dBFS", "-inf dBFS");
        assert_eq!(summary(&silent).and_then(|l| l.true_peak_dbtp), None);
        assert_eq!(summary("Invalid data found when processing input"), None);
    }

    #[tokio::test]
    async fn a_tone_is_measured() {
        let wav = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi"])
            .args(["-i", "sine=frequency=440:duration=3", "-f", "wav", "pipe:1"])
            .output()
            .await
            .expect("ffmpeg runs (scripts/stack installs it)");
        let found = measure("ffmpeg", Bytes::from(wav.stdout))
            .await
            .expect("a loudness");
        // ffmpeg's sine source is at 1/8 of full scale, -18 dBFS; weighted,
        // about -22 LUFS.
        assert!((-25.0..-18.0).contains(&found.integrated_lufs), "{found:?}");
        assert!(
            found
                .true_peak_dbtp
                .is_some_and(|p| (-25.0..0.0).contains(&p)),
            "{found:?}"
        );
        assert_eq!(
            measure("ffmpeg", Bytes::from_static(b"not audio")).await,
            None
        );
    }
}
