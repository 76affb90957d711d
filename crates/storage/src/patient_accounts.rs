//! Patients' portal accounts after enrollment: finding one to sign in, what a signed-in
//! patient sees of their own account, and the terms they have yet to accept.

use domain::{OrganizationId, PatientId, PatientScope, Username};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, TermsVersion, database::dispatch};

/// An account as sign-in needs it.
#[derive(Debug, Clone)]
pub struct PatientAccount {
    pub id: Uuid,
    pub organization: OrganizationId,
    pub patient: PatientId,
    pub username: String,
    pub password_hash: String,
    /// `pending` (enrollment not finished), `active` or `disabled`.
    pub status: String,
    /// The patient said a sign-in "wasn't me": nobody signs in until staff help.
    pub locked: bool,
}

impl PatientAccount {
    pub fn can_sign_in(&self) -> bool {
        self.status == "active" && !self.locked
    }
}

#[derive(FromRow)]
struct AccountRow {
    id: Uuid,
    organization_id: Uuid,
    patient_id: Uuid,
    username: String,
    password_hash: String,
    status: String,
    locked_at: Option<i64>,
}

impl From<AccountRow> for PatientAccount {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            organization: OrganizationId::from_uuid(row.organization_id),
            patient: PatientId::from_uuid(row.patient_id),
            username: row.username,
            password_hash: row.password_hash,
            status: row.status,
            locked: row.locked_at.is_some(),
        }
    }
}

/// What the patient's own home page shows of the chart and the account.
#[derive(Debug, Clone)]
pub struct PatientHome {
    pub given_names: String,
    pub username: String,
    /// The sign-in before this one, if any: when and from where.
    pub previous_sign_in: Option<(Timestamp, Option<String>)>,
    /// The practice's time zone, when its administrator chose one (read in the same query, so
    /// that the home page and `/api/v1/me` need no second look at the organization).
    pub practice_time_zone: Option<domain::PracticeTimeZone>,
}

/// The documents a patient must accept before going on, with what changed since the versions
/// they accepted.
#[derive(Debug, Clone)]
pub struct TermsUpdate {
    pub terms: TermsVersion,
    pub privacy: TermsVersion,
    /// For each document that changed: its versions newer than the accepted one, oldest first.
    pub changed: Vec<TermsVersion>,
}

const ACCOUNT_COLUMNS: &str = "id, organization_id, patient_id, username, password_hash, status, locked_at \
     FROM patient_accounts";

