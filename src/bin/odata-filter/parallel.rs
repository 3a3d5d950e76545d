//! NDJSON on several threads: chunks of whole lines, filtered by workers, delivered in order.

use super::input::{count_lines, line_too_long, ndjson_line, LineError, Match, Stop};
use super::records::write_record;
use super::sink::{Ctx, Flow, Mode, Sink};
use super::Failure;
use odata_filter::ndjson::write_compact;
use std::io::{self, BufRead, Read};
use std::sync::{mpsc, Mutex};

/// Bytes of whole lines per chunk handed to a worker.
const CHUNK: usize = 1 << 20;

/// What a worker found in one chunk of lines.
#[derive(Debug, Default)]
pub(super) struct ChunkOut {
    /// The matching records, one line each (when printing).
    pub(super) bytes: Vec<u8>,
    /// The end of each record in `bytes` (when printing with `$skip` or `$top`).
    pub(super) ends: Vec<usize>,
    /// The number of matching records.
    pub(super) matches: u64,
    /// The number of lines in the chunk.
    lines: usize,
    /// The first bad line, numbered from 0 within the chunk; the matches before it are kept.
    error: Option<LineError>,
}

/// Finds the matching records of `chunk`, whole lines of NDJSON.
fn process_chunk(chunk: &[u8], ctx: &Ctx<'_>) -> ChunkOut {
    let mut out = ChunkOut {
        lines: count_lines(chunk) + usize::from(!chunk.ends_with(b"\n")),
        ..ChunkOut::default()
    };
    let printing = ctx.mode == Mode::Print;
    let paged = ctx.query.skip > 0 || ctx.query.top.is_some();
    let mut start = 0;
    let mut line = 0;
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |i| start + i + 1);
        let raw = &chunk[start..end];
        start = end;
        let taken = ndjson_line(raw, line, ctx, &mut |m| {
            out.matches += 1;
            if printing {
                match m {
                    Match::Line(l) => {
                        write_compact(l, &mut out.bytes);
                        out.bytes.push(b'\n');
                    }
                    Match::Record(record) => write_record(&mut out.bytes, ctx.query, &record.text),
                }
                if paged {
                    out.ends.push(out.bytes.len());
                }
            }
            Ok::<_, std::convert::Infallible>(Flow::Continue)
        });
        if let Err(Stop::Line(e)) = taken {
            out.error = Some(e);
            break;
        }
        line += 1;
    }
    out
}

/// Reads the next chunk: `carry` (the unfinished line of the previous chunk) and more input
/// up to about [`CHUNK`] bytes, cut after the last complete line; `None` at the end.
fn next_chunk(
    r: &mut impl Read,
    carry: &mut Vec<u8>,
    mut buf: Vec<u8>,
    max_line: usize,
) -> io::Result<Option<Vec<u8>>> {
    buf.clear();
    buf.append(carry);
    loop {
        let have = buf.len();
        if have >= CHUNK {
            if let Some(i) = memchr::memrchr(b'\n', &buf) {
                carry.extend_from_slice(&buf[i + 1..]);
                buf.truncate(i + 1);
                return Ok(Some(buf));
            }
        }
        let want = (CHUNK + CHUNK / 4).max(have + CHUNK / 4);
        let n = r
            .by_ref()
            .take((want - have) as u64)
            .read_to_end(&mut buf)?;
        if n == 0 {
            return Ok((!buf.is_empty()).then_some(buf));
        }
        // The unfinished line must stay within the limit.
        let tail = buf.len() - memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
        if tail > max_line {
            return Err(line_too_long(max_line));
        }
    }
}

