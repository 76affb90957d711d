//! The bot check on public forms: an accessible proof of work, with a fallback that needs no
//! JavaScript.
//!
//! # Why this design
//! Image and puzzle CAPTCHAs shut out people who are blind, have low vision, dyslexia or a
//! motor impairment, and they send data to third parties. A proof of work asks the *device*
//! for a little effort instead of the person (the idea behind ALTCHA):
//!
//! 1. The server issues a [`Challenge`]: a random salt, a secret number `n` drawn from
//!    `0..=max_number`, and `challenge = SHA-256(salt || n)` in hex (`n` written in decimal).
//!    The issue and expiry times, the salt, `max_number` and the challenge are signed with an
//!    HMAC under the server's [`SecretKey`] (purpose [`PURPOSE`]), so nothing is stored until
//!    the form comes back and any instance can check it.
//! 2. A small script (ours, served as a separate file) tries `0, 1, 2, …` until the hash
//!    matches and puts `n` in a hidden field: about `max_number / 2` hashes, a second or two
//!    on a phone, unnoticed by the person, costly for anyone sending forms by the million.
//! 3. [`verify`] checks the signature, the expiry and the solution. The caller then records
//!    a [`Passed::fingerprint`] so that each challenge is accepted once (replay).
//!
//! # Without JavaScript
//! Some people browse with scripts off, and some assistive set-ups break them. The same
//! signed challenge carries its issue time, so a form sent **without** a solution is accepted
//! when at least [`BotCheckConfig::wait`] has passed since the form was shown (a person takes
//! longer than that to fill it in; a script sending forms blindly does not wait), the
//! challenge is authentic, unexpired and unused. A person who was quicker is shown the form
//! again with a plain request to wait a few seconds and press the button again. Waiting costs
//! a robot time rather than work, so this path is weaker than the proof of work: it leans on
//! the honeypot field and on the per-address throttles of the forms that use it.
//!
//! Every time is passed in by the caller: nothing here reads the clock.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::SecretKey;

/// Separates the challenge's signature from every other keyed hash made with the same key.
pub const PURPOSE: &str = "bot-check-challenge";
const VERSION: &str = "v1";

/// How hard the proof of work is and how long challenges last. Tests may lower the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BotCheckConfig {
    /// The secret number is at most this: the browser computes about half as many hashes.
    pub max_number: u64,
    /// How long a challenge can be answered after it was issued.
    pub lifetime: SignedDuration,
    /// Without a solution (no JavaScript), how long after issue the form may be sent.
    pub wait: SignedDuration,
}

impl Default for BotCheckConfig {
    fn default() -> Self {
        Self {
            // About 50,000 SHA-256 hashes on average: 0.9 s through WebCrypto on the build
            // machine (docs/BOT-CHECK.md), done while the person is still typing.
            max_number: 100_000,
            // Long enough to find the letter with the code, or to look up an MRN.
            lifetime: SignedDuration::from_mins(30),
            wait: SignedDuration::from_secs(8),
        }
    }
}

/// Why a form's bot check failed. The patient sees plain words chosen by the web layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BotCheckError {
    #[error("the form carried no bot-check challenge")]
    Missing,
    #[error("the bot-check challenge is malformed or its signature is wrong")]
    Forged,
    #[error("the bot-check challenge expired")]
    Expired,
    #[error("the bot-check solution is wrong")]
    WrongSolution,
    #[error("sent {waited_secs} s after the form was shown, without a solution")]
    TooSoon { waited_secs: i64 },
    #[error("the bot-check challenge was used before")]
    Replayed,
}

/// One challenge, as issued and as carried back by the form in a single token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    issued_at: Timestamp,
    expires_at: Timestamp,
    max_number: u64,
    salt: String,
    challenge: String,
    signature: String,
}

/// How a form passed the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassedBy {
    /// The browser found the secret number.
    Work,
    /// No solution, but the form was sent after the wait (no JavaScript).
    Waiting,
}

