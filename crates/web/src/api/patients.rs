//! The front desk through the API: finding a patient, their portal status, inviting them and
//! cancelling an invitation. Every read of a chart is audited, as on the console's pages.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::{
    PatientId,
    invitation::{Channel, check_invitable},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use storage::{InvitationSummary, PatientSummary};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, auth::Staff, reply};
use crate::{
    AppState,
    staff::{
        console::{parse_query, request_origin},
        invite::{
            CHOOSE_CHANNEL, InviteOutcome, InviteRequest, MAY_NOT_INVITE, load, may_invite,
            send_invitation, spelled,
        },
    },
};

const NO_SUCH_PATIENT: &str = "No such patient in this practice.";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A date of birth (`1961-04-09` or `04/09/1961`), an MRN, or a name (`Rivera, Lucia`,
    /// `Lucia Rivera`, or the start of the family name).
    #[serde(default)]
    #[param(required = true, min_length = 1)]
    q: String,
}

/// A patient, as the front desk sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Patient {
    #[schema(value_type = Uuid)]
    pub id: PatientId,
    pub mrn: Option<String>,
    pub given_names: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub birth_date: jiff::civil::Date,
    pub deceased: bool,
    /// The chart's email address.
    pub email: Option<String>,
}

impl From<PatientSummary> for Patient {
    fn from(patient: PatientSummary) -> Self {
        Self {
            id: patient.id,
            mrn: patient.mrn,
            given_names: patient.given_names,
            family_name: patient.family_name,
            birth_date: patient.birth_date,
            deceased: patient.deceased,
            email: patient.email,
        }
    }
}

/// The patients found, at most 50, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientList {
    pub patients: Vec<Patient>,
}

/// Finds patients of the staff member's practice by name, date of birth or MRN. Audited.
#[utoipa::path(
    get,
    path = "/api/v1/patients",
    operation_id = "search_patients",
    tag = "front desk",
    params(SearchQuery),
    responses(
        (status = 200, description = "The patients found", body = PatientList),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 422, description = "The search cannot be read (`fields.q`)", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn search(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Response, ApiError> {
    let query = match parse_query(&query.q) {
        Ok(Some(query)) => query,
        Ok(None) => {
            return Err(ApiError::field(
                "q",
                "Type a name, a date of birth or an MRN.",
            ));
        }
        Err(message) => return Err(ApiError::field("q", message)),
    };
    let origin = request_origin(client, &headers);
    let found = state
        .db
        .search_patients(&user.scope, &query, &origin)
        .await?;
    Ok(reply(
        StatusCode::OK,
        PatientList {
            patients: found.into_iter().map(Patient::from).collect(),
        },
    ))
}

/// An invitation, as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub id: Uuid,
    /// `email` or `printed-code`.
    pub channel: String,
    pub email: Option<String>,
    /// `invited`, `opened`, `identity-verified`, `credentials-set`, `mismatch`, ...
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

impl From<InvitationSummary> for Invitation {
    fn from(invitation: InvitationSummary) -> Self {
        Self {
            id: invitation.id,
            channel: invitation.channel,
            email: invitation.email,
            status: invitation.status,
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
        }
    }
}

/// The patient's portal account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub username: String,
    /// `pending` or `active`.
    pub status: String,
}

/// Where the patient stands with the portal, and what the front desk may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalStatus {
    /// `active` or `pending` (an account), the invitation's status (one in progress), or
    /// `not-invited`.
    #[schema(example = "not-invited")]
    pub status: String,
    pub account: Option<Account>,
    /// The invitation in progress.
    pub invitation: Option<Invitation>,
    /// Why the policy keeps this patient out (deceased, too young), if it does.
    pub not_invitable: Option<String>,
    /// The channels the practice's policy allows: `email`, `printed-code`.
    pub channels: Vec<&'static str>,
}

/// A patient with their portal status.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientDetail {
    pub patient: Patient,
    pub portal: PortalStatus,
}

/// One patient of the staff member's practice, with their portal status. Audited.
#[utoipa::path(
    get,
    path = "/api/v1/patients/{patient}",
    operation_id = "show_patient",
    tag = "front desk",
    params(("patient" = Uuid, Path, description = "The patient's id")),
    responses(
        (status = 200, description = "The patient and their portal status", body = PatientDetail),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 404, description = "No such patient in this practice", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn show(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiPath(patient): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let origin = request_origin(client, &headers);
    let Some(context) = load(&state, &user, patient, &origin).await? else {
        return Err(ApiError::not_found(NO_SUCH_PATIENT));
    };
    let today = jiff::Zoned::now().date();
    let not_invitable = check_invitable(
        context.patient.birth_date,
        context.patient.deceased,
        today,
        &context.policy,
    )
    .err()
    .map(|reason| reason.to_string());
    let account = context
        .account
        .map(|(username, status)| Account { username, status });
    let invitation = context.invitation.map(Invitation::from);
    let status = match (&account, &invitation) {
        (Some(account), _) => account.status.clone(),
        (None, Some(invitation)) => invitation.status.clone(),
        (None, None) => "not-invited".to_owned(),
    };
    let channels = [
        (context.policy.email_invitations, Channel::Email),
        (context.policy.printed_codes, Channel::PrintedCode),
    ]
    .into_iter()
    .filter(|(allowed, _)| *allowed)
    .map(|(_, channel)| channel.as_str())
    .collect();
    Ok(reply(
        StatusCode::OK,
        PatientDetail {
            patient: context.patient.into(),
            portal: PortalStatus {
                status,
                account,
                invitation,
                not_invitable,
                channels,
            },
        },
    ))
}

/// Inviting a patient.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    #[schema(schema_with = super::schemas::channel)]
    pub channel: String,
    /// For `email`: the address to send to; the chart's address when left out.
    #[serde(default)]
    pub email: Option<String>,
    /// Replace the invitation in progress (send it again).
    #[serde(default)]
    pub resend: bool,
    /// Correct the chart's email address with `email`.
    #[serde(default)]
    pub save_email: bool,
}

