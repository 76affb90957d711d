//! Front desk: a patient's page, inviting them to the portal, the printed activation letter,
//! and revoking an invitation.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    Email, PatientId, Role,
    invitation::{ActivationCode, Channel, NotInvitable, check_invitable},
    policy::EnrollmentPolicy,
};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use storage::{CreateInvitationError, InvitationSummary, NewInvitation, PatientSummary};
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, render},
        session::{self, StaffUser},
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

#[derive(Template)]
#[template(path = "staff/patient.html")]
struct PatientPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    patient: PatientSummary,
    invitation: Option<InvitationSummary>,
    account: Option<(String, String)>,
    not_invitable: Option<String>,
    email_allowed: bool,
    code_allowed: bool,
    channel: String,
    email: String,
    email_error: Option<String>,
    error: Option<&'static str>,
    /// After an email invitation: where it went, when, and until when it works.
    sent: Option<String>,
    /// The invitation's email could not be delivered: where, when and why, and what to do.
    delivery_failed: Option<String>,
    /// No mail server is set: emails wait in the staff mailbox.
    mailbox: bool,
    /// The practice's clock.
    zone: jiff::tz::TimeZone,
    /// The patient asked for a new phone number or address, and nobody has acted on it yet.
    open_contact_change: bool,
    /// This staff member works the contact change requests (the link to the queue).
    may_work_contact_changes: bool,
}

#[derive(Template)]
#[template(path = "staff/letter.html")]
struct LetterPage {
    practice_name: String,
    practice_phone: Option<String>,
    patient_id: PatientId,
    given_names: String,
    family_name: String,
    code: String,
    code_spelled: String,
    expires: String,
    activate_url: String,
    /// A QR code of `activate_url` alone: the code itself is typed from the paper, so a
    /// photo of the QR code never opens the invitation.
    qr: String,
    /// What the patient will be asked besides the name, the birth date and the code.
    asked_too: Vec<&'static str>,
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    email: String,
    /// Present when staff correct the chart's email address with the one typed here.
    #[serde(default)]
    save_email: Option<String>,
    /// Present when this invitation replaces the one in progress (a resend).
    #[serde(default)]
    resend: Option<String>,
}

/// A patient as the front desk sees them: the chart's summary (an audited read), the policy
/// and the invitation in progress.
pub(crate) struct Context {
    pub(crate) patient: PatientSummary,
    pub(crate) policy: EnrollmentPolicy,
    pub(crate) invitation: Option<InvitationSummary>,
    /// The portal account's username and status, once there is one.
    pub(crate) account: Option<(String, String)>,
    /// The practice's clock, for the dates staff and the patient's letter show.
    pub(crate) zone: jiff::tz::TimeZone,
    /// The patient's contact change request waiting for staff.
    pub(crate) open_contact_change: bool,
}

/// Loads the patient `patient` of the staff member's practice; `None` for another
/// practice's patient or none at all.
pub(crate) async fn load(
    state: &AppState,
    user: &StaffUser,
    patient: Uuid,
    origin: &storage::RequestOrigin,
) -> Result<Option<Context>, anyhow::Error> {
    let id = PatientId::from_uuid(patient);
    let Some(patient) = state.db.patient_summary(&user.scope, id, origin).await? else {
        return Ok(None);
    };
    let policy = state
        .db
        .enrollment_policy(user.scope.organization())
        .await?;
    let invitation = state.db.live_invitation(&user.scope, id).await?;
    let account = state.db.patient_account(&user.scope, id).await?;
    let zone = crate::common::pages::practice_zone(state, user.scope.organization()).await;
    let open_contact_change = state.db.count_open_contact_changes(&user.scope, id).await? > 0;
    Ok(Some(Context {
        patient,
        policy,
        invitation,
        account,
        zone,
        open_contact_change,
    }))
}

