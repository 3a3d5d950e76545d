//! The endpoints: lists, single entities, `/$count`, and collecting an investigation package.
//!
//! Lists are paged and written as they are read (see `page` and `stream`); every read runs
//! within `--query-timeout` (`503 QueryTimeout` past it, see `db`).

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
use tokio::sync::OwnedSemaphorePermit;

use crate::auth::{self, AlertRead, Allowed, CollectForensics, MachineRead, Permission};
use crate::db::{self, Collect, DbError};
use crate::entities::{Alerts, Investigations, Kind, MachineActions, Machines};
use crate::page::{self, Page, HEAVY_ROWS};
use crate::{errors, server, store, stream, AppState};

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
    errors::internal().with_target(id.clone())
}

/// The answer to a failed read: `503 QueryTimeout` past `--query-timeout`, else `500` (see
/// [`internal`]).
fn db_error(id: &RequestId, what: &str, error: DbError) -> ODataError {
    match error {
        DbError::Timeout(timeout) => ODataError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "QueryTimeout",
            format!(
                "The query did not complete within {} ms. Narrow the $filter, ask for fewer \
                 rows ($top), or order by default.",
                timeout.as_millis()
            ),
        )
        .with_target(id.clone()),
        e => internal(id, what, e),
    }
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

/// `GET /api/<set>`: a page of the entity set, filtered, ordered and paged by SQLite, and
/// streamed as it is read. A heavy page waits for one of `--max-heavy` slots.
async fn list<E: Resource>(
    State(state): St,
    _allowed: Allowed<E::Read>,
    id: RequestId,
    uri: Uri,
    headers: HeaderMap,
    query: ODataQuery<E>,
) -> Result<Response, ODataError> {
    let query = query.into_inner();
    let page = Page::new(&query, state.page_size);
    let raw = uri.query().unwrap_or("");
    link_room(&state, &page, uri.path(), raw, &query).map_err(|e| e.with_target(id.clone()))?;
    let heavy = match page.is_heavy(E::schema(), &query) {
        true => Some(
            heavy_slot(&state)
                .await
                .map_err(|e| e.with_target(id.clone()))?,
        ),
        false => None,
    };
    let base = base_url(&headers);
    let spec = page::Spec {
        kind: E::KIND,
        context: collection_context(&base, E::schema(), &query),
        next_link: page
            .next_target(uri.path(), raw, &query)
            .map(|target| format!("{base}{target}")),
        reshape: (query.select.is_some() || E::changes(&query)).then_some(E::finish as _),
        page,
        query,
    };
    let (tx, rx) = stream::channel();
    let failed = tx.clone();
    let cancel = state.db.spawn_read(
        move |conn, budget| {
            // The heavy slot is held until the page is read, or the read stops.
            let _heavy = heavy;
            let mut out = tx.writer(budget);
            page::write(conn, &spec, &mut out)?;
            out.finish()
        },
        move |e| failed.fail(e),
    );
    stream::respond(rx, cancel, id.clone())
        .await
        .map_err(|e| db_error(&id, "list", e))
}

/// Refuses (`414 UriTooLong`) a list request whose `@odata.nextLink`, or the links after it,
/// could be longer than `--max-uri-len`: the server would refuse them.
fn link_room(
    state: &AppState,
    page: &Page,
    path: &str,
    raw: &str,
    query: &Query,
) -> Result<(), ODataError> {
    let max = state.limits.max_uri_len as usize;
    match page.link_room(path, raw, query) {
        Some(longest) if longest > max => Err(server::uri_too_long(format!(
            "The @odata.nextLink of this request could be {longest} bytes long (its query \
             string with a $skip of up to 20 digits); at most {max} bytes are accepted. \
             Shorten the query by {} bytes, or ask for at most one page with $top.",
            longest - max
        ))),
        _ => Ok(()),
    }
}

/// One of `--max-heavy` slots, waited for at most `--heavy-wait`; then `503
/// ServiceUnavailable` with `Retry-After: 1`.
async fn heavy_slot(state: &AppState) -> Result<OwnedSemaphorePermit, ODataError> {
    let wait = state.limits.heavy_wait;
    match tokio::time::timeout(wait, state.heavy.clone().acquire_owned()).await {
        Ok(Ok(slot)) => Ok(slot),
        _ => Err(ODataError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            format!(
                "The server is busy with {} large queries (pages over {HEAVY_ROWS} rows, or \
                 ordered otherwise than by default). Try again in 1 second, or ask for fewer \
                 rows.",
                state.limits.max_heavy
            ),
        )
        .with_retry_after(1)),
    }
}

