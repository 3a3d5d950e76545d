//! A `$filter` parsed, checked and compiled in one step: the short path for most callers.

use crate::eval::Predicate;
use crate::query::QueryOptions;
use crate::schema::EntitySchema;
use crate::{ir, Error};
use std::fmt;

/// A `$filter` checked against an entity schema and compiled for evaluation.
///
/// ```
/// use odata_filter::{schema::catalog, Filter};
/// use serde_json::json;
///
/// let schema = catalog::machine_action();
/// let filter = Filter::new(&schema, "status eq 'Succeeded' and creationDateTimeUtc gt 2018-08-01Z")?;
/// assert!(filter.matches(&json!({
///     "status": "Succeeded",
///     "creationDateTimeUtc": "2018-12-04T12:43:57.2011911Z",
/// })));
/// assert_eq!(
///     filter.to_string(),
///     "status eq 'Succeeded' and creationDateTimeUtc gt 2018-08-01T00:00:00Z"
/// );
/// # Ok::<(), odata_filter::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Filter {
    expr: ir::Expr,
    predicate: Predicate,
}

impl Filter {
    /// Parses `text` with the default limits, checks it against `schema`, and compiles it.
    pub fn new(schema: &EntitySchema, text: &str) -> Result<Filter, Error> {
        Filter::with_options(&QueryOptions::new(), schema, text)
    }

    /// As [`Filter::new`], with the parser limits of `options`.
    pub fn with_options(
        options: &QueryOptions,
        schema: &EntitySchema,
        text: &str,
    ) -> Result<Filter, Error> {
        let expr = options.parse_filter(schema, text)?;
        let predicate = Predicate::compile(&expr);
        Ok(Filter { expr, predicate })
    }

    /// Whether `record` passes the filter (its value is true, not false or null).
    pub fn matches(&self, record: &serde_json::Value) -> bool {
        self.predicate.matches(record)
    }

    /// The checked expression, for SQL generation or inspection.
    pub fn expr(&self) -> &ir::Expr {
        &self.expr
    }
}

impl fmt::Display for Filter {
    /// The canonical filter text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}