#[derive(Deserialize)]
pub struct ShowQuery {
    /// Set by the redirect after an email invitation went out.
    #[serde(default)]
    sent: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(patient): Path<Uuid>,
    axum::extract::Query(query): axum::extract::Query<ShowQuery>,
) -> Result<Response, PageError> {
    let origin = request_origin(client, &headers);
    let context = load(&state, &user, patient, &origin)
        .await
        .or_trouble("could not load a patient")?;
    Ok(match context {
        Some(context) => {
            let email = context.patient.email.clone().unwrap_or_default();
            let channel = if context.policy.email_invitations && !email.is_empty() {
                "email"
            } else {
                "printed-code"
            };
            let sent = query
                .sent
                .and(context.invitation.as_ref())
                .and_then(|invitation| email_confirmation(invitation, &context.zone));
            let form = Shown {
                channel: channel.to_owned(),
                email,
                email_error: None,
                error: None,
                sent,
            };
            page(&state, &user, context, form).await
        }
        None => not_found(),
    })
}

/// Who may invite patients, and cancel their invitations.
pub(crate) fn may_invite(user: &StaffUser) -> bool {
    matches!(user.account.role, Role::FrontDesk | Role::Administrator)
}

pub(crate) const MAY_NOT_INVITE: &str = "Only front-desk staff and administrators invite patients.";
pub(crate) const CHOOSE_CHANNEL: &str = "Choose how the invitation should reach the patient.";

/// What the front desk asked for.
pub(crate) struct InviteRequest<'a> {
    /// `email` or `printed-code`.
    pub(crate) channel: &'a str,
    pub(crate) email: &'a str,
    /// This invitation replaces the one in progress.
    pub(crate) resend: bool,
    /// Correct the chart's email address with `email`.
    pub(crate) save_email: bool,
}

/// What inviting a patient led to.
pub(crate) enum InviteOutcome {
    /// The policy keeps this patient out (deceased, too young), with the reason.
    NotInvitable(NotInvitable),
    /// The channel is unknown or the policy does not offer it.
    NoChannel,
    BadEmail(String),
    AlreadyInvited,
    HasAccount,
    NoSuchPatient,
    Sent {
        invitation: Uuid,
        channel: Channel,
        expires_at: Timestamp,
        /// The printed code: it exists only here, shown once.
        code: Option<ActivationCode>,
    },
}

/// Invites a patient, for the page and the API alike: the policy's rules about the person
/// and the channel, then the invitation, its audit row and (for email) the outbox row in one
/// transaction. The caller has checked [`may_invite`].
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id, patient = %context.patient.id), err)]
pub(crate) async fn send_invitation(
    state: &AppState,
    user: &StaffUser,
    context: &Context,
    request: InviteRequest<'_>,
    origin: &storage::RequestOrigin,
) -> anyhow::Result<InviteOutcome> {
    let today = jiff::Zoned::now().date();
    if let Err(reason) = check_invitable(
        context.patient.birth_date,
        context.patient.deceased,
        today,
        &context.policy,
    ) {
        // The kind only: the age itself is PHI.
        let refusal = match reason {
            NotInvitable::Deceased => "deceased",
            NotInvitable::TooYoung { .. } => "below the minimum age",
        };
        tracing::info!(refusal, "invitation refused by policy");
        return Ok(InviteOutcome::NotInvitable(reason));
    }
    let channel = Channel::parse(request.channel).filter(|channel| match channel {
        Channel::Email => context.policy.email_invitations,
        Channel::PrintedCode => context.policy.printed_codes,
    });
    let Some(channel) = channel else {
        return Ok(InviteOutcome::NoChannel);
    };
    let expires_at = Timestamp::now()
        + SignedDuration::from_hours(24 * i64::from(context.policy.invitation_days));
    let (email, token_hash, code, email_link) = match channel {
        Channel::Email => {
            let email = match Email::parse(request.email) {
                Ok(email) => email,
                Err(error) => return Ok(InviteOutcome::BadEmail(error.to_string())),
            };
            let (token, hash) = session::new_token();
            let link = format!("{}/enroll/{token}", state.settings.base_url);
            (Some(email), Some(hash), None, Some(link))
        }
        Channel::PrintedCode => (None, None, Some(ActivationCode::generate()), None),
    };
    let code_hash = code
        .as_ref()
        .map(|code| state.key.keyed_hash("activation-code", code.canonical()));
    let created = state
        .db
        .create_invitation(
            &user.scope,
            NewInvitation {
                patient: context.patient.id,
                channel,
                email: email.as_ref().map(Email::as_str),
                token_hash: token_hash.as_deref(),
                code_hash: code_hash.as_deref(),
                expires_at,
                replaces_live: request.resend,
                save_email_to_chart: request.save_email
                    && email.as_ref().map(Email::as_str) != context.patient.email.as_deref(),
                email_link,
            },
            origin,
        )
        .await;
    Ok(match created {
        Ok(invitation) => InviteOutcome::Sent {
            invitation,
            channel,
            expires_at,
            code,
        },
        Err(CreateInvitationError::AlreadyInvited) => InviteOutcome::AlreadyInvited,
        Err(CreateInvitationError::HasAccount) => InviteOutcome::HasAccount,
        Err(CreateInvitationError::NoSuchPatient) => InviteOutcome::NoSuchPatient,
        Err(CreateInvitationError::Unexpected(error)) => return Err(error),
    })
}

