//! The staff console: sign-in, sign-out, and finding a patient.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use domain::Username;
use jiff::{Timestamp, civil::Date};
use serde::Deserialize;
use storage::{
    Organization, PatientQuery, PatientSummary, PortalStatus, RequestOrigin, SessionKind,
};

use crate::{
    AppState,
    account::sign_in::{
        Refused, SignInForm, Subject, Throttle, set_cookie, start_session, wait_message,
        wrong_credentials,
    },
    common::{
        pages::{Practice, render},
        session::{self, StaffUser},
    },
    error::{OrTrouble, PageError},
};

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct SignInPage {
    practice_name: String,
    practice_phone: Option<String>,
    organizations: Vec<Organization>,
    selected_org: String,
    username: String,
    error: Option<String>,
}

pub async fn sign_in_page(State(state): State<AppState>, user: Option<StaffUser>) -> Response {
    if user.is_some() {
        return Redirect::to("/staff").into_response();
    }
    sign_in_form(&state, String::new(), String::new(), None).await
}

async fn sign_in_form(
    state: &AppState,
    selected_org: String,
    username: String,
    error: Option<String>,
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
    });
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    }
    response
}

#[tracing::instrument(skip_all, fields(staff_id))]
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let now = Timestamp::now();
    let organizations = state.db.organizations().await.unwrap_or_default();
    let organization = chosen_organization(&organizations, &form.organization);
    let username = Username::parse(&form.username).ok();
    let account = match (organization, &username) {
        (Some(org), Some(username)) => state
            .db
            .staff_by_username(org.id, username)
            .await
            .ok()
            .flatten(),
        _ => None,
    };
    let throttle = Throttle::new(
        "staff-sign-in",
        organization,
        username.as_ref().map(Username::as_str),
        client.ip(),
    )
    .on_device(
        &state,
        &headers,
        SessionKind::Staff,
        account.as_ref().map(|a| a.id.as_uuid()),
    )
    .await;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let usable = account.as_ref().is_some_and(|a| !a.disabled);
    let account = match (
        throttle
            .weigh(&state, now, stored, usable, form.password)
            .await,
        account,
    ) {
        (Ok(()), Some(account)) => account,
        (Err(Refused::Unavailable(error)), _) => {
            return Err(PageError::new("could not weigh a staff sign-in", error));
        }
        (refused, _) => {
            let message = match refused {
                Err(Refused::Throttled(wait)) => format!(
                    "{} If you cannot wait, ask an administrator for help.",
                    wait_message(wait)
                ),
                _ => wrong_credentials(),
            };
            let selected = organization.map(|o| o.slug.clone()).unwrap_or_default();
            return Ok(sign_in_form(&state, selected, form.username, Some(message)).await);
        }
    };
    tracing::Span::current().record("staff_id", tracing::field::display(account.id));

    let required = state
        .db
        .enrollment_policy(account.organization)
        .await
        .or_trouble("could not read the policy")?
        .staff_two_step_required;
    let who = crate::account::two_step::Who {
        kind: SessionKind::Staff,
        account: account.id.as_uuid(),
        organization: account.organization,
        patient: None,
        required,
    };
    if let Some(pending) = crate::account::two_step::begin(&state, &who)
        .await
        .or_trouble("could not start the second step")?
    {
        let mut response = Redirect::to("/staff/sign-in/code").into_response();
        set_cookie(
            &mut response,
            &pending.cookie(state.settings.served_over_https()),
        );
        return Ok(response);
    }
    let started = finish_sign_in(&state, &headers, client, &account)
        .await
        .or_trouble("could not create a session")?;
    let mut response = Redirect::to("/staff").into_response();
    started.set_cookies(&mut response);
    Ok(response)
}

/// The end of a staff sign-in, once every step is passed: a fresh session.
pub(crate) async fn finish_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    client: SocketAddr,
    account: &storage::StaffAccount,
) -> anyhow::Result<crate::account::sign_in::StartedSession> {
    let subject = Subject {
        kind: SessionKind::Staff,
        id: account.id.as_uuid(),
        organization: account.organization,
    };
    start_session(state, headers, client.ip(), subject).await
}

