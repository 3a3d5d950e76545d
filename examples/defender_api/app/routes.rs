//! The endpoints: lists, single entities, `/$count`, and collecting an investigation package.
//!
//! Paging rule (`@odata.nextLink`): a list answers at most `--page-size` rows (10,000 by
//! default, Defender's maximum page size). The link is emitted only when rows the request asked
//! for remain beyond the returned page: without `$top`, when more rows match after this page;
//! with `$top`, only when `$top` is larger than the page size and more of those `$top` rows
//! remain. With the default page size a request with `$top` (at most 10,000) therefore never
//! gets a link, as Defender behaves. The link repeats the query in canonical form with `$skip`
//! advanced by the page size (and `$top` lowered by it, when given).

use std::fmt::Display;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use odata_filter::axum::{request_id, Entity, ODataError, ODataQuery, RequestId};
use odata_filter::query::Query;
use odata_filter::schema::{EntitySchema, Field};
use serde_json::{Map, Value};

use super::auth::{self, AlertRead, Allowed, CollectForensics, MachineRead, Permission};
use super::db::{self, Collect, DbError};
use super::seed::{Alerts, Investigations, Kind, MachineActions, Machines};
use super::store;
use super::{server, AppState};

/// Shared state, as handlers take it.
type St = State<Arc<AppState>>;

/// The router: every endpoint, behind authentication and rate limits, with request ids.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/machineactions", get(list::<MachineActions>))
        .route("/api/machineactions/$count", get(count::<MachineActions>))
        .route("/api/machineactions/{id}", get(get_one::<MachineActions>))
        .route("/api/investigations", get(list::<Investigations>))
        .route("/api/investigations/$count", get(count::<Investigations>))
        .route("/api/investigations/{id}", get(get_one::<Investigations>))
        .route("/api/machines", get(list::<Machines>))
        .route("/api/machines/$count", get(count::<Machines>))
        .route("/api/machines/{id}", get(get_one::<Machines>))
        .route("/api/machines/{id}/alerts/$count", get(machine_alert_count))
        .route(
            "/api/machines/{id}/collectInvestigationPackage",
            post(collect_investigation_package).layer(DefaultBodyLimit::max(MAX_COLLECT_BODY)),
        )
        .route("/api/alerts", get(list::<Alerts>))
        .route("/api/alerts/$count", get(count::<Alerts>))
        .route("/api/alerts/{id}", get(get_one::<Alerts>))
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), server::guard))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// An entity set served by the generic handlers.
trait Resource: Entity + Send + Sync {
    /// Its kind.
    const KIND: Kind;
    /// The permissions that allow reading it.
    type Read: Permission;

    /// The query for `GET .../{id}`; `None` when `id` cannot name a record.
    fn lookup(id: &str) -> Option<Query> {
        db::by_id(Self::KIND, id)
    }

    /// Whether [`finish`](Resource::finish) changes records read for `query`.
    fn changes(_query: &Query) -> bool {
        false
    }

    /// Adjusts a record read for `query` before it is sent.
    fn finish(_query: &Query, _record: &mut Value) {}
}

impl Resource for MachineActions {
    const KIND: Kind = Kind::MachineAction;
    type Read = MachineRead;
}

impl Resource for Machines {
    const KIND: Kind = Kind::Machine;
    type Read = MachineRead;
}

impl Resource for Investigations {
    const KIND: Kind = Kind::Investigation;
    type Read = AlertRead;

    /// An investigation is found by its id or by the id of the alert that triggered it.
    fn lookup(id: &str) -> Option<Query> {
        let id = db::quote(id);
        let text = format!("id eq {id} or triggeringAlertId eq {id}");
        let mut query = Query::from_filter(Self::KIND.schema(), &text).ok()?;
        query.top = Some(1);
        Some(query)
    }
}

impl Resource for Alerts {
    const KIND: Kind = Kind::Alert;
    type Read = AlertRead;

    fn changes(query: &Query) -> bool {
        !query.expand.iter().any(|e| e == "evidence")
    }

    /// `evidence` is filled only with `$expand=evidence`; otherwise it is `[]`, as in Defender.
    fn finish(query: &Query, record: &mut Value) {
        if Self::changes(query) {
            if let Some(evidence) = record.get_mut("evidence") {
                *evidence = Value::Array(Vec::new());
            }
        }
    }
}

/// Logs a failure with the request id and answers `500` without details.
fn internal(id: &RequestId, what: &str, error: impl Display) -> ODataError {
    eprintln!("[{id}] {what}: {error}");
    ODataError::internal().with_target(id.clone())
}

