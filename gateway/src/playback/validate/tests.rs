//! The validation rules, case by case.

use super::*;
use serde_json::json;

const NOW: i64 = 1_800_000_000_000;
/// The user the sample events name.
const USER: Uuid = Uuid::from_u128(1);

fn good() -> Value {
    json!({
        "event_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "user_id": "00000000-0000-0000-0000-000000000001",
        "track_id": "00000000-0000-0000-0000-000000000002",
        "session_id": "00000000-0000-0000-0000-000000000003",
        "kind": "progress",
        "position_ms": 30000,
        "track_duration_ms": 200000,
        "occurred_at": "2027-01-15T08:00:00.250Z",
        "client": {"app": "encore-ios", "version": "4.1"},
        "device": {"id": "d-1", "platform": "ios"},
        "context": {"kind": "playlist", "id": "p-9"}
    })
}

fn batch(events: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "events": events })).unwrap()
}

fn fields(err: ApiError) -> Vec<(Option<usize>, String)> {
    err.fields.into_iter().map(|f| (f.index, f.field)).collect()
}

#[test]
fn accepts_a_good_event_and_stamps_received_at() {
    let events = validate_batch(&batch(vec![good()]), USER, NOW).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].received_at, NOW);
    assert_eq!(events[0].occurred_at, 1_800_000_000_250);
    assert_eq!(events[0].kind, PlaybackKind::Progress);
    assert_eq!(events[0].context.kind, ContextKind::Playlist);
}

#[test]
fn epoch_millis_are_accepted_too() {
    let mut e = good();
    e["occurred_at"] = json!(1_700_000_000_123i64);
    let events = validate_batch(&batch(vec![e]), USER, NOW).unwrap();
    assert_eq!(events[0].occurred_at, 1_700_000_000_123);
}

#[test]
fn names_every_bad_field_with_its_index() {
    let mut bad = good();
    bad["event_id"] = json!("nope");
    bad["kind"] = json!("rewind");
    bad["position_ms"] = json!(300000);
    bad["device"] = json!({"platform": "fridge", "colour": "white"});
    bad.as_object_mut().unwrap().remove("track_id");
    let err = validate_batch(&batch(vec![good(), bad]), USER, NOW).unwrap_err();
    assert_eq!(err.code, "invalid_events");
    assert!(err.message.starts_with("1 of 2"), "{}", err.message);
    let f = fields(err);
    for name in [
        "event_id",
        "kind",
        "position_ms",
        "device.platform",
        "device.colour",
        "track_id",
    ] {
        assert!(
            f.contains(&(Some(1), name.to_string())),
            "{name} missing from {f:?}"
        );
    }
    assert!(f.iter().all(|(i, _)| *i == Some(1)));
}

#[test]
fn rejects_bad_batches_whole() {
    assert_eq!(
        validate_batch(b"not json", USER, NOW).unwrap_err().code,
        "invalid_json"
    );
    assert_eq!(
        validate_batch(b"[]", USER, NOW).unwrap_err().code,
        "invalid_batch"
    );
    assert_eq!(
        validate_batch(&batch(vec![]), USER, NOW).unwrap_err().code,
        "invalid_batch"
    );
    let too_many = batch((0..=MAX_BATCH).map(|_| good()).collect());
    assert_eq!(
        validate_batch(&too_many, USER, NOW).unwrap_err().code,
        "invalid_batch"
    );
}

#[test]
fn rejects_timestamps_in_seconds_or_the_future_and_client_received_at() {
    let mut secs = good();
    secs["occurred_at"] = json!(1_700_000_000i64);
    let mut future = good();
    future["occurred_at"] = json!(NOW + 2 * MAX_CLOCK_SKEW_MS);
    let mut stamped = good();
    stamped["received_at"] = json!(NOW);
    let f = fields(validate_batch(&batch(vec![secs, future, stamped]), USER, NOW).unwrap_err());
    assert!(f.contains(&(Some(0), "occurred_at".into())));
    assert!(f.contains(&(Some(1), "occurred_at".into())));
    assert!(f.contains(&(Some(2), "received_at".into())));
}

#[test]
fn token_user_replaces_the_body_user() {
    let token_user = Uuid::from_u128(42);
    let mut without = good();
    without.as_object_mut().unwrap().remove("user_id");
    let events = validate_batch(&batch(vec![without]), token_user, NOW).unwrap();
    assert_eq!(events[0].user_id, token_user);
    let f = fields(validate_batch(&batch(vec![good()]), token_user, NOW).unwrap_err());
    assert_eq!(f, vec![(Some(0), "user_id".to_string())]);
}

/// The fast reader and the explaining reader must accept exactly the same
/// batches, with the same events: every field of a good event is replaced by
/// values of every JSON type, valid and not, and removed.
#[test]
fn both_readers_accept_exactly_the_same_events() {
    let replacements = [
        json!(null),
        json!(""),
        json!(" "),
        json!("x"),
        json!("a\u{e9}\\\"b"),
        json!(0),
        json!(-1),
        json!(1),
        json!(1.5),
        json!(200000),
        json!(18_446_744_073_709_551_615u64),
        json!(1_700_000_000_123i64),
        json!("2027-01-15T08:00:00+02:00"),
        json!("2027-01-15 08:00"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("00000000-0000-0000-0000-000000000001"),
        json!("{00000000-0000-0000-0000-000000000005}"),
        json!("start"),
        json!("web"),
        json!("radio"),
        json!("y".repeat(201)),
        json!([]),
        json!({}),
        json!({"app": "a"}),
        json!({"platform": "web", "id": null}),
        json!({"kind": "album", "id": "x"}),
        json!(true),
    ];
    let template = good();
    let mut paths: Vec<Vec<&str>> = template
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(key, value)| {
            let mut paths = vec![vec![key.as_str()]];
            if let Some(inner) = value.as_object() {
                paths.extend(inner.keys().map(|k| vec![key.as_str(), k.as_str()]));
            }
            paths
        })
        .collect();
    paths.push(vec!["received_at"]);
    let mut checked = (0, 0);
    for path in &paths {
        for replacement in replacements.iter().map(Some).chain([None]) {
            let mut event = good();
            let (parent, key) = match path.as_slice() {
                [key] => (&mut event, *key),
                [outer, key] => (&mut event[*outer], *key),
                _ => unreachable!(),
            };
            let parent = parent.as_object_mut().unwrap();
            match replacement {
                Some(value) => parent.insert(key.to_string(), value.clone()),
                None => parent.remove(key),
            };
            let body = batch(vec![good(), event]);
            let fast = fast::read_batch(&body, USER, NOW);
            let explained = read_explaining(&body, USER, NOW).ok();
            assert_eq!(fast, explained, "{path:?} = {replacement:?}");
            if fast.is_some() {
                checked.0 += 1;
            } else {
                checked.1 += 1;
            }
        }
    }
    // Both outcomes were exercised, many times.
    assert!(checked.0 > 20 && checked.1 > 200, "{checked:?}");
}
