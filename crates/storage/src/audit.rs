//! The append-only audit log. Each row carries a SHA-256 over its content and the previous
//! row's hash, so that an edited or deleted row breaks the chain.

use domain::{OrganizationId, PatientId};
use sha2::{Digest, Sha256};

use crate::{
    Tx,
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
        let at = jiff::Timestamp::now();
        let org = entry.organization.map(|o| o.as_uuid());
        let patient = entry.patient.map(|p| p.as_uuid());
        let row_hash = chain_hash(&prev_hash, &at, entry);
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

fn chain_hash(prev_hash: &str, at: &jiff::Timestamp, entry: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    let fields = [
        prev_hash.to_owned(),
        at.to_string(),
        entry
            .organization
            .map(|o| o.to_string())
            .unwrap_or_default(),
        entry.actor.kind().to_owned(),
        entry.actor.id(),
        entry.action.clone(),
        entry.patient.map(|p| p.to_string()).unwrap_or_default(),
        entry.subject.clone().unwrap_or_default(),
        entry.client_addr.clone().unwrap_or_default(),
        entry.request_id.clone().unwrap_or_default(),
        entry.detail.clone().unwrap_or_default(),
    ];
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}
