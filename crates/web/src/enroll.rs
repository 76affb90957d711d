//! The patient's enrollment, first steps: opening an invitation from an emailed link or a
//! printed activation code. The secret is used here and leaves the address bar; a cookie
//! carries the patient on to the identity step.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    bot_check::BotCheckError,
    invitation::ActivationCode,
    policy::{AccessCodeKind, EnrollmentPolicy},
};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use storage::{InvitationSecret, OpenInvitation};

use crate::{
    AppState,
    bot_check::{self, BotAnswer, BotCheckFailure, BotField},
    i18n::t,
    pages::{Practice, no_store, render, server_error},
    session,
};

pub const ENROLLMENT_COOKIE: &str = "porchlight_enrollment";
/// How long a patient has to finish the steps once the invitation is opened.
pub(crate) const ENROLLMENT_SESSION: SignedDuration = SignedDuration::from_hours(2);
const ACTIVATE_FAILURES: u32 = 10;
pub(crate) const THROTTLE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

#[derive(Template)]
#[template(path = "enroll/activate.html")]
struct ActivatePage {
    practice_name: String,
    practice_phone: Option<String>,
    code: String,
    code_error: Option<String>,
    problem: Option<String>,
    bot: BotField,
    self_enrollment: bool,
}

#[derive(Template)]
#[template(path = "enroll/link_check.html")]
struct LinkCheckPage {
    practice_name: String,
    practice_phone: Option<String>,
    action: String,
    problem: Option<String>,
    bot: BotField,
}

#[derive(Template)]
#[template(path = "enroll/problem.html")]
struct ProblemPage {
    practice_name: String,
    practice_phone: Option<String>,
    heading: String,
    message: String,
}

#[derive(Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    code: String,
    /// The honeypot: people never see it, so anything typed here came from a robot.
    #[serde(default)]
    website: String,
    #[serde(flatten)]
    bot: BotAnswer,
}

/// Why an invitation cannot be opened, for the patient holding its secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    Expired,
    Used,
    Revoked,
    Locked,
}

impl Unusable {
    /// What the patient is told, on the page and in the API alike: a heading and what to do.
    pub(crate) fn words(self) -> (String, String) {
        let (heading, message) = match self {
            Unusable::Expired => ("ended-expired-heading", "ended-expired"),
            Unusable::Used => ("ended-used-heading", "ended-used"),
            Unusable::Revoked => ("ended-revoked-heading", "ended-revoked"),
            Unusable::Locked => ("ended-locked-heading", "ended-locked"),
        };
        (t(heading), t(message))
    }

    /// A stable name, for programs.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Unusable::Expired => "expired",
            Unusable::Used => "used",
            Unusable::Revoked => "revoked",
            Unusable::Locked => "locked",
        }
    }
}

/// Where an opened enrollment stands: the step the patient is at, or why it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Identity,
    AccessCode(AccessCodeKind),
    Credentials,
    Terms,
    Ended(Unusable),
}

impl Step {
    /// The step of an opened invitation under its practice's policy. Expiry is checked when
    /// the invitation is opened; the enrollment session's own lifetime bounds the rest.
    pub(crate) fn of(invitation: &OpenInvitation, policy: &EnrollmentPolicy) -> Self {
        match invitation.status.as_str() {
            "invited" | "opened" => Step::Identity,
            "identity-verified"
                if invitation.access_code_verified
                    || policy.access_code == AccessCodeKind::None =>
            {
                Step::Credentials
            }
            "identity-verified" => Step::AccessCode(policy.access_code),
            "credentials-set" => Step::Terms,
            "active" => Step::Ended(Unusable::Used),
            "revoked" => Step::Ended(Unusable::Revoked),
            "expired" => Step::Ended(Unusable::Expired),
            _ => Step::Ended(Unusable::Locked),
        }
    }

    /// A stable name, for programs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Step::Identity => "identity",
            Step::AccessCode(_) => "access-code",
            Step::Credentials => "credentials",
            Step::Terms => "terms",
            Step::Ended(_) => "ended",
        }
    }
}

