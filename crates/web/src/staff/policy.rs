//! The administrator's enrollment-policy page.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    PracticeTimeZone, Role,
    policy::{AccessCodeKind, EnrollmentPolicy, FieldError, PolicyInput},
};
use serde::Deserialize;

use crate::{
    AppState,
    common::{
        pages::{Practice, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

#[derive(Template)]
#[template(path = "staff/policy.html")]
struct PolicyPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    input: PolicyInput,
    errors: Vec<FieldError>,
    saved: bool,
    access_codes: [AccessCodeKind; 3],
    /// Zones offered as suggestions in the time zone field (any IANA name is accepted).
    suggested_zones: &'static [&'static str],
}

/// The United States' zones, for the time zone field's suggestions.
const SUGGESTED_ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
];

impl PolicyPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Deserialize)]
pub struct Saved {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<Saved>,
) -> Result<Response, PageError> {
    if user.account.role != Role::Administrator {
        return Ok(forbidden());
    }
    let organization = user.scope.organization();
    let (policy, zone) = read_policy(&state, organization)
        .await
        .or_trouble("could not read the enrollment policy")?;
    let mut input = policy.to_input();
    input.time_zone = Some(zone.name().to_owned());
    Ok(page(&state, &user, input, Vec::new(), query.saved.is_some()).await)
}

pub async fn save(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(input): Form<PolicyInput>,
) -> Result<Response, PageError> {
    if user.account.role != Role::Administrator {
        return Ok(forbidden());
    }
    let origin = request_origin(client, &headers);
    let changed = change_policy(&state, &user, &input, &origin)
        .await
        .or_trouble("could not save the enrollment policy")?;
    Ok(match changed {
        Ok(_) => Redirect::to("/staff/policy?saved=1").into_response(),
        Err(errors) => {
            let mut response = page(&state, &user, input, errors, false).await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
    })
}

/// The policy in force and the practice's time zone (the server's until one is chosen).
pub(crate) async fn read_policy(
    state: &AppState,
    organization: domain::OrganizationId,
) -> anyhow::Result<(EnrollmentPolicy, PracticeTimeZone)> {
    let policy = state.db.enrollment_policy(organization).await?;
    let zone = state
        .db
        .practice_time_zone(organization)
        .await?
        .unwrap_or_else(PracticeTimeZone::server_default);
    Ok((policy, zone))
}

/// Saves the policy and the time zone as typed, for the page and the API alike: every field
/// checked by the domain's rules, saved (and audited) only when all are valid. The caller has
/// checked that the user is an administrator.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id), err)]
pub(crate) async fn change_policy(
    state: &AppState,
    user: &StaffUser,
    input: &PolicyInput,
    origin: &storage::RequestOrigin,
) -> anyhow::Result<Result<(EnrollmentPolicy, PracticeTimeZone), Vec<FieldError>>> {
    // Not sent (a form or client that does not know the setting): left as it is.
    let zone = input.time_zone.as_deref().map(|name| {
        PracticeTimeZone::parse(name).map_err(|error| FieldError {
            field: "time_zone",
            message: error.to_string(),
        })
    });
    let (policy, zone) = match (EnrollmentPolicy::parse(input), zone) {
        (Ok(policy), None) => (policy, None),
        (Ok(policy), Some(Ok(zone))) => (policy, Some(zone)),
        (policy, zone) => {
            let mut errors = policy.err().unwrap_or_default();
            errors.extend(zone.and_then(Result::err));
            return Ok(Err(errors));
        }
    };
    let zone = match zone {
        Some(zone) => {
            state
                .db
                .save_policy_and_time_zone(&user.scope, &policy, &zone, origin)
                .await?;
            zone
        }
        None => {
            state
                .db
                .save_enrollment_policy(&user.scope, &policy, origin)
                .await?;
            read_policy(state, user.scope.organization()).await?.1
        }
    };
    Ok(Ok((policy, zone)))
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    input: PolicyInput,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let practice = Practice::of(state).await;
    render(PolicyPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: true,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        input,
        errors,
        saved,
        access_codes: AccessCodeKind::ALL,
        suggested_zones: SUGGESTED_ZONES,
    })
}

pub(crate) const ADMINISTRATORS_ONLY: &str =
    "Only an administrator can change the enrollment policy.";

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, ADMINISTRATORS_ONLY).into_response()
}
