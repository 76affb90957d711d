//! Enrollment step 3: a username (unique per practice, with free suggestions when taken) and a
//! password under the NIST SP 800-63B rules of `domain::password`, hashed with Argon2id on the
//! bounded pool.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    Username,
    matching::normalize::name_key,
    password::{PasswordContext, PasswordPolicy, strength},
    policy::AccessCodeKind,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use storage::{ChartFields, CredentialsError, OpenInvitation};

use crate::{
    AppState,
    identity::{current, invalid},
    pages::{Practice, no_store, render, server_error},
};

#[derive(Template)]
#[template(path = "enroll/credentials.html")]
struct CredentialsPage {
    practice_name: String,
    practice_phone: Option<String>,
    example: String,
    username: String,
    username_error: Option<String>,
    suggestions: Vec<String>,
    min_chars: u8,
    password_errors: Vec<String>,
    advice: Vec<String>,
}

#[derive(Template)]
#[template(path = "enroll/credentials_set.html")]
struct CredentialsSetPage {
    practice_name: String,
    practice_phone: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
pub struct CredentialsForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

/// The invitation, when the patient is at this step.
async fn at_step(
    state: &AppState,
    headers: &HeaderMap,
) -> anyhow::Result<Option<(OpenInvitation, ChartFields, u8)>> {
    let Some(invitation) = current(state, headers).await else {
        return Ok(None);
    };
    let policy = state.db.enrollment_policy(invitation.organization).await?;
    let code_done = invitation.access_code_verified || policy.access_code == AccessCodeKind::None;
    if invitation.status != "identity-verified" || !code_done {
        return Ok(None);
    }
    let chart = state.db.invitation_chart(&invitation).await?;
    Ok(Some((invitation, chart, policy.password_min_chars)))
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(invitation) = current(&state, &headers).await
        && invitation.status == "credentials-set"
    {
        let practice = Practice::of(&state).await;
        let mut response = render(CredentialsSetPage {
            practice_name: practice.name,
            practice_phone: practice.phone,
            username: None,
        });
        no_store(&mut response);
        return response;
    }
    match at_step(&state, &headers).await {
        Ok(Some((invitation, chart, min_chars))) => {
            let example = example(&state, &invitation, &chart).await;
            page(
                &state,
                example,
                String::new(),
                None,
                Vec::new(),
                min_chars,
                Vec::new(),
                Vec::new(),
            )
            .await
        }
        Ok(None) => Redirect::to("/enroll/access-code").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "could not read the enrollment");
            server_error()
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CredentialsForm>,
) -> Response {
    let (invitation, chart, min_chars) = match at_step(&state, &headers).await {
        Ok(Some(step)) => step,
        Ok(None) => return Redirect::to("/enroll/access-code").into_response(),
        Err(error) => {
            tracing::error!(error = %error, "could not read the enrollment");
            return server_error();
        }
    };
    let username = Username::parse(&form.username);
    let birth_date = chart.birth_date.to_jiff();
    let context = PasswordContext {
        username: username.as_ref().ok().map(Username::as_str),
        given_name: Some(&chart.given_names),
        family_name: Some(&chart.family_name),
        birth_date: Some(birth_date),
    };
    let policy = PasswordPolicy {
        min_chars: usize::from(min_chars),
        ..PasswordPolicy::default()
    };
    let checked = policy.check(&form.password, &form.confirmation, &context);
    let mut username_error = username
        .as_ref()
        .err()
        .map(|e| format!("{}.", capitalize(&e.to_string())));
    let mut suggestions = Vec::new();
    if let Ok(username) = &username {
        let taken = state
            .db
            .taken_usernames(invitation.organization, &[username.to_string()])
            .await
            .unwrap_or_default();
        if !taken.is_empty() {
            username_error =
                Some("That username is taken. Choose another, or one of these.".to_owned());
            suggestions =
                free_suggestions(&state, &invitation, &chart, Some(username.as_str())).await;
        }
    }
    let (password, password_errors, advice) = match checked {
        Ok(password) => (Some(password), Vec::new(), Vec::new()),
        Err(problems) => {
            let advice = strength(&form.password, &context).advice;
            (
                None,
                problems.iter().map(ToString::to_string).collect(),
                advice,
            )
        }
    };
    let (Some(password), None, Ok(username)) = (password, &username_error, &username) else {
        let example = example(&state, &invitation, &chart).await;
        return invalid(
            page(
                &state,
                example,
                form.username,
                username_error,
                suggestions,
                min_chars,
                password_errors,
                advice,
            )
            .await,
        );
    };
    let hash = match state
        .hasher
        .hash(SecretString::from(password.expose_secret().to_owned()))
        .await
    {
        Ok(hash) => hash,
        Err(error) => {
            tracing::error!(error = %error, "could not hash a password");
            return server_error();
        }
    };
    let client_addr = client.ip().to_string();
    match state
        .db
        .set_credentials(&invitation, username.as_str(), &hash, Some(&client_addr))
        .await
    {
        Ok(()) => {
            let practice = Practice::of(&state).await;
            let mut response = render(CredentialsSetPage {
                practice_name: practice.name,
                practice_phone: practice.phone,
                username: Some(username.to_string()),
            });
            no_store(&mut response);
            response
        }
        Err(CredentialsError::UsernameTaken) => {
            let suggestions =
                free_suggestions(&state, &invitation, &chart, Some(username.as_str())).await;
            let error = Some("That username is taken. Choose another, or one of these.".to_owned());
            let example = example(&state, &invitation, &chart).await;
            invalid(
                page(
                    &state,
                    example,
                    form.username,
                    error,
                    suggestions,
                    min_chars,
                    Vec::new(),
                    Vec::new(),
                )
                .await,
            )
        }
        Err(CredentialsError::WrongStep) => Redirect::to("/enroll/access-code").into_response(),
        Err(CredentialsError::Unexpected(error)) => {
            tracing::error!(error = %error, "could not save the credentials");
            server_error()
        }
    }
}

/// A free username to show as the example.
async fn example(state: &AppState, invitation: &OpenInvitation, chart: &ChartFields) -> String {
    free_suggestions(state, invitation, chart, None)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| "your.name".to_owned())
}

