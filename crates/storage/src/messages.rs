//! Secure messages (issue 16, point 1): conversations (threads) between a patient and a pool
//! of the practice's staff, with their messages, read receipts, attachments kept in the
//! database, staff's internal notes, reply templates, and the practice's pools and settings.
//!
//! A patient reaches only their own threads: every patient query names the scope's patient and
//! practice. Staff reach the threads of their practice. Every read of a conversation, every
//! message written and every attachment served is audited on the patient's record.

use domain::{
    OrganizationId, PatientId, PatientScope, StaffId, StaffScope,
    messaging::{
        AttachmentKind, MessageBody, MessagingSettings, Pool, PoolKey, Subject, ThreadStatus,
    },
};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, Tx, database::dispatch};

/// The most threads a list shows.
pub const THREADS_SHOWN: i64 = 200;

/// What a thread is about: an item of the patient's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    /// `result` or `medicine`.
    pub kind: String,
    pub id: Uuid,
    /// The words that named the item when the message was written ("Glucose, 01/10/2025").
    pub label: String,
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Patient,
    Staff {
        id: StaffId,
        name: String,
    },
    /// The practice's automatic answer to a new conversation.
    Auto,
}

/// A file a message carries, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: Uuid,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
}

/// A file to keep with a new message: its type was checked by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub kind: AttachmentKind,
    pub content: Vec<u8>,
}

/// An attachment to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: Uuid,
    pub author: Author,
    pub body: String,
    pub sent_at: Timestamp,
    /// When the other side first opened it.
    pub read_at: Option<Timestamp>,
    pub attachments: Vec<AttachmentInfo>,
}

/// A thread as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSummary {
    pub id: Uuid,
    pub pool_key: String,
    pub subject: String,
    pub status: ThreadStatus,
    pub last_message_at: Timestamp,
    /// Messages the reader has not opened: for the patient, the practice's; for staff, the
    /// patient's.
    pub unread: i64,
    pub about: Option<About>,
}

/// A whole thread, with its messages oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub summary: ThreadSummary,
    pub created_at: Timestamp,
    pub due_at: Option<Timestamp>,
    pub messages: Vec<Message>,
}

/// A line of the staff inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    pub thread: ThreadSummary,
    pub patient: PatientId,
    pub patient_name: String,
    pub mrn: Option<String>,
    pub assigned_to: Option<StaffId>,
    pub assigned_name: Option<String>,
    pub due_at: Option<Timestamp>,
}

/// Which threads the inbox lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub pool: Option<String>,
    /// `None`: every thread that is not closed.
    pub status: Option<ThreadStatus>,
    /// Only those assigned to the reader.
    pub mine: bool,
}

/// A note staff keep on a thread: the patient never sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub staff_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// A thread as staff work it: the patient it is with, who has it, and the notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffThread {
    pub thread: Thread,
    pub patient: PatientId,
    pub patient_name: String,
    pub birth_date: jiff::civil::Date,
    pub mrn: Option<String>,
    pub assigned_to: Option<StaffId>,
    pub notes: Vec<Note>,
}

/// A colleague a thread may be given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colleague {
    pub id: StaffId,
    pub name: String,
}

/// A reply template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTemplate {
    pub id: Uuid,
    pub title: String,
    pub body: String,
}

/// A new conversation as the patient writes it.
pub struct NewThread<'a> {
    pub pool: &'a PoolKey,
    pub subject: &'a Subject,
    pub body: &'a MessageBody,
    pub about: Option<About>,
    pub attachments: &'a [NewAttachment],
    /// The practice's automatic answer, in the patient's language.
    pub auto_reply: &'a str,
    /// When the practice has promised an answer.
    pub due_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum MessageWriteError {
    /// No such thread in the scope (another patient's, another practice's, or none).
    #[error("no such conversation")]
    NotFound,
    /// The colleague named is not active staff of the practice.
    #[error("no such colleague in this practice")]
    NoSuchColleague,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for MessageWriteError {
    fn from(error: sqlx::Error) -> Self {
        Self::Unexpected(error.into())
    }
}

#[derive(FromRow)]
struct SummaryRow {
    id: Uuid,
    pool_key: String,
    subject: String,
    status: String,
    last_message_at: jiff_sqlx::Timestamp,
    unread: i64,
    about_kind: Option<String>,
    about_id: Option<Uuid>,
    about_label: Option<String>,
}

impl From<SummaryRow> for ThreadSummary {
    fn from(row: SummaryRow) -> Self {
        Self {
            id: row.id,
            pool_key: row.pool_key,
            subject: row.subject,
            status: ThreadStatus::parse(&row.status).unwrap_or(ThreadStatus::Unassigned),
            last_message_at: row.last_message_at.to_jiff(),
            unread: row.unread,
            about: match (row.about_kind, row.about_id) {
                (Some(kind), Some(id)) => Some(About {
                    kind,
                    id,
                    label: row.about_label.unwrap_or_default(),
                }),
                _ => None,
            },
        }
    }
}

#[derive(FromRow)]
struct ThreadRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    created_at: jiff_sqlx::Timestamp,
    due_at: Option<jiff_sqlx::Timestamp>,
    assigned_to: Option<Uuid>,
}

