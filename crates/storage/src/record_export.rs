//! The patient's record to take away (issue 14, point 5): every resource the portal holds for
//! the patient as one FHIR R4 Bundle, and the one-page summary to print. Each read takes the
//! session's patient scope and is audited as the patient's.

use const_format::concatcp;
use std::{collections::HashSet, fmt::Write as _};

use domain::PatientScope;
use futures_util::TryStreamExt;
use jiff::{SignedDuration, Timestamp, civil::Date};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database, RequestOrigin,
    database::dispatch,
    record_lists::{
        ALLERGIES, Allergy, AllergyRow, CONDITIONS, Condition, ConditionRow, IMMUNIZATIONS,
        Immunization, MEDICINES, Medicine, MedicineRow, allergy, condition, medicine,
    },
    results::{ResultRow, TestResult},
    visits::{StoredVisit, Visit, VisitRow},
};

/// The FHIR resource type of each table the bundle reads, in the order of [`BUNDLE`]'s parts.
pub const BUNDLE_TYPES: [&str; 14] = [
    "Patient",
    "Encounter",
    "Observation",
    "DiagnosticReport",
    "Condition",
    "MedicationRequest",
    "AllergyIntolerance",
    "Immunization",
    "Procedure",
    "CarePlan",
    "Goal",
    "Appointment",
    "Claim",
    "ExplanationOfBenefit",
];

/// Every stored resource of the patient, in one statement so that all of it is read as of one
/// moment (a resource and the visit it names agree), each table on its index by patient.
/// `kind` is the place of the resource's type in [`BUNDLE_TYPES`].
pub(crate) const BUNDLE: &str = "\
    SELECT 0 AS kind, id, source_id, resource FROM patients \
        WHERE id = $1 AND organization_id = $2 \
    UNION ALL SELECT 1, id, source_id, resource FROM encounters \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 2, id, source_id, resource FROM observations \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 3, id, source_id, resource FROM diagnostic_reports \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 4, id, source_id, resource FROM conditions \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 5, id, source_id, resource FROM medication_requests \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 6, id, source_id, resource FROM allergies \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 7, id, source_id, resource FROM immunizations \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 8, id, source_id, resource FROM procedures \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 9, id, source_id, resource FROM care_plans \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 10, id, source_id, resource FROM goals \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 11, id, source_id, resource FROM appointments \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 12, id, source_id, resource FROM claims \
        WHERE patient_id = $1 AND organization_id = $2 \
    UNION ALL SELECT 13, id, source_id, resource FROM explanations_of_benefit \
        WHERE patient_id = $1 AND organization_id = $2";

/// The patient's record as a FHIR R4 Bundle (`type: collection`), as JSON text.
#[derive(Debug)]
pub struct RecordBundle {
    pub json: String,
    /// How many resources of each type it holds, in the order of [`BUNDLE_TYPES`].
    pub counts: [usize; 14],
    /// Stored resources left out because their text is not a JSON object.
    pub skipped: usize,
}

/// The `fullUrl` of an entry: the resource's own id when it is a UUID (so that the
/// `urn:uuid:` references between the patient's resources still point at their entries),
/// else the id of its row.
fn full_url(source_id: &str, row: Uuid) -> String {
    let id = Uuid::parse_str(source_id).unwrap_or(row);
    format!("urn:uuid:{id}")
}

/// Whether stored text is one JSON object, checked without building it.
fn is_json_object(text: &str) -> bool {
    text.trim_start().starts_with('{') && serde_json::from_str::<&RawValue>(text).is_ok()
}

/// The patient's name and birth date as the practice has them.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryPatient {
    pub given_names: String,
    pub family_name: String,
    pub birth_date: Date,
}

/// What the printable summary shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSummary {
    pub patient: Option<SummaryPatient>,
    /// Current allergies (high-risk first).
    pub allergies: Vec<Allergy>,
    /// Medicines taken now.
    pub medicines: Vec<Medicine>,
    /// Current health problems.
    pub conditions: Vec<Condition>,
    /// Each vaccine once, with the last time it was given, newest first.
    pub vaccines: Vec<Immunization>,
    /// The latest value of each test over the 12 months up to the newest result, newest
    /// first (at most [`LATEST_TESTS`]).
    pub latest_results: Vec<TestResult>,
    /// The last visits, newest first (at most [`RECENT_VISITS`]).
    pub visits: Vec<Visit>,
}

/// How many tests the summary lists at most.
pub const LATEST_TESTS: usize = 40;
/// How many visits the summary lists.
pub const RECENT_VISITS: i64 = 5;
/// How many of the newest results are looked through for the latest value of each test.
const RESULTS_LOOKED_AT: i64 = 500;

pub(crate) const SUMMARY_PATIENT: &str = "SELECT given_names, family_name, birth_date \
    FROM patients WHERE id = $1 AND organization_id = $2";

