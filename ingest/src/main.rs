//! `ingest`: brings data into Encore from outside. See `ingest --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_common::{fixtures, kafka, telemetry, KafkaConfig};
use encore_ingest::client::Gateway;
use encore_ingest::simulate::run::{self, RunOptions, Sink};
use encore_ingest::simulate::{synthetic_tracks, Generator, Pacer, SimTrack};
use encore_ingest::{catalog, listens, sync, Settings};

/// mimalloc, as in every Encore service: under load, glibc's malloc and
/// free were a fifth of the gateway's CPU (docs/deployment.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status when some rows or listens were rejected (the rest went in).
const SOME_REJECTED: u8 = 3;

#[derive(Parser)]
#[command(
    version,
    about = "Brings data into Encore from outside",
    long_about = "Brings data into Encore from outside: catalog files, listening histories, \
                  scheduled source syncs and simulated listening. Everything but `replay` and \
                  `simulate --direct` goes through the gateway (ENCORE_GATEWAY_URL) like any \
                  client, logged in as ENCORE_INGEST_LOGIN / ENCORE_INGEST_PASSWORD (an admin) \
                  where the API needs one."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import artists, albums and tracks from a file, idempotently.
    ///
    /// FILE is .json (an array), .jsonl (one object per line) or .csv (with a header).
    /// Objects are rows ({"kind": "artist"|"album"|"track", "external_id", ...}) or
    /// MusicBrainz-style artists with nested releases and recordings; see docs/ingest.md.
    /// Rows are matched by external id: a new one is created, a changed one updated, an
    /// identical one left alone. Bad rows are reported with their line and skipped; the
    /// exit status is then 3.
    Catalog { file: PathBuf },
    /// Import a listener's history (ListenBrainz .json/.jsonl, Last.fm .csv) as playback events.
    ///
    /// Logs in as --user with the password in ENCORE_LISTENER_PASSWORD. Listens are
    /// matched to catalog tracks by artist and title (ignoring case, accents and
    /// punctuation); unmatched ones are skipped unless --create-missing adds them to the
    /// catalog (as the ingest admin). Event ids are derived from the listener, the time and
    /// the track, so importing the same history again adds nothing.
    Listens {
        file: PathBuf,
        /// The listener's email or username.
        #[arg(long)]
        user: String,
        /// Add tracks the catalog lacks (needs ENCORE_INGEST_LOGIN / _PASSWORD).
        #[arg(long)]
        create_missing: bool,
    },
    /// Sync the sources of a config file: directories of tagged audio, JSON feeds.
    ///
    /// With --now, runs once and exits. Without, runs on the config's cron schedule and
    /// whenever an admin asks with POST /v1/admin/sync, until SIGTERM. Removed files are
    /// reported, never deleted from the catalog. See docs/ingest.md for the config.
    Sync {
        /// The TOML config file.
        #[arg(long)]
        config: PathBuf,
        /// Run once now and exit.
        #[arg(long)]
        now: bool,
        /// How often to look for requested syncs, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        poll_ms: u64,
    },
    /// Generate realistic listening: listeners with tastes, Zipf popularity, sessions with skips.
    ///
    /// Events go to the gateway as simulated listeners sim-0000, sim-0001, ... (registered on
    /// first use, password ENCORE_SIM_PASSWORD), or straight to Kafka with --direct. The
    /// achieved rate is printed every few seconds. The same --seed and --start give the same
    /// events.
    Simulate {
        /// Simulated listeners.
        #[arg(long, default_value_t = 50)]
        users: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Simulated seconds per second: 1 is real time, 60 a minute a second, `max` as fast
        /// as --rate allows. Default: 1, or max when --rate is given.
        #[arg(long)]
        speed: Option<String>,
        /// Target events per second.
        #[arg(long)]
        rate: Option<f64>,
        /// Stop after this many events.
        #[arg(long)]
        events: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<u64>,
        /// Where the simulated clock starts: RFC 3339, `now`, or `now-<N>[smhd]`.
        /// Default: now in real time, now-1d when accelerated (an accelerated run stops
        /// when its clock reaches now).
        #[arg(long)]
        start: Option<String>,
        /// Use N made-up tracks instead of the gateway's catalog.
        #[arg(long)]
        synthetic_tracks: Option<usize>,
        /// Produce to Kafka directly instead of posting to the gateway.
        #[arg(long, conflicts_with = "dry_run")]
        direct: bool,
        /// Send nowhere (with --output: just write the events).
        #[arg(long)]
        dry_run: bool,
        /// Also write every event to this file, in the fixture format `ingest replay` reads.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Seconds between rate reports.
        #[arg(long, default_value_t = 5)]
        report_every: u64,
    },
    /// Produce a topic fixture (JSON lines: topic, key, value, headers) into the broker.
    ///
    /// Every line is parsed and Avro-encoded before anything is sent, so a broken
    /// file is rejected whole with the number of the line that broke it. Topic names
    /// in the file are logical; ENCORE_TOPIC_PREFIX is prepended. Missing topics are
    /// created with their dead-letter topics.
    Replay {
        /// The fixture file, e.g. tests/fixtures/playback_demo.jsonl
        file: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    telemetry::init_logging();
    let settings = Settings::from_env();
    match Cli::parse().command {
        Command::Catalog { file } => {
            let gateway = settings.admin().await?;
            let tally = catalog::import_file(&gateway, &file).await?;
            print!("{}", tally.summary());
            Ok(exit_for(tally.total("rejected")))
        }
        Command::Listens {
            file,
            user,
            create_missing,
        } => listens(&settings, file, &user, create_missing).await,
        Command::Sync {
            config,
            now,
            poll_ms,
        } => {
            let config = sync::SyncConfig::load(&config)?;
            let gateway = settings.admin().await?;
            if now {
                let reports = sync::run_once(&gateway, &config).await?;
                println!("{}", sync::summarize(&reports));
                let rejected: usize = reports.values().map(|r| r.rejected.len()).sum();
                return Ok(exit_for(rejected as u64));
            }
            sync::serve(
                &gateway,
                &config,
                Duration::from_millis(poll_ms),
                telemetry::shutdown_signal(),
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate {
            users,
            seed,
            speed,
            rate,
            events,
            duration,
            start,
            synthetic_tracks: synthetic,
            direct,
            dry_run,
            output,
            report_every,
        } => {
            let speed = parse_speed(speed.as_deref(), rate)?;
            let now = encore_common::now_millis();
            let default_start = if speed == Some(1.0) { "now" } else { "now-1d" };
            let start_ms = parse_start(start.as_deref().unwrap_or(default_start), now)?;
            if users == 0 {
                anyhow::bail!("--users must be at least 1");
            }
            if rate.is_some_and(|r| r.is_nan() || r <= 0.0) {
                anyhow::bail!("--rate must be a positive number of events per second");
            }
            let tracks = match synthetic {
                Some(n) if n > 0 => synthetic_tracks(n),
                Some(_) => anyhow::bail!("--synthetic-tracks must be at least 1"),
                None => catalog_tracks(&settings.gateway_url).await?,
            };
            let sink = if dry_run {
                Sink::Nowhere
            } else if direct {
                Sink::kafka(KafkaConfig::from_env()?).await?
            } else {
                let password = encore_common::config::string(
                    "ENCORE_SIM_PASSWORD",
                    "encore-simulated-listener",
                );
                eprintln!(
                    "signing in {users} simulated listeners at {}",
                    settings.gateway_url
                );
                Sink::Gateway(run::accounts(&settings.gateway_url, users, &password).await?)
            };
            let generator = Generator::new(tracks, users, seed, start_ms);
            eprintln!(
                "simulating {users} listeners over {} tracks in {} genres (seed {seed})",
                generator.tracks(),
                generator.genres().len()
            );
            let options = RunOptions {
                pacer: Pacer {
                    start_ms,
                    speed,
                    rate,
                },
                seed,
                events,
                duration: duration.map(Duration::from_secs),
                stop_at_now: speed != Some(1.0),
                report_every: Duration::from_secs(report_every.max(1)),
                output,
            };
            let summary = run::run(generator, sink, options, telemetry::shutdown_signal()).await?;
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay { file } => replay(file).await.map(|()| ExitCode::SUCCESS),
    }
}

fn exit_for(rejected: u64) -> ExitCode {
    if rejected > 0 {
        ExitCode::from(SOME_REJECTED)
    } else {
        ExitCode::SUCCESS
    }
}

async fn listens(
    settings: &Settings,
    file: PathBuf,
    user: &str,
    create_missing: bool,
) -> anyhow::Result<ExitCode> {
    let password = std::env::var("ENCORE_LISTENER_PASSWORD")
        .context("ENCORE_LISTENER_PASSWORD must hold the listener's password")?;
    let listener = Gateway::new(&settings.gateway_url)
        .login(user, &password)
        .await
        .with_context(|| format!("logging in as {user}"))?;
    let creator = if create_missing {
        Some(settings.admin().await?)
    } else {
        None
    };
    let history = listens::read_history(&file)?;
    let source = match listens::HistoryFormat::of(&file)? {
        listens::HistoryFormat::LastFmCsv => "lastfm",
        _ => "listenbrainz",
    };
    let import = listens::ListenImport {
        listener: &listener,
        creator: creator.as_ref(),
        source,
    };
    let tally = import.run(history).await?;
    println!("{tally}");
    Ok(exit_for(tally.rejected))
}

async fn catalog_tracks(gateway_url: &str) -> anyhow::Result<Vec<SimTrack>> {
    let tracks = Gateway::new(gateway_url)
        .all_tracks()
        .await
        .context("reading the catalog to simulate over (or give --synthetic-tracks N)")?;
    if tracks.is_empty() {
        anyhow::bail!("the catalog has no tracks: import one first (ingest catalog), or give --synthetic-tracks N");
    }
    Ok(tracks
        .into_iter()
        .map(|t| SimTrack {
            id: t.id,
            genre: t.genre.unwrap_or_else(|| "unknown".into()),
            duration_ms: t.duration_ms,
        })
        .collect())
}

/// `max` (None), or a positive number of simulated seconds per second.
fn parse_speed(speed: Option<&str>, rate: Option<f64>) -> anyhow::Result<Option<f64>> {
    match speed {
        None if rate.is_some() => Ok(None),
        None => Ok(Some(1.0)),
        Some("max") => {
            if rate.is_none() {
                anyhow::bail!("--speed max needs a --rate to pace it");
            }
            Ok(None)
        }
        Some(text) => match text.parse::<f64>() {
            Ok(s) if s > 0.0 && s.is_finite() => Ok(Some(s)),
            _ => anyhow::bail!("--speed {text:?}: use a positive number (1 = real time) or max"),
        },
    }
}

/// RFC 3339, `now`, or `now-<N><s|m|h|d>`, to epoch milliseconds.
fn parse_start(text: &str, now_ms: i64) -> anyhow::Result<i64> {
    let bad = || {
        anyhow::anyhow!(
            "--start {text:?}: use RFC 3339 (2026-11-01T00:00:00Z), now, or now-<N>[smhd] (now-2h)"
        )
    };
    if text == "now" {
        return Ok(now_ms);
    }
    if let Some(ago) = text.strip_prefix("now-") {
        let (number, unit) = ago.split_at(ago.len().saturating_sub(1));
        let n: i64 = number.parse().map_err(|_| bad())?;
        let unit_ms = match unit {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        return Ok(now_ms - n * unit_ms);
    }
    let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| bad())?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

async fn replay(file: PathBuf) -> anyhow::Result<()> {
    let config = KafkaConfig::from_env()?;
    let records = fixtures::load(&file)?;
    let names = fixtures::ensure_topics(&config, &records)
        .await
        .context("creating the fixture's topics")?;
    let producer = kafka::producer(&config)?;
    let sent = fixtures::replay(&producer, &config.topics(), &records).await?;
    println!(
        "replayed {sent} records from {} into {}",
        file.display(),
        names.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_parse_in_every_form() {
        let now = 1_800_000_000_000;
        assert_eq!(parse_start("now", now).unwrap(), now);
        assert_eq!(parse_start("now-2h", now).unwrap(), now - 7_200_000);
        assert_eq!(
            parse_start("2026-11-01T00:00:00Z", now).unwrap(),
            1_793_491_200_000
        );
        assert!(parse_start("yesterday", now)
            .unwrap_err()
            .to_string()
            .contains("--start"));
        assert!(parse_start("now-2w", now).is_err());
    }

    #[test]
    fn speed_defaults_follow_the_rate() {
        assert_eq!(parse_speed(None, None).unwrap(), Some(1.0));
        assert_eq!(parse_speed(None, Some(100.0)).unwrap(), None);
        assert_eq!(parse_speed(Some("60"), None).unwrap(), Some(60.0));
        assert!(parse_speed(Some("max"), None).is_err());
        assert!(parse_speed(Some("-1"), None).is_err());
    }
}
