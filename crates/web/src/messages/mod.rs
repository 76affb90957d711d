//! Secure messages, the patient's side (issue 16, point 1): the conversations with the
//! practice (`/messages`), a new one to a pool the practice lists (`/messages/new`, from a
//! test result or a medicine: about it, a refill asked for), a conversation with its replies and read receipts
//! (`/messages/{thread}`), and the files sent with them, served as downloads.
//!
//! A practice that has turned messaging off still shows the conversations there were; the
//! patient is told to call instead of being given a form. Every page reads through the
//! patient's scope: another patient's conversation is "not found", never shown.

pub(crate) mod events;
pub(crate) mod upload;

use askama::Template;
use axum::{
    extract::{Multipart, Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use domain::messaging::{
    AttachmentError, MessageBody, MessageError, MessagingSettings, Pool, PoolKey, Subject,
    ThreadStatus, answer_due,
};
use jiff::{Timestamp, tz::TimeZone};
use serde::Deserialize;
use storage::{About, Author, MessageWriteError, NewThread, Thread, ThreadSummary};
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        i18n::{Arg, day, lang, moment, t, t_args},
        pages::not_found,
    },
    error::{OrTrouble, PageError},
    record::{Reader, private_page},
};
use upload::UploadProblem;

/// A conversation as the list shows it.
struct ThreadLine {
    href: String,
    subject: String,
    pool: String,
    when: String,
    /// Where it stands, in the patient's words.
    state: String,
    unread: i64,
}

#[derive(Template)]
#[template(path = "messages/list.html")]
struct ListPage {
    practice_name: String,
    practice_phone: Option<String>,
    enabled: bool,
    threads: Vec<ThreadLine>,
    done: Option<&'static str>,
}

/// A pool the patient may write to.
struct PoolChoice {
    key: String,
    name: String,
}

