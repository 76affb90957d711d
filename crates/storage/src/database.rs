use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;

use crate::{
    inline::InlineReaders,
    readers::{Reader, Readers},
};
use sqlx::{
    Connection, PgPool, Postgres, Sqlite, SqlitePool,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// Runs `$body` with `$conn` bound to the backend-specific pool, connection or transaction
/// inside `$value` (a [`Database`] or a [`Tx`]). The body is written once and compiled twice.
macro_rules! dispatch {
    ($value:expr, |$conn:ident| $body:expr) => {
        match $value {
            $crate::database::Handle::Sqlite($conn) => $body,
            $crate::database::Handle::Postgres($conn) => $body,
        }
    };
}
pub(crate) use dispatch;

/// The same shape for pools and transactions, so that [`dispatch!`] fits both.
#[derive(Clone)]
pub(crate) enum Handle<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// Which backend a database runs on; for reports and benchmarks, never for branching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

/// A pool of connections to the portal's database.
#[derive(Clone)]
pub struct Database {
    pub(crate) handle: Handle<SqlitePool, PgPool>,
    /// What audit rows are sealed under ([`Database::with_audit_key`]); none for a
    /// connection that writes no audit rows (an administrator's, to create databases).
    pub(crate) audit_key: Option<crate::AuditKey>,
    /// Where reads hand their audit rows, to be written together ([`Database::begin_read`]).
    pub(crate) audit_batch: std::sync::Arc<crate::audit_pending::AuditBatch>,
    /// SQLite has one writer at a time: the writers of this process take turns here, in
    /// order, rather than polling SQLite's lock (its busy handler sleeps, up to 100 ms a try).
    pub(crate) write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// The connections of the reads every signed-in request makes ([`Database::reader`]).
    readers: Handle<SqliteReaders, std::sync::Arc<Readers<Postgres>>>,
}

/// SQLite's connections for reads: sqlx's, and those of short reads on the calling thread
/// ([`crate::inline`]).
#[derive(Clone)]
pub(crate) struct SqliteReaders {
    pooled: std::sync::Arc<Readers<Sqlite>>,
    pub(crate) inline: std::sync::Arc<InlineReaders>,
}

/// Connections kept for reads, beside the pool's: SQLite's readers run on threads of their
/// own, so few; PostgreSQL's wait on the network, so more.
const SQLITE_READERS: usize = 4;
const POSTGRES_READERS: usize = 8;

/// A connection for one read ([`Database::reader`]).
pub(crate) type Reading = Handle<Reader<Sqlite>, Reader<Postgres>>;

impl Reading {
    /// Hands the connection back after a read that succeeded (dropped, it is closed).
    pub(crate) fn release(self) {
        dispatch!(self, |reader| reader.release())
    }
}

/// What a checkpoint of SQLite's write-ahead log did ([`Database::checkpoint`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalCheckpoint {
    /// Whether every page of the log is now in the database file as well.
    pub finished: bool,
    /// The pages in the log.
    pub log_pages: u64,
    /// The pages of the log that are in the database file now.
    pub copied_pages: u64,
}

/// The write-ahead log's size, in pages, past which a connection checkpoints as it commits
/// (SQLite's default is 1,000): rarely reached while the server checkpoints in the
/// background ([`Database::checkpoint`]).
pub const WAL_PAGES_BEFORE_CHECKPOINT: u32 = 10_000;

/// How long a writer waits for its turn before giving up, as SQLite's busy timeout does.
const WRITE_TURN_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the database URL must start with sqlite:// or postgres:// (got '{0}')")]
    UnknownScheme(String),
    #[error("could not open the database at {url}")]
    Open {
        url: String,
        #[source]
        source: anyhow::Error,
    },
}

