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
    Username, UsernameError,
    matching::normalize::name_key,
    password::{PasswordContext, PasswordPolicy, PasswordProblem, strength},
    policy::AccessCodeKind,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use storage::{ChartFields, CredentialsError, OpenInvitation};

use crate::{
    AppState,
    i18n::{t, t_args},
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
    let mut username_error = username.as_ref().err().map(username_problem);
    let mut suggestions = Vec::new();
    if let Ok(username) = &username {
        let taken = state
            .db
            .taken_usernames(invitation.organization, &[username.to_string()])
            .await
            .unwrap_or_default();
        if !taken.is_empty() {
            username_error = Some(t("username-taken"));
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
                problems.iter().map(password_problem).collect(),
                advice.iter().map(|line| advice_line(line)).collect(),
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
            let error = Some(t("username-taken"));
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

/// A username's problem, in the patient's language.
fn username_problem(error: &UsernameError) -> String {
    t(match error {
        UsernameError::TooShort => "username-too-short",
        UsernameError::TooLong => "username-too-long",
        UsernameError::InvalidCharacter => "username-invalid",
    })
}

/// A password's problem, in the patient's language.
pub(crate) fn password_problem(problem: &PasswordProblem) -> String {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX).into();
    match problem {
        PasswordProblem::TooShort { min, actual } => t_args(
            "pw-too-short",
            &[("min", count(*min)), ("actual", count(*actual))],
        ),
        PasswordProblem::TooLong { max } => t_args("pw-too-long", &[("max", count(*max))]),
        PasswordProblem::Common => t("pw-common"),
        PasswordProblem::ContainsUsername => t("pw-username"),
        PasswordProblem::ContainsName => t("pw-name"),
        PasswordProblem::ContainsBirthDate => t("pw-birth-date"),
        PasswordProblem::Repetitive => t("pw-repetitive"),
        PasswordProblem::Mismatch => t("pw-mismatch"),
    }
}

/// The domain words its password advice in English (a fixed set of lines); this finds each
/// line's message so that it reads in the patient's language. A line not listed stays as is.
const ADVICE: [(&str, &str); 23] = [
    (
        "Try a short sentence you will remember, like three or four unrelated words.",
        "advice-1",
    ),
    (
        "This is one of the most common passwords. Attackers try these first.",
        "advice-2",
    ),
    (
        "Leave out your name, username and date of birth: they are the first things someone would try.",
        "advice-3",
    ),
    (
        r#"Keys that sit next to each other on the keyboard, like "qwerty", are easy to guess."#,
        "advice-4",
    ),
    (
        r#"Repeated letters or numbers, like "aaa" or "111", are easy to guess."#,
        "advice-5",
    ),
    (
        r#"Writing the same thing twice, like "abcabc", is hardly harder to guess than writing it once."#,
        "advice-6",
    ),
    ("This is very close to a common password.", "advice-7"),
    (
        r#"Runs like "abc" or "6543" are easy to guess."#,
        "advice-8",
    ),
    ("Recent years are easy to guess.", "advice-9"),
    (
        "A single word is easy to guess, even a long one.",
        "advice-10",
    ),
    ("Dates are easy to guess.", "advice-11"),
    ("Names are easy to guess.", "advice-12"),
    (
        "You do not need symbols, numbers or capital letters.",
        "advice-13",
    ),
    (
        "Add another word or two. Unusual words are best.",
        "advice-14",
    ),
    ("Capital letters do not help much.", "advice-15"),
    (
        "All capital letters are almost as easy to guess as all small letters.",
        "advice-16",
    ),
    (
        "A word spelled backwards is not much harder to guess.",
        "advice-17",
    ),
    (
        r#"Swapping letters for look-alikes, like "@" for "a", does not help much."#,
        "advice-18",
    ),
    ("Avoid patterns of keys on the keyboard.", "advice-19"),
    ("Avoid repeating words or letters.", "advice-20"),
    (r#"Avoid runs like "abc" or "123"."#, "advice-21"),
    ("Avoid recent years.", "advice-22"),
    (
        "Avoid dates and years that mean something to you, like your birthday.",
        "advice-23",
    ),
];

fn advice_line(line: &str) -> String {
    ADVICE
        .iter()
        .find(|(english, _)| *english == line)
        .map_or_else(|| line.to_owned(), |(_, key)| t(key))
}
