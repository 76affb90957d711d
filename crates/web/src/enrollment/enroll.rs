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
    common::{
        i18n::{t, t_args},
        pages::{Practice, no_store, render},
        session,
    },
    enrollment::bot_check::{self, BotAnswer, BotCheckFailure, BotField},
    error::{OrTrouble, PageError},
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
    /// An account was made with this invitation: offer signing in and a forgotten password.
    account_made: bool,
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
                if invitation.access_code_verified || !access_code_step(invitation, policy) =>
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

    /// The step after a verified identity.
    pub(crate) fn after_identity(invitation: &OpenInvitation, policy: &EnrollmentPolicy) -> Self {
        if access_code_step(invitation, policy) {
            Step::AccessCode(policy.access_code)
        } else {
            Step::Credentials
        }
    }

    /// Where this step stands among the invitation's steps ("Step 2 of 3"); none once ended.
    pub(crate) fn count(
        self,
        invitation: &OpenInvitation,
        policy: &EnrollmentPolicy,
    ) -> Option<StepCount> {
        let of = if access_code_step(invitation, policy) {
            4
        } else {
            3
        };
        let step = match self {
            Step::Identity => 1,
            Step::AccessCode(_) => 2,
            Step::Credentials => of - 1,
            Step::Terms => of,
            Step::Ended(_) => return None,
        };
        Some(StepCount { step, of })
    }

    /// The page of this step.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Step::Identity | Step::Ended(_) => "/enroll/identity",
            Step::AccessCode(_) => "/enroll/access-code",
            Step::Credentials => "/enroll/credentials",
            Step::Terms => "/enroll/terms",
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

/// Whether the access code gets a step of its own after the identity step. The year of
/// birth does not: the identity step's date of birth already proved it, and asking for it
/// again only added a screen. The SSN's last 4 digits are a second fact and keep the step. A
/// patient who signed up without an invitation typed the code with the rest (self-enrollment).
pub(crate) fn access_code_step(invitation: &OpenInvitation, policy: &EnrollmentPolicy) -> bool {
    !invitation.self_enrollment && asks_access_code(policy.access_code)
}

/// Whether the patient is asked for an access code at all: the birth year is never asked
/// twice (the date of birth is always asked).
pub(crate) fn asks_access_code(kind: AccessCodeKind) -> bool {
    kind == AccessCodeKind::SsnLast4
}

/// "Step 2 of 3": where a page stands among the practice's enrollment steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StepCount {
    pub(crate) step: u8,
    pub(crate) of: u8,
}

impl StepCount {
    /// The first step of a sign-up without an invitation: one form, then the username and
    /// password, then the terms.
    pub(crate) const SELF_START: StepCount = StepCount { step: 1, of: 3 };

