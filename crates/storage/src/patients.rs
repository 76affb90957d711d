//! Reading patients' charts. Every function takes the reader's scope and writes an audit row
//! in the same transaction: a read of PHI that is not audited cannot be written by mistake.

use domain::{PatientId, StaffScope};
use jiff::civil::Date;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, database::dispatch};

/// How staff look a patient up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientQuery {
    Mrn(String),
    BirthDate(Date),
    /// The family name's beginning, and optionally the given name's beginning.
    Name {
        family: String,
        given: Option<String>,
    },
}

/// A patient in a list of search results.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientSummary {
    pub id: PatientId,
    pub mrn: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: Date,
    pub deceased: bool,
    pub email: Option<String>,
}

#[derive(FromRow)]
struct SummaryRow {
    id: Uuid,
    mrn: Option<String>,
    given_names: String,
    family_name: String,
    birth_date: jiff_sqlx::Date,
    deceased: bool,
    email: Option<String>,
}

impl SummaryRow {
    fn into_summary(self) -> PatientSummary {
        PatientSummary {
            id: PatientId::from_uuid(self.id),
            mrn: self.mrn,
            given_names: self.given_names,
            family_name: self.family_name,
            birth_date: self.birth_date.to_jiff(),
            deceased: self.deceased,
            email: self.email,
        }
    }
}

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestOrigin {
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
}

const SEARCH_LIMIT: i64 = 50;

impl Database {
    /// Patients of the scope's organization matching `query`, at most 50, by name.
    pub async fn search_patients(
        &self,
        scope: &StaffScope,
        query: &PatientQuery,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<PatientSummary>> {
        let columns = "id, mrn, given_names, family_name, birth_date, deceased, email";
        let order = "ORDER BY family_name, given_names, birth_date LIMIT $3";
        let org = scope.organization().as_uuid();
        let mut tx = self.begin().await?;
        let rows: Vec<SummaryRow> = match query {
            PatientQuery::Mrn(mrn) => {
                let sql = format!(
                    "SELECT {columns} FROM patients WHERE organization_id = $1 AND lower(mrn) = lower($2) {order}"
                );
                dispatch!(&mut tx.handle, |tx| {
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(org)
                        .bind(mrn.trim())
                        .bind(SEARCH_LIMIT)
                        .fetch_all(&mut **tx)
                        .await?
                })
            }
            PatientQuery::BirthDate(date) => {
                let sql = format!(
                    "SELECT {columns} FROM patients WHERE organization_id = $1 AND birth_date = $2 {order}"
                );
                dispatch!(&mut tx.handle, |tx| {
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(org)
                        .bind(jiff_sqlx::ToSqlx::to_sqlx(*date))
                        .bind(SEARCH_LIMIT)
                        .fetch_all(&mut **tx)
                        .await?
                })
            }
            PatientQuery::Name { family, given } => {
                let sql = format!(
                    "SELECT {columns} FROM patients WHERE organization_id = $1 \
                     AND lower(family_name) LIKE $2 AND lower(given_names) LIKE $4 {order}"
                );
                let family = format!("{}%", escape_like(&family.to_lowercase()));
                let given = format!(
                    "{}%",
                    escape_like(&given.as_deref().unwrap_or("").to_lowercase())
                );
                dispatch!(&mut tx.handle, |tx| {
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(org)
                        .bind(&family)
                        .bind(SEARCH_LIMIT)
                        .bind(&given)
                        .fetch_all(&mut **tx)
                        .await?
                })
            }
        };
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "patient.search".to_owned(),
            patient: None,
            subject: Some(
                match query {
                    PatientQuery::Mrn(_) => "by MRN",
                    PatientQuery::BirthDate(_) => "by birth date",
                    PatientQuery::Name { .. } => "by name",
                }
                .to_owned(),
            ),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!("{} results", rows.len())),
        })
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(SummaryRow::into_summary).collect())
    }

    /// One patient of the scope's organization, for the staff's patient page; audited.
    pub async fn patient_summary(
        &self,
        scope: &StaffScope,
        patient: PatientId,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<PatientSummary>> {
        let mut tx = self.begin().await?;
        let row: Option<SummaryRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT id, mrn, given_names, family_name, birth_date, deceased, email                  FROM patients WHERE id = $1 AND organization_id = $2",
            )
            .bind(patient.as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        if row.is_some() {
            tx.append_audit(&AuditEntry {
                organization: Some(scope.organization()),
                actor: AuditActor::Staff(scope.staff()),
                action: "patient.view".to_owned(),
                patient: Some(patient),
                subject: Some("demographics".to_owned()),
                client_addr: origin.client_addr.clone(),
                request_id: origin.request_id.clone(),
                detail: None,
            })
            .await?;
            tx.watch_staff_access(scope, jiff::Timestamp::now()).await?;
        }
        tx.commit().await?;
        Ok(row.map(SummaryRow::into_summary))
    }

    /// How many audit rows name `action` (for tests and the security page).
    pub async fn count_audit(&self, action: &str) -> anyhow::Result<i64> {
        let (count,): (i64,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }
}

/// Drops LIKE's wildcards from typed text: names never contain them, and a typed `%` must not
/// turn a look-up into a listing of every patient.
fn escape_like(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect()
}
