//! Server-side sessions and the counters that throttle guessing.

use domain::{OrganizationId, PatientId};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Database, PatientAccount, database::dispatch, short_read::Arg};

/// Who a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Staff,
    Patient,
}

impl SessionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SessionKind::Staff => "staff",
            SessionKind::Patient => "patient",
        }
    }
}

/// A stored session, found by the hash of its cookie's token.
#[derive(Debug, Clone)]
pub struct Session {
    pub kind: SessionKind,
    pub subject: Uuid,
    pub organization: OrganizationId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// When the owner last proved themselves again (the sign-in itself at first).
    pub reauthenticated_at: Option<Timestamp>,
    /// How long it may go without a request (from the policy it started under).
    pub idle: Option<jiff::SignedDuration>,
}

/// Failures counted in a throttle's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: u32,
    pub last_at: Timestamp,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub kind: SessionKind,
    pub subject: Uuid,
    pub organization: OrganizationId,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    pub client_addr: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// How long the session may go without a request.
    pub idle: jiff::SignedDuration,
}

#[derive(FromRow)]
struct SessionRow {
    kind: String,
    subject_id: Uuid,
    organization_id: Uuid,
    created_at: jiff_sqlx::Timestamp,
    last_seen_at: jiff_sqlx::Timestamp,
    expires_at: jiff_sqlx::Timestamp,
    reauthenticated_at: Option<i64>,
    idle_seconds: Option<i64>,
}

crate::inline::inline_row!(SessionRow {
    kind,
    subject_id,
    organization_id,
    created_at,
    last_seen_at,
    expires_at,
    reauthenticated_at,
    idle_seconds,
});

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Session {
            kind: if row.kind == "patient" {
                SessionKind::Patient
            } else {
                SessionKind::Staff
            },
            subject: row.subject_id,
            organization: OrganizationId::from_uuid(row.organization_id),
            created_at: row.created_at.to_jiff(),
            last_seen_at: row.last_seen_at.to_jiff(),
            expires_at: row.expires_at.to_jiff(),
            reauthenticated_at: row
                .reauthenticated_at
                .map(crate::sign_in_defences::from_seconds),
            idle: row.idle_seconds.map(jiff::SignedDuration::from_secs),
        }
    }
}

/// A patient's request reads this, all in one statement: the session, its account, and
/// whether the terms in force are accepted.
#[derive(Debug, Clone)]
pub struct PatientSession {
    pub session: Session,
    /// `None` when the session is not a patient's, or its account is gone.
    pub account: Option<PatientAccount>,
    /// Whether the patient's latest acceptance covers the versions of the terms of use and
    /// the privacy policy in force (as [`Database::terms_accepted_in_force`]).
    pub terms_accepted: bool,
}

#[derive(FromRow)]
struct PatientSessionRow {
    #[sqlx(flatten)]
    session: SessionRow,
    account_id: Option<Uuid>,
    patient_id: Option<Uuid>,
    username: Option<String>,
    password_hash: Option<String>,
    status: Option<String>,
    locked_at: Option<i64>,
    terms_in_force: Option<i64>,
    privacy_in_force: Option<i64>,
    accepted_terms: Option<i64>,
    accepted_privacy: Option<i64>,
}

crate::inline::inline_row!(PatientSessionRow {
    account_id,
    patient_id,
    username,
    password_hash,
    status,
    locked_at,
    terms_in_force,
    privacy_in_force,
    accepted_terms,
    accepted_privacy,
} flatten { session });

