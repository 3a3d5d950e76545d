//! Whole statements over a table: `WHERE`, `SELECT` (the crate's `_doc` layout or the
//! application's own columns), `COUNT`, `ORDER BY` with a total tie-break, and paging.

use super::dialect::Dialect;
use super::error::Error;
use super::params::{SqlQuery, SqlType, SqlValue};
use super::storage::{self, check_column, ident, DOC_COLUMN, ID_COLUMN};
use super::translate::Translator;
use crate::ir::{self, FieldRef, Query};
use crate::schema::EntitySchema;

/// The condition selecting the records that `filter` matches, without the `WHERE` keyword.
///
/// Columns are written unqualified, except inside `any`/`all` subqueries, where record columns
/// are qualified with `table` (write the statement's `FROM` as `table` or alias it so).
///
/// Fails when a column the filter names cannot be named in SQL ([`ErrorKind::Schema`](super::ErrorKind::Schema): it
/// holds control characters, or its name, ignoring ASCII case, is `_id`, `_doc` or another
/// column's; the same check as [`create_table_sql`], for the columns used), when the dialect
/// cannot express part of the filter ([`ErrorKind::Unsupported`](super::ErrorKind::Unsupported)), or when a literal given to
/// a function lies outside the storage range ([`ErrorKind::OutOfRange`](super::ErrorKind::OutOfRange)).
pub fn where_clause(
    filter: &ir::Expr,
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    let mut t = Translator::new(dialect, schema, table)?;
    let text = t.condition(filter)?;
    t.params.finish(&text, dialect)
}

/// `SELECT "_doc" FROM table WHERE ... ORDER BY ... LIMIT ... OFFSET ...` for `query` over a
/// table made by [`create_table_sql`]: the matching records' JSON text in query order.
///
/// `$select` and `$count` are not applied: project fields from `_doc`, and use [`count`].
pub fn select(
    query: &Query,
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    select_ordered(query, schema, table, dialect, Unordered::DefaultOrder)
}

/// As [`select`], but a query without `$orderby` keeps insertion order (`_id`)
/// instead of the schema's default order: the order the `odata-filter` CLI
/// prints records in.
pub fn select_in_insertion_order(
    query: &Query,
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    select_ordered(query, schema, table, dialect, Unordered::Insertion)
}

/// `SELECT <columns> FROM table WHERE ... ORDER BY ... LIMIT ... OFFSET ...` for `query` over
/// a table the application already has: one row per entity, one column per field as the
/// schema maps them ([`Field::with_column`](crate::schema::Field::with_column), complex members
/// as their own columns, and instants as [`Field::with_storage`](crate::schema::Field::with_storage)
/// says), without the crate's `_doc` and `_id`.
///
/// The columns are those of `$select` (a complex field's members, in order), or every field's
/// when there is none, each a quoted identifier, in that order. Rows come in `$orderby` order,
/// or the schema's default order, then by the key ascending, which makes the order total as
/// long as the key is unique in the table; null sorts first ascending and last descending, as
/// OData says. `$skip` and `$top` page them (`OFFSET`/`FETCH` in SQL Server). For the total of
/// `$count`, run [`count`] on the same table.
///
/// ```
/// use odata_filter::query::QueryOptions;
/// use odata_filter::schema::{EntitySchema, Field, FieldType};
/// use odata_filter::sql::{select_rows, SqliteDialect};
///
/// let widgets = EntitySchema::builder("Widget", "widgets")
///     .field(Field::new("id", FieldType::Int64).filterable(true).sortable(true))
///     .field(Field::new("name", FieldType::String).nullable(true).filterable(true).sortable(true))
///     .key("id")
///     .build()?;
/// let (q, _) = QueryOptions::new().parse(
///     &widgets,
///     "$filter=name ne null&$orderby=name desc&$top=5&$select=name",
/// )?;
/// let s = select_rows(&q, &widgets, "widgets", &SqliteDialect)?;
/// assert_eq!(
///     s.sql,
///     r#"SELECT "name" FROM "widgets" WHERE ("name" IS NOT NULL) ORDER BY "name" DESC NULLS LAST, "id" ASC NULLS FIRST LIMIT ?1"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn select_rows(
    query: &Query,
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    select_ordered(query, schema, table, dialect, Unordered::Rows)
}

/// How to order a query that has no `$orderby`, and what a row is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unordered {
    /// `_doc`, in the schema's default order, then the key, then `_id`.
    DefaultOrder,
    /// `_doc`, by `_id` alone.
    Insertion,
    /// The application's columns, in the schema's default order, then the key.
    Rows,
}

