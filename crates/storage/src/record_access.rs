//! "Who viewed my record": the audit rows of staff reading or changing a patient's record,
//! as the patient sees them. Reading this list is itself audited.

use const_format::concatcp;
use std::collections::HashMap;

use domain::{PatientScope, Role};
use jiff::Timestamp;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, database::dispatch};

/// Staff accesses to a patient, newest first: the newest rows waiting to be sealed, then the
/// newest sealed ones, each part bounded; the sealed ones read on their (patient_id, ...)
/// index (on SQLite the waiting ones are few and have no index).
pub(crate) const RECORD_ACCESSES: &str = concatcp!(
    "SELECT part, n, at, actor_id, action FROM ( \
    SELECT 0 AS part, id AS n, at, actor_id, action \
    FROM audit_pending \
    WHERE patient_id = $1 AND organization_id = $2 AND actor_kind = 'staff' \
    ORDER BY id DESC LIMIT ",
    SHOWN,
    ") AS waiting \
    UNION ALL SELECT part, n, at, actor_id, action FROM ( \
    SELECT 1 AS part, seq AS n, at, actor_id, action \
    FROM audit_log \
    WHERE patient_id = $1 AND organization_id = $2 AND actor_kind = 'staff' \
    ORDER BY seq DESC LIMIT ",
    SHOWN,
    ") AS sealed \
    ORDER BY part, n DESC LIMIT ",
    SHOWN
);

/// How many accesses the page lists, newest first.
const SHOWN: i64 = 200;

/// One staff access to the patient's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAccess {
    pub at: Timestamp,
    /// The staff member's display name; `None` when the account is gone.
    pub staff_name: Option<String>,
    pub role: Option<Role>,
    /// The audit action, e.g. `patient.view`.
    pub action: String,
}

impl Database {
    /// The staff accesses to the scope's patient, newest first (at most 200). The read is
    /// audited as the patient's.
    pub async fn record_accesses(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<RecordAccess>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<(i32, i64, jiff_sqlx::Timestamp, Option<String>, String)> =
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(RECORD_ACCESSES)
                    .bind(scope.patient().as_uuid())
                    .bind(scope.organization().as_uuid())
                    .fetch_all(&mut **tx)
                    .await?
            });
        let mut staff: HashMap<Uuid, (String, String)> = HashMap::new();
        for id in rows
            .iter()
            .filter_map(|(_, _, _, actor, _)| actor.as_deref()?.parse::<Uuid>().ok())
        {
            if staff.contains_key(&id) {
                continue;
            }
            let found: Option<(String, String)> = dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(
                    "SELECT display_name, role FROM staff_accounts \
                     WHERE id = $1 AND organization_id = $2",
                )
                .bind(id)
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
            });
            if let Some(found) = found {
                staff.insert(id, found);
            }
        }
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "patient.access-log".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("who viewed my record".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(rows.len().to_string()),
        })
        .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(_, _, at, actor, action)| {
                let who = actor
                    .as_deref()
                    .and_then(|id| id.parse::<Uuid>().ok())
                    .and_then(|id| staff.get(&id));
                RecordAccess {
                    at: at.to_jiff(),
                    staff_name: who.map(|(name, _)| name.clone()),
                    role: who.and_then(|(_, role)| role.parse().ok()),
                    action,
                }
            })
            .collect())
    }
}
