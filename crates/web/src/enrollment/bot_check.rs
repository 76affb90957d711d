//! The bot check on the public forms (`/activate`, `/enroll/start`, and the emailed link when
//! the policy asks): an accessible proof of work with a no-JavaScript fallback. The rules
//! live in `domain::bot_check`; here they meet the form, the database (each challenge is
//! accepted once) and plain words. See docs/BOT-CHECK.md.

use axum::{http::header, response::IntoResponse};
use domain::bot_check::{BotCheckError, Challenge, PassedBy, verify};
use jiff::Timestamp;

use crate::AppState;

/// What a form needs to carry a challenge (see templates/bot_check.html).
#[derive(Debug, Clone)]
pub(crate) struct BotField {
    pub(crate) token: String,
    pub(crate) salt: String,
    pub(crate) challenge: String,
    pub(crate) max_number: u64,
}

impl BotField {
    /// A new challenge for a form shown at `now`.
    pub(crate) fn fresh(state: &AppState, now: Timestamp) -> Self {
        Self::of(&Challenge::issue(
            &state.key,
            &state.settings.bot_check,
            now,
        ))
    }

    /// For a form shown again: the challenge it came back with while it can still be
    /// answered (it was not spent, and has not expired), otherwise a new one. Keeping it
    /// means a person without JavaScript who was asked to wait only has to press the button
    /// again, not wait all over.
    pub(crate) fn again(state: &AppState, submitted: &str, now: Timestamp) -> Self {
        match Challenge::authenticate(&state.key, submitted) {
            Ok(challenge) if challenge.is_live(now) => Self::of(&challenge),
            _ => Self::fresh(state, now),
        }
    }

    /// For a form shown again after the check refused it: the same challenge when the person
    /// only has to wait a little longer, a new one otherwise.
    pub(crate) fn after_refusal(
        state: &AppState,
        answer: &BotAnswer,
        refusal: &BotCheckError,
        now: Timestamp,
    ) -> Self {
        match refusal {
            BotCheckError::TooSoon { .. } => Self::again(state, &answer.bot_check, now),
            _ => Self::fresh(state, now),
        }
    }

    fn of(challenge: &Challenge) -> Self {
        Self {
            token: challenge.token(),
            salt: challenge.salt().to_owned(),
            challenge: challenge.challenge().to_owned(),
            max_number: challenge.max_number(),
        }
    }
}

/// The two fields the check adds to a form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BotAnswer {
    #[serde(default)]
    pub(crate) bot_check: String,
    #[serde(default)]
    pub(crate) bot_solution: String,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum BotCheckFailure {
    #[error(transparent)]
    Refused(#[from] BotCheckError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Checks the form's answer at `now` and spends its challenge, so that it passes once.
#[tracing::instrument(skip_all, err(level = tracing::Level::INFO))]
pub(crate) async fn check(
    state: &AppState,
    answer: &BotAnswer,
    now: Timestamp,
) -> Result<PassedBy, BotCheckFailure> {
    let passed = verify(
        &state.key,
        &state.settings.bot_check,
        &answer.bot_check,
        &answer.bot_solution,
        now,
    )?;
    if !state
        .db
        .spend_bot_challenge(&passed.fingerprint, passed.expires_at, now)
        .await?
    {
        return Err(BotCheckError::Replayed.into());
    }
    tracing::debug!(by = ?passed.by, "bot check passed");
    Ok(passed.by)
}

/// What the person is told, next to the form, for each refusal.
pub(crate) fn message(error: &BotCheckError) -> String {
    crate::common::i18n::t(match error {
        BotCheckError::TooSoon { .. } => "bot-too-soon",
        BotCheckError::Expired => "bot-expired",
        BotCheckError::Missing
        | BotCheckError::Forged
        | BotCheckError::WrongSolution
        | BotCheckError::Replayed => "bot-failed",
    })
}

/// Refusals that look like a robot rather than a quick person or an old page: they count
/// toward the per-address throttle of the form.
pub(crate) fn looks_automated(error: &BotCheckError) -> bool {
    !matches!(
        error,
        BotCheckError::TooSoon { .. } | BotCheckError::Expired
    )
}

/// `GET /static/bot-check.js`: the script that solves the challenge in the browser.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/bot-check.js"),
    )
}
