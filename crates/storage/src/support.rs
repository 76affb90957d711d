//! Support requests (issue 16, point 2): kept from the public form, worked by staff in a queue
//! with statuses and notes; the requester is emailed where it stands (when they gave an
//! address). Nothing here looks at the charts. Staff reads and changes are audited.

use const_format::concatcp;
use domain::{
    OrganizationId, StaffScope,
    support::{SupportRequest, SupportStatus, SupportTopic, reference},
};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, database::dispatch};

/// A request as staff list and read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportItem {
    pub id: Uuid,
    pub reference: String,
    pub topic: SupportTopic,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub details: Option<String>,
    /// The form's language (`en` or `es`).
    pub language: String,
    pub status: SupportStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A request with staff's notes: (who, when, words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportDetail {
    pub item: SupportItem,
    pub notes: Vec<(String, Timestamp, String)>,
}

/// What an email about a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportMailing {
    pub organization: OrganizationId,
    pub to: String,
    pub name: String,
    pub reference: String,
    pub status: SupportStatus,
    pub language: String,
    pub practice_name: String,
    pub practice_phone: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SupportChangeError {
    #[error("no such support request in this practice")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SupportChangeError {
    fn from(error: sqlx::Error) -> Self {
        Self::Unexpected(error.into())
    }
}

#[derive(FromRow)]
struct ItemRow {
    id: Uuid,
    reference: String,
    topic: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    details: Option<String>,
    language: String,
    status: String,
    created_at: jiff_sqlx::Timestamp,
    updated_at: jiff_sqlx::Timestamp,
}

impl From<ItemRow> for SupportItem {
    fn from(row: ItemRow) -> Self {
        Self {
            id: row.id,
            reference: row.reference,
            topic: SupportTopic::parse(&row.topic).unwrap_or(SupportTopic::Other),
            name: row.name,
            email: row.email,
            phone: row.phone,
            details: row.details,
            language: row.language,
            status: SupportStatus::parse(&row.status).unwrap_or(SupportStatus::New),
            created_at: row.created_at.to_jiff(),
            updated_at: row.updated_at.to_jiff(),
        }
    }
}

const ITEM_COLUMNS: &str = "id, reference, topic, name, email, phone, details, language, \
     status, created_at, updated_at";

/// The practice's requests in a status (all but the closed when none is given), oldest first.
const QUEUE: &str = concatcp!(
    "SELECT ",
    ITEM_COLUMNS,
    " FROM support_requests WHERE organization_id = $1 \
     AND (($2 IS NULL AND status <> 'closed') OR status = $2) \
     ORDER BY created_at LIMIT 200"
);

const ONE: &str = concatcp!(
    "SELECT ",
    ITEM_COLUMNS,
    " FROM support_requests WHERE id = $1 AND organization_id = $2"
);

fn staff_audit(
    scope: &StaffScope,
    action: &str,
    origin: &RequestOrigin,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Staff(scope.staff()),
        action: action.to_owned(),
        patient: None,
        subject: Some("support requests".to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail,
    }
}

