//! The `odata-filter` command: runs an OData `$filter` or query string over JSON records.

use clap::builder::PossibleValuesParser;
use clap::{ArgGroup, Parser};
use odata_filter::query::{Query, QueryOptions, DEFAULT_MAX_TOP};
use odata_filter::schema::{catalog, EntitySchema};
use serde_json::Value as Json;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const ABOUT: &str = "Run an OData $filter or query string over JSON records, or check it.";

const LONG_ABOUT: &str = "\
Run an OData $filter or query string over JSON records, or check it.

Records are read from the FILEs in order, or from standard input when there is no FILE or a FILE \
is '-'. Each input may be NDJSON (one record per line), a JSON array of records, or an OData \
envelope {\"value\": [...]}; the format is detected automatically. Matching records are printed \
as NDJSON, in input order unless the query has an explicit $orderby.

Exit status: 0 on success, 1 when an input cannot be read or parsed, 2 for an invalid query or \
usage.";

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "odata-filter", version, about = ABOUT, long_about = LONG_ABOUT)]
#[command(group(ArgGroup::new("entity_schema").required(true).args(["entity", "schema"])))]
struct Cli {
    /// The built-in Defender for Endpoint entity the records are.
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

    /// A $filter expression, as plain text (not URL-encoded).
    #[arg(long, value_name = "TEXT", conflicts_with = "query")]
    filter: Option<String>,

    /// A raw URL query string ($filter, $top, $skip, $orderby, $select, $count, $expand),
    /// percent-decoded with '+' as a space.
    #[arg(long, value_name = "QUERY")]
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

    /// Input files (NDJSON, JSON array or {"value": [...]}); '-' or none for standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
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
}

impl Failure {
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
        Err(Failure::Input(message)) => {
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

    let mut out = BufWriter::new(io::stdout().lock());
    if cli.check {
        check(cli, &query, &mut out).map_err(Failure::output)?;
    } else if cli.count {
        let predicate = query.predicate();
        let mut n: u64 = 0;
        for_each_input(&cli.files, &mut |record| {
            if query.matches(predicate.as_ref(), &record) {
                n += 1;
            }
            Ok(Flow::Continue)
        })?;
        writeln!(out, "{n}").map_err(Failure::output)?;
    } else if !query.order_by.is_empty() {
        sorted(cli, &schema, &query, &mut out)?;
    } else {
        streamed(cli, &query, &mut out)?;
    }
    out.flush().map_err(Failure::output)
}

/// `--check`: the canonical filter (for `--filter`) or options (for `--query`, one per line).
fn check(cli: &Cli, query: &Query, out: &mut impl Write) -> io::Result<()> {
    if cli.query.is_some() {
        for (name, value) in query.canonical_options() {
            writeln!(out, "{name}={value}")?;
        }
    } else if let Some(filter) = &query.filter {
        writeln!(out, "{filter}")?;
    }
    Ok(())
}

fn write_record(out: &mut impl Write, record: &Json) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, record)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(Failure::output)
}

/// Without `$orderby`: filter while reading, in input order, stopping after `$top`.
fn streamed(cli: &Cli, query: &Query, out: &mut impl Write) -> Result<(), Failure> {
    let predicate = query.predicate();
    let mut skip = query.skip;
    let mut left = query.top;
    if left == Some(0) {
        return Ok(());
    }
    for_each_input(&cli.files, &mut |record| {
        if !query.matches(predicate.as_ref(), &record) {
            return Ok(Flow::Continue);
        }
        if skip > 0 {
            skip -= 1;
            return Ok(Flow::Continue);
        }
        write_record(out, &query.project(record))?;
        match &mut left {
            Some(n) => {
                *n -= 1;
                Ok(if *n == 0 { Flow::Stop } else { Flow::Continue })
            }
            None => Ok(Flow::Continue),
        }
    })
}

/// With `$orderby`: collect the matches, sort them, then page and print.
fn sorted(
    cli: &Cli,
    schema: &EntitySchema,
    query: &Query,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let predicate = query.predicate();
    let skip = usize::try_from(query.skip).unwrap_or(usize::MAX);
    let top = query
        .top
        .map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX));
    // With $top, only the first skip + top records in order can be printed:
    // whenever twice that many are held, sort and drop the rest. The sort is
    // stable and later records are appended, so ties keep input order.
    let keep = skip.saturating_add(top);
    let prune_at = keep.saturating_mul(2).max(1024);
    let mut matched = Vec::new();
    for_each_input(&cli.files, &mut |record| {
        if query.matches(predicate.as_ref(), &record) {
            matched.push(record);
            if matched.len() >= prune_at {
                query.sort(schema, &mut matched);
                matched.truncate(keep);
            }
        }
        Ok(Flow::Continue)
    })?;
    query.sort(schema, &mut matched);
    for record in matched.into_iter().skip(skip).take(top) {
        write_record(out, &query.project(record))?;
    }
    Ok(())
}

