//! The second step of signing in, shared by patients and staff: after a right password, an
//! account with 2-step sign-in gets no session yet, only a short-lived challenge (a cookie
//! holding a random token); the session starts when a code from its authenticator app, an
//! emailed code, or one of its recovery codes is typed.
//!
//! A code is accepted once: an app's time step must be later than the last one accepted (one
//! atomic update), a recovery code is used up, an emailed code ends with its challenge. Wrong
//! codes count against the challenge (it ends after [`CODE_FAILURES`]) and against the
//! account, with the same growing waits as wrong passwords.

use askama::Template;
use axum::http::HeaderMap;
use domain::{
    PatientId,
    two_step::{self as rules, TotpSecret},
};
use jiff::{SignedDuration, Timestamp};
use storage::{Challenge, EmailedCode, NewChallenge, SecondStep, SessionKind};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::{AppState, account::sign_in, common::session};

/// The cookie that carries a sign-in between its two steps.
pub const CHALLENGE_COOKIE: &str = "porchlight_2step";
/// How long the second step may take.
const CHALLENGE_LIFETIME: SignedDuration = SignedDuration::from_mins(10);
/// Wrong codes before a challenge ends (and the password is asked for again).
pub const CODE_FAILURES: u32 = 3;
/// How long an emailed code works.
pub(crate) const EMAIL_CODE_MINUTES: u32 = 10;
/// Emailed codes one sign-in may ask for, the first included.
const EMAIL_SENDS: u32 = 3;
/// Between two emailed codes.
const RESEND_AFTER: SignedDuration = SignedDuration::from_secs(30);

/// Key purposes: the shared secret of a confirmed app, and of one still being set up (carried
/// in the setup form, sealed, so that nothing is stored until a code proves the phone has it).
pub(crate) const TOTP_PURPOSE: &str = "totp";
pub(crate) const TOTP_SETUP_PURPOSE: &str = "totp-setup";
const RECOVERY_PURPOSE: &str = "recovery-code";
const EMAIL_CODE_PURPOSE: &str = "sign-in-code";

/// What the account's second step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asks {
    /// A code from an authenticator app.
    App,
    /// A code sent by email.
    Email,
    /// Nothing set up yet, but the practice requires it: set up an app now (staff).
    Setup,
}

/// A sign-in waiting for its second step: the token for the cookie.
pub(crate) struct Pending {
    pub(crate) token: String,
    pub(crate) asks: Asks,
}

impl Pending {
    pub(crate) fn cookie(&self, https: bool) -> String {
        let secure = if https { "; Secure" } else { "" };
        format!(
            "{CHALLENGE_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            self.token,
            CHALLENGE_LIFETIME.as_secs()
        )
    }
}

