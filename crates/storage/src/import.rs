//! Writes of records read from the EHR. Each record is matched by its id in the source system
//! (patients also by MRN), so importing the same data twice changes nothing.

use domain::{
    OrganizationId, PatientChart, PatientId,
    clinical::{ClinicalRecord, Coded},
};
use sqlx::{AssertSqlSafe, FromRow};
use uuid::Uuid;

use crate::{
    Tx,
    database::dispatch,
    params::{Param, bind_all},
};

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

/// Identifies one stored record by its source: the organization, the source system's id and a
/// hash of the source content (to tell an update from a repeat).
pub struct RecordId<'a> {
    pub organization: OrganizationId,
    pub source_id: &'a str,
    pub source_hash: &'a str,
    /// The full FHIR resource, kept for export.
    pub resource: &'a str,
}

/// How many of a report's results one statement links (two parameters each).
const REPORT_RESULTS_PER_STATEMENT: usize = 200;

#[derive(FromRow)]
struct Existing {
    id: Uuid,
    source_hash: String,
}

impl Tx {
    /// Inserts or updates a patient's chart, matched by MRN within the organization when the
    /// chart has one, otherwise by source id.
    pub async fn upsert_patient(
        &mut self,
        record: &RecordId<'_>,
        chart: &PatientChart,
    ) -> anyhow::Result<(PatientId, Outcome)> {
        let org = record.organization.as_uuid();
        let mrn = chart.mrn.as_ref().map(|m| m.as_str().to_owned());
        let existing: Option<Existing> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_as(
                "SELECT id, source_hash FROM patients WHERE organization_id = $1 \
                 AND (source_id = $2 OR mrn = $3) ORDER BY (source_id = $2) DESC LIMIT 1",
            )
            .bind(org)
            .bind(record.source_id)
            .bind(&mrn)
            .fetch_optional(&mut **tx)
            .await?
        });
        let columns = patient_columns(record, chart);
        let (id, outcome) = self.write("patients", existing, record, columns).await?;
        Ok((PatientId::from_uuid(id), outcome))
    }

    /// Inserts or updates one clinical or billing record on a patient's chart.
    pub async fn upsert_clinical(
        &mut self,
        record: &RecordId<'_>,
        patient: PatientId,
        encounter: Option<Uuid>,
        clinical: &ClinicalRecord,
    ) -> anyhow::Result<(Uuid, Outcome)> {
        let table = table_of(clinical);
        let sql = format!(
            "SELECT id, source_hash FROM {table} WHERE organization_id = $1 AND source_id = $2"
        );
        let existing: Option<Existing> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(record.organization.as_uuid())
                .bind(record.source_id)
                .fetch_optional(&mut **tx)
                .await?
        });
        let mut columns = vec![("patient_id", Param::Uuid(patient.as_uuid()))];
        if !matches!(clinical, ClinicalRecord::Encounter(_)) {
            columns.push(("encounter_id", Param::OptUuid(encounter)));
        }
        columns.extend(clinical_columns(clinical));
        self.write(table, existing, record, columns).await
    }

    /// Keeps which results a report lists (their ids in the source system, in the report's
    /// order) in place of what it listed before, with the report's name `display` (as its
    /// row has it: the results list reads it beside each link). A result already listed under another report stays
    /// there: each result is shown under one report, the first to name it.
    pub async fn link_report_results(
        &mut self,
        organization: OrganizationId,
        patient: PatientId,
        report: Uuid,
        display: Option<&str>,
        results: &[String],
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query("DELETE FROM report_results WHERE report_id = $1")
                .bind(report)
                .execute(&mut **tx)
                .await?;
        });
        // Ids repeated in one report: the first place counts.
        let mut seen = std::collections::HashSet::new();
        let listed: Vec<(i64, &String)> = (0_i64..)
            .zip(results)
            .filter(|(_, id)| seen.insert(id.as_str()))
            .collect();
        for chunk in listed.chunks(REPORT_RESULTS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let at = i * 2 + 5;
                    format!("($1, $2, $3, $4, ${at}, ${})", at + 1)
                })
                .collect();
            let sql = format!(
                "INSERT INTO report_results \
                 (report_id, organization_id, patient_id, report_display, result_source_id, place) \
                 VALUES {} ON CONFLICT DO NOTHING",
                rows.join(", ")
            );
            let params = [
                Param::Uuid(report),
                Param::Uuid(organization.as_uuid()),
                Param::Uuid(patient.as_uuid()),
                Param::Text(display.map(str::to_owned)),
            ]
            .into_iter()
            .chain(
                chunk
                    .iter()
                    .flat_map(|(place, id)| [Param::text(id), Param::Int(Some(*place))]),
            );
            dispatch!(&mut self.handle, |tx| {
                bind_all!(sqlx::query(AssertSqlSafe(sql.as_str())), params)
                    .execute(&mut **tx)
                    .await?;
            });
        }
        Ok(())
    }

    /// The stored id of a record of `fhir_type` known by `source_id` in the source system.
    pub async fn find_by_source(
        &mut self,
        organization: OrganizationId,
        fhir_type: &str,
        source_id: &str,
    ) -> anyhow::Result<Option<Uuid>> {
        let Some(table) = table_of_fhir_type(fhir_type) else {
            return Ok(None);
        };
        let sql = format!("SELECT id FROM {table} WHERE organization_id = $1 AND source_id = $2");
        let id: Option<(Uuid,)> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(organization.as_uuid())
                .bind(source_id)
                .fetch_optional(&mut **tx)
                .await?
        });
        Ok(id.map(|(id,)| id))
    }

    async fn write(
        &mut self,
        table: &str,
        existing: Option<Existing>,
        record: &RecordId<'_>,
        mut columns: Vec<(&'static str, Param)>,
    ) -> anyhow::Result<(Uuid, Outcome)> {
        let now = Param::time(Some(jiff::Timestamp::now()));
        columns.push(("source_id", Param::text(record.source_id)));
        columns.push(("source_hash", Param::text(record.source_hash)));
        columns.push(("resource", Param::text(record.resource)));
        match existing {
            Some(row) if row.source_hash == record.source_hash => Ok((row.id, Outcome::Unchanged)),
            Some(row) => {
                if table == "patients" {
                    columns.push(("updated_at", now));
                }
                let assignments: Vec<String> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _))| format!("{name} = ${}", i + 1))
                    .collect();
                let sql = format!(
                    "UPDATE {table} SET {} WHERE id = ${}",
                    assignments.join(", "),
                    columns.len() + 1
                );
                let params = columns
                    .into_iter()
                    .map(|(_, p)| p)
                    .chain([Param::Uuid(row.id)]);
                dispatch!(&mut self.handle, |tx| {
                    bind_all!(sqlx::query(AssertSqlSafe(sql.as_str())), params)
                        .execute(&mut **tx)
                        .await?;
                });
                Ok((row.id, Outcome::Updated))
            }
            None => {
                let id = Uuid::now_v7();
                columns.insert(0, ("id", Param::Uuid(id)));
                columns.insert(
                    1,
                    (
                        "organization_id",
                        Param::Uuid(record.organization.as_uuid()),
                    ),
                );
                if table == "patients" {
                    columns.push(("created_at", now.clone()));
                    columns.push(("updated_at", now));
                } else {
                    columns.push(("imported_at", now));
                }
                let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
                let placeholders: Vec<String> =
                    (1..=columns.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names.join(", "),
                    placeholders.join(", ")
                );
                let params = columns.into_iter().map(|(_, p)| p);
                dispatch!(&mut self.handle, |tx| {
                    bind_all!(sqlx::query(AssertSqlSafe(sql.as_str())), params)
                        .execute(&mut **tx)
                        .await?;
                });
                Ok((id, Outcome::Inserted))
            }
        }
    }
}

