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

/// Names at least this long may be two slips apart and still count as near.
const MIN_LEN_FOR_TWO_SLIPS: usize = 5;

/// Near enough to be the same name after an error that [`one_typo_apart`] and
/// [`sounds_alike`] do not forgive: two slips in a name of five letters or more, one slip in
/// a shorter name ("Aan" for Ana, "E" for Le), a scanner's confusions ("Rnary" for Mary,
/// "Vvang" for Wang), or the same sound spelled otherwise ("Phord" for Ford). Far too loose to
/// tell people apart; only ever used beside a strong match of the other name and an
/// identifier that belongs to one person.
pub(crate) fn near(a: &str, b: &str) -> bool {
    let within = |a: &str, b: &str| {
        let (a_len, b_len) = (a.chars().count(), b.chars().count());
        let distance = strsim::osa_distance(a, b);
        (a_len.min(b_len) >= MIN_LEN_FOR_TWO_SLIPS && distance <= 2)
            || (a_len.max(b_len) >= 2 && distance <= 1)
    };
    within(a, b) || within(&as_scanned(a), &as_scanned(b)) || same_sound(a, b)
}

/// A name as a scanner may read it, with the letters it confuses made one: "rn" and "m",
/// "cl" and "d", "vv" and "w", "li" and "h", then "i" and "l", "e" and "c", "u" and "v".
fn as_scanned(name: &str) -> String {
    name.replace("rn", "m")
        .replace("cl", "d")
        .replace("vv", "w")
        .replace("li", "h")
        .chars()
        .map(|c| match c {
            'i' => 'l',
            'e' => 'c',
            'u' => 'v',
            other => other,
        })
        .collect()
}

/// Whether the Double Metaphone codes of two plain ASCII names share a form.
fn same_sound(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() || !a.is_ascii() || !b.is_ascii() {
        return false;
    }
    let encoder = DoubleMetaphone::new(None);
    let (a, b) = (encoder.double_metaphone(a), encoder.double_metaphone(b));
    let (a_codes, b_codes) = ([a.primary(), a.alternate()], [b.primary(), b.alternate()]);
    a_codes
        .iter()
        .any(|code| !code.is_empty() && b_codes.contains(code))
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
    same_sound(a, b)
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

    #[test]
    fn near_names() {
        assert!(near("rnartinez", "martinez"));
        assert!(near("katharine", "katherine"));
        assert!(near("aan", "ana"));
        assert!(near("li", "lu"));
        assert!(near("e", "le"));
        assert!(near("rnary", "mary"));
        assert!(near("vvang", "wang"));
        assert!(near("tliuy", "thuy"));
        assert!(near("phord", "ford"));
        assert!(!near("l", "i"));
        assert!(!near("anna", "emma"));
        assert!(!near("john", "mary"));
    }

    proptest! {
        #[test]
        fn near_is_symmetric_and_includes_one_slip(a in "[a-z]{0,12}", b in "[a-z]{0,12}") {
            prop_assert_eq!(near(&a, &b), near(&b, &a));
            if one_typo_apart(&a, &b) {
                prop_assert!(near(&a, &b));
            }
        }

        #[test]
        fn never_panics(a in "\\PC{0,20}", b in "[a-z]{0,20}") {
            let _ = sounds_alike(&a, &b);
            let _ = sounds_alike(&b, &b.chars().rev().collect::<String>());
            let _ = one_typo_apart(&a, &b);
            let _ = near(&a, &b);
        }
    }
}