/// Up to three free usernames built from the chart's name (and the one the patient wanted).
async fn free_suggestions(
    state: &AppState,
    invitation: &OpenInvitation,
    chart: &ChartFields,
    wanted: Option<&str>,
) -> Vec<String> {
    let given = name_key(chart.given_names.split_whitespace().next().unwrap_or(""));
    let family = name_key(&chart.family_name);
    let year = chart.birth_date.to_jiff().year() % 100;
    let mut candidates = vec![
        format!("{given}.{family}"),
        format!("{}{family}", given.chars().next().unwrap_or('x')),
        format!("{given}.{family}{year:02}"),
    ];
    if let Some(wanted) = wanted {
        candidates.extend((2..6).map(|n| format!("{wanted}{n}")));
    }
    candidates.extend((2..6).map(|n| format!("{given}.{family}{n}")));
    let candidates: Vec<String> = candidates
        .into_iter()
        .filter_map(|c| Username::parse(&c).ok().map(|u| u.to_string()))
        .collect();
    let taken = state
        .db
        .taken_usernames(invitation.organization, &candidates)
        .await
        .unwrap_or_default();
    let mut free: Vec<String> = candidates
        .into_iter()
        .filter(|c| !taken.contains(c))
        .collect();
    free.dedup();
    free.truncate(3);
    free
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    example: String,
    username: String,
    username_error: Option<String>,
    suggestions: Vec<String>,
    min_chars: u8,
    password_errors: Vec<String>,
    advice: Vec<String>,
) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(CredentialsPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        example,
        username,
        username_error,
        suggestions,
        min_chars,
        password_errors,
        advice,
    });
    no_store(&mut response);
    response
}
