//! 2-step sign-in: each account's second step (an authenticator app or emailed codes), its
//! one-time recovery codes, and sign-ins waiting between their two steps. Times are Unix
//! seconds.
//!
//! Every change an account makes to its own settings goes through an [`AccountRef`] built
//! from its session, and is audited in the same transaction.

use domain::{OrganizationId, PatientId};
use jiff::Timestamp;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database, RequestOrigin, SessionKind, Tx, database::dispatch,
    sign_in_defences::from_seconds,
};

/// The signed-in account whose settings change (from its session, never from a form).
#[derive(Debug, Clone)]
pub struct AccountRef {
    pub kind: SessionKind,
    pub id: Uuid,
    pub organization: OrganizationId,
    /// Who the audit log names.
    pub actor: AuditActor,
    /// The patient whose account it is (their "who viewed my record" shows the change).
    pub patient: Option<PatientId>,
}

/// How an account proves itself after its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondStep {
    /// Codes from an authenticator app; the shared secret sealed under the server key.
    Totp { sealed: String },
    /// Six-digit codes sent to the chart's email address.
    Email,
}

/// An account's second step and when it was turned on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoStep {
    pub method: SecondStep,
    pub enabled_at: Timestamp,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
}

/// A second step to turn on.
pub struct EnableTwoStep<'a> {
    pub method: &'a SecondStep,
    /// For an app, the time step of the code that confirmed it: that code is not accepted
    /// again.
    pub accepted_step: u64,
    pub recovery_hashes: &'a [String],
    /// The session the change is made from: every other session of the account ends.
    /// `None` while signing in (no session yet): then the method is set only if the account
    /// has none, so that a second browser racing the same setup cannot replace it.
    pub from_session: Option<&'a str>,
}

/// A sign-in between its two steps.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub kind: SessionKind,
    pub account: Uuid,
    pub organization: OrganizationId,
    pub expires_at: Timestamp,
    pub failures: u32,
    /// The keyed hash of the code last emailed, if the account's method is email.
    pub email_code_hash: Option<String>,
    pub email_sent_at: Option<Timestamp>,
    pub email_sends: u32,
}

/// A sign-in whose password was right, to keep until its second step.
pub struct NewChallenge<'a> {
    pub token_hash: &'a str,
    pub kind: SessionKind,
    pub account: Uuid,
    pub organization: OrganizationId,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    /// For emailed codes: the code's keyed hash and the email to queue (job kind, payload).
    pub email: Option<EmailedCode<'a>>,
}

/// An emailed code: its keyed hash, kept, and the outbox row that carries it to the patient.
pub struct EmailedCode<'a> {
    pub code_hash: &'a str,
    pub job_kind: &'a str,
    pub payload: &'a str,
}

#[derive(FromRow)]
struct ChallengeRow {
    kind: String,
    account_id: Uuid,
    organization_id: Uuid,
    expires_at: i64,
    failures: i64,
    email_code_hash: Option<String>,
    email_sent_at: Option<i64>,
    email_sends: i64,
}