fn patient_columns(_record: &RecordId<'_>, chart: &PatientChart) -> Vec<(&'static str, Param)> {
    vec![
        (
            "mrn",
            Param::Text(chart.mrn.as_ref().map(|m| m.as_str().to_owned())),
        ),
        ("given_names", Param::text(&chart.name.given().join(" "))),
        ("family_name", Param::text(chart.name.family())),
        (
            "search_key",
            Param::text(&crate::patients::search_key(
                &chart.name.given().join(" "),
                chart.name.family(),
            )),
        ),
        (
            "birth_date",
            Param::Date(jiff_sqlx::ToSqlx::to_sqlx(chart.birth_date)),
        ),
        ("sex", Param::text(chart.sex.as_str())),
        ("deceased", Param::Bool(chart.deceased)),
        ("deceased_at", Param::time(chart.deceased_at)),
        ("ssn_last4_hash", Param::opt_text(&chart.ssn_last4_hash)),
        ("email", Param::opt_text(&chart.email)),
        ("phone", Param::opt_text(&chart.phone)),
        ("address_line", Param::opt_text(&chart.address.line)),
        ("city", Param::opt_text(&chart.address.city)),
        ("state", Param::opt_text(&chart.address.state)),
        ("postal_code", Param::opt_text(&chart.address.postal_code)),
        ("country", Param::opt_text(&chart.address.country)),
        ("language", Param::opt_text(&chart.language)),
    ]
}

