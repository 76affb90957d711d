//! Enrollment step 1: the patient says who they are, and we compare it with the chart the
//! invitation belongs to. One answer for every mismatch, whatever differed; staff see what.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    matching::{ClaimError, ClaimForm, FieldResult, IdentityClaim, Verdict, compare_invited},
    policy::EnrollmentPolicy,
};
use serde::Deserialize;
use storage::{AttemptOutcome, AttemptStep, OpenInvitation};

use crate::{
    AppState,
    common::{
        i18n::{t, t_args},
        pages::{Practice, no_store, render},
        session,
    },
    enrollment::enroll::{ENROLLMENT_COOKIE, Step, StepCount, Unusable},
    error::{OrTrouble, PageError},
};

#[derive(Template)]
#[template(path = "enroll/identity.html")]
struct IdentityPage {
    practice_name: String,
    practice_phone: Option<String>,
    given: String,
    family: String,
    birth_month: String,
    birth_day: String,
    birth_year: String,
    mrn: String,
    ask_mrn: bool,
    step: StepCount,
    errors: Vec<(&'static str, String)>,
    mismatch: Option<String>,
}

impl IdentityPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Deserialize, Default)]
pub struct IdentityForm {
    #[serde(default)]
    given: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    birth_month: String,
    #[serde(default)]
    birth_day: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    mrn: String,
}

/// The invitation the enrollment cookie leads to, while it is still in this step.
pub(crate) async fn current(state: &AppState, headers: &HeaderMap) -> Option<OpenInvitation> {
    let token = session::cookie_value(headers, ENROLLMENT_COOKIE)?;
    state
        .db
        .enrollment_session(&session::token_hash(&token))
        .await
        .ok()
        .flatten()
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(invitation) = current(&state, &headers).await else {
        return Ok(Redirect::to("/activate").into_response());
    };
    let policy = state
        .db
        .enrollment_policy(invitation.organization)
        .await
        .or_trouble("could not read the policy")?;
    Ok(match Step::of(&invitation, &policy) {
        Step::Identity => {
            page(
                &state,
                &invitation,
                IdentityForm::default(),
                Vec::new(),
                None,
            )
            .await
        }
        Step::Ended(reason) => crate::enrollment::enroll::ended_page(&state, reason).await,
        later => Redirect::to(later.path()).into_response(),
    })
}

pub(crate) async fn locked(state: &AppState) -> Response {
    crate::enrollment::enroll::ended_page(state, Unusable::Locked).await
}

/// What the patient typed in step 1, the birth date as `YYYY-MM-DD`.
pub(crate) struct IdentityAnswer<'a> {
    pub(crate) given: &'a str,
    pub(crate) family: &'a str,
    pub(crate) birth_date: &'a str,
    pub(crate) mrn: &'a str,
}

