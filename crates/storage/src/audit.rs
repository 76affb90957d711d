//! The append-only audit log. Each row carries a SHA-256 over its content and the previous
//! row's hash, so that an edited or deleted row breaks the chain.

use domain::{OrganizationId, PatientId};
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    Database, Tx,
    database::{Handle, dispatch},
};

/// Who did something.
#[derive(Debug, Clone)]
pub enum AuditActor {
    /// The system itself: an import, a job, a command-line tool.
    System(String),
    Staff(domain::StaffId),
    Patient(PatientId),
}

impl AuditActor {
    fn kind(&self) -> &'static str {
        match self {
            AuditActor::System(_) => "system",
            AuditActor::Staff(_) => "staff",
            AuditActor::Patient(_) => "patient",
        }
    }

    fn id(&self) -> String {
        match self {
            AuditActor::System(name) => name.clone(),
            AuditActor::Staff(id) => id.to_string(),
            AuditActor::Patient(id) => id.to_string(),
        }
    }
}

/// One thing that happened to patient data.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub organization: Option<OrganizationId>,
    pub actor: AuditActor,
    /// What was done, e.g. `import.bundle`, `patient.read`.
    pub action: String,
    pub patient: Option<PatientId>,
    /// What was touched, e.g. `Observation` or a page name.
    pub subject: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    /// Free text without PHI: ids and counts only.
    pub detail: Option<String>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Tx {
    /// Appends an entry in this transaction, chained to the newest row.
    pub async fn append_audit(&mut self, entry: &AuditEntry) -> anyhow::Result<()> {
        // Writers serialize on the chain's head so that two transactions cannot both extend it
        // from the same row. SQLite transactions start IMMEDIATE and so hold the write lock
        // already; PostgreSQL takes a transaction-scoped advisory lock.
        if let Handle::Postgres(tx) = &mut self.handle {
            sqlx::query("SELECT pg_advisory_xact_lock(7243)")
                .execute(&mut **tx)
                .await?;
        }
        let prev: Option<(String,)> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_as("SELECT row_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut **tx)
                .await?
        });
        let prev_hash = prev.map(|(h,)| h).unwrap_or_else(|| GENESIS.to_owned());
        // PostgreSQL keeps microseconds: the hashed time is the one that is stored.
        let now = jiff::Timestamp::now();
        let at = now.round(jiff::Unit::Microsecond).unwrap_or(now);
        let org = entry.organization.map(|o| o.as_uuid());
        let patient = entry.patient.map(|p| p.as_uuid());
        let row_hash = HashedFields::of(&at, entry).chain_hash(&prev_hash);
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "INSERT INTO audit_log (at, organization_id, actor_kind, actor_id, action, \
                 patient_id, subject, client_addr, request_id, detail, prev_hash, row_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(jiff_sqlx::ToSqlx::to_sqlx(at))
            .bind(org)
            .bind(entry.actor.kind())
            .bind(entry.actor.id())
            .bind(&entry.action)
            .bind(patient)
            .bind(&entry.subject)
            .bind(&entry.client_addr)
            .bind(&entry.request_id)
            .bind(&entry.detail)
            .bind(&prev_hash)
            .bind(&row_hash)
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }
}

/// What a row's hash covers, as text, the same whether the row is being written or checked.
struct HashedFields {
    at: String,
    organization: String,
    actor_kind: String,
    actor_id: String,
    action: String,
    patient: String,
    subject: String,
    client_addr: String,
    request_id: String,
    detail: String,
}

impl HashedFields {
    fn of(at: &jiff::Timestamp, entry: &AuditEntry) -> Self {
        Self {
            at: at.to_string(),
            organization: entry
                .organization
                .map(|o| o.to_string())
                .unwrap_or_default(),
            actor_kind: entry.actor.kind().to_owned(),
            actor_id: entry.actor.id(),
            action: entry.action.clone(),
            patient: entry.patient.map(|p| p.to_string()).unwrap_or_default(),
            subject: entry.subject.clone().unwrap_or_default(),
            client_addr: entry.client_addr.clone().unwrap_or_default(),
            request_id: entry.request_id.clone().unwrap_or_default(),
            detail: entry.detail.clone().unwrap_or_default(),
        }
    }

    fn stored(row: &AuditRow) -> Self {
        Self {
            at: row.at.to_jiff().to_string(),
            organization: row
                .organization_id
                .map(|o| OrganizationId::from_uuid(o).to_string())
                .unwrap_or_default(),
            actor_kind: row.actor_kind.clone(),
            actor_id: row.actor_id.clone().unwrap_or_default(),
            action: row.action.clone(),
            patient: row
                .patient_id
                .map(|p| PatientId::from_uuid(p).to_string())
                .unwrap_or_default(),
            subject: row.subject.clone().unwrap_or_default(),
            client_addr: row.client_addr.clone().unwrap_or_default(),
            request_id: row.request_id.clone().unwrap_or_default(),
            detail: row.detail.clone().unwrap_or_default(),
        }
    }

