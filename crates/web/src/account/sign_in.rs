//! What staff and patient sign-in share: counters that throttle guessing, and starting a
//! fresh session.

use std::net::IpAddr;

use anyhow::Context;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use domain::OrganizationId;
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use storage::{
    Database, FailureCount, FailuresBy, NewSession, NewSignInFailure, NoticedEvent, Organization,
    RefusedSignIn, SeenDevice, SessionKind, Sighting, TurnOutcome,
};
use uuid::Uuid;

use crate::{AppState, common::session};

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
        let wait = self.wait_after(count.failures);
        // No wait below the limit, even when another attempt stamped the counter a moment
        // after this one read the clock.
        let until = count.last_at + wait;
        (wait.is_positive() && until > now).then(|| until.duration_since(now))
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
) -> anyhow::Result<Option<SignedDuration>> {
    // A counter that cannot be read is trouble on our side, never a reason to wait.
    let count = db
        .failure_count(bucket, now, ACCOUNT.window)
        .await
        .context("could not read the code counter")?;
    Ok(ACCOUNT.remaining(count, now))
}

/// A plain rate limit: counts this request in `bucket` and answers whether it is within
/// `max` per `window`. A counter that cannot be written is an error (trouble on our side),
/// never an answer about the visitor.
pub(crate) async fn within_rate(
    db: &Database,
    bucket: &str,
    max: u32,
    window: SignedDuration,
) -> anyhow::Result<bool> {
    let count = db
        .record_failure(bucket, Timestamp::now(), window)
        .await
        .context("could not count a request")?;
    Ok(count <= max)
}

/// Counts a wrong second-step code in `bucket`.
pub(crate) async fn count_code_failure(db: &Database, bucket: &str, now: Timestamp) {
    if let Err(error) = db.record_failure(bucket, now, ACCOUNT.window).await {
        tracing::error!(error = %error, "could not count a wrong code");
    }
}

/// Failures from one address, whatever the account (per sign-in surface and practice).
const ADDRESS: Limit = Limit {
    free: 30,
    window: SignedDuration::from_hours(1),
    first: SignedDuration::from_mins(1),
    longest: SignedDuration::from_mins(30),
};
/// How long an address with these failures makes its next sign-in wait, for the security page.
pub(crate) fn address_wait(count: FailureCount, now: Timestamp) -> Option<SignedDuration> {
    ADDRESS.remaining(Some(count), now)
}
/// The period address failures are counted over.
pub(crate) const ADDRESS_WINDOW: SignedDuration = ADDRESS.window;
/// The period the credential-stuffing detectors look back over.
const DETECTION_WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// Accounts failing from one address within the period: credential stuffing.
const STUFFING_ACCOUNTS: u64 = 10;
/// Accounts failing with one password within the period: password spraying. Sign-ins with
/// that password then wait, even where it is right, until it has rested for the period.
const SPRAYED_ACCOUNTS: u64 = 5;
/// The longest an attempt waits for the attempts being checked ahead of it: they end within a
/// hash or two, but under load newer attempts may take the turns freed first. Within the
/// 30 seconds a request may take.
const TURN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(25);
/// How often a waiting attempt looks again, at the most: short, so that attempts waiting for
/// a turn are not outrun by newer ones.
const TURN_POLL: std::time::Duration = std::time::Duration::from_millis(40);
/// Turns taken longer ago than this are not counted as being checked: requests end within
/// 30 seconds, so such a turn was left by a process that stopped mid-check.
const STALE_TURN: SignedDuration = SignedDuration::from_secs(60);

/// One answer for a wrong username and a wrong password alike.
pub(crate) fn wrong_credentials() -> String {
    crate::common::i18n::t("wrong-credentials")
}

/// The prefix of the address counters of one surface and practice, for the security page.
pub(crate) fn address_bucket_prefix(surface: &str, organization_slug: &str) -> String {
    format!("sign-in-address:{surface}:{organization_slug}:")
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
    /// The attempt comes from a device that has signed in to the account before: guessing
    /// from its address, or with its password, elsewhere does not hold it back.
    known_device: bool,
}