fn coded(prefix_system: &'static str, coded: &Coded) -> [(&'static str, Param); 3] {
    [
        (prefix_system, Param::opt_text(&coded.system)),
        ("code", Param::opt_text(&coded.code)),
        ("display", Param::opt_text(&coded.display)),
    ]
}

fn clinical_columns(record: &ClinicalRecord) -> Vec<(&'static str, Param)> {
    use ClinicalRecord as R;
    let mut columns = Vec::with_capacity(14);
    match record {
        R::Encounter(e) => {
            columns.push(("status", Param::text(&e.status)));
            columns.push(("class_code", Param::opt_text(&e.class_code)));
            columns.extend(coded("code_system", &e.kind));
            columns.push(("start_at", Param::time(e.start)));
            columns.push(("end_at", Param::time(e.end)));
        }
        R::Observation(o) => {
            columns.push(("status", Param::text(&o.status)));
            columns.push(("category", Param::opt_text(&o.category)));
            columns.extend(coded("code_system", &o.code));
            columns.push(("effective_at", Param::time(o.effective)));
            columns.push(("value_number", Param::Real(o.value)));
            columns.push(("value_unit", Param::opt_text(&o.unit)));
            columns.push(("value_text", Param::opt_text(&o.value_text)));
            columns.push(("range_low", Param::Real(o.range.low)));
            columns.push(("range_high", Param::Real(o.range.high)));
            columns.push(("range_text", Param::opt_text(&o.range.text)));
            columns.push(("interpretation", Param::opt_text(&o.interpretation)));
        }
        R::DiagnosticReport(d) => {
            columns.push(("status", Param::text(&d.status)));
            columns.push(("category", Param::opt_text(&d.category)));
            columns.extend(coded("code_system", &d.code));
            columns.push(("effective_at", Param::time(d.effective)));
            columns.push(("issued_at", Param::time(d.issued)));
        }
        R::Condition(c) => {
            columns.push(("clinical_status", Param::opt_text(&c.clinical_status)));
            columns.push((
                "verification_status",
                Param::opt_text(&c.verification_status),
            ));
            columns.extend(coded("code_system", &c.code));
            columns.push(("onset_at", Param::time(c.onset)));
            columns.push(("abatement_at", Param::time(c.abatement)));
        }
        R::MedicationRequest(m) => {
            columns.push(("status", Param::text(&m.status)));
            columns.extend(coded("code_system", &m.medication));
            columns.push(("dosage", Param::opt_text(&m.dosage)));
            columns.push(("authored_at", Param::time(m.authored)));
        }
        R::Allergy(a) => {
            columns.push(("clinical_status", Param::opt_text(&a.clinical_status)));
            columns.push(("criticality", Param::opt_text(&a.criticality)));
            columns.push(("category", Param::opt_text(&a.category)));
            columns.extend(coded("code_system", &a.code));
            columns.push(("reaction", Param::opt_text(&a.reaction)));
            columns.push(("recorded_at", Param::time(a.recorded)));
        }
        R::Immunization(i) => {
            columns.push(("status", Param::text(&i.status)));
            columns.extend(coded("code_system", &i.vaccine));
            columns.push(("occurred_at", Param::time(i.occurred)));
        }
        R::Procedure(p) => {
            columns.push(("status", Param::text(&p.status)));
            columns.extend(coded("code_system", &p.code));
            columns.push(("start_at", Param::time(p.start)));
            columns.push(("end_at", Param::time(p.end)));
        }
        R::CarePlan(c) => {
            columns.push(("status", Param::text(&c.status)));
            columns.extend(coded("code_system", &c.category));
            columns.push(("start_at", Param::time(c.start)));
            columns.push(("end_at", Param::time(c.end)));
        }
        R::Goal(g) => {
            columns.push(("lifecycle_status", Param::text(&g.lifecycle_status)));
            columns.push(("description", Param::opt_text(&g.description)));
        }
        R::Appointment(a) => {
            columns.push(("status", Param::text(&a.status)));
            columns.push(("description", Param::opt_text(&a.description)));
            columns.push(("start_at", Param::time(a.start)));
            columns.push(("end_at", Param::time(a.end)));
            columns.push(("practitioner", Param::opt_text(&a.practitioner)));
        }
        R::Claim(c) => {
            columns.push(("status", Param::text(&c.status)));
            columns.push(("claim_type", Param::opt_text(&c.claim_type)));
            columns.push(("created_at", Param::time(c.created)));
            columns.push(("total_cents", Param::Int(c.total_cents)));
            columns.push(("currency", Param::opt_text(&c.currency)));
        }
        R::ExplanationOfBenefit(e) => {
            columns.push(("status", Param::text(&e.status)));
            columns.push(("claim_source_id", Param::opt_text(&e.claim_source_id)));
            columns.push(("created_at", Param::time(e.created)));
            columns.push(("submitted_cents", Param::Int(e.submitted_cents)));
            columns.push(("payment_cents", Param::Int(e.payment_cents)));
            columns.push(("patient_owes_cents", Param::Int(e.patient_owes_cents)));
        }
    }
    columns
}

