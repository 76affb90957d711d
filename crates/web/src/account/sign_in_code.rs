//! The second step's pages: `/sign-in/code` for patients (an app's code, an emailed code, or
//! a recovery code) and `/staff/sign-in/code` for staff (an app's code or a recovery code;
//! where the practice requires 2-step sign-in and the staff member has none yet, setting up
//! the app comes first). The rules live in [`crate::account::two_step`].

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use storage::{AccountRef, AuditActor, Challenge, EnableTwoStep, SessionKind};

use crate::{
    AppState,
    account::{
        sign_in::{set_cookie, wait_message},
        two_step::{self, AppSetup, Asks, Checked},
    },
    common::{
        i18n::{t, t_args},
        pages::{Practice, no_store, render},
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    /// The app's secret being set up, sealed (staff setup only).
    #[serde(default)]
    sealed: String,
}

#[derive(Template)]
#[template(path = "patient/sign_in_code.html")]
struct PatientCodePage {
    practice_name: String,
    practice_phone: Option<String>,
    by_email: bool,
    error: Option<String>,
    notice: Option<String>,
}

/// `GET /sign-in/code`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some((challenge, _)) = two_step::current(&state, &headers, SessionKind::Patient).await
    else {
        return Ok(Redirect::to("/sign-in").into_response());
    };
    let asks = two_step::asks(&state, &challenge)
        .await
        .or_trouble("could not read the second step")?;
    Ok(patient_page(&state, asks, None, None, StatusCode::OK).await)
}

async fn patient_page(
    state: &AppState,
    asks: Asks,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(PatientCodePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        by_email: asks == Asks::Email,
        error,
        notice,
    });
    *response.status_mut() = status;
    no_store(&mut response);
    response
}

/// `POST /sign-in/code`: a right code signs the patient in.
#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let Some((challenge, hash)) = two_step::current(&state, &headers, SessionKind::Patient).await
    else {
        return Ok(crate::account::patient::sign_in_again(&state, t("two-step-ended")).await);
    };
    let checked = two_step::check(&state, &challenge, &hash, &form.code)
        .await
        .or_trouble("could not check a sign-in code")?;
    let asks = if challenge.email_code_hash.is_some() {
        Asks::Email
    } else {
        Asks::App
    };
    match checked {
        Checked::Accepted => {}
        Checked::Wrong => {
            return Ok(patient_page(
                &state,
                asks,
                Some(t("two-step-wrong")),
                None,
                StatusCode::UNAUTHORIZED,
            )
            .await);
        }
        Checked::Throttled(wait) => {
            let message = format!("{} {}", wait_message(wait), t("two-step-call"));
            return Ok(patient_page(
                &state,
                asks,
                Some(message),
                None,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await);
        }
        Checked::Ended => {
            let mut response =
                crate::account::patient::sign_in_again(&state, t("two-step-ended")).await;
            remove_challenge_cookie(&state, &mut response);
            return Ok(response);
        }
    }
    let account = match state
        .db
        .patient_account_by_id(challenge.organization, challenge.account)
        .await
        .or_trouble("could not read the account")?
    {
        Some(account) if account.can_sign_in() => account,
        _ => {
            return Ok(
                crate::account::patient::sign_in_again(&state, t("wrong-credentials")).await,
            );
        }
    };
    let started = crate::account::patient::finish_sign_in(&state, client, &headers, &account)
        .await
        .or_trouble("could not finish a sign-in")?;
    let mut response = Redirect::to("/home").into_response();
    started.set_cookies(&mut response);
    remove_challenge_cookie(&state, &mut response);
    Ok(response)
}

