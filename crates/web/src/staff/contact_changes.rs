//! Contact change requests (issue 14, point 7): patients asked for a new phone number or
//! postal address on their chart. The chart is the EHR's, so staff make the change there and
//! mark the request done (the next import brings the new values), or decline it with a note
//! the patient reads. Front desk and administrators, who see patients' contact details, work
//! this queue; every read and close is audited on the patient's record.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::Role;
use jiff::{Timestamp, tz::TimeZone};
use serde::Deserialize;
use storage::{CloseContactChangeError, ContactChangeOutcome, QueuedContactChange};
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// The longest note staff may leave.
const MAX_NOTE: usize = 500;

pub(crate) fn may_work_contact_changes(user: &StaffUser) -> bool {
    matches!(user.account.role, Role::FrontDesk | Role::Administrator)
}

pub(crate) const MAY_NOT: &str =
    "Only front-desk staff and administrators work the contact change requests.";
pub(crate) const NO_SUCH_REQUEST: &str =
    "No such open request in this practice. It may have been closed already.";

/// One field of a request: what the chart has now and what the patient asked for.
struct FieldRow {
    field: &'static str,
    current: String,
    requested: String,
    differs: bool,
}

/// One open request, as the queue shows it.
struct Item {
    id: Uuid,
    name: String,
    mrn: Option<String>,
    birth_date: String,
    asked: String,
    rows: Vec<FieldRow>,
}

#[derive(Template)]
#[template(path = "staff/contact_changes.html")]
struct QueuePage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    items: Vec<Item>,
    done: Option<&'static str>,
    /// The request whose form had a problem, and what it was.
    error: Option<(Uuid, &'static str)>,
    /// The note typed with the problem, shown again.
    typed_note: String,
}

impl QueuePage {
    fn error_for(&self, id: impl std::borrow::Borrow<Uuid>) -> Option<&'static str> {
        self.error
            .filter(|(with, _)| with == id.borrow())
            .map(|(_, message)| message)
    }
}

/// A moment on the practice's clock, with the zone's abbreviation ("12/06/2026 09:15 EST").
fn when(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%m/%d/%Y %H:%M %Z")
        .to_string()
}

fn shown(value: Option<&str>) -> String {
    value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or("(none)")
        .to_owned()
}

