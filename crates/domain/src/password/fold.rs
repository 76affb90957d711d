//! The forms a password takes before it is counted, compared or hashed.

use secrecy::SecretString;
use unicode_normalization::UnicodeNormalization;

/// The password as it must be hashed and verified: Unicode NFKC, as NIST SP 800-63B asks, so
/// that a password typed on another keyboard (composed or decomposed accents, full-width
/// letters, ligatures) still signs in. Sign-in must pass the typed password through this too.
pub fn normalize(password: &str) -> SecretString {
    SecretString::from(nfkc(password))
}

pub(super) fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

/// The case-insensitive form used to look a password up in the common list: NFKC, lower
/// case, then NFKC again because lowercasing can leave a string that is no longer normalized.
pub(super) fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    nfkc(&nfkc(text).to_lowercase())
}

/// The loosest form, for finding a name or a date inside a password: lower case and nothing
/// but letters and digits, so "03/07/1952" reads as "03071952". Decomposing first (NFKD)
/// splits accents off their letters and the filter drops them: "José" is found in
/// "jose's garden".
pub(super) fn skeleton(text: &str) -> String {
    text.nfkd()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn normalize_composes_and_folds_compatibility_characters() {
        assert_eq!(normalize("e\u{301}").expose_secret(), "\u{e9}");
        assert_eq!(normalize("\u{fb01}sh").expose_secret(), "fish");
        assert_eq!(normalize("\u{ff21}").expose_secret(), "A");
    }

    #[test]
    fn fold_ignores_case_and_compatibility_forms() {
        assert_eq!(fold("PassWord"), "password");
        assert_eq!(fold("\u{ff30}\u{ff21}\u{ff33}\u{ff33}"), "pass");
        assert_eq!(fold("\u{c9}COLE"), "\u{e9}cole");
    }

    #[test]
    fn skeleton_keeps_only_bare_letters_and_digits() {
        assert_eq!(skeleton("Jos\u{e9}'s Garden"), "josesgarden");
        assert_eq!(skeleton("03/07/1952"), "03071952");
        assert_eq!(skeleton("\u{130}stanbul"), "istanbul");
    }
}
