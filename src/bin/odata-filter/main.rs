//! The `odata-filter` command: runs an OData `$filter` or query string over JSON records.

mod input;
mod parallel;
mod records;
mod sink;

use clap::builder::PossibleValuesParser;
use clap::{ArgGroup, Parser};
use input::for_each_input;
use odata_filter::ndjson::LineFilter;
use odata_filter::query::{Query, QueryOptions, DEFAULT_MAX_TOP};
use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::sql;
use records::write_record;
use sink::{Ctx, Mode, RecordValue, Sink};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
            // Parameter aliases (`@p=...`) are used by `$filter`, not ignored.
            for (name, _) in rest.iter().filter(|(n, _)| !n.starts_with('@')) {
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
    sql::rusqlite::register_functions(&conn).map_err(db)?;
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
    let value: RecordValue = |r| &r.value;
    let mut sink = Sink::Sort(query.pager(schema, value));
    for_each_input(&cli.files, ctx, &mut sink)?;
    let Sink::Sort(pager) = sink else {
        unreachable!()
    };
    for record in pager.finish() {
        let mut line = Vec::new();
        write_record(&mut line, query, &record.text);
        out.write_all(&line).map_err(Failure::output)?;
    }
    Ok(())
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