    /// SHA-256 over the previous row's hash and each field, each prefixed by its length so
    /// that no two different rows hash the same text.
    fn chain_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        let fields = [
            prev_hash,
            &self.at,
            &self.organization,
            &self.actor_kind,
            &self.actor_id,
            &self.action,
            &self.patient,
            &self.subject,
            &self.client_addr,
            &self.request_id,
            &self.detail,
        ];
        for field in fields {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

#[derive(FromRow)]
struct AuditRow {
    seq: i64,
    at: jiff_sqlx::Timestamp,
    organization_id: Option<Uuid>,
    actor_kind: String,
    actor_id: Option<String>,
    action: String,
    patient_id: Option<Uuid>,
    subject: Option<String>,
    client_addr: Option<String>,
    request_id: Option<String>,
    detail: Option<String>,
    prev_hash: String,
    row_hash: String,
}

/// What checking the audit chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// Rows read, up to the first break or to the end.
    pub rows: u64,
    /// The newest row's sequence number and hash when the chain is whole: kept elsewhere,
    /// they show later whether rows were cut from the end, which a chain alone cannot.
    pub head: Option<(i64, String)>,
    pub broken: Option<AuditBreak>,
}

/// The first row at which the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The row's content does not give its hash: it was edited.
    Edited,
    /// The row does not name the row before it: rows were removed or inserted between.
    Unlinked,
}

impl std::fmt::Display for BreakReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BreakReason::Edited => "its content does not match its hash (the row was changed)",
            BreakReason::Unlinked => {
                "it does not follow the row before it (rows were removed or inserted)"
            }
        })
    }
}

/// One row of the log, as a reader asking "what was recorded since?" needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedAction {
    pub seq: i64,
    /// `system`, `staff` or `patient`.
    pub actor_kind: String,
    pub action: String,
    pub patient: Option<PatientId>,
}

/// Rows read per query while checking the chain.
const CHECK_PAGE: i64 = 2_000;

impl Database {
    /// The newest row's sequence number, 0 when the log is empty: what is appended later is
    /// read with [`Database::audit_since`].
    pub async fn audit_head(&self) -> anyhow::Result<i64> {
        let (head,): (Option<i64>,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT MAX(seq) FROM audit_log")
                .fetch_one(pool)
                .await?
        });
        Ok(head.unwrap_or(0))
    }

    /// The rows appended after `seq`, oldest first (for tests that check what a request
    /// recorded).
    pub async fn audit_since(&self, seq: i64) -> anyhow::Result<Vec<AuditedAction>> {
        let rows: Vec<(i64, String, String, Option<Uuid>)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT seq, actor_kind, action, patient_id FROM audit_log WHERE seq > $1 \
                 ORDER BY seq",
            )
            .bind(seq)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(seq, actor_kind, action, patient)| AuditedAction {
                seq,
                actor_kind,
                action,
                patient: patient.map(PatientId::from_uuid),
            })
            .collect())
    }

    /// Reads the whole audit log in order and checks each row's hash and its link to the row
    /// before, stopping at the first break.
    pub async fn check_audit_chain(&self) -> anyhow::Result<AuditCheck> {
        let mut check = AuditCheck {
            rows: 0,
            head: None,
            broken: None,
        };
        let mut prev_hash = GENESIS.to_owned();
        let mut after = i64::MIN;
        loop {
            let rows: Vec<AuditRow> = dispatch!(&self.handle, |pool| {
                sqlx::query_as(
                    "SELECT seq, at, organization_id, actor_kind, actor_id, action, patient_id, \
                     subject, client_addr, request_id, detail, prev_hash, row_hash \
                     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(CHECK_PAGE)
                .fetch_all(pool)
                .await?
            });
            let Some(last) = rows.last() else {
                return Ok(check);
            };
            after = last.seq;
            for row in &rows {
                check.rows += 1;
                let reason = if row.prev_hash != prev_hash {
                    Some(BreakReason::Unlinked)
                } else if HashedFields::stored(row).chain_hash(&row.prev_hash) != row.row_hash {
                    Some(BreakReason::Edited)
                } else {
                    None
                };
                if let Some(reason) = reason {
                    check.head = None;
                    check.broken = Some(AuditBreak {
                        seq: row.seq,
                        reason,
                    });
                    return Ok(check);
                }
                prev_hash.clone_from(&row.row_hash);
                check.head = Some((row.seq, row.row_hash.clone()));
            }
        }
    }
}
