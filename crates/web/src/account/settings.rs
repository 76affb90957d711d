//! "Account and security" for a signed-in patient: 2-step sign-in (an authenticator app, or
//! codes by email when the practice sends email and the chart has an address), recovery codes,
//! and links to the devices list and the record's access log.
//!
//! Changing how the account signs in asks for the password again first (`/account/confirm`)
//! unless it was typed within [`session::REAUTHENTICATE_WITHIN`]: a session left open on a
//! shared computer must not be enough to take the account over.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::password::{PasswordContext, PasswordPolicy};
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use storage::{AccountRef, AuditActor, EnableTwoStep, SecondStep, SessionKind};

use crate::{
    AppState,
    account::{
        sign_in::{Confirming, Refused, confirm_password, wait_message},
        two_step::{self, AppSetup},
    },
    common::{
        i18n::t,
        pages::{Practice, no_store, render},
        session::PatientUser,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// The pages a confirmation may lead back to.
const RETURNS: [&str; 4] = [
    "/account",
    "/account/two-step/app",
    "/account/password",
    "/account/email",
];

#[derive(Template)]
#[template(path = "patient/account.html")]
struct AccountPage {
    practice_name: String,
    practice_phone: Option<String>,
    /// `off`, `app` or `email`.
    method: &'static str,
    codes_left: String,
    /// Codes by email can be offered: the practice sends email and the chart has an address.
    email_offered: bool,
    /// New-device alerts reach the patient: the same two conditions. Where they cannot, the
    /// page must not promise them.
    alerts_sent: bool,
    done: Option<&'static str>,
    /// The portal's address allows passkeys.
    passkeys_offered: bool,
    passkeys: Vec<PasskeyRow>,
    /// The password was typed recently: passkeys can be added here and now.
    confirmed: bool,
    /// Which emails the patient wants.
    choices: storage::NotificationChoices,
    /// The language kept on the account (`en`, `es`), if one was chosen.
    language: Option<String>,
}

struct PasskeyRow {
    id: uuid::Uuid,
    label: String,
    added: String,
    last_used: Option<String>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    done: Option<String>,
}

fn account_ref(user: &PatientUser) -> AccountRef {
    AccountRef {
        kind: SessionKind::Patient,
        id: user.account.id,
        organization: user.account.organization,
        actor: AuditActor::Patient(user.account.patient),
        patient: Some(user.account.patient),
    }
}

/// `GET /account`.
pub async fn page(
    State(state): State<AppState>,
    user: PatientUser,
    Query(query): Query<AccountQuery>,
) -> Result<Response, PageError> {
    let two_step = state
        .db
        .two_step(SessionKind::Patient, user.account.id)
        .await
        .or_trouble("could not read the 2-step settings")?;
    let email_offered = email_offered(&state, &user).await?;
    let (method, left) = match &two_step {
        None => ("off", 0),
        Some(t) => match t.method {
            SecondStep::Totp { .. } => ("app", t.recovery_codes_left),
            SecondStep::Email => ("email", t.recovery_codes_left),
        },
    };
    let done = match query.done.as_deref() {
        Some("off") => Some("account-two-step-turned-off"),
        Some("passkey-added") => Some("passkeys-done-added"),
        Some("passkey-removed") => Some("passkeys-done-removed"),
        Some("password") => Some("password-change-done"),
        Some("results-email-on") => Some("home-results-email-turned-on"),
        Some("results-email-off") => Some("home-results-email-turned-off"),
        Some("emails") => Some("preferences-emails-saved"),
        Some("language") => Some("preferences-language-saved"),
        _ => None,
    };
    let zone = crate::common::pages::practice_zone(&state, user.scope.organization()).await;
    let passkeys = state
        .db
        .passkeys_of(SessionKind::Patient, user.account.id)
        .await
        .or_trouble("could not list the passkeys")?
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id,
            label: p.label,
            added: crate::common::i18n::moment(p.created_at, &zone),
            last_used: p
                .last_used_at
                .map(|at| crate::common::i18n::moment(at, &zone)),
        })
        .collect();
    let choices = state
        .db
        .notification_choices(&user.scope)
        .await
        .or_trouble("could not read the email choices")?;
    let language = state
        .db
        .account_language(user.account.id)
        .await
        .or_trouble("could not read the language")?;
    let practice = Practice::of(&state).await;
    let mut response = render(AccountPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        method,
        codes_left: crate::account::sign_in_code::codes_left(left),
        email_offered,
        alerts_sent: email_offered,
        done,
        passkeys_offered: crate::account::passkeys::relying_party(&state).is_some(),
        passkeys,
        confirmed: user.recently_confirmed(),
        choices,
        language,
    });
    no_store(&mut response);
    Ok(response)
}

