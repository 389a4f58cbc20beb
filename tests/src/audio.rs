//! Real audio files for tests, made at test time by sox and opusenc (which
//! `scripts/stack test` installs).

use std::path::Path;
use std::process::{Command, Stdio};

/// Makes a 3-second stereo sine in `format` (wav, flac, ogg, mp3, opus).
pub fn tone(dir: &Path, format: &str) -> Vec<u8> {
    let out = dir.join(format!("tone.{format}"));
    let status = if format == "opus" {
        let wav = dir.join("tone-48k.wav");
        sox(&[
            "-n",
            "-r",
            "48000",
            "-c",
            "2",
            "-b",
            "16",
            wav.to_str().expect("path"),
            "synth",
            "3",
            "sine",
            "440",
        ]);
        Command::new("opusenc")
            .args(["--quiet", "--title", "Opus Song", "--artist", "Opus Artist"])
            .arg(&wav)
            .arg(&out)
            .status()
    } else {
        let comment = "TITLE=Sine Song";
        let mut args = vec!["-n", "-r", "44100", "-c", "2"];
        if format == "flac" || format == "ogg" {
            args.extend(["--comment", comment]);
        }
        let path = out.to_str().expect("path").to_string();
        args.push(&path);
        args.extend(["synth", "3", "sine", "440"]);
        return sox_then_read(&args, &out);
    };
    assert!(
        status.is_ok_and(|s| s.success()),
        "opusenc failed; install opus-tools (scripts/stack test does)"
    );
    std::fs::read(&out).expect("the generated file")
}

fn sox(args: &[&str]) {
    let status = Command::new("sox")
        .args(args)
        .stderr(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "sox {args:?} failed; install sox and libsox-fmt-mp3 (scripts/stack test does)"
    );
}

fn sox_then_read(args: &[&str], out: &Path) -> Vec<u8> {
    sox(args);
    std::fs::read(out).expect("the generated file")
}

/// [`long_tone`] turned down by `db` decibels: a quieter track, for what
/// loudness normalisation does with an album of unequal tracks.
pub fn quieter_tone(dir: &Path, seconds: u32, db: u32) -> Vec<u8> {
    let out = dir.join(format!("long-{seconds}-minus-{db}.wav"));
    let path = out.to_str().expect("path").to_string();
    let (length, gain) = (seconds.to_string(), format!("-{db}"));
    sox_then_read(
        &[
            "-n", "-r", "8000", "-c", "1", "-b", "16", &path, "synth", &length, "sine", "330",
            "gain", &gain,
        ],
        &out,
    )
}

/// A long mono WAV (8 kHz, 16-bit) of `seconds`: a transcode of it runs
/// for seconds, long enough to watch it hold its slot.
pub fn long_tone(dir: &Path, seconds: u32) -> Vec<u8> {
    let out = dir.join(format!("long-{seconds}.wav"));
    let path = out.to_str().expect("path").to_string();
    let length = seconds.to_string();
    sox_then_read(
        &[
            "-n", "-r", "8000", "-c", "1", "-b", "16", &path, "synth", &length, "sine", "330",
        ],
        &out,
    )
}
