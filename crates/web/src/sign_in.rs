//! What staff and patient sign-in share: counters that throttle guessing, and starting a
//! fresh session.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use domain::OrganizationId;
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use storage::{
    Database, FailureCount, FailuresBy, NewSession, NewSignInFailure, NoticedEvent, Organization,
    SeenDevice, SessionKind, Sighting,
};
use uuid::Uuid;

use crate::{AppState, session};

/// How failures in one counter turn into waiting: until `free` failures in the window the next
/// attempt need not wait; from the `free`-th on, each failure makes the next attempt wait, twice
/// as long as after the one before, up to `longest`. Nothing is ever locked for good, so guessing cannot shut a patient out.
struct Limit {
    free: u32,
    window: SignedDuration,
    first: SignedDuration,
    longest: SignedDuration,
}

impl Limit {
    fn wait_after(&self, failures: u32) -> SignedDuration {
        if failures < self.free {
            return SignedDuration::ZERO;
        }
        let doublings = (failures - self.free).min(16);
        (self.first * 2_i32.pow(doublings)).min(self.longest)
    }

    /// How long an attempt must still wait after these failures; `None`: it may go on.
    fn remaining(&self, count: Option<FailureCount>, now: Timestamp) -> Option<SignedDuration> {
        let count = count?;
        let until = count.last_at + self.wait_after(count.failures);
        (until > now).then(|| until.duration_since(now))
    }
}

/// Failures against one account (from browsers it has never signed in on), or from one
/// device it has: after the 5th failure a wait of 1 minute, then 2, 4, 8, 16, 30, 30...
const ACCOUNT: Limit = Limit {
    free: 5,
    window: SignedDuration::from_hours(24),
    first: SignedDuration::from_mins(1),
    longest: SignedDuration::from_mins(30),
};
/// How long an account with these failures makes its next sign-in wait (from an unknown
/// device), for the security page.
pub(crate) fn account_wait(count: FailureCount, now: Timestamp) -> Option<SignedDuration> {
    ACCOUNT.remaining(Some(count), now)
}

/// The period account failures are counted over.
pub(crate) const ACCOUNT_WINDOW: SignedDuration = ACCOUNT.window;

/// How long a second-step code for this account must wait after the wrong codes counted
/// in `bucket` (the same growing waits as passwords); `None`: it may go on. When the counter
/// cannot be read, it waits.
pub(crate) async fn code_wait(
    db: &Database,
    bucket: &str,
    now: Timestamp,
) -> Option<SignedDuration> {
    match db.failure_count(bucket, now, ACCOUNT.window).await {
        Ok(count) => ACCOUNT.remaining(count, now),
        Err(error) => {
            tracing::error!(error = %error, "could not read the code counter");
            Some(SignedDuration::from_mins(1))
        }
    }
}

/// A plain rate limit: counts this request in `bucket` and answers whether it is within
/// `max` per `window` (when the counter cannot be written, it is not).
pub(crate) async fn within_rate(
    db: &Database,
    bucket: &str,
    max: u32,
    window: SignedDuration,
) -> bool {
    match db.record_failure(bucket, Timestamp::now(), window).await {
        Ok(count) => count <= max,
        Err(error) => {
            tracing::error!(error = %error, "could not count a request");
            false
        }
    }
}

/// Counts a wrong second-step code in `bucket`.
pub(crate) async fn count_code_failure(db: &Database, bucket: &str, now: Timestamp) {
    if let Err(error) = db.record_failure(bucket, now, ACCOUNT.window).await {
        tracing::error!(error = %error, "could not count a wrong code");
    }
}