impl Database {
    /// Opens the database the URL names: `sqlite://path` (created when missing) or
    /// `postgres://...`.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let open_error = |source: anyhow::Error| ConnectError::Open {
            url: redact(url),
            source,
        };
        if url.starts_with("sqlite:") {
            let pool = connect_sqlite(url).await.map_err(open_error)?;
            Ok(Self::new(Handle::Sqlite(pool)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = postgres_pool(16)
                .connect(url)
                .await
                .map_err(|e| open_error(e.into()))?;
            Ok(Self::new(Handle::Postgres(pool)))
        } else {
            Err(ConnectError::UnknownScheme(redact(url)))
        }
    }

    fn new(handle: Handle<SqlitePool, PgPool>) -> Self {
        let write_turn = matches!(handle, Handle::Sqlite(_))
            .then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        let readers = match &handle {
            Handle::Sqlite(pool) => Handle::Sqlite(SqliteReaders {
                pooled: Readers::new(pool, SQLITE_READERS),
                inline: InlineReaders::new(pool.connect_options().get_filename().to_owned()),
            }),
            Handle::Postgres(pool) => {
                // Each read is planned once per connection, with the plan that the test of
                // the hot queries checks (`query_plans`): left to choose, PostgreSQL plans a
                // read again on every run whenever its estimate for the values bound is
                // lower than the plan it keeps (a page's OFFSET, a moment), and planning cost
                // as much as the read.
                let options = (*pool.connect_options())
                    .clone()
                    .options([("plan_cache_mode", "force_generic_plan")]);
                Handle::Postgres(Readers::with_options(
                    std::sync::Arc::new(options),
                    POSTGRES_READERS,
                ))
            }
        };
        Self {
            handle,
            audit_key: None,
            audit_batch: Default::default(),
            write_turn,
            readers,
        }
    }

    /// A connection for a read that writes nothing: taken and handed back without the
    /// pool's pings ([`crate::readers`]).
    pub(crate) async fn reader(&self) -> anyhow::Result<Reading> {
        Ok(match &self.readers {
            Handle::Sqlite(readers) => Handle::Sqlite(readers.pooled.acquire().await?),
            Handle::Postgres(readers) => Handle::Postgres(readers.acquire().await?),
        })
    }

    /// The connections kept for reads.
    pub(crate) fn readers(&self) -> &Handle<SqliteReaders, std::sync::Arc<Readers<Postgres>>> {
        &self.readers
    }

    pub fn backend(&self) -> Backend {
        match self.handle {
            Handle::Sqlite(_) => Backend::Sqlite,
            Handle::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let chain_was_keyed = self.audit_chain_keyed().await;
        match &self.handle {
            Handle::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Handle::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        // Migration 0028 keys the audit chain: the rows written before are keyed once, now,
        // and only now (a row found unkeyed later was rewritten by someone without the key).
        if !chain_was_keyed {
            self.key_earlier_audit_rows().await?;
        }
        // Migration 0024 adds the charts' search keys; SQL cannot compute them.
        self.fill_search_keys().await
    }

    /// Answers whether the database can be reached right now.
    pub async fn ping(&self) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Copies the pages that SQLite's write-ahead log holds into the database file, without
    /// waiting for readers or writers (`PRAGMA wal_checkpoint(PASSIVE)`); nothing to do on
    /// PostgreSQL. The server runs it in the background, a few times a second, so that no
    /// commit on a request's way does it: a commit that checkpoints copies a thousand pages
    /// and waits for the disk twice, and every read's audit row waits behind it. Connections
    /// still checkpoint by themselves past [`WAL_PAGES_BEFORE_CHECKPOINT`] pages (a command
    /// that writes much, with no server running).
    pub async fn checkpoint(&self) -> anyhow::Result<WalCheckpoint> {
        let Handle::Sqlite(pool) = &self.handle else {
            return Ok(WalCheckpoint::default());
        };
        let (busy, log_pages, copied_pages): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(pool)
                .await
                .context("could not checkpoint the write-ahead log")?;
        Ok(WalCheckpoint {
            finished: busy == 0 && log_pages == copied_pages,
            log_pages: log_pages.max(0) as u64,
            copied_pages: copied_pages.max(0) as u64,
        })
    }

    /// Answers whether the database takes writes right now (a full disk or a read-only
    /// database does not): the one row of `readiness_probe` rewritten in a transaction and
    /// committed, the way every use case writes.
    pub async fn probe_writes(&self) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO readiness_probe (id, checked_at) VALUES (1, $1) \
                 ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            )
            .bind(Timestamp::now().to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.commit().await
    }

    /// Begins a use case that writes. Its audit rows go in with its writes
    /// ([`Tx::append_audit`]), committed together or not at all.
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        let write_turn = match &self.write_turn {
            Some(turn) => Some(
                tokio::time::timeout(WRITE_TURN_WAIT, turn.clone().lock_owned())
                    .await
                    .context("the database is busy: no turn to write within 10 seconds")?,
            ),
            None => None,
        };
        let handle = match &self.handle {
            // IMMEDIATE takes the write lock up front, so that two writers (of two processes)
            // wait for each other instead of failing when both try to upgrade a read lock.
            Handle::Sqlite(pool) => Handle::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Handle::Postgres(pool) => Handle::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            handle,
            audit_key: self.audit_key.clone(),
            _write_turn: write_turn,
        })
    }

    /// Begins a use case that only reads and records that it read: its audit rows are
    /// written when it is done ([`ReadTx::commit`]), together with those of other reads
    /// finishing at the same moment, and `commit` returns once they are durable. It takes no
    /// lock, waits for no writer and opens no transaction: each statement sees the data as of
    /// its own moment (a read whose statements must agree says so in one statement).
    pub async fn begin_read(&self) -> anyhow::Result<ReadTx> {
        Ok(ReadTx {
            handle: self.reader().await?,
            db: self.clone(),
            rows: Vec::new(),
        })
    }

    /// This database, sealing the audit rows it appends under `key`: the key lives in the
    /// settings, never in the database, so that whoever can write to the database still
    /// cannot rewrite the audit chain unnoticed.
    pub fn with_audit_key(mut self, key: crate::AuditKey) -> Self {
        self.audit_key = Some(key);
        self
    }

    pub async fn close(&self) {
        match &self.readers {
            Handle::Sqlite(readers) => {
                readers.inline.close();
                readers.pooled.close().await;
            }
            Handle::Postgres(readers) => readers.close().await,
        }
        dispatch!(&self.handle, |pool| pool.close().await)
    }
}

