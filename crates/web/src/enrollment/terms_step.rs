//! Enrollment's last step (3 or 4): the terms of use and the privacy policy, each with a
//! plain-language summary first. Coming from the credentials step, the page first says that
//! the username and password are saved. Accepting both activates the account, signs the
//! patient in, and shows the welcome page.

use std::net::SocketAddr;

use askama::Template;
use axum::http::StatusCode;
use axum::{
    Form,
    extract::{ConnectInfo, RawQuery, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use storage::{
    AccountMadeAlert, ActivateError, OpenInvitation, SessionKind, TermsLanguage, TermsVersion,
};

use crate::{
    AppState,
    account::{
        not_me::ALERT_LIFETIME,
        sign_in::{StartedSession, Subject, set_cookie, start_session, user_agent},
    },
    common::{
        pages::{Practice, no_store, render},
        session::{self, PatientUser},
        terms_text::{ShownDocument, form_language, reader_language, shown},
    },
    enrollment::{
        enroll::{Step, StepCount},
        identity::{current, invalid},
    },
    error::{OrTrouble, PageError},
};

/// The documents a practice starts with (they live beside the code that picks their language).
pub use crate::common::terms_text::DEFAULT_TERMS;

#[derive(Template)]
#[template(path = "enroll/terms.html")]
struct TermsPage {
    practice_name: String,
    practice_phone: Option<String>,
    step: StepCount,
    /// Just saved: the username chosen (the notice shows without it if it cannot be read).
    saved: Option<Option<String>>,
    terms: ShownDocument,
    privacy: ShownDocument,
    accept_terms: bool,
    accept_privacy: bool,
    terms_error: bool,
    privacy_error: bool,
    /// The language the documents are shown in, sent back with the acceptance.
    lang: &'static str,
    /// A version was published since the page was shown: these are the new ones.
    changed_meanwhile: bool,
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomePage {
    practice_name: String,
    practice_phone: Option<String>,
    portal_url: String,
    qr_data_url: String,
}

#[derive(Deserialize)]
pub struct TermsForm {
    #[serde(default)]
    accept_terms: Option<String>,
    #[serde(default)]
    accept_privacy: Option<String>,
    /// The versions the patient was shown: a version published meanwhile must be shown too.
    #[serde(default)]
    terms_version: i64,
    #[serde(default)]
    privacy_version: i64,
    /// The language they were shown in (`en` or `es`), recorded with the acceptance.
    #[serde(default)]
    lang: String,
}

/// `GET /enroll/terms`; `?saved` right after the credentials step.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let Some(invitation) = current(&state, &headers)
        .await
        .filter(|i| i.status == "credentials-set")
    else {
        return Ok(Redirect::to("/enroll/credentials").into_response());
    };
    let saved = if query.as_deref() == Some("saved") {
        let username = state.db.enrollment_username(&invitation).await;
        Some(username.unwrap_or_else(|error| {
            tracing::warn!(error = %error, "could not read the username just chosen");
            None
        }))
    } else {
        None
    };
    page(&state, &invitation, saved, (false, false), Shown::Fresh).await
}

/// Why the page is shown.
#[derive(Clone, Copy, PartialEq)]
enum Shown {
    Fresh,
    /// A box was not ticked.
    Unticked,
    /// A newer version was published since the page was shown.
    ChangedMeanwhile,
}

/// Step 4 for the page and the API alike: records the acceptance of `terms` and `privacy`
/// (the versions shown, to a reader of `language`), activates the account once (even when requests race), and signs the
/// patient in with a new session. `None` when the invitation is no longer at this step.
#[tracing::instrument(skip_all, fields(invitation = %invitation.id), err)]
pub(crate) async fn accept_and_activate(
    state: &AppState,
    invitation: &OpenInvitation,
    (terms, privacy): (&TermsVersion, &TermsVersion),
    language: TermsLanguage,
    headers: &HeaderMap,
    client: SocketAddr,
) -> anyhow::Result<Option<StartedSession>> {
    let client_addr = client.ip().to_string();
    let user_agent = user_agent(headers);
    // Made without an invitation: the chart's email address is told, with a link that locks
    // the account if its owner did not make it.
    let not_me = invitation.self_enrollment.then(|| {
        let (token, token_hash) = session::new_token();
        (
            format!("{}/not-me/{token}", state.settings.base_url),
            token_hash,
        )
    });
    let device = domain::device::summary(user_agent.as_deref());
    let account_made = not_me.as_ref().map(|(link, token_hash)| AccountMadeAlert {
        token_hash,
        link,
        device: device.as_deref(),
        expires_at: Timestamp::now() + ALERT_LIFETIME,
    });
    let account = match state
        .db
        .accept_terms_and_activate(
            invitation,
            terms,
            privacy,
            language,
            Some(&client_addr),
            user_agent.as_deref(),
            account_made.as_ref(),
        )
        .await
    {
        Ok(account) => account,
        Err(ActivateError::WrongStep) => return Ok(None),
        Err(ActivateError::Unexpected(error)) => return Err(error),
    };
    // Signed in from here: a new session of the patient's own.
    let subject = Subject {
        kind: SessionKind::Patient,
        id: account,
        organization: invitation.organization,
    };
    start_session(state, headers, client.ip(), subject)
        .await
        .map(Some)
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<TermsForm>,
) -> Result<Response, PageError> {
    let Some(invitation) = current(&state, &headers)
        .await
        .filter(|i| i.status == "credentials-set")
    else {
        return Ok(Redirect::to("/enroll/credentials").into_response());
    };
    let (terms, privacy) = state
        .db
        .current_terms(invitation.organization, &DEFAULT_TERMS)
        .await
        .or_trouble("could not read the terms")?;
    // Accepting binds the patient to what they read: a version published since the page was
    // shown is shown now, to be read and accepted in its turn.
    if (form.terms_version, form.privacy_version) != (terms.version, privacy.version) {
        let mut response = page(
            &state,
            &invitation,
            None,
            (false, false),
            Shown::ChangedMeanwhile,
        )
        .await?;
        if response.status() == StatusCode::OK {
            *response.status_mut() = StatusCode::CONFLICT;
        }
        return Ok(response);
    }
    let (accept_terms, accept_privacy) =
        (form.accept_terms.is_some(), form.accept_privacy.is_some());
    if !(accept_terms && accept_privacy) {
        let unticked = page(
            &state,
            &invitation,
            None,
            (accept_terms, accept_privacy),
            Shown::Unticked,
        )
        .await?;
        return Ok(invalid(unticked));
    }
    let started = accept_and_activate(
        &state,
        &invitation,
        (&terms, &privacy),
        form_language(&form.lang),
        &headers,
        client,
    )
    .await
    .or_trouble("could not activate an account")?;
    let Some(started) = started else {
        return Ok(Redirect::to("/enroll/credentials").into_response());
    };
    let mut response = Redirect::to("/welcome").into_response();
    started.set_cookies(&mut response);
    set_cookie(
        &mut response,
        &format!(
            "{}=; Path=/enroll; HttpOnly; SameSite=Lax; Max-Age=0",
            crate::enrollment::enroll::ENROLLMENT_COOKIE
        ),
    );
    Ok(response)
}

/// `GET /welcome`: for a signed-in patient.
pub async fn welcome(
    State(state): State<AppState>,
    user: Option<PatientUser>,
) -> Result<Response, PageError> {
    if user.is_none() {
        return Ok(Redirect::to("/").into_response());
    }
    let practice = Practice::of(&state).await;
    let portal_url = format!("{}/", state.settings.base_url);
    let qr_data_url = match state.settings.portal_qr.get() {
        Some(drawn) => drawn.clone(),
        None => {
            let url = crate::common::pages::qr_data_url(&portal_url)
                .or_trouble("could not draw the QR code")?;
            state.settings.portal_qr.get_or_init(|| url).clone()
        }
    };
    let mut response = render(WelcomePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        portal_url,
        qr_data_url,
    });
    no_store(&mut response);
    Ok(response)
}

/// The web app manifest: it makes the portal installable on a phone's home screen.
pub async fn manifest(State(state): State<AppState>) -> Response {
    let practice = Practice::of(&state).await;
    let manifest = serde_json::json!({
        "name": format!("{} Patient Portal", practice.name),
        "short_name": "Portal",
        "start_url": "/",
        "display": "standalone",
        "background_color": "#f4f1ea",
        "theme_color": "#1b1f24",
        "icons": [{ "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml" }],
    });
    (
        [(header::CONTENT_TYPE, "application/manifest+json")],
        manifest.to_string(),
    )
        .into_response()
}

pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/icon.svg"),
    )
        .into_response()
}

async fn page(
    state: &AppState,
    invitation: &OpenInvitation,
    saved: Option<Option<String>>,
    (accept_terms, accept_privacy): (bool, bool),
    shown_because: Shown,
) -> Result<Response, PageError> {
    let show_errors = shown_because == Shown::Unticked;
    let organization = invitation.organization;
    let step = match state.db.enrollment_policy(organization).await {
        Ok(policy) => Step::Terms.count(invitation, &policy),
        Err(error) => {
            tracing::warn!(error = %error, "could not read the policy for the step count");
            None
        }
    };
    let (terms, privacy) = state
        .db
        .current_terms(organization, &DEFAULT_TERMS)
        .await
        .or_trouble("could not read the terms")?;
    let practice = Practice::of(state).await;
    let mut response = render(TermsPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        step: step.unwrap_or(StepCount { step: 3, of: 3 }),
        saved,
        terms: shown(&terms),
        privacy: shown(&privacy),
        accept_terms,
        accept_privacy,
        terms_error: show_errors && !accept_terms,
        privacy_error: show_errors && !accept_privacy,
        lang: reader_language().tag(),
        changed_meanwhile: shown_because == Shown::ChangedMeanwhile,
    });
    no_store(&mut response);
    Ok(response)
}