#[derive(FromRow)]
struct MessageRow {
    id: Uuid,
    author_kind: String,
    author_staff_id: Option<Uuid>,
    author_name: Option<String>,
    body: String,
    sent_at: jiff_sqlx::Timestamp,
    read_at: Option<jiff_sqlx::Timestamp>,
}

#[derive(FromRow)]
struct AttachmentRow {
    id: Uuid,
    message_id: Uuid,
    file_name: String,
    media_type: String,
    size_bytes: i64,
}

#[derive(FromRow)]
struct InboxJoinRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    patient_id: Uuid,
    given_names: String,
    family_name: String,
    mrn: Option<String>,
    assigned_to: Option<Uuid>,
    assigned_name: Option<String>,
    due_at: Option<jiff_sqlx::Timestamp>,
}

/// A thread's columns for a list, with the count of messages `$unread_from` wrote that the
/// reader has not opened (`patient` counts staff's and automatic ones).
macro_rules! summary_columns {
    ($unread:literal) => {
        concat!(
            "t.id, t.pool_key, t.subject, t.status, t.last_message_at, t.about_kind, ",
            "t.about_id, t.about_label, (SELECT COUNT(*) FROM messages m ",
            "WHERE m.thread_id = t.id AND m.read_at IS NULL AND ",
            $unread,
            ") AS unread"
        )
    };
}

const PATIENT_THREADS: &str = concat!(
    "SELECT ",
    summary_columns!("m.author_kind <> 'patient'"),
    " FROM message_threads t WHERE t.patient_id = $1 AND t.organization_id = $2 \
     ORDER BY t.last_message_at DESC LIMIT 200"
);

const PATIENT_THREAD: &str = concat!(
    "SELECT ",
    summary_columns!("m.author_kind <> 'patient'"),
    ", t.created_at, t.due_at, t.assigned_to FROM message_threads t \
     WHERE t.id = $1 AND t.patient_id = $2 AND t.organization_id = $3"
);

const STAFF_THREAD: &str = concat!(
    "SELECT ",
    summary_columns!("m.author_kind = 'patient'"),
    ", t.created_at, t.due_at, t.assigned_to, t.patient_id FROM message_threads t \
     WHERE t.id = $1 AND t.organization_id = $2"
);

const INBOX: &str = concat!(
    "SELECT ",
    summary_columns!("m.author_kind = 'patient'"),
    ", t.patient_id, p.given_names, p.family_name, p.mrn, t.assigned_to, \
     s.display_name AS assigned_name, t.due_at \
     FROM message_threads t \
     JOIN patients p ON p.id = t.patient_id AND p.organization_id = t.organization_id \
     LEFT JOIN staff_accounts s ON s.id = t.assigned_to \
     WHERE t.organization_id = $1 \
     AND ($2 IS NULL OR t.pool_key = $2) \
     AND (($3 IS NULL AND t.status <> 'closed') OR t.status = $3) \
     AND ($4 IS NULL OR t.assigned_to = $4) \
     ORDER BY t.due_at IS NULL, t.due_at, t.last_message_at DESC LIMIT 200"
);

const MESSAGES: &str = "SELECT m.id, m.author_kind, m.author_staff_id, \
     s.display_name AS author_name, m.body, m.sent_at, m.read_at \
     FROM messages m LEFT JOIN staff_accounts s ON s.id = m.author_staff_id \
     WHERE m.thread_id = $1 AND m.organization_id = $2 ORDER BY m.sent_at, m.id";

const ATTACHMENTS: &str = "SELECT a.id, a.message_id, a.file_name, a.media_type, a.size_bytes \
     FROM message_attachments a JOIN messages m ON m.id = a.message_id \
     WHERE m.thread_id = $1 AND a.organization_id = $2 ORDER BY a.file_name, a.id";

/// Whether the patient wants an email about a new message, and the chart's address.
const WANTS_MESSAGE_EMAIL: &str = "SELECT a.notify_messages, p.email \
     FROM patient_accounts a JOIN patients p ON p.id = a.patient_id \
     AND p.organization_id = a.organization_id \
     WHERE a.patient_id = $1 AND a.organization_id = $2 AND a.status = 'active' \
     AND a.locked_at IS NULL";

fn patient_audit(
    scope: &PatientScope,
    action: &str,
    origin: &RequestOrigin,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Patient(scope.patient()),
        action: action.to_owned(),
        patient: Some(scope.patient()),
        subject: Some("messages".to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail,
    }
}

