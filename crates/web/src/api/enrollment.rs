//! The patient's enrollment through the API: the same steps, rules and answers as the pages
//! under `/enroll` (each step's use case is shared with its page), as JSON. The enrollment
//! session is the `porchlight_enrollment` cookie (path `/api/v1/enrollment`) or, for apps,
//! the same token sent as `Authorization: Bearer`.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use storage::{TermsLanguage, TermsVersion};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ErrorBody, auth::Enrollment, reply};
use crate::{
    AppState,
    account::sign_in::set_cookie,
    enrollment::{
        access_code::{AccessCodeOutcome, check_access_code},
        bot_check::{self, BotAnswer},
        credentials::{CredentialsAnswer, CredentialsOutcome, choose_credentials},
        enroll::{
            CodeOutcome, ENROLLMENT_COOKIE, ENROLLMENT_SESSION, LinkOutcome, Step, code_not_found,
            enrollment_cookie, open_with_code, open_with_link, too_many_tries,
        },
        identity::{IdentityAnswer, IdentityOutcome, verify_identity},
        terms_step::{DEFAULT_TERMS, accept_and_activate},
    },
};

/// Where the API's enrollment cookie is sent.
pub const COOKIE_PATH: &str = "/api/v1/enrollment";

/// `POST /api/v1/enrollment/activate`: the printed activation code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// The code on the letter: 10 letters and digits (no I, L, O, 0 or 1); spaces, dashes
    /// and case do not matter.
    #[schema(
        example = "K7QMW-4TXRP",
        pattern = r"^[ -]*(?:[A-HJKMNP-Za-hjkmnp-z2-9][ -]*){10}$"
    )]
    pub code: String,
    /// The bot check's challenge token, from `GET /api/v1/bot-check/challenge`.
    #[schema(min_length = 1)]
    pub bot_check: String,
    /// The number that solves the challenge.
    #[schema(min_length = 1, pattern = "^[0-9]+$")]
    pub bot_solution: String,
}

/// `POST /api/v1/enrollment/link`: the emailed link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The last part of the emailed link, `/enroll/{token}`.
    #[schema(min_length = 1)]
    pub token: String,
    /// Only when the practice asks for the bot check on emailed links too.
    #[serde(default)]
    pub bot_check: Option<String>,
    #[serde(default)]
    pub bot_solution: Option<String>,
}

/// An invitation opened: the enrollment session.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentOpened {
    /// The enrollment session, also set as the `porchlight_enrollment` cookie. Apps send it as
    /// `Authorization: Bearer` to the other enrollment calls.
    pub enrollment_token: String,
    /// When the session ends: the steps are to be finished before.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// `identity`, `access-code`, `credentials` or `terms`.
    pub next_step: &'static str,
}

fn opened(state: &AppState, token: String, step: Step) -> Response {
    let mut response = reply(
        StatusCode::CREATED,
        EnrollmentOpened {
            enrollment_token: token.clone(),
            expires_at: Timestamp::now() + ENROLLMENT_SESSION,
            next_step: step.name(),
        },
    );
    set_cookie(
        &mut response,
        &enrollment_cookie(state, &token, COOKIE_PATH),
    );
    response
}

fn bot_refused(refusal: &domain::bot_check::BotCheckError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "bot_check",
        bot_check::message(refusal),
    )
}

