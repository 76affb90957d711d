//! The administrator's part of the API: the practice's enrollment policy, and the versions of
//! the terms of use and the privacy policy. The same rules as the console's pages.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::{
    PracticeTimeZone, Role,
    policy::{EnrollmentPolicy, PolicyInput},
};
use serde::{Deserialize, Serialize};
use storage::{TermsText, TermsVersion};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ErrorBody, auth::Staff, reply};
use crate::{
    AppState,
    common::session::StaffUser,
    enrollment::terms_step::DEFAULT_TERMS,
    staff::{
        console::request_origin,
        policy::{change_policy, read_policy},
        terms_admin::{Draft, check_draft, spanish_given},
    },
};

fn administrator(user: StaffUser, refusal: &str) -> Result<StaffUser, ApiError> {
    if user.account.role == Role::Administrator {
        Ok(user)
    } else {
        Err(ApiError::forbidden(refusal))
    }
}

/// A practice's enrollment policy.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The youngest age that may have an account (12 to 21).
    #[schema(example = 18, minimum = 12, maximum = 21)]
    #[serde(deserialize_with = "super::integers::whole")]
    pub minimum_age: i64,
    /// Invitations by email are offered.
    pub email_invitations: bool,
    /// Invitations with a printed activation code are offered.
    pub printed_codes: bool,
    /// The identity step asks for the medical record number.
    pub mrn_required: bool,
    #[schema(schema_with = super::schemas::access_code_kind)]
    pub access_code: String,
    /// How long an invitation works, in days (1 to 90).
    #[schema(example = 14, minimum = 1, maximum = 90)]
    #[serde(deserialize_with = "super::integers::whole")]
    pub invitation_days: i64,
    /// Identity and access-code attempts before an invitation locks (3 to 10).
    #[schema(example = 5, minimum = 3, maximum = 10)]
    #[serde(deserialize_with = "super::integers::whole")]
    pub attempts_allowed: i64,
    /// Patients may sign up without an invitation (needs the MRN or SSN digits).
    pub self_enrollment: bool,
    /// Without an invitation, a date of birth with day and month swapped still finds the
    /// chart when the MRN or SSN digits match it. Left out: unchanged.
    #[serde(default)]
    pub self_enrollment_day_month_swap: Option<bool>,
    /// Emailed links open without the bot check.
    pub email_link_skips_bot_check: bool,
    /// The shortest password allowed (8 to 64).
    #[schema(example = 12, minimum = 8, maximum = 64)]
    #[serde(deserialize_with = "super::integers::whole")]
    pub password_min_chars: i64,
    /// Staff must use an authenticator app after their password. Left out: unchanged (as
    /// are the session limits below), so that a client written before these settings existed
    /// cannot weaken them by saving.
    #[serde(default)]
    pub staff_two_step_required: Option<bool>,
    /// A patient's session ends after this many minutes without a request (5 to 120).
    #[serde(default, deserialize_with = "super::integers::optional_whole")]
    #[schema(example = 20, minimum = 5, maximum = 120)]
    pub patient_idle_minutes: Option<i64>,
    /// ...and this many hours after sign-in (1 to 24).
    #[serde(default, deserialize_with = "super::integers::optional_whole")]
    #[schema(example = 12, minimum = 1, maximum = 24)]
    pub patient_session_hours: Option<i64>,
    /// A staff session ends after this many minutes without a request (5 to 120).
    #[serde(default, deserialize_with = "super::integers::optional_whole")]
    #[schema(example = 30, minimum = 5, maximum = 120)]
    pub staff_idle_minutes: Option<i64>,
    /// ...and this many hours after sign-in (1 to 24).
    #[serde(default, deserialize_with = "super::integers::optional_whole")]
    #[schema(example = 12, minimum = 1, maximum = 24)]
    pub staff_session_hours: Option<i64>,
    /// The practice's time zone, an IANA name: patients see every date and time in it.
    /// Left out: unchanged.
    #[serde(default)]
    #[schema(example = "America/New_York")]
    pub time_zone: Option<String>,
}

