//! The patient's lists from their record (issue 14): medicines, allergies, health problems
//! (conditions) and vaccines (immunizations). Each read takes the session's
//! patient scope, is bounded, sorted as a patient expects, and audited as the patient's.

use const_format::concatcp;
use domain::PatientScope;
use jiff::Timestamp;
use serde_json::Value;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, short_read::Arg};

/// How many entries a list shows at most.
pub(crate) const SHOWN: i64 = 200;

/// The patient's medicines: active ones first, then the newest first, on the
/// (patient_id, authored_at) index. Undated ones come last in each part.
pub(crate) const MEDICINES: &str = concatcp!(
    "SELECT id, status, display, dosage, authored_at, resource \
    FROM medication_requests \
    WHERE patient_id = $1 AND organization_id = $2 \
    ORDER BY CASE WHEN status IN ('active', 'on-hold') THEN 0 ELSE 1 END, \
    authored_at IS NULL, authored_at DESC LIMIT ",
    SHOWN
);

/// How often to take a medicine, from the prescription's timing.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Times per period.
    pub times: u32,
    pub period: f64,
    /// The FHIR unit of the period: `h`, `d`, `wk`, `mo`, ...
    pub unit: String,
}

/// One medicine on the patient's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Medicine {
    /// The prescription's id: a refill request names it.
    pub id: Uuid,
    pub name: String,
    /// Active (or on hold) rather than stopped, completed or ended.
    pub active: bool,
    /// The prescriber's instructions, in their words.
    pub instructions: Option<String>,
    /// To be taken only when needed.
    pub as_needed: bool,
    pub schedule: Option<Schedule>,
    /// Who prescribed it, when the prescription names them.
    pub prescriber: Option<String>,
    pub started: Option<Timestamp>,
}

pub(crate) type MedicineRow = (
    Uuid,
    String,
    Option<String>,
    Option<String>,
    Option<jiff_sqlx::Timestamp>,
    String,
);

pub(crate) fn medicine((id, status, display, dosage, authored, resource): MedicineRow) -> Medicine {
    let json: Value = serde_json::from_str(&resource).unwrap_or(Value::Null);
    let instruction = &json["dosageInstruction"][0];
    let repeat = &instruction["timing"]["repeat"];
    let schedule = match (
        repeat["frequency"].as_u64(),
        repeat["period"].as_f64(),
        repeat["periodUnit"].as_str(),
    ) {
        (Some(times), Some(period), Some(unit)) if times > 0 && period > 0.0 => Some(Schedule {
            times: u32::try_from(times).unwrap_or(u32::MAX),
            period,
            unit: unit.to_owned(),
        }),
        _ => None,
    };
    let name = display
        .or_else(|| {
            json["medicationCodeableConcept"]["text"]
                .as_str()
                .map(str::to_owned)
        })
        .or_else(|| {
            json["medicationReference"]["display"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Medicine {
        id,
        name,
        active: matches!(status.as_str(), "active" | "on-hold"),
        instructions: dosage.filter(|text| !text.trim().is_empty()),
        as_needed: instruction["asNeededBoolean"].as_bool().unwrap_or(false),
        schedule,
        prescriber: json["requester"]["display"]
            .as_str()
            .filter(|name| !name.trim().is_empty())
            .map(str::to_owned),
        started: authored.map(|at| at.to_jiff()),
    }
}

/// The patient's allergies: current ones first, the high-risk ones first among them, then
/// the newest first, on the (patient_id, organization_id, recorded_at) index.
pub(crate) const ALLERGIES: &str = concatcp!(
    "SELECT clinical_status, criticality, display, reaction, \
    recorded_at, resource \
    FROM allergies \
    WHERE patient_id = $1 AND organization_id = $2 \
    ORDER BY CASE WHEN clinical_status IN ('inactive', 'resolved') THEN 1 ELSE 0 END, \
    CASE WHEN criticality = 'high' THEN 0 ELSE 1 END, \
    recorded_at IS NULL, recorded_at DESC LIMIT ",
    SHOWN
);

/// How likely a reaction is to be serious (FHIR's `criticality`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criticality {
    Low,
    High,
    UnableToAssess,
}

/// How bad the reaction was (FHIR's `reaction.severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

/// One allergy on the patient's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Allergy {
    /// What the patient is allergic to.
    pub substance: String,
    /// Current, rather than inactive or resolved.
    pub current: bool,
    pub reaction: Option<String>,
    pub severity: Option<Severity>,
    pub criticality: Option<Criticality>,
    pub recorded: Option<Timestamp>,
}

pub(crate) type AllergyRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<jiff_sqlx::Timestamp>,
    String,
);