/// Opens an invitation with the printed activation code. The bot check applies as on
/// `/activate`: solve a challenge from `GET /api/v1/bot-check/challenge` first. Failures are
/// throttled per client address.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment/activate",
    operation_id = "activate",
    tag = "patient enrollment",
    request_body = ActivateRequest,
    responses(
        (status = 201, description = "The invitation is open; the enrollment session is set as a cookie and returned", body = EnrollmentOpened,
            headers(("set-cookie" = String, description = "porchlight_enrollment, Path=/api/v1/enrollment, HttpOnly"))),
        (status = 404, description = "No invitation has this code", body = ErrorBody),
        (status = 410, description = "The invitation expired, was used, cancelled or locked: what to do, in plain words", body = ErrorBody),
        (status = 422, description = "The code is not of the printed form (`fields.code`), or the bot check refused it (`code` = `bot_check`)", body = ErrorBody),
        (status = 429, description = "Too many failures from this address", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn activate(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<ActivateRequest>,
) -> Result<Response, ApiError> {
    let bot = BotAnswer {
        bot_check: request.bot_check,
        bot_solution: request.bot_solution,
    };
    // Programs see no honeypot: it is a field people never see on the page.
    match open_with_code(&state, client, &request.code, "", &bot).await? {
        CodeOutcome::Opened(token) => Ok(opened(&state, token, Step::Identity)),
        CodeOutcome::Ended(reason) => Err(ApiError::ended(reason)),
        CodeOutcome::Throttled => Err(ApiError::throttled(&too_many_tries())),
        CodeOutcome::Honeypot | CodeOutcome::NotFound => {
            Err(ApiError::not_found(&code_not_found()))
        }
        CodeOutcome::Malformed(message) => Err(ApiError::field("code", message)),
        CodeOutcome::BotRefused(refusal) => Err(bot_refused(&refusal)),
    }
}

/// Opens an invitation with the emailed link's token. When the practice asks for the bot
/// check on emailed links too, send a solved challenge as for `activate`.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment/link",
    operation_id = "open_link",
    tag = "patient enrollment",
    request_body = LinkRequest,
    responses(
        (status = 201, description = "The invitation is open", body = EnrollmentOpened,
            headers(("set-cookie" = String, description = "porchlight_enrollment, Path=/api/v1/enrollment, HttpOnly"))),
        (status = 404, description = "No invitation has this token (the link may be incomplete)", body = ErrorBody),
        (status = 410, description = "The invitation expired, was used, cancelled or locked", body = ErrorBody),
        (status = 422, description = "The practice asks for the bot check, and it was missing or refused (`code` = `bot_check`)", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn link(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<LinkRequest>,
) -> Result<Response, ApiError> {
    let answer = request.bot_check.map(|bot_check| BotAnswer {
        bot_check,
        bot_solution: request.bot_solution.unwrap_or_default(),
    });
    match open_with_link(&state, client, request.token.trim(), answer.as_ref()).await? {
        LinkOutcome::Opened(token) => Ok(opened(&state, token, Step::Identity)),
        LinkOutcome::Ended(reason) => Err(ApiError::ended(reason)),
        LinkOutcome::Broken => {
            let (heading, message) = crate::enrollment::enroll::broken_link();
            Err(ApiError::not_found(&format!("{heading}. {message}")))
        }
        LinkOutcome::NeedsBotCheck => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bot_check",
            "This practice asks for the bot check on emailed links: solve a challenge from \
             GET /api/v1/bot-check/challenge and send bot_check and bot_solution.",
        )),
        LinkOutcome::BotRefused(refusal) => Err(bot_refused(&refusal)),
    }
}

/// Who runs the portal the patient is joining.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeInfo {
    pub name: String,
    /// The number patients are told to call.
    pub phone: Option<String>,
}

/// What the practice asks for during enrollment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requirements {
    /// The identity step asks for the medical record number too.
    pub mrn_required: bool,
    /// The access code: `ssn-last4` (the access-code step), `birth-year` (no step of its own:
    /// the identity step's date of birth proves it) or `none`.
    #[schema(example = "birth-year")]
    pub access_code: &'static str,
    /// The shortest password allowed, in characters.
    pub password_min_chars: u8,
}

/// Where an enrollment stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentStatus {
    /// `identity`, `access-code`, `credentials` or `terms`.
    #[schema(example = "identity")]
    pub next_step: &'static str,
    pub practice: PracticeInfo,
    pub requirements: Requirements,
    /// Identity and access-code attempts left before the invitation locks.
    pub attempts_left: i64,
    /// A username that is free, to offer as an example (at the credentials step).
    pub username_example: Option<String>,
}

