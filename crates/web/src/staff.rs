//! The staff console: sign-in, sign-out, and finding a patient.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
};
use domain::Username;
use jiff::{SignedDuration, Timestamp, civil::Date};
use secrecy::SecretString;
use serde::Deserialize;
use storage::{NewSession, Organization, PatientQuery, PatientSummary, RequestOrigin, SessionKind};

use crate::{
    AppState,
    pages::{Practice, render},
    session::{self, StaffUser},
};

/// Failed sign-ins for one username, in the window, before it must wait.
const USERNAME_FAILURES: u32 = 5;
/// Failed sign-ins from one address, in the window, before it must wait.
const ADDRESS_FAILURES: u32 = 30;
const THROTTLE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// One answer for a wrong username and a wrong password alike.
const WRONG_CREDENTIALS: &str =
    "That username and password do not match. Check them and try again.";
const THROTTLED: &str = "Too many attempts to sign in. Wait 15 minutes and try again, or ask an administrator for help.";

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct SignInPage {
    practice_name: String,
    practice_phone: Option<String>,
    organizations: Vec<Organization>,
    selected_org: String,
    username: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    organization: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
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
    error: Option<&'static str>,
) -> Response {
    let practice = Practice::of(state).await;
    let organizations = state.db.organizations().await.unwrap_or_default();
    let mut response = render(SignInPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        organizations,
        selected_org,
        username,
        error,
    });
    if error.is_some() {
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
) -> Response {
    let now = Timestamp::now();
    let organizations = state.db.organizations().await.unwrap_or_default();
    let organization = organizations
        .iter()
        .find(|o| o.slug == form.organization)
        .or(match organizations.as_slice() {
            [only] => Some(only),
            _ => None,
        });
    let username = Username::parse(&form.username).ok();
    let user_bucket = format!(
        "staff-sign-in:{}:{}",
        organization.map(|o| o.slug.as_str()).unwrap_or("-"),
        username.as_ref().map(Username::as_str).unwrap_or("-")
    );
    let address_bucket = format!("sign-in-address:{}", client.ip());

    let throttled = match (
        state
            .db
            .recent_failures(&user_bucket, now, THROTTLE_WINDOW)
            .await,
        state
            .db
            .recent_failures(&address_bucket, now, THROTTLE_WINDOW)
            .await,
    ) {
        (Ok(user), Ok(address)) => user >= USERNAME_FAILURES || address >= ADDRESS_FAILURES,
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(error = %error, "could not read the sign-in counters");
            true
        }
    };

    let account = match (organization, &username) {
        (Some(org), Some(username)) => state
            .db
            .staff_by_username(org.id, username)
            .await
            .ok()
            .flatten(),
        _ => None,
    };
    // Always one Argon2id computation, whether or not the account exists or is throttled.
    let password = SecretString::from(form.password);
    let verified = state
        .hasher
        .verify_or_dummy(password, account.as_ref().map(|a| a.password_hash.clone()))
        .await
        .unwrap_or(false);
    let account = account.filter(|a| verified && !a.disabled && !throttled);
    let selected = organization.map(|o| o.slug.clone()).unwrap_or_default();

    let Some(account) = account else {
        if !throttled {
            for bucket in [&user_bucket, &address_bucket] {
                if let Err(error) = state.db.record_failure(bucket, now, THROTTLE_WINDOW).await {
                    tracing::error!(error = %error, "could not count a failed sign-in");
                }
            }
        }
        let message = if throttled {
            THROTTLED
        } else {
            WRONG_CREDENTIALS
        };
        return sign_in_form(&state, selected, form.username, Some(message)).await;
    };
    tracing::Span::current().record("staff_id", tracing::field::display(account.id));
    let _ = state.db.clear_failures(&user_bucket).await;

    // A fresh token at every sign-in: a session id planted before sign-in is worthless.
    if let Some(old) = session::token_from(&headers) {
        let _ = state.db.delete_session(&session::token_hash(&old)).await;
    }
    let (token, hash) = session::new_token();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect::<String>());
    let created = state
        .db
        .create_session(NewSession {
            token_hash: &hash,
            kind: SessionKind::Staff,
            subject: account.id.as_uuid(),
            organization: account.organization,
            now,
            expires_at: now + session::STAFF_ABSOLUTE,
            client_addr: Some(&client.ip().to_string()),
            user_agent: user_agent.as_deref(),
        })
        .await;
    if let Err(error) = created {
        tracing::error!(error = %error, "could not create a session");
        return crate::pages::server_error();
    }
    let mut response = Redirect::to("/staff").into_response();
    set_cookie(
        &mut response,
        &session::cookie(&token, state.settings.served_over_https()),
    );
    response
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session::token_from(&headers)
        && let Err(error) = state.db.delete_session(&session::token_hash(&token)).await
    {
        tracing::error!(error = %error, "could not end a session");
    }
    let mut response = Redirect::to("/staff/sign-in").into_response();
    set_cookie(
        &mut response,
        &session::removal_cookie(state.settings.served_over_https()),
    );
    response
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    query: String,
    error: Option<String>,
    results: Option<Vec<PatientSummary>>,
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
) -> Response {
    let practice = Practice::of(&state).await;
    let (error, results) = match parse_query(&params.q) {
        Ok(None) => (None, None),
        Err(message) => (Some(message), None),
        Ok(Some(query)) => {
            let origin = request_origin(client, &headers);
            match state.db.search_patients(&user.scope, &query, &origin).await {
                Ok(found) => (None, Some(found)),
                Err(error) => {
                    tracing::error!(error = %error, "patient search failed");
                    return crate::pages::server_error();
                }
            }
        }
    };
    let mut response = render(HomePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_is_admin: user.account.role == domain::Role::Administrator,
        staff_name: user.account.display_name,
        staff_role: user.account.role.label(),
        query: params.q,
        error,
        results,
    });
    crate::pages::no_store(&mut response);
    response
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
    let (family, given) = match text.split_once(',') {
        Some((family, given)) => (family.trim(), Some(given.trim())),
        None => match text.rsplit_once(char::is_whitespace) {
            Some((given, family)) => (family.trim(), Some(given.trim())),
            None => (text, None),
        },
    };
    if family.chars().count() < 2 {
        return Err("Type at least the first two letters of the family name.".to_owned());
    }
    Ok(Some(PatientQuery::Name {
        family: family.to_owned(),
        given: given.filter(|g| !g.is_empty()).map(str::to_owned),
    }))
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
