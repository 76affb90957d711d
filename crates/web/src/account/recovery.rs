//! "Forgot your password or username?": a patient types their username or the email address
//! on their chart and gets, at that address, their username and a single-use link to choose
//! a new password. The page answers the same whether or not any account matched; the link
//! works once, for [`RESET_LIFETIME`]; completing it ends every session of the account.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::{
    Username,
    invitation::ActivationCode,
    password::{PasswordContext, PasswordPolicy},
};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use storage::{NewReset, OpenReset, Organization, RecoveryKey, RequestOrigin};

use crate::{
    AppState,
    common::{
        i18n::{t, t_args},
        pages::{Practice, no_store, render},
        session,
    },
    enrollment::{credentials::password_problem, identity::invalid},
    error::{OrTrouble, PageError},
    staff::console::{chosen_organization, request_origin},
};

/// How long a reset link works.
pub const RESET_LIFETIME: SignedDuration = SignedDuration::from_mins(30);
/// Requests from one address, per window, before it must wait.
const ADDRESS_REQUESTS: u32 = 10;
/// Reset emails to one account, per window: more would flood the patient's mailbox.
const ACCOUNT_EMAILS: u32 = 3;
const WINDOW: SignedDuration = SignedDuration::from_mins(15);

#[derive(Template)]
#[template(path = "patient/forgot.html")]
struct ForgotPage {
    practice_name: String,
    practice_phone: Option<String>,
    organizations: Vec<Organization>,
    selected_org: String,
    key: String,
    error: Option<String>,
    /// The request was taken: "check your email".
    sent: bool,
    minutes: i64,
    /// Whether the practice sends email (an SMTP server is set). Without it a reset link
    /// could reach nobody (it is never kept in the staff mailbox), so the page sends the
    /// patient to the practice for a reset code instead.
    sends_email: bool,
}

async fn forgot_page(
    state: &AppState,
    selected_org: String,
    key: String,
    error: Option<String>,
    sent: bool,
) -> Response {
    let practice = Practice::of(state).await;
    let organizations = state.db.organizations().await.unwrap_or_default();
    let failed = error.is_some();
    let mut response = render(ForgotPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        organizations,
        selected_org,
        key,
        error,
        sent,
        minutes: RESET_LIFETIME.as_mins(),
        sends_email: !state.settings.mailbox,
    });
    no_store(&mut response);
    if failed {
        return invalid(response);
    }
    response
}

/// `GET /forgot`.
pub async fn forgot(State(state): State<AppState>) -> Response {
    forgot_page(&state, String::new(), String::new(), None, false).await
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    organization: String,
    #[serde(default)]
    key: String,
}

