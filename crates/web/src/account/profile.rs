//! "My contact details" (`/account/profile`, issue 14 point 7): the name, birth date, email,
//! phones and postal address as the practice has them, and a request to change the phone or
//! the address. The chart is the EHR's: staff make the change there (the staff queue at
//! `/staff/contact-changes`) and the next import brings it here. A patient has one open
//! request at most: a new one replaces it, so that a typo in a request is fixed by sending it
//! again rather than by a phone call, and staff only ever see what the patient wants now.
//!
//! Also the language kept on the account (`POST /account/language`).

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use domain::contact_change::{
    ContactChange, ContactChangeForm, ContactField, ContactProblem, CurrentContact, US_STATES,
};
use serde::Deserialize;
use storage::{ContactRequest, Profile};

use crate::{
    AppState,
    common::i18n::{Lang, day, t, t_args},
    error::{OrTrouble, PageError},
    record::{Reader, private_page},
};

/// A phone number on the chart, labelled in the patient's language.
struct PhoneRow {
    label: String,
    number: String,
}

/// The request the page shows: open, or what became of it.
struct RequestView {
    /// `open`, `done` or `declined`.
    status: String,
    /// The words that say where it stands.
    summary: String,
    phone: Option<String>,
    address: Option<String>,
    note: Option<String>,
}

/// What the patient typed, shown again with its problems.
#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address_line: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    postal_code: String,
}

#[derive(Template)]
#[template(path = "patient/profile.html")]
struct ProfilePage {
    practice_name: String,
    practice_phone: Option<String>,
    name: String,
    birth_date: String,
    email: Option<String>,
    phones: Vec<PhoneRow>,
    /// The address in lines, empty when the chart has none.
    address: Vec<String>,
    request: Option<RequestView>,
    form: RequestForm,
    /// (field id, message), in the form's order.
    errors: Vec<(&'static str, String)>,
    done: Option<&'static str>,
    states: &'static [(&'static str, &'static str)],
}

impl ProfilePage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(id, _)| *id == field)
            .map(|(_, message)| message.as_str())
    }
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The label of a chart's phone, from the EHR's use (`storage::ChartPhone::label`).
fn phone_label(label: &str) -> String {
    t(match label {
        "Mobile" => "profile-phone-mobile",
        "Home" => "profile-phone-home",
        "Work" => "profile-phone-work",
        "Temporary" => "profile-phone-temporary",
        _ => "profile-phone",
    })
}

/// The address as lines: the street, then "City, ST 12345", then the country when it is not
/// the US.
fn address_lines(
    line: Option<&str>,
    city: Option<&str>,
    state: Option<&str>,
    postal_code: Option<&str>,
    country: Option<&str>,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(line) = line {
        lines.push(line.to_owned());
    }
    let place = [city, state]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let place = [Some(place.as_str()).filter(|p| !p.is_empty()), postal_code]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !place.is_empty() {
        lines.push(place);
    }
    if let Some(country) = country.filter(|c| !matches!(c.trim(), "US" | "USA" | "United States")) {
        lines.push(country.to_owned());
    }
    lines
}

fn request_view(request: ContactRequest, zone: &jiff::tz::TimeZone) -> RequestView {
    let on = |at: jiff::Timestamp| day(at.to_zoned(zone.clone()).date());
    let summary = match request.status.as_str() {
        "done" => t_args(
            "profile-request-done",
            &[(
                "date",
                on(request.closed_at.unwrap_or(request.created_at)).into(),
            )],
        ),
        "declined" => t_args(
            "profile-request-declined",
            &[("date", on(request.created_at).into())],
        ),
        _ => t_args(
            "profile-request-open",
            &[("date", on(request.created_at).into())],
        ),
    };
    let address = request.address_line.as_deref().map(|_| {
        address_lines(
            request.address_line.as_deref(),
            request.city.as_deref(),
            request.state.as_deref(),
            request.postal_code.as_deref(),
            None,
        )
        .join(", ")
    });
    RequestView {
        status: request.status,
        summary,
        phone: request.phone,
        address,
        note: request.staff_note.filter(|n| !n.trim().is_empty()),
    }
}

fn problem_message(problem: ContactProblem) -> String {
    t(match problem {
        ContactProblem::PhoneNotTenDigits => "profile-error-phone",
        ContactProblem::LineMissing => "profile-error-line-missing",
        ContactProblem::LineTooLong => "profile-error-line-long",
        ContactProblem::CityMissing => "profile-error-city-missing",
        ContactProblem::CityTooLong => "profile-error-city-long",
        ContactProblem::StateMissing => "profile-error-state-missing",
        ContactProblem::StateUnknown => "profile-error-state-unknown",
        ContactProblem::PostalCodeMissing => "profile-error-zip-missing",
        ContactProblem::PostalCodeInvalid => "profile-error-zip",
        ContactProblem::NothingAsked => "profile-error-nothing",
        ContactProblem::NothingChanges => "profile-error-same",
    })
}

