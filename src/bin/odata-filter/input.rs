//! Reading records: NDJSON, JSON arrays and OData envelopes, from files or standard input.

use super::parallel::read_chunks;
use super::records::Record;
use super::sink::{Ctx, Flow, Mode, Sink};
use super::Failure;
use odata_filter::ndjson::Verdict;
use serde_json::value::RawValue;
use serde_json::Value as Json;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

/// Feeds the matching records of every input, in order, to `sink` until it says stop.
pub(super) fn for_each_input(
    files: &[PathBuf],
    ctx: &Ctx<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), Failure> {
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    for path in files {
        let flow = if path.as_os_str() == "-" {
            let r = BufReader::with_capacity(1 << 16, io::stdin());
            read_records("<stdin>", r, ctx, sink)?
        } else {
            let name = path.display().to_string();
            let file = File::open(path).map_err(|e| Failure::Input(format!("{name}: {e}")))?;
            read_records(&name, BufReader::with_capacity(1 << 16, file), ctx, sink)?
        };
        if flow == Flow::Stop {
            break;
        }
    }
    Ok(())
}

fn is_json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub(super) fn count_lines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// An error in one line of NDJSON: the line and the message, for `name:line: message`.
#[derive(Debug)]
pub(super) struct LineError {
    pub(super) line: usize,
    message: String,
}

impl LineError {
    pub(super) fn into_failure(self, name: &str) -> Failure {
        Failure::Input(format!("{name}:{}: {}", self.line, self.message))
    }
}

/// Reads one input: NDJSON line by line, or, when it starts with `[` or its
/// first record spans several lines, as one JSON document (or a sequence of
/// documents) in memory.
fn read_records<R: BufRead + Send>(
    name: &str,
    mut r: R,
    ctx: &Ctx<'_>,
    sink: &mut Sink<'_>,
) -> Result<Flow, Failure> {
    let io_fail = |line: usize, e: io::Error| Failure::Input(format!("{name}:{line}: {e}"));
    let mut line = 1;
    // Skip a UTF-8 byte order mark, then blank lines, to find the first byte.
    let buf = r.fill_buf().map_err(|e| io_fail(line, e))?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        r.consume(3);
    }
    let first = loop {
        let buf = r.fill_buf().map_err(|e| io_fail(line, e))?;
        if buf.is_empty() {
            return Ok(Flow::Continue);
        }
        match buf.iter().position(|&b| !is_json_space(b)) {
            Some(i) => {
                let first = buf[i];
                // Consume whole lines only, so that columns stay right.
                let whole = buf[..i]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |j| j + 1);
                line += count_lines(&buf[..whole]);
                r.consume(whole);
                break first;
            }
            None => {
                let n = buf.len();
                line += count_lines(buf);
                r.consume(n);
            }
        }
    };
    if first == b'[' {
        let mut doc = Vec::new();
        r.read_to_end(&mut doc).map_err(|e| io_fail(line, e))?;
        return read_document(name, line, &doc, ctx, sink);
    }
    // The first record, which may be a pretty-printed document.
    let mut buf = Vec::new();
    read_line(&mut r, &mut buf, ctx.max_line).map_err(|e| io_fail(line, e))?;
    let text = trim_line(&buf);
    let lazy = ctx.verdict(text);
    if lazy == Verdict::Unknown {
        match raw_json(text) {
            Ok(value) => {
                let flow = emit(
                    value,
                    ctx,
                    &mut |record| sink.take(ctx, record).map_err(|f| f.at(name, line)),
                    |message| LineError { line, message }.into_failure(name),
                )?;
                if flow == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Err(e) if e.is_eof() => {
                // A pretty-printed document (an envelope, say): read it whole.
                let mut doc = std::mem::take(&mut buf);
                r.read_to_end(&mut doc).map_err(|e| io_fail(line, e))?;
                return read_document(name, line, &doc, ctx, sink);
            }
            Err(e) => return Err(Failure::Input(format!("{name}:{line}: {e}"))),
        }
    } else if take_verdict(lazy, text, ctx, sink).map_err(|f| f.at(name, line))? == Flow::Stop {
        return Ok(Flow::Stop);
    }
    line += 1;
    if ctx.mode != Mode::Sort {
        return read_chunks(name, line, r, ctx, sink);
    }
    loop {
        buf.clear();
        if read_line(&mut r, &mut buf, ctx.max_line).map_err(|e| io_fail(line, e))? == 0 {
            return Ok(Flow::Continue);
        }
        let flow = ndjson_line(&buf, line, ctx, &mut |m| match m {
            Match::Line(l) => sink.take_line(l),
            Match::Record(record) => sink.take(ctx, record),
        })
        .map_err(|e| match e {
            Stop::Line(e) => e.into_failure(name),
            Stop::Sink(f) => f.at(name, line),
        })?;
        if flow == Flow::Stop {
            return Ok(Flow::Stop);
        }
        line += 1;
    }
}