/// `http://host` (or `https://` behind a proxy that says so) from the request's headers.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// `@odata.context` of a collection: `.../api/$metadata#MachineActions`, with the selected
/// fields in parentheses when `$select` was given.
fn collection_context(base: &str, schema: &EntitySchema, query: &Query) -> String {
    let mut context = format!("{base}/api/$metadata#{}", schema.entity_set());
    if let Some(fields) = &query.select {
        let names: Vec<&str> = fields.iter().map(Field::name).collect();
        context.push_str(&format!("({})", names.join(",")));
    }
    context
}

/// A JSON response.
fn json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

/// Percent-encodes a query-string component (everything but RFC 3986 unreserved characters).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET /api/<set>`: a page of the entity set, filtered, ordered and paged by SQLite.
async fn list<E: Resource>(
    State(state): St,
    _allowed: Allowed<E::Read>,
    id: RequestId,
    uri: Uri,
    headers: HeaderMap,
    query: ODataQuery<E>,
) -> Result<Response, ODataError> {
    let ODataQuery { query, params, .. } = query;
    let page = state.page_size;
    // Rows to return, and whether rows asked for may remain after them.
    let (limit, may_continue) = match query.top {
        None => (page, true),
        Some(top) => (top.min(page), top > page),
    };
    let mut run = query.clone();
    run.top = Some(if may_continue { limit + 1 } else { limit });
    let want_count = query.count;
    // Records the server need not change are sent as stored, without parsing them.
    let parse = query.select.is_some() || E::changes(&query);
    let (mut rows, total) = state
        .db
        .read(move |conn| {
            // With $count, both statements read one snapshot.
            let snapshot = match want_count {
                true => Some(conn.unchecked_transaction()?),
                false => None,
            };
            let rows = match parse {
                true => Rows::Parsed(store::select(conn, E::KIND, &run)?),
                false => Rows::Stored(store::select_text(conn, E::KIND, &run)?),
            };
            let total = match want_count {
                true => Some(store::count(conn, E::KIND, &run)?),
                false => None,
            };
            drop(snapshot);
            Ok::<_, DbError>((rows, total))
        })
        .await
        .map_err(|e| internal(&id, "list", e))?;

    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let base = base_url(&headers);
    let context = collection_context(&base, E::schema(), &query);
    let mut body = format!("{{\"@odata.context\":{}", Value::from(context));
    if let Some(total) = total {
        body.push_str(&format!(",\"@odata.count\":{total}"));
    }
    body.push_str(",\"value\":[");
    match rows {
        Rows::Parsed(mut records) => {
            for (i, record) in records.iter_mut().enumerate() {
                E::finish(&query, record);
                if i > 0 {
                    body.push(',');
                }
                body.push_str(&record.to_string());
            }
        }
        Rows::Stored(texts) => body.push_str(&texts.join(",")),
    }
    body.push(']');
    if more {
        if let Some(skip) = query.skip.checked_add(limit) {
            let mut next = query.clone();
            next.skip = skip;
            next.top = query.top.map(|top| top - limit);
            let mut link = format!("{base}{}?{}", uri.path(), next.to_query_string());
            for (name, value) in &params {
                link.push_str(&format!("&{}={}", encode(name), encode(value)));
            }
            body.push_str(&format!(",\"@odata.nextLink\":{}", Value::from(link)));
        }
    }
    body.push('}');
    Ok((
        StatusCode::OK,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response())
}

/// The rows of a list page.
enum Rows {
    /// Parsed records, which the server projects or adjusts.
    Parsed(Vec<Value>),
    /// Each record's JSON text exactly as stored.
    Stored(Vec<String>),
}

impl Rows {
    /// The number of rows.
    fn len(&self) -> usize {
        match self {
            Rows::Parsed(rows) => rows.len(),
            Rows::Stored(rows) => rows.len(),
        }
    }

    /// Keeps the first `n` rows.
    fn truncate(&mut self, n: usize) {
        match self {
            Rows::Parsed(rows) => rows.truncate(n),
            Rows::Stored(rows) => rows.truncate(n),
        }
    }
}

/// A path segment naming an entity, e.g. the `{id}` of `/api/machines/{id}`.
struct Key(String);

impl<S: Send + Sync> FromRequestParts<S> for Key {
    type Rejection = ODataError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Key, ODataError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Key(id)),
            Err(e) => Err(ODataError::bad_request(format!(
                "Invalid id in the path: {e}"
            ))),
        }
    }
}

/// Refuses the list-only options on a single entity, with the crate's positioned style.
fn single_entity_options(schema: &EntitySchema, query: &Query) -> Result<(), ODataError> {
    let given = [
        ("$filter", query.filter.is_some()),
        ("$orderby", !query.order_by.is_empty()),
        ("$top", query.top.is_some()),
        ("$skip", query.skip > 0),
        ("$count", query.count),
    ];
    match given.iter().find(|(_, yes)| *yes) {
        Some((name, _)) => Err(ODataError::new(
            StatusCode::BAD_REQUEST,
            "ODataError",
            format!(
                "The query option '{name}' applies to collections; it is not supported when \
                 reading a single {}.",
                schema.name()
            ),
        )),
        None => Ok(()),
    }
}