impl Policy {
    fn new(policy: EnrollmentPolicy, zone: &PracticeTimeZone) -> Self {
        Self {
            minimum_age: policy.minimum_age.into(),
            email_invitations: policy.email_invitations,
            printed_codes: policy.printed_codes,
            mrn_required: policy.mrn_required,
            access_code: policy.access_code.as_str().to_owned(),
            invitation_days: policy.invitation_days.into(),
            attempts_allowed: policy.attempts_allowed.into(),
            self_enrollment: policy.self_enrollment,
            self_enrollment_day_month_swap: Some(policy.self_enrollment_day_month_swap),
            email_link_skips_bot_check: policy.email_link_skips_bot_check,
            password_min_chars: policy.password_min_chars.into(),
            staff_two_step_required: Some(policy.staff_two_step_required),
            patient_idle_minutes: Some(policy.patient_idle_minutes.into()),
            patient_session_hours: Some(policy.patient_session_hours.into()),
            staff_idle_minutes: Some(policy.staff_idle_minutes.into()),
            staff_session_hours: Some(policy.staff_session_hours.into()),
            time_zone: Some(zone.name().to_owned()),
        }
    }

    /// As the page's form would send it: the domain's parser checks both alike (numbers out
    /// of range are its errors, named by field, not the JSON reader's).
    fn to_input(&self, stored: &EnrollmentPolicy) -> PolicyInput {
        let flag = |on: bool| on.then(|| "on".to_owned());
        PolicyInput {
            minimum_age: self.minimum_age.to_string(),
            email_invitations: flag(self.email_invitations),
            printed_codes: flag(self.printed_codes),
            mrn_required: flag(self.mrn_required),
            access_code: self.access_code.clone(),
            invitation_days: self.invitation_days.to_string(),
            attempts_allowed: self.attempts_allowed.to_string(),
            self_enrollment: flag(self.self_enrollment),
            self_enrollment_day_month_swap: flag(
                self.self_enrollment_day_month_swap
                    .unwrap_or(stored.self_enrollment_day_month_swap),
            ),
            email_link_skips_bot_check: flag(self.email_link_skips_bot_check),
            password_min_chars: self.password_min_chars.to_string(),
            staff_two_step_required: flag(
                self.staff_two_step_required
                    .unwrap_or(stored.staff_two_step_required),
            ),
            patient_idle_minutes: self
                .patient_idle_minutes
                .unwrap_or(stored.patient_idle_minutes.into())
                .to_string(),
            patient_session_hours: self
                .patient_session_hours
                .unwrap_or(stored.patient_session_hours.into())
                .to_string(),
            staff_idle_minutes: self
                .staff_idle_minutes
                .unwrap_or(stored.staff_idle_minutes.into())
                .to_string(),
            staff_session_hours: self
                .staff_session_hours
                .unwrap_or(stored.staff_session_hours.into())
                .to_string(),
            time_zone: self.time_zone.clone(),
        }
    }
}

