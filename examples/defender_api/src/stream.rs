//! Streamed response bodies: a blocking reader writes a page in chunks through a bounded channel.
//!
//! A list page can be 10,000 records (about 5.5 MB of JSON). Instead of building the whole body
//! in memory, the reader ([`Writer`], in the blocking task that holds the database connection)
//! sends it in chunks of about [`CHUNK_BYTES`], at most [`CHUNKS_AHEAD`] ahead of the client, so
//! a response holds a few hundred kilobytes whatever its size. The reader waits for a slow
//! client only until the read's deadline (`--query-timeout`), and stops as soon as the client
//! is gone.
//!
//! [`respond`] waits for the first chunk: an error before it is answered with a status and the
//! documented error body; a page that fits in one chunk is sent with a `content-length`, as
//! before; a longer one is sent chunked, and an error after its first chunk can only cut it
//! (the connection is closed before the end of the body, so the client sees it is incomplete).

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Frame;
use odata_filter::axum::RequestId;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::db::{Budget, Cancel, DbError};

/// The size at which the reader sends what it has written.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Chunks the reader may send before the client has taken them.
const CHUNKS_AHEAD: usize = 4;

/// What the reader sends: part of the body, its last part, or the error that ended it.
type Item = Result<Chunk, DbError>;

/// A part of the body.
enum Chunk {
    /// More follows.
    More(Bytes),
    /// The end of the body.
    Last(Bytes),
}

/// The reader's end of the channel: makes the [`Writer`], and hands over the error that ended
/// the read.
#[derive(Clone)]
pub struct Sender(mpsc::Sender<Item>);

/// The response's end of the channel, for [`respond`].
pub struct Reader(mpsc::Receiver<Item>);

/// A channel for one page.
pub fn channel() -> (Sender, Reader) {
    let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
    (Sender(tx), Reader(rx))
}

impl Sender {
    /// The writer of a read within `budget`.
    pub fn writer(self, budget: &Budget) -> Writer {
        Writer {
            buf: Vec::with_capacity(CHUNK_BYTES + 4096),
            tx: self.0,
            budget: budget.clone(),
        }
    }

    /// Hands the error that ended the read to the response, without waiting: the channel has
    /// room for it before the first chunk, and after it a missing end cuts the body all the
    /// same.
    pub fn fail(&self, error: DbError) {
        let _ = self.0.try_send(Err(error));
    }
}

/// Buffers what the page writes and sends it in chunks, in the blocking reader.
pub struct Writer {
    /// Written, not yet sent.
    buf: Vec<u8>,
    /// To the response body.
    tx: mpsc::Sender<Item>,
    /// The read's budget: its deadline also bounds the waits for the client.
    budget: Budget,
}

impl Writer {
    /// Appends `text` to the body; sends a chunk once [`CHUNK_BYTES`] are written.
    pub fn push(&mut self, text: &str) -> Result<(), DbError> {
        self.buf.extend_from_slice(text.as_bytes());
        match self.buf.len() >= CHUNK_BYTES {
            true => {
                let chunk = Bytes::from(std::mem::take(&mut self.buf));
                self.buf.reserve(CHUNK_BYTES + 4096);
                self.send(Ok(Chunk::More(chunk)))
            }
            false => Ok(()),
        }
    }

    /// Ends the body with what is written.
    pub fn finish(mut self) -> Result<(), DbError> {
        let last = Bytes::from(std::mem::take(&mut self.buf));
        self.send(Ok(Chunk::Last(last)))
    }

    /// Sends `item`, waiting for the client to take earlier chunks until the deadline.
    fn send(&self, item: Item) -> Result<(), DbError> {
        let deadline = tokio::time::Instant::from_std(self.budget.deadline());
        // The reader runs in `spawn_blocking`, where blocking on the runtime is allowed.
        match Handle::current().block_on(tokio::time::timeout_at(deadline, self.tx.send(item))) {
            Ok(Ok(())) => Ok(()),
            // The response body was dropped: the client is gone.
            Ok(Err(_)) => Err(DbError::Cancelled),
            Err(_) => Err(self.budget.stop_reason()),
        }
    }
}

/// The response for a page being written to `reader` (see the [module](self)): `200` with
/// the body, or the error the read ended with before its first chunk. `cancel` stops the
/// read when the response (or its body) is dropped; an error after the first chunk is logged
/// with the request `id`.
pub async fn respond(reader: Reader, cancel: Cancel, id: RequestId) -> Result<Response, DbError> {
    let Reader(mut rx) = reader;
    let first = match rx.recv().await {
        Some(item) => item?,
        None => return Err(DbError::Task("the reader ended without a page".to_owned())),
    };
    let json = [(CONTENT_TYPE, HeaderValue::from_static("application/json"))];
    Ok(match first {
        Chunk::Last(body) => (StatusCode::OK, json, body).into_response(),
        Chunk::More(first) => {
            let body = Streamed {
                first: Some(first),
                rx,
                done: false,
                _cancel: cancel,
                id,
            };
            (StatusCode::OK, json, Body::new(body)).into_response()
        }
    })
}

/// A body that yields the chunks of a [`Writer`].
struct Streamed {
    /// The chunk [`respond`] has read already.
    first: Option<Bytes>,
    /// The rest.
    rx: mpsc::Receiver<Item>,
    /// Whether the last chunk was yielded.
    done: bool,
    /// Stops the read when the body is dropped (the client is gone).
    _cancel: Cancel,
    /// The request, for the log.
    id: RequestId,
}

impl Streamed {
    /// Logs why the page is cut, unless the client is gone anyway.
    fn cut(&mut self, error: DbError) -> DbError {
        self.done = true;
        if !matches!(error, DbError::Cancelled) {
            eprintln!("[{}] list: the page was cut: {error}", self.id);
        }
        error
    }
}

impl hyper::body::Body for Streamed {
    type Data = Bytes;
    type Error = DbError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, DbError>>> {
        let this = self.get_mut();
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        if this.done {
            return Poll::Ready(None);
        }
        let item = match this.rx.poll_recv(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(item) => item,
        };
        Poll::Ready(match item {
            Some(Ok(Chunk::More(bytes))) => Some(Ok(Frame::data(bytes))),
            Some(Ok(Chunk::Last(bytes))) => {
                this.done = true;
                Some(Ok(Frame::data(bytes)))
            }
            // An error after the first chunk ends the body early: hyper closes the connection.
            Some(Err(e)) => Some(Err(this.cut(e))),
            None => Some(Err(
                this.cut(DbError::Task("the reader ended early".to_owned()))
            )),
        })
    }

    fn is_end_stream(&self) -> bool {
        self.done && self.first.is_none()
    }
}
