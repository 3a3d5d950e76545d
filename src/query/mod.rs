//! Query options (`$filter`, `$orderby`, `$top`, `$skip`, `$select`, `$count`): parsed, checked, applied.
//!
//! `$filter` may use parameter aliases, whose values are given as parameters of their own
//! (`$filter=status eq @s&@s='Pending'`); with [`QueryOptions::dollar_optional`], the option
//! names may also be written without `$` (`filter=...&top=5`), as OData 4.01 allows.
//!
//! [`QueryOptions::parse`] reads a raw URL query string, as Defender's list
//! endpoints take it, into a checked [`Query`]; [`Query::apply`] runs that
//! query over JSON records in memory.
//!
//! ```
//! use odata_filter::query::QueryOptions;
//! use odata_filter::schema::catalog;
//! use serde_json::json;
//!
//! let schema = catalog::machine_action();
//! let (query, rest) = QueryOptions::new().parse(
//!     &schema,
//!     "$filter=status+eq+'Succeeded'&$orderby=creationDateTimeUtc desc&$top=1&api-version=2",
//! )?;
//! assert_eq!(rest, [("api-version".to_owned(), "2".to_owned())]);
//!
//! let records = vec![
//!     json!({"id": "69dc3630-1ccc-4342-acf3-35286eec741d", "status": "Succeeded",
//!            "creationDateTimeUtc": "2018-12-04T12:43:57.2011911Z"}),
//!     json!({"id": "2e9da30d-27f6-4208-81f2-9cd3d67893ba", "status": "Failed",
//!            "creationDateTimeUtc": "2018-12-04T12:50:00Z"}),
//!     json!({"id": "44cffc15-0e3d-4cbf-96aa-bf76f9b27f5e", "status": "Succeeded",
//!            "creationDateTimeUtc": "2018-12-04T12:15:40.6052029Z"}),
//! ];
//! let applied = query.apply(&schema, records);
//! assert_eq!(applied.records.len(), 1);
//! assert_eq!(applied.records[0]["id"], "69dc3630-1ccc-4342-acf3-35286eec741d");
//! # Ok::<(), odata_filter::Error>(())
//! ```

mod alias;
mod apply;
mod decode;
mod error;
mod parse;

pub use crate::ir::{OrderKey, Query};
pub use apply::{Applied, Pager};
pub use error::{Error, ErrorKind};

use crate::ir;
use crate::schema::{EntitySchema, Field};
use crate::syntax;

/// The query options [`QueryOptions::parse`] accepts, in their canonical spelling.
pub const OPTION_NAMES: &[&str] = &[
    "$filter", "$top", "$skip", "$orderby", "$select", "$count", "$expand",
];

/// The default (and Defender's) maximum `$top`: "Maximum page size is 10,000".
pub const DEFAULT_MAX_TOP: u64 = 10_000;

/// The raw query string `raw` (as [`QueryOptions::parse`] takes it, without `?`) with its
/// `$skip` and `$top` (named in any case or percent-encoding) replaced by `$skip=skip` and,
/// unless `top` is `None`, `$top=top`; every other parameter is kept byte for byte and in
/// order. This is the query string of a next-page link: it is the client's own text, not a
/// re-encoded print of it, so a server that accepted the request accepts the link, as long as
/// its URI limit leaves room for the two numbers.
///
/// ```
/// use odata_filter::query::with_paging;
///
/// let raw = "$filter=status+eq+'Pending'&%24SKIP=4&api-version=1.0&$Top=9";
/// assert_eq!(
///     with_paging(raw, 8, Some(5)),
///     "$filter=status+eq+'Pending'&api-version=1.0&$skip=8&$top=5"
/// );
/// assert_eq!(with_paging("", 8, None), "$skip=8");
/// ```
pub fn with_paging(raw: &str, skip: u64, top: Option<u64>) -> String {
    paging(raw, skip, top, false)
}

