//! Serving: the accept loop, and the [`Limits`] that keep slow, idle and surplus clients from
//! holding the server.
//!
//! `axum::serve` has no header-read timeout, no idle timeout and no cap on connections (a
//! client that sends `GET / HTTP/1.1\r\n` and then a header byte now and then holds its
//! connection for ever), so [`serve`] drives hyper's HTTP/1 connections itself:
//!
//! - at most `--max-connections` connections are open at once; at the cap a new connection
//!   closes the connection that has waited longest for a request head (a slow or idle client)
//!   to take its place, or, when every connection is busy with a request, waits until one
//!   closes (new connections then wait in the listen backlog);
//! - a request head (request line and header fields) must arrive within `--header-timeout`,
//!   counted from the accept for the first request of a connection, and from the first byte of
//!   the request for later ones; otherwise the connection is closed without an answer;
//! - a keep-alive connection waiting for its next request is closed after `--idle-timeout`;
//! - [`guard`] refuses, with the documented error body, a request target longer than
//!   `--max-uri-len` (`414`), header fields larger than `--max-header-bytes` (`431`), and a
//!   request beyond `--max-in-flight` handled at once (`503`, load shedding rather than
//!   queueing);
//! - the collect body must arrive within `--body-timeout` (`408`; see `routes.rs`);
//! - each database read must finish within `--query-timeout` (`503 QueryTimeout`; see
//!   `db.rs`), and at most `--max-heavy` heavy list pages are read at once, others waiting up
//!   to `--heavy-wait` (then `503`; see `page.rs`).
//!
//! hyper itself still answers, below axum and so with an empty body, no `content-type` and no
//! `request-id`: `400` for a request line or header field it cannot parse, `414` for a request
//! target over 65,534 bytes, and `431` for more than 100 header fields or a head over about
//! 400 KB. It offers no hook to give these a body.
//!
//! On shutdown the server stops accepting, closes the connections that wait for a request head
//! (slow or idle), lets the others finish the request they are handling, and returns when all
//! are closed.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::rt::{Sleep, Timer};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use odata_filter::axum::ODataError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::{errors, AppState};

/// The limits on connections and requests; every field is a command-line option of the
/// example (flattened into [`Config`](crate::Config)).
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct Limits {
    /// Time a client has to send a request's head (request line and header fields), counted
    /// from the accept for a connection's first request, else from the request's first byte;
    /// the connection is then closed. Whole seconds (10, 10s) or milliseconds (500ms).
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// Time a keep-alive connection may wait for its next request before it is closed.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// Time a client has to send the body of a request that has one (the collect action), once
    /// its head has arrived; then the answer is 408 RequestTimeout.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Connections open at once; at the cap a new connection closes the one that has waited
    /// longest for a request head, or waits when all are busy. Keep it below the open-file
    /// limit (ulimit -n) less about 50.
    #[arg(long, default_value_t = 512, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Requests handled at once; more are refused at once with 503 ServiceUnavailable.
    #[arg(long, default_value_t = 256, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_in_flight: u32,

    /// Longest request target (path and query string), in bytes; longer is 414 UriTooLong.
    /// At most 65534 (hyper's own limit, which answers without a body).
    #[arg(long, default_value_t = 32_768, value_name = "BYTES",
          value_parser = clap::value_parser!(u32).range(1..=65_534))]
    pub max_uri_len: u32,

    /// Largest total size of a request's header fields (each counted as name, value and 4
    /// bytes), in bytes; larger is 431 RequestHeaderFieldsTooLarge. At most 262144 (below
    /// hyper's own limit, which answers without a body).
    #[arg(long, default_value_t = 32_768, value_name = "BYTES",
          value_parser = clap::value_parser!(u32).range(1..=262_144))]
    pub max_header_bytes: u32,

    /// Time each database read (a page, a count, an entity) may take, including the time the
    /// client takes to receive a streamed page; a longer read is stopped, and answered 503
    /// QueryTimeout (or its page cut, once sending has begun).
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub query_timeout: Duration,

    /// Heavy list requests (pages over 1000 rows, or ordered otherwise than by default) read
    /// at once; others wait up to --heavy-wait for a slot, then get 503 ServiceUnavailable.
    #[arg(long, default_value_t = 2, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_heavy: u32,

    /// Time a heavy list request waits for one of the --max-heavy slots.
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = parse_duration)]
    pub heavy_wait: Duration,
}

/// Parses a duration: whole seconds (`10`, `10s`) or milliseconds (`500ms`), not zero.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.strip_suffix("ms") {
        Some(number) => (number, Duration::from_millis(1)),
        None => (
            text.strip_suffix('s').unwrap_or(text),
            Duration::from_secs(1),
        ),
    };
    let n: u32 = number.parse().map_err(|_| {
        format!("'{text}' is not a duration; give whole seconds (10, 10s) or milliseconds (500ms)")
    })?;
    if n == 0 {
        return Err("a duration of 0 would end every wait at once".to_owned());
    }
    Ok(unit * n)
}

