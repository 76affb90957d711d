//! What sign-in defences remember: the devices that have signed in to each account, the
//! failed sign-ins of the last day, and the security events opened from them for staff.
//! Times here are Unix seconds, compared the same way on both backends.

use domain::{OrganizationId, StaffScope};
use jiff::{SignedDuration, Timestamp};
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, SessionKind, Tx, database::dispatch};

/// Failed sign-ins are kept this long.
const FAILURES_KEPT_SECONDS: i64 = 24 * 60 * 60;
/// Accounts or addresses named in a summary's samples.
const SAMPLES: i64 = 10;

/// A device seen signing in to an account.
pub struct SeenDevice<'a> {
    pub kind: SessionKind,
    pub account: Uuid,
    /// SHA-256 of the device cookie's token.
    pub device_hash: &'a str,
    pub now: Timestamp,
    pub user_agent: Option<&'a str>,
    pub client_addr: Option<&'a str>,
}

/// What an account knew of the device it just signed in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sighting {
    /// It has signed in on this device before.
    Known,
    /// A device it had not seen, while it knows others: worth telling its owner.
    New,
    /// The first device it is seen on (where it enrolled).
    First,
}

/// One failed sign-in.
pub struct NewSignInFailure<'a> {
    pub at: Timestamp,
    /// `patient-sign-in` or `staff-sign-in`.
    pub surface: &'a str,
    pub organization: OrganizationId,
    /// As typed (normalized), whether or not such an account exists.
    pub username: &'a str,
    pub client_addr: &'a str,
    /// A keyed hash of the password tried; never the password.
    pub password_key: &'a str,
}

/// Failed sign-ins sharing an address or a password, over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureSummary {
    pub failures: u64,
    /// Distinct usernames tried.
    pub accounts: u64,
    /// Distinct client addresses they came from.
    pub addresses: u64,
    pub first_at: Option<Timestamp>,
    pub last_at: Option<Timestamp>,
}

/// Some of the usernames and addresses behind a [`FailureSummary`], in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureSamples {
    pub accounts: Vec<String>,
    pub addresses: Vec<String>,
}

/// What a summary is about.
#[derive(Debug, Clone, Copy)]
pub enum FailuresBy<'a> {
    Address(&'a str),
    PasswordKey(&'a str),
}

impl FailuresBy<'_> {
    fn column(&self) -> &'static str {
        match self {
            FailuresBy::Address(_) => "client_addr",
            FailuresBy::PasswordKey(_) => "password_key",
        }
    }

    fn value(&self) -> &str {
        match self {
            FailuresBy::Address(value) | FailuresBy::PasswordKey(value) => value,
        }
    }
}

/// Failed sign-ins of one hour, for the security page's chart of spikes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourlyFailures {
    /// The hour's start.
    pub hour: Timestamp,
    pub failures: u64,
}

/// An event opened or brought up to date by a detector.
pub struct NoticedEvent<'a> {
    pub organization: OrganizationId,
    /// e.g. `credential-stuffing`, `password-spraying`.
    pub kind: &'a str,
    /// What the event is about (an address, a password key, an account id): one open event
    /// per kind and subject.
    pub subject: &'a str,
    /// JSON, without PHI.
    pub evidence: &'a str,
    pub now: Timestamp,
}

/// A security event as the security page shows it.
#[derive(Debug, Clone)]
pub struct SecurityEvent {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub opened_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub evidence: String,
    pub resolved_at: Option<Timestamp>,
    /// The display name of who resolved it.
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

#[derive(FromRow)]
struct EventRow {
    id: Uuid,
    kind: String,
    subject: String,
    opened_at: i64,
    last_seen_at: i64,
    evidence: String,
    resolved_at: Option<i64>,
    resolved_by: Option<String>,
    resolution: Option<String>,
}

impl From<EventRow> for SecurityEvent {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            subject: row.subject,
            opened_at: from_seconds(row.opened_at),
            last_seen_at: from_seconds(row.last_seen_at),
            evidence: row.evidence,
            resolved_at: row.resolved_at.map(from_seconds),
            resolved_by: row.resolved_by,
            resolution: row.resolution,
        }
    }
}

