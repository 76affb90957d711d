//! The jobs table: background work queued in the same transaction as the change that calls for
//! it (the outbox), then claimed by the jobs worker so that each job runs once however many
//! instances of the portal share the database.
//!
//! A claimed job is leased: it is `running` until `locked_until`. A worker that dies mid-job
//! leaves its lease to expire, and the job is claimed again. Claiming is the one place where the
//! SQL differs by backend: PostgreSQL skips rows other transactions hold (`FOR UPDATE SKIP
//! LOCKED`); SQLite has one writer at a time, so an IMMEDIATE transaction serializes claimers.

use jiff::{SignedDuration, Timestamp};
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    Database, Tx,
    database::{Handle, dispatch},
};

/// A job this worker now holds, until its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    /// Counting this run.
    pub attempts: i32,
    /// The invitation the job belongs to, if any.
    pub invitation: Option<Uuid>,
}

#[derive(FromRow)]
struct ClaimedRow {
    id: Uuid,
    kind: String,
    payload: String,
    attempts: i32,
    invitation_id: Option<Uuid>,
}

impl From<ClaimedRow> for ClaimedJob {
    fn from(row: ClaimedRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            payload: row.payload,
            attempts: row.attempts,
            invitation: row.invitation_id,
        }
    }
}

/// A job as operators (and tests) see it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub payload: String,
    pub attempts: i32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    pub invitation: Option<Uuid>,
}

#[derive(FromRow)]
struct RecordRow {
    id: Uuid,
    kind: String,
    status: String,
    payload: String,
    attempts: i32,
    run_at: jiff_sqlx::Timestamp,
    last_error: Option<String>,
    invitation_id: Option<Uuid>,
}

impl From<RecordRow> for JobRecord {
    fn from(row: RecordRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            status: row.status,
            payload: row.payload,
            attempts: row.attempts,
            run_at: row.run_at.to_jiff(),
            last_error: row.last_error,
            invitation: row.invitation_id,
        }
    }
}

/// How long to wait before trying a failed job again: `first_delay`, doubling with each
/// attempt up to `longest_delay`, until `max_attempts` runs have failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub max_attempts: i32,
    pub first_delay: SignedDuration,
    pub longest_delay: SignedDuration,
}

impl Default for Backoff {
    /// Eight tries over about six hours: long enough to outlast a mail server's bad afternoon.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            first_delay: SignedDuration::from_secs(30),
            longest_delay: SignedDuration::from_hours(2),
        }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th failed run, or `None` when that was the last try.
    pub fn delay_after(&self, attempts: i32) -> Option<SignedDuration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = u32::try_from(attempts.max(1) - 1).unwrap_or(0).min(30);
        let delay = self
            .first_delay
            .checked_mul(1i32 << doublings)
            .unwrap_or(self.longest_delay);
        Some(delay.min(self.longest_delay))
    }
}

/// What became of a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// It runs again at this time.
    RetryAt(Timestamp),
    /// It will not run again.
    Failed,
}

/// Whether a failure may pass if the job runs again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Worth another try (a server down, a timeout).
    Transient,
    /// Will fail the same way every time (an address the server refuses, a bad payload).
    Permanent,
}

/// Due jobs: waiting ones whose time has come, and running ones whose lease has ended.
/// SQLite keeps timestamps as text of varying length, so they compare through `julianday`.
/// (A literal for `concat!`, so that each query is one constant.)
macro_rules! sqlite_due {
    () => {
        "(status = 'pending' AND julianday(run_at) <= julianday($1)) \
         OR (status = 'running' AND julianday(locked_until) <= julianday($1))"
    };
}

/// Claims due jobs on PostgreSQL, skipping those another claimer holds.
pub(crate) const CLAIM_JOBS_POSTGRES: &str = "WITH due AS ( \
         SELECT id FROM jobs \
         WHERE (status = 'pending' AND run_at <= $1) \
            OR (status = 'running' AND locked_until <= $1) \
         ORDER BY run_at \
         LIMIT $2 \
         FOR UPDATE SKIP LOCKED) \
     UPDATE jobs SET status = 'running', locked_until = $3, attempts = jobs.attempts + 1 \
     FROM due WHERE jobs.id = due.id \
     RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.invitation_id";

/// Whether any job is due on SQLite: a read, so that an idle worker does not take the write
/// lock each poll.
pub(crate) const ANY_JOB_DUE_SQLITE: &str =
    concat!("SELECT 1 FROM jobs WHERE ", sqlite_due!(), " LIMIT 1");

/// Claims due jobs on SQLite (in an IMMEDIATE transaction: one claimer at a time).
pub(crate) const CLAIM_JOBS_SQLITE: &str = concat!(
    "UPDATE jobs SET status = 'running', locked_until = $3, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM jobs WHERE ",
    sqlite_due!(),
    " ORDER BY julianday(run_at) LIMIT $2) \
     RETURNING id, kind, payload, attempts, invitation_id"
);

