//! Records and how they are printed: a match's value, its compact text and its output line.

use odata_filter::ndjson::write_compact;
use odata_filter::query::Query;
use serde_json::Value as Json;

/// A matching record: its value, to sort by, and its own text without white space, to print.
/// Records are printed from their text, never from `value`, so every number keeps its digits
/// and every string its escapes, whatever `serde_json` would make of them.
pub(super) struct Record {
    pub(super) value: Json,
    pub(super) text: Box<str>,
}

impl Record {
    /// Reads the record whose text is `text` (a JSON object).
    pub(super) fn read(text: &str) -> Result<Record, String> {
        let value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Record {
            value,
            text: compact(text.as_bytes()),
        })
    }
}

/// `text`, valid JSON, without white space between its tokens.
fn compact(text: &[u8]) -> Box<str> {
    let mut out = Vec::with_capacity(text.len());
    write_compact(text, &mut out);
    // Only ASCII white space was taken out of valid UTF-8.
    String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        .into_boxed_str()
}

/// Appends the record `text` (one compact JSON object) as one line, keeping only the
/// `$select`ed members (chosen by [`Query::selected_keys`], the rule `Query::project` uses),
/// each with its own text.
pub(super) fn write_record(out: &mut Vec<u8>, query: &Query, text: &str) {
    let members = match query.select {
        Some(_) => odata_filter::records::members(text).ok(),
        None => None,
    };
    let Some(members) = members else {
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
        return;
    };
    // A repeated key: the last one counts, as when the record is read.
    let find = |key: &str| members.iter().rev().find(|(k, _)| k == key);
    let keys = query
        .selected_keys(|key| find(key).is_some())
        .unwrap_or_default();
    out.push(b'{');
    for (i, key) in keys.into_iter().enumerate() {
        if let Some((k, v)) = find(key) {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, k).expect("a string always serializes");
            out.push(b':');
            out.extend_from_slice(v.get().as_bytes());
        }
    }
    out.extend_from_slice(b"}\n");
}