/// `POST /forgot`: emails each matching account its username and a reset link. The answer
/// is the same whether anything matched, and the emails leave through the outbox, so neither
/// the words nor the time tell whether someone has an account.
#[tracing::instrument(skip_all)]
pub async fn request_reset(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Result<Response, PageError> {
    if state.settings.mailbox {
        // No email can leave: starting a reset would promise a link nobody receives. The
        // page says to call the practice for a code instead (a form posted from an old tab).
        return Ok(forgot_page(&state, form.organization, String::new(), None, false).await);
    }
    let key = form.key.trim();
    if key.is_empty() {
        return Ok(forgot_page(
            &state,
            form.organization,
            String::new(),
            Some(t("forgot-key-missing")),
            false,
        )
        .await);
    }
    let now = Timestamp::now();
    let address_bucket = format!("forgot-address:{}", client.ip());
    let requests = state
        .db
        .record_failure(&address_bucket, now, WINDOW)
        .await
        .or_trouble("could not count a recovery request")?;
    if requests > ADDRESS_REQUESTS {
        let message = t_args("forgot-throttled", &[("minutes", WINDOW.as_mins().into())]);
        let mut response = forgot_page(
            &state,
            form.organization,
            key.to_owned(),
            Some(message),
            false,
        )
        .await;
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    // Looking the key up and starting the resets happen after the answer, in a task of their
    // own: the answer's time cannot tell whether anything matched.
    let organizations = state.db.organizations().await.unwrap_or_default();
    if let Some(organization) = chosen_organization(&organizations, &form.organization).cloned() {
        let (task_state, key, origin) = (
            state.clone(),
            key.to_owned(),
            request_origin(client, &headers),
        );
        tokio::spawn(async move {
            if let Err(error) = send_resets(&task_state, &organization, &key, &origin, now).await {
                tracing::error!(error = %error, "could not start a password reset");
            }
        });
    }
    Ok(forgot_page(&state, form.organization, String::new(), None, true).await)
}

/// Starts a reset for every active account the key names (a username, or the email address
/// on the chart: one family may share it), at most [`ACCOUNT_EMAILS`] per account and window.
async fn send_resets(
    state: &AppState,
    organization: &Organization,
    key: &str,
    origin: &RequestOrigin,
    now: Timestamp,
) -> anyhow::Result<()> {
    let username = Username::parse(key).ok();
    let recovery_key = match (&username, key.contains('@')) {
        (_, true) => RecoveryKey::Email(key),
        (Some(username), false) => RecoveryKey::Username(username),
        (None, false) => return Ok(()),
    };
    let accounts = state
        .db
        .accounts_for_recovery(organization.id, recovery_key)
        .await?;
    for account in &accounts {
        let bucket = format!("forgot-account:{}", account.id);
        if state.db.record_failure(&bucket, now, WINDOW).await? > ACCOUNT_EMAILS {
            continue;
        }
        let (token, token_hash) = session::new_token();
        let link = format!("{}/reset/{token}", state.settings.base_url);
        state
            .db
            .start_password_reset(&NewReset {
                account,
                token_hash: &token_hash,
                link: &link,
                now,
                expires_at: now + RESET_LIFETIME,
                origin,
            })
            .await?;
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "patient/reset.html")]
struct ResetPage {
    practice_name: String,
    practice_phone: Option<String>,
    /// Where the form posts: the link's path, or the code page.
    action: String,
    /// A staff-issued code, carried along to the second step.
    code: Option<String>,
    username: String,
    min_chars: u8,
    password_errors: Vec<String>,
    view: ResetView,
    minutes: i64,
}

#[derive(PartialEq, Eq)]
enum ResetView {
    Form,
    /// The link was used, has expired, or never existed: one answer for all three.
    Ended,
    Done,
}

/// How the patient reached the reset form: an emailed link, or a code from staff.
#[derive(Clone, Copy)]
enum Via<'a> {
    Link(&'a str),
    /// The code as typed back to the patient (`ABCDE-FGHJK`).
    Code(&'a str),
}

async fn reset_page(
    state: &AppState,
    via: Via<'_>,
    reset: Option<&OpenReset>,
    password_errors: Vec<String>,
    view: ResetView,
) -> Response {
    let practice = Practice::of(state).await;
    let min_chars = min_chars(state, reset).await;
    let username = reset
        .map(|r| r.account.username.clone())
        .unwrap_or_default();
    let status = match view {
        ResetView::Ended => StatusCode::GONE,
        _ if !password_errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let mut response = render(ResetPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        action: match via {
            Via::Link(token) => format!("/reset/{token}"),
            Via::Code(_) => "/reset-code".to_owned(),
        },
        code: match via {
            Via::Link(_) => None,
            Via::Code(code) => Some(code.to_owned()),
        },
        username,
        min_chars,
        password_errors,
        view,
        minutes: RESET_LIFETIME.as_mins(),
    });
    no_store(&mut response);
    *response.status_mut() = status;
    response
}

/// The policy's minimum password length for the reset's practice (any, for a link that no
/// longer works: the form is not shown).
async fn min_chars(state: &AppState, reset: Option<&OpenReset>) -> u8 {
    let default = domain::policy::EnrollmentPolicy::default().password_min_chars;
    let Some(reset) = reset else {
        return default;
    };
    state
        .db
        .enrollment_policy(reset.account.organization)
        .await
        .map_or(default, |policy| policy.password_min_chars)
}

async fn open_reset(state: &AppState, token: &str) -> anyhow::Result<Option<OpenReset>> {
    if !session::well_formed_token(token) {
        return Ok(None);
    }
    // A link opens only emailed resets: codes from staff go through `/reset-code`.
    Ok(state
        .db
        .open_password_reset(&session::token_hash(token), Timestamp::now())
        .await?
        .filter(|reset| !reset.by_staff))
}

/// `GET /reset/{token}`: the form to choose a new password.
pub async fn reset_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let reset = open_reset(&state, &token)
        .await
        .or_trouble("could not read a password reset")?;
    Ok(match reset {
        Some(reset) => {
            reset_page(
                &state,
                Via::Link(&token),
                Some(&reset),
                Vec::new(),
                ResetView::Form,
            )
            .await
        }
        None => {
            reset_page(
                &state,
                Via::Link(&token),
                None,
                Vec::new(),
                ResetView::Ended,
            )
            .await
        }
    })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

/// `POST /reset/{token}`: the new password under the enrollment's rules, hashed on the
/// hashing threads; the link is used up and every session of the account ends.
#[tracing::instrument(skip_all)]
pub async fn reset(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    complete(&state, &token, &form, client, &headers)
        .await
        .or_trouble("could not complete a password reset")
}

async fn complete(
    state: &AppState,
    token: &str,
    form: &ResetForm,
    client: SocketAddr,
    headers: &HeaderMap,
) -> anyhow::Result<Response> {
    let via = Via::Link(token);
    let Some(reset) = open_reset(state, token).await? else {
        return Ok(reset_page(state, via, None, Vec::new(), ResetView::Ended).await);
    };
    Ok(
        match finish(state, via, &reset, form, client, headers).await? {
            Finished::Page(page) => page,
            Finished::Gone => reset_page(state, via, None, Vec::new(), ResetView::Ended).await,
        },
    )
}

/// What completing a reset led to.
enum Finished {
    /// The form again with what to fix, or "your password is changed".
    Page(Response),
    /// The link or code was used, or expired, meanwhile.
    Gone,
}

/// Checks the new password under the enrollment's rules, hashes it on the hashing threads,
/// and completes the reset: the link or code is used up and every session of the account ends.
async fn finish(
    state: &AppState,
    via: Via<'_>,
    reset: &OpenReset,
    form: &ResetForm,
    client: SocketAddr,
    headers: &HeaderMap,
) -> anyhow::Result<Finished> {
    let context = PasswordContext {
        username: Some(&reset.account.username),
        given_name: Some(&reset.given_names),
        family_name: Some(&reset.family_name),
        birth_date: Some(reset.birth_date),
    };
    let policy = PasswordPolicy {
        min_chars: usize::from(min_chars(state, Some(reset)).await),
        ..PasswordPolicy::default()
    };
    let password = match policy.check(&form.password, &form.confirmation, &context) {
        Ok(password) => password,
        Err(problems) => {
            let errors = problems.iter().map(password_problem).collect();
            let page = reset_page(state, via, Some(reset), errors, ResetView::Form).await;
            return Ok(Finished::Page(page));
        }
    };
    let hash = state
        .hasher
        .hash(SecretString::from(password.expose_secret().to_owned()))
        .await?;
    let origin = request_origin(client, headers);
    if !state
        .db
        .complete_password_reset(reset, &hash, &origin)
        .await?
    {
        return Ok(Finished::Gone);
    }
    // Guesses counted against the username no longer hold the patient back: the throttle's
    // own message sent them here.
    let organizations = state.db.organizations().await?;
    if let Some(organization) = organizations
        .iter()
        .find(|o| o.id == reset.account.organization)
    {
        crate::account::sign_in::Throttle::new(
            "patient-sign-in",
            Some(organization),
            Some(&reset.account.username),
            client.ip(),
        )
        .clear(&state.db)
        .await;
    }
    let mut page = reset_page(state, via, Some(reset), Vec::new(), ResetView::Done).await;
    // Whatever session this browser had ended with the others.
    crate::account::sign_in::set_cookie(
        &mut page,
        &session::removal_cookie(state.settings.served_over_https()),
    );
    Ok(Finished::Page(page))
}

/// Wrong codes from one address, per window, before it must wait.
const CODE_FAILURES: u32 = 10;

#[derive(Template)]
#[template(path = "patient/reset_code.html")]
struct CodePage {
    practice_name: String,
    practice_phone: Option<String>,
    code: String,
    error: Option<String>,
}

async fn code_page(
    state: &AppState,
    code: String,
    error: Option<(StatusCode, String)>,
) -> Response {
    let practice = Practice::of(state).await;
    let status = error.as_ref().map_or(StatusCode::OK, |(status, _)| *status);
    let mut response = render(CodePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        code,
        error: error.map(|(_, message)| message),
    });
    no_store(&mut response);
    *response.status_mut() = status;
    response
}

/// `GET /reset-code`: where a patient types the code staff gave them.
pub async fn code_form(State(state): State<AppState>) -> Response {
    code_page(&state, String::new(), None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    /// Absent on the first step (the code alone), present on the second.
    password: Option<String>,
    #[serde(default)]
    confirmation: String,
}

/// `POST /reset-code`: first the code alone, answered with the new-password form (the code
/// carried along); then the code with the new password, completed like an emailed link.
/// Wrong codes are counted per address.
#[tracing::instrument(skip_all)]
pub async fn redeem_code(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    redeem(&state, form, client, &headers)
        .await
        .or_trouble("could not use a reset code")
}

async fn redeem(
    state: &AppState,
    form: CodeForm,
    client: SocketAddr,
    headers: &HeaderMap,
) -> anyhow::Result<Response> {
    let now = Timestamp::now();
    let bucket = format!("reset-code-address:{}", client.ip());
    if state.db.recent_failures(&bucket, now, WINDOW).await? >= CODE_FAILURES {
        let message = t_args(
            "reset-code-throttled",
            &[("minutes", WINDOW.as_mins().into())],
        );
        return Ok(code_page(
            state,
            form.code,
            Some((StatusCode::TOO_MANY_REQUESTS, message)),
        )
        .await);
    }
    let Ok(code) = ActivationCode::parse(&form.code) else {
        let error = (StatusCode::UNPROCESSABLE_ENTITY, t("reset-code-shape"));
        return Ok(code_page(state, form.code, Some(error)).await);
    };
    let wrong = || (StatusCode::UNPROCESSABLE_ENTITY, t("reset-code-wrong"));
    let reset = state
        .db
        .open_password_reset(&crate::staff::reset_code::code_hash(state, &code), now)
        .await?
        .filter(|reset| reset.by_staff);
    let Some(reset) = reset else {
        state.db.record_failure(&bucket, now, WINDOW).await?;
        return Ok(code_page(state, form.code, Some(wrong())).await);
    };
    let display = code.display();
    let via = Via::Code(&display);
    let Some(password) = form.password else {
        return Ok(reset_page(state, via, Some(&reset), Vec::new(), ResetView::Form).await);
    };
    let form = ResetForm {
        password,
        confirmation: form.confirmation,
    };
    Ok(
        match finish(state, via, &reset, &form, client, headers).await? {
            Finished::Page(page) => page,
            Finished::Gone => code_page(state, display, Some(wrong())).await,
        },
    )
}
