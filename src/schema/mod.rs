//! Entity schemas: the typed, default-deny whitelist of fields a `$filter` may name.
//!
//! An [`EntitySchema`] lists every field of one entity with its EDM [`FieldType`], whether it may
//! be null, and whether it may appear in `$filter` ([`Field::is_filterable`]) or `$orderby`
//! ([`Field::is_sortable`]). Fields are *not* filterable unless declared so. The schema also
//! says where a field lives in a JSON record ([`Field::json_path`]) and which SQL column holds it
//! ([`Field::column`]).
//!
//! Field names are matched over canonical names and aliases ([`EntitySchema::lookup`]),
//! case-sensitively by default, as OData identifiers are; a schema may match them
//! case-insensitively instead ([`EntitySchemaBuilder::case_sensitive`], `"caseSensitive":
//! false` in JSON), as the Defender catalogue does, because Defender accepts
//! `onboardingstatus` for `onboardingStatus`. A case-sensitive schema may hold names that
//! differ only by case. Children of complex fields are looked up through their
//! [`ComplexType`], which has the same lookup API and follows its schema's setting.
//!
//! Schemas come from the builder or from a JSON file ([`json`]); with the `defender` feature,
//! the built-in Defender for Endpoint catalogue (`schema::catalog`) holds ready-made ones, read
//! from JSON files too.
//!
//! # Example
//!
//! ```
//! use odata_filter::schema::{EntitySchema, EnumType, Field, FieldType};
//!
//! let status = EnumType::new("Demo.Status", ["Open", "Closed"]);
//! let schema = EntitySchema::builder("Ticket", "Tickets")
//!     .field(Field::new("id", FieldType::Int64).filterable(true).sortable(true))
//!     .field(Field::new("status", status).filterable(true).alias("state"))
//!     .field(Field::new("notes", FieldType::String).nullable(true))
//!     .key("id")
//!     .default_order("id", true)
//!     .build()?;
//!
//! assert_eq!(schema.lookup("state").map(|f| f.name()), Some("status"));
//! // Names are case-sensitive unless the schema says otherwise.
//! assert_eq!(schema.lookup("STATE"), None);
//! assert!(!schema.lookup("notes").unwrap().is_filterable());
//! assert_eq!(schema.suggest("stauts"), Some("status"));
//! # Ok::<(), odata_filter::schema::SchemaError>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::syntax;

#[cfg(feature = "defender")]
#[cfg_attr(docsrs, doc(cfg(feature = "defender")))]
pub mod catalog;
mod error;
pub mod json;

pub use error::{JsonErrorCategory, SchemaError, SchemaErrorKind};

/// How a field's SQL column holds its values, for SQL over a table the application already
/// has. The crate's own layout ([`crate::sql::create_table_sql`]) uses [`Storage::Default`]
/// unless a field says otherwise; see the [storage table](crate::sql#storage).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Storage {
    /// The crate's own encoding for the field's type (instants as fixed-width UTC text).
    #[default]
    Default,
    /// The database's own type for the field's type, where it has one: a DateTimeOffset as
    /// PostgreSQL `timestamptz` or MySQL/MariaDB `DATETIME(6)` holding UTC; a Date as `date`;
    /// a TimeOfDay as PostgreSQL `time` or MySQL/MariaDB `TIME(6)`; a Duration as PostgreSQL
    /// `interval`; a Guid as PostgreSQL or MariaDB `uuid`; a Boolean as `boolean`; a Decimal
    /// as PostgreSQL `numeric`; a collection of strings, integers or Booleans as a
    /// PostgreSQL array (`text[]`, `bigint[]`, `boolean[]`). A dialect without the type
    /// refuses it (see the [storage table](crate::sql#storage)).
    Native,
    /// A DateTimeOffset as RFC 3339 text in UTC with a `+00:00` offset and as many
    /// fractional digits as it needs, in groups of three (`2024-01-01T10:00:00+00:00`,
    /// `2024-01-01T10:00:00.500+00:00`): what chrono's `to_rfc3339()` writes, and so what
    /// sqlx stores in SQLite for a `DateTime<Utc>`. Such text compares as time (`+` sorts
    /// before the digits); texts with other offsets or with `Z` would not, and must not be
    /// declared so.
    Rfc3339Utc,
    /// A DateTimeOffset as an integer count of `unit`s since 1970-01-01T00:00:00Z.
    Epoch(EpochUnit),
    /// An integer: a Date as its day number (days since 1970-01-01, negative before), a
    /// Boolean as 0 (false) or 1 (true). An enum as its members' integer values would need
    /// those values, which schemas cannot declare yet: refused for enums.
    Integer,
    /// A Guid as upper-case text, `2E9DA30D-27F6-4208-81F2-9CD3D67893BA` (the default is
    /// lower-case text).
    UpperCaseText,
}

/// The unit of [`Storage::Epoch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EpochUnit {
    /// Whole seconds (Unix time).
    Seconds,
    /// Milliseconds (JavaScript's `Date.now()`).
    Milliseconds,
    /// Microseconds.
    Microseconds,
    /// Nanoseconds.
    Nanoseconds,
}

impl EpochUnit {
    /// Nanoseconds in one unit.
    pub fn nanos(self) -> i64 {
        match self {
            EpochUnit::Seconds => 1_000_000_000,
            EpochUnit::Milliseconds => 1_000_000,
            EpochUnit::Microseconds => 1_000,
            EpochUnit::Nanoseconds => 1,
        }
    }
}

impl Storage {
    /// Whether a field of type `ty` can be stored so.
    fn fits(self, ty: &FieldType) -> bool {
        use FieldType as T;
        match self {
            Storage::Default => true,
            Storage::Native => match ty {
                T::Collection(item) => {
                    matches!(**item, T::String | T::Int32 | T::Int64 | T::Boolean)
                }
                _ => matches!(
                    ty,
                    T::DateTimeOffset
                        | T::Date
                        | T::TimeOfDay
                        | T::Duration
                        | T::Guid
                        | T::Boolean
                        | T::Decimal
                ),
            },
            Storage::Rfc3339Utc | Storage::Epoch(_) => matches!(ty, T::DateTimeOffset),
            Storage::Integer => matches!(ty, T::Date | T::Boolean),
            Storage::UpperCaseText => matches!(ty, T::Guid),
        }
    }

    /// The types the storage fits, in words, for [`SchemaErrorKind::UnfitStorage`].
    pub(crate) fn fitting_types(self) -> &'static str {
        match self {
            Storage::Default => "every type",
            Storage::Native => {
                "Edm.DateTimeOffset, Edm.Date, Edm.TimeOfDay, Edm.Duration, Edm.Guid, \
                 Edm.Boolean and Edm.Decimal fields, and collections of Edm.String, \
                 Edm.Int32, Edm.Int64 or Edm.Boolean"
            }
            Storage::Rfc3339Utc | Storage::Epoch(_) => "Edm.DateTimeOffset fields",
            Storage::Integer => {
                "Edm.Date and Edm.Boolean fields (enum members as integers need declared \
                 member values, which schemas do not have yet)"
            }
            Storage::UpperCaseText => "Edm.Guid fields",
        }
    }
}

impl std::fmt::Display for Storage {
    /// The name used in JSON schemas: `default`, `native`, `rfc3339Utc`, `unixSeconds`, ...
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Storage::Default => "default",
            Storage::Native => "native",
            Storage::Rfc3339Utc => "rfc3339Utc",
            Storage::Epoch(EpochUnit::Seconds) => "unixSeconds",
            Storage::Epoch(EpochUnit::Milliseconds) => "unixMilliseconds",
            Storage::Epoch(EpochUnit::Microseconds) => "unixMicroseconds",
            Storage::Epoch(EpochUnit::Nanoseconds) => "unixNanoseconds",
            Storage::Integer => "integer",
            Storage::UpperCaseText => "upperCaseText",
        })
    }
}

impl std::str::FromStr for Storage {
    type Err = ();

    /// The inverse of `Display`.
    fn from_str(s: &str) -> Result<Storage, ()> {
        [
            Storage::Default,
            Storage::Native,
            Storage::Rfc3339Utc,
            Storage::Epoch(EpochUnit::Seconds),
            Storage::Epoch(EpochUnit::Milliseconds),
            Storage::Epoch(EpochUnit::Microseconds),
            Storage::Epoch(EpochUnit::Nanoseconds),
            Storage::Integer,
            Storage::UpperCaseText,
        ]
        .into_iter()
        .find(|x| x.to_string() == s)
        .ok_or(())
    }
}