/// Appends the next line of `r`, with its `\n`, to `buf`; how many bytes. A line of more
/// than `max` bytes (besides the `\n`) is an error, read no further.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let n = r.by_ref().take(limit).read_until(b'\n', buf)?;
    if n > max && buf.last() != Some(&b'\n') {
        return Err(line_too_long(max));
    }
    Ok(n)
}

/// The error for a line longer than `--max-line-bytes`.
pub(super) fn line_too_long(max: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a line is longer than {max} bytes (raise --max-line-bytes to read it)"),
    )
}

/// A line without its trailing `\n` and `\r` characters.
fn trim_line(mut text: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = text {
        text = rest;
    }
    text
}

/// Takes a line the line filter decided (`Accept` or `Reject`).
fn take_verdict(
    lazy: Verdict,
    text: &[u8],
    ctx: &Ctx<'_>,
    sink: &mut Sink<'_>,
) -> Result<Flow, Failure> {
    match lazy {
        Verdict::Accept if ctx.takes_lines() => sink.take_line(text),
        Verdict::Accept => {
            let record = read_accepted(text).map_err(Failure::Input)?;
            sink.take(ctx, record)
        }
        _ => Ok(Flow::Continue),
    }
}

/// A line the line filter accepted, read as a record. Its verdict stands: the line filter
/// reads a Decimal member's digits exactly, where the parsed value may have lost some.
fn read_accepted(text: &[u8]) -> Result<Record, String> {
    // Cannot fail: the line filter accepts only valid JSON objects of valid UTF-8, so the
    // line is parsed once, with no raw pass before it.
    let text = std::str::from_utf8(text).map_err(|e| format!("a line the filter accepted: {e}"))?;
    Record::read(text)
}

/// A matching record found in a line: the line itself, when it needs no parsing, or read.
pub(super) enum Match<'l> {
    Line(&'l [u8]),
    Record(Record),
}

/// Why [`ndjson_line`] stopped.
pub(super) enum Stop<E> {
    /// The line is not JSON, or holds something other than records.
    Line(LineError),
    /// The consumer of the matches failed.
    Sink(E),
}

