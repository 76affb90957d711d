//! The patient's side of enrollment. Here the secret (an emailed link's token or a printed
//! code) is the capability: it leads to exactly one invitation, and through it one chart.

use domain::{OrganizationId, PatientId};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, database::dispatch};

/// An invitation as the enrollment steps need it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenInvitation {
    pub id: Uuid,
    pub organization: OrganizationId,
    pub patient: PatientId,
    pub status: String,
    pub attempts: i64,
    pub expires_at: Timestamp,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    organization_id: Uuid,
    patient_id: Uuid,
    status: String,
    attempts: i64,
    expires_at: jiff_sqlx::Timestamp,
}

impl From<Row> for OpenInvitation {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            organization: OrganizationId::from_uuid(row.organization_id),
            patient: PatientId::from_uuid(row.patient_id),
            status: row.status,
            attempts: row.attempts,
            expires_at: row.expires_at.to_jiff(),
        }
    }
}

const COLUMNS: &str = "id, organization_id, patient_id, status, attempts, expires_at";

/// Which secret leads to the invitation.
pub enum InvitationSecret<'a> {
    /// SHA-256 of an emailed link's token.
    TokenHash(&'a str),
    /// Keyed hash of a printed activation code.
    CodeHash(&'a str),
}

impl Database {
    pub async fn invitation_by_secret(
        &self,
        secret: InvitationSecret<'_>,
    ) -> anyhow::Result<Option<OpenInvitation>> {
        let (column, value) = match secret {
            InvitationSecret::TokenHash(hash) => ("token_hash", hash),
            InvitationSecret::CodeHash(hash) => ("code_hash", hash),
        };
        let sql = format!("SELECT {COLUMNS} FROM invitations WHERE {column} = $1");
        let row: Option<Row> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(OpenInvitation::from))
    }

    pub async fn invitation_by_id(&self, id: Uuid) -> anyhow::Result<Option<OpenInvitation>> {
        let sql = format!("SELECT {COLUMNS} FROM invitations WHERE id = $1");
        let row: Option<Row> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(OpenInvitation::from))
    }

    /// Marks an invitation opened (once: later openings only add an event) and starts the
    /// enrollment session that carries the patient through the next steps.
    pub async fn open_invitation(
        &self,
        invitation: &OpenInvitation,
        session_token_hash: &str,
        session_expires_at: Timestamp,
        client_addr: Option<&str>,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET status = 'opened' WHERE id = $1 AND status = 'invited'",
            )
            .bind(invitation.id)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at) \
                 VALUES ($1, $2, $3, $4, 'opened', $5)",
            )
            .bind(Uuid::now_v7())
            .bind(invitation.organization.as_uuid())
            .bind(invitation.id)
            .bind(invitation.patient.as_uuid())
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO enrollment_sessions (token_hash, invitation_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(session_token_hash)
            .bind(invitation.id)
            .bind(now.to_sqlx())
            .bind(session_expires_at.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(invitation.organization),
            actor: AuditActor::System("enrollment".to_owned()),
            action: "invitation.open".to_owned(),
            patient: Some(invitation.patient),
            subject: None,
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("invitation {}", invitation.id)),
        })
        .await?;
        tx.commit().await
    }

    /// The invitation an enrollment session leads to, while the session lasts.
    pub async fn enrollment_session(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<OpenInvitation>> {
        let row: Option<(Uuid, jiff_sqlx::Timestamp)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT invitation_id, expires_at FROM enrollment_sessions WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        match row {
            Some((id, expires)) if expires.to_jiff() > Timestamp::now() => {
                self.invitation_by_id(id).await
            }
            _ => Ok(None),
        }
    }
}