/// [`PATIENT_SESSION`]'s row as what it says.
impl From<PatientSessionRow> for PatientSession {
    fn from(row: PatientSessionRow) -> Self {
        let session = Session::from(row.session);
        let account = match (
            row.account_id,
            row.patient_id,
            row.username,
            row.password_hash,
            row.status,
        ) {
            (Some(id), Some(patient), Some(username), Some(password_hash), Some(status)) => {
                Some(PatientAccount {
                    id,
                    organization: session.organization,
                    patient: PatientId::from_uuid(patient),
                    username,
                    password_hash,
                    status,
                    locked: row.locked_at.is_some(),
                })
            }
            _ => None,
        };
        PatientSession {
            session,
            account,
            terms_accepted: crate::terms::covers_versions_in_force(
                (row.terms_in_force, row.privacy_in_force),
                (row.accepted_terms, row.accepted_privacy),
            ),
        }
    }
}

/// A session by the hash of its token: every signed-in request.
pub(crate) const SESSION_BY_TOKEN_HASH: &str = "SELECT kind, subject_id, organization_id, \
     created_at, last_seen_at, expires_at, reauthenticated_at, idle_seconds \
     FROM sessions WHERE token_hash = $1";

/// A patient's session with its account and whether the terms in force are accepted
/// (the subqueries of [`crate::terms::ACCEPTED_IN_FORCE`]): every patient request, one
/// statement. The account is joined only for a patient's session.
pub(crate) const PATIENT_SESSION: &str = "SELECT s.kind, s.subject_id, s.organization_id, \
     s.created_at, s.last_seen_at, s.expires_at, s.reauthenticated_at, s.idle_seconds, \
     a.id AS account_id, a.patient_id, a.username, a.password_hash, a.status, a.locked_at, \
     (SELECT MAX(version) FROM terms_versions \
      WHERE organization_id = s.organization_id AND kind = 'terms') AS terms_in_force, \
     (SELECT MAX(version) FROM terms_versions \
      WHERE organization_id = s.organization_id AND kind = 'privacy') AS privacy_in_force, \
     (SELECT t.version FROM terms_acceptances x \
      JOIN terms_versions t ON t.id = x.terms_version_id \
      WHERE x.patient_id = a.patient_id AND x.organization_id = s.organization_id \
      ORDER BY x.accepted_at DESC LIMIT 1) AS accepted_terms, \
     (SELECT p.version FROM terms_acceptances x \
      JOIN terms_versions p ON p.id = x.privacy_version_id \
      WHERE x.patient_id = a.patient_id AND x.organization_id = s.organization_id \
      ORDER BY x.accepted_at DESC LIMIT 1) AS accepted_privacy \
     FROM sessions s \
     LEFT JOIN patient_accounts a ON s.kind = 'patient' AND a.id = s.subject_id \
      AND a.organization_id = s.organization_id \
     WHERE s.token_hash = $1";

/// A session's last request, kept at most once a minute by the web crate.
pub(crate) const TOUCH_SESSION: &str =
    "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2";

/// Ending a session (sign-out, timeout, a sign-in replacing a planted one).
pub(crate) const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";

