//! The axum integration (`odata_filter::axum`): the extractor, error responses and request ids,
//! driven through a `Router` without a network.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{middleware, Router};
use odata_filter::axum::{request_id, Entity, ODataError, ODataQuery, RequestId};
use odata_filter::query::QueryOptions;
use odata_filter::schema::{catalog, EntitySchema};
use serde_json::Value;
use tower::ServiceExt;

/// MachineActions with the default options.
struct MachineActions;

impl Entity for MachineActions {
    fn schema() -> &'static EntitySchema {
        static SCHEMA: OnceLock<EntitySchema> = OnceLock::new();
        SCHEMA.get_or_init(catalog::machine_action)
    }
}

/// Alerts with `$top` at most 50.
struct SmallAlerts;

impl Entity for SmallAlerts {
    fn schema() -> &'static EntitySchema {
        static SCHEMA: OnceLock<EntitySchema> = OnceLock::new();
        SCHEMA.get_or_init(catalog::alert)
    }

    fn options() -> QueryOptions {
        QueryOptions::new().max_top(50)
    }
}

/// Describes the checked query, so that tests can see what the handler got.
async fn describe(query: ODataQuery<MachineActions>, id: RequestId) -> String {
    let filter = query.filter.as_ref().map(ToString::to_string);
    serde_json::json!({
        "filter": filter,
        "top": query.top,
        "skip": query.skip,
        "params": query.params,
        "entity": query.schema().entity_set(),
        "request_id": id.as_str(),
    })
    .to_string()
}

/// Answers with `$top` of alerts.
async fn alerts(query: ODataQuery<SmallAlerts>) -> String {
    format!("{:?}", query.top)
}

/// Fails without a target.
async fn missing() -> Result<String, ODataError> {
    Err(ODataError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        "Machine 123 was not found",
    ))
}

/// The test router, with or without the request-id middleware.
fn router(with_ids: bool) -> Router {
    let router = Router::new()
        .route("/api/machineactions", get(describe))
        .route("/api/alerts", get(alerts))
        .route("/api/missing", get(missing));
    if with_ids {
        router.layer(middleware::from_fn(request_id))
    } else {
        router
    }
}

/// `GET uri` against the router; the URI is sent as given (undecoded).
async fn get_raw(with_ids: bool, uri: &str) -> (StatusCode, Option<String>, Value) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response: Response = router(with_ids).oneshot(request).await.unwrap();
    let status = response.status();
    let id = response
        .headers()
        .get("request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, id, body)
}

#[tokio::test]
async fn a_valid_query_reaches_the_handler_checked() {
    let uri = "/api/machineactions?$filter=STATUS+eq+'Succeeded'%20and%20machineId%20eq%20'f46b'\
               &$top=2&$skip=1&api-version=1.0";
    let (status, id, body) = get_raw(true, uri).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["filter"],
        "status eq 'Succeeded' and machineId eq 'f46b'"
    );
    assert_eq!(body["top"], 2);
    assert_eq!(body["skip"], 1);
    assert_eq!(body["params"], serde_json::json!([["api-version", "1.0"]]));
    assert_eq!(body["entity"], "MachineActions");
    assert_eq!(body["request_id"], id.unwrap().as_str());

    let (status, _, body) = get_raw(true, "/api/machineactions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["filter"], Value::Null);
    assert_eq!(body["top"], Value::Null);
}

#[tokio::test]
async fn query_errors_are_400_odata_errors_targeting_the_request_id() {
    for (uri, start) in [
        (
            "/api/machineactions?$stop=10",
            "error: unknown query option '$stop'; did you mean '$top'?",
        ),
        ("/api/machineactions?$filter=status%20eq", "error: "),
        ("/api/machineactions?$filter=requestor+eq+'%ff'", "error: "),
        ("/api/machineactions?$top=10001", "error: "),
        ("/api/alerts?$top=51", "error: "),
    ] {
        let (status, id, body) = get_raw(true, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        let error = &body["error"];
        assert_eq!(error["code"], "ODataError", "{uri}");
        assert!(
            error["message"].as_str().unwrap().starts_with(start),
            "{uri}: {error}"
        );
        assert_eq!(error["target"], id.unwrap().as_str(), "{uri}");
    }
    let (status, _, body) = get_raw(true, "/api/alerts?$top=50").await;
    assert_eq!((status, body), (StatusCode::OK, "Some(50)".into()));
}

#[tokio::test]
async fn the_message_is_positioned_in_the_query_string() {
    let (_, _, body) = get_raw(true, "/api/machineactions?$top=1&$stop=10").await;
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("1 | $top=1&$stop=10\n"), "{message}");
    assert!(message.contains("  |        ^^^^^"), "{message}");
}

#[tokio::test]
async fn errors_without_the_middleware_still_have_a_target() {
    let (status, id, body) = get_raw(false, "/api/machineactions?$stop=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(id, None);
    let target = body["error"]["target"].as_str().unwrap();
    assert_eq!(target.len(), 36, "{target}");
}

#[tokio::test]
async fn handler_errors_get_the_request_id_from_the_middleware() {
    let (status, id, body) = get_raw(true, "/api/missing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        serde_json::json!({"error": {
            "code": "ResourceNotFound",
            "message": "Machine 123 was not found",
            "target": id.unwrap(),
        }})
    );
}

#[test]
fn from_query_string_matches_the_extractor() {
    let q = ODataQuery::<MachineActions>::from_query_string("$top=5&$orderby=status desc").unwrap();
    assert_eq!(q.top, Some(5));
    assert_eq!(q.order_by.len(), 1);
    assert!(format!("{q:?}").contains("MachineActions"));
    let err = ODataQuery::<MachineActions>::from_query_string("$top=x").unwrap_err();
    let odata = ODataError::query(&err);
    assert_eq!(odata.status(), StatusCode::BAD_REQUEST);
    assert_eq!(odata.message(), err.to_string().trim_end());
    assert!(odata.target().is_none());
}

#[tokio::test]
async fn parameter_aliases_over_a_real_request() {
    let uri = "/api/machineactions?$filter=status%20eq%20@s%20or%20requestor%20eq%20@s\
               &@s=%27Pending%27&$top=1";
    let (status, _, body) = get_raw(true, uri).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["filter"],
        "status eq 'Pending' or requestor eq 'Pending'"
    );
    // The alias is handed to the handler with the other parameters.
    assert_eq!(body["params"], serde_json::json!([["@s", "'Pending'"]]));
    // An alias value that does not parse is a 400 positioned in the query string.
    let (status, _, body) =
        get_raw(true, "/api/machineactions?$filter=status%20eq%20@s&@s=%27x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("error: invalid value of parameter alias '@s'"),
        "{message}"
    );
}
