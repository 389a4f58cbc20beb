//! Relevance: a table of real queries, by class, over the Chinook catalogue
//! and a small Cyrillic one, through the indexer and the gateway on the real
//! search engine. Each query names the result a listener means; the test
//! reports success@1 and mean reciprocal rank per class and fails below
//! 0.95 success@1 overall or 0.85 in any class.

use std::collections::BTreeMap;

use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names, ALL};
use encore_schemas::EntityType;
use encore_tests::api::Api;
use encore_tests::{chinook, wait_for_live_count, TestRun};

use crate::analytics::catalog;
use crate::search::{q, titles};

/// (title, artist, genre) of the Cyrillic catalogue: Russian bands and
/// songs, chosen so the queries below exercise zh, kh, ch, sh, shch, yu, ya.
const CYRILLIC: &[(&str, &str, &str)] = &[
    ("Группа крови", "Кино", "Rock"),
    ("Звезда по имени Солнце", "Кино", "Rock"),
    ("Хочу перемен", "Кино", "Rock"),
    ("Хочешь?", "Земфира", "Rock"),
    ("Искала", "Земфира", "Rock"),
    ("Выхода нет", "Сплин", "Rock"),
    ("Ещё один день", "Сплин", "Rock"),
    ("Что такое осень", "ДДТ", "Rock"),
    ("Владивосток 2000", "Мумий Тролль", "Rock"),
    ("Утекай", "Мумий Тролль", "Rock"),
    ("Я хочу быть с тобой", "Наутилус Помпилиус", "Rock"),
    ("Прогулки по воде", "Наутилус Помпилиус", "Rock"),
    ("Батарейка", "Жуки", "Pop"),
    ("Фантом", "Чиж & Co", "Rock"),
    ("Поворот", "Машина времени", "Rock"),
    ("Полковнику никто не пишет", "Би-2", "Rock"),
    ("31 весна", "Ночные снайперы", "Rock"),
];

