//! Invitations: who may be invited, and the secrets that carry an invitation.

use jiff::{SignedDuration, Timestamp, civil::Date};
use rand::Rng;

use crate::policy::EnrollmentPolicy;

/// How an invitation reaches the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// An email with a single-use link.
    Email,
    /// A printed letter with an activation code, for patients without email.
    PrintedCode,
}

impl Channel {
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::PrintedCode => "printed-code",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(Channel::Email),
            "printed-code" => Some(Channel::PrintedCode),
            _ => None,
        }
    }
}

/// Why a patient cannot be invited, in words staff can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotInvitable {
    #[error("This patient is recorded as deceased.")]
    Deceased,
    #[error(
        "This patient is {age}. The practice's policy allows accounts from age {minimum_age}; \
         a parent or caregiver can get proxy access instead."
    )]
    TooYoung { age: u8, minimum_age: u8 },
}

/// Checks the policy's rules about the person: alive, and old enough today.
pub fn check_invitable(
    birth_date: Date,
    deceased: bool,
    today: Date,
    policy: &EnrollmentPolicy,
) -> Result<(), NotInvitable> {
    if deceased {
        return Err(NotInvitable::Deceased);
    }
    let age = age_on(birth_date, today);
    if age < policy.minimum_age {
        return Err(NotInvitable::TooYoung {
            age,
            minimum_age: policy.minimum_age,
        });
    }
    Ok(())
}

/// Whole years from `birth_date` to `today` (0 for dates in the future).
pub fn age_on(birth_date: Date, today: Date) -> u8 {
    let mut years = i32::from(today.year()) - i32::from(birth_date.year());
    if (today.month(), today.day()) < (birth_date.month(), birth_date.day()) {
        years -= 1;
    }
    u8::try_from(years.max(0)).unwrap_or(u8::MAX)
}

/// Letters and digits that cannot be mistaken for one another when read aloud or from paper:
/// no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 10;

/// A printed activation code, `ABCDE-FGHJK`: 10 symbols from 31, about 50 bits.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("An activation code has 10 letters and numbers, like ABCDE-23456.")]
pub struct ActivationCodeError;

impl ActivationCode {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let code = (0..CODE_LEN)
            .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
            .collect();
        Self(code)
    }

    /// Reads a typed code: case, spaces and hyphens do not matter.
    pub fn parse(input: &str) -> Result<Self, ActivationCodeError> {
        let code: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.len() != CODE_LEN || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            return Err(ActivationCodeError);
        }
        Ok(Self(code))
    }

    /// The form printed on the letter.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..5], &self.0[5..])
    }

    /// The canonical form, the one that is hashed.
    pub fn canonical(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActivationCode([redacted])")
    }
}

/// When the reminder about an unused emailed invitation goes out: two days before it
/// expires, or halfway through its life when that is shorter than four days, so that a short
/// invitation is not reminded of almost as soon as it arrives.
pub fn reminder_at(created_at: Timestamp, expires_at: Timestamp) -> Timestamp {
    let lifetime = expires_at.duration_since(created_at);
    if lifetime < SignedDuration::from_hours(4 * 24) {
        created_at + lifetime / 2
    } else {
        expires_at - SignedDuration::from_hours(48)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn the_reminder_comes_two_days_before_expiry_or_halfway() {
        let created: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        let days = |n: i64| created + SignedDuration::from_hours(24 * n);
        assert_eq!(reminder_at(created, days(14)), days(12));
        assert_eq!(reminder_at(created, days(4)), days(2));
        assert_eq!(
            reminder_at(created, days(1)),
            created + SignedDuration::from_hours(12)
        );
        assert_eq!(
            reminder_at(created, days(3)),
            created + SignedDuration::from_hours(36)
        );
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date(2000, 6, 15), date(2018, 6, 14)), 17);
        assert_eq!(age_on(date(2000, 6, 15), date(2018, 6, 15)), 18);
        assert_eq!(age_on(date(2030, 1, 1), date(2026, 1, 1)), 0);
    }

    #[test]
    fn the_policy_decides_who_may_be_invited() {
        let policy = EnrollmentPolicy::default();
        let today = date(2026, 11, 25);
        assert_eq!(
            check_invitable(date(1960, 1, 1), false, today, &policy),
            Ok(())
        );
        assert_eq!(
            check_invitable(date(1960, 1, 1), true, today, &policy),
            Err(NotInvitable::Deceased)
        );
        assert_eq!(
            check_invitable(date(2010, 1, 1), false, today, &policy),
            Err(NotInvitable::TooYoung {
                age: 16,
                minimum_age: 18
            })
        );
        let teens = EnrollmentPolicy {
            minimum_age: 13,
            ..policy
        };
        assert_eq!(
            check_invitable(date(2010, 1, 1), false, today, &teens),
            Ok(())
        );
    }

    #[test]
    fn codes_avoid_look_alike_characters() {
        for _ in 0..200 {
            let code = ActivationCode::generate();
            assert_eq!(code.canonical().len(), 10);
            assert!(
                !code.canonical().contains(['0', 'O', '1', 'I', 'L']),
                "{}",
                code.display()
            );
            assert_eq!(ActivationCode::parse(&code.display()).unwrap(), code);
        }
        assert_eq!(
            ActivationCode::parse(" abcde 23456 ").unwrap().display(),
            "ABCDE-23456"
        );
        assert!(
            ActivationCode::parse("ABCDE-2345O").is_err(),
            "O is not in the alphabet"
        );
        assert!(ActivationCode::parse("ABCD").is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = ActivationCode::parse(&s);
        }
    }
}
