//! Running a [`Query`] over JSON records in memory: filter, order, page, project, count.

use super::{OrderKey, Query};
use crate::eval::Predicate;
use crate::ir::FieldRef;
use crate::schema::EntitySchema;
use crate::value::Value;
use serde_json::{Map, Value as Json};
use std::cmp::Ordering;

/// The result of [`Query::apply`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// The page of matching records: ordered, skipped, limited and projected.
    pub records: Vec<Json>,
    /// With `$count=true`, the number of records that match `$filter`,
    /// before `$skip` and `$top`; `None` otherwise.
    pub count: Option<usize>,
}

impl Query {
    /// The compiled `$filter`, `None` when there is none (every record matches).
    pub fn predicate(&self) -> Option<Predicate> {
        self.filter.as_ref().map(Predicate::compile)
    }

    /// Whether `record` satisfies `$filter` (a null result does not).
    pub fn matches(&self, predicate: Option<&Predicate>, record: &Json) -> bool {
        predicate.is_none_or(|p| p.matches(record))
    }

    /// The sort keys that apply: the `$orderby` keys, or, without `$orderby`,
    /// the schema's [default order](EntitySchema::default_order). Fields of the
    /// default order that the schema does not declare are skipped.
    pub fn order_keys(&self, schema: &EntitySchema) -> Vec<OrderKey> {
        if !self.order_by.is_empty() {
            return self.order_by.clone();
        }
        schema
            .default_order()
            .iter()
            .filter_map(|(name, desc)| Some(OrderKey::new(schema.lookup(name)?, *desc)))
            .collect()
    }

    /// Sorts `records` stably by [`order_keys`](Query::order_keys), then by the
    /// schema's key field ascending; records equal on all of these keep their
    /// input order. This is the order the SQL backend produces.
    ///
    /// Each key is read with [`FieldRef::typed_value_in`] and compared with
    /// [`Value::compare`]. Null (including a missing or ill-typed value) is
    /// the smallest value: it sorts first ascending and last descending.
    pub fn sort(&self, schema: &EntitySchema, records: &mut Vec<Json>) {
        self.sort_by(schema, records, |r| r);
    }

    /// [`sort`](Query::sort) for items that hold a record, such as a record with its
    /// source text: `record` gives each item's record.
    pub fn sort_by<R>(
        &self,
        schema: &EntitySchema,
        items: &mut Vec<R>,
        record: impl Fn(&R) -> &Json,
    ) {
        let mut keys = self.order_keys(schema);
        keys.push(OrderKey::new(schema.key_field(), false));
        sort_by_keys(&keys, items, record);
    }

    /// The record keys that [`project`](Query::project) keeps, in `$select` order, for a
    /// record whose top-level keys `has` tells; `None` without `$select` (every key is kept).
    pub fn selected_keys(&self, has: impl Fn(&str) -> bool) -> Option<Vec<&str>> {
        let fields = self.select.as_ref()?;
        Some(
            fields
                .iter()
                .filter_map(|field| {
                    field
                        .json_paths()
                        .filter_map(|path| path.first())
                        .map(String::as_str)
                        .find(|key| has(key))
                })
                .collect(),
        )
    }

    /// Keeps only the `$select`ed fields of `record`; the record is unchanged
    /// without `$select` or when it is not an object. The fields are inserted in
    /// `$select` order, which the result keeps when the application turns on
    /// serde_json's `preserve_order` (otherwise a `Map` orders its keys itself).
    ///
    /// A selected field keeps the record's own top-level key for it: the
    /// first key of the first of its [JSON paths](crate::schema::Field::json_paths)
    /// whose first key the record has (so `lastUpdateDateTimeUtc` keeps a
    /// record's `lastUpdateTimeUtc`). Fields absent from the record stay absent.
    pub fn project(&self, record: Json) -> Json {
        let Json::Object(mut object) = record else {
            return record;
        };
        let Some(keys) = self.selected_keys(|key| object.contains_key(key)) else {
            return Json::Object(object);
        };
        let mut out = Map::new();
        for key in keys {
            if let Some((k, v)) = object.remove_entry(key) {
                out.insert(k, v);
            }
        }
        Json::Object(out)
    }