fn table_of(record: &ClinicalRecord) -> &'static str {
    table_of_fhir_type(record.fhir_type()).expect("every clinical record has a table")
}

/// The table that stores records read from FHIR resources of this type.
pub(crate) fn table_of_fhir_type(fhir_type: &str) -> Option<&'static str> {
    Some(match fhir_type {
        "Patient" => "patients",
        "Encounter" => "encounters",
        "Observation" => "observations",
        "DiagnosticReport" => "diagnostic_reports",
        "Condition" => "conditions",
        "MedicationRequest" => "medication_requests",
        "AllergyIntolerance" => "allergies",
        "Immunization" => "immunizations",
        "Procedure" => "procedures",
        "CarePlan" => "care_plans",
        "Goal" => "goals",
        "Appointment" => "appointments",
        "Claim" => "claims",
        "ExplanationOfBenefit" => "explanations_of_benefit",
        _ => return None,
    })
}

impl crate::Database {
    /// How many records of a FHIR type the organization holds (all organizations when `None`).
    pub async fn count_records(
        &self,
        organization: Option<OrganizationId>,
        fhir_type: &str,
    ) -> anyhow::Result<i64> {
        let table = table_of_fhir_type(fhir_type)
            .ok_or_else(|| anyhow::anyhow!("no table stores {fhir_type} resources"))?;
        let sql =
            format!("SELECT COUNT(*) FROM {table} WHERE ($1 IS NULL OR organization_id = $1)");
        let org = organization.map(|o| o.as_uuid());
        let (count,): (i64,) = dispatch!(&self.handle, |pool| sqlx::query_as(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(org)
        .fetch_one(pool)
        .await?);
        Ok(count)
    }
}
