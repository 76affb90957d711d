//! Enrollment step 2, where the policy asks for the last four digits of the SSN (checked
//! against the chart's keyed hash in constant time). Failures count toward the same limit as
//! the identity step. A policy whose access code is the year of birth has no such step: the
//! identity step's date of birth proved it (`enroll::access_code_step`).

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use domain::policy::{AccessCodeKind, EnrollmentPolicy};
use serde::Deserialize;
use storage::{AttemptOutcome, AttemptStep, OpenInvitation};
use subtle::ConstantTimeEq;

use crate::{
    AppState,
    common::{
        i18n::t,
        pages::{Practice, no_store, render},
    },
    enrollment::{
        enroll::{Step, StepCount, Unusable},
        identity::{current, invalid, locked, mismatch_message},
    },
    error::{OrTrouble, PageError},
};

#[derive(Template)]
#[template(path = "enroll/access_code.html")]
struct AccessCodePage {
    practice_name: String,
    practice_phone: Option<String>,
    label: String,
    hint: String,
    secret: bool,
    step: StepCount,
    error: Option<String>,
    mismatch: Option<String>,
}

#[derive(Deserialize)]
pub struct AccessCodeForm {
    #[serde(default)]
    access_code: String,
}

/// Where a patient in this step stands.
enum Stage {
    Ask(OpenInvitation, EnrollmentPolicy, AccessCodeKind),
    /// Behind the patient, or not asked by this practice: the step to go on to.
    Done(Step),
    Locked,
    NotYet,
}

async fn stage(state: &AppState, headers: &HeaderMap) -> Result<Stage, anyhow::Error> {
    let Some(invitation) = current(state, headers).await else {
        return Ok(Stage::NotYet);
    };
    let policy = state.db.enrollment_policy(invitation.organization).await?;
    Ok(match Step::of(&invitation, &policy) {
        Step::AccessCode(kind) => Stage::Ask(invitation, policy, kind),
        later @ (Step::Credentials | Step::Terms) => Stage::Done(later),
        Step::Ended(Unusable::Locked) => Stage::Locked,
        Step::Identity | Step::Ended(_) => Stage::NotYet,
    })
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let stage = stage(&state, &headers)
        .await
        .or_trouble("could not read the enrollment")?;
    Ok(match stage {
        Stage::Ask(invitation, policy, kind) => {
            page(&state, &invitation, &policy, kind, None, None).await
        }
        Stage::Done(next) => Redirect::to(next.path()).into_response(),
        Stage::Locked => locked(&state).await,
        Stage::NotYet => Redirect::to("/enroll/identity").into_response(),
    })
}

/// What step 2 led to.
pub(crate) enum AccessCodeOutcome {
    /// Not four digits: nothing was counted.
    Malformed(String),
    Verified,
    /// Wrong, for the last time allowed.
    Locked,
    /// Wrong: the one mismatch message of step 1 too.
    Mismatch(String),
}

/// Step 2 for the page and the API alike: checks the code against the chart (the SSN digits
/// against the keyed hash, in constant time) and counts the attempt toward the same limit as
/// step 1. The caller has checked that the invitation is at this step, asking for `kind`.
#[tracing::instrument(skip_all, fields(invitation = %invitation.id), err)]
pub(crate) async fn check_access_code(
    state: &AppState,
    invitation: &OpenInvitation,
    policy: &EnrollmentPolicy,
    kind: AccessCodeKind,
    typed: &str,
    client: SocketAddr,
) -> anyhow::Result<AccessCodeOutcome> {
    let typed = typed.trim();
    let well_formed = typed.len() == 4 && typed.bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return Ok(AccessCodeOutcome::Malformed(malformed_message(kind)));
    }
    let chart = state.db.invitation_chart(invitation).await?;
    let matches = match kind {
        AccessCodeKind::BirthYear => chart.birth_date.to_jiff().year().to_string() == typed,
        AccessCodeKind::SsnLast4 => chart.ssn_last4_hash.is_some_and(|stored| {
            let typed = domain::ssn_last4_hash(&state.key, typed);
            bool::from(stored.as_bytes().ct_eq(typed.as_bytes()))
        }),
        AccessCodeKind::None => true,
    };
    let detail = serde_json::json!({ "access_code": if matches { "matched" } else { "differed" } })
        .to_string();
    let client_addr = client.ip().to_string();
    let outcome = state
        .db
        .record_identity_attempt(
            invitation,
            AttemptStep::AccessCode,
            matches,
            &detail,
            policy.attempts_allowed,
            Some(&client_addr),
        )
        .await?;
    Ok(match outcome {
        AttemptOutcome::Verified => AccessCodeOutcome::Verified,
        AttemptOutcome::Mismatch { locked: true } => AccessCodeOutcome::Locked,
        AttemptOutcome::Mismatch { locked: false } => AccessCodeOutcome::Mismatch(
            mismatch_message(state, policy.attempts_allowed, invitation).await,
        ),
    })
}

/// What to fix when the code is not four digits.
pub(crate) fn malformed_message(kind: AccessCodeKind) -> String {
    t(match kind {
        AccessCodeKind::BirthYear => "access-year-format",
        _ => "access-ssn-format",
    })
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AccessCodeForm>,
) -> Result<Response, PageError> {
    let stage = stage(&state, &headers)
        .await
        .or_trouble("could not read the enrollment")?;
    let Stage::Ask(invitation, policy, kind) = stage else {
        return Ok(Redirect::to("/enroll/access-code").into_response());
    };
    let outcome = check_access_code(
        &state,
        &invitation,
        &policy,
        kind,
        &form.access_code,
        client,
    )
    .await
    .or_trouble("could not check an access code")?;
    Ok(match outcome {
        AccessCodeOutcome::Verified => Redirect::to(Step::Credentials.path()).into_response(),
        AccessCodeOutcome::Locked => Redirect::to("/enroll/access-code").into_response(),
        AccessCodeOutcome::Malformed(message) => {
            invalid(page(&state, &invitation, &policy, kind, Some(message), None).await)
        }
        AccessCodeOutcome::Mismatch(message) => {
            invalid(page(&state, &invitation, &policy, kind, None, Some(message)).await)
        }
    })
}

async fn page(
    state: &AppState,
    invitation: &OpenInvitation,
    policy: &EnrollmentPolicy,
    kind: AccessCodeKind,
    error: Option<String>,
    mismatch: Option<String>,
) -> Response {
    let practice = Practice::of(state).await;
    let (label, hint, secret) = match kind {
        AccessCodeKind::SsnLast4 => (t("access-ssn-label"), t("access-ssn-hint"), true),
        _ => (t("access-year-label"), t("access-year-hint"), false),
    };
    let mut response = render(AccessCodePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        label,
        hint,
        secret,
        step: Step::AccessCode(kind)
            .count(invitation, policy)
            .unwrap_or(StepCount { step: 2, of: 4 }),
        error,
        mismatch,
    });
    no_store(&mut response);
    response
}