/// The newest results (laboratory and vital signs), for the latest value of each test.
pub(crate) const NEWEST_RESULTS: &str = concatcp!(
    "SELECT id, category, code, display, \
    effective_at, value_number, value_unit, value_text, range_low, range_high, range_text, \
    interpretation \
    FROM observations \
    WHERE patient_id = $1 AND organization_id = $2 AND effective_at IS NOT NULL \
    AND category IN ('laboratory', 'vital-signs') \
    ORDER BY effective_at DESC LIMIT ",
    RESULTS_LOOKED_AT
);

/// The last visits that have begun, newest first.
pub(crate) const RECENT_VISITS_SQL: &str = concatcp!(
    "SELECT id, class_code, display, start_at, end_at, \
    resource FROM encounters \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND start_at IS NOT NULL AND start_at <= $3 \
    ORDER BY start_at DESC LIMIT ",
    RECENT_VISITS
);

/// The latest value of each test among results newest first: those within 12 months of the
/// newest, one per test (by code, else by name), at most [`LATEST_TESTS`].
fn latest_of_each(rows: Vec<ResultRow>) -> Vec<TestResult> {
    let mut seen = HashSet::new();
    let mut latest = Vec::new();
    let mut since: Option<Timestamp> = None;
    for result in rows.into_iter().map(ResultRow::into_result) {
        let Some(at) = result.at else { continue };
        let since = *since.get_or_insert_with(|| {
            at.checked_sub(SignedDuration::from_hours(366 * 24))
                .unwrap_or(Timestamp::MIN)
        });
        if at < since {
            break;
        }
        let key = result
            .code
            .clone()
            .or_else(|| result.display.clone())
            .unwrap_or_default();
        if seen.insert(key) {
            latest.push(result);
            if latest.len() == LATEST_TESTS {
                break;
            }
        }
    }
    latest
}

/// Each vaccine once (the newest time it was given), among vaccines newest first.
fn each_vaccine_once(
    rows: Vec<(Option<String>, Option<jiff_sqlx::Timestamp>)>,
) -> Vec<Immunization> {
    let mut seen = HashSet::new();
    rows.into_iter()
        .filter(|(display, _)| seen.insert(display.clone().unwrap_or_default()))
        .map(|(display, given)| Immunization {
            vaccine: display.unwrap_or_default(),
            given: given.map(|at| at.to_jiff()),
        })
        .collect()
}

fn own_read(
    scope: &PatientScope,
    origin: &RequestOrigin,
    action: &str,
    subject: &str,
    detail: String,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Patient(scope.patient()),
        action: action.to_owned(),
        patient: Some(scope.patient()),
        subject: Some(subject.to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail: Some(detail),
    }
}

