//! Invitations to enroll, and the enrollment events they produce.

use domain::{PatientId, StaffScope, invitation::Channel};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, ClaimedJob, Database, RequestOrigin, Tx, database::dispatch};

/// Statuses after which an invitation can no longer be used.
pub(crate) const ENDED: [&str; 4] = ["active", "locked", "expired", "revoked"];

pub struct NewInvitation<'a> {
    pub patient: PatientId,
    pub channel: Channel,
    pub email: Option<&'a str>,
    /// SHA-256 of the emailed link's token.
    pub token_hash: Option<&'a str>,
    /// Keyed hash of the printed activation code.
    pub code_hash: Option<&'a str>,
    pub expires_at: Timestamp,
    /// The link to email (email invitations only). It travels in the outbox rows of the
    /// invitation email and its reminder, and is cleared from them once they are delivered or
    /// the invitation ends.
    pub email_link: Option<String>,
    /// Resending: the invitation in progress, if any, ends and this one takes its place.
    pub replaces_live: bool,
    /// Staff corrected the chart's email address: store `email` on the chart too.
    pub save_email_to_chart: bool,
}

/// An invitation as staff see it.
#[derive(Debug, Clone, PartialEq)]
pub struct InvitationSummary {
    pub id: Uuid,
    pub channel: String,
    pub email: Option<String>,
    pub status: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Its email could not be delivered: when, and why in words for staff.
    pub delivery_failure: Option<(Timestamp, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateInvitationError {
    #[error("this patient already has an invitation in progress")]
    AlreadyInvited,
    #[error("this patient already has a portal account")]
    HasAccount,
    #[error("no such patient in this organization")]
    NoSuchPatient,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(FromRow)]
struct InvitationRow {
    id: Uuid,
    channel: String,
    email: Option<String>,
    status: String,
    created_at: jiff_sqlx::Timestamp,
    expires_at: jiff_sqlx::Timestamp,
    delivery_failed_at: Option<jiff_sqlx::Timestamp>,
    delivery_error: Option<String>,
}

impl From<InvitationRow> for InvitationSummary {
    fn from(row: InvitationRow) -> Self {
        Self {
            id: row.id,
            channel: row.channel,
            email: row.email,
            status: row.status,
            created_at: row.created_at.to_jiff(),
            expires_at: row.expires_at.to_jiff(),
            delivery_failure: row
                .delivery_failed_at
                .map(|at| (at.to_jiff(), row.delivery_error.unwrap_or_default())),
        }
    }
}

impl Database {
    /// Creates an invitation for a patient of the scope's organization: the invitation, its
    /// first enrollment event, the audit row and (for email) the outbox row, in one
    /// transaction. An email invitation also queues its reminder, due before it expires. A
    /// patient with an invitation in progress gets no second one, unless this one replaces it
    /// (a resend). The patient's open review items close: staff have acted.
    pub async fn create_invitation(
        &self,
        scope: &StaffScope,
        invitation: NewInvitation<'_>,
        origin: &RequestOrigin,
    ) -> Result<Uuid, CreateInvitationError> {
        let now = Timestamp::now();
        let org = scope.organization().as_uuid();
        let mut tx = self.begin().await?;
        let exists: Option<(Uuid,)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as("SELECT id FROM patients WHERE id = $1 AND organization_id = $2")
                .bind(invitation.patient.as_uuid())
                .bind(org)
                .fetch_optional(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?
        });
        if exists.is_none() {
            return Err(CreateInvitationError::NoSuchPatient);
        }
        let account: Option<(String,)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as("SELECT status FROM patient_accounts WHERE patient_id = $1")
                .bind(invitation.patient.as_uuid())
                .fetch_optional(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?
        });
        if account.is_some() {
            return Err(CreateInvitationError::HasAccount);
        }
        if let Some(live) = live_invitation(&mut tx, scope, invitation.patient, now).await? {
            if !invitation.replaces_live {
                tracing::debug!(invitation = %live.id, "patient already invited");
                return Err(CreateInvitationError::AlreadyInvited);
            }
            end_invitation(
                &mut tx,
                scope,
                invitation.patient,
                &live,
                "invitation.replace",
                origin,
                now,
            )
            .await?;
        }
        if invitation.save_email_to_chart
            && let Some(email) = invitation.email
        {
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query(
                    "UPDATE patients SET email = $1 WHERE id = $2 AND organization_id = $3",
                )
                .bind(email)
                .bind(invitation.patient.as_uuid())
                .bind(org)
                .execute(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?;
            });
            tx.append_audit(&AuditEntry {
                organization: Some(scope.organization()),
                actor: AuditActor::Staff(scope.staff()),
                action: "patient.contact-update".to_owned(),
                patient: Some(invitation.patient),
                subject: Some("email".to_owned()),
                client_addr: origin.client_addr.clone(),
                request_id: origin.request_id.clone(),
                detail: None,
            })
            .await?;
        }
        tx.close_review_items_of(scope, invitation.patient, "Re-invited", now)
            .await?;
        let id = Uuid::now_v7();
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO invitations (id, organization_id, patient_id, channel, email, token_hash, \
                 code_hash, status, attempts, created_at, expires_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'invited', 0, $8, $9, $10)",
            )
            .bind(id)
            .bind(org)
            .bind(invitation.patient.as_uuid())
            .bind(invitation.channel.as_str())
            .bind(invitation.email)
            .bind(invitation.token_hash)
            .bind(invitation.code_hash)
            .bind(now.to_sqlx())
            .bind(invitation.expires_at.to_sqlx())
            .bind(scope.staff().as_uuid())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
        });
        tx.enrollment_event(scope, Some(id), invitation.patient, "invited", now)
            .await?;
        if let Some(link) = invitation.email_link {
            let payload = serde_json::json!({ "invitation": id, "link": link }).to_string();
            tx.enqueue_invitation_job("email.invitation", &payload, now, id)
                .await?;
            let reminder = domain::invitation::reminder_at(now, invitation.expires_at);
            tx.enqueue_invitation_job("email.invitation-reminder", &payload, reminder, id)
                .await?;
        }
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "invitation.create".to_owned(),
            patient: Some(invitation.patient),
            subject: Some(invitation.channel.as_str().to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!("invitation {id}")),
        })
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The patient's invitation in progress, if any.
    pub async fn live_invitation(
        &self,
        scope: &StaffScope,
        patient: PatientId,
    ) -> anyhow::Result<Option<InvitationSummary>> {
        let mut tx = self.begin().await?;
        let live = live_invitation(&mut tx, scope, patient, Timestamp::now()).await?;
        tx.commit().await?;
        Ok(live)
    }

    /// Ends an invitation in progress, with the emails about it that have not gone yet;
    /// answers whether there was one to end.
    pub async fn revoke_invitation(
        &self,
        scope: &StaffScope,
        patient: PatientId,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let Some(live) = live_invitation(&mut tx, scope, patient, now).await? else {
            return Ok(false);
        };
        end_invitation(
            &mut tx,
            scope,
            patient,
            &live,
            "invitation.revoke",
            origin,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Ends an invitation in progress (revoked, or replaced by a new one), with its event and
/// audit row.
async fn end_invitation(
    tx: &mut Tx,
    scope: &StaffScope,
    patient: PatientId,
    live: &InvitationSummary,
    action: &str,
    origin: &RequestOrigin,
    now: Timestamp,
) -> anyhow::Result<()> {
    dispatch!(&mut tx.handle, |tx| {
        sqlx::query(
            "UPDATE invitations SET status = 'revoked', ended_at = $1 \
             WHERE id = $2 AND organization_id = $3",
        )
        .bind(now.to_sqlx())
        .bind(live.id)
        .bind(scope.organization().as_uuid())
        .execute(&mut **tx)
        .await?;
    });
    tx.enrollment_event(scope, Some(live.id), patient, "revoked", now)
        .await?;
    // Its emails must not go out, and their links must not wait in the outbox.
    tx.cancel_invitation_jobs(live.id).await?;
    tx.append_audit(&AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Staff(scope.staff()),
        action: action.to_owned(),
        patient: Some(patient),
        subject: Some(live.channel.clone()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail: Some(format!("invitation {}", live.id)),
    })
    .await
}

impl Database {
    /// An invitation's email failed for good (the mail server refused it, or the last try
    /// failed), in one transaction: the job ends `failed` with its payload (the link) cleared;
    /// the invitation keeps when and why (`reason`, words for staff that name no patient);
    /// its emails still waiting (the reminder, to the same address) are cancelled; and staff
    /// get one open review item for it, to correct the address and send again. `error` is
    /// the job's own record. Answers whether it was recorded: not when the job was no longer
    /// this worker's (its lease ended, or the invitation ended and cancelled it).
    pub async fn fail_invitation_delivery(
        &self,
        job: &ClaimedJob,
        error: &str,
        reason: &str,
    ) -> anyhow::Result<bool> {
        let Some(invitation) = job.invitation else {
            anyhow::bail!("job {} belongs to no invitation", job.id);
        };
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let failed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE jobs SET status = 'failed', payload = '', locked_until = NULL, last_error = $2 \
                 WHERE id = $1 AND status = 'running'",
            )
            .bind(job.id)
            .bind(error)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        let owner: Option<(Uuid, Uuid)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as("SELECT organization_id, patient_id FROM invitations WHERE id = $1")
                .bind(invitation)
                .fetch_optional(&mut **tx)
                .await?
        });
        let (1, Some((organization, patient))) = (failed, owner) else {
            tx.commit().await?;
            return Ok(false);
        };
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET delivery_failed_at = $2, delivery_error = $3 WHERE id = $1",
            )
            .bind(invitation)
            .bind(now.to_sqlx())
            .bind(reason)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE jobs SET status = 'done', payload = '', locked_until = NULL, \
                 last_error = 'cancelled: the invitation email could not be delivered' \
                 WHERE invitation_id = $1 AND status = 'pending'",
            )
            .bind(invitation)
            .execute(&mut **tx)
            .await?;
        });
        let open: Option<(Uuid,)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT id FROM review_items WHERE organization_id = $1 AND invitation_id = $2 \
                 AND kind = 'undeliverable' AND closed_at IS NULL",
            )
            .bind(organization)
            .bind(invitation)
            .fetch_optional(&mut **tx)
            .await?
        });
        if open.is_none() {
            let detail = serde_json::json!({ "delivery": reason }).to_string();
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query(
                    "INSERT INTO review_items (id, organization_id, patient_id, invitation_id, kind, detail, created_at) \
                     VALUES ($1, $2, $3, $4, 'undeliverable', $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(organization)
                .bind(patient)
                .bind(invitation)
                .bind(&detail)
                .bind(now.to_sqlx())
                .execute(&mut **tx)
                .await?;
            });
        }
        tx.append_audit(&AuditEntry {
            organization: Some(domain::OrganizationId::from_uuid(organization)),
            actor: AuditActor::System("jobs".to_owned()),
            action: "invitation.undeliverable".to_owned(),
            patient: Some(PatientId::from_uuid(patient)),
            subject: Some(job.kind.clone()),
            client_addr: None,
            request_id: None,
            detail: Some(format!("invitation {invitation}, job {}", job.id)),
        })
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn live_invitation(
    tx: &mut Tx,
    scope: &StaffScope,
    patient: PatientId,
    now: Timestamp,
) -> anyhow::Result<Option<InvitationSummary>> {
    let rows: Vec<InvitationRow> = dispatch!(&mut tx.handle, |tx| {
        sqlx::query_as(
            "SELECT id, channel, email, status, created_at, expires_at, delivery_failed_at, \
             delivery_error FROM invitations \
             WHERE organization_id = $1 AND patient_id = $2 ORDER BY created_at DESC",
        )
        .bind(scope.organization().as_uuid())
        .bind(patient.as_uuid())
        .fetch_all(&mut **tx)
        .await?
    });
    // Expiry is compared here, in one clock, rather than in two SQL dialects.
    Ok(rows
        .into_iter()
        .map(InvitationSummary::from)
        .find(|i| !ENDED.contains(&i.status.as_str()) && i.expires_at > now))
}

