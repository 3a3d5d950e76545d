//! Helpers shared by the SQL backend's integration tests.
#![allow(dead_code)]

use odata_filter::ir;
use odata_filter::query::{OrderKey, Query};
use odata_filter::schema::EntitySchema;
use odata_filter::sql::{
    self, Dialect, MsSqlDialect, MySqlDialect, PostgresDialect, SqliteDialect,
};
use odata_filter::{check, syntax};

/// The four built-in dialects.
pub fn dialects() -> [&'static dyn Dialect; 4] {
    [
        &SqliteDialect,
        &PostgresDialect,
        &MySqlDialect,
        &MsSqlDialect,
    ]
}

/// `text` parsed and checked against `schema`; panics with the rendered errors otherwise.
pub fn filter(schema: &EntitySchema, text: &str) -> ir::Expr {
    let tree = syntax::parse(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    check::check(schema, &tree, text).unwrap_or_else(|e| panic!("{text}\n{e}"))
}

/// A query with an optional filter, `$orderby` keys (`"name desc"`), `$skip` and `$top`.
pub fn query(
    schema: &EntitySchema,
    text: Option<&str>,
    order_by: &[&str],
    skip: u64,
    top: Option<u64>,
) -> Query {
    let order_by = order_by
        .iter()
        .map(|k| {
            let (name, desc) = match k.strip_suffix(" desc") {
                Some(n) => (n, true),
                None => (k.strip_suffix(" asc").unwrap_or(k), false),
            };
            let field = schema
                .lookup(name)
                .unwrap_or_else(|| panic!("no field {name}"));
            OrderKey {
                field: ir::FieldRef {
                    var: 0,
                    path: vec![field.clone()],
                    ty: field.ty().clone(),
                },
                descending: desc,
            }
        })
        .collect();
    Query {
        filter: text.map(|t| filter(schema, t)),
        order_by,
        skip,
        top,
        select: None,
        count: false,
    }
}

/// The `WHERE` condition for `text` in `dialect`, over table `t`.
pub fn where_sql(schema: &EntitySchema, text: &str, dialect: &dyn Dialect) -> sql::SqlQuery {
    sql::where_clause(&filter(schema, text), schema, "t", dialect)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The lines of an NDJSON file.
pub fn ndjson(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// `schema` with every top-level field filterable (the catalogue whitelists only what
/// Defender documents; the tests also filter on `scope`, `cancellationDateTimeUtc`, ...).
pub fn all_filterable(schema: &EntitySchema) -> EntitySchema {
    let mut b = EntitySchema::builder(schema.name(), schema.entity_set());
    for f in schema.fields() {
        b = b.field(f.clone().filterable(true));
    }
    for (name, desc) in schema.default_order() {
        b = b.default_order(name.as_str(), *desc);
    }
    b.key(schema.key())
        .lenient_enums(schema.lenient_enums())
        .build()
        .unwrap()
}