/// Where the patient stands: the next step and what the practice asks for.
#[utoipa::path(
    get,
    path = "/api/v1/enrollment",
    operation_id = "enrollment_status",
    tag = "patient enrollment",
    responses(
        (status = 200, description = "The next step and the practice's requirements", body = EnrollmentStatus),
        (status = 401, description = "No enrollment session", body = ErrorBody),
        (status = 410, description = "The invitation can no longer be used (locked, used, ...)", body = ErrorBody),
    ),
    security(("enrollment_session" = []), ("enrollment_bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn status(
    State(state): State<AppState>,
    enrollment: Enrollment,
) -> Result<Response, ApiError> {
    let step = enrollment.step();
    if let Step::Ended(reason) = step {
        return Err(ApiError::ended(reason));
    }
    let invitation = &enrollment.invitation;
    let organization = state
        .db
        .organizations()
        .await?
        .into_iter()
        .find(|o| o.id == invitation.organization);
    let username_example = if step == Step::Credentials {
        let chart = state.db.invitation_chart(invitation).await?;
        Some(crate::enrollment::credentials::example(&state, invitation, &chart).await)
    } else {
        None
    };
    let policy = &enrollment.policy;
    Ok(reply(
        StatusCode::OK,
        EnrollmentStatus {
            next_step: step.name(),
            practice: PracticeInfo {
                name: organization
                    .as_ref()
                    .map_or_else(|| "Porchlight".to_owned(), |o| o.name.clone()),
                phone: organization.and_then(|o| o.phone),
            },
            requirements: Requirements {
                mrn_required: policy.mrn_required,
                access_code: policy.access_code.as_str(),
                password_min_chars: policy.password_min_chars,
            },
            attempts_left: (i64::from(policy.attempts_allowed) - invitation.attempts).max(0),
            username_example,
        },
    ))
}

/// A step done: what comes next.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepDone {
    /// `access-code`, `credentials` or `terms`.
    #[schema(example = "access-code")]
    pub next_step: &'static str,
}

async fn step_done(state: &AppState, enrollment: &Enrollment) -> Result<Response, ApiError> {
    let step = enrollment.reload(state).await?;
    if let Step::Ended(reason) = step {
        return Err(ApiError::ended(reason));
    }
    Ok(reply(
        StatusCode::OK,
        StepDone {
            next_step: step.name(),
        },
    ))
}

/// Step 1: who the patient is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityRequest {
    /// Legal first name (given names, at most 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub given: String,
    /// Legal last name.
    #[schema(min_length = 1, max_length = 200)]
    pub family: String,
    /// `YYYY-MM-DD`.
    #[schema(example = "1961-04-09", format = Date)]
    pub birth_date: String,
    /// The medical record number, when the practice asks for it: letters, digits, `-`, `.`
    /// and `/`, at most 64.
    #[serde(default)]
    #[schema(pattern = r"^\s*[A-Za-z0-9./-]{0,64}\s*$")]
    pub mrn: Option<String>,
}

pub(super) const BIRTH_DATE_FORMAT: &str =
    "Write the date of birth as YYYY-MM-DD, like 1961-04-09.";

/// Step 1: the patient's legal name, date of birth and (where the practice asks) MRN, compared
/// with the invited chart. Whatever differed, the answer is the same one message with the
/// attempts left; after the practice's number of attempts the invitation locks.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment/identity",
    operation_id = "verify_identity",
    tag = "patient enrollment",
    request_body = IdentityRequest,
    responses(
        (status = 200, description = "The details match the chart", body = StepDone),
        (status = 401, description = "No enrollment session", body = ErrorBody),
        (status = 409, description = "The enrollment is at another step (`code` = `wrong_step`)", body = ErrorBody),
        (status = 410, description = "The invitation is locked (this attempt was the last) or otherwise ended", body = ErrorBody),
        (status = 422, description = "A field to fix (`code` = `invalid`, `fields`), or the details do not match (`code` = `mismatch`: one message whatever differed)", body = ErrorBody),
    ),
    security(("enrollment_session" = []), ("enrollment_bearer" = []))
)]
#[tracing::instrument(skip_all, fields(invitation = %enrollment.invitation.id))]
pub async fn identity(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    enrollment: Enrollment,
    ApiJson(request): ApiJson<IdentityRequest>,
) -> Result<Response, ApiError> {
    enrollment.expect("identity")?;
    let answer = IdentityAnswer {
        given: &request.given,
        family: &request.family,
        birth_date: request.birth_date.trim(),
        mrn: request.mrn.as_deref().unwrap_or(""),
    };
    let outcome = verify_identity(
        &state,
        &enrollment.invitation,
        &enrollment.policy,
        answer,
        client,
    )
    .await?;
    match outcome {
        IdentityOutcome::Verified => step_done(&state, &enrollment).await,
        IdentityOutcome::Locked => {
            Err(ApiError::ended(crate::enrollment::enroll::Unusable::Locked))
        }
        IdentityOutcome::Mismatch(message) => Err(mismatch(message)),
        IdentityOutcome::Invalid(errors) => Err(invalid_identity(errors)),
    }
}

