//! The JSON schema-file format (the CLI's `--schema FILE`): reading and writing schemas.
//!
//! # Format
//!
//! One JSON object describes one entity:
//!
//! ```
//! # use odata_filter::schema::EntitySchema;
//! let text = r#"{
//!   "name": "MachineAction",
//!   "entitySet": "MachineActions",
//!   "key": "id",
//!   "lenientEnums": false,
//!   "caseSensitive": false,
//!   "defaultOrder": [{"field": "creationDateTimeUtc", "desc": true}],
//!   "fields": [
//!     {"name": "id", "type": "Guid", "filterable": true, "sortable": true},
//!     {"name": "status", "filterable": true,
//!      "type": {"Enum": {"name": "Defender.MachineActionStatus",
//!                        "members": ["Pending", "InProgress", "Succeeded"]}}},
//!     {"name": "creationDateTimeUtc", "type": "DateTimeOffset", "filterable": true,
//!      "sortable": true, "column": "created_at"},
//!     {"name": "lastUpdateDateTimeUtc", "type": "DateTimeOffset",
//!      "aliases": ["lastUpdateTimeUtc"], "altJsonPaths": [["lastUpdateTimeUtc"]]},
//!     {"name": "relatedFileInfo", "nullable": true,
//!      "type": {"Complex": {"name": "Defender.RelatedFileInfo", "fields": [
//!        {"name": "fileIdentifier", "type": "String"}]}}},
//!     {"name": "machineTags", "type": {"Collection": "String"}, "filterable": true}
//!   ]
//! }"#;
//! let schema = EntitySchema::from_json_str(text)?;
//! assert_eq!(schema.lookup("lastupdatetimeutc").unwrap().name(), "lastUpdateDateTimeUtc");
//! assert_eq!(EntitySchema::from_json_str(&schema.to_json_pretty())?, schema);
//! # Ok::<(), odata_filter::schema::SchemaError>(())
//! ```
//!
//! Top-level keys:
//!
//! | key | required | meaning |
//! |---|---|---|
//! | `name` | yes | entity type name, e.g. `MachineAction` |
//! | `entitySet` | yes | entity set (collection) name, e.g. `MachineActions` |
//! | `key` | yes | name of the key field |
//! | `lenientEnums` | no, `false` | an unknown enum member matches nothing, not an error |
//! | `caseSensitive` | no, `true` | field names are matched case-sensitively, as OData identifiers are; `false` matches them ignoring case (Defender's behaviour) |
//! | `defaultOrder` | no, `[]` | `[{"field": name, "desc": bool}]`, most significant first |
//! | `fields` | yes | the fields, in order |
//!
//! Field keys:
//!
//! | key | required | meaning |
//! |---|---|---|
//! | `name` | yes | canonical spelling |
//! | `type` | yes | see below |
//! | `nullable`, `filterable`, `sortable` | no, `false` | fields are default-deny |
//! | `aliases` | no, `[]` | other accepted spellings |
//! | `jsonPath` | no, `[name]` | object keys leading to the value, relative to the parent object |
//! | `altJsonPaths` | no, `[]` | fallback paths, tried in order when `jsonPath` is absent |
//! | `column` | no | SQL column; default the name, or `parent_child` inside a complex type |
//!
//! A `type` is one of the primitive names `String`, `Boolean`, `Int32`, `Int64`, `Double`,
//! `Decimal`, `Guid`, `Date`, `DateTimeOffset`, `TimeOfDay`, `Duration` (the `Edm.`-prefixed
//! spellings are accepted too), or a one-key object:
//! `{"Enum": {"name": qualified name, "members": [..]}}`,
//! `{"Complex": {"name": qualified name, "fields": [field, ..]}}` or
//! `{"Collection": type}`.
//!
//! A `defaultOrder` entry's `desc` defaults to `false`. Unknown keys are errors everywhere.
//! Errors in the text carry a line and column ([`SchemaErrorKind::Json`]); the rules of
//! [`EntitySchemaBuilder::build`] apply afterwards.
//!
//! [`EntitySchemaBuilder::build`]: super::EntitySchemaBuilder::build

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    ComplexType, EntitySchema, EnumType, Field, FieldType, JsonErrorCategory, SchemaError,
    SchemaErrorKind, Storage,
};

impl EntitySchema {
    /// Reads a schema in the [JSON format](self).
    ///
    /// Fails with [`SchemaErrorKind::Json`] (with line and column) when the text is not JSON or
    /// does not follow the format, e.g. has an unknown key, and with the other kinds when the
    /// schema it describes is invalid.
    pub fn from_json_str(text: &str) -> Result<EntitySchema, SchemaError> {
        let doc: SchemaDoc = serde_json::from_str(text).map_err(json_error)?;
        doc.into_schema()
    }