/// Reads the rest of an NDJSON input, from line `first_line`, in chunks of whole lines. With
/// more than one of [`Ctx::threads`], a reader thread cuts the input into chunks, the workers
/// find the matches of each chunk, and this thread passes them to `sink` in input order. At
/// most a few chunks are in flight, so memory stays bounded whatever the input's size.
pub(super) fn read_chunks<R: BufRead + Send>(
    name: &str,
    first_line: usize,
    mut r: R,
    ctx: &Ctx<'_>,
    sink: &mut Sink<'_>,
) -> Result<Flow, Failure> {
    let io_fail = |line: usize, e: io::Error| Failure::Input(format!("{name}:{line}: {e}"));
    let mut carry = Vec::new();
    let Some(first) = next_chunk(&mut r, &mut carry, Vec::new(), ctx.max_line)
        .map_err(|e| io_fail(first_line, e))?
    else {
        return Ok(Flow::Continue);
    };
    let mut line = first_line;
    // Deliver one chunk's matches; `Ok(None)` to go on.
    let mut deliver = |out: ChunkOut, sink: &mut Sink<'_>| -> Result<Option<Flow>, Failure> {
        if sink.take_chunk(&out)? == Flow::Stop {
            return Ok(Some(Flow::Stop));
        }
        if let Some(mut e) = out.error {
            e.line += line;
            return Err(e.into_failure(name));
        }
        line += out.lines;
        Ok(None)
    };
    if carry.is_empty() && first.len() < CHUNK {
        // Small input: no threads.
        return Ok(deliver(process_chunk(&first, ctx), sink)?.unwrap_or(Flow::Continue));
    }
    let workers = ctx.threads;
    if workers == 1 {
        let mut chunk = Some(first);
        while let Some(data) = chunk {
            if let Some(flow) = deliver(process_chunk(&data, ctx), sink)? {
                return Ok(flow);
            }
            chunk = next_chunk(&mut r, &mut carry, data, ctx.max_line)
                .map_err(|e| Failure::Input(format!("{name}: {e}")))?;
        }
        return Ok(Flow::Continue);
    }
    let (job_tx, job_rx) = mpsc::sync_channel::<(Vec<u8>, mpsc::SyncSender<ChunkOut>)>(workers);
    let job_rx = Mutex::new(job_rx);
    let (order_tx, order_rx) = mpsc::sync_channel::<mpsc::Receiver<ChunkOut>>(2 * workers + 2);
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (job_rx, spare_tx) = (&job_rx, spare_tx.clone());
            scope.spawn(move || loop {
                let job = job_rx
                    .lock()
                    .map_err(drop)
                    .and_then(|rx| rx.recv().map_err(drop));
                let Ok((chunk, reply)) = job else { break };
                let out = process_chunk(&chunk, ctx);
                let _ = spare_tx.send(chunk);
                if reply.send(out).is_err() {
                    break;
                }
            });
        }
        drop(spare_tx);
        let reader = scope.spawn(move || -> io::Result<()> {
            let mut chunk = Some(first);
            while let Some(data) = chunk {
                let (reply_tx, reply_rx) = mpsc::sync_channel(1);
                if order_tx.send(reply_rx).is_err() || job_tx.send((data, reply_tx)).is_err() {
                    return Ok(()); // the consumer stopped
                }
                let spare = spare_rx.try_recv().unwrap_or_default();
                chunk = next_chunk(&mut r, &mut carry, spare, ctx.max_line)?;
            }
            Ok(())
        });
        let mut result = Ok(Flow::Continue);
        for reply in order_rx.iter() {
            let Ok(out) = reply.recv() else { break };
            match deliver(out, sink) {
                Ok(None) => {}
                Ok(Some(flow)) => {
                    result = Ok(flow);
                    break;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // Stop the reader and the workers, if they still run.
        drop(order_rx);
        let read = reader.join().expect("the reader thread does not panic");
        match (result, read) {
            (Err(e), _) => Err(e),
            (Ok(Flow::Stop), _) => Ok(Flow::Stop),
            (Ok(_), Err(e)) => Err(Failure::Input(format!("{name}: {e}"))),
            (Ok(flow), Ok(())) => Ok(flow),
        }
    })
}
