//! A signed-in patient changing the chart's email address: asked for (after the password
//! again), confirmed by a link sent to the new address, applied and audited. The old address
//! is told when the change is asked for. Times are Unix seconds.

use domain::{OrganizationId, PatientId, PatientScope};
use jiff::Timestamp;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, database::dispatch};

/// A change to ask for.
pub struct NewEmailChange<'a> {
    pub scope: &'a PatientScope,
    pub account: Uuid,
    pub new_email: &'a str,
    /// The address now on the chart, told of the change.
    pub old_email: Option<&'a str>,
    /// SHA-256 of the link's token.
    pub token_hash: &'a str,
    /// The link, for the email to the new address.
    pub link: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// A change whose link can still be followed.
#[derive(Debug, Clone)]
pub struct PendingEmailChange {
    pub id: Uuid,
    pub organization: OrganizationId,
    pub patient: PatientId,
    pub new_email: String,
}

impl Database {
    /// The chart's email address, shown to its patient (audited as a read of the chart).
    pub async fn chart_email(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<String>> {
        let mut tx = self.begin_read().await?;
        let email: Option<Option<String>> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_scalar("SELECT email FROM patients WHERE id = $1 AND organization_id = $2")
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "patient.read".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("email address".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.commit().await?;
        Ok(email.flatten().filter(|e| !e.trim().is_empty()))
    }

    /// Records the change asked for (earlier ones of the account end) and queues two emails:
    /// the link to the new address, and a notice to the old one. Audited.
    pub async fn ask_email_change(
        &self,
        change: &NewEmailChange<'_>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let scope = change.scope;
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE email_changes SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(change.account)
            .bind(change.now.as_second())
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO email_changes (id, organization_id, account_id, patient_id, \
                 new_email, token_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(scope.organization().as_uuid())
            .bind(change.account)
            .bind(scope.patient().as_uuid())
            .bind(change.new_email)
            .bind(change.token_hash)
            .bind(change.now.as_second())
            .bind(change.expires_at.as_second())
            .execute(&mut **tx)
            .await?;
        });
        let to_new = serde_json::json!({
            "patient": scope.patient(),
            "to": change.new_email,
            "link": change.link,
        })
        .to_string();
        tx.enqueue_job("email.confirm-email", &to_new, change.now)
            .await?;
        if let Some(old) = change.old_email {
            let to_old = serde_json::json!({ "patient": scope.patient(), "to": old }).to_string();
            tx.enqueue_job("email.email-changing", &to_old, change.now)
                .await?;
        }
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "patient.email-change-asked".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("email address".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.commit().await
    }

    /// The change behind a link, if it can still be followed.
    pub async fn pending_email_change(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<Option<PendingEmailChange>> {
        let row: Option<(Uuid, Uuid, Uuid, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT id, organization_id, patient_id, new_email FROM email_changes \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now.as_second())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(
            |(id, organization, patient, new_email)| PendingEmailChange {
                id,
                organization: OrganizationId::from_uuid(organization),
                patient: PatientId::from_uuid(patient),
                new_email,
            },
        ))
    }

    /// Applies a change: the link is used up (once, even when two requests race) and the
    /// chart's address replaced, audited. `false`, changing nothing, when it was used meanwhile.
    pub async fn apply_email_change(
        &self,
        change: &PendingEmailChange,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let claimed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE email_changes SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
                 AND expires_at > $2",
            )
            .bind(change.id)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        if claimed != 1 {
            return Ok(false);
        }
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("UPDATE patients SET email = $3 WHERE id = $1 AND organization_id = $2")
                .bind(change.patient.as_uuid())
                .bind(change.organization.as_uuid())
                .bind(&change.new_email)
                .execute(&mut **tx)
                .await?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(change.organization),
            actor: AuditActor::Patient(change.patient),
            action: "patient.email-changed".to_owned(),
            patient: Some(change.patient),
            subject: Some("email address".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some("confirmed from the new address".to_owned()),
        })
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