/// What one counter makes of an attempt.
#[derive(Clone, Copy)]
enum Rule<'a> {
    /// Growing waits after failures.
    Limit(&'static Limit),
    /// A password failing on many accounts waits until it has rested.
    Sprayed {
        organization: OrganizationId,
        key: &'a str,
    },
}

impl Rule<'_> {
    /// How many attempts may be checked at once before the limit is reached.
    fn at_once(self) -> u32 {
        match self {
            Rule::Limit(limit) => limit.free,
            Rule::Sprayed { .. } => u32::try_from(SPRAYED_ACCOUNTS).unwrap_or(u32::MAX),
        }
    }

    fn window(self) -> SignedDuration {
        match self {
            Rule::Limit(limit) => limit.window,
            Rule::Sprayed { .. } => DETECTION_WINDOW,
        }
    }

    /// Whether failures plus pending attempts fill the limit, and how long the failures
    /// alone make an attempt wait.
    async fn weigh(
        self,
        db: &Database,
        current: Option<FailureCount>,
        pending: u32,
        now: Timestamp,
    ) -> anyhow::Result<(Option<SignedDuration>, bool)> {
        Ok(match self {
            Rule::Limit(limit) => {
                let failures = current.map_or(0, |c| c.failures);
                (
                    limit.remaining(current, now),
                    failures.saturating_add(pending) >= limit.free,
                )
            }
            Rule::Sprayed { organization, key } => {
                let sprayed = db
                    .sign_in_failures(
                        organization,
                        FailuresBy::PasswordKey(key),
                        now - DETECTION_WINDOW,
                    )
                    .await?;
                let wait = sprayed
                    .last_at
                    .filter(|_| sprayed.accounts >= SPRAYED_ACCOUNTS)
                    .map(|last| (last + DETECTION_WINDOW).duration_since(now))
                    .filter(|wait| wait.is_positive());
                (
                    wait,
                    sprayed.accounts + u64::from(pending) >= SPRAYED_ACCOUNTS,
                )
            }
        })
    }
}

/// The turns an attempt took, ended when its outcome is known; an attempt dropped before
/// (its client went away, or it timed out) ends them as counting nothing.
struct Turns {
    db: Database,
    /// Each counter's bucket, and whether a failure counts in it.
    taken: Vec<(String, bool)>,
    /// This instance's places in line at each counter, given back when the turns have ended
    /// (declared last: dropped after the turns are ended).
    _places: Vec<tokio::sync::OwnedSemaphorePermit>,
}

/// This instance's lines at the sign-in counters: at most as many attempts per counter as
/// its limit lets through at once are being checked, and the others wait in the order they
/// came (a fair queue), so that an attempt with a right password is not outrun for ever by
/// newer ones while others are in flight. Across instances the stored pending turns still
/// hold the limit; the lines only make the waiting fair here.
struct Lines {
    lines:
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Semaphore>>>,
}

impl Lines {
    /// Lines kept before the idle ones are forgotten (an attacker may try many usernames).
    const KEPT: usize = 4096;

    fn get() -> &'static Lines {
        static LINES: std::sync::LazyLock<Lines> = std::sync::LazyLock::new(|| Lines {
            lines: std::sync::Mutex::default(),
        });
        &LINES
    }

    /// The line at `bucket`, letting `at_once` attempts through together.
    fn line(&self, bucket: &str, at_once: u32) -> std::sync::Arc<tokio::sync::Semaphore> {
        let mut lines = self
            .lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if lines.len() >= Self::KEPT {
            // Nobody holds or waits in a line that only the map refers to.
            lines.retain(|_, line| std::sync::Arc::strong_count(line) > 1);
        }
        let at_once = usize::try_from(at_once.max(1)).unwrap_or(1);
        lines
            .entry(bucket.to_owned())
            .or_insert_with(|| std::sync::Arc::new(tokio::sync::Semaphore::new(at_once)))
            .clone()
    }
}

impl Turns {
    async fn end(mut self, failed: bool, now: Timestamp) {
        for (bucket, counts_failures) in std::mem::take(&mut self.taken) {
            let outcome = if failed && counts_failures {
                TurnOutcome::Failed
            } else {
                TurnOutcome::Released
            };
            if let Err(error) = self.db.end_turn(&bucket, outcome, now).await {
                tracing::error!(error = %error, "could not end a sign-in turn");
            }
        }
    }
}