/// The identity fields to fix. The page's words for the birth date name its three boxes;
/// here it is one field.
pub(super) fn invalid_identity(errors: Vec<(&'static str, String)>) -> ApiError {
    ApiError::invalid(errors.into_iter().map(|(field, message)| {
        let message = match field {
            "birth_date" => BIRTH_DATE_FORMAT.to_owned(),
            _ => message,
        };
        (field, message)
    }))
}

fn mismatch(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "mismatch", message)
}

/// Step 2: the access code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessCodeRequest {
    /// The last 4 digits of the SSN, where the practice asks for them
    /// (`requirements.access_code` = `ssn-last4` in `GET /api/v1/enrollment`).
    #[schema(example = "6789", pattern = r"^\s*[0-9]{4}\s*$")]
    pub access_code: String,
}

/// Step 2, where the practice's access code is the SSN's last 4 digits (a year of birth is
/// not asked again after step 1: `next_step` goes from `identity` to `credentials`). Wrong
/// codes count toward the same attempts as step 1 and get its one message.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment/access-code",
    operation_id = "check_access_code",
    tag = "patient enrollment",
    request_body = AccessCodeRequest,
    responses(
        (status = 200, description = "The code matches", body = StepDone),
        (status = 401, description = "No enrollment session", body = ErrorBody),
        (status = 409, description = "The enrollment is at another step", body = ErrorBody),
        (status = 410, description = "The invitation is locked or otherwise ended", body = ErrorBody),
        (status = 422, description = "Not four digits (`fields.access_code`), or wrong (`code` = `mismatch`)", body = ErrorBody),
    ),
    security(("enrollment_session" = []), ("enrollment_bearer" = []))
)]
#[tracing::instrument(skip_all, fields(invitation = %enrollment.invitation.id))]
pub async fn access_code(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    enrollment: Enrollment,
    ApiJson(request): ApiJson<AccessCodeRequest>,
) -> Result<Response, ApiError> {
    let Step::AccessCode(kind) = enrollment.expect("access-code")? else {
        return Err(ApiError::conflict(
            "wrong_step",
            "Not at the access-code step.",
        ));
    };
    let outcome = check_access_code(
        &state,
        &enrollment.invitation,
        &enrollment.policy,
        kind,
        &request.access_code,
        client,
    )
    .await?;
    match outcome {
        AccessCodeOutcome::Verified => step_done(&state, &enrollment).await,
        AccessCodeOutcome::Locked => {
            Err(ApiError::ended(crate::enrollment::enroll::Unusable::Locked))
        }
        AccessCodeOutcome::Mismatch(message) => Err(mismatch(message)),
        AccessCodeOutcome::Malformed(message) => Err(ApiError::field("access_code", message)),
    }
}

/// Step 3: the username and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsRequest {
    /// Unique in the practice, whatever the case: 3 to 64 letters, digits, `.`, `-` and `_`.
    #[schema(example = "lucia.rivera", min_length = 3, max_length = 64)]
    pub username: String,
    /// At least `requirements.password_min_chars` characters, any Unicode; not a common
    /// password, and without the username, the name or the birth date.
    #[schema(format = Password, min_length = 8, max_length = 128)]
    pub password: String,
    /// The password again.
    #[schema(format = Password, min_length = 1)]
    pub confirmation: String,
}

/// The credentials are set.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialsSet {
    /// As stored (lower case).
    pub username: String,
    /// `terms`.
    pub next_step: &'static str,
}

