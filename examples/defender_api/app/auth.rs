//! Bearer tokens from a JSON file, the permission each endpoint needs, and per-token rate limits.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use odata_filter::axum::ODataError;
use serde::{Deserialize, Serialize};

use super::{AppState, BoxError};

/// Every permission the server knows, as Defender names them.
pub const ALL_PERMISSIONS: &[&str] = &[
    "Machine.Read.All",
    "Machine.ReadWrite.All",
    "Alert.Read.All",
    "Alert.ReadWrite.All",
    "Machine.CollectForensics",
];

/// Who is calling: the application a token was issued to, and what it may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The application's name.
    pub application: String,
    /// The user or service identity acting through it, e.g. `Analyst@contoso.com`; recorded as
    /// the `requestor` of machine actions (the application name is used without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Granted permissions, e.g. `Machine.Read.All`.
    pub permissions: Vec<String>,
}

impl Principal {
    /// The `requestor` of the actions it creates.
    pub fn requestor(&self) -> &str {
        self.identity.as_deref().unwrap_or(&self.application)
    }

    /// Whether it holds at least one of `any_of`.
    pub fn has_any(&self, any_of: &[&str]) -> bool {
        self.permissions
            .iter()
            .any(|p| any_of.contains(&p.as_str()))
    }
}

/// The tokens file: token → principal.
pub struct Tokens(HashMap<String, Arc<Principal>>);

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the tokens themselves.
        f.debug_struct("Tokens")
            .field("count", &self.0.len())
            .finish()
    }
}

impl Tokens {
    /// Tokens from a map.
    pub fn new(map: HashMap<String, Principal>) -> Tokens {
        Tokens(map.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }

    /// Reads the tokens file at `path`; when there is none, creates it with one random token
    /// holding every permission, which is returned so that it can be printed.
    pub fn load_or_create(path: &Path) -> Result<(Tokens, Option<String>), BoxError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let map: HashMap<String, Principal> = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                if map
                    .keys()
                    .any(|t| t.is_empty() || t.chars().any(char::is_whitespace))
                {
                    return Err(format!(
                        "{}: tokens must be non-empty, without spaces",
                        path.display()
                    )
                    .into());
                }
                Ok((Tokens::new(map), None))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let token = format!(
                    "demo-{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                );
                let principal = Principal {
                    application: "Defender API demo client".to_owned(),
                    identity: Some("Analyst@contoso.com".to_owned()),
                    permissions: ALL_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect(),
                };
                let map = HashMap::from([(token.clone(), principal)]);
                let text = serde_json::to_string_pretty(&map)?;
                std::fs::write(path, text + "\n")
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Ok((Tokens::new(map), Some(token)))
            }
            Err(e) => Err(format!("{}: {e}", path.display()).into()),
        }
    }

    /// The principal of `token`.
    pub fn get(&self, token: &str) -> Option<Arc<Principal>> {
        self.0.get(token).cloned()
    }
}

