//! The query, compiled for records and NDJSON lines, and the sinks where matching records go.

use super::parallel::ChunkOut;
use super::records::{write_record, Record};
use super::Failure;
use odata_filter::eval::Predicate;
use odata_filter::ndjson::{write_compact, LineFilter, Verdict};
use odata_filter::query::{Pager, Query};
use odata_filter::schema::EntitySchema;
use odata_filter::sql;
use std::io::{self, Write};

/// The query, compiled for whole records and for raw NDJSON lines.
pub(super) struct Ctx<'q> {
    pub(super) query: &'q Query,
    pub(super) predicate: Option<&'q Predicate>,
    pub(super) lines: LineFilter,
    /// Test lines with `lines` before parsing them (`ODATA_FILTER_LAZY=0` turns this off, to
    /// compare with parsing every record).
    pub(super) lazy: bool,
    pub(super) mode: Mode,
    /// Worker threads for NDJSON input (1: read on the main thread).
    pub(super) threads: usize,
    /// `--max-line-bytes`.
    pub(super) max_line: usize,
}

/// What the command does with matching records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Count,
    Print,
    Sort,
}

/// Where matching records go.
pub(super) enum Sink<'a> {
    /// `--count`: count them.
    Count(u64),
    /// Print them in input order, after skipping `skip`, stopping after `left`.
    Print {
        out: &'a mut dyn Write,
        skip: u64,
        left: Option<u64>,
    },
    /// `--engine sqlite`: the `INSERT` of every record, each made as the record is read, so
    /// that one the table cannot hold is reported where it is.
    Collect(&'a EntitySchema, Vec<sql::SqlQuery>),
    /// With `$orderby`: the page, pruned as records come.
    Sort(Pager<Record, RecordValue>),
}

/// Whether to keep reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    Stop,
}

impl Sink<'_> {
    /// Counts a match, or prints it unless it is skipped: `print` writes it. Stops after `$top`.
    fn take_with(
        &mut self,
        print: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<Flow, Failure> {
        match self {
            Sink::Count(n) => {
                *n += 1;
                Ok(Flow::Continue)
            }
            Sink::Print { out, skip, left } => {
                if *skip > 0 {
                    *skip -= 1;
                    return Ok(Flow::Continue);
                }
                print(&mut **out).map_err(Failure::output)?;
                match left {
                    Some(n) => {
                        *n -= 1;
                        Ok(if *n == 0 { Flow::Stop } else { Flow::Continue })
                    }
                    None => Ok(Flow::Continue),
                }
            }
            Sink::Sort(_) | Sink::Collect(..) => {
                unreachable!("sorted and collected input is taken as records")
            }
        }
    }

    /// A matching line (without its terminator) that needs no parsing: see [`Ctx::takes_lines`].
    pub(super) fn take_line(&mut self, line: &[u8]) -> Result<Flow, Failure> {
        self.take_with(|out| {
            let mut text = Vec::with_capacity(line.len() + 1);
            write_compact(line, &mut text);
            text.push(b'\n');
            out.write_all(&text)
        })
    }

    /// A matching record.
    pub(super) fn take(&mut self, ctx: &Ctx<'_>, record: Record) -> Result<Flow, Failure> {
        match self {
            Sink::Collect(schema, all) => {
                // Each record's own text: what is printed is what was read.
                let insert = sql::insert_sql(
                    schema,
                    schema.entity_set(),
                    &record.text,
                    &sql::SqliteDialect,
                )
                .map_err(|e| Failure::Record(format!("--engine sqlite: {e}")))?;
                all.push(insert);
                Ok(Flow::Continue)
            }
            Sink::Sort(pager) => {
                pager.push(record);
                Ok(Flow::Continue)
            }
            Sink::Count(_) => self.take_with(|_| Ok(())),
            Sink::Print { .. } => {
                let mut line = Vec::new();
                write_record(&mut line, ctx.query, &record.text);
                self.take_with(|out| out.write_all(&line))
            }
        }
    }

    /// The matches of one chunk of lines, found by a worker.
    pub(super) fn take_chunk(&mut self, chunk: &ChunkOut) -> Result<Flow, Failure> {
        match self {
            Sink::Count(n) => {
                *n += chunk.matches;
                Ok(Flow::Continue)
            }
            Sink::Print {
                out,
                skip: 0,
                left: None,
            } => {
                out.write_all(&chunk.bytes).map_err(Failure::output)?;
                Ok(Flow::Continue)
            }
            Sink::Print { .. } => {
                let mut from = 0;
                for &end in &chunk.ends {
                    let record = &chunk.bytes[from..end];
                    from = end;
                    if self.take_with(|out| out.write_all(record))? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                Ok(Flow::Continue)
            }
            Sink::Sort(_) | Sink::Collect(..) => {
                unreachable!("sorted and collected input is read on one thread")
            }
        }
    }
}

impl Ctx<'_> {
    /// The line filter's verdict on `text`.
    pub(super) fn verdict(&self, text: &[u8]) -> Verdict {
        if !self.lazy {
            return Verdict::Unknown;
        }
        self.lines.test(text)
    }

    /// Whether the filter accepts `record`: decided on its text by the line filter where it
    /// can (so a Decimal member's digits are read as written, as on the NDJSON fast path),
    /// otherwise by the predicate on its parsed value.
    pub(super) fn keeps(&self, record: &Record) -> bool {
        match self.verdict(record.text.as_bytes()) {
            Verdict::Accept => true,
            Verdict::Reject => false,
            Verdict::Unknown => self.query.matches(self.predicate, &record.value),
        }
    }

    /// Whether a matching line can be taken unparsed: always when counting; when printing,
    /// if there is no `$select`; never when sorting.
    pub(super) fn takes_lines(&self) -> bool {
        match self.mode {
            Mode::Count => true,
            Mode::Print => self.query.select.is_none(),
            Mode::Sort => false,
        }
    }
}

/// How the pager finds a record's value to sort by.
pub(super) type RecordValue = fn(&Record) -> &serde_json::Value;
