//! The `odata-filter` command: runs an OData `$filter` or query string over JSON records.

use clap::builder::PossibleValuesParser;
use clap::{ArgGroup, Parser};
use odata_filter::eval::Predicate;
use odata_filter::ndjson::{write_compact, LineFilter, Verdict};
use odata_filter::query::{Query, QueryOptions, DEFAULT_MAX_TOP};
use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::sql;
use serde_json::value::RawValue;
use serde_json::Value as Json;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Mutex};

/// The default of `--max-line-bytes`.
const DEFAULT_MAX_LINE_BYTES: usize = 256 << 20;

const ABOUT: &str = "Run an OData $filter or query string over JSON records, or check it.";

const LONG_ABOUT: &str = "\
Run an OData $filter or query string over JSON records, or check it.

Records are read from the FILEs in order, or from standard input when there is no FILE or a FILE \
is '-'. Each input may be NDJSON (one record per line), a JSON array of records, or an OData \
envelope {\"value\": [...]}; the format is detected automatically. Matching records are printed \
as NDJSON, in input order unless the query has an explicit $orderby.

NDJSON is filtered without parsing the records the filter rejects, on all cores (ODATA_FILTER_THREADS=N sets the number of threads).

Exit status: 0 on success, 1 when an input cannot be read or parsed, 2 for an invalid query or \
usage.";

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "odata-filter", version, about = ABOUT, long_about = LONG_ABOUT)]
#[command(group(ArgGroup::new("entity_schema").required(true).args(["entity", "schema"])))]
struct Cli {
    /// A built-in Defender for Endpoint entity to check the query against: the records are
    /// of this entity type.
    #[arg(
        long,
        value_name = "NAME",
        ignore_case = true,
        value_parser = PossibleValuesParser::new(catalog::NAMES.iter().copied())
    )]
    entity: Option<String>,

    /// A JSON entity schema file to use instead of --entity.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,

    /// A $filter expression, as plain text (not URL-encoded). It may start with '-'
    /// (--filter '-1 lt count').
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "query",
        allow_hyphen_values = true
    )]
    filter: Option<String>,

    /// A raw URL query string ($filter, $top, $skip, $orderby, $select, $count, $expand),
    /// percent-decoded with '+' as a space.
    #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
    query: Option<String>,

    /// Print only the number of records matching $filter (ignores $top, $skip, $orderby).
    #[arg(long, conflicts_with = "check")]
    count: bool,

    /// Check the query and print its canonical form; read no records.
    #[arg(long)]
    check: bool,

    /// The largest $top accepted.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_TOP)]
    max_top: u64,

    /// The longest input line read, in bytes (256 MiB by default): a longer line is an input
    /// error (exit status 1), so that input without line breaks cannot exhaust memory.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE_BYTES)]
    max_line_bytes: usize,

    /// Print the SQL for the query as {"sql": "...", "params": [...]} and read no records
    /// (with --count, the COUNT statement). The table is named after the entity set.
    #[arg(long, value_name = "DIALECT", value_parser = ["postgres", "postgresql", "sqlite", "mysql", "mariadb", "mssql", "sqlserver"], conflicts_with = "check")]
    sql: Option<String>,

    /// How to answer the query: in memory, or by loading the records into an in-memory
    /// SQLite table and running the generated SQL (the output is the same).
    #[arg(long, value_name = "ENGINE", value_enum, default_value_t = Engine::Memory)]
    engine: Engine,

    /// Input files (NDJSON, JSON array or {"value": [...]}); '-' or none for standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Where queries run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Engine {
    /// Filter, sort and page in memory, streaming when there is no $orderby.
    Memory,
    /// Load the records into an in-memory SQLite table and run the generated SQL.
    Sqlite,
}

/// Why the command stopped early.
#[derive(Debug)]
enum Failure {
    /// An invalid query, schema or usage: exit status 2. The message is complete.
    Usage(String),
    /// An input that cannot be read or parsed, or output that cannot be
    /// written: exit status 1. The message follows `error: `.
    Input(String),
    /// The reader of our output went away: stop quietly, successfully.
    BrokenPipe,
    /// A record that was read but cannot be taken (`--engine sqlite` cannot store it): exit
    /// status 1 once [`Failure::at`] has said where the record is.
    Record(String),
}