impl Drop for Turns {
    fn drop(&mut self) {
        let taken = std::mem::take(&mut self.taken);
        if taken.is_empty() {
            return;
        }
        let db = self.db.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                for (bucket, _) in taken {
                    if let Err(error) = db
                        .end_turn(&bucket, TurnOutcome::Released, Timestamp::now())
                        .await
                    {
                        tracing::error!(error = %error, "could not end a sign-in turn");
                    }
                }
            });
        }
    }
}

impl Throttle {
    pub(crate) fn new(
        surface: &'static str,
        organization: Option<&Organization>,
        username: Option<&str>,
        client: IpAddr,
    ) -> Self {
        let username = username.unwrap_or("-").to_owned();
        let slug = organization.map_or("-", |o| o.slug.as_str());
        Self {
            surface,
            organization: organization.map(|o| o.id),
            account_bucket: format!("{surface}:{slug}:{username}"),
            username,
            client,
            // Per surface and practice: guessing at patients' passwords does not hold staff
            // back, and each practice's security page sees its own.
            address_bucket: format!(
                "{}{}",
                address_bucket_prefix(surface, slug),
                address_key(client)
            ),
            known_device: false,
        }
    }

    /// Counts this attempt apart from strangers' when it comes from a device that has signed
    /// in to the account before: someone guessing at the account, or spraying its password at
    /// many accounts, or guessing from the same address (behind the same proxy or network),
    /// does not hold its owner back.
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

    /// Takes this attempt's turn on each of its counters (the account's or the known
    /// device's; a stranger's address and password too), or says how long it must wait.
    /// A turn is taken before the password is checked, with a compare-and-swap on the
    /// counter just read, and stays pending until the outcome is known: attempts sent at the
    /// same moment see each other, so a burst gets the turns left, not one each. Attempts
    /// being checked are not failures, though: one that only they hold back waits for them
    /// to end (a right password elsewhere clears the way), and losing a compare-and-swap
    /// just means reading again. Storage errors are errors, never a wait.
    async fn take_turns(
        &self,
        db: &Database,
        password_key: Option<&str>,
    ) -> anyhow::Result<Result<Turns, SignedDuration>> {
        let mut turns = Turns {
            db: db.clone(),
            taken: Vec::new(),
            _places: Vec::new(),
        };
        let mut counters = vec![(self.account_bucket.clone(), Rule::Limit(&ACCOUNT), true)];
        if !self.known_device {
            counters.push((self.address_bucket.clone(), Rule::Limit(&ADDRESS), true));
            if let (Some(organization), Some(key)) = (self.organization, password_key) {
                counters.push((
                    format!("sign-in-password:{}:{key}", organization.as_uuid()),
                    Rule::Sprayed { organization, key },
                    false,
                ));
            }
        }
        // Always in the same order (account, address, password): no two attempts can each
        // hold a place the other waits for.
        let patience = tokio::time::Instant::now() + TURN_PATIENCE;
        for (bucket, rule, counts_failures) in counters {
            let line = Lines::get().line(&bucket, rule.at_once());
            let Ok(Ok(place)) = tokio::time::timeout_at(patience, line.acquire_owned()).await
            else {
                tracing::warn!("gave up waiting in line for a sign-in turn");
                return Ok(Err(ACCOUNT.first));
            };
            turns._places.push(place);
            if let Err(wait) = take_turn(db, &bucket, rule).await? {
                return Ok(Err(wait));
            }
            turns.taken.push((bucket, counts_failures));
        }
        Ok(Ok(turns))
    }