/// [`with_paging`], replacing `skip` and `top` without `$` too when `dollar_optional`.
fn paging(raw: &str, skip: u64, top: Option<u64>, dollar_optional: bool) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    let mut start = 0;
    for segment in raw.split('&') {
        let name_end = start + segment.find('=').unwrap_or(segment.len());
        let name = decode::decode(raw, crate::span::Span::new(start, name_end));
        start += segment.len() + 1;
        let paging = name.is_ok_and(|n| {
            ["$skip", "$top"].iter().any(|o| {
                o.eq_ignore_ascii_case(&n.text)
                    || (dollar_optional && o[1..].eq_ignore_ascii_case(&n.text))
            })
        });
        if !segment.is_empty() && !paging {
            out.push_str(segment);
            out.push('&');
        }
    }
    out.push_str(&format!("$skip={skip}"));
    if let Some(top) = top {
        out.push_str(&format!("&$top={top}"));
    }
    out
}

/// The largest `$skip` accepted: `i64::MAX`, so that every SQL backend can bind it.
pub const MAX_SKIP: u64 = i64::MAX as u64;

impl Query {
    /// A query with only a `$filter` (plain text, not URL-encoded), parsed
    /// with the default limits and checked against `schema`.
    ///
    /// ```
    /// use odata_filter::query::Query;
    /// use odata_filter::schema::catalog;
    ///
    /// let schema = catalog::machine_action();
    /// let q = Query::from_filter(&schema, "STATUS eq 'Succeeded'")?;
    /// assert_eq!(q.filter.unwrap().to_string(), "status eq 'Succeeded'");
    /// assert!(Query::from_filter(&schema, "status eq").is_err());
    /// # Ok::<(), odata_filter::Error>(())
    /// ```
    pub fn from_filter(schema: &EntitySchema, filter: &str) -> Result<Query, crate::Error> {
        QueryOptions::new().filter_query(schema, filter)
    }

    /// The options of this query in canonical form, as `(name, decoded value)`
    /// pairs in a fixed order: `$filter`, `$select`, `$expand`, `$orderby`,
    /// `$skip`, `$top`, `$count`. Options at their defaults (no filter,
    /// `$skip=0`, `$count=false`, ...) are left out. Parameter aliases are not kept: the
    /// filter holds their values, which print inline (`status eq 'Pending'` for
    /// `$filter=status eq @s&@s='Pending'`).
    pub fn canonical_options(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(f) = &self.filter {
            out.push(("$filter", f.to_string()));
        }
        if let Some(fields) = &self.select {
            let names: Vec<&str> = fields.iter().map(Field::name).collect();
            out.push(("$select", names.join(",")));
        }
        if !self.expand.is_empty() {
            out.push(("$expand", self.expand.join(",")));
        }
        if !self.order_by.is_empty() {
            let keys: Vec<String> = self
                .order_by
                .iter()
                .map(|k| {
                    let name = k.field.display_path();
                    if k.descending {
                        format!("{name} desc")
                    } else {
                        name
                    }
                })
                .collect();
            out.push(("$orderby", keys.join(",")));
        }
        if self.skip > 0 {
            out.push(("$skip", self.skip.to_string()));
        }
        if let Some(top) = self.top {
            out.push(("$top", top.to_string()));
        }
        if self.count {
            out.push(("$count", "true".to_owned()));
        }
        out
    }

