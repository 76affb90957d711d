//! The patient's visits (issue 14): upcoming appointments, past visits (encounters) a page at
//! a time, and one visit with what was recorded at it. Each read takes the session's patient
//! scope and is audited as the patient's. Fields without a column (the reason, the provider,
//! the place) are read from the stored resource of the rows shown, tolerantly: a missing or
//! odd member is just absent.

use const_format::concatcp;
use domain::PatientScope;
use jiff::Timestamp;
use serde_json::Value;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database, ReadTx, RequestOrigin, TestResult,
    database::dispatch,
    directory::{self, Names},
    results::ResultRow,
};

/// The patient's appointments still to come, soonest first: booked or about to be, not
/// cancelled.
pub(crate) const UPCOMING: &str = concatcp!(
    "SELECT description, start_at, end_at, practitioner, resource \
    FROM appointments \
    WHERE patient_id = $1 AND organization_id = $2 AND start_at >= $3 \
    AND status IN ('proposed', 'pending', 'booked', 'arrived', 'checked-in', 'waitlist') \
    ORDER BY start_at, id LIMIT ",
    SHOWN
);

/// One page of the patient's past visits, newest first (undated ones last); one row more than
/// a page tells whether there is an older page.
pub(crate) const VISITS_PAGE: &str = concatcp!(
    "SELECT id, class_code, display, start_at, end_at, resource \
    FROM encounters \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND status NOT IN ('planned', 'cancelled', 'entered-in-error') \
    ORDER BY start_at IS NULL, start_at DESC, id DESC LIMIT ",
    VISITS_PER_PAGE + 1,
    " OFFSET $3"
);

/// One of the patient's visits, by id.
pub(crate) const VISIT_BY_ID: &str = "SELECT id, class_code, display, start_at, end_at, resource \
    FROM encounters \
    WHERE id = $1 AND patient_id = $2 AND organization_id = $3 \
    AND status NOT IN ('planned', 'cancelled', 'entered-in-error')";

/// The health problems found at a visit.
pub(crate) const VISIT_CONDITIONS: &str = concatcp!(
    "SELECT display FROM conditions \
    WHERE patient_id = $1 AND encounter_id = $2 AND organization_id = $3 \
    AND (verification_status IS NULL \
         OR verification_status NOT IN ('entered-in-error', 'refuted')) \
    ORDER BY display LIMIT ",
    SHOWN
);

/// The test results of a visit, in the order they were taken.
pub(crate) const VISIT_RESULTS: &str = concatcp!(
    "SELECT id, category, code, display, effective_at, \
    value_number, value_unit, value_text, range_low, range_high, range_text, interpretation \
    FROM observations \
    WHERE patient_id = $1 AND encounter_id = $2 AND organization_id = $3 \
    AND category IN ('laboratory', 'vital-signs') \
    ORDER BY effective_at, display, id LIMIT ",
    SHOWN
);

/// The medicines prescribed at a visit.
pub(crate) const VISIT_MEDICINES: &str = concatcp!(
    "SELECT display FROM medication_requests \
    WHERE patient_id = $1 AND encounter_id = $2 AND organization_id = $3 \
    AND status <> 'entered-in-error' \
    ORDER BY display LIMIT ",
    SHOWN
);

/// The vaccines given at a visit.
pub(crate) const VISIT_VACCINES: &str = concatcp!(
    "SELECT display FROM immunizations \
    WHERE patient_id = $1 AND encounter_id = $2 AND organization_id = $3 \
    AND status NOT IN ('not-done', 'entered-in-error') \
    ORDER BY display LIMIT ",
    SHOWN
);

/// The procedures done at a visit.
pub(crate) const VISIT_PROCEDURES: &str = concatcp!(
    "SELECT display FROM procedures \
    WHERE patient_id = $1 AND encounter_id = $2 AND organization_id = $3 \
    AND status NOT IN ('not-done', 'entered-in-error') \
    ORDER BY display LIMIT ",
    SHOWN
);

/// How many past visits a page lists.
pub const VISITS_PER_PAGE: i64 = 20;

/// How many upcoming appointments, and entries of one visit's lists, are shown at most.
const SHOWN: i64 = 200;

/// An appointment to come.
#[derive(Debug, Clone, PartialEq)]
pub struct Appointment {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    /// What it is for, in the practice's words.
    pub description: Option<String>,
    /// Who the patient will see.
    pub practitioner: Option<String>,
    /// Where, when the appointment names the place.
    pub location: Option<String>,
}