impl Failure {
    /// The failure, with a [`Failure::Record`] placed at `name:line` (the record's first line).
    fn at(self, name: &str, line: usize) -> Failure {
        match self {
            Failure::Record(message) => Failure::Input(format!("{name}:{line}: {message}")),
            other => other,
        }
    }

    fn output(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Input(format!("writing output: {e}"))
        }
    }
}

impl From<odata_filter::Error> for Failure {
    fn from(e: odata_filter::Error) -> Failure {
        Failure::Usage(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) | Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprint!("{message}");
            if !message.ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(2)
        }
        // A record failure is always placed (`Failure::at`) before it gets here.
        Err(Failure::Input(message) | Failure::Record(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn load_schema(cli: &Cli) -> Result<EntitySchema, Failure> {
    if let Some(path) = &cli.schema {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
        return EntitySchema::from_json_str(&text)
            .map_err(|e| Failure::Usage(format!("error: {}: {e}\n", path.display())));
    }
    let name = cli.entity.as_deref().unwrap_or_default();
    catalog::by_name(name).ok_or_else(|| {
        Failure::Usage(format!(
            "error: unknown entity '{name}' (known: {})\n",
            catalog::NAMES.join(", ")
        ))
    })
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let schema = load_schema(cli)?;
    let options = QueryOptions::new().max_top(cli.max_top);
    let query = match (&cli.query, &cli.filter) {
        (Some(raw), _) => {
            let (query, rest) = options.parse(&schema, raw)?;
            for (name, _) in rest {
                eprintln!("warning: ignoring query parameter '{name}' (only $ options apply)");
            }
            query
        }
        (None, Some(filter)) => options.filter_query(&schema, filter)?,
        (None, None) => Query::default(),
    };

    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    if let Some(dialect) = &cli.sql {
        sql_text(cli, dialect, &schema, &query, &mut out)?;
        return out.flush().map_err(Failure::output);
    }
    if cli.engine == Engine::Sqlite && !cli.check {
        sqlite_engine(cli, &schema, &query, &mut out)?;
        return out.flush().map_err(Failure::output);
    }
    if cli.check {
        check(cli, &query, &mut out).map_err(Failure::output)?;
        return out.flush().map_err(Failure::output);
    }
    let predicate = query.predicate();
    let mode = if cli.count {
        Mode::Count
    } else if query.order_by.is_empty() {
        Mode::Print
    } else {
        Mode::Sort
    };
    let ctx = Ctx {
        query: &query,
        predicate: predicate.as_ref(),
        lines: LineFilter::new(query.filter.as_ref()),
        lazy: std::env::var_os("ODATA_FILTER_LAZY").is_none_or(|v| v != "0"),
        mode,
        threads: if mode == Mode::Sort { 1 } else { threads() },
        max_line: cli.max_line_bytes,
    };
    if cli.count {
        let mut sink = Sink::Count(0);
        for_each_input(&cli.files, &ctx, &mut sink)?;
        let Sink::Count(n) = sink else { unreachable!() };
        writeln!(out, "{n}").map_err(Failure::output)?;
    } else if !query.order_by.is_empty() {
        sorted(cli, &ctx, &schema, &mut out)?;
    } else if query.top != Some(0) {
        let mut sink = Sink::Print {
            out: &mut out,
            skip: query.skip,
            left: query.top,
        };
        for_each_input(&cli.files, &ctx, &mut sink)?;
    }
    out.flush().map_err(Failure::output)
}

/// Worker threads for large inputs: `ODATA_FILTER_THREADS`, else the available parallelism.
fn threads() -> usize {
    std::env::var("ODATA_FILTER_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// `--sql DIALECT`: the statement and its parameters as JSON.
fn sql_text(
    cli: &Cli,
    dialect: &str,
    schema: &EntitySchema,
    query: &Query,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let dialect = sql::dialect_from_str(dialect)
        .ok_or_else(|| Failure::Usage(format!("error: unknown SQL dialect '{dialect}'\n")))?;
    let table = schema.entity_set();
    let statement = if cli.count {
        sql::count(query, schema, table, dialect.as_ref())
    } else {
        sql::select_in_insertion_order(query, schema, table, dialect.as_ref())
    }
    .map_err(|e| Failure::Usage(format!("error: {e}\n")))?;
    serde_json::to_writer(&mut *out, &statement)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(Failure::output)
}

/// `--engine sqlite`: load every record into an in-memory SQLite table made
/// from the schema, then answer with the generated SQL.
fn sqlite_engine(
    cli: &Cli,
    schema: &EntitySchema,
    query: &Query,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let db = |e: sql::Error| Failure::Input(format!("sqlite: {e}"));
    let conn = rusqlite::Connection::open_in_memory()
        .map_err(|e| Failure::Input(format!("sqlite: {e}")))?;
    sql::rusqlite::create_table(&conn, schema).map_err(db)?;
    // Every record, unfiltered, read on this thread.
    let all = Query::default();
    let ctx = Ctx {
        query: &all,
        predicate: None,
        lines: LineFilter::new(None),
        lazy: false,
        mode: Mode::Sort,
        threads: 1,
        max_line: cli.max_line_bytes,
    };
    let mut sink = Sink::Collect(schema, Vec::new());
    for_each_input(&cli.files, &ctx, &mut sink)?;
    let Sink::Collect(_, inserts) = sink else {
        unreachable!()
    };
    let sqlite = |e: rusqlite::Error| Failure::Input(format!("sqlite: {e}"));
    let tx = conn.unchecked_transaction().map_err(sqlite)?;
    for insert in inserts {
        tx.prepare_cached(&insert.sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(&insert.params)))
            .map_err(sqlite)?;
    }
    tx.commit().map_err(sqlite)?;
    if cli.count {
        let n = sql::rusqlite::count(&conn, schema, query).map_err(db)?;
        return writeln!(out, "{n}").map_err(Failure::output);
    }
    let statement =
        sql::select_in_insertion_order(query, schema, schema.entity_set(), &sql::SqliteDialect)
            .map_err(|e| Failure::Usage(format!("error: {e}\n")))?;
    let mut stmt = conn
        .prepare(&statement.sql)
        .map_err(|e| Failure::Input(format!("sqlite: {e}")))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(&statement.params), |row| {
            row.get::<_, String>(0)
        })
        .map_err(|e| Failure::Input(format!("sqlite: {e}")))?;
    for row in rows {
        let text = row.map_err(|e| Failure::Input(format!("sqlite: {e}")))?;
        let mut line = Vec::new();
        write_record(&mut line, query, &text);
        out.write_all(&line).map_err(Failure::output)?;
    }
    Ok(())
}

/// `--check`: the canonical filter (for `--filter`) or options (for `--query`, one per line).
fn check(cli: &Cli, query: &Query, out: &mut impl Write) -> io::Result<()> {
    if cli.query.is_some() {
        for option in query.canonical_lines() {
            writeln!(out, "{option}")?;
        }
    } else if let Some(filter) = &query.filter {
        writeln!(out, "{filter}")?;
    }
    Ok(())
}

/// With `$orderby`: collect the matches, sort them, then page and print.
fn sorted(
    cli: &Cli,
    ctx: &Ctx<'_>,
    schema: &EntitySchema,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let query = ctx.query;
    let skip = usize::try_from(query.skip).unwrap_or(usize::MAX);
    let top = query
        .top
        .map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX));
    // With $top, only the first skip + top records in order can be printed:
    // whenever twice that many are held, sort and drop the rest. The sort is
    // stable and later records are appended, so ties keep input order.
    let keep = skip.saturating_add(top);
    let mut sink = Sink::Sort {
        schema,
        matched: Vec::new(),
        keep,
        prune_at: keep.saturating_mul(2).max(1024),
    };
    for_each_input(&cli.files, ctx, &mut sink)?;
    let Sink::Sort { mut matched, .. } = sink else {
        unreachable!()
    };
    query.sort_by(schema, &mut matched, |r| &r.value);
    for record in matched.into_iter().skip(skip).take(top) {
        let mut line = Vec::new();
        write_record(&mut line, query, &record.text);
        out.write_all(&line).map_err(Failure::output)?;
    }
    Ok(())
}

// ---- records and how they are printed ---------------------------------------------------------

/// A matching record: its value, to sort by, and its own text without white space, to print.
/// Records are printed from their text, never from `value`, so every number keeps its digits
/// and every string its escapes, whatever `serde_json` would make of them.
struct Record {
    value: Json,
    text: Box<str>,
}

impl Record {
    /// Reads the record whose text is `text` (a JSON object).
    fn read(text: &str) -> Result<Record, String> {
        let value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Record {
            value,
            text: compact(text.as_bytes()),
        })
    }
}

