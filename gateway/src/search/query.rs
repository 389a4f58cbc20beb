//! The request bodies the gateway sends the search server. Public so the
//! load bench can send the engine the very same requests.

use encore_schemas::EntityType;
use encore_search::indices::Names;
use serde_json::{json, Value};
use uuid::Uuid;

/// How far a search stretches the words typed to find something. A search
/// tries each step of [`Typos::LADDER`] in turn and stops at the first that
/// finds anything.
///
/// Why a ladder and not every clause at once: matching with typos is by far
/// the costliest part of a search (on Chinook ×5, a query with up to two
/// typos per word costs the engine about 12 ms, one without typos about 2
/// ms, one with a single typo about 3 ms), and most of what people type finds
/// its match without any. A query whose words, as typed, match nothing in any
/// field scores nothing on those clauses either, so the typo steps only send
/// the typo-tolerant clause: the ranking is the one the full query would give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typos {
    /// The words as typed: one field, across fields, joined or split, whole
    /// title, prefix.
    None,
    /// One edit per word of 4 letters or more.
    One,
    /// One edit per word of 4 to 5 letters, two from 6 letters.
    Two,
}

impl Typos {
    /// The order a search tries them in.
    pub const LADDER: [Typos; 3] = [Typos::None, Typos::One, Typos::Two];

    /// The engine's `fuzziness`. No word of 3 letters or fewer is stretched:
    /// "one", "u2" and "the" would each expand to hundreds of terms.
    fn fuzziness(self) -> Option<&'static str> {
        match self {
            Typos::None => None,
            Typos::One => Some("AUTO:4,1000"),
            Typos::Two => Some("AUTO:4,6"),
        }
    }
}

/// The search request: see the module doc for what each clause is for.
pub fn search_body(
    q: &str,
    typos: Typos,
    filters: Vec<Value>,
    offset: usize,
    limit: usize,
    popularity_weight: f64,
) -> Value {
    let text = text_query(q, typos, filters);
    // Popularity adds `weight × ln(1 + plays)`: among similar matches the
    // more played comes first, while a much better match still wins.
    let query = if popularity_weight > 0.0 {
        json!({"function_score": {
            "query": text,
            "functions": [{"field_value_factor": {"field": "popularity", "modifier": "ln1p", "missing": 0}, "weight": popularity_weight}],
            "score_mode": "sum", "boost_mode": "sum"
        }})
    } else {
        text
    };
    json!({
        "from": offset,
        "size": limit,
        "track_total_hits": true,
        "query": query,
        "sort": [{"_score": "desc"}, {"id": "asc"}]
    })
}

/// What the text must match, and how well (see the module doc).
fn text_query(q: &str, typos: Typos, filters: Vec<Value>) -> Value {
    let should = match typos.fuzziness() {
        None => json!([
            // The best of: all the words in one field, all of them across
            // fields, or words joined or split; not their sum, so a
            // track does not outrank its artist for naming it twice.
            {"dis_max": {"tie_breaker": 0.1, "queries": [
                {"multi_match": {"query": q, "fields": ["title^3", "name^3", "artist_name^2", "album_title", "description^0.5"],
                                 "operator": "and"}},
                {"match": {"all_text": {"query": q, "operator": "and"}}},
                {"multi_match": {"query": q, "fields": ["title.joined^3", "name.joined^3", "artist_name.joined^2", "album_title.joined"],
                                 "minimum_should_match": "100%"}}
            ]}},
            {"multi_match": {"query": q, "fields": ["title.exact", "name.exact"], "boost": 4}},
            {"multi_match": {"query": q, "fields": ["title.prefix^2", "name.prefix^2", "artist_name.prefix", "album_title.prefix^0.5"],
                             "operator": "and"}}
        ]),
        Some(fuzziness) => json!([
            {"match": {"all_text": {"query": q, "fuzziness": fuzziness, "prefix_length": 1, "operator": "and"}}}
        ]),
    };
    json!({"bool": {
        "should": should,
        "minimum_should_match": 1,
        "filter": filters,
        "must_not": [{"term": {"deleted": true}}]
    }})
}

/// A phrase built from the catalogue's own words (up to two corrected). The
/// second generator reads the words backwards, so that a wrong first letter
/// plus one more slip is still corrected (see `encore_search::analysis`).
pub fn did_you_mean_body(q: &str) -> Value {
    let generator = |field: &str| json!({"field": field, "suggest_mode": "always", "prefix_length": 0, "min_word_length": 3});
    let mut backwards = generator("all_text.reversed");
    backwards["pre_filter"] = json!("plain_reversed");
    backwards["post_filter"] = json!("plain_reversed");
    json!({
        "size": 0,
        "suggest": {"did_you_mean": {"text": q, "phrase": {
            "field": "all_text.plain", "size": DID_YOU_MEAN_OPTIONS, "max_errors": 2, "confidence": 0.0,
            "direct_generator": [generator("all_text.plain"), backwards]
        }}}
    })
}

/// Phrases asked for: the likeliest is sometimes what was typed itself,
/// which is no correction, so the next one is offered instead.
const DID_YOU_MEAN_OPTIONS: usize = 3;

