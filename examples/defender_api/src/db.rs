//! The SQLite file: one writer connection, a pool of readers, seeding, import, and collection.
//!
//! Durability: the database runs in WAL mode with `synchronous=FULL`, and every write is a
//! transaction committed before the response is sent. A committed transaction is in the WAL
//! file and fsynced, so it survives a crash of the process (WAL with `synchronous=NORMAL` would
//! too) and also a power loss (which needs `FULL`).
//!
//! Concurrency: writes go through one connection behind a mutex, in `BEGIN IMMEDIATE`
//! transactions; reads use a small pool of read-only connections, which WAL lets run alongside
//! the writer. Callers run all of it in `spawn_blocking`. At most one collection per machine
//! is pending or in progress: checked in the write transaction, and enforced by a unique
//! partial index (see `store`) even against other processes writing the same file.
//!
//! Budget: each read runs within a [`Budget`], `--query-timeout` from its start, enforced by
//! SQLite's progress handler, which also stops the read once the request that wanted it is
//! gone (its future dropped: the client disconnected). Such a read fails with
//! [`DbError::Timeout`] or [`DbError::Cancelled`], and its connection goes back to the pool
//! without the handler.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use odata_filter::query::Query;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use serde_json::{json, Value};

use crate::entities::Kind;
use crate::import::DataRecord;
use crate::store::{self, StoreError};
use crate::BoxError;
use crate::{seed, time};

/// Idle read connections kept for reuse.
const MAX_IDLE_READERS: usize = 16;

/// SQLite virtual-machine instructions between two checks of a read's [`Budget`]: a few
/// microseconds of work, so that a read stops soon after its deadline, for a check (a clock
/// read and a flag) that costs well under 1 % of the work.
const BUDGET_CHECK_OPS: i32 = 1_000;

/// The database.
#[derive(Debug)]
pub struct Db {
    /// The file.
    path: PathBuf,
    /// The one connection that writes.
    writer: Mutex<Connection>,
    /// Idle read-only connections.
    readers: Mutex<Vec<Connection>>,
    /// `--query-timeout`: the time each read may take.
    query_timeout: Duration,
    /// What the reads came to, for the tests and the log.
    reads: ReadCounters,
}

/// The limits of one read: its deadline, and a flag set when the request that wanted it is
/// gone. SQLite's progress handler checks both while the read runs.
#[derive(Clone, Debug)]
pub struct Budget {
    /// `--query-timeout`, for the error message.
    timeout: Duration,
    /// When the read must stop.
    deadline: Instant,
    /// Set by the [`Cancel`] guard of the request.
    cancelled: Arc<AtomicBool>,
}