impl Database {
    /// The account with this username in the organization (usernames are stored lower-cased).
    pub async fn patient_account_by_username(
        &self,
        organization: OrganizationId,
        username: &Username,
    ) -> anyhow::Result<Option<PatientAccount>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} WHERE organization_id = $1 AND username = $2");
        let row: Option<AccountRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(organization.as_uuid())
                .bind(username.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(PatientAccount::from))
    }

    /// The account a session belongs to.
    pub async fn patient_account_by_id(
        &self,
        organization: OrganizationId,
        id: Uuid,
    ) -> anyhow::Result<Option<PatientAccount>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} WHERE organization_id = $1 AND id = $2");
        let row: Option<AccountRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(organization.as_uuid())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(PatientAccount::from))
    }

    /// Records a patient's sign-in in the audit log (the home page shows the previous one).
    pub async fn record_patient_sign_in(
        &self,
        account: &PatientAccount,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        tx.append_audit(&AuditEntry {
            organization: Some(account.organization),
            actor: AuditActor::Patient(account.patient),
            action: "patient.sign-in".to_owned(),
            patient: Some(account.patient),
            subject: Some("session".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The patient's home page: first names, username, and the sign-in before the current one.
    /// Reading the chart is audited.
    /// Whether the scope's chart has an email address (codes by email need one). Only the
    /// answer leaves storage, not the address.
    pub async fn chart_has_email(&self, scope: &PatientScope) -> anyhow::Result<bool> {
        let email: Option<Option<String>> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar("SELECT email FROM patients WHERE id = $1 AND organization_id = $2")
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(pool)
                .await?
        });
        Ok(email.flatten().is_some_and(|e| !e.trim().is_empty()))
    }

    /// What a new password may not contain: the chart's given and family names and birth
    /// date (checked, never shown).
    pub async fn password_context(
        &self,
        scope: &PatientScope,
    ) -> anyhow::Result<Option<(String, String, jiff::civil::Date)>> {
        let row: Option<(String, String, jiff_sqlx::Date)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT given_names, family_name, birth_date FROM patients \
                 WHERE id = $1 AND organization_id = $2",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(given, family, birth)| (given, family, birth.to_jiff())))
    }

    /// Changes the signed-in patient's password: every other session of the account ends, as
    /// do reset links not used yet; a "your password was changed" email is queued; audited.
    pub async fn change_password(
        &self,
        scope: &PatientScope,
        account: Uuid,
        password_hash: &str,
        keep_session: &str,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let now = jiff::Timestamp::now();
        let mut tx = self.begin().await?;
        let changed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE patient_accounts SET password_hash = $3 \
                 WHERE id = $1 AND organization_id = $2 AND patient_id = $4",
            )
            .bind(account)
            .bind(scope.organization().as_uuid())
            .bind(password_hash)
            .bind(scope.patient().as_uuid())
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        anyhow::ensure!(changed == 1, "the session's account was not found");
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "DELETE FROM sessions WHERE kind = 'patient' AND subject_id = $1 \
                 AND token_hash <> $2",
            )
            .bind(account)
            .bind(keep_session)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE password_resets SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(account)
            .bind(jiff_sqlx::ToSqlx::to_sqlx(now))
            .execute(&mut **tx)
            .await?;
            // An email change someone else asked for does not outlive the password they used.
            sqlx::query(
                "UPDATE email_changes SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(account)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?;
        });
        let payload = serde_json::json!({ "patient": scope.patient() }).to_string();
        tx.enqueue_job("email.password-changed", &payload, now)
            .await?;
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "account.password-changed".to_owned(),
            patient: Some(scope.patient()),
            subject: Some(format!("patient account {account}")),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some("every other session ended".to_owned()),
        })
        .await?;
        tx.commit().await
    }

    pub async fn patient_home(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<PatientHome> {
        let mut tx = self.begin_read().await?;
        let (given_names, username, time_zone): (String, String, Option<String>) = dispatch!(
            &mut tx.handle,
            |tx| {
                sqlx::query_as(
                "SELECT p.given_names, a.username, o.time_zone FROM patients p \
                 JOIN patient_accounts a ON a.patient_id = p.id AND a.organization_id = p.organization_id \
                 JOIN organizations o ON o.id = p.organization_id \
                 WHERE p.id = $1 AND p.organization_id = $2",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_one(&mut **tx)
            .await?
            }
        );
        let sign_ins: Vec<(jiff_sqlx::Timestamp, Option<String>)> = dispatch!(
            &mut tx.handle,
            |tx| {
                sqlx::query_as(
                    "SELECT at, client_addr FROM audit_log WHERE patient_id = $1 AND actor_kind = 'patient' \
                     AND action = 'patient.sign-in' ORDER BY seq DESC LIMIT 2",
                )
                .bind(scope.patient().as_uuid())
                .fetch_all(&mut **tx)
                .await?
            }
        );
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "patient.home".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("name".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.commit().await?;
        Ok(PatientHome {
            given_names,
            username,
            practice_time_zone: crate::organizations::stored_time_zone(time_zone),
            previous_sign_in: sign_ins
                .into_iter()
                .nth(1)
                .map(|(at, addr)| (at.to_jiff(), addr)),
        })
    }

    /// The documents in force when the patient has not accepted them yet, with what changed;
    /// `None` when the patient's latest acceptance covers both.
    pub async fn terms_update(
        &self,
        scope: &PatientScope,
        current: (&TermsVersion, &TermsVersion),
    ) -> anyhow::Result<Option<TermsUpdate>> {
        let (terms, privacy) = current;
        let accepted: Option<(i64, i64)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT t.version, p.version FROM terms_acceptances a \
                 JOIN terms_versions t ON t.id = a.terms_version_id \
                 JOIN terms_versions p ON p.id = a.privacy_version_id \
                 WHERE a.patient_id = $1 AND a.organization_id = $2 \
                 ORDER BY a.accepted_at DESC LIMIT 1",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(pool)
            .await?
        });
        let (accepted_terms, accepted_privacy) = accepted.unwrap_or((0, 0));
        if accepted_terms >= terms.version && accepted_privacy >= privacy.version {
            return Ok(None);
        }
        let mut changed = Vec::new();
        for (kind, since) in [("terms", accepted_terms), ("privacy", accepted_privacy)] {
            let query = sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM terms_versions \
                 WHERE organization_id = $1 AND kind = $2 AND version > $3 ORDER BY version",
                crate::terms::VERSION_COLUMNS
            ));
            let newer: Vec<crate::terms::TermsRow> = dispatch!(&self.handle, |pool| {
                sqlx::query_as(query)
                    .bind(scope.organization().as_uuid())
                    .bind(kind)
                    .bind(since)
                    .fetch_all(pool)
                    .await?
            });
            changed.extend(newer.into_iter().map(TermsVersion::from));
        }
        Ok(Some(TermsUpdate {
            terms: terms.clone(),
            privacy: privacy.clone(),
            changed,
        }))
    }

    /// Records a signed-in patient's acceptance of the versions in force, with the language
    /// each was shown in to a reader who prefers `language`.
    pub async fn accept_terms(
        &self,
        scope: &PatientScope,
        terms: &TermsVersion,
        privacy: &TermsVersion,
        language: crate::TermsLanguage,
        origin: &RequestOrigin,
        user_agent: Option<&str>,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO terms_acceptances (id, organization_id, patient_id, terms_version_id, \
                 privacy_version_id, accepted_at, client_addr, user_agent, terms_language, \
                 privacy_language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(scope.organization().as_uuid())
            .bind(scope.patient().as_uuid())
            .bind(terms.id)
            .bind(privacy.id)
            .bind(now.to_sqlx())
            .bind(origin.client_addr.as_deref())
            .bind(user_agent)
            .bind(terms.shown_language(language).tag())
            .bind(privacy.shown_language(language).tag())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "terms.accept".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("terms and privacy".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!(
                "terms v{}, privacy v{}",
                terms.version, privacy.version
            )),
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl crate::Tx {
    /// Takes back everything a patient account's password may have handed out: every session
    /// ends, its passkeys are removed, email changes not confirmed yet end, and every browser
    /// is a stranger again (announced at its next sign-in). For a reset and "this wasn't me".
    pub(crate) async fn revoke_patient_access(
        &mut self,
        account: Uuid,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query("DELETE FROM sessions WHERE kind = 'patient' AND subject_id = $1")
                .bind(account)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM passkeys WHERE kind = 'patient' AND account_id = $1")
                .bind(account)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE email_changes SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(account)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE known_devices SET forgotten_at = $2 \
                 WHERE kind = 'patient' AND account_id = $1 AND forgotten_at IS NULL",
            )
            .bind(account)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }
}
