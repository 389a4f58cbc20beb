//! The hostile values the fuzzer sends, and a seeded source to draw them.
//!
//! Each value is raw bytes, percent-encoded as sent, so that invalid UTF-8
//! and NUL reach the server exactly as a careless or hostile client would
//! send them, not as a client library would clean them up.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The seed of a run: `ENCORE_FUZZ_SEED` to reproduce one, otherwise fixed,
/// so CI is repeatable and a failure names the seed to rerun with.
pub(crate) fn seed() -> u64 {
    std::env::var("ENCORE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_206)
}

pub(crate) struct Draw {
    rng: StdRng,
    /// Ids of every kind the run made (artist, album, song, playlist,
    /// listener), so that a parameter gets ids of the wrong kind too.
    ids: Vec<String>,
}

impl Draw {
    pub(crate) fn new(seed: u64, ids: Vec<String>) -> Self {
        Draw {
            rng: StdRng::seed_from_u64(seed),
            ids,
        }
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n.max(1))
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A hostile value of any class, as raw bytes.
    pub(crate) fn hostile(&mut self) -> Vec<u8> {
        let class = *self.pick(&CLASSES);
        self.of(class)
    }

    /// A hostile value of `class`, as raw bytes.
    pub(crate) fn of(&mut self, class: Class) -> Vec<u8> {
        match class {
            Class::Empty => self.pick(&["", " ", "\t", "\"\""]).as_bytes().to_vec(),
            Class::Huge => {
                // Past any field's limit, within any server's URL limit.
                let unit = self.pick(&["a", "é", "\u{1F3B8}", "9"]).to_string();
                unit.repeat(1_000 + self.below(3_000)).into_bytes()
            }
            Class::Negative => self.pick(NEGATIVE).as_bytes().to_vec(),
            Class::OutOfRange => self.pick(OUT_OF_RANGE).as_bytes().to_vec(),
            Class::Nul => self.pick(&["a\0b", "\0", "fz\0name"]).as_bytes().to_vec(),
            Class::Control => {
                let c = self.pick(CONTROLS).to_string();
                format!("fz{c}name").into_bytes()
            }
            Class::NonCharacter => {
                let c = self.pick(NONCHARACTERS).to_string();
                format!("fz{c}name").into_bytes()
            }
            Class::InvalidUtf8 => self.pick(INVALID_UTF8).to_vec(),
            Class::SearchSyntax => self.pick(SEARCH_SYNTAX).as_bytes().to_vec(),
            Class::WrongId => {
                if self.chance(0.5) {
                    // A real id, most likely of another kind than wanted.
                    let n = self.below(self.ids.len());
                    self.ids[n].as_bytes().to_vec()
                } else {
                    self.pick(IDS).as_bytes().to_vec()
                }
            }
            Class::Markup => self.pick(MARKUP).as_bytes().to_vec(),
        }
    }
}

/// What the fuzzer tries in every parameter, each at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Empty,
    Huge,
    Negative,
    OutOfRange,
    Nul,
    Control,
    NonCharacter,
    InvalidUtf8,
    SearchSyntax,
    WrongId,
    Markup,
}

pub(crate) const CLASSES: [Class; 11] = [
    Class::Empty,
    Class::Huge,
    Class::Negative,
    Class::OutOfRange,
    Class::Nul,
    Class::Control,
    Class::NonCharacter,
    Class::InvalidUtf8,
    Class::SearchSyntax,
    Class::WrongId,
    Class::Markup,
];

/// `name=value` with every byte outside the unreserved set percent-encoded.
pub(crate) fn pair(name: &str, value: &[u8]) -> String {
    format!("{}={}", encode(name.as_bytes()), encode(value))
}

pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const CONTROLS: &[&str] = &[
    "\u{1}", "\u{8}", "\u{b}", "\u{1b}", "\u{7f}", "\u{85}", "\r\n",
];

/// The Unicode non-characters; XML 1.0 cannot hold the first two at all.
const NONCHARACTERS: &[&str] = &["\u{FFFE}", "\u{FFFF}", "\u{FDD0}", "\u{1FFFF}"];

const NEGATIVE: &[&str] = &["-1", "-9223372036854775808", "-2147483649", "-0", "-1.5"];

const OUT_OF_RANGE: &[&str] = &[
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "4294967296",
    "2147483648",
    "1e309",
    "NaN",
    "Infinity",
    "1.5",
    "0x10",
    "+5",
    " 7 ",
    "٣",
];

const SEARCH_SYNTAX: &[&str] = &[
    "*",
    "?",
    "title:(a OR b)",
    "\"unclosed",
    "a AND OR NOT",
    "/regex.*/",
    "love~",
    "a^100",
    "[a TO z]",
    "(((((",
    "\\\\*",
    "_id:*",
];

const INVALID_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xffping",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xef\xbf\xbe",
];

const MARKUP: &[&str] = &[
    "<a>&amp;\"'</a>",
    "]]>",
    "'; DROP TABLE tracks; --",
    "../../../../etc/passwd",
    "%00",
    "%",
    "\u{202E}reversed",
    "null",
    "{\"query\": 1}",
    "\\",
];

const IDS: &[&str] = &[
    "00000000-0000-0000-0000-000000000000",
    "not-an-id",
    "{0190f0a4-0000-7000-8000-000000000001}",
    "0190f0a4000070008000000000000001",
    "al-12",
    "1",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
];
