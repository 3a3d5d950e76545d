//! List pages: their size, which are heavy, their `@odata.nextLink`, and writing one as it is read.
//!
//! Paging rule: a list answers at most `--page-size` rows (10,000 by default, Defender's
//! maximum page size). The link is emitted only when rows the request asked for remain beyond
//! the returned page: without `$top`, when more rows match after this page; with `$top`, only
//! when `$top` is larger than the page size and more of those `$top` rows remain. With the
//! default page size a request with `$top` (at most 10,000) therefore never gets a link, as
//! Defender behaves.
//!
//! The link is the request's own query string, as the client sent it, with its `$skip` and
//! `$top` replaced by those of the next page, so that it is never re-encoded into something
//! longer. A request that may get a link must leave room for it within `--max-uri-len` (see
//! [`Page::link_room`]), so that every link the server gives is one it accepts.
//!
//! Heavy pages (more than [`HEAVY_ROWS`] rows, or an order other than the default one, which
//! no index gives) take one of `--max-heavy` slots while they are read.

use std::ops::ControlFlow;

use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use rusqlite::Connection;
use serde_json::Value;

use crate::db::DbError;
use crate::entities::Kind;
use crate::store::{self, StoreError};
use crate::stream::Writer;

/// Pages of more rows than this are heavy.
pub const HEAVY_ROWS: u64 = 1_000;

/// The size of a list page.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// Rows to return at most.
    pub limit: u64,
    /// Whether rows the request asked for may remain after them (then a link may follow).
    pub may_continue: bool,
}

impl Page {
    /// The page of `query` with pages of at most `page_size` rows.
    pub fn new(query: &Query, page_size: u64) -> Page {
        match query.top {
            None => Page {
                limit: page_size,
                may_continue: true,
            },
            Some(top) => Page {
                limit: top.min(page_size),
                may_continue: top > page_size,
            },
        }
    }

    /// The query to run: the page's rows, and one more when rows may remain, to know whether
    /// they do.
    pub fn run(&self, query: &Query) -> Query {
        let mut run = query.clone();
        run.top = Some(self.limit + u64::from(self.may_continue));
        run
    }

    /// Whether reading the page is heavy: many rows, or an order that SQLite must sort.
    pub fn is_heavy(&self, schema: &EntitySchema, query: &Query) -> bool {
        self.limit > HEAVY_ROWS || !is_default_order(schema, query)
    }

    /// The target (path and query string) of the link to the page after this one of `query`
    /// (whose raw query string is `raw`), or `None` when none can follow.
    pub fn next_target(&self, path: &str, raw: &str, query: &Query) -> Option<String> {
        if !self.may_continue {
            return None;
        }
        let skip = query.skip.checked_add(self.limit)?;
        let top = query.top.map(|top| top - self.limit);
        Some(link_target(path, raw, skip, top))
    }

    /// The longest target a link of this request, or of the links that follow it, can have:
    /// the same query string with a `$skip` of 20 digits (`$top` only decreases). `None` when
    /// no link can follow.
    pub fn link_room(&self, path: &str, raw: &str, query: &Query) -> Option<usize> {
        match self.may_continue {
            true => Some(link_target(path, raw, u64::MAX, query.top).len()),
            false => None,
        }
    }
}

/// Whether `query` is in `schema`'s default order: no `$orderby`, or exactly the default one.
fn is_default_order(schema: &EntitySchema, query: &Query) -> bool {
    let default = schema.default_order();
    query.order_by.is_empty()
        || (query.order_by.len() == default.len()
            && query
                .order_by
                .iter()
                .zip(default)
                .all(|(key, (name, desc))| {
                    let path = key.field.path();
                    path.len() == 1 && path[0].name() == name && key.descending == *desc
                }))
}

/// `path?raw`, with `raw`'s `$skip` and `$top` replaced by the crate's one rule for it
/// ([`odata_filter::query::with_paging`]).
fn link_target(path: &str, raw: &str, skip: u64, top: Option<u64>) -> String {
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    format!(
        "{path}?{}",
        odata_filter::query::with_paging(raw, skip, top)
    )
}

/// What writing one list page needs, moved into the blocking reader.
pub struct Spec {
    /// The entity set.
    pub kind: Kind,
    /// The client's checked query.
    pub query: Query,
    /// Its size.
    pub page: Page,
    /// `@odata.context`.
    pub context: String,
    /// The next page's link, given when rows remain after this page.
    pub next_link: Option<String>,
    /// For records the server changes before sending them (projected to `$select`, then
    /// adjusted by this): how; `None` sends each record as stored, without parsing it.
    pub reshape: Option<fn(&Query, &mut Value)>,
}

/// Writes the page of `spec` to `out` as SQLite reads it:
/// `{"@odata.context":...,["@odata.count":n,]"value":[...][,"@odata.nextLink":...]}`.
pub fn write(conn: &Connection, spec: &Spec, out: &mut Writer) -> Result<(), DbError> {
    let run = spec.page.run(&spec.query);
    // With $count, both statements read one snapshot.
    let snapshot = match spec.query.count {
        true => Some(conn.unchecked_transaction()?),
        false => None,
    };
    let mut head = format!(
        "{{\"@odata.context\":{}",
        Value::from(spec.context.as_str())
    );
    if spec.query.count {
        let total = store::count(conn, spec.kind, &run)?;
        head.push_str(&format!(",\"@odata.count\":{total}"));
    }
    head.push_str(",\"value\":[");
    out.push(&head)?;
    let mut rows = 0;
    let mut more = false;
    store::each_text(conn, spec.kind, &run, |text| {
        if rows == spec.page.limit {
            more = true;
            return Ok(ControlFlow::Break(()));
        }
        if rows > 0 {
            out.push(",")?;
        }
        match spec.reshape {
            Some(finish) => out.push(&reshaped(&text, &spec.query, finish)?.to_string())?,
            None => out.push(&text)?,
        }
        rows += 1;
        Ok::<_, DbError>(ControlFlow::Continue(()))
    })?;
    drop(snapshot);
    out.push("]")?;
    if let Some(link) = spec.next_link.as_deref().filter(|_| more) {
        out.push(&format!(",\"@odata.nextLink\":{}", Value::from(link)))?;
    }
    out.push("}")
}

/// The stored record `text`, projected to `query`'s `$select`, then adjusted by `finish`.
fn reshaped(text: &str, query: &Query, finish: fn(&Query, &mut Value)) -> Result<Value, DbError> {
    let record: Value = serde_json::from_str(text).map_err(StoreError::Document)?;
    let mut record = match query.select {
        Some(_) => query.project(record),
        None => record,
    };
    finish(query, &mut record);
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_query_as_sent_and_replace_paging() {
        let raw = "$filter=a+eq+'x'&%24SKIP=4&api-version=1.0&$Top=9&";
        assert_eq!(
            link_target("/api/x", raw, 8, Some(5)),
            "/api/x?$filter=a+eq+'x'&api-version=1.0&$skip=8&$top=5"
        );
        assert_eq!(link_target("/api/x", "", 8, None), "/api/x?$skip=8");
    }
}