/// One database transaction: a use case's writes, committed together or not at all.
/// Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    pub(crate) handle:
        Handle<sqlx::Transaction<'static, Sqlite>, sqlx::Transaction<'static, Postgres>>,
    pub(crate) audit_key: Option<crate::AuditKey>,
    /// This process's SQLite writer turn, held until the transaction ends (after `handle`,
    /// which is dropped first).
    _write_turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// A connection inside a [`Tx`] or a [`ReadTx`], for statements both kinds of use case run.
pub(crate) type Conn<'a> = Handle<&'a mut sqlx::SqliteConnection, &'a mut sqlx::PgConnection>;

impl Tx {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.handle {
            Handle::Sqlite(tx) => Handle::Sqlite(&mut **tx),
            Handle::Postgres(tx) => Handle::Postgres(&mut **tx),
        }
    }

    /// Commits. When the COMMIT fails, the transaction is dropped: sqlx queues a ROLLBACK on
    /// its connection, and the pool keeps the connection only if that leaves it outside any
    /// transaction (see [`outside_transaction`]).
    pub async fn commit(self) -> anyhow::Result<()> {
        dispatch!(self.handle, |tx| tx.commit().await.context("commit failed"))
    }
}

/// A use case that only reads ([`Database::begin_read`]): a connection of the pool, and the
/// audit rows to write when the reading is done. Dropped without [`ReadTx::commit`], it
/// records nothing, and what it read must not be shown.
pub struct ReadTx {
    pub(crate) handle: Reading,
    db: Database,
    pub(crate) rows: Vec<crate::audit_pending::PendingRow>,
}

impl ReadTx {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.handle {
            Handle::Sqlite(conn) => Handle::Sqlite(&mut **conn),
            Handle::Postgres(conn) => Handle::Postgres(&mut **conn),
        }
    }

    /// Hands the connection back and writes the audit rows (with those of other reads
    /// finishing now); returns once they are committed: what was read may be shown only then.
    pub async fn commit(self) -> anyhow::Result<()> {
        let ReadTx { handle, db, rows } = self;
        handle.release();
        if rows.is_empty() {
            return Ok(());
        }
        db.audit_batch.append(&db, rows).await
    }
}

