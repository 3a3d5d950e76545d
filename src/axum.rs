//! axum 0.8 integration: an extractor for checked query options and OData error responses.
//!
//! - [`ODataQuery<E>`] takes the raw query string of a request (`uri.query()`, undecoded),
//!   parses it with [`QueryOptions`] and checks it against the schema of the entity `E`
//!   (an [`Entity`]). A handler that takes it receives a checked [`Query`], ready to be
//!   turned into SQL or evaluated over JSON records.
//! - [`ODataError`] is an error that renders as the OData JSON error body
//!   `{"error":{"code":...,"message":...,"target":...}}` with its HTTP status, any status and
//!   code ([`ODataError::new`]). A query that does not parse or check is rejected with `400`
//!   and code `ODataError` ([`ODataError::query`]); the message is the positioned,
//!   compiler-style text of [`crate::Error`]. The codes of a particular API (Defender's
//!   `ResourceNotFound`, `TooManyRequests`, ...) belong to the application: the example server
//!   keeps Defender's in `examples/defender_api/src/errors.rs`.
//! - [`RequestId`] is the correlation id of a request, a random UUID (version 4). The
//!   [`request_id`] middleware gives every request a fresh one, puts it in the `request-id`
//!   response header and uses it as the `target` of every [`ODataError`] the request produces.
//!
//! # Example
//!
//! ```
//! use std::sync::OnceLock;
//!
//! use axum::{middleware, routing::get, Router};
//! use odata_filter::axum::{request_id, Entity, ODataQuery};
//! use odata_filter::schema::{catalog, EntitySchema};
//!
//! /// The `MachineActions` entity set.
//! struct MachineActions;
//!
//! impl Entity for MachineActions {
//!     fn schema() -> &'static EntitySchema {
//!         static SCHEMA: OnceLock<EntitySchema> = OnceLock::new();
//!         SCHEMA.get_or_init(catalog::machine_action)
//!     }
//! }
//!
//! /// Answers with the canonical form of the checked `$filter`; a real handler would render
//! /// `query` as SQL (see `odata_filter::sql`) or evaluate it over records.
//! async fn list(query: ODataQuery<MachineActions>) -> String {
//!     match &query.filter {
//!         Some(filter) => format!("$filter={filter}, $top={:?}", query.top),
//!         None => format!("no filter, $top={:?}", query.top),
//!     }
//! }
//!
//! let app: Router = Router::new()
//!     .route("/api/machineactions", get(list))
//!     .layer(middleware::from_fn(request_id));
//! # drop(app);
//! ```
//!
//! `GET /api/machineactions?$filter=status eq 'Done'` is then answered with `400 Bad Request`,
//! a `request-id` header, and a body such as
//!
//! ```text
//! {"error":{"code":"ODataError","message":"error: unknown member 'Done' of ...","target":"7c0f..."}}
//! ```
//!
//! # Serving
//!
//! `axum::serve` has no header-read timeout, no idle keep-alive timeout and no cap on
//! connections: a client that sends a request line and then a header field every few seconds
//! holds a connection, and a file descriptor, for ever, and a few thousand of them starve the
//! server. Facing untrusted clients, serve the router from your own accept loop with hyper's
//! connection builder (`hyper::server::conn::http1::Builder` with a timer and
//! `header_read_timeout`), a cap on open connections, and a cap on requests in flight that
//! sheds the excess with a `503` [`ODataError`] and a `Retry-After` header
//! ([`ODataError::with_retry_after`]). The example server
//! (`examples/defender_api/src/server.rs`) does all of this, with separate header and idle
//! timeouts.
//!
//! Errors that hyper answers itself, below axum, have an empty body, no `content-type` and no
//! `request-id`: `400` for a request line or header field it cannot parse, `414` for a request
//! target over 65,534 bytes, `431` for more than 100 header fields or a head over its buffer
//! (about 400 KB). hyper offers no hook to change them; check lower limits on the target and
//! the header size in a middleware to answer most such requests with the documented body.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use ::axum::extract::{FromRequestParts, Request};
use ::axum::http::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use ::axum::http::request::Parts;
use ::axum::http::StatusCode;
use ::axum::middleware::Next;
use ::axum::response::{IntoResponse, Response};

use crate::query::{Query, QueryOptions};
use crate::schema::EntitySchema;

/// The response header that carries the [`RequestId`]: `request-id`, as Microsoft's APIs name it.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("request-id");

/// An entity set whose queries an [`ODataQuery`] checks: a marker type naming its schema.
///
/// Implement it on a unit struct per entity set; keep the schema in a `static`
/// [`OnceLock`](std::sync::OnceLock), as in the [module example](self).
pub trait Entity: 'static {
    /// The schema that query options are checked against.
    fn schema() -> &'static EntitySchema;

    /// How query strings are parsed: the largest `$top`, the `$filter` limits. Defaults to
    /// [`QueryOptions::new`] (at most 10,000 for `$top`, Defender's maximum page size).
    fn options() -> QueryOptions {
        QueryOptions::new()
    }
}