/// An invitation made.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationSent {
    pub id: Uuid,
    /// `email` or `printed-code`.
    pub channel: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// For `email`: where it was queued to.
    pub email: Option<String>,
    /// For `printed-code`: the activation code. It is shown this once and never again (only
    /// its keyed hash is kept): print it now.
    #[schema(example = "K7QMW-4TXRP")]
    pub code: Option<String>,
    /// The code one character at a time, for reading it aloud.
    pub code_spelled: Option<String>,
    /// Where the patient types the code.
    pub activate_url: Option<String>,
}

/// Invites a patient by email (queued in the outbox) or with a printed activation code
/// (returned once). The policy's minimum age and deceased patients are refused with the
/// reason; a patient with an invitation in progress or an account gets no second one
/// (resend replaces the one in progress).
#[utoipa::path(
    post,
    path = "/api/v1/patients/{patient}/invitations",
    operation_id = "invite_patient",
    tag = "front desk",
    params(("patient" = Uuid, Path, description = "The patient's id")),
    request_body = InvitationRequest,
    responses(
        (status = 201, description = "Invited", body = InvitationSent),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Only the front desk and administrators invite", body = ErrorBody),
        (status = 404, description = "No such patient in this practice", body = ErrorBody),
        (status = 409, description = "An invitation is in progress (send `resend`), or the patient has an account", body = ErrorBody),
        (status = 422, description = "`fields.channel` or `fields.email`; or the policy's refusal with its reason (`code` = `not_invitable`)", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn invite(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiPath(patient): ApiPath<Uuid>,
    ApiJson(request): ApiJson<InvitationRequest>,
) -> Result<Response, ApiError> {
    if !may_invite(&user) {
        return Err(ApiError::forbidden(MAY_NOT_INVITE));
    }
    let origin = request_origin(client, &headers);
    let Some(context) = load(&state, &user, patient, &origin).await? else {
        return Err(ApiError::not_found(NO_SUCH_PATIENT));
    };
    // The console prefills the chart's address; here it stands when none is given.
    let email = request
        .email
        .clone()
        .or_else(|| context.patient.email.clone())
        .unwrap_or_default();
    let outcome = send_invitation(
        &state,
        &user,
        &context,
        InviteRequest {
            channel: &request.channel,
            email: &email,
            resend: request.resend,
            save_email: request.save_email,
        },
        &origin,
    )
    .await?;
    match outcome {
        InviteOutcome::Sent {
            invitation,
            channel,
            expires_at,
            code,
        } => Ok(reply(
            StatusCode::CREATED,
            InvitationSent {
                id: invitation,
                channel: channel.as_str(),
                expires_at,
                email: (channel == Channel::Email).then_some(email),
                code_spelled: code.as_ref().map(spelled),
                activate_url: code
                    .as_ref()
                    .map(|_| format!("{}/activate", state.settings.base_url)),
                code: code.map(|code| code.display()),
            },
        )),
        InviteOutcome::NotInvitable(reason) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_invitable",
            reason.to_string(),
        )),
        InviteOutcome::NoChannel => Err(ApiError::field("channel", CHOOSE_CHANNEL)),
        InviteOutcome::BadEmail(message) => Err(ApiError::field("email", message)),
        InviteOutcome::AlreadyInvited => Err(ApiError::conflict(
            "conflict",
            "This patient has an invitation in progress. Send it again (resend), or cancel it first.",
        )),
        InviteOutcome::HasAccount => Err(ApiError::conflict(
            "conflict",
            "This patient already has a portal account.",
        )),
        InviteOutcome::NoSuchPatient => Err(ApiError::not_found(NO_SUCH_PATIENT)),
    }
}

/// Cancels the patient's invitation in progress: its link or code stops working.
#[utoipa::path(
    delete,
    path = "/api/v1/patients/{patient}/invitations/current",
    operation_id = "revoke_invitation",
    tag = "front desk",
    params(("patient" = Uuid, Path, description = "The patient's id")),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Only the front desk and administrators cancel invitations", body = ErrorBody),
        (status = 404, description = "No invitation in progress for a patient of this practice", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn revoke(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiPath(patient): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if !may_invite(&user) {
        return Err(ApiError::forbidden(MAY_NOT_INVITE));
    }
    let origin = request_origin(client, &headers);
    if state
        .db
        .revoke_invitation(&user.scope, PatientId::from_uuid(patient), &origin)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "This patient of the practice has no invitation in progress.",
        ))
    }
}
