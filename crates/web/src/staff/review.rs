//! The review queue: staff see which identity fields differed, or why an invitation email
//! could not be delivered, then re-invite (after correcting the chart's email), unlock, or
//! close the item with a reason.

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
use storage::{ReviewError, ReviewItem};
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, render},
        session::StaffUser,
    },
    enrollment::identity::invalid,
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// One row of the queue: an invitation's open items together (each wrong attempt opens one),
/// or a single item without an invitation.
struct Group {
    /// The newest item: actions and its page go through it.
    latest: ReviewItem,
    mismatches: usize,
    locked: bool,
    /// When its first item was opened, on the practice's clock.
    since: String,
}

impl Group {
    fn what(&self) -> String {
        let attempts = match self.mismatches {
            0 => String::new(),
            1 => "1 attempt did not match".to_owned(),
            n => format!("{n} attempts did not match"),
        };
        match (self.locked, attempts.is_empty()) {
            (true, true) => "Locked".to_owned(),
            (true, false) => format!("Locked: {attempts}"),
            (false, _) if !attempts.is_empty() => attempts,
            _ => kind_label(&self.latest.kind).to_owned(),
        }
    }

    fn since(&self) -> &str {
        &self.since
    }
}

fn group(items: Vec<ReviewItem>, zone: &TimeZone) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        let same = groups
            .iter_mut()
            .find(|g| g.latest.invitation.is_some() && g.latest.invitation == item.invitation);
        let (mismatch, locked) = (item.kind == "mismatch", item.kind == "locked");
        match same {
            Some(group) => {
                group.mismatches += usize::from(mismatch);
                group.locked |= locked;
                group.latest = item;
            }
            None => groups.push(Group {
                mismatches: usize::from(mismatch),
                locked,
                since: when(item.created_at, zone),
                latest: item,
            }),
        }
    }
    groups
}

pub(crate) fn kind_label(kind: &str) -> &str {
    match kind {
        "mismatch" => "Details did not match",
        "locked" => "Locked after too many attempts",
        "self-enrollment" => "Sign-up without an invitation did not match",
        "undeliverable" => "Invitation email could not be delivered",
        other => other,
    }
}

fn field_label(field: &str) -> &str {
    match field {
        "given" => "First name",
        "family" => "Last name",
        "birth_date" => "Date of birth",
        "mrn" => "MRN",
        "access_code" => "Access code",
        "ssn_last4" => "Last 4 of SSN",
        "postal_code" => "ZIP code",
        other => other,
    }
}

/// What an item's detail says, in rows staff can read.
#[derive(Debug, Default, PartialEq)]
struct Detail {
    /// Why a sign-up without an invitation was refused.
    reason: Option<String>,
    /// What was typed, for sign-ups without an invitation (there is no chart to compare).
    typed: Vec<(String, String)>,
    /// (field, matched / differed / not compared), in the form's order.
    results: Vec<(String, String)>,
    /// Why an invitation email could not be delivered.
    delivery: Option<String>,
}

/// The fields in the order the patient's form asks for them.
const FIELD_ORDER: [&str; 7] = [
    "given",
    "family",
    "birth_date",
    "mrn",
    "access_code",
    "ssn_last4",
    "postal_code",
];

fn rows(map: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    let mut entries: Vec<(&String, &serde_json::Value)> =
        map.iter().filter(|(_, value)| !value.is_null()).collect();
    entries.sort_by_key(|(field, _)| {
        FIELD_ORDER
            .iter()
            .position(|f| f == field)
            .unwrap_or(FIELD_ORDER.len())
    });
    entries
        .into_iter()
        .map(|(field, value)| {
            let value = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (field_label(field).to_owned(), value)
        })
        .collect()
}

/// Reads an item's detail: either per-field results (an invited patient's attempt), or a
/// refused sign-up with its reason, what was typed and, when a chart came close, the results.
fn detail(text: &str) -> Detail {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Detail {
            results: vec![("Detail".to_owned(), text.to_owned())],
            ..Detail::default()
        };
    };
    if let Some(why) = map.get("delivery").and_then(|why| why.as_str()) {
        return Detail {
            delivery: Some(why.to_owned()),
            ..Detail::default()
        };
    }
    if !map.contains_key("typed") {
        return Detail {
            results: rows(&map),
            ..Detail::default()
        };
    }
    let object = |key: &str| match map.get(key) {
        Some(serde_json::Value::Object(inner)) => rows(inner),
        _ => Vec::new(),
    };
    Detail {
        reason: map
            .get("reason")
            .and_then(|r| r.as_str())
            .map(str::to_owned),
        typed: object("typed"),
        results: object("fields"),
        delivery: None,
    }
}

