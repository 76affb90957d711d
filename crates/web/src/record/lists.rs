//! The lists of the patient's record (issue 14): medicines, allergies, health problems and
//! vaccines. Each page reads the session's
//! patient only, is audited, and says in plain words what the record holds.

use askama::Template;
use axum::{extract::State, response::Response};
use jiff::{Timestamp, tz::TimeZone};
use storage::{Allergy, Condition, Criticality, Immunization, Medicine, Schedule, Severity};

use super::{Reader, private_page};
use crate::{
    AppState,
    common::i18n::{day, t, t_args},
    error::{OrTrouble, PageError},
};

/// A day as the patient reads it, in the practice's time zone.
pub(crate) fn on(at: Timestamp, zone: &TimeZone) -> String {
    day(at.to_zoned(zone.clone()).date())
}

/// One medicine as the patient reads it.
struct MedicineRow {
    name: String,
    /// Where to ask for a refill (medicines taken now).
    refill: Option<String>,
    how: String,
    prescriber: Option<String>,
    started: Option<String>,
}

/// How to take a medicine: the prescriber's words when there are some, else the schedule in
/// plain words.
pub(super) fn how_to_take(medicine: &Medicine) -> String {
    if let Some(text) = &medicine.instructions {
        return text.clone();
    }
    if medicine.as_needed {
        return t("medicines-as-needed");
    }
    match &medicine.schedule {
        Some(schedule) => schedule_words(schedule),
        None => t("medicines-ask-how"),
    }
}

/// "Take it once a day", "Take it every 6 hours", "Take it 2 times a week".
fn schedule_words(schedule: &Schedule) -> String {
    let unit = match schedule.unit.as_str() {
        "h" => "hour",
        "d" => "day",
        "wk" => "week",
        "mo" => "month",
        _ => return t("medicines-ask-how"),
    };
    // Whole periods only: "every 1.5 days" is not something to ask a patient to work out.
    if schedule.period.fract() != 0.0 {
        return t("medicines-ask-how");
    }
    let period = schedule.period as i64;
    if period == 1 {
        t_args(
            "medicines-times-per",
            &[
                ("times", i64::from(schedule.times).into()),
                ("unit", unit.into()),
            ],
        )
    } else if schedule.times == 1 {
        t_args(
            "medicines-every",
            &[("count", period.into()), ("unit", unit.into())],
        )
    } else {
        t_args(
            "medicines-times-every",
            &[
                ("times", i64::from(schedule.times).into()),
                ("count", period.into()),
                ("unit", unit.into()),
            ],
        )
    }
}

fn medicine_row(medicine: &Medicine, zone: &TimeZone) -> MedicineRow {
    MedicineRow {
        name: if medicine.name.is_empty() {
            t("medicines-unnamed")
        } else {
            medicine.name.clone()
        },
        how: how_to_take(medicine),
        refill: medicine
            .active
            .then(|| format!("/messages/new?medicine={}", medicine.id)),
        prescriber: medicine.prescriber.clone(),
        started: medicine.started.map(|at| on(at, zone)),
    }
}

#[derive(Template)]
#[template(path = "record/medicines.html")]
struct MedicinesPage {
    practice_name: String,
    practice_phone: Option<String>,
    active: Vec<MedicineRow>,
    past: Vec<MedicineRow>,
}

/// `GET /medicines`: the medicines the patient takes now, then the ones they took before,
/// newest first in each.
pub async fn medicines(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let medicines = state
        .db
        .medicines(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's medicines")?;
    let (practice, zone) = reader.practice(&state).await;
    let (active, past): (Vec<&Medicine>, Vec<&Medicine>) =
        medicines.iter().partition(|medicine| medicine.active);
    Ok(private_page(MedicinesPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        active: active.into_iter().map(|m| medicine_row(m, &zone)).collect(),
        past: past.into_iter().map(|m| medicine_row(m, &zone)).collect(),
    }))
}

/// One allergy as the patient reads it.
struct AllergyRow {
    substance: String,
    reaction: String,
    severity: Option<String>,
    criticality: Option<String>,
    /// A high risk of a serious reaction: said in words, and set apart on the page.
    high_risk: bool,
    recorded: Option<String>,
}

