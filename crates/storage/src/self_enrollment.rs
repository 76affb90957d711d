//! Self-enrollment: a patient signs up without an invitation. The identity matcher searches
//! the organization's charts (loaded narrowly, by birth date); when it accepts exactly one
//! chart, an invitation of channel `self` is created already identity-verified, and the
//! patient continues at the credentials step like any invited patient.

use domain::{OrganizationId, PatientId};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database, OpenInvitation, database::dispatch, invitations::ENDED,
};

/// Who the audit log names for the search and the sign-up: no one is signed in yet.
const ACTOR: &str = "self-enrollment";

/// A chart the self-enrollment search weighs, with what decides whether it may enroll.
#[derive(Debug, Clone, FromRow)]
pub struct SelfEnrollmentCandidate {
    pub id: Uuid,
    pub mrn: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: jiff_sqlx::Date,
    pub ssn_last4_hash: Option<String>,
    pub postal_code: Option<String>,
    pub deceased: bool,
}

/// A self-enrollment the matcher accepted.
pub struct NewSelfEnrollment<'a> {
    pub organization: OrganizationId,
    pub patient: PatientId,
    /// SHA-256 of the enrollment cookie's token.
    pub session_token_hash: &'a str,
    /// When the enrollment session (and the invitation made for it) ends.
    pub expires_at: Timestamp,
    pub client_addr: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum SelfEnrollmentError {
    #[error("the patient already has a portal account")]
    HasAccount,
    #[error("the patient has an invitation in progress")]
    AlreadyInvited,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Database {
    /// The organization's charts born on any of `dates` (the claimed date and its day/month
    /// swap), deceased ones included so that the search can tell staff why it refused. The
    /// read of these charts is audited, with the client's address.
    pub async fn self_enrollment_candidates(
        &self,
        organization: OrganizationId,
        dates: &[jiff::civil::Date],
        client_addr: Option<&str>,
    ) -> anyhow::Result<Vec<SelfEnrollmentCandidate>> {
        let mut tx = self.begin_read().await?;
        let mut found = Vec::new();
        for date in dates {
            let rows: Vec<SelfEnrollmentCandidate> = dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(
                    "SELECT id, mrn, given_names, family_name, birth_date, ssn_last4_hash, \
                     postal_code, deceased FROM patients WHERE organization_id = $1 AND birth_date = $2",
                )
                .bind(organization.as_uuid())
                .bind(date.to_sqlx())
                .fetch_all(&mut **tx)
                .await?
            });
            found.extend(rows);
        }
        tx.append_audit(&AuditEntry {
            organization: Some(organization),
            actor: AuditActor::System(ACTOR.to_owned()),
            action: "patient.match".to_owned(),
            patient: None,
            subject: Some("self-enrollment search".to_owned()),
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("{} candidates", found.len())),
        })
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Creates the self-enrollment's invitation, already opened, identity-verified and
    /// access-code-verified (the form asked for all of it), with its enrollment events and
    /// the enrollment session, in one transaction. A chart with an account or a live
    /// invitation gets no second one.
    pub async fn start_self_enrollment(
        &self,
        new: &NewSelfEnrollment<'_>,
    ) -> Result<OpenInvitation, SelfEnrollmentError> {
        let now = Timestamp::now();
        let org = new.organization.as_uuid();
        let patient = new.patient.as_uuid();
        let mut tx = self.begin().await?;
        let account: Option<(Uuid,)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as("SELECT id FROM patient_accounts WHERE patient_id = $1")
                .bind(patient)
                .fetch_optional(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?
        });
        if account.is_some() {
            return Err(SelfEnrollmentError::HasAccount);
        }
        let invitations: Vec<(String, jiff_sqlx::Timestamp)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT status, expires_at FROM invitations WHERE organization_id = $1 AND patient_id = $2",
            )
            .bind(org)
            .bind(patient)
            .fetch_all(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
        });
        // Expiry is compared here, in one clock, as for staff invitations.
        if invitations
            .iter()
            .any(|(status, expires)| !ENDED.contains(&status.as_str()) && expires.to_jiff() > now)
        {
            return Err(SelfEnrollmentError::AlreadyInvited);
        }
        let id = Uuid::now_v7();
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO invitations (id, organization_id, patient_id, channel, status, attempts, \
                 created_at, expires_at, created_by, access_code_verified_at) \
                 VALUES ($1, $2, $3, 'self', 'identity-verified', 0, $4, $5, NULL, $4)",
            )
            .bind(id)
            .bind(org)
            .bind(patient)
            .bind(now.to_sqlx())
            .bind(new.expires_at.to_sqlx())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
            for stage in ["opened", "identity-verified", "access-code-verified"] {
                sqlx::query(
                    "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'self-enrollment')",
                )
                .bind(Uuid::now_v7())
                .bind(org)
                .bind(id)
                .bind(patient)
                .bind(stage)
                .bind(now.to_sqlx())
                .execute(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?;
            }
            sqlx::query(
                "INSERT INTO enrollment_sessions (token_hash, invitation_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(new.session_token_hash)
            .bind(id)
            .bind(now.to_sqlx())
            .bind(new.expires_at.to_sqlx())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(new.organization),
            actor: AuditActor::System(ACTOR.to_owned()),
            action: "enrollment.self-enrollment".to_owned(),
            patient: Some(new.patient),
            subject: Some("identity".to_owned()),
            client_addr: new.client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("invitation {id}")),
        })
        .await?;
        tx.commit().await?;
        Ok(OpenInvitation {
            id,
            organization: new.organization,
            patient: new.patient,
            status: "identity-verified".to_owned(),
            attempts: 0,
            expires_at: new.expires_at,
            access_code_verified: true,
            self_enrollment: true,
        })
    }

    /// Opens a staff review item for a self-enrollment that did not go through. `detail` is
    /// JSON: what was typed (never secrets) and, when one chart came close, which fields
    /// differed from it. `patient` is that chart, if any.
    pub async fn refuse_self_enrollment(
        &self,
        organization: OrganizationId,
        patient: Option<PatientId>,
        detail: &str,
        client_addr: Option<&str>,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO review_items (id, organization_id, patient_id, invitation_id, kind, detail, created_at) \
                 VALUES ($1, $2, $3, NULL, 'self-enrollment', $4, $5)",
            )
            .bind(id)
            .bind(organization.as_uuid())
            .bind(patient.map(|p| p.as_uuid()))
            .bind(detail)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(organization),
            actor: AuditActor::System(ACTOR.to_owned()),
            action: "enrollment.self-enrollment-refused".to_owned(),
            patient,
            subject: Some("identity".to_owned()),
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("review item {id}")),
        })
        .await?;
        tx.commit().await
    }
}