/// The pool of a PostgreSQL database. A connection handed back inside a transaction (a
/// ROLLBACK it could not run) is closed rather than kept.
fn postgres_pool(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // A dropped transaction's ROLLBACK is queued and counted at once: the depth is final.
        .after_release(|conn, _| Box::pin(async move { Ok(outside_transaction(conn)) }))
}

/// The pool of an SQLite database, with the same rule as [`postgres_pool`].
fn sqlite_pool(max_connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // A file has no far end to hang up: pinging each connection as it leaves the pool
        // would only add a round trip to its worker thread to every statement.
        .test_before_acquire(false)
        .after_release(|conn, _| {
            Box::pin(async move {
                if conn.is_in_transaction() {
                    // The ROLLBACK of a dropped transaction waits in the connection's queue:
                    // a ping runs after it, so that the depth below is its outcome.
                    conn.ping().await?;
                }
                Ok(outside_transaction(conn))
            })
        })
}

/// Whether a connection handed back to the pool may serve the next use case: only outside
/// any transaction. When SQLite fails a COMMIT with "database or disk is full", it has rolled
/// the transaction back itself; the ROLLBACK sqlx then sends fails ("no transaction is
/// active"), and sqlx would count the connection as still inside a transaction for good:
/// every later BEGIN on it fails ("attempted to call begin_with at non-zero transaction
/// depth") until a restart. Such a connection is closed instead, and the pool opens a fresh
/// one when it needs one.
fn outside_transaction<C: Connection>(conn: &C) -> bool {
    let outside = !conn.is_in_transaction();
    if !outside {
        tracing::warn!(
            "closing a database connection left inside a transaction (a COMMIT or ROLLBACK \
             failed)"
        );
    }
    outside
}

async fn connect_sqlite(url: &str) -> anyhow::Result<SqlitePool> {
    let options = sqlite_options(url)?;
    let file = options.get_filename().to_string_lossy();
    let memory_mode = url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair == "mode=memory"));
    anyhow::ensure!(
        file != ":memory:" && !file.starts_with("file:") && !memory_mode,
        "an in-memory SQLite database cannot be shared by the server's connections: give a \
         file's path (sqlite://path/to/portal.db)"
    );
    if let Some(parent) = Path::new(options.get_filename()).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create the folder {}", parent.display()))?;
    }
    let pool = sqlite_pool(8).connect_with(options).await?;
    Ok(pool)
}