/// `GET /api/<set>/{id}`: one entity, `404 ResourceNotFound` when absent. Takes `$select`
/// (and `$expand` where the entity has it).
async fn get_one<E: Resource>(
    State(state): St,
    _allowed: Allowed<E::Read>,
    request: RequestId,
    headers: HeaderMap,
    Key(id): Key,
    query: ODataQuery<E>,
) -> Result<Response, ODataError> {
    let query = query.into_inner();
    single_entity_options(E::schema(), &query)?;
    let not_found =
        || ODataError::resource_not_found(format!("{} {id} was not found", E::schema().name()));
    let Some(mut lookup) = E::lookup(&id) else {
        return Err(not_found().with_target(request));
    };
    lookup.select = query.select.clone();
    let rows = state
        .db
        .read(move |conn| Ok::<_, DbError>(store::select(conn, E::KIND, &lookup)?))
        .await
        .map_err(|e| internal(&request, "get", e))?;
    let Some(mut record) = rows.into_iter().next() else {
        return Err(not_found().with_target(request));
    };
    E::finish(&query, &mut record);
    Ok(json(
        StatusCode::OK,
        &entity_body(&headers, E::schema(), record),
    ))
}

/// `{"@odata.context": ".../$metadata#<Set>/$entity", ...record}`.
fn entity_body(headers: &HeaderMap, schema: &EntitySchema, record: Value) -> Value {
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        format!(
            "{}/api/$metadata#{}/$entity",
            base_url(headers),
            schema.entity_set()
        )
        .into(),
    );
    if let Value::Object(fields) = record {
        body.extend(fields);
    }
    Value::Object(body)
}

/// A bare-number `$count` response.
fn count_response(n: u64) -> Response {
    (
        StatusCode::OK,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        n.to_string(),
    )
        .into_response()
}

/// `GET /api/<set>/$count?$filter=...`: the number of matching entities, as a bare number.
/// `$top` and `$skip` do not apply to it.
async fn count<E: Resource>(
    State(state): St,
    _allowed: Allowed<E::Read>,
    id: RequestId,
    query: ODataQuery<E>,
) -> Result<Response, ODataError> {
    let query = query.into_inner();
    let n = state
        .db
        .read(move |conn| Ok::<_, DbError>(store::count(conn, E::KIND, &query)?))
        .await
        .map_err(|e| internal(&id, "count", e))?;
    Ok(count_response(n))
}

/// The Alert schema with `machineId` filterable, for the server's own
/// `/machines/{id}/alerts` filters (clients cannot filter alerts on it).
fn alerts_by_machine() -> &'static EntitySchema {
    static SCHEMA: OnceLock<Option<EntitySchema>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let alert = Kind::Alert.schema();
            let mut builder = EntitySchema::builder(alert.name(), alert.entity_set());
            for field in alert.fields() {
                let field = field.clone();
                builder = builder.field(if field.name() == "machineId" {
                    field.filterable(true)
                } else {
                    field
                });
            }
            builder = builder.key(alert.key());
            for (name, desc) in alert.default_order() {
                builder = builder.default_order(name.as_str(), *desc);
            }
            builder.build().ok()
        })
        .as_ref()
        .unwrap_or(Kind::Alert.schema())
}

/// `GET /api/machines/{id}/alerts/$count?$filter=...`: the number of the machine's alerts that
/// match, as a bare number; `404 ResourceNotFound` for an unknown machine.
async fn machine_alert_count(
    State(state): St,
    _allowed: Allowed<AlertRead>,
    id: RequestId,
    Key(machine): Key,
    query: ODataQuery<Alerts>,
) -> Result<Response, ODataError> {
    let not_found = || {
        ODataError::resource_not_found(format!("Machine {machine} was not found"))
            .with_target(id.clone())
    };
    let Some(lookup) = db::by_id(Kind::Machine, &machine) else {
        return Err(not_found());
    };
    // The client's filter was checked against the public schema; the server adds its own
    // condition and checks the whole against the schema in which machineId is filterable.
    let mut text = format!("machineId eq {}", db::quote(&machine));
    if let Some(filter) = &query.filter {
        text.push_str(&format!(" and ({filter})"));
    }
    let scoped = Query::from_filter(alerts_by_machine(), &text)
        .map_err(|e| internal(&id, "scoped alert filter", e))?;
    let n = state
        .db
        .read(move |conn| {
            if store::select(conn, Kind::Machine, &lookup)?.is_empty() {
                return Ok(None);
            }
            Ok::<_, DbError>(Some(store::count_in(conn, alerts_by_machine(), &scoped)?))
        })
        .await
        .map_err(|e| internal(&id, "machine alert count", e))?;
    match n {
        Some(n) => Ok(count_response(n)),
        None => Err(not_found()),
    }
}