/// The EDM type of a field.
///
/// `Display` gives the OData spelling: `Edm.String`, `Edm.Int64`, the qualified name of an enum
/// or complex type, and `Collection(Edm.String)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// `Edm.String`; a JSON string.
    String,
    /// `Edm.Boolean`; a JSON `true` or `false`.
    Boolean,
    /// `Edm.Int32`; a JSON integer.
    Int32,
    /// `Edm.Int64`; a JSON integer.
    Int64,
    /// `Edm.Double`; a JSON number.
    Double,
    /// `Edm.Decimal`; a JSON number, read and compared as an exact decimal (a 96-bit
    /// coefficient and up to 28 decimal places: [`Decimal`](crate::value::Decimal)).
    ///
    /// Literals keep every digit (`3258.678765765489753678965390`); one with more digits than
    /// a decimal holds is refused where it meets a Decimal field. What a record holds depends
    /// on how it is read:
    ///
    /// * from a `serde_json::Value` ([`Predicate`](crate::eval::Predicate),
    ///   [`Filter`](crate::Filter), `$orderby`, the SQL inserts): the number as `serde_json`
    ///   keeps it ([`Value::from_json`](crate::value::Value::from_json)). Without its
    ///   `arbitrary_precision` feature that is a float, read as the shortest decimal that
    ///   gives it back (`0.1` is `0.1`), so digits past a float's 17 are already gone
    ///   (`1.00000000000000000001` reads as `1`); with it, the digits as written;
    /// * from NDJSON text ([`ndjson::LineFilter`](crate::ndjson::LineFilter), the command's
    ///   fast path): a top-level member from its digits as written, exactly; members of complex
    ///   fields and collection elements as above;
    /// * either way, a number no decimal holds exactly (`1e300`, `1e-30`) reads as null.
    ///
    /// Decimals compare exactly with integers and with each other; compared with an
    /// Edm.Double, both are promoted to Double (OData's binary numeric promotion: the decimal
    /// `0.1` equals the double `0.1`). In SQL, PostgreSQL keeps them as `NUMERIC`; dialects
    /// that keep them as 64-bit floats (SQLite, MySQL, SQL Server) refuse decimals no float
    /// stands for ([`Dialect::exact_decimals`](crate::sql::Dialect::exact_decimals)).
    Decimal,
    /// `Edm.Guid`; a JSON string such as `"2e9da30d-27f6-4208-81f2-9cd3d67893ba"`.
    Guid,
    /// `Edm.Date`; a JSON string `YYYY-MM-DD`.
    Date,
    /// `Edm.DateTimeOffset`, an instant; records hold RFC 3339 strings with up to 9 fractional
    /// digits, e.g. `"2018-12-04T12:43:57.2011911Z"` or `"2024-03-01T09:30:00+02:00"`.
    DateTimeOffset,
    /// `Edm.TimeOfDay`; a JSON string `hh:mm:ss[.fffffff]`.
    TimeOfDay,
    /// `Edm.Duration`; a JSON string holding an ISO 8601 duration such as `"P1DT2H"`.
    Duration,
    /// An enumeration; records hold the member name as a JSON string.
    Enum(Arc<EnumType>),
    /// A structured value; records hold a JSON object.
    Complex(Arc<ComplexType>),
    /// A collection; records hold a JSON array of the item type.
    Collection(Box<FieldType>),
}

impl FieldType {
    /// `Collection(item)`.
    pub fn collection(item: impl Into<FieldType>) -> FieldType {
        FieldType::Collection(Box::new(item.into()))
    }

    /// Whether this is a collection type.
    pub fn is_collection(&self) -> bool {
        matches!(self, FieldType::Collection(_))
    }

    /// Whether this type holds one value that can be compared and ordered: neither complex
    /// nor a collection.
    pub fn is_scalar(&self) -> bool {
        !matches!(self, FieldType::Complex(_) | FieldType::Collection(_))
    }

    /// The item type of a collection, `None` for other types.
    pub fn item_type(&self) -> Option<&FieldType> {
        match self {
            FieldType::Collection(item) => Some(item),
            _ => None,
        }
    }

    /// The enum type, if this is an enum.
    pub fn as_enum(&self) -> Option<&EnumType> {
        match self {
            FieldType::Enum(e) => Some(e),
            _ => None,
        }
    }

    /// The complex type, if this is a complex type.
    pub fn as_complex(&self) -> Option<&ComplexType> {
        match self {
            FieldType::Complex(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let edm = match self {
            FieldType::String => "Edm.String",
            FieldType::Boolean => "Edm.Boolean",
            FieldType::Int32 => "Edm.Int32",
            FieldType::Int64 => "Edm.Int64",
            FieldType::Double => "Edm.Double",
            FieldType::Decimal => "Edm.Decimal",
            FieldType::Guid => "Edm.Guid",
            FieldType::Date => "Edm.Date",
            FieldType::DateTimeOffset => "Edm.DateTimeOffset",
            FieldType::TimeOfDay => "Edm.TimeOfDay",
            FieldType::Duration => "Edm.Duration",
            FieldType::Enum(e) => e.name(),
            FieldType::Complex(c) => c.name(),
            FieldType::Collection(item) => return write!(f, "Collection({item})"),
        };
        f.write_str(edm)
    }
}

impl From<EnumType> for FieldType {
    fn from(e: EnumType) -> FieldType {
        FieldType::Enum(Arc::new(e))
    }
}

impl From<ComplexType> for FieldType {
    fn from(c: ComplexType) -> FieldType {
        FieldType::Complex(Arc::new(c))
    }
}

/// An enumeration type: a qualified name and its member names.
///
/// Defender exchanges enum values as plain strings (`status eq 'Succeeded'`), so members are
/// just names; [`member`](EnumType::member) matches them exactly and
/// [`suggest`](EnumType::suggest) finds the closest one for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumType {
    /// Qualified name, e.g. `Defender.MachineActionStatus`.
    name: String,
    /// Member names in declaration order.
    members: Vec<String>,
}

impl EnumType {
    /// An enum type named `name` (qualified, e.g. `Defender.MachineActionStatus`) with
    /// `members`. The members are checked (non-empty, no duplicates) when the schema that uses
    /// the type is built.
    pub fn new<I, S>(name: impl Into<String>, members: I) -> EnumType
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EnumType {
            name: name.into(),
            members: members.into_iter().map(Into::into).collect(),
        }
    }

    /// The qualified name, e.g. `Defender.MachineActionStatus`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The member names in declaration order.
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// The member spelled exactly `name` (case-sensitive), as stored in the type.
    pub fn member(&self, name: &str) -> Option<&str> {
        self.members.iter().map(String::as_str).find(|m| *m == name)
    }

    /// The member closest to `name`, for "did you mean" messages.
    ///
    /// A member equal to `name` ignoring case is always the best match (`'high'` gives `High`);
    /// otherwise the closest member within a small edit distance (about a third of the length
    /// of `name`), or `None` when nothing is close.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        crate::suggest::closest_name(name, self.members.iter().map(String::as_str))
    }
}

/// A complex (structured) type: a qualified name and its fields.
///
/// Children are looked up exactly like the fields of the [`EntitySchema`] that uses the type:
/// over names and aliases, case-sensitively unless the schema says otherwise. A child's [`json_path`](Field::json_path) is relative to the complex
/// value, and its default [`column`](Field::column) is `parent_child`.
///
/// A nested member such as `relatedFileInfo/fileIdentifier` should be accepted in `$filter`
/// only when both the complex field and the child are filterable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplexType {
    /// Qualified name, e.g. `Defender.RelatedFileInfo`.
    name: String,
    /// The fields and their lookup index.
    table: FieldTable,
}

impl ComplexType {
    /// An empty complex type named `name` (qualified, e.g. `Defender.IpAddress`); add fields
    /// with [`field`](ComplexType::field). Names are checked when the schema that uses the type
    /// is built.
    pub fn new(name: impl Into<String>) -> ComplexType {
        ComplexType {
            name: name.into(),
            // Until a schema takes the type and applies its own rule.
            table: FieldTable::new(true),
        }
    }

    /// Adds a field.
    pub fn field(mut self, field: Field) -> ComplexType {
        self.table.push(field);
        self
    }

    /// The qualified name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The fields in declaration order.
    pub fn fields(&self) -> &[Field] {
        &self.table.fields
    }

    /// The filterable fields in declaration order.
    pub fn filterable_fields(&self) -> impl Iterator<Item = &Field> + '_ {
        self.table.fields.iter().filter(|f| f.inner.filterable)
    }

    /// The field named `name`, matched against names and aliases (case-insensitively when the
    /// schema that uses the type is).
    pub fn lookup(&self, name: &str) -> Option<&Field> {
        self.table.lookup(name)
    }

    /// The canonical name of the filterable field closest to `name`, for "did you mean".
    pub fn suggest(&self, name: &str) -> Option<&str> {
        self.table.suggest(name)
    }
}