#[derive(Deserialize)]
pub struct NotificationsForm {
    /// `on` or `off`; with `choices`, a ticked box sends `on` and an empty one nothing.
    #[serde(default)]
    new_results: String,
    #[serde(default)]
    messages: String,
    #[serde(default)]
    reminders: String,
    /// Sent by the form of three boxes: each box unticked is a choice of "off".
    #[serde(default)]
    choices: String,
}

/// `POST /account/notifications`: the three email choices (new test results, new
/// messages, reminders) from the account page's boxes, or the "new test result" email alone
/// turned `on` or `off`; audited. Anything else changes nothing.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn notifications(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<NotificationsForm>,
) -> Result<Response, PageError> {
    let origin = request_origin(client, &headers);
    if form.choices == "1" {
        let ticked = |value: &str| value == "on";
        let choices = storage::NotificationChoices {
            new_results: ticked(&form.new_results),
            messages: ticked(&form.messages),
            reminders: ticked(&form.reminders),
        };
        state
            .db
            .set_notification_choices(&user.scope, choices, &origin)
            .await
            .or_trouble("could not change the email choices")?;
        return Ok(Redirect::to("/account?done=emails#emails-heading").into_response());
    }
    let on = match form.new_results.as_str() {
        "on" => true,
        "off" => false,
        _ => return Ok(Redirect::to("/account").into_response()),
    };
    state
        .db
        .set_notify_new_results(&user.scope, on, &origin)
        .await
        .or_trouble("could not change the email choices")?;
    let done = if on {
        "results-email-on"
    } else {
        "results-email-off"
    };
    Ok(Redirect::to(&format!("/account?done={done}#emails-heading")).into_response())
}

async fn email_offered(state: &AppState, user: &PatientUser) -> Result<bool, PageError> {
    if state.settings.mailbox {
        return Ok(false);
    }
    state
        .db
        .chart_has_email(&user.scope)
        .await
        .or_trouble("could not read the chart")
}

#[derive(Template)]
#[template(path = "patient/account_confirm.html")]
struct ConfirmPage {
    practice_name: String,
    practice_phone: Option<String>,
    next: &'static str,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    #[serde(default)]
    next: String,
}

fn return_to(next: &str) -> &'static str {
    crate::account::sign_in::return_to(next, &RETURNS)
}

/// Sends the patient to confirm their password first, then back to `next`.
fn confirm_first(next: &str) -> Response {
    Redirect::to(&format!("/account/confirm?next={}", return_to(next))).into_response()
}

/// `GET /account/confirm`.
pub async fn confirm_form(
    State(state): State<AppState>,
    _user: PatientUser,
    Query(query): Query<ConfirmQuery>,
) -> Response {
    confirm_page(&state, return_to(&query.next), None).await
}