/// `text`, valid JSON, without white space between its tokens.
fn compact(text: &[u8]) -> Box<str> {
    let mut out = Vec::with_capacity(text.len());
    write_compact(text, &mut out);
    // Only ASCII white space was taken out of valid UTF-8.
    String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        .into_boxed_str()
}

/// Appends the record `text` (one compact JSON object) as one line, keeping only the
/// `$select`ed members (chosen by [`Query::selected_keys`], the rule `Query::project` uses),
/// each with its own text.
fn write_record(out: &mut Vec<u8>, query: &Query, text: &str) {
    let members = match query.select {
        Some(_) => serde_json::from_str::<Members<'_>>(text).ok(),
        None => None,
    };
    let Some(Members(members)) = members else {
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
        return;
    };
    // A repeated key: the last one counts, as when the record is read.
    let find = |key: &str| members.iter().rev().find(|(k, _)| k == key);
    let keys = query
        .selected_keys(|key| find(key).is_some())
        .unwrap_or_default();
    out.push(b'{');
    for (i, key) in keys.into_iter().enumerate() {
        if let Some((k, v)) = find(key) {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, k).expect("a string always serializes");
            out.push(b':');
            out.extend_from_slice(v.get().as_bytes());
        }
    }
    out.extend_from_slice(b"}\n");
}

