//! Enrollment step 3 (2 where the access code has no step): a username (unique per practice,
//! with free suggestions when taken) and a password under the NIST SP 800-63B rules of
//! `domain::password`, hashed with Argon2id on the bounded pool. Once saved, the patient goes
//! straight on to the terms, which say so: no screen of its own for "saved".

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
    password::{PasswordContext, PasswordPolicy, PasswordProblem, strength},
    policy::EnrollmentPolicy,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use storage::{ChartFields, CredentialsError, OpenInvitation};

use crate::{
    AppState,
    common::{
        i18n::{t, t_args},
        pages::{Practice, no_store, render},
    },
    enrollment::{
        enroll::{Step, StepCount},
        identity::{current, invalid},
    },
    error::{OrTrouble, PageError},
};

#[derive(Template)]
#[template(path = "enroll/credentials.html")]
struct CredentialsPage {
    practice_name: String,
    practice_phone: Option<String>,
    step: StepCount,
    example: String,
    username: String,
    username_error: Option<String>,
    suggestions: Vec<String>,
    min_chars: u8,
    /// The passwords as typed, given back only after a refusal for the username alone.
    kept_passwords: Option<(String, String)>,
    password_errors: Vec<String>,
    advice: Vec<String>,
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

/// A patient at this step: the invitation, its chart and the practice's policy.
struct AtStep {
    invitation: OpenInvitation,
    chart: ChartFields,
    policy: EnrollmentPolicy,
}

impl AtStep {
    fn step(&self) -> StepCount {
        Step::Credentials
            .count(&self.invitation, &self.policy)
            .unwrap_or(StepCount { step: 2, of: 3 })
    }
}

/// Where the patient stands: at this step, or the page of the step they are at.
async fn at_step(state: &AppState, headers: &HeaderMap) -> anyhow::Result<Result<AtStep, Step>> {
    let Some(invitation) = current(state, headers).await else {
        return Ok(Err(Step::Identity));
    };
    let policy = state.db.enrollment_policy(invitation.organization).await?;
    match Step::of(&invitation, &policy) {
        Step::Credentials => {}
        other => return Ok(Err(other)),
    }
    let chart = state.db.invitation_chart(&invitation).await?;
    Ok(Ok(AtStep {
        invitation,
        chart,
        policy,
    }))
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let at = at_step(&state, &headers)
        .await
        .or_trouble("could not read the enrollment")?;
    Ok(match at {
        Ok(at) => {
            let example = example(&state, &at.invitation, &at.chart).await;
            let blank = Typed::default();
            page(&state, &at, example, blank, CredentialsRefusal::default()).await
        }
        Err(elsewhere) => Redirect::to(elsewhere.path()).into_response(),
    })
}

/// What the patient chose in step 3.
pub(crate) struct CredentialsAnswer<'a> {
    pub(crate) username: &'a str,
    pub(crate) password: &'a str,
    pub(crate) confirmation: &'a str,
}

/// Why step 3 refused the choice: each field's problems, free usernames when the one chosen
/// is taken, and advice for a stronger password.
#[derive(Debug, Default)]
pub(crate) struct CredentialsRefusal {
    pub(crate) username_error: Option<String>,
    pub(crate) suggestions: Vec<String>,
    pub(crate) password_problems: Vec<PasswordProblem>,
    pub(crate) advice: Vec<String>,
}

/// What step 3 led to.
pub(crate) enum CredentialsOutcome {
    Refused(CredentialsRefusal),
    /// The username and password are set; the username as stored.
    Set(String),
    /// The invitation moved on meanwhile (another request set them).
    WrongStep,
}

