//! What staff and patient sign-in share: counters that throttle guessing, and starting a
//! fresh session.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use domain::OrganizationId;
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use storage::{Database, NewSession, SessionKind};
use uuid::Uuid;

use crate::{AppState, session};

/// Failed sign-ins for one username, in the window, before it must wait.
const USERNAME_FAILURES: u32 = 5;
/// Failed sign-ins from one address, in the window, before it must wait.
const ADDRESS_FAILURES: u32 = 30;
const THROTTLE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// One answer for a wrong username and a wrong password alike.
pub(crate) fn wrong_credentials() -> String {
    crate::i18n::t("wrong-credentials")
}

/// The counters one sign-in attempt is weighed against: its username (within its
/// organization and surface) and its client address. They live in the database, so they hold
/// across restarts and instances.
pub(crate) struct Throttle {
    username_bucket: String,
    address_bucket: String,
}

impl Throttle {
    pub(crate) fn new(
        surface: &str,
        organization: Option<&str>,
        username: Option<&str>,
        client: IpAddr,
    ) -> Self {
        Self {
            username_bucket: format!(
                "{surface}:{}:{}",
                organization.unwrap_or("-"),
                username.unwrap_or("-")
            ),
            address_bucket: format!("sign-in-address:{client}"),
        }
    }

    /// Whether this attempt must wait. When the counters cannot be read, it must.
    pub(crate) async fn is_over(&self, db: &Database, now: Timestamp) -> bool {
        match (
            db.recent_failures(&self.username_bucket, now, THROTTLE_WINDOW)
                .await,
            db.recent_failures(&self.address_bucket, now, THROTTLE_WINDOW)
                .await,
        ) {
            (Ok(user), Ok(address)) => user >= USERNAME_FAILURES || address >= ADDRESS_FAILURES,
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(error = %error, "could not read the sign-in counters");
                true
            }
        }
    }

    /// Weighs one attempt against the stored hash (`None`: no such account) and the counters.
    /// It always costs one Argon2id computation, whether or not the account exists, can sign
    /// in, or must wait, so that no answer or timing tells them apart. A wrong attempt is
    /// counted; a right one clears the username's counter.
    pub(crate) async fn weigh(
        &self,
        state: &AppState,
        now: Timestamp,
        stored_hash: Option<String>,
        usable: bool,
        password: String,
    ) -> Result<(), Refused> {
        let throttled = self.is_over(&state.db, now).await;
        let verified = state
            .hasher
            .verify_or_dummy(SecretString::from(password), stored_hash)
            .await
            .unwrap_or(false);
        if throttled {
            return Err(Refused::Throttled);
        }
        if !(verified && usable) {
            self.count_failure(&state.db, now).await;
            return Err(Refused::WrongCredentials);
        }
        self.clear(&state.db).await;
        Ok(())
    }

    async fn count_failure(&self, db: &Database, now: Timestamp) {
        for bucket in [&self.username_bucket, &self.address_bucket] {
            if let Err(error) = db.record_failure(bucket, now, THROTTLE_WINDOW).await {
                tracing::error!(error = %error, "could not count a failed sign-in");
            }
        }
    }

    /// Forgets the username's failures (a right password, or a reset).
    pub(crate) async fn clear(&self, db: &Database) {
        if let Err(error) = db.clear_failures(&self.username_bucket).await {
            tracing::warn!(error = %error, "could not clear the sign-in counter");
        }
    }

    /// What to tell someone who must wait.
    pub(crate) fn message(&self) -> String {
        crate::i18n::t_args(
            "sign-in-throttled",
            &[("minutes", THROTTLE_WINDOW.as_mins().into())],
        )
    }
}

/// Why a sign-in attempt was refused.
pub(crate) enum Refused {
    /// Too many recent failures for the username or the address: even a right password waits.
    Throttled,
    /// Wrong password, unknown username, or an account that cannot sign in: one answer.
    WrongCredentials,
}

/// What staff and patient sign-in forms send.
#[derive(serde::Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    pub(crate) organization: String,
    #[serde(default)]
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) password: String,
}

/// Who is signing in, for [`start_session`].
pub(crate) struct Subject {
    pub(crate) kind: SessionKind,
    pub(crate) id: Uuid,
    pub(crate) organization: OrganizationId,
    pub(crate) lifetime: SignedDuration,
}

/// Starts a new session and answers the cookie that carries it. Any session the request
/// carried is ended first: a session id planted before sign-in is worthless.
pub(crate) async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    client: IpAddr,
    subject: Subject,
) -> anyhow::Result<String> {
    Ok(start_session_with_token(state, headers, client, subject)
        .await?
        .cookie)
}

/// A session just started: its token (for API clients that send it as a bearer token) and
/// the cookie that carries it (for browsers).
pub(crate) struct StartedSession {
    pub(crate) token: String,
    pub(crate) cookie: String,
}

/// Like [`start_session`], answering the token too.
pub(crate) async fn start_session_with_token(
    state: &AppState,
    headers: &HeaderMap,
    client: IpAddr,
    subject: Subject,
) -> anyhow::Result<StartedSession> {
    if let Some(old) = session::token_from(headers) {
        state.db.delete_session(&session::token_hash(&old)).await?;
    }
    let (token, hash) = session::new_token();
    let now = Timestamp::now();
    state
        .db
        .create_session(NewSession {
            token_hash: &hash,
            kind: subject.kind,
            subject: subject.id,
            organization: subject.organization,
            now,
            expires_at: now + subject.lifetime,
            client_addr: Some(&client.to_string()),
            user_agent: user_agent(headers).as_deref(),
        })
        .await?;
    let cookie = session::cookie(&token, state.settings.served_over_https());
    Ok(StartedSession { token, cookie })
}

/// The client's description of itself, shortened, for the list of signed-in devices.
pub(crate) fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect())
}

pub(crate) fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