fn field_id(field: ContactField) -> &'static str {
    match field {
        ContactField::Phone => "phone",
        ContactField::Line => "address_line",
        ContactField::City => "city",
        ContactField::State => "state",
        ContactField::PostalCode => "postal_code",
        ContactField::Form => "request",
    }
}

async fn read_profile(state: &AppState, reader: &Reader) -> Result<Profile, PageError> {
    state
        .db
        .profile(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read the contact details")?
        .ok_or_else(|| {
            PageError::new(
                "could not read the contact details",
                anyhow::anyhow!("the session's chart was not found"),
            )
        })
}

async fn profile_page(
    state: &AppState,
    reader: &Reader,
    profile: Profile,
    form: RequestForm,
    errors: Vec<(&'static str, String)>,
    done: Option<&'static str>,
) -> Response {
    let (practice, zone) = reader.practice(state).await;
    let details = profile.details;
    let failed = !errors.is_empty();
    let page = ProfilePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        name: format!("{} {}", details.given_names, details.family_name),
        birth_date: day(details.birth_date),
        email: details.email,
        phones: details
            .phones
            .into_iter()
            .map(|p| PhoneRow {
                label: phone_label(&p.label),
                number: p.number,
            })
            .collect(),
        address: address_lines(
            details.address_line.as_deref(),
            details.city.as_deref(),
            details.state.as_deref(),
            details.postal_code.as_deref(),
            details.country.as_deref(),
        ),
        request: profile
            .latest_request
            .map(|request| request_view(request, &zone)),
        form,
        errors,
        done,
        states: &US_STATES,
    };
    let mut response = private_page(page);
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /account/profile`: the contact details as the practice has them (audited).
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn page(
    State(state): State<AppState>,
    reader: Reader,
    Query(query): Query<ProfileQuery>,
) -> Result<Response, PageError> {
    let profile = read_profile(&state, &reader).await?;
    let done = match query.done.as_deref() {
        Some("sent") => Some("profile-request-sent"),
        Some("replaced") => Some("profile-request-replaced"),
        _ => None,
    };
    Ok(profile_page(
        &state,
        &reader,
        profile,
        RequestForm::default(),
        Vec::new(),
        done,
    )
    .await)
}

/// `POST /account/profile`: a request to change the phone or the address, checked field by
/// field; stored for staff (replacing an open one) and audited, or the form again with what
/// to fix (nothing stored).
#[tracing::instrument(skip_all, fields(account = %reader.user.account.id))]
pub async fn request_change(
    State(state): State<AppState>,
    reader: Reader,
    Form(form): Form<RequestForm>,
) -> Result<Response, PageError> {
    let profile = read_profile(&state, &reader).await?;
    let details = &profile.details;
    let phones: Vec<String> = details.phones.iter().map(|p| p.number.clone()).collect();
    let current = CurrentContact {
        phones: &phones,
        line: details.address_line.as_deref(),
        city: details.city.as_deref(),
        state: details.state.as_deref(),
        postal_code: details.postal_code.as_deref(),
    };
    let typed = ContactChangeForm {
        phone: &form.phone,
        line: &form.address_line,
        city: &form.city,
        state: &form.state,
        postal_code: &form.postal_code,
    };
    let change = match ContactChange::parse(&typed, &current) {
        Ok(change) => change,
        Err(problems) => {
            let errors = problems
                .into_iter()
                .map(|problem| (field_id(problem.field()), problem_message(problem)))
                .collect();
            return Ok(profile_page(&state, &reader, profile, form, errors, None).await);
        }
    };
    let replaced = state
        .db
        .request_contact_change(&reader.user.scope, &change, &reader.origin)
        .await
        .or_trouble("could not store a contact change request")?;
    let done = if replaced { "replaced" } else { "sent" };
    Ok(Redirect::to(&format!("/account/profile?done={done}#request-heading")).into_response())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
}

/// `POST /account/language`: keeps the language on the account (audited) and in the
/// browser's cookie, so that the portal and the emails are in it; anything but `en` or `es`
/// changes nothing.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn choose_language(
    State(state): State<AppState>,
    user: crate::common::session::PatientUser,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Result<Response, PageError> {
    let Some(lang) = Lang::parse(&form.language) else {
        return Ok(Redirect::to("/account#language-heading").into_response());
    };
    let origin = crate::staff::console::request_origin(client, &headers);
    state
        .db
        .set_account_language(&user.scope, lang.tag(), &origin)
        .await
        .or_trouble("could not keep the language")?;
    let mut response = Redirect::to("/account?done=language#language-heading").into_response();
    crate::common::i18n::remember(&mut response, lang);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_reads_as_lines_and_a_us_country_is_left_out() {
        assert_eq!(
            address_lines(
                Some("12 Oak St"),
                Some("Boston"),
                Some("MA"),
                Some("02139"),
                Some("US")
            ),
            ["12 Oak St", "Boston, MA 02139"]
        );
        assert_eq!(
            address_lines(None, Some("Toronto"), None, None, Some("Canada")),
            ["Toronto", "Canada"]
        );
        assert!(address_lines(None, None, None, None, None).is_empty());
    }
}
