//! Audit rows on their way into the chain. A use case inserts its rows into `audit_pending`,
//! reading nothing back and taking no lock: reads hand theirs to the database's
//! [`AuditBatch`], which writes the rows of every read finishing at that moment in one
//! transaction; writes insert theirs in their own transaction. One sealer at a time, across
//! instances, then moves the rows into `audit_log` ([`Database::seal_audit`]), numbering them
//! without gaps in its own order and sealing each under the audit key.
//!
//! A row is durable once its use case commits, sealed or not: an answer is never sent before.
//! Until it is sealed a row is not covered by the chain; `audit verify` reports how many wait
//! and for how long.

use std::sync::{Arc, Mutex, OnceLock};

use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use uuid::Uuid;

use crate::{
    AuditEntry, Database, Tx,
    audit::{AuditContent, AuditHead, HashedFields, KEYED},
    database::{Handle, dispatch},
};

/// One audit row as inserted: the entry and when it happened.
#[derive(Debug, Clone)]
pub(crate) struct PendingRow {
    at: Timestamp,
    organization_id: Option<Uuid>,
    actor_kind: &'static str,
    actor_id: String,
    action: String,
    patient_id: Option<Uuid>,
    subject: Option<String>,
    client_addr: Option<String>,
    request_id: Option<String>,
    detail: Option<String>,
}

impl PendingRow {
    /// `entry`, happening now.
    pub(crate) fn now(entry: &AuditEntry) -> Self {
        // PostgreSQL keeps microseconds: the time sealed is the time stored.
        let now = Timestamp::now();
        Self {
            at: now.round(jiff::Unit::Microsecond).unwrap_or(now),
            organization_id: entry.organization.map(|o| o.as_uuid()),
            actor_kind: entry.actor.kind(),
            actor_id: entry.actor.id(),
            action: entry.action.clone(),
            patient_id: entry.patient.map(|p| p.as_uuid()),
            subject: entry.subject.clone(),
            client_addr: entry.client_addr.clone(),
            request_id: entry.request_id.clone(),
            detail: entry.detail.clone(),
        }
    }
}

/// Rows per INSERT statement: 10 values each, well under SQLite's 32,766 parameters.
const ROWS_PER_STATEMENT: usize = 500;

impl Tx {
    /// Inserts `rows` into `audit_pending` in this transaction.
    pub(crate) async fn insert_pending_audit(&mut self, rows: &[PendingRow]) -> anyhow::Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            dispatch!(&mut self.handle, |tx| {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_pending (at, organization_id, actor_kind, actor_id, action, \
                     patient_id, subject, client_addr, request_id, detail) ",
                );
                insert.push_values(chunk, |mut values, row| {
                    values
                        .push_bind(row.at.to_sqlx())
                        .push_bind(row.organization_id)
                        .push_bind(row.actor_kind)
                        .push_bind(row.actor_id.clone())
                        .push_bind(row.action.clone())
                        .push_bind(row.patient_id)
                        .push_bind(row.subject.clone())
                        .push_bind(row.client_addr.clone())
                        .push_bind(row.request_id.clone())
                        .push_bind(row.detail.clone());
                });
                // Not kept prepared: each count of rows is a statement of its own, and a
                // connection keeps a hundred ([`KEEP_PREPARED`]).
                insert
                    .build()
                    .persistent(KEEP_PREPARED)
                    .execute(&mut **tx)
                    .await?;
            });
        }
        Ok(())
    }
}

/// How one batch of read audit rows went, shared by every read in it.
type BatchOutcome = OnceLock<Result<(), String>>;

/// Group commit of the audit rows of reads. Each read queues its rows and waits for its turn;
/// the first to get it writes every row queued by then in one transaction, and the reads
/// whose rows went with it find them written when their turn comes. Under load one commit
/// serves many reads; alone, a read writes its own rows at once.
#[derive(Default)]
pub(crate) struct AuditBatch {
    queue: Mutex<Vec<(PendingRow, Arc<BatchOutcome>)>>,
    /// Held while a batch is written; waiters are served in order.
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Batches written so far: fewer than the reads they carried, under load.
    batches: Arc<std::sync::atomic::AtomicU64>,
}

