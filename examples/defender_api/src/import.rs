//! The records of `--data`: reading NDJSON, telling which entity a record is, and checking it
//! against that entity's schema.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use crate::entities::Kind;
use crate::BoxError;

/// Which entity `record` is, from the keys only one entity has: `triggeringAlertId`
/// (Investigation), `alertCreationTime` (Alert), `creationDateTimeUtc` (MachineAction),
/// `lastSeen` or `healthStatus` (Machine); or from an `@odata.context` annotation such as
/// `...$metadata#MachineActions/$entity`, which takes precedence.
pub fn detect(record: &Value) -> Result<Kind, String> {
    let Some(object) = record.as_object() else {
        return Err("not a JSON object".to_owned());
    };
    if let Some(context) = object.get("@odata.context").and_then(Value::as_str) {
        let set = context
            .rsplit('#')
            .next()
            .unwrap_or_default()
            .trim_end_matches("/$entity");
        return Kind::from_name(set).ok_or_else(|| format!("unknown entity set in {context}"));
    }
    let markers = [
        (Kind::Investigation, &["triggeringAlertId"][..]),
        (Kind::Alert, &["alertCreationTime"]),
        (Kind::MachineAction, &["creationDateTimeUtc"]),
        (Kind::Machine, &["lastSeen", "healthStatus"]),
    ];
    let found: Vec<Kind> = markers
        .iter()
        .filter(|(_, keys)| keys.iter().any(|k| object.contains_key(*k)))
        .map(|(kind, _)| *kind)
        .collect();
    match found[..] {
        [kind] => Ok(kind),
        [] => Err("cannot tell which entity this record is; pass --data-entity".to_owned()),
        _ => Err(format!(
            "the record has keys of several entities ({found:?}); pass --data-entity"
        )),
    }
}

/// Checks `record` against the schema of `kind`: a JSON object in which every non-nullable
/// field is present and not null, and every scalar field that is present has its declared JSON
/// shape (enum members spelled as declared, parsable timestamps).
pub fn validate(kind: Kind, record: &Value) -> Result<(), String> {
    use odata_filter::schema::FieldType;
    if !record.is_object() {
        return Err("not a JSON object".to_owned());
    }
    for field in kind.schema().fields() {
        let name = field.name();
        let value = match field.value_in(record) {
            None | Some(Value::Null) if field.is_nullable() => continue,
            None | Some(Value::Null) => return Err(format!("`{name}` is missing")),
            Some(value) => value,
        };
        let ok = match field.ty() {
            FieldType::String | FieldType::Guid => value.is_string(),
            FieldType::Boolean => value.is_boolean(),
            FieldType::Int32 | FieldType::Int64 => value.is_i64(),
            FieldType::Double | FieldType::Decimal => value.is_number(),
            FieldType::DateTimeOffset => value
                .as_str()
                .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()),
            FieldType::Enum(e) => value.as_str().is_some_and(|m| e.member(m).is_some()),
            FieldType::Complex(_) => value.is_object(),
            FieldType::Collection(_) => value.is_array(),
            _ => true,
        };
        if !ok {
            return Err(format!("`{name}` is not a valid {}: {value}", field.ty()));
        }
    }
    Ok(())
}

/// A record of `--data`, with where it was read.
#[derive(Debug)]
pub struct DataRecord {
    /// `file:line`, for errors.
    pub at: String,
    /// Its entity.
    pub kind: Kind,
    /// The record, without `@odata.context`.
    pub record: Value,
}

/// Reads an NDJSON file of records: one JSON object per line, blank lines skipped. Each
/// record's entity is `entity`, or [`detect`]ed. An `@odata.context` key is dropped. Errors
/// name the file and line.
pub fn read_ndjson(path: &Path, entity: Option<Kind>) -> Result<Vec<DataRecord>, BoxError> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let at = format!("{}:{}", path.display(), i + 1);
        let fail = |e: &dyn std::fmt::Display| format!("{at}: {e}");
        let line = line.map_err(|e| fail(&e))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut record: Value = serde_json::from_str(&line).map_err(|e| fail(&e))?;
        let kind = match entity {
            Some(kind) => kind,
            None => detect(&record).map_err(|e| fail(&e))?,
        };
        let Some(object) = record.as_object_mut() else {
            return Err(fail(&"not a JSON object").into());
        };
        object.remove("@odata.context");
        validate(kind, &record)
            .map_err(|e| fail(&format!("{} record: {e}", kind.schema().name())))?;
        out.push(DataRecord { at, kind, record });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::seed::fixtures;

    #[test]
    fn entities_are_detected_from_their_keys() {
        for (kind, record) in fixtures().unwrap() {
            assert_eq!(detect(&record), Ok(kind), "{record}");
        }
        let ctx = json!({"@odata.context": "https://h/api/$metadata#Alerts/$entity", "id": "x"});
        assert_eq!(detect(&ctx), Ok(Kind::Alert));
        assert!(detect(&json!({"id": "x"})).is_err());
        assert!(detect(&json!({"lastSeen": "x", "alertCreationTime": "y"})).is_err());
        assert!(detect(&json!([1])).is_err());
    }
}