fn allergy_row(allergy: &Allergy, zone: &TimeZone) -> AllergyRow {
    AllergyRow {
        substance: if allergy.substance.is_empty() {
            t("allergies-unnamed")
        } else {
            allergy.substance.clone()
        },
        reaction: allergy
            .reaction
            .clone()
            .unwrap_or_else(|| t("allergies-reaction-unknown")),
        severity: allergy.severity.map(|severity| {
            t(match severity {
                Severity::Mild => "allergies-severity-mild",
                Severity::Moderate => "allergies-severity-moderate",
                Severity::Severe => "allergies-severity-severe",
            })
        }),
        criticality: allergy.criticality.map(|criticality| {
            t(match criticality {
                Criticality::Low => "allergies-risk-low",
                Criticality::High => "allergies-risk-high",
                Criticality::UnableToAssess => "allergies-risk-unknown",
            })
        }),
        high_risk: allergy.criticality == Some(Criticality::High),
        recorded: allergy.recorded.map(|at| on(at, zone)),
    }
}

#[derive(Template)]
#[template(path = "record/allergies.html")]
struct AllergiesPage {
    practice_name: String,
    practice_phone: Option<String>,
    current: Vec<AllergyRow>,
    past: Vec<AllergyRow>,
}

/// `GET /allergies`: the patient's allergies, current ones first (the high-risk ones first
/// among them), then the ones they no longer have.
pub async fn allergies(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let allergies = state
        .db
        .allergies(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's allergies")?;
    let (practice, zone) = reader.practice(&state).await;
    let (current, past): (Vec<&Allergy>, Vec<&Allergy>) =
        allergies.iter().partition(|allergy| allergy.current);
    Ok(private_page(AllergiesPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        current: current.into_iter().map(|a| allergy_row(a, &zone)).collect(),
        past: past.into_iter().map(|a| allergy_row(a, &zone)).collect(),
    }))
}

/// One health problem as the patient reads it.
struct ConditionRow {
    name: String,
    onset: Option<String>,
    resolved: Option<String>,
}

/// A problem's name without the terminology's tag: "Acute bronchitis (disorder)" reads
/// "Acute bronchitis".
pub(crate) fn plain_name(name: &str) -> String {
    let name = name.trim();
    for tag in [
        " (disorder)",
        " (finding)",
        " (situation)",
        " (morphologic abnormality)",
        " (procedure)",
        " (regime/therapy)",
        " (observable entity)",
        " (record artifact)",
    ] {
        if let Some(plain) = name.strip_suffix(tag) {
            return plain.to_owned();
        }
    }
    name.to_owned()
}

fn condition_row(condition: &Condition, zone: &TimeZone) -> ConditionRow {
    ConditionRow {
        name: if condition.name.trim().is_empty() {
            t("conditions-unnamed")
        } else {
            plain_name(&condition.name)
        },
        onset: condition.onset.map(|at| on(at, zone)),
        resolved: condition.resolved.map(|at| on(at, zone)),
    }
}

#[derive(Template)]
#[template(path = "record/conditions.html")]
struct ConditionsPage {
    practice_name: String,
    practice_phone: Option<String>,
    current: Vec<ConditionRow>,
    past: Vec<ConditionRow>,
}

/// `GET /conditions`: the patient's health problems, current ones first, then the resolved
/// ones, newest first in each.
pub async fn conditions(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let conditions = state
        .db
        .conditions(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's health problems")?;
    let (practice, zone) = reader.practice(&state).await;
    let (current, past): (Vec<&Condition>, Vec<&Condition>) =
        conditions.iter().partition(|condition| condition.current);
    Ok(private_page(ConditionsPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        current: current
            .into_iter()
            .map(|c| condition_row(c, &zone))
            .collect(),
        past: past.into_iter().map(|c| condition_row(c, &zone)).collect(),
    }))
}

/// One vaccine as the patient reads it.
pub(crate) struct VaccineRow {
    pub(crate) vaccine: String,
    pub(crate) given: String,
}

pub(crate) fn vaccine_row(immunization: &Immunization, zone: &TimeZone) -> VaccineRow {
    VaccineRow {
        vaccine: if immunization.vaccine.trim().is_empty() {
            t("vaccines-unnamed")
        } else {
            immunization.vaccine.clone()
        },
        given: immunization
            .given
            .map_or_else(|| t("conditions-date-unknown"), |at| on(at, zone)),
    }
}

#[derive(Template)]
#[template(path = "record/immunizations.html")]
struct VaccinesPage {
    practice_name: String,
    practice_phone: Option<String>,
    rows: Vec<VaccineRow>,
}

/// `GET /immunizations`: the vaccines the patient was given, newest first.
pub async fn immunizations(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let immunizations = state
        .db
        .immunizations(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's vaccines")?;
    let (practice, zone) = reader.practice(&state).await;
    Ok(private_page(VaccinesPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        rows: immunizations
            .iter()
            .map(|i| vaccine_row(i, &zone))
            .collect(),
    }))
}
