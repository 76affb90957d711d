//! Retention: how long each table keeps rows that have served their purpose, and the one
//! function that deletes what is past it. `docs/SECURITY.md` lists every table, what it keeps
//! and for how long. The audit log is never pruned; records (charts, accounts, invitations,
//! enrollment events, acceptances of the terms, review items, security events, messages) are
//! kept; closed support requests are deleted after their period.

use jiff::{SignedDuration, Timestamp};
use jiff_sqlx::ToSqlx;

use crate::{
    Database,
    database::{Handle, dispatch},
};

/// The periods a practice may choose (`PORCHLIGHT_RETENTION_*_DAYS`), in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Sessions that ended without a sign-out (they keep the address and the browser).
    pub sessions_days: u16,
    /// Jobs that finished (sent, skipped, cancelled or failed for good).
    pub jobs_days: u16,
    /// New-device alerts, after their "this wasn't me" link expired (they keep the device
    /// and the address of the sign-in).
    pub device_alerts_days: u16,
    /// Emails kept for staff while no SMTP server is set (first names and links).
    pub mailbox_days: u16,
    /// Closed support requests, after their last change (names, email addresses and phone
    /// numbers of people who may not be patients), with their notes.
    pub support_days: u16,
}

impl RetentionPolicy {
    /// Every period lies in this range: a day at least (an idle session may still be in use
    /// for hours), ten years at most.
    pub const DAYS: std::ops::RangeInclusive<u16> = 1..=3650;
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            sessions_days: 30,
            jobs_days: 30,
            device_alerts_days: 90,
            mailbox_days: 30,
            support_days: 365,
        }
    }
}

/// Links and codes that cannot be used once expired are kept this long after, for support
/// questions ("I clicked the link yesterday").
const EXPIRED_LINKS_KEPT: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Rows deleted per statement, so that no statement holds its locks for long.
const BATCH: u64 = 500;

/// What one pass deleted, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub deleted: Vec<(&'static str, u64)>,
}

impl RetentionReport {
    /// Rows deleted from `table` (0 when it had none to delete).
    pub fn of(&self, table: &str) -> u64 {
        self.deleted
            .iter()
            .filter(|(name, _)| *name == table)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn total(&self) -> u64 {
        self.deleted.iter().map(|(_, n)| n).sum()
    }
}

impl std::fmt::Display for RetentionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (table, n) in &self.deleted {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{table} {n}")?;
        }
        Ok(())
    }
}

/// The value a rule compares with.
#[derive(Clone, Copy)]
enum Cutoff {
    /// For a timestamp column.
    At(Timestamp),
    /// For a column of Unix seconds.
    Second(i64),
}

fn days(n: u16) -> SignedDuration {
    SignedDuration::from_hours(24 * i64::from(n))
}

