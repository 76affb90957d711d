//! Spelling closeness of two name keys (see [`name_key`](super::normalize::name_key)): the
//! typing slips a patient makes, and names that sound the same.

use rphonetic::DoubleMetaphone;

/// Names shorter than this get no typo allowance: one letter off in "Ana" or "Li" is
/// another name ("Ann", "Lu"), not a slip.
const MIN_LEN_FOR_TYPO: usize = 4;

/// Jaro-Winkler similarity two names must reach to count as sounding alike, on top of a shared
/// Double Metaphone code: it keeps "Stephen"/"Steven" (0.89), "Philip"/"Filip" (0.82) and
/// "Jeffrey"/"Geoffrey" (0.87) while refusing short names that merely share consonants, such
/// as "Mia"/"Maya" (0.75) or "Ava"/"Eva" (0.78).
const SOUNDS_ALIKE_MIN_JARO_WINKLER: f64 = 0.80;

/// One slip apart: one letter wrong, missing or extra, or two neighbours swapped (optimal
/// string alignment distance 1), in names of at least four letters.
pub(crate) fn one_typo_apart(a: &str, b: &str) -> bool {
    let shorter = a.chars().count().min(b.chars().count());
    shorter >= MIN_LEN_FOR_TYPO && strsim::osa_distance(a, b) == 1
}

/// Spelled differently but pronounced the same: the Double Metaphone codes share a form and
/// the spellings are still close (Jaro-Winkler). Only plain ASCII names are encoded: the
/// encoder is built for Latin spelling.
pub(crate) fn sounds_alike(a: &str, b: &str) -> bool {
    if a == b || a.is_empty() || b.is_empty() || !a.is_ascii() || !b.is_ascii() {
        return false;
    }
    if strsim::jaro_winkler(a, b) < SOUNDS_ALIKE_MIN_JARO_WINKLER {
        return false;
    }
    // No length cap: long codes are what keeps "Christopher" apart from "Christina".
    let encoder = DoubleMetaphone::new(None);
    let (a, b) = (encoder.double_metaphone(a), encoder.double_metaphone(b));
    let (a_codes, b_codes) = ([a.primary(), a.alternate()], [b.primary(), b.alternate()]);
    a_codes
        .iter()
        .any(|code| !code.is_empty() && b_codes.contains(code))
}

/// Jaro-Winkler similarity in 0..=1, for the score shown to staff.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn typos_in_longer_names_only() {
        assert!(one_typo_apart("micheal", "michael"));
        assert!(one_typo_apart("elizabet", "elizabeth"));
        assert!(one_typo_apart("smiht", "smith"));
        assert!(!one_typo_apart("ana", "ann"));
        assert!(!one_typo_apart("michael", "michael"));
        assert!(!one_typo_apart("micheal", "michelle"));
    }

    #[test]
    fn sound_alikes() {
        assert!(sounds_alike("stephen", "steven"));
        assert!(sounds_alike("philip", "filip"));
        assert!(sounds_alike("jeffrey", "geoffrey"));
        assert!(!sounds_alike("christopher", "christina"));
        assert!(!sounds_alike("mia", "maya"));
        assert!(!sounds_alike("emma", "emily"));
        assert!(!sounds_alike("john", "john"));
        assert!(!sounds_alike("josé", "jose"));
    }

    proptest! {
        #[test]
        fn never_panics(a in "\\PC{0,20}", b in "[a-z]{0,20}") {
            let _ = sounds_alike(&a, &b);
            let _ = sounds_alike(&b, &b.chars().rev().collect::<String>());
            let _ = one_typo_apart(&a, &b);
        }
    }
}
