//! Every parameter `/openapi.json` describes is where the router reads it.
//!
//! The description once put every query parameter in the path, so generated
//! clients, schemathesis and the fuzzer never sent them. Locations are not
//! something the description can be trusted to check against itself, so the
//! running gateway is asked:
//! - each `{name}` of a path template is a path parameter, and each path
//!   parameter is in its template;
//! - each operation is routed: with its path parameters filled in, the
//!   gateway answers something other than "no such route" or 405;
//! - each typed query parameter (a number, a UUID, a boolean or one of a
//!   set of words) is read from the query: "x" there is a 400 that names it.
//!   A free-text parameter accepts "x", so it says nothing and is counted
//!   apart.

use serde_json::Value;
use uuid::Uuid;

use super::{fetch, World};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// The schema of `param`, its `$ref` followed.
fn schema_of<'a>(param: &'a Value, spec: &'a Value) -> &'a Value {
    let schema = &param["schema"];
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or("");
            &spec["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether "x" breaks `schema`, so that only a handler reading the parameter
/// could refuse it.
fn typed(schema: &Value) -> bool {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    schema["enum"].is_array()
        || schema["format"] == "uuid"
        || types
            .iter()
            .any(|t| matches!(*t, "integer" | "number" | "boolean"))
}

/// A value the path parameter's schema accepts.
fn path_value(schema: &Value) -> String {
    match schema["enum"].as_array().and_then(|e| e.first()) {
        Some(Value::String(first)) => first.clone(),
        _ => Uuid::now_v7().to_string(),
    }
}

fn names_in_template(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_parameter_is_where_the_router_reads_it() {
    let world = World::new("params").await;
    let spec: Value = reqwest::get(format!("{}/openapi.json", world.base))
        .await
        .expect("the description")
        .json()
        .await
        .expect("JSON");
    let http = reqwest::Client::new();
    let mut problems = Vec::new();
    let (mut operations, mut typed_checked, mut free_text) = (0, 0, 0);
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
            let in_path: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let mut template_names = names_in_template(template);
            let mut documented = in_path.clone();
            template_names.sort_unstable();
            documented.sort_unstable();
            if template_names != documented {
                problems.push(format!(
                    "{method} {template}: the template names {template_names:?}, the path parameters are {documented:?}"
                ));
                continue;
            }
            let mut path = template.clone();
            for param in params.iter().filter(|p| p["in"] == "path") {
                let name = param["name"].as_str().unwrap_or_default();
                path = path.replace(&format!("{{{name}}}"), &path_value(schema_of(param, &spec)));
            }

            // Routed: anything but the router's own "no such route" or 405.
            let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
                .expect("an HTTP method");
            let url = format!("{}{path}", world.base);
            match fetch(http.request(verb.clone(), &url)).await {
                Err(problem) => problems.push(format!("{method} {path}: {problem}")),
                Ok(answer) => {
                    let body = String::from_utf8_lossy(&answer.body);
                    if answer.status == 405 || (answer.status == 404 && body.contains("route")) {
                        problems.push(format!(
                            "{method} {path} is documented but not routed: {} {body}",
                            answer.status
                        ));
                    }
                }
            }

            for param in params.iter().filter(|p| p["in"] == "query") {
                let name = param["name"].as_str().unwrap_or_default();
                if !typed(schema_of(param, &spec)) {
                    free_text += 1;
                    continue;
                }
                typed_checked += 1;
                let request = http
                    .request(verb.clone(), &url)
                    .bearer_auth(&world.admin.access_token)
                    .query(&[(name, "x")]);
                match fetch(request).await {
                    Err(problem) => problems.push(format!("{method} {path}?{name}=x: {problem}")),
                    Ok(answer) => {
                        let body: Value =
                            serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
                        let named = body["error"]["fields"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|f| f["field"] == name);
                        if answer.status != 400 || !named {
                            problems.push(format!(
                                "{method} {path}?{name}=x: expected a 400 naming {name:?}, got {} {body}",
                                answer.status
                            ));
                        }
                    }
                }
            }
        }
    }
    println!(
        "parameters: {operations} operations routed, {typed_checked} typed query parameters read from the query, {free_text} free-text ones not checkable this way"
    );
    assert!(
        operations > 50,
        "the description lists the API's operations"
    );
    assert!(
        problems.is_empty(),
        "{} documented parameters or operations are not what the router takes:\n{}",
        problems.len(),
        problems.join("\n")
    );
    world.stop().await;
}