/// Extracts the query options of a request, parsed and checked against the schema of `E`.
///
/// The raw query string is taken from the request URI as sent (`uri.query()`) and handed to
/// [`QueryOptions::parse`] with [`E::options()`](Entity::options), which percent-decodes it
/// (`+` is a space), rejects invalid UTF-8 and reports errors positioned in the query string or
/// in the `$filter` text. A request without a query string gives the default [`Query`].
///
/// On failure the request is rejected with an [`ODataError`] (`400`, code `ODataError`) whose
/// `target` is the request's [`RequestId`].
///
/// `ODataQuery<E>` dereferences to the [`Query`]; the parameters whose names do not start with
/// `$` (e.g. `api-version`) are kept, decoded, in [`params`](ODataQuery::params).
pub struct ODataQuery<E> {
    /// The checked query options.
    pub query: Query,
    /// The other query parameters, decoded, in the order given.
    pub params: Vec<(String, String)>,
    /// The entity set; `fn() -> E` keeps the extractor `Send` and `Sync` for any `E`.
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> ODataQuery<E> {
    /// Parses and checks `raw_query` (the undecoded part of a URI after `?`) for `E`, as the
    /// extractor does.
    pub fn from_query_string(raw_query: &str) -> Result<ODataQuery<E>, crate::Error> {
        let (query, params) = E::options().parse(E::schema(), raw_query)?;
        Ok(ODataQuery {
            query,
            params,
            entity: PhantomData,
        })
    }

    /// The schema the query was checked against.
    pub fn schema(&self) -> &'static EntitySchema {
        E::schema()
    }

    /// The checked query options.
    pub fn into_inner(self) -> Query {
        self.query
    }
}

impl<E> Deref for ODataQuery<E> {
    type Target = Query;

    fn deref(&self) -> &Query {
        &self.query
    }
}

impl<E> Clone for ODataQuery<E> {
    fn clone(&self) -> ODataQuery<E> {
        ODataQuery {
            query: self.query.clone(),
            params: self.params.clone(),
            entity: PhantomData,
        }
    }
}

impl<E> fmt::Debug for ODataQuery<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ODataQuery")
            .field("entity", &std::any::type_name::<E>())
            .field("query", &self.query)
            .field("params", &self.params)
            .finish()
    }
}

impl<E: Entity, S: Send + Sync> FromRequestParts<S> for ODataQuery<E> {
    type Rejection = ODataError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ODataError> {
        let raw = parts.uri.query().unwrap_or("");
        ODataQuery::from_query_string(raw)
            .map_err(|e| ODataError::query(&e).with_target(RequestId::of(parts)))
    }
}