    /// The schema in the [JSON format](self), as a value.
    /// [`from_json_str`](EntitySchema::from_json_str) reads it back to an equal schema.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(SchemaDoc::from_schema(self))
            .expect("schema documents hold only strings, booleans, arrays and string-keyed maps")
    }

    /// The schema in the [JSON format](self), pretty-printed with keys in the documented order.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&SchemaDoc::from_schema(self))
            .expect("schema documents hold only strings, booleans, arrays and string-keyed maps")
    }
}

/// Converts a serde error into [`SchemaErrorKind::Json`], dropping serde's position suffix.
fn json_error(e: serde_json::Error) -> SchemaError {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    let kind = SchemaErrorKind::Json {
        line: e.line(),
        column: e.column(),
        category: JsonErrorCategory::from(e.classify()),
        message,
    };
    SchemaError::new(kind, Vec::new())
}

/// `true`, the default of `caseSensitive`.
fn yes() -> bool {
    true
}

/// Whether `b` is the default `true` (not written out).
fn is_yes(b: &bool) -> bool {
    *b
}

/// The whole file.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SchemaDoc {
    /// Entity type name.
    name: String,
    /// Entity set name.
    entity_set: String,
    /// Key field name.
    key: String,
    /// Enum policy.
    #[serde(default)]
    lenient_enums: bool,
    /// Whether names are matched case-sensitively.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    case_sensitive: bool,
    /// Default order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    default_order: Vec<OrderDoc>,
    /// Fields.
    fields: Vec<FieldDoc>,
}

/// One default-order entry.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderDoc {
    /// Field name.
    field: String,
    /// Descending.
    #[serde(default)]
    desc: bool,
}

/// One field.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FieldDoc {
    /// Canonical name.
    name: String,
    /// Type.
    #[serde(rename = "type")]
    ty: TypeDoc,
    /// Nullable.
    #[serde(default)]
    nullable: bool,
    /// Filterable.
    #[serde(default)]
    filterable: bool,
    /// Sortable.
    #[serde(default)]
    sortable: bool,
    /// Aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    /// Primary JSON path, when not `[name]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    json_path: Option<Vec<String>>,
    /// Fallback JSON paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    alt_json_paths: Vec<Vec<String>>,
    /// Explicit SQL column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    /// How the column holds the value, when not the default (`native`, `rfc3339Utc`,
    /// `unixSeconds`, ...).
    #[serde(
        default,
        skip_serializing_if = "is_default_storage",
        with = "storage_name"
    )]
    storage: Storage,
}

fn is_default_storage(s: &Storage) -> bool {
    *s == Storage::Default
}

/// [`Storage`] as its name in schema files.
mod storage_name {
    use super::Storage;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(s: &Storage, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(&s.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Storage, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(|()| {
            serde::de::Error::custom(format!(
                "unknown storage `{name}`, expected one of default, native, rfc3339Utc, \
                 unixSeconds, unixMilliseconds, unixMicroseconds, unixNanoseconds, integer, \
                 upperCaseText"
            ))
        })
    }
}

/// A type: a primitive name or a one-key object.
#[derive(Serialize, Deserialize)]
enum TypeDoc {
    /// `Edm.String`.
    #[serde(alias = "Edm.String")]
    String,
    /// `Edm.Boolean`.
    #[serde(alias = "Edm.Boolean")]
    Boolean,
    /// `Edm.Int32`.
    #[serde(alias = "Edm.Int32")]
    Int32,
    /// `Edm.Int64`.
    #[serde(alias = "Edm.Int64")]
    Int64,
    /// `Edm.Double`.
    #[serde(alias = "Edm.Double")]
    Double,
    /// `Edm.Decimal`.
    #[serde(alias = "Edm.Decimal")]
    Decimal,
    /// `Edm.Guid`.
    #[serde(alias = "Edm.Guid")]
    Guid,
    /// `Edm.Date`.
    #[serde(alias = "Edm.Date")]
    Date,
    /// `Edm.DateTimeOffset`.
    #[serde(alias = "Edm.DateTimeOffset")]
    DateTimeOffset,
    /// `Edm.TimeOfDay`.
    #[serde(alias = "Edm.TimeOfDay")]
    TimeOfDay,
    /// `Edm.Duration`.
    #[serde(alias = "Edm.Duration")]
    Duration,
    /// An enum type.
    Enum(EnumDoc),
    /// A complex type.
    Complex(ComplexDoc),
    /// A collection.
    Collection(Box<TypeDoc>),
}

/// An enum type.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnumDoc {
    /// Qualified name.
    name: String,
    /// Members.
    members: Vec<String>,
}