/// A moment on the practice's clock, with the zone's abbreviation ("12/06/2026 09:15 EST").
fn when(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%m/%d/%Y %H:%M %Z")
        .to_string()
}

#[derive(Template)]
#[template(path = "staff/review.html")]
struct QueuePage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    groups: Vec<Group>,
    /// Items that closed by themselves lately, for the record.
    resolved: Vec<Resolved>,
    closed: bool,
}

/// Items that closed without staff (the patient corrected a typo or finished signing up),
/// an invitation's items together as in the queue.
struct Resolved {
    patient: String,
    what: String,
    when: String,
    note: String,
}

impl Resolved {
    fn of(group: Group, zone: &TimeZone) -> Self {
        let what = group.what();
        let item = group.latest;
        let (at, note) = item.closed.unwrap_or((item.created_at, String::new()));
        Self {
            patient: item
                .patient_name
                .unwrap_or_else(|| "No chart matched".to_owned()),
            what,
            when: when(at, zone),
            note,
        }
    }
}

/// How far back the queue shows what resolved by itself.
const RESOLVED_DAYS: i64 = 30;

#[derive(Template)]
#[template(path = "staff/review_item.html")]
struct ItemPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    item: ReviewItem,
    kind: String,
    detail: Detail,
    created: String,
    can_unlock: bool,
    reason: String,
    note: String,
    reason_error: Option<&'static str>,
}

pub(crate) fn may_review(user: &StaffUser) -> bool {
    matches!(user.account.role, Role::FrontDesk | Role::Administrator)
}

pub(crate) const MAY_NOT_REVIEW: &str =
    "Only front-desk staff and administrators work the review queue.";
pub(crate) const CANNOT_UNLOCK: &str = "This invitation is no longer locked, or it has expired. Send a new invitation from the patient's page.";
pub(crate) const NO_SUCH_ITEM: &str =
    "No such open review item in this practice. It may have been closed already.";

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, MAY_NOT_REVIEW).into_response()
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    closed: Option<String>,
}

/// `GET /staff/review`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn queue(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<QueueQuery>,
) -> Result<Response, PageError> {
    if !may_review(&user) {
        return Ok(forbidden());
    }
    let origin = request_origin(client, &headers);
    let since = Timestamp::now() - jiff::SignedDuration::from_hours(24 * RESOLVED_DAYS);
    let (items, resolved) = state
        .db
        .review_queue_with_resolved(&user.scope, &origin, since)
        .await
        .or_trouble("could not read the review queue")?;
    let practice = Practice::of(&state).await;
    let zone = crate::common::pages::practice_zone(&state, user.scope.organization()).await;
    let mut response = render(QueuePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(&state, &user),
        groups: group(items, &zone),
        resolved: group(resolved, &zone)
            .into_iter()
            .map(|group| Resolved::of(group, &zone))
            .collect(),
        closed: query.closed.is_some(),
    });
    no_store(&mut response);
    Ok(response)
}

/// `GET /staff/review/{item}`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(item): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_review(&user) {
        return Ok(forbidden());
    }
    item_page(
        &state,
        &user,
        item,
        &request_origin(client, &headers),
        CloseForm::default(),
        None,
    )
    .await
}

async fn item_page(
    state: &AppState,
    user: &StaffUser,
    item: Uuid,
    origin: &storage::RequestOrigin,
    form: CloseForm,
    reason_error: Option<&'static str>,
) -> Result<Response, PageError> {
    let Some(item) = state
        .db
        .review_item(&user.scope, item, origin)
        .await
        .or_trouble("could not read a review item")?
    else {
        return Ok(not_found());
    };
    let practice = Practice::of(state).await;
    let zone = crate::common::pages::practice_zone(state, user.scope.organization()).await;
    let mut response = render(ItemPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        kind: kind_label(&item.kind).to_owned(),
        detail: detail(&item.detail),
        created: when(item.created_at, &zone),
        can_unlock: item.can_unlock(Timestamp::now()),
        item,
        reason: form.reason,
        note: form.note,
        reason_error,
    });
    no_store(&mut response);
    Ok(response)
}

