//! The patient's side after enrollment: sign-in, sign-out, the home page, and accepting a
//! newly published version of the terms or the privacy policy.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{PatientScope, Username};
use jiff::Timestamp;
use serde::Deserialize;
use storage::{Organization, SessionKind, Sighting, TermsUpdate};

use crate::{
    AppState,
    account::sign_in::{
        Refused, SignInForm, StartedSession, Subject, Throttle, set_cookie, start_session,
        user_agent, wait_message, wrong_credentials,
    },
    common::{
        pages::{Practice, no_store, render},
        session::PatientUser,
        terms_text::{ShownDocument, form_language, reader_language, shown},
    },
    enrollment::{identity::invalid, terms_step::DEFAULT_TERMS},
    error::{OrTrouble, PageError},
    staff::console::{chosen_organization, end_session, request_origin},
};

#[derive(Template)]
#[template(path = "patient/sign_in.html")]
struct SignInPage {
    practice_name: String,
    practice_phone: Option<String>,
    organizations: Vec<Organization>,
    selected_org: String,
    username: String,
    error: Option<String>,
    /// The portal's address allows passkeys: offer signing in with one.
    passkeys: bool,
    /// Just signed out (`/sign-in?signed-out`): the page says so.
    signed_out: bool,
}

/// `GET /sign-in`; `?signed-out` after signing out.
pub async fn sign_in_page(
    State(state): State<AppState>,
    user: Option<PatientUser>,
    RawQuery(query): RawQuery,
) -> Response {
    if user.is_some() {
        return Redirect::to("/home").into_response();
    }
    let signed_out = query.as_deref() == Some(SIGNED_OUT);
    render_sign_in(&state, String::new(), String::new(), None, signed_out).await
}

/// The query that the sign-out sends the patient to the sign-in page with.
const SIGNED_OUT: &str = "signed-out";

async fn sign_in_form(
    state: &AppState,
    selected_org: String,
    username: String,
    error: Option<String>,
) -> Response {
    render_sign_in(state, selected_org, username, error, false).await
}

async fn render_sign_in(
    state: &AppState,
    selected_org: String,
    username: String,
    error: Option<String>,
    signed_out: bool,
) -> Response {
    let practice = Practice::of(state).await;
    let organizations = state.db.organizations().await.unwrap_or_default();
    let failed = error.is_some();
    let mut response = render(SignInPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        organizations,
        selected_org,
        username,
        error,
        passkeys: crate::account::passkeys::relying_party(state).is_some(),
        signed_out,
    });
    if failed {
        *response.status_mut() = StatusCode::UNAUTHORIZED;
    }
    response
}

/// The sign-in page again, with words saying why (a second step that ended, say).
pub(crate) async fn sign_in_again(state: &AppState, message: String) -> Response {
    sign_in_form(state, String::new(), String::new(), Some(message)).await
}

/// Why a patient sign-in did not start a session.
pub(crate) enum SignInRefusal {
    /// Too many recent failures: the words to show, with what to do.
    Throttled(String),
    /// Wrong password, unknown username, or an account not active yet: one answer.
    WrongCredentials,
    Failed(anyhow::Error),
}

/// What a right password led to.
pub(crate) enum PasswordAccepted {
    /// Signed in: the account and its new session.
    SignedIn(storage::PatientAccount, StartedSession),
    /// The account has 2-step sign-in: the code is still to come.
    SecondStep(crate::account::two_step::Pending),
}

/// A patient's sign-in, for the page and the API alike: the same answer, after the same
/// Argon2id work, whether the username is unknown, the password wrong, or the account not
/// active yet. A right one goes on to the second step, if the account has one, or is recorded
/// (audited) and starts a fresh session.
pub(crate) async fn sign_patient_in(
    state: &AppState,
    client: SocketAddr,
    headers: &HeaderMap,
    organization: Option<&Organization>,
    username: &str,
    password: String,
) -> Result<PasswordAccepted, SignInRefusal> {
    let now = Timestamp::now();
    let username = Username::parse(username).ok();
    let account = match (organization, &username) {
        (Some(org), Some(username)) => state
            .db
            .patient_account_by_username(org.id, username)
            .await
            .map_err(SignInRefusal::Failed)?,
        _ => None,
    };
    let throttle = Throttle::new(
        "patient-sign-in",
        organization,
        username.as_ref().map(Username::as_str),
        client.ip(),
    )
    .on_device(
        state,
        headers,
        SessionKind::Patient,
        account.as_ref().map(|a| a.id),
    )
    .await;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let usable = account
        .as_ref()
        .is_some_and(storage::PatientAccount::can_sign_in);
    let weighed = throttle.weigh(state, now, stored, usable, password).await;
    let account = match (weighed, account) {
        (Ok(()), Some(account)) => account,
        (Err(Refused::Unavailable(error)), _) => return Err(SignInRefusal::Failed(error)),
        (Err(Refused::Throttled(wait)), _) => {
            return Err(SignInRefusal::Throttled(format!(
                "{} {}",
                wait_message(wait),
                crate::common::i18n::t("sign-in-throttled-forgot")
            )));
        }
        _ => return Err(SignInRefusal::WrongCredentials),
    };
    tracing::Span::current().record("account", tracing::field::display(account.id));
    let who = crate::account::two_step::Who {
        kind: SessionKind::Patient,
        account: account.id,
        organization: account.organization,
        patient: Some(account.patient),
        required: false,
    };
    if let Some(pending) = crate::account::two_step::begin(state, &who)
        .await
        .map_err(SignInRefusal::Failed)?
    {
        return Ok(PasswordAccepted::SecondStep(pending));
    }
    let started = finish_sign_in(state, client, headers, &account)
        .await
        .map_err(SignInRefusal::Failed)?;
    Ok(PasswordAccepted::SignedIn(account, started))
}

