//! "Ask us for help" (`/support`, issue 16 point 2): a public form for people who cannot sign
//! in, did not get their invitation, or see something wrong, with a way to be reached back.
//! It is bot-checked (with a honeypot) and throttled per address. It never looks at the
//! charts: whoever asks, patient or not, gets the same answer (a reference) in the same
//! time, so the form cannot tell anyone who is a patient.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::support::{SupportField, SupportForm, SupportProblem, SupportRequest, SupportTopic};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use storage::Organization;

use crate::{
    AppState,
    common::{
        i18n::{lang, t},
        pages::{Practice, no_store, render},
    },
    enrollment::bot_check::{self, BotAnswer, BotCheckFailure, BotField},
    error::{OrTrouble, PageError},
    staff::console::{chosen_organization, request_origin},
};

/// Requests one address may send per window: people ask once or twice; more is a robot.
const ADDRESS_REQUESTS: u32 = 5;
const WINDOW: SignedDuration = SignedDuration::from_mins(60);

/// A topic to choose, in the visitor's words.
struct TopicChoice {
    key: &'static str,
    words: String,
}

#[derive(Template)]
#[template(path = "support.html")]
struct SupportPage {
    practice_name: String,
    practice_phone: Option<String>,
    organizations: Vec<Organization>,
    selected_org: String,
    topics: Vec<TopicChoice>,
    form: TypedForm,
    bot: BotField,
    /// (field id, message), in the form's order.
    errors: Vec<(&'static str, String)>,
    /// The request was kept: its reference.
    reference: Option<String>,
}

impl SupportPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(id, _)| *id == field)
            .map(|(_, message)| message.as_str())
    }
}

/// What the visitor typed, shown again with its problems.
#[derive(Deserialize, Default, Clone)]
pub struct TypedForm {
    #[serde(default)]
    organization: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    details: String,
    /// The honeypot: hidden from people.
    #[serde(default)]
    website: String,
    #[serde(flatten)]
    bot: BotAnswer,
}

fn topics() -> Vec<TopicChoice> {
    SupportTopic::ALL
        .iter()
        .map(|topic| TopicChoice {
            key: topic.as_str(),
            words: t(match topic {
                SupportTopic::CantSignIn => "support-topic-cant-sign-in",
                SupportTopic::NoInvitation => "support-topic-no-invitation",
                SupportTopic::InfoWrong => "support-topic-info-wrong",
                SupportTopic::Other => "support-topic-other",
            }),
        })
        .collect()
}

fn field_id(field: SupportField) -> &'static str {
    match field {
        SupportField::Topic => "topic",
        SupportField::Name => "name",
        SupportField::Email => "email",
        SupportField::Phone => "phone",
        SupportField::Contact => "contact",
        SupportField::Details => "details",
    }
}

fn problem_words(problem: SupportProblem) -> String {
    t(match problem {
        SupportProblem::TopicMissing => "support-error-topic",
        SupportProblem::NameMissing => "support-error-name",
        SupportProblem::NameTooLong => "support-error-name-long",
        SupportProblem::EmailInvalid => "support-error-email",
        SupportProblem::PhoneNotTenDigits => "support-error-phone",
        SupportProblem::NoWayToReach => "support-error-contact",
        SupportProblem::DetailsTooLong => "support-error-details",
    })
}

async fn page(
    state: &AppState,
    form: TypedForm,
    bot: BotField,
    errors: Vec<(&'static str, String)>,
    reference: Option<String>,
    status: StatusCode,
) -> Response {
    let practice = Practice::of(state).await;
    let organizations = state.db.organizations().await.unwrap_or_default();
    let mut response = render(SupportPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        organizations,
        selected_org: form.organization.clone(),
        topics: topics(),
        form,
        bot,
        errors,
        reference,
    });
    *response.status_mut() = status;
    no_store(&mut response);
    response
}

/// `GET /support`: the form.
pub async fn form(State(state): State<AppState>) -> Response {
    let bot = BotField::fresh(&state, Timestamp::now());
    page(
        &state,
        TypedForm::default(),
        bot,
        Vec::new(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /support`: in order, the per-address throttle, the honeypot, the fields, the bot
/// check; then the request is kept with its reference (and the "we got it" email when an
/// address was given). A robot caught by the honeypot gets the same page as a person, with a
/// reference that names nothing.
#[tracing::instrument(skip_all)]
pub async fn send(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(typed): Form<TypedForm>,
) -> Result<Response, PageError> {
    let now = Timestamp::now();
    let bucket = format!("support-address:{}", client.ip());
    let sent = state
        .db
        .recent_failures(&bucket, now, WINDOW)
        .await
        .or_trouble("could not count support requests")?;
    if sent >= ADDRESS_REQUESTS {
        let bot = BotField::again(&state, &typed.bot.bot_check, now);
        let errors = vec![("support", t("support-throttled"))];
        return Ok(page(
            &state,
            typed,
            bot,
            errors,
            None,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await);
    }
    if !typed.website.is_empty() {
        state
            .db
            .record_failure(&bucket, now, WINDOW)
            .await
            .or_trouble("could not count a support request")?;
        let reference = domain::support::reference(rand::random());
        let bot = BotField::fresh(&state, now);
        return Ok(page(
            &state,
            TypedForm::default(),
            bot,
            Vec::new(),
            Some(reference),
            StatusCode::OK,
        )
        .await);
    }
    let parsed = SupportRequest::parse(&SupportForm {
        topic: &typed.topic,
        name: &typed.name,
        email: &typed.email,
        phone: &typed.phone,
        details: &typed.details,
    });
    let request = match parsed {
        Ok(request) => request,
        Err(problems) => {
            let errors = problems
                .into_iter()
                .map(|(field, problem)| (field_id(field), problem_words(problem)))
                .collect();
            let bot = BotField::again(&state, &typed.bot.bot_check, now);
            return Ok(page(
                &state,
                typed,
                bot,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await);
        }
    };
    match bot_check::check(&state, &typed.bot, now).await {
        Ok(_) => {}
        Err(BotCheckFailure::Refused(refusal)) => {
            if bot_check::looks_automated(&refusal) {
                state
                    .db
                    .record_failure(&bucket, now, WINDOW)
                    .await
                    .or_trouble("could not count a support request")?;
            }
            let bot = BotField::after_refusal(&state, &typed.bot, &refusal, now);
            let errors = vec![("support", bot_check::message(&refusal))];
            return Ok(page(
                &state,
                typed,
                bot,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await);
        }
        Err(BotCheckFailure::Unexpected(error)) => {
            return Err(PageError::new("could not check the bot check", error));
        }
    }
    let organizations = state.db.organizations().await.unwrap_or_default();
    let Some(organization) = chosen_organization(&organizations, &typed.organization).cloned()
    else {
        let bot = BotField::fresh(&state, now);
        let errors = vec![("organization", t("support-error-practice"))];
        return Ok(page(
            &state,
            typed,
            bot,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await);
    };
    state
        .db
        .record_failure(&bucket, now, WINDOW)
        .await
        .or_trouble("could not count a support request")?;
    let reference = state
        .db
        .create_support_request(
            organization.id,
            &request,
            lang().tag(),
            &request_origin(client, &headers),
        )
        .await
        .or_trouble("could not keep a support request")?;
    let bot = BotField::fresh(&state, now);
    let kept = TypedForm {
        organization: typed.organization,
        ..TypedForm::default()
    };
    Ok(page(
        &state,
        kept,
        bot,
        Vec::new(),
        Some(reference),
        StatusCode::OK,
    )
    .await)
}