/// The top-level members of a JSON object, in order, each value as its own text.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit)
    }
}

// ---- the query and where matches go ----------------------------------------------------------

/// The query, compiled for whole records and for raw NDJSON lines.
struct Ctx<'q> {
    query: &'q Query,
    predicate: Option<&'q Predicate>,
    lines: LineFilter,
    /// Test lines with `lines` before parsing them (`ODATA_FILTER_LAZY=0` turns this off, to
    /// compare with parsing every record).
    lazy: bool,
    mode: Mode,
    /// Worker threads for NDJSON input (1: read on the main thread).
    threads: usize,
    /// `--max-line-bytes`.
    max_line: usize,
}

/// What the command does with matching records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Count,
    Print,
    Sort,
}

/// Where matching records go.
enum Sink<'a> {
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
    /// With `$orderby`: keep them for sorting, pruned as they come.
    Sort {
        schema: &'a EntitySchema,
        matched: Vec<Record>,
        keep: usize,
        prune_at: usize,
    },
}

/// Whether to keep reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
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
            Sink::Sort { .. } | Sink::Collect(..) => {
                unreachable!("sorted and collected input is taken as records")
            }
        }
    }

    /// A matching line (without its terminator) that needs no parsing: see [`Ctx::takes_lines`].
    fn take_line(&mut self, line: &[u8]) -> Result<Flow, Failure> {
        self.take_with(|out| {
            let mut text = Vec::with_capacity(line.len() + 1);
            write_compact(line, &mut text);
            text.push(b'\n');
            out.write_all(&text)
        })
    }

    /// A matching record.
    fn take(&mut self, ctx: &Ctx<'_>, record: Record) -> Result<Flow, Failure> {
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
            Sink::Sort {
                schema,
                matched,
                keep,
                prune_at,
            } => {
                matched.push(record);
                if matched.len() >= *prune_at {
                    ctx.query.sort_by(schema, matched, |r| &r.value);
                    matched.truncate(*keep);
                }
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
    fn take_chunk(&mut self, chunk: &ChunkOut) -> Result<Flow, Failure> {
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
            Sink::Sort { .. } | Sink::Collect(..) => {
                unreachable!("sorted and collected input is read on one thread")
            }
        }
    }
}

// ---- reading records ------------------------------------------------------------------------

