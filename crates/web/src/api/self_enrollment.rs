//! Self-enrollment through the API, where a practice's policy allows it: the use case of
//! `/enroll/start`, with its one answer for every refusal.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::StatusCode,
    response::Response,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ErrorBody, enrollment::COOKIE_PATH, reply};
use crate::{
    AppState,
    account::sign_in::set_cookie,
    enrollment::{
        bot_check::{self, BotAnswer},
        enroll::{ENROLLMENT_SESSION, Step, enrollment_cookie, too_many_tries},
        self_enroll::{SignUp, SignUpOutcome, offerings, sign_up_without_invitation},
    },
};

/// A practice that lets patients sign up without an invitation, and what it asks for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelfEnrollmentPractice {
    /// Send it back as `practice`.
    #[schema(example = "maple")]
    pub practice: String,
    pub name: String,
    pub phone: Option<String>,
    pub mrn_required: bool,
    /// `birth-year`, `ssn-last4` or `none`.
    pub access_code: &'static str,
}

/// The practices that offer self-enrollment.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelfEnrollmentOffer {
    /// Empty when none does: patients then need an invitation.
    pub practices: Vec<SelfEnrollmentPractice>,
}

/// Which practices let patients sign up without an invitation, and what each asks for.
#[utoipa::path(
    get,
    path = "/api/v1/enrollment/self",
    operation_id = "self_enrollment_offered",
    tag = "patient enrollment",
    responses((status = 200, description = "The practices offering it", body = SelfEnrollmentOffer))
)]
pub async fn offered(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut practices: Vec<SelfEnrollmentPractice> = offerings(&state)
        .await?
        .into_iter()
        .map(|o| SelfEnrollmentPractice {
            practice: o.organization.slug,
            name: o.organization.name,
            phone: o.organization.phone,
            mrn_required: o.policy.mrn_required,
            access_code: o.policy.access_code.as_str(),
        })
        .collect();
    practices.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(reply(StatusCode::OK, SelfEnrollmentOffer { practices }))
}

/// Signing up without an invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfEnrollmentRequest {
    /// The practice (from `GET /api/v1/enrollment/self`); may be left out when only one
    /// offers it.
    #[serde(default)]
    pub practice: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub given: String,
    #[schema(min_length = 1, max_length = 200)]
    pub family: String,
    /// `YYYY-MM-DD`.
    #[schema(example = "1961-04-09", format = Date)]
    pub birth_date: String,
    /// Letters, digits, `-`, `.` and `/`, at most 64.
    #[serde(default)]
    #[schema(pattern = r"^\s*[A-Za-z0-9./-]{0,64}\s*$")]
    pub mrn: Option<String>,
    /// The year of birth or the SSN's last 4 digits, as the practice asks.
    #[serde(default)]
    pub access_code: Option<String>,
    /// A solved challenge from `GET /api/v1/bot-check/challenge`.
    #[schema(min_length = 1)]
    pub bot_check: String,
    /// The number that solves the challenge.
    #[schema(min_length = 1, pattern = "^[0-9]+$")]
    pub bot_solution: String,
}

/// The enrollment started at the credentials step.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelfEnrollmentStarted {
    /// The enrollment session, also set as the `porchlight_enrollment` cookie.
    pub enrollment_token: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: jiff::Timestamp,
    /// `credentials`.
    pub next_step: &'static str,
}

const NOT_OFFERED: &str = "Signing up needs an invitation: this practice does not offer signing \
     up without one. Ask at the front desk or call the practice, then follow the email or the \
     printed letter.";

/// Signs up without an invitation: the matcher accepts one unambiguous, confident match of
/// the practice's charts only. Every refusal (no match, several, a minor, an account already
/// there, a wrong access code, ...) gets the same answer, so nothing tells whether someone is
/// a patient; staff get a review item. Throttled per client address.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment/self",
    operation_id = "self_enroll",
    tag = "patient enrollment",
    request_body = SelfEnrollmentRequest,
    responses(
        (status = 201, description = "One confident match: go on to the credentials step", body = SelfEnrollmentStarted,
            headers(("set-cookie" = String, description = "porchlight_enrollment, Path=/api/v1/enrollment, HttpOnly"))),
        (status = 404, description = "The practice does not offer it", body = ErrorBody),
        (status = 422, description = "Fields to fix (`code` = `invalid`), the bot check (`bot_check`), or the one answer for every refusal (`mismatch`)", body = ErrorBody),
        (status = 429, description = "Too many refusals from this address", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<SelfEnrollmentRequest>,
) -> Result<Response, ApiError> {
    let offering = offerings(&state).await?;
    let chosen = match request.practice.as_deref() {
        Some(slug) => offering.iter().find(|o| o.organization.slug == slug),
        None if offering.len() == 1 => offering.first(),
        None => None,
    };
    let Some(chosen) = chosen else {
        return Err(ApiError::not_found(NOT_OFFERED));
    };
    let bot = BotAnswer {
        bot_check: request.bot_check,
        bot_solution: request.bot_solution,
    };
    let sign_up = SignUp {
        given: &request.given,
        family: &request.family,
        birth_date: request.birth_date.trim(),
        mrn: request.mrn.as_deref().unwrap_or(""),
        access_code: request.access_code.as_deref().unwrap_or(""),
        honeypot: "",
        bot: &bot,
    };
    match sign_up_without_invitation(&state, chosen, client, sign_up).await? {
        SignUpOutcome::Started(token) => {
            let mut response = reply(
                StatusCode::CREATED,
                SelfEnrollmentStarted {
                    enrollment_token: token.clone(),
                    expires_at: jiff::Timestamp::now() + ENROLLMENT_SESSION,
                    next_step: Step::Credentials.name(),
                },
            );
            set_cookie(
                &mut response,
                &enrollment_cookie(&state, &token, COOKIE_PATH),
            );
            Ok(response)
        }
        SignUpOutcome::Throttled => Err(ApiError::throttled(&too_many_tries())),
        SignUpOutcome::Invalid(errors) => Err(super::enrollment::invalid_identity(errors)),
        SignUpOutcome::BotRefused(refusal) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bot_check",
            bot_check::message(&refusal),
        )),
        SignUpOutcome::Refused(message) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mismatch",
            message,
        )),
    }
}