/// The `Set-Cookie` value that removes the challenge cookie.
pub(crate) fn removal_cookie(https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("{CHALLENGE_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Who is between the steps.
pub(crate) struct Who {
    pub(crate) kind: SessionKind,
    pub(crate) account: Uuid,
    pub(crate) organization: domain::OrganizationId,
    /// For patients: the chart an emailed code goes to.
    pub(crate) patient: Option<PatientId>,
    /// Whether the practice requires a second step of this account.
    pub(crate) required: bool,
}

/// Starts the second step if the account has one (or must set one up): `None` when the
/// password alone signs it in.
pub(crate) async fn begin(state: &AppState, who: &Who) -> anyhow::Result<Option<Pending>> {
    let asks = match state.db.two_step(who.kind, who.account).await? {
        Some(two_step) => match two_step.method {
            SecondStep::Totp { .. } => Asks::App,
            SecondStep::Email => Asks::Email,
        },
        None if who.required => Asks::Setup,
        None => return Ok(None),
    };
    let (token, hash) = session::new_token();
    let now = Timestamp::now();
    let code = (asks == Asks::Email).then(rules::email_code);
    let code_hash = code
        .as_deref()
        .map(|code| state.key.keyed_hash(EMAIL_CODE_PURPOSE, code));
    let payload = code.as_deref().map(|code| email_payload(who.patient, code));
    let email = match (&code_hash, &payload) {
        (Some(code_hash), Some(payload)) => Some(EmailedCode {
            code_hash,
            job_kind: "email.sign-in-code",
            payload,
        }),
        _ => None,
    };
    state
        .db
        .create_challenge(&NewChallenge {
            token_hash: &hash,
            kind: who.kind,
            account: who.account,
            organization: who.organization,
            now,
            expires_at: now + CHALLENGE_LIFETIME,
            email,
        })
        .await?;
    Ok(Some(Pending { token, asks }))
}

fn email_payload(patient: Option<PatientId>, code: &str) -> String {
    serde_json::json!({
        "patient": patient,
        "code": code,
        "valid_minutes": EMAIL_CODE_MINUTES,
    })
    .to_string()
}

/// The request's challenge of `kind`, with its token's hash, if it is still open.
pub(crate) async fn current(
    state: &AppState,
    headers: &HeaderMap,
    kind: SessionKind,
) -> Option<(Challenge, String)> {
    let token = session::cookie_value(headers, CHALLENGE_COOKIE)?;
    by_token(state, &token, kind).await
}

/// The challenge of `kind` a token names, with the token's hash, if it is still open.
pub(crate) async fn by_token(
    state: &AppState,
    token: &str,
    kind: SessionKind,
) -> Option<(Challenge, String)> {
    if !session::well_formed_token(token) {
        return None;
    }
    let hash = session::token_hash(token);
    match state.db.challenge(&hash, Timestamp::now()).await {
        Ok(Some(challenge)) if challenge.kind == kind => Some((challenge, hash)),
        Ok(_) => None,
        Err(error) => {
            tracing::error!(error = %error, "could not read a sign-in challenge");
            None
        }
    }
}

/// What the account's second step asks for now.
pub(crate) async fn asks(state: &AppState, challenge: &Challenge) -> anyhow::Result<Asks> {
    Ok(
        match state.db.two_step(challenge.kind, challenge.account).await? {
            Some(two_step) => match two_step.method {
                SecondStep::Totp { .. } => Asks::App,
                SecondStep::Email => Asks::Email,
            },
            None => Asks::Setup,
        },
    )
}

/// What became of a typed code.
pub(crate) enum Checked {
    /// Right: the challenge is ended, the session may start.
    Accepted,
    /// Wrong (or used before): try again.
    Wrong,
    /// Too many wrong codes: the challenge is ended; sign in again.
    Ended,
    /// Too many wrong codes for the account lately: wait this long.
    Throttled(SignedDuration),
}

/// The counter of wrong codes for an account.
fn bucket(kind: SessionKind, account: Uuid) -> String {
    let kind = match kind {
        SessionKind::Staff => "staff",
        SessionKind::Patient => "patient",
    };
    format!("two-step:{kind}:{account}")
}

/// Checks a typed code against the challenge's account: its app's code, its emailed code, or
/// one of its recovery codes.
pub(crate) async fn check(
    state: &AppState,
    challenge: &Challenge,
    challenge_hash: &str,
    typed: &str,
) -> anyhow::Result<Checked> {
    let now = Timestamp::now();
    let bucket = bucket(challenge.kind, challenge.account);
    if let Some(wait) = sign_in::code_wait(&state.db, &bucket, now).await? {
        return Ok(Checked::Throttled(wait));
    }
    // The attempt is taken before the code is checked: codes sent at once all count.
    let Some(attempt) = state
        .db
        .reserve_challenge_attempt(challenge_hash, CODE_FAILURES)
        .await?
    else {
        state.db.end_challenge(challenge_hash).await?;
        return Ok(Checked::Ended);
    };
    let right = match state.db.two_step(challenge.kind, challenge.account).await? {
        Some(two_step) => {
            let first = match &two_step.method {
                SecondStep::Totp { sealed } => {
                    // A secret that no longer opens (the server key changed) must not stand
                    // between the patient and their recovery codes.
                    app_code_accepted(state, challenge.kind, challenge.account, sealed, typed, now)
                        .await
                        .unwrap_or_else(|error| {
                            tracing::error!(error = %error, "could not check an app's code");
                            false
                        })
                }
                SecondStep::Email => emailed_code_right(state, challenge, typed, now),
            };
            first
                || recovery_code_used(state, challenge.kind, challenge.account, typed, now).await?
        }
        None => false,
    };
    if right {
        if !state.db.end_challenge(challenge_hash).await? {
            // Another request with the same cookie finished first: it has the session.
            return Ok(Checked::Ended);
        }
        if let Err(error) = state.db.clear_failures(&bucket).await {
            tracing::warn!(error = %error, "could not clear the code counter");
        }
        return Ok(Checked::Accepted);
    }
    sign_in::count_code_failure(&state.db, &bucket, now).await;
    if attempt >= CODE_FAILURES {
        state.db.end_challenge(challenge_hash).await?;
        return Ok(Checked::Ended);
    }
    Ok(Checked::Wrong)
}

/// Counts a wrong code against the challenge and the account (the first code of an app
/// being set up, which [`check`] does not see).
pub(crate) async fn count_wrong(
    state: &AppState,
    challenge_hash: &str,
    bucket_name: &str,
    now: Timestamp,
) -> Checked {
    sign_in::count_code_failure(&state.db, bucket_name, now).await;
    match state.db.count_challenge_failure(challenge_hash).await {
        Ok(failures) if failures < CODE_FAILURES => Checked::Wrong,
        Ok(_) | Err(_) => {
            let _ = state.db.end_challenge(challenge_hash).await;
            Checked::Ended
        }
    }
}

/// The counter of wrong codes for the challenge's account.
pub(crate) fn bucket_of(challenge: &Challenge) -> String {
    bucket(challenge.kind, challenge.account)
}

/// Whether `typed` is the app's code for now (or a step either side) and later than every
/// code accepted before; if so it is recorded as accepted.
async fn app_code_accepted(
    state: &AppState,
    kind: SessionKind,
    account: Uuid,
    sealed: &str,
    typed: &str,
    now: Timestamp,
) -> anyhow::Result<bool> {
    let Some(secret) = open_secret(state, TOTP_PURPOSE, account, sealed) else {
        anyhow::bail!("an authenticator secret does not open under the server key");
    };
    let Some(step) = secret.matching_step(typed, unix(now)) else {
        return Ok(false);
    };
    state.db.accept_totp_step(kind, account, step).await
}

fn emailed_code_right(
    state: &AppState,
    challenge: &Challenge,
    typed: &str,
    now: Timestamp,
) -> bool {
    let (Some(stored), Some(sent_at), Some(code)) = (
        challenge.email_code_hash.as_deref(),
        challenge.email_sent_at,
        rules::normalize_email_code(typed),
    ) else {
        return false;
    };
    let fresh = now < sent_at + SignedDuration::from_mins(i64::from(EMAIL_CODE_MINUTES));
    let hash = state.key.keyed_hash(EMAIL_CODE_PURPOSE, &code);
    fresh && bool::from(hash.as_bytes().ct_eq(stored.as_bytes()))
}

async fn recovery_code_used(
    state: &AppState,
    kind: SessionKind,
    account: Uuid,
    typed: &str,
    now: Timestamp,
) -> anyhow::Result<bool> {
    let Some(code) = rules::normalize_recovery_code(typed) else {
        return Ok(false);
    };
    let hash = recovery_hash(state, account, &code);
    state.db.use_recovery_code(kind, account, &hash, now).await
}

/// The keyed hash a recovery code is kept as (normalized, and bound to its account).
fn recovery_hash(state: &AppState, account: Uuid, normalized: &str) -> String {
    state
        .key
        .keyed_hash(RECOVERY_PURPOSE, &format!("{account}:{normalized}"))
}

/// A fresh set of recovery codes: as shown once, and as kept.
pub(crate) fn new_recovery_codes(state: &AppState, account: Uuid) -> (Vec<String>, Vec<String>) {
    let codes = rules::recovery_codes();
    let hashes = codes
        .iter()
        .filter_map(|code| rules::normalize_recovery_code(code))
        .map(|code| recovery_hash(state, account, &code))
        .collect();
    (codes, hashes)
}

/// Sends a new emailed code for the challenge, if its sign-in may have another. `false`: it
/// may not (too soon after the last, or too many).
pub(crate) async fn resend(
    state: &AppState,
    challenge: &Challenge,
    challenge_hash: &str,
    patient: Option<PatientId>,
) -> anyhow::Result<bool> {
    let now = Timestamp::now();
    let too_soon = challenge
        .email_sent_at
        .is_some_and(|sent| now < sent + RESEND_AFTER);
    if too_soon || challenge.email_sends >= EMAIL_SENDS {
        return Ok(false);
    }
    let code = rules::email_code();
    let code_hash = state.key.keyed_hash(EMAIL_CODE_PURPOSE, &code);
    let payload = email_payload(patient, &code);
    state
        .db
        .resend_challenge_code(
            challenge_hash,
            &EmailedCode {
                code_hash: &code_hash,
                job_kind: "email.sign-in-code",
                payload: &payload,
            },
            now,
            EMAIL_SENDS,
            now + SignedDuration::from_mins(i64::from(EMAIL_CODE_MINUTES)),
        )
        .await
}

/// An app being set up: its secret, sealed for the setup form, and what the page shows.
pub(crate) struct AppSetup {
    /// The secret sealed for the form's hidden field.
    pub(crate) sealed: String,
    /// The QR code as an SVG data URL.
    pub(crate) qr: String,
    /// The secret for typing by hand.
    pub(crate) typed: String,
}

/// A new secret to set an app up with, for `account` labelled `label` in the app.
pub(crate) fn new_app_setup(
    state: &AppState,
    account: Uuid,
    issuer: &str,
    label: &str,
) -> anyhow::Result<AppSetup> {
    let secret = TotpSecret::generate();
    app_setup(state, account, issuer, label, &secret)
}

/// The setup page's parts for a secret being set up (again, after a wrong code).
pub(crate) fn app_setup(
    state: &AppState,
    account: Uuid,
    issuer: &str,
    label: &str,
    secret: &TotpSecret,
) -> anyhow::Result<AppSetup> {
    let url = secret.otpauth_url(issuer, label);
    Ok(AppSetup {
        sealed: state
            .key
            .seal(TOTP_SETUP_PURPOSE, account.as_bytes(), secret.as_bytes()),
        qr: crate::common::pages::qr_data_url(&url)?,
        typed: secret.for_typing(),
    })
}

/// The secret a setup form carries, if it was sealed here for this account.
pub(crate) fn setup_secret(state: &AppState, account: Uuid, sealed: &str) -> Option<TotpSecret> {
    open_secret(state, TOTP_SETUP_PURPOSE, account, sealed)
}

fn open_secret(state: &AppState, purpose: &str, account: Uuid, sealed: &str) -> Option<TotpSecret> {
    let bytes = state.key.open(purpose, account.as_bytes(), sealed)?;
    TotpSecret::from_bytes(bytes)
}

/// Checks the first code of an app being set up. `Some(step)`: right, to record as accepted.
pub(crate) fn first_code(secret: &TotpSecret, typed: &str) -> Option<u64> {
    secret.matching_step(typed, unix(Timestamp::now()))
}

/// The method to store for a confirmed app: its secret sealed for keeping.
pub(crate) fn confirmed_app(state: &AppState, account: Uuid, secret: &TotpSecret) -> SecondStep {
    SecondStep::Totp {
        sealed: state
            .key
            .seal(TOTP_PURPOSE, account.as_bytes(), secret.as_bytes()),
    }
}

fn unix(now: Timestamp) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0)
}