#[derive(Template)]
#[template(path = "messages/new.html")]
struct NewPage {
    practice_name: String,
    practice_phone: Option<String>,
    enabled: bool,
    pools: Vec<PoolChoice>,
    /// What the patient typed, shown again with its problems.
    pool: String,
    subject: String,
    body: String,
    /// The item of the record the message is about.
    about: Option<AboutItem>,
    /// "We answer within 2 business days."
    answer_time: String,
    /// What may be attached, and how large.
    files_hint: String,
    /// (field id, message), in the form's order.
    errors: Vec<(&'static str, String)>,
}

impl NewPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

fn field_error<'a>(errors: &'a [(&'static str, String)], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(id, _)| *id == field)
        .map(|(_, message)| message.as_str())
}

/// An item of the record a new message is about: a test result or a medicine.
#[derive(Debug, Clone)]
struct AboutItem {
    /// `result` or `medicine`.
    kind: &'static str,
    id: Uuid,
    /// Its words ("Glucose, January 10, 2025"; "Metformin 500 MG").
    label: String,
}

impl AboutItem {
    /// The form field that carries it.
    fn field(&self) -> &'static str {
        if self.kind == "medicine" {
            "about_medicine"
        } else {
            "about_result"
        }
    }
}

/// A file a message carries, as a link.
struct FileLink {
    href: String,
    name: String,
    size: String,
}

/// A message as the thread shows it.
struct MessageView {
    /// `mine`, `practice` or `auto`: how it is set apart.
    side: &'static str,
    who: String,
    when: String,
    body: String,
    files: Vec<FileLink>,
    /// For the patient's own messages: whether the practice has opened it.
    receipt: Option<String>,
}

#[derive(Template)]
#[template(path = "messages/thread.html")]
struct ThreadPage {
    practice_name: String,
    practice_phone: Option<String>,
    enabled: bool,
    id: Uuid,
    subject: String,
    pool: String,
    about: Option<(String, String)>,
    state: String,
    messages: Vec<MessageView>,
    files_hint: String,
    body: String,
    errors: Vec<(&'static str, String)>,
    done: Option<&'static str>,
}

impl ThreadPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

/// The pool's name in the patient's language; a pool the practice no longer lists by its
/// key.
fn pool_name(pools: &[Pool], key: &str) -> String {
    pools
        .iter()
        .find(|p| p.key.as_str() == key)
        .map_or_else(|| key.to_owned(), |p| p.name(lang().tag()).to_owned())
}

/// Where a conversation stands, for the patient.
fn state_words(status: ThreadStatus) -> String {
    t(match status {
        ThreadStatus::Unassigned | ThreadStatus::Assigned => "messages-state-waiting",
        ThreadStatus::WaitingForPatient => "messages-state-answered",
        ThreadStatus::Closed => "messages-state-closed",
    })
}

/// A size as people read it: "340 KB", "2.5 MB".
pub(crate) fn size_words(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

fn thread_line(summary: ThreadSummary, pools: &[Pool], zone: &TimeZone) -> ThreadLine {
    ThreadLine {
        href: format!("/messages/{}", summary.id),
        pool: pool_name(pools, &summary.pool_key),
        when: moment(summary.last_message_at, zone),
        state: state_words(summary.status),
        unread: summary.unread,
        subject: summary.subject,
    }
}

fn message_problem(error: MessageError) -> String {
    t(match error {
        MessageError::EmptyBody => "messages-error-body-empty",
        MessageError::BodyTooLong => "messages-error-body-long",
        MessageError::EmptySubject => "messages-error-subject-empty",
        MessageError::SubjectTooLong => "messages-error-subject-long",
    })
}

fn upload_problem(problem: &UploadProblem) -> String {
    match problem {
        UploadProblem::File { name, error } => {
            let name = Arg::Text(if name.trim().is_empty() {
                t("messages-file-unnamed")
            } else {
                name.clone()
            });
            match error {
                AttachmentError::Empty => t_args("messages-error-file-empty", &[("name", name)]),
                AttachmentError::TooLarge { max_kb } => t_args(
                    "messages-error-file-large",
                    &[
                        ("name", name),
                        ("limit", size_words(*max_kb as i64 * 1024).into()),
                    ],
                ),
                AttachmentError::NotAllowed => {
                    t_args("messages-error-file-type", &[("name", name)])
                }
            }
        }
        UploadProblem::TooManyFiles => t("messages-error-files-many"),
        UploadProblem::Unreadable => t("messages-error-form"),
    }
}

/// What may be attached, and how large, in the patient's language.
fn files_hint(settings: &MessagingSettings) -> String {
    t_args(
        "messages-files-hint",
        &[(
            "limit",
            size_words(i64::from(settings.attachment_max_kib) * 1024).into(),
        )],
    )
}

/// The practice's automatic answer to a new conversation, in the patient's language.
fn auto_reply(settings: &MessagingSettings, due: Timestamp, zone: &TimeZone) -> String {
    t_args(
        "messages-auto-reply",
        &[
            ("days", i64::from(settings.answer_business_days).into()),
            // The last day the answer may come on (it is due at that day's end).
            (
                "due",
                day(due
                    .checked_sub(jiff::SignedDuration::from_secs(1))
                    .unwrap_or(due)
                    .to_zoned(zone.clone())
                    .date())
                .into(),
            ),
        ],
    )
}

async fn settings_and_pools(
    state: &AppState,
    reader: &Reader,
) -> Result<(MessagingSettings, Vec<Pool>), PageError> {
    let org = reader.user.scope.organization();
    let settings = state
        .db
        .messaging_settings(org)
        .await
        .or_trouble("could not read the messaging settings")?;
    let pools = state
        .db
        .message_pools(org)
        .await
        .or_trouble("could not read the message pools")?;
    Ok((settings, pools))
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /messages`: the patient's conversations, newest first (audited).
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn list(State(state): State<AppState>, reader: Reader) -> Result<Response, PageError> {
    let (settings, pools) = settings_and_pools(&state, &reader).await?;
    let threads = state
        .db
        .patient_threads(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read the conversations")?;
    let (practice, zone) = reader.practice(&state).await;
    Ok(private_page(ListPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        enabled: settings.enabled,
        threads: threads
            .into_iter()
            .map(|s| thread_line(s, &pools, &zone))
            .collect(),
        done: None,
    }))
}

#[derive(Deserialize)]
pub struct NewQuery {
    /// A test result the message is about.
    #[serde(default)]
    result: Option<Uuid>,
    /// A medicine to refill.
    #[serde(default)]
    medicine: Option<Uuid>,
}

/// The item a message is about, with its words, when it is one of the patient's (the read is
/// audited as the patient's). A result wins over a medicine when both are named.
async fn about_item(
    state: &AppState,
    reader: &Reader,
    result: Option<Uuid>,
    medicine: Option<Uuid>,
    zone: &TimeZone,
) -> Result<Option<AboutItem>, PageError> {
    if let Some(id) = result {
        let detail = state
            .db
            .test_result(&reader.user.scope, id, &reader.origin)
            .await
            .or_trouble("could not read the result a message is about")?;
        return Ok(detail.map(|d| {
            let name = d
                .result
                .display
                .clone()
                .unwrap_or_else(|| t("messages-about-result"));
            let label = match d.result.at {
                Some(at) => format!("{name}, {}", day(at.to_zoned(zone.clone()).date())),
                None => name,
            };
            AboutItem {
                kind: "result",
                id,
                label,
            }
        }));
    }
    if let Some(id) = medicine {
        let found = state
            .db
            .medicine(&reader.user.scope, id, &reader.origin)
            .await
            .or_trouble("could not read the medicine a message is about")?;
        return Ok(found.map(|m| AboutItem {
            kind: "medicine",
            id,
            label: if m.name.trim().is_empty() {
                t("medicines-unnamed")
            } else {
                m.name
            },
        }));
    }
    Ok(None)
}

#[allow(clippy::too_many_arguments)]
async fn new_page(
    state: &AppState,
    reader: &Reader,
    settings: MessagingSettings,
    pools: &[Pool],
    form: (String, String, String),
    about: Option<AboutItem>,
    errors: Vec<(&'static str, String)>,
) -> Response {
    let (practice, _) = reader.practice(state).await;
    let failed = !errors.is_empty();
    let (pool, subject, body) = form;
    let mut response = private_page(NewPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        enabled: settings.enabled,
        pools: pools
            .iter()
            .filter(|p| p.open)
            .map(|p| PoolChoice {
                key: p.key.as_str().to_owned(),
                name: p.name(lang().tag()).to_owned(),
            })
            .collect(),
        pool,
        subject,
        body,
        about,
        answer_time: t_args(
            "messages-answer-time",
            &[("days", i64::from(settings.answer_business_days).into())],
        ),
        files_hint: files_hint(&settings),
        errors,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /messages/new`: the form to write to the practice (about a result with
/// `?result=`), or why the practice takes no messages.
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn new_form(
    State(state): State<AppState>,
    reader: Reader,
    Query(query): Query<NewQuery>,
) -> Result<Response, PageError> {
    let (settings, pools) = settings_and_pools(&state, &reader).await?;
    let (_, zone) = reader.practice(&state).await;
    let about = about_item(&state, &reader, query.result, query.medicine, &zone).await?;
    // A refill goes to the refill pool when the practice lists it open, with its subject.
    let refill_open = pools.iter().any(|p| p.key.as_str() == "refill" && p.open);
    let (pool, subject) = match &about {
        Some(item) if item.kind == "medicine" && refill_open => (
            "refill",
            t_args(
                "messages-refill-subject",
                &[("medicine", item.label.as_str().into())],
            ),
        ),
        Some(_) => ("care-team", String::new()),
        None => ("", String::new()),
    };
    Ok(new_page(
        &state,
        &reader,
        settings,
        &pools,
        (pool.to_owned(), subject, String::new()),
        about,
        Vec::new(),
    )
    .await)
}

/// The patient may not write: the practice turned messaging off.
fn messaging_off() -> Response {
    let mut response = Redirect::to("/messages").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
}

/// `POST /messages/new`: a new conversation (with up to three files), checked field by
/// field; stored with the practice's automatic answer, or the form again with what to fix
/// (nothing stored).
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn send_new(
    State(state): State<AppState>,
    reader: Reader,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (settings, pools) = settings_and_pools(&state, &reader).await?;
    if !settings.enabled {
        return Ok(messaging_off());
    }
    let (_, zone) = reader.practice(&state).await;
    let (form, upload) = upload::read(multipart, settings.attachment_max_bytes()).await;
    let typed = (
        form.field("pool").to_owned(),
        form.field("subject").to_owned(),
        form.field("body").to_owned(),
    );
    let about = about_item(
        &state,
        &reader,
        form.field("about_result").parse::<Uuid>().ok(),
        form.field("about_medicine").parse::<Uuid>().ok(),
        &zone,
    )
    .await?;
    let mut errors = Vec::new();
    let pool = PoolKey::parse(form.field("pool"))
        .ok()
        .filter(|key| pools.iter().any(|p| &p.key == key && p.open));
    if pool.is_none() {
        errors.push(("pool", t("messages-error-pool")));
    }
    let subject = Subject::parse(form.field("subject"))
        .map_err(|e| errors.push(("subject", message_problem(e))))
        .ok();
    let body = MessageBody::parse(form.field("body"))
        .map_err(|e| errors.push(("body", message_problem(e))))
        .ok();
    if let Some(problem) = &upload {
        errors.push(("files", upload_problem(problem)));
    }
    let (Some(pool), Some(subject), Some(body), true) = (pool, subject, body, errors.is_empty())
    else {
        return Ok(new_page(&state, &reader, settings, &pools, typed, about, errors).await);
    };
    let due = answer_due(Timestamp::now(), &zone, settings.answer_business_days);
    let reply = auto_reply(&settings, due, &zone);
    let thread = state
        .db
        .start_thread(
            &reader.user.scope,
            &NewThread {
                pool: &pool,
                subject: &subject,
                body: &body,
                about: about.map(|item| About {
                    kind: item.kind.to_owned(),
                    id: item.id,
                    label: item.label,
                }),
                attachments: &form.files,
                auto_reply: &reply,
                due_at: due,
            },
            &reader.origin,
        )
        .await
        .or_trouble("could not keep a new message")?;
    state
        .message_events
        .notify(reader.user.scope.organization());
    Ok(Redirect::to(&format!("/messages/{thread}?done=sent")).into_response())
}

fn message_view(message: storage::Message, id_practice: &str, zone: &TimeZone) -> MessageView {
    let (side, who) = match &message.author {
        Author::Patient => ("mine", t("messages-from-you")),
        Author::Staff { name, .. } => ("practice", name.clone()),
        Author::Auto => (
            "auto",
            t_args("messages-from-auto", &[("practice", id_practice.into())]),
        ),
    };
    let receipt = matches!(message.author, Author::Patient).then(|| match message.read_at {
        Some(at) => t_args("messages-read-at", &[("when", moment(at, zone).into())]),
        None => t("messages-not-read"),
    });
    MessageView {
        side,
        who,
        when: moment(message.sent_at, zone),
        files: message
            .attachments
            .into_iter()
            .map(|a| FileLink {
                href: format!("/messages/files/{}", a.id),
                size: size_words(a.size_bytes),
                name: a.file_name,
            })
            .collect(),
        body: message.body,
        receipt,
    }
}

#[allow(clippy::too_many_arguments)]
async fn thread_page(
    state: &AppState,
    reader: &Reader,
    settings: MessagingSettings,
    pools: &[Pool],
    thread: Thread,
    body: String,
    errors: Vec<(&'static str, String)>,
    done: Option<&'static str>,
) -> Response {
    let (practice, zone) = reader.practice(state).await;
    let failed = !errors.is_empty();
    let summary = thread.summary;
    let mut response = private_page(ThreadPage {
        enabled: settings.enabled,
        id: summary.id,
        pool: pool_name(pools, &summary.pool_key),
        about: summary.about.map(|a| {
            let href = if a.kind == "medicine" {
                "/medicines".to_owned()
            } else {
                format!("/results/{}", a.id)
            };
            (href, a.label)
        }),
        state: state_words(summary.status),
        subject: summary.subject,
        messages: thread
            .messages
            .into_iter()
            .map(|m| message_view(m, &practice.name, &zone))
            .collect(),
        practice_name: practice.name,
        practice_phone: practice.phone,
        files_hint: files_hint(&settings),
        body,
        errors,
        done,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /messages/{thread}`: one of the patient's conversations; what the practice wrote in
/// it is then read (audited). Another patient's is not found.
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn thread(
    State(state): State<AppState>,
    reader: Reader,
    Path(thread): Path<Uuid>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let (settings, pools) = settings_and_pools(&state, &reader).await?;
    let Some(thread) = state
        .db
        .patient_thread(&reader.user.scope, thread, &reader.origin)
        .await
        .or_trouble("could not read a conversation")?
    else {
        return Ok(not_found(State(state)).await);
    };
    let done = match query.done.as_deref() {
        Some("sent") => Some("messages-sent"),
        Some("replied") => Some("messages-replied"),
        _ => None,
    };
    Ok(thread_page(
        &state,
        &reader,
        settings,
        &pools,
        thread,
        String::new(),
        Vec::new(),
        done,
    )
    .await)
}

/// `POST /messages/{thread}/reply`: the patient writes again in one of their conversations.
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn reply(
    State(state): State<AppState>,
    reader: Reader,
    Path(thread): Path<Uuid>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (settings, pools) = settings_and_pools(&state, &reader).await?;
    if !settings.enabled {
        return Ok(messaging_off());
    }
    let (_, zone) = reader.practice(&state).await;
    let (form, upload) = upload::read(multipart, settings.attachment_max_bytes()).await;
    let mut errors = Vec::new();
    let body = MessageBody::parse(form.field("body"))
        .map_err(|e| errors.push(("body", message_problem(e))))
        .ok();
    if let Some(problem) = &upload {
        errors.push(("files", upload_problem(problem)));
    }
    let (Some(body), true) = (body, errors.is_empty()) else {
        let typed = form.field("body").to_owned();
        let Some(found) = state
            .db
            .patient_thread(&reader.user.scope, thread, &reader.origin)
            .await
            .or_trouble("could not read a conversation")?
        else {
            return Ok(not_found(State(state)).await);
        };
        return Ok(thread_page(
            &state, &reader, settings, &pools, found, typed, errors, None,
        )
        .await);
    };
    let due = answer_due(Timestamp::now(), &zone, settings.answer_business_days);
    match state
        .db
        .patient_reply(
            &reader.user.scope,
            thread,
            &body,
            &form.files,
            due,
            &reader.origin,
        )
        .await
    {
        Ok(()) => {
            state
                .message_events
                .notify(reader.user.scope.organization());
            Ok(Redirect::to(&format!("/messages/{thread}?done=replied")).into_response())
        }
        Err(MessageWriteError::NotFound) => Ok(not_found(State(state)).await),
        Err(error) => Err(PageError::new(
            "could not keep a reply",
            anyhow::anyhow!(error),
        )),
    }
}

/// An attachment served for download only: its checked type, never shown in the page, never
/// sniffed into something else, never cached.
pub(crate) fn attachment_response(attachment: storage::Attachment) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", attachment.file_name);
    let mut response = attachment.content.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&attachment.media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    crate::common::pages::no_store(&mut response);
    response
}

/// `GET /messages/files/{attachment}`: a file of one of the patient's messages (audited).
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn file(
    State(state): State<AppState>,
    reader: Reader,
    Path(attachment): Path<Uuid>,
) -> Result<Response, PageError> {
    match state
        .db
        .patient_attachment(&reader.user.scope, attachment, &reader.origin)
        .await
        .or_trouble("could not read an attachment")?
    {
        Some(attachment) => Ok(attachment_response(attachment)),
        None => Ok(not_found(State(state)).await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_kilobytes_then_megabytes() {
        assert_eq!(size_words(1), "1 KB");
        assert_eq!(size_words(340 * 1024), "340 KB");
        assert_eq!(size_words(2 * 1024 * 1024 + 512 * 1024), "2.5 MB");
    }
}
