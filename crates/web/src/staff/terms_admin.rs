//! The administrator publishes new versions of the terms of use and the privacy policy.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::Role;
use serde::Deserialize;
use storage::{PublishedText, TermsVersion};

use crate::{
    AppState,
    common::{
        pages::{Practice, render},
        session::StaffUser,
    },
    enrollment::{identity::invalid, terms_step::DEFAULT_TERMS},
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

const SUMMARY_CHARS: std::ops::RangeInclusive<usize> = 10..=600;
const BODY_CHARS: std::ops::RangeInclusive<usize> = 20..=20_000;
const CHANGES_CHARS: std::ops::RangeInclusive<usize> = 10..=2_000;

#[derive(Template)]
#[template(path = "staff/terms.html")]
struct TermsAdminPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    terms: TermsVersion,
    privacy: TermsVersion,
    published: Option<i64>,
    /// The number the form's version will get.
    next_version: i64,
    form: PublishForm,
    errors: Vec<(&'static str, String)>,
}

impl TermsAdminPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Both documents in force, with their names and ids on the page.
    fn documents(&self) -> [(&TermsVersion, &'static str, &'static str); 2] {
        [
            (&self.terms, "Terms of use", "terms"),
            (&self.privacy, "Privacy policy", "privacy"),
        ]
    }

    /// Whether the form publishes a new version of `kind`.
    fn editing(&self, kind: &str) -> bool {
        self.form.kind == kind
    }

    /// The document the form publishes, as the page names it.
    fn document_name(&self) -> &'static str {
        match self.form.kind.as_str() {
            "privacy" => "privacy policy",
            _ => "terms of use",
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PublishForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    changes: String,
    #[serde(default)]
    summary_es: String,
    #[serde(default)]
    body_es: String,
    #[serde(default)]
    changes_es: String,
}

impl PublishForm {
    /// A new version of `version`'s document, starting from its text in force (both
    /// languages): the administrator edits what changed rather than retyping it. What
    /// changed is new to each version, so it starts empty.
    fn starting_from(version: &TermsVersion) -> Self {
        let spanish = version.spanish.clone();
        Self {
            kind: version.kind.clone(),
            summary: version.summary.clone(),
            body: version.body.clone(),
            changes: String::new(),
            summary_es: spanish
                .as_ref()
                .map(|s| s.summary.clone())
                .unwrap_or_default(),
            body_es: spanish.map(|s| s.body).unwrap_or_default(),
            changes_es: String::new(),
        }
    }
}

#[derive(Deserialize)]
pub struct TermsQuery {
    #[serde(default)]
    published: Option<i64>,
    /// The document the form starts from: `terms` (the default) or `privacy`.
    #[serde(default)]
    edit: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<TermsQuery>,
) -> Result<Response, PageError> {
    if user.account.role != Role::Administrator {
        return Ok(forbidden());
    }
    page(
        &state,
        &user,
        Start::InForce(query.edit),
        Vec::new(),
        query.published,
    )
    .await
}

/// Where the form's fields start.
enum Start {
    /// From the version in force of the document named (the terms of use by default).
    InForce(Option<String>),
    /// From what the administrator sent, to correct.
    Sent(PublishForm),
}

pub async fn publish(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<PublishForm>,
) -> Result<Response, PageError> {
    if user.account.role != Role::Administrator {
        return Ok(forbidden());
    }
    let draft = Draft::new(
        &form.kind,
        [&form.summary, &form.body, &form.changes],
        [&form.summary_es, &form.body_es, &form.changes_es],
    );
    let errors = check_draft(&state, &user, &draft)
        .await
        .or_trouble("could not read the terms")?;
    if !errors.is_empty() {
        let corrected = page(&state, &user, Start::Sent(form), errors, None).await?;
        return Ok(invalid(corrected));
    }
    let Draft {
        kind,
        english,
        spanish,
    } = draft;
    let origin = request_origin(client, &headers);
    let version = state
        .db
        .publish_terms(
            &user.scope,
            kind,
            english,
            spanish_given(&spanish).then_some(spanish),
            &origin,
        )
        .await
        .or_trouble("could not publish terms")?;
    Ok(Redirect::to(&format!("/staff/terms?published={version}")).into_response())
}

/// Whether any Spanish text was written: then the version is published in Spanish too, and
/// all of it must be there.
pub(crate) fn spanish_given(spanish: &PublishedText<'_>) -> bool {
    [spanish.summary, spanish.body, spanish.changes]
        .iter()
        .any(|text| !text.trim().is_empty())
}

/// A version about to be published, as the page or the API sent it: the English text, and
/// the Spanish text (empty when the version is to be in English only), trimmed as stored.
pub(crate) struct Draft<'a> {
    pub kind: &'a str,
    pub english: PublishedText<'a>,
    pub spanish: PublishedText<'a>,
}

impl<'a> Draft<'a> {
    /// From the summary, body and what changed, in English then in Spanish.
    pub(crate) fn new(kind: &'a str, english: [&'a str; 3], spanish: [&'a str; 3]) -> Self {
        let text = |[summary, body, changes]: [&'a str; 3]| PublishedText {
            summary: summary.trim(),
            body: body.trim(),
            changes: changes.trim(),
        };
        Self {
            kind,
            english: text(english),
            spanish: text(spanish),
        }
    }
}

