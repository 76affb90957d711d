//! Secrets and the values we keep only as keyed hashes.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

/// The server's secret key: it keys the hashes of low-entropy values (SSN digits, access codes)
/// so that a stolen database alone cannot be brute-forced.
#[derive(Clone)]
pub struct SecretKey(SecretSlice<u8>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretKeyError {
    #[error("the secret key must be at least 32 characters long (it has {0})")]
    TooShort(usize),
}

impl SecretKey {
    pub const MIN_LEN: usize = 32;

    pub fn parse(text: &str) -> Result<Self, SecretKeyError> {
        let text = text.trim();
        if text.len() < Self::MIN_LEN {
            return Err(SecretKeyError::TooShort(text.len()));
        }
        Ok(Self(SecretSlice::from(text.as_bytes().to_vec())))
    }

    /// HMAC-SHA256 of `value` under this key, separated by `purpose` so that the same digits
    /// used for two purposes hash differently. Hex encoded.
    pub fn keyed_hash(&self, purpose: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// A US Social Security number as read from the EHR. We never store it: only the keyed hash
/// of its last four digits survives, for the access-code check.
pub struct Ssn {
    last4: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a social security number must have nine digits")]
pub struct SsnError;

impl Ssn {
    pub fn parse(input: &str) -> Result<Self, SsnError> {
        let digits: String = input.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
        if digits.len() != 9 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(SsnError);
        }
        Ok(Self {
            last4: digits[5..].to_owned(),
        })
    }

    pub fn last4_hash(&self, key: &SecretKey) -> String {
        ssn_last4_hash(key, &self.last4)
    }
}

/// The keyed hash of an SSN's last four digits, as stored on the patient's chart.
pub fn ssn_last4_hash(key: &SecretKey, last4: &str) -> String {
    key.keyed_hash("ssn-last4", last4)
}

/// A sign-in name: unique per organization, compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("a username needs at least 3 characters")]
    TooShort,
    #[error("a username can have at most 64 characters")]
    TooLong,
    #[error("a username may use letters, digits, '.', '-' and '_' only")]
    InvalidCharacter,
}

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let name = input.trim().to_lowercase();
        let len = name.chars().count();
        if len < 3 {
            return Err(UsernameError::TooShort);
        }
        if len > 64 {
            return Err(UsernameError::TooLong);
        }
        if !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(UsernameError::InvalidCharacter);
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::parse("0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(
            SecretKey::parse("short").unwrap_err(),
            SecretKeyError::TooShort(5)
        );
    }

    #[test]
    fn keyed_hash_depends_on_key_purpose_and_value() {
        let other = SecretKey::parse("another key that is long enough!!").unwrap();
        let h = key().keyed_hash("ssn-last4", "1234");
        assert_eq!(h.len(), 64);
        assert_eq!(h, key().keyed_hash("ssn-last4", "1234"));
        assert_ne!(h, key().keyed_hash("ssn-last4", "1235"));
        assert_ne!(h, key().keyed_hash("access-code", "1234"));
        assert_ne!(h, other.keyed_hash("ssn-last4", "1234"));
    }

    #[test]
    fn ssn_keeps_only_the_last_four_digits() {
        let ssn = Ssn::parse("999-45-6789").unwrap();
        assert_eq!(ssn.last4_hash(&key()), ssn_last4_hash(&key(), "6789"));
        assert!(Ssn::parse("999-45-678").is_err());
        assert!(Ssn::parse("999-45-678x").is_err());
    }

    #[test]
    fn usernames_are_lowercased_and_checked() {
        assert_eq!(
            Username::parse(" Front.Desk ").unwrap().as_str(),
            "front.desk"
        );
        assert_eq!(Username::parse("ab"), Err(UsernameError::TooShort));
        assert_eq!(
            Username::parse("a b c"),
            Err(UsernameError::InvalidCharacter)
        );
    }
}