/// The longest `Comment` of a collect request, in characters. The comment becomes the action's
/// `requestorComment`, which every list page of machine actions carries.
const MAX_COMMENT_CHARS: usize = 1_000;

/// The largest collect request body, in bytes: room for a comment of [`MAX_COMMENT_CHARS`]
/// however it is escaped (`\uXXXX` is 6 bytes a character).
const MAX_COLLECT_BODY: usize = 16 * 1024;

/// The `Comment` of a collect request body: a JSON object whose `Comment` (case-sensitive) is a
/// string of at most [`MAX_COMMENT_CHARS`] characters.
fn comment_of(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<String, ODataError> {
    let json_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_type {
        return Err(ODataError::invalid_request_body(
            "Request body is incorrect: Content-Type must be application/json.",
        ));
    }
    let body = body.map_err(|e| {
        ODataError::invalid_request_body(match e {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                format!("Request body is incorrect: it is larger than {MAX_COLLECT_BODY} bytes.")
            }
            e => format!("Request body is incorrect: {e}"),
        })
    })?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ODataError::invalid_request_body(format!("Request body is incorrect: {e}")))?;
    let Value::Object(object) = value else {
        return Err(ODataError::invalid_request_body(
            "Request body is incorrect: expected a JSON object.",
        ));
    };
    match object.get("Comment") {
        Some(Value::String(comment)) => {
            let chars = comment.chars().count();
            if chars > MAX_COMMENT_CHARS {
                return Err(ODataError::invalid_request_body(format!(
                    "Request body is incorrect: Comment has {chars} characters; at most \
                     {MAX_COMMENT_CHARS} are allowed."
                )));
            }
            Ok(comment.clone())
        }
        found @ (None | Some(Value::Null)) => {
            let err = ODataError::missing_required_parameter("Comment");
            let near = object
                .keys()
                .find(|k| *k != "Comment" && k.eq_ignore_ascii_case("Comment"));
            let hint = match (found, near) {
                (_, Some(near)) => format!("Parameter names are case-sensitive: found '{near}'."),
                (Some(_), None) => "It is null; give a string.".to_owned(),
                (None, None) => return Err(err),
            };
            Err(ODataError::new(
                err.status(),
                err.code().to_owned(),
                format!("{} {hint}", err.message()),
            ))
        }
        Some(_) => Err(ODataError::invalid_request_body(
            "Request body is incorrect: Comment must be a string.",
        )),
    }
}

/// `POST /api/machines/{id}/collectInvestigationPackage` with `{"Comment": "..."}`: `201` and
/// the new MachineAction; `400` when a collection is already pending or in progress there;
/// `404` for an unknown machine; `408` when the body does not arrive within `--body-timeout`.
async fn collect_investigation_package(
    State(state): St,
    allowed: Allowed<CollectForensics>,
    id: RequestId,
    headers: HeaderMap,
    Key(machine): Key,
    request: Request,
) -> Result<Response, ODataError> {
    let timeout = state.limits.body_timeout;
    let Ok(body) = tokio::time::timeout(timeout, Bytes::from_request(request, &())).await else {
        return Err(ODataError::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeout",
            format!("The request body did not arrive within {timeout:?}."),
        )
        .with_target(id));
    };
    let comment = comment_of(&headers, body).map_err(|e| e.with_target(id.clone()))?;
    let requestor = allowed.principal.requestor().to_owned();
    let machine_id = machine.clone();
    let outcome = state
        .db
        .write(move |conn| db::collect(conn, &machine_id, &comment, &requestor))
        .await
        .map_err(|e| internal(&id, "collect", e))?;
    match outcome {
        Collect::Created(action) => {
            let location = format!(
                "{}/api/machineactions/{}",
                base_url(&headers),
                action["id"].as_str().unwrap_or_default()
            );
            let mut response = json(
                StatusCode::CREATED,
                &entity_body(&headers, Kind::MachineAction.schema(), action),
            );
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(LOCATION, value);
            }
            Ok(response)
        }
        Collect::NoSuchMachine => Err(ODataError::resource_not_found(format!(
            "Machine {machine} was not found"
        ))
        .with_target(id)),
        Collect::AlreadyRunning => Err(ODataError::bad_request(format!(
            "Action is already in progress: a CollectInvestigationPackage action is pending or \
             in progress on machine {machine}."
        ))
        .with_target(id)),
    }
}

/// Any other path or method: `404 NotFound`.
async fn no_route(uri: Uri) -> ODataError {
    ODataError::not_found(format!("No resource matches the path {}.", uri.path()))
}
