//! Connections kept for reads (on PostgreSQL those of every signed-in request, its session
//! and its record; on SQLite those that are not short reads, [`crate::inline`]), outside
//! sqlx's pool: the pool pings a connection each time it is handed back
//! (and, by default, each time it is taken), a round trip to SQLite's worker thread or to
//! the PostgreSQL server that costs as much as the read itself. A connection here comes back
//! without a ping, and only from a read that succeeded: a read that failed or was dropped
//! half-way closes its connection, and the next read opens a fresh one. A connection that
//! rested long is pinged before it serves (the server may have restarted meanwhile).

use std::{
    ops::{Deref, DerefMut},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use anyhow::Context;
use sqlx::{Connection, Pool};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a connection may rest before it is pinged as it is taken.
const REST_BEFORE_PING: Duration = Duration::from_secs(30);
/// How long a read waits for a connection before giving up, as the pool's acquire does.
const WAIT: Duration = Duration::from_secs(10);

/// Up to `size` connections for reads, opened with the options of `pool` (or others given)
/// when needed.
pub(crate) struct Readers<DB: sqlx::Database> {
    options: Arc<<DB::Connection as Connection>::Options>,
    idle: Mutex<Idle<DB::Connection>>,
    permits: Arc<Semaphore>,
    /// How long a read waits for a connection, a new one's opening included ([`WAIT`]).
    wait: Duration,
}

struct Idle<C> {
    connections: Vec<(C, Instant)>,
    /// Set by [`Readers::close`]: connections handed back after it are closed.
    closed: bool,
}

/// A connection taken for one read; [`Reader::release`] hands it back.
pub(crate) struct Reader<DB: sqlx::Database> {
    conn: Option<DB::Connection>,
    readers: Arc<Readers<DB>>,
    _permit: OwnedSemaphorePermit,
}

impl<DB: sqlx::Database> Readers<DB> {
    pub(crate) fn new(pool: &Pool<DB>, size: usize) -> Arc<Self> {
        Self::with_options(pool.connect_options(), size)
    }

    /// Readers opening their connections with `options`.
    pub(crate) fn with_options(
        options: Arc<<DB::Connection as Connection>::Options>,
        size: usize,
    ) -> Arc<Self> {
        Self::waiting(options, size, WAIT)
    }

    fn waiting(
        options: Arc<<DB::Connection as Connection>::Options>,
        size: usize,
        wait: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            options,
            idle: Mutex::new(Idle {
                connections: Vec::with_capacity(size),
                closed: false,
            }),
            permits: Arc::new(Semaphore::new(size)),
            wait,
        })
    }

    /// A connection: a resting one, or a new one when none rests. Gives up after the wait
    /// ([`WAIT`]), whether for a free place or for a server that does not answer.
    pub(crate) async fn acquire(self: &Arc<Self>) -> anyhow::Result<Reader<DB>> {
        let seconds = self.wait.as_secs_f64();
        tokio::time::timeout(self.wait, self.take())
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "the database is busy or does not answer: no connection to read within \
                     {seconds} seconds"
                )
            })?
    }

    async fn take(self: &Arc<Self>) -> anyhow::Result<Reader<DB>> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .context("the database is closed")?;
        loop {
            let rested = {
                let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
                anyhow::ensure!(!idle.closed, "the database is closed");
                idle.connections.pop()
            };
            let conn = match rested {
                Some((mut conn, since)) => {
                    if since.elapsed() >= REST_BEFORE_PING && conn.ping().await.is_err() {
                        // Gone while it rested: try the next one.
                        continue;
                    }
                    conn
                }
                None => <DB::Connection as Connection>::connect_with(&self.options)
                    .await
                    .context("could not open a database connection")?,
            };
            return Ok(Reader {
                conn: Some(conn),
                readers: Arc::clone(self),
                _permit: permit,
            });
        }
    }

    /// Closes the resting connections; those in use are closed as they come back.
    pub(crate) async fn close(&self) {
        let resting = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.closed = true;
            std::mem::take(&mut idle.connections)
        };
        for (conn, _) in resting {
            let _ = conn.close().await;
        }
    }
}

impl<DB: sqlx::Database> Reader<DB> {
    /// Hands the connection back for the next read: only after a read that succeeded.
    pub(crate) fn release(mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let mut idle = self
            .readers
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if idle.closed {
            drop(idle);
            close_later(conn);
        } else {
            idle.connections.push((conn, Instant::now()));
        }
    }
}

/// A reader dropped without [`Reader::release`] (its read failed or was abandoned) closes
/// its connection, which may be mid-statement or broken.
impl<DB: sqlx::Database> Drop for Reader<DB> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            close_later(conn);
        }
    }
}

/// Closes a connection politely in the background (PostgreSQL is told goodbye), or at once
/// when there is no runtime to do it on.
fn close_later<C: Connection + 'static>(conn: C) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move {
                let _ = conn.close().await;
            });
        }
        Err(_) => drop(conn),
    }
}

impl<DB: sqlx::Database> Deref for Reader<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &Self::Target {
        self.conn
            .as_ref()
            .expect("a reader holds its connection until released")
    }
}

impl<DB: sqlx::Database> DerefMut for Reader<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.conn
            .as_mut()
            .expect("a reader holds its connection until released")
    }
}

#[cfg(test)]
mod tests {
    use sqlx::postgres::PgConnectOptions;

    use super::*;

    /// A server that takes the connection and never answers (hung, or behind a dead route):
    /// a read gives up after the wait instead of hanging with its request.
    #[tokio::test]
    async fn a_server_that_never_answers_fails_the_read_after_the_wait() {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let options = PgConnectOptions::new().host("127.0.0.1").port(port);
        let readers: Arc<Readers<sqlx::Postgres>> =
            Readers::waiting(Arc::new(options), 1, Duration::from_millis(300));

        let started = Instant::now();
        let error = match readers.acquire().await {
            Ok(_) => panic!("a server that never answers gave a connection"),
            Err(error) => format!("{error:#}"),
        };

        assert!(error.contains("does not answer"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        // The place is free again for the next read.
        assert_eq!(readers.permits.available_permits(), 1);
        drop(silent);
    }
}