/// One field of an entity or complex type.
///
/// Built with [`Field::new`] and chained by-value setters. Setters are named after the
/// property; where a getter already owns that name (`json_path`, `column`) the setter is
/// prefixed `with_`:
///
/// ```
/// use odata_filter::schema::{Field, FieldType};
///
/// let f = Field::new("lastUpdateDateTimeUtc", FieldType::DateTimeOffset)
///     .sortable(true)
///     .alias("lastUpdateTimeUtc")
///     .alt_json_path(["lastUpdateTimeUtc"])
///     .with_column("last_update");
/// assert_eq!(f.json_path(), ["lastUpdateDateTimeUtc"]);
/// assert_eq!(f.column(), "last_update");
/// assert!(!f.is_filterable()); // default-deny
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's properties, shared by its clones: the checker copies a field into every
    /// reference to it, so cloning must be cheap.
    inner: Arc<FieldData>,
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &*self.inner;
        f.debug_struct("Field")
            .field("name", &d.name)
            .field("ty", &d.ty)
            .field("nullable", &d.nullable)
            .field("filterable", &d.filterable)
            .field("sortable", &d.sortable)
            .field("aliases", &d.aliases)
            .field("json_path", &d.json_path)
            .field("alt_json_paths", &d.alt_json_paths)
            .field("column", &d.column)
            .field("column_explicit", &d.column_explicit)
            .field("storage", &d.storage)
            .finish()
    }
}

/// The properties of a [`Field`].
#[derive(Clone, PartialEq, Eq)]
struct FieldData {
    /// Canonical spelling.
    name: String,
    /// EDM type.
    ty: FieldType,
    /// Whether the value may be null.
    nullable: bool,
    /// Whether `$filter` may name the field.
    filterable: bool,
    /// Whether `$orderby` may name the field.
    sortable: bool,
    /// Other accepted spellings.
    aliases: Vec<String>,
    /// Where the value lives in a JSON object, relative to the parent object.
    json_path: Vec<String>,
    /// Fallback JSON paths, tried in order when `json_path` is absent.
    alt_json_paths: Vec<Vec<String>>,
    /// SQL column name (resolved; see `column_explicit`).
    column: String,
    /// Whether `column` was set with `with_column` rather than derived from the name.
    column_explicit: bool,
    /// How the column holds the value.
    storage: Storage,
}

impl Field {
    /// A field named `name` of type `ty`: not nullable, not filterable, not sortable, no
    /// aliases, JSON path `[name]`, column `name` (`parent_name` inside a complex type).
    pub fn new(name: impl Into<String>, ty: impl Into<FieldType>) -> Field {
        let name = name.into();
        let data = FieldData {
            json_path: vec![name.clone()],
            column: name.clone(),
            name,
            ty: ty.into(),
            nullable: false,
            filterable: false,
            sortable: false,
            aliases: Vec::new(),
            alt_json_paths: Vec::new(),
            column_explicit: false,
            storage: Storage::Default,
        };
        Field {
            inner: Arc::new(data),
        }
    }

    /// The properties, to change (copied first if another clone shares them).
    fn data_mut(&mut self) -> &mut FieldData {
        Arc::make_mut(&mut self.inner)
    }

    /// Sets whether the value may be null (or absent from a record).
    pub fn nullable(mut self, yes: bool) -> Field {
        self.data_mut().nullable = yes;
        self
    }

    /// Sets whether `$filter` may name the field.
    pub fn filterable(mut self, yes: bool) -> Field {
        self.data_mut().filterable = yes;
        self
    }

    /// Sets whether `$orderby` may name the field. Only scalar fields can be sortable.
    pub fn sortable(mut self, yes: bool) -> Field {
        self.data_mut().sortable = yes;
        self
    }

    /// Adds another accepted spelling, e.g. the documented misspelling `asssignedTo`.
    pub fn alias(mut self, name: impl Into<String>) -> Field {
        self.data_mut().aliases.push(name.into());
        self
    }

    /// Sets where the value lives in a JSON record, as object keys from the parent object.
    pub fn with_json_path<I, S>(mut self, path: I) -> Field
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.data_mut().json_path = path.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a fallback JSON path, tried when the primary path and earlier fallbacks are absent.
    ///
    /// Defender's list examples carry `lastUpdateTimeUtc` where real output carries
    /// `lastUpdateDateTimeUtc`; one field reads both with
    /// `.alt_json_path(["lastUpdateTimeUtc"])`. See [`value_in`](Field::value_in).
    pub fn alt_json_path<I, S>(mut self, path: I) -> Field
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.data_mut()
            .alt_json_paths
            .push(path.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the SQL column name, used verbatim (also inside complex types).
    pub fn with_column(mut self, column: impl Into<String>) -> Field {
        self.data_mut().column = column.into();
        self.data_mut().column_explicit = true;
        self
    }

    /// Sets how the SQL column holds the value ([`Storage`]), for a table the application
    /// already has: `Field::new("createdAt", FieldType::DateTimeOffset).with_storage(Storage::Native)`
    /// for a PostgreSQL `timestamptz`. Checked against the type when the schema is built.
    pub fn with_storage(mut self, storage: Storage) -> Field {
        self.data_mut().storage = storage;
        self
    }

    /// How the SQL column holds the value.
    pub fn storage(&self) -> Storage {
        self.inner.storage
    }

    /// The canonical spelling.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The EDM type.
    pub fn ty(&self) -> &FieldType {
        &self.inner.ty
    }

    /// Whether the value may be null or absent.
    pub fn is_nullable(&self) -> bool {
        self.inner.nullable
    }

    /// Whether `$filter` may name the field.
    pub fn is_filterable(&self) -> bool {
        self.inner.filterable
    }

    /// Whether `$orderby` may name the field.
    pub fn is_sortable(&self) -> bool {
        self.inner.sortable
    }

    /// The other accepted spellings.
    pub fn aliases(&self) -> &[String] {
        &self.inner.aliases
    }

    /// The primary JSON path: object keys leading to the value from the parent object.
    /// Defaults to `[name]`.
    pub fn json_path(&self) -> &[String] {
        &self.inner.json_path
    }

    /// The fallback JSON paths, in the order they are tried.
    pub fn alt_json_paths(&self) -> &[Vec<String>] {
        &self.inner.alt_json_paths
    }

    /// All JSON paths, primary first, in the order [`value_in`](Field::value_in) tries them.
    pub fn json_paths(&self) -> impl Iterator<Item = &[String]> + '_ {
        std::iter::once(self.inner.json_path.as_slice())
            .chain(self.inner.alt_json_paths.iter().map(|p| &p[..]))
    }

    /// The SQL column name: set by [`with_column`](Field::with_column), else the field name for
    /// top-level fields and `parent_child` (joined with `_`) for fields of complex types, e.g.
    /// `relatedFileInfo_fileIdentifier`. Resolved when the schema is built.
    pub fn column(&self) -> &str {
        &self.inner.column
    }

    /// The field's value in `object` (a record, or the parent complex value).
    ///
    /// Tries [`json_path`](Field::json_path) and then each
    /// [`alt_json_path`](Field::alt_json_paths); the first path that is *present* wins, even
    /// when its value is `null`. `None` means no path is present.
    pub fn value_in<'v>(&self, object: &'v Value) -> Option<&'v Value> {
        self.json_paths().find_map(|path| {
            path.iter()
                .try_fold(object, |v, key| v.as_object()?.get(key.as_str()))
        })
    }

    /// The canonical name followed by the aliases.
    fn spellings(&self) -> impl Iterator<Item = &str> + '_ {
        std::iter::once(self.inner.name.as_str())
            .chain(self.inner.aliases.iter().map(String::as_str))
    }
}

/// The schema of one entity: its fields, key, default order and enum policy.
///
/// Build it with [`EntitySchema::builder`], load it with
/// [`from_json_str`](EntitySchema::from_json_str), or take one from the Defender catalogue
/// (`schema::catalog`, feature `defender`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitySchema {
    /// Entity type name, e.g. `MachineAction`.
    name: String,
    /// Entity set name, e.g. `MachineActions`.
    entity_set: String,
    /// Fields and their lookup index.
    table: FieldTable,
    /// Index of the key field in `table`.
    key: usize,
    /// Whether an unknown enum member matches nothing instead of being an error.
    lenient_enums: bool,
    /// `(canonical field name, descending)` pairs.
    default_order: Vec<(String, bool)>,
}

impl EntitySchema {
    /// Whether field names are matched case-sensitively, as OData identifiers are (the
    /// default); see [`EntitySchemaBuilder::case_sensitive`].
    pub fn is_case_sensitive(&self) -> bool {
        self.table.case_sensitive
    }

    /// Starts a schema for entity type `name` (e.g. `MachineAction`) in entity set
    /// `entity_set` (e.g. `MachineActions`).
    pub fn builder(name: impl Into<String>, entity_set: impl Into<String>) -> EntitySchemaBuilder {
        EntitySchemaBuilder {
            name: name.into(),
            entity_set: entity_set.into(),
            fields: Vec::new(),
            key: None,
            lenient_enums: false,
            case_sensitive: true,
            default_order: Vec::new(),
        }
    }

    /// The entity type name, e.g. `MachineAction`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The entity set name, e.g. `MachineActions`.
    pub fn entity_set(&self) -> &str {
        &self.entity_set
    }