/// Replaces the account's recovery codes, if it has a second step; answers the new codes to
/// show once (`None`: no second step, nothing changed).
pub(crate) async fn replace_recovery_codes(
    state: &AppState,
    account: &storage::AccountRef,
    origin: &storage::RequestOrigin,
) -> anyhow::Result<Option<Vec<String>>> {
    if state.db.two_step(account.kind, account.id).await?.is_none() {
        return Ok(None);
    }
    let (codes, hashes) = new_recovery_codes(state, account.id);
    state
        .db
        .new_recovery_codes(account, &hashes, origin)
        .await?;
    Ok(Some(codes))
}

/// New recovery codes, shown once; "Continue" goes to `next`.
pub(crate) async fn recovery_codes_page(
    state: &AppState,
    codes: Vec<String>,
    next: &'static str,
    staff: bool,
) -> axum::response::Response {
    let practice = crate::common::pages::Practice::of(state).await;
    let mut response = crate::common::pages::render(RecoveryCodesPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        codes,
        next,
        staff,
    });
    crate::common::pages::no_store(&mut response);
    response
}

/// The page that shows new recovery codes once.
#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    practice_name: String,
    practice_phone: Option<String>,
    codes: Vec<String>,
    /// Where "Continue" goes.
    next: &'static str,
    staff: bool,
}