// ---- reading records ------------------------------------------------------------------------

/// Whether to keep reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

type Sink<'a> = dyn FnMut(Json) -> Result<Flow, Failure> + 'a;

/// Feeds the records of every input, in order, to `sink` until it says stop.
fn for_each_input(files: &[PathBuf], sink: &mut Sink<'_>) -> Result<(), Failure> {
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    for path in files {
        let flow = if path.as_os_str() == "-" {
            read_records("<stdin>", io::stdin().lock(), sink)?
        } else {
            let name = path.display().to_string();
            let file = File::open(path).map_err(|e| Failure::Input(format!("{name}: {e}")))?;
            read_records(&name, BufReader::with_capacity(1 << 16, file), sink)?
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
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Reads one input: NDJSON line by line, or, when it starts with `[` or its
/// first record spans several lines, as one JSON document (or a sequence of
/// documents) in memory.
fn read_records(name: &str, mut r: impl BufRead, sink: &mut Sink<'_>) -> Result<Flow, Failure> {
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
        return read_document(name, line, &doc, sink);
    }
    let mut buf = Vec::new();
    let mut first_record = true;
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)
            .map_err(|e| io_fail(line, e))?
            == 0
        {
            return Ok(Flow::Continue);
        }
        let mut text = buf.as_slice();
        while let [rest @ .., b'\n' | b'\r'] = text {
            text = rest;
        }
        if text.iter().all(|&b| is_json_space(b)) {
            line += 1;
            continue;
        }
        match serde_json::from_slice::<Json>(text) {
            Ok(value) => {
                if emit(name, line, value, sink)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Err(e) if first_record && e.is_eof() => {
                // A pretty-printed document (an envelope, say): read it whole.
                let mut doc = std::mem::take(&mut buf);
                r.read_to_end(&mut doc).map_err(|e| io_fail(line, e))?;
                return read_document(name, line, &doc, sink);
            }
            Err(e) => return Err(Failure::Input(format!("{name}:{line}: {e}"))),
        }
        first_record = false;
        line += 1;
    }
}

/// Reads `doc`, which starts at line `first_line` of the input, as a sequence
/// of JSON values separated by white space.
fn read_document(
    name: &str,
    first_line: usize,
    doc: &[u8],
    sink: &mut Sink<'_>,
) -> Result<Flow, Failure> {
    let mut values = serde_json::Deserializer::from_slice(doc).into_iter::<Json>();
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
                if emit(name, line, value, sink)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Some(Err(e)) => {
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

/// Whether `object` is an OData collection envelope: a `value` array and
/// only annotations (`@odata.context`, `@odata.nextLink`, ...) besides.
fn is_envelope(object: &serde_json::Map<String, Json>) -> bool {
    object.get("value").is_some_and(Json::is_array)
        && object.keys().all(|k| k == "value" || k.contains('@'))
}

fn kind_of(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a Boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Feeds the records in one top-level JSON value (a record, an array of
/// records or an envelope), read at `line`, to `sink`.
fn emit(name: &str, line: usize, value: Json, sink: &mut Sink<'_>) -> Result<Flow, Failure> {
    let items = match value {
        Json::Object(object) if is_envelope(&object) => {
            match object.into_iter().find(|(k, _)| k == "value") {
                Some((_, Json::Array(items))) => items,
                _ => Vec::new(),
            }
        }
        Json::Object(_) => return sink(value),
        Json::Array(items) => items,
        other => {
            return Err(Failure::Input(format!(
                "{name}:{line}: expected a JSON object (a record), found {}",
                kind_of(&other)
            )))
        }
    };
    for (i, item) in items.into_iter().enumerate() {
        if !item.is_object() {
            return Err(Failure::Input(format!(
                "{name}:{line}: expected a JSON object (a record) as item {} of the array, found {}",
                i + 1,
                kind_of(&item)
            )));
        }
        if sink(item)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
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
