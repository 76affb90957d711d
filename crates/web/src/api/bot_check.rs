//! The bot check for programs: a challenge to solve before `POST /api/v1/enrollment/activate`,
//! `/link` (when the practice asks) and `/self`.

use axum::{extract::State, http::StatusCode, response::Response};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

use super::reply;
use crate::{AppState, enrollment::bot_check::BotField};

/// A proof-of-work challenge. Find the number `n` in `0..=max_number` whose SHA-256 of
/// `salt` followed by `n` in decimal, written in lower-case hex, is `challenge`; then send
/// `token` as `bot_check` and `n` as `bot_solution`. Each challenge is accepted once.
#[derive(Debug, Serialize, ToSchema)]
pub struct BotChallenge {
    /// The signed challenge: send it back as `bot_check`.
    pub token: String,
    pub salt: String,
    /// SHA-256 (hex) of the salt followed by the secret number.
    pub challenge: String,
    pub max_number: u64,
    /// Until when it can be answered.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

/// A new bot-check challenge (no session needed).
#[utoipa::path(
    get,
    path = "/api/v1/bot-check/challenge",
    operation_id = "bot_check_challenge",
    tag = "patient enrollment",
    responses((status = 200, description = "A challenge to solve", body = BotChallenge))
)]
pub async fn challenge(State(state): State<AppState>) -> Response {
    let now = Timestamp::now();
    let field = BotField::fresh(&state, now);
    reply(
        StatusCode::OK,
        BotChallenge {
            token: field.token,
            salt: field.salt,
            challenge: field.challenge,
            max_number: field.max_number,
            expires_at: now + state.settings.bot_check.lifetime,
        },
    )
}