    /// The canonical name of the key field.
    pub fn key(&self) -> &str {
        &self.key_field().inner.name
    }

    /// The key field.
    pub fn key_field(&self) -> &Field {
        &self.table.fields[self.key]
    }

    /// Whether an enum literal that names no member matches nothing (Defender's behaviour)
    /// instead of being a check error.
    pub fn lenient_enums(&self) -> bool {
        self.lenient_enums
    }

    /// This schema with [`lenient_enums`](EntitySchema::lenient_enums) set to `yes`.
    pub fn with_lenient_enums(mut self, yes: bool) -> EntitySchema {
        self.lenient_enums = yes;
        self
    }

    /// The order applied when a query gives no `$orderby`: `(canonical field name, descending)`
    /// pairs, most significant first.
    pub fn default_order(&self) -> &[(String, bool)] {
        &self.default_order
    }

    /// All fields in declaration order.
    pub fn fields(&self) -> &[Field] {
        &self.table.fields
    }

    /// The filterable top-level fields in declaration order.
    pub fn filterable_fields(&self) -> impl Iterator<Item = &Field> + '_ {
        self.table.fields.iter().filter(|f| f.inner.filterable)
    }

    /// The sortable top-level fields in declaration order.
    pub fn sortable_fields(&self) -> impl Iterator<Item = &Field> + '_ {
        self.table.fields.iter().filter(|f| f.inner.sortable)
    }

    /// The top-level field named `name`, matched against canonical names and aliases
    /// (case-insensitively when [`is_case_sensitive`](EntitySchema::is_case_sensitive) is
    /// false). Filterability is not checked here.
    ///
    /// Uses a precomputed map of lower-cased spellings; ASCII names up to 64 bytes are folded
    /// on the stack, so the lookup does not allocate.
    pub fn lookup(&self, name: &str) -> Option<&Field> {
        self.table.lookup(name)
    }

    /// The canonical name of the filterable field closest to `name`, for "did you mean".
    ///
    /// Compares case-insensitively against names and aliases using Damerau-Levenshtein
    /// distance, accepting at most about a third of the length of `name` in edits; ties go to
    /// the higher Jaro-Winkler similarity, then to declaration order.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        self.table.suggest(name)
    }
}

/// Builds an [`EntitySchema`]; see [`EntitySchema::builder`].
#[derive(Clone, Debug)]
pub struct EntitySchemaBuilder {
    /// Entity type name.
    name: String,
    /// Entity set name.
    entity_set: String,
    /// Fields in declaration order.
    fields: Vec<Field>,
    /// Name given as key.
    key: Option<String>,
    /// Enum policy.
    lenient_enums: bool,
    /// Whether names are matched case-sensitively.
    case_sensitive: bool,
    /// `(name as given, descending)` pairs.
    default_order: Vec<(String, bool)>,
}

impl EntitySchemaBuilder {
    /// Adds a field.
    pub fn field(mut self, field: Field) -> EntitySchemaBuilder {
        self.fields.push(field);
        self
    }

    /// Sets the key field (any spelling of it; stored canonical). Required.
    pub fn key(mut self, name: impl Into<String>) -> EntitySchemaBuilder {
        self.key = Some(name.into());
        self
    }

    /// Sets whether an unknown enum member matches nothing instead of being an error.
    /// Defaults to `false`.
    pub fn lenient_enums(mut self, yes: bool) -> EntitySchemaBuilder {
        self.lenient_enums = yes;
        self
    }

    /// Sets whether field names (and aliases, and the names of complex types' members) are
    /// matched case-sensitively. Defaults to `true`: OData identifiers are case-sensitive, and
    /// such a schema may hold names that differ only by case (`id` and `ID`). With `false`,
    /// `onboardingstatus` finds `onboardingStatus` (Defender's behaviour, and this crate's
    /// before 0.2), and two names that differ only by case are refused.
    pub fn case_sensitive(mut self, yes: bool) -> EntitySchemaBuilder {
        self.case_sensitive = yes;
        self
    }

    /// Appends `field` (ascending, or descending when `desc`) to the default order.
    pub fn default_order(mut self, field: impl Into<String>, desc: bool) -> EntitySchemaBuilder {
        self.default_order.push((field.into(), desc));
        self
    }

    /// Checks the schema and builds it.
    ///
    /// Fails on invalid names, names or aliases shared by two fields (ignoring case unless
    /// the schema is [`case_sensitive`](EntitySchemaBuilder::case_sensitive)), a
    /// missing, unknown or unsuitable key, unknown, unsortable or repeated default-order
    /// fields, empty or duplicated enum members, empty complex types, nested collections,
    /// empty JSON paths or columns, and sortable complex or collection fields. See
    /// [`SchemaErrorKind`].
    pub fn build(self) -> Result<EntitySchema, SchemaError> {
        let root = vec![self.name.clone()];
        for name in [&self.name, &self.entity_set] {
            if !is_identifier(name) {
                return Err(SchemaError::new(
                    SchemaErrorKind::InvalidName { name: name.clone() },
                    root,
                ));
            }
        }
        let mut table = FieldTable::new(self.case_sensitive);
        for field in self.fields {
            table.push(resolve_columns(field, None, self.case_sensitive));
        }
        let mut path = root.clone();
        let mut enums = HashMap::new();
        validate_table(&table, &mut path, &mut enums)?;

        let err = |kind| Err(SchemaError::new(kind, root.clone()));
        let Some(key_name) = self.key else {
            return err(SchemaErrorKind::MissingKey);
        };
        let Some(key) = table.position(&key_name) else {
            return err(SchemaErrorKind::UnknownKey { name: key_name });
        };
        let key_field = &table.fields[key];
        if key_field.inner.nullable || !key_field.inner.ty.is_scalar() {
            return err(SchemaErrorKind::InvalidKey {
                name: key_field.inner.name.clone(),
            });
        }

        let mut default_order: Vec<(String, bool)> = Vec::with_capacity(self.default_order.len());
        for (name, desc) in self.default_order {
            let Some(field) = table.lookup(&name) else {
                return err(SchemaErrorKind::UnknownOrderField { name });
            };
            if !field.inner.sortable {
                return err(SchemaErrorKind::UnsortableOrderField {
                    name: field.inner.name.clone(),
                });
            }
            if default_order.iter().any(|(n, _)| *n == field.inner.name) {
                return err(SchemaErrorKind::DuplicateOrderField {
                    name: field.inner.name.clone(),
                });
            }
            default_order.push((field.inner.name.clone(), desc));
        }

        Ok(EntitySchema {
            name: self.name,
            entity_set: self.entity_set,
            table,
            key,
            lenient_enums: self.lenient_enums,
            default_order,
        })
    }
}

/// Fields plus a map from each spelling (name or alias; lower-cased unless case-sensitive) to
/// the field's index.
#[derive(Clone, Default)]
struct FieldTable {
    /// Whether spellings are matched as written; otherwise lower-cased first.
    case_sensitive: bool,
    /// Fields in declaration order.
    fields: Vec<Field>,
    /// Lower-cased spelling to index into `fields`; the first field with a spelling wins.
    index: HashMap<Box<str>, usize>,
    /// The entries of `index` in the order they were added, for a scan of small tables,
    /// which beats hashing the name.
    spellings: Vec<(Box<str>, usize)>,
}

/// The most spellings looked up by a scan rather than through the hash map.
const SCAN_LIMIT: usize = 64;

impl FieldTable {
    /// An empty table matching names case-sensitively or not.
    fn new(case_sensitive: bool) -> FieldTable {
        FieldTable {
            case_sensitive,
            ..FieldTable::default()
        }
    }

    /// The key `spelling` is indexed under: itself, or lower-cased (the one case rule of
    /// field names).
    fn key(&self, spelling: &str) -> Box<str> {
        if self.case_sensitive {
            spelling.into()
        } else {
            spelling.to_lowercase().into_boxed_str()
        }
    }

    /// Appends `field` and indexes its spellings (keeping earlier owners on clashes, which
    /// `validate_table` reports).
    fn push(&mut self, field: Field) {
        let i = self.fields.len();
        for spelling in field.spellings() {
            let key = self.key(spelling);
            if !self.index.contains_key(&key) {
                self.spellings.push((key.clone(), i));
                self.index.insert(key, i);
            }
        }
        self.fields.push(field);
    }

    /// Lookup over names and aliases.
    fn lookup(&self, name: &str) -> Option<&Field> {
        self.position(name).map(|i| &self.fields[i])
    }