fn staff_audit(
    scope: &StaffScope,
    action: &str,
    patient: Option<PatientId>,
    origin: &RequestOrigin,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Staff(scope.staff()),
        action: action.to_owned(),
        patient,
        subject: Some("messages".to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail,
    }
}

fn author(row: &MessageRow) -> Author {
    match (row.author_kind.as_str(), row.author_staff_id) {
        ("staff", Some(id)) => Author::Staff {
            id: StaffId::from_uuid(id),
            name: row.author_name.clone().unwrap_or_default(),
        },
        ("auto", _) => Author::Auto,
        _ => Author::Patient,
    }
}

fn assemble(rows: Vec<MessageRow>, attachments: Vec<AttachmentRow>) -> Vec<Message> {
    rows.into_iter()
        .map(|row| Message {
            author: author(&row),
            attachments: attachments
                .iter()
                .filter(|a| a.message_id == row.id)
                .map(|a| AttachmentInfo {
                    id: a.id,
                    file_name: a.file_name.clone(),
                    media_type: a.media_type.clone(),
                    size_bytes: a.size_bytes,
                })
                .collect(),
            id: row.id,
            body: row.body,
            sent_at: row.sent_at.to_jiff(),
            read_at: row.read_at.map(|at| at.to_jiff()),
        })
        .collect()
}

/// A file name fit to keep and to send back in a header: its last path part, printable ASCII
/// letters, digits, dots, hyphens and underscores (others become `_`), at most 100 characters,
/// ending in the type's extension.
pub fn tidy_file_name(name: &str, kind: AttachmentKind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let mut tidy: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(90)
        .collect();
    tidy = tidy.trim_matches(['.', '_']).to_owned();
    if tidy.is_empty() {
        tidy = "attachment".to_owned();
    }
    format!("{tidy}.{}", kind.extension())
}

impl Tx {
    /// Inserts a message with its attachments, in this transaction.
    #[allow(clippy::too_many_arguments)]
    async fn insert_message(
        &mut self,
        thread: Uuid,
        organization: OrganizationId,
        patient: PatientId,
        author_kind: &str,
        author_staff: Option<StaffId>,
        body: &str,
        attachments: &[NewAttachment],
        at: Timestamp,
    ) -> anyhow::Result<Uuid> {
        let id = Uuid::now_v7();
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "INSERT INTO messages (id, thread_id, organization_id, patient_id, author_kind, \
                 author_staff_id, body, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(thread)
            .bind(organization.as_uuid())
            .bind(patient.as_uuid())
            .bind(author_kind)
            .bind(author_staff.map(|s| s.as_uuid()))
            .bind(body)
            .bind(at.to_sqlx())
            .execute(&mut **tx)
            .await?;
            for attachment in attachments {
                sqlx::query(
                    "INSERT INTO message_attachments (id, message_id, organization_id, \
                     patient_id, file_name, media_type, size_bytes, content) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(organization.as_uuid())
                .bind(patient.as_uuid())
                .bind(&attachment.file_name)
                .bind(attachment.kind.media_type())
                .bind(attachment.content.len() as i64)
                .bind(&attachment.content)
                .execute(&mut **tx)
                .await?;
            }
        });
        Ok(id)
    }

    /// The messages and attachments of a thread already found in the scope.
    async fn thread_messages(
        &mut self,
        thread: Uuid,
        organization: OrganizationId,
    ) -> anyhow::Result<Vec<Message>> {
        let (rows, attachments): (Vec<MessageRow>, Vec<AttachmentRow>) =
            dispatch!(&mut self.handle, |tx| {
                let rows = sqlx::query_as(MESSAGES)
                    .bind(thread)
                    .bind(organization.as_uuid())
                    .fetch_all(&mut **tx)
                    .await?;
                let attachments = sqlx::query_as(ATTACHMENTS)
                    .bind(thread)
                    .bind(organization.as_uuid())
                    .fetch_all(&mut **tx)
                    .await?;
                (rows, attachments)
            });
        Ok(assemble(rows, attachments))
    }

    /// Queues "you have a new message" for the patient when they want it and have an email
    /// address. Answers whether it was queued.
    async fn queue_message_email(
        &mut self,
        organization: OrganizationId,
        patient: PatientId,
    ) -> anyhow::Result<bool> {
        let wants: Option<(bool, Option<String>)> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_as(WANTS_MESSAGE_EMAIL)
                .bind(patient.as_uuid())
                .bind(organization.as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some((true, Some(email))) = wants else {
            return Ok(false);
        };
        if email.trim().is_empty() {
            return Ok(false);
        }
        let payload = serde_json::json!({ "patient": patient }).to_string();
        self.enqueue_job("email.new-message", &payload, Timestamp::now())
            .await?;
        Ok(true)
    }
}

