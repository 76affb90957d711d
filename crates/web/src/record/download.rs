//! Taking the record away (issue 14, point 5): a page that says in plain words what the
//! download is, the download itself (the whole record as a FHIR R4 Bundle), and a one-page
//! summary to print.

use askama::Template;
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use jiff::{Timestamp, tz::TimeZone};
use storage::{Allergy, Condition, Criticality, Medicine, TestResult, Visit};

use super::{
    Reader,
    lists::{VaccineRow, how_to_take, on, plain_name, vaccine_row},
    private_page,
    results::{flag, name, value},
};
use crate::{
    AppState,
    common::{
        i18n::{day, t},
        pages::not_found,
    },
    error::{OrTrouble, PageError},
};

#[derive(Template)]
#[template(path = "record/download.html")]
struct DownloadPage {
    practice_name: String,
    practice_phone: Option<String>,
}

/// `GET /record/download`: what the file is, how to keep it safe, and the links to it and to
/// the printable summary.
pub async fn page(State(state): State<AppState>, reader: Reader) -> Result<Response, PageError> {
    let (practice, _) = reader.practice(&state).await;
    Ok(private_page(DownloadPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
    }))
}

/// `GET /record/download/file`: the patient's whole record as a FHIR R4 Bundle, to save.
pub async fn file(State(state): State<AppState>, reader: Reader) -> Result<Response, PageError> {
    let bundle = state
        .db
        .record_bundle(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's record for the download")?;
    let Some(bundle) = bundle else {
        return Ok(not_found(State(state)).await);
    };
    let (_, zone) = reader.practice(&state).await;
    let today = Timestamp::now().to_zoned(zone).date();
    Ok((
        [
            (header::CONTENT_TYPE, "application/fhir+json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"health-record-{today}.json\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bundle.json,
    )
        .into_response())
}

struct AllergyLine {
    substance: String,
    reaction: String,
    high_risk: bool,
}

fn allergy_line(allergy: &Allergy) -> AllergyLine {
    AllergyLine {
        substance: if allergy.substance.trim().is_empty() {
            t("allergies-unnamed")
        } else {
            allergy.substance.clone()
        },
        reaction: allergy
            .reaction
            .clone()
            .unwrap_or_else(|| t("allergies-reaction-unknown")),
        high_risk: allergy.criticality == Some(Criticality::High),
    }
}

struct MedicineLine {
    name: String,
    how: String,
}

fn medicine_line(medicine: &Medicine) -> MedicineLine {
    MedicineLine {
        name: if medicine.name.trim().is_empty() {
            t("medicines-unnamed")
        } else {
            medicine.name.clone()
        },
        how: how_to_take(medicine),
    }
}

struct ProblemLine {
    name: String,
    since: String,
}

fn problem_line(condition: &Condition, zone: &TimeZone) -> ProblemLine {
    ProblemLine {
        name: if condition.name.trim().is_empty() {
            t("conditions-unnamed")
        } else {
            plain_name(&condition.name)
        },
        since: condition
            .onset
            .map_or_else(|| t("conditions-date-unknown"), |at| on(at, zone)),
    }
}

struct ResultLine {
    name: String,
    value: String,
    flag: Option<String>,
    flag_class: &'static str,
    date: String,
}

fn result_line(result: &TestResult, zone: &TimeZone) -> ResultLine {
    let flag = flag(result).filter(|flag| flag.class != "flag-normal");
    ResultLine {
        name: name(result),
        value: value(result),
        flag_class: flag.as_ref().map_or("", |flag| flag.class),
        flag: flag.map(|flag| flag.words),
        date: result
            .at
            .map_or_else(|| t("conditions-date-unknown"), |at| on(at, zone)),
    }
}

struct VisitLine {
    date: String,
    kind: String,
    who: Option<String>,
}

fn visit_line(visit: &Visit, zone: &TimeZone) -> VisitLine {
    let who = match (&visit.provider, &visit.location) {
        (Some(provider), Some(place)) => Some(format!("{provider}, {place}")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    };
    let kind = visit
        .display
        .as_deref()
        .map(plain_name)
        .unwrap_or_else(|| t("summary-visit-unnamed"));
    VisitLine {
        date: visit
            .start
            .map_or_else(|| t("conditions-date-unknown"), |at| on(at, zone)),
        kind: match &visit.reason {
            Some(reason) => format!("{kind} ({})", plain_name(reason)),
            None => kind,
        },
        who,
    }
}

#[derive(Template)]
#[template(path = "record/summary.html")]
struct SummaryPage {
    practice_name: String,
    practice_phone: Option<String>,
    patient_name: String,
    birth_date: String,
    printed: String,
    allergies: Vec<AllergyLine>,
    medicines: Vec<MedicineLine>,
    problems: Vec<ProblemLine>,
    vaccines: Vec<VaccineRow>,
    results: Vec<ResultLine>,
    visits: Vec<VisitLine>,
}

/// `GET /record/summary`: the record on one page, to print or to show: allergies, medicines
/// taken now, current health problems, vaccines, the latest value of each test, recent visits.
pub async fn summary(State(state): State<AppState>, reader: Reader) -> Result<Response, PageError> {
    let summary = state
        .db
        .record_summary(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's summary")?;
    let (practice, zone) = reader.practice(&state).await;
    let (patient_name, birth_date) = match &summary.patient {
        Some(patient) => (
            format!("{} {}", patient.given_names, patient.family_name)
                .trim()
                .to_owned(),
            day(patient.birth_date),
        ),
        None => (String::new(), t("conditions-date-unknown")),
    };
    Ok(private_page(SummaryPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        patient_name,
        birth_date,
        printed: day(Timestamp::now().to_zoned(zone.clone()).date()),
        allergies: summary.allergies.iter().map(allergy_line).collect(),
        medicines: summary.medicines.iter().map(medicine_line).collect(),
        problems: summary
            .conditions
            .iter()
            .map(|c| problem_line(c, &zone))
            .collect(),
        vaccines: summary
            .vaccines
            .iter()
            .map(|v| vaccine_row(v, &zone))
            .collect(),
        results: summary
            .latest_results
            .iter()
            .map(|r| result_line(r, &zone))
            .collect(),
        visits: summary
            .visits
            .iter()
            .map(|v| visit_line(v, &zone))
            .collect(),
    }))
}

/// The print button's script: the page's CSP allows no inline script.
pub async fn print_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/print.js"),
    )
}