/// The code as it is read aloud: one character at a time.
pub(crate) fn spelled(code: &ActivationCode) -> String {
    code.display()
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}

#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn invite(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(patient): Path<Uuid>,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    if !may_invite(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT_INVITE).into_response());
    }
    let origin = request_origin(client, &headers);
    let Some(context) = load(&state, &user, patient, &origin)
        .await
        .or_trouble("could not load a patient")?
    else {
        return Ok(not_found());
    };
    let request = InviteRequest {
        channel: &form.channel,
        email: &form.email,
        resend: form.resend.is_some(),
        save_email: form.save_email.is_some(),
    };
    let outcome = send_invitation(&state, &user, &context, request, &origin)
        .await
        .or_trouble("could not create an invitation")?;
    let back = Redirect::to(&format!("/staff/patients/{}", context.patient.id)).into_response();
    let (email_error, error) = match outcome {
        InviteOutcome::Sent {
            code: Some(code),
            expires_at,
            ..
        } => return Ok(letter(&state, context, &code, expires_at).await),
        InviteOutcome::Sent { code: None, .. } => {
            return Ok(
                Redirect::to(&format!("/staff/patients/{}?sent=1", context.patient.id))
                    .into_response(),
            );
        }
        // The page states the policy's reason.
        InviteOutcome::NotInvitable(_) => {
            return Ok(page(
                &state,
                &user,
                context,
                Shown::typed(form.channel, form.email),
            )
            .await);
        }
        InviteOutcome::NoChannel => (None, Some(CHOOSE_CHANNEL)),
        InviteOutcome::BadEmail(message) => (Some(message), None),
        InviteOutcome::AlreadyInvited | InviteOutcome::HasAccount => return Ok(back),
        InviteOutcome::NoSuchPatient => return Ok(not_found()),
    };
    let shown = Shown {
        email_error,
        error,
        ..Shown::typed(form.channel, form.email)
    };
    Ok(invalid(page(&state, &user, context, shown).await))
}

/// The printed letter: the code exists only in this response, printed now or never.
async fn letter(
    state: &AppState,
    context: Context,
    code: &ActivationCode,
    expires_at: Timestamp,
) -> Response {
    let practice = Practice::of(state).await;
    let activate_url = format!("{}/activate", state.settings.base_url);
    let qr = match crate::common::pages::qr_data_url(&activate_url) {
        Ok(qr) => qr,
        Err(error) => {
            // The code exists only in this response: the letter must not fail over its picture.
            tracing::error!(error = %error, "could not draw the letter's QR code");
            String::new()
        }
    };
    let mut asked_too = Vec::new();
    if context.policy.mrn_required {
        asked_too.push("Your medical record number (it is on your visit summary)");
    }
    if context.policy.access_code == domain::policy::AccessCodeKind::SsnLast4 {
        asked_too.push("The last 4 digits of your Social Security number");
    }
    let mut response = render(LetterPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        patient_id: context.patient.id,
        given_names: context.patient.given_names,
        family_name: context.patient.family_name,
        code_spelled: spelled(code),
        code: code.display(),
        expires: expires_at
            .to_zoned(context.zone.clone())
            .strftime("%B %-d, %Y")
            .to_string(),
        activate_url,
        qr,
        asked_too,
    });
    no_store(&mut response);
    response
}