/// The end of a patient's sign-in, once every step is passed: recorded (audited), a fresh
/// session, and an alert if the browser is new to the account.
pub(crate) async fn finish_sign_in(
    state: &AppState,
    client: SocketAddr,
    headers: &HeaderMap,
    account: &storage::PatientAccount,
) -> anyhow::Result<StartedSession> {
    let origin = request_origin(client, headers);
    state.db.record_patient_sign_in(account, &origin).await?;
    let subject = Subject {
        kind: SessionKind::Patient,
        id: account.id,
        organization: account.organization,
    };
    let mut started = start_session(state, headers, client.ip(), subject).await?;
    started.language = state
        .db
        .account_language(account.id)
        .await?
        .as_deref()
        .and_then(crate::common::i18n::Lang::parse);
    if started.sighting == Sighting::New
        && let Err(error) =
            crate::account::not_me::alert_new_device(state, account, headers, client).await
    {
        tracing::error!(error = %error, "could not alert the patient to a new device");
    }
    Ok(started)
}

/// `POST /sign-in`: see [`sign_patient_in`].
#[tracing::instrument(skip_all, fields(account))]
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let organizations = state.db.organizations().await.unwrap_or_default();
    let organization = chosen_organization(&organizations, &form.organization);
    let signed_in = sign_patient_in(
        &state,
        client,
        &headers,
        organization,
        &form.username,
        form.password,
    )
    .await;
    let message = match signed_in {
        Ok(PasswordAccepted::SignedIn(_, started)) => {
            let mut response = Redirect::to("/home").into_response();
            started.set_cookies(&mut response);
            return Ok(response);
        }
        Ok(PasswordAccepted::SecondStep(pending)) => {
            let mut response = Redirect::to("/sign-in/code").into_response();
            set_cookie(
                &mut response,
                &pending.cookie(state.settings.served_over_https()),
            );
            return Ok(response);
        }
        Err(SignInRefusal::Failed(error)) => {
            return Err(PageError::new("could not sign a patient in", error));
        }
        Err(SignInRefusal::Throttled(message)) => message,
        Err(SignInRefusal::WrongCredentials) => wrong_credentials(),
    };
    let selected = organization.map(|o| o.slug.clone()).unwrap_or_default();
    Ok(sign_in_form(&state, selected, form.username, Some(message)).await)
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    end_session(&state, &headers, &format!("/sign-in?{SIGNED_OUT}")).await
}

