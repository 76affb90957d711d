//! Reads of a few short, indexed statements, written once for both databases: the session of
//! every signed-in request, the home page, the results. On SQLite they run on the calling
//! thread ([`crate::inline`]), on PostgreSQL on a reader connection ([`crate::readers`]).
//! Like a [`crate::ReadTx`], a short read takes no lock and opens no transaction, and its
//! audit rows are written with those of other reads finishing at the same moment.

use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use sqlx::{
    Postgres,
    postgres::{PgArguments, PgRow},
    query::QueryAs,
};
use uuid::Uuid;

use crate::{
    AuditEntry, Backend, Database,
    audit_pending::PendingRow,
    database::Handle,
    inline::{FromInline, InlineReader, Scalar},
    readers::Reader,
};

/// A value for a statement's `$n`, bound alike on both databases (as sqlx binds it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Uuid(Uuid),
    Text(&'a str),
    Int(i64),
    At(Timestamp),
}

impl From<Uuid> for Arg<'_> {
    fn from(id: Uuid) -> Self {
        Arg::Uuid(id)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<Timestamp> for Arg<'_> {
    fn from(at: Timestamp) -> Self {
        Arg::At(at)
    }
}

/// As sqlx stores them on SQLite: a UUID's 16 bytes, a moment's RFC 3339 text.
impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Uuid(id) => ToSqlOutput::Borrowed(ValueRef::Blob(id.as_bytes())),
            Arg::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Arg::Int(n) => ToSqlOutput::Owned(Value::Integer(*n)),
            Arg::At(at) => ToSqlOutput::Owned(Value::Text(at.to_string())),
        })
    }
}

/// `sql` on PostgreSQL with `args` bound in order.
fn query<'q, O>(sql: &'q str, args: &[Arg<'q>]) -> QueryAs<'q, Postgres, O, PgArguments>
where
    O: for<'r> sqlx::FromRow<'r, PgRow>,
{
    args.iter().fold(
        sqlx::query_as(sqlx::AssertSqlSafe(sql)),
        |query, arg| match *arg {
            Arg::Uuid(id) => query.bind(id),
            Arg::Text(text) => query.bind(text),
            Arg::Int(n) => query.bind(n),
            Arg::At(at) => query.bind(at.to_sqlx()),
        },
    )
}

/// A row that a short read can read on either database.
pub(crate) trait ReadRow:
    FromInline + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T: FromInline + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin> ReadRow for T {}

impl<'r, T> sqlx::FromRow<'r, PgRow> for Scalar<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get(row, 0).map(Scalar)
    }
}

/// A read of a few short statements ([`Database::begin_short_read`]), and the audit rows to
/// write when it is done. Dropped without [`ShortRead::commit`], it records nothing, and
/// what it read must not be shown.
pub(crate) struct ShortRead<'db> {
    conn: Handle<InlineReader, Reader<Postgres>>,
    db: &'db Database,
    rows: Vec<PendingRow>,
}

impl Database {
    /// Begins a short read: a connection of SQLite's inline readers or of PostgreSQL's
    /// readers.
    pub(crate) async fn begin_short_read(&self) -> anyhow::Result<ShortRead<'_>> {
        let conn = match self.readers() {
            Handle::Sqlite(readers) => Handle::Sqlite(readers.inline.take()?),
            Handle::Postgres(readers) => Handle::Postgres(readers.acquire().await?),
        };
        Ok(ShortRead {
            conn,
            db: self,
            rows: Vec::new(),
        })
    }
}

impl ShortRead<'_> {
    /// The database read, for a statement written for each.
    pub(crate) fn backend(&self) -> Backend {
        match self.conn {
            Handle::Sqlite(_) => Backend::Sqlite,
            Handle::Postgres(_) => Backend::Postgres,
        }
    }

    /// The first row of `sql`, if any; `args[i]` is its `$i+1`.
    pub(crate) async fn optional<T: ReadRow>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> anyhow::Result<Option<T>> {
        match &mut self.conn {
            Handle::Sqlite(conn) => conn.optional(sql, &as_sql(args)),
            Handle::Postgres(conn) => Ok(query(sql, args).fetch_optional(&mut **conn).await?),
        }
    }

    /// The first row of `sql`, which must have one.
    pub(crate) async fn one<T: ReadRow>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> anyhow::Result<T> {
        self.optional(sql, args)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no rows returned by a query that expected one"))
    }

    /// Every row of `sql`.
    pub(crate) async fn all<T: ReadRow>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> anyhow::Result<Vec<T>> {
        match &mut self.conn {
            Handle::Sqlite(conn) => conn.all(sql, &as_sql(args)),
            Handle::Postgres(conn) => Ok(query(sql, args).fetch_all(&mut **conn).await?),
        }
    }

    /// Records that this read happened: the row is written when the read commits.
    pub(crate) fn append_audit(&mut self, entry: &AuditEntry) {
        self.rows.push(PendingRow::now(entry));
    }

    /// Hands the connection back and writes the audit rows (with those of other reads
    /// finishing now); returns once they are committed: what was read may be shown only then.
    pub(crate) async fn commit(self) -> anyhow::Result<()> {
        let ShortRead { conn, db, rows } = self;
        match conn {
            Handle::Sqlite(conn) => conn.release(),
            Handle::Postgres(conn) => conn.release(),
        }
        if rows.is_empty() {
            return Ok(());
        }
        db.audit_batch.append(db, rows).await
    }
}

fn as_sql<'a>(args: &'a [Arg<'a>]) -> Vec<&'a dyn rusqlite::ToSql> {
    args.iter().map(|arg| arg as &dyn rusqlite::ToSql).collect()
}

#[cfg(test)]
mod tests {
    use crate::{Backend, inline::Scalar, testing::Scratch};

    /// PostgreSQL's readers keep one plan per statement and connection, the generic plan that
    /// `query_plans` checks, rather than planning again for the values of each run.
    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn postgres_reads_keep_the_plan_the_tests_check() {
        let scratch = Scratch::migrated(Backend::Postgres).await;
        let mut read = scratch.db.begin_short_read().await.unwrap();
        let mode: Scalar<String> = read.one("SHOW plan_cache_mode", &[]).await.unwrap();
        read.commit().await.unwrap();
        assert_eq!(mode.0, "force_generic_plan");
        scratch.finish().await;
    }
}
