//! Every Subsonic method, from the router's own list, with hostile values in
//! its parameters: no 5xx, well-formed XML, JSON that parses, never error
//! code 0 ("something went wrong") for what a client sent, and an answer
//! within 5 s.

use super::values::{encode, pair, Draw, CLASSES};
use super::{fetch, Finding};

/// What a method needs to get past "required parameter missing", so that
/// hostile values reach the code behind it. `{song}` and the like stand for
/// ids of the run's catalogue.
const REQUIRED: &[(&str, &[(&str, &str)])] = &[
    ("getUser", &[("username", "{username}")]),
    ("getArtist", &[("id", "{artist}")]),
    ("getAlbum", &[("id", "{album}")]),
    ("getSong", &[("id", "{song}")]),
    ("getMusicDirectory", &[("id", "{album}")]),
    ("getAlbumList", &[("type", "byGenre"), ("genre", "Rock")]),
    (
        "getAlbumList2",
        &[("type", "byYear"), ("fromYear", "1980"), ("toYear", "2000")],
    ),
    ("getSongsByGenre", &[("genre", "Rock")]),
    ("search2", &[("query", "goo")]),
    (
        "search3",
        &[("query", "goo"), ("songCount", "20"), ("songOffset", "0")],
    ),
    ("getPlaylist", &[("id", "{playlist}")]),
    ("createPlaylist", &[("name", "fuzz"), ("songId", "{song}")]),
    (
        "updatePlaylist",
        &[
            ("playlistId", "{playlist}"),
            ("comment", "c"),
            ("songIdToAdd", "{song}"),
        ],
    ),
    ("deletePlaylist", &[("id", "{other_playlist}")]),
    (
        "stream",
        &[("id", "{song}"), ("maxBitRate", "96"), ("format", "mp3")],
    ),
    ("download", &[("id", "{song}")]),
    ("getCoverArt", &[("id", "{album}"), ("size", "64")]),
    ("star", &[("id", "{song}")]),
    ("unstar", &[("id", "{song}")]),
    ("scrobble", &[("id", "{song}"), ("submission", "false")]),
    ("setRating", &[("id", "{song}"), ("rating", "3")]),
    (
        "reportPlayback",
        &[
            ("mediaId", "{song}"),
            ("mediaType", "song"),
            ("positionMs", "1000"),
            ("state", "playing"),
        ],
    ),
    (
        "savePlayQueue",
        &[
            ("id", "{song}"),
            ("current", "{song}"),
            ("position", "1000"),
        ],
    ),
    (
        "getTopSongs",
        &[("artist", "Sonic Youth Orchestra"), ("count", "5")],
    ),
    ("getSimilarSongs", &[("id", "{song}"), ("count", "5")]),
    ("getSimilarSongs2", &[("id", "{artist}"), ("count", "5")]),
    ("getLyricsBySongId", &[("id", "{song}")]),
    (
        "getLyrics",
        &[("artist", "Sonic Youth Orchestra"), ("title", "Goo Part 1")],
    ),
    ("getArtistInfo2", &[("id", "{artist}")]),
    ("getAlbumInfo2", &[("id", "{album}")]),
    ("getRandomSongs", &[("size", "5"), ("genre", "Rock")]),
];

/// Parameters any method might read, for hostile values beyond its own.
const COMMON: &[&str] = &[
    "id",
    "size",
    "offset",
    "count",
    "query",
    "genre",
    "type",
    "name",
    "comment",
    "position",
    "positionMs",
    "maxBitRate",
    "timeOffset",
    "format",
    "songCount",
    "songOffset",
    "albumCount",
    "albumOffset",
    "artistCount",
    "artistOffset",
    "fromYear",
    "toYear",
    "rating",
    "state",
    "songIndexToRemove",
    "songIdToAdd",
    "public",
    "current",
    "submission",
    "time",
    "musicFolderId",
    "artist",
    "title",
    "mediaType",
    "estimateContentLength",
    "callback",
];

/// The run's ids, by the names [`REQUIRED`] uses.
pub(crate) struct Names {
    pub(crate) values: Vec<(&'static str, String)>,
}

impl Names {
    fn fill(&self, template: &str) -> String {
        self.values
            .iter()
            .find(|(name, _)| template == format!("{{{name}}}"))
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| template.to_string())
    }
}

/// One client's way in: the query pairs that authenticate it.
pub(crate) struct Caller {
    pub(crate) auth: Vec<(String, String)>,
}