impl Database {
    /// The account's second step, if it has one.
    pub async fn two_step(
        &self,
        kind: SessionKind,
        account: Uuid,
    ) -> anyhow::Result<Option<TwoStep>> {
        let row: Option<(String, Option<String>, i64)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT method, totp_sealed, enabled_at FROM two_step_methods \
                 WHERE kind = $1 AND account_id = $2",
            )
            .bind(kind.as_str())
            .bind(account)
            .fetch_optional(pool)
            .await?
        });
        let Some((method, sealed, enabled_at)) = row else {
            return Ok(None);
        };
        let method = match (method.as_str(), sealed) {
            ("totp", Some(sealed)) => SecondStep::Totp { sealed },
            ("email", _) => SecondStep::Email,
            _ => anyhow::bail!("a stored 2-step method is not one we know"),
        };
        let left: i64 = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM recovery_codes \
                 WHERE kind = $1 AND account_id = $2 AND used_at IS NULL",
            )
            .bind(kind.as_str())
            .bind(account)
            .fetch_one(pool)
            .await?
        });
        Ok(Some(TwoStep {
            method,
            enabled_at: from_seconds(enabled_at),
            recovery_codes_left: u32::try_from(left).unwrap_or(0),
        }))
    }

    /// Turns on (or, from a session, replaces) the account's second step with fresh recovery
    /// codes; the account's other sessions end; audited. `false`, changing nothing, when
    /// signing in found a second step set meanwhile.
    pub async fn enable_two_step(
        &self,
        account: &AccountRef,
        enable: &EnableTwoStep<'_>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now();
        let (name, sealed) = match enable.method {
            SecondStep::Totp { sealed } => ("totp", Some(sealed.as_str())),
            SecondStep::Email => ("email", None),
        };
        let step = i64::try_from(enable.accepted_step).unwrap_or(i64::MAX);
        let on_conflict = if enable.from_session.is_some() {
            "DO UPDATE SET method = excluded.method, totp_sealed = excluded.totp_sealed, \
             totp_last_step = excluded.totp_last_step, enabled_at = excluded.enabled_at"
        } else {
            "DO NOTHING"
        };
        let statement = format!(
            "INSERT INTO two_step_methods (kind, account_id, method, totp_sealed, \
             totp_last_step, enabled_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (kind, account_id) {on_conflict}"
        );
        let mut tx = self.begin().await?;
        let set = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
                .bind(account.kind.as_str())
                .bind(account.id)
                .bind(name)
                .bind(sealed)
                .bind(step)
                .bind(now.as_second())
                .execute(&mut **tx)
                .await?
                .rows_affected()
        });
        if set != 1 {
            return Ok(false);
        }
        if let Some(keep) = enable.from_session {
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query(
                    "DELETE FROM sessions WHERE kind = $1 AND subject_id = $2 AND token_hash <> $3",
                )
                .bind(account.kind.as_str())
                .bind(account.id)
                .bind(keep)
                .execute(&mut **tx)
                .await?;
            });
        }
        tx.replace_recovery_codes(account, enable.recovery_hashes, now)
            .await?;
        tx.tell_patient(account, "two-step-on", now).await?;
        tx.append_audit(&account.audit(
            "two-step.enabled",
            origin,
            Some(format!(
                "method {name}; new recovery codes; other sessions ended"
            )),
        ))
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Turns the account's second step off and forgets its recovery codes, audited.
    pub async fn disable_two_step(
        &self,
        account: &AccountRef,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("DELETE FROM two_step_methods WHERE kind = $1 AND account_id = $2")
                .bind(account.kind.as_str())
                .bind(account.id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE kind = $1 AND account_id = $2")
                .bind(account.kind.as_str())
                .bind(account.id)
                .execute(&mut **tx)
                .await?;
        });
        tx.tell_patient(account, "two-step-off", Timestamp::now())
            .await?;
        tx.append_audit(&account.audit("two-step.disabled", origin, None))
            .await?;
        tx.commit().await
    }

    /// A new set of recovery codes in place of the old ones, audited.
    pub async fn new_recovery_codes(
        &self,
        account: &AccountRef,
        recovery_hashes: &[String],
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        tx.replace_recovery_codes(account, recovery_hashes, Timestamp::now())
            .await?;
        tx.append_audit(&account.audit("two-step.recovery-codes", origin, None))
            .await?;
        tx.commit().await
    }

    /// Accepts an authenticator code's time step if it is later than every step accepted
    /// before: one atomic update, so a code is never accepted twice, even by two requests at
    /// once. `false`: a replayed (or older) code.
    pub async fn accept_totp_step(
        &self,
        kind: SessionKind,
        account: Uuid,
        step: u64,
    ) -> anyhow::Result<bool> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let accepted = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "UPDATE two_step_methods SET totp_last_step = $3 \
                 WHERE kind = $1 AND account_id = $2 AND method = 'totp' AND totp_last_step < $3",
            )
            .bind(kind.as_str())
            .bind(account)
            .bind(step)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(accepted == 1)
    }

    /// Uses up a recovery code, once. `false`: no such unused code.
    pub async fn use_recovery_code(
        &self,
        kind: SessionKind,
        account: Uuid,
        code_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        let used = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "UPDATE recovery_codes SET used_at = $4 WHERE kind = $1 AND account_id = $2 \
                 AND code_hash = $3 AND used_at IS NULL",
            )
            .bind(kind.as_str())
            .bind(account)
            .bind(code_hash)
            .bind(now.as_second())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(used == 1)
    }

    /// Keeps a sign-in between its steps (and queues its emailed code, if any, in the same
    /// transaction). Challenges that have expired are cleared on the way.
    pub async fn create_challenge(&self, challenge: &NewChallenge<'_>) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at < $1")
                .bind(challenge.now.as_second())
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO sign_in_challenges (token_hash, kind, account_id, organization_id, \
                 created_at, expires_at, email_code_hash, email_sent_at, email_sends) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(challenge.token_hash)
            .bind(challenge.kind.as_str())
            .bind(challenge.account)
            .bind(challenge.organization.as_uuid())
            .bind(challenge.now.as_second())
            .bind(challenge.expires_at.as_second())
            .bind(challenge.email.as_ref().map(|e| e.code_hash))
            .bind(challenge.email.as_ref().map(|_| challenge.now.as_second()))
            .bind(i64::from(challenge.email.is_some()))
            .execute(&mut **tx)
            .await?;
        });
        if let Some(email) = &challenge.email {
            tx.enqueue_job(email.job_kind, email.payload, challenge.now)
                .await?;
        }
        tx.commit().await
    }

    /// The sign-in waiting for its second step, if it has not expired.
    pub async fn challenge(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<Option<Challenge>> {
        let row: Option<ChallengeRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT kind, account_id, organization_id, expires_at, failures, \
                 email_code_hash, email_sent_at, email_sends \
                 FROM sign_in_challenges WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now.as_second())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|row| Challenge {
            kind: if row.kind == "patient" {
                SessionKind::Patient
            } else {
                SessionKind::Staff
            },
            account: row.account_id,
            organization: OrganizationId::from_uuid(row.organization_id),
            expires_at: from_seconds(row.expires_at),
            failures: u32::try_from(row.failures).unwrap_or(u32::MAX),
            email_code_hash: row.email_code_hash,
            email_sent_at: row.email_sent_at.map(from_seconds),
            email_sends: u32::try_from(row.email_sends).unwrap_or(u32::MAX),
        }))
    }

    /// Takes one of the challenge's `max` attempts before its code is checked (one atomic
    /// update, so that codes sent at the same moment cannot all be checked); answers which
    /// attempt this is, or `None` when none is left or the challenge is gone.
    pub async fn reserve_challenge_attempt(
        &self,
        token_hash: &str,
        max: u32,
    ) -> anyhow::Result<Option<u32>> {
        let attempt: Option<i64> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "UPDATE sign_in_challenges SET failures = failures + 1 \
                 WHERE token_hash = $1 AND failures < $2 RETURNING failures",
            )
            .bind(token_hash)
            .bind(i64::from(max))
            .fetch_optional(pool)
            .await?
        });
        Ok(attempt.map(|a| u32::try_from(a).unwrap_or(u32::MAX)))
    }

    /// Counts a wrong code against the challenge; answers the failures so far.
    pub async fn count_challenge_failure(&self, token_hash: &str) -> anyhow::Result<u32> {
        let failures: Option<i64> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "UPDATE sign_in_challenges SET failures = failures + 1 WHERE token_hash = $1 \
                 RETURNING failures",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(failures.map_or(u32::MAX, |f| u32::try_from(f).unwrap_or(u32::MAX)))
    }

    /// Ends a challenge. `true` for the one request that ended it: that one may start the
    /// session, however many raced.
    pub async fn end_challenge(&self, token_hash: &str) -> anyhow::Result<bool> {
        let ended = dispatch!(&self.handle, |pool| {
            sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(ended == 1)
    }

    /// Replaces the challenge's emailed code with a new one and queues its email, if fewer
    /// than `max_sends` have gone; the challenge then lasts at least until `lasts_until`, as
    /// long as the new code works. `false`: no more are sent for this sign-in.
    pub async fn resend_challenge_code(
        &self,
        token_hash: &str,
        email: &EmailedCode<'_>,
        now: Timestamp,
        max_sends: u32,
        lasts_until: Timestamp,
    ) -> anyhow::Result<bool> {
        let mut tx = self.begin().await?;
        let updated = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE sign_in_challenges SET email_code_hash = $2, email_sent_at = $3, \
                 email_sends = email_sends + 1, \
                 expires_at = CASE WHEN expires_at < $5 THEN $5 ELSE expires_at END \
                 WHERE token_hash = $1 AND email_sends < $4",
            )
            .bind(token_hash)
            .bind(email.code_hash)
            .bind(now.as_second())
            .bind(i64::from(max_sends))
            .bind(lasts_until.as_second())
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        if updated != 1 {
            return Ok(false);
        }
        tx.enqueue_job(email.job_kind, email.payload, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl Tx {
    /// Queues the "how you sign in changed" email to a patient account's owner (staff
    /// accounts get none).
    pub(crate) async fn tell_patient(
        &mut self,
        account: &AccountRef,
        change: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let Some(patient) = account.patient else {
            return Ok(());
        };
        let payload = serde_json::json!({ "patient": patient, "change": change }).to_string();
        self.enqueue_job("email.sign-in-changed", &payload, now)
            .await
    }

    async fn replace_recovery_codes(
        &mut self,
        account: &AccountRef,
        hashes: &[String],
        now: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query("DELETE FROM recovery_codes WHERE kind = $1 AND account_id = $2")
                .bind(account.kind.as_str())
                .bind(account.id)
                .execute(&mut **tx)
                .await?;
            for hash in hashes {
                sqlx::query(
                    "INSERT INTO recovery_codes (kind, account_id, code_hash, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(account.kind.as_str())
                .bind(account.id)
                .bind(hash)
                .bind(now.as_second())
                .execute(&mut **tx)
                .await?;
            }
        });
        Ok(())
    }
}

impl AccountRef {
    pub(crate) fn audit(
        &self,
        action: &str,
        origin: &RequestOrigin,
        detail: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            organization: Some(self.organization),
            actor: self.actor.clone(),
            action: action.to_owned(),
            patient: self.patient,
            subject: Some(format!("{} account {}", self.kind.as_str(), self.id)),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail,
        }
    }
}
