//! SQLite's short reads, run on the thread that asks for them.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement is handed to that
//! thread and every row handed back, two thread switches a statement. Measured on the 2-core
//! machine of `docs/PERFORMANCE.md`, the hand-offs cost six to eight times the statement
//! itself (an indexed lookup takes 3 µs), and they were the largest part of a signed-in
//! request's time. The reads every signed-in request makes (its session, its home page) are
//! short and indexed, and a reader of SQLite's write-ahead log never waits for a writer, so
//! they run here: on connections of their own, opened on the same file, that refuse to write
//! (`query_only`). Long reads and every write stay on sqlx's connections.

use std::{
    cell::Cell,
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, Row, ToSql, config::DbConfig, types::FromSql};
use uuid::Uuid;

/// How long a read waits on a locked database. A reader of the write-ahead log waits only
/// while another connection opens or recovers the log: rarely, and briefly.
const BUSY_WAIT: Duration = Duration::from_secs(1);
/// Connections kept resting for the next reads: about one per thread that reads at once.
const KEEP: usize = 8;
/// Statements each connection keeps prepared: the hot reads are a handful.
const KEEP_PREPARED: usize = 32;

/// Connections for short reads on the calling thread ([`InlineReaders::take`]).
pub(crate) struct InlineReaders {
    path: PathBuf,
    idle: Mutex<Idle>,
}

struct Idle {
    connections: Vec<Connection>,
    /// Set by [`InlineReaders::close`]: no read starts after it.
    closed: bool,
}

impl InlineReaders {
    /// Readers of the SQLite database file at `path` (which must exist: sqlx creates it).
    pub(crate) fn new(path: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            path,
            idle: Mutex::new(Idle {
                connections: Vec::with_capacity(KEEP),
                closed: false,
            }),
        })
    }

    /// A connection for one read: a resting one, or a new one.
    pub(crate) fn take(self: &Arc<Self>) -> anyhow::Result<InlineReader> {
        let rested = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            anyhow::ensure!(!idle.closed, "the database is closed");
            idle.connections.pop()
        };
        let conn = match rested {
            Some(conn) => conn,
            None => self.open()?,
        };
        Ok(InlineReader {
            conn: Some(conn),
            readers: Arc::clone(self),
        })
    }

    fn open(&self) -> anyhow::Result<Connection> {
        let opening = || -> rusqlite::Result<Connection> {
            // Not created here: a missing file is an error, not a new empty database.
            let conn = Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(BUSY_WAIT)?;
            conn.pragma_update(None, "query_only", true)?;
            // Planned once, whatever the values bound: by default SQLite plans a statement
            // again each time a value that may change its plan is bound (a `LIMIT $n`, a
            // `LIKE $n` pattern): measured at a tenth of the results list's time.
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
            conn.set_prepared_statement_cache_capacity(KEEP_PREPARED);
            Ok(conn)
        };
        opening().with_context(|| {
            format!(
                "could not open the database at {} for reading",
                self.path.display()
            )
        })
    }

    /// Closes the resting connections; reads asked for after this fail.
    pub(crate) fn close(&self) {
        let resting = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.closed = true;
            std::mem::take(&mut idle.connections)
        };
        drop(resting);
    }

    #[cfg(test)]
    fn resting(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .connections
            .len()
    }
}

/// A connection taken for one read. [`InlineReader::release`] hands it back after a read
/// that succeeded; dropped (a read that failed, or was abandoned), it is closed.
pub(crate) struct InlineReader {
    conn: Option<Connection>,
    readers: Arc<InlineReaders>,
}

impl InlineReader {
    pub(crate) fn release(mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let mut idle = self
            .readers
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !idle.closed && idle.connections.len() < KEEP {
            idle.connections.push(conn);
        }
    }

    /// The first row of `sql`, if any. `args[i]` is the statement's `$i+1`, as with sqlx.
    pub(crate) fn optional<T: FromInline>(
        &self,
        sql: &str,
        args: &[&dyn ToSql],
    ) -> anyhow::Result<Option<T>> {
        let mut found = None;
        self.each(sql, args, |row, columns| {
            found = Some(T::from_inline(row, columns)?);
            Ok(false)
        })?;
        Ok(found)
    }

    /// Every row of `sql`.
    pub(crate) fn all<T: FromInline>(
        &self,
        sql: &str,
        args: &[&dyn ToSql],
    ) -> anyhow::Result<Vec<T>> {
        let mut rows = Vec::new();
        self.each(sql, args, |row, columns| {
            rows.push(T::from_inline(row, columns)?);
            Ok(true)
        })?;
        Ok(rows)
    }

