//! The staff inbox of secure messages (issue 16, point 1): the practice's conversations by
//! pool and status, soonest due first with the overdue marked; a conversation with the
//! patient's details, assigning it (to oneself or a colleague, or back to the pool), notes
//! the patient never sees, answering it (from a template or not, with files), and closing
//! it. Front desk, clinicians and administrators work it; every read and change is audited
//! on the patient's record.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Multipart, Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    Role, StaffId,
    messaging::{MessageBody, MessageError, Pool, ThreadStatus},
};
use jiff::{Timestamp, tz::TimeZone};
use serde::Deserialize;
use storage::{Author, InboxFilter, MessageWriteError, RequestOrigin, StaffThread};
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, practice_zone, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    messages::{
        size_words,
        upload::{self, UploadProblem},
    },
    staff::console::request_origin,
};

pub(crate) fn may_work_messages(user: &StaffUser) -> bool {
    matches!(
        user.account.role,
        Role::FrontDesk | Role::Clinician | Role::Administrator
    )
}

pub(crate) const MAY_NOT: &str =
    "Only front-desk staff, clinicians and administrators work the patients' messages.";
const NO_SUCH_THREAD: &str = "No such conversation in this practice.";

/// The staff pages' common header fields.
struct Header {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
}

async fn header(state: &AppState, user: &StaffUser) -> Header {
    let practice = Practice::of(state).await;
    Header {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
    }
}

/// A moment on the practice's clock ("12/06/2026 09:15 EST").
fn when(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%m/%d/%Y %H:%M %Z")
        .to_string()
}

/// When an answer is due: by the end of a day on the practice's clock ("end of 12/10/2026").
fn due_words(due: Timestamp, zone: &TimeZone) -> String {
    let last = due
        .checked_sub(jiff::SignedDuration::from_secs(1))
        .unwrap_or(due);
    format!(
        "end of {}",
        last.to_zoned(zone.clone()).strftime("%m/%d/%Y")
    )
}

fn status_label(status: ThreadStatus) -> &'static str {
    match status {
        ThreadStatus::Unassigned => "Unassigned",
        ThreadStatus::Assigned => "Assigned",
        ThreadStatus::WaitingForPatient => "Waiting for patient",
        ThreadStatus::Closed => "Closed",
    }
}

fn pool_label(pools: &[Pool], key: &str) -> String {
    pools
        .iter()
        .find(|p| p.key.as_str() == key)
        .map_or_else(|| key.to_owned(), |p| p.name_en.clone())
}

/// A line of the inbox.
struct InboxLine {
    href: String,
    patient: String,
    mrn: Option<String>,
    subject: String,
    pool: String,
    status: &'static str,
    assigned: Option<String>,
    last: String,
    due: Option<String>,
    overdue: bool,
    unread: i64,
}

/// A choice of a filter: its value, its words, whether chosen.
struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "staff/messages.html")]
struct InboxPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    pools: Vec<Choice>,
    statuses: Vec<Choice>,
    mine: bool,
    lines: Vec<InboxLine>,
    overdue: usize,
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    pool: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: Option<String>,
}

/// `GET /staff/messages`: the practice's conversations by the filter (pool, status, mine),
/// soonest due first; each patient listed is audited.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn inbox(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let org = user.scope.organization();
    let pools = state
        .db
        .message_pools(org)
        .await
        .or_trouble("could not read the message pools")?;
    let pool = pools
        .iter()
        .find(|p| p.key.as_str() == query.pool)
        .map(|p| p.key.as_str().to_owned());
    let status = ThreadStatus::parse(&query.status);
    let filter = InboxFilter {
        pool: pool.clone(),
        status,
        mine: query.mine.is_some(),
    };
    let rows = state
        .db
        .message_inbox(&user.scope, &filter, &origin)
        .await
        .or_trouble("could not read the inbox")?;
    let zone = practice_zone(&state, org).await;
    let now = Timestamp::now();
    let lines: Vec<InboxLine> = rows
        .into_iter()
        .map(|row| {
            let awaits = row.thread.status.awaits_practice();
            InboxLine {
                href: format!("/staff/messages/{}", row.thread.id),
                patient: row.patient_name,
                mrn: row.mrn,
                pool: pool_label(&pools, &row.thread.pool_key),
                status: status_label(row.thread.status),
                assigned: row.assigned_name,
                last: when(row.thread.last_message_at, &zone),
                due: row.due_at.filter(|_| awaits).map(|at| due_words(at, &zone)),
                overdue: awaits && row.due_at.is_some_and(|due| due < now),
                unread: row.thread.unread,
                subject: row.thread.subject,
            }
        })
        .collect();
    let overdue = lines.iter().filter(|l| l.overdue).count();
    let header = header(&state, &user).await;
    let mut response = render(InboxPage {
        practice_name: header.practice_name,
        practice_phone: header.practice_phone,
        staff_name: header.staff_name,
        staff_role: header.staff_role,
        staff_is_admin: header.staff_is_admin,
        staff_mailbox: header.staff_mailbox,
        pools: pools
            .iter()
            .map(|p| Choice {
                value: p.key.as_str().to_owned(),
                label: if p.open {
                    p.name_en.clone()
                } else {
                    format!("{} (closed)", p.name_en)
                },
                chosen: pool.as_deref() == Some(p.key.as_str()),
            })
            .collect(),
        statuses: ThreadStatus::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: status_label(*s).to_owned(),
                chosen: status == Some(*s),
            })
            .collect(),
        mine: filter.mine,
        lines,
        overdue,
    });
    no_store(&mut response);
    Ok(response)
}