/// A past visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub id: Uuid,
    /// The encounter's class: `AMB`, `EMER`, `IMP`, `ambulatory`, `wellness`, ...
    pub class_code: Option<String>,
    /// The visit's type, as the record names it.
    pub display: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub reason: Option<String>,
    /// Who the patient saw.
    pub provider: Option<String>,
    /// Where.
    pub location: Option<String>,
}

/// Upcoming appointments (on the first page) and one page of past visits.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitsPage {
    pub upcoming: Vec<Appointment>,
    pub past: Vec<Visit>,
    /// Whether an older page follows.
    pub more: bool,
}

/// One visit with what was recorded at it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitDetail {
    pub visit: Visit,
    /// Health problems found.
    pub problems: Vec<String>,
    pub results: Vec<TestResult>,
    /// Medicines prescribed.
    pub medicines: Vec<String>,
    /// Vaccines given.
    pub vaccines: Vec<String>,
    /// Procedures done.
    pub procedures: Vec<String>,
}

/// A non-empty text, trimmed.
fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A CodeableConcept's words: its text, else its first coding's display.
fn concept(value: &Value) -> Option<String> {
    text(&value["text"]).or_else(|| {
        value["coding"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|coding| text(&coding["display"]))
    })
}

/// The members of an array, or none when it is absent or not an array.
fn each(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

#[derive(FromRow)]
pub(crate) struct VisitRow {
    id: Uuid,
    class_code: Option<String>,
    display: Option<String>,
    start_at: Option<jiff_sqlx::Timestamp>,
    end_at: Option<jiff_sqlx::Timestamp>,
    resource: String,
}

/// A visit as stored, its resource read: it names who and where by display, or by a
/// reference to the practice's directory.
pub(crate) struct StoredVisit {
    row: VisitRow,
    json: Value,
}

impl From<VisitRow> for StoredVisit {
    fn from(row: VisitRow) -> Self {
        let json = serde_json::from_str(&row.resource).unwrap_or(Value::Null);
        Self { row, json }
    }
}

/// The name a reference stands for in the practice's directory.
fn named(reference: &Value, names: &Names) -> Option<String> {
    let id = directory::source_id(reference.as_str()?)?;
    names.get(id).cloned()
}

impl StoredVisit {
    /// The references that name who and where, to look up in the directory.
    pub(crate) fn references(&self) -> impl Iterator<Item = &str> {
        let json = &self.json;
        each(&json["participant"])
            .filter_map(|p| p["individual"]["reference"].as_str())
            .chain(each(&json["location"]).filter_map(|l| l["location"]["reference"].as_str()))
            .chain(json["serviceProvider"]["reference"].as_str())
    }

    pub(crate) fn into_visit(self, names: &Names) -> Visit {
        let Self { row, json } = self;
        let reason = each(&json["reasonCode"])
            .find_map(concept)
            .or_else(|| each(&json["reasonReference"]).find_map(|r| text(&r["display"])));
        let who_or_where = |reference: &Value| {
            text(&reference["display"]).or_else(|| named(&reference["reference"], names))
        };
        let provider = each(&json["participant"]).find_map(|p| who_or_where(&p["individual"]));
        let location = each(&json["location"])
            .find_map(|l| who_or_where(&l["location"]))
            .or_else(|| who_or_where(&json["serviceProvider"]));
        Visit {
            id: row.id,
            class_code: row.class_code.filter(|c| !c.trim().is_empty()),
            display: row
                .display
                .filter(|d| !d.trim().is_empty())
                .or_else(|| each(&json["type"]).find_map(concept)),
            start: row.start_at.map(|at| at.to_jiff()),
            end: row.end_at.map(|at| at.to_jiff()),
            reason,
            provider,
            location,
        }
    }
}

#[derive(FromRow)]
struct AppointmentRow {
    description: Option<String>,
    start_at: Option<jiff_sqlx::Timestamp>,
    end_at: Option<jiff_sqlx::Timestamp>,
    practitioner: Option<String>,
    resource: String,
}

/// An appointment as stored, its resource read.
struct StoredAppointment {
    row: AppointmentRow,
    json: Value,
}

impl From<AppointmentRow> for StoredAppointment {
    fn from(row: AppointmentRow) -> Self {
        let json = serde_json::from_str(&row.resource).unwrap_or(Value::Null);
        Self { row, json }
    }
}

impl StoredAppointment {
    /// Its participants of a type (`Practitioner`, `Location`).
    fn actors<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> {
        each(&self.json["participant"])
            .map(|p| &p["actor"])
            .filter(move |actor| {
                actor["reference"]
                    .as_str()
                    .is_some_and(|r| r.contains(kind))
            })
    }

    /// The references that name who and where, to look up in the directory.
    fn references(&self) -> impl Iterator<Item = &str> {
        self.actors("Practitioner")
            .chain(self.actors("Location"))
            .filter_map(|actor| actor["reference"].as_str())
    }

    fn into_appointment(self, names: &Names) -> Option<Appointment> {
        let who_or_where =
            |actor: &Value| text(&actor["display"]).or_else(|| named(&actor["reference"], names));
        let location = self.actors("Location").find_map(who_or_where);
        let practitioner = self
            .row
            .practitioner
            .clone()
            .filter(|p| !p.trim().is_empty())
            .or_else(|| self.actors("Practitioner").find_map(who_or_where));
        let row = self.row;
        Some(Appointment {
            start: row.start_at?.to_jiff(),
            end: row.end_at.map(|at| at.to_jiff()),
            description: row.description.filter(|d| !d.trim().is_empty()),
            practitioner,
            location,
        })
    }
}

/// The audit row of the patient reading part of their record.
pub(crate) fn own_read(
    scope: &PatientScope,
    origin: &RequestOrigin,
    action: &str,
    subject: String,
    detail: String,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Patient(scope.patient()),
        action: action.to_owned(),
        patient: Some(scope.patient()),
        subject: Some(subject),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail: Some(detail),
    }
}

