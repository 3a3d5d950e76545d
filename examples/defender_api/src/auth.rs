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

use crate::{errors, AppState, BoxError};

/// Every permission the server knows, as Defender names them.
pub const ALL_PERMISSIONS: &[&str] = &[
    "Machine.Read.All",
    "Machine.ReadWrite.All",
    "Alert.Read.All",
    "Alert.ReadWrite.All",
    "Machine.CollectForensics",
];

/// The application of the demo token: the one the server creates with a missing tokens file,
/// or `--demo-token`.
pub const DEMO_APPLICATION: &str = "Defender API demo client";

/// The fewest characters `--demo-token` accepts.
pub const MIN_DEMO_TOKEN_LEN: usize = 16;

/// The principal of a demo token: every permission, so that every curl line of the README
/// works with it, acting as the analyst of the documented examples.
pub fn demo_principal() -> Principal {
    Principal {
        application: DEMO_APPLICATION.to_owned(),
        identity: Some("Analyst@contoso.com".to_owned()),
        permissions: ALL_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// Whether `token` is non-empty and only ASCII letters, digits and `-._+/=`, so that the line
/// `export TOKEN=<token>` pastes into a POSIX shell unquoted and `Bearer $TOKEN` carries it as
/// is (RFC 6750's token characters, without `~`, which a shell would expand after `=`).
pub fn is_plain_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._+/=".contains(&b))
}

/// Checks the value of `--demo-token`: a plain token (see [`is_plain_token`]) of at least
/// [`MIN_DEMO_TOKEN_LEN`] characters.
pub fn parse_demo_token(token: &str) -> Result<String, String> {
    if token.is_empty() {
        return Err(format!(
            "the demo token is empty; give one of at least {MIN_DEMO_TOKEN_LEN} characters"
        ));
    }
    if !is_plain_token(token) {
        return Err(
            "use only ASCII letters, digits and - . _ + / = in a demo token (it is printed as \
             `export TOKEN=...` and sent in an Authorization header as is)"
                .to_owned(),
        );
    }
    if token.len() < MIN_DEMO_TOKEN_LEN {
        return Err(format!(
            "a demo token of {} characters is too short to guard the API; use at least \
             {MIN_DEMO_TOKEN_LEN}",
            token.len()
        ));
    }
    Ok(token.to_owned())
}

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

    /// Whether it holds every one of `all_of`.
    pub fn has_all(&self, all_of: &[&str]) -> bool {
        all_of
            .iter()
            .all(|p| self.permissions.iter().any(|q| q == p))
    }

    /// Whether it holds at least one of `any_of`.
    pub fn has_any(&self, any_of: &[&str]) -> bool {
        self.permissions
            .iter()
            .any(|p| any_of.contains(&p.as_str()))
    }
}

/// The tokens file: token → principal.
#[derive(Default)]
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

    /// Reads the tokens file at `path`; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Tokens>, BoxError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display()).into()),
        };
        let map: HashMap<String, Principal> =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
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
        Ok(Some(Tokens::new(map)))
    }

    /// Reads the tokens file at `path`; when there is none, creates it with one random token
    /// holding every permission ([`demo_principal`]), which is returned so that it can be
    /// printed.
    pub fn load_or_create(path: &Path) -> Result<(Tokens, Option<String>), BoxError> {
        if let Some(tokens) = Tokens::load(path)? {
            return Ok((tokens, None));
        }
        let token = format!(
            "demo-{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let map = HashMap::from([(token.clone(), demo_principal())]);
        let text = serde_json::to_string_pretty(&map)?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((Tokens::new(map), Some(token)))
    }

    /// Adds `token` (`--demo-token`) with [`demo_principal`]; refused when it is already a
    /// token of another principal.
    pub fn insert_demo(&mut self, token: String) -> Result<(), String> {
        let principal = demo_principal();
        match self.0.get(&token) {
            Some(known) if **known != principal => Err(
                "the --demo-token is also a token of the tokens file, with other \
                     permissions; choose another"
                    .to_owned(),
            ),
            _ => {
                self.0.insert(token, Arc::new(principal));
                Ok(())
            }
        }
    }

    /// The demo token of a tokens file the server created: a plain token (see
    /// [`is_plain_token`]) of `DEMO_APPLICATION` holding every permission; the smallest when
    /// there are several. Other tokens are never returned, so that they are never printed.
    pub fn demo_token(&self) -> Option<&str> {
        self.0
            .iter()
            .filter(|(token, principal)| {
                principal.application == DEMO_APPLICATION
                    && principal.has_all(ALL_PERMISSIONS)
                    && is_plain_token(token)
            })
            .map(|(token, _)| token.as_str())
            .min()
    }

    /// The number of tokens.
    pub fn count(&self) -> usize {
        self.0.len()
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

/// The token of the request's `Authorization: Bearer <token>` header (scheme
/// case-insensitive), or the `401` for a request without one, or with several `Authorization`
/// headers (none of which is then used).
fn bearer(headers: &HeaderMap) -> Result<&str, ODataError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        let n = headers.get_all(AUTHORIZATION).iter().count();
        return Err(match n {
            0 => errors::unauthorized("Authorization header with a bearer token is required."),
            n => errors::unauthorized(format!(
                "The request has {n} Authorization headers; send exactly one."
            )),
        });
    };
    let token = value.to_str().ok().and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    });
    token.ok_or_else(|| {
        errors::unauthorized("Authorization header with a bearer token is required.")
    })
}

/// Middleware: rejects requests without a known bearer token or with several `Authorization`
/// headers (401) or over the token's rate limits (429), and stores the caller's [`Principal`]
/// in the request for [`Allowed`].
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = match bearer(request.headers()) {
        Ok(token) => token,
        Err(e) => return e.into_response(),
    };
    let Some(principal) = state.tokens.get(token) else {
        return errors::unauthorized("The bearer token is invalid or expired.").into_response();
    };
    if let Err(secs) = state.limiter.check(token, Instant::now()) {
        return errors::too_many_requests(secs).into_response();
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
            return Err(errors::unauthorized("The request is not authenticated."));
        };
        if !principal.has_any(P::ANY_OF) {
            return Err(errors::forbidden(format!(
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
