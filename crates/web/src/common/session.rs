//! Server-side sessions: the cookie carries a random 256-bit token; the database keeps its
//! SHA-256 with who it belongs to and when it expires. Idle and absolute timeouts are checked
//! on every request.

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use base64::Engine;
use domain::{PatientScope, StaffScope};
use jiff::{SignedDuration, Timestamp};
use rand::RngCore;
use sha2::{Digest, Sha256};
use storage::{PatientAccount, PatientSession, Session, SessionKind, StaffAccount};

use crate::AppState;

pub const COOKIE: &str = "porchlight_session";
/// The limits of sessions started before each kept its own (from the practice's policy, see
/// `EnrollmentPolicy::session_limits`): a staff session ends after this long without a
/// request...
const STAFF_IDLE: SignedDuration = SignedDuration::from_mins(30);
/// ...and after this long in any case.
const STAFF_ABSOLUTE: SignedDuration = SignedDuration::from_hours(12);
/// A patient session ends after this long without a request...
const PATIENT_IDLE: SignedDuration = SignedDuration::from_mins(20);
/// ...and after this long in any case.
const PATIENT_ABSOLUTE: SignedDuration = SignedDuration::from_hours(12);
/// `last_seen_at` is written at most this often, to spare the database a write per request.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// A new random session token (sent in the cookie) and its hash (stored).
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// Whether text has the shape of a token from [`new_token`] (in a link: resets, "this wasn't
/// me"), checked before it reaches the database.
pub fn well_formed_token(token: &str) -> bool {
    (20..=100).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The `Set-Cookie` value that carries a session token.
pub fn cookie(token: &str, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The cookie that tells the accounts signed in on a browser that they have seen it before.
pub const DEVICE_COOKIE: &str = "porchlight_device";
/// How long a browser stays known without signing in.
const DEVICE_MAX_AGE_SECONDS: u32 = 400 * 24 * 60 * 60;

/// The `Set-Cookie` value that carries a device token.
pub fn device_cookie(token: &str, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!(
        "{DEVICE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; \
         Max-Age={DEVICE_MAX_AGE_SECONDS}{secure}"
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn removal_cookie(https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session token the request carries, if any: the cookie (browsers), or the same token
/// as `Authorization: Bearer` (apps, which get it from the API at sign-up). A bearer token is
/// never sent by a browser on its own, so it needs no CSRF defence.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE).or_else(|| bearer_token(headers))
}

/// The token of a bearer `Authorization` header, if the request carries one.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The value of the cookie `name`, if the request carries a non-empty one.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// A signed-in staff member: only handlers that take one can see patient data.
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub account: StaffAccount,
    pub scope: StaffScope,
    pub token_hash: String,
    /// When the password was last typed in this session.
    pub reauthenticated_at: Option<Timestamp>,
}

/// The session could not be read (the database failed): never taken for "signed out", which
/// would send a signed-in visitor to the sign-in page. The visitor gets the trouble page
/// (503) and keeps the session for when it is back.
#[derive(Debug)]
pub struct SessionUnreadable;

impl IntoResponse for SessionUnreadable {
    fn into_response(self) -> Response {
        crate::common::pages::server_error()
    }
}

/// Why a request gets no signed-in user.
#[derive(Debug)]
pub enum SessionRejection {
    /// No live session of the kind asked for: sent to that kind's sign-in page.
    SignInRequired(&'static str),
    Unreadable(SessionUnreadable),
}

impl From<SessionUnreadable> for SessionRejection {
    fn from(unreadable: SessionUnreadable) -> Self {
        Self::Unreadable(unreadable)
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            Self::SignInRequired(page) => Redirect::to(page).into_response(),
            Self::Unreadable(unreadable) => unreadable.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        staff_user(parts, state)
            .await?
            .ok_or(SessionRejection::SignInRequired("/staff/sign-in"))
    }
}

impl OptionalFromRequestParts<AppState> for StaffUser {
    type Rejection = SessionUnreadable;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        staff_user(parts, state).await
    }
}

/// The request's live session of `kind`, refreshed; `None` when there is none or it timed out
/// (an expired session is deleted); an error when the database could not say.
async fn live_session(
    headers: &HeaderMap,
    state: &AppState,
    kind: SessionKind,
    idle: SignedDuration,
    absolute: SignedDuration,
) -> Result<Option<(Session, String)>, SessionUnreadable> {
    let Some(token) = token_from(headers) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let session = match state.db.session(&hash).await {
        Ok(Some(session)) => session,
        Ok(None) => return Ok(None),
        Err(error) => {
            tracing::error!(error = %format_args!("{error:#}"), "could not read a session");
            return Err(SessionUnreadable);
        }
    };
    let live = still_live(state, &session, &hash, kind, idle, absolute).await;
    Ok(live.then_some((session, hash)))
}

/// Whether a session read by its token's hash may serve this request: of `kind` and within
/// its limits. An expired one is deleted; a live one's `last_seen_at` is refreshed when it is
/// a minute old.
async fn still_live(
    state: &AppState,
    session: &Session,
    hash: &str,
    kind: SessionKind,
    idle: SignedDuration,
    absolute: SignedDuration,
) -> bool {
    let now = Timestamp::now();
    // The session's own idle limit (from the policy it started under); its absolute limit
    // is its expiry.
    let idle = session.idle.unwrap_or(idle);
    let expired = now >= session.expires_at
        || now.duration_since(session.last_seen_at) >= idle
        || (session.idle.is_none() && now.duration_since(session.created_at) >= absolute);
    if expired {
        let _ = state.db.delete_session(hash).await;
        return false;
    }
    if session.kind != kind {
        return false;
    }
    // A session that cannot be refreshed (a full disk) still serves what it may read.
    if now.duration_since(session.last_seen_at) >= TOUCH_EVERY
        && let Err(error) = state.db.touch_session(hash, now).await
    {
        tracing::warn!(error = %error, "could not refresh a session");
    }
    true
}

/// The account a session belongs to, as read; an error when the database could not say.
fn read_account<A>(read: anyhow::Result<Option<A>>) -> Result<Option<A>, SessionUnreadable> {
    read.map_err(|error| {
        tracing::error!(
            error = %format_args!("{error:#}"),
            "could not read the account of a session"
        );
        SessionUnreadable
    })
}

async fn staff_user(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<StaffUser>, SessionUnreadable> {
    let Some((session, hash)) = live_session(
        &parts.headers,
        state,
        SessionKind::Staff,
        STAFF_IDLE,
        STAFF_ABSOLUTE,
    )
    .await?
    else {
        return Ok(None);
    };
    let account = read_account(
        state
            .db
            .staff_by_id(domain::StaffId::from_uuid(session.subject))
            .await,
    )?
    .filter(|account| !account.disabled && account.organization == session.organization);
    Ok(account.map(|account| {
        let scope = StaffScope::new(account.organization, account.id, account.role);
        StaffUser {
            account,
            scope,
            token_hash: hash,
            reauthenticated_at: session.reauthenticated_at,
        }
    }))
}

/// A signed-in patient with an active account: only handlers that take one can show a
/// patient their own record, through its scope.
#[derive(Debug, Clone)]
pub struct PatientUser {
    pub account: PatientAccount,
    pub scope: PatientScope,
    pub token_hash: String,
    /// When the password was last typed in this session.
    pub reauthenticated_at: Option<Timestamp>,
    /// Whether the terms of use and privacy policy in force were accepted (read with the
    /// session); when not, pages ask for them first.
    pub terms_accepted: bool,
}

/// How recently the password must have been typed before sign-in settings change.
pub const REAUTHENTICATE_WITHIN: SignedDuration = SignedDuration::from_mins(10);

/// Whether a password typed at `at` is recent enough to change how one signs in.
fn confirmed_lately(at: Option<Timestamp>) -> bool {
    at.is_some_and(|at| Timestamp::now().duration_since(at) < REAUTHENTICATE_WITHIN)
}

impl PatientUser {
    /// Whether the patient typed their password recently enough to change how they sign in.
    pub fn recently_confirmed(&self) -> bool {
        confirmed_lately(self.reauthenticated_at)
    }
}

impl StaffUser {
    /// Whether the staff member typed their password recently enough to change how they
    /// sign in.
    pub fn recently_confirmed(&self) -> bool {
        confirmed_lately(self.reauthenticated_at)
    }
}

impl FromRequestParts<AppState> for PatientUser {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        patient_user(parts, state)
            .await?
            .ok_or(SessionRejection::SignInRequired("/sign-in"))
    }
}

impl OptionalFromRequestParts<AppState> for PatientUser {
    type Rejection = SessionUnreadable;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        patient_user(parts, state).await
    }
}

/// The patient of the request's session, read with the session in one statement (every
/// patient request starts here).
async fn patient_user(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<PatientUser>, SessionUnreadable> {
    let Some(token) = token_from(&parts.headers) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let Some(read) = read_account(state.db.patient_session(&hash).await)? else {
        return Ok(None);
    };
    let PatientSession {
        session,
        account,
        terms_accepted,
    } = read;
    let live = still_live(
        state,
        &session,
        &hash,
        SessionKind::Patient,
        PATIENT_IDLE,
        PATIENT_ABSOLUTE,
    )
    .await;
    let account = account.filter(|account| live && account.can_sign_in());
    Ok(account.map(|account| {
        let scope = PatientScope::new(account.organization, account.patient);
        PatientUser {
            account,
            scope,
            token_hash: hash,
            reauthenticated_at: session.reauthenticated_at,
            terms_accepted,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_of_our_shape_reach_the_database() {
        let (token, _) = new_token();
        assert!(well_formed_token(&token));
        assert!(!well_formed_token("short"));
        assert!(!well_formed_token(&"a".repeat(101)));
        assert!(!well_formed_token("abcdefghijklmnopqrstuvwxyz%2F..%2F"));
        assert!(!well_formed_token("a' OR '1'='1 -- and some more padding"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in unpadded base64url");
        assert_eq!(hash_a, token_hash(&a));
        assert_ne!(hash_a, a);
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "theme=dark; porchlight_session=abc; x=1".parse().unwrap(),
        );
        assert_eq!(token_from(&headers).as_deref(), Some("abc"));
        headers.insert(header::COOKIE, "porchlight_session=".parse().unwrap());
        assert_eq!(token_from(&headers), None);
    }

    #[test]
    fn reads_bearer_tokens_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers).as_deref(), Some("abc"));
        assert_eq!(token_from(&headers).as_deref(), Some("abc"));
        headers.insert(header::AUTHORIZATION, "bearer  xyz ".parse().unwrap());
        assert_eq!(bearer_token(&headers).as_deref(), Some("xyz"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::COOKIE, "porchlight_session=c".parse().unwrap());
        headers.insert(header::AUTHORIZATION, "Bearer b".parse().unwrap());
        assert_eq!(
            token_from(&headers).as_deref(),
            Some("c"),
            "the cookie first"
        );
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_over_https() {
        assert_eq!(
            cookie("t", false),
            "porchlight_session=t; Path=/; HttpOnly; SameSite=Lax"
        );
        assert!(cookie("t", true).ends_with("; Secure"));
        assert!(removal_cookie(false).contains("Max-Age=0"));
    }
}
