//! Visits: the appointments to come (soonest first), then the past visits a page at a time
//! (newest first), each with its kind in plain words, reason, provider and place; and one
//! visit's page with what was recorded at it.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use jiff::{Timestamp, tz::TimeZone};
use storage::{Appointment, Visit};

use super::{
    Reader,
    lists::{on, plain_name},
    private_page,
    results::{FlagWords, PageQuery, flag, name, value},
};
use crate::{
    AppState,
    common::{i18n::t, pages::not_found},
    error::{OrTrouble, PageError},
};

/// The kind of a visit in plain words: from its class, else its type's name.
fn kind(visit: &Visit) -> String {
    let key = match visit
        .class_code
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("amb" | "ambulatory" | "outpatient") => Some("visits-kind-office"),
        Some("emer" | "emergency") => Some("visits-kind-emergency"),
        Some("imp" | "inpatient" | "acute" | "nonac" | "obsenc" | "ss") => {
            Some("visits-kind-hospital")
        }
        Some("wellness") => Some("visits-kind-checkup"),
        Some("urgentcare") => Some("visits-kind-urgent"),
        Some("vr" | "virtual") => Some("visits-kind-virtual"),
        Some("hh" | "home") => Some("visits-kind-home"),
        _ => None,
    };
    match (key, &visit.display) {
        (Some(key), _) => t(key),
        (None, Some(display)) if !display.trim().is_empty() => plain_name(display),
        _ => t("visits-kind-visit"),
    }
}

/// A past visit as the list shows it.
struct VisitLine {
    href: String,
    when: String,
    kind: String,
    reason: Option<String>,
    provider: Option<String>,
    location: Option<String>,
}

fn when(at: Option<Timestamp>, zone: &TimeZone) -> String {
    at.map_or_else(|| t("visits-date-unknown"), |at| on(at, zone))
}

fn visit_line(visit: &Visit, zone: &TimeZone) -> VisitLine {
    VisitLine {
        href: format!("/visits/{}", visit.id),
        when: when(visit.start, zone),
        kind: kind(visit),
        reason: visit.reason.as_deref().map(plain_name),
        provider: visit.provider.clone(),
        location: visit.location.clone(),
    }
}

/// An appointment to come as the list shows it.
struct AppointmentLine {
    when: String,
    what: Option<String>,
    provider: Option<String>,
    location: Option<String>,
}

fn appointment_line(appointment: &Appointment, zone: &TimeZone) -> AppointmentLine {
    AppointmentLine {
        when: crate::common::i18n::moment(appointment.start, zone),
        what: appointment.description.clone(),
        provider: appointment.practitioner.clone(),
        location: appointment.location.clone(),
    }
}

#[derive(Template)]
#[template(path = "record/visits.html")]
struct VisitsListPage {
    practice_name: String,
    practice_phone: Option<String>,
    page: u32,
    upcoming: Vec<AppointmentLine>,
    past: Vec<VisitLine>,
    newer: Option<String>,
    older: Option<String>,
}

/// `GET /visits`: upcoming appointments, then past visits, 20 a page.
pub async fn list(
    State(state): State<AppState>,
    reader: Reader,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let page = query.page_number();
    let found = state
        .db
        .visits(
            &reader.user.scope,
            page - 1,
            Timestamp::now(),
            &reader.origin,
        )
        .await
        .or_trouble("could not read visits")?;
    let (practice, zone) = reader.practice(&state).await;
    Ok(private_page(VisitsListPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        page,
        upcoming: found
            .upcoming
            .iter()
            .map(|a| appointment_line(a, &zone))
            .collect(),
        past: found.past.iter().map(|v| visit_line(v, &zone)).collect(),
        newer: (page > 1).then(|| format!("/visits?page={}", page - 1)),
        older: found.more.then(|| format!("/visits?page={}", page + 1)),
    }))
}

/// A result as a visit's page lists it.
struct ResultLine {
    href: String,
    name: String,
    value: String,
    flag: Option<FlagWords>,
}

#[derive(Template)]
#[template(path = "record/visit.html")]
struct VisitPage {
    practice_name: String,
    practice_phone: Option<String>,
    visit: VisitLine,
    problems: Vec<String>,
    results: Vec<ResultLine>,
    medicines: Vec<String>,
    vaccines: Vec<String>,
    procedures: Vec<String>,
}

impl VisitPage {
    fn nothing_recorded(&self) -> bool {
        self.problems.is_empty()
            && self.results.is_empty()
            && self.medicines.is_empty()
            && self.vaccines.is_empty()
            && self.procedures.is_empty()
    }
}

/// Names as a list shows them: without terminology tags, an unnamed one in words.
fn named(names: Vec<String>) -> Vec<String> {
    names
        .into_iter()
        .map(|n| {
            if n.trim().is_empty() {
                t("visits-unnamed")
            } else {
                plain_name(&n)
            }
        })
        .collect()
}

/// `GET /visits/{visit}`: another patient's visit, no visit and a malformed id are the same
/// "not found".
pub async fn page(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return Ok(not_found(State(state)).await);
    };
    let Some(detail) = state
        .db
        .visit(&reader.user.scope, id, &reader.origin)
        .await
        .or_trouble("could not read a visit")?
    else {
        return Ok(not_found(State(state)).await);
    };
    let (practice, zone) = reader.practice(&state).await;
    Ok(private_page(VisitPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        visit: visit_line(&detail.visit, &zone),
        problems: named(detail.problems),
        results: detail
            .results
            .iter()
            .map(|r| ResultLine {
                href: format!("/results/{}", r.id),
                name: name(r),
                value: value(r),
                flag: flag(r),
            })
            .collect(),
        medicines: named(detail.medicines),
        vaccines: named(detail.vaccines),
        procedures: named(detail.procedures),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(class: Option<&str>, display: Option<&str>) -> Visit {
        Visit {
            id: uuid::Uuid::nil(),
            class_code: class.map(str::to_owned),
            display: display.map(str::to_owned),
            start: None,
            end: None,
            reason: None,
            provider: None,
            location: None,
        }
    }

    #[test]
    fn a_visits_kind_reads_in_plain_words() {
        assert_eq!(kind(&visit(Some("AMB"), None)), "Office visit");
        assert_eq!(kind(&visit(Some("emergency"), None)), "Emergency visit");
        assert_eq!(kind(&visit(Some("IMP"), None)), "Hospital stay");
        assert_eq!(
            kind(&visit(
                Some("XYZ"),
                Some("Encounter for symptom (procedure)")
            )),
            "Encounter for symptom"
        );
        assert_eq!(kind(&visit(None, None)), "Visit");
    }
}