fn sqlite_options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma(
            "wal_autocheckpoint",
            WAL_PAGES_BEFORE_CHECKPOINT.to_string(),
        ))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Database {
    /// Brings PostgreSQL's planner statistics up to date (`ANALYZE`) after an import has
    /// changed many rows: until autovacuum gets to it, the planner takes a patient's
    /// thousands of new results for a handful and may read them all where an index finds
    /// the few it needs. SQLite's plans do not depend on statistics: nothing to do.
    pub async fn refresh_statistics(&self) -> anyhow::Result<()> {
        if let Handle::Postgres(pool) = &self.handle {
            sqlx::raw_sql("ANALYZE").execute(pool).await?;
        }
        Ok(())
    }

    /// Runs one administrative statement (`CREATE DATABASE ...`) outside a transaction; for
    /// test harnesses and benchmarks that create databases of their own.
    pub async fn execute_admin(&self, statement: &str) -> anyhow::Result<()> {
        let statement = sqlx::AssertSqlSafe(statement.to_owned());
        dispatch!(&self.handle, |pool| {
            sqlx::raw_sql(statement).execute(pool).await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool of one connection: each use case gets the connection the one before left.
    async fn one_connection(url: &str) -> Database {
        let handle = if url.starts_with("sqlite:") {
            Handle::Sqlite(
                sqlite_pool(1)
                    .connect_with(sqlite_options(url).unwrap())
                    .await
                    .unwrap(),
            )
        } else {
            Handle::Postgres(postgres_pool(1).connect(url).await.unwrap())
        };
        Database::new(handle)
    }

    /// An in-memory SQLite database would be a different, empty one on each connection: the
    /// URL is refused with what to give instead.
    #[tokio::test]
    async fn an_in_memory_sqlite_database_is_refused() {
        for url in ["sqlite::memory:", "sqlite://portal.db?mode=memory"] {
            let error = Database::connect(url).await.err().unwrap();
            let message = format!("{:#}", anyhow::Error::from(error));
            assert!(
                message.contains("in-memory SQLite database") && message.contains("file's path"),
                "{url}: {message}"
            );
        }
    }

    /// Writes `n` in a transaction and commits it.
    async fn note(db: &Database, n: i64) -> anyhow::Result<()> {
        let mut tx = db.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("INSERT INTO notes (n) VALUES ($1)")
                .bind(n)
                .execute(&mut **tx)
                .await?;
        });
        tx.commit().await
    }

    async fn notes(db: &Database) -> Vec<i64> {
        dispatch!(&db.handle, |pool| {
            sqlx::query_scalar("SELECT n FROM notes ORDER BY n")
                .fetch_all(pool)
                .await
                .unwrap()
        })
    }

    /// The disk-full episode of issue 12: SQLite failed a COMMIT and rolled the transaction
    /// back itself, and every later transaction on that connection failed until a restart.
    /// A commit hook that refuses makes SQLite do the same: the COMMIT fails and SQLite rolls
    /// back on its own.
    #[tokio::test]
    async fn a_commit_that_sqlite_rolled_back_leaves_the_pool_working() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("faults.db").display());
        let db = one_connection(&url).await;
        db.execute_admin("CREATE TABLE notes (n INTEGER NOT NULL)")
            .await
            .unwrap();
        note(&db, 1).await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let Handle::Sqlite(conn) = &mut tx.handle else {
            panic!("an SQLite transaction");
        };
        conn.lock_handle().await.unwrap().set_commit_hook(|| false);
        sqlx::query("INSERT INTO notes (n) VALUES (2)")
            .execute(&mut **conn)
            .await
            .unwrap();
        let refused = tx.commit().await.expect_err("the hook refuses the commit");
        assert!(
            format!("{refused:#}").contains("commit failed"),
            "{refused:#}"
        );

        // The pool's only connection was the one whose commit failed.
        note(&db, 3)
            .await
            .expect("the next use case begins, writes and commits");
        assert_eq!(notes(&db).await, [1, 3], "the refused write is not there");
        db.close().await;
    }

    /// On PostgreSQL a COMMIT that fails (a deferred constraint) ends the transaction too;
    /// the next use case on the same connection works.
    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn a_commit_that_postgres_refused_leaves_the_pool_working() {
        let url = std::env::var("PORCHLIGHT_TEST_POSTGRES_URL").unwrap();
        let db = one_connection(&url).await;
        // A temporary table lives on the pool's only connection and goes with it.
        db.execute_admin(
            "CREATE TEMPORARY TABLE notes (n BIGINT NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED)",
        )
        .await
        .unwrap();
        note(&db, 1).await.unwrap();

        let mut tx = db.begin().await.unwrap();
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("INSERT INTO notes (n) VALUES (1)")
                .execute(&mut **tx)
                .await
                .unwrap();
        });
        let refused = tx
            .commit()
            .await
            .expect_err("the deferred check fails at COMMIT");
        assert!(
            format!("{refused:#}").contains("commit failed"),
            "{refused:#}"
        );

        note(&db, 3)
            .await
            .expect("the next use case begins, writes and commits");
        assert_eq!(notes(&db).await, [1, 3], "the refused write is not there");
        db.close().await;
    }

    /// Commits leave their pages in the write-ahead log (a connection checkpoints by itself
    /// only past [`WAL_PAGES_BEFORE_CHECKPOINT`] pages); the background checkpoint copies
    /// them into the database file, and the log is started over by the next write.
    #[tokio::test]
    async fn commits_leave_the_checkpoint_to_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("wal.db").display());
        let db = Database::connect(&url).await.unwrap();
        let Handle::Sqlite(pool) = &db.handle else {
            panic!("an SQLite database");
        };
        let threshold: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(threshold, i64::from(WAL_PAGES_BEFORE_CHECKPOINT));
        db.execute_admin("CREATE TABLE notes (n INTEGER NOT NULL)")
            .await
            .unwrap();
        // Well past SQLite's default of 1,000 pages: each commit writes at least one.
        for n in 0..1_200 {
            note(&db, n).await.unwrap();
        }
        let wal = dir.path().join("wal.db-wal");
        let before = std::fs::metadata(&wal).unwrap().len();
        assert!(
            before > 1_200 * 4_096,
            "the log holds every commit: {before} bytes"
        );

        let done = db.checkpoint().await.unwrap();
        assert!(done.finished, "{done:?}");
        assert!(done.log_pages >= 1_200, "{done:?}");
        assert_eq!(done.copied_pages, done.log_pages);

        // Started over: the next commit writes at the log's beginning.
        note(&db, 1_200).await.unwrap();
        let again = db.checkpoint().await.unwrap();
        assert!(again.log_pages < 10, "{again:?}");
        assert_eq!(notes(&db).await.len(), 1_201);
        db.close().await;
    }

    /// PostgreSQL keeps a prepared statement's plan for the connection's life: the sealer's
    /// statements and the inserts of read batches are planned each time instead, so that no
    /// plan made while the audit tables were empty (a new installation) reads them whole
    /// once they have grown ([`crate::audit_pending`]).
    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn the_sealer_keeps_no_plan_made_for_smaller_tables() {
        let scratch = crate::testing::Scratch::migrated(Backend::Postgres).await;
        let db = one_connection(&scratch.url)
            .await
            .with_audit_key(crate::testing::Scratch::audit_key());
        // Statistics of empty tables, as right after migrating.
        db.refresh_statistics().await.unwrap();
        let entry = crate::AuditEntry {
            organization: None,
            actor: crate::AuditActor::System("test".to_owned()),
            action: "test.read".to_owned(),
            patient: None,
            subject: None,
            client_addr: None,
            request_id: None,
            detail: None,
        };
        for _ in 0..3 {
            let mut read = db.begin_read().await.unwrap();
            read.append_audit(&entry).await.unwrap();
            read.commit().await.unwrap();
            assert_eq!(db.seal_audit(250).await.unwrap(), 1);
        }
        assert_eq!(db.seal_audit(250).await.unwrap(), 0, "nothing left to seal");

        let Handle::Postgres(pool) = &db.handle else {
            panic!("a PostgreSQL database");
        };
        // The pool's only connection: the one that sealed.
        let kept: Vec<String> = sqlx::query_scalar("SELECT statement FROM pg_prepared_statements")
            .fetch_all(pool)
            .await
            .unwrap();
        let audit_tables = kept
            .iter()
            .filter(|sql| sql.contains("audit_log") || sql.contains("audit_pending"))
            .collect::<Vec<_>>();
        assert!(
            audit_tables.is_empty(),
            "statements on the audit tables kept prepared: {audit_tables:#?}"
        );
        assert!(
            !kept.is_empty(),
            "the connection keeps the other statements (the sealer's lock)"
        );
        db.close().await;
        scratch.finish().await;
    }

    /// PostgreSQL has nothing to checkpoint on the server's behalf.
    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn postgres_needs_no_checkpoint() {
        let url = std::env::var("PORCHLIGHT_TEST_POSTGRES_URL").unwrap();
        let db = one_connection(&url).await;
        assert_eq!(db.checkpoint().await.unwrap(), WalCheckpoint::default());
        db.close().await;
    }

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/porchlight"),
            "postgres://app:***@db:5432/porchlight"
        );
        assert_eq!(redact("postgres://app@db/p"), "postgres://app@db/p");
        assert_eq!(redact("sqlite://data/p.db"), "sqlite://data/p.db");
    }
}