/// Sliding-window rate limits per token: at most `per_minute` calls in any 60 seconds and
/// `per_hour` in any 3600 seconds. Refused calls are not counted, so a client that retries
/// before `Retry-After` is refused again.
#[derive(Debug)]
pub struct RateLimiter {
    /// Calls per 60 s.
    per_minute: u32,
    /// Calls per 3600 s.
    per_hour: u32,
    /// Per token, the times of its accepted calls in the last hour, oldest first.
    calls: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// The two windows.
const MINUTE: Duration = Duration::from_secs(60);
/// See [`MINUTE`].
const HOUR: Duration = Duration::from_secs(3600);

impl RateLimiter {
    /// Limits of `per_minute` and `per_hour` calls (each at least 1).
    pub fn new(per_minute: u32, per_hour: u32) -> RateLimiter {
        RateLimiter {
            per_minute: per_minute.max(1),
            per_hour: per_hour.max(1),
            calls: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a call by `key` at `now`, or refuses it with the whole seconds (at least 1) until
    /// a slot frees in every window.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut all = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let calls = match all.get_mut(key) {
            Some(calls) => calls,
            None => all.entry(key.to_owned()).or_default(),
        };
        while calls
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= HOUR)
        {
            calls.pop_front();
        }
        let in_minute = calls
            .iter()
            .rev()
            .take_while(|t| now.saturating_duration_since(**t) < MINUTE)
            .count();
        let mut wait = Duration::ZERO;
        for (limit, count, window) in [
            (self.per_minute as usize, in_minute, MINUTE),
            (self.per_hour as usize, calls.len(), HOUR),
        ] {
            if count >= limit {
                // The window has room again when its `limit`-th newest call leaves it.
                if let Some(t) = calls.get(calls.len() - limit) {
                    wait = wait.max((*t + window).saturating_duration_since(now));
                }
            }
        }
        if wait > Duration::ZERO {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        calls.push_back(now);
        Ok(())
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Middleware: rejects requests without a known bearer token (401) or over the token's rate
/// limits (429), and stores the caller's [`Principal`] in the request for [`Allowed`].
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(token) = bearer(request.headers()) else {
        return ODataError::unauthorized("Authorization header with a bearer token is required.")
            .into_response();
    };
    let Some(principal) = state.tokens.get(token) else {
        return ODataError::unauthorized("The bearer token is invalid or expired.").into_response();
    };
    if let Err(secs) = state.limiter.check(token, Instant::now()) {
        return ODataError::too_many_requests(secs).into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// A set of permissions of which an endpoint needs one.
pub trait Permission: Send + Sync + 'static {
    /// The permissions, any of which is enough.
    const ANY_OF: &'static [&'static str];
}

/// Reading machines and machine actions.
pub struct MachineRead;

impl Permission for MachineRead {
    const ANY_OF: &'static [&'static str] = &["Machine.Read.All", "Machine.ReadWrite.All"];
}

/// Reading alerts and investigations.
pub struct AlertRead;

impl Permission for AlertRead {
    const ANY_OF: &'static [&'static str] = &["Alert.Read.All", "Alert.ReadWrite.All"];
}

/// Collecting an investigation package.
pub struct CollectForensics;

impl Permission for CollectForensics {
    const ANY_OF: &'static [&'static str] = &["Machine.CollectForensics"];
}

/// Extractor: the caller, who holds one of `P`'s permissions; `403 Forbidden` otherwise.
/// Put it before the other extractors so that permissions are checked first.
pub struct Allowed<P> {
    /// The caller.
    pub principal: Arc<Principal>,
    /// The permission set checked.
    permission: PhantomData<fn() -> P>,
}

impl<P: Permission, S: Send + Sync> FromRequestParts<S> for Allowed<P> {
    type Rejection = ODataError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ODataError> {
        let Some(principal) = parts.extensions.get::<Arc<Principal>>().cloned() else {
            return Err(ODataError::unauthorized(
                "The request is not authenticated.",
            ));
        };
        if !principal.has_any(P::ANY_OF) {
            return Err(ODataError::forbidden(format!(
                "Application '{}' lacks the permission this operation requires: {}.",
                principal.application,
                P::ANY_OF.join(" or ")
            )));
        }
        Ok(Allowed {
            principal,
            permission: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_window_refuses_and_reports_the_wait() {
        let limiter = RateLimiter::new(2, 100);
        let t0 = Instant::now();
        assert_eq!(limiter.check("a", t0), Ok(()));
        assert_eq!(limiter.check("a", t0 + Duration::from_secs(10)), Ok(()));
        assert_eq!(limiter.check("a", t0 + Duration::from_secs(20)), Err(40));
        assert_eq!(limiter.check("b", t0 + Duration::from_secs(20)), Ok(()));
        assert_eq!(
            limiter.check("a", t0 + Duration::from_millis(59_500)),
            Err(1)
        );
        assert_eq!(limiter.check("a", t0 + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn hour_window_counts_every_call_of_the_hour() {
        let limiter = RateLimiter::new(100, 3);
        let t0 = Instant::now();
        for m in 0..3 {
            assert_eq!(
                limiter.check("a", t0 + Duration::from_secs(m * 600)),
                Ok(())
            );
        }
        assert_eq!(
            limiter.check("a", t0 + Duration::from_secs(1800)),
            Err(1800)
        );
        assert_eq!(limiter.check("a", t0 + HOUR), Ok(()));
    }
}
