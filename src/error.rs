//! The umbrella error of every stage, rendered like a compiler, and as an OData error body.

use crate::{check, query, schema, sql, syntax};
use std::fmt;

/// Any error the crate reports: a `$filter` that does not parse or check, invalid query
/// options, an entity schema that cannot be built, or a query that cannot be written as SQL.
///
/// `Display` renders the stage error's positioned message. Errors in a
/// `$filter` ([`Syntax`](Error::Syntax) and [`Check`](Error::Check)) are
/// positioned in the filter text (decoded, when it came from a query
/// string) and end with a note saying so:
///
/// ```text
/// error: expected a value, found end of input
///   |
/// 1 | status eq
///   |          ^
///   = in $filter
/// ```
///
/// [`Query`](Error::Query) errors are positioned in the raw query string.
/// `Debug` prints the same text.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The `$filter` text does not parse.
    Syntax(syntax::Error),
    /// The `$filter` parses but does not check against the entity schema.
    Check(check::Errors),
    /// The query string or one of its options other than `$filter` is invalid.
    Query(query::Error),
    /// An entity schema is invalid (built in code or read from JSON).
    Schema(schema::SchemaError),
    /// A checked query cannot be written as SQL exactly, or the database failed.
    Sql(sql::Error),
}

impl Error {
    /// The error as a Defender-style OData error body:
    /// `{"error":{"code":"ODataError","message":...,"target":...}}`, where the
    /// message is the rendered, positioned text (without its final newline)
    /// and `target` is the caller's request or correlation id.
    ///
    /// ```
    /// use odata_filter::query::QueryOptions;
    /// use odata_filter::schema::catalog;
    ///
    /// let err = QueryOptions::new()
    ///     .parse(&catalog::machine_action(), "$stop=10")
    ///     .unwrap_err();
    /// let body = err.to_odata_json("43f4cb08-8fac-4b65-9db1-745c2ae65f3a");
    /// assert_eq!(body["error"]["code"], "ODataError");
    /// assert!(body["error"]["message"]
    ///     .as_str()
    ///     .unwrap()
    ///     .starts_with("error: unknown query option '$stop'; did you mean '$top'?"));
    /// assert_eq!(body["error"]["target"], "43f4cb08-8fac-4b65-9db1-745c2ae65f3a");
    /// ```
    pub fn to_odata_json(&self, target: &str) -> serde_json::Value {
        odata_body("ODataError", &self.odata_message(), Some(target))
    }

    /// The message of an OData error body: the rendered, positioned text without its final
    /// newline.
    pub(crate) fn odata_message(&self) -> String {
        self.to_string().trim_end().to_owned()
    }
}

/// The OData error body, `{"error":{"code":...,"message":...,"target":...}}` (`target`
/// `null` when `None`): the one shape of [`Error::to_odata_json`] and of the `axum` module's
/// error responses.
pub(crate) fn odata_body(code: &str, message: &str, target: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "error": {
            "code": code,
            "message": message,
            "target": target,
        }
    })
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax(e) => write!(f, "{}", e.report().note("in $filter")),
            Error::Check(e) => e.render(f, Some("in $filter")),
            Error::Query(e) => write!(f, "{e}"),
            Error::Schema(e) => write!(f, "{e}"),
            Error::Sql(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Syntax(e) => Some(e),
            Error::Check(e) => Some(e),
            Error::Query(e) => Some(e),
            Error::Schema(e) => Some(e),
            Error::Sql(e) => Some(e),
        }
    }
}

impl From<syntax::Error> for Error {
    fn from(e: syntax::Error) -> Error {
        Error::Syntax(e)
    }
}

impl From<check::Errors> for Error {
    fn from(e: check::Errors) -> Error {
        Error::Check(e)
    }
}

impl From<query::Error> for Error {
    fn from(e: query::Error) -> Error {
        Error::Query(e)
    }
}

impl From<schema::SchemaError> for Error {
    fn from(e: schema::SchemaError) -> Error {
        Error::Schema(e)
    }
}

impl From<sql::Error> for Error {
    fn from(e: sql::Error) -> Error {
        Error::Sql(e)
    }
}