impl Database {
    /// The scope's patient's whole record as a FHIR R4 Bundle of type `collection`: their
    /// Patient resource and every stored resource of theirs, each as it was imported, written
    /// straight into the output. A stored resource that is not a JSON object is left out (and
    /// its row id logged). `None` when the scope names no patient. The read is audited as the
    /// patient's ("patient.download", with the count of each type).
    pub async fn record_bundle(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<RecordBundle>> {
        let now = Timestamp::now();
        let mut json = String::with_capacity(64 * 1024);
        write!(
            json,
            "{{\"resourceType\":\"Bundle\",\"id\":\"{}\",\"meta\":{{\"lastUpdated\":\"{now}\"}},\
             \"type\":\"collection\",\"timestamp\":\"{now}\",\"entry\":[",
            Uuid::new_v4()
        )?;
        let mut counts = [0_usize; 14];
        let mut skipped = 0;
        let mut written = 0_usize;
        let mut tx = self.begin_read().await?;
        dispatch!(&mut tx.handle, |conn| {
            let mut rows = sqlx::query_as::<_, (i32, Uuid, String, String)>(BUNDLE)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch(&mut **conn);
            while let Some((kind, id, source_id, resource)) = rows.try_next().await? {
                let Some(kind) = usize::try_from(kind).ok().filter(|k| *k < counts.len()) else {
                    continue;
                };
                if !is_json_object(&resource) {
                    tracing::warn!(
                        row = %id,
                        resource_type = BUNDLE_TYPES[kind],
                        "a stored resource is not a JSON object: left out of the patient's download"
                    );
                    skipped += 1;
                    continue;
                }
                if written > 0 {
                    json.push(',');
                }
                written += 1;
                counts[kind] += 1;
                write!(
                    json,
                    "{{\"fullUrl\":\"{}\",\"resource\":",
                    full_url(&source_id, id)
                )?;
                json.push_str(resource.trim());
                json.push('}');
            }
        });
        if counts[0] == 0 {
            // No such patient in this practice: nothing was read.
            tx.commit().await?;
            return Ok(None);
        }
        json.push_str("]}");
        let mut detail = BUNDLE_TYPES
            .iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|(kind, count)| format!("{kind}={count}"))
            .collect::<Vec<_>>()
            .join(" ");
        if skipped > 0 {
            write!(detail, " skipped={skipped}")?;
        }
        tx.append_audit(&own_read(
            scope,
            origin,
            "patient.download",
            "record",
            detail,
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(RecordBundle {
            json,
            counts,
            skipped,
        }))
    }

    /// What the scope's patient's printable summary shows. The read is audited as the
    /// patient's ("patient.summary", with the count of each part).
    pub async fn record_summary(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<RecordSummary> {
        let now = Timestamp::now();
        let patient = scope.patient();
        let organization = scope.organization();
        let mut tx = self.begin_read().await?;
        let (person, allergies, medicines, conditions, vaccines, results, visits) =
            dispatch!(&mut tx.handle, |conn| {
                let person: Option<(String, String, jiff_sqlx::Date)> =
                    sqlx::query_as(SUMMARY_PATIENT)
                        .bind(patient.as_uuid())
                        .bind(organization.as_uuid())
                        .fetch_optional(&mut **conn)
                        .await?;
                let allergies: Vec<AllergyRow> = sqlx::query_as(ALLERGIES)
                    .bind(patient.as_uuid())
                    .bind(organization.as_uuid())
                    .fetch_all(&mut **conn)
                    .await?;
                let medicines: Vec<MedicineRow> = sqlx::query_as(MEDICINES)
                    .bind(patient.as_uuid())
                    .bind(organization.as_uuid())
                    .fetch_all(&mut **conn)
                    .await?;
                let conditions: Vec<ConditionRow> = sqlx::query_as(CONDITIONS)
                    .bind(patient.as_uuid())
                    .bind(organization.as_uuid())
                    .fetch_all(&mut **conn)
                    .await?;
                let vaccines: Vec<(Option<String>, Option<jiff_sqlx::Timestamp>)> =
                    sqlx::query_as(IMMUNIZATIONS)
                        .bind(patient.as_uuid())
                        .bind(organization.as_uuid())
                        .fetch_all(&mut **conn)
                        .await?;
                let results: Vec<ResultRow> = sqlx::query_as(NEWEST_RESULTS)
                    .bind(patient.as_uuid())
                    .bind(organization.as_uuid())
                    .fetch_all(&mut **conn)
                    .await?;
                let visits: Vec<VisitRow> = sqlx::query_as(RECENT_VISITS_SQL)
                    .bind(patient.as_uuid())
                    .bind(organization.as_uuid())
                    .bind(jiff_sqlx::ToSqlx::to_sqlx(now))
                    .fetch_all(&mut **conn)
                    .await?;
                (
                    person, allergies, medicines, conditions, vaccines, results, visits,
                )
            });
        let visits: Vec<StoredVisit> = visits.into_iter().map(Into::into).collect();
        let names = tx
            .directory_names(
                organization,
                visits.iter().flat_map(StoredVisit::references),
            )
            .await?;
        let summary = RecordSummary {
            patient: person.map(|(given_names, family_name, birth_date)| SummaryPatient {
                given_names,
                family_name,
                birth_date: birth_date.to_jiff(),
            }),
            allergies: allergies
                .into_iter()
                .filter_map(allergy)
                .filter(|allergy| allergy.current)
                .collect(),
            medicines: medicines
                .into_iter()
                .map(medicine)
                .filter(|medicine| medicine.active)
                .collect(),
            conditions: conditions
                .into_iter()
                .map(condition)
                .filter(|condition| condition.current)
                .collect(),
            vaccines: each_vaccine_once(vaccines),
            latest_results: latest_of_each(results),
            visits: visits.into_iter().map(|v| v.into_visit(&names)).collect(),
        };
        let detail = format!(
            "allergies={} medicines={} conditions={} vaccines={} results={} visits={}",
            summary.allergies.len(),
            summary.medicines.len(),
            summary.conditions.len(),
            summary.vaccines.len(),
            summary.latest_results.len(),
            summary.visits.len()
        );
        tx.append_audit(&own_read(
            scope,
            origin,
            "patient.summary",
            "summary",
            detail,
        ))
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_urls_keep_uuid_ids_and_fall_back_to_the_row() {
        let row = Uuid::new_v4();
        assert_eq!(
            full_url("6d2eba67-5b4a-403f-a29f-e6da3f1ea963", row),
            "urn:uuid:6d2eba67-5b4a-403f-a29f-e6da3f1ea963"
        );
        assert_eq!(full_url("pat-1", row), format!("urn:uuid:{row}"));
    }

    #[test]
    fn only_json_objects_go_into_the_bundle() {
        assert!(is_json_object(" {\"resourceType\": \"Patient\"}"));
        assert!(!is_json_object("{\"resourceType\": "));
        assert!(!is_json_object("[1, 2]"));
        assert!(!is_json_object("not json"));
    }
}
