//! The second step of signing in: codes from an authenticator app (TOTP, RFC 6238), one-time
//! recovery codes, and codes sent by email to patients without a smartphone.
//!
//! Nothing here remembers anything: which time step was last accepted (so that a code is never
//! accepted twice), which recovery codes are used, and which emailed code is current are kept
//! by storage; these are the rules and the values.

use rand::Rng;
use totp_rs::{Builder, Totp};

/// The secret an authenticator app shares with us: 160 random bits, as RFC 4226 recommends.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

/// Seconds in one time step: a code changes every 30 seconds.
const STEP_SECONDS: u64 = 30;
const SECRET_BYTES: usize = 20;

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rng().fill(&mut bytes[..]);
        Self(bytes)
    }

    /// The secret from its stored bytes; `None` for bytes of the wrong length.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() == SECRET_BYTES).then_some(Self(bytes))
    }

    /// The secret from the key typed into an app ([`TotpSecret::for_typing`]'s form; spaces
    /// and case aside).
    pub fn from_typed(typed: &str) -> Option<Self> {
        let text: String = typed
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let secret = totp_rs::Secret::try_from_base32(&text).ok()?;
        Self::from_bytes(secret.as_ref().to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, issuer: Option<&str>, account: &str) -> Totp {
        // Issuer and account name may not hold a colon (the label's separator).
        let clean = |text: &str| text.replace(':', " ");
        Builder::new()
            .with_secret(self.0.clone())
            .with_issuer(issuer.map(clean))
            .with_account_name(clean(account))
            .build_noncompliant()
    }

    /// The secret for typing by hand, in groups of four: "JBSW Y3DP EHPK 3PXP ...".
    pub fn for_typing(&self) -> String {
        let text = self.totp(None, "").secret().to_base32();
        let chars: Vec<char> = text.trim_end_matches('=').chars().collect();
        chars
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `otpauth://` address a phone reads from the QR code.
    pub fn otpauth_url(&self, issuer: &str, account: &str) -> String {
        self.totp(Some(issuer), account)
            .to_url()
            .unwrap_or_default()
    }

    /// The time step a typed code belongs to, if it is right for the step of `now` or one
    /// either side (a phone's clock a little off). The caller accepts it only if the step is
    /// later than the last one accepted.
    pub fn matching_step(&self, typed: &str, now_unix: u64) -> Option<u64> {
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 6
            || typed
                .chars()
                .any(|c| !(c.is_ascii_digit() || c == ' ' || c == '-'))
        {
            return None;
        }
        self.totp(None, "").check(&digits, now_unix)
    }

    /// The code an authenticator app shows at `unix` (for tests and the load benchmark,
    /// which play the patient's phone).
    pub fn code_at(&self, unix: u64) -> String {
        self.totp(None, "").generate(unix).to_string()
    }

    /// The time step of a moment.
    pub fn step_of(unix: u64) -> u64 {
        unix / STEP_SECONDS
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// How many recovery codes a patient or staff member gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// Letters and digits that cannot be taken for one another (no 0/O, 1/I/L).
const RECOVERY_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A fresh set of recovery codes, as shown once: "K7QM-3XRP". Each is 40 random bits; only
/// their keyed hashes are stored, and guessing is throttled like passwords.
pub fn recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..8)
                .map(|_| {
                    char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())])
                })
                .collect();
            format!("{}-{}", &chars[..4], &chars[4..])
        })
        .collect()
}

/// A typed recovery code in the form it is hashed in (case, spaces and dashes aside);
/// `None` when it cannot be one.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 8 && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(code)
}

/// A code to send by email: six digits.
pub fn email_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// A typed emailed code in the form it is hashed in; `None` when it cannot be one.
pub fn normalize_email_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret and vectors, cut to six digits.
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        assert_eq!(secret.code_at(59), "287082");
        assert_eq!(secret.code_at(1_111_111_109), "081804");
        assert_eq!(secret.code_at(2_000_000_000), "279037");
        assert_eq!(
            secret.for_typing(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let typed = TotpSecret::from_typed("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        assert_eq!(typed, secret);
        assert_eq!(TotpSecret::from_typed("GEZD"), None, "too short a secret");
    }

    #[test]
    fn a_code_matches_its_step_and_the_ones_either_side_only() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_000;
        let code = secret.code_at(now);
        assert_eq!(secret.matching_step(&code, now), Some(now / 30));
        assert_eq!(secret.matching_step(&code, now + 30), Some(now / 30));
        assert_eq!(secret.matching_step(&code, now - 30), Some(now / 30));
        assert_eq!(secret.matching_step(&code, now + 90), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.matching_step(&spaced, now), Some(now / 30));
        assert_eq!(secret.matching_step("12345", now), None);
        assert_eq!(secret.matching_step("12345a6", now), None);
        assert_eq!(TotpSecret::step_of(now), now / 30);
    }

    #[test]
    fn the_qr_address_names_the_practice_and_the_account() {
        let secret = TotpSecret::generate();
        let url = secret.otpauth_url("Main Street: Clinic", "maria.r");
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains("maria.r"), "{url}");
        assert!(url.contains("issuer=Main%20Street%20%20Clinic"), "{url}");
        assert!(!url.contains("Street:"), "{url}");
    }

    #[test]
    fn recovery_codes_are_distinct_readable_and_normalized() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), 9);
            let typed = code.to_lowercase().replace('-', " ");
            assert_eq!(
                normalize_recovery_code(&typed).unwrap(),
                code.replace('-', "")
            );
        }
        assert_eq!(
            normalize_recovery_code("ABCD-EFG0"),
            None,
            "0 is never used"
        );
        assert_eq!(normalize_recovery_code("ABCD"), None);
    }

    #[test]
    fn emailed_codes_have_six_digits() {
        for _ in 0..100 {
            let code = email_code();
            assert_eq!(normalize_email_code(&code).as_deref(), Some(code.as_str()));
        }
        assert_eq!(normalize_email_code("123 456").as_deref(), Some("123456"));
        assert_eq!(normalize_email_code("12345"), None);
        assert_eq!(normalize_email_code("12345x"), None);
    }
}