/// (class, query, type filter, expected type, expected title or name).
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const TABLE: &[Case] = &[
    // One field, as typed: typos, prefixes, accents, case, Cyrillic.
    ("single field", "metalica", None, "artist", "Metallica"),
    ("single field", "motorhead", None, "artist", "Motörhead"),
    ("single field", "MÖTLEY crue", None, "artist", "Mötley Crüe"),
    (
        "single field",
        "led zepelin",
        Some("artist"),
        "artist",
        "Led Zeppelin",
    ),
    (
        "single field",
        "iron maid",
        Some("artist"),
        "artist",
        "Iron Maiden",
    ),
    (
        "single field",
        "antonio carlos jobim",
        None,
        "artist",
        "Antônio Carlos Jobim",
    ),
    (
        "single field",
        "joao gilberto",
        None,
        "artist",
        "João Gilberto",
    ),
    (
        "single field",
        "smells like teen spirt",
        Some("track"),
        "track",
        "Smells Like Teen Spirit",
    ),
    (
        "single field",
        "stairway to heven",
        Some("track"),
        "track",
        "Stairway To Heaven",
    ),
    (
        "single field",
        "bohemian rapsody",
        None,
        "track",
        "Bohemian Rhapsody",
    ),
    (
        "single field",
        "enter sandm",
        Some("track"),
        "track",
        "Enter Sandman",
    ),
    (
        "single field",
        "for those about to rock we salute",
        Some("album"),
        "album",
        "For Those About To Rock We Salute You",
    ),
    (
        "single field",
        "GAROTA DE IPANEMA",
        Some("track"),
        "track",
        "Garota De Ipanema",
    ),
    (
        "single field",
        "aquarela toquinho",
        None,
        "track",
        "Aquarela (Toquinho)",
    ),
    ("single field", "кино", None, "artist", "Кино"),
    ("single field", "земфира", None, "artist", "Земфира"),
    ("single field", "земфра", None, "artist", "Земфира"),
    (
        "single field",
        "группа крови",
        Some("track"),
        "track",
        "Группа крови",
    ),
    (
        "single field",
        "владивосток",
        None,
        "track",
        "Владивосток 2000",
    ),
    (
        "single field",
        "наутилус",
        None,
        "artist",
        "Наутилус Помпилиус",
    ),
    // Artist (or album) and title together, typos in either part.
    (
        "cross-field",
        "jimi hendrix foxy lady",
        None,
        "track",
        "Foxy Lady",
    ),
    (
        "cross-field",
        "hendrix foxy lady",
        None,
        "track",
        "Foxy Lady",
    ),
    (
        "cross-field",
        "jimi hendrx foxy lady",
        None,
        "track",
        "Foxy Lady",
    ),
    ("cross-field", "santana smooth", None, "track", "Smooth"),
    ("cross-field", "santana smoth", None, "track", "Smooth"),
    (
        "cross-field",
        "eric clapton cocaine",
        None,
        "track",
        "Cocaine",
    ),
    ("cross-field", "amy winehouse rehab", None, "track", "Rehab"),
    ("cross-field", "police roxanne", None, "track", "Roxanne"),
    (
        "cross-field",
        "guns n roses paradise city",
        None,
        "track",
        "Paradise City",
    ),
    (
        "cross-field",
        "queen under pressure",
        None,
        "track",
        "Under Pressure",
    ),
    (
        "cross-field",
        "kiss detroit rock city",
        None,
        "track",
        "Detroit Rock City",
    ),
    (
        "cross-field",
        "doors light my fire",
        None,
        "track",
        "Light My Fire",
    ),
    (
        "cross-field",
        "scorpions still loving you",
        None,
        "track",
        "Still Loving You",
    ),
    (
        "cross-field",
        "green day basket case",
        None,
        "track",
        "Basket Case",
    ),
    (
        "cross-field",
        "audioslave like a stone",
        None,
        "track",
        "Like a Stone",
    ),
    (
        "cross-field",
        "aerosmith dude looks like a lady",
        None,
        "track",
        "Dude (Looks Like A Lady)",
    ),
    (
        "cross-field",
        "кино группа крови",
        None,
        "track",
        "Группа крови",
    ),
    ("cross-field", "земфира хочешь", None, "track", "Хочешь?"),
    (
        "cross-field",
        "сплин выхода нет",
        None,
        "track",
        "Выхода нет",
    ),
    (
        "cross-field",
        "ддт что такое осень",
        None,
        "track",
        "Что такое осень",
    ),
    (
        "cross-field",
        "наутилус я хочу быть с тобой",
        None,
        "track",
        "Я хочу быть с тобой",
    ),
    (
        "cross-field",
        "кино звезда по имени солнца",
        None,
        "track",
        "Звезда по имени Солнце",
    ),
    // Words the catalogue writes apart typed together, and the other way round.
    ("joined/split", "acdc", None, "artist", "AC/DC"),
    ("joined/split", "ac dc", None, "artist", "AC/DC"),
    ("joined/split", "ac/dc", None, "artist", "AC/DC"),
    (
        "joined/split",
        "ledzeppelin",
        None,
        "artist",
        "Led Zeppelin",
    ),
    ("joined/split", "motor head", None, "artist", "Motörhead"),
    (
        "joined/split",
        "blacksabbath",
        Some("artist"),
        "artist",
        "Black Sabbath",
    ),
    ("joined/split", "deeppurple", None, "artist", "Deep Purple"),
    (
        "joined/split",
        "audio slave",
        Some("artist"),
        "artist",
        "Audioslave",
    ),
    (
        "joined/split",
        "sound garden",
        Some("artist"),
        "artist",
        "Soundgarden",
    ),
    ("joined/split", "greenday", None, "artist", "Green Day"),
    ("joined/split", "pinkfloyd", None, "artist", "Pink Floyd"),
    ("joined/split", "ironmaiden", None, "artist", "Iron Maiden"),
    (
        "joined/split",
        "foofighters",
        None,
        "artist",
        "Foo Fighters",
    ),
    ("joined/split", "pearljam", None, "artist", "Pearl Jam"),
    ("joined/split", "би2", None, "artist", "Би-2"),
    ("joined/split", "би 2", None, "artist", "Би-2"),
    // Russian typed in Latin letters...
    ("transliteration", "kino", None, "artist", "Кино"),
    ("transliteration", "zemfira", None, "artist", "Земфира"),
    ("transliteration", "splin", None, "artist", "Сплин"),
    ("transliteration", "ddt", None, "artist", "ДДТ"),
    (
        "transliteration",
        "mumiy troll",
        None,
        "artist",
        "Мумий Тролль",
    ),
    ("transliteration", "zhuki", None, "artist", "Жуки"),
    ("transliteration", "chizh", None, "artist", "Чиж & Co"),
    (
        "transliteration",
        "mashina vremeni",
        None,
        "artist",
        "Машина времени",
    ),
    (
        "transliteration",
        "nautilus pompilius",
        None,
        "artist",
        "Наутилус Помпилиус",
    ),
    (
        "transliteration",
        "nochnye snaipery",
        None,
        "artist",
        "Ночные снайперы",
    ),
    (
        "transliteration",
        "gruppa krovi",
        None,
        "track",
        "Группа крови",
    ),
    (
        "transliteration",
        "ya khochu byt s toboy",
        None,
        "track",
        "Я хочу быть с тобой",
    ),
    (
        "transliteration",
        "eshche odin den",
        None,
        "track",
        "Ещё один день",
    ),
    ("transliteration", "vyhoda net", None, "track", "Выхода нет"),
    // ...and Latin names typed in Cyrillic.
    ("transliteration", "металлика", None, "artist", "Metallica"),
    ("transliteration", "нирвана", None, "artist", "Nirvana"),
    ("transliteration", "скорпионс", None, "artist", "Scorpions"),
    ("transliteration", "аэросмит", None, "artist", "Aerosmith"),
    (
        "transliteration",
        "лед зеппелин",
        None,
        "artist",
        "Led Zeppelin",
    ),
    (
        "transliteration",
        "пинк флойд",
        None,
        "artist",
        "Pink Floyd",
    ),
    ("transliteration", "сантана", None, "artist", "Santana"),
    (
        "transliteration",
        "оззи осборн",
        None,
        "artist",
        "Ozzy Osbourne",
    ),
    ("transliteration", "кисс", None, "artist", "Kiss"),
];