/// The correlation id of one request, used as the `target` of its error bodies and sent in
/// the `request-id` response header.
///
/// [`RequestId::new`] makes a random UUID (version 4, from the `uuid` crate), in lower-case
/// hyphenated form, e.g. `43f4cb08-8fac-4b65-9db1-745c2ae65f3a`. It is unique in practice but
/// not meant as a secret: do not use it as a credential.
///
/// As an extractor it yields the id the [`request_id`] middleware stored in the request's
/// extensions; without the middleware it makes a new id and stores it, so every extractor and
/// handler of one request sees the same id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// A new random id.
    #[allow(clippy::new_without_default)] // a "default" id would be a random one; say so
    pub fn new() -> RequestId {
        RequestId(Arc::from(uuid::Uuid::new_v4().hyphenated().to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the request whose head is `parts`: the one in its extensions, else a new one,
    /// which is then stored there.
    pub fn of(parts: &mut Parts) -> RequestId {
        if let Some(id) = parts.extensions.get::<RequestId>() {
            return id.clone();
        }
        let id = RequestId::new();
        parts.extensions.insert(id.clone());
        id
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<RequestId, Infallible> {
        Ok(RequestId::of(parts))
    }
}

/// Middleware that gives each request a fresh [`RequestId`]: stored in the request's extensions,
/// sent back in the `request-id` header of the response, and filled in as the `target` of an
/// [`ODataError`] response that has none.
///
/// Install it with [`axum::middleware::from_fn`], outermost, so
/// that it also covers rejections and fallbacks.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = RequestId::new();
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).await;
    if let Some(Untargeted(error)) = response.extensions_mut().remove::<Untargeted>() {
        response = error.with_target(id.clone()).into_response();
    }
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// An error response in the OData JSON error shape: an HTTP status and the body
/// `{"error":{"code":...,"message":...,"target":...}}`, where `target` is the request's
/// correlation id (as Microsoft's APIs, Defender for Endpoint among them, use it).
///
/// Build one with [`new`](ODataError::new) from a status, the API's own code and a message,
/// or with [`query`](ODataError::query) for a query that does not parse or check, and return
/// it from a handler. An error without a [`target`](ODataError::with_target) gets the
/// request's id from the [`request_id`] middleware, or a fresh id without it. A `401`
/// response carries `WWW-Authenticate: Bearer`, and an error with
/// [`with_retry_after`](ODataError::with_retry_after) a `Retry-After` header.
///
/// ```
/// use axum::http::StatusCode;
/// use odata_filter::axum::{ODataError, RequestId};
///
/// let id = RequestId::new();
/// let err = ODataError::new(StatusCode::NOT_FOUND, "ResourceNotFound", "Machine 123 was not found")
///     .with_target(id.clone());
/// assert_eq!(err.status(), StatusCode::NOT_FOUND);
/// assert_eq!(
///     err.to_json(),
///     serde_json::json!({"error": {
///         "code": "ResourceNotFound",
///         "message": "Machine 123 was not found",
///         "target": id.as_str(),
///     }})
/// );
/// ```
#[derive(Clone, Debug)]
pub struct ODataError {
    /// The HTTP status.
    status: StatusCode,
    /// The error code, e.g. `ODataError`.
    code: Cow<'static, str>,
    /// The human-readable message.
    message: String,
    /// The correlation id; `None` until known.
    target: Option<RequestId>,
    /// Seconds for the `Retry-After` header.
    retry_after: Option<u64>,
}

impl ODataError {
    /// An error with any status, code and message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> ODataError {
        ODataError {
            status,
            code: code.into(),
            message: message.into(),
            target: None,
            retry_after: None,
        }
    }

    /// `400 ODataError`: a query string or `$filter` that does not parse or check; the message
    /// is the positioned text of `error`, without its final newline. The [`ODataQuery`]
    /// extractor rejects a request with it.
    pub fn query(error: &crate::Error) -> ODataError {
        ODataError::new(StatusCode::BAD_REQUEST, "ODataError", error.odata_message())
    }

    /// This error with `target` set to `id`.
    pub fn with_target(mut self, id: RequestId) -> ODataError {
        self.target = Some(id);
        self
    }

    /// This error with a `Retry-After` header of `secs` seconds.
    pub fn with_retry_after(mut self, secs: u64) -> ODataError {
        self.retry_after = Some(secs);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error code, e.g. `ODataError`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The correlation id, if set.
    pub fn target(&self) -> Option<&RequestId> {
        self.target.as_ref()
    }

    /// The `Retry-After` seconds, if any.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The response body; `target` is `null` while unset.
    pub fn to_json(&self) -> serde_json::Value {
        let target = self.target.as_ref().map(RequestId::as_str);
        crate::error::odata_body(&self.code, &self.message, target)
    }
}

impl fmt::Display for ODataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ODataError {}

/// An error rendered without a target, kept in the response's extensions so that the
/// [`request_id`] middleware can render it again with the request's id.
#[derive(Clone)]
struct Untargeted(ODataError);

impl IntoResponse for ODataError {
    fn into_response(self) -> Response {
        let pending = self.target.is_none();
        let rendered = if pending {
            self.clone().with_target(RequestId::new())
        } else {
            self.clone()
        };
        let body = rendered.to_json().to_string();
        let mut response = (
            rendered.status,
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response();
        if let Some(secs) = rendered.retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        if rendered.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if pending {
            response.extensions_mut().insert(Untargeted(self));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_uuid_v4_and_differ() {
        let a = RequestId::new();
        let b = RequestId::new();
        assert_ne!(a, b);
        let s = a.as_str();
        assert_eq!(s.len(), 36);
        for (i, c) in s.char_indices() {
            if [8, 13, 18, 23].contains(&i) {
                assert_eq!(c, '-', "{s}");
            } else {
                assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{s}");
            }
        }
        assert_eq!(&s[14..15], "4", "{s}");
        assert!("89ab".contains(&s[19..20]), "{s}");
        let parsed = uuid::Uuid::parse_str(s).unwrap();
        assert_eq!(parsed.get_version(), Some(uuid::Version::Random));
    }

    #[test]
    fn error_body_has_the_documented_shape() {
        let id = RequestId::new();
        let err = ODataError::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredParameter",
            "Parameter Comment is missing.",
        )
        .with_target(id.clone());
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            err.to_json(),
            serde_json::json!({"error": {
                "code": "MissingRequiredParameter",
                "message": "Parameter Comment is missing.",
                "target": id.as_str(),
            }})
        );
        assert_eq!(
            err.to_string(),
            "400 MissingRequiredParameter: Parameter Comment is missing."
        );
    }

    #[test]
    fn responses_carry_status_and_headers() {
        let r = ODataError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "slow down",
        )
        .with_retry_after(17)
        .into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[RETRY_AFTER], "17");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
        assert!(r.extensions().get::<Untargeted>().is_some());

        let busy = ODataError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "busy",
        );
        let r = busy.with_retry_after(1).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[RETRY_AFTER], "1");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/json");

        let r = ODataError::new(StatusCode::UNAUTHORIZED, "Unauthorized", "no token")
            .with_target(RequestId::new())
            .into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()[WWW_AUTHENTICATE], "Bearer");
        assert!(r.extensions().get::<Untargeted>().is_none());
    }
}