/// Failures from one address, whatever the account.
const ADDRESS: Limit = Limit {
    free: 30,
    window: SignedDuration::from_hours(1),
    first: SignedDuration::from_mins(1),
    longest: SignedDuration::from_mins(30),
};
/// The period the credential-stuffing detectors look back over.
const DETECTION_WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// Accounts failing from one address within the period: credential stuffing.
const STUFFING_ACCOUNTS: u64 = 10;
/// Accounts failing with one password within the period: password spraying. Sign-ins with
/// that password then wait, even where it is right, until it has rested for the period.
const SPRAYED_ACCOUNTS: u64 = 5;

/// One answer for a wrong username and a wrong password alike.
pub(crate) fn wrong_credentials() -> String {
    crate::i18n::t("wrong-credentials")
}

/// The counters one sign-in attempt is weighed against: its account (or the known device it
/// comes from), its client address, and the password tried across accounts. They live in the
/// database, so they hold across restarts and instances.
pub(crate) struct Throttle {
    surface: &'static str,
    organization: Option<OrganizationId>,
    username: String,
    client: IpAddr,
    account_bucket: String,
    address_bucket: String,
    /// The attempt comes from a device that has signed in to the account before.
    known_device: bool,
}

impl Throttle {
    pub(crate) fn new(
        surface: &'static str,
        organization: Option<&Organization>,
        username: Option<&str>,
        client: IpAddr,
    ) -> Self {
        let username = username.unwrap_or("-").to_owned();
        Self {
            surface,
            organization: organization.map(|o| o.id),
            account_bucket: format!(
                "{surface}:{}:{username}",
                organization.map_or("-", |o| o.slug.as_str()),
            ),
            username,
            client,
            address_bucket: format!("sign-in-address:{}", address_key(client)),
            known_device: false,
        }
    }