#[derive(Default)]
struct Score {
    queries: usize,
    first: usize,
    reciprocal: f64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relevance_by_class_over_chinook_and_a_cyrillic_catalogue() {
    let run = TestRun::new("search-relevance");
    let mut changes = chinook::changes();
    assert_eq!(changes.len(), 275 + 347 + 3_503);
    changes.extend(catalog("relevance", CYRILLIC));
    run.produce(&chinook::records(&changes)).await;
    let indexer = run.start_indexer(run.indexer_config()).await;
    let gateway = run.start_gateway().await;
    let client = SearchClient::new(&run.indexer_config().search_url).expect("client");
    let names = Names::new(&run.search_prefix());
    let tracks = 3_503 + CYRILLIC.len() as u64;
    assert_eq!(
        wait_for_live_count(&client, &names.alias(EntityType::Track), tracks).await,
        tracks
    );
    let fresh: Vec<String> = ALL.iter().map(|e| names.alias(*e)).collect();
    indices::refresh(&client, &fresh).await.expect("refresh");

    let api = Api::new(&gateway);
    let mut classes: BTreeMap<&str, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    for (class, query, kind, expected_type, expected) in TABLE {
        let mut path = format!("/v1/search?{}&limit=10", q(query));
        if let Some(kind) = kind {
            path.push_str(&format!("&type={kind}"));
        }
        let answer = api.get(&path).await.expect(200);
        let rank = answer["items"]
            .as_array()
            .into_iter()
            .flatten()
            .position(|i| i["type"] == *expected_type && i["title"] == *expected);
        let score = classes.entry(class).or_default();
        score.queries += 1;
        score.first += usize::from(rank == Some(0));
        score.reciprocal += rank.map_or(0.0, |r| 1.0 / (r + 1) as f64);
        if rank != Some(0) {
            misses.push(format!(
                "{class} {query:?}: expected {expected_type} {expected:?}, got {:?}",
                titles(&answer)
            ));
        }
    }
    let (all, first) = classes
        .values()
        .fold((0, 0), |(n, f), s| (n + s.queries, f + s.first));
    let overall = first as f64 / all as f64;
    eprintln!("| class | queries | success@1 | MRR |\n|---|---:|---:|---:|");
    for (class, s) in &classes {
        eprintln!(
            "| {class} | {} | {:.2} | {:.2} |",
            s.queries,
            s.first as f64 / s.queries as f64,
            s.reciprocal / s.queries as f64
        );
    }
    eprintln!("| all | {all} | {overall:.2} | |");
    eprintln!("misses:\n{}", misses.join("\n"));
    assert!(all >= 60, "the table has {all} queries");
    assert!(overall >= 0.95, "success@1 {overall:.2} < 0.95");
    for (class, s) in &classes {
        let rate = s.first as f64 / s.queries as f64;
        assert!(rate >= 0.85, "{class}: success@1 {rate:.2} < 0.85");
    }

    // Autocomplete and filters keep working.
    let suggest = api
        .get(&format!("/v1/search/suggest?{}", q("metal")))
        .await
        .expect(200);
    assert!(
        titles(&suggest).iter().any(|t| t == "Metallica"),
        "{suggest}"
    );
    let cyrillic = api
        .get(&format!("/v1/search/suggest?{}", q("zemf")))
        .await
        .expect(200);
    assert!(
        titles(&cyrillic).iter().any(|t| t == "Земфира"),
        "{cyrillic}"
    );
    // What the results below would find, the suggestions find too: joined
    // up, with a typo, in Cyrillic, or spread over artist and title.
    for (typed, expected) in [
        ("acdc", "AC/DC"),
        ("iron maden", "Iron Maiden"),
        ("металлика", "Metallica"),
        ("zeppelin stairway", "Stairway To Heaven"),
    ] {
        let found = api
            .get(&format!("/v1/search/suggest?{}", q(typed)))
            .await
            .expect(200);
        assert!(
            titles(&found).iter().any(|t| t == expected),
            "suggestions for {typed:?} lack {expected:?}: {found}"
        );
    }
    let genre = api
        .get(&format!(
            "/v1/search?{}&type=track&genre=METAL",
            q("sandman")
        ))
        .await
        .expect(200);
    assert_eq!(
        titles(&genre).first().map(String::as_str),
        Some("Enter Sandman")
    );

    // A query that finds nothing offers what the catalogue holds instead;
    // one that finds plenty offers nothing.
    let nothing = api
        .get(&format!("/v1/search?{}", q("kirvana")))
        .await
        .expect(200);
    assert_eq!(nothing["total"], 0, "{nothing}");
    assert_eq!(nothing["did_you_mean"], "nirvana", "{nothing}");
    // A wrong first letter and one more slip: the backwards generator's case.
    let further = api
        .get(&format!("/v1/search?{}", q("kirvanna")))
        .await
        .expect(200);
    assert_eq!(further["did_you_mean"], "nirvana", "{further}");
    let plenty = api
        .get(&format!("/v1/search?{}", q("metallica")))
        .await
        .expect(200);
    assert!(plenty.get("did_you_mean").is_none(), "{plenty}");
    indexer.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}