/// `POST /sign-in/code/resend`: another emailed code, within limits.
pub async fn resend(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some((challenge, hash)) = two_step::current(&state, &headers, SessionKind::Patient).await
    else {
        return Ok(crate::account::patient::sign_in_again(&state, t("two-step-ended")).await);
    };
    if challenge.email_code_hash.is_none() {
        return Ok(Redirect::to("/sign-in/code").into_response());
    }
    let Some(account) = state
        .db
        .patient_account_by_id(challenge.organization, challenge.account)
        .await
        .or_trouble("could not read the account")?
    else {
        return Ok(Redirect::to("/sign-in").into_response());
    };
    let sent = two_step::resend(&state, &challenge, &hash, Some(account.patient))
        .await
        .or_trouble("could not send a new code")?;
    Ok(if sent {
        patient_page(
            &state,
            Asks::Email,
            None,
            Some(t("two-step-resent")),
            StatusCode::OK,
        )
        .await
    } else {
        patient_page(
            &state,
            Asks::Email,
            Some(t("two-step-resend-refused")),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await
    })
}

fn remove_challenge_cookie(state: &AppState, response: &mut Response) {
    set_cookie(
        response,
        &two_step::removal_cookie(state.settings.served_over_https()),
    );
}

#[derive(Template)]
#[template(path = "staff/sign_in_code.html")]
struct StaffCodePage {
    practice_name: String,
    practice_phone: Option<String>,
    /// Setting up an app first (the practice requires 2-step sign-in).
    setup: Option<AppSetup>,
    error: Option<String>,
}

/// `GET /staff/sign-in/code`.
pub async fn staff_show(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some((challenge, _)) = two_step::current(&state, &headers, SessionKind::Staff).await else {
        return Ok(Redirect::to("/staff/sign-in").into_response());
    };
    let asks = two_step::asks(&state, &challenge)
        .await
        .or_trouble("could not read the second step")?;
    let setup = match asks {
        Asks::Setup => match staff_setup(&state, &challenge, None).await? {
            Some(setup) => Some(setup),
            None => return Ok(Redirect::to("/staff/sign-in").into_response()),
        },
        _ => None,
    };
    Ok(staff_page(&state, setup, None, StatusCode::OK).await)
}

/// The setup form's parts: a new secret, or the one the form carried (after a wrong code).
/// `None`: the staff account is gone.
async fn staff_setup(
    state: &AppState,
    challenge: &Challenge,
    secret: Option<&domain::two_step::TotpSecret>,
) -> Result<Option<AppSetup>, PageError> {
    let Some(account) = state
        .db
        .staff_by_id(domain::StaffId::from_uuid(challenge.account))
        .await
        .or_trouble("could not read the staff account")?
    else {
        return Ok(None);
    };
    let practice = Practice::of(state).await;
    let label = format!("{} (staff)", account.username);
    let setup = match secret {
        Some(secret) => {
            two_step::app_setup(state, challenge.account, &practice.name, &label, secret)
        }
        None => two_step::new_app_setup(state, challenge.account, &practice.name, &label),
    };
    setup.map(Some).or_trouble("could not draw the setup code")
}

async fn staff_page(
    state: &AppState,
    setup: Option<AppSetup>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(StaffCodePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        setup,
        error,
    });
    *response.status_mut() = status;
    no_store(&mut response);
    response
}

/// `POST /staff/sign-in/code`: a right code (or, when setting up, the app's first code)
/// starts the staff session.
#[tracing::instrument(skip_all)]
pub async fn staff_submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let Some((challenge, hash)) = two_step::current(&state, &headers, SessionKind::Staff).await
    else {
        return Ok(crate::staff::console::sign_in_again(&state, STAFF_ENDED).await);
    };
    let asks = two_step::asks(&state, &challenge)
        .await
        .or_trouble("could not read the second step")?;
    if asks == Asks::Setup {
        return staff_setup_submit(&state, client, &headers, &challenge, &hash, &form).await;
    }
    let checked = two_step::check(&state, &challenge, &hash, &form.code)
        .await
        .or_trouble("could not check a sign-in code")?;
    match checked {
        Checked::Accepted => staff_signed_in(&state, client, &headers, &challenge, None).await,
        Checked::Wrong => Ok(staff_page(
            &state,
            None,
            Some(STAFF_WRONG.to_owned()),
            StatusCode::UNAUTHORIZED,
        )
        .await),
        Checked::Throttled(wait) => {
            let message = format!("{} Ask an administrator for help.", wait_message(wait));
            Ok(staff_page(&state, None, Some(message), StatusCode::TOO_MANY_REQUESTS).await)
        }
        Checked::Ended => {
            let mut response = crate::staff::console::sign_in_again(&state, STAFF_ENDED).await;
            remove_challenge_cookie(&state, &mut response);
            Ok(response)
        }
    }
}

const STAFF_WRONG: &str = "That code does not work. Type the code your app shows now (each \
                           works once), or one of your recovery codes.";