impl Database {
    /// Keeps a request from the public form, with the "we got it" email when the person gave
    /// an address; audited (by reference and topic only). Answers the reference.
    pub async fn create_support_request(
        &self,
        organization: OrganizationId,
        request: &SupportRequest,
        language: &str,
        origin: &RequestOrigin,
    ) -> anyhow::Result<String> {
        let now = Timestamp::now();
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        // A reference taken already (one chance in 25^8 per request) is drawn again.
        let mut attempt = 0;
        let reference = loop {
            attempt += 1;
            let random = Uuid::new_v4();
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&random.as_bytes()[..8]);
            let candidate = reference(bytes);
            let taken: Option<i64> = dispatch!(&mut tx.handle, |tx| {
                sqlx::query_scalar("SELECT 1 FROM support_requests WHERE reference = $1")
                    .bind(&candidate)
                    .fetch_optional(&mut **tx)
                    .await?
            });
            if taken.is_none() || attempt == 5 {
                break candidate;
            }
        };
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO support_requests (id, organization_id, reference, topic, name, \
                 email, phone, details, language, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'new', $10, $10)",
            )
            .bind(id)
            .bind(organization.as_uuid())
            .bind(&reference)
            .bind(request.topic.as_str())
            .bind(&request.name)
            .bind(request.email.as_ref().map(|e| e.as_str().to_owned()))
            .bind(request.phone.as_deref())
            .bind(request.details.as_deref())
            .bind(language)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        if request.email.is_some() {
            let payload = serde_json::json!({ "support": id }).to_string();
            tx.enqueue_job("email.support-received", &payload, now)
                .await?;
        }
        tx.append_audit(&AuditEntry {
            organization: Some(organization),
            actor: AuditActor::System("support form".to_owned()),
            action: "support.request".to_owned(),
            patient: None,
            subject: Some("support requests".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!("{reference}, {}", request.topic.as_str())),
        })
        .await?;
        tx.commit().await?;
        Ok(reference)
    }

    /// The practice's requests in a status (`None`: all but the closed), oldest first;
    /// audited (`support.list`).
    pub async fn support_queue(
        &self,
        scope: &StaffScope,
        status: Option<SupportStatus>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<SupportItem>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<ItemRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(QUEUE)
                .bind(scope.organization().as_uuid())
                .bind(status.map(SupportStatus::as_str))
                .fetch_all(&mut **tx)
                .await?
        });
        tx.append_audit(&staff_audit(
            scope,
            "support.list",
            origin,
            Some(format!("{} requests", rows.len())),
        ))
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(SupportItem::from).collect())
    }

    /// One request of the practice with its notes; audited (`support.read`).
    pub async fn support_request(
        &self,
        scope: &StaffScope,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<SupportDetail>> {
        let mut tx = self.begin_read().await?;
        let (row, notes): (Option<ItemRow>, Vec<(String, jiff_sqlx::Timestamp, String)>) =
            dispatch!(&mut tx.handle, |tx| {
                let row = sqlx::query_as(ONE)
                    .bind(id)
                    .bind(scope.organization().as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                let notes = sqlx::query_as(
                    "SELECT s.display_name, n.created_at, n.body FROM support_request_notes n \
                     JOIN staff_accounts s ON s.id = n.staff_id \
                     WHERE n.request_id = $1 AND n.organization_id = $2 ORDER BY n.created_at",
                )
                .bind(id)
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                (row, notes)
            });
        let Some(row) = row else {
            return Ok(None);
        };
        tx.append_audit(&staff_audit(
            scope,
            "support.read",
            origin,
            Some(row.reference.clone()),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(SupportDetail {
            item: row.into(),
            notes: notes
                .into_iter()
                .map(|(who, at, body)| (who, at.to_jiff(), body))
                .collect(),
        }))
    }

    /// Moves a request to `status`; the requester is emailed when it changed and they gave
    /// an address. Audited. Answers whether it changed.
    pub async fn set_support_status(
        &self,
        scope: &StaffScope,
        id: Uuid,
        status: SupportStatus,
        origin: &RequestOrigin,
    ) -> Result<bool, SupportChangeError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let found: Option<(String, String, Option<String>)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT reference, status, email FROM support_requests \
                 WHERE id = $1 AND organization_id = $2",
            )
            .bind(id)
            .bind(scope.organization().as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let (reference, current, email) = found.ok_or(SupportChangeError::NotFound)?;
        if current == status.as_str() {
            return Ok(false);
        }
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("UPDATE support_requests SET status = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(status.as_str())
                .bind(now.to_sqlx())
                .execute(&mut **tx)
                .await?;
        });
        let tell = email.is_some() && status != SupportStatus::New;
        if tell {
            let payload = serde_json::json!({ "support": id }).to_string();
            tx.enqueue_job("email.support-status", &payload, now)
                .await?;
        }
        tx.append_audit(&staff_audit(
            scope,
            "support.status",
            origin,
            Some(format!(
                "{reference}: {current} to {}{}",
                status.as_str(),
                if tell { ", requester emailed" } else { "" }
            )),
        ))
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Keeps a note on a request for staff; audited.
    pub async fn add_support_note(
        &self,
        scope: &StaffScope,
        id: Uuid,
        note: &str,
        origin: &RequestOrigin,
    ) -> Result<(), SupportChangeError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let reference: Option<String> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_scalar(
                "SELECT reference FROM support_requests WHERE id = $1 AND organization_id = $2",
            )
            .bind(id)
            .bind(scope.organization().as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let reference = reference.ok_or(SupportChangeError::NotFound)?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO support_request_notes (id, request_id, organization_id, staff_id, \
                 body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(id)
            .bind(scope.organization().as_uuid())
            .bind(scope.staff().as_uuid())
            .bind(note)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
            sqlx::query("UPDATE support_requests SET updated_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now.to_sqlx())
                .execute(&mut **tx)
                .await?;
        });
        tx.append_audit(&staff_audit(scope, "support.note", origin, Some(reference)))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many of the practice's requests are not closed (a count: not audited).
    pub async fn open_support_requests(&self, organization: OrganizationId) -> anyhow::Result<i64> {
        let count: i64 = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM support_requests \
                 WHERE organization_id = $1 AND status <> 'closed'",
            )
            .bind(organization.as_uuid())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }

    /// What an email about a request needs (the jobs worker); `None` when it is gone or has
    /// no address.
    pub async fn support_mailing(&self, id: Uuid) -> anyhow::Result<Option<SupportMailing>> {
        type Row = (
            Uuid,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
        );
        let row: Option<Row> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT r.organization_id, r.email, r.name, r.reference, r.status, r.language, \
                 o.name, o.phone FROM support_requests r \
                 JOIN organizations o ON o.id = r.organization_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.and_then(
            |(organization, email, name, reference, status, language, practice, phone)| {
                Some(SupportMailing {
                    organization: OrganizationId::from_uuid(organization),
                    to: email?,
                    name,
                    reference,
                    status: SupportStatus::parse(&status)?,
                    language,
                    practice_name: practice,
                    practice_phone: phone,
                })
            },
        ))
    }
}