fn select_ordered(
    query: &Query,
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
    unordered: Unordered,
) -> Result<SqlQuery, Error> {
    let mut t = Translator::new(dialect, schema, table)?;
    let nothing = query.top == Some(0);
    let filter = match (&query.filter, nothing) {
        (_, true) => Some(dialect.false_condition()),
        (Some(f), false) => Some(t.condition(f)?),
        (None, false) => None,
    };
    let projection = match unordered {
        Unordered::Rows => selected_columns(query, schema, dialect)?,
        _ => ident(dialect, DOC_COLUMN)?,
    };
    let mut text = format!("SELECT {projection} FROM {}", ident(dialect, table)?);
    if let Some(f) = filter {
        text.push_str(" WHERE ");
        text.push_str(&f);
    }
    text.push_str(" ORDER BY ");
    let order = if unordered == Unordered::Insertion && query.order_by.is_empty() {
        vec![ident(dialect, ID_COLUMN)?]
    } else {
        order_by(query, schema, dialect, unordered != Unordered::Rows)?
    };
    text.push_str(&order.join(", "));
    if !nothing {
        let mut bind = |n: u64| {
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            t.params.bind(SqlValue::Int(n), SqlType::Int)
        };
        let limit = query.top.map(&mut bind);
        let offset = (query.skip > 0).then(|| bind(query.skip));
        if limit.is_some() || offset.is_some() {
            text.push(' ');
            text.push_str(&dialect.limit_offset(limit.as_deref(), offset.as_deref()));
        }
    }
    t.params.finish(&text, dialect)
}

/// `SELECT COUNT(*) FROM table WHERE ...`: the number of records `query`'s filter matches,
/// regardless of its order and paging.
pub fn count(
    query: &Query,
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    let mut t = Translator::new(dialect, schema, table)?;
    let mut text = format!("SELECT COUNT(*) FROM {}", ident(dialect, table)?);
    if let Some(f) = &query.filter {
        text.push_str(" WHERE ");
        text.push_str(&t.condition(f)?);
    }
    t.params.finish(&text, dialect)
}

/// The column list of [`select_rows`] for a statement of the application's own (a join, a
/// `WITH`): `query`'s `$select` columns, or every field's, quoted and joined by commas
/// (`"id", "name"`). Identifiers only; no parameters.
pub fn select_list(
    query: &Query,
    schema: &EntitySchema,
    dialect: &dyn Dialect,
) -> Result<String, Error> {
    selected_columns(query, schema, dialect)
}

/// The `ORDER BY` items of [`select_rows`], without the keywords, for a statement of the
/// application's own: the `$orderby` keys (or the schema's default order) with OData's null
/// order, then the key ascending, so that the order is total
/// (`"quantity" DESC NULLS LAST, "id" ASC NULLS FIRST`). Identifiers only; no parameters.
/// For `$top`/`$skip` there, bind them as parameters and spell them with
/// [`Dialect::limit_offset`](super::Dialect::limit_offset).
///
/// ```
/// use odata_filter::query::QueryOptions;
/// use odata_filter::schema::{EntitySchema, Field, FieldType};
/// use odata_filter::sql::{order_by_clause, select_list, SqliteDialect};
///
/// let widgets = EntitySchema::builder("Widget", "widgets")
///     .field(Field::new("id", FieldType::Int64).filterable(true).sortable(true))
///     .field(Field::new("quantity", FieldType::Int64).nullable(true).sortable(true))
///     .key("id")
///     .build()?;
/// let (q, _) = QueryOptions::new().parse(&widgets, "$orderby=quantity desc&$select=quantity")?;
/// assert_eq!(select_list(&q, &widgets, &SqliteDialect)?, r#""quantity""#);
/// assert_eq!(
///     order_by_clause(&q, &widgets, &SqliteDialect)?,
///     r#""quantity" DESC NULLS LAST, "id" ASC NULLS FIRST"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn order_by_clause(
    query: &Query,
    schema: &EntitySchema,
    dialect: &dyn Dialect,
) -> Result<String, Error> {
    Ok(order_by(query, schema, dialect, false)?.join(", "))
}