    /// Counts this attempt apart from strangers' when it comes from a device that has signed
    /// in to the account before: someone guessing at the account, or spraying its password at
    /// many accounts, elsewhere does not hold its owner back.
    pub(crate) async fn on_device(
        mut self,
        state: &AppState,
        headers: &HeaderMap,
        kind: SessionKind,
        account: Option<Uuid>,
    ) -> Self {
        let (Some(account), Some(device)) = (account, device_hash(headers)) else {
            return self;
        };
        match state.db.is_known_device(kind, account, &device).await {
            Ok(true) => {
                // Per account too: on a shared computer one member's sign-in must not clear
                // the count of guesses at another's password.
                self.account_bucket = format!("{}-device:{account}:{device}", self.surface);
                self.known_device = true;
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(error = %error, "could not read the known devices"),
        }
        self
    }

    /// Takes this attempt's turn on the account's counter, or says how long it must wait.
    /// The attempt is counted before the password is checked (a right one clears the count
    /// again), with a compare-and-swap on the count just read: attempts sent at the same
    /// moment see each other, so a burst at the end of a wait gets one try, not one each.
    /// When the counters cannot be read, it waits.
    async fn take_turn(
        &self,
        db: &Database,
        now: Timestamp,
        password_key: Option<&str>,
    ) -> Result<(), SignedDuration> {
        let unreadable = |error: anyhow::Error| {
            tracing::error!(error = %error, "could not read the sign-in counters");
            SignedDuration::from_mins(1)
        };
        for _ in 0..5 {
            let seen = db
                .throttle_counter(&self.account_bucket)
                .await
                .map_err(unreadable)?;
            let account = seen.filter(|c| now.duration_since(c.started_at) < ACCOUNT.window);
            let account = account.map(|c| FailureCount {
                failures: c.failures,
                last_at: c.last_at,
            });
            let others = self
                .other_waits(db, now, password_key)
                .await
                .map_err(unreadable)?;
            if let Some(wait) = [ACCOUNT.remaining(account, now), others]
                .into_iter()
                .flatten()
                .max()
            {
                return Err(wait);
            }
            if db
                .take_attempt(&self.account_bucket, seen.as_ref(), now, ACCOUNT.window)
                .await
                .map_err(unreadable)?
            {
                return Ok(());
            }
            // Another attempt took its turn between the read and the write: read again.
        }
        Err(ACCOUNT.first)
    }

    /// The waits besides the account's: the client address's, and a sprayed password's.
    async fn other_waits(
        &self,
        db: &Database,
        now: Timestamp,
        password_key: Option<&str>,
    ) -> anyhow::Result<Option<SignedDuration>> {
        let address = db
            .failure_count(&self.address_bucket, now, ADDRESS.window)
            .await?;
        let mut wait = ADDRESS.remaining(address, now);
        if let (Some(organization), Some(key), false) =
            (self.organization, password_key, self.known_device)
        {
            let sprayed = db
                .sign_in_failures(
                    organization,
                    FailuresBy::PasswordKey(key),
                    now - DETECTION_WINDOW,
                )
                .await?;
            if sprayed.accounts >= SPRAYED_ACCOUNTS
                && let Some(last) = sprayed.last_at
            {
                let rested = (last + DETECTION_WINDOW).duration_since(now);
                wait = wait.max(Some(rested));
            }
        }
        Ok(wait)
    }

    /// Weighs one attempt against the stored hash (`None`: no such account) and the counters.
    /// It always costs one Argon2id computation, whether or not the account exists, can sign
    /// in, or must wait, so that no answer or timing tells them apart. A wrong attempt stays
    /// counted (and is looked at for credential stuffing); a right one clears its counter.
    pub(crate) async fn weigh(
        &self,
        state: &AppState,
        now: Timestamp,
        stored_hash: Option<String>,
        usable: bool,
        password: String,
    ) -> Result<(), Refused> {
        let password_key = self
            .organization
            .map(|_| state.key.keyed_hash("sign-in-password", &password));
        let turn = self
            .take_turn(&state.db, now, password_key.as_deref())
            .await;
        let verified = state
            .hasher
            .verify_or_dummy(SecretString::from(password), stored_hash)
            .await
            .unwrap_or(false);
        if let Err(wait) = turn {
            return Err(Refused::Throttled(wait));
        }
        if !(verified && usable) {
            self.count_failure(state, now, password_key.as_deref())
                .await;
            return Err(Refused::WrongCredentials);
        }
        self.clear(&state.db).await;
        Ok(())
    }

    /// Counts a wrong attempt against the client address and keeps it as evidence (the
    /// account's counter took it already, in [`Throttle::take_turn`]).
    async fn count_failure(&self, state: &AppState, now: Timestamp, password_key: Option<&str>) {
        if let Err(error) = state
            .db
            .record_failure(&self.address_bucket, now, ADDRESS.window)
            .await
        {
            tracing::error!(error = %error, "could not count a failed sign-in");
        }
        let (Some(organization), Some(password_key)) = (self.organization, password_key) else {
            return;
        };
        let client = address_key(self.client);
        let failure = NewSignInFailure {
            at: now,
            surface: self.surface,
            organization,
            username: &self.username,
            client_addr: &client,
            password_key,
        };
        if let Err(error) = state.db.record_sign_in_failure(&failure).await {
            tracing::error!(error = %error, "could not keep a failed sign-in");
            return;
        }
        if let Err(error) = detect_patterns(&state.db, &failure).await {
            tracing::error!(error = %error, "could not look for credential stuffing");
        }
    }

    /// Forgets the failures counted against the account, or the known device (a right
    /// password, or a reset).
    pub(crate) async fn clear(&self, db: &Database) {
        if let Err(error) = db.clear_failures(&self.account_bucket).await {
            tracing::warn!(error = %error, "could not clear the sign-in counter");
        }
    }
}

/// Someone signed in typing their password again before changing how they sign in.
pub(crate) struct Confirming<'a> {
    /// The sign-in surface whose counters the attempt counts in (`patient-sign-in`...).
    pub(crate) surface: &'static str,
    pub(crate) kind: SessionKind,
    pub(crate) organization: OrganizationId,
    pub(crate) username: &'a str,
    pub(crate) account: Uuid,
    pub(crate) password_hash: &'a str,
    /// The session to mark as confirmed.
    pub(crate) token_hash: &'a str,
}