/// Step 3 for the page and the API alike: checks the username (free in the practice) and the
/// password (NIST rules with the chart's personal details), hashes it on the bounded pool and
/// saves both. The caller has checked that the invitation is at this step.
#[tracing::instrument(skip_all, fields(invitation = %invitation.id), err)]
pub(crate) async fn choose_credentials(
    state: &AppState,
    invitation: &OpenInvitation,
    chart: &ChartFields,
    min_chars: u8,
    answer: CredentialsAnswer<'_>,
    client: SocketAddr,
) -> anyhow::Result<CredentialsOutcome> {
    let username = Username::parse(answer.username);
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
    let checked = policy.check(answer.password, answer.confirmation, &context);
    let mut refusal = CredentialsRefusal {
        username_error: username.as_ref().err().map(username_problem),
        ..CredentialsRefusal::default()
    };
    if let Ok(username) = &username {
        let taken = state
            .db
            .taken_usernames(invitation.organization, &[username.to_string()])
            .await
            .unwrap_or_default();
        if !taken.is_empty() {
            refusal.username_error = Some(t("username-taken"));
            refusal.suggestions =
                free_suggestions(state, invitation, chart, Some(username.as_str())).await;
        }
    }
    let password = match checked {
        Ok(password) => Some(password),
        Err(problems) => {
            refusal.password_problems = problems;
            refusal.advice = strength(answer.password, &context)
                .advice
                .iter()
                .map(|line| advice_line(line))
                .collect();
            None
        }
    };
    let (Some(password), None, Ok(username)) = (password, &refusal.username_error, &username)
    else {
        return Ok(CredentialsOutcome::Refused(refusal));
    };
    let hash = state
        .hasher
        .hash(SecretString::from(password.expose_secret().to_owned()))
        .await?;
    let client_addr = client.ip().to_string();
    match state
        .db
        .set_credentials(invitation, username.as_str(), &hash, Some(&client_addr))
        .await
    {
        Ok(()) => Ok(CredentialsOutcome::Set(username.to_string())),
        Err(CredentialsError::UsernameTaken) => {
            Ok(CredentialsOutcome::Refused(CredentialsRefusal {
                username_error: Some(t("username-taken")),
                suggestions: free_suggestions(state, invitation, chart, Some(username.as_str()))
                    .await,
                ..CredentialsRefusal::default()
            }))
        }
        Err(CredentialsError::WrongStep) => Ok(CredentialsOutcome::WrongStep),
        Err(CredentialsError::Unexpected(error)) => Err(error),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CredentialsForm>,
) -> Result<Response, PageError> {
    let at = match at_step(&state, &headers)
        .await
        .or_trouble("could not read the enrollment")?
    {
        Ok(at) => at,
        Err(elsewhere) => return Ok(Redirect::to(elsewhere.path()).into_response()),
    };
    let answer = CredentialsAnswer {
        username: &form.username,
        password: &form.password,
        confirmation: &form.confirmation,
    };
    let min_chars = at.policy.password_min_chars;
    let outcome = choose_credentials(&state, &at.invitation, &at.chart, min_chars, answer, client)
        .await
        .or_trouble("could not save the credentials")?;
    Ok(match outcome {
        // Straight on to the terms, which say that the username and password are saved.
        CredentialsOutcome::Set(_) => Redirect::to(SAVED).into_response(),
        CredentialsOutcome::Refused(refusal) => {
            let example = example(&state, &at.invitation, &at.chart).await;
            let typed = Typed::after(form, &refusal);
            invalid(page(&state, &at, example, typed, refusal).await)
        }
        CredentialsOutcome::WrongStep => Redirect::to(Step::Terms.path()).into_response(),
    })
}

/// A free username to show as the example.
pub(crate) async fn example(
    state: &AppState,
    invitation: &OpenInvitation,
    chart: &ChartFields,
) -> String {
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

/// The terms step's address once the username and password are saved: its page says so.
pub(crate) const SAVED: &str = "/enroll/terms?saved";

/// What the form shows again after a refusal.
#[derive(Default)]
struct Typed {
    username: String,
    passwords: Option<(String, String)>,
}

impl Typed {
    /// The username always comes back. The passwords come back only when the username alone
    /// was refused: they are the patient's own input, already good, and typing two long
    /// passwords again on a phone for a username's typo is what made people give up. This is
    /// a deliberate exception to never sending a password back to the browser; the page is
    /// `no-store`, and any problem with the passwords clears them as before.
    fn after(form: CredentialsForm, refusal: &CredentialsRefusal) -> Self {
        let username_only =
            refusal.username_error.is_some() && refusal.password_problems.is_empty();
        Self {
            username: form.username,
            passwords: username_only.then_some((form.password, form.confirmation)),
        }
    }
}

async fn page(
    state: &AppState,
    at: &AtStep,
    example: String,
    typed: Typed,
    refusal: CredentialsRefusal,
) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(CredentialsPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        step: at.step(),
        example,
        username: typed.username,
        username_error: refusal.username_error,
        suggestions: refusal.suggestions,
        min_chars: at.policy.password_min_chars,
        kept_passwords: typed.passwords,
        password_errors: refusal
            .password_problems
            .iter()
            .map(password_problem)
            .collect(),
        advice: refusal.advice,
    });
    no_store(&mut response);
    response
}
/// A username's problem, in the patient's language.
fn username_problem(error: &domain::UsernameError) -> String {
    t(match error {
        domain::UsernameError::Space => "username-space",
        domain::UsernameError::TooShort => "username-too-short",
        domain::UsernameError::TooLong => "username-too-long",
        domain::UsernameError::InvalidCharacter => "username-invalid",
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

/// `GET /static/enroll-credentials.js`: the password step's small script (the show-password
/// toggle and tappable suggestions); the page works without it.
pub async fn script() -> impl IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/enroll-credentials.js"),
    )
}