/// A check passed: record `fingerprint` until `expires_at` so that it passes only once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passed {
    /// SHA-256 (hex) of the challenge's signature: unique per challenge, reveals nothing.
    pub fingerprint: String,
    pub expires_at: Timestamp,
    pub by: PassedBy,
}

impl Challenge {
    /// A new challenge, issued at `now` (whole seconds) with a fresh random salt and number.
    pub fn issue(key: &SecretKey, config: &BotCheckConfig, now: Timestamp) -> Self {
        let mut rng = rand::rng();
        let salt = hex::encode(rng.random::<[u8; 12]>());
        let number = rng.random_range(0..=config.max_number);
        Self::with_number(key, config, now, salt, number)
    }

    fn with_number(
        key: &SecretKey,
        config: &BotCheckConfig,
        now: Timestamp,
        salt: String,
        number: u64,
    ) -> Self {
        let issued_at = whole_seconds(now);
        let expires_at = issued_at + config.lifetime;
        let challenge = hash_attempt(&salt, number);
        let mut issued = Self {
            issued_at,
            expires_at,
            max_number: config.max_number,
            salt,
            challenge,
            signature: String::new(),
        };
        issued.signature = key.keyed_hash(PURPOSE, &issued.signed_text());
        issued
    }

    /// What the signature covers: every field but itself.
    fn signed_text(&self) -> String {
        format!(
            "{VERSION}.{}.{}.{}.{}.{}",
            self.issued_at.as_second(),
            self.expires_at.as_second(),
            self.max_number,
            self.salt,
            self.challenge
        )
    }

    /// The form's hidden field: `v1.issued.expires.max.salt.challenge.signature`.
    pub fn token(&self) -> String {
        format!("{}.{}", self.signed_text(), self.signature)
    }

    /// Reads a token back and checks its signature. Says nothing yet about expiry or the
    /// solution.
    pub fn authenticate(key: &SecretKey, token: &str) -> Result<Self, BotCheckError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(BotCheckError::Missing);
        }
        let parts: Vec<&str> = token.split('.').collect();
        let [version, issued, expires, max, salt, challenge, signature] = parts[..] else {
            return Err(BotCheckError::Forged);
        };
        let second = |text: &str| {
            text.parse::<i64>()
                .ok()
                .and_then(|s| Timestamp::from_second(s).ok())
        };
        let (Some(issued_at), Some(expires_at), Ok(max_number)) =
            (second(issued), second(expires), max.parse::<u64>())
        else {
            return Err(BotCheckError::Forged);
        };
        if version != VERSION || !is_hex(salt) || !is_hex(challenge) || !is_hex(signature) {
            return Err(BotCheckError::Forged);
        }
        let parsed = Self {
            issued_at,
            expires_at,
            max_number,
            salt: salt.to_owned(),
            challenge: challenge.to_owned(),
            signature: signature.to_owned(),
        };
        let expected = key.keyed_hash(PURPOSE, &parsed.signed_text());
        if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
            return Err(BotCheckError::Forged);
        }
        Ok(parsed)
    }

    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// SHA-256 of salt and number, hex: what the script looks for.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    pub fn max_number(&self) -> u64 {
        self.max_number
    }

    pub fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// Still answerable at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }

    /// Finds the number by trying every candidate, as the browser's script does. For tests
    /// and tools: the server never needs it.
    pub fn solve(&self) -> Option<u64> {
        (0..=self.max_number).find(|&n| hash_attempt(&self.salt, n) == self.challenge)
    }

    fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.signature.as_bytes()))
    }
}