impl Database {
    /// Deletes, table by table and in small batches, the rows `policy` and the fixed rules no
    /// longer keep at `now`; answers how many per table. Never touches the audit log.
    pub async fn apply_retention(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> anyhow::Result<RetentionReport> {
        let mut report = RetentionReport::default();
        // Ended: past its absolute limit, or unused for longer than any idle limit.
        let sessions = Cutoff::At(now - days(policy.sessions_days));
        let condition = format!(
            "{} OR {}",
            self.earlier("expires_at"),
            self.earlier("last_seen_at")
        );
        report.deleted.push((
            "sessions",
            self.delete_batched("sessions", "token_hash", &condition, sessions)
                .await?,
        ));
        let jobs = Cutoff::At(now - days(policy.jobs_days));
        let condition = format!(
            "status IN ('done', 'failed') AND ({})",
            self.earlier("run_at")
        );
        report.deleted.push((
            "jobs",
            self.delete_batched("jobs", "id", &condition, jobs).await?,
        ));
        let alerts = Cutoff::Second((now - days(policy.device_alerts_days)).as_second());
        report.deleted.push((
            "device_alerts",
            self.delete_batched("device_alerts", "id", "expires_at < $1", alerts)
                .await?,
        ));
        let mailbox = Cutoff::At(now - days(policy.mailbox_days));
        let condition = self.earlier("created_at");
        report.deleted.push((
            "mailbox",
            self.delete_batched("mailbox", "id", &condition, mailbox)
                .await?,
        ));
        // Closed support requests: their notes first, then the requests.
        let support = Cutoff::At(now - days(policy.support_days));
        let closed = format!("status = 'closed' AND {}", self.earlier("updated_at"));
        report.deleted.push((
            "support_request_notes",
            self.delete_batched(
                "support_request_notes",
                "id",
                &format!("request_id IN (SELECT id FROM support_requests WHERE {closed})"),
                support,
            )
            .await?,
        ));
        report.deleted.push((
            "support_requests",
            self.delete_batched("support_requests", "id", &closed, support)
                .await?,
        ));
        let links = now - EXPIRED_LINKS_KEPT;
        let condition = self.earlier("expires_at");
        report.deleted.push((
            "password_resets",
            self.delete_batched("password_resets", "id", &condition, Cutoff::At(links))
                .await?,
        ));
        report.deleted.push((
            "enrollment_sessions",
            self.delete_batched(
                "enrollment_sessions",
                "token_hash",
                &condition,
                Cutoff::At(links),
            )
            .await?,
        ));
        report.deleted.push((
            "email_changes",
            self.delete_batched(
                "email_changes",
                "id",
                "expires_at < $1",
                Cutoff::Second(links.as_second()),
            )
            .await?,
        ));
        // A fingerprint is kept only while its challenge could be replayed.
        report.deleted.push((
            "bot_challenges",
            self.delete_batched(
                "bot_challenges",
                "fingerprint",
                "expires_at <= $1",
                Cutoff::Second(now.as_second()),
            )
            .await?,
        ));
        // Counters, unfinished sign-ins and passkey ceremonies, failed sign-ins: kept only as
        // long as they count (also pruned every few minutes by each worker).
        let pruned = self.prune_expired(now).await?;
        report.deleted.extend([
            ("throttle_counters", pruned.throttle_counters),
            ("sign_in_challenges", pruned.challenges),
            ("webauthn_ceremonies", pruned.ceremonies),
            ("sign_in_failures", pruned.sign_in_failures),
        ]);
        Ok(report)
    }

    /// `column < $1` for a timestamp column. SQLite keeps timestamps as text of varying
    /// length, so they compare through `julianday` there (as in the jobs' queries).
    fn earlier(&self, column: &str) -> String {
        match self.handle {
            Handle::Sqlite(_) => format!("julianday({column}) < julianday($1)"),
            Handle::Postgres(_) => format!("{column} < $1"),
        }
    }

    /// Deletes the rows of `table` matching `condition` (with `$1` the cutoff), at most
    /// [`BATCH`] per statement, until none is left; answers how many.
    async fn delete_batched(
        &self,
        table: &str,
        key: &str,
        condition: &str,
        cutoff: Cutoff,
    ) -> anyhow::Result<u64> {
        let sql = format!(
            "DELETE FROM {table} WHERE {key} IN \
             (SELECT {key} FROM {table} WHERE {condition} LIMIT {BATCH})"
        );
        let mut total = 0;
        loop {
            let deleted = dispatch!(&self.handle, |pool| {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                let query = match cutoff {
                    Cutoff::At(at) => query.bind(at.to_sqlx()),
                    Cutoff::Second(second) => query.bind(second),
                };
                query.execute(pool).await?.rows_affected()
            });
            total += deleted;
            if deleted < BATCH {
                return Ok(total);
            }
        }
    }
}

impl Database {
    /// Claims periodic task `name` for this instance if it is due at `now`, setting its next
    /// run to `next`: one atomic update, so that of several instances sharing the database
    /// exactly one runs it each period. Answers whether this instance should run it.
    pub async fn claim_periodic_task(
        &self,
        name: &str,
        now: Timestamp,
        next: Timestamp,
    ) -> anyhow::Result<bool> {
        let claimed = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO periodic_tasks (name, next_run_at) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(now.as_second())
            .execute(pool)
            .await?;
            sqlx::query(
                "UPDATE periodic_tasks SET next_run_at = $2 WHERE name = $1 AND next_run_at <= $3",
            )
            .bind(name)
            .bind(next.as_second())
            .bind(now.as_second())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(claimed == 1)
    }
}
