//! The error returned when a schema is malformed or its JSON file cannot be read.

use std::fmt;

/// An error building an [`EntitySchema`](super::EntitySchema) or reading one from JSON.
///
/// The error carries a [`SchemaErrorKind`] and the path to the offending item: the entity
/// name followed by the field names leading to it (for example
/// `["MachineAction", "relatedFileInfo", "fileIdentifierType"]`). The path is empty for errors
/// in the JSON text itself, whose kind carries a line and column instead.
///
/// `Display` renders `path: message`, e.g.
/// `MachineAction/relatedFileInfo: enum type `Defender.FileIdentifierType` has no members`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// What went wrong.
    kind: SchemaErrorKind,
    /// The entity name and then field names leading to the problem; may be empty.
    path: Vec<String>,
}

impl SchemaError {
    /// An error of `kind` at `path` (entity name, then field names).
    pub(crate) fn new(kind: SchemaErrorKind, path: Vec<String>) -> SchemaError {
        SchemaError { kind, path }
    }

    /// What went wrong.
    pub fn kind(&self) -> &SchemaErrorKind {
        &self.kind
    }

    /// Where it went wrong: the entity name, then the field names leading to the problem.
    ///
    /// Empty when the location is not a schema item (e.g. a JSON syntax error).
    pub fn path(&self) -> &[String] {
        &self.path
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path.join("/"), self.kind)
        }
    }
}

impl std::error::Error for SchemaError {}

/// The kind of a [`SchemaError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaErrorKind {
    /// A name is not a valid OData identifier, e.g. an empty field name, `last-seen`, or an
    /// enum type named `Defender..Status`. Type names must be dot-separated identifiers, and no
    /// name may be a `$filter` keyword ([`KEYWORDS`](crate::syntax::KEYWORDS)).
    InvalidName {
        /// The offending name.
        name: String,
    },
    /// A field name or alias that a `$filter` reads as an operator or literal, e.g. `and`,
    /// `In`, `NULL` or `INF` (see [`KEYWORDS`](crate::syntax::KEYWORDS)): no filter could name
    /// the field.
    ReservedName {
        /// The name or alias, as written.
        name: String,
        /// The keyword it spells, as listed in `KEYWORDS`.
        keyword: &'static str,
    },
    /// Two different fields of one entity or complex type share a name or alias when compared
    /// case-insensitively, e.g. a field `machineId` and another field with alias `MachineID`.
    ///
    /// A field may repeat its own name as an alias in another case (`externalId` with alias
    /// `externalID`); that only documents a spelling and is not an error.
    DuplicateName {
        /// The clashing spelling, as written on the second field.
        name: String,
        /// The canonical name of the field that already uses the spelling.
        first: String,
        /// The canonical name of the field that uses it again.
        second: String,
        /// Whether the schema ignores case, so that the spellings differ only by case or not
        /// at all.
        case_insensitive: bool,
    },
    /// The schema declares no key field (`EntitySchemaBuilder::key` was never called).
    MissingKey,
    /// The key names no field, e.g. `.key("uuid")` on a schema without `uuid`.
    UnknownKey {
        /// The name given as key.
        name: String,
    },
    /// The key field cannot identify records: it is nullable, complex or a collection.
    InvalidKey {
        /// The canonical name of the key field.
        name: String,
    },
    /// A default-order entry names no field, e.g. `.default_order("created", true)`.
    UnknownOrderField {
        /// The name given.
        name: String,
    },
    /// A default-order entry names a field that is not sortable.
    UnsortableOrderField {
        /// The canonical field name.
        name: String,
    },
    /// The same field appears twice in the default order.
    DuplicateOrderField {
        /// The canonical field name.
        name: String,
    },
    /// A complex or collection field is marked sortable; only single values can be ordered.
    UnsortableField {
        /// The canonical field name.
        name: String,
    },
    /// An enum type has no members, e.g. `EnumType::new("Defender.Status", Vec::<String>::new())`.
    EmptyEnum {
        /// The qualified enum type name.
        name: String,
    },
    /// An enum member is the empty string.
    EmptyEnumMember {
        /// The qualified enum type name.
        enum_name: String,
    },
    /// An enum member is listed twice, e.g. `["Low", "High", "Low"]`.
    DuplicateEnumMember {
        /// The qualified enum type name.
        enum_name: String,
        /// The repeated member.
        member: String,
    },
    /// Two enum types in one schema share a qualified name but differ in their members.
    ConflictingEnum {
        /// The qualified enum type name.
        name: String,
    },
    /// A complex type declares no fields.
    EmptyComplex {
        /// The qualified complex type name.
        name: String,
    },
    /// A collection of collections, e.g. `Collection(Collection(Edm.String))`; OData has none.
    NestedCollection,
    /// A JSON path is empty or has an empty segment, e.g. `.with_json_path(["a", ""])`.
    InvalidJsonPath,
    /// A SQL column name is empty.
    EmptyColumn,
    /// A field's [`Storage`](super::Storage) does not fit its type, e.g.
    /// `Storage::Rfc3339Utc` for an `Edm.String`.
    UnfitStorage {
        /// The storage.
        storage: super::Storage,
        /// The field's type, as written in schemas.
        ty: String,
    },
    /// The schema file is not valid JSON or does not follow the schema format, e.g. it has an
    /// unknown key or a field type `"Strng"`.
    Json {
        /// 1-based line of the problem (0 if unknown).
        line: usize,
        /// 1-based column of the problem (0 if unknown).
        column: usize,
        /// Which class of problem it is.
        category: JsonErrorCategory,
        /// The parser's description, e.g. ``unknown field `nullabel`, expected one of …``.
        message: String,
    },
}

