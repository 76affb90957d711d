use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool,
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
}

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
            Ok(Self {
                handle: Handle::Sqlite(pool),
                audit_key: None,
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(|e| open_error(e.into()))?;
            Ok(Self {
                handle: Handle::Postgres(pool),
                audit_key: None,
            })
        } else {
            Err(ConnectError::UnknownScheme(redact(url)))
        }
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

    pub async fn begin(&self) -> anyhow::Result<Tx> {
        let handle = match &self.handle {
            // IMMEDIATE takes the write lock up front, so that two writers wait for each other
            // instead of failing when both try to upgrade a read lock.
            Handle::Sqlite(pool) => Handle::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Handle::Postgres(pool) => Handle::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            handle,
            audit_key: self.audit_key.clone(),
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
        dispatch!(&self.handle, |pool| pool.close().await)
    }
}

/// One database transaction: a use case's writes, committed together or not at all.
/// Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    pub(crate) handle:
        Handle<sqlx::Transaction<'static, Sqlite>, sqlx::Transaction<'static, Postgres>>,
    pub(crate) audit_key: Option<crate::AuditKey>,
}

impl Tx {
    pub async fn commit(self) -> anyhow::Result<()> {
        dispatch!(self.handle, |tx| tx.commit().await.context("commit failed"))
    }
}

async fn connect_sqlite(url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    if let Some(parent) = Path::new(options.get_filename()).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create the folder {}", parent.display()))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    Ok(pool)
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
    use super::redact;

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