/// How far autocomplete stretches what was typed, tried in turn like
/// [`Typos::LADDER`]: most keystrokes find their prefix, and only those
/// that find nothing pay for the costlier step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggest {
    /// Each word the start of a word of the title, the name or the artist:
    /// "zeppelin stairway" finds Stairway To Heaven by Led Zeppelin.
    Prefix,
    /// Words joined ("acdc") or with typos ("iron maden", "металлика").
    Stretched,
}

impl Suggest {
    pub const LADDER: [Suggest; 2] = [Suggest::Prefix, Suggest::Stretched];
}

/// The autocomplete request for one step of [`Suggest::LADDER`].
pub fn suggest_body(q: &str, viewer: Option<Uuid>, limit: usize, step: Suggest) -> Value {
    let matching = match step {
        Suggest::Prefix => json!([
            {"multi_match": {"query": q, "type": "cross_fields", "operator": "and",
                             "fields": ["title.prefix^2", "name.prefix^2", "artist_name.prefix"]}}
        ]),
        Suggest::Stretched => json!([
            {"multi_match": {"query": q, "fields": ["title.joined^3", "name.joined^3", "artist_name.joined^2"],
                             "minimum_should_match": "100%"}},
            {"match": {"all_text": {"query": q, "fuzziness": Typos::Two.fuzziness(), "prefix_length": 1,
                                    "operator": "and"}}}
        ]),
    };
    json!({
        "size": limit,
        "query": {"bool": {
            "should": matching,
            "minimum_should_match": 1,
            "filter": [visibility(viewer)],
            "must_not": [{"term": {"deleted": true}}]
        }},
        "sort": [{"_score": "desc"}, {"popularity": {"order": "desc", "unmapped_type": "float"}}, {"id": "asc"}]
    })
}

/// Everything but other people's private playlists.
pub fn visibility(viewer: Option<Uuid>) -> Value {
    let mut visible = vec![
        json!({"bool": {"must_not": {"exists": {"field": "public"}}}}),
        json!({"term": {"public": true}}),
    ];
    if let Some(viewer) = viewer {
        visible.push(json!({"term": {"owner_id": viewer}}));
    }
    json!({"bool": {"should": visible, "minimum_should_match": 1}})
}

/// How much more a match counts in each kind's index, across kinds. Each
/// index weighs its words by its own statistics, so a name is rarer (and
/// scores higher) among 3,500 tracks than among 300 artists; and someone who
/// types just a name means the artist more often than one of its tracks.
const KIND_BOOST: [(EntityType, f64); 2] = [(EntityType::Artist, 2.0), (EntityType::Album, 1.5)];

/// `indices_boost` for a search across every kind.
pub fn kind_boost(names: &Names) -> Value {
    KIND_BOOST
        .iter()
        .map(|(entity, boost)| json!({ names.alias(*entity): boost }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fuzziness_of(body: &Value) -> Vec<Value> {
        body["query"]["function_score"]["query"]["bool"]["should"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|clause| clause.pointer("/match/all_text/fuzziness").cloned())
            .collect()
    }

    #[test]
    fn only_the_typo_steps_stretch_words_and_each_stretches_further() {
        let steps: Vec<Vec<Value>> = Typos::LADDER
            .iter()
            .map(|t| fuzziness_of(&search_body("metalica", *t, vec![], 0, 20, 1.0)))
            .collect();
        assert_eq!(
            steps[0],
            Vec::<Value>::new(),
            "the first step takes words as typed"
        );
        assert_eq!(steps[1], vec![json!("AUTO:4,1000")]);
        assert_eq!(steps[2], vec![json!("AUTO:4,6")]);
    }

    #[test]
    fn every_step_keeps_the_filters_and_hides_tombstones() {
        let filter = json!({"term": {"year": 1991}});
        for typos in Typos::LADDER {
            let body = search_body("nevermind", typos, vec![filter.clone()], 20, 10, 0.0);
            assert_eq!(body["query"]["bool"]["filter"], json!([filter]));
            assert_eq!(
                body["query"]["bool"]["must_not"][0]["term"]["deleted"],
                true
            );
            assert_eq!(
                (body["from"].clone(), body["size"].clone()),
                (json!(20), json!(10))
            );
        }
    }

    #[test]
    fn autocomplete_stretches_only_on_its_second_step() {
        let prefix = suggest_body("metal", None, 8, Suggest::Prefix);
        assert!(!prefix.to_string().contains("fuzziness"));
        let stretched = suggest_body("iron maden", None, 8, Suggest::Stretched);
        assert_eq!(
            stretched.pointer("/query/bool/should/1/match/all_text/fuzziness"),
            Some(&json!("AUTO:4,6"))
        );
        for body in [prefix, stretched] {
            assert_eq!(
                body["query"]["bool"]["must_not"][0]["term"]["deleted"],
                true
            );
            assert_eq!(body["size"], 8);
        }
    }

    #[test]
    fn did_you_mean_also_reads_words_backwards() {
        let body = did_you_mean_body("kirvanna");
        let generators = &body["suggest"]["did_you_mean"]["phrase"]["direct_generator"];
        assert_eq!(generators[1]["field"], "all_text.reversed");
        assert_eq!(generators[1]["pre_filter"], generators[1]["post_filter"]);
    }
}