/// Handles one NDJSON line (not the first of its input), numbered `line`: passes its
/// matching records to `take` (lines only when `take` can use them: see [`Ctx::takes_lines`]).
pub(super) fn ndjson_line<'l, E>(
    raw: &'l [u8],
    line: usize,
    ctx: &Ctx<'_>,
    take: &mut dyn FnMut(Match<'l>) -> Result<Flow, E>,
) -> Result<Flow, Stop<E>> {
    if raw.strip_suffix(b"\n").unwrap_or(raw).len() > ctx.max_line {
        let message = line_too_long(ctx.max_line).to_string();
        return Err(Stop::Line(LineError { line, message }));
    }
    let text = trim_line(raw);
    if text.iter().all(|&b| is_json_space(b)) {
        return Ok(Flow::Continue);
    }
    let lazy = ctx.verdict(text);
    match lazy {
        Verdict::Reject => Ok(Flow::Continue),
        Verdict::Accept if ctx.takes_lines() => take(Match::Line(text)).map_err(Stop::Sink),
        Verdict::Accept => match read_accepted(text) {
            Ok(record) => take(Match::Record(record)).map_err(Stop::Sink),
            Err(message) => Err(Stop::Line(LineError { line, message })),
        },
        Verdict::Unknown => match raw_json(text) {
            Ok(value) => {
                let mut failed = None;
                let flow = emit(
                    value,
                    ctx,
                    &mut |record| match take(Match::Record(record)) {
                        Ok(flow) => Ok(flow),
                        Err(e) => {
                            failed = Some(e);
                            Ok(Flow::Stop)
                        }
                    },
                    |message| LineError { line, message },
                )
                .map_err(Stop::Line)?;
                match failed {
                    Some(e) => Err(Stop::Sink(e)),
                    None => Ok(flow),
                }
            }
            Err(e) => Err(Stop::Line(LineError {
                line,
                message: e.to_string(),
            })),
        },
    }
}

/// Reads `doc`, which starts at line `first_line` of the input, as a sequence
/// of JSON values separated by white space.
fn read_document(
    name: &str,
    first_line: usize,
    doc: &[u8],
    ctx: &Ctx<'_>,
    sink: &mut Sink<'_>,
) -> Result<Flow, Failure> {
    let mut values = serde_json::Deserializer::from_slice(doc).into_iter::<&RawValue>();
    loop {
        let before = values.byte_offset();
        match values.next() {
            None => return Ok(Flow::Continue),
            Some(Ok(value)) => {
                let skipped = doc[before..]
                    .iter()
                    .position(|&b| !is_json_space(b))
                    .map_or(doc.len(), |i| before + i);
                let line = first_line + count_lines(&doc[..skipped]);
                let flow = emit(
                    value,
                    ctx,
                    &mut |record| sink.take(ctx, record).map_err(|f| f.at(name, line)),
                    |message| LineError { line, message }.into_failure(name),
                )?;
                if flow == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Some(Err(e)) => {
                // The first error, as serde_json words it when reading values.
                let e = serde_json::Deserializer::from_slice(doc)
                    .into_iter::<Json>()
                    .find_map(Result::err)
                    .unwrap_or(e);
                let line = first_line + e.line().saturating_sub(1);
                let text = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let message = text.strip_suffix(&suffix).unwrap_or(&text);
                return Err(Failure::Input(format!(
                    "{name}:{line}: {message} at line {line} column {}",
                    e.column()
                )));
            }
        }
    }
}

/// One JSON text, as its own text. An error is worded as serde_json words it when reading a
/// value (its raw reader says "key must be a string" for a trailing comma, say).
fn raw_json(text: &[u8]) -> Result<&RawValue, serde_json::Error> {
    serde_json::from_slice::<&RawValue>(text)
        .map_err(|e| serde_json::from_slice::<Json>(text).err().unwrap_or(e))
}

/// Passes the records in one top-level JSON value (a record, an array of records or an
/// envelope), given as its text, that match the filter to `take`; `fail` makes the error for
/// a value that is not a record or cannot be read.
fn emit<E>(
    value: &RawValue,
    ctx: &Ctx<'_>,
    take: &mut dyn FnMut(Record) -> Result<Flow, E>,
    fail: impl Fn(String) -> E,
) -> Result<Flow, E> {
    let items = odata_filter::records::split(value).map_err(|e| fail(e.to_string()))?;
    let single = items.len() == 1 && std::ptr::eq(items[0], value);
    for (i, item) in items.into_iter().enumerate() {
        let record = Record::read(item.get()).map_err(|e| {
            if single {
                fail(e)
            } else {
                fail(format!("item {} of the array: {e}", i + 1))
            }
        })?;
        if !ctx.keeps(&record) {
            continue;
        }
        if take(record)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}