impl AuditBatch {
    /// Writes `rows` (with those of other reads queued by then) and returns once they are
    /// committed.
    pub(crate) async fn append(&self, db: &Database, rows: Vec<PendingRow>) -> anyhow::Result<()> {
        let outcome = Arc::new(BatchOutcome::new());
        self.queue
            .lock()
            .expect("the audit queue is never left poisoned")
            .extend(rows.into_iter().map(|row| (row, outcome.clone())));
        let turn = self.turn.clone().lock_owned().await;
        if outcome.get().is_none() {
            // Before taking the queue, let the reads that are ready to finish queue their
            // rows too: under load, one commit then carries many reads' rows (each commit
            // is several hand-offs to SQLite's writer, a write to the log, and it empties
            // every reader's page cache); alone, a read is written after one yield.
            tokio::task::yield_now().await;
            let batch = std::mem::take(
                &mut *self
                    .queue
                    .lock()
                    .expect("the audit queue is never left poisoned"),
            );
            // Written by a task of its own, holding the turn: a read abandoned while it waits
            // (its client went away) does not leave the others' rows half-done.
            let db = db.clone();
            let batches = self.batches.clone();
            let writing = tokio::spawn(async move {
                batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let _turn = turn;
                let rows: Vec<PendingRow> = batch.iter().map(|(row, _)| row.clone()).collect();
                let written = write_batch(&db, &rows)
                    .await
                    .map_err(|error| format!("{error:#}"));
                for (_, outcome) in &batch {
                    let _ = outcome.set(written.clone());
                }
            });
            let _ = writing.await;
        }
        match outcome.get() {
            Some(Ok(())) => Ok(()),
            Some(Err(error)) => Err(anyhow::anyhow!("could not write audit rows: {error}")),
            None => Err(anyhow::anyhow!(
                "could not write audit rows: the writing task stopped"
            )),
        }
    }
}

impl AuditBatch {
    /// How many batches of read audit rows this database handle has written.
    pub(crate) fn batches(&self) -> u64 {
        self.batches.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Database {
    /// How many commits the audit rows of reads took so far on this handle (for the
    /// benchmark: reads per commit shows how well they are grouped).
    pub fn read_audit_commits(&self) -> u64 {
        self.audit_batch.batches()
    }
}

async fn write_batch(db: &Database, rows: &[PendingRow]) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    tx.insert_pending_audit(rows).await?;
    tx.commit().await
}

/// A waiting row as read back by the sealer.
#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: i64,
    #[sqlx(flatten)]
    content: AuditContent,
}

/// The audit rows not sealed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsealedAudit {
    pub rows: u64,
    /// When the oldest of them happened.
    pub oldest: Option<Timestamp>,
}

/// The sealer's statements, and the inserts of batches of rows, are planned each time they
/// run, never kept prepared on the connection (`persistent(false)`): PostgreSQL keeps the
/// plan of a prepared statement for the connection's life, and a plan made while the audit
/// tables were small (a new installation, its first minutes) reads them whole ever after: the
/// chain's head, found by a scan and a sort, took 35 to 41 ms a round with 140,000 rows, where
/// the index finds it in 0.05 ms. The batches are statements of many sizes besides, and a
/// connection keeps at most a hundred prepared.
const KEEP_PREPARED: bool = false;

/// Whether any row waits: by the oldest, on the index; the rows sealed since the table was
/// last vacuumed lie dead at the start of the table, where a scan in table order reads
/// them all first (3 ms at 46,000 of them).
pub(crate) const ANY_WAITING: &str = "SELECT id FROM audit_pending ORDER BY id LIMIT 1";
/// The newest sealed row, that the next is chained to.
pub(crate) const CHAIN_HEAD: &str = "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1";
/// The oldest rows waiting to be sealed, `max` at most (written in: SQLite plans a statement
/// again each time a bound limit is given a value).
pub(crate) fn waiting_rows(max: i64) -> String {
    format!(
        "SELECT id, at, organization_id, actor_kind, actor_id, action, patient_id, subject, \
         client_addr, request_id, detail FROM audit_pending ORDER BY id LIMIT {max}"
    )
}

/// The transaction-scoped PostgreSQL advisory lock of whoever extends the chain: the sealer,
/// and the keying of old rows when migration 0028 runs. Reads and writes never take it.
pub(crate) const CHAIN_LOCK: i64 = 7243;

