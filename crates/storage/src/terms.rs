//! Terms of use and privacy policy: versions, publishing, acceptance, and the activation of
//! the account that acceptance completes.

use domain::{OrganizationId, StaffScope};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, OpenInvitation, RequestOrigin, database::dispatch};

/// One published version of a document.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TermsVersion {
    pub id: Uuid,
    pub kind: String,
    pub version: i64,
    pub summary: String,
    pub body: String,
    /// What changed since the previous version, in plain words (none for a first version).
    pub changes: Option<String>,
}

/// The first versions every practice starts with, until an administrator publishes its own.
pub struct DefaultTerms<'a> {
    pub terms_summary: &'a str,
    pub terms_body: &'a str,
    pub privacy_summary: &'a str,
    pub privacy_body: &'a str,
}

/// The text of a version an administrator publishes.
pub struct PublishedText<'a> {
    pub summary: &'a str,
    pub body: &'a str,
    pub changes: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    #[error("this invitation is not at the terms step")]
    WrongStep,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Database {
    /// The versions in force: the newest terms and the newest privacy policy. A practice with
    /// none gets `defaults` published as version 1 (first users racing publish it once).
    pub async fn current_terms(
        &self,
        organization: OrganizationId,
        defaults: &DefaultTerms<'_>,
    ) -> anyhow::Result<(TermsVersion, TermsVersion)> {
        if let (Some(terms), Some(privacy)) = (
            self.newest_version(organization, "terms").await?,
            self.newest_version(organization, "privacy").await?,
        ) {
            return Ok((terms, privacy));
        }
        let mut tx = self.begin().await?;
        for (kind, summary, body) in [
            ("terms", defaults.terms_summary, defaults.terms_body),
            ("privacy", defaults.privacy_summary, defaults.privacy_body),
        ] {
            let first = TermsVersion {
                id: Uuid::now_v7(),
                kind: kind.to_owned(),
                version: 1,
                summary: summary.to_owned(),
                body: body.to_owned(),
                changes: None,
            };
            insert_version(&mut tx, organization, &first, None).await?;
        }
        tx.commit().await?;
        match (
            self.newest_version(organization, "terms").await?,
            self.newest_version(organization, "privacy").await?,
        ) {
            (Some(terms), Some(privacy)) => Ok((terms, privacy)),
            _ => anyhow::bail!("the default terms were not stored"),
        }
    }

    async fn newest_version(
        &self,
        organization: OrganizationId,
        kind: &str,
    ) -> anyhow::Result<Option<TermsVersion>> {
        let row: Option<TermsVersion> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT id, kind, version, summary, body, changes FROM terms_versions \
                 WHERE organization_id = $1 AND kind = $2 ORDER BY version DESC LIMIT 1",
            )
            .bind(organization.as_uuid())
            .bind(kind)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// Publishes a new version of `kind` ("terms" or "privacy") with what changed, audited;
    /// answers its number.
    pub async fn publish_terms(
        &self,
        scope: &StaffScope,
        kind: &str,
        text: PublishedText<'_>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<i64> {
        let mut tx = self.begin().await?;
        let (latest,): (Option<i64>,) = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT MAX(version) FROM terms_versions WHERE organization_id = $1 AND kind = $2",
            )
            .bind(scope.organization().as_uuid())
            .bind(kind)
            .fetch_one(&mut **tx)
            .await?
        });
        let version = TermsVersion {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            version: latest.unwrap_or(0) + 1,
            summary: text.summary.to_owned(),
            body: text.body.to_owned(),
            changes: Some(text.changes.to_owned()),
        };
        let inserted = insert_version(
            &mut tx,
            scope.organization(),
            &version,
            Some(scope.staff().as_uuid()),
        )
        .await?;
        if !inserted {
            anyhow::bail!(
                "version {} was published at the same moment",
                version.version
            );
        }
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "terms.publish".to_owned(),
            patient: None,
            subject: Some(kind.to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!("version {}", version.version)),
        })
        .await?;
        tx.commit().await?;
        Ok(version.version)
    }

    /// Records the acceptance of both documents and activates the account: the invitation is
    /// used up (once, even when requests race), the account becomes active, the enrollment
    /// session ends, and a welcome email is queued, all in one transaction.
    pub async fn accept_terms_and_activate(
        &self,
        invitation: &OpenInvitation,
        terms: &TermsVersion,
        privacy: &TermsVersion,
        client_addr: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<Uuid, ActivateError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let moved = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET status = 'active', ended_at = $2 \
                 WHERE id = $1 AND status = 'credentials-set'",
            )
            .bind(invitation.id)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
            .rows_affected()
        });
        if moved != 1 {
            return Err(ActivateError::WrongStep);
        }
        let account: (Uuid,) = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "UPDATE patient_accounts SET status = 'active' WHERE patient_id = $1 AND organization_id = $2 RETURNING id",
            )
            .bind(invitation.patient.as_uuid())
            .bind(invitation.organization.as_uuid())
            .fetch_one(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
        });
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO terms_acceptances (id, organization_id, patient_id, terms_version_id, \
                 privacy_version_id, accepted_at, client_addr, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(invitation.organization.as_uuid())
            .bind(invitation.patient.as_uuid())
            .bind(terms.id)
            .bind(privacy.id)
            .bind(now.to_sqlx())
            .bind(client_addr)
            .bind(user_agent)
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
            for stage in ["terms-accepted", "active"] {
                sqlx::query(
                    "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(invitation.organization.as_uuid())
                .bind(invitation.id)
                .bind(invitation.patient.as_uuid())
                .bind(stage)
                .bind(now.to_sqlx())
                .execute(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?;
            }
            sqlx::query("DELETE FROM enrollment_sessions WHERE invitation_id = $1")
                .bind(invitation.id)
                .execute(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?;
        });
        let payload =
            serde_json::json!({ "patient": invitation.patient, "account": account.0, "invitation": invitation.id })
                .to_string();
        tx.enqueue_job("email.welcome", &payload, now).await?;
        // The invitation is used up: its reminder, still waiting, must not go out.
        tx.cancel_invitation_jobs(invitation.id).await?;
        // What staff were asked to look into resolved itself.
        tx.close_review_items_on_enrollment(invitation.organization, invitation.patient, now)
            .await?;
        tx.append_audit(&AuditEntry {
            organization: Some(invitation.organization),
            actor: AuditActor::Patient(invitation.patient),
            action: "enrollment.active".to_owned(),
            patient: Some(invitation.patient),
            subject: Some(format!(
                "terms v{}, privacy v{}",
                terms.version, privacy.version
            )),
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("invitation {}", invitation.id)),
        })
        .await?;
        tx.commit().await?;
        Ok(account.0)
    }

    /// How many acceptances a patient has recorded (for tests and the patient's history).
    pub async fn count_terms_acceptances(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<i64> {
        let (count,): (i64,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM terms_acceptances WHERE organization_id = $1")
                .bind(organization.as_uuid())
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }
}

async fn insert_version(
    tx: &mut crate::Tx,
    organization: OrganizationId,
    version: &TermsVersion,
    published_by: Option<Uuid>,
) -> anyhow::Result<bool> {
    let inserted = dispatch!(&mut tx.handle, |tx| {
        sqlx::query(
            "INSERT INTO terms_versions (id, organization_id, kind, version, summary, body, changes, \
             published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (organization_id, kind, version) DO NOTHING",
        )
        .bind(version.id)
        .bind(organization.as_uuid())
        .bind(&version.kind)
        .bind(version.version)
        .bind(&version.summary)
        .bind(&version.body)
        .bind(&version.changes)
        .bind(Timestamp::now().to_sqlx())
        .bind(published_by)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(inserted == 1)
}