/// Checks the password typed again, weighed like a sign-in (the same counters, so a stolen
/// session cannot be used to guess it); right, the session is marked as confirmed now.
pub(crate) async fn confirm_password(
    state: &AppState,
    headers: &HeaderMap,
    client: IpAddr,
    who: &Confirming<'_>,
    password: String,
) -> anyhow::Result<Result<(), Refused>> {
    let organizations = state.db.organizations().await?;
    let organization = organizations.iter().find(|o| o.id == who.organization);
    let now = Timestamp::now();
    let weighed = Throttle::new(who.surface, organization, Some(who.username), client)
        .on_device(state, headers, who.kind, Some(who.account))
        .await
        .weigh(
            state,
            now,
            Some(who.password_hash.to_owned()),
            true,
            password,
        )
        .await;
    if weighed.is_ok() {
        state.db.mark_reauthenticated(who.token_hash, now).await?;
    }
    Ok(weighed)
}

/// The page a confirmation leads back to: `next` if it is one of `allowed`, else the first.
pub(crate) fn return_to(next: &str, allowed: &[&'static str]) -> &'static str {
    allowed
        .iter()
        .copied()
        .find(|path| *path == next)
        .unwrap_or(allowed[0])
}

/// The address a client is counted under: itself for IPv4, its /64 network for IPv6 (whoever
/// holds one IPv6 address usually holds the whole /64).
pub(crate) fn address_key(client: IpAddr) -> String {
    match client {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// What to tell someone who must wait this long.
pub(crate) fn wait_message(wait: SignedDuration) -> String {
    let minutes = (wait.as_secs() + 59) / 60;
    crate::i18n::t_args("sign-in-throttled", &[("minutes", minutes.max(1).into())])
}

/// Opens (or brings up to date) a security event when the failure just kept completes a
/// pattern: many accounts failing from its address (credential stuffing), or its password
/// failing on many accounts (password spraying).
async fn detect_patterns(db: &Database, failure: &NewSignInFailure<'_>) -> anyhow::Result<()> {
    let since = failure.at - DETECTION_WINDOW;
    let patterns = [
        (
            "credential-stuffing",
            FailuresBy::Address(failure.client_addr),
            STUFFING_ACCOUNTS,
        ),
        (
            "password-spraying",
            FailuresBy::PasswordKey(failure.password_key),
            SPRAYED_ACCOUNTS,
        ),
    ];
    for (kind, by, threshold) in patterns {
        let summary = db.sign_in_failures(failure.organization, by, since).await?;
        if summary.accounts < threshold {
            continue;
        }
        let samples = db
            .sign_in_failure_samples(failure.organization, by, since)
            .await?;
        let evidence = serde_json::json!({
            "surface": failure.surface,
            "period_minutes": DETECTION_WINDOW.as_mins(),
            "failures": summary.failures,
            "accounts": summary.accounts,
            "addresses": summary.addresses,
            "first_at": summary.first_at.map(|t| t.to_string()),
            "last_at": summary.last_at.map(|t| t.to_string()),
            "accounts_tried": samples.accounts,
            "from_addresses": samples.addresses,
        });
        // The password key stays out of sight: the subject names the event, not the password.
        let subject = match by {
            FailuresBy::Address(address) => address.to_owned(),
            FailuresBy::PasswordKey(key) => format!("password {}", &key[..12.min(key.len())]),
        };
        db.notice_security_event(&NoticedEvent {
            organization: failure.organization,
            kind,
            subject: &subject,
            evidence: &evidence.to_string(),
            now: failure.at,
        })
        .await?;
    }
    Ok(())
}

/// Why a sign-in attempt was refused.
pub(crate) enum Refused {
    /// Too many recent failures for the account, the address or the password: even a right
    /// password waits this long.
    Throttled(SignedDuration),
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
}

/// A session just started: its token (for API clients that send it as a bearer token), the
/// cookie that carries it (for browsers), and the device cookie that lets the account know
/// this browser next time.
pub(crate) struct StartedSession {
    pub(crate) token: String,
    cookie: String,
    device_cookie: String,
    /// What the account knew of this device.
    pub(crate) sighting: Sighting,
}

impl StartedSession {
    pub(crate) fn set_cookies(&self, response: &mut Response) {
        set_cookie(response, &self.cookie);
        set_cookie(response, &self.device_cookie);
    }
}

/// Starts a new session and remembers the device it started on. Any session the request
/// carried is ended first: a session id planted before sign-in is worthless.
pub(crate) async fn start_session(
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
    let limits = state
        .db
        .enrollment_policy(subject.organization)
        .await?
        .session_limits(subject.kind == SessionKind::Staff);
    let client_addr = client.to_string();
    let user_agent = user_agent(headers);
    state
        .db
        .create_session(NewSession {
            token_hash: &hash,
            kind: subject.kind,
            subject: subject.id,
            organization: subject.organization,
            now,
            expires_at: now + limits.absolute,
            idle: limits.idle,
            client_addr: Some(&client_addr),
            user_agent: user_agent.as_deref(),
        })
        .await?;
    let device_token = session::cookie_value(headers, session::DEVICE_COOKIE)
        .filter(|token| token.len() <= 64)
        .unwrap_or_else(|| session::new_token().0);
    let sighting = state
        .db
        .remember_device(&SeenDevice {
            kind: subject.kind,
            account: subject.id,
            device_hash: &session::token_hash(&device_token),
            now,
            user_agent: user_agent.as_deref(),
            client_addr: Some(&client_addr),
        })
        .await?;
    let https = state.settings.served_over_https();
    Ok(StartedSession {
        cookie: session::cookie(&token, https),
        token,
        device_cookie: session::device_cookie(&device_token, https),
        sighting,
    })
}

/// The SHA-256 of the request's device cookie, if it carries one.
fn device_hash(headers: &HeaderMap) -> Option<String> {
    session::cookie_value(headers, session::DEVICE_COOKIE).map(|token| session::token_hash(&token))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_the_first_failure_past_the_free_ones_and_stop_growing() {
        let minutes = |failures| ACCOUNT.wait_after(failures).as_mins();
        assert_eq!((0..5).map(minutes).collect::<Vec<_>>(), [0, 0, 0, 0, 0]);
        assert_eq!(
            (5..12).map(minutes).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 30, 30]
        );
        assert_eq!(minutes(u32::MAX), 30, "no overflow, and never a lock");
    }

    #[test]
    fn a_wait_counts_from_the_latest_failure() {
        let last_at: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        let count = Some(FailureCount {
            failures: 6,
            last_at,
        });
        let at = |minutes| last_at + SignedDuration::from_mins(minutes);
        assert_eq!(
            ACCOUNT.remaining(count, at(0)),
            Some(SignedDuration::from_mins(2))
        );
        assert_eq!(
            ACCOUNT.remaining(count, at(1)),
            Some(SignedDuration::from_mins(1))
        );
        assert_eq!(ACCOUNT.remaining(count, at(2)), None);
        assert_eq!(ACCOUNT.remaining(None, at(0)), None);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(address_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(address_key(ip("::ffff:203.0.113.9")), "203.0.113.9");
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa::1")),
            address_key(ip("2001:db8:1:2:bbbb::7"))
        );
        assert_eq!(address_key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn the_message_rounds_the_wait_up_to_whole_minutes() {
        assert!(wait_message(SignedDuration::from_secs(61)).contains("Wait 2 minutes"));
        assert!(wait_message(SignedDuration::from_secs(1)).contains("Wait 1 minute "));
    }
}