/// The problems of `draft` against the versions in force of the user's practice (see
/// [`check_publication`]).
pub(crate) async fn check_draft(
    state: &AppState,
    user: &StaffUser,
    draft: &Draft<'_>,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let (terms, privacy) = state
        .db
        .current_terms(user.scope.organization(), &DEFAULT_TERMS)
        .await?;
    let in_force = match draft.kind {
        "terms" => Some(&terms),
        "privacy" => Some(&privacy),
        _ => None,
    };
    Ok(check_publication(draft, in_force))
}

pub(crate) const SPANISH_NOT_UPDATED: &str = "You changed the English text: update the Spanish \
    text too, or clear it to publish in English only.";

/// The problems of a version about to be published, by field (none when it may be): the page
/// and the API check the same rules. Text is measured trimmed, as it is stored. The Spanish
/// text is optional, but once begun it follows the English rules; and it may not be the
/// Spanish text in force unchanged under a changed English text (the form starts from the
/// version in force, so an administrator who edits only the English would otherwise publish
/// a Spanish text that says something else).
pub(crate) fn check_publication(
    draft: &Draft<'_>,
    in_force: Option<&TermsVersion>,
) -> Vec<(&'static str, String)> {
    let Draft {
        kind,
        english,
        spanish,
    } = draft;
    let mut errors = Vec::new();
    if !matches!(*kind, "terms" | "privacy") {
        errors.push(("kind", "Choose the document to publish.".to_owned()));
    }
    errors.extend(check_text(english, ["summary", "body", "changes"], ""));
    if spanish_given(spanish) {
        errors.extend(check_text(
            spanish,
            ["summary_es", "body_es", "changes_es"],
            " in Spanish (or leave the three Spanish boxes empty to publish in English only)",
        ));
        if in_force.is_some_and(|version| spanish_left_behind(english, spanish, version)) {
            errors.push(("summary_es", SPANISH_NOT_UPDATED.to_owned()));
        }
    }
    errors
}

/// Whether the English summary or body differs from `in_force` while the Spanish summary and
/// body are those of `in_force`, word for word.
fn spanish_left_behind(
    english: &PublishedText<'_>,
    spanish: &PublishedText<'_>,
    in_force: &TermsVersion,
) -> bool {
    let Some(spanish_in_force) = &in_force.spanish else {
        return false;
    };
    let english_changed =
        !same_text(english.summary, &in_force.summary) || !same_text(english.body, &in_force.body);
    let spanish_unchanged = same_text(spanish.summary, &spanish_in_force.summary)
        && same_text(spanish.body, &spanish_in_force.body);
    english_changed && spanish_unchanged
}

/// The same text, trimmed, whatever the line endings: a browser sends a textarea's lines
/// ended by CR LF, whichever way they were stored.
fn same_text(sent: &str, stored: &str) -> bool {
    let lines = |text: &str| text.trim().replace("\r\n", "\n");
    lines(sent) == lines(stored)
}

fn check_text(
    text: &PublishedText<'_>,
    [summary, body, changes]: [&'static str; 3],
    language: &str,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if !SUMMARY_CHARS.contains(&text.summary.trim().chars().count()) {
        errors.push((
            summary,
            format!(
                "Write a summary of {} to {} characters{language}.",
                SUMMARY_CHARS.start(),
                SUMMARY_CHARS.end()
            ),
        ));
    }
    if !BODY_CHARS.contains(&text.body.trim().chars().count()) {
        errors.push((
            body,
            format!(
                "Write the full text, {} to {} characters{language}.",
                BODY_CHARS.start(),
                BODY_CHARS.end()
            ),
        ));
    }
    if !CHANGES_CHARS.contains(&text.changes.trim().chars().count()) {
        errors.push((
            changes,
            format!(
                "Say what changed, in {} to {} characters{language}: patients who accepted the last version read this first.",
                CHANGES_CHARS.start(),
                CHANGES_CHARS.end()
            ),
        ));
    }
    errors
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    start: Start,
    errors: Vec<(&'static str, String)>,
    published: Option<i64>,
) -> Result<Response, PageError> {
    let (terms, privacy) = state
        .db
        .current_terms(user.scope.organization(), &DEFAULT_TERMS)
        .await
        .or_trouble("could not read the terms")?;
    let form = match start {
        Start::InForce(edit) if edit.as_deref() == Some("privacy") => {
            PublishForm::starting_from(&privacy)
        }
        Start::InForce(_) => PublishForm::starting_from(&terms),
        Start::Sent(form) => form,
    };
    let next_version = match form.kind.as_str() {
        "privacy" => privacy.version + 1,
        _ => terms.version + 1,
    };
    let practice = Practice::of(state).await;
    Ok(render(TermsAdminPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: true,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        terms,
        privacy,
        published,
        next_version,
        form,
        errors,
    }))
}

pub(crate) const ADMINISTRATORS_ONLY: &str = "Only an administrator can publish the terms.";

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, ADMINISTRATORS_ONLY).into_response()
}
