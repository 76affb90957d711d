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
    identity::invalid,
    pages::{Practice, render, server_error},
    session::StaffUser,
    staff::request_origin,
    terms_step::DEFAULT_TERMS,
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
    kind: String,
    summary: String,
    body: String,
    changes: String,
    errors: Vec<(&'static str, String)>,
}

impl TermsAdminPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
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
}

#[derive(Deserialize)]
pub struct Published {
    #[serde(default)]
    published: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<Published>,
) -> Response {
    if user.account.role != Role::Administrator {
        return forbidden();
    }
    page(
        &state,
        &user,
        PublishForm::default(),
        Vec::new(),
        query.published,
    )
    .await
}

pub async fn publish(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<PublishForm>,
) -> Response {
    if user.account.role != Role::Administrator {
        return forbidden();
    }
    let errors = check_publication(&form.kind, &form.summary, &form.body, &form.changes);
    if !errors.is_empty() {
        return invalid(page(&state, &user, form, errors, None).await);
    }
    let origin = request_origin(client, &headers);
    match state
        .db
        .publish_terms(
            &user.scope,
            &form.kind,
            PublishedText {
                summary: form.summary.trim(),
                body: form.body.trim(),
                changes: form.changes.trim(),
            },
            &origin,
        )
        .await
    {
        Ok(version) => Redirect::to(&format!("/staff/terms?published={version}")).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "could not publish terms");
            server_error()
        }
    }
}

/// The problems of a version about to be published, by field (none when it may be): the page
/// and the API check the same rules. Text is measured trimmed, as it is stored.
pub(crate) fn check_publication(
    kind: &str,
    summary: &str,
    body: &str,
    changes: &str,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if !matches!(kind, "terms" | "privacy") {
        errors.push(("kind", "Choose the document to publish.".to_owned()));
    }
    if !SUMMARY_CHARS.contains(&summary.trim().chars().count()) {
        errors.push((
            "summary",
            format!(
                "Write a summary of {} to {} characters.",
                SUMMARY_CHARS.start(),
                SUMMARY_CHARS.end()
            ),
        ));
    }
    if !BODY_CHARS.contains(&body.trim().chars().count()) {
        errors.push((
            "body",
            format!(
                "Write the full text, {} to {} characters.",
                BODY_CHARS.start(),
                BODY_CHARS.end()
            ),
        ));
    }
    if !CHANGES_CHARS.contains(&changes.trim().chars().count()) {
        errors.push((
            "changes",
            format!(
                "Say what changed, in {} to {} characters: patients who accepted the last version read this first.",
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
    form: PublishForm,
    errors: Vec<(&'static str, String)>,
    published: Option<i64>,
) -> Response {
    let (terms, privacy) = match state
        .db
        .current_terms(user.scope.organization(), &DEFAULT_TERMS)
        .await
    {
        Ok(current) => current,
        Err(error) => {
            tracing::error!(error = %error, "could not read the terms");
            return server_error();
        }
    };
    let practice = Practice::of(state).await;
    render(TermsAdminPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: true,
        staff_mailbox: crate::mailbox::in_menu(state, user),
        terms,
        privacy,
        published,
        kind: form.kind,
        summary: form.summary,
        body: form.body,
        changes: form.changes,
        errors,
    })
}

pub(crate) const ADMINISTRATORS_ONLY: &str = "Only an administrator can publish the terms.";

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, ADMINISTRATORS_ONLY).into_response()
}