    #[cfg(test)]
    pub(crate) fn connection(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a reader holds its connection until released")
    }

    /// Steps through the rows of `sql` while `row` answers true.
    fn each(
        &self,
        sql: &str,
        args: &[&dyn ToSql],
        mut row: impl FnMut(&Row<'_>, &Columns) -> rusqlite::Result<bool>,
    ) -> anyhow::Result<()> {
        let conn = self
            .conn
            .as_ref()
            .expect("a reader holds its connection until released");
        let mut stepping = || -> rusqlite::Result<()> {
            let mut statement = conn.prepare_cached(sql)?;
            // By number, as sqlx binds SQLite's `$1`: a statement may name its parameters in
            // any order, and more than once. One it gives no value stays NULL, as with sqlx.
            for index in 1..=statement.parameter_count() {
                let name = statement.parameter_name(index).unwrap_or("?");
                let number = name
                    .strip_prefix('$')
                    .and_then(|number| number.parse::<usize>().ok())
                    .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_owned()))?;
                if let Some(arg) = number.checked_sub(1).and_then(|i| args.get(i)) {
                    statement.raw_bind_parameter(index, arg)?;
                }
            }
            let columns = Columns {
                names: statement
                    .column_names()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                next: Cell::new(0),
            };
            let mut rows = statement.raw_query();
            while let Some(next) = rows.next()? {
                if !row(next, &columns)? {
                    break;
                }
            }
            Ok(())
        };
        stepping().context("could not read from the database")
    }
}

/// How many times SQLite planned `sql` again on `conn` over `runs` runs with each parameter
/// bound (to 1). A statement is planned once and kept, unless a value bound to it may change
/// its plan and the connection plans by values (sqlx's do): then every run plans it again.
#[cfg(test)]
pub(crate) fn replans(conn: &Connection, sql: &str, runs: usize) -> rusqlite::Result<i32> {
    let mut statement = conn.prepare_cached(sql)?;
    for _ in 0..runs {
        for index in 1..=statement.parameter_count() {
            statement.raw_bind_parameter(index, 1_i64)?;
        }
        let mut rows = statement.raw_query();
        while rows.next()?.is_some() {}
    }
    Ok(statement.get_status(rusqlite::StatementStatus::RePrepare))
}

/// A row type read by an [`InlineReader`]: its columns by name, as sqlx's `FromRow` reads
/// them.
pub(crate) trait FromInline: Sized {
    fn from_inline(row: &Row<'_>, columns: &Columns) -> rusqlite::Result<Self>;
}

/// The names of a statement's columns, read once for all its rows (rusqlite's own lookup by
/// name asks SQLite for every name of the row each time).
pub(crate) struct Columns {
    names: Vec<String>,
    /// Where the next name asked for is looked for first: a row type reads its fields in
    /// the order a statement usually selects them.
    next: Cell<usize>,
}

impl Columns {
    /// The value of the column `name`.
    pub(crate) fn get<T: Column>(&self, row: &Row<'_>, name: &str) -> rusqlite::Result<T> {
        let guess = self.next.get();
        let index = if self.names.get(guess).is_some_and(|column| column == name) {
            guess
        } else {
            self.names
                .iter()
                .position(|column| column == name)
                .ok_or_else(|| rusqlite::Error::InvalidColumnName(name.to_owned()))?
        };
        self.next.set(index + 1);
        T::column(row, index)
    }
}

/// A column's value, stored as sqlx stores it on SQLite.
pub(crate) trait Column: Sized {
    fn column(row: &Row<'_>, index: usize) -> rusqlite::Result<Self>;
}

/// Columns that rusqlite reads as sqlx writes them: text, integers, reals, 0/1 for booleans,
/// a UUID as its 16 bytes.
macro_rules! plain_columns {
    ($($ty:ty),* $(,)?) => {$(
        impl Column for $ty {
            fn column(row: &Row<'_>, index: usize) -> rusqlite::Result<Self> {
                row.get(index)
            }
        }
        impl Column for Option<$ty> {
            fn column(row: &Row<'_>, index: usize) -> rusqlite::Result<Self> {
                row.get(index)
            }
        }
    )*};
}
plain_columns!(String, i64, f64, bool, Uuid);

/// A moment as jiff-sqlx stores it on SQLite: its RFC 3339 text.
impl Column for Option<jiff_sqlx::Timestamp> {
    fn column(row: &Row<'_>, index: usize) -> rusqlite::Result<Self> {
        static PARSER: jiff::fmt::temporal::DateTimeParser =
            jiff::fmt::temporal::DateTimeParser::new();
        let Some(text) = row.get_ref(index)?.as_str_or_null()? else {
            return Ok(None);
        };
        PARSER
            .parse_timestamp(text)
            .map(|at| Some(jiff_sqlx::Timestamp::from(at)))
            .map_err(|error| {
                rusqlite::Error::FromSqlConversionFailure(
                    index,
                    rusqlite::types::Type::Text,
                    Box::new(error),
                )
            })
    }
}

impl Column for jiff_sqlx::Timestamp {
    fn column(row: &Row<'_>, index: usize) -> rusqlite::Result<Self> {
        Option::<Self>::column(row, index)?.ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(
                index,
                row.as_ref()
                    .column_name(index)
                    .unwrap_or_default()
                    .to_owned(),
                rusqlite::types::Type::Null,
            )
        })
    }
}