    /// The words, in the patient's language.
    pub(crate) fn text(self) -> String {
        t_args(
            "step-of",
            &[
                ("step", i64::from(self.step).into()),
                ("total", i64::from(self.of).into()),
            ],
        )
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
    let self_enrollment = crate::enrollment::self_enroll::offered_anywhere(state).await;
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
) -> Result<Response, PageError> {
    let now = Timestamp::now();
    let outcome = open_with_code(&state, client, &form.code, &form.website, &form.bot)
        .await
        .or_trouble("could not open an invitation by code")?;
    let (code_error, problem, bot) = match outcome {
        CodeOutcome::Opened(token) => return Ok(to_identity_step(&state, &token)),
        CodeOutcome::Ended(ended) => return Ok(ended_page(&state, ended).await),
        CodeOutcome::Throttled => (
            None,
            Some(too_many_tries()),
            BotField::again(&state, &form.bot.bot_check, now),
        ),
        CodeOutcome::Honeypot | CodeOutcome::NotFound => {
            (None, Some(code_not_found()), BotField::fresh(&state, now))
        }
        CodeOutcome::Malformed(error) => (
            Some(error),
            None,
            BotField::again(&state, &form.bot.bot_check, now),
        ),
        CodeOutcome::BotRefused(refusal) => (
            None,
            Some(bot_check::message(&refusal).to_owned()),
            BotField::after_refusal(&state, &form.bot, &refusal, now),
        ),
    };
    Ok(activate_form(&state, form.code, code_error, problem, bot).await)
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
) -> Result<Response, PageError> {
    let outcome = open_with_link(&state, client, &token, None)
        .await
        .or_trouble(LINK_FAILED)?;
    Ok(match outcome {
        LinkOutcome::NeedsBotCheck => {
            let bot = BotField::fresh(&state, Timestamp::now());
            link_check_page(&state, &token, None, bot).await
        }
        outcome => link_response(&state, &token, None, outcome).await,
    })
}

/// `POST /enroll/{token}`: the emailed link's page with the bot check, answered.
#[tracing::instrument(skip_all)]
pub async fn confirm_link(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    Form(answer): Form<BotAnswer>,
) -> Result<Response, PageError> {
    let outcome = open_with_link(&state, client, &token, Some(&answer))
        .await
        .or_trouble(LINK_FAILED)?;
    Ok(link_response(&state, &token, Some(&answer), outcome).await)
}

/// What the log says when an emailed link could not be followed.
const LINK_FAILED: &str = "could not open an invitation by link";

async fn link_response(
    state: &AppState,
    token: &str,
    answer: Option<&BotAnswer>,
    outcome: LinkOutcome,
) -> Response {
    let now = Timestamp::now();
    match outcome {
        LinkOutcome::Opened(session) => to_identity_step(state, &session),
        LinkOutcome::Ended(ended) => ended_page(state, ended).await,
        LinkOutcome::Broken => {
            let (heading, message) = broken_link();
            problem(state, heading, message).await
        }
        LinkOutcome::NeedsBotCheck => {
            link_check_page(state, token, None, BotField::fresh(state, now)).await
        }
        LinkOutcome::BotRefused(refusal) => {
            let bot = match answer {
                Some(answer) => BotField::after_refusal(state, answer, &refusal, now),
                None => BotField::fresh(state, now),
            };
            let message = bot_check::message(&refusal).to_owned();
            let mut response = link_check_page(state, token, Some(message), bot).await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
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
    problem_page(state, heading, message, reason == Unusable::Used).await
}

pub(crate) async fn problem(state: &AppState, heading: String, message: String) -> Response {
    problem_page(state, heading, message, false).await
}

async fn problem_page(
    state: &AppState,
    heading: String,
    message: String,
    account_made: bool,
) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(ProblemPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        heading,
        message,
        account_made,
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
            self_enrollment: false,
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

    fn policy(kind: AccessCodeKind) -> EnrollmentPolicy {
        EnrollmentPolicy {
            access_code: kind,
            ..EnrollmentPolicy::default()
        }
    }

    #[test]
    fn the_birth_year_is_not_asked_again_after_the_identity_step() {
        let verified = invitation("identity-verified", SignedDuration::from_hours(1));
        for kind in [AccessCodeKind::BirthYear, AccessCodeKind::None] {
            assert_eq!(
                Step::of(&verified, &policy(kind)),
                Step::Credentials,
                "{kind:?}"
            );
            assert_eq!(
                Step::after_identity(&verified, &policy(kind)),
                Step::Credentials
            );
        }
        let ssn = policy(AccessCodeKind::SsnLast4);
        assert_eq!(
            Step::of(&verified, &ssn),
            Step::AccessCode(AccessCodeKind::SsnLast4)
        );
        let code_done = OpenInvitation {
            access_code_verified: true,
            ..verified.clone()
        };
        assert_eq!(Step::of(&code_done, &ssn), Step::Credentials);
    }

    #[test]
    fn the_step_counter_counts_the_practice_s_own_steps() {
        let opened = invitation("opened", SignedDuration::from_hours(1));
        let count = |step: Step, kind| step.count(&opened, &policy(kind)).map(|c| (c.step, c.of));
        for kind in [AccessCodeKind::BirthYear, AccessCodeKind::None] {
            assert_eq!(count(Step::Identity, kind), Some((1, 3)));
            assert_eq!(count(Step::Credentials, kind), Some((2, 3)));
            assert_eq!(count(Step::Terms, kind), Some((3, 3)));
        }
        let ssn = AccessCodeKind::SsnLast4;
        assert_eq!(count(Step::Identity, ssn), Some((1, 4)));
        assert_eq!(count(Step::AccessCode(ssn), ssn), Some((2, 4)));
        assert_eq!(count(Step::Credentials, ssn), Some((3, 4)));
        assert_eq!(count(Step::Terms, ssn), Some((4, 4)));
        // Without an invitation the one form asked the SSN digits too: three steps.
        let own = OpenInvitation {
            self_enrollment: true,
            ..opened.clone()
        };
        let terms = Step::Terms
            .count(&own, &policy(ssn))
            .map(|c| (c.step, c.of));
        assert_eq!(terms, Some((3, 3)));
        assert_eq!(count(Step::Ended(Unusable::Used), ssn), None);
    }
}