/// What step 1 led to.
pub(crate) enum IdentityOutcome {
    /// Fields to fix, each named: nothing was counted.
    Invalid(Vec<(&'static str, String)>),
    Verified,
    /// The details did not match, for the last time allowed.
    Locked,
    /// The details did not match: the one message, whatever differed.
    Mismatch(String),
}

/// Step 1 for the page and the API alike: compares the answer with the invited chart, counts
/// the attempt, and opens a review item for staff on a mismatch. The caller has checked that
/// the invitation is at this step.
#[tracing::instrument(skip_all, fields(invitation = %invitation.id), err)]
pub(crate) async fn verify_identity(
    state: &AppState,
    invitation: &OpenInvitation,
    policy: &EnrollmentPolicy,
    answer: IdentityAnswer<'_>,
    client: SocketAddr,
) -> anyhow::Result<IdentityOutcome> {
    let mrn = answer.mrn.trim();
    if policy.mrn_required && mrn.is_empty() {
        return Ok(IdentityOutcome::Invalid(vec![(
            "mrn",
            t("error-mrn-required"),
        )]));
    }
    let claim = IdentityClaim::parse(ClaimForm {
        given: answer.given,
        family: answer.family,
        birth_date: answer.birth_date,
        mrn: (policy.mrn_required && !mrn.is_empty()).then_some(mrn),
        ssn_last4: None,
        postal_code: None,
    });
    let claim = match claim {
        Ok(claim) => claim,
        Err(error) => return Ok(IdentityOutcome::Invalid(vec![field_error(&error)])),
    };
    let client_addr = client.ip().to_string();
    let chart = state.db.invitation_chart(invitation).await?.identity();
    let born_the_same_day = state
        .db
        .born_the_same_day(invitation, Some(&client_addr))
        .await?;
    let comparison = compare_invited(&claim, &chart, &born_the_same_day, |digits| {
        domain::ssn_last4_hash(&state.key, digits)
    });
    let verified = comparison.verdict == Verdict::Match;
    // What staff see: which fields matched, never what was typed.
    let fields = comparison.fields;
    let detail = serde_json::json!({
        "given": label(fields.given),
        "family": label(fields.family),
        "birth_date": label(fields.birth_date),
        "mrn": label(fields.mrn),
    })
    .to_string();
    let outcome = state
        .db
        .record_identity_attempt(
            invitation,
            AttemptStep::Identity,
            verified,
            &detail,
            policy.attempts_allowed,
            Some(&client_addr),
        )
        .await?;
    Ok(match outcome {
        AttemptOutcome::Verified => IdentityOutcome::Verified,
        AttemptOutcome::Mismatch { locked: true } => IdentityOutcome::Locked,
        AttemptOutcome::Mismatch { locked: false } => IdentityOutcome::Mismatch(
            mismatch_message(state, policy.attempts_allowed, invitation).await,
        ),
    })
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<IdentityForm>,
) -> Result<Response, PageError> {
    let Some(invitation) = current(&state, &headers).await else {
        return Ok(Redirect::to("/activate").into_response());
    };
    let policy = state
        .db
        .enrollment_policy(invitation.organization)
        .await
        .or_trouble("could not read the policy")?;
    if Step::of(&invitation, &policy) != Step::Identity {
        return Ok(Redirect::to("/enroll/identity").into_response());
    }
    let birth_date = format!(
        "{:0>4}-{:0>2}-{:0>2}",
        form.birth_year.trim(),
        form.birth_month.trim(),
        form.birth_day.trim()
    );
    let answer = IdentityAnswer {
        given: &form.given,
        family: &form.family,
        birth_date: &birth_date,
        mrn: &form.mrn,
    };
    let outcome = verify_identity(&state, &invitation, &policy, answer, client)
        .await
        .or_trouble("could not check an identity")?;
    Ok(match outcome {
        IdentityOutcome::Verified => {
            Redirect::to(Step::after_identity(&invitation, &policy).path()).into_response()
        }
        IdentityOutcome::Locked => Redirect::to("/enroll/identity").into_response(),
        IdentityOutcome::Invalid(errors) => {
            invalid(page(&state, &invitation, form, errors, None).await)
        }
        IdentityOutcome::Mismatch(message) => {
            invalid(page(&state, &invitation, form, Vec::new(), Some(message)).await)
        }
    })
}

/// The one answer for every mismatch, whatever differed: who to call and the tries left.
pub(crate) async fn mismatch_message(
    state: &AppState,
    attempts_allowed: u8,
    invitation: &OpenInvitation,
) -> String {
    let phone = Practice::of(state)
        .await
        .phone
        .unwrap_or_else(|| t("the-practice"));
    // This attempt is the one just counted.
    let left = i64::from(attempts_allowed) - invitation.attempts - 1;
    mismatch_text(&phone, left)
}

/// The words of the one answer for every mismatch, on the invited path and without an
/// invitation alike.
pub(crate) fn mismatch_text(phone: &str, tries_left: i64) -> String {
    t_args(
        "mismatch",
        &[("phone", phone.into()), ("count", tries_left.into())],
    )
}

fn label(result: FieldResult) -> &'static str {
    match result {
        FieldResult::Match => "matched",
        FieldResult::Mismatch => "differed",
        FieldResult::NotCompared => "not compared",
    }
}

/// The message key for a name field's problem, e.g. `error-first-name-empty`.
fn name_error_key(field: &str, error: &domain::matching::NameFieldError) -> &'static str {
    use domain::matching::NameFieldError;
    match (field, error) {
        ("first-name", NameFieldError::Empty) => "error-first-name-empty",
        ("first-name", NameFieldError::NoLetters) => "error-first-name-letters",
        ("first-name", NameFieldError::TooLong) => "error-first-name-long",
        (_, NameFieldError::Empty) => "error-last-name-empty",
        (_, NameFieldError::NoLetters) => "error-last-name-letters",
        (_, NameFieldError::TooLong) => "error-last-name-long",
    }
}

pub(crate) fn field_error(error: &ClaimError) -> (&'static str, String) {
    match error {
        ClaimError::Given(e) => ("given", t(name_error_key("first-name", e))),
        ClaimError::Family(e) => ("family", t(name_error_key("last-name", e))),
        ClaimError::BirthDate => ("birth_date", t("error-birth-date")),
        ClaimError::Mrn(_) => ("mrn", t("error-mrn")),
        ClaimError::SsnLast4 => ("access_code", t("error-ssn-last4")),
        ClaimError::PostalCode => ("postal_code", t("error-postal-code")),
    }
}

async fn page(
    state: &AppState,
    invitation: &OpenInvitation,
    form: IdentityForm,
    errors: Vec<(&'static str, String)>,
    mismatch: Option<String>,
) -> Response {
    let practice = Practice::of(state).await;
    let policy = state
        .db
        .enrollment_policy(invitation.organization)
        .await
        .unwrap_or_default();
    let ask_mrn = policy.mrn_required;
    let step = Step::Identity
        .count(invitation, &policy)
        .unwrap_or(StepCount { step: 1, of: 3 });
    let mut response = render(IdentityPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        given: form.given,
        family: form.family,
        birth_month: form.birth_month,
        birth_day: form.birth_day,
        birth_year: form.birth_year,
        mrn: form.mrn,
        ask_mrn,
        step,
        errors,
        mismatch,
    });
    no_store(&mut response);
    response
}

pub(crate) fn invalid(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}