/// A time kept as Unix seconds (the newer tables' way, the same on both backends).
pub(crate) fn from_seconds(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A throttle counter as a sign-in's turn reads it: the failures of its window and the
/// attempts being checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnCounter {
    pub failures: u32,
    /// Attempts that took their turn and are still being checked (turns older than the
    /// staleness given to [`Database::turn_counter`] are left out).
    pub pending: u32,
    /// As stored, for the compare-and-swap of [`Database::take_turn`].
    stored_pending: i64,
    pub started_at: Timestamp,
    /// The latest failure (the window's start when there was none).
    pub last_at: Timestamp,
}

/// How a turn taken with [`Database::take_turn`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnOutcome {
    /// The attempt failed: counted as a failure now.
    Failed,
    /// The attempt passed, or ended before it was known (it counts nothing).
    Released,
}

/// Sign-in attempts refused per hour, for the security page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourlyRefusals {
    pub hour: Timestamp,
    pub refused: u64,
}

/// A refused sign-in attempt: counted, and the open events about its address or its
/// password kept current.
pub struct RefusedSignIn<'a> {
    pub organization: OrganizationId,
    pub client_addr: &'a str,
    /// The subject a password-spraying event about the password tried would have.
    pub password_subject: Option<&'a str>,
    pub now: Timestamp,
}

/// Whether a device has signed in to an account before (every sign-in attempt that carries
/// a device cookie).
pub(crate) const KNOWN_DEVICE: &str = "SELECT first_seen_at FROM known_devices \
     WHERE kind = $1 AND account_id = $2 AND device_hash = $3 AND forgotten_at IS NULL";

/// The other devices an account knows, when a sign-in comes from a new one.
pub(crate) const OTHER_DEVICES: &str = "SELECT COUNT(*) FROM known_devices \
     WHERE kind = $1 AND account_id = $2 AND device_hash <> $3";

/// Whether the account forgot a device it signs in on again.
pub(crate) const DEVICE_FORGOTTEN_AT: &str = "SELECT forgotten_at FROM known_devices \
     WHERE kind = $1 AND account_id = $2 AND device_hash = $3";

/// A known device seen again.
pub(crate) const DEVICE_SEEN_AGAIN: &str = "UPDATE known_devices SET last_seen_at = $4, \
     user_agent = $5, client_addr = $6, forgotten_at = NULL \
     WHERE kind = $1 AND account_id = $2 AND device_hash = $3";

/// Failed sign-ins older than a day, forgotten now and then by the sign-in that fails.
pub(crate) const FORGET_OLD_FAILURES: &str = "DELETE FROM sign_in_failures WHERE at < $1";

/// The counts of failed sign-ins of an organization by one address or one password (the
/// column) since a time: each failure, and each attempt of a stranger (the password's).
pub(crate) fn failures_by(column: &str) -> String {
    format!(
        "SELECT COUNT(*), COUNT(DISTINCT username), COUNT(DISTINCT client_addr), MIN(at), \
         MAX(at) FROM sign_in_failures WHERE organization_id = $1 AND {column} = $2 AND at >= $3"
    )
}

/// Refusals older than a day, forgotten by an address's first refusal of the hour.
pub(crate) const FORGET_OLD_REFUSALS: &str = "DELETE FROM sign_in_refusals WHERE hour < $1";

/// The open event of a kind about a refused attempt's address or password, kept current
/// (one kind at a time: the open event is then found by its unique index).
pub(crate) const KEEP_EVENT_CURRENT: &str = "UPDATE security_events \
     SET last_seen_at = $2 WHERE organization_id = $1 AND kind = $3 AND subject = $4 \
     AND resolved_at IS NULL AND last_seen_at < $2";

/// A sign-in counter as a turn reads it (the account's, the address's, the password's).
pub(crate) const TURN_COUNTER: &str = "SELECT failures, pending, window_started_at, \
     last_failure_at, pending_at FROM throttle_counters WHERE bucket = $1";

/// The first turn on a counter: the counter itself.
pub(crate) const TAKE_FIRST_TURN: &str = "INSERT INTO throttle_counters (bucket, failures, \
     window_started_at, pending, pending_at) VALUES ($1, 0, $2, 1, $2) \
     ON CONFLICT (bucket) DO NOTHING";

/// A turn on a counter as it was read (a compare-and-swap).
pub(crate) const TAKE_TURN: &str = "UPDATE throttle_counters SET failures = $2, \
     window_started_at = $3, pending = $4, pending_at = $5 WHERE bucket = $1 AND failures = $6 \
     AND pending = $7 AND window_started_at = $8";