/// A complex type.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplexDoc {
    /// Qualified name.
    name: String,
    /// Fields.
    fields: Vec<FieldDoc>,
}

impl SchemaDoc {
    /// The document for `schema`.
    fn from_schema(schema: &EntitySchema) -> SchemaDoc {
        SchemaDoc {
            name: schema.name.clone(),
            entity_set: schema.entity_set.clone(),
            key: schema.key().to_owned(),
            lenient_enums: schema.lenient_enums,
            case_sensitive: schema.is_case_sensitive(),
            default_order: schema
                .default_order
                .iter()
                .map(|(field, desc)| OrderDoc {
                    field: field.clone(),
                    desc: *desc,
                })
                .collect(),
            fields: schema.fields().iter().map(FieldDoc::from_field).collect(),
        }
    }

    /// Builds (and so validates) the schema this document describes.
    fn into_schema(self) -> Result<EntitySchema, SchemaError> {
        let mut builder = EntitySchema::builder(self.name, self.entity_set)
            .key(self.key)
            .lenient_enums(self.lenient_enums)
            .case_sensitive(self.case_sensitive);
        for field in self.fields {
            builder = builder.field(field.into_field());
        }
        for order in self.default_order {
            builder = builder.default_order(order.field, order.desc);
        }
        builder.build()
    }
}

impl FieldDoc {
    /// The document for `field`, leaving out defaults that need not be written.
    fn from_field(field: &Field) -> FieldDoc {
        FieldDoc {
            name: field.inner.name.clone(),
            ty: TypeDoc::from_type(&field.inner.ty),
            nullable: field.inner.nullable,
            filterable: field.inner.filterable,
            sortable: field.inner.sortable,
            aliases: field.inner.aliases.clone(),
            json_path: (field.inner.json_path != [field.inner.name.as_str()])
                .then(|| field.inner.json_path.clone()),
            alt_json_paths: field.inner.alt_json_paths.clone(),
            column: field
                .inner
                .column_explicit
                .then(|| field.inner.column.clone()),
            storage: field.inner.storage,
        }
    }

    /// The field this document describes.
    fn into_field(self) -> Field {
        let mut field = Field::new(self.name, self.ty.into_type())
            .nullable(self.nullable)
            .filterable(self.filterable)
            .sortable(self.sortable);
        for alias in self.aliases {
            field = field.alias(alias);
        }
        if let Some(path) = self.json_path {
            field = field.with_json_path(path);
        }
        for path in self.alt_json_paths {
            field = field.alt_json_path(path);
        }
        if let Some(column) = self.column {
            field = field.with_column(column);
        }
        field.with_storage(self.storage)
    }
}

impl TypeDoc {
    /// The document for `ty`.
    fn from_type(ty: &FieldType) -> TypeDoc {
        match ty {
            FieldType::String => TypeDoc::String,
            FieldType::Boolean => TypeDoc::Boolean,
            FieldType::Int32 => TypeDoc::Int32,
            FieldType::Int64 => TypeDoc::Int64,
            FieldType::Double => TypeDoc::Double,
            FieldType::Decimal => TypeDoc::Decimal,
            FieldType::Guid => TypeDoc::Guid,
            FieldType::Date => TypeDoc::Date,
            FieldType::DateTimeOffset => TypeDoc::DateTimeOffset,
            FieldType::TimeOfDay => TypeDoc::TimeOfDay,
            FieldType::Duration => TypeDoc::Duration,
            FieldType::Enum(e) => TypeDoc::Enum(EnumDoc {
                name: e.name.clone(),
                members: e.members.clone(),
            }),
            FieldType::Complex(c) => TypeDoc::Complex(ComplexDoc {
                name: c.name.clone(),
                fields: c.fields().iter().map(FieldDoc::from_field).collect(),
            }),
            FieldType::Collection(item) => TypeDoc::Collection(Box::new(TypeDoc::from_type(item))),
        }
    }

