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
        pages::{Practice, no_store, render, server_error},
    },
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
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((challenge, _)) = two_step::current(&state, &headers, SessionKind::Patient).await
    else {
        return Redirect::to("/sign-in").into_response();
    };
    match two_step::asks(&state, &challenge).await {
        Ok(asks) => patient_page(&state, asks, None, None, StatusCode::OK).await,
        Err(error) => {
            tracing::error!(error = %error, "could not read the second step");
            server_error()
        }
    }
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
) -> Response {
    let Some((challenge, hash)) = two_step::current(&state, &headers, SessionKind::Patient).await
    else {
        return crate::account::patient::sign_in_again(&state, t("two-step-ended")).await;
    };
    let checked = match two_step::check(&state, &challenge, &hash, &form.code).await {
        Ok(checked) => checked,
        Err(error) => {
            tracing::error!(error = %error, "could not check a sign-in code");
            return server_error();
        }
    };
    let asks = if challenge.email_code_hash.is_some() {
        Asks::Email
    } else {
        Asks::App
    };
    match checked {
        Checked::Accepted => {}
        Checked::Wrong => {
            return patient_page(
                &state,
                asks,
                Some(t("two-step-wrong")),
                None,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
        Checked::Throttled(wait) => {
            let message = format!("{} {}", wait_message(wait), t("two-step-call"));
            return patient_page(
                &state,
                asks,
                Some(message),
                None,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
        }
        Checked::Ended => {
            let mut response =
                crate::account::patient::sign_in_again(&state, t("two-step-ended")).await;
            remove_challenge_cookie(&state, &mut response);
            return response;
        }
    }
    let account = match state
        .db
        .patient_account_by_id(challenge.organization, challenge.account)
        .await
    {
        Ok(Some(account)) if account.can_sign_in() => account,
        Ok(_) => {
            return crate::account::patient::sign_in_again(&state, t("wrong-credentials")).await;
        }
        Err(error) => {
            tracing::error!(error = %error, "could not read the account");
            return server_error();
        }
    };
    match crate::account::patient::finish_sign_in(&state, client, &headers, &account).await {
        Ok(started) => {
            let mut response = Redirect::to("/home").into_response();
            started.set_cookies(&mut response);
            remove_challenge_cookie(&state, &mut response);
            response
        }
        Err(error) => {
            tracing::error!(error = %error, "could not finish a sign-in");
            server_error()
        }
    }
}

/// `POST /sign-in/code/resend`: another emailed code, within limits.
pub async fn resend(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((challenge, hash)) = two_step::current(&state, &headers, SessionKind::Patient).await
    else {
        return crate::account::patient::sign_in_again(&state, t("two-step-ended")).await;
    };
    if challenge.email_code_hash.is_none() {
        return Redirect::to("/sign-in/code").into_response();
    }
    let patient = match state
        .db
        .patient_account_by_id(challenge.organization, challenge.account)
        .await
    {
        Ok(Some(account)) => account.patient,
        Ok(None) => return Redirect::to("/sign-in").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "could not read the account");
            return server_error();
        }
    };
    match two_step::resend(&state, &challenge, &hash, Some(patient)).await {
        Ok(true) => {
            patient_page(
                &state,
                Asks::Email,
                None,
                Some(t("two-step-resent")),
                StatusCode::OK,
            )
            .await
        }
        Ok(false) => {
            patient_page(
                &state,
                Asks::Email,
                Some(t("two-step-resend-refused")),
                None,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await
        }
        Err(error) => {
            tracing::error!(error = %error, "could not send a new code");
            server_error()
        }
    }
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
pub async fn staff_show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((challenge, _)) = two_step::current(&state, &headers, SessionKind::Staff).await else {
        return Redirect::to("/staff/sign-in").into_response();
    };
    let setup = match two_step::asks(&state, &challenge).await {
        Ok(Asks::Setup) => match staff_setup(&state, &challenge, None).await {
            Ok(setup) => Some(setup),
            Err(response) => return response,
        },
        Ok(_) => None,
        Err(error) => {
            tracing::error!(error = %error, "could not read the second step");
            return server_error();
        }
    };
    staff_page(&state, setup, None, StatusCode::OK).await
}

/// The setup form's parts: a new secret, or the one the form carried (after a wrong code).
async fn staff_setup(
    state: &AppState,
    challenge: &Challenge,
    secret: Option<&domain::two_step::TotpSecret>,
) -> Result<AppSetup, Response> {
    let account = match state
        .db
        .staff_by_id(domain::StaffId::from_uuid(challenge.account))
        .await
    {
        Ok(Some(account)) => account,
        Ok(None) => return Err(Redirect::to("/staff/sign-in").into_response()),
        Err(error) => {
            tracing::error!(error = %error, "could not read the staff account");
            return Err(server_error());
        }
    };
    let practice = Practice::of(state).await;
    let label = format!("{} (staff)", account.username);
    let setup = match secret {
        Some(secret) => {
            two_step::app_setup(state, challenge.account, &practice.name, &label, secret)
        }
        None => two_step::new_app_setup(state, challenge.account, &practice.name, &label),
    };
    setup.map_err(|error| {
        tracing::error!(error = %error, "could not draw the setup code");
        server_error()
    })
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
) -> Response {
    let Some((challenge, hash)) = two_step::current(&state, &headers, SessionKind::Staff).await
    else {
        return crate::staff::console::sign_in_again(&state, STAFF_ENDED).await;
    };
    let asks = match two_step::asks(&state, &challenge).await {
        Ok(asks) => asks,
        Err(error) => {
            tracing::error!(error = %error, "could not read the second step");
            return server_error();
        }
    };
    if asks == Asks::Setup {
        return staff_setup_submit(&state, client, &headers, &challenge, &hash, &form).await;
    }
    let checked = match two_step::check(&state, &challenge, &hash, &form.code).await {
        Ok(checked) => checked,
        Err(error) => {
            tracing::error!(error = %error, "could not check a sign-in code");
            return server_error();
        }
    };
    match checked {
        Checked::Accepted => staff_signed_in(&state, client, &headers, &challenge, None).await,
        Checked::Wrong => {
            staff_page(
                &state,
                None,
                Some(STAFF_WRONG.to_owned()),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Checked::Throttled(wait) => {
            let message = format!("{} Ask an administrator for help.", wait_message(wait));
            staff_page(&state, None, Some(message), StatusCode::TOO_MANY_REQUESTS).await
        }
        Checked::Ended => {
            let mut response = crate::staff::console::sign_in_again(&state, STAFF_ENDED).await;
            remove_challenge_cookie(&state, &mut response);
            response
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
) -> Response {
    let now = jiff::Timestamp::now();
    let bucket = two_step::bucket_of(challenge);
    let wait = match crate::account::sign_in::code_wait(&state.db, &bucket, now).await {
        Ok(wait) => wait,
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                "could not check the code counter"
            );
            return server_error();
        }
    };
    if let Some(wait) = wait {
        let message = format!("{} Ask an administrator for help.", wait_message(wait));
        return staff_page(state, None, Some(message), StatusCode::TOO_MANY_REQUESTS).await;
    }
    let Some(secret) = two_step::setup_secret(state, challenge.account, &form.sealed) else {
        // Not a form of ours: start the setup over with a new secret.
        return Redirect::to("/staff/sign-in/code").into_response();
    };
    let Some(step) = two_step::first_code(&secret, &form.code) else {
        return match two_step::count_wrong(state, hash, &bucket, now).await {
            Checked::Ended => {
                let mut response = crate::staff::console::sign_in_again(state, STAFF_ENDED).await;
                remove_challenge_cookie(state, &mut response);
                response
            }
            _ => match staff_setup(state, challenge, Some(&secret)).await {
                Ok(setup) => {
                    let error = "That code does not match. Check that the phone's clock is right \
                                 and type the code the app shows now.";
                    staff_page(
                        state,
                        Some(setup),
                        Some(error.to_owned()),
                        StatusCode::UNAUTHORIZED,
                    )
                    .await
                }
                Err(response) => response,
            },
        };
    };
    match state.db.end_challenge(hash).await {
        Ok(true) => {}
        Ok(false) => return crate::staff::console::sign_in_again(state, STAFF_ENDED).await,
        Err(error) => {
            tracing::error!(error = %error, "could not end a challenge");
            return server_error();
        }
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
    match state.db.enable_two_step(&account, &enable, &origin).await {
        Ok(true) => {}
        // Another browser set it up first: this one signs in again, with that app's code.
        Ok(false) => return crate::staff::console::sign_in_again(state, STAFF_ENDED).await,
        Err(error) => {
            tracing::error!(error = %error, "could not turn 2-step sign-in on");
            return server_error();
        }
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
) -> Response {
    let account = match state
        .db
        .staff_by_id(domain::StaffId::from_uuid(challenge.account))
        .await
    {
        Ok(Some(account)) if !account.disabled => account,
        Ok(_) => return crate::staff::console::sign_in_again(state, STAFF_ENDED).await,
        Err(error) => {
            tracing::error!(error = %error, "could not read the staff account");
            return server_error();
        }
    };
    let started =
        match crate::staff::console::finish_sign_in(state, headers, client, &account).await {
            Ok(started) => started,
            Err(error) => {
                tracing::error!(error = %error, "could not create a session");
                return server_error();
            }
        };
    let mut response = match recovery_codes {
        Some(codes) => two_step::recovery_codes_page(state, codes, "/staff", true).await,
        None => Redirect::to("/staff").into_response(),
    };
    started.set_cookies(&mut response);
    remove_challenge_cookie(state, &mut response);
    response
}

/// How many recovery codes are left, for the account page.
pub(crate) fn codes_left(count: u32) -> String {
    t_args(
        "account-two-step-codes-left",
        &[("count", i64::from(count).into())],
    )
}