    /// The canonical options as `name=value` lines, one per option, as `odata-filter --check`
    /// prints them: only what a query string cannot hold as itself, or what would break the
    /// line (`%`, `+`, `&`, `#`, control characters such as a line break in a string
    /// literal), is percent-encoded, so the lines joined with `&` parse back to an equal query.
    ///
    /// ```
    /// use odata_filter::query::QueryOptions;
    /// use odata_filter::schema::catalog;
    ///
    /// let schema = catalog::machine_action();
    /// let opts = QueryOptions::new();
    /// let (q, _) = opts.parse(&schema, "$filter=requestor eq 'a%0Ab+c'&$top=2")?;
    /// let lines = q.canonical_lines();
    /// assert_eq!(lines, ["$filter=requestor eq 'a%0Ab c'", "$top=2"]);
    /// assert_eq!(opts.parse(&schema, &lines.join("&"))?.0, q);
    /// # Ok::<(), odata_filter::Error>(())
    /// ```
    pub fn canonical_lines(&self) -> Vec<String> {
        self.canonical_options()
            .into_iter()
            .map(|(name, value)| format!("{name}={}", decode::encode_readable(&value)))
            .collect()
    }

    /// The canonical options as a percent-encoded query string that
    /// [`QueryOptions::parse`] reads back to an equal query, e.g. for an
    /// `@odata.nextLink`.
    ///
    /// ```
    /// use odata_filter::query::QueryOptions;
    /// use odata_filter::schema::catalog;
    ///
    /// let schema = catalog::machine_action();
    /// let opts = QueryOptions::new();
    /// let (q, _) = opts.parse(&schema, "$top=2&$filter=status+eq+'Succeeded'")?;
    /// let text = q.to_query_string();
    /// assert_eq!(text, "$filter=status%20eq%20'Succeeded'&$top=2");
    /// assert_eq!(opts.parse(&schema, &text)?.0, q);
    /// # Ok::<(), odata_filter::Error>(())
    /// ```
    pub fn to_query_string(&self) -> String {
        let pairs: Vec<String> = self
            .canonical_options()
            .into_iter()
            .map(|(name, value)| format!("{name}={}", decode::encode(&value)))
            .collect();
        pairs.join("&")
    }
}

/// Parses query strings into [`Query`]s: the maximum `$top` and the `$filter` parser limits.
///
/// ```
/// use odata_filter::query::QueryOptions;
/// use odata_filter::schema::catalog;
/// use odata_filter::syntax::Parser;
///
/// let options = QueryOptions::new()
///     .max_top(500)
///     .parser(Parser::builder().max_depth(20).build());
/// let schema = catalog::alert();
/// assert!(options.parse(&schema, "$top=500&$expand=evidence").is_ok());
/// assert!(options.parse(&schema, "$top=501").is_err());
/// ```
#[derive(Clone, Debug)]
pub struct QueryOptions {
    max_top: u64,
    parser: syntax::Parser,
    dollar_optional: bool,
    allowed: crate::check::Allowed,
}

impl Default for QueryOptions {
    fn default() -> QueryOptions {
        QueryOptions {
            max_top: DEFAULT_MAX_TOP,
            parser: syntax::Parser::new(),
            dollar_optional: false,
            allowed: crate::check::Allowed::default(),
        }
    }
}

impl QueryOptions {
    /// The defaults: `$top` at most [`DEFAULT_MAX_TOP`] (10,000), default parser limits.
    pub fn new() -> QueryOptions {
        QueryOptions::default()
    }

    /// Sets the largest `$top` accepted (default 10,000).
    pub fn max_top(mut self, max: u64) -> QueryOptions {
        self.max_top = max;
        self
    }

    /// Sets the parser used for `$filter`, with its [`syntax::Limits`].
    pub fn parser(mut self, parser: syntax::Parser) -> QueryOptions {
        self.parser = parser;
        self
    }

    /// Sets the functions and operators `$filter` may use (default: all of them); see
    /// [`check::Allowed`](crate::check::Allowed). A filter that uses another is refused at it.
    ///
    /// ```
    /// use odata_filter::check::{Allowed, Operator};
    /// use odata_filter::query::QueryOptions;
    /// use odata_filter::schema::catalog;
    ///
    /// let schema = catalog::machine_action();
    /// let options = QueryOptions::new().allowed(Allowed::default().only_functions([]));
    /// assert!(options.parse(&schema, "$filter=status eq 'Pending'").is_ok());
    /// let e = options.parse(&schema, "$filter=contains(requestor, 'a')").unwrap_err();
    /// assert!(e.to_string().contains("the function 'contains' is not allowed"));
    /// # Ok::<(), odata_filter::Error>(())
    /// ```
    pub fn allowed(mut self, allowed: crate::check::Allowed) -> QueryOptions {
        self.allowed = allowed;
        self
    }