/// The allergy, or `None` when the record says it was entered in error or ruled out.
pub(crate) fn allergy(
    (status, criticality, display, reaction, recorded, resource): AllergyRow,
) -> Option<Allergy> {
    let json: Value = serde_json::from_str(&resource).unwrap_or(Value::Null);
    let verification = json["verificationStatus"]["coding"][0]["code"].as_str();
    if matches!(verification, Some("entered-in-error" | "refuted")) {
        return None;
    }
    // The worst severity of its reactions.
    let severity = json["reaction"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| match r["severity"].as_str()? {
            "mild" => Some(Severity::Mild),
            "moderate" => Some(Severity::Moderate),
            "severe" => Some(Severity::Severe),
            _ => None,
        })
        .max_by_key(|severity| *severity as u8);
    let substance = display
        .or_else(|| json["code"]["text"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Some(Allergy {
        substance,
        current: !matches!(status.as_deref(), Some("inactive" | "resolved")),
        reaction: reaction.filter(|text| !text.trim().is_empty()),
        severity,
        criticality: match criticality.as_deref() {
            Some("low") => Some(Criticality::Low),
            Some("high") => Some(Criticality::High),
            Some("unable-to-assess") => Some(Criticality::UnableToAssess),
            _ => None,
        },
        recorded: recorded.map(|at| at.to_jiff()),
    })
}

/// The patient's health problems: current ones first, then the newest first, on the
/// (patient_id, organization_id, onset_at) index. Ones entered in error or ruled out are
/// left out.
pub(crate) const CONDITIONS: &str = concatcp!(
    "SELECT clinical_status, display, onset_at, abatement_at \
    FROM conditions \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND (verification_status IS NULL \
         OR verification_status NOT IN ('entered-in-error', 'refuted')) \
    ORDER BY CASE WHEN clinical_status IN ('resolved', 'inactive', 'remission') \
         OR (clinical_status IS NULL AND abatement_at IS NOT NULL) THEN 1 ELSE 0 END, \
    onset_at IS NULL, onset_at DESC LIMIT ",
    SHOWN
);

/// One health problem on the patient's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub name: String,
    /// Current, rather than resolved, inactive or in remission.
    pub current: bool,
    pub onset: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

pub(crate) type ConditionRow = (
    Option<String>,
    Option<String>,
    Option<jiff_sqlx::Timestamp>,
    Option<jiff_sqlx::Timestamp>,
);

pub(crate) fn condition((status, display, onset, abatement): ConditionRow) -> Condition {
    let current = match status.as_deref() {
        Some("resolved" | "inactive" | "remission") => false,
        Some(_) => true,
        None => abatement.is_none(),
    };
    Condition {
        name: display.unwrap_or_default(),
        current,
        onset: onset.map(|at| at.to_jiff()),
        resolved: abatement.map(|at| at.to_jiff()),
    }
}

/// The vaccines the patient was given, newest first, on the (patient_id, organization_id,
/// occurred_at) index; ones not given or entered in error are left out.
pub(crate) const IMMUNIZATIONS: &str = concatcp!(
    "SELECT display, occurred_at \
    FROM immunizations \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND status NOT IN ('not-done', 'entered-in-error') \
    ORDER BY occurred_at IS NULL, occurred_at DESC, display LIMIT ",
    SHOWN
);

/// One vaccine the patient was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Immunization {
    pub vaccine: String,
    pub given: Option<Timestamp>,
}

impl Database {
    /// The scope's patient's medicines, active first, newest first (at most 200). The read
    /// is audited as the patient's.
    pub async fn medicines(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<Medicine>> {
        let mut read = self.begin_short_read().await?;
        let rows: Vec<MedicineRow> = read.all(MEDICINES, &own_list(scope)).await?;
        read.append_audit(&own_read(
            scope,
            origin,
            "patient.medicines",
            "medicines",
            rows.len(),
        ));
        read.commit().await?;
        Ok(rows.into_iter().map(medicine).collect())
    }

    /// One of the scope's patient's medicines (a refill request names it); `None` when the
    /// scope has no such medicine. The read is audited as the patient's.
    pub async fn medicine(
        &self,
        scope: &PatientScope,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<Medicine>> {
        let mut tx = self.begin_read().await?;
        let row: Option<MedicineRow> = crate::database::dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT id, status, display, dosage, authored_at, resource \
                 FROM medication_requests WHERE id = $1 AND patient_id = $2 \
                 AND organization_id = $3",
            )
            .bind(id)
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        tx.append_audit(&own_read(scope, origin, "patient.medicine", "medicines", 1))
            .await?;
        tx.commit().await?;
        Ok(Some(medicine(row)))
    }

    /// The scope's patient's allergies, current ones first, high-risk ones first among them,
    /// newest first (at most 200). The read is audited as the patient's.
    pub async fn allergies(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<Allergy>> {
        let mut read = self.begin_short_read().await?;
        let rows: Vec<AllergyRow> = read.all(ALLERGIES, &own_list(scope)).await?;
        read.append_audit(&own_read(
            scope,
            origin,
            "patient.allergies",
            "allergies",
            rows.len(),
        ));
        read.commit().await?;
        Ok(rows.into_iter().filter_map(allergy).collect())
    }

    /// The scope's patient's health problems, current ones first, newest first (at most
    /// 200). The read is audited as the patient's.
    pub async fn conditions(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<Condition>> {
        let mut read = self.begin_short_read().await?;
        let rows: Vec<ConditionRow> = read.all(CONDITIONS, &own_list(scope)).await?;
        read.append_audit(&own_read(
            scope,
            origin,
            "patient.conditions",
            "conditions",
            rows.len(),
        ));
        read.commit().await?;
        Ok(rows.into_iter().map(condition).collect())
    }

    /// The vaccines the scope's patient was given, newest first (at most 200). The read is
    /// audited as the patient's.
    pub async fn immunizations(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<Immunization>> {
        let mut read = self.begin_short_read().await?;
        let rows: Vec<(Option<String>, Option<jiff_sqlx::Timestamp>)> =
            read.all(IMMUNIZATIONS, &own_list(scope)).await?;
        read.append_audit(&own_read(
            scope,
            origin,
            "patient.immunizations",
            "immunizations",
            rows.len(),
        ));
        read.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(display, given)| Immunization {
                vaccine: display.unwrap_or_default(),
                given: given.map(|at| at.to_jiff()),
            })
            .collect())
    }
}

/// The arguments of a list's statement: the scope's patient (`$1`) and practice (`$2`).
fn own_list(scope: &PatientScope) -> [Arg<'static>; 2] {
    [
        Arg::Uuid(scope.patient().as_uuid()),
        Arg::Uuid(scope.organization().as_uuid()),
    ]
}

/// The audit row of the patient reading one of their lists.
fn own_read(
    scope: &PatientScope,
    origin: &RequestOrigin,
    action: &str,
    subject: &str,
    count: usize,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Patient(scope.patient()),
        action: action.to_owned(),
        patient: Some(scope.patient()),
        subject: Some(subject.to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail: Some(count.to_string()),
    }
}
