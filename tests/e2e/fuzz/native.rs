//! Every `/v1` operation of the gateway's own `/openapi.json`, with hostile
//! values in its path, query and body: no 5xx, every error a JSON body with
//! its code, and an answer within 5 s.

use serde_json::{json, Map, Value};

use super::values::{encode, Class, Draw, CLASSES};
use super::{fetch, Finding};

/// Operations left out, and why: the fuzzer's own session must outlive it.
const SKIPPED: &[(&str, &str)] = &[("delete", "/v1/me"), ("post", "/v1/auth/logout")];

/// One operation of the description.
struct Operation {
    method: String,
    path: String,
    query: Vec<String>,
    /// The JSON body's schema, or the content type of a raw body.
    body: Option<Body>,
}

enum Body {
    Json(Value),
    Raw(String),
}

fn operations(spec: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if SKIPPED.contains(&(method.as_str(), path.as_str())) {
                continue;
            }
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect();
            let content = &op["requestBody"]["content"];
            let body = if let Some(schema) = content.get("application/json").map(|c| &c["schema"]) {
                Some(Body::Json(schema.clone()))
            } else {
                content
                    .as_object()
                    .and_then(|c| c.keys().next())
                    .map(|t| Body::Raw(t.clone()))
            };
            found.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                query,
                body,
            });
        }
    }
    found
}

/// A value of `schema`, as a valid request would carry it.
fn example(schema: &Value, spec: &Value, draw: &mut Draw, ids: &[String], depth: usize) -> Value {
    if depth > 6 {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or("");
        return example(
            &spec["components"]["schemas"][name],
            spec,
            draw,
            ids,
            depth + 1,
        );
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let usable: Vec<&Value> = options.iter().filter(|o| o["type"] != "null").collect();
            if !usable.is_empty() {
                let pick = *draw.pick(&usable);
                return example(pick, spec, draw, ids, depth + 1);
            }
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = example(part, spec, draw, ids, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(options) = schema["enum"].as_array() {
        return draw.pick(options).clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        kind => kind.clone(),
    };
    match kind.as_str().unwrap_or("object") {
        "string" => match schema["format"].as_str() {
            Some("uuid") => json!(draw.pick(ids)),
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            _ => json!("fuzz"),
        },
        "integer" | "number" => schema["minimum"]
            .as_i64()
            .map_or(json!(1), |m| json!(m.max(1))),
        "boolean" => json!(true),
        "array" => json!([example(&schema["items"], spec, draw, ids, depth + 1)]),
        _ => Value::Object(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, field)| (name.clone(), example(field, spec, draw, ids, depth + 1)))
                .collect(),
        ),
    }
}

/// `value` with one field, anywhere inside, replaced by something hostile.
fn spoil(value: &mut Value, draw: &mut Draw) {
    let replacement = match draw.below(3) {
        0 => draw
            .pick(&[
                json!(i64::MAX),
                json!(-1),
                json!(1e308),
                json!(u64::MAX),
                json!(-0.5),
            ])
            .clone(),
        1 => draw
            .pick(&[Value::Null, json!([]), json!({}), json!("1"), json!(true)])
            .clone(),
        _ => json!(String::from_utf8_lossy(&draw.hostile())),
    };
    put(value, replacement, draw);
}

/// Puts `replacement` at a random place inside `value`, or over it.
fn put(value: &mut Value, replacement: Value, draw: &mut Draw) {
    let descend = draw.chance(0.7);
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            let keys: Vec<String> = fields.keys().cloned().collect();
            let key = draw.pick(&keys).clone();
            if let Some(inner) = fields.get_mut(&key) {
                match inner {
                    Value::Object(_) | Value::Array(_) if descend => put(inner, replacement, draw),
                    _ => *inner = replacement,
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let n = draw.below(items.len());
            match &mut items[n] {
                inner @ (Value::Object(_) | Value::Array(_)) if descend => {
                    put(inner, replacement, draw)
                }
                inner => *inner = replacement,
            }
        }
        _ => *value = replacement,
    }
}

