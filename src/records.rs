//! The records in one JSON value: a record (an object), an array of records, or an OData
//! collection envelope (`{"@odata.context": ..., "value": [...]}`).
//!
//! The `odata-filter` command reads its inputs with these rules, and an application that
//! holds a response body or a JSON file can read it the same way before
//! [`Query::apply`](crate::query::Query::apply):
//!
//! ```
//! use odata_filter::records;
//!
//! let body = r#"{"@odata.context": "$metadata#Widgets", "value": [{"id": 1}, {"id": 2}]}"#;
//! let values = records::parse(body)?;
//! assert_eq!(values, [serde_json::json!({"id": 1}), serde_json::json!({"id": 2})]);
//!
//! let e = records::parse("[{}, 7]").unwrap_err();
//! assert_eq!(e.to_string(), "expected a JSON object (a record) as item 2 of the array, found a number");
//! # Ok::<(), records::RecordsError>(())
//! ```

use serde_json::value::RawValue;
use std::fmt;

/// Why a JSON value holds no records.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordsError {
    /// Not valid JSON, as `serde_json` words it.
    Json(String),
    /// A value that is neither an object nor an array (`found`: "a string", "null", ...).
    NotARecord {
        /// What kind of JSON value it is.
        found: &'static str,
    },
    /// An item of the array (or of an envelope's `value`) that is not an object.
    ItemNotARecord {
        /// Its position, from 1.
        item: usize,
        /// What kind of JSON value it is.
        found: &'static str,
    },
}

impl fmt::Display for RecordsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordsError::Json(message) => f.write_str(message),
            RecordsError::NotARecord { found } => {
                write!(f, "expected a JSON object (a record), found {found}")
            }
            RecordsError::ItemNotARecord { item, found } => write!(
                f,
                "expected a JSON object (a record) as item {item} of the array, found {found}"
            ),
        }
    }
}

impl std::error::Error for RecordsError {}

/// The records in `value`, each as its own text: `value` itself when it is an object that is
/// not an envelope, the items of an array, or the items of an envelope's `value` array.
///
/// An envelope is an object with a `value` array and nothing else but annotations (names
/// with an `@`: `@odata.context`, `@odata.nextLink`, `@odata.count`, ...); an object with
/// other members is a record, even when one of them is called `value`.
pub fn split(value: &RawValue) -> Result<Vec<&RawValue>, RecordsError> {
    let json = |e: serde_json::Error| RecordsError::Json(e.to_string());
    let items: Vec<&RawValue> = match kind_of(value) {
        "an array" => serde_json::from_str(value.get()).map_err(json)?,
        "an object" => match envelope(&members(value.get()).map_err(json)?) {
            Some(items) => serde_json::from_str(items.get()).map_err(json)?,
            None => return Ok(vec![value]),
        },
        found => return Err(RecordsError::NotARecord { found }),
    };
    match items.iter().position(|item| kind_of(item) != "an object") {
        Some(i) => Err(RecordsError::ItemNotARecord {
            item: i + 1,
            found: kind_of(items[i]),
        }),
        None => Ok(items),
    }
}

/// The records in the JSON text `text`, read as values (see [`split`] for the rules).
pub fn parse(text: &str) -> Result<Vec<serde_json::Value>, RecordsError> {
    let json = |e: serde_json::Error| RecordsError::Json(e.to_string());
    let value: &RawValue = serde_json::from_str(text).map_err(json)?;
    split(value)?
        .into_iter()
        .map(|item| serde_json::from_str(item.get()).map_err(json))
        .collect()
}

/// The top-level members of the JSON object `text`, in order, each value as its own text;
/// a repeated name is kept each time (the last one is the one a parsed value holds).
pub fn members(text: &str) -> Result<Vec<(String, &RawValue)>, serde_json::Error> {
    serde_json::from_str::<Members<'_>>(text).map(|m| m.0)
}

/// Whether `members`, those of an object, make an OData collection envelope; with its array.
fn envelope<'a>(members: &[(String, &'a RawValue)]) -> Option<&'a RawValue> {
    let (_, value) = members.iter().rev().find(|(k, _)| k == "value")?;
    (value.get().starts_with('[') && members.iter().all(|(k, _)| k == "value" || k.contains('@')))
        .then_some(*value)
}

/// What kind of JSON value `raw` is, for messages.
fn kind_of(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a Boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// An object's members in order, read without building their values.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        let ok = |text: &str| parse(text).unwrap();
        assert_eq!(ok(r#"{"id":1}"#), [json!({"id": 1})]);
        assert_eq!(ok(r#"[{"id":1},{"id":2}]"#).len(), 2);
        assert_eq!(ok("[]"), Vec::<serde_json::Value>::new());
        assert_eq!(
            ok(r#"{"value":[{"a":1}],"@odata.count":1}"#),
            [json!({"a": 1})]
        );
        // A record with a member called `value`.
        assert_eq!(
            ok(r#"{"value":[1],"name":"x"}"#),
            [json!({"value": [1], "name": "x"})]
        );
        assert_eq!(ok(r#"{"value":3}"#), [json!({"value": 3})]);
        // The last `value` counts, as in the parsed object.
        assert_eq!(ok(r#"{"value":[{"a":1}],"value":[]}"#).len(), 0);
        assert_eq!(
            parse("\"x\"").unwrap_err(),
            RecordsError::NotARecord { found: "a string" }
        );
        assert_eq!(
            parse(r#"{"value":[{}, null]}"#).unwrap_err(),
            RecordsError::ItemNotARecord {
                item: 2,
                found: "null"
            }
        );
        assert!(matches!(parse("[1,").unwrap_err(), RecordsError::Json(_)));
    }

    #[test]
    fn members_keep_their_text_and_order() {
        let m = members(r#"{"b": 1.50, "a": [ 1 ], "b": "x"}"#).unwrap();
        let got: Vec<(&str, &str)> = m.iter().map(|(k, v)| (k.as_str(), v.get())).collect();
        assert_eq!(got, [("b", "1.50"), ("a", "[ 1 ]"), ("b", "\"x\"")]);
    }
}
