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
use domain::invitation::ActivationCode;
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
enum Unusable {
    Expired,
    Used,
    Revoked,
    Locked,
}

fn unusable(invitation: &OpenInvitation) -> Option<Unusable> {
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

/// `POST /activate`: the printed code. In order: the per-address throttle, the honeypot,
/// the code's form (a typo does not spend the bot check), the bot check, then the look-up.
#[tracing::instrument(skip_all)]
pub async fn activate(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Form(form): Form<ActivateForm>,
) -> Response {
    let now = Timestamp::now();
    let bucket = format!("activate-address:{}", client.ip());
    let not_found = t("activate-not-found");
    match state
        .db
        .recent_failures(&bucket, now, THROTTLE_WINDOW)
        .await
    {
        Ok(failures) if failures < ACTIVATE_FAILURES => {}
        Ok(_) => {
            let message = t("activate-throttled");
            let bot = BotField::again(&state, &form.bot.bot_check, now);
            return activate_form(&state, form.code, None, Some(message), bot).await;
        }
        Err(error) => {
            tracing::error!(error = %error, "could not read the activation counters");
            return server_error();
        }
    }
    let record_failure = || async {
        if let Err(error) = state.db.record_failure(&bucket, now, THROTTLE_WINDOW).await {
            tracing::error!(error = %error, "could not count a failed activation");
        }
    };
    if !form.website.is_empty() {
        record_failure().await;
        let bot = BotField::fresh(&state, now);
        return activate_form(&state, form.code, None, Some(not_found.clone()), bot).await;
    }
    let code = match ActivationCode::parse(&form.code) {
        Ok(code) => code,
        Err(error) => {
            let bot = BotField::again(&state, &form.bot.bot_check, now);
            return activate_form(&state, form.code, Some(error.to_string()), None, bot).await;
        }
    };
    match bot_check::check(&state, &form.bot, now).await {
        Ok(_) => {}
        Err(BotCheckFailure::Refused(refusal)) => {
            if bot_check::looks_automated(&refusal) {
                record_failure().await;
            }
            let bot = BotField::after_refusal(&state, &form.bot, &refusal, now);
            let message = bot_check::message(&refusal);
            return activate_form(&state, form.code, None, Some(message), bot).await;
        }
        Err(BotCheckFailure::Unexpected(error)) => {
            tracing::error!(error = %error, "could not record a bot-check challenge");
            return server_error();
        }
    }
    let hash = state.key.keyed_hash("activation-code", code.canonical());
    match state
        .db
        .invitation_by_secret(InvitationSecret::CodeHash(&hash))
        .await
    {
        Ok(Some(invitation)) => open(&state, invitation, client).await,
        Ok(None) => {
            record_failure().await;
            let bot = BotField::fresh(&state, now);
            activate_form(&state, form.code, None, Some(not_found.clone()), bot).await
        }
        Err(error) => {
            tracing::error!(error = %error, "could not look up an activation code");
            server_error()
        }
    }
}

/// `GET /enroll/{token}`: the emailed link. It opens the invitation at once, unless the
/// practice's policy asks for the bot check on emailed links too: then a page with one
/// button (and the check) comes first.
pub async fn follow_link(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    let invitation = match linked_invitation(&state, &token).await {
        Ok(invitation) => invitation,
        Err(response) => return response,
    };
    if unusable(&invitation).is_none() && link_needs_bot_check(&state, &invitation).await {
        let bot = BotField::fresh(&state, Timestamp::now());
        return link_check_page(&state, &token, None, bot).await;
    }
    open(&state, invitation, client).await
}

/// `POST /enroll/{token}`: the emailed link's page with the bot check, answered.
#[tracing::instrument(skip_all)]
pub async fn confirm_link(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    Form(answer): Form<BotAnswer>,
) -> Response {
    let invitation = match linked_invitation(&state, &token).await {
        Ok(invitation) => invitation,
        Err(response) => return response,
    };
    if unusable(&invitation).is_none() && link_needs_bot_check(&state, &invitation).await {
        let now = Timestamp::now();
        match bot_check::check(&state, &answer, now).await {
            Ok(_) => {}
            Err(BotCheckFailure::Refused(refusal)) => {
                let bot = BotField::after_refusal(&state, &answer, &refusal, now);
                let message = bot_check::message(&refusal);
                let mut response = link_check_page(&state, &token, Some(message), bot).await;
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return response;
            }
            Err(BotCheckFailure::Unexpected(error)) => {
                tracing::error!(error = %error, "could not record a bot-check challenge");
                return server_error();
            }
        }
    }
    open(&state, invitation, client).await
}

/// The invitation an emailed link's token leads to, or the page saying the link is broken.
async fn linked_invitation(state: &AppState, token: &str) -> Result<OpenInvitation, Response> {
    let hash = session::token_hash(token);
    match state
        .db
        .invitation_by_secret(InvitationSecret::TokenHash(&hash))
        .await
    {
        Ok(Some(invitation)) => Ok(invitation),
        Ok(None) => Err(problem(state, t("link-broken-heading"), t("link-broken")).await),
        Err(error) => {
            tracing::error!(error = %error, "could not look up an invitation link");
            Err(server_error())
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

async fn open(state: &AppState, invitation: OpenInvitation, client: SocketAddr) -> Response {
    if unusable(&invitation).is_some() {
        return ended(state, &invitation).await;
    }
    let (token, hash) = session::new_token();
    let expires = Timestamp::now() + ENROLLMENT_SESSION;
    let client_addr = client.ip().to_string();
    if let Err(error) = state
        .db
        .open_invitation(&invitation, &hash, expires, Some(&client_addr))
        .await
    {
        tracing::error!(error = %error, "could not open an invitation");
        return server_error();
    }
    let mut response = Redirect::to("/enroll/identity").into_response();
    set_enrollment_cookie(state, &mut response, &token);
    response
}

/// Gives the browser the enrollment session's token, for the steps under `/enroll`.
pub(crate) fn set_enrollment_cookie(state: &AppState, response: &mut Response, token: &str) {
    let secure = if state.settings.served_over_https() {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{ENROLLMENT_COOKIE}={token}; Path=/enroll; HttpOnly; SameSite=Lax{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The page for an invitation that can no longer be used, saying why and what to do.
pub(crate) async fn ended(state: &AppState, invitation: &OpenInvitation) -> Response {
    let reason = unusable(invitation).unwrap_or(Unusable::Locked);
    let (heading, message) = match reason {
        Unusable::Expired => ("ended-expired-heading", "ended-expired"),
        Unusable::Used => ("ended-used-heading", "ended-used"),
        Unusable::Revoked => ("ended-revoked-heading", "ended-revoked"),
        Unusable::Locked => ("ended-locked-heading", "ended-locked"),
    };
    problem(state, t(heading), t(message)).await
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