    /// The index of the field spelled `name` (ignoring case unless case-sensitive).
    fn position(&self, name: &str) -> Option<usize> {
        /// Longest ASCII name folded on the stack.
        const INLINE: usize = 64;
        if self.case_sensitive {
            if self.spellings.len() <= SCAN_LIMIT {
                return self
                    .spellings
                    .iter()
                    .find(|(key, _)| **key == *name)
                    .map(|&(_, i)| i);
            }
            return self.index.get(name).copied();
        }
        let bytes = name.as_bytes();
        if self.spellings.len() <= SCAN_LIMIT && name.is_ascii() {
            // An ASCII name equals a lower-cased spelling exactly when they are equal
            // ignoring ASCII case.
            return self
                .spellings
                .iter()
                .find(|(key, _)| key.len() == bytes.len() && key.eq_ignore_ascii_case(name))
                .map(|&(_, i)| i);
        }
        let i = if !name.is_ascii() {
            self.index.get(name.to_lowercase().as_str())
        } else if !bytes.iter().any(u8::is_ascii_uppercase) {
            self.index.get(name)
        } else if bytes.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            let buf = &mut buf[..bytes.len()];
            buf.copy_from_slice(bytes);
            buf.make_ascii_lowercase();
            self.index.get(std::str::from_utf8(buf).ok()?)
        } else {
            self.index.get(name.to_ascii_lowercase().as_str())
        };
        i.copied()
    }

    /// Closest filterable field (by any spelling), returning its canonical name.
    fn suggest(&self, name: &str) -> Option<&str> {
        let candidates = self
            .fields
            .iter()
            .filter(|f| f.inner.filterable)
            .flat_map(|f| f.spellings().map(move |s| (s, f.inner.name.as_str())));
        crate::suggest::closest(name, candidates)
    }
}

impl PartialEq for FieldTable {
    fn eq(&self, other: &FieldTable) -> bool {
        // The index is derived from the fields and the case rule.
        self.case_sensitive == other.case_sensitive && self.fields == other.fields
    }
}

impl Eq for FieldTable {}

impl fmt::Debug for FieldTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.fields).finish()
    }
}

/// Whether `name` is a name a `$filter` can write ([`syntax::is_property_name`]: an identifier
/// and no keyword) of at most 128 characters.
fn is_identifier(name: &str) -> bool {
    syntax::is_property_name(name) && name.chars().count() <= 128
}

/// Whether `name` is a qualified type name: identifiers joined by `.`.
fn is_qualified_name(name: &str) -> bool {
    name.split('.').all(is_identifier)
}

/// Fills in derived columns: `name` at top level, `parent_name` in complex types (recursively),
/// unless the column was set explicitly.
fn resolve_columns(mut field: Field, parent_column: Option<&str>, case_sensitive: bool) -> Field {
    let data = field.data_mut();
    if !data.column_explicit {
        data.column = match parent_column {
            Some(parent) => format!("{parent}_{}", data.name),
            None => data.name.clone(),
        };
    }
    let ty = std::mem::replace(&mut data.ty, FieldType::String);
    data.ty = resolve_type_columns(ty, &data.column, case_sensitive);
    field
}

/// Resolves the columns of the complex type inside `ty`, if any, under `parent_column`, and
/// indexes its members by the schema's case rule.
fn resolve_type_columns(ty: FieldType, parent_column: &str, case_sensitive: bool) -> FieldType {
    match ty {
        FieldType::Complex(c) => {
            let mut c = Arc::unwrap_or_clone(c);
            let fields = std::mem::take(&mut c.table.fields);
            c.table = FieldTable::new(case_sensitive);
            for f in fields {
                c.table
                    .push(resolve_columns(f, Some(parent_column), case_sensitive));
            }
            FieldType::Complex(Arc::new(c))
        }
        FieldType::Collection(item) => FieldType::Collection(Box::new(resolve_type_columns(
            *item,
            parent_column,
            case_sensitive,
        ))),
        other => other,
    }
}

/// Checks names, duplicates and every field of `table`; `path` locates the table.
fn validate_table<'s>(
    table: &'s FieldTable,
    path: &mut Vec<String>,
    enums: &mut HashMap<&'s str, &'s EnumType>,
) -> Result<(), SchemaError> {
    let mut seen: HashMap<Box<str>, usize> = HashMap::new();
    for (i, field) in table.fields.iter().enumerate() {
        for spelling in field.spellings() {
            match seen.get(&table.key(spelling)) {
                Some(&j) if j != i => {
                    return Err(SchemaError::new(
                        SchemaErrorKind::DuplicateName {
                            name: spelling.to_owned(),
                            first: table.fields[j].inner.name.clone(),
                            second: field.inner.name.clone(),
                            case_insensitive: !table.case_sensitive,
                        },
                        path.clone(),
                    ));
                }
                Some(_) => {}
                None => {
                    seen.insert(table.key(spelling), i);
                }
            }
        }
    }
    for field in &table.fields {
        path.push(field.inner.name.clone());
        validate_field(field, path, enums)?;
        path.pop();
    }
    Ok(())
}

/// Checks one field; `path` ends with the field's name.
fn validate_field<'s>(
    field: &'s Field,
    path: &mut Vec<String>,
    enums: &mut HashMap<&'s str, &'s EnumType>,
) -> Result<(), SchemaError> {
    let err = |kind| Err(SchemaError::new(kind, path.clone()));
    if let Some(bad) = field.spellings().find(|s| !is_identifier(s)) {
        let name = bad.to_owned();
        return err(match syntax::keyword(bad) {
            Some(keyword) => SchemaErrorKind::ReservedName { name, keyword },
            None => SchemaErrorKind::InvalidName { name },
        });
    }
    if field
        .json_paths()
        .any(|p| p.is_empty() || p.iter().any(String::is_empty))
    {
        return err(SchemaErrorKind::InvalidJsonPath);
    }
    if field.inner.column.is_empty() {
        return err(SchemaErrorKind::EmptyColumn);
    }
    if !field.inner.storage.fits(&field.inner.ty) {
        return err(SchemaErrorKind::UnfitStorage {
            storage: field.inner.storage,
            ty: field.inner.ty.to_string(),
        });
    }
    if field.inner.sortable && !field.inner.ty.is_scalar() {
        return err(SchemaErrorKind::UnsortableField {
            name: field.inner.name.clone(),
        });
    }
    validate_type(&field.inner.ty, path, enums, false)
}