/// Serves `router` on `listener` within `limits` (see the `server` module) until `shutdown`
/// completes; then stops accepting, closes the connections waiting for a request head, lets
/// the requests in flight finish, and returns once every connection is closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
    let waiting = Arc::new(Waiting::default());
    let (closing, closed) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // E.g. out of file descriptors: wait for some to be closed.
                    eprintln!("accept error: {e}");
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // At the cap: the connection that has waited longest for a request head makes
                // room; without one, wait until a request ends and its connection closes.
                waiting.evict_oldest();
                tokio::select! {
                    () = &mut shutdown => break,
                    slot = slots.clone().acquire_owned() => slot.map_err(io::Error::other)?,
                }
            }
        };
        tokio::spawn(connection(
            stream,
            router.clone(),
            limits,
            slot,
            waiting.clone(),
            closed.clone(),
        ));
    }
    drop(listener);
    closing.send_replace(true);
    // What waits for a request head is not a request in flight: close it now, rather than at
    // its timeout. (hyper closes idle connections itself on `graceful_shutdown`.)
    waiting.evict_all();
    // Every open connection holds a slot.
    let _all = slots
        .acquire_many(limits.max_connections)
        .await
        .map_err(io::Error::other)?;
    Ok(())
}

/// Whether an accept error concerns only the connection being accepted.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection until it closes; holds its `_slot` of `--max-connections` until then,
/// and registers its waits for a request head in `waiting`.
async fn connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    _slot: OwnedSemaphorePermit,
    waiting: Arc<Waiting>,
    mut closing: watch::Receiver<bool>,
) {
    let read = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Counted {
        stream,
        read: read.clone(),
    });
    let service = service_fn(move |request: Request<Incoming>| router.clone().oneshot(request));
    let timer = HeadTimer {
        header: limits.header_timeout,
        idle: limits.idle_timeout,
        read,
        started: AtomicBool::new(false),
        waiting,
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(timer)
        .header_read_timeout(limits.header_timeout);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut shutting_down = false;
    loop {
        tokio::select! {
            // Errors (a timeout, a reset, a head hyper refused) end the connection; nobody
            // waits for them.
            _ = conn.as_mut() => break,
            changed = closing.changed(), if !shutting_down => {
                // The sender is dropped only after every connection has closed.
                shutting_down = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A TCP stream that counts the bytes read from it, for [`HeadTimer`].
struct Counted {
    /// The connection.
    stream: TcpStream,
    /// Bytes read so far.
    read: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            this.read.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// hyper's timer for one connection. hyper asks it for a deadline each time it starts waiting
/// for a request head, drops the deadline when the head is complete, and closes the connection
/// when the deadline passes first. hyper has a single header-read timeout, counted from the
/// end of the previous response, so this timer decides what the deadline is: `header` from now
/// for the first request of the connection; for later ones `idle` from now while no byte has
/// arrived, then `header` from the first byte; and at once when [`Waiting`] evicts it.
struct HeadTimer {
    /// `--header-timeout`.
    header: Duration,
    /// `--idle-timeout`.
    idle: Duration,
    /// Bytes read from the connection so far.
    read: Arc<AtomicU64>,
    /// Whether the first head's deadline was asked for.
    started: AtomicBool,
    /// Every connection's waits for a head.
    waiting: Arc<Waiting>,
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        TokioTimer::new().sleep(duration)
    }

    fn sleep_until(&self, _deadline: std::time::Instant) -> Pin<Box<dyn Sleep>> {
        let first = !self.started.swap(true, Ordering::Relaxed);
        let (idle_at, wait) = match first {
            true => (None, self.header),
            false => (Some(self.read.load(Ordering::Relaxed)), self.idle),
        };
        let (key, eviction) = self.waiting.add();
        Box::pin(HeadDeadline {
            read: self.read.clone(),
            idle_at,
            header: self.header,
            sleep: Box::pin(tokio::time::sleep(wait)),
            waiting: self.waiting.clone(),
            key,
            eviction,
        })
    }
}

/// The deadline of one request head (see [`HeadTimer`]).
struct HeadDeadline {
    /// Bytes read from the connection so far.
    read: Arc<AtomicU64>,
    /// While the connection is idle: the bytes read when it became idle.
    idle_at: Option<u64>,
    /// `--header-timeout`.
    header: Duration,
    /// Completes at the deadline.
    sleep: Pin<Box<tokio::time::Sleep>>,
    /// Where this wait is registered, under `key`.
    waiting: Arc<Waiting>,
    /// When the wait started, and its number.
    key: (Instant, u64),
    /// Set when the wait is evicted.
    eviction: Arc<Eviction>,
}

impl Future for HeadDeadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.eviction.check(cx.waker()) {
            return Poll::Ready(());
        }
        // hyper polls the deadline after each read that did not complete the head, so the
        // first byte of a request is seen here at once.
        if let Some(at) = this.idle_at {
            if this.read.load(Ordering::Relaxed) != at {
                this.idle_at = None;
                let deadline = Instant::now() + this.header;
                this.sleep.as_mut().reset(deadline);
            }
        }
        this.sleep.as_mut().poll(cx)
    }
}

impl Sleep for HeadDeadline {}

impl Drop for HeadDeadline {
    fn drop(&mut self) {
        self.waiting.remove(self.key);
    }
}

/// The waits for a request head of every connection (slow or idle clients), oldest first, so
/// that at the cap a new connection can close the connection that has waited longest.
#[derive(Default)]
struct Waiting {
    /// Numbers the waits, to tell apart those that started at the same instant.
    next: AtomicU64,
    /// The waits, and whether the server is shutting down.
    heads: Mutex<Heads>,
}

/// The state of [`Waiting`].
#[derive(Default)]
struct Heads {
    /// The waits by start and number.
    waits: BTreeMap<(Instant, u64), Arc<Eviction>>,
    /// Set when the server starts shutting down.
    closing: bool,
}

impl Waiting {
    /// Registers a wait starting now; once the server is shutting down, the wait is ended
    /// from the start (a head that has arrived whole is still served).
    fn add(&self) -> ((Instant, u64), Arc<Eviction>) {
        let key = (Instant::now(), self.next.fetch_add(1, Ordering::Relaxed));
        let eviction = Arc::new(Eviction::default());
        let mut heads = self.lock();
        match heads.closing {
            true => eviction.evict(),
            false => drop(heads.waits.insert(key, eviction.clone())),
        }
        (key, eviction)
    }

    /// Forgets the wait `key` (its head arrived, or it timed out).
    fn remove(&self, key: (Instant, u64)) {
        self.lock().waits.remove(&key);
    }

    /// Ends the oldest wait, if any, which closes its connection.
    fn evict_oldest(&self) {
        let oldest = self.lock().waits.pop_first();
        if let Some((_, eviction)) = oldest {
            eviction.evict();
        }
    }

    /// Ends every wait, now and from now on: the server is shutting down.
    fn evict_all(&self) {
        let all = {
            let mut heads = self.lock();
            heads.closing = true;
            std::mem::take(&mut heads.waits)
        };
        for eviction in all.values() {
            eviction.evict();
        }
    }

    /// The waits.
    fn lock(&self) -> std::sync::MutexGuard<'_, Heads> {
        self.heads.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The eviction of one wait for a request head: a flag, and the task to wake when it is set.
#[derive(Default)]
struct Eviction {
    /// Set by [`Eviction::evict`].
    evicted: AtomicBool,
    /// The task of the connection's last poll.
    waker: Mutex<Option<Waker>>,
}

impl Eviction {
    /// Sets the flag and wakes the connection's task.
    fn evict(&self) {
        self.evicted.store(true, Ordering::SeqCst);
        let waker = self.waker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the wait was evicted; remembers `waker` to be woken when it is.
    fn check(&self, waker: &Waker) -> bool {
        // The waker is stored before the flag is read, so an eviction between the two wakes
        // the task.
        *self.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(waker.clone());
        self.evicted.load(Ordering::SeqCst)
    }
}

/// `414 UriTooLong` with `message`.
pub fn uri_too_long(message: String) -> ODataError {
    ODataError::new(StatusCode::URI_TOO_LONG, "UriTooLong", message)
}

/// Middleware: refuses, with the documented error body, a request whose target is longer
/// than `--max-uri-len` (`414 UriTooLong`) or whose header fields are larger than
/// `--max-header-bytes` (`431 RequestHeaderFieldsTooLarge`), and a request that would exceed
/// `--max-in-flight` requests handled at once (`503 ServiceUnavailable`, `Retry-After: 1`).
/// Install it inside the `request_id` middleware and outside authentication.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let limits = &state.limits;
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > limits.max_uri_len as usize {
        return uri_too_long(format!(
            "The request target is {target} bytes long; at most {} bytes are accepted.",
            limits.max_uri_len
        ))
        .into_response();
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > limits.max_header_bytes as usize {
        return ODataError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "RequestHeaderFieldsTooLarge",
            format!(
                "The request's header fields take {header_bytes} bytes; at most {} bytes are \
                 accepted.",
                limits.max_header_bytes
            ),
        )
        .into_response();
    }
    let Ok(_slot) = state.in_flight.try_acquire() else {
        return errors::service_unavailable(1).into_response();
    };
    next.run(request).await
}