impl Database {
    /// Claims up to `limit` due jobs for `lease`: each comes back `running`, its attempts
    /// counted, and no other claimer gets it until the lease ends.
    pub async fn claim_jobs(
        &self,
        limit: u32,
        lease: SignedDuration,
    ) -> anyhow::Result<Vec<ClaimedJob>> {
        let now = Timestamp::now();
        let until = now + lease;
        let rows: Vec<ClaimedRow> = match &self.handle {
            Handle::Postgres(pool) => {
                sqlx::query_as(CLAIM_JOBS_POSTGRES)
                    .bind(now.to_sqlx())
                    .bind(i64::from(limit))
                    .bind(until.to_sqlx())
                    .fetch_all(pool)
                    .await?
            }
            Handle::Sqlite(pool) => {
                // A read first, so that an idle worker does not take the write lock each poll.
                let due: Option<(i64,)> = sqlx::query_as(ANY_JOB_DUE_SQLITE)
                    .bind(now.to_sqlx())
                    .fetch_optional(pool)
                    .await?;
                if due.is_none() {
                    return Ok(Vec::new());
                }
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let rows = sqlx::query_as(CLAIM_JOBS_SQLITE)
                    .bind(now.to_sqlx())
                    .bind(i64::from(limit))
                    .bind(until.to_sqlx())
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                rows
            }
        };
        Ok(rows.into_iter().map(ClaimedJob::from).collect())
    }

    /// Marks a job done and clears its payload: an invitation's payload carries a live link,
    /// which must not outlast its delivery.
    pub async fn complete_job(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query(
                "UPDATE jobs SET status = 'done', payload = '', locked_until = NULL, last_error = NULL \
                 WHERE id = $1 AND status = 'running'",
            )
            .bind(job.id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Records a failed run: the job waits and runs again per `backoff`, or, after its last try
    /// or a permanent failure, is marked `failed` with its payload cleared. `error` is kept for
    /// operators and must name no patient: a kind of failure and a status code, not a message
    /// that may quote an address.
    pub async fn fail_job(
        &self,
        job: &ClaimedJob,
        error: &str,
        failure: Failure,
        backoff: &Backoff,
    ) -> anyhow::Result<FailOutcome> {
        let delay = match failure {
            Failure::Transient => backoff.delay_after(job.attempts),
            Failure::Permanent => None,
        };
        let outcome = match delay {
            Some(delay) => {
                let at = Timestamp::now() + delay;
                dispatch!(&self.handle, |pool| {
                    sqlx::query(
                        "UPDATE jobs SET status = 'pending', run_at = $2, locked_until = NULL, last_error = $3 \
                         WHERE id = $1 AND status = 'running'",
                    )
                    .bind(job.id)
                    .bind(at.to_sqlx())
                    .bind(error)
                    .execute(pool)
                    .await?;
                });
                FailOutcome::RetryAt(at)
            }
            None => {
                dispatch!(&self.handle, |pool| {
                    sqlx::query(
                        "UPDATE jobs SET status = 'failed', payload = '', locked_until = NULL, last_error = $2 \
                         WHERE id = $1 AND status = 'running'",
                    )
                    .bind(job.id)
                    .bind(error)
                    .execute(pool)
                    .await?;
                });
                FailOutcome::Failed
            }
        };
        Ok(outcome)
    }

    /// Every job of a kind, oldest first (ids are UUIDv7), whatever its status (for operators
    /// and tests).
    pub async fn jobs_of_kind(&self, kind: &str) -> anyhow::Result<Vec<JobRecord>> {
        let rows: Vec<RecordRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT id, kind, status, payload, attempts, run_at, last_error, invitation_id \
                 FROM jobs WHERE kind = $1 ORDER BY id",
            )
            .bind(kind)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(JobRecord::from).collect())
    }

    /// Brings a waiting job's time forward to now (an operator's "send it now"); answers
    /// whether there was such a job.
    pub async fn run_job_now(&self, id: Uuid) -> anyhow::Result<bool> {
        let done = dispatch!(&self.handle, |pool| {
            sqlx::query("UPDATE jobs SET run_at = $2 WHERE id = $1 AND status = 'pending'")
                .bind(id)
                .bind(Timestamp::now().to_sqlx())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }
}

impl Tx {
    /// Queues a job that belongs to an invitation, in this transaction.
    pub async fn enqueue_invitation_job(
        &mut self,
        kind: &str,
        payload: &str,
        run_at: Timestamp,
        invitation: Uuid,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "INSERT INTO jobs (id, kind, payload, status, attempts, run_at, created_at, invitation_id) \
                 VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(kind)
            .bind(payload)
            .bind(run_at.to_sqlx())
            .bind(Timestamp::now().to_sqlx())
            .bind(invitation)
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }

    /// Takes the link out of every job of an invitation that has not run yet, and ends them:
    /// an invitation that can no longer be used must not be emailed, nor its link kept.
    pub async fn cancel_invitation_jobs(&mut self, invitation: Uuid) -> anyhow::Result<u64> {
        let cancelled = dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "UPDATE jobs SET status = 'done', payload = '', locked_until = NULL, \
                 last_error = 'cancelled: the invitation ended' \
                 WHERE invitation_id = $1 AND status IN ('pending', 'running')",
            )
            .bind(invitation)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        Ok(cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling_then_gives_up() {
        let backoff = Backoff {
            max_attempts: 6,
            first_delay: SignedDuration::from_secs(30),
            longest_delay: SignedDuration::from_mins(3),
        };
        let delays: Vec<_> = (1..=6).map(|n| backoff.delay_after(n)).collect();
        assert_eq!(
            delays,
            [
                Some(SignedDuration::from_secs(30)),
                Some(SignedDuration::from_secs(60)),
                Some(SignedDuration::from_secs(120)),
                Some(SignedDuration::from_secs(180)),
                Some(SignedDuration::from_secs(180)),
                None,
            ]
        );
        assert_eq!(
            Backoff::default().delay_after(40),
            None,
            "no overflow past the last try"
        );
        let long = Backoff {
            max_attempts: 100,
            ..Backoff::default()
        };
        assert_eq!(long.delay_after(60), Some(long.longest_delay));
    }
}
