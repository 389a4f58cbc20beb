//! Progress output for long imports: a byte-counting reader (so a streamed
//! file's progress is known without reading it twice) and the bar itself.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts the bytes and newlines read through it. JSON parsers read their
/// input byte by byte from a `BufRead`, so the newline count is the line the
/// parser is on: that is how a streamed JSON array still names lines.
pub struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
    lines: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub fn new(inner: R, bytes: Arc<AtomicU64>) -> Self {
        Counting {
            inner,
            bytes,
            lines: Arc::new(AtomicU64::new(1)),
        }
    }

    /// The 1-based line of the next byte.
    pub fn line(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// The line counter, for whoever reads the line while a parser owns the reader.
    pub fn line_counter(&self) -> Arc<AtomicU64> {
        self.lines.clone()
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.note(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        let newlines = match self.inner.fill_buf() {
            Ok(buf) => bytecount(&buf[..amt.min(buf.len())]),
            Err(_) => 0,
        };
        self.lines.fetch_add(newlines, Ordering::Relaxed);
        self.bytes.fetch_add(amt as u64, Ordering::Relaxed);
        self.inner.consume(amt);
    }
}

impl<R> Counting<R> {
    fn note(&mut self, read: &[u8]) {
        self.lines.fetch_add(bytecount(read), Ordering::Relaxed);
        self.bytes.fetch_add(read.len() as u64, Ordering::Relaxed);
    }
}

fn bytecount(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// A bar over a file's bytes that also shows rows per second. Hidden when
/// stderr is not a terminal (CI logs, tests), where the summary suffices.
pub fn file_bar(total_bytes: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} {prefix} [{bar:30}] {bytes}/{total_bytes} · {msg} · {elapsed_precise} (eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_bytes_through_read_and_bufread() {
        let bytes = Arc::new(AtomicU64::new(0));
        let mut reader = Counting::new(io::BufReader::new(&b"a\nbb\nccc\n"[..]), bytes.clone());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert_eq!(reader.line(), 2);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(reader.line(), 4);
        assert_eq!(bytes.load(Ordering::Relaxed), 9);
    }
}