impl Database {
    /// The practice's pools, in its order: its own list once it saved one, else the defaults.
    pub async fn message_pools(&self, organization: OrganizationId) -> anyhow::Result<Vec<Pool>> {
        let rows: Vec<(String, String, String, bool)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT key, name_en, name_es, open FROM message_pools \
                 WHERE organization_id = $1 ORDER BY position, key",
            )
            .bind(organization.as_uuid())
            .fetch_all(pool)
            .await?
        });
        if rows.is_empty() {
            return Ok(Pool::defaults());
        }
        Ok(rows
            .into_iter()
            .filter_map(|(key, name_en, name_es, open)| {
                Some(Pool {
                    key: PoolKey::parse(&key).ok()?,
                    name_en,
                    name_es,
                    open,
                })
            })
            .collect())
    }

    /// The practice's messaging settings; the defaults until an administrator saves them.
    pub async fn messaging_settings(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<MessagingSettings> {
        let row: Option<(bool, i64, i64)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT enabled, answer_business_days, attachment_max_kib \
                 FROM messaging_settings WHERE organization_id = $1",
            )
            .bind(organization.as_uuid())
            .fetch_optional(pool)
            .await?
        });
        Ok(match row {
            Some((enabled, days, kib)) => MessagingSettings {
                enabled,
                answer_business_days: u8::try_from(days).unwrap_or(2),
                attachment_max_kib: u32::try_from(kib).unwrap_or(5 * 1024),
            },
            None => MessagingSettings::default(),
        })
    }

    /// Saves the practice's messaging settings and its list of pools (in the order given)
    /// together, audited. Pools left out of the list are kept closed, so that their
    /// threads still name them.
    pub async fn save_messaging_settings(
        &self,
        scope: &StaffScope,
        settings: &MessagingSettings,
        pools: &[Pool],
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let org = scope.organization().as_uuid();
        let current = self.message_pools(scope.organization()).await?;
        let closed: Vec<Pool> = current
            .iter()
            .filter(|old| !pools.iter().any(|p| p.key == old.key))
            .map(|p| Pool {
                open: false,
                ..p.clone()
            })
            .collect();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO messaging_settings (organization_id, enabled, answer_business_days, \
                 attachment_max_kib, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (organization_id) DO UPDATE SET enabled = $2, \
                 answer_business_days = $3, attachment_max_kib = $4, updated_at = $5, \
                 updated_by = $6",
            )
            .bind(org)
            .bind(settings.enabled)
            .bind(i64::from(settings.answer_business_days))
            .bind(i64::from(settings.attachment_max_kib))
            .bind(now.to_sqlx())
            .bind(scope.staff().as_uuid())
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM message_pools WHERE organization_id = $1")
                .bind(org)
                .execute(&mut **tx)
                .await?;
            for (position, pool) in pools.iter().chain(&closed).enumerate() {
                sqlx::query(
                    "INSERT INTO message_pools (organization_id, key, name_en, name_es, open, \
                     position) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(org)
                .bind(pool.key.as_str())
                .bind(&pool.name_en)
                .bind(&pool.name_es)
                .bind(pool.open)
                .bind(position as i64)
                .execute(&mut **tx)
                .await?;
            }
        });
        let listed: Vec<String> = pools
            .iter()
            .chain(&closed)
            .map(|p| {
                format!(
                    "{}{}",
                    p.key.as_str(),
                    if p.open { "" } else { " (closed)" }
                )
            })
            .collect();
        tx.append_audit(&staff_audit(
            scope,
            "messaging.settings",
            None,
            origin,
            Some(format!(
                "enabled {}, answer within {} business days, attachments up to {} KiB; pools {}",
                settings.enabled,
                settings.answer_business_days,
                settings.attachment_max_kib,
                listed.join(", ")
            )),
        ))
        .await?;
        tx.commit().await
    }

    /// The scope's patient's conversations, newest first; audited (`patient.messages`).
    pub async fn patient_threads(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<ThreadSummary>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<SummaryRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(PATIENT_THREADS)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?
        });
        tx.append_audit(&patient_audit(
            scope,
            "patient.messages",
            origin,
            Some(format!("{} conversations", rows.len())),
        ))
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(ThreadSummary::from).collect())
    }

    /// How many messages from the practice the patient has not opened (a count: no PHI, not
    /// audited).
    pub async fn unread_messages(&self, scope: &PatientScope) -> anyhow::Result<i64> {
        let count: i64 = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM messages WHERE patient_id = $1 AND organization_id = $2 \
                 AND read_at IS NULL AND author_kind <> 'patient'",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }

    /// One of the scope's patient's conversations, whole; what the practice wrote in it is
    /// then read (its read receipt). `None` when the scope has no such thread. Audited
    /// (`patient.message-thread`).
    pub async fn patient_thread(
        &self,
        scope: &PatientScope,
        thread: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<Thread>> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let row: Option<ThreadRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(PATIENT_THREAD)
                .bind(thread)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let messages = tx.thread_messages(thread, scope.organization()).await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE messages SET read_at = $2 WHERE thread_id = $1 \
                 AND author_kind <> 'patient' AND read_at IS NULL",
            )
            .bind(thread)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&patient_audit(
            scope,
            "patient.message-thread",
            origin,
            Some(format!("thread {thread}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(Thread {
            created_at: row.created_at.to_jiff(),
            due_at: row.due_at.map(|at| at.to_jiff()),
            summary: row.summary.into(),
            messages,
        }))
    }

    /// Starts a conversation: the thread, the patient's message with its attachments and the
    /// practice's automatic answer, in one transaction; audited. Answers the thread's id.
    /// The caller checked that the pool is open and that the practice takes messages.
    pub async fn start_thread(
        &self,
        scope: &PatientScope,
        new: &NewThread<'_>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Uuid> {
        let now = Timestamp::now();
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO message_threads (id, organization_id, patient_id, pool_key, \
                 subject, status, about_kind, about_id, about_label, created_at, \
                 last_message_at, due_at) \
                 VALUES ($1, $2, $3, $4, $5, 'unassigned', $6, $7, $8, $9, $9, $10)",
            )
            .bind(id)
            .bind(scope.organization().as_uuid())
            .bind(scope.patient().as_uuid())
            .bind(new.pool.as_str())
            .bind(new.subject.as_str())
            .bind(new.about.as_ref().map(|a| a.kind.as_str()))
            .bind(new.about.as_ref().map(|a| a.id))
            .bind(new.about.as_ref().map(|a| a.label.as_str()))
            .bind(now.to_sqlx())
            .bind(new.due_at.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.insert_message(
            id,
            scope.organization(),
            scope.patient(),
            "patient",
            None,
            new.body.as_str(),
            new.attachments,
            now,
        )
        .await?;
        // The automatic answer comes just after the message it answers.
        let after = now
            .checked_add(jiff::SignedDuration::from_millis(1))
            .unwrap_or(now);
        tx.insert_message(
            id,
            scope.organization(),
            scope.patient(),
            "auto",
            None,
            new.auto_reply,
            &[],
            after,
        )
        .await?;
        let about = new
            .about
            .as_ref()
            .map(|a| format!(", about {} {}", a.kind, a.id))
            .unwrap_or_default();
        tx.append_audit(&patient_audit(
            scope,
            "patient.message-send",
            origin,
            Some(format!(
                "new thread {id} to {}, {} attachments{about}",
                new.pool.as_str(),
                new.attachments.len()
            )),
        ))
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The patient writes again in one of their conversations: it goes back to whoever had
    /// it (or to the pool), opens again if it was closed, and an answer is due by `due_at`
    /// unless one was due earlier. Audited.
    pub async fn patient_reply(
        &self,
        scope: &PatientScope,
        thread: Uuid,
        body: &MessageBody,
        attachments: &[NewAttachment],
        due_at: Timestamp,
        origin: &RequestOrigin,
    ) -> Result<(), MessageWriteError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let found: Option<(Option<Uuid>, Option<jiff_sqlx::Timestamp>)> =
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(
                    "SELECT assigned_to, due_at FROM message_threads \
                     WHERE id = $1 AND patient_id = $2 AND organization_id = $3",
                )
                .bind(thread)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
            });
        let Some((assigned, due)) = found else {
            return Err(MessageWriteError::NotFound);
        };
        let status = ThreadStatus::Closed.after_patient_writes(assigned.is_some());
        let due = due.map(|d| d.to_jiff()).map_or(due_at, |d| d.min(due_at));
        tx.insert_message(
            thread,
            scope.organization(),
            scope.patient(),
            "patient",
            None,
            body.as_str(),
            attachments,
            now,
        )
        .await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE message_threads SET status = $2, due_at = $3, last_message_at = $4, \
                 closed_at = NULL WHERE id = $1",
            )
            .bind(thread)
            .bind(status.as_str())
            .bind(due.to_sqlx())
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&patient_audit(
            scope,
            "patient.message-send",
            origin,
            Some(format!(
                "reply in thread {thread}, {} attachments",
                attachments.len()
            )),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An attachment of one of the scope's patient's messages; audited. `None` when the
    /// scope has no such attachment.
    pub async fn patient_attachment(
        &self,
        scope: &PatientScope,
        attachment: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<Attachment>> {
        let mut tx = self.begin_read().await?;
        let row: Option<(String, String, Vec<u8>)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT file_name, media_type, content FROM message_attachments \
                 WHERE id = $1 AND patient_id = $2 AND organization_id = $3",
            )
            .bind(attachment)
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some((file_name, media_type, content)) = row else {
            return Ok(None);
        };
        tx.append_audit(&patient_audit(
            scope,
            "patient.message-attachment",
            origin,
            Some(format!("attachment {attachment}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(Attachment {
            file_name,
            media_type,
            content,
        }))
    }

    /// The practice's inbox: threads by the filter, those due soonest first; each patient
    /// listed is audited as read by the staff member (`message.inbox`).
    pub async fn message_inbox(
        &self,
        scope: &StaffScope,
        filter: &InboxFilter,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<InboxRow>> {
        let mut tx = self.begin_read().await?;
        let mine = filter.mine.then(|| scope.staff().as_uuid());
        let rows: Vec<InboxJoinRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(INBOX)
                .bind(scope.organization().as_uuid())
                .bind(filter.pool.as_deref())
                .bind(filter.status.map(ThreadStatus::as_str))
                .bind(mine)
                .fetch_all(&mut **tx)
                .await?
        });
        if rows.is_empty() {
            tx.append_audit(&staff_audit(
                scope,
                "message.inbox",
                None,
                origin,
                Some("0 threads".to_owned()),
            ))
            .await?;
        }
        for row in &rows {
            tx.append_audit(&staff_audit(
                scope,
                "message.inbox",
                Some(PatientId::from_uuid(row.patient_id)),
                origin,
                Some(format!("thread {}", row.summary.id)),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|row| InboxRow {
                patient: PatientId::from_uuid(row.patient_id),
                patient_name: format!("{} {}", row.given_names, row.family_name),
                mrn: row.mrn,
                assigned_to: row.assigned_to.map(StaffId::from_uuid),
                assigned_name: row.assigned_name,
                due_at: row.due_at.map(|at| at.to_jiff()),
                thread: row.summary.into(),
            })
            .collect())
    }

    /// How many of the practice's threads nobody has taken (a count: not audited).
    pub async fn unassigned_threads(&self, organization: OrganizationId) -> anyhow::Result<i64> {
        let count: i64 = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM message_threads \
                 WHERE organization_id = $1 AND status = 'unassigned'",
            )
            .bind(organization.as_uuid())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }

    /// How many of the practice's threads are past their due time (a count: not audited).
    pub async fn overdue_threads(
        &self,
        organization: OrganizationId,
        now: Timestamp,
    ) -> anyhow::Result<i64> {
        let count: i64 = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM message_threads WHERE organization_id = $1 \
                 AND status IN ('unassigned', 'assigned') AND due_at < $2",
            )
            .bind(organization.as_uuid())
            .bind(now.to_sqlx())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }

    /// A thread of the practice, whole, with the patient, who has it and the notes; what the
    /// patient wrote in it is then read (its read receipt). Audited on the patient's record.
    pub async fn staff_thread(
        &self,
        scope: &StaffScope,
        thread: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<StaffThread>> {
        let now = Timestamp::now();
        let org = scope.organization();
        let mut tx = self.begin().await?;
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            thread: ThreadRow,
            patient_id: Uuid,
        }
        let row: Option<Row> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(STAFF_THREAD)
                .bind(thread)
                .bind(org.as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let messages = tx.thread_messages(thread, org).await?;
        type PatientRow = (String, String, jiff_sqlx::Date, Option<String>);
        let (patient, notes): (
            Option<PatientRow>,
            Vec<(String, String, jiff_sqlx::Timestamp)>,
        ) = dispatch!(&mut tx.handle, |tx| {
            let patient = sqlx::query_as(
                "SELECT given_names, family_name, birth_date, mrn FROM patients \
                     WHERE id = $1 AND organization_id = $2",
            )
            .bind(row.patient_id)
            .bind(org.as_uuid())
            .fetch_optional(&mut **tx)
            .await?;
            let notes = sqlx::query_as(
                "SELECT s.display_name, n.body, n.created_at FROM message_notes n \
                     JOIN staff_accounts s ON s.id = n.staff_id \
                     WHERE n.thread_id = $1 AND n.organization_id = $2 ORDER BY n.created_at",
            )
            .bind(thread)
            .bind(org.as_uuid())
            .fetch_all(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE messages SET read_at = $2 WHERE thread_id = $1 \
                     AND author_kind = 'patient' AND read_at IS NULL",
            )
            .bind(thread)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
            (patient, notes)
        });
        let Some((given, family, birth_date, mrn)) = patient else {
            return Ok(None);
        };
        let patient = PatientId::from_uuid(row.patient_id);
        tx.append_audit(&staff_audit(
            scope,
            "message.thread",
            Some(patient),
            origin,
            Some(format!("thread {thread}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(StaffThread {
            assigned_to: row.thread.assigned_to.map(StaffId::from_uuid),
            thread: Thread {
                created_at: row.thread.created_at.to_jiff(),
                due_at: row.thread.due_at.map(|at| at.to_jiff()),
                summary: row.thread.summary.into(),
                messages,
            },
            patient,
            patient_name: format!("{given} {family}"),
            birth_date: birth_date.to_jiff(),
            mrn,
            notes: notes
                .into_iter()
                .map(|(staff_name, body, at)| Note {
                    staff_name,
                    body,
                    created_at: at.to_jiff(),
                })
                .collect(),
        }))
    }

    /// Finds a thread of the practice for a change, answering its patient.
    async fn practice_thread(
        tx: &mut Tx,
        scope: &StaffScope,
        thread: Uuid,
    ) -> Result<(PatientId, String, Option<Uuid>), MessageWriteError> {
        let found: Option<(Uuid, String, Option<Uuid>)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT patient_id, status, assigned_to FROM message_threads \
                 WHERE id = $1 AND organization_id = $2",
            )
            .bind(thread)
            .bind(scope.organization().as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let (patient, status, assigned) = found.ok_or(MessageWriteError::NotFound)?;
        Ok((PatientId::from_uuid(patient), status, assigned))
    }

    /// Staff answer a thread: it waits for the patient now, nothing is due, and it is the
    /// writer's if nobody had it. The patient is emailed when they want it. Audited.
    pub async fn staff_reply(
        &self,
        scope: &StaffScope,
        thread: Uuid,
        body: &MessageBody,
        attachments: &[NewAttachment],
        origin: &RequestOrigin,
    ) -> Result<(), MessageWriteError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let (patient, _, _) = Self::practice_thread(&mut tx, scope, thread).await?;
        tx.insert_message(
            thread,
            scope.organization(),
            patient,
            "staff",
            Some(scope.staff()),
            body.as_str(),
            attachments,
            now,
        )
        .await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE message_threads SET status = 'waiting-for-patient', due_at = NULL, \
                 last_message_at = $2, closed_at = NULL, \
                 assigned_to = COALESCE(assigned_to, $3) WHERE id = $1",
            )
            .bind(thread)
            .bind(now.to_sqlx())
            .bind(scope.staff().as_uuid())
            .execute(&mut **tx)
            .await?;
        });
        let emailed = tx
            .queue_message_email(scope.organization(), patient)
            .await?;
        tx.append_audit(&staff_audit(
            scope,
            "message.reply",
            Some(patient),
            origin,
            Some(format!(
                "thread {thread}, {} attachments{}",
                attachments.len(),
                if emailed { ", patient emailed" } else { "" }
            )),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a thread to a colleague of the practice (or to nobody: back to the pool).
    /// Audited.
    pub async fn assign_thread(
        &self,
        scope: &StaffScope,
        thread: Uuid,
        to: Option<StaffId>,
        origin: &RequestOrigin,
    ) -> Result<(), MessageWriteError> {
        let mut tx = self.begin().await?;
        let (patient, status, _) = Self::practice_thread(&mut tx, scope, thread).await?;
        if let Some(to) = to {
            let active: Option<i64> = dispatch!(&mut tx.handle, |tx| {
                sqlx::query_scalar(
                    "SELECT 1 FROM staff_accounts WHERE id = $1 AND organization_id = $2 \
                     AND disabled_at IS NULL",
                )
                .bind(to.as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
            });
            if active.is_none() {
                return Err(MessageWriteError::NoSuchColleague);
            }
        }
        let status = match ThreadStatus::parse(&status) {
            Some(status) if status.awaits_practice() => {
                status.after_patient_writes(to.is_some()).as_str()
            }
            _ => status.as_str(),
        }
        .to_owned();
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("UPDATE message_threads SET assigned_to = $2, status = $3 WHERE id = $1")
                .bind(thread)
                .bind(to.map(|s| s.as_uuid()))
                .bind(&status)
                .execute(&mut **tx)
                .await?;
        });
        tx.append_audit(&staff_audit(
            scope,
            "message.assign",
            Some(patient),
            origin,
            Some(match to {
                Some(to) => format!("thread {thread} to staff {to}"),
                None => format!("thread {thread} back to the pool"),
            }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes a thread (nothing more is due), audited. The patient may still write in it,
    /// which opens it again.
    pub async fn close_thread(
        &self,
        scope: &StaffScope,
        thread: Uuid,
        origin: &RequestOrigin,
    ) -> Result<(), MessageWriteError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let (patient, _, _) = Self::practice_thread(&mut tx, scope, thread).await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE message_threads SET status = 'closed', due_at = NULL, closed_at = $2 \
                 WHERE id = $1",
            )
            .bind(thread)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&staff_audit(
            scope,
            "message.close",
            Some(patient),
            origin,
            Some(format!("thread {thread}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps a note on a thread for staff only, audited.
    pub async fn add_thread_note(
        &self,
        scope: &StaffScope,
        thread: Uuid,
        note: &MessageBody,
        origin: &RequestOrigin,
    ) -> Result<(), MessageWriteError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let (patient, _, _) = Self::practice_thread(&mut tx, scope, thread).await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO message_notes (id, thread_id, organization_id, staff_id, body, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(thread)
            .bind(scope.organization().as_uuid())
            .bind(scope.staff().as_uuid())
            .bind(note.as_str())
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&staff_audit(
            scope,
            "message.note",
            Some(patient),
            origin,
            Some(format!("thread {thread}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An attachment of a message of the practice; audited on the patient's record.
    pub async fn staff_attachment(
        &self,
        scope: &StaffScope,
        attachment: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<Attachment>> {
        let mut tx = self.begin_read().await?;
        let row: Option<(String, String, Vec<u8>, Uuid)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT file_name, media_type, content, patient_id FROM message_attachments \
                 WHERE id = $1 AND organization_id = $2",
            )
            .bind(attachment)
            .bind(scope.organization().as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some((file_name, media_type, content, patient)) = row else {
            return Ok(None);
        };
        tx.append_audit(&staff_audit(
            scope,
            "message.attachment",
            Some(PatientId::from_uuid(patient)),
            origin,
            Some(format!("attachment {attachment}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(Attachment {
            file_name,
            media_type,
            content,
        }))
    }

    /// Where a thread of the practice stands: its status, its messages and its notes,
    /// counted (no PHI: not audited). `None` when the practice has no such thread.
    pub async fn thread_counts(
        &self,
        organization: OrganizationId,
        thread: Uuid,
    ) -> anyhow::Result<Option<(String, i64, i64)>> {
        let row: Option<(String, i64, i64)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT t.status, \
                 (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id), \
                 (SELECT COUNT(*) FROM message_notes n WHERE n.thread_id = t.id) \
                 FROM message_threads t WHERE t.id = $1 AND t.organization_id = $2",
            )
            .bind(thread)
            .bind(organization.as_uuid())
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// The practice's active staff, by name: whom a thread may be given to.
    pub async fn colleagues(&self, scope: &StaffScope) -> anyhow::Result<Vec<Colleague>> {
        let rows: Vec<(Uuid, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT id, display_name FROM staff_accounts WHERE organization_id = $1 \
                 AND disabled_at IS NULL ORDER BY display_name",
            )
            .bind(scope.organization().as_uuid())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name)| Colleague {
                id: StaffId::from_uuid(id),
                name,
            })
            .collect())
    }

    /// The practice's reply templates, by title.
    pub async fn reply_templates(&self, scope: &StaffScope) -> anyhow::Result<Vec<ReplyTemplate>> {
        let rows: Vec<(Uuid, String, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT id, title, body FROM message_templates WHERE organization_id = $1 \
                 ORDER BY title",
            )
            .bind(scope.organization().as_uuid())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, title, body)| ReplyTemplate { id, title, body })
            .collect())
    }

    /// Adds a reply template, or replaces the one with the same title; audited.
    pub async fn save_reply_template(
        &self,
        scope: &StaffScope,
        title: &Subject,
        body: &MessageBody,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO message_templates (id, organization_id, title, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (organization_id, title) DO UPDATE SET body = $4",
            )
            .bind(Uuid::now_v7())
            .bind(scope.organization().as_uuid())
            .bind(title.as_str())
            .bind(body.as_str())
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&staff_audit(
            scope,
            "messaging.template",
            None,
            origin,
            Some(title.as_str().to_owned()),
        ))
        .await?;
        tx.commit().await
    }

    /// Removes a reply template of the practice; audited. Answers whether there was one.
    pub async fn remove_reply_template(
        &self,
        scope: &StaffScope,
        template: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let mut tx = self.begin().await?;
        let removed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query("DELETE FROM message_templates WHERE id = $1 AND organization_id = $2")
                .bind(template)
                .bind(scope.organization().as_uuid())
                .execute(&mut **tx)
                .await?
                .rows_affected()
        });
        if removed == 0 {
            return Ok(false);
        }
        tx.append_audit(&staff_audit(
            scope,
            "messaging.template-removed",
            None,
            origin,
            Some(format!("template {template}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_a_safe_stem_and_take_the_type_s_extension() {
        assert_eq!(
            tidy_file_name("rash photo.JPG", AttachmentKind::Jpeg),
            "rash_photo.jpg"
        );
        assert_eq!(
            tidy_file_name("C:\\Users\\me\\scan.pdf", AttachmentKind::Pdf),
            "scan.pdf"
        );
        assert_eq!(
            tidy_file_name("../../etc/passwd", AttachmentKind::Png),
            "passwd.png"
        );
        assert_eq!(
            tidy_file_name("invoice.exe", AttachmentKind::Pdf),
            "invoice.pdf"
        );
        assert_eq!(tidy_file_name("\"; x=y", AttachmentKind::Gif), "x_y.gif");
        assert_eq!(tidy_file_name("", AttachmentKind::Webp), "attachment.webp");
        assert_eq!(tidy_file_name("ñandú.png", AttachmentKind::Png), "and.png");
        assert!(tidy_file_name(&"a".repeat(500), AttachmentKind::Pdf).len() <= 100);
    }
}