/// `POST /staff/patients/{patient}/revoke`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn revoke(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(patient): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_invite(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT_INVITE).into_response());
    }
    let origin = request_origin(client, &headers);
    state
        .db
        .revoke_invitation(&user.scope, PatientId::from_uuid(patient), &origin)
        .await
        .or_trouble("could not revoke an invitation")?;
    Ok(Redirect::to(&format!("/staff/patients/{patient}")).into_response())
}

/// What the invitation form shows besides the patient: the choice made, errors, and the
/// confirmation of an email just sent.
struct Shown {
    channel: String,
    email: String,
    email_error: Option<String>,
    error: Option<&'static str>,
    sent: Option<String>,
}

impl Shown {
    /// The form as it was sent.
    fn typed(channel: String, email: String) -> Self {
        Self {
            channel,
            email,
            email_error: None,
            error: None,
            sent: None,
        }
    }
}

/// "Invitation email could not be delivered …", when the mail server refused it or every try
/// failed.
fn delivery_failure(invitation: &InvitationSummary, zone: &jiff::tz::TimeZone) -> Option<String> {
    let (at, reason) = invitation.delivery_failure.as_ref()?;
    let to = invitation
        .email
        .as_deref()
        .unwrap_or("the address on the invitation");
    Some(format!(
        "Invitation email could not be delivered to {to} ({}): {reason}. Correct the address and send again.",
        at.to_zoned(zone.clone())
            .strftime("%-I:%M %p on %B %-d, %Y"),
    ))
}

/// "Invitation sent to …", from the invitation in progress, when it went by email (and was
/// not refused since).
fn email_confirmation(invitation: &InvitationSummary, zone: &jiff::tz::TimeZone) -> Option<String> {
    let to = invitation
        .email
        .as_deref()
        .filter(|_| invitation.channel == "email" && invitation.delivery_failure.is_none())?;
    let local = |at: Timestamp| at.to_zoned(zone.clone());
    Some(format!(
        "Invitation sent to {to} at {}. The link works until {}.",
        local(invitation.created_at).strftime("%-I:%M %p on %B %-d, %Y"),
        local(invitation.expires_at).strftime("%B %-d, %Y"),
    ))
}

async fn page(state: &AppState, user: &StaffUser, context: Context, shown: Shown) -> Response {
    let practice = Practice::of(state).await;
    let today = jiff::Zoned::now().date();
    let not_invitable = check_invitable(
        context.patient.birth_date,
        context.patient.deceased,
        today,
        &context.policy,
    )
    .err()
    .map(|reason| reason.to_string());
    let delivery_failed = context
        .invitation
        .as_ref()
        .and_then(|invitation| delivery_failure(invitation, &context.zone));
    let mut response = render(PatientPage {
        delivery_failed,
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        email_allowed: context.policy.email_invitations,
        code_allowed: context.policy.printed_codes,
        patient: context.patient,
        invitation: context.invitation,
        account: context.account,
        not_invitable,
        channel: shown.channel,
        email: shown.email,
        email_error: shown.email_error,
        error: shown.error,
        sent: shown.sent,
        mailbox: state.settings.mailbox,
        zone: context.zone,
        open_contact_change: context.open_contact_change,
        may_work_contact_changes: crate::staff::contact_changes::may_work_contact_changes(user),
    });
    no_store(&mut response);
    response
}

fn invalid(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "No such patient in this practice.").into_response()
}