/// One pending attempt fewer (a literal for `concat!`).
macro_rules! one_fewer {
    () => {
        "pending = CASE WHEN throttle_counters.pending > 0 \
         THEN throttle_counters.pending - 1 ELSE 0 END"
    };
}

/// A turn ended by a failure: counted.
pub(crate) const END_TURN_FAILED: &str = concat!(
    "INSERT INTO throttle_counters (bucket, failures, window_started_at, last_failure_at, \
     pending) VALUES ($1, 1, $2, $2, 0) ON CONFLICT (bucket) \
     DO UPDATE SET failures = throttle_counters.failures + 1, \
     last_failure_at = excluded.last_failure_at, ",
    one_fewer!()
);

/// A turn ended otherwise: it counts nothing.
pub(crate) const END_TURN_RELEASED: &str = concat!(
    "UPDATE throttle_counters SET ",
    one_fewer!(),
    " WHERE bucket = $1"
);

const EVENT_QUERY: &str = "SELECT e.id, e.kind, e.subject, e.opened_at, e.last_seen_at, \
     e.evidence, e.resolved_at, s.display_name AS resolved_by, e.resolution \
     FROM security_events e LEFT JOIN staff_accounts s ON s.id = e.resolved_by \
     WHERE e.organization_id = $1";

impl Database {
    /// Records that a device signed in to an account; answers whether the account had seen
    /// it, or another, before.
    pub async fn remember_device(&self, device: &SeenDevice<'_>) -> anyhow::Result<Sighting> {
        let now = device.now.as_second();
        let inserted = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO known_devices (kind, account_id, device_hash, first_seen_at, \
                 last_seen_at, user_agent, client_addr) VALUES ($1, $2, $3, $4, $4, $5, $6) \
                 ON CONFLICT (kind, account_id, device_hash) DO NOTHING",
            )
            .bind(device.kind.as_str())
            .bind(device.account)
            .bind(device.device_hash)
            .bind(now)
            .bind(device.user_agent)
            .bind(device.client_addr)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 1 {
            let others: i64 = dispatch!(&self.handle, |pool| {
                sqlx::query_scalar(OTHER_DEVICES)
                    .bind(device.kind.as_str())
                    .bind(device.account)
                    .bind(device.device_hash)
                    .fetch_one(pool)
                    .await?
            });
            return Ok(if others == 0 {
                Sighting::First
            } else {
                Sighting::New
            });
        }
        let forgotten: Option<Option<i64>> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(DEVICE_FORGOTTEN_AT)
                .bind(device.kind.as_str())
                .bind(device.account)
                .bind(device.device_hash)
                .fetch_optional(pool)
                .await?
        });
        dispatch!(&self.handle, |pool| {
            sqlx::query(DEVICE_SEEN_AGAIN)
                .bind(device.kind.as_str())
                .bind(device.account)
                .bind(device.device_hash)
                .bind(now)
                .bind(device.user_agent)
                .bind(device.client_addr)
                .execute(pool)
                .await?;
        });
        if forgotten.flatten().is_some() {
            return Ok(Sighting::New);
        }
        Ok(Sighting::Known)
    }

    /// Whether this device has signed in to this account before.
    pub async fn is_known_device(
        &self,
        kind: SessionKind,
        account: Uuid,
        device_hash: &str,
    ) -> anyhow::Result<bool> {
        let found: Option<(i64,)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(KNOWN_DEVICE)
                .bind(kind.as_str())
                .bind(account)
                .bind(device_hash)
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }

    /// Keeps one failed sign-in, and now and then forgets those older than a day.
    pub async fn record_sign_in_failure(
        &self,
        failure: &NewSignInFailure<'_>,
    ) -> anyhow::Result<()> {
        let at = failure.at.as_second();
        dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO sign_in_failures (at, surface, organization_id, username, \
                 client_addr, password_key) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(at)
            .bind(failure.surface)
            .bind(failure.organization.as_uuid())
            .bind(failure.username)
            .bind(failure.client_addr)
            .bind(failure.password_key)
            .execute(pool)
            .await?;
        });
        // Keys are uniformly random: about one failure in sixteen tidies up.
        if failure.password_key.starts_with('0') {
            dispatch!(&self.handle, |pool| {
                sqlx::query(FORGET_OLD_FAILURES)
                    .bind(at - FAILURES_KEPT_SECONDS)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(())
    }

    /// Counts the organization's failed sign-ins from one address, or with one password,
    /// since `since`.
    pub async fn sign_in_failures(
        &self,
        organization: OrganizationId,
        by: FailuresBy<'_>,
        since: Timestamp,
    ) -> anyhow::Result<FailureSummary> {
        let counts = failures_by(by.column());
        let (failures, accounts, addresses, first, last): (
            i64,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
        ) = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(counts))
                .bind(organization.as_uuid())
                .bind(by.value())
                .bind(since.as_second())
                .fetch_one(pool)
                .await?
        });
        Ok(FailureSummary {
            failures: u64::try_from(failures).unwrap_or(0),
            accounts: u64::try_from(accounts).unwrap_or(0),
            addresses: u64::try_from(addresses).unwrap_or(0),
            first_at: first.map(from_seconds),
            last_at: last.map(from_seconds),
        })
    }

    /// Some of the usernames and addresses of the failures [`Database::sign_in_failures`]
    /// counts.
    pub async fn sign_in_failure_samples(
        &self,
        organization: OrganizationId,
        by: FailuresBy<'_>,
        since: Timestamp,
    ) -> anyhow::Result<FailureSamples> {
        let filter = format!("organization_id = $1 AND {} = $2 AND at >= $3", by.column());
        let mut samples = FailureSamples::default();
        for (sample_column, found) in [
            ("username", &mut samples.accounts),
            ("client_addr", &mut samples.addresses),
        ] {
            let sql = format!(
                "SELECT DISTINCT {sample_column} FROM sign_in_failures WHERE {filter} \
                 ORDER BY {sample_column} LIMIT {SAMPLES}"
            );
            let rows: Vec<(String,)> = dispatch!(&self.handle, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(organization.as_uuid())
                    .bind(by.value())
                    .bind(since.as_second())
                    .fetch_all(pool)
                    .await?
            });
            *found = rows.into_iter().map(|(value,)| value).collect();
        }
        Ok(samples)
    }

    /// The organization's failed sign-ins per hour since `since`, oldest first; hours
    /// without any are left out.
    pub async fn hourly_sign_in_failures(
        &self,
        scope: &StaffScope,
        since: Timestamp,
    ) -> anyhow::Result<Vec<HourlyFailures>> {
        let rows: Vec<(i64, i64)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT (at / 3600) * 3600 AS hour, COUNT(*) FROM sign_in_failures \
                 WHERE organization_id = $1 AND at >= $2 GROUP BY hour ORDER BY hour",
            )
            .bind(scope.organization().as_uuid())
            .bind(since.as_second())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(hour, failures)| HourlyFailures {
                hour: from_seconds(hour),
                failures: u64::try_from(failures).unwrap_or(0),
            })
            .collect())
    }

    /// Opens a security event, or brings the open one of the same kind and subject up to
    /// date with the newer evidence.
    pub async fn notice_security_event(&self, event: &NoticedEvent<'_>) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        tx.notice_security_event(event).await?;
        tx.commit().await
    }

    /// The organization's open security events, newest activity first.
    pub async fn open_security_events(
        &self,
        scope: &StaffScope,
    ) -> anyhow::Result<Vec<SecurityEvent>> {
        let sql = format!("{EVENT_QUERY} AND e.resolved_at IS NULL ORDER BY e.last_seen_at DESC");
        self.security_event_rows(scope, sql).await
    }

    /// The organization's most recently resolved events, newest first.
    pub async fn resolved_security_events(
        &self,
        scope: &StaffScope,
        limit: u32,
    ) -> anyhow::Result<Vec<SecurityEvent>> {
        let sql = format!(
            "{EVENT_QUERY} AND e.resolved_at IS NOT NULL ORDER BY e.resolved_at DESC \
             LIMIT {limit}"
        );
        self.security_event_rows(scope, sql).await
    }

    async fn security_event_rows(
        &self,
        scope: &StaffScope,
        sql: String,
    ) -> anyhow::Result<Vec<SecurityEvent>> {
        let rows: Vec<EventRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization().as_uuid())
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(SecurityEvent::from).collect())
    }

    /// One of the organization's events.
    pub async fn security_event(
        &self,
        scope: &StaffScope,
        id: Uuid,
    ) -> anyhow::Result<Option<SecurityEvent>> {
        let sql = format!("{EVENT_QUERY} AND e.id = $2");
        let row: Option<EventRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization().as_uuid())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(SecurityEvent::from))
    }

    /// Resolves an open event with the staff member's note, audited; `false` when the
    /// organization has no such open event.
    pub async fn resolve_security_event(
        &self,
        scope: &StaffScope,
        id: Uuid,
        note: &str,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now().as_second();
        let mut tx = self.begin().await?;
        let resolved = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE security_events SET resolved_at = $1, resolved_by = $2, resolution = $3 \
                 WHERE organization_id = $4 AND id = $5 AND resolved_at IS NULL",
            )
            .bind(now)
            .bind(scope.staff().as_uuid())
            .bind(note)
            .bind(scope.organization().as_uuid())
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        if resolved == 0 {
            return Ok(false);
        }
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "security.resolve".to_owned(),
            patient: None,
            subject: Some("security event".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!("event {id}")),
        })
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl Database {
    /// The counter of `bucket` as stored, with turns taken longer than `stale` ago left out
    /// of its pending attempts (a process that stopped mid-check never ended them).
    pub async fn turn_counter(
        &self,
        bucket: &str,
        now: Timestamp,
        stale: SignedDuration,
    ) -> anyhow::Result<Option<TurnCounter>> {
        type Row = (
            i64,
            i64,
            jiff_sqlx::Timestamp,
            Option<jiff_sqlx::Timestamp>,
            Option<jiff_sqlx::Timestamp>,
        );
        let row: Option<Row> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(TURN_COUNTER)
                .bind(bucket)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(failures, pending, started, last, pending_at)| {
            let fresh = pending_at.is_some_and(|at| now.duration_since(at.to_jiff()) < stale);
            TurnCounter {
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
                pending: if fresh {
                    u32::try_from(pending).unwrap_or(u32::MAX)
                } else {
                    0
                },
                stored_pending: pending,
                started_at: started.to_jiff(),
                last_at: last.unwrap_or(started).to_jiff(),
            }
        }))
    }

    /// Takes one turn in `bucket` if the counter is still as `seen`: one more pending attempt
    /// (a window older than `window` starts over, stale pending attempts are dropped). A
    /// compare-and-swap: of attempts that read the same counter, one takes its turn and the
    /// others read again. `false`: the counter changed meanwhile.
    pub async fn take_turn(
        &self,
        bucket: &str,
        seen: Option<&TurnCounter>,
        now: Timestamp,
        window: SignedDuration,
    ) -> anyhow::Result<bool> {
        let changed = match seen {
            None => dispatch!(&self.handle, |pool| {
                sqlx::query(TAKE_FIRST_TURN)
                    .bind(bucket)
                    .bind(now.to_sqlx())
                    .execute(pool)
                    .await?
                    .rows_affected()
            }),
            Some(row) => {
                let restart = now.duration_since(row.started_at) >= window;
                let (failures, started) = if restart {
                    (0, now)
                } else {
                    (i64::from(row.failures), row.started_at)
                };
                dispatch!(&self.handle, |pool| {
                    sqlx::query(TAKE_TURN)
                        .bind(bucket)
                        .bind(failures)
                        .bind(started.to_sqlx())
                        .bind(i64::from(row.pending) + 1)
                        .bind(now.to_sqlx())
                        .bind(i64::from(row.failures))
                        .bind(row.stored_pending)
                        .bind(row.started_at.to_sqlx())
                        .execute(pool)
                        .await?
                        .rows_affected()
                })
            }
        };
        Ok(changed == 1)
    }

    /// Ends a turn taken with [`Database::take_turn`]: one pending attempt fewer, and a
    /// failure more if it failed. One statement, so that endings at the same moment all count.
    pub async fn end_turn(
        &self,
        bucket: &str,
        outcome: TurnOutcome,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        match outcome {
            TurnOutcome::Failed => {
                dispatch!(&self.handle, |pool| {
                    sqlx::query(END_TURN_FAILED)
                        .bind(bucket)
                        .bind(now.to_sqlx())
                        .execute(pool)
                        .await?;
                });
            }
            TurnOutcome::Released => {
                dispatch!(&self.handle, |pool| {
                    sqlx::query(END_TURN_RELEASED)
                        .bind(bucket)
                        .execute(pool)
                        .await?;
                });
            }
        }
        Ok(())
    }

    /// Counts a sign-in attempt refused because it had to wait, and keeps the open events
    /// about its address (credential stuffing) or its password (spraying) current.
    pub async fn record_sign_in_refusal(&self, refused: &RefusedSignIn<'_>) -> anyhow::Result<()> {
        let now = refused.now.as_second();
        let hour = now - now.rem_euclid(3600);
        let attempts: i64 = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "INSERT INTO sign_in_refusals (organization_id, hour, client_addr, attempts) \
                 VALUES ($1, $2, $3, 1) ON CONFLICT (organization_id, hour, client_addr) \
                 DO UPDATE SET attempts = sign_in_refusals.attempts + 1 RETURNING attempts",
            )
            .bind(refused.organization.as_uuid())
            .bind(hour)
            .bind(refused.client_addr)
            .fetch_one(pool)
            .await?
        });
        if attempts == 1 {
            // An address's first refusal of the hour tidies up what is older than a day.
            dispatch!(&self.handle, |pool| {
                sqlx::query(FORGET_OLD_REFUSALS)
                    .bind(hour - FAILURES_KEPT_SECONDS)
                    .execute(pool)
                    .await?;
            });
        }
        let events = [
            Some(("credential-stuffing", refused.client_addr)),
            refused
                .password_subject
                .map(|subject| ("password-spraying", subject)),
        ];
        for (kind, subject) in events.into_iter().flatten() {
            dispatch!(&self.handle, |pool| {
                sqlx::query(KEEP_EVENT_CURRENT)
                    .bind(refused.organization.as_uuid())
                    .bind(now)
                    .bind(kind)
                    .bind(subject)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(())
    }

    /// The organization's refused sign-in attempts per hour since `since`, oldest first;
    /// hours without any are left out.
    pub async fn hourly_sign_in_refusals(
        &self,
        scope: &StaffScope,
        since: Timestamp,
    ) -> anyhow::Result<Vec<HourlyRefusals>> {
        let since = since.as_second();
        let rows: Vec<(i64, i64)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT hour, CAST(SUM(attempts) AS BIGINT) FROM sign_in_refusals \
                 WHERE organization_id = $1 AND hour >= $2 GROUP BY hour ORDER BY hour",
            )
            .bind(scope.organization().as_uuid())
            .bind(since - since.rem_euclid(3600))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(hour, refused)| HourlyRefusals {
                hour: from_seconds(hour),
                refused: u64::try_from(refused).unwrap_or(0),
            })
            .collect())
    }

    /// The organization's refused sign-in attempts from one address since `since` (counted
    /// by the hour: the hour `since` falls in counts whole).
    pub async fn sign_in_refusals_from(
        &self,
        organization: OrganizationId,
        client_addr: &str,
        since: Timestamp,
    ) -> anyhow::Result<u64> {
        let since = since.as_second();
        let (refused,): (Option<i64>,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT CAST(SUM(attempts) AS BIGINT) FROM sign_in_refusals \
                 WHERE organization_id = $1 AND client_addr = $2 AND hour >= $3",
            )
            .bind(organization.as_uuid())
            .bind(client_addr)
            .bind(since - since.rem_euclid(3600))
            .fetch_one(pool)
            .await?
        });
        Ok(refused.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    }

    /// The address and request id each audit row of `action` was recorded with, sealed or
    /// not, oldest first: what an investigator reads to trace a request.
    pub async fn audit_origins(
        &self,
        action: &str,
    ) -> anyhow::Result<Vec<(Option<String>, Option<String>)>> {
        Ok(dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT client_addr, request_id FROM ( \
                   SELECT 0 AS part, seq AS n, client_addr, request_id FROM audit_log \
                   WHERE action = $1 \
                   UNION ALL SELECT 1, id, client_addr, request_id FROM audit_pending \
                   WHERE action = $1) AS rows ORDER BY part, n",
            )
            .bind(action)
            .fetch_all(pool)
            .await?
        }))
    }
}

impl Tx {
    /// [`Database::notice_security_event`], in this transaction.
    pub(crate) async fn notice_security_event(
        &mut self,
        event: &NoticedEvent<'_>,
    ) -> anyhow::Result<()> {
        let now = event.now.as_second();
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "INSERT INTO security_events (id, organization_id, kind, subject, opened_at, \
                 last_seen_at, evidence) VALUES ($1, $2, $3, $4, $5, $5, $6) \
                 ON CONFLICT (organization_id, kind, subject) WHERE resolved_at IS NULL \
                 DO UPDATE SET last_seen_at = excluded.last_seen_at, \
                 evidence = excluded.evidence",
            )
            .bind(Uuid::now_v7())
            .bind(event.organization.as_uuid())
            .bind(event.kind)
            .bind(event.subject)
            .bind(now)
            .bind(event.evidence)
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }
}