    /// Whether the query options may be named without their `$` (default `false`): with
    /// `true`, `filter=...`, `top=5`, `OrderBy=...` are `$filter`, `$top`, `$orderby` (names
    /// matched case-insensitively, as with `$`), as OData 4.01 services accept them; giving
    /// both `filter` and `$filter` is a repeated option. With `false` (Defender's behaviour),
    /// such names are custom parameters, handed back to the caller.
    ///
    /// ```
    /// use odata_filter::query::QueryOptions;
    /// use odata_filter::schema::catalog;
    ///
    /// let schema = catalog::machine_action();
    /// let raw = "filter=status eq 'Pending'&top=2";
    /// let (q, rest) = QueryOptions::new().dollar_optional(true).parse(&schema, raw)?;
    /// assert_eq!((q.top, rest.len()), (Some(2), 0));
    /// let (q, rest) = QueryOptions::new().parse(&schema, raw)?;
    /// assert_eq!((q.top, rest.len()), (None, 2));
    /// # Ok::<(), odata_filter::Error>(())
    /// ```
    pub fn dollar_optional(mut self, allowed: bool) -> QueryOptions {
        self.dollar_optional = allowed;
        self
    }

    /// [`with_paging`] for query strings these options parse: with
    /// [`dollar_optional`](QueryOptions::dollar_optional), `skip` and `top` without `$` are
    /// replaced too, so that the link holds each option once.
    ///
    /// ```
    /// use odata_filter::query::QueryOptions;
    ///
    /// let opts = QueryOptions::new().dollar_optional(true);
    /// assert_eq!(opts.with_paging("filter=x+eq+1&Top=9&skip=2", 11, Some(9)), "filter=x+eq+1&$skip=11&$top=9");
    /// assert_eq!(QueryOptions::new().with_paging("top=9", 0, None), "top=9&$skip=0");
    /// ```
    pub fn with_paging(&self, raw: &str, skip: u64, top: Option<u64>) -> String {
        paging(raw, skip, top, self.dollar_optional)
    }

    /// Parses and checks a raw URL query string (the part after `?`; one
    /// leading `?` is skipped) against `schema`.
    ///
    /// Parameters are separated by `&`; names and values are form-decoded
    /// (`+` is a space, `%XX` a byte, and the result must be UTF-8). Option
    /// names start with `$` (optional with [`dollar_optional`](QueryOptions::dollar_optional))
    /// and are matched case-insensitively; they are [`OPTION_NAMES`]. Parameters whose decoded
    /// name does not start with `$` (parameter aliases included) are returned, decoded and in
    /// order, for the caller.
    ///
    /// - `$filter`: parsed with this parser's limits and checked against the schema. Its
    ///   parameter aliases (`$filter=status eq @s&@s='Pending'`) are replaced by their values
    ///   before checking: an alias may be used several times, aliases not used are ignored,
    ///   and one used but not given a value is `null`, as OData specifies. A value is a
    ///   `$filter` expression without aliases (a literal, in practice); JSON arrays and
    ///   objects are refused. The values count against the parser's limits as if written
    ///   inline, once per use. Alias names are OData identifiers, compared case-sensitively;
    ///   `$orderby` takes no aliases.
    /// - `$top`, `$skip`: non-negative integers, surrounding white space
    ///   tolerated (Defender's docs have `$top=100 `); `$top` at most
    ///   [`max_top`](QueryOptions::max_top), `$skip` at most [`MAX_SKIP`].
    /// - `$orderby`: comma-separated `field [asc|desc]` (case-insensitive
    ///   direction), sortable fields only.
    /// - `$select`: comma-separated declared fields, or `*` for all.
    /// - `$count`: `true` or `false`.
    /// - `$expand`: comma-separated declared structured or collection fields
    ///   (`evidence` on Alert).
    ///
    /// Errors: an unknown `$` option, a repeated option, an empty value, an
    /// invalid value or encoding, an invalid or repeated alias name, an alias value that
    /// does not parse, are [`crate::Error::Query`], positioned in
    /// the raw query string. Errors in the `$filter` text (type errors in a substituted alias
    /// value among them, positioned at the `@name` with a note naming the alias) are
    /// [`crate::Error::Syntax`] or [`crate::Error::Check`], positioned in the
    /// decoded filter text.
    pub fn parse(
        &self,
        schema: &EntitySchema,
        raw_query: &str,
    ) -> Result<(Query, Vec<(String, String)>), crate::Error> {
        parse::parse(self, schema, raw_query)
    }