/// The practice's enrollment policy.
#[utoipa::path(
    get,
    path = "/api/v1/enrollment-policy",
    operation_id = "enrollment_policy",
    tag = "administration",
    responses(
        (status = 200, description = "The policy in force", body = Policy),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
pub async fn policy(
    State(state): State<AppState>,
    Staff(user): Staff,
) -> Result<Response, ApiError> {
    let user = administrator(user, crate::staff::policy::ADMINISTRATORS_ONLY)?;
    let (policy, zone) = read_policy(&state, user.scope.organization()).await?;
    Ok(reply(StatusCode::OK, Policy::new(policy, &zone)))
}

/// Replaces the practice's enrollment policy; every field is checked, and nothing is saved
/// unless all are valid. Audited.
#[utoipa::path(
    put,
    path = "/api/v1/enrollment-policy",
    operation_id = "save_enrollment_policy",
    tag = "administration",
    request_body = Policy,
    responses(
        (status = 200, description = "Saved", body = Policy),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
        (status = 422, description = "Each field's problem (`fields`; `channels` when neither invitation channel is on)", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn save_policy(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<Policy>,
) -> Result<Response, ApiError> {
    let user = administrator(user, crate::staff::policy::ADMINISTRATORS_ONLY)?;
    let origin = request_origin(client, &headers);
    let stored = state
        .db
        .enrollment_policy(user.account.organization)
        .await?;
    match change_policy(&state, &user, &request.to_input(&stored), &origin).await? {
        Ok((policy, zone)) => Ok(reply(StatusCode::OK, Policy::new(policy, &zone))),
        Err(errors) => Err(ApiError::invalid(
            errors.into_iter().map(|e| (e.field, e.message)),
        )),
    }
}

/// The terms of use and the privacy policy in force, for the administrator.
#[utoipa::path(
    get,
    path = "/api/v1/terms",
    operation_id = "terms_in_force",
    tag = "administration",
    responses(
        (status = 200, description = "The versions in force, in every language published", body = PublishedDocuments),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
pub async fn terms(
    State(state): State<AppState>,
    Staff(user): Staff,
) -> Result<Response, ApiError> {
    let user = administrator(user, crate::staff::terms_admin::ADMINISTRATORS_ONLY)?;
    let (terms, privacy) = state
        .db
        .current_terms(user.scope.organization(), &DEFAULT_TERMS)
        .await?;
    Ok(reply(
        StatusCode::OK,
        PublishedDocuments {
            terms: PublishedDocument::from(terms),
            privacy: PublishedDocument::from(privacy),
        },
    ))
}

/// A version in force as administrators read it: the English text, and the Spanish text
/// where the version was published in Spanish.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedDocument {
    pub version: i64,
    /// The plain-language summary, in English.
    pub summary: String,
    pub body: String,
    /// What changed since the previous version, when there is one.
    pub changes: Option<String>,
    /// The same version in Spanish; `null` when it exists only in English.
    pub spanish: Option<DocumentText>,
}

/// A version's text in one language.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentText {
    pub summary: String,
    pub body: String,
    pub changes: Option<String>,
}

impl From<TermsVersion> for PublishedDocument {
    fn from(version: TermsVersion) -> Self {
        Self {
            version: version.version,
            summary: version.summary,
            body: version.body,
            changes: version.changes,
            spanish: version.spanish.map(
                |TermsText {
                     summary,
                     body,
                     changes,
                 }| DocumentText {
                    summary,
                    body,
                    changes,
                },
            ),
        }
    }
}

/// Both documents in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedDocuments {
    pub terms: PublishedDocument,
    pub privacy: PublishedDocument,
}

/// A new version of a document.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    #[schema(schema_with = super::schemas::document_kind)]
    pub kind: String,
    /// The plain-language summary patients read first (10 to 600 characters).
    #[schema(min_length = 10, max_length = 600)]
    pub summary: String,
    /// The full text (20 to 20,000 characters).
    #[schema(min_length = 20, max_length = 20000)]
    pub body: String,
    /// What changed, for patients who accepted the last version (10 to 2,000 characters).
    #[schema(min_length = 10, max_length = 2000)]
    pub changes: String,
    /// The summary in Spanish. Send the three Spanish texts together, under the same rules,
    /// to publish the version in Spanish too; leave them out to publish it in English only.
    /// A changed English summary or body needs a changed Spanish text too.
    #[serde(default)]
    #[schema(max_length = 600)]
    pub summary_es: String,
    /// The full text in Spanish.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub body_es: String,
    /// What changed, in Spanish.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub changes_es: String,
}

/// A version published.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// `terms` or `privacy`.
    pub kind: String,
    pub version: i64,
}

/// Publishes a new version of the terms of use or the privacy policy: patients accept it at
/// their next sign-in, shown what changed. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/terms",
    operation_id = "publish_terms",
    tag = "administration",
    request_body = PublishRequest,
    responses(
        (status = 201, description = "Published", body = Published),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Administrators only", body = ErrorBody),
        (status = 422, description = "`fields.kind`, `fields.summary`, `fields.body`, `fields.changes`, and for a Spanish text begun `fields.summary_es`, `fields.body_es`, `fields.changes_es` (`fields.summary_es` also when the English text changed but the Spanish text is the one in force)", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn publish_terms(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PublishRequest>,
) -> Result<Response, ApiError> {
    let user = administrator(user, crate::staff::terms_admin::ADMINISTRATORS_ONLY)?;
    let draft = Draft::new(
        &request.kind,
        [&request.summary, &request.body, &request.changes],
        [&request.summary_es, &request.body_es, &request.changes_es],
    );
    let errors = check_draft(&state, &user, &draft).await?;
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let Draft {
        english, spanish, ..
    } = draft;
    let origin = request_origin(client, &headers);
    let version = state
        .db
        .publish_terms(
            &user.scope,
            &request.kind,
            english,
            spanish_given(&spanish).then_some(spanish),
            &origin,
        )
        .await?;
    Ok(reply(
        StatusCode::CREATED,
        Published {
            kind: request.kind,
            version,
        },
    ))
}
