//! Staff-assisted password reset: a patient who cannot use the emailed link (no email, a
//! locked account, a lost phone) calls or comes in; staff confirm who they are, say how, and
//! issue a one-time code the patient types at `/reset-code` to choose a new password. Only
//! the code's keyed hash is kept; issuing is audited; a code also unlocks a locked account.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use domain::{PatientId, Role, invitation::ActivationCode};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use storage::{IssuedCode, PatientSummary};
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// How long a staff-issued code works: the patient may need to get home first.
pub const CODE_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// How staff may confirm who the patient is before issuing a code.
pub(crate) const CONFIRMATIONS: [(&str, &str); 3] = [
    ("photo-id", "Photo ID, in person"),
    (
        "callback",
        "Called the patient back at the phone number on the chart",
    ),
    (
        "chart-questions",
        "The patient answered at least two questions only the chart would know",
    ),
];

/// The keyed hash a reset code is kept as.
pub(crate) fn code_hash(state: &AppState, code: &ActivationCode) -> String {
    state.key.keyed_hash("reset-code", code.canonical())
}

/// Who may issue reset codes.
fn may_issue(user: &StaffUser) -> bool {
    matches!(
        user.account.role,
        Role::FrontDesk | Role::Administrator | Role::SecurityOfficer
    )
}

#[derive(Template)]
#[template(path = "staff/reset_code.html")]
struct CodePage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    patient: PatientSummary,
    account: Option<(String, String)>,
    /// The patient has an account a code can reset: active, or locked by its patient.
    resettable: bool,
    confirmed: String,
    error: Option<&'static str>,
    /// Once issued: the code as printed, the username, and until when it works.
    issued: Option<(String, String, String)>,
    reset_url: String,
}

impl CodePage {
    fn confirmations(&self) -> &'static [(&'static str, &'static str)] {
        &CONFIRMATIONS
    }
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Only front-desk staff, administrators and security officers issue reset codes.",
    )
        .into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "No such patient in this practice.").into_response()
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    patient: PatientSummary,
    confirmed: String,
    error: Option<&'static str>,
    issued: Option<(String, String, String)>,
) -> anyhow::Result<Response> {
    let account = state.db.patient_account(&user.scope, patient.id).await?;
    let practice = Practice::of(state).await;
    let resettable = account
        .as_ref()
        .is_some_and(|(_, status)| status == "active" || status == "locked");
    let status = match (error, resettable) {
        (Some(_), _) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, false) => StatusCode::CONFLICT,
        (None, true) => StatusCode::OK,
    };
    let mut response = render(CodePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        patient,
        account,
        resettable,
        confirmed,
        error,
        issued,
        reset_url: format!("{}/reset-code", state.settings.base_url),
    });
    no_store(&mut response);
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /staff/patients/{patient}/reset-code`: how staff confirmed who the patient is.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn form(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(patient): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_issue(&user) {
        return Ok(forbidden());
    }
    let origin = request_origin(client, &headers);
    let shown = async {
        let id = PatientId::from_uuid(patient);
        let Some(patient) = state.db.patient_summary(&user.scope, id, &origin).await? else {
            return Ok(not_found());
        };
        page(&state, &user, patient, String::new(), None, None).await
    };
    shown.await.or_trouble("could not show the reset code form")
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    confirmed: String,
}

/// `POST /staff/patients/{patient}/reset-code`: issues the code (audited, with how identity
/// was confirmed) and shows it once.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn issue(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(patient): Path<Uuid>,
    Form(form): Form<IssueForm>,
) -> Result<Response, PageError> {
    if !may_issue(&user) {
        return Ok(forbidden());
    }
    let origin = request_origin(client, &headers);
    let issued = async {
        let id = PatientId::from_uuid(patient);
        let Some(patient) = state.db.patient_summary(&user.scope, id, &origin).await? else {
            return Ok(not_found());
        };
        let Some((_, confirmed_by)) = CONFIRMATIONS.iter().find(|(key, _)| *key == form.confirmed)
        else {
            let error = Some("Choose how you confirmed who the patient is. Without that, no code.");
            return page(&state, &user, patient, form.confirmed, error, None).await;
        };
        let code = ActivationCode::generate();
        let now = Timestamp::now();
        let expires_at = now + CODE_LIFETIME;
        let username = state
            .db
            .issue_reset_code(
                &user.scope,
                id,
                &IssuedCode {
                    code_hash: &code_hash(&state, &code),
                    confirmed_by,
                    now,
                    expires_at,
                },
                &origin,
            )
            .await?;
        let zone = crate::common::pages::practice_zone(&state, user.scope.organization()).await;
        let issued = username.map(|username| {
            (
                code.display(),
                username,
                crate::common::i18n::moment(expires_at, &zone),
            )
        });
        page(&state, &user, patient, form.confirmed, None, issued).await
    };
    issued.await.or_trouble("could not issue a reset code")
}
