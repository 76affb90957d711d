//! Who is calling: a staff member (the console's session cookie) or a patient enrolling (the
//! enrollment session, as a cookie or a bearer token). Without one, 401 in the API's shape.

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::request::Parts,
};
use domain::policy::EnrollmentPolicy;
use storage::OpenInvitation;

use super::ApiError;
use crate::{
    AppState,
    common::session::{self, PatientUser, StaffUser},
    enrollment::enroll::{ENROLLMENT_COOKIE, Step},
};

/// A signed-in staff member.
pub struct Staff(pub StaffUser);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match <StaffUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
        {
            Ok(Some(user)) => Ok(Self(user)),
            Ok(None) => Err(ApiError::unauthorized(
                "Sign in first: this call needs a staff session.",
            )),
            // The session could not be read: trouble on our side, not "signed out".
            Err(session::SessionUnreadable) => Err(ApiError::unavailable()),
        }
    }
}

/// A signed-in patient: the patient session, as the `porchlight_session` cookie or the same
/// token sent as `Authorization: Bearer`.
pub struct Patient(pub PatientUser);

impl FromRequestParts<AppState> for Patient {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match <PatientUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
        {
            Ok(Some(user)) => Ok(Self(user)),
            Ok(None) => Err(ApiError::unauthorized(
                "Sign in first: this call needs a patient session (POST /api/v1/session).",
            )),
            Err(session::SessionUnreadable) => Err(ApiError::unavailable()),
        }
    }
}

/// An enrollment in progress: the invitation the session leads to, with its practice's
/// policy. The session is the `porchlight_enrollment` cookie, or the same token sent as
/// `Authorization: Bearer` by an app.
pub struct Enrollment {
    pub invitation: OpenInvitation,
    pub policy: EnrollmentPolicy,
    token_hash: String,
}

impl Enrollment {
    pub fn step(&self) -> Step {
        Step::of(&self.invitation, &self.policy)
    }

    /// Passes when the enrollment is at `expected` (compared by kind); otherwise 410 for an
    /// invitation that ended (in the words of the pages), 409 for another step.
    pub fn expect(&self, expected: &str) -> Result<Step, ApiError> {
        match self.step() {
            Step::Ended(reason) => Err(ApiError::ended(reason)),
            step if step.name() == expected => Ok(step),
            step => Err(ApiError::conflict(
                "wrong_step",
                format!(
                    "This step is not the one to do now: the next step is {}.",
                    step.name()
                ),
            )),
        }
    }

    /// The enrollment as it stands after a step.
    pub async fn reload(&self, state: &AppState) -> Result<Step, ApiError> {
        let invitation = state
            .db
            .enrollment_session(&self.token_hash)
            .await?
            .ok_or_else(no_enrollment)?;
        Ok(Step::of(&invitation, &self.policy))
    }
}

fn no_enrollment() -> ApiError {
    ApiError::unauthorized(
        "No enrollment in progress: open your invitation first (POST /api/v1/enrollment/activate \
         with the printed code, or /api/v1/enrollment/link with the emailed link's token).",
    )
}

impl FromRequestParts<AppState> for Enrollment {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session::cookie_value(&parts.headers, ENROLLMENT_COOKIE)
            .or_else(|| session::bearer_token(&parts.headers))
            .ok_or_else(no_enrollment)?;
        let token_hash = session::token_hash(&token);
        let invitation = state
            .db
            .enrollment_session(&token_hash)
            .await?
            .ok_or_else(no_enrollment)?;
        let policy = state.db.enrollment_policy(invitation.organization).await?;
        Ok(Self {
            invitation,
            policy,
            token_hash,
        })
    }
}