    /// Weighs one attempt against the stored hash (`None`: no such account) and the counters.
    /// It always costs one Argon2id computation, whether or not the account exists, can sign
    /// in, or must wait, so that no answer or timing tells them apart. A wrong attempt is
    /// counted (and looked at for credential stuffing); a right one clears its account's
    /// counter; one that must wait is counted for the security page.
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
        let turns = self.take_turns(&state.db, password_key.as_deref()).await;
        let verified = state
            .hasher
            .verify_or_dummy(SecretString::from(password), stored_hash)
            .await
            .unwrap_or(false);
        let turns = match turns {
            Ok(Ok(turns)) => turns,
            Ok(Err(wait)) => {
                self.count_refusal(&state.db, now, password_key.as_deref())
                    .await;
                return Err(Refused::Throttled(wait));
            }
            Err(error) => return Err(Refused::Unavailable(error)),
        };
        if !(verified && usable) {
            // The evidence first: a turn ended before its failure is kept would let the
            // spraying limit miss it.
            self.count_failure(state, now, password_key.as_deref())
                .await;
            turns.end(true, now).await;
            return Err(Refused::WrongCredentials);
        }
        turns.end(false, now).await;
        self.clear(&state.db).await;
        Ok(())
    }

    /// Keeps a wrong attempt as evidence, and looks for credential stuffing (the counters
    /// take it when its turns end).
    async fn count_failure(&self, state: &AppState, now: Timestamp, password_key: Option<&str>) {
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

    /// Counts an attempt that had to wait, for the security page, keeping the events about
    /// its address and password current.
    async fn count_refusal(&self, db: &Database, now: Timestamp, password_key: Option<&str>) {
        let Some(organization) = self.organization else {
            return;
        };
        let client = address_key(self.client);
        let password_subject = password_key.map(sprayed_subject);
        let refused = RefusedSignIn {
            organization,
            client_addr: &client,
            password_subject: password_subject.as_deref(),
            now,
        };
        if let Err(error) = db.record_sign_in_refusal(&refused).await {
            tracing::error!(error = %error, "could not count a refused sign-in");
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

/// Takes one turn on the counter `bucket`, or says how long the attempt must wait. See
/// [`Throttle::take_turns`].
async fn take_turn(
    db: &Database,
    bucket: &str,
    rule: Rule<'_>,
) -> anyhow::Result<Result<(), SignedDuration>> {
    let patience = tokio::time::Instant::now() + TURN_PATIENCE;
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        let now = Timestamp::now();
        let seen = db.turn_counter(bucket, now, STALE_TURN).await?;
        let current = seen
            .filter(|c| now.duration_since(c.started_at) < rule.window())
            .map(|c| FailureCount {
                failures: c.failures,
                last_at: c.last_at,
            });
        let pending = seen.map_or(0, |c| c.pending);
        let (wait, full) = rule.weigh(db, current, pending, now).await?;
        if let Some(wait) = wait {
            return Ok(Err(wait));
        }
        if full && pending > 0 {
            // Attempts being checked fill the limit: their outcome decides this one's.
            if tokio::time::Instant::now() + pause > patience {
                tracing::warn!("gave up waiting for sign-in attempts in flight");
                return Ok(Err(ACCOUNT.first));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(TURN_POLL);
            continue;
        }
        if db
            .take_turn(bucket, seen.as_ref(), now, rule.window())
            .await?
        {
            return Ok(Ok(()));
        }
        // Another attempt took its turn between the read and the write: read again.
        tokio::task::yield_now().await;
    }
}

/// The subject of the password-spraying event about the password with this key: the key
/// stays out of sight; a prefix names the event.
fn sprayed_subject(key: &str) -> String {
    format!("password {}", &key[..12.min(key.len())])
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
    crate::common::i18n::t_args("sign-in-throttled", &[("minutes", minutes.max(1).into())])
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
        let subject = match by {
            FailuresBy::Address(address) => address.to_owned(),
            FailuresBy::PasswordKey(key) => sprayed_subject(key),
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
    /// The counters could not be read or written (the database is down, its disk full):
    /// nothing is known about the password, so nothing is said about it.
    Unavailable(anyhow::Error),
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
    /// The language the patient keeps on the account: the portal opens in it on any device.
    pub(crate) language: Option<crate::common::i18n::Lang>,
}

impl StartedSession {
    pub(crate) fn set_cookies(&self, response: &mut Response) {
        set_cookie(response, &self.cookie);
        set_cookie(response, &self.device_cookie);
        if let Some(lang) = self.language {
            crate::common::i18n::remember(response, lang);
        }
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
        language: None,
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
        // Below the limit, a counter stamped a moment after the clock was read means no wait.
        let below = Some(FailureCount {
            failures: 0,
            last_at: at(1),
        });
        assert_eq!(ACCOUNT.remaining(below, at(0)), None);
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
