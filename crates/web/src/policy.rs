//! The administrator's enrollment-policy page.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    Role,
    policy::{AccessCodeKind, EnrollmentPolicy, FieldError, PolicyInput},
};
use serde::Deserialize;

use crate::{
    AppState,
    pages::{Practice, render, server_error},
    session::StaffUser,
    staff::request_origin,
};

#[derive(Template)]
#[template(path = "staff/policy.html")]
struct PolicyPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    input: PolicyInput,
    errors: Vec<FieldError>,
    saved: bool,
    access_codes: [AccessCodeKind; 3],
}

impl PolicyPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Deserialize)]
pub struct Saved {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<Saved>,
) -> Response {
    if user.account.role != Role::Administrator {
        return forbidden();
    }
    let policy = match state.db.enrollment_policy(user.scope.organization()).await {
        Ok(policy) => policy,
        Err(error) => {
            tracing::error!(error = %error, "could not read the enrollment policy");
            return server_error();
        }
    };
    page(
        &state,
        &user,
        policy.to_input(),
        Vec::new(),
        query.saved.is_some(),
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(input): Form<PolicyInput>,
) -> Response {
    if user.account.role != Role::Administrator {
        return forbidden();
    }
    let origin = request_origin(client, &headers);
    match change_policy(&state, &user, &input, &origin).await {
        Ok(Ok(_)) => Redirect::to("/staff/policy?saved=1").into_response(),
        Ok(Err(errors)) => {
            let mut response = page(&state, &user, input, errors, false).await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(error) => {
            tracing::error!(error = %error, "could not save the enrollment policy");
            server_error()
        }
    }
}

/// Saves the policy as typed, for the page and the API alike: every field checked by the
/// domain's rules, saved (and audited) only when all are valid. The caller has checked that
/// the user is an administrator.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id), err)]
pub(crate) async fn change_policy(
    state: &AppState,
    user: &StaffUser,
    input: &PolicyInput,
    origin: &storage::RequestOrigin,
) -> anyhow::Result<Result<EnrollmentPolicy, Vec<FieldError>>> {
    match EnrollmentPolicy::parse(input) {
        Ok(policy) => {
            state
                .db
                .save_enrollment_policy(&user.scope, &policy, origin)
                .await?;
            Ok(Ok(policy))
        }
        Err(errors) => Ok(Err(errors)),
    }
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    input: PolicyInput,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let practice = Practice::of(state).await;
    render(PolicyPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: true,
        staff_mailbox: crate::mailbox::in_menu(state, user),
        input,
        errors,
        saved,
        access_codes: AccessCodeKind::ALL,
    })
}

pub(crate) const ADMINISTRATORS_ONLY: &str =
    "Only an administrator can change the enrollment policy.";

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, ADMINISTRATORS_ONLY).into_response()
}