impl Database {
    pub async fn create_session(&self, session: NewSession<'_>) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, kind, subject_id, organization_id, created_at, \
                 last_seen_at, expires_at, client_addr, user_agent, reauthenticated_at, idle_seconds) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10)",
            )
            .bind(session.token_hash)
            .bind(session.kind.as_str())
            .bind(session.subject)
            .bind(session.organization.as_uuid())
            .bind(session.now.to_sqlx())
            .bind(session.expires_at.to_sqlx())
            .bind(session.client_addr)
            .bind(session.user_agent)
            .bind(session.now.as_second())
            .bind(session.idle.as_secs())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> anyhow::Result<Option<Session>> {
        let row: Option<SessionRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(SESSION_BY_TOKEN_HASH)
                .bind(token_hash)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Session::from))
    }

    /// A session by the hash of its token, with its account when it is a patient's and
    /// whether the terms in force are accepted: all a patient's request needs to know who
    /// asks, in one statement.
    pub async fn patient_session(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<PatientSession>> {
        let mut read = self.begin_short_read().await?;
        let row: Option<PatientSessionRow> = read
            .optional(PATIENT_SESSION, &[Arg::Text(token_hash)])
            .await?;
        read.commit().await?;
        Ok(row.map(PatientSession::from))
    }

    /// Records that the session's owner just proved themselves again (their password).
    pub async fn mark_reauthenticated(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query("UPDATE sessions SET reauthenticated_at = $1 WHERE token_hash = $2")
                .bind(now.as_second())
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn touch_session(&self, token_hash: &str, now: Timestamp) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query(TOUCH_SESSION)
                .bind(now.to_sqlx())
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query(DELETE_SESSION)
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Counts one failure in `bucket`; a window older than `window` starts over. Answers the
    /// failures in the current window, this one included. Each change is one atomic statement
    /// (an increment, or a restart conditioned on the window read), so that failures counted at
    /// the same moment by several requests or instances are all counted.
    pub async fn record_failure(
        &self,
        bucket: &str,
        now: Timestamp,
        window: jiff::SignedDuration,
    ) -> anyhow::Result<u32> {
        loop {
            let row: Option<(i64, jiff_sqlx::Timestamp)> = dispatch!(&self.handle, |pool| {
                sqlx::query_as(
                    "SELECT failures, window_started_at FROM throttle_counters WHERE bucket = $1",
                )
                .bind(bucket)
                .fetch_optional(pool)
                .await?
            });
            let counted: Option<i64> = match row {
                None => dispatch!(&self.handle, |pool| {
                    let inserted = sqlx::query(
                        "INSERT INTO throttle_counters (bucket, failures, window_started_at, \
                         last_failure_at) VALUES ($1, 1, $2, $2) ON CONFLICT (bucket) DO NOTHING",
                    )
                    .bind(bucket)
                    .bind(now.to_sqlx())
                    .execute(pool)
                    .await?;
                    (inserted.rows_affected() == 1).then_some(1)
                }),
                Some((_, started)) if now.duration_since(started.to_jiff()) < window => {
                    dispatch!(&self.handle, |pool| {
                        sqlx::query_scalar(
                            "UPDATE throttle_counters SET failures = failures + 1, \
                             last_failure_at = $2 WHERE bucket = $1 RETURNING failures",
                        )
                        .bind(bucket)
                        .bind(now.to_sqlx())
                        .fetch_optional(pool)
                        .await?
                    })
                }
                Some((_, started)) => dispatch!(&self.handle, |pool| {
                    let restarted = sqlx::query(
                        "UPDATE throttle_counters SET failures = 1, window_started_at = $2, \
                         last_failure_at = $2 WHERE bucket = $1 AND window_started_at = $3",
                    )
                    .bind(bucket)
                    .bind(now.to_sqlx())
                    .bind(started)
                    .execute(pool)
                    .await?;
                    (restarted.rows_affected() == 1).then_some(1)
                }),
            };
            // None: another request changed the row between the read and the write; read again.
            if let Some(failures) = counted {
                return Ok(u32::try_from(failures).unwrap_or(u32::MAX));
            }
        }
    }

    /// Failures counted in `bucket` within the last `window`.
    pub async fn recent_failures(
        &self,
        bucket: &str,
        now: Timestamp,
        window: jiff::SignedDuration,
    ) -> anyhow::Result<u32> {
        let row: Option<(i64, jiff_sqlx::Timestamp)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT failures, window_started_at FROM throttle_counters WHERE bucket = $1",
            )
            .bind(bucket)
            .fetch_optional(pool)
            .await?
        });
        Ok(match row {
            Some((failures, started)) if now.duration_since(started.to_jiff()) < window => {
                u32::try_from(failures).unwrap_or(u32::MAX)
            }
            _ => 0,
        })
    }

    /// The failures counted in `bucket` within the last `window`, with the time of the
    /// latest; `None` when there are none.
    pub async fn failure_count(
        &self,
        bucket: &str,
        now: Timestamp,
        window: jiff::SignedDuration,
    ) -> anyhow::Result<Option<FailureCount>> {
        let row: Option<(i64, jiff_sqlx::Timestamp, Option<jiff_sqlx::Timestamp>)> =
            dispatch!(&self.handle, |pool| {
                sqlx::query_as(
                    "SELECT failures, window_started_at, last_failure_at FROM throttle_counters \
                     WHERE bucket = $1",
                )
                .bind(bucket)
                .fetch_optional(pool)
                .await?
            });
        Ok(match row {
            Some((failures, started, last)) if now.duration_since(started.to_jiff()) < window => {
                Some(FailureCount {
                    failures: u32::try_from(failures).unwrap_or(u32::MAX),
                    last_at: last.unwrap_or(started).to_jiff(),
                })
            }
            _ => None,
        })
    }

    /// Every counter whose bucket starts with `prefix` and has failures within the last
    /// `window`, most failures first: the accounts the security page shows as waiting.
    pub async fn failure_counts_under(
        &self,
        prefix: &str,
        now: Timestamp,
        window: jiff::SignedDuration,
    ) -> anyhow::Result<Vec<(String, FailureCount)>> {
        let rows: Vec<(
            String,
            i64,
            jiff_sqlx::Timestamp,
            Option<jiff_sqlx::Timestamp>,
        )> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT bucket, failures, window_started_at, last_failure_at \
                     FROM throttle_counters WHERE substr(bucket, 1, length($1)) = $1 \
                     ORDER BY failures DESC LIMIT 200",
            )
            .bind(prefix)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter(|(_, _, started, _)| now.duration_since(started.to_jiff()) < window)
            .map(|(bucket, failures, started, last)| {
                let count = FailureCount {
                    failures: u32::try_from(failures).unwrap_or(u32::MAX),
                    last_at: last.unwrap_or(started).to_jiff(),
                };
                (bucket, count)
            })
            .collect())
    }

    pub async fn clear_failures(&self, bucket: &str) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query("DELETE FROM throttle_counters WHERE bucket = $1")
                .bind(bucket)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

