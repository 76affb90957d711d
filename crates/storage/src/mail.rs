//! What the jobs worker reads to write a patient's email, and the mailbox that keeps rendered
//! messages when no SMTP server is configured. Both carry PHI (a first name, an address), so
//! both reads are audited.

use std::collections::BTreeSet;

use domain::{OrganizationId, PatientId, StaffScope};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, database::dispatch};

/// Invitation statuses after which nothing about it should be sent.
const ENDED: [&str; 4] = ["active", "locked", "expired", "revoked"];

/// Whom an email is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSubject {
    /// An invitation, and through it its patient.
    Invitation(Uuid),
    Patient(PatientId),
}

/// Everything a patient's email needs, and nothing more.
#[derive(Debug, Clone, PartialEq)]
pub struct MailRecipient {
    pub organization: OrganizationId,
    pub practice_name: String,
    pub practice_phone: Option<String>,
    /// The practice's time zone, for the dates an email gives; `None`: the server's.
    pub practice_time_zone: Option<domain::PracticeTimeZone>,
    pub patient: PatientId,
    /// The first of the chart's given names: the only part of the name an email shows.
    pub first_name: String,
    /// BCP 47 tag of the patient's language: the one chosen on the portal account, else the
    /// chart's (English when neither says).
    pub language: Option<String>,
    /// Where to write: the address staff confirmed for the invitation, else the chart's.
    pub email: Option<String>,
    pub invitation: Option<InvitationState>,
}

/// Where an invitation stands, for deciding whether its email still makes sense.
#[derive(Debug, Clone, PartialEq)]
pub struct InvitationState {
    pub id: Uuid,
    pub status: String,
    pub expires_at: Timestamp,
}

impl InvitationState {
    /// Neither used, locked, revoked nor expired: the link in its email still works.
    pub fn is_live(&self, now: Timestamp) -> bool {
        !ENDED.contains(&self.status.as_str()) && self.expires_at > now
    }
}

#[derive(FromRow)]
struct PatientRow {
    organization_id: Uuid,
    given_names: String,
    language: Option<String>,
    email: Option<String>,
    practice_name: String,
    practice_phone: Option<String>,
    practice_time_zone: Option<String>,
}

#[derive(FromRow)]
struct InvitationRow {
    id: Uuid,
    patient_id: Uuid,
    status: String,
    expires_at: jiff_sqlx::Timestamp,
    email: Option<String>,
}

impl Database {
    /// Reads what an email about `subject` needs, for the jobs worker running `job` (of
    /// `kind`), and audits the read as the system's. `None` when the invitation or patient is
    /// gone.
    pub async fn mail_recipient(
        &self,
        subject: MailSubject,
        job: Uuid,
        kind: &str,
    ) -> anyhow::Result<Option<MailRecipient>> {
        let mut tx = self.begin_read().await?;
        let (patient, invitation) = match subject {
            MailSubject::Patient(patient) => (patient, None),
            MailSubject::Invitation(id) => {
                let row: Option<InvitationRow> = dispatch!(&mut tx.handle, |tx| {
                    sqlx::query_as(
                        "SELECT id, patient_id, status, expires_at, email FROM invitations WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                });
                let Some(row) = row else {
                    return Ok(None);
                };
                (PatientId::from_uuid(row.patient_id), Some(row))
            }
        };
        let row: Option<PatientRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT p.organization_id, p.given_names, \
                        COALESCE(a.language, p.language) AS language, p.email, \
                        o.name AS practice_name, o.phone AS practice_phone, \
                        o.time_zone AS practice_time_zone \
                 FROM patients p JOIN organizations o ON o.id = p.organization_id \
                 LEFT JOIN patient_accounts a ON a.patient_id = p.id \
                 AND a.organization_id = p.organization_id \
                 WHERE p.id = $1",
            )
            .bind(patient.as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let organization = OrganizationId::from_uuid(row.organization_id);
        tx.append_audit(&AuditEntry {
            organization: Some(organization),
            actor: AuditActor::System("jobs".to_owned()),
            action: "mail.recipient-read".to_owned(),
            patient: Some(patient),
            subject: Some(kind.to_owned()),
            client_addr: None,
            request_id: None,
            detail: Some(format!("job {job}")),
        })
        .await?;
        tx.commit().await?;
        let invitation_email = invitation.as_ref().and_then(|i| i.email.clone());
        Ok(Some(MailRecipient {
            organization,
            practice_name: row.practice_name,
            practice_phone: row.practice_phone,
            practice_time_zone: crate::organizations::stored_time_zone(row.practice_time_zone),
            patient,
            first_name: row
                .given_names
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned(),
            language: row.language,
            email: invitation_email.or(row.email),
            invitation: invitation.map(|i| InvitationState {
                id: i.id,
                status: i.status,
                expires_at: i.expires_at.to_jiff(),
            }),
        }))
    }
}

/// A rendered message to keep in the mailbox.
#[derive(Debug, Clone)]
pub struct KeptMessage<'a> {
    pub organization: Option<OrganizationId>,
    pub patient: Option<PatientId>,
    pub job: Uuid,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub language: &'a str,
}

/// A kept message, as the mailbox page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxEntry {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub language: String,
    pub created_at: Timestamp,
}

#[derive(FromRow)]
struct MailboxRow {
    id: Uuid,
    patient_id: Option<Uuid>,
    to_address: String,
    subject: String,
    body_text: String,
    body_html: String,
    language: String,
    created_at: jiff_sqlx::Timestamp,
}

impl Database {
    /// Keeps a rendered message instead of sending it.
    pub async fn keep_in_mailbox(&self, message: &KeptMessage<'_>) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO mailbox (id, organization_id, patient_id, job_id, to_address, subject, \
                 body_text, body_html, language, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(message.organization.map(|o| o.as_uuid()))
            .bind(message.patient.map(|p| p.as_uuid()))
            .bind(message.job)
            .bind(message.to)
            .bind(message.subject)
            .bind(message.text)
            .bind(message.html)
            .bind(message.language)
            .bind(Timestamp::now().to_sqlx())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The newest `limit` kept messages of the scope's organization, newest first. The read is
    /// audited once for each patient whose messages it shows.
    pub async fn mailbox(
        &self,
        scope: &StaffScope,
        limit: u32,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<MailboxEntry>> {
        let mut tx = self.begin_read().await?;
        // Ids are UUIDv7, so they sort by time on both backends (SQLite's timestamps are text).
        let rows: Vec<MailboxRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT id, patient_id, to_address, subject, body_text, body_html, language, created_at \
                 FROM mailbox WHERE organization_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(scope.organization().as_uuid())
            .bind(i64::from(limit))
            .fetch_all(&mut **tx)
            .await?
        });
        let patients: BTreeSet<Uuid> = rows.iter().filter_map(|r| r.patient_id).collect();
        for patient in patients {
            tx.append_audit(&AuditEntry {
                organization: Some(scope.organization()),
                actor: AuditActor::Staff(scope.staff()),
                action: "mailbox.read".to_owned(),
                patient: Some(PatientId::from_uuid(patient)),
                subject: Some("mailbox".to_owned()),
                client_addr: origin.client_addr.clone(),
                request_id: origin.request_id.clone(),
                detail: None,
            })
            .await?;
        }
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|row| MailboxEntry {
                id: row.id,
                to: row.to_address,
                subject: row.subject,
                text: row.body_text,
                html: row.body_html,
                language: row.language,
                created_at: row.created_at.to_jiff(),
            })
            .collect())
    }
}