impl Budget {
    /// A budget of `timeout` from now.
    fn new(timeout: Duration) -> Budget {
        Budget {
            timeout,
            deadline: Instant::now() + timeout,
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }

    /// When the read must stop.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the read must stop now: past its deadline, or no longer wanted.
    fn is_over(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }

    /// Why the read must stop, as the error it ends with.
    pub fn stop_reason(&self) -> DbError {
        match self.cancelled.load(Ordering::Relaxed) {
            true => DbError::Cancelled,
            false => DbError::Timeout(self.timeout),
        }
    }

    /// A guard that cancels the read when dropped; the request holds it for as long as it
    /// wants the read's result.
    fn guard(&self) -> Cancel {
        Cancel(self.cancelled.clone())
    }
}

/// Cancels a read when dropped (see [`Budget`]).
#[derive(Debug)]
pub struct Cancel(Arc<AtomicBool>);

impl Drop for Cancel {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Counters of reads, observable by the tests ([`Db::reads`]).
#[derive(Debug, Default)]
struct ReadCounters {
    /// Reads holding a connection now.
    running: AtomicUsize,
    /// Reads stopped at their deadline.
    timed_out: AtomicU64,
    /// Reads stopped because their request was gone.
    cancelled: AtomicU64,
}

/// A snapshot of the read counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    /// Reads holding a connection now.
    pub running: usize,
    /// Reads stopped at their deadline so far.
    pub timed_out: u64,
    /// Reads stopped because their request was gone (the client disconnected) so far.
    pub cancelled: u64,
}

/// An error of a database operation, for the server's log.
#[derive(Debug)]
pub enum DbError {
    /// The store (SQLite) failed.
    Store(StoreError),
    /// The blocking task failed.
    Task(String),
    /// The read did not finish within `--query-timeout` (the duration).
    Timeout(Duration),
    /// The request that wanted the read is gone.
    Cancelled,
}

impl DbError {
    /// Whether SQLite stopped the statement because the progress handler asked it to.
    fn is_interrupt(&self) -> bool {
        let DbError::Store(e) = self else {
            return false;
        };
        e.sqlite_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Store(e) => write!(f, "{e}"),
            DbError::Task(e) => write!(f, "blocking task: {e}"),
            DbError::Timeout(t) => write!(f, "the read did not finish within {t:?}"),
            DbError::Cancelled => write!(f, "the request is gone"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<StoreError> for DbError {
    fn from(e: StoreError) -> DbError {
        DbError::Store(e)
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError::Store(StoreError::Sqlite(e))
    }
}

/// Sets the connection options every connection shares.
fn configure(conn: &Connection) -> Result<(), DbError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // `tolower`/`toupper` call these (SQLite's own `lower`/`upper` are ASCII-only).
    odata_filter::sql::rusqlite::register_functions(conn).map_err(StoreError::Sql)?;
    Ok(())
}

impl Db {
    /// Opens or creates the database file at `path`, in WAL mode; each read may take
    /// `query_timeout` (`--query-timeout`).
    pub fn open(path: &Path, query_timeout: Duration) -> Result<Db, DbError> {
        let writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        Ok(Db {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            query_timeout,
            reads: ReadCounters::default(),
        })
    }

    /// The read counters now.
    pub fn reads(&self) -> Reads {
        Reads {
            running: self.reads.running.load(Ordering::SeqCst),
            timed_out: self.reads.timed_out.load(Ordering::SeqCst),
            cancelled: self.reads.cancelled.load(Ordering::SeqCst),
        }
    }

    /// Whether the file holds this server's tables (its seeding finished).
    pub fn is_initialized(&self) -> Result<bool, DbError> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'seed_info'",
            [],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Creates the database file at `path` with the documented records and `seed_count`
    /// generated machine actions (plus machines, alerts and investigations). Returns the number
    /// of records per kind.
    ///
    /// The data is written to `<path>.seeding` without a journal (fast, and nothing to recover:
    /// a crash leaves only that file, replaced on the next start), then fsynced and renamed to
    /// `path`, so `path` never holds a half-seeded database.
    pub fn create(path: &Path, seed_count: u64) -> Result<Vec<(Kind, u64)>, BoxError> {
        let tmp = PathBuf::from(format!("{}.seeding", path.display()));
        let _ = std::fs::remove_file(&tmp);
        let result = seed_into(&tmp, seed_count);
        let counts = match result {
            Ok(counts) => counts,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, path)?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        // Make the rename durable too (best effort: not every platform can open a directory).
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(counts)
    }

    /// Imports `records` in one transaction, skipping those whose key is already stored.
    /// Returns the number imported per kind and the number skipped. An error names the
    /// record's `file:line`.
    pub fn import(&self, records: Vec<DataRecord>) -> Result<(Vec<(Kind, u64)>, u64), BoxError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut counts = BTreeMap::new();
        let mut skipped = 0;
        for DataRecord { at, kind, record } in records {
            let key = kind.schema().key();
            let Some(id) = record.get(key).and_then(Value::as_str) else {
                return Err(format!("{at}: no string `{key}`").into());
            };
            let Some(existing) = by_id(kind, id) else {
                return Err(format!("{at}: `{id}` is not a valid {key}").into());
            };
            if store::count(&tx, kind, &existing)? > 0 {
                skipped += 1;
                continue;
            }
            store::insert(&tx, kind, std::slice::from_ref(&record)).map_err(|e| {
                format!(
                    "{at}: {} record {id} cannot be stored: {e}",
                    kind.schema().name()
                )
            })?;
            *counts.entry(kind).or_insert(0) += 1;
        }
        tx.commit()?;
        Ok((counts.into_iter().collect(), skipped))
    }

    /// Runs `f` on a read-only connection in a blocking task, within a `Budget`; dropping
    /// the returned future (the client disconnected) stops the read.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Budget) -> Result<T, DbError> + Send + 'static,
    {
        let budget = Budget::new(self.query_timeout);
        let _cancel = budget.guard();
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.run_read(&budget, f))
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Starts `f` on a read-only connection in a blocking task, within a `Budget`, and
    /// returns at once, for a read that hands its results over as it goes (a streamed page);
    /// `failed` gets the error `f` ended with. Dropping the returned guard stops the read.
    pub fn spawn_read<F, G>(self: &Arc<Self>, f: F, failed: G) -> Cancel
    where
        F: FnOnce(&Connection, &Budget) -> Result<(), DbError> + Send + 'static,
        G: FnOnce(DbError) + Send + 'static,
    {
        let budget = Budget::new(self.query_timeout);
        let cancel = budget.guard();
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = db.run_read(&budget, f) {
                failed(e);
            }
        });
        cancel
    }