/// A live session as its owner's list of signed-in devices shows it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token_hash: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(FromRow)]
struct SessionInfoRow {
    token_hash: String,
    created_at: jiff_sqlx::Timestamp,
    last_seen_at: jiff_sqlx::Timestamp,
    expires_at: jiff_sqlx::Timestamp,
    client_addr: Option<String>,
    user_agent: Option<String>,
}

impl Database {
    /// The sessions of one account, most recently active first (expired ones are left out).
    pub async fn sessions_of(
        &self,
        kind: SessionKind,
        account: Uuid,
        now: Timestamp,
    ) -> anyhow::Result<Vec<SessionInfo>> {
        let rows: Vec<SessionInfoRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT token_hash, created_at, last_seen_at, expires_at, client_addr, user_agent \
                 FROM sessions WHERE kind = $1 AND subject_id = $2",
            )
            .bind(kind.as_str())
            .bind(account)
            .fetch_all(pool)
            .await?
        });
        let mut sessions: Vec<SessionInfo> = rows
            .into_iter()
            .filter(|row| row.expires_at.to_jiff() > now)
            .map(|row| SessionInfo {
                token_hash: row.token_hash,
                created_at: row.created_at.to_jiff(),
                last_seen_at: row.last_seen_at.to_jiff(),
                client_addr: row.client_addr,
                user_agent: row.user_agent,
            })
            .collect();
        sessions.sort_by_key(|session| std::cmp::Reverse(session.last_seen_at));
        Ok(sessions)
    }

    /// Ends every session of the account but `keep`; answers how many ended.
    pub async fn end_other_sessions(
        &self,
        kind: SessionKind,
        account: Uuid,
        keep: &str,
    ) -> anyhow::Result<u64> {
        let ended = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "DELETE FROM sessions WHERE kind = $1 AND subject_id = $2 AND token_hash <> $3",
            )
            .bind(kind.as_str())
            .bind(account)
            .bind(keep)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(ended)
    }
}