/// Feeds the matching records of every input, in order, to `sink` until it says stop.
fn for_each_input(files: &[PathBuf], ctx: &Ctx<'_>, sink: &mut Sink<'_>) -> Result<(), Failure> {
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

fn count_lines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// An error in one line of NDJSON: the line and the message, for `name:line: message`.
#[derive(Debug)]
struct LineError {
    line: usize,
    message: String,
}

impl LineError {
    fn into_failure(self, name: &str) -> Failure {
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
fn line_too_long(max: usize) -> io::Error {
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
enum Match<'l> {
    Line(&'l [u8]),
    Record(Record),
}

/// Why [`ndjson_line`] stopped.
enum Stop<E> {
    /// The line is not JSON, or holds something other than records.
    Line(LineError),
    /// The consumer of the matches failed.
    Sink(E),
}

/// Handles one NDJSON line (not the first of its input), numbered `line`: passes its
/// matching records to `take` (lines only when `take` can use them: see [`Sink::takes_lines`]).
fn ndjson_line<'l, E>(
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

impl Ctx<'_> {
    /// The line filter's verdict on `text`.
    fn verdict(&self, text: &[u8]) -> Verdict {
        if !self.lazy {
            return Verdict::Unknown;
        }
        self.lines.test(text)
    }

    /// Whether the filter accepts `record`: decided on its text by the line filter where it
    /// can (so a Decimal member's digits are read as written, as on the NDJSON fast path),
    /// otherwise by the predicate on its parsed value.
    fn keeps(&self, record: &Record) -> bool {
        match self.verdict(record.text.as_bytes()) {
            Verdict::Accept => true,
            Verdict::Reject => false,
            Verdict::Unknown => self.query.matches(self.predicate, &record.value),
        }
    }

    /// Whether a matching line can be taken unparsed: always when counting; when printing,
    /// if there is no `$select`; never when sorting.
    fn takes_lines(&self) -> bool {
        match self.mode {
            Mode::Count => true,
            Mode::Print => self.query.select.is_none(),
            Mode::Sort => false,
        }
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

/// Whether `members`, those of an object, make an OData collection envelope: a `value` array
/// and only annotations (`@odata.context`, `@odata.nextLink`, ...) besides; with the array.
fn envelope<'a>(members: &[(String, &'a RawValue)]) -> Option<&'a RawValue> {
    let (_, value) = members.iter().rev().find(|(k, _)| k == "value")?;
    (value.get().starts_with('[') && members.iter().all(|(k, _)| k == "value" || k.contains('@')))
        .then_some(*value)
}

/// What kind of JSON value `raw` is, for messages.
fn kind_of(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a Boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
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
    fn list<'a, E>(raw: &'a RawValue, fail: &impl Fn(String) -> E) -> Result<Vec<&'a RawValue>, E> {
        serde_json::from_str(raw.get()).map_err(|e| fail(e.to_string()))
    }
    let items = match kind_of(value) {
        "an array" => list(value, &fail)?,
        "an object" => {
            let Members(members) =
                serde_json::from_str(value.get()).map_err(|e| fail(e.to_string()))?;
            match envelope(&members) {
                Some(items) => list(items, &fail)?,
                None => {
                    let record = Record::read(value.get()).map_err(&fail)?;
                    if !ctx.keeps(&record) {
                        return Ok(Flow::Continue);
                    }
                    return take(record);
                }
            }
        }
        other => {
            return Err(fail(format!(
                "expected a JSON object (a record), found {other}"
            )))
        }
    };
    for (i, item) in items.into_iter().enumerate() {
        if kind_of(item) != "an object" {
            return Err(fail(format!(
                "expected a JSON object (a record) as item {} of the array, found {}",
                i + 1,
                kind_of(item)
            )));
        }
        let record = Record::read(item.get())
            .map_err(|e| fail(format!("item {} of the array: {e}", i + 1)))?;
        if !ctx.keeps(&record) {
            continue;
        }
        if take(record)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

// ---- NDJSON on several threads --------------------------------------------------------------

/// Bytes of whole lines per chunk handed to a worker.
const CHUNK: usize = 1 << 20;

/// What a worker found in one chunk of lines.
#[derive(Debug, Default)]
struct ChunkOut {
    /// The matching records, one line each (when printing).
    bytes: Vec<u8>,
    /// The end of each record in `bytes` (when printing with `$skip` or `$top`).
    ends: Vec<usize>,
    /// The number of matching records.
    matches: u64,
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
fn read_chunks<R: BufRead + Send>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