    /// Runs `f` on a reader within `budget`, in the calling (blocking) thread: SQLite's
    /// progress handler interrupts it once the budget is over, and is removed before the
    /// connection goes back to the pool.
    fn run_read<T>(
        &self,
        budget: &Budget,
        f: impl FnOnce(&Connection, &Budget) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let conn = self.take_reader()?;
        self.reads.running.fetch_add(1, Ordering::SeqCst);
        let check = budget.clone();
        conn.progress_handler(BUDGET_CHECK_OPS, Some(move || check.is_over()));
        let result = f(&conn, budget).map_err(|e| match e.is_interrupt() {
            true => budget.stop_reason(),
            false => e,
        });
        conn.progress_handler(0, None::<fn() -> bool>);
        // A transaction whose end the handler interrupted would hold an old snapshot for the
        // next reader: such a connection is closed instead.
        if conn.is_autocommit() {
            self.give_back(conn);
        }
        match &result {
            Err(DbError::Timeout(_)) => self.reads.timed_out.fetch_add(1, Ordering::SeqCst),
            Err(DbError::Cancelled) => self.reads.cancelled.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
        self.reads.running.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// Runs `f` on the writer connection in a blocking task.
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// An idle reader, or a new one.
    fn take_reader(&self) -> Result<Connection, DbError> {
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        if let Some(conn) = idle {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        configure(&conn)?;
        Ok(conn)
    }

    /// Keeps `conn` for reuse, unless enough are idle.
    fn give_back(&self, conn: Connection) {
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }
}

/// Fills a new file at `path` (see [`Db::create`]).
fn seed_into(path: &Path, seed_count: u64) -> Result<Vec<(Kind, u64)>, BoxError> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;",
    )?;
    let tx = conn.transaction()?;
    store::create_tables(&tx)?;
    let mut counts = BTreeMap::new();
    for (kind, record) in seed::fixtures()? {
        store::insert(&tx, kind, std::slice::from_ref(&record))?;
        *counts.entry(kind).or_insert(0) += 1;
    }
    seed::generate(seed_count, 10_000, |kind, batch| {
        store::insert(&tx, kind, &batch)?;
        *counts.entry(kind).or_insert(0) += batch.len() as u64;
        Ok(())
    })?;
    tx.execute_batch("CREATE TABLE seed_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT")?;
    tx.execute(
        "INSERT INTO seed_info (key, value) VALUES ('seed_count', ?1)",
        [seed_count.to_string()],
    )?;
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(counts.into_iter().collect())
}

/// What a collection request came to.
#[derive(Debug)]
pub enum Collect {
    /// The new MachineAction.
    Created(Value),
    /// No machine has this id.
    NoSuchMachine,
    /// A collection is already pending or in progress on the machine.
    AlreadyRunning,
}

/// Records a new `CollectInvestigationPackage` action for `machine_id`, unless one is already
/// pending or in progress, in one `BEGIN IMMEDIATE` transaction committed before returning.
pub fn collect(
    conn: &mut Connection,
    machine_id: &str,
    comment: &str,
    requestor: &str,
) -> Result<Collect, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(query) = by_id(Kind::Machine, machine_id) else {
        return Ok(Collect::NoSuchMachine);
    };
    let Some(machine) = store::select(&tx, Kind::Machine, &query)?
        .into_iter()
        .next()
    else {
        return Ok(Collect::NoSuchMachine);
    };
    let running = filter(
        Kind::MachineAction,
        &format!(
            "machineId eq {} and type eq 'CollectInvestigationPackage' \
             and (status eq 'Pending' or status eq 'InProgress')",
            quote(machine_id)
        ),
    )?;
    if store::count(&tx, Kind::MachineAction, &running)? > 0 {
        return Ok(Collect::AlreadyRunning);
    }
    let now = time::now();
    let action = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "CollectInvestigationPackage",
        "scope": null,
        "requestor": requestor,
        "requestorComment": comment,
        "requestSource": "PublicApi",
        "status": "Pending",
        "machineId": machine_id,
        "computerDnsName": machine.get("computerDnsName").cloned().unwrap_or(Value::Null),
        "creationDateTimeUtc": now,
        "lastUpdateDateTimeUtc": now,
        "cancellationRequestor": null,
        "cancellationComment": null,
        "cancellationDateTimeUtc": null,
        "title": null,
        "relatedFileInfo": null,
    });
    match store::insert(&tx, Kind::MachineAction, std::slice::from_ref(&action)) {
        Ok(()) => {}
        // The unique index on pending collections: another process got there first.
        Err(e) if e.is_unique_violation() => return Ok(Collect::AlreadyRunning),
        Err(e) => return Err(e.into()),
    }
    tx.commit()?;
    Ok(Collect::Created(action))
}

/// `text` as an OData string literal: in single quotes, quotes doubled.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A query with only the `$filter` `text`, which the server wrote itself.
pub fn filter(kind: Kind, text: &str) -> Result<Query, DbError> {
    Query::from_filter(kind.schema(), text)
        .map_err(|e| DbError::Task(format!("internal filter `{text}`: {e}")))
}

/// The query for the record of `kind` whose key is `id`; `None` when `id` cannot be a key
/// (a machine-action id that is not a GUID, or text the filter parser refuses), so that
/// callers answer "not found".
pub fn by_id(kind: Kind, id: &str) -> Option<Query> {
    let literal = match kind {
        Kind::MachineAction if is_guid(id) => id.to_owned(),
        Kind::MachineAction => return None,
        _ => quote(id),
    };
    let key = kind.schema().key();
    Query::from_filter(kind.schema(), &format!("{key} eq {literal}")).ok()
}

/// Whether `text` is a GUID: 8-4-4-4-12 hexadecimal digits.
pub fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}
