//! What `porchlight demo` shows the person trying it: patients of the demo practice who can
//! be invited now.

use domain::OrganizationId;
use jiff::civil::Date;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;

use crate::{AuditActor, AuditEntry, Database, database::dispatch};

/// A patient to try the portal as.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientToTry {
    pub given_names: String,
    pub family_name: String,
    pub birth_date: Date,
    pub email: Option<String>,
    /// BCP 47 tag of the chart's preferred language (`es`, ...).
    pub language: Option<String>,
}

#[derive(FromRow)]
struct Row {
    given_names: String,
    family_name: String,
    birth_date: jiff_sqlx::Date,
    email: Option<String>,
    language: Option<String>,
}

impl Database {
    /// Up to `limit` living patients of `organization` born on or before `born_by` who have
    /// neither a portal account nor an invitation, by MRN. Audited as a read by the demo.
    pub async fn patients_to_try(
        &self,
        organization: OrganizationId,
        born_by: Date,
        limit: i64,
    ) -> anyhow::Result<Vec<PatientToTry>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<Row> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT p.given_names, p.family_name, p.birth_date, p.email, p.language \
                 FROM patients p \
                 WHERE p.organization_id = $1 AND NOT p.deceased AND p.birth_date <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM patient_accounts a WHERE a.patient_id = p.id) \
                 AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.patient_id = p.id) \
                 ORDER BY p.mrn LIMIT $3",
            )
            .bind(organization.as_uuid())
            .bind(born_by.to_sqlx())
            .bind(limit)
            .fetch_all(&mut **tx)
            .await?
        });
        tx.append_audit(&AuditEntry {
            organization: Some(organization),
            actor: AuditActor::System("demo".to_owned()),
            action: "patient.search".to_owned(),
            patient: None,
            subject: Some("patients to try".to_owned()),
            client_addr: None,
            request_id: None,
            detail: Some(format!("{} results", rows.len())),
        })
        .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|row| PatientToTry {
                given_names: row.given_names,
                family_name: row.family_name,
                birth_date: row.birth_date.to_jiff(),
                email: row.email,
                language: row.language,
            })
            .collect())
    }
}