/// The quoted columns of `query`'s `$select` (every field's without one), joined by commas:
/// complex fields as their members' columns.
fn selected_columns(
    query: &Query,
    schema: &EntitySchema,
    dialect: &dyn Dialect,
) -> Result<String, Error> {
    let fields = query.select.as_deref().unwrap_or(schema.fields());
    let mut columns = Vec::new();
    for c in storage::layout(schema)? {
        if fields.iter().any(|f| f.name() == c.path[0].name()) {
            columns.push((fields.iter().position(|f| f.name() == c.path[0].name()), c));
        }
    }
    // In `$select` order; a complex field's members in their own order.
    columns.sort_by_key(|(at, _)| *at);
    let names: Result<Vec<String>, Error> = columns
        .iter()
        .map(|(_, c)| ident(dialect, c.name()))
        .collect();
    Ok(names?.join(", "))
}

/// The `ORDER BY` items: the query's keys or the default order, the key field, and `_id` when
/// `with_id` (the crate's own layout).
fn order_by(
    query: &Query,
    schema: &EntitySchema,
    dialect: &dyn Dialect,
    with_id: bool,
) -> Result<Vec<String>, Error> {
    let columns = if query.order_by.is_empty() {
        for (name, _) in schema.default_order() {
            if let Some(f) = schema.lookup(name) {
                storage::check_ordered(f, dialect, "ordering by")?;
            }
        }
        default_order(schema)
    } else {
        let mut columns = Vec::with_capacity(query.order_by.len());
        for key in &query.order_by {
            match key.field.field() {
                // A field, or a member of structured fields (`relatedFileInfo/fileIdentifier`),
                // which has its own column in both layouts (null when a parent is missing).
                Some(f)
                    if key.field.var == 0 && f.ty().is_scalar() && in_structured(&key.field) =>
                {
                    storage::check_ordered(f, dialect, "ordering by")?;
                    columns.push((f.column(), key.descending));
                }
                _ => {
                    return Err(Error::unsupported(
                        dialect.name(),
                        format!("ordering by {}", key.field.display_path()),
                    ))
                }
            }
        }
        columns
    };
    storage::check_ordered(schema.key_field(), dialect, "ordering by")?;
    let mut items = Vec::with_capacity(columns.len() + 2);
    for (column, desc) in total_order(schema, columns)? {
        items.push(dialect.order_key(&ident(dialect, column)?, desc));
    }
    if with_id {
        items.push(format!("{} ASC", ident(dialect, ID_COLUMN)?));
    }
    Ok(items)
}

/// Whether every step of `r` before its last is a structured (not collection) value.
fn in_structured(r: &FieldRef) -> bool {
    let path = r.path();
    path[..path.len().saturating_sub(1)]
        .iter()
        .all(|f| f.ty().as_complex().is_some())
}

/// The columns of the schema's default order (descending or not): the order of a query
/// without `$orderby`, before [`total_order`] completes it.
pub(super) fn default_order(schema: &EntitySchema) -> Vec<(&str, bool)> {
    schema
        .default_order()
        .iter()
        .filter_map(|(name, desc)| Some((schema.lookup(name)?.column(), *desc)))
        .collect()
}

/// `columns` followed by the key field ascending, unless among them, each checked with
/// [`check_column`]: every order but its last item, `_id` ascending.
pub(super) fn total_order<'s>(
    schema: &'s EntitySchema,
    mut columns: Vec<(&'s str, bool)>,
) -> Result<Vec<(&'s str, bool)>, Error> {
    let key = schema.key_field().column();
    if !columns.iter().any(|(c, _)| *c == key) {
        columns.push((key, false));
    }
    for (column, _) in &columns {
        check_column(schema, column)?;
    }
    Ok(columns)
}

/// `CREATE TABLE` (first) and `CREATE INDEX` statements for `schema`'s records in `table`; see
/// the [storage table](super#storage).
///
/// Fails when two fields map to the same column (ignoring ASCII case), a column is named `_id`
/// or `_doc`, or a name holds control characters ([`ErrorKind::Schema`](super::ErrorKind::Schema)).
pub fn create_table_sql(
    schema: &EntitySchema,
    table: &str,
    dialect: &dyn Dialect,
) -> Result<Vec<String>, Error> {
    storage::create_table(schema, table, dialect)
}

/// The `INSERT` of one record, given as its JSON text (kept verbatim in `_doc`), into a table
/// made by [`create_table_sql`].
///
/// Fails when the text is not a JSON object or holds a value the storage cannot
/// ([`ErrorKind::Record`](super::ErrorKind::Record)): an instant or date whose UTC year is not 0000..=9999, a duration
/// over 292 years, or a string the dialect cannot hold (U+0000 in
/// PostgreSQL and SQLite, see [`Dialect::supports_nul_in_text`](super::Dialect::supports_nul_in_text)).
pub fn insert_sql(
    schema: &EntitySchema,
    table: &str,
    record: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    storage::insert(schema, table, record, dialect)
}