/// `POST /staff/review/{item}/unlock`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn unlock(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(item): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_review(&user) {
        return Ok(forbidden());
    }
    let origin = request_origin(client, &headers);
    match state.db.unlock_invitation(&user.scope, item, &origin).await {
        Ok(()) => Ok(Redirect::to("/staff/review?closed").into_response()),
        Err(ReviewError::NotFound) => Ok(not_found()),
        Err(ReviewError::CannotUnlock) => Ok((StatusCode::CONFLICT, CANNOT_UNLOCK).into_response()),
        Err(ReviewError::Unexpected(error)) => {
            Err(PageError::new("could not unlock an invitation", error))
        }
    }
}

/// The reasons staff pick from; "other" needs a note.
pub(crate) const REASONS: [(&str, &str); 4] = [
    ("helped", "The patient called and was helped"),
    ("not-patient", "Someone other than the patient tried"),
    ("duplicate", "Already handled"),
    ("other", "Another reason"),
];

#[derive(Deserialize, Default)]
pub struct CloseForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

/// `POST /staff/review/{item}/close`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn close(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(item): Path<Uuid>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    if !may_review(&user) {
        return Ok(forbidden());
    }
    let origin = request_origin(client, &headers);
    let reason = match closing_reason(&form.reason, &form.note) {
        Ok(reason) => reason,
        Err((_, message)) => {
            let page = item_page(&state, &user, item, &origin, form, Some(message)).await?;
            return Ok(invalid(page));
        }
    };
    match state
        .db
        .close_review_item(&user.scope, item, &reason, &origin)
        .await
    {
        Ok(()) => Ok(Redirect::to("/staff/review?closed").into_response()),
        Err(ReviewError::NotFound) => Ok(not_found()),
        // Closing never answers that; were it to, it is a failure of ours like the others.
        Err(error @ ReviewError::CannotUnlock) => {
            Err(PageError::new("could not close a review item", error))
        }
        Err(ReviewError::Unexpected(error)) => {
            Err(PageError::new("could not close a review item", error))
        }
    }
}

/// The reason recorded when an item closes, from the reason chosen and the note; or the
/// field to fix and what to do.
pub(crate) fn closing_reason(
    reason: &str,
    note: &str,
) -> Result<String, (&'static str, &'static str)> {
    let note = note.trim();
    match REASONS.iter().find(|(key, _)| *key == reason) {
        None => Err(("reason", "Choose why you are closing this item.")),
        Some(("other", _)) if note.is_empty() => Err(("note", "Say why in the note.")),
        Some(_) if note.chars().count() > 500 => {
            Err(("note", "Keep the note under 500 characters."))
        }
        Some((_, label)) if note.is_empty() => Ok((*label).to_owned()),
        Some((_, label)) => Ok(format!("{label}: {note}")),
    }
}

impl ItemPage {
    fn reasons(&self) -> &'static [(&'static str, &'static str)] {
        &REASONS
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, NO_SUCH_ITEM).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_reads_as_field_rows_in_the_form_order() {
        let read = detail(r#"{"mrn":"not compared","given":"matched","birth_date":"differed"}"#);
        let fields: Vec<&str> = read.results.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["First name", "Date of birth", "MRN"]);
        assert_eq!(read.results[1].1, "differed");
        assert!(read.typed.is_empty() && read.reason.is_none());
        assert_eq!(detail("not json").results[0].1, "not json");
    }

    #[test]
    fn a_refused_sign_up_shows_its_reason_and_what_was_typed() {
        let read = detail(
            r#"{"reason":"no match","typed":{"family":"Rivera","given":"Lucia","mrn":null},"patient":null,"fields":null}"#,
        );
        assert_eq!(read.reason.as_deref(), Some("no match"));
        assert_eq!(
            read.typed,
            [
                ("First name".to_owned(), "Lucia".to_owned()),
                ("Last name".to_owned(), "Rivera".to_owned())
            ]
        );
        assert!(read.results.is_empty());
    }

    #[test]
    fn an_undeliverable_invitation_says_why_it_did_not_go() {
        let read =
            detail(r#"{"delivery":"the mail server refused the message for good (SMTP 550)"}"#);
        assert_eq!(
            read.delivery.as_deref(),
            Some("the mail server refused the message for good (SMTP 550)")
        );
        assert!(read.results.is_empty() && read.typed.is_empty());
        assert_eq!(
            kind_label("undeliverable"),
            "Invitation email could not be delivered"
        );
    }
}
