//! The checked query: `$filter`, `$orderby`, paging, `$select`, `$count` and `$expand`, resolved
//! against a schema and ready for any backend.
//!
//! [`QueryOptions::parse`](crate::query::QueryOptions::parse) builds one from a query string;
//! backends (the evaluator, [`sql`](crate::sql)) read it without knowing that parser.

use super::{Expr, FieldRef};
use crate::schema::Field;

/// A checked set of query options for one entity, ready for any backend.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// `$filter`, checked; `None` when absent.
    pub filter: Option<Expr>,
    /// `$orderby` keys in order; empty when absent (backends then use the
    /// schema's default order, and always break ties by the key field).
    pub order_by: Vec<OrderKey>,
    /// `$skip`; 0 when absent.
    pub skip: u64,
    /// `$top`; `None` when absent.
    pub top: Option<u64>,
    /// `$select`: the fields to keep, in the order given; `None` for all.
    pub select: Option<Vec<Field>>,
    /// `$count=true`: the caller wants the total number of matches.
    pub count: bool,
    /// `$expand`: the canonical names of the structured or collection fields
    /// to expand, in the order given (`["evidence"]` for Defender's alerts);
    /// empty when absent.
    pub expand: Vec<String>,
}

/// One `$orderby` key.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderKey {
    /// The sortable field.
    pub field: FieldRef,
    /// `desc` rather than `asc`.
    pub descending: bool,
}

impl OrderKey {
    /// The key for the top-level `field`.
    pub fn new(field: &Field, descending: bool) -> OrderKey {
        OrderKey {
            field: FieldRef::top_level(field),
            descending,
        }
    }
}