    /// Parses and checks a bare `$filter` expression (not URL-encoded) against `schema`.
    pub fn parse_filter(
        &self,
        schema: &EntitySchema,
        filter: &str,
    ) -> Result<ir::Expr, crate::Error> {
        let tree = self.parser.parse(filter)?;
        let expr = crate::check::check_with(schema, &tree, filter, &self.allowed)?;
        self.canonical_within_limit(schema, &expr, filter, filter.len())?;
        Ok(expr)
    }

    /// [`parse_filter`](QueryOptions::parse_filter) for the `$filter` of the raw query string
    /// `raw`, with its parameter aliases `aliases` substituted before checking.
    fn query_filter(
        &self,
        schema: &EntitySchema,
        filter: &str,
        raw: &str,
        aliases: &[alias::Def<'_>],
    ) -> Result<ir::Expr, crate::Error> {
        let tree = self.parser.parse(filter)?;
        let resolved = alias::resolve(&self.parser, raw, aliases, tree, filter)?;
        let expr = crate::check::check_with(schema, &resolved.tree, filter, &self.allowed)
            .map_err(|mut e| {
                e.annotate(&resolved.notes);
                e
            })?;
        self.canonical_within_limit(schema, &expr, filter, resolved.inline_len)?;
        Ok(expr)
    }

    /// The length limit holds for the canonical text of `expr` as well as for its input
    /// `filter`, so that every accepted filter's canonical text (which the crate prints in
    /// next-page links and `--check`) is itself accepted. Printing costs about a third of
    /// parsing and checking, so it is skipped when [`expansion_bound`] shows the canonical text
    /// cannot exceed the limit. `len` is the filter's length with its parameter aliases'
    /// values written inline (`filter.len()` without aliases).
    ///
    /// [`expansion_bound`]: crate::ir::expansion_bound
    fn canonical_within_limit(
        &self,
        schema: &EntitySchema,
        expr: &ir::Expr,
        filter: &str,
        len: usize,
    ) -> Result<(), crate::Error> {
        let limit = self.parser.limits().max_len;
        let bound = len.saturating_mul(crate::ir::expansion_bound(schema));
        if bound <= limit {
            return Ok(());
        }
        let len = expr.to_string().len();
        if len <= limit {
            return Ok(());
        }
        let kind = syntax::ErrorKind::CanonicalTooLong { limit, len };
        Err(syntax::Error::new(kind, crate::span::Span::new(0, filter.len()), filter).into())
    }

    /// A query with only the bare `$filter` expression `filter` (not
    /// URL-encoded), as the CLI's `--filter` takes it.
    pub fn filter_query(&self, schema: &EntitySchema, filter: &str) -> Result<Query, crate::Error> {
        Ok(Query {
            filter: Some(self.parse_filter(schema, filter)?),
            ..Query::default()
        })
    }
}