fn same(a: Option<&str>, b: Option<&str>) -> bool {
    let norm = |v: Option<&str>| {
        v.unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

fn item(queued: QueuedContactChange, zone: &TimeZone) -> Item {
    let request = queued.request;
    let details = queued.details;
    let mut rows = Vec::new();
    if let Some(phone) = request.phone.as_deref() {
        let digits = |v: &str| {
            let d: String = v.chars().filter(char::is_ascii_digit).collect();
            d.strip_prefix('1')
                .filter(|rest| rest.len() == 10)
                .map(str::to_owned)
                .unwrap_or(d)
        };
        let current: Vec<String> = details
            .phones
            .iter()
            .map(|p| format!("{}: {}", p.label, p.number))
            .collect();
        rows.push(FieldRow {
            field: "Phone",
            current: if current.is_empty() {
                "(none)".to_owned()
            } else {
                current.join("; ")
            },
            requested: phone.to_owned(),
            differs: !details
                .phones
                .iter()
                .any(|p| digits(&p.number) == digits(phone)),
        });
    }
    if request.address_line.is_some() {
        let fields: [(&'static str, Option<&str>, Option<&str>); 4] = [
            (
                "Street",
                details.address_line.as_deref(),
                request.address_line.as_deref(),
            ),
            ("City", details.city.as_deref(), request.city.as_deref()),
            ("State", details.state.as_deref(), request.state.as_deref()),
            (
                "ZIP code",
                details.postal_code.as_deref(),
                request.postal_code.as_deref(),
            ),
        ];
        for (field, current, requested) in fields {
            rows.push(FieldRow {
                field,
                current: shown(current),
                requested: shown(requested),
                differs: !same(current, requested),
            });
        }
    }
    Item {
        id: request.id,
        name: format!("{} {}", details.given_names, details.family_name),
        mrn: queued.mrn,
        birth_date: details.birth_date.strftime("%m/%d/%Y").to_string(),
        asked: when(request.created_at, zone),
        rows,
    }
}

async fn queue_page(
    state: &AppState,
    user: &StaffUser,
    origin: &storage::RequestOrigin,
    done: Option<&'static str>,
    error: Option<(Uuid, &'static str)>,
    typed_note: String,
) -> Result<Response, PageError> {
    let queued = state
        .db
        .contact_change_queue(&user.scope, origin)
        .await
        .or_trouble("could not read the contact change requests")?;
    let practice = Practice::of(state).await;
    let zone = crate::common::pages::practice_zone(state, user.scope.organization()).await;
    let failed = error.is_some();
    let mut response = render(QueuePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        items: queued.into_iter().map(|q| item(q, &zone)).collect(),
        done,
        error,
        typed_note,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    Ok(response)
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /staff/contact-changes`: the open requests, oldest first.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn queue(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<QueueQuery>,
) -> Result<Response, PageError> {
    if !may_work_contact_changes(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let done = match query.done.as_deref() {
        Some("done") => Some("Marked done. The patient sees that their chart was updated."),
        Some("declined") => Some("Declined. The patient sees your note."),
        _ => None,
    };
    let origin = request_origin(client, &headers);
    queue_page(&state, &user, &origin, done, None, String::new()).await
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    /// `done` or `declined`.
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

/// The outcome and note to record, or what to fix.
fn closing(form: &CloseForm) -> Result<(ContactChangeOutcome, Option<String>), &'static str> {
    let note = form.note.trim();
    let outcome = match form.outcome.as_str() {
        "done" => ContactChangeOutcome::Done,
        "declined" => ContactChangeOutcome::Declined,
        _ => return Err("Choose whether you updated the chart or declined the request."),
    };
    if note.chars().count() > MAX_NOTE {
        return Err("Keep the note under 500 characters.");
    }
    if outcome == ContactChangeOutcome::Declined && note.is_empty() {
        return Err("Say why in the note: the patient reads it.");
    }
    Ok((outcome, Some(note.to_owned()).filter(|n| !n.is_empty())))
}

/// `POST /staff/contact-changes/{request}/close`: done ("I updated the chart in the EHR") or
/// declined with a note; audited on the patient's record.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn close(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(request): Path<Uuid>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    if !may_work_contact_changes(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let (outcome, note) = match closing(&form) {
        Ok(closing) => closing,
        Err(message) => {
            return queue_page(
                &state,
                &user,
                &origin,
                None,
                Some((request, message)),
                form.note,
            )
            .await;
        }
    };
    match state
        .db
        .close_contact_change(&user.scope, request, outcome, note.as_deref(), &origin)
        .await
    {
        Ok(()) => {
            let done = match outcome {
                ContactChangeOutcome::Done => "done",
                ContactChangeOutcome::Declined => "declined",
            };
            Ok(Redirect::to(&format!("/staff/contact-changes?done={done}")).into_response())
        }
        Err(CloseContactChangeError::NotFound) => {
            Ok((StatusCode::NOT_FOUND, NO_SUCH_REQUEST).into_response())
        }
        Err(CloseContactChangeError::Unexpected(error)) => Err(PageError::new(
            "could not close a contact change request",
            error,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(outcome: &str, note: &str) -> CloseForm {
        CloseForm {
            outcome: outcome.to_owned(),
            note: note.to_owned(),
        }
    }

    #[test]
    fn a_decline_needs_a_note_and_done_does_not() {
        assert_eq!(
            closing(&form("done", "  ")),
            Ok((ContactChangeOutcome::Done, None))
        );
        assert_eq!(
            closing(&form("declined", "")),
            Err("Say why in the note: the patient reads it.")
        );
        assert_eq!(
            closing(&form("declined", "Please call us")),
            Ok((
                ContactChangeOutcome::Declined,
                Some("Please call us".to_owned())
            ))
        );
        assert!(closing(&form("maybe", "")).is_err());
        assert!(closing(&form("done", &"x".repeat(501))).is_err());
    }
}