impl Database {
    /// Seals up to `max` waiting audit rows: each is numbered right after the chain's head,
    /// in the order they were inserted, sealed under the audit key, and moved into
    /// `audit_log`. One sealer at a time across instances (SQLite's write lock; a PostgreSQL
    /// advisory lock). Answers how many were sealed.
    pub async fn seal_audit(&self, max: i64) -> anyhow::Result<u64> {
        let key = self.audit_key.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "the audit log is sealed under the secret key; this connection has none"
            )
        })?;
        let waiting: Option<i64> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(ANY_WAITING)
                .persistent(KEEP_PREPARED)
                .fetch_optional(pool)
                .await?
        });
        if waiting.is_none() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        if let Handle::Postgres(tx) = &mut tx.handle {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(CHAIN_LOCK)
                .execute(&mut **tx)
                .await?;
        }
        let head: Option<(i64, String)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(CHAIN_HEAD)
                .persistent(KEEP_PREPARED)
                .fetch_optional(&mut **tx)
                .await?
        });
        let waiting: Vec<WaitingRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(sqlx::AssertSqlSafe(waiting_rows(max)))
                .persistent(KEEP_PREPARED)
                .fetch_all(&mut **tx)
                .await?
        });
        let mut head = head.map_or_else(
            || AuditHead {
                seq: 0,
                mac: crate::audit::GENESIS.to_owned(),
            },
            |(seq, mac)| AuditHead { seq, mac },
        );
        let mut sealed = Vec::with_capacity(waiting.len());
        for row in &waiting {
            let seq = head.seq + 1;
            let mac = key.chain_mac(seq, &head.mac, &HashedFields::stored(&row.content));
            sealed.push((seq, head.mac.clone(), mac.clone()));
            head = AuditHead { seq, mac };
        }
        for (rows, seals) in waiting
            .chunks(ROWS_PER_STATEMENT / 2)
            .zip(sealed.chunks(ROWS_PER_STATEMENT / 2))
        {
            dispatch!(&mut tx.handle, |tx| {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_log (seq, at, organization_id, actor_kind, actor_id, \
                     action, patient_id, subject, client_addr, request_id, detail, prev_hash, \
                     row_hash, chain_version, entry_id) ",
                );
                insert.push_values(rows.iter().zip(seals), |mut values, (row, seal)| {
                    let content = &row.content;
                    values
                        .push_bind(seal.0)
                        .push_bind(content.at)
                        .push_bind(content.organization_id)
                        .push_bind(content.actor_kind.clone())
                        .push_bind(content.actor_id.clone())
                        .push_bind(content.action.clone())
                        .push_bind(content.patient_id)
                        .push_bind(content.subject.clone())
                        .push_bind(content.client_addr.clone())
                        .push_bind(content.request_id.clone())
                        .push_bind(content.detail.clone())
                        .push_bind(seal.1.clone())
                        .push_bind(seal.2.clone())
                        .push_bind(KEYED)
                        .push_bind(row.id);
                });
                insert
                    .build()
                    .persistent(KEEP_PREPARED)
                    .execute(&mut **tx)
                    .await?;
                // By id, never by range: on PostgreSQL a row numbered in between may commit
                // after this one read the table, and it waits for the next round.
                let mut delete = sqlx::QueryBuilder::new("DELETE FROM audit_pending WHERE id IN (");
                let mut ids = delete.separated(", ");
                for row in rows {
                    ids.push_bind(row.id);
                }
                delete.push(")");
                delete
                    .build()
                    .persistent(KEEP_PREPARED)
                    .execute(&mut **tx)
                    .await?;
            });
        }
        tx.commit().await?;
        Ok(waiting.len() as u64)
    }

    /// Seals every waiting row, a thousand at a time (command-line tools before they exit, tests).
    pub async fn seal_all_audit(&self) -> anyhow::Result<u64> {
        let mut sealed = 0;
        loop {
            let round = self.seal_audit(1_000).await?;
            sealed += round;
            if round == 0 {
                return Ok(sealed);
            }
        }
    }

    /// How many audit rows wait to be sealed, and since when.
    pub async fn unsealed_audit(&self) -> anyhow::Result<UnsealedAudit> {
        let (rows, oldest): (i64, Option<jiff_sqlx::Timestamp>) = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM audit_pending")
                .fetch_one(pool)
                .await?
        });
        Ok(UnsealedAudit {
            rows: rows.max(0) as u64,
            oldest: oldest.map(|at| at.to_jiff()),
        })
    }
}