/// A colleague the thread may be given to.
struct ColleagueChoice {
    id: StaffId,
    name: String,
    /// The thread is theirs now.
    assigned: bool,
    /// The reader.
    me: bool,
}

/// A message as staff read it.
struct MessageLine {
    side: &'static str,
    who: String,
    when: String,
    body: String,
    files: Vec<(String, String, String)>,
    receipt: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/message_thread.html")]
struct ThreadPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    id: Uuid,
    subject: String,
    pool: String,
    status: &'static str,
    closed: bool,
    patient: String,
    patient_href: String,
    mrn: Option<String>,
    birth_date: String,
    about: Option<String>,
    due: Option<String>,
    overdue: bool,
    colleagues: Vec<ColleagueChoice>,
    messages: Vec<MessageLine>,
    notes: Vec<(String, String, String)>,
    templates: Vec<(String, String)>,
    /// The largest file, in words.
    max_size: String,
    reply: String,
    note: String,
    error: Option<(&'static str, String)>,
    done: Option<&'static str>,
}

impl ThreadPage {
    fn error_for(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(at, _)| *at == form)
            .map(|(_, message)| message.as_str())
    }
}

/// What a page of a thread shows again after a problem.
#[derive(Default)]
struct Typed {
    reply: String,
    note: String,
    error: Option<(&'static str, String)>,
    done: Option<&'static str>,
}

async fn thread_page(
    state: &AppState,
    user: &StaffUser,
    thread: StaffThread,
    typed: Typed,
) -> Result<Response, PageError> {
    let org = user.scope.organization();
    let pools = state
        .db
        .message_pools(org)
        .await
        .or_trouble("could not read the message pools")?;
    let settings = state
        .db
        .messaging_settings(org)
        .await
        .or_trouble("could not read the messaging settings")?;
    let colleagues = state
        .db
        .colleagues(&user.scope)
        .await
        .or_trouble("could not read the practice's staff")?;
    let templates = state
        .db
        .reply_templates(&user.scope)
        .await
        .or_trouble("could not read the reply templates")?;
    let zone = practice_zone(state, org).await;
    let header = header(state, user).await;
    let summary = &thread.thread.summary;
    let awaits = summary.status.awaits_practice();
    let due_at = thread.thread.due_at.filter(|_| awaits);
    let failed = typed.error.is_some();
    let page = ThreadPage {
        practice_name: header.practice_name,
        practice_phone: header.practice_phone,
        staff_name: header.staff_name,
        staff_role: header.staff_role,
        staff_is_admin: header.staff_is_admin,
        staff_mailbox: header.staff_mailbox,
        id: summary.id,
        subject: summary.subject.clone(),
        pool: pool_label(&pools, &summary.pool_key),
        status: status_label(summary.status),
        closed: summary.status == ThreadStatus::Closed,
        patient: thread.patient_name.clone(),
        patient_href: format!("/staff/patients/{}", thread.patient),
        mrn: thread.mrn.clone(),
        birth_date: thread.birth_date.strftime("%m/%d/%Y").to_string(),
        about: summary.about.as_ref().map(|a| {
            let kind = if a.kind == "medicine" {
                "Refill of"
            } else {
                "Test result:"
            };
            format!("{kind} {}", a.label)
        }),
        due: due_at.map(|at| due_words(at, &zone)),
        overdue: due_at.is_some_and(|due| due < Timestamp::now()),
        colleagues: colleagues
            .into_iter()
            .map(|c| ColleagueChoice {
                assigned: thread.assigned_to == Some(c.id),
                me: c.id == user.scope.staff(),
                id: c.id,
                name: c.name,
            })
            .collect(),
        messages: thread
            .thread
            .messages
            .iter()
            .map(|m| {
                let (side, who) = match &m.author {
                    Author::Patient => ("patient", format!("{} (patient)", thread.patient_name)),
                    Author::Staff { name, .. } => ("practice", name.clone()),
                    Author::Auto => ("auto", "Automatic reply".to_owned()),
                };
                MessageLine {
                    side,
                    who,
                    when: when(m.sent_at, &zone),
                    body: m.body.clone(),
                    files: m
                        .attachments
                        .iter()
                        .map(|a| {
                            (
                                format!("/staff/messages/files/{}", a.id),
                                a.file_name.clone(),
                                size_words(a.size_bytes),
                            )
                        })
                        .collect(),
                    receipt: matches!(m.author, Author::Staff { .. }).then(|| match m.read_at {
                        Some(at) => format!("Read by the patient {}", when(at, &zone)),
                        None => "Not read by the patient yet".to_owned(),
                    }),
                }
            })
            .collect(),
        notes: thread
            .notes
            .iter()
            .map(|n| {
                (
                    n.staff_name.clone(),
                    when(n.created_at, &zone),
                    n.body.clone(),
                )
            })
            .collect(),
        templates: templates
            .into_iter()
            .map(|t| {
                (
                    format!(
                        "/staff/messages/{}?template={}#reply-body",
                        summary.id, t.id
                    ),
                    t.title,
                )
            })
            .collect(),
        max_size: size_words(i64::from(settings.attachment_max_kib) * 1024),
        reply: typed.reply,
        note: typed.note,
        error: typed.error,
        done: typed.done,
    };
    let mut response = render(page);
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    Ok(response)
}

async fn read_thread(
    state: &AppState,
    user: &StaffUser,
    thread: Uuid,
    origin: &RequestOrigin,
) -> Result<Option<StaffThread>, PageError> {
    state
        .db
        .staff_thread(&user.scope, thread, origin)
        .await
        .or_trouble("could not read a conversation")
}

#[derive(Deserialize, Default)]
pub struct ThreadQuery {
    #[serde(default)]
    done: Option<String>,
    /// A reply template to start the answer from.
    #[serde(default)]
    template: Option<Uuid>,
}

/// `GET /staff/messages/{thread}`: a conversation of the practice with its notes; what the
/// patient wrote in it is then read (audited).
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn thread(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(thread): Path<Uuid>,
    Query(query): Query<ThreadQuery>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let Some(found) = read_thread(&state, &user, thread, &origin).await? else {
        return Ok((StatusCode::NOT_FOUND, NO_SUCH_THREAD).into_response());
    };
    let done = match query.done.as_deref() {
        Some("replied") => {
            Some("Your answer was sent. The patient is told by email if they asked for it.")
        }
        Some("assigned") => Some("Assignment saved."),
        Some("noted") => Some("Note saved. The patient does not see notes."),
        Some("closed") => Some("Conversation closed. If the patient writes again, it opens again."),
        _ => None,
    };
    let reply = match query.template {
        Some(id) => state
            .db
            .reply_templates(&user.scope)
            .await
            .or_trouble("could not read the reply templates")?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.body)
            .unwrap_or_default(),
        None => String::new(),
    };
    thread_page(
        &state,
        &user,
        found,
        Typed {
            done,
            reply,
            ..Typed::default()
        },
    )
    .await
}