#[derive(Template)]
#[template(path = "patient/home.html")]
struct HomePage {
    practice_name: String,
    practice_phone: Option<String>,
    first_name: String,
    username: String,
    previous_sign_in: Option<String>,
    visits: Vec<VisitLine>,
    /// "You have 3 new test results", or `None` when there are none.
    new_results: Option<String>,
    new_result_names: Vec<String>,
    /// "You take 4 medicines now", or `None` when none.
    medicines: Option<String>,
    medicine_names: Vec<String>,
    /// Things to do: (link, words).
    to_do: Vec<(&'static str, String)>,
    /// What the patient owes, written out ("$12.50"), or `None` when nothing.
    balance: Option<String>,
    /// "You have 2 new messages", or `None` when none.
    new_messages: Option<String>,
}

/// One upcoming visit on the home page.
struct VisitLine {
    when: String,
    what: String,
    with: Option<String>,
}

/// Cents as dollars: "$1,234.50". The practices' data is in US dollars (the imported claims'
/// currency); the amount reads the same way in both languages.
fn dollars(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// `GET /home`: the signed-in patient's start page, with a tile for each part of the record
/// that has news. Newly published terms come first.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn home(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    use crate::common::i18n::{moment, t, t_args};
    if pending_terms(&state, &user).await?.is_some() {
        return Ok(Redirect::to("/terms/update").into_response());
    }
    let origin = request_origin(client, &headers);
    let dashboard = state
        .db
        .dashboard(&user.scope, &origin, Timestamp::now())
        .await
        .or_trouble("could not read the home page")?;
    let home = dashboard.home;
    let zone = crate::common::pages::zone_or_server(home.practice_time_zone.clone());
    let visits = dashboard
        .next_visits
        .into_iter()
        .map(|visit| VisitLine {
            when: moment(visit.start, &zone),
            what: visit.description.unwrap_or_else(|| t("home-visit-unnamed")),
            with: visit.practitioner,
        })
        .collect();
    let new_results = (dashboard.new_results > 0).then(|| {
        t_args(
            "home-new-results",
            &[("count", dashboard.new_results.into())],
        )
    });
    let mut to_do = Vec::new();
    if let Some(words) = &new_results {
        to_do.push((
            "/results",
            format!("{words}. {}", t("home-todo-read-results")),
        ));
    }
    if !dashboard.two_step {
        to_do.push(("/account", t("home-todo-two-step")));
    }
    let mut response = render(HomePage {
        practice_name: home.practice_name,
        practice_phone: home.practice_phone,
        first_name: home
            .given_names
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        username: home.username,
        previous_sign_in: home.previous_sign_in.map(|(at, _)| moment(at, &zone)),
        visits,
        new_results,
        new_result_names: dashboard.new_result_names,
        medicines: (dashboard.current_medicines > 0).then(|| {
            t_args(
                "home-medicines-count",
                &[("count", dashboard.current_medicines.into())],
            )
        }),
        medicine_names: dashboard.medicine_names,
        to_do,
        balance: (dashboard.balance_cents > 0).then(|| dollars(dashboard.balance_cents)),
        new_messages: (dashboard.unread_messages > 0).then(|| {
            t_args(
                "home-messages-new",
                &[("count", dashboard.unread_messages.into())],
            )
        }),
    });
    no_store(&mut response);
    Ok(response)
}

/// The documents the patient has yet to accept, if any: newer versions than those accepted.
pub(crate) async fn terms_to_accept(
    state: &AppState,
    scope: &PatientScope,
) -> anyhow::Result<Option<TermsUpdate>> {
    if state.db.terms_accepted_in_force(scope).await? {
        return Ok(None);
    }
    let (terms, privacy) = state
        .db
        .current_terms(scope.organization(), &DEFAULT_TERMS)
        .await?;
    state.db.terms_update(scope, (&terms, &privacy)).await
}

/// [`terms_to_accept`] for a signed-in patient: nothing when the session's read found the
/// versions in force accepted (every request reads that), without another query.
pub(crate) async fn user_terms_to_accept(
    state: &AppState,
    user: &PatientUser,
) -> anyhow::Result<Option<TermsUpdate>> {
    if user.terms_accepted {
        return Ok(None);
    }
    terms_to_accept(state, &user.scope).await
}

/// [`user_terms_to_accept`] for a page.
pub(crate) async fn pending_terms(
    state: &AppState,
    user: &PatientUser,
) -> Result<Option<TermsUpdate>, PageError> {
    user_terms_to_accept(state, user)
        .await
        .or_trouble("could not read the terms in force")
}

#[derive(Template)]
#[template(path = "patient/terms_update.html")]
struct TermsUpdatePage {
    practice_name: String,
    practice_phone: Option<String>,
    terms: ShownDocument,
    privacy: ShownDocument,
    changed: Vec<ShownDocument>,
    show_error: bool,
    /// The language the documents are shown in, sent back with the acceptance.
    lang: &'static str,
}

impl TermsUpdatePage {
    fn document_changed(&self, kind: &str) -> bool {
        self.changed.iter().any(|v| v.kind == kind)
    }
}

/// `GET /terms/update`: what changed, then both documents to accept.
pub async fn terms_update(
    State(state): State<AppState>,
    user: PatientUser,
) -> Result<Response, PageError> {
    Ok(match pending_terms(&state, &user).await? {
        Some(update) => terms_update_page(&state, update, false).await,
        None => Redirect::to("/home").into_response(),
    })
}

async fn terms_update_page(state: &AppState, update: TermsUpdate, show_error: bool) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(TermsUpdatePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        terms: shown(&update.terms),
        privacy: shown(&update.privacy),
        changed: update.changed.iter().map(shown).collect(),
        show_error,
        lang: reader_language().tag(),
    });
    no_store(&mut response);
    if show_error {
        return invalid(response);
    }
    response
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    accept: Option<String>,
    /// The versions the patient was shown: a version published meanwhile must be shown too.
    #[serde(default)]
    terms_version: i64,
    #[serde(default)]
    privacy_version: i64,
    /// The language they were shown in (`en` or `es`), recorded with the acceptance.
    #[serde(default)]
    lang: String,
}

/// `POST /terms/update`: records the acceptance of the versions shown, if they are still the
/// ones in force.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn accept_terms(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AcceptForm>,
) -> Result<Response, PageError> {
    let Some(update) = pending_terms(&state, &user).await? else {
        return Ok(Redirect::to("/home").into_response());
    };
    let shown_current = form.terms_version == update.terms.version
        && form.privacy_version == update.privacy.version;
    if !shown_current {
        return Ok(Redirect::to("/terms/update").into_response());
    }
    if form.accept.is_none() {
        return Ok(terms_update_page(&state, update, true).await);
    }
    let origin = request_origin(client, &headers);
    let user_agent = user_agent(&headers);
    state
        .db
        .accept_terms(
            &user.scope,
            &update.terms,
            &update.privacy,
            form_language(&form.lang),
            &origin,
            user_agent.as_deref(),
        )
        .await
        .or_trouble("could not record an acceptance")?;
    Ok(Redirect::to("/home").into_response())
}