/// Step 3: a username and a password under the NIST SP 800-63B rules. A refusal names each
/// field's problem; a taken username comes with free suggestions, a weak password with advice.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment/credentials",
    operation_id = "choose_credentials",
    tag = "patient enrollment",
    request_body = CredentialsRequest,
    responses(
        (status = 200, description = "The username and password are set", body = CredentialsSet),
        (status = 401, description = "No enrollment session", body = ErrorBody),
        (status = 409, description = "The enrollment is at another step", body = ErrorBody),
        (status = 410, description = "The invitation ended", body = ErrorBody),
        (status = 422, description = "`fields.username`, `fields.password`, `fields.confirmation`; `suggestions` when the username is taken, `advice` for the password", body = ErrorBody),
    ),
    security(("enrollment_session" = []), ("enrollment_bearer" = []))
)]
#[tracing::instrument(skip_all, fields(invitation = %enrollment.invitation.id))]
pub async fn credentials(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    enrollment: Enrollment,
    ApiJson(request): ApiJson<CredentialsRequest>,
) -> Result<Response, ApiError> {
    enrollment.expect("credentials")?;
    let chart = state.db.invitation_chart(&enrollment.invitation).await?;
    let answer = CredentialsAnswer {
        username: &request.username,
        password: &request.password,
        confirmation: &request.confirmation,
    };
    let outcome = choose_credentials(
        &state,
        &enrollment.invitation,
        &chart,
        enrollment.policy.password_min_chars,
        answer,
        client,
    )
    .await?;
    match outcome {
        CredentialsOutcome::Set(username) => Ok(reply(
            StatusCode::OK,
            CredentialsSet {
                username,
                next_step: Step::Terms.name(),
            },
        )),
        CredentialsOutcome::WrongStep => Err(ApiError::conflict(
            "wrong_step",
            "The username and password were set already: the next step is terms.",
        )),
        CredentialsOutcome::Refused(refusal) => {
            let mut fields = Vec::new();
            if let Some(error) = refusal.username_error {
                fields.push(("username", error));
            }
            let (confirmation, password): (Vec<_>, Vec<_>) = refusal
                .password_problems
                .iter()
                .partition(|p| matches!(p, domain::password::PasswordProblem::Mismatch));
            let join = |problems: Vec<&domain::password::PasswordProblem>| {
                problems
                    .into_iter()
                    .map(crate::enrollment::credentials::password_problem)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if !password.is_empty() {
                fields.push(("password", join(password)));
            }
            if !confirmation.is_empty() {
                fields.push(("confirmation", join(confirmation)));
            }
            Err(ApiError::invalid(fields).with_suggestions(refusal.suggestions, refusal.advice))
        }
    }
}

/// One document in force, in the patient's language where the practice published it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    /// Accept this version: send it back as `terms_version` or `privacy_version`.
    pub version: i64,
    /// The language of `summary`, `body` and `changes`: `es` when the request prefers Spanish
    /// (`Accept-Language`, or the language cookie) and this version was published in Spanish;
    /// otherwise `en`.
    #[schema(example = "en")]
    pub language: &'static str,
    /// The request prefers Spanish but this version exists only in English: say so.
    pub english_only: bool,
    /// The plain-language summary, to show first.
    pub summary: String,
    pub body: String,
    /// What changed since the previous version, when there is one.
    pub changes: Option<String>,
}

impl From<TermsVersion> for Document {
    fn from(version: TermsVersion) -> Self {
        let shown = crate::common::terms_text::shown(&version);
        Self {
            version: shown.version,
            language: shown.lang,
            english_only: shown.english_only,
            summary: shown.summary,
            body: shown.body,
            changes: shown.changes,
        }
    }
}

/// The terms of use and the privacy policy in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct Documents {
    pub terms: Document,
    pub privacy: Document,
}

/// Step 4: the documents to accept, each with its plain-language summary.
#[utoipa::path(
    get,
    path = "/api/v1/enrollment/terms",
    operation_id = "enrollment_terms",
    tag = "patient enrollment",
    responses(
        (status = 200, description = "The versions in force", body = Documents),
        (status = 401, description = "No enrollment session", body = ErrorBody),
        (status = 409, description = "The enrollment is at another step", body = ErrorBody),
        (status = 410, description = "The invitation ended", body = ErrorBody),
    ),
    security(("enrollment_session" = []), ("enrollment_bearer" = []))
)]
pub async fn terms(
    State(state): State<AppState>,
    enrollment: Enrollment,
) -> Result<Response, ApiError> {
    enrollment.expect("terms")?;
    let (terms, privacy) = state
        .db
        .current_terms(enrollment.invitation.organization, &DEFAULT_TERMS)
        .await?;
    Ok(reply(
        StatusCode::OK,
        Documents {
            terms: terms.into(),
            privacy: privacy.into(),
        },
    ))
}