fn body_problem(error: MessageError) -> String {
    match error {
        MessageError::EmptyBody => "Write something first.".to_owned(),
        other => other.to_string(),
    }
}

fn upload_words(problem: &UploadProblem) -> String {
    match problem {
        UploadProblem::File { name, error } => format!("{name}: {error}"),
        UploadProblem::TooManyFiles => "At most 3 files can go with one message.".to_owned(),
        UploadProblem::Unreadable => "The form could not be read. Please try again.".to_owned(),
    }
}

/// The answer to a write: where to go, not found, or the page again with the problem.
async fn after_write(
    state: &AppState,
    user: &StaffUser,
    thread: Uuid,
    origin: &RequestOrigin,
    written: Result<(), MessageWriteError>,
    done: &str,
    typed: Typed,
) -> Result<Response, PageError> {
    match written {
        Ok(()) => {
            Ok(Redirect::to(&format!("/staff/messages/{thread}?done={done}")).into_response())
        }
        Err(MessageWriteError::NotFound) => {
            Ok((StatusCode::NOT_FOUND, NO_SUCH_THREAD).into_response())
        }
        Err(MessageWriteError::NoSuchColleague) => {
            let Some(found) = read_thread(state, user, thread, origin).await? else {
                return Ok((StatusCode::NOT_FOUND, NO_SUCH_THREAD).into_response());
            };
            let typed = Typed {
                error: Some(("assign", "Choose a colleague from the list.".to_owned())),
                ..typed
            };
            thread_page(state, user, found, typed).await
        }
        Err(MessageWriteError::Unexpected(error)) => {
            Err(PageError::new("could not change a conversation", error))
        }
    }
}

