//! Password resets by an emailed link: finding the accounts a "forgot password or username"
//! request concerns, starting a reset (the email queued in the same transaction), and
//! completing it once (the password changed, every session ended).

use domain::{OrganizationId, PatientId, StaffScope, Username};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, database::dispatch};

/// An active account a recovery request may concern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryAccount {
    pub id: Uuid,
    pub organization: OrganizationId,
    pub patient: PatientId,
    pub username: String,
}

#[derive(FromRow)]
struct RecoveryRow {
    id: Uuid,
    organization_id: Uuid,
    patient_id: Uuid,
    username: String,
}

impl From<RecoveryRow> for RecoveryAccount {
    fn from(row: RecoveryRow) -> Self {
        Self {
            id: row.id,
            organization: OrganizationId::from_uuid(row.organization_id),
            patient: PatientId::from_uuid(row.patient_id),
            username: row.username,
        }
    }
}

/// What the patient typed on the "forgot" page: a username, or the email address on their
/// chart (which may serve several accounts: a family sharing one address).
#[derive(Debug, Clone)]
pub enum RecoveryKey<'a> {
    Username(&'a Username),
    Email(&'a str),
}

/// A reset link that can still be used, with what the password rules need to know.
#[derive(Debug, Clone)]
pub struct OpenReset {
    pub id: Uuid,
    pub account: RecoveryAccount,
    /// Issued by staff as a code, after they confirmed who the patient is (not emailed).
    pub by_staff: bool,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: jiff::civil::Date,
}

#[derive(FromRow)]
struct ResetRow {
    id: Uuid,
    account_id: Uuid,
    organization_id: Uuid,
    patient_id: Uuid,
    username: String,
    status: String,
    locked_at: Option<i64>,
    issued_by: Option<Uuid>,
    expires_at: jiff_sqlx::Timestamp,
    used_at: Option<jiff_sqlx::Timestamp>,
    given_names: String,
    family_name: String,
    birth_date: jiff_sqlx::Date,
}

/// A new reset: the link's token (its hash kept) and what the email says.
pub struct NewReset<'a> {
    pub account: &'a RecoveryAccount,
    pub token_hash: &'a str,
    /// The link as emailed, with the token in it: kept in the outbox only until sent.
    pub link: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    pub origin: &'a RequestOrigin,
}