/// What [`Database::prune_expired`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub throttle_counters: u64,
    pub challenges: u64,
    pub ceremonies: u64,
    pub sign_in_failures: u64,
}

/// Counters untouched for this long count nothing any more (the longest window is a day).
const COUNTERS_KEPT: jiff::SignedDuration = jiff::SignedDuration::from_hours(25);

impl Database {
    /// Deletes what no longer counts: throttle counters idle for over a day, sign-ins that
    /// never finished their second step, passkey ceremonies never answered, and failed sign-ins
    /// older than the day the stuffing detectors look back over.
    pub async fn prune_expired(&self, now: Timestamp) -> anyhow::Result<Pruned> {
        let counters_before = (now - COUNTERS_KEPT).to_sqlx();
        let failures_before = now.as_second() - 24 * 60 * 60;
        Ok(dispatch!(&self.handle, |pool| {
            let throttle_counters = sqlx::query(
                "DELETE FROM throttle_counters WHERE window_started_at < $1 \
                 AND (last_failure_at IS NULL OR last_failure_at < $1)",
            )
            .bind(counters_before)
            .execute(pool)
            .await?
            .rows_affected();
            let challenges = sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at < $1")
                .bind(now.as_second())
                .execute(pool)
                .await?
                .rows_affected();
            let ceremonies = sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < $1")
                .bind(now.as_second())
                .execute(pool)
                .await?
                .rows_affected();
            let sign_in_failures = sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
                .bind(failures_before)
                .execute(pool)
                .await?
                .rows_affected();
            Pruned {
                throttle_counters,
                challenges,
                ceremonies,
                sign_in_failures,
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    //! A patient's request reads its session, account and terms in one statement, through the
    //! readers' connections, on both backends (PostgreSQL when `PORCHLIGHT_TEST_POSTGRES_URL`
    //! is set).

    use domain::{PatientScope, Role, StaffScope};

    use super::*;
    use crate::{
        Backend, DefaultTerms, DefaultText, PublishedText, RequestOrigin, TermsLanguage,
        testing::Scratch,
    };

    const TEXT: DefaultText<'static> = DefaultText {
        summary: "In short",
        body: "The whole text",
        summary_es: "En resumen",
        body_es: "El texto entero",
    };
    const DEFAULTS: DefaultTerms<'static> = DefaultTerms {
        terms: TEXT,
        privacy: TEXT,
    };

    fn origin() -> RequestOrigin {
        RequestOrigin {
            client_addr: Some("192.0.2.1".to_owned()),
            request_id: None,
        }
    }

    async fn start(
        db: &Database,
        token_hash: &str,
        kind: SessionKind,
        subject: Uuid,
        org: OrganizationId,
    ) {
        let now = Timestamp::now();
        db.create_session(NewSession {
            token_hash,
            kind,
            subject,
            organization: org,
            now,
            expires_at: now + jiff::SignedDuration::from_hours(1),
            client_addr: None,
            user_agent: None,
            idle: jiff::SignedDuration::from_mins(20),
        })
        .await
        .unwrap();
    }

    async fn terms_accepted(db: &Database, token_hash: &str) -> bool {
        db.patient_session(token_hash)
            .await
            .unwrap()
            .expect("a session")
            .terms_accepted
    }

    /// The account comes with a patient's session only; the terms flag follows what was
    /// published and accepted, as `terms_accepted_in_force` says.
    async fn a_patient_session_reads_its_account_and_terms(backend: Backend) {
        let scratch = Scratch::migrated(backend).await;
        let db = &scratch.db;
        let org = db
            .create_organization("maple", "Maple", None)
            .await
            .unwrap();
        let lucia = scratch.active_account(org.id, "lucia.r").await;
        let scope = PatientScope::new(org.id, lucia.patient);
        start(db, "patient-token", SessionKind::Patient, lucia.id, org.id).await;
        start(db, "staff-token", SessionKind::Staff, lucia.id, org.id).await;

        let read = db.patient_session("patient-token").await.unwrap().unwrap();
        assert_eq!(read.session.kind, SessionKind::Patient);
        let account = read.account.expect("the session's account");
        assert_eq!(
            (account.id, account.patient, account.username.as_str()),
            (lucia.id, lucia.patient, "lucia.r")
        );
        assert!(account.can_sign_in());
        assert!(!read.terms_accepted, "nothing is published yet");

        let staff = db.patient_session("staff-token").await.unwrap().unwrap();
        assert_eq!(staff.session.kind, SessionKind::Staff);
        assert!(
            staff.account.is_none(),
            "a staff session has no patient account"
        );
        assert!(db.patient_session("no-such-token").await.unwrap().is_none());

        let (terms, privacy) = db.current_terms(org.id, &DEFAULTS).await.unwrap();
        assert!(
            !terms_accepted(db, "patient-token").await,
            "published, not accepted"
        );
        db.accept_terms(
            &scope,
            &terms,
            &privacy,
            TermsLanguage::English,
            &origin(),
            None,
        )
        .await
        .unwrap();
        assert!(terms_accepted(db, "patient-token").await);
        assert!(db.terms_accepted_in_force(&scope).await.unwrap());

        let admin_id = db
            .create_staff(crate::NewStaff {
                organization: org.id,
                username: &domain::Username::parse("admin").unwrap(),
                display_name: "Admin",
                role: Role::Administrator,
                password_hash: "hash",
            })
            .await
            .unwrap();
        let admin = StaffScope::new(org.id, admin_id, Role::Administrator);
        let text = PublishedText {
            summary: "New",
            body: "New text",
            changes: "What changed",
        };
        db.publish_terms(&admin, "privacy", text, None, &origin())
            .await
            .unwrap();
        assert!(
            !terms_accepted(db, "patient-token").await,
            "a newer privacy policy"
        );
        assert!(!db.terms_accepted_in_force(&scope).await.unwrap());
        scratch.finish().await;
    }

    /// Whether the reader's connection is the one that made the temporary table.
    async fn has_mark(reader: &mut crate::database::Reading) -> bool {
        dispatch!(reader, |conn| {
            sqlx::query("SELECT n FROM reader_mark")
                .fetch_optional(&mut **conn)
                .await
                .is_ok()
        })
    }

    /// A reader's connection comes back only from a read that succeeded: one dropped without
    /// `release` (failed, or abandoned half-way) is closed, never handed to the next read.
    async fn only_released_readers_serve_again(backend: Backend) {
        let scratch = Scratch::migrated(backend).await;
        let db = &scratch.db;
        let mut reader = db.reader().await.unwrap();
        dispatch!(&mut reader, |conn| {
            sqlx::query("CREATE TEMPORARY TABLE reader_mark (n INTEGER)")
                .execute(&mut **conn)
                .await
                .unwrap();
        });
        assert!(has_mark(&mut reader).await);
        reader.release();

        // Every resting connection is the marked one until it is dropped.
        let mut again = db.reader().await.unwrap();
        assert!(
            has_mark(&mut again).await,
            "the released connection serves again"
        );
        drop(again);
        let mut fresh = db.reader().await.unwrap();
        assert!(
            !has_mark(&mut fresh).await,
            "a dropped reader's connection is gone"
        );
        fresh.release();
        scratch.finish().await;
    }

    #[tokio::test]
    async fn a_patient_session_reads_its_account_and_terms_sqlite() {
        a_patient_session_reads_its_account_and_terms(Backend::Sqlite).await;
    }

    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn a_patient_session_reads_its_account_and_terms_postgres() {
        a_patient_session_reads_its_account_and_terms(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn only_released_readers_serve_again_sqlite() {
        only_released_readers_serve_again(Backend::Sqlite).await;
    }

    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn only_released_readers_serve_again_postgres() {
        only_released_readers_serve_again(Backend::Postgres).await;
    }
}