/// Where a hostile value goes in one request.
#[derive(Clone, Copy)]
enum Target<'a> {
    Path(usize),
    Query(&'a str),
    Field(&'a str),
    /// Anywhere, several at once, or the whole body.
    Anywhere,
}

/// Every operation gets every class of hostile value in each path and query
/// parameter and each top-level field of its body, then `rounds` requests
/// spoiled anywhere.
pub(crate) async fn fuzz(
    base: &str,
    token: &str,
    spec: &Value,
    ids: &[String],
    draw: &mut Draw,
    rounds: usize,
) -> (usize, Vec<Finding>) {
    let http = reqwest::Client::new();
    let mut findings = Vec::new();
    let mut sent = 0;
    for op in operations(spec) {
        let holes = op.path.matches('{').count();
        let fields: Vec<String> = match &op.body {
            Some(Body::Json(schema)) => match example(schema, spec, draw, ids, 0) {
                Value::Object(fields) => fields.keys().cloned().collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut targets: Vec<Target<'_>> = (0..holes).map(Target::Path).collect();
        targets.extend(op.query.iter().map(|q| Target::Query(q)));
        targets.extend(fields.iter().map(|f| Target::Field(f)));
        let mut plan: Vec<(Target<'_>, Option<Class>)> = Vec::new();
        for target in &targets {
            plan.extend(CLASSES.iter().map(|c| (*target, Some(*c))));
        }
        plan.extend((0..rounds).map(|_| (Target::Anywhere, None)));
        for (target, class) in plan {
            let request = build(&http, base, token, spec, ids, &op, target, class, draw);
            sent += 1;
            if let Some(problem) = send(request.builder).await {
                findings.push(Finding {
                    request: request.shown,
                    problem,
                });
            }
        }
    }
    (sent, findings)
}

struct Built {
    builder: reqwest::RequestBuilder,
    shown: String,
}

/// One request to `op`: valid but for a hostile value of `class` (any class
/// when `None`) at `target`.
#[allow(clippy::too_many_arguments)]
fn build(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    spec: &Value,
    ids: &[String],
    op: &Operation,
    target: Target<'_>,
    class: Option<Class>,
    draw: &mut Draw,
) -> Built {
    let hostile = |draw: &mut Draw| match class {
        Some(class) => draw.of(class),
        None => draw.hostile(),
    };
    let mut path = String::new();
    for (n, segment) in op.path.split('/').filter(|s| !s.is_empty()).enumerate() {
        path.push('/');
        if segment.starts_with('{') {
            let hole = op
                .path
                .split('/')
                .filter(|s| !s.is_empty())
                .take(n)
                .filter(|s| s.starts_with('{'))
                .count();
            let value = match target {
                Target::Path(h) if h == hole => hostile(draw),
                Target::Anywhere if draw.chance(0.3) => hostile(draw),
                _ => draw.pick(ids).clone().into_bytes(),
            };
            path.push_str(&encode(&value));
        } else {
            path.push_str(segment);
        }
    }
    let mut query: Vec<String> = Vec::new();
    for name in &op.query {
        let value = match target {
            Target::Query(q) if q == name => Some(hostile(draw)),
            Target::Anywhere if draw.chance(0.5) => Some(hostile(draw)),
            _ => None,
        };
        if let Some(value) = value {
            query.push(format!("{}={}", encode(name.as_bytes()), encode(&value)));
        }
    }
    let url = if query.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{}", query.join("&"))
    };
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut builder = http.request(method, &url).bearer_auth(token);
    let shown_body = match &op.body {
        Some(Body::Json(schema)) => {
            let mut body = example(schema, spec, draw, ids, 0);
            let bytes = match target {
                Target::Field(field) => {
                    let value = json_of(class, &hostile(draw), draw);
                    if let Value::Object(fields) = &mut body {
                        fields.insert(field.to_string(), value);
                    }
                    body.to_string().into_bytes()
                }
                Target::Anywhere if draw.chance(0.1) => hostile(draw),
                Target::Anywhere => {
                    spoil(&mut body, draw);
                    body.to_string().into_bytes()
                }
                _ => body.to_string().into_bytes(),
            };
            let shown = String::from_utf8_lossy(&bytes).chars().take(300).collect();
            builder = builder
                .header("content-type", "application/json")
                .body(bytes);
            shown
        }
        Some(Body::Raw(content_type)) => {
            let bytes = hostile(draw);
            let shown = format!(
                "{content_type}: {}",
                encode(&bytes).chars().take(200).collect::<String>()
            );
            builder = builder
                .header("content-type", content_type.as_str())
                .body(bytes);
            shown
        }
        None => String::new(),
    };
    Built {
        builder,
        shown: format!(
            "{} {} {}",
            op.method,
            url.trim_start_matches(base),
            shown_body
        ),
    }
}

/// A hostile value of `class` as it would travel in JSON: numbers as
/// numbers, everything else as a string (invalid UTF-8 arrives replaced, as
/// JSON text cannot hold it).
fn json_of(class: Option<Class>, bytes: &[u8], draw: &mut Draw) -> Value {
    match class {
        Some(Class::Negative) => draw
            .pick(&[json!(-1), json!(i64::MIN), json!(-0.5)])
            .clone(),
        Some(Class::OutOfRange) => draw
            .pick(&[
                json!(i64::MAX),
                json!(u64::MAX),
                json!(1e308),
                json!(2_147_483_648_i64),
            ])
            .clone(),
        Some(Class::Empty) => draw
            .pick(&[json!(""), Value::Null, json!([]), json!({})])
            .clone(),
        _ => json!(String::from_utf8_lossy(bytes)),
    }
}

/// What is wrong with the answer to `request`, if anything: beyond
/// [`fetch`]'s checks, every error is a JSON body in the API's error shape.
async fn send(request: reqwest::RequestBuilder) -> Option<String> {
    let answer = match fetch(request).await {
        Ok(answer) => answer,
        Err(problem) => return Some(problem),
    };
    let status = answer.status;
    let text = String::from_utf8_lossy(&answer.body);
    if answer.content_type.starts_with("application/json") || status >= 400 {
        let Ok(value) = serde_json::from_slice::<Value>(&answer.body) else {
            return Some(format!(
                "HTTP {status} with a body that is not JSON: {text}"
            ));
        };
        if status >= 400 && !value["error"]["code"].is_string() {
            return Some(format!("HTTP {status} without the error shape: {text}"));
        }
    }
    None
}
