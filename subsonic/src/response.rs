//! The `subsonic-response` envelope, in XML (the protocol's default) or
//! JSON (`f=json`), from one tree of elements.
//!
//! Subsonic's JSON is its XML turned inside out: attributes become fields
//! (keeping their types), a child element becomes an object, and repeated
//! children become an array under their element name. Whether a child is
//! one or a list is part of each response's shape, not of the data (an
//! album with one song still has `"song": [...]`), so the tree says which.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use encore_common::text::xml_safe;
use quick_xml::events::BytesText;
use quick_xml::Writer;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// The protocol version Encore speaks.
pub const VERSION: &str = "1.16.1";
const NAMESPACE: &str = "http://subsonic.org/restapi";

/// An attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Int(n) => n.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Bool(b) => b.to_string(),
        }
    }
}

/// JSON keeps an attribute's type: `"year": 1988`, `"starred": true`.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Text(t) => s.serialize_str(t),
            Value::Int(n) => s.serialize_i64(*n),
            Value::Float(x) => s.serialize_f64(*x),
            Value::Bool(b) => s.serialize_bool(*b),
        }
    }
}

impl From<&str> for Value {
    fn from(t: &str) -> Self {
        Value::Text(t.to_string())
    }
}
impl From<String> for Value {
    fn from(t: String) -> Self {
        Value::Text(t)
    }
}
impl From<&String> for Value {
    fn from(t: &String) -> Self {
        Value::Text(t.clone())
    }
}
impl From<uuid::Uuid> for Value {
    fn from(id: uuid::Uuid) -> Self {
        Value::Text(id.to_string())
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Int(i64::from(n))
    }
}
impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Child {
    One(Element),
    Many(&'static str, Vec<Element>),
    Values(&'static str, Vec<Value>),
}

/// One element of a response: attributes, children and perhaps text.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    name: &'static str,
    attrs: Vec<(&'static str, Value)>,
    children: Vec<Child>,
    text: Option<String>,
}

impl Element {
    pub fn new(name: &'static str) -> Self {
        Element {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
            text: None,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn attr(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.attrs.push((name, value.into()));
        self
    }

    /// An attribute only when there is a value: Subsonic omits unknowns.
    pub fn opt<V: Into<Value>>(self, name: &'static str, value: Option<V>) -> Self {
        match value {
            Some(value) => self.attr(name, value),
            None => self,
        }
    }

    pub fn child(mut self, child: Element) -> Self {
        self.children.push(Child::One(child));
        self
    }

    /// Children named `name`; an array in JSON even when there is one or none.
    pub fn list(mut self, name: &'static str, items: Vec<Element>) -> Self {
        self.children.push(Child::Many(name, items));
        self
    }

    /// Repeated elements holding only text (`<folder>1</folder>`): an array
    /// of plain values in JSON.
    pub fn values(mut self, name: &'static str, values: Vec<Value>) -> Self {
        self.children.push(Child::Values(name, values));
        self
    }

    /// Text content (`value` in JSON).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Every text goes through [`xml_safe`]: an echoed parameter or a stored
    /// name with a character XML cannot hold must not make the answer ill-formed.
    fn xml<W: std::io::Write>(&self, writer: &mut Writer<W>) -> std::io::Result<()> {
        let texts: Vec<(&str, String)> = self
            .attrs
            .iter()
            .map(|(n, v)| (*n, xml_safe(&v.text()).into_owned()))
            .collect();
        let start = writer
            .create_element(self.name)
            .with_attributes(texts.iter().map(|(n, v)| (*n, v.as_str())));
        if self.children.is_empty() && self.text.is_none() {
            start.write_empty()?;
            return Ok(());
        }
        start.write_inner_content(|writer| {
            if let Some(text) = &self.text {
                writer.write_event(quick_xml::events::Event::Text(BytesText::new(&xml_safe(
                    text,
                ))))?;
            }
            for child in &self.children {
                match child {
                    Child::One(e) => e.xml(writer)?,
                    Child::Many(_, items) => {
                        for e in items {
                            e.xml(writer)?;
                        }
                    }
                    Child::Values(name, values) => {
                        for value in values {
                            writer
                                .create_element(*name)
                                .write_text_content(BytesText::new(&xml_safe(&value.text())))?;
                        }
                    }
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}

/// One field of an element's JSON object.
enum Field<'a> {
    Value(&'a Value),
    One(&'a Element),
    Many(&'a [Element]),
    Values(&'a [Value]),
    Text(&'a str),
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(value) => value.serialize(s),
            Field::One(element) => element.serialize(s),
            Field::Many(items) => s.collect_seq(items.iter()),
            Field::Values(values) => s.collect_seq(values.iter()),
            Field::Text(text) => s.serialize_str(text),
        }
    }
}

/// An element as a JSON object, written straight out rather than built as
/// a `serde_json` tree first: a search's 60 elements were a tenth of the
/// gateway's CPU that way. The fields come out as that tree wrote them, in
/// name order, a later field of a name replacing an earlier one.
impl Serialize for Element {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields: Vec<(&str, Field<'_>)> =
            Vec::with_capacity(self.attrs.len() + self.children.len() + 1);
        fields.extend(self.attrs.iter().map(|(name, v)| (*name, Field::Value(v))));
        fields.extend(self.children.iter().map(|child| match child {
            Child::One(e) => (e.name, Field::One(e)),
            Child::Many(name, items) => (*name, Field::Many(items)),
            Child::Values(name, values) => (*name, Field::Values(values)),
        }));
        if let Some(text) = &self.text {
            fields.push(("value", Field::Text(text)));
        }
        // Stable, so that of the fields of one name the last stays last.
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let mut map = s.serialize_map(None)?;
        for (i, (name, field)) in fields.iter().enumerate() {
            if fields.get(i + 1).is_some_and(|(next, _)| next == name) {
                continue;
            }
            map.serialize_entry(name, field)?;
        }
        map.end()
    }
}

/// The answer's format, from `f` (and `callback` for JSONP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
    /// JSON wrapped in a call of this function, for pages that load answers
    /// with a `<script>` tag (the protocol's `f=jsonp`).
    Jsonp(String),
}

impl Format {
    /// `json` and `jsonp` (any case) are JSON; anything else, or nothing, is
    /// XML. JSONP needs a `callback` that is a plain JavaScript name (dotted
    /// names allowed), since it is written into a script verbatim: anything
    /// else is refused with why, and the refusal itself goes out as JSON.
    pub fn of(f: Option<&str>, callback: Option<&str>) -> Result<Self, &'static str> {
        match f {
            Some(f) if f.eq_ignore_ascii_case("json") => Ok(Format::Json),
            Some(f) if f.eq_ignore_ascii_case("jsonp") => match callback {
                Some(name) if is_script_name(name) => Ok(Format::Jsonp(name.to_string())),
                Some(_) => Err("must be a JavaScript function name such as cb or app.handle"),
                None => Err("is required with f=jsonp"),
            },
            _ => Ok(Format::Xml),
        }
    }
}

/// `name` or `a.b.c`, each part an ASCII identifier, at most 100 characters.
fn is_script_name(name: &str) -> bool {
    name.len() <= 100
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

/// What goes inside the envelope.
#[derive(Debug, Clone)]
pub enum Inner {
    Nothing,
    /// One element under its own name (`album`, `error`, ...).
    Element(Element),
    /// The children of this element, straight in the envelope (a response
    /// that is a list, like `openSubsonicExtensions`).
    Spliced(Element),
}

fn envelope(format: &Format, ok: bool, inner: Inner) -> Response {
    let mut root = Element::new("subsonic-response");
    if *format == Format::Xml {
        root = root.attr("xmlns", NAMESPACE);
    }
    root = root
        .attr("status", if ok { "ok" } else { "failed" })
        .attr("version", VERSION)
        .attr("type", "encore")
        .attr("serverVersion", env!("CARGO_PKG_VERSION"))
        .attr("openSubsonic", true);
    match inner {
        Inner::Nothing => {}
        Inner::Element(element) => root = root.child(element),
        Inner::Spliced(element) => root.children.extend(element.children),
    }
    // `{"subsonic-response": {...}}`. Serializing a tree of strings and
    // numbers into memory cannot fail; were it to, the answer is `{}`.
    let json = || {
        let wrapper = std::collections::BTreeMap::from([(root.name, &root)]);
        serde_json::to_vec(&wrapper).unwrap_or_else(|_| b"{}".to_vec())
    };
    let (content_type, body) = match format {
        Format::Json => ("application/json", json()),
        Format::Jsonp(callback) => {
            let mut body = format!("{callback}(").into_bytes();
            body.extend(json());
            body.extend(b");");
            ("application/javascript; charset=utf-8", body)
        }
        Format::Xml => {
            let mut out = br#"<?xml version="1.0" encoding="UTF-8"?>"#.to_vec();
            let mut writer = Writer::new(&mut out);
            // Writing into a Vec cannot fail.
            let _ = root.xml(&mut writer);
            ("text/xml; charset=utf-8", out)
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A successful answer, with its payload if it has one.
pub fn ok(format: &Format, inner: Inner) -> Response {
    envelope(format, true, inner)
}

/// A failed answer: still HTTP 200, as the protocol wants.
pub fn failed(format: &Format, code: u16, message: &str) -> Response {
    let error = Element::new("error")
        .attr("code", i64::from(code))
        .attr("message", message);
    envelope(format, false, Inner::Element(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    #[test]
    fn json_fields_are_in_name_order_and_the_last_of_a_name_wins() {
        let element = Element::new("album")
            .attr("z", 1_i64)
            .attr("b", "x")
            .list("song", Vec::new())
            .values("genre", vec![Value::from("Rock"), Value::Float(0.5)])
            .attr("b", "y")
            .child(Element::new("artist").attr("id", "r1"))
            .text("t");
        assert_eq!(
            serde_json::to_string(&element).expect("JSON"),
            r#"{"artist":{"id":"r1"},"b":"y","genre":["Rock",0.5],"song":[],"value":"t","z":1}"#
        );
    }

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("a body");
        String::from_utf8(bytes.to_vec()).expect("UTF-8")
    }

    fn album() -> Element {
        Element::new("album")
            .attr("id", "a1")
            .attr("name", "Fish & <Chips>")
            .attr("songCount", 1_i64)
            .opt::<i64>("year", None)
            .list(
                "song",
                vec![Element::new("song").attr("id", "s1").attr("isDir", false)],
            )
    }

    #[tokio::test]
    async fn json_keeps_types_and_lists_stay_arrays() {
        let body: Json =
            serde_json::from_str(&text(ok(&Format::Json, Inner::Element(album()))).await)
                .expect("JSON");
        let root = &body["subsonic-response"];
        assert_eq!(root["status"], "ok");
        assert_eq!(root["version"], VERSION);
        assert_eq!(root["type"], "encore");
        assert_eq!(root["openSubsonic"], true);
        assert_eq!(root["album"]["songCount"], 1);
        assert!(root["album"].get("year").is_none());
        assert_eq!(root["album"]["song"][0]["isDir"], false);
    }

    #[tokio::test]
    async fn xml_escapes_and_nests() {
        let xml = text(ok(&Format::Xml, Inner::Element(album()))).await;
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><subsonic-response xmlns="http://subsonic.org/restapi" status="ok" version="1.16.1" type="encore""#), "{xml}");
        assert!(!text(ok(&Format::Json, Inner::Nothing))
            .await
            .contains("xmlns"));
        assert!(xml.contains(r#"<album id="a1" name="Fish &amp; &lt;Chips&gt;" songCount="1"><song id="s1" isDir="false"/></album></subsonic-response>"#), "{xml}");
    }

    #[tokio::test]
    async fn lists_can_be_the_whole_answer_and_values_stay_plain() {
        let list = Element::new("list").list(
            "openSubsonicExtensions",
            vec![Element::new("openSubsonicExtensions")
                .attr("name", "formPost")
                .values("versions", vec![Value::Int(1)])],
        );
        let body: Json =
            serde_json::from_str(&text(ok(&Format::Json, Inner::Spliced(list.clone()))).await)
                .expect("JSON");
        assert_eq!(
            body["subsonic-response"]["openSubsonicExtensions"],
            serde_json::json!([{"name": "formPost", "versions": [1]}])
        );
        let xml = text(ok(&Format::Xml, Inner::Spliced(list.clone()))).await;
        assert!(xml.contains(r#"<openSubsonicExtensions name="formPost"><versions>1</versions></openSubsonicExtensions></subsonic-response>"#), "{xml}");
    }

    #[tokio::test]
    async fn errors_are_http_200_with_a_code() {
        let response = failed(&Format::Json, 70, "not found");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Json = serde_json::from_str(&text(response).await).expect("JSON");
        assert_eq!(body["subsonic-response"]["status"], "failed");
        assert_eq!(body["subsonic-response"]["error"]["code"], 70);
        assert_eq!(Format::of(Some("JSON"), None), Ok(Format::Json));
        assert_eq!(Format::of(Some("xml"), Some("cb")), Ok(Format::Xml));
    }

    #[tokio::test]
    async fn jsonp_wraps_json_in_a_named_call_and_refuses_other_callbacks() {
        let format = Format::of(Some("jsonp"), Some("app.on_answer$1")).expect("a name");
        let response = ok(&format, Inner::Nothing);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/javascript; charset=utf-8"
        );
        let body = text(response).await;
        let json = body
            .strip_prefix("app.on_answer$1(")
            .and_then(|rest| rest.strip_suffix(");"))
            .expect("a call");
        let parsed: Json = serde_json::from_str(json).expect("JSON inside");
        assert_eq!(parsed["subsonic-response"]["status"], "ok");
        for bad in ["alert(1)//", "", "a..b", "1cb", "cb;x", "a b"] {
            assert!(Format::of(Some("jsonp"), Some(bad)).is_err(), "{bad:?}");
        }
        assert!(Format::of(Some("JSONP"), None).is_err());
    }

    #[tokio::test]
    async fn xml_stays_well_formed_whatever_the_text() {
        let error = failed(&Format::Xml, 0, "\u{1}ping is not implemented\u{FFFE}");
        let xml = text(error).await;
        assert!(
            xml.contains("message=\"\u{FFFD}ping is not implemented\u{FFFD}\""),
            "{xml}"
        );
        let element = Element::new("lyrics")
            .attr("artist", "a\u{1}b")
            .text("x\0y");
        let xml = text(ok(&Format::Xml, Inner::Element(element.clone()))).await;
        assert!(
            xml.contains("artist=\"a\u{FFFD}b\">x\u{FFFD}y</lyrics>"),
            "{xml}"
        );
    }
}
