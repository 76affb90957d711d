//! The support queue (issue 16, point 2): requests from the public "Ask us for help" form,
//! oldest first, by status; a request with how to reach the person, notes for staff, and its
//! status, which the person is emailed about (when they gave an address). Front desk and
//! administrators work it; every read and change is audited.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    Role,
    support::{SupportStatus, SupportTopic},
};
use jiff::{Timestamp, tz::TimeZone};
use serde::Deserialize;
use storage::{SupportChangeError, SupportDetail, SupportItem};
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, practice_zone, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

pub(crate) fn may_work_support(user: &StaffUser) -> bool {
    matches!(user.account.role, Role::FrontDesk | Role::Administrator)
}

const MAY_NOT: &str = "Only front-desk staff and administrators work the support requests.";
const NO_SUCH_REQUEST: &str = "No such support request in this practice.";
/// The longest note.
const MAX_NOTE: usize = 2000;

fn when(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%m/%d/%Y %H:%M %Z")
        .to_string()
}

/// A phone's ten digits as people write them.
fn phone_words(digits: &str) -> String {
    if digits.len() == 10 {
        format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..])
    } else {
        digits.to_owned()
    }
}

/// A request as the pages show it.
struct Line {
    href: String,
    reference: String,
    topic: &'static str,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    details: Option<String>,
    language: &'static str,
    status: &'static str,
    asked: String,
    updated: String,
}

fn line(item: SupportItem, zone: &TimeZone) -> Line {
    Line {
        href: format!("/staff/support/{}", item.id),
        reference: item.reference,
        topic: SupportTopic::staff_label(item.topic),
        name: item.name,
        email: item.email,
        phone: item.phone.as_deref().map(phone_words),
        details: item.details,
        language: if item.language == "es" {
            "Spanish"
        } else {
            "English"
        },
        status: item.status.staff_label(),
        asked: when(item.created_at, zone),
        updated: when(item.updated_at, zone),
    }
}

#[derive(Template)]
#[template(path = "staff/support.html")]
struct QueuePage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    lines: Vec<Line>,
    /// (value, words, chosen).
    statuses: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "staff/support_request.html")]
struct RequestPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    id: Uuid,
    line: Line,
    notes: Vec<(String, String, String)>,
    /// (value, words) of the statuses it may move to.
    moves: Vec<(&'static str, &'static str)>,
    note: String,
    error: Option<String>,
    done: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
}

/// `GET /staff/support`: the requests in a status (all but the closed at first), oldest
/// first; audited.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn queue(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<QueueQuery>,
) -> Result<Response, PageError> {
    if !may_work_support(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let status = SupportStatus::parse(&query.status);
    let items = state
        .db
        .support_queue(&user.scope, status, &origin)
        .await
        .or_trouble("could not read the support requests")?;
    let zone = practice_zone(&state, user.scope.organization()).await;
    let practice = Practice::of(&state).await;
    let mut response = render(QueuePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(&state, &user),
        lines: items.into_iter().map(|item| line(item, &zone)).collect(),
        statuses: SupportStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.staff_label(), status == Some(*s)))
            .collect(),
    });
    no_store(&mut response);
    Ok(response)
}

async fn request_page(
    state: &AppState,
    user: &StaffUser,
    detail: SupportDetail,
    note: String,
    error: Option<String>,
    done: Option<&'static str>,
) -> Response {
    let zone = practice_zone(state, user.scope.organization()).await;
    let practice = Practice::of(state).await;
    let current = detail.item.status;
    let failed = error.is_some();
    let mut response = render(RequestPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        id: detail.item.id,
        notes: detail
            .notes
            .into_iter()
            .map(|(who, at, body)| (who, when(at, &zone), body))
            .collect(),
        line: line(detail.item, &zone),
        moves: SupportStatus::ALL
            .iter()
            .filter(|s| **s != current)
            .map(|s| {
                let words = match s {
                    SupportStatus::New => "Mark as new again",
                    SupportStatus::InProgress => "I am working on it",
                    SupportStatus::Closed => "Done: close it",
                };
                (s.as_str(), words)
            })
            .collect(),
        note,
        error,
        done,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    response
}

#[derive(Deserialize, Default)]
pub struct RequestQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /staff/support/{request}`: one request with its notes; audited.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(request): Path<Uuid>,
    Query(query): Query<RequestQuery>,
) -> Result<Response, PageError> {
    if !may_work_support(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let Some(detail) = state
        .db
        .support_request(&user.scope, request, &origin)
        .await
        .or_trouble("could not read a support request")?
    else {
        return Ok((StatusCode::NOT_FOUND, NO_SUCH_REQUEST).into_response());
    };
    let done = match query.done.as_deref() {
        Some("status") => Some("Status saved. If the person gave an email address, they are told."),
        Some("noted") => Some("Note saved."),
        _ => None,
    };
    Ok(request_page(&state, &user, detail, String::new(), None, done).await)
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /staff/support/{request}/status`: new, in progress or closed; audited, and the
/// person emailed when they gave an address.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn set_status(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(request): Path<Uuid>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    if !may_work_support(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let Some(status) = SupportStatus::parse(&form.status) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose new, in progress or closed.",
        )
            .into_response());
    };
    match state
        .db
        .set_support_status(&user.scope, request, status, &origin)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/staff/support/{request}?done=status")).into_response()),
        Err(SupportChangeError::NotFound) => {
            Ok((StatusCode::NOT_FOUND, NO_SUCH_REQUEST).into_response())
        }
        Err(SupportChangeError::Unexpected(error)) => {
            Err(PageError::new("could not change a support request", error))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /staff/support/{request}/note`: a note for staff; audited.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn note(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(request): Path<Uuid>,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    if !may_work_support(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let note = form.note.trim();
    let problem = if note.is_empty() {
        Some("Write the note first.")
    } else if note.chars().count() > MAX_NOTE {
        Some("Keep the note under 2,000 characters.")
    } else {
        None
    };
    if let Some(problem) = problem {
        let Some(detail) = state
            .db
            .support_request(&user.scope, request, &origin)
            .await
            .or_trouble("could not read a support request")?
        else {
            return Ok((StatusCode::NOT_FOUND, NO_SUCH_REQUEST).into_response());
        };
        return Ok(request_page(
            &state,
            &user,
            detail,
            form.note,
            Some(problem.to_owned()),
            None,
        )
        .await);
    }
    match state
        .db
        .add_support_note(&user.scope, request, note, &origin)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/staff/support/{request}?done=noted")).into_response()),
        Err(SupportChangeError::NotFound) => {
            Ok((StatusCode::NOT_FOUND, NO_SUCH_REQUEST).into_response())
        }
        Err(SupportChangeError::Unexpected(error)) => {
            Err(PageError::new("could not keep a support note", error))
        }
    }
}