pub(crate) fn unusable(invitation: &OpenInvitation) -> Option<Unusable> {
    match invitation.status.as_str() {
        "active" => Some(Unusable::Used),
        "revoked" => Some(Unusable::Revoked),
        "locked" | "mismatch" => Some(Unusable::Locked),
        "expired" => Some(Unusable::Expired),
        _ if invitation.expires_at <= Timestamp::now() => Some(Unusable::Expired),
        _ => None,
    }
}

pub async fn activate_page(State(state): State<AppState>) -> Response {
    let bot = BotField::fresh(&state, Timestamp::now());
    activate_form(&state, String::new(), None, None, bot).await
}

async fn activate_form(
    state: &AppState,
    code: String,
    code_error: Option<String>,
    problem: Option<String>,
    bot: BotField,
) -> Response {
    let practice = Practice::of(state).await;
    let failed = code_error.is_some() || problem.is_some();
    let self_enrollment = crate::self_enroll::offered_anywhere(state).await;
    let mut response = render(ActivatePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        code,
        code_error,
        problem,
        bot,
        self_enrollment,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    response
}

/// What typing a printed code led to.
pub(crate) enum CodeOutcome {
    /// Too many failures from this address lately.
    Throttled,
    /// The honeypot was filled: answered like an unknown code.
    Honeypot,
    /// The code is not of the printed form; the bot check was not spent.
    Malformed(String),
    BotRefused(BotCheckError),
    NotFound,
    Ended(Unusable),
    /// The invitation is open: the enrollment session's token.
    Opened(String),
}

pub(crate) fn too_many_tries() -> String {
    t("activate-throttled")
}

pub(crate) fn code_not_found() -> String {
    t("activate-not-found")
}

/// Opens the invitation of a printed code, for the page and the API alike. In order: the
/// per-address throttle, the honeypot, the code's form (a typo does not spend the bot check),
/// the bot check, then the look-up.
#[tracing::instrument(skip_all, err)]
pub(crate) async fn open_with_code(
    state: &AppState,
    client: SocketAddr,
    code: &str,
    honeypot: &str,
    bot: &BotAnswer,
) -> anyhow::Result<CodeOutcome> {
    let now = Timestamp::now();
    let bucket = format!("activate-address:{}", client.ip());
    if state
        .db
        .recent_failures(&bucket, now, THROTTLE_WINDOW)
        .await?
        >= ACTIVATE_FAILURES
    {
        return Ok(CodeOutcome::Throttled);
    }
    let record_failure = || state.db.record_failure(&bucket, now, THROTTLE_WINDOW);
    if !honeypot.is_empty() {
        record_failure().await?;
        return Ok(CodeOutcome::Honeypot);
    }
    let code = match ActivationCode::parse(code) {
        Ok(code) => code,
        Err(error) => return Ok(CodeOutcome::Malformed(error.to_string())),
    };
    match bot_check::check(state, bot, now).await {
        Ok(_) => {}
        Err(BotCheckFailure::Refused(refusal)) => {
            if bot_check::looks_automated(&refusal) {
                record_failure().await?;
            }
            return Ok(CodeOutcome::BotRefused(refusal));
        }
        Err(BotCheckFailure::Unexpected(error)) => return Err(error),
    }
    let hash = state.key.keyed_hash("activation-code", code.canonical());
    match state
        .db
        .invitation_by_secret(InvitationSecret::CodeHash(&hash))
        .await?
    {
        Some(invitation) => Ok(match open_session(state, &invitation, client).await? {
            Ok(token) => CodeOutcome::Opened(token),
            Err(ended) => CodeOutcome::Ended(ended),
        }),
        None => {
            record_failure().await?;
            Ok(CodeOutcome::NotFound)
        }
    }
}

/// `POST /activate`: the printed code.
#[tracing::instrument(skip_all)]
pub async fn activate(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Form(form): Form<ActivateForm>,
) -> Response {
    let now = Timestamp::now();
    let outcome = open_with_code(&state, client, &form.code, &form.website, &form.bot).await;
    let (code_error, problem, bot) = match outcome {
        Ok(CodeOutcome::Opened(token)) => return to_identity_step(&state, &token),
        Ok(CodeOutcome::Ended(ended)) => return ended_page(&state, ended).await,
        Ok(CodeOutcome::Throttled) => (
            None,
            Some(too_many_tries()),
            BotField::again(&state, &form.bot.bot_check, now),
        ),
        Ok(CodeOutcome::Honeypot | CodeOutcome::NotFound) => {
            (None, Some(code_not_found()), BotField::fresh(&state, now))
        }
        Ok(CodeOutcome::Malformed(error)) => (
            Some(error),
            None,
            BotField::again(&state, &form.bot.bot_check, now),
        ),
        Ok(CodeOutcome::BotRefused(refusal)) => (
            None,
            Some(bot_check::message(&refusal).to_owned()),
            BotField::after_refusal(&state, &form.bot, &refusal, now),
        ),
        Err(error) => {
            tracing::error!(error = %error, "could not open an invitation by code");
            return server_error();
        }
    };
    activate_form(&state, form.code, code_error, problem, bot).await
}

/// What following an emailed link led to.
pub(crate) enum LinkOutcome {
    /// No invitation has this token (often a link broken by an email program).
    Broken,
    Ended(Unusable),
    /// The practice asks for the bot check on emailed links, and none was answered yet.
    NeedsBotCheck,
    BotRefused(BotCheckError),
    /// The invitation is open: the enrollment session's token.
    Opened(String),
}

pub(crate) fn broken_link() -> (String, String) {
    (t("link-broken-heading"), t("link-broken"))
}

/// Opens the invitation of an emailed link's token, for the page and the API alike. `answer`
/// is the bot check, when one was answered: the practice's policy may ask for it.
#[tracing::instrument(skip_all, err)]
pub(crate) async fn open_with_link(
    state: &AppState,
    client: SocketAddr,
    token: &str,
    answer: Option<&BotAnswer>,
) -> anyhow::Result<LinkOutcome> {
    let hash = session::token_hash(token);
    let Some(invitation) = state
        .db
        .invitation_by_secret(InvitationSecret::TokenHash(&hash))
        .await?
    else {
        return Ok(LinkOutcome::Broken);
    };
    if unusable(&invitation).is_none() && link_needs_bot_check(state, &invitation).await {
        let Some(answer) = answer else {
            return Ok(LinkOutcome::NeedsBotCheck);
        };
        match bot_check::check(state, answer, Timestamp::now()).await {
            Ok(_) => {}
            Err(BotCheckFailure::Refused(refusal)) => return Ok(LinkOutcome::BotRefused(refusal)),
            Err(BotCheckFailure::Unexpected(error)) => return Err(error),
        }
    }
    Ok(match open_session(state, &invitation, client).await? {
        Ok(token) => LinkOutcome::Opened(token),
        Err(ended) => LinkOutcome::Ended(ended),
    })
}

/// `GET /enroll/{token}`: the emailed link. It opens the invitation at once, unless the
/// practice's policy asks for the bot check on emailed links too: then a page with one
/// button (and the check) comes first.
pub async fn follow_link(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    match open_with_link(&state, client, &token, None).await {
        Ok(LinkOutcome::NeedsBotCheck) => {
            let bot = BotField::fresh(&state, Timestamp::now());
            link_check_page(&state, &token, None, bot).await
        }
        outcome => link_response(&state, &token, None, outcome).await,
    }
}

/// `POST /enroll/{token}`: the emailed link's page with the bot check, answered.
#[tracing::instrument(skip_all)]
pub async fn confirm_link(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    Form(answer): Form<BotAnswer>,
) -> Response {
    let outcome = open_with_link(&state, client, &token, Some(&answer)).await;
    link_response(&state, &token, Some(&answer), outcome).await
}

async fn link_response(
    state: &AppState,
    token: &str,
    answer: Option<&BotAnswer>,
    outcome: anyhow::Result<LinkOutcome>,
) -> Response {
    let now = Timestamp::now();
    match outcome {
        Ok(LinkOutcome::Opened(session)) => to_identity_step(state, &session),
        Ok(LinkOutcome::Ended(ended)) => ended_page(state, ended).await,
        Ok(LinkOutcome::Broken) => {
            let (heading, message) = broken_link();
            problem(state, heading, message).await
        }
        Ok(LinkOutcome::NeedsBotCheck) => {
            link_check_page(state, token, None, BotField::fresh(state, now)).await
        }
        Ok(LinkOutcome::BotRefused(refusal)) => {
            let bot = match answer {
                Some(answer) => BotField::after_refusal(state, answer, &refusal, now),
                None => BotField::fresh(state, now),
            };
            let message = bot_check::message(&refusal).to_owned();
            let mut response = link_check_page(state, token, Some(message), bot).await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(error) => {
            tracing::error!(error = %error, "could not open an invitation by link");
            server_error()
        }
    }
}

/// Whether the practice asks for the bot check on emailed links too. When the policy cannot
/// be read, the check is asked for: it costs a person one button.
async fn link_needs_bot_check(state: &AppState, invitation: &OpenInvitation) -> bool {
    match state.db.enrollment_policy(invitation.organization).await {
        Ok(policy) => !policy.email_link_skips_bot_check,
        Err(error) => {
            tracing::warn!(error = %error, "could not read the policy; asking for the bot check");
            true
        }
    }
}

async fn link_check_page(
    state: &AppState,
    token: &str,
    problem: Option<String>,
    bot: BotField,
) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(LinkCheckPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        action: format!("/enroll/{token}"),
        problem,
        bot,
    });
    no_store(&mut response);
    response
}