/// `POST /staff/messages/{thread}/reply`: an answer to the patient (with up to three files).
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn reply(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(thread): Path<Uuid>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let settings = state
        .db
        .messaging_settings(user.scope.organization())
        .await
        .or_trouble("could not read the messaging settings")?;
    let (form, upload) = upload::read(multipart, settings.attachment_max_bytes()).await;
    let body = MessageBody::parse(form.field("body"));
    let problem = match (&body, &upload) {
        (_, Some(problem)) => Some(upload_words(problem)),
        (Err(error), None) => Some(body_problem(*error)),
        (Ok(_), None) => None,
    };
    let (Ok(body), None) = (body, problem.as_ref()) else {
        let typed_reply = form.field("body").to_owned();
        let Some(found) = read_thread(&state, &user, thread, &origin).await? else {
            return Ok((StatusCode::NOT_FOUND, NO_SUCH_THREAD).into_response());
        };
        let typed = Typed {
            reply: typed_reply,
            error: problem.map(|p| ("reply", p)),
            ..Typed::default()
        };
        return thread_page(&state, &user, found, typed).await;
    };
    let written = state
        .db
        .staff_reply(&user.scope, thread, &body, &form.files, &origin)
        .await;
    after_write(
        &state,
        &user,
        thread,
        &origin,
        written,
        "replied",
        Typed::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    /// A colleague's id, or empty: back to the pool.
    #[serde(default)]
    to: String,
}

/// `POST /staff/messages/{thread}/assign`: to oneself, a colleague, or back to the pool.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn assign(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(thread): Path<Uuid>,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let to = match form.to.trim() {
        "" => Ok(None),
        id => id.parse::<Uuid>().map(|id| Some(StaffId::from_uuid(id))),
    };
    let written = match to {
        Ok(to) => {
            state
                .db
                .assign_thread(&user.scope, thread, to, &origin)
                .await
        }
        Err(_) => Err(MessageWriteError::NoSuchColleague),
    };
    after_write(
        &state,
        &user,
        thread,
        &origin,
        written,
        "assigned",
        Typed::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /staff/messages/{thread}/note`: a note for staff only.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn note(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(thread): Path<Uuid>,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let note = match MessageBody::parse(&form.note) {
        Ok(note) => note,
        Err(error) => {
            let Some(found) = read_thread(&state, &user, thread, &origin).await? else {
                return Ok((StatusCode::NOT_FOUND, NO_SUCH_THREAD).into_response());
            };
            let typed = Typed {
                note: form.note,
                error: Some(("note", body_problem(error))),
                ..Typed::default()
            };
            return thread_page(&state, &user, found, typed).await;
        }
    };
    let written = state
        .db
        .add_thread_note(&user.scope, thread, &note, &origin)
        .await;
    after_write(
        &state,
        &user,
        thread,
        &origin,
        written,
        "noted",
        Typed::default(),
    )
    .await
}

/// `POST /staff/messages/{thread}/close`: nothing more is due.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn close(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(thread): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let written = state.db.close_thread(&user.scope, thread, &origin).await;
    after_write(
        &state,
        &user,
        thread,
        &origin,
        written,
        "closed",
        Typed::default(),
    )
    .await
}

/// `GET /staff/messages/files/{attachment}`: a file of a message of the practice (audited).
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn file(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(attachment): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    match state
        .db
        .staff_attachment(&user.scope, attachment, &origin)
        .await
        .or_trouble("could not read an attachment")?
    {
        Some(attachment) => Ok(crate::messages::attachment_response(attachment)),
        None => Ok((StatusCode::NOT_FOUND, "No such file in this practice.").into_response()),
    }
}

/// `GET /static/staff-messages.js`: keeps the header's count of new conversations.
pub async fn script() -> impl IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/staff-messages.js"),
    )
}