async fn confirm_page(state: &AppState, next: &'static str, error: Option<String>) -> Response {
    let practice = Practice::of(state).await;
    let failed = error.is_some();
    let mut response = render(ConfirmPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        next,
        error,
    });
    if failed {
        *response.status_mut() = StatusCode::UNAUTHORIZED;
    }
    no_store(&mut response);
    response
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /account/confirm`: the password again, weighed like a sign-in (the same counters,
/// so a stolen session cannot be used to guess the password).
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn confirm(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let next = return_to(&form.next);
    let who = Confirming {
        surface: "patient-sign-in",
        kind: SessionKind::Patient,
        organization: user.account.organization,
        username: &user.account.username,
        account: user.account.id,
        password_hash: &user.account.password_hash,
        token_hash: &user.token_hash,
    };
    const FAILED: &str = "could not check the password again";
    match confirm_password(&state, &headers, client.ip(), &who, form.password)
        .await
        .or_trouble(FAILED)?
    {
        Ok(()) => {}
        Err(Refused::Throttled(wait)) => {
            return Ok(confirm_page(&state, next, Some(wait_message(wait))).await);
        }
        Err(Refused::WrongCredentials) => {
            return Ok(confirm_page(&state, next, Some(t("confirm-wrong"))).await);
        }
        Err(Refused::Unavailable(error)) => return Err(PageError::new(FAILED, error)),
    }
    Ok(Redirect::to(next).into_response())
}

#[derive(Template)]
#[template(path = "patient/two_step_app.html")]
struct AppSetupPage {
    practice_name: String,
    practice_phone: Option<String>,
    setup: AppSetup,
    action: &'static str,
    error: Option<String>,
}

/// `GET /account/two-step/app`: a new secret to scan.
pub async fn app_form(
    State(state): State<AppState>,
    user: PatientUser,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account/two-step/app"));
    }
    let practice = Practice::of(&state).await;
    let setup = two_step::new_app_setup(
        &state,
        user.account.id,
        &practice.name,
        &user.account.username,
    )
    .or_trouble("could not draw the setup code")?;
    Ok(app_page(&state, setup, None).await)
}

async fn app_page(state: &AppState, setup: AppSetup, error: Option<String>) -> Response {
    let practice = Practice::of(state).await;
    let failed = error.is_some();
    let mut response = render(AppSetupPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        setup,
        action: "/account/two-step/app",
        error,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    response
}

#[derive(Deserialize)]
pub struct AppForm {
    #[serde(default)]
    sealed: String,
    #[serde(default)]
    code: String,
}

/// `POST /account/two-step/app`: the app's first code turns it on; recovery codes are shown
/// once.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn app_confirm(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AppForm>,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account/two-step/app"));
    }
    let Some(secret) = two_step::setup_secret(&state, user.account.id, &form.sealed) else {
        return Ok(Redirect::to("/account/two-step/app").into_response());
    };
    let Some(step) = two_step::first_code(&secret, &form.code) else {
        let practice = Practice::of(&state).await;
        let setup = two_step::app_setup(
            &state,
            user.account.id,
            &practice.name,
            &user.account.username,
            &secret,
        )
        .or_trouble("could not draw the setup code")?;
        return Ok(app_page(&state, setup, Some(t("app-setup-wrong"))).await);
    };
    let method = two_step::confirmed_app(&state, user.account.id, &secret);
    turn_on(&state, &user, client, &headers, &method, step).await
}

/// `POST /account/two-step/email`: codes by email instead of an app.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn email_on(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account"));
    }
    if !email_offered(&state, &user).await? {
        return Ok(Redirect::to("/account").into_response());
    }
    turn_on(&state, &user, client, &headers, &SecondStep::Email, 0).await
}

async fn turn_on(
    state: &AppState,
    user: &PatientUser,
    client: SocketAddr,
    headers: &HeaderMap,
    method: &SecondStep,
    step: u64,
) -> Result<Response, PageError> {
    let (codes, hashes) = two_step::new_recovery_codes(state, user.account.id);
    let origin = request_origin(client, headers);
    let enable = EnableTwoStep {
        method,
        accepted_step: step,
        recovery_hashes: &hashes,
        from_session: Some(&user.token_hash),
    };
    state
        .db
        .enable_two_step(&account_ref(user), &enable, &origin)
        .await
        .or_trouble("could not turn 2-step sign-in on")?;
    Ok(two_step::recovery_codes_page(state, codes, "/account", false).await)
}

/// `POST /account/two-step/recovery-codes`: a new set; the old ones stop working.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn new_codes(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account"));
    }
    let origin = request_origin(client, &headers);
    let codes = two_step::replace_recovery_codes(&state, &account_ref(&user), &origin)
        .await
        .or_trouble("could not make new recovery codes")?;
    Ok(match codes {
        Some(codes) => two_step::recovery_codes_page(&state, codes, "/account", false).await,
        None => Redirect::to("/account").into_response(),
    })
}

/// `POST /account/two-step/off`.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn turn_off(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account"));
    }
    let origin = request_origin(client, &headers);
    state
        .db
        .disable_two_step(&account_ref(&user), &origin)
        .await
        .or_trouble("could not turn 2-step sign-in off")?;
    Ok(Redirect::to("/account?done=off").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_leads_back_only_to_our_own_pages() {
        assert_eq!(return_to("/account/two-step/app"), "/account/two-step/app");
        assert_eq!(return_to("https://evil.example/"), "/account");
        assert_eq!(return_to("//evil.example"), "/account");
        assert_eq!(return_to(""), "/account");
    }
}

#[derive(Template)]
#[template(path = "patient/change_password.html")]
struct PasswordPage {
    practice_name: String,
    practice_phone: Option<String>,
    username: String,
    min_chars: u8,
    password_errors: Vec<String>,
    /// The "your password was changed" email reaches the patient (SMTP, an address on file).
    emailed: bool,
}

async fn password_page(
    state: &AppState,
    user: &PatientUser,
    password_errors: Vec<String>,
) -> Result<Response, PageError> {
    let practice = Practice::of(state).await;
    let min_chars = state
        .db
        .enrollment_policy(user.account.organization)
        .await
        .map_or(12, |policy| policy.password_min_chars);
    let failed = !password_errors.is_empty();
    let emailed = email_offered(state, user).await?;
    let mut response = render(PasswordPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        username: user.account.username.clone(),
        min_chars,
        password_errors,
        emailed,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    Ok(response)
}

/// `GET /account/password`.
pub async fn password_form(
    State(state): State<AppState>,
    user: PatientUser,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account/password"));
    }
    password_page(&state, &user, Vec::new()).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

/// `POST /account/password`: a new password under the enrollment's rules (hashed on the
/// hashing threads); every other phone or computer is signed out, and the patient is told
/// by email.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn change_password(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account/password"));
    }
    match changed_password(&state, &user, &form, client, &headers)
        .await
        .or_trouble("could not change a password")?
    {
        Ok(()) => Ok(Redirect::to("/account?done=password").into_response()),
        Err(password_errors) => password_page(&state, &user, password_errors).await,
    }
}

/// Changes the password, or says what is wrong with the new one.
async fn changed_password(
    state: &AppState,
    user: &PatientUser,
    form: &PasswordForm,
    client: SocketAddr,
    headers: &HeaderMap,
) -> anyhow::Result<Result<(), Vec<String>>> {
    let Some((given, family, birth_date)) = state.db.password_context(&user.scope).await? else {
        anyhow::bail!("the session's chart was not found");
    };
    let context = PasswordContext {
        username: Some(&user.account.username),
        given_name: Some(&given),
        family_name: Some(&family),
        birth_date: Some(birth_date),
    };
    let policy = PasswordPolicy {
        min_chars: usize::from(
            state
                .db
                .enrollment_policy(user.account.organization)
                .await?
                .password_min_chars,
        ),
        ..PasswordPolicy::default()
    };
    let password = match policy.check(&form.password, &form.confirmation, &context) {
        Ok(password) => password,
        Err(problems) => {
            let errors = problems
                .iter()
                .map(crate::enrollment::credentials::password_problem)
                .collect();
            return Ok(Err(errors));
        }
    };
    let hash = state
        .hasher
        .hash(SecretString::from(password.expose_secret().to_owned()))
        .await?;
    let origin = request_origin(client, headers);
    state
        .db
        .change_password(
            &user.scope,
            user.account.id,
            &hash,
            &user.token_hash,
            &origin,
        )
        .await?;
    Ok(Ok(()))
}

/// Email changes one account may ask for per day.
const EMAIL_CHANGES_PER_DAY: u32 = 5;

/// How long the link sent to a new email address works.
const EMAIL_CHANGE_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// What the email-change page shows.
enum EmailView {
    /// The current address and the form for a new one.
    Form {
        current: Option<String>,
        typed: String,
        error: Option<String>,
        /// Emails reach patients: the form is offered (else, a phone call).
        can_change: bool,
    },
    /// A link went to the new address.
    Sent {
        new: String,
    },
    /// The link was followed: a button makes the change (a mail scanner opening the link
    /// changes nothing).
    Confirm {
        new: String,
    },
    Done {
        new: String,
    },
    /// The link was used, has expired, or never existed.
    Ended,
}

#[derive(Template)]
#[template(path = "patient/change_email.html")]
struct EmailPage {
    practice_name: String,
    practice_phone: Option<String>,
    view: EmailView,
    /// The page's own address (the confirmation posts back to it).
    action: String,
    /// Shown to the signed-in patient (not the link's page, opened from any browser).
    signed_in: bool,
}

async fn email_page(state: &AppState, view: EmailView, action: String) -> Response {
    let status = match &view {
        EmailView::Form { error: Some(_), .. } => StatusCode::UNPROCESSABLE_ENTITY,
        EmailView::Ended => StatusCode::GONE,
        _ => StatusCode::OK,
    };
    let signed_in = matches!(view, EmailView::Form { .. } | EmailView::Sent { .. });
    let practice = Practice::of(state).await;
    let mut response = render(EmailPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        view,
        action,
        signed_in,
    });
    *response.status_mut() = status;
    no_store(&mut response);
    response
}

/// `GET /account/email`: the address on the chart and the form for a new one.
pub async fn email_form(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account/email"));
    }
    let origin = request_origin(client, &headers);
    let current = state
        .db
        .chart_email(&user.scope, &origin)
        .await
        .or_trouble("could not read the email address")?;
    let view = EmailView::Form {
        current,
        typed: String::new(),
        error: None,
        can_change: !state.settings.mailbox,
    };
    Ok(email_page(&state, view, "/account/email".to_owned()).await)
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /account/email`: a link to the new address; the old one is told.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn change_email(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/account/email"));
    }
    let origin = request_origin(client, &headers);
    let current = state
        .db
        .chart_email(&user.scope, &origin)
        .await
        .or_trouble("could not read the email address")?;
    let can_change = !state.settings.mailbox;
    let refuse = |key: &str| EmailView::Form {
        current: current.clone(),
        typed: form.email.clone(),
        error: Some(t(key)),
        can_change,
    };
    if !can_change {
        // No email would reach the new address to confirm it: the page says to call.
        let view = EmailView::Form {
            current,
            typed: String::new(),
            error: None,
            can_change,
        };
        return Ok(email_page(&state, view, "/account/email".to_owned()).await);
    }
    let new = match domain::Email::parse(&form.email) {
        Ok(email) => email,
        Err(_) => {
            return Ok(email_page(
                &state,
                refuse("email-change-invalid"),
                "/account/email".to_owned(),
            )
            .await);
        }
    };
    // Each request sends two emails, one to any address typed.
    let bucket = format!("email-change:{}", user.account.id);
    let within = crate::account::sign_in::within_rate(
        &state.db,
        &bucket,
        EMAIL_CHANGES_PER_DAY,
        jiff::SignedDuration::from_hours(24),
    )
    .await
    .or_trouble("could not count an email change")?;
    if !within {
        return Ok(email_page(
            &state,
            refuse("email-change-too-many"),
            "/account/email".to_owned(),
        )
        .await);
    }
    if current
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case(new.as_str()))
    {
        return Ok(email_page(
            &state,
            refuse("email-change-same"),
            "/account/email".to_owned(),
        )
        .await);
    }
    let (token, hash) = crate::common::session::new_token();
    let link = format!("{}/account/email/confirm/{token}", state.settings.base_url);
    let now = Timestamp::now();
    let change = storage::NewEmailChange {
        scope: &user.scope,
        account: user.account.id,
        new_email: new.as_str(),
        old_email: current.as_deref(),
        token_hash: &hash,
        link: &link,
        now,
        expires_at: now + EMAIL_CHANGE_LIFETIME,
    };
    state
        .db
        .ask_email_change(&change, &origin)
        .await
        .or_trouble("could not ask for an email change")?;
    let view = EmailView::Sent {
        new: new.as_str().to_owned(),
    };
    Ok(email_page(&state, view, "/account/email".to_owned()).await)
}