/// Opens a usable invitation: a new enrollment session, whose token is answered; or why the
/// invitation can no longer be used.
async fn open_session(
    state: &AppState,
    invitation: &OpenInvitation,
    client: SocketAddr,
) -> anyhow::Result<Result<String, Unusable>> {
    if let Some(ended) = unusable(invitation) {
        return Ok(Err(ended));
    }
    let (token, hash) = session::new_token();
    let expires = Timestamp::now() + ENROLLMENT_SESSION;
    let client_addr = client.ip().to_string();
    state
        .db
        .open_invitation(invitation, &hash, expires, Some(&client_addr))
        .await?;
    Ok(Ok(token))
}

/// The page's answer to an opened invitation: on to step 1, with the session's cookie.
fn to_identity_step(state: &AppState, token: &str) -> Response {
    let mut response = Redirect::to("/enroll/identity").into_response();
    set_enrollment_cookie(state, &mut response, token);
    response
}

/// Gives the browser the enrollment session's token, for the steps under `/enroll`.
pub(crate) fn set_enrollment_cookie(state: &AppState, response: &mut Response, token: &str) {
    let cookie = enrollment_cookie(state, token, "/enroll");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The `Set-Cookie` value that carries an enrollment session's token to the paths under
/// `path` (the pages under `/enroll`, the API under `/api/v1/enrollment`).
pub(crate) fn enrollment_cookie(state: &AppState, token: &str, path: &str) -> String {
    let secure = if state.settings.served_over_https() {
        "; Secure"
    } else {
        ""
    };
    format!("{ENROLLMENT_COOKIE}={token}; Path={path}; HttpOnly; SameSite=Lax{secure}")
}

/// The page for an invitation that can no longer be used, saying why and what to do.
pub(crate) async fn ended_page(state: &AppState, reason: Unusable) -> Response {
    let (heading, message) = reason.words();
    problem(state, heading, message).await
}

pub(crate) async fn problem(state: &AppState, heading: String, message: String) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(ProblemPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        heading,
        message,
    });
    *response.status_mut() = StatusCode::GONE;
    no_store(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(status: &str, expires_in: SignedDuration) -> OpenInvitation {
        OpenInvitation {
            id: uuid::Uuid::now_v7(),
            organization: domain::OrganizationId::new(),
            patient: domain::PatientId::new(),
            status: status.to_owned(),
            attempts: 0,
            expires_at: Timestamp::now() + expires_in,
            access_code_verified: false,
        }
    }

    #[test]
    fn an_invitation_past_its_time_is_expired_whatever_its_status() {
        let hour = SignedDuration::from_hours(1);
        assert!(unusable(&invitation("invited", hour)).is_none());
        assert!(unusable(&invitation("opened", hour)).is_none());
        assert!(matches!(
            unusable(&invitation("invited", -hour)),
            Some(Unusable::Expired)
        ));
        assert!(matches!(
            unusable(&invitation("active", hour)),
            Some(Unusable::Used)
        ));
        assert!(matches!(
            unusable(&invitation("revoked", hour)),
            Some(Unusable::Revoked)
        ));
        assert!(matches!(
            unusable(&invitation("locked", hour)),
            Some(Unusable::Locked)
        ));
    }
}