impl Database {
    /// The organization's active accounts whose username, or whose chart's email address
    /// (compared without regard to case), is `key`.
    pub async fn accounts_for_recovery(
        &self,
        organization: OrganizationId,
        key: RecoveryKey<'_>,
    ) -> anyhow::Result<Vec<RecoveryAccount>> {
        let (condition, value) = match key {
            RecoveryKey::Username(username) => ("a.username = $2", username.as_str().to_owned()),
            RecoveryKey::Email(email) => ("LOWER(p.email) = $2", email.trim().to_lowercase()),
        };
        let sql = format!(
            "SELECT a.id, a.organization_id, a.patient_id, a.username \
             FROM patient_accounts a JOIN patients p ON p.id = a.patient_id \
             WHERE a.organization_id = $1 AND a.status = 'active' AND a.locked_at IS NULL \
             AND {condition} \
             ORDER BY a.username"
        );
        let rows: Vec<RecoveryRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(organization.as_uuid())
                .bind(value)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(RecoveryAccount::from).collect())
    }

    /// Records a reset and queues its email (to the chart's address) in one transaction.
    pub async fn start_password_reset(&self, reset: &NewReset<'_>) -> anyhow::Result<()> {
        let account = reset.account;
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO password_resets \
                 (id, organization_id, account_id, token_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(account.organization.as_uuid())
            .bind(account.id)
            .bind(reset.token_hash)
            .bind(reset.now.to_sqlx())
            .bind(reset.expires_at.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        let minutes = (reset.expires_at - reset.now).get_minutes().max(1);
        let payload = serde_json::json!({
            "patient": account.patient,
            "link": reset.link,
            "username": account.username,
            "valid_minutes": minutes,
        })
        .to_string();
        tx.enqueue_job("email.password-reset", &payload, reset.now)
            .await?;
        tx.append_audit(&AuditEntry {
            organization: Some(account.organization),
            actor: AuditActor::System("recovery".to_owned()),
            action: "account.password-reset-requested".to_owned(),
            patient: Some(account.patient),
            subject: Some(format!("patient account {}", account.id)),
            client_addr: reset.origin.client_addr.clone(),
            request_id: reset.origin.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reset behind a link, if it can still be used: not used, not expired, and its
    /// account still active.
    pub async fn open_password_reset(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<Option<OpenReset>> {
        let row: Option<ResetRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.account_id, r.organization_id, a.patient_id, a.username, a.status, \
                 a.locked_at, r.issued_by, r.expires_at, r.used_at, p.given_names, p.family_name, p.birth_date \
                 FROM password_resets r \
                 JOIN patient_accounts a ON a.id = r.account_id \
                 JOIN patients p ON p.id = a.patient_id \
                 WHERE r.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row
            .filter(|r| {
                r.used_at.is_none()
                    && r.status == "active"
                    && (r.locked_at.is_none() || r.issued_by.is_some())
                    && r.expires_at.to_jiff() > now
            })
            .map(|r| OpenReset {
                id: r.id,
                by_staff: r.issued_by.is_some(),
                account: RecoveryAccount {
                    id: r.account_id,
                    organization: OrganizationId::from_uuid(r.organization_id),
                    patient: PatientId::from_uuid(r.patient_id),
                    username: r.username,
                },
                given_names: r.given_names,
                family_name: r.family_name,
                birth_date: r.birth_date.to_jiff(),
            }))
    }

    /// Completes a reset: the link is used up (once, even when two requests race), the
    /// password replaced, every other reset link of the account and every one of its sessions
    /// ended, a "your password was changed" email queued, and the change audited. Answers
    /// false, changing nothing, when the link was used or expired meanwhile or the account is
    /// no longer active.
    pub async fn complete_password_reset(
        &self,
        reset: &OpenReset,
        password_hash: &str,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now();
        let account = &reset.account;
        let mut tx = self.begin().await?;
        // Claimed here, checked again: the hash may have waited its turn past the expiry, or
        // the account may have been disabled meanwhile. (Expiry is compared in Rust: SQLite
        // keeps timestamps as text.)
        let claimed: Option<jiff_sqlx::Timestamp> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_scalar(
                "UPDATE password_resets SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
                 RETURNING expires_at",
            )
            .bind(reset.id)
            .bind(now.to_sqlx())
            .fetch_optional(&mut **tx)
            .await?
        });
        if claimed.is_none_or(|expires_at| expires_at.to_jiff() <= now) {
            return Ok(false);
        }
        let changed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE patient_accounts SET password_hash = $2, locked_at = NULL \
                 WHERE id = $1 AND status = 'active' AND (locked_at IS NULL OR $3)",
            )
            .bind(account.id)
            .bind(password_hash)
            .bind(reset.by_staff)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        if changed != 1 {
            return Ok(false);
        }
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE password_resets SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(account.id)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        // Whoever knew the old password may have signed in somewhere.
        tx.revoke_patient_access(account.id, now).await?;
        if reset.by_staff {
            // Staff confirmed who the patient is: a lost phone and lost recovery codes must
            // not keep them out. They can turn 2-step sign-in on again.
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query(
                    "DELETE FROM two_step_methods WHERE kind = 'patient' AND account_id = $1",
                )
                .bind(account.id)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "DELETE FROM recovery_codes WHERE kind = 'patient' AND account_id = $1",
                )
                .bind(account.id)
                .execute(&mut **tx)
                .await?;
            });
        }
        let payload = serde_json::json!({ "patient": account.patient }).to_string();
        tx.enqueue_job("email.password-changed", &payload, now)
            .await?;
        tx.append_audit(&AuditEntry {
            organization: Some(account.organization),
            actor: AuditActor::Patient(account.patient),
            action: "account.password-reset".to_owned(),
            patient: Some(account.patient),
            subject: Some(format!("patient account {}", account.id)),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(
                if reset.by_staff {
                    "with a code from staff; every session ended; unlocked; 2-step sign-in \
                     and passkeys removed"
                } else {
                    "every session ended; passkeys removed"
                }
                .to_owned(),
            ),
        })
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Issues a staff-assisted reset code for the patient's account, after staff confirmed who
    /// the patient is (`confirmed_by` says how; audited). Earlier codes from staff stop
    /// working. Answers the account's username, or `None` when the patient has no account
    /// that can be reset (none, or enrollment not finished).
    pub async fn issue_reset_code(
        &self,
        scope: &StaffScope,
        patient: PatientId,
        code: &IssuedCode<'_>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<String>> {
        let mut tx = self.begin().await?;
        let account: Option<(Uuid, String)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT id, username FROM patient_accounts \
                 WHERE organization_id = $1 AND patient_id = $2 AND status = 'active'",
            )
            .bind(scope.organization().as_uuid())
            .bind(patient.as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some((account, username)) = account else {
            return Ok(None);
        };
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE password_resets SET used_at = $2 \
                 WHERE account_id = $1 AND used_at IS NULL AND issued_by IS NOT NULL",
            )
            .bind(account)
            .bind(code.now.to_sqlx())
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO password_resets (id, organization_id, account_id, token_hash, \
                 created_at, expires_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7())
            .bind(scope.organization().as_uuid())
            .bind(account)
            .bind(code.code_hash)
            .bind(code.now.to_sqlx())
            .bind(code.expires_at.to_sqlx())
            .bind(scope.staff().as_uuid())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "account.reset-code-issued".to_owned(),
            patient: Some(patient),
            subject: Some(format!("patient account {account}")),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!("identity confirmed by: {}", code.confirmed_by)),
        })
        .await?;
        tx.commit().await?;
        Ok(Some(username))
    }
}

/// A staff-assisted reset code to record.
pub struct IssuedCode<'a> {
    /// The keyed hash of the code's canonical form.
    pub code_hash: &'a str,
    /// How staff confirmed who the patient is, in words.
    pub confirmed_by: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}
