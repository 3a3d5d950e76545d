//! Defender for Endpoint's error codes, as [`ODataError`]s with the documented status and code.
//!
//! The library's `ODataError` renders any status, code and message in the OData error body
//! `{"error":{"code":...,"message":...,"target":...}}`; the codes below are Defender's
//! (`defender-endpoint/api/common-errors.md` of `MicrosoftDocs/defender-docs`), plus
//! `ServiceUnavailable` for load shedding. The server's other codes (`UriTooLong`,
//! `RequestHeaderFieldsTooLarge`, `QueryTimeout`) are built where they are used.

use axum::http::StatusCode;
use odata_filter::axum::ODataError;

/// `400 BadRequest`: a request that is invalid in another way, e.g. an action that is already
/// in progress.
pub fn bad_request(message: impl Into<String>) -> ODataError {
    ODataError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// `400 InvalidRequestBody`: a body that is not valid JSON or not of the expected shape.
pub fn invalid_request_body(message: impl Into<String>) -> ODataError {
    ODataError::new(StatusCode::BAD_REQUEST, "InvalidRequestBody", message)
}

/// `400 MissingRequiredParameter` with the documented message `Parameter {name} is missing.`
pub fn missing_required_parameter(name: &str) -> ODataError {
    ODataError::new(
        StatusCode::BAD_REQUEST,
        "MissingRequiredParameter",
        format!("Parameter {name} is missing."),
    )
}

/// `401 Unauthorized`: no, or an invalid, bearer token. The response carries
/// `WWW-Authenticate: Bearer` (the library adds it to every `401`).
pub fn unauthorized(message: impl Into<String>) -> ODataError {
    ODataError::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
}

/// `403 Forbidden`: a valid token without the permission the endpoint needs.
pub fn forbidden(message: impl Into<String>) -> ODataError {
    ODataError::new(StatusCode::FORBIDDEN, "Forbidden", message)
}

/// `404 NotFound`: no such route.
pub fn not_found(message: impl Into<String>) -> ODataError {
    ODataError::new(StatusCode::NOT_FOUND, "NotFound", message)
}

/// `404 ResourceNotFound`: no such entity, e.g. `Machine 123 was not found`.
pub fn resource_not_found(message: impl Into<String>) -> ODataError {
    ODataError::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
}

/// `429 TooManyRequests`, with `Retry-After: retry_after_secs`.
pub fn too_many_requests(retry_after_secs: u64) -> ODataError {
    ODataError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        format!("Rate limit exceeded. Try again in {retry_after_secs} seconds."),
    )
    .with_retry_after(retry_after_secs)
}

/// `503 ServiceUnavailable`, with `Retry-After: retry_after_secs`: the server is handling as
/// many requests as it will at once (load shedding).
pub fn service_unavailable(retry_after_secs: u64) -> ODataError {
    ODataError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        format!(
            "The server is busy. Try again in {retry_after_secs} second{}.",
            if retry_after_secs == 1 { "" } else { "s" }
        ),
    )
    .with_retry_after(retry_after_secs)
}

/// `500 InternalServerError` with an empty message: the cause stays in the server's logs.
pub fn internal() -> ODataError {
    ODataError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes_and_messages() {
        let err = missing_required_parameter("Comment");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            err.to_string(),
            "400 MissingRequiredParameter: Parameter Comment is missing."
        );
        let err = too_many_requests(17);
        assert_eq!(
            (err.status(), err.code(), err.retry_after()),
            (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", Some(17))
        );
        assert_eq!(
            service_unavailable(1).message(),
            "The server is busy. Try again in 1 second."
        );
        let err = internal();
        assert_eq!(
            (err.status(), err.code(), err.message()),
            (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", "")
        );
    }
}
