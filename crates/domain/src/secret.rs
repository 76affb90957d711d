//! Secrets and the values we keep only as keyed hashes.

use chacha20poly1305::{
    ChaCha20Poly1305, KeyInit, Nonce,
    aead::{Aead, Payload},
};
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

    /// Encrypts a secret we must read back (an authenticator app's shared secret) with
    /// ChaCha20-Poly1305 under a key derived from this one for `purpose`. `context` (the
    /// account it belongs to) is authenticated too: a sealed value moved to another row does
    /// not open. Hex of nonce then ciphertext.
    pub fn seal(&self, purpose: &str, context: &[u8], plaintext: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::Rng::fill(&mut rand::rng(), &mut nonce[..]);
        let sealed = self
            .cipher(purpose)
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("ChaCha20-Poly1305 seals messages of any size we keep");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        hex::encode(out)
    }

    /// The plaintext of [`SecretKey::seal`]'s output, if it was sealed under this key for
    /// this purpose and context and is unchanged.
    pub fn open(&self, purpose: &str, context: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let bytes = hex::decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        self.cipher(purpose)
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .ok()
    }

    fn cipher(&self, purpose: &str) -> ChaCha20Poly1305 {
        let key = hex::decode(self.keyed_hash("seal", purpose)).expect("our own hex");
        ChaCha20Poly1305::new_from_slice(&key).expect("a SHA-256 output is a 256-bit key")
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
    /// Named apart from other characters: a space is the usual slip ("lucia rivera").
    #[error("a username cannot have spaces")]
    Space,
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
        if name.chars().any(char::is_whitespace) {
            return Err(UsernameError::Space);
        }
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

    #[test]
    fn sealed_secrets_open_only_with_their_key_purpose_and_context() {
        let key = SecretKey::parse("a-test-key-that-is-long-enough-0123456789").unwrap();
        let other = SecretKey::parse("another-key-that-is-long-enough-01234567").unwrap();
        let sealed = key.seal("totp", b"account-1", b"shared secret");
        assert_ne!(
            sealed,
            key.seal("totp", b"account-1", b"shared secret"),
            "fresh nonce"
        );
        assert_eq!(
            key.open("totp", b"account-1", &sealed).unwrap(),
            b"shared secret"
        );
        assert_eq!(key.open("totp", b"account-2", &sealed), None);
        assert_eq!(key.open("other", b"account-1", &sealed), None);
        assert_eq!(other.open("totp", b"account-1", &sealed), None);
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(key.open("totp", b"account-1", &tampered), None);
        assert_eq!(key.open("totp", b"account-1", "not hex"), None);
        assert_eq!(key.open("totp", b"account-1", "abcd"), None);
    }

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
        assert_eq!(Username::parse("a b c"), Err(UsernameError::Space));
        assert_eq!(Username::parse("lucia\trivera"), Err(UsernameError::Space));
        assert_eq!(
            Username::parse("lucia@rivera"),
            Err(UsernameError::InvalidCharacter)
        );
    }
}