const STAFF_ENDED: &str = "Too many codes that did not work, or the time ran out. Sign in again.";

/// The first code of an app being set up at sign-in: right, the app is the account's second
/// step from now on, with new recovery codes shown once, and the session starts.
async fn staff_setup_submit(
    state: &AppState,
    client: SocketAddr,
    headers: &HeaderMap,
    challenge: &Challenge,
    hash: &str,
    form: &CodeForm,
) -> Result<Response, PageError> {
    let now = jiff::Timestamp::now();
    let bucket = two_step::bucket_of(challenge);
    let wait = crate::account::sign_in::code_wait(&state.db, &bucket, now)
        .await
        .or_trouble("could not check the code counter")?;
    if let Some(wait) = wait {
        let message = format!("{} Ask an administrator for help.", wait_message(wait));
        return Ok(staff_page(state, None, Some(message), StatusCode::TOO_MANY_REQUESTS).await);
    }
    let Some(secret) = two_step::setup_secret(state, challenge.account, &form.sealed) else {
        // Not a form of ours: start the setup over with a new secret.
        return Ok(Redirect::to("/staff/sign-in/code").into_response());
    };
    let Some(step) = two_step::first_code(&secret, &form.code) else {
        if let Checked::Ended = two_step::count_wrong(state, hash, &bucket, now).await {
            let mut response = crate::staff::console::sign_in_again(state, STAFF_ENDED).await;
            remove_challenge_cookie(state, &mut response);
            return Ok(response);
        }
        let Some(setup) = staff_setup(state, challenge, Some(&secret)).await? else {
            return Ok(Redirect::to("/staff/sign-in").into_response());
        };
        let error = "That code does not match. Check that the phone's clock is right and type \
                     the code the app shows now.";
        return Ok(staff_page(
            state,
            Some(setup),
            Some(error.to_owned()),
            StatusCode::UNAUTHORIZED,
        )
        .await);
    };
    if !state
        .db
        .end_challenge(hash)
        .await
        .or_trouble("could not end a challenge")?
    {
        return Ok(crate::staff::console::sign_in_again(state, STAFF_ENDED).await);
    }
    let account = AccountRef {
        kind: SessionKind::Staff,
        id: challenge.account,
        organization: challenge.organization,
        actor: AuditActor::Staff(domain::StaffId::from_uuid(challenge.account)),
        patient: None,
    };
    let (codes, hashes) = two_step::new_recovery_codes(state, challenge.account);
    let method = two_step::confirmed_app(state, challenge.account, &secret);
    let origin = request_origin(client, headers);
    let enable = EnableTwoStep {
        method: &method,
        accepted_step: step,
        recovery_hashes: &hashes,
        from_session: None,
    };
    if !state
        .db
        .enable_two_step(&account, &enable, &origin)
        .await
        .or_trouble("could not turn 2-step sign-in on")?
    {
        // Another browser set it up first: this one signs in again, with that app's code.
        return Ok(crate::staff::console::sign_in_again(state, STAFF_ENDED).await);
    }
    staff_signed_in(state, client, headers, challenge, Some(codes)).await
}

/// Starts the staff session of a challenge passed; shows new recovery codes first, if any.
async fn staff_signed_in(
    state: &AppState,
    client: SocketAddr,
    headers: &HeaderMap,
    challenge: &Challenge,
    recovery_codes: Option<Vec<String>>,
) -> Result<Response, PageError> {
    let account = match state
        .db
        .staff_by_id(domain::StaffId::from_uuid(challenge.account))
        .await
        .or_trouble("could not read the staff account")?
    {
        Some(account) if !account.disabled => account,
        _ => return Ok(crate::staff::console::sign_in_again(state, STAFF_ENDED).await),
    };
    let started = crate::staff::console::finish_sign_in(state, headers, client, &account)
        .await
        .or_trouble("could not create a session")?;
    let mut response = match recovery_codes {
        Some(codes) => two_step::recovery_codes_page(state, codes, "/staff", true).await,
        None => Redirect::to("/staff").into_response(),
    };
    started.set_cookies(&mut response);
    remove_challenge_cookie(state, &mut response);
    Ok(response)
}

/// How many recovery codes are left, for the account page.
pub(crate) fn codes_left(count: u32) -> String {
    t_args(
        "account-two-step-codes-left",
        &[("count", i64::from(count).into())],
    )
}