/// Step 4: accepting both documents, in the versions read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptTermsRequest {
    #[schema(schema_with = super::schemas::ticked)]
    pub accept_terms: bool,
    #[schema(schema_with = super::schemas::ticked)]
    pub accept_privacy: bool,
    /// The versions read (from `GET /api/v1/enrollment/terms`).
    #[serde(deserialize_with = "super::integers::whole")]
    pub terms_version: i64,
    #[serde(deserialize_with = "super::integers::whole")]
    pub privacy_version: i64,
    #[serde(default)]
    #[schema(schema_with = super::schemas::language)]
    pub language: Option<String>,
}

/// The language an acceptance names, or the request's by default: 422 for one that is not
/// `en` or `es`.
pub(crate) fn accepted_language(language: Option<&str>) -> Result<TermsLanguage, ApiError> {
    match language {
        None => Ok(crate::common::terms_text::reader_language()),
        Some(tag) => crate::common::terms_text::named_language(tag).ok_or_else(|| {
            ApiError::invalid(vec![(
                "language",
                "Send the language the documents were read in: en or es.".to_owned(),
            )])
        }),
    }
}

/// Both documents must be accepted: 422 naming each one that was not.
pub(crate) fn both_accepted(terms: bool, privacy: bool) -> Result<(), ApiError> {
    let mut missing = Vec::new();
    if !terms {
        missing.push((
            "accept_terms",
            "Accept the terms of use to go on.".to_owned(),
        ));
    }
    if !privacy {
        missing.push((
            "accept_privacy",
            "Accept the privacy policy to go on.".to_owned(),
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(missing))
    }
}

/// The account is active and the patient signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Activated {
    /// The patient's session, also set as the `porchlight_session` cookie. Apps send it as
    /// `Authorization: Bearer`.
    pub session_token: String,
    /// The page that explains the next steps (add the portal to the home screen).
    #[schema(example = "/welcome")]
    pub welcome: &'static str,
}

/// Step 4: accepting the terms of use and the privacy policy activates the account (once,
/// even when requests race), records both versions with the time and the client, and signs
/// the patient in.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment/terms",
    operation_id = "accept_enrollment_terms",
    tag = "patient enrollment",
    request_body = AcceptTermsRequest,
    responses(
        (status = 201, description = "The account is active; the patient's session is set as a cookie and returned", body = Activated,
            headers(("set-cookie" = String, description = "porchlight_session (Path=/, HttpOnly); the enrollment cookie is removed"))),
        (status = 401, description = "No enrollment session", body = ErrorBody),
        (status = 409, description = "At another step, or a newer version was published since it was read (`code` = `terms_changed`)", body = ErrorBody),
        (status = 410, description = "The invitation ended", body = ErrorBody),
        (status = 422, description = "Both documents must be accepted (`fields`), in a language that is `en` or `es` (`fields.language`)", body = ErrorBody),
    ),
    security(("enrollment_session" = []), ("enrollment_bearer" = []))
)]
#[tracing::instrument(skip_all, fields(invitation = %enrollment.invitation.id))]
pub async fn accept_terms(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    enrollment: Enrollment,
    ApiJson(request): ApiJson<AcceptTermsRequest>,
) -> Result<Response, ApiError> {
    enrollment.expect("terms")?;
    both_accepted(request.accept_terms, request.accept_privacy)?;
    let language = accepted_language(request.language.as_deref())?;
    let (terms, privacy) = state
        .db
        .current_terms(enrollment.invitation.organization, &DEFAULT_TERMS)
        .await?;
    if (request.terms_version, request.privacy_version) != (terms.version, privacy.version) {
        return Err(ApiError::conflict(
            "terms_changed",
            "A newer version was published since these were read: read them again \
             (GET /api/v1/enrollment/terms) and accept those.",
        ));
    }
    let started = accept_and_activate(
        &state,
        &enrollment.invitation,
        (&terms, &privacy),
        language,
        &headers,
        client,
    )
    .await?;
    let Some(started) = started else {
        return Err(match enrollment.reload(&state).await? {
            Step::Ended(reason) => ApiError::ended(reason),
            _ => ApiError::conflict("wrong_step", "This enrollment is not at the terms step."),
        });
    };
    let mut response = reply(
        StatusCode::CREATED,
        Activated {
            session_token: started.token.clone(),
            welcome: "/welcome",
        },
    );
    started.set_cookies(&mut response);
    set_cookie(
        &mut response,
        &format!("{ENROLLMENT_COOKIE}=; Path={COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}