    /// The type this document describes.
    fn into_type(self) -> FieldType {
        match self {
            TypeDoc::String => FieldType::String,
            TypeDoc::Boolean => FieldType::Boolean,
            TypeDoc::Int32 => FieldType::Int32,
            TypeDoc::Int64 => FieldType::Int64,
            TypeDoc::Double => FieldType::Double,
            TypeDoc::Decimal => FieldType::Decimal,
            TypeDoc::Guid => FieldType::Guid,
            TypeDoc::Date => FieldType::Date,
            TypeDoc::DateTimeOffset => FieldType::DateTimeOffset,
            TypeDoc::TimeOfDay => FieldType::TimeOfDay,
            TypeDoc::Duration => FieldType::Duration,
            TypeDoc::Enum(e) => FieldType::Enum(Arc::new(EnumType::new(e.name, e.members))),
            TypeDoc::Complex(c) => {
                let complex = c
                    .fields
                    .into_iter()
                    .fold(ComplexType::new(c.name), |t, f| t.field(f.into_field()));
                FieldType::Complex(Arc::new(complex))
            }
            TypeDoc::Collection(item) => FieldType::Collection(Box::new(item.into_type())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Parses `text` expecting a JSON-level error; returns (line, column, category, message).
    fn json_err(text: &str) -> (usize, usize, JsonErrorCategory, String) {
        let e = EntitySchema::from_json_str(text).expect_err("schema should be rejected");
        assert!(e.path().is_empty());
        match e.kind() {
            SchemaErrorKind::Json {
                line,
                column,
                category,
                message,
            } => (*line, *column, *category, message.clone()),
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }

    const MINIMAL: &str = r#"{"name": "T", "entitySet": "Ts", "key": "id",
        "fields": [{"name": "id", "type": "Int64"}]}"#;

    #[test]
    fn minimal_file_uses_defaults() {
        let s = EntitySchema::from_json_str(MINIMAL).unwrap();
        assert_eq!((s.name(), s.entity_set(), s.key()), ("T", "Ts", "id"));
        assert!(!s.lenient_enums());
        assert!(s.default_order().is_empty());
        let id = s.lookup("id").unwrap();
        assert_eq!(id.ty(), &FieldType::Int64);
        assert!(!id.is_nullable() && !id.is_filterable() && !id.is_sortable());
        assert_eq!(id.json_path(), ["id"]);
        assert_eq!(id.column(), "id");
    }

    #[test]
    fn edm_prefixed_names_are_accepted() {
        let s = EntitySchema::from_json_str(
            r#"{"name": "T", "entitySet": "Ts", "key": "id", "fields": [
                {"name": "id", "type": "Edm.Guid"},
                {"name": "tags", "type": {"Collection": "Edm.String"}}]}"#,
        )
        .unwrap();
        assert_eq!(s.lookup("id").unwrap().ty(), &FieldType::Guid);
        assert_eq!(
            s.lookup("tags").unwrap().ty().to_string(),
            "Collection(Edm.String)"
        );
    }

    /// The Defender catalogue's schema files (`schema::catalog`, feature `defender`).
    const CATALOGUE_FILES: [&str; 5] = [
        include_str!("../../data/machineactions.schema.json"),
        include_str!("../../data/investigations.schema.json"),
        include_str!("../../data/machines.schema.json"),
        include_str!("../../data/alerts.schema.json"),
        include_str!("../../data/indicators.schema.json"),
    ];

    #[test]
    fn every_catalogue_entity_round_trips() {
        for text in CATALOGUE_FILES {
            let schema = EntitySchema::from_json_str(text).unwrap();
            let pretty = schema.to_json_pretty();
            assert_eq!(EntitySchema::from_json_str(&pretty).as_ref(), Ok(&schema));
            let value = schema.to_json();
            assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), value);
            let compact = value.to_string();
            assert_eq!(EntitySchema::from_json_str(&compact), Ok(schema));
        }
    }

    #[test]
    fn explicit_settings_round_trip() {
        let schema = EntitySchema::builder("T", "Ts")
            .field(
                Field::new("id", FieldType::Int32)
                    .with_column("pk")
                    .sortable(true),
            )
            .field(
                Field::new("when", FieldType::DateTimeOffset)
                    .nullable(true)
                    .with_json_path(["meta", "when"])
                    .alt_json_path(["when"])
                    .alt_json_path(["at"])
                    .alias("at"),
            )
            .field(Field::new(
                "c",
                ComplexType::new("N.C").field(Field::new("x", FieldType::Int32).with_column("cx")),
            ))
            .key("id")
            .lenient_enums(true)
            .default_order("id", false)
            .build()
            .unwrap();
        let value = schema.to_json();
        assert_eq!(value["fields"][0]["column"], json!("pk"));
        assert_eq!(value["fields"][1]["jsonPath"], json!(["meta", "when"]));
        assert_eq!(
            value["fields"][1]["altJsonPaths"],
            json!([["when"], ["at"]])
        );
        assert_eq!(value["fields"][2].get("column"), None);
        assert_eq!(
            value["defaultOrder"],
            json!([{"field": "id", "desc": false}])
        );
        assert_eq!(EntitySchema::from_json_str(&value.to_string()), Ok(schema));
    }

    #[test]
    fn unknown_top_level_key() {
        let text = r#"{"name": "T", "entitySet": "Ts", "key": "id", "lenient": true,
            "fields": []}"#;
        let (line, column, category, message) = json_err(text);
        assert_eq!((line, category), (1, JsonErrorCategory::Data));
        assert!(column > 40, "column {column}");
        assert!(
            message.starts_with("unknown field `lenient`, expected one of"),
            "{message}"
        );
    }

    #[test]
    fn unknown_field_key_is_reported_with_position() {
        let text = "{\"name\": \"T\", \"entitySet\": \"Ts\", \"key\": \"id\", \"fields\": [\n  \
                    {\"name\": \"id\", \"type\": \"Int64\", \"nullabel\": true}\n]}";
        let (line, column, category, message) = json_err(text);
        assert_eq!((line, column, category), (2, 44, JsonErrorCategory::Data));
        assert!(message.starts_with("unknown field `nullabel`"), "{message}");
        let e = EntitySchema::from_json_str(text).unwrap_err();
        assert!(e.to_string().starts_with(
            "invalid schema JSON at line 2, column 44: unknown field `nullabel`, expected one of"
        ));
    }

    #[test]
    fn unknown_key_in_enum_type() {
        let text = r#"{"name": "T", "entitySet": "Ts", "key": "id", "fields": [
            {"name": "id", "type": {"Enum": {"name": "N.E", "members": ["A"], "flags": true}}}]}"#;
        let (_, _, category, message) = json_err(text);
        assert_eq!(category, JsonErrorCategory::Data);
        assert!(message.starts_with("unknown field `flags`"), "{message}");
    }

    #[test]
    fn bad_type_name() {
        let text = r#"{"name": "T", "entitySet": "Ts", "key": "id", "fields": [
            {"name": "id", "type": "Strng"}]}"#;
        let (line, _, category, message) = json_err(text);
        assert_eq!((line, category), (2, JsonErrorCategory::Data));
        assert!(
            message.starts_with("unknown variant `Strng`, expected one of"),
            "{message}"
        );
    }

    #[test]
    fn wrong_json_type_for_a_key() {
        let text = r#"{"name": "T", "entitySet": "Ts", "key": "id", "fields": [
            {"name": "id", "type": "Int64", "filterable": "yes"}]}"#;
        let (_, _, category, message) = json_err(text);
        assert_eq!(category, JsonErrorCategory::Data);
        assert_eq!(message, r#"invalid type: string "yes", expected a boolean"#);
    }

    #[test]
    fn missing_required_key() {
        let (_, _, category, message) =
            json_err(r#"{"name": "T", "entitySet": "Ts", "fields": []}"#);
        assert_eq!(category, JsonErrorCategory::Data);
        assert_eq!(message, "missing field `key`");
    }

    #[test]
    fn syntax_and_eof_errors() {
        let (line, column, category, message) = json_err("{\"name\": \"T\",, }");
        assert_eq!((line, column, category), (1, 14, JsonErrorCategory::Syntax));
        assert_eq!(message, "key must be a string");
        let (_, _, category, message) = json_err(r#"{"name": "T""#);
        assert_eq!(category, JsonErrorCategory::Eof);
        assert_eq!(message, "EOF while parsing an object");
    }

    #[test]
    fn schema_rules_apply_after_parsing() {
        let text = r#"{"name": "T", "entitySet": "Ts", "key": "id", "caseSensitive": false,
            "fields": [{"name": "id", "type": "Int64"}, {"name": "ID", "type": "String"}]}"#;
        let e = EntitySchema::from_json_str(text).unwrap_err();
        assert!(matches!(e.kind(), SchemaErrorKind::DuplicateName { .. }));
        assert_eq!(e.path(), ["T"]);
        let text = r#"{"name": "T", "entitySet": "Ts", "key": "id", "fields": [
            {"name": "id", "type": "Int64"},
            {"name": "e", "type": {"Enum": {"name": "N.E", "members": []}}}]}"#;
        let e = EntitySchema::from_json_str(text).unwrap_err();
        assert_eq!(e.to_string(), "T/e: enum type `N.E` has no members");
    }
}