/// The class of a [`SchemaErrorKind::Json`] error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorCategory {
    /// The text is not valid JSON, e.g. a missing comma.
    Syntax,
    /// The JSON is valid but does not match the schema format, e.g. an unknown key.
    Data,
    /// The text ended before the JSON value was complete.
    Eof,
    /// Reading the input failed.
    Io,
}

impl From<serde_json::error::Category> for JsonErrorCategory {
    fn from(c: serde_json::error::Category) -> JsonErrorCategory {
        use serde_json::error::Category;
        match c {
            Category::Syntax => JsonErrorCategory::Syntax,
            Category::Data => JsonErrorCategory::Data,
            Category::Eof => JsonErrorCategory::Eof,
            Category::Io => JsonErrorCategory::Io,
        }
    }
}

impl fmt::Display for SchemaErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SchemaErrorKind::*;
        match self {
            InvalidName { name } => write!(f, "`{name}` is not a valid OData identifier"),
            ReservedName { name, keyword } => write!(
                f,
                "`{name}` reads as the $filter keyword `{keyword}`; no $filter could name this field"
            ),
            DuplicateName {
                name,
                first,
                second,
                case_insensitive,
            } => {
                write!(f, "field `{second}` reuses the name `{name}`")?;
                if first != name {
                    write!(f, " of field `{first}`")?;
                }
                if *case_insensitive {
                    write!(f, " (names are case-insensitive in this schema)")?;
                }
                Ok(())
            }
            MissingKey => write!(f, "no key field declared"),
            UnknownKey { name } => write!(f, "key `{name}` is not a field"),
            InvalidKey { name } => {
                write!(f, "key field `{name}` must be a single non-nullable value")
            }
            UnknownOrderField { name } => write!(f, "default order field `{name}` is not a field"),
            UnsortableOrderField { name } => {
                write!(f, "default order field `{name}` is not sortable")
            }
            DuplicateOrderField { name } => {
                write!(f, "field `{name}` appears twice in the default order")
            }
            UnsortableField { name } => {
                write!(
                    f,
                    "field `{name}` is complex or a collection and cannot be sortable"
                )
            }
            EmptyEnum { name } => write!(f, "enum type `{name}` has no members"),
            EmptyEnumMember { enum_name } => {
                write!(f, "enum type `{enum_name}` has an empty member name")
            }
            DuplicateEnumMember { enum_name, member } => {
                write!(f, "enum type `{enum_name}` lists member `{member}` twice")
            }
            ConflictingEnum { name } => {
                write!(
                    f,
                    "enum type `{name}` is declared twice with different members"
                )
            }
            EmptyComplex { name } => write!(f, "complex type `{name}` has no fields"),
            NestedCollection => write!(f, "a collection cannot hold collections"),
            InvalidJsonPath => write!(f, "JSON path is empty or has an empty segment"),
            EmptyColumn => write!(f, "SQL column name is empty"),
            UnfitStorage { storage, ty } => {
                write!(
                    f,
                    "storage `{storage}` is for {}, not {ty}",
                    storage.fitting_types()
                )
            }
            Json {
                line,
                column,
                message,
                ..
            } => {
                write!(
                    f,
                    "invalid schema JSON at line {line}, column {column}: {message}"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_path() {
        let e = SchemaError::new(
            SchemaErrorKind::EmptyEnum {
                name: "Defender.Status".into(),
            },
            vec!["MachineAction".into(), "status".into()],
        );
        assert_eq!(
            e.to_string(),
            "MachineAction/status: enum type `Defender.Status` has no members"
        );
        let e = SchemaError::new(SchemaErrorKind::MissingKey, vec![]);
        assert_eq!(e.to_string(), "no key field declared");
    }

    #[test]
    fn duplicate_name_message_names_both_fields() {
        let kind = SchemaErrorKind::DuplicateName {
            name: "MachineID".into(),
            first: "machineId".into(),
            second: "deviceId".into(),
            case_insensitive: true,
        };
        assert_eq!(
            kind.to_string(),
            "field `deviceId` reuses the name `MachineID` of field `machineId` \
             (names are case-insensitive in this schema)"
        );
        let kind = SchemaErrorKind::DuplicateName {
            name: "id".into(),
            first: "id".into(),
            second: "id".into(),
            case_insensitive: false,
        };
        assert_eq!(kind.to_string(), "field `id` reuses the name `id`");
    }
}
