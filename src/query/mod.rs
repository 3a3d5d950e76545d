//! Query options (`$filter`, `$orderby`, `$top`, `$skip`, `$select`, `$count`): parsed, checked, applied.

use crate::ir::{self, FieldRef};
use crate::schema::Field;

/// A checked set of query options for one entity, ready for any backend.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// `$filter`, checked; `None` when absent.
    pub filter: Option<ir::Expr>,
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
}

/// One `$orderby` key.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderKey {
    /// The sortable field.
    pub field: FieldRef,
    /// `desc` rather than `asc`.
    pub descending: bool,
}