/// A path segment naming an entity, e.g. the `{id}` of `/api/machines/{id}`.
struct Key(String);

impl<S: Send + Sync> FromRequestParts<S> for Key {
    type Rejection = ODataError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Key, ODataError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Key(id)),
            Err(e) => Err(errors::bad_request(format!("Invalid id in the path: {e}"))),
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
        || errors::resource_not_found(format!("{} {id} was not found", E::schema().name()));
    let Some(mut lookup) = E::lookup(&id) else {
        return Err(not_found().with_target(request));
    };
    lookup.select = query.select.clone();
    let rows = state
        .db
        .read(move |conn, _| Ok::<_, DbError>(store::select(conn, E::KIND, &lookup)?))
        .await
        .map_err(|e| db_error(&request, "get", e))?;
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
        .read(move |conn, _| Ok::<_, DbError>(store::count(conn, E::KIND, &query)?))
        .await
        .map_err(|e| db_error(&id, "count", e))?;
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

/// `query` (checked against the public Alert schema) restricted to the alerts of `machine`:
/// the server's own `machineId eq '<machine>'`, checked against [`alerts_by_machine`], and
/// the client's filter, composed as checked expressions. Nothing is printed and parsed again,
/// so a client filter at the parser's limits stays within them.
fn machine_scope(machine: &str, query: Query) -> Result<Query, String> {
    let own = format!("machineId eq {}", db::quote(machine));
    let mut scoped = Query::from_filter(alerts_by_machine(), &own).map_err(|e| e.to_string())?;
    if let Some(client) = query.filter {
        let own = scoped.filter.take().ok_or("no machine filter")?;
        scoped.filter = Some(own.and(client).ok_or("a filter that is not Boolean")?);
    }
    Ok(scoped)
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
        errors::resource_not_found(format!("Machine {machine} was not found"))
            .with_target(id.clone())
    };
    let Some(lookup) = db::by_id(Kind::Machine, &machine) else {
        return Err(not_found());
    };
    let scoped = machine_scope(&machine, query.into_inner())
        .map_err(|e| internal(&id, "scoped alert filter", e))?;
    let n = state
        .db
        .read(move |conn, _| {
            if store::select(conn, Kind::Machine, &lookup)?.is_empty() {
                return Ok(None);
            }
            Ok::<_, DbError>(Some(store::count_in(conn, alerts_by_machine(), &scoped)?))
        })
        .await
        .map_err(|e| db_error(&id, "machine alert count", e))?;
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
        return Err(errors::invalid_request_body(
            "Request body is incorrect: Content-Type must be application/json.",
        ));
    }
    let body = body.map_err(|e| {
        errors::invalid_request_body(match e {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                format!("Request body is incorrect: it is larger than {MAX_COLLECT_BODY} bytes.")
            }
            e => format!("Request body is incorrect: {e}"),
        })
    })?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| errors::invalid_request_body(format!("Request body is incorrect: {e}")))?;
    let Value::Object(object) = value else {
        return Err(errors::invalid_request_body(
            "Request body is incorrect: expected a JSON object.",
        ));
    };
    match object.get("Comment") {
        Some(Value::String(comment)) => {
            let chars = comment.chars().count();
            if chars > MAX_COMMENT_CHARS {
                return Err(errors::invalid_request_body(format!(
                    "Request body is incorrect: Comment has {chars} characters; at most \
                     {MAX_COMMENT_CHARS} are allowed."
                )));
            }
            Ok(comment.clone())
        }
        found @ (None | Some(Value::Null)) => {
            let err = errors::missing_required_parameter("Comment");
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
        Some(_) => Err(errors::invalid_request_body(
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
        Collect::NoSuchMachine => Err(errors::resource_not_found(format!(
            "Machine {machine} was not found"
        ))
        .with_target(id)),
        Collect::AlreadyRunning => Err(errors::bad_request(format!(
            "Action is already in progress: a CollectInvestigationPackage action is pending or \
             in progress on machine {machine}."
        ))
        .with_target(id)),
    }
}

/// Any other path or method: `404 NotFound`.
async fn no_route(uri: Uri) -> ODataError {
    errors::not_found(format!("No resource matches the path {}.", uri.path()))
}