    /// The page of this query (`$orderby`, `$skip`, `$top`) over items that stream in, each
    /// holding a record that `record` gives: see [`Pager`].
    pub fn pager<R, F: Fn(&R) -> &Json>(&self, schema: &EntitySchema, record: F) -> Pager<R, F> {
        let mut keys = self.order_keys(schema);
        keys.push(OrderKey::new(schema.key_field(), false));
        let skip = usize::try_from(self.skip).unwrap_or(usize::MAX);
        let top = self
            .top
            .map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX));
        let keep = skip.saturating_add(top);
        Pager {
            keys,
            record,
            items: Vec::new(),
            skip,
            top,
            keep,
            prune_at: keep.saturating_mul(2).max(1024),
        }
    }

    /// Runs the query over `records`: keeps those matching `$filter`, sorts
    /// them with [`sort`](Query::sort), applies `$skip` and `$top` (with a [`Pager`], so
    /// that only about twice `$skip + $top` records are held in order), and
    /// projects each with [`project`](Query::project). `$expand` changes
    /// nothing in memory: records keep whatever they hold.
    pub fn apply(&self, schema: &EntitySchema, records: Vec<Json>) -> Applied {
        let predicate = self.predicate();
        let mut pager = self.pager(schema, |r: &Json| r);
        let mut matched = 0;
        for r in records {
            if self.matches(predicate.as_ref(), &r) {
                matched += 1;
                pager.push(r);
            }
        }
        let records = pager.finish().map(|r| self.project(r)).collect();
        Applied {
            records,
            count: self.count.then_some(matched),
        }
    }
}

/// The page of a query over items that arrive one at a time (records read from a stream, say):
/// in the order of [`Query::sort`], after `$skip`, at most `$top` of them.
///
/// With `$top`, only the first `$skip + $top` items in order can be on the page: whenever
/// twice that many (and at least 1,024) are held, the pager sorts them and drops the rest,
/// so memory stays bounded whatever the number of items. The sort is stable and later items
/// are appended, so items equal on every key keep their arrival order, as in [`Query::sort`].
///
/// ```
/// use odata_filter::query::QueryOptions;
/// use odata_filter::schema::{EntitySchema, Field, FieldType};
/// use serde_json::json;
///
/// let schema = EntitySchema::builder("Widget", "widgets")
///     .field(Field::new("id", FieldType::Int64).filterable(true).sortable(true))
///     .key("id")
///     .build()?;
/// let (query, _) = QueryOptions::new().parse(&schema, "$orderby=id desc&$skip=1&$top=2")?;
/// let mut pager = query.pager(&schema, |r: &serde_json::Value| r);
/// for id in 0..10_000 {
///     pager.push(json!({ "id": id }));
/// }
/// let page: Vec<_> = pager.finish().collect();
/// assert_eq!(page, [json!({ "id": 9998 }), json!({ "id": 9997 })]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Pager<R, F> {
    /// The order keys, then the entity key as the tie-break.
    keys: Vec<OrderKey>,
    record: F,
    items: Vec<R>,
    skip: usize,
    top: usize,
    /// `skip + top`: how many items in order can be on the page.
    keep: usize,
    /// How many items are held before they are sorted and cut to `keep`.
    prune_at: usize,
}

impl<R, F> std::fmt::Debug for Pager<R, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("keys", &self.keys)
            .field("held", &self.items.len())
            .field("skip", &self.skip)
            .field("top", &self.top)
            .finish()
    }
}

impl<R, F: Fn(&R) -> &Json> Pager<R, F> {
    /// Adds an item.
    pub fn push(&mut self, item: R) {
        self.items.push(item);
        if self.items.len() >= self.prune_at {
            sort_by_keys(&self.keys, &mut self.items, &self.record);
            self.items.truncate(self.keep);
        }
    }

    /// The page: the items in order, after `$skip`, at most `$top` of them.
    pub fn finish(mut self) -> impl Iterator<Item = R> {
        sort_by_keys(&self.keys, &mut self.items, &self.record);
        self.items.into_iter().skip(self.skip).take(self.top)
    }
}

/// Compares two typed sort values: null is the smallest value, and values
/// that do not compare (NaN) are equal.
fn compare_nullable(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.compare(b).unwrap_or(Ordering::Equal),
    }
}

/// Sorts `items` stably by `keys` of their `record`s, reading each key once per record.
pub(crate) fn sort_by_keys<R>(keys: &[OrderKey], items: &mut Vec<R>, record: impl Fn(&R) -> &Json) {
    let fields: Vec<&FieldRef> = keys.iter().map(|k| &k.field).collect();
    let mut rows: Vec<(Vec<Value>, R)> = items
        .drain(..)
        .map(|r| {
            (
                fields
                    .iter()
                    .map(|f| f.typed_value_in(record(&r)))
                    .collect(),
                r,
            )
        })
        .collect();
    rows.sort_by(|(a, _), (b, _)| {
        for ((x, y), key) in a.iter().zip(b).zip(keys) {
            let o = compare_nullable(x, y);
            let o = if key.descending { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    items.extend(rows.into_iter().map(|(_, r)| r));
}
