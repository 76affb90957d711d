//! "Your sign-in" for staff (`/staff/account`): 2-step sign-in with an authenticator app (on
//! or off, unless the practice requires it), and new recovery codes. As for patients, every
//! change asks for the password again unless it was typed within
//! [`crate::common::session::REAUTHENTICATE_WITHIN`].

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::Role;
use serde::Deserialize;
use storage::{AccountRef, AuditActor, EnableTwoStep, SessionKind};

use crate::{
    AppState,
    account::{
        sign_in::{Confirming, Refused, confirm_password, wait_message},
        two_step::{self, AppSetup},
    },
    common::{
        pages::{Practice, no_store, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// The pages a confirmation may lead back to.
const RETURNS: [&str; 2] = ["/staff/account", "/staff/account/two-step/app"];

fn return_to(next: &str) -> &'static str {
    crate::account::sign_in::return_to(next, &RETURNS)
}

fn confirm_first(next: &str) -> Response {
    Redirect::to(&format!("/staff/account/confirm?next={}", return_to(next))).into_response()
}

fn account_ref(user: &StaffUser) -> AccountRef {
    AccountRef {
        kind: SessionKind::Staff,
        id: user.account.id.as_uuid(),
        organization: user.account.organization,
        actor: AuditActor::Staff(user.account.id),
        patient: None,
    }
}

/// The staff console's navigation, for each page here.
struct Nav {
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
}

impl Nav {
    fn of(state: &AppState, user: &StaffUser) -> Self {
        Self {
            staff_name: user.account.display_name.clone(),
            staff_role: user.account.role.label(),
            staff_is_admin: user.account.role == Role::Administrator,
            staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/account.html")]
struct AccountPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    app_on: bool,
    codes_left: u32,
    /// The practice requires 2-step sign-in: it cannot be turned off.
    required: bool,
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /staff/account`.
pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<AccountQuery>,
) -> Result<Response, PageError> {
    const FAILED: &str = "could not read the sign-in settings";
    let two_step = state
        .db
        .two_step(SessionKind::Staff, user.account.id.as_uuid())
        .await;
    let policy = state.db.enrollment_policy(user.account.organization).await;
    let two_step = two_step.or_trouble(FAILED)?;
    let policy = policy.or_trouble(FAILED)?;
    let done = match query.done.as_deref() {
        Some("off") => Some("2-step sign-in is off. Signing in asks only for your password."),
        _ => None,
    };
    let practice = Practice::of(&state).await;
    let nav = Nav::of(&state, &user);
    let mut response = render(AccountPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: nav.staff_name,
        staff_role: nav.staff_role,
        staff_is_admin: nav.staff_is_admin,
        staff_mailbox: nav.staff_mailbox,
        app_on: two_step.is_some(),
        codes_left: two_step.map_or(0, |t| t.recovery_codes_left),
        required: policy.staff_two_step_required,
        done,
    });
    no_store(&mut response);
    Ok(response)
}

#[derive(Template)]
#[template(path = "staff/account_confirm.html")]
struct ConfirmPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    next: &'static str,
    error: Option<String>,
}

async fn confirm_page(
    state: &AppState,
    user: &StaffUser,
    next: &'static str,
    error: Option<String>,
) -> Response {
    let practice = Practice::of(state).await;
    let nav = Nav::of(state, user);
    let failed = error.is_some();
    let mut response = render(ConfirmPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: nav.staff_name,
        staff_role: nav.staff_role,
        staff_is_admin: nav.staff_is_admin,
        staff_mailbox: nav.staff_mailbox,
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
pub struct ConfirmQuery {
    #[serde(default)]
    next: String,
}

/// `GET /staff/account/confirm`.
pub async fn confirm_form(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<ConfirmQuery>,
) -> Response {
    confirm_page(&state, &user, return_to(&query.next), None).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /staff/account/confirm`: the password again, weighed like a sign-in.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn confirm(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    const FAILED: &str = "could not check the password again";
    let next = return_to(&form.next);
    let who = Confirming {
        surface: "staff-sign-in",
        kind: SessionKind::Staff,
        organization: user.account.organization,
        username: &user.account.username,
        account: user.account.id.as_uuid(),
        password_hash: &user.account.password_hash,
        token_hash: &user.token_hash,
    };
    match confirm_password(&state, &headers, client.ip(), &who, form.password)
        .await
        .or_trouble(FAILED)?
    {
        Ok(()) => {}
        Err(Refused::Throttled(wait)) => {
            return Ok(confirm_page(&state, &user, next, Some(wait_message(wait))).await);
        }
        Err(Refused::WrongCredentials) => {
            let message = "That password is not right. Try again.".to_owned();
            return Ok(confirm_page(&state, &user, next, Some(message)).await);
        }
        Err(Refused::Unavailable(error)) => return Err(PageError::new(FAILED, error)),
    }
    Ok(Redirect::to(next).into_response())
}

#[derive(Template)]
#[template(path = "staff/two_step_app.html")]
struct AppPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    setup: AppSetup,
    action: &'static str,
    error: Option<String>,
}

async fn app_page(
    state: &AppState,
    user: &StaffUser,
    secret: Option<&domain::two_step::TotpSecret>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let practice = Practice::of(state).await;
    let label = format!("{} (staff)", user.account.username);
    let account = user.account.id.as_uuid();
    let setup = match secret {
        Some(secret) => two_step::app_setup(state, account, &practice.name, &label, secret),
        None => two_step::new_app_setup(state, account, &practice.name, &label),
    }
    .or_trouble("could not draw the setup code")?;
    let nav = Nav::of(state, user);
    let failed = error.is_some();
    let mut response = render(AppPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: nav.staff_name,
        staff_role: nav.staff_role,
        staff_is_admin: nav.staff_is_admin,
        staff_mailbox: nav.staff_mailbox,
        setup,
        action: "/staff/account/two-step/app",
        error,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    Ok(response)
}

/// `GET /staff/account/two-step/app`: a new secret to scan (replacing any app set up before,
/// once confirmed).
pub async fn app_form(
    State(state): State<AppState>,
    user: StaffUser,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/staff/account/two-step/app"));
    }
    app_page(&state, &user, None, None).await
}

#[derive(Deserialize)]
pub struct AppForm {
    #[serde(default)]
    sealed: String,
    #[serde(default)]
    code: String,
}

/// `POST /staff/account/two-step/app`: the app's first code turns it on.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn app_confirm(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AppForm>,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/staff/account/two-step/app"));
    }
    let account = user.account.id.as_uuid();
    let Some(secret) = two_step::setup_secret(&state, account, &form.sealed) else {
        return Ok(Redirect::to("/staff/account/two-step/app").into_response());
    };
    let Some(step) = two_step::first_code(&secret, &form.code) else {
        let error = "That code does not match. Check that the phone's clock is right and type \
                     the code the app shows now."
            .to_owned();
        return app_page(&state, &user, Some(&secret), Some(error)).await;
    };
    let (codes, hashes) = two_step::new_recovery_codes(&state, account);
    let method = two_step::confirmed_app(&state, account, &secret);
    let origin = request_origin(client, &headers);
    let enable = EnableTwoStep {
        method: &method,
        accepted_step: step,
        recovery_hashes: &hashes,
        from_session: Some(&user.token_hash),
    };
    state
        .db
        .enable_two_step(&account_ref(&user), &enable, &origin)
        .await
        .or_trouble("could not turn 2-step sign-in on")?;
    Ok(two_step::recovery_codes_page(&state, codes, "/staff/account", true).await)
}

/// `POST /staff/account/two-step/recovery-codes`: a new set; the old ones stop working.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn new_codes(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/staff/account"));
    }
    let origin = request_origin(client, &headers);
    let codes = two_step::replace_recovery_codes(&state, &account_ref(&user), &origin)
        .await
        .or_trouble("could not make new recovery codes")?;
    Ok(match codes {
        Some(codes) => two_step::recovery_codes_page(&state, codes, "/staff/account", true).await,
        None => Redirect::to("/staff/account").into_response(),
    })
}

/// `POST /staff/account/two-step/off`: refused while the practice requires 2-step sign-in.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn turn_off(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(confirm_first("/staff/account"));
    }
    let policy = state
        .db
        .enrollment_policy(user.account.organization)
        .await
        .or_trouble("could not read the policy")?;
    if policy.staff_two_step_required {
        return Ok((
            StatusCode::FORBIDDEN,
            "Your practice requires 2-step sign-in: it cannot be turned off.",
        )
            .into_response());
    }
    let origin = request_origin(client, &headers);
    state
        .db
        .disable_two_step(&account_ref(&user), &origin)
        .await
        .or_trouble("could not turn 2-step sign-in off")?;
    Ok(Redirect::to("/staff/account?done=off").into_response())
}