/// [`FromInline`] for a struct whose fields are columns of the same names; the fields after
/// `flatten` are rows of their own read from the same columns (sqlx's `#[sqlx(flatten)]`).
macro_rules! inline_row {
    ($row:ty { $($field:ident),* $(,)? } $(flatten { $($flat:ident),* $(,)? })?) => {
        impl $crate::inline::FromInline for $row {
            fn from_inline(
                row: &rusqlite::Row<'_>,
                columns: &$crate::inline::Columns,
            ) -> rusqlite::Result<Self> {
                Ok(Self {
                    $($field: columns.get(row, stringify!($field))?,)*
                    $($($flat: $crate::inline::FromInline::from_inline(row, columns)?,)*)?
                })
            }
        }
    };
}
pub(crate) use inline_row;

/// A row read into a tuple, its columns in order, as sqlx reads tuples.
macro_rules! tuple_rows {
    ($(($($ty:ident $index:tt),+)),* $(,)?) => {$(
        impl<$($ty: Column),+> FromInline for ($($ty,)+) {
            fn from_inline(row: &Row<'_>, _: &Columns) -> rusqlite::Result<Self> {
                Ok(($($ty::column(row, $index)?,)+))
            }
        }
    )*};
}
tuple_rows!(
    (A 0),
    (A 0, B 1),
    (A 0, B 1, C 2),
    (A 0, B 1, C 2, D 3),
    (A 0, B 1, C 2, D 3, E 4),
    (A 0, B 1, C 2, D 3, E 4, F 5),
);

/// A single column's rows (`SELECT display FROM …`), as sqlx's `query_scalar`.
#[derive(Debug)]
pub(crate) struct Scalar<T>(pub(crate) T);