/// Checks a form's bot-check fields at `now`: the token (`Missing` when absent) and the
/// solution the script found (blank without JavaScript, then the wait applies). Replay is
/// the caller's part: record [`Passed::fingerprint`] and refuse one seen before.
pub fn verify(
    key: &SecretKey,
    config: &BotCheckConfig,
    token: &str,
    solution: &str,
    now: Timestamp,
) -> Result<Passed, BotCheckError> {
    let challenge = Challenge::authenticate(key, token)?;
    if !challenge.is_live(now) {
        return Err(BotCheckError::Expired);
    }
    let solution = solution.trim();
    let by = if solution.is_empty() {
        let waited = now.duration_since(challenge.issued_at);
        if waited < config.wait {
            return Err(BotCheckError::TooSoon {
                waited_secs: waited.as_secs(),
            });
        }
        PassedBy::Waiting
    } else {
        let number = solution
            .parse::<u64>()
            .map_err(|_| BotCheckError::WrongSolution)?;
        if number > challenge.max_number
            || hash_attempt(&challenge.salt, number) != challenge.challenge
        {
            return Err(BotCheckError::WrongSolution);
        }
        PassedBy::Work
    };
    Ok(Passed {
        fingerprint: challenge.fingerprint(),
        expires_at: challenge.expires_at,
        by,
    })
}