/// The names (displays) a visit's list query finds.
async fn names(
    tx: &mut ReadTx,
    sql: &'static str,
    scope: &PatientScope,
    visit: Uuid,
) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(Option<String>,)> = dispatch!(&mut tx.handle, |tx| {
        sqlx::query_as(sql)
            .bind(scope.patient().as_uuid())
            .bind(visit)
            .bind(scope.organization().as_uuid())
            .fetch_all(&mut **tx)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|(name,)| name.unwrap_or_default())
        .collect())
}

impl Database {
    /// Page `page` (from 0) of the scope's patient's past visits, newest first, with their
    /// appointments to come (after `now`, soonest first) on the first page. Audited.
    pub async fn visits(
        &self,
        scope: &PatientScope,
        page: u32,
        now: Timestamp,
        origin: &RequestOrigin,
    ) -> anyhow::Result<VisitsPage> {
        let mut tx = self.begin_read().await?;
        let upcoming: Vec<AppointmentRow> = if page == 0 {
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(UPCOMING)
                    .bind(scope.patient().as_uuid())
                    .bind(scope.organization().as_uuid())
                    .bind(jiff_sqlx::ToSqlx::to_sqlx(now))
                    .fetch_all(&mut **tx)
                    .await?
            })
        } else {
            Vec::new()
        };
        let mut past: Vec<VisitRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(VISITS_PAGE)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .bind(i64::from(page) * VISITS_PER_PAGE)
                .fetch_all(&mut **tx)
                .await?
        });
        let more = past.len() as i64 > VISITS_PER_PAGE;
        past.truncate(VISITS_PER_PAGE as usize);
        let upcoming: Vec<StoredAppointment> = upcoming.into_iter().map(Into::into).collect();
        let past: Vec<StoredVisit> = past.into_iter().map(Into::into).collect();
        let references = upcoming
            .iter()
            .flat_map(StoredAppointment::references)
            .chain(past.iter().flat_map(StoredVisit::references));
        let names = tx.directory_names(scope.organization(), references).await?;
        tx.append_audit(&own_read(
            scope,
            origin,
            "patient.visits",
            "visits".to_owned(),
            format!(
                "page {page}: {} past, {} upcoming",
                past.len(),
                upcoming.len()
            ),
        ))
        .await?;
        tx.commit().await?;
        Ok(VisitsPage {
            upcoming: upcoming
                .into_iter()
                .filter_map(|a| a.into_appointment(&names))
                .collect(),
            past: past.into_iter().map(|v| v.into_visit(&names)).collect(),
            more,
        })
    }

    /// One of the scope's patient's past visits with what was recorded at it; `None` when the
    /// patient has no such visit (another patient's is no different). Audited.
    pub async fn visit(
        &self,
        scope: &PatientScope,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<VisitDetail>> {
        let mut tx = self.begin_read().await?;
        let found: Option<VisitRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(VISIT_BY_ID)
                .bind(id)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some(found) = found else {
            // Nothing was read: the connection goes back to the readers.
            tx.commit().await?;
            return Ok(None);
        };
        let found = StoredVisit::from(found);
        let who_and_where = tx
            .directory_names(scope.organization(), found.references())
            .await?;
        let results: Vec<ResultRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(VISIT_RESULTS)
                .bind(scope.patient().as_uuid())
                .bind(id)
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?
        });
        let problems = names(&mut tx, VISIT_CONDITIONS, scope, id).await?;
        let medicines = names(&mut tx, VISIT_MEDICINES, scope, id).await?;
        let vaccines = names(&mut tx, VISIT_VACCINES, scope, id).await?;
        let procedures = names(&mut tx, VISIT_PROCEDURES, scope, id).await?;
        tx.append_audit(&own_read(
            scope,
            origin,
            "patient.visit",
            format!("encounter {id}"),
            format!(
                "{} problems, {} results, {} medicines, {} vaccines, {} procedures",
                problems.len(),
                results.len(),
                medicines.len(),
                vaccines.len(),
                procedures.len()
            ),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(VisitDetail {
            visit: found.into_visit(&who_and_where),
            problems,
            results: results.into_iter().map(ResultRow::into_result).collect(),
            medicines,
            vaccines,
            procedures,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(resource: &str) -> StoredVisit {
        StoredVisit::from(VisitRow {
            id: Uuid::nil(),
            class_code: Some("AMB".to_owned()),
            display: None,
            start_at: None,
            end_at: None,
            resource: resource.to_owned(),
        })
    }

    #[test]
    fn a_visits_reason_provider_and_place_come_from_its_resource() {
        let visit = row(r#"{"reasonCode":[{"coding":[{"display":"Acute viral pharyngitis (disorder)"}]}],
            "participant":[{"individual":{"reference":"urn:uuid:x"}},{"individual":{"display":"Dr. Ana Ortiz"}}],
            "location":[{"location":{"display":"Maple Clinic, Room 2"}}],
            "serviceProvider":{"display":"Maple Family Practice"},
            "type":[{"text":"Encounter for symptom"}]}"#)
        .into_visit(&Names::new());
        assert_eq!(
            visit.reason.as_deref(),
            Some("Acute viral pharyngitis (disorder)")
        );
        assert_eq!(visit.provider.as_deref(), Some("Dr. Ana Ortiz"));
        assert_eq!(visit.location.as_deref(), Some("Maple Clinic, Room 2"));
        assert_eq!(visit.display.as_deref(), Some("Encounter for symptom"));
        let place = row(r#"{"serviceProvider":{"display":"Maple Family Practice"}}"#)
            .into_visit(&Names::new());
        assert_eq!(place.location.as_deref(), Some("Maple Family Practice"));
    }

    #[test]
    fn who_and_where_named_by_reference_come_from_the_directory() {
        let visit = row(
            r#"{"participant":[{"individual":{"reference":"urn:uuid:dr-1"}}],
            "serviceProvider":{"reference":"Organization?identifier=https://github.com/synthetichealth/synthea|org-1"}}"#,
        );
        let references: Vec<&str> = visit.references().collect();
        assert_eq!(references.len(), 2, "{references:?}");
        let names = Names::from([
            ("dr-1".to_owned(), "Dr. Monica Kshlerin".to_owned()),
            ("org-1".to_owned(), "Norwood Hospital".to_owned()),
        ]);
        let visit = visit.into_visit(&names);
        assert_eq!(visit.provider.as_deref(), Some("Dr. Monica Kshlerin"));
        assert_eq!(visit.location.as_deref(), Some("Norwood Hospital"));
        // Not in the directory: nothing, as before.
        let unknown = row(r#"{"participant":[{"individual":{"reference":"Practitioner/dr-2"}}]}"#)
            .into_visit(&names);
        assert_eq!(unknown.provider, None);
    }

    #[test]
    fn odd_or_missing_members_are_just_absent() {
        for resource in [
            "{}",
            "not json",
            r#"{"reasonCode":"x","participant":{"individual":3},"location":[1,null],"serviceProvider":[]}"#,
            r#"{"reasonCode":[{"coding":[{"display":""}]}],"participant":[{"individual":{"display":"  "}}]}"#,
        ] {
            let visit = row(resource).into_visit(&Names::new());
            assert_eq!(
                (visit.reason, visit.provider, visit.location, visit.display),
                (None, None, None, None),
                "{resource}"
            );
        }
    }
}