impl<T: FromSql> FromInline for Scalar<T> {
    fn from_inline(row: &Row<'_>, _: &Columns) -> rusqlite::Result<Self> {
        row.get(0).map(Scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> (tempfile::TempDir, Arc<InlineReaders>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; \
             CREATE TABLE t (id BLOB PRIMARY KEY, name TEXT NOT NULL, at TEXT, n INTEGER, \
             flag INTEGER NOT NULL, x REAL);",
        )
        .unwrap();
        (dir, InlineReaders::new(path))
    }

    struct T {
        id: Uuid,
        name: String,
        at: Option<jiff_sqlx::Timestamp>,
        n: Option<i64>,
        flag: bool,
        x: Option<f64>,
    }
    inline_row!(T {
        id,
        name,
        at,
        n,
        flag,
        x
    });

    /// Reads what sqlx wrote, as sqlx reads it: UUIDs, text, moments, integers, booleans,
    /// reals, by `$n` in any order, into structs by name and into tuples in order.
    #[tokio::test]
    async fn reads_what_sqlx_writes() {
        use jiff_sqlx::ToSqlx;
        use sqlx::Connection as _;
        let (dir, readers) = database();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let mut writer = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let id = Uuid::now_v7();
        let at = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        sqlx::query(
            "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6), ($7, 'other', NULL, NULL, 0, NULL)",
        )
        .bind(id)
        .bind("Ana")
        .bind(at.to_sqlx())
        .bind(42_i64)
        .bind(true)
        .bind(5.5_f64)
        .bind(Uuid::now_v7())
        .execute(&mut writer)
        .await
        .unwrap();

        let reader = readers.take().unwrap();
        let row: Option<T> = reader
            .optional(
                "SELECT id, name, at, n, flag, x FROM t WHERE name = $2 AND id = $1",
                &[&id, &"Ana"],
            )
            .unwrap();
        let row = row.unwrap();
        assert_eq!(
            (row.id, row.name.as_str(), row.n, row.flag, row.x),
            (id, "Ana", Some(42), true, Some(5.5))
        );
        assert_eq!(row.at.map(|at| at.to_jiff()), Some(at));
        let others: Vec<T> = reader
            .all(
                "SELECT id, name, at, n, flag, x FROM t WHERE id <> $1",
                &[&id],
            )
            .unwrap();
        assert_eq!(others.len(), 1);
        assert_eq!(
            (others[0].at.is_none(), others[0].flag, others[0].x),
            (true, false, None)
        );
        // Columns in another order than the fields, over several rows: found by name.
        let shuffled: Vec<T> = reader
            .all("SELECT x, flag, n, at, name, id FROM t ORDER BY name", &[])
            .unwrap();
        let read: Vec<(&str, Option<i64>, bool, Option<f64>)> = shuffled
            .iter()
            .map(|row| (row.name.as_str(), row.n, row.flag, row.x))
            .collect();
        assert_eq!(
            read,
            [
                ("Ana", Some(42), true, Some(5.5)),
                ("other", None, false, None)
            ]
        );
        assert_eq!(shuffled[0].id, id);
        let missing: Option<T> = reader
            .optional("SELECT id, name, at, n, flag, x FROM t WHERE n = 7", &[])
            .unwrap();
        assert!(missing.is_none());
        let pairs: Vec<(String, Option<i64>)> = reader
            .all("SELECT name, n FROM t ORDER BY name", &[])
            .unwrap();
        assert_eq!(
            pairs,
            [("Ana".to_owned(), Some(42)), ("other".to_owned(), None)]
        );
        // Parameters are `$n`, as everywhere in this crate: a bare `?` is refused.
        let error = reader
            .optional::<Scalar<i64>>("SELECT ?", &[&1_i64])
            .unwrap_err();
        assert!(
            format!("{error:#}").contains("Invalid parameter name: ?"),
            "unexpected error: {error:#}"
        );
        reader.release();
        assert_eq!(readers.resting(), 1);
    }

    /// The connections refuse to write, and one whose read failed is not kept.
    #[test]
    fn refuses_writes_and_closes_a_failed_connection() {
        let (_dir, readers) = database();
        let reader = readers.take().unwrap();
        let error = reader
            .all::<Scalar<i64>>("DELETE FROM t RETURNING n", &[])
            .unwrap_err();
        assert!(
            format!("{error:#}").contains("readonly"),
            "unexpected error: {error:#}"
        );
        drop(reader);
        assert_eq!(readers.resting(), 0);
        let reader = readers.take().unwrap();
        let count: Option<Scalar<i64>> = reader.optional("SELECT COUNT(*) FROM t", &[]).unwrap();
        assert_eq!(count.map(|c| c.0), Some(0));
        reader.release();
        assert_eq!(readers.resting(), 1);
    }

    /// A statement whose bound values could change its plan (a limit, a LIKE pattern) is
    /// planned once on the readers' connections, where a plain connection plans it again on
    /// every run.
    #[test]
    fn statements_are_planned_once_whatever_the_values() {
        let (dir, readers) = database();
        let sql = "SELECT n FROM t WHERE name LIKE $1 ORDER BY n LIMIT $2";
        let plain = Connection::open(dir.path().join("p.db")).unwrap();
        assert_eq!(replans(&plain, sql, 3).unwrap(), 3);
        let reader = readers.take().unwrap();
        assert_eq!(replans(reader.connection(), sql, 3).unwrap(), 0);
        reader.release();
    }

    /// After `close`, nothing is read, and a missing file is an error rather than a new
    /// database.
    #[test]
    fn closed_or_missing_databases_are_errors() {
        let (dir, readers) = database();
        readers.close();
        let error = readers.take().err().unwrap();
        assert!(format!("{error:#}").contains("closed"));
        let missing = InlineReaders::new(dir.path().join("missing.db"));
        let error = missing.take().err().unwrap();
        assert!(
            format!("{error:#}").contains("could not open the database"),
            "unexpected error: {error:#}"
        );
        assert!(!dir.path().join("missing.db").exists());
    }
}