fn hash_attempt(salt: &str, number: u64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(number.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

fn whole_seconds(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SecretKey {
        SecretKey::parse("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn config() -> BotCheckConfig {
        BotCheckConfig {
            max_number: 2_000,
            ..BotCheckConfig::default()
        }
    }

    fn now() -> Timestamp {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    fn secs(s: i64) -> SignedDuration {
        SignedDuration::from_secs(s)
    }

    #[test]
    fn a_solved_challenge_passes_by_work_at_once() {
        let challenge = Challenge::issue(&key(), &config(), now());
        let n = challenge.solve().expect("the number is in range");
        let passed = verify(
            &key(),
            &config(),
            &challenge.token(),
            &n.to_string(),
            now() + secs(1),
        )
        .unwrap();
        assert_eq!(passed.by, PassedBy::Work);
        assert_eq!(passed.expires_at, now() + config().lifetime);
        assert_eq!(passed.fingerprint.len(), 64);
    }

    #[test]
    fn the_token_round_trips_and_shows_what_the_script_needs() {
        let challenge = Challenge::issue(&key(), &config(), now());
        let read = Challenge::authenticate(&key(), &challenge.token()).unwrap();
        assert_eq!(read, challenge);
        assert_eq!(read.challenge().len(), 64);
        assert_eq!(read.max_number(), 2_000);
        assert_eq!(read.issued_at(), now());
    }

    #[test]
    fn a_wrong_number_is_refused() {
        let challenge = Challenge::issue(&key(), &config(), now());
        let n = challenge.solve().unwrap();
        let token = challenge.token();
        for wrong in [
            (n + 1).to_string(),
            "-1".to_owned(),
            "abc".to_owned(),
            "99999999999999999999999".to_owned(),
        ] {
            assert_eq!(
                verify(&key(), &config(), &token, &wrong, now()),
                Err(BotCheckError::WrongSolution),
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_number_beyond_the_maximum_is_refused_even_when_it_hashes_right() {
        // Built by hand: a challenge whose number lies outside the signed range.
        let challenge = Challenge::with_number(&key(), &config(), now(), "ab".into(), 5_000);
        assert_eq!(
            verify(&key(), &config(), &challenge.token(), "5000", now()),
            Err(BotCheckError::WrongSolution)
        );
    }

    #[test]
    fn missing_expired_and_foreign_challenges_are_told_apart() {
        assert_eq!(
            verify(&key(), &config(), "  ", "", now()),
            Err(BotCheckError::Missing)
        );
        assert_eq!(
            verify(&key(), &config(), "v1.1.2.3", "", now()),
            Err(BotCheckError::Forged)
        );
        let challenge = Challenge::issue(&key(), &config(), now());
        let n = challenge.solve().unwrap().to_string();
        let late = now() + config().lifetime;
        assert_eq!(
            verify(&key(), &config(), &challenge.token(), &n, late),
            Err(BotCheckError::Expired)
        );
        let other = SecretKey::parse("another key that is long enough!!").unwrap();
        assert_eq!(
            verify(&other, &config(), &challenge.token(), &n, now()),
            Err(BotCheckError::Forged)
        );
    }

    #[test]
    fn without_a_solution_the_form_must_wait() {
        let config = config();
        let token = Challenge::issue(&key(), &config, now()).token();
        assert_eq!(
            verify(&key(), &config, &token, "", now() + secs(3)),
            Err(BotCheckError::TooSoon { waited_secs: 3 })
        );
        let passed = verify(&key(), &config, &token, " ", now() + config.wait).unwrap();
        assert_eq!(passed.by, PassedBy::Waiting);
        // The same challenge solved or waited out is the same challenge: one fingerprint.
        let n = Challenge::authenticate(&key(), &token)
            .unwrap()
            .solve()
            .unwrap();
        let solved = verify(&key(), &config, &token, &n.to_string(), now()).unwrap();
        assert_eq!(solved.fingerprint, passed.fingerprint);
    }

    #[test]
    fn the_wait_is_configurable() {
        let quick = BotCheckConfig {
            wait: SignedDuration::ZERO,
            ..config()
        };
        let token = Challenge::issue(&key(), &quick, now()).token();
        assert!(verify(&key(), &quick, &token, "", now()).is_ok());
    }

    #[test]
    fn each_challenge_has_its_own_fingerprint() {
        let a = Challenge::issue(&key(), &config(), now());
        let b = Challenge::issue(&key(), &config(), now());
        assert_ne!(a.token(), b.token());
        let pass = |c: &Challenge| {
            verify(&key(), &config(), &c.token(), "", now() + secs(60))
                .unwrap()
                .fingerprint
        };
        assert_ne!(pass(&a), pass(&b));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_changed_character_makes_the_token_foreign(position in 0usize..200, replacement in "[0-9a-fv.]") {
            let challenge = Challenge::issue(&key(), &config(), now());
            let token = challenge.token();
            let position = position % token.len();
            let mut tampered = token.clone();
            tampered.replace_range(position..=position, &replacement);
            prop_assume!(tampered != token);
            let n = challenge.solve().unwrap().to_string();
            let result = verify(&key(), &config(), &tampered, &n, now() + secs(60));
            prop_assert!(
                matches!(result, Err(BotCheckError::Forged)),
                "{tampered}: {result:?}"
            );
        }

        #[test]
        fn only_the_secret_number_solves_it(guess in 0u64..2_000) {
            let challenge = Challenge::issue(&key(), &config(), now());
            let n = challenge.solve().unwrap();
            let result = verify(&key(), &config(), &challenge.token(), &guess.to_string(), now());
            if guess == n {
                prop_assert!(result.is_ok());
            } else {
                prop_assert_eq!(result, Err(BotCheckError::WrongSolution));
            }
        }

        #[test]
        fn waiting_decides_exactly_at_the_configured_wait(elapsed in 0i64..3_600, wait in 0i64..30) {
            let config = BotCheckConfig { wait: secs(wait), ..config() };
            let token = Challenge::issue(&key(), &config, now()).token();
            let result = verify(&key(), &config, &token, "", now() + secs(elapsed));
            if elapsed >= config.lifetime.as_secs() {
                prop_assert_eq!(result, Err(BotCheckError::Expired));
            } else if elapsed < wait {
                prop_assert_eq!(result, Err(BotCheckError::TooSoon { waited_secs: elapsed }));
            } else {
                prop_assert_eq!(result.map(|p| p.by), Ok(PassedBy::Waiting));
            }
        }

        #[test]
        fn arbitrary_tokens_never_panic(token in "\\PC{0,120}", solution in "\\PC{0,20}") {
            let _ = verify(&key(), &config(), &token, &solution, now());
        }
    }
}
