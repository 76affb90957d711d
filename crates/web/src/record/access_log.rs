//! "Who viewed my record": the patient sees each time staff read or changed their record,
//! with the staff member's name and role, what they did, and when.

use askama::Template;
use axum::{extract::State, response::Response};
use storage::RecordAccess;

use super::{Reader, private_page};
use crate::{
    AppState,
    common::i18n::t,
    error::{OrTrouble, PageError},
};

/// One row as the patient reads it.
struct Row {
    when: String,
    who: String,
    role: String,
    what: String,
}

/// What an audited staff action means, in the patient's words.
fn what(action: &str) -> String {
    let key = match action {
        "patient.view" => "access-viewed",
        "invitation.create" | "invitation.replace" => "access-invited",
        "invitation.revoke" => "access-invitation-cancelled",
        "invitation.unlock" => "access-invitation-unlocked",
        "patient.contact-update" => "access-contact-updated",
        "review.view" | "review.close" => "access-sign-up-reviewed",
        "account.reset-code-issued" => "access-reset-code",
        "security.locked-accounts" => "access-locked-list",
        "contact-change.list" => "access-contact-change-seen",
        "contact-change.done" => "access-contact-change-done",
        "contact-change.declined" => "access-contact-change-declined",
        _ => "access-other",
    };
    t(key)
}

fn row(access: RecordAccess, zone: &jiff::tz::TimeZone) -> Row {
    Row {
        when: crate::common::i18n::moment(access.at, zone),
        who: access
            .staff_name
            .unwrap_or_else(|| t("access-former-staff")),
        role: access.role.map_or_else(String::new, |role| {
            t(match role {
                domain::Role::FrontDesk => "role-front-desk",
                domain::Role::Clinician => "role-clinician",
                domain::Role::Administrator => "role-administrator",
                domain::Role::SecurityOfficer => "role-security-officer",
            })
        }),
        what: what(&access.action),
    }
}

#[derive(Template)]
#[template(path = "patient/record_access.html")]
struct AccessPage {
    practice_name: String,
    practice_phone: Option<String>,
    rows: Vec<Row>,
}

/// `GET /record-access`.
pub async fn page(State(state): State<AppState>, reader: Reader) -> Result<Response, PageError> {
    let accesses = state
        .db
        .record_accesses(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read who viewed a record")?;
    let (practice, zone) = reader.practice(&state).await;
    Ok(private_page(AccessPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        rows: accesses.into_iter().map(|a| row(a, &zone)).collect(),
    }))
}