async fn pending_change(
    state: &AppState,
    token: &str,
) -> anyhow::Result<Option<storage::PendingEmailChange>> {
    if !crate::common::session::well_formed_token(token) {
        return Ok(None);
    }
    state
        .db
        .pending_email_change(&crate::common::session::token_hash(token), Timestamp::now())
        .await
}

/// `GET /account/email/confirm/{token}`: the link from the new address.
pub async fn confirm_email_form(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Result<Response, PageError> {
    let action = format!("/account/email/confirm/{token}");
    let change = pending_change(&state, &token)
        .await
        .or_trouble("could not read an email change")?;
    Ok(match change {
        Some(change) => {
            email_page(
                &state,
                EmailView::Confirm {
                    new: change.new_email,
                },
                action,
            )
            .await
        }
        None => email_page(&state, EmailView::Ended, action).await,
    })
}

/// `POST /account/email/confirm/{token}`: makes the change, once.
#[tracing::instrument(skip_all)]
pub async fn confirm_email(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Result<Response, PageError> {
    let action = format!("/account/email/confirm/{token}");
    let change = pending_change(&state, &token)
        .await
        .or_trouble("could not read an email change")?;
    let Some(change) = change else {
        return Ok(email_page(&state, EmailView::Ended, action).await);
    };
    let origin = request_origin(client, &headers);
    let changed = state
        .db
        .apply_email_change(&change, &origin)
        .await
        .or_trouble("could not change an email address")?;
    Ok(if changed {
        email_page(
            &state,
            EmailView::Done {
                new: change.new_email,
            },
            action,
        )
        .await
    } else {
        email_page(&state, EmailView::Ended, action).await
    })
}