/// The sign-in page again, with words saying why (a second step that ended, say).
pub(crate) async fn sign_in_again(state: &AppState, message: &str) -> Response {
    sign_in_form(
        state,
        String::new(),
        String::new(),
        Some(message.to_owned()),
    )
    .await
}

/// The organization a sign-in form names; with only one, that one.
pub(crate) fn chosen_organization<'a>(
    organizations: &'a [Organization],
    slug: &str,
) -> Option<&'a Organization> {
    organizations
        .iter()
        .find(|o| o.slug == slug)
        .or(match organizations {
            [only] => Some(only),
            _ => None,
        })
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    end_session(&state, &headers, "/staff/sign-in").await
}

/// Ends the request's session, removes its cookie and sends the browser to `then`.
pub(crate) async fn end_session(state: &AppState, headers: &HeaderMap, then: &str) -> Response {
    if let Some(token) = session::token_from(headers)
        && let Err(error) = state.db.delete_session(&session::token_hash(&token)).await
    {
        tracing::error!(error = %error, "could not end a session");
    }
    let mut response = Redirect::to(then).into_response();
    set_cookie(
        &mut response,
        &session::removal_cookie(state.settings.served_over_https()),
    );
    response
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    query: String,
    error: Option<String>,
    results: Option<Vec<PatientSummary>>,
    /// The practice's clock, for the invitations' dates.
    zone: jiff::tz::TimeZone,
    /// What waits for the practice, for the roles that handle it: (link, words, urgent).
    work: Vec<(&'static str, String, bool)>,
}

/// "1 conversation", "3 conversations".
fn counted(count: i64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The staff "work" overview (issue 16, point 4): counts of what waits, for the roles that
/// handle it. Counts only, so not audited.
async fn work(
    state: &AppState,
    user: &StaffUser,
) -> Result<Vec<(&'static str, String, bool)>, PageError> {
    let org = user.scope.organization();
    let mut work = Vec::new();
    if crate::staff::messages::may_work_messages(user) {
        let unassigned = state
            .db
            .unassigned_threads(org)
            .await
            .or_trouble("could not count the conversations")?;
        let overdue = state
            .db
            .overdue_threads(org, jiff::Timestamp::now())
            .await
            .or_trouble("could not count the overdue conversations")?;
        work.push((
            "/staff/messages?status=unassigned",
            format!(
                "{} nobody has taken",
                counted(unassigned, "conversation", "conversations")
            ),
            false,
        ));
        work.push((
            "/staff/messages",
            format!(
                "{} past the answer time",
                counted(overdue, "conversation", "conversations")
            ),
            overdue > 0,
        ));
    }
    if crate::staff::support::may_work_support(user) {
        let open = state
            .db
            .open_support_requests(org)
            .await
            .or_trouble("could not count the support requests")?;
        work.push((
            "/staff/support",
            format!(
                "{} not closed",
                counted(open, "support request", "support requests")
            ),
            false,
        ));
    }
    Ok(work)
}

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn home(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<SearchParams>,
) -> Result<Response, PageError> {
    let practice = Practice::of(&state).await;
    let work = work(&state, &user).await?;
    let (error, results) = match parse_query(&params.q) {
        Ok(None) => (None, None),
        Err(message) => (Some(message), None),
        Ok(Some(query)) => {
            let origin = request_origin(client, &headers);
            let found = state
                .db
                .search_patients(&user.scope, &query, &origin)
                .await
                .or_trouble("patient search failed")?;
            (None, Some(found))
        }
    };
    let mut response = render(HomePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_is_admin: user.account.role == domain::Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(&state, &user),
        staff_name: user.account.display_name,
        staff_role: user.account.role.label(),
        query: params.q,
        error,
        results,
        zone: crate::common::pages::practice_zone(&state, user.scope.organization()).await,
        work,
    });
    crate::common::pages::no_store(&mut response);
    Ok(response)
}

/// Where a request came from, for the audit log.
pub(crate) fn request_origin(client: SocketAddr, headers: &HeaderMap) -> RequestOrigin {
    RequestOrigin {
        client_addr: Some(client.ip().to_string()),
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// Reads the search box: a date of birth, an MRN, or a name ("Family, Given" or "Given Family").
pub fn parse_query(text: &str) -> Result<Option<PatientQuery>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Some(date) = parse_birth_date(text) {
        return Ok(Some(PatientQuery::BirthDate(date)));
    }
    if text.chars().any(|c| c.is_ascii_digit()) {
        if text.contains(char::is_whitespace) || text.contains('/') && text.len() <= 10 {
            return Err("Dates of birth look like 04/09/1961. MRNs have no spaces.".to_owned());
        }
        return Ok(Some(PatientQuery::Mrn(text.to_owned())));
    }
    let letters: usize = domain::matching::normalize::name_words(text)
        .iter()
        .map(|word| word.chars().count())
        .sum();
    if letters < 2 {
        return Err("Type at least the first two letters of a name.".to_owned());
    }
    // The words are matched in any order; the split only keeps "Family, Given" readable.
    let (family, given) = match text.split_once(',') {
        Some((family, given)) => (family.trim(), Some(given.trim())),
        None => match text.rsplit_once(char::is_whitespace) {
            Some((given, family)) => (family.trim(), Some(given.trim())),
            None => (text, None),
        },
    };
    Ok(Some(PatientQuery::Name {
        family: family.to_owned(),
        given: given.filter(|g| !g.is_empty()).map(str::to_owned),
    }))
}

/// A patient's portal status in the search list's words.
pub(crate) fn portal_label(status: &PortalStatus, zone: &jiff::tz::TimeZone) -> String {
    let date = |at: &Timestamp| at.to_zoned(zone.clone()).strftime("%m/%d/%Y").to_string();
    let how = |channel: &str| match channel {
        "email" => "by email",
        "printed-code" => "by letter",
        _ => "",
    };
    match status {
        PortalStatus::NotInvited => "Not invited".to_owned(),
        PortalStatus::Invited {
            channel,
            expires_at,
        } => format!("Invited {}, expires {}", how(channel), date(expires_at)),
        PortalStatus::SigningUp { channel, .. } if channel == "self" => {
            "Signing up without an invitation".to_owned()
        }
        PortalStatus::SigningUp {
            channel,
            expires_at,
        } => format!(
            "Signing up (invited {}), expires {}",
            how(channel),
            date(expires_at)
        ),
        PortalStatus::InvitationLocked => "Invitation locked, in review".to_owned(),
        PortalStatus::InvitationExpired { expired_at } => {
            format!("Invitation expired {}", date(expired_at))
        }
        PortalStatus::InvitationCancelled => "Invitation cancelled".to_owned(),
        PortalStatus::Active => "Active account".to_owned(),
        PortalStatus::LockedByPatient => "Account locked by the patient".to_owned(),
        PortalStatus::Disabled => "Account disabled".to_owned(),
    }
}

impl HomePage {
    fn portal(&self, patient: &PatientSummary) -> String {
        portal_label(&patient.portal, &self.zone)
    }
}

fn parse_birth_date(text: &str) -> Option<Date> {
    if let Ok(date) = text.parse::<Date>() {
        return Some(date);
    }
    let mut parts = text.split('/');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dates_mrns_and_names() {
        let date = Date::new(1961, 4, 9).unwrap();
        assert_eq!(
            parse_query("04/09/1961"),
            Ok(Some(PatientQuery::BirthDate(date)))
        );
        assert_eq!(
            parse_query("4/9/1961"),
            Ok(Some(PatientQuery::BirthDate(date)))
        );
        assert_eq!(
            parse_query("1961-04-09"),
            Ok(Some(PatientQuery::BirthDate(date)))
        );
        assert_eq!(
            parse_query(" PL0000123 "),
            Ok(Some(PatientQuery::Mrn("PL0000123".into())))
        );
        assert_eq!(
            parse_query("Rivera, Lucia"),
            Ok(Some(PatientQuery::Name {
                family: "Rivera".into(),
                given: Some("Lucia".into())
            }))
        );
        assert_eq!(
            parse_query("Lucia Rivera"),
            Ok(Some(PatientQuery::Name {
                family: "Rivera".into(),
                given: Some("Lucia".into())
            }))
        );
        assert_eq!(parse_query("  "), Ok(None));
        assert!(parse_query("R").is_err());
        assert!(parse_query("13/45/1961").is_err());
    }
}