impl Tx {
    async fn enrollment_event(
        &mut self,
        scope: &StaffScope,
        invitation: Option<Uuid>,
        patient: PatientId,
        stage: &str,
        at: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(scope.organization().as_uuid())
            .bind(invitation)
            .bind(patient.as_uuid())
            .bind(stage)
            .bind(at.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }

    /// Queues background work in this transaction: it happens only if the change commits.
    pub async fn enqueue_job(
        &mut self,
        kind: &str,
        payload: &str,
        run_at: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "INSERT INTO jobs (id, kind, payload, status, attempts, run_at, created_at) \
                 VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
            )
            .bind(Uuid::now_v7())
            .bind(kind)
            .bind(payload)
            .bind(run_at.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }
}

impl Database {
    /// Jobs of a kind waiting to run (for tests and the operations page).
    pub async fn pending_jobs(&self, kind: &str) -> anyhow::Result<Vec<String>> {
        let rows: Vec<(String,)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT payload FROM jobs WHERE kind = $1 AND status = 'pending' ORDER BY created_at")
                .bind(kind)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }
}

impl Database {
    /// The patient's portal account, if any: its username and status (`pending`, `active`).
    pub async fn patient_account(
        &self,
        scope: &StaffScope,
        patient: PatientId,
    ) -> anyhow::Result<Option<(String, String)>> {
        let row: Option<(String, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT username, CASE WHEN locked_at IS NULL THEN status ELSE 'locked' END \
                 FROM patient_accounts WHERE patient_id = $1 AND organization_id = $2",
            )
            .bind(patient.as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }
}