/// Every method gets every class of hostile value in each of its own
/// parameters and in a few others, then `rounds` requests with several
/// hostile parameters at once; last, every method is read back in XML, so
/// that what the others stored is seen in the answers it ends up in.
pub(crate) async fn fuzz(
    base: &str,
    caller: &Caller,
    names: &Names,
    methods: &[&str],
    draw: &mut Draw,
    rounds: usize,
) -> (usize, Vec<Finding>) {
    let client = Client {
        http: reqwest::Client::new(),
        base,
        caller,
    };
    let mut findings = Vec::new();
    let mut sent = 0;
    let base_params = |method: &str| -> Vec<(String, Vec<u8>)> {
        REQUIRED
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, r)| *r)
            .unwrap_or(&[])
            .iter()
            .map(|(n, v)| (n.to_string(), names.fill(v).into_bytes()))
            .collect()
    };
    for method in methods {
        let valid = base_params(method);
        let mut targets: Vec<String> = valid.iter().map(|(n, _)| n.clone()).collect();
        for _ in 0..4 {
            targets.push(draw.pick(COMMON).to_string());
        }
        for name in &targets {
            for class in CLASSES {
                let mut params = valid.clone();
                params.retain(|(n, _)| n != name);
                params.push((name.clone(), draw.of(class)));
                sent += 1;
                findings.extend(client.send(method, &params, draw).await);
            }
        }
        for _ in 0..rounds {
            let mut params = valid.clone();
            for _ in 0..=draw.below(2) {
                let name = if !targets.is_empty() && draw.chance(0.6) {
                    draw.pick(&targets).clone()
                } else {
                    draw.pick(COMMON).to_string()
                };
                params.retain(|(n, _)| *n != name);
                params.push((name, draw.hostile()));
            }
            sent += 1;
            findings.extend(client.send(method, &params, draw).await);
        }
    }
    for method in methods {
        let mut params = base_params(method);
        params.push(("f".to_string(), b"xml".to_vec()));
        sent += 1;
        findings.extend(client.send(method, &params, draw).await);
    }
    (sent, findings)
}

struct Client<'a> {
    http: reqwest::Client,
    base: &'a str,
    caller: &'a Caller,
}

impl Client<'_> {
    /// `method` with `params` (an `f` among them wins over the drawn one),
    /// by GET or form POST; what broke, if anything.
    async fn send(
        &self,
        method: &str,
        params: &[(String, Vec<u8>)],
        draw: &mut Draw,
    ) -> Option<Finding> {
        let format = *draw.pick(&["xml", "json", "xml", "jsonp"]);
        let mut query: Vec<String> = params.iter().map(|(n, v)| pair(n, v)).collect();
        query.extend(self.caller.auth.iter().map(|(n, v)| pair(n, v.as_bytes())));
        query.push(pair("c", b"encore-fuzz"));
        query.push(pair("v", b"1.16.1"));
        query.push(pair("f", format.as_bytes()));
        query.push(pair("callback", b"cb"));
        let post = draw.chance(0.3);
        let url = format!("{}/rest/{method}", self.base);
        let request = if post {
            self.http
                .post(format!("{url}.view"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(query.join("&"))
        } else {
            self.http.get(format!("{url}?{}", query.join("&")))
        };
        let problem = send(request).await?;
        let shown: Vec<String> = params
            .iter()
            .map(|(n, v)| format!("{n}={}", encode(v)))
            .collect();
        let verb = if post { "POST" } else { "GET" };
        Some(Finding {
            request: format!("{verb} /rest/{method}?{} (f={format})", shown.join("&")),
            problem,
        })
    }
}

/// What is wrong with the answer to `request`, if anything.
async fn send(request: reqwest::RequestBuilder) -> Option<String> {
    match fetch(request).await {
        Ok(answer) => check_envelope(&answer.content_type, &answer.body).err(),
        Err(problem) => Some(problem),
    }
}

/// A Subsonic answer that is an envelope must parse in its format and, when
/// it failed, carry a code other than 0.
pub(crate) fn check_envelope(content_type: &str, body: &[u8]) -> Result<(), String> {
    let text = || std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"));
    let code = if content_type.starts_with("text/xml") {
        let text = text()?;
        let doc = roxmltree::Document::parse(text)
            .map_err(|e| format!("XML not well-formed ({e}): {text}"))?;
        let root = doc.root_element();
        if root.attribute("status") == Some("failed") {
            root.children()
                .find(|n| n.has_tag_name("error"))
                .and_then(|e| e.attribute("code"))
                .map(str::to_string)
        } else {
            None
        }
    } else if content_type.starts_with("application/json")
        || content_type.starts_with("application/javascript")
    {
        let text = text()?;
        let json = if content_type.starts_with("application/javascript") {
            text.split_once('(')
                .and_then(|(_, rest)| rest.strip_suffix(");"))
                .ok_or_else(|| format!("JSONP that is not a call: {text}"))?
        } else {
            text
        };
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| format!("JSON that does not parse ({e}): {text}"))?;
        let answer = &value["subsonic-response"];
        (answer["status"] == "failed").then(|| answer["error"]["code"].to_string())
    } else {
        // Audio and images: not an envelope.
        None
    };
    match code {
        Some(code) if code == "0" => Err(format!(
            "error code 0 for what the client sent: {}",
            String::from_utf8_lossy(body)
        )),
        _ => Ok(()),
    }
}
