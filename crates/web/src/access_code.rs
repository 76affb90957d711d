//! Enrollment step 2: the access code the policy asks for (year of birth, or the last four
//! digits of the SSN, checked against the chart's keyed hash in constant time). Failures count
//! toward the same limit as the identity step.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use domain::policy::AccessCodeKind;
use serde::Deserialize;
use storage::{AttemptOutcome, AttemptStep, OpenInvitation};
use subtle::ConstantTimeEq;

use crate::{
    AppState,
    i18n::t,
    identity::{current, invalid, locked, mismatch_message},
    pages::{Practice, no_store, render, server_error},
};

#[derive(Template)]
#[template(path = "enroll/access_code.html")]
struct AccessCodePage {
    practice_name: String,
    practice_phone: Option<String>,
    label: String,
    hint: String,
    secret: bool,
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
    Ask(OpenInvitation, AccessCodeKind),
    Done,
    Locked,
    NotYet,
}

async fn stage(state: &AppState, headers: &HeaderMap) -> Result<Stage, anyhow::Error> {
    let Some(invitation) = current(state, headers).await else {
        return Ok(Stage::NotYet);
    };
    match invitation.status.as_str() {
        "identity-verified" => {}
        "locked" | "mismatch" => return Ok(Stage::Locked),
        _ => return Ok(Stage::NotYet),
    }
    let kind = state
        .db
        .enrollment_policy(invitation.organization)
        .await?
        .access_code;
    if invitation.access_code_verified || kind == AccessCodeKind::None {
        return Ok(Stage::Done);
    }
    Ok(Stage::Ask(invitation, kind))
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match stage(&state, &headers).await {
        Ok(Stage::Ask(_, kind)) => page(&state, kind, None, None).await,
        Ok(Stage::Done) => Redirect::to("/enroll/credentials").into_response(),
        Ok(Stage::Locked) => locked(&state).await,
        Ok(Stage::NotYet) => Redirect::to("/enroll/identity").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "could not read the enrollment");
            server_error()
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AccessCodeForm>,
) -> Response {
    let (invitation, kind) = match stage(&state, &headers).await {
        Ok(Stage::Ask(invitation, kind)) => (invitation, kind),
        Ok(_) => return Redirect::to("/enroll/access-code").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "could not read the enrollment");
            return server_error();
        }
    };
    let typed = form.access_code.trim();
    let well_formed = typed.len() == 4 && typed.bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        let message = match kind {
            AccessCodeKind::BirthYear => t("access-year-format"),
            _ => t("access-ssn-format"),
        };
        return invalid(page(&state, kind, Some(message), None).await);
    }
    let chart = match state.db.invitation_chart(&invitation).await {
        Ok(chart) => chart,
        Err(error) => {
            tracing::error!(error = %error, "could not read the invited chart");
            return server_error();
        }
    };
    let matches = match kind {
        AccessCodeKind::BirthYear => chart.birth_date.to_jiff().year().to_string() == typed,
        AccessCodeKind::SsnLast4 => chart.ssn_last4_hash.is_some_and(|stored| {
            let typed = domain::ssn_last4_hash(&state.key, typed);
            bool::from(stored.as_bytes().ct_eq(typed.as_bytes()))
        }),
        AccessCodeKind::None => true,
    };
    let policy = match state.db.enrollment_policy(invitation.organization).await {
        Ok(policy) => policy,
        Err(error) => {
            tracing::error!(error = %error, "could not read the policy");
            return server_error();
        }
    };
    let detail = serde_json::json!({ "access_code": if matches { "matched" } else { "differed" } })
        .to_string();
    let client_addr = client.ip().to_string();
    let outcome = state
        .db
        .record_identity_attempt(
            &invitation,
            AttemptStep::AccessCode,
            matches,
            &detail,
            policy.attempts_allowed,
            Some(&client_addr),
        )
        .await;
    match outcome {
        Ok(AttemptOutcome::Verified) | Ok(AttemptOutcome::Mismatch { locked: true }) => {
            Redirect::to("/enroll/access-code").into_response()
        }
        Ok(AttemptOutcome::Mismatch { locked: false }) => {
            let message = mismatch_message(&state, policy.attempts_allowed, &invitation).await;
            invalid(page(&state, kind, None, Some(message)).await)
        }
        Err(error) => {
            tracing::error!(error = %error, "could not record an access-code attempt");
            server_error()
        }
    }
}

async fn page(
    state: &AppState,
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
        error,
        mismatch,
    });
    no_store(&mut response);
    response
}