/// Checks a field type: enum members, complex fields, no nested collections.
fn validate_type<'s>(
    ty: &'s FieldType,
    path: &mut Vec<String>,
    enums: &mut HashMap<&'s str, &'s EnumType>,
    in_collection: bool,
) -> Result<(), SchemaError> {
    let err = |kind, path: &Vec<String>| Err(SchemaError::new(kind, path.clone()));
    match ty {
        FieldType::Enum(e) => {
            if !is_qualified_name(&e.name) {
                return err(
                    SchemaErrorKind::InvalidName {
                        name: e.name.clone(),
                    },
                    path,
                );
            }
            if e.members.is_empty() {
                return err(
                    SchemaErrorKind::EmptyEnum {
                        name: e.name.clone(),
                    },
                    path,
                );
            }
            for (i, member) in e.members.iter().enumerate() {
                if member.is_empty() {
                    return err(
                        SchemaErrorKind::EmptyEnumMember {
                            enum_name: e.name.clone(),
                        },
                        path,
                    );
                }
                if e.members[..i].contains(member) {
                    let kind = SchemaErrorKind::DuplicateEnumMember {
                        enum_name: e.name.clone(),
                        member: member.clone(),
                    };
                    return err(kind, path);
                }
            }
            match enums.get(e.name.as_str()) {
                Some(other) if *other != &**e => err(
                    SchemaErrorKind::ConflictingEnum {
                        name: e.name.clone(),
                    },
                    path,
                ),
                Some(_) => Ok(()),
                None => {
                    enums.insert(&e.name, &**e);
                    Ok(())
                }
            }
        }
        FieldType::Complex(c) => {
            if !is_qualified_name(&c.name) {
                return err(
                    SchemaErrorKind::InvalidName {
                        name: c.name.clone(),
                    },
                    path,
                );
            }
            if c.table.fields.is_empty() {
                return err(
                    SchemaErrorKind::EmptyComplex {
                        name: c.name.clone(),
                    },
                    path,
                );
            }
            validate_table(&c.table, path, enums)
        }
        FieldType::Collection(item) => {
            if in_collection {
                return err(SchemaErrorKind::NestedCollection, path);
            }
            validate_type(item, path, enums, true)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status() -> EnumType {
        EnumType::new(
            "Demo.Status",
            ["Pending", "InProgress", "Succeeded", "Failed"],
        )
    }

    fn file_info() -> ComplexType {
        ComplexType::new("Demo.FileInfo")
            .field(Field::new("fileIdentifier", FieldType::String).filterable(true))
            .field(Field::new(
                "fileIdentifierType",
                EnumType::new("Demo.Hash", ["Sha1", "Md5"]),
            ))
    }

    /// A Defender-like schema: names matched ignoring case.
    fn demo() -> EntitySchemaBuilder {
        EntitySchema::builder("Action", "Actions")
            .case_sensitive(false)
            .field(
                Field::new("id", FieldType::Guid)
                    .filterable(true)
                    .sortable(true),
            )
            .field(Field::new("machineId", FieldType::String).filterable(true))
            .field(
                Field::new("status", status())
                    .filterable(true)
                    .sortable(true),
            )
            .field(
                Field::new("lastUpdateDateTimeUtc", FieldType::DateTimeOffset)
                    .sortable(true)
                    .alias("lastUpdateTimeUtc")
                    .alt_json_path(["lastUpdateTimeUtc"]),
            )
            .field(Field::new("relatedFileInfo", file_info()).nullable(true))
            .field(Field::new("tags", FieldType::collection(FieldType::String)).filterable(true))
            .key("id")
    }

    fn build_err(b: EntitySchemaBuilder) -> SchemaError {
        b.build().expect_err("schema should be rejected")
    }

    #[test]
    fn display_of_types() {
        assert_eq!(FieldType::String.to_string(), "Edm.String");
        assert_eq!(FieldType::Int64.to_string(), "Edm.Int64");
        assert_eq!(FieldType::DateTimeOffset.to_string(), "Edm.DateTimeOffset");
        assert_eq!(FieldType::from(status()).to_string(), "Demo.Status");
        assert_eq!(FieldType::from(file_info()).to_string(), "Demo.FileInfo");
        assert_eq!(
            FieldType::collection(FieldType::String).to_string(),
            "Collection(Edm.String)"
        );
        assert_eq!(
            FieldType::collection(status()).to_string(),
            "Collection(Demo.Status)"
        );
    }

    #[test]
    fn type_helpers() {
        let tags = FieldType::collection(FieldType::String);
        assert!(tags.is_collection() && !tags.is_scalar());
        assert_eq!(tags.item_type(), Some(&FieldType::String));
        assert!(FieldType::from(status()).is_scalar());
        assert_eq!(
            FieldType::from(status()).as_enum().map(EnumType::name),
            Some("Demo.Status")
        );
        assert!(!FieldType::from(file_info()).is_scalar());
        assert!(FieldType::from(file_info()).as_complex().is_some());
        assert_eq!(FieldType::Boolean.item_type(), None);
    }

    #[test]
    fn field_defaults() {
        let f = Field::new("machineId", FieldType::String);
        assert_eq!(f.name(), "machineId");
        assert_eq!(f.ty(), &FieldType::String);
        assert!(!f.is_nullable() && !f.is_filterable() && !f.is_sortable());
        assert!(f.aliases().is_empty());
        assert_eq!(f.json_path(), ["machineId"]);
        assert!(f.alt_json_paths().is_empty());
        assert_eq!(f.column(), "machineId");
    }

    #[test]
    fn lookup_is_case_insensitive_over_names_and_aliases() {
        let s = demo().build().unwrap();
        for spelling in ["machineId", "machineid", "MACHINEID", "MachineId"] {
            assert_eq!(
                s.lookup(spelling).map(Field::name),
                Some("machineId"),
                "{spelling}"
            );
        }
        for spelling in [
            "lastUpdateTimeUtc",
            "LASTUPDATETIMEUTC",
            "lastupdatedatetimeutc",
        ] {
            assert_eq!(
                s.lookup(spelling).map(Field::name),
                Some("lastUpdateDateTimeUtc"),
                "{spelling}"
            );
        }
        assert!(s.lookup("machine").is_none());
        assert!(s.lookup("").is_none());
        assert!(s.lookup(&"X".repeat(100)).is_none());
        assert!(s.lookup("machineİd").is_none());
    }

    #[test]
    fn lookup_of_non_ascii_names() {
        let s = EntitySchema::builder("Ding", "Dinge")
            .case_sensitive(false)
            .field(Field::new("größe", FieldType::Int32).filterable(true))
            .field(Field::new("Ärger", FieldType::Int32))
            .key("größe")
            .build()
            .unwrap();
        assert_eq!(s.lookup("GRÖSSE"), None);
        assert_eq!(s.lookup("GRÖßE").map(Field::name), Some("größe"));
        assert_eq!(s.lookup("ärger").map(Field::name), Some("Ärger"));
    }

    #[test]
    fn complex_children_are_looked_up_through_the_type() {
        let s = demo().build().unwrap();
        let info = s.lookup("relatedfileinfo").unwrap();
        let ty = info.ty().as_complex().unwrap();
        assert_eq!(
            ty.lookup("FILEIDENTIFIER").map(Field::name),
            Some("fileIdentifier")
        );
        assert_eq!(ty.suggest("fileIdentifer"), Some("fileIdentifier"));
        // Only filterable children are suggested.
        assert_eq!(ty.suggest("fileIdentifierTyp"), Some("fileIdentifier"));
        assert_eq!(ty.filterable_fields().count(), 1);
    }

    #[test]
    fn nested_columns_default_to_parent_child() {
        let s = demo()
            .field(
                Field::new(
                    "outer",
                    ComplexType::new("Demo.Outer")
                        .field(Field::new("inner", file_info()))
                        .field(Field::new("fixed", FieldType::Int32).with_column("fixed_col")),
                )
                .with_column("o"),
            )
            .build()
            .unwrap();
        let info = s.lookup("relatedFileInfo").unwrap();
        assert_eq!(info.column(), "relatedFileInfo");
        let child = info
            .ty()
            .as_complex()
            .unwrap()
            .lookup("fileIdentifier")
            .unwrap();
        assert_eq!(child.column(), "relatedFileInfo_fileIdentifier");
        let outer = s.lookup("outer").unwrap().ty().as_complex().unwrap();
        assert_eq!(outer.lookup("fixed").unwrap().column(), "fixed_col");
        let inner = outer.lookup("inner").unwrap();
        assert_eq!(inner.column(), "o_inner");
        let leaf = inner
            .ty()
            .as_complex()
            .unwrap()
            .lookup("fileIdentifierType")
            .unwrap();
        assert_eq!(leaf.column(), "o_inner_fileIdentifierType");
    }

    #[test]
    fn reusing_a_resolved_complex_type_recomputes_columns() {
        let first = demo().build().unwrap();
        let info = first.lookup("relatedFileInfo").unwrap().ty().clone();
        let second = EntitySchema::builder("Other", "Others")
            .field(Field::new("id", FieldType::Int32))
            .field(Field::new("file", info))
            .key("id")
            .build()
            .unwrap();
        let file = second.lookup("file").unwrap().ty().as_complex().unwrap();
        assert_eq!(
            file.lookup("fileIdentifier").unwrap().column(),
            "file_fileIdentifier"
        );
    }

    #[test]
    fn suggest_closest_filterable_field() {
        let s = demo().build().unwrap();
        assert_eq!(s.lookup("machineid").map(Field::name), Some("machineId"));
        assert_eq!(s.suggest("machinId"), Some("machineId"));
        assert_eq!(s.suggest("MACHINEID"), Some("machineId"));
        assert_eq!(s.suggest("stauts"), Some("status"));
        assert_eq!(s.suggest("ID"), Some("id"));
        // lastUpdateDateTimeUtc is not filterable, so it is never suggested.
        assert_eq!(s.suggest("lastUpdateTimeUtc"), None);
        assert_eq!(s.suggest("completelyDifferent"), None);
        assert_eq!(s.suggest(""), None);
    }

    #[test]
    fn suggest_uses_aliases_but_returns_canonical_names() {
        let s = EntitySchema::builder("Alert", "Alerts")
            .field(Field::new("id", FieldType::String).filterable(true))
            .field(
                Field::new("assignedTo", FieldType::String)
                    .filterable(true)
                    .alias("owner"),
            )
            .key("id")
            .build()
            .unwrap();
        assert_eq!(s.suggest("ownr"), Some("assignedTo"));
        assert_eq!(s.suggest("asignedTo"), Some("assignedTo"));
    }

    #[test]
    fn enum_member_and_suggest() {
        let e = status();
        assert_eq!(e.name(), "Demo.Status");
        assert_eq!(e.members().len(), 4);
        assert_eq!(e.member("Succeeded"), Some("Succeeded"));
        assert_eq!(e.member("succeeded"), None);
        assert_eq!(e.suggest("succeeded"), Some("Succeeded"));
        assert_eq!(e.suggest("Succeded"), Some("Succeeded"));
        assert_eq!(e.suggest("inprogres"), Some("InProgress"));
        assert_eq!(e.suggest("Cancelled"), None);
        let levels = EnumType::new("Demo.Level", ["Low", "Medium", "High"]);
        assert_eq!(levels.suggest("high"), Some("High"));
        assert_eq!(levels.suggest("Hgh"), Some("High"));
        assert_eq!(levels.suggest("x"), None);
    }

    #[test]
    fn value_in_tries_paths_in_order() {
        let f = Field::new("lastUpdateDateTimeUtc", FieldType::DateTimeOffset)
            .alt_json_path(["lastUpdateTimeUtc"]);
        let old = json!({"lastUpdateTimeUtc": "2018-12-04T12:45:25.4049122Z"});
        let new = json!({"lastUpdateDateTimeUtc": "2021-02-04T15:36:52.7788848Z"});
        let both = json!({"lastUpdateDateTimeUtc": null, "lastUpdateTimeUtc": "x"});
        assert_eq!(
            f.value_in(&old),
            Some(&json!("2018-12-04T12:45:25.4049122Z"))
        );
        assert_eq!(
            f.value_in(&new),
            Some(&json!("2021-02-04T15:36:52.7788848Z"))
        );
        assert_eq!(f.value_in(&both), Some(&Value::Null));
        assert_eq!(f.value_in(&json!({})), None);
        assert_eq!(f.value_in(&json!([1, 2])), None);

        let nested = Field::new("hash", FieldType::String).with_json_path(["file", "sha1"]);
        assert_eq!(
            nested.value_in(&json!({"file": {"sha1": "ab"}})),
            Some(&json!("ab"))
        );
        assert_eq!(nested.value_in(&json!({"file": "ab"})), None);
        let paths: Vec<&[String]> = nested.json_paths().collect();
        assert_eq!(paths, [["file".to_owned(), "sha1".to_owned()]]);
    }

    #[test]
    fn accessors_and_default_order() {
        let s = demo()
            .lenient_enums(true)
            .default_order("LASTUPDATETIMEUTC", true)
            .build()
            .unwrap();
        assert_eq!(s.name(), "Action");
        assert_eq!(s.entity_set(), "Actions");
        assert_eq!(s.key(), "id");
        assert_eq!(s.key_field().ty(), &FieldType::Guid);
        assert!(s.lenient_enums());
        assert!(!s.clone().with_lenient_enums(false).lenient_enums());
        assert_eq!(
            s.default_order(),
            [("lastUpdateDateTimeUtc".to_owned(), true)]
        );
        assert_eq!(s.fields().len(), 6);
        let filterable: Vec<_> = s.filterable_fields().map(Field::name).collect();
        assert_eq!(filterable, ["id", "machineId", "status", "tags"]);
        let sortable: Vec<_> = s.sortable_fields().map(Field::name).collect();
        assert_eq!(sortable, ["id", "status", "lastUpdateDateTimeUtc"]);
    }

    #[test]
    fn key_is_stored_canonical() {
        let s = demo().key("ID").build().unwrap();
        assert_eq!(s.key(), "id");
    }

    #[test]
    fn duplicate_names_are_rejected_case_insensitively() {
        let e = build_err(demo().field(Field::new("MachineID", FieldType::String)));
        assert_eq!(
            e.kind(),
            &SchemaErrorKind::DuplicateName {
                name: "MachineID".into(),
                first: "machineId".into(),
                second: "MachineID".into(),
                case_insensitive: true,
            }
        );
        assert_eq!(e.path(), ["Action"]);

        let e = build_err(demo().field(Field::new("deviceId", FieldType::String).alias("STATUS")));
        assert_eq!(
            e.kind(),
            &SchemaErrorKind::DuplicateName {
                name: "STATUS".into(),
                first: "status".into(),
                second: "deviceId".into(),
                case_insensitive: true,
            }
        );
        assert_eq!(
            e.to_string(),
            "Action: field `deviceId` reuses the name `STATUS` of field `status` \
             (names are case-insensitive in this schema)"
        );
    }

    /// By default names are case-sensitive, as OData identifiers are: `id` and `ID` are two
    /// fields, and a member of a complex type is found by its exact spelling only.
    #[test]
    fn names_are_case_sensitive_by_default() {
        let inner = ComplexType::new("Demo.Inner")
            .field(Field::new("size", FieldType::Int32))
            .field(Field::new("Size", FieldType::String));
        let s = EntitySchema::builder("T", "Ts")
            .field(Field::new("id", FieldType::Int64).filterable(true))
            .field(Field::new("ID", FieldType::String).filterable(true))
            .field(Field::new("inner", inner).alias("Inner2"))
            .key("id")
            .build()
            .unwrap();
        assert!(s.is_case_sensitive());
        // The setting survives JSON, and tells schemas apart.
        assert_eq!(EntitySchema::from_json_str(&s.to_json_pretty()).unwrap(), s);
        let insensitive = demo().build().unwrap();
        assert_eq!(
            EntitySchema::from_json_str(&insensitive.to_json_pretty()).unwrap(),
            insensitive
        );
        assert_ne!(demo().case_sensitive(true).build().unwrap(), insensitive);
        assert_eq!(s.lookup("id").map(Field::ty), Some(&FieldType::Int64));
        assert_eq!(s.lookup("ID").map(Field::ty), Some(&FieldType::String));
        assert_eq!(s.lookup("Id"), None);
        assert_eq!(s.lookup("inner2"), None);
        assert_eq!(s.lookup("Inner2").map(Field::name), Some("inner"));
        let ty = s.lookup("inner").unwrap().ty().as_complex().unwrap();
        assert_eq!(ty.lookup("size").map(Field::ty), Some(&FieldType::Int32));
        assert_eq!(ty.lookup("Size").map(Field::ty), Some(&FieldType::String));
        assert_eq!(ty.lookup("SIZE"), None);
        // The "did you mean" rule still ignores case.
        assert_eq!(s.suggest("Id"), Some("id"));
        // Exact duplicates are refused, without the case note.
        let e = EntitySchema::builder("T", "Ts")
            .field(Field::new("id", FieldType::Int64))
            .field(Field::new("x", FieldType::Int64).alias("id"))
            .key("id")
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "T: field `x` reuses the name `id`");
        // Many names: the hash index rather than the scan.
        let mut b = EntitySchema::builder("Big", "Bigs").key("f0");
        for i in 0..100 {
            b = b.field(Field::new(format!("f{i}"), FieldType::Int64));
        }
        let big = b.build().unwrap();
        assert_eq!(big.lookup("f99").map(Field::name), Some("f99"));
        assert_eq!(big.lookup("F99"), None);
        let insensitive = EntitySchema::builder("T", "Ts")
            .case_sensitive(false)
            .field(Field::new("id", FieldType::Int64))
            .field(Field::new("ID", FieldType::String))
            .key("id")
            .build()
            .unwrap_err();
        assert!(
            insensitive
                .to_string()
                .ends_with("(names are case-insensitive in this schema)"),
            "{insensitive}"
        );
    }

    #[test]
    fn an_alias_may_repeat_its_own_name_in_another_case() {
        let s = demo()
            .field(Field::new("externalId", FieldType::String).alias("externalID"))
            .build()
            .unwrap();
        assert_eq!(s.lookup("EXTERNALID").map(Field::name), Some("externalId"));
    }

    #[test]
    fn duplicates_inside_complex_types_are_rejected() {
        let bad = ComplexType::new("Demo.Bad")
            .field(Field::new("a", FieldType::String))
            .field(Field::new("b", FieldType::String).alias("A"));
        let e = build_err(demo().field(Field::new("bad", bad)));
        assert!(matches!(e.kind(), SchemaErrorKind::DuplicateName { .. }));
        assert_eq!(e.path(), ["Action", "bad"]);
    }

    #[test]
    fn key_errors() {
        let no_key = EntitySchema::builder("A", "As").field(Field::new("id", FieldType::Int32));
        assert_eq!(build_err(no_key).kind(), &SchemaErrorKind::MissingKey);
        assert_eq!(
            build_err(demo().key("uuid")).kind(),
            &SchemaErrorKind::UnknownKey {
                name: "uuid".into()
            }
        );
        assert_eq!(
            build_err(demo().key("tags")).kind(),
            &SchemaErrorKind::InvalidKey {
                name: "tags".into()
            }
        );
        assert_eq!(
            build_err(demo().key("relatedFileInfo")).kind(),
            &SchemaErrorKind::InvalidKey {
                name: "relatedFileInfo".into()
            }
        );
    }

    #[test]
    fn default_order_errors() {
        assert_eq!(
            build_err(demo().default_order("created", true)).kind(),
            &SchemaErrorKind::UnknownOrderField {
                name: "created".into()
            }
        );
        assert_eq!(
            build_err(demo().default_order("machineId", false)).kind(),
            &SchemaErrorKind::UnsortableOrderField {
                name: "machineId".into()
            }
        );
        assert_eq!(
            build_err(demo().default_order("id", false).default_order("ID", true)).kind(),
            &SchemaErrorKind::DuplicateOrderField { name: "id".into() }
        );
    }

    #[test]
    fn enum_errors() {
        let empty = EnumType::new("Demo.Empty", Vec::<String>::new());
        let e = build_err(demo().field(Field::new("e", empty)));
        assert_eq!(
            e.kind(),
            &SchemaErrorKind::EmptyEnum {
                name: "Demo.Empty".into()
            }
        );
        assert_eq!(e.path(), ["Action", "e"]);
        assert_eq!(
            e.to_string(),
            "Action/e: enum type `Demo.Empty` has no members"
        );

        let dup = EnumType::new("Demo.Dup", ["Low", "High", "Low"]);
        assert_eq!(
            build_err(demo().field(Field::new("e", dup))).kind(),
            &SchemaErrorKind::DuplicateEnumMember {
                enum_name: "Demo.Dup".into(),
                member: "Low".into()
            }
        );
        let blank = EnumType::new("Demo.Blank", ["Low", ""]);
        assert_eq!(
            build_err(demo().field(Field::new("e", blank))).kind(),
            &SchemaErrorKind::EmptyEnumMember {
                enum_name: "Demo.Blank".into()
            }
        );
        let other = EnumType::new("Demo.Status", ["Pending"]);
        assert_eq!(
            build_err(demo().field(Field::new("e", other))).kind(),
            &SchemaErrorKind::ConflictingEnum {
                name: "Demo.Status".into()
            }
        );
        // The same enum used twice is fine, and so is an enum inside a collection.
        demo().field(Field::new("e", status())).build().unwrap();
        demo()
            .field(Field::new("e", FieldType::collection(status())))
            .build()
            .unwrap();
        // A bad member inside a complex type is found too.
        let c = ComplexType::new("Demo.C").field(Field::new("x", EnumType::new("Demo.X", [""])));
        let e = build_err(demo().field(Field::new("c", c)));
        assert_eq!(e.path(), ["Action", "c", "x"]);
    }

    #[test]
    fn name_errors() {
        let invalid = |name: &str| SchemaErrorKind::InvalidName { name: name.into() };
        for bad in ["", "last-seen", "1st", "a b", "a.b"] {
            let e = build_err(demo().field(Field::new(bad, FieldType::String)));
            assert_eq!(e.kind(), &invalid(bad), "{bad:?}");
        }
        let e = build_err(demo().field(Field::new("ok", FieldType::String).alias("not ok")));
        assert_eq!(e.kind(), &invalid("not ok"));
        let e = build_err(EntitySchema::builder("Bad Name", "X").key("id"));
        assert_eq!(e.kind(), &invalid("Bad Name"));
        let e = build_err(demo().field(Field::new("e", EnumType::new("Demo..S", ["A"]))));
        assert_eq!(e.kind(), &invalid("Demo..S"));
        let e = build_err(demo().field(Field::new("c", ComplexType::new(""))));
        assert_eq!(e.kind(), &invalid(""));
        let long = "a".repeat(129);
        let e = build_err(demo().field(Field::new(long.as_str(), FieldType::String)));
        assert_eq!(e.kind(), &invalid(&long));
        demo()
            .field(Field::new("_x1", FieldType::String))
            .build()
            .unwrap();
        demo()
            .field(Field::new("nullable", FieldType::String))
            .build()
            .unwrap();
    }

    /// Whether a `$filter` reads `name` as a name: as a property, a member after `/`, and a
    /// lambda variable.
    fn reads_as_name(name: &str) -> bool {
        use crate::syntax::ast::{BinaryOp, ExprKind, Literal};
        let names = |text: &str| -> Option<Vec<String>> {
            let tree = syntax::parse(text).ok()?;
            let ExprKind::Binary { op, lhs, rhs } = tree.kind else {
                return None;
            };
            let ExprKind::Path(path) = lhs.kind else {
                return None;
            };
            let null = matches!(rhs.kind, ExprKind::Literal(Literal::Null));
            (op == BinaryOp::Eq && null)
                .then(|| path.segments.into_iter().map(|s| s.name).collect())
        };
        let variable = match syntax::parse(&format!("a/any({name}: true)")).map(|t| t.kind) {
            Ok(ExprKind::Lambda {
                body: Some((var, _)),
                ..
            }) => var.name == name,
            _ => false,
        };
        let top = names(&format!("{name} eq null")) == Some(vec![name.to_owned()]);
        let member = names(&format!("a/{name} eq null")) == Some(vec!["a".into(), name.into()]);
        assert!(
            top == member && top == variable,
            "{name:?}: {top} {member} {variable}"
        );
        top
    }

    /// The spellings of a keyword that the lexer reads as that keyword.
    fn keyword_spellings() -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for keyword in syntax::KEYWORDS {
            for w in [
                keyword.to_owned(),
                keyword.to_ascii_uppercase(),
                keyword.to_ascii_lowercase(),
            ] {
                if syntax::keyword(&w) == Some(keyword) && !out.contains(&(w.clone(), keyword)) {
                    out.push((w, keyword));
                }
            }
        }
        out
    }

    #[test]
    fn keywords_are_refused_as_field_names_and_aliases() {
        let spellings = keyword_spellings();
        assert!(spellings.contains(&("AND".into(), "and")));
        assert!(spellings.contains(&("NULL".into(), "null")));
        assert!(!spellings.iter().any(|(w, _)| w == "inf" || w == "NAN"));
        for (word, keyword) in spellings {
            assert!(!reads_as_name(&word), "{word}");
            let reserved = SchemaErrorKind::ReservedName {
                name: word.clone(),
                keyword,
            };
            let field = Field::new(word.as_str(), FieldType::String).filterable(true);
            let e = build_err(demo().field(field));
            assert_eq!(
                (e.kind(), e.path()),
                (&reserved, &["Action".to_owned(), word.clone()][..])
            );
            let aliased = Field::new("ok", FieldType::String).alias(word.as_str());
            assert_eq!(build_err(demo().field(aliased)).kind(), &reserved);
            let member = Field::new(word.as_str(), FieldType::Int32).filterable(true);
            let complex = ComplexType::new("Demo.C").field(member);
            let e = build_err(demo().field(Field::new("c", complex)));
            assert_eq!(
                (e.kind(), e.path()),
                (
                    &reserved,
                    &["Action".to_owned(), "c".into(), word.clone()][..]
                )
            );
        }
        assert_eq!(
            build_err(demo().field(Field::new("And", FieldType::String))).to_string(),
            "Action/And: `And` reads as the $filter keyword `and`; no $filter could name this field"
        );
        // `INF` and `NaN` are keywords in that case only; words near keywords are names.
        for name in [
            "inf", "Nan", "any", "all", "duration", "contains", "android", "notes",
        ] {
            assert!(reads_as_name(name), "{name}");
            demo()
                .field(Field::new(name, FieldType::String))
                .build()
                .unwrap();
        }
    }

    fn name_like() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let words: Vec<&str> = syntax::KEYWORDS
            .into_iter()
            .chain(["any", "all", "inf", "duration", "e", "contains", "id"])
            .collect();
        let cased = (prop::sample::select(words), any::<u8>()).prop_map(|(w, mask)| {
            w.chars()
                .enumerate()
                .map(|(i, c)| match mask >> (i % 8) & 1 {
                    1 => c.to_ascii_uppercase(),
                    _ => c.to_ascii_lowercase(),
                })
                .collect()
        });
        prop_oneof![cased, "[a-zA-Z_0-9é. -]{0,6}", "[a-zA-Z_][a-zA-Z0-9_]{0,6}"]
    }

    proptest::proptest! {
        /// The schema accepts exactly the names that a `$filter` can write.
        #[test]
        fn schema_names_are_the_names_a_filter_reads(name in name_like()) {
            let built = EntitySchema::builder("E", "Es")
                .field(Field::new(name.as_str(), FieldType::String).filterable(true))
                .key(name.as_str())
                .build();
            proptest::prop_assert_eq!(built.is_ok(), reads_as_name(&name), "{:?}", name);
        }
    }

    #[test]
    fn structural_errors() {
        let e = build_err(demo().field(Field::new("c", ComplexType::new("Demo.Empty"))));
        assert_eq!(
            e.kind(),
            &SchemaErrorKind::EmptyComplex {
                name: "Demo.Empty".into()
            }
        );

        let nested = FieldType::collection(FieldType::collection(FieldType::String));
        let e = build_err(demo().field(Field::new("n", nested)));
        assert_eq!(e.kind(), &SchemaErrorKind::NestedCollection);

        let no_path = Field::new("p", FieldType::String).with_json_path(Vec::<String>::new());
        assert_eq!(
            build_err(demo().field(no_path)).kind(),
            &SchemaErrorKind::InvalidJsonPath
        );
        let blank_seg = Field::new("p", FieldType::String).alt_json_path(["a", ""]);
        assert_eq!(
            build_err(demo().field(blank_seg)).kind(),
            &SchemaErrorKind::InvalidJsonPath
        );

        let no_col = Field::new("p", FieldType::String).with_column("");
        assert_eq!(
            build_err(demo().field(no_col)).kind(),
            &SchemaErrorKind::EmptyColumn
        );

        let sorted_tags = Field::new("p", FieldType::collection(FieldType::String)).sortable(true);
        assert_eq!(
            build_err(demo().field(sorted_tags)).kind(),
            &SchemaErrorKind::UnsortableField { name: "p".into() }
        );
    }
}
