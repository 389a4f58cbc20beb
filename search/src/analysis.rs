//! How text becomes terms, on both sides: the index's analyzers and the
//! Cyrillic → Latin transliteration they share.
//!
//! - **Transliteration.** Every text analyzer first rewrites Cyrillic into
//!   Latin letters with the common informal scheme (ж zh, х kh, ц ts, ч ch,
//!   ш sh, щ shch, ю yu, я ya, й y, ы y; ъ and ь dropped), so "Кино" and
//!   "kino" are the same terms, and "металлика" is one typo away from
//!   "metallica". Both directions work because both sides end up in Latin.
//! - **Folding.** Then the standard tokenizer, lowercase and ASCII folding:
//!   "motorhead" finds "Motörhead".
//! - **Joined words.** A `.joined` sub-field also indexes each run of two or
//!   three words written together ("AC/DC" → "acdc", "Led Zeppelin" →
//!   "ledzeppelin"); at query time the same run is built from what was typed,
//!   so "acdc", "ac dc" and "ac/dc" meet, and "motor head" finds "Motörhead".
//! - **`.prefix`**: edge n-grams of 1 to 20 characters for autocomplete.
//! - **`.exact`**: the whole value as one folded, transliterated keyword, so
//!   a query that is exactly a name ("santana") puts that name first.
//! - **`all_text.plain`**: folded but not transliterated, for "did you mean"
//!   suggestions written the way the catalogue writes them.
//! - **`all_text.reversed`**: the same words spelled backwards. The engine's
//!   spelling candidates (Lucene's `DirectSpellChecker`) keep the first
//!   letter fixed whenever they allow two edits, so "kirvanna" (a wrong first
//!   letter and one more slip) never reached "nirvana"; read backwards, the
//!   first letter is the last one and the candidate is found.

use serde_json::{json, Value};

/// Cyrillic lower-case letters and their Latin spelling (Russian, plus the
/// Ukrainian and Belarusian letters Russian lacks).
const TRANSLIT: &[(char, &str)] = &[
    ('а', "a"),
    ('б', "b"),
    ('в', "v"),
    ('г', "g"),
    ('д', "d"),
    ('е', "e"),
    ('ё', "e"),
    ('ж', "zh"),
    ('з', "z"),
    ('и', "i"),
    ('й', "y"),
    ('к', "k"),
    ('л', "l"),
    ('м', "m"),
    ('н', "n"),
    ('о', "o"),
    ('п', "p"),
    ('р', "r"),
    ('с', "s"),
    ('т', "t"),
    ('у', "u"),
    ('ф', "f"),
    ('х', "kh"),
    ('ц', "ts"),
    ('ч', "ch"),
    ('ш', "sh"),
    ('щ', "shch"),
    ('ъ', ""),
    ('ы', "y"),
    ('ь', ""),
    ('э', "e"),
    ('ю', "yu"),
    ('я', "ya"),
    ('і', "i"),
    ('ї', "yi"),
    ('є', "ye"),
    ('ґ', "g"),
    ('ў', "u"),
];

/// The mapping char filter's rules, lower and upper case.
fn translit_rules() -> Vec<String> {
    TRANSLIT
        .iter()
        .flat_map(|(cyrillic, latin)| {
            let upper: String = cyrillic.to_uppercase().collect();
            [
                format!("{cyrillic} => {latin}"),
                format!("{upper} => {latin}"),
            ]
        })
        .collect()
}

/// The same transliteration in Rust, for tests and for reading a query the
/// way the index reads it.
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        match TRANSLIT.iter().find(|(cyrillic, _)| *cyrillic == lower) {
            Some((_, latin)) => out.push_str(latin),
            None => out.push(c),
        }
    }
    out
}

/// The `analysis` settings every index shares.
pub fn settings() -> Value {
    let folding = json!(["lowercase", "asciifolding"]);
    json!({
        "char_filter": {"translit": {"type": "mapping", "mappings": translit_rules()}},
        "filter": {
            "prefix_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
            // Index side: every word, and every run of 2–3 written together.
            "joined_runs": {
                "type": "shingle", "min_shingle_size": 2, "max_shingle_size": 3,
                "token_separator": "", "output_unigrams": true
            },
            // Query side: only the runs, or the one word typed.
            "joined_query": {
                "type": "shingle", "min_shingle_size": 2, "max_shingle_size": 3,
                "token_separator": "", "output_unigrams": false,
                "output_unigrams_if_no_shingles": true
            }
        },
        "normalizer": {
            "folded": {"type": "custom", "filter": folding},
            "exact": {"type": "custom", "char_filter": ["translit"], "filter": folding}
        },
        "analyzer": {
            "folded": {
                "type": "custom", "char_filter": ["translit"], "tokenizer": "standard",
                "filter": folding
            },
            "folded_prefix": {
                "type": "custom", "char_filter": ["translit"], "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "prefix_edge"]
            },
            "joined": {
                "type": "custom", "char_filter": ["translit"], "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "joined_runs"]
            },
            "joined_query": {
                "type": "custom", "char_filter": ["translit"], "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "joined_query"]
            },
            "plain": {"type": "custom", "tokenizer": "standard", "filter": folding},
            "plain_reversed": {
                "type": "custom", "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "reverse"]
            }
        }
    })
}

/// A searchable text field: folded and transliterated for matching, with
/// the joined-words and prefix sub-fields, copied into `all_text` so a query
/// spread over several fields finds the document that holds every word.
pub fn text() -> Value {
    json!({
        "type": "text",
        "analyzer": "folded",
        "copy_to": "all_text",
        "fields": {
            "prefix": {"type": "text", "analyzer": "folded_prefix", "search_analyzer": "folded"},
            "joined": {"type": "text", "analyzer": "joined", "search_analyzer": "joined_query"},
            "exact": {"type": "keyword", "normalizer": "exact", "ignore_above": 256}
        }
    })
}

/// Every display field of a document in one: cross-field matching and the
/// "did you mean" suggester read it.
pub fn all_text() -> Value {
    json!({
        "type": "text",
        "analyzer": "folded",
        "fields": {
            "plain": {"type": "text", "analyzer": "plain"},
            "reversed": {"type": "text", "analyzer": "plain_reversed"}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_informal_scheme_both_cases() {
        assert_eq!(transliterate("Кино"), "kino");
        assert_eq!(transliterate("Щука Жужжит"), "shchuka zhuzhzhit");
        assert_eq!(transliterate("Хочу перемен"), "khochu peremen");
        assert_eq!(
            transliterate("Юность, Яблоко, Чай"),
            "yunost, yabloko, chay"
        );
        assert_eq!(transliterate("Мумий Тролль"), "mumiy troll");
        assert_eq!(transliterate("AC/DC"), "AC/DC");
    }

    #[test]
    fn every_rule_has_both_cases_and_one_arrow() {
        let rules = translit_rules();
        assert_eq!(rules.len(), TRANSLIT.len() * 2);
        assert!(rules.contains(&"Щ => shch".to_string()));
        assert!(rules.iter().all(|r| r.matches("=>").count() == 1));
    }
}
