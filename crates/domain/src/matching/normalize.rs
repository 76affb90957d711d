//! Name normalization: the form in which two spellings of one name become equal.
//!
//! [`normalize_name`] turns a name as typed or as registered into lower-case words without
//! accents, separated by single spaces:
//!
//! - Unicode NFKD, then combining marks dropped: "García" and "Garcia" are the same, and so are
//!   full-width or ligature forms ("ﬁ" is "fi").
//! - Case folded (with the few Latin letters that have no decomposition spelled out: "ß" is
//!   "ss", "Đ" is "d", "Ø" is "o", "Æ" is "ae", dotless "ı" is "i").
//! - Hyphens, apostrophes, periods, commas, slashes, underscores and whitespace separate words:
//!   "García-López", "garcia  lopez" and "O'Brien"/"O Brien" differ only by where words break.
//! - Anything else that is not a letter is dropped, which removes the digits Synthea appends to
//!   names ("Abdul218" is "abdul").
//!
//! Comparisons then use the **key**, the words run together ([`name_key`]): "García-López",
//! "Garcia Lopez" and "GarciaLopez" all have the key "garcialopez". Registration systems
//! disagree about spaces in compound names ("DeLuca", "De Luca", "Delacruz"), while two
//! different people whose names differ only by a space are not a realistic risk, and the birth
//! date must match as well.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Generational suffixes that some records append to the family name ("Smith Jr."). Father and
/// son share the name; the birth date, which must always match, tells them apart.
const FAMILY_SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

/// `raw` as lower-case words without accents, separated by single spaces. Idempotent, and
/// never panics whatever the input.
pub fn normalize_name(raw: &str) -> String {
    name_words(raw).join(" ")
}

/// The words of [`normalize_name`].
pub fn name_words(raw: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in folded_chars(raw) {
        if is_word_separator(c) {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else if c.is_alphabetic() {
            word.push(c);
        }
        // Digits, symbols and controls are dropped without breaking the word.
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The comparison key: the words of [`normalize_name`] run together.
pub fn name_key(raw: &str) -> String {
    name_words(raw).concat()
}

/// The words of a family name, without trailing generational suffixes ("Jr.", "III").
/// A name that is only a suffix keeps it, so that it never becomes empty.
pub fn family_words(raw: &str) -> Vec<String> {
    let mut words = name_words(raw);
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| FAMILY_SUFFIXES.contains(&w.as_str()))
    {
        words.pop();
    }
    words
}

/// Decomposed, mark-free, lower-case characters of `raw`.
///
/// Decomposition runs again after lower-casing because a few characters only decompose, or
/// only become lower case, after the other step (a modifier capital "ᴬ" decomposes to "A");
/// running both twice makes [`normalize_name`] idempotent.
fn folded_chars(raw: &str) -> impl Iterator<Item = char> + '_ {
    raw.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .flat_map(spell_out)
}

/// Latin letters that Unicode does not decompose, spelled as English-language records write
/// them; every other character passes through.
fn spell_out(c: char) -> SpelledOut {
    let spelled: &'static str = match c {
        'ß' | 'ẞ' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ł' => "l",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        // Greek final sigma is the same letter as sigma.
        'ς' => "σ",
        _ => return SpelledOut::One(Some(c)),
    };
    SpelledOut::Many(spelled.chars())
}

enum SpelledOut {
    One(Option<char>),
    Many(std::str::Chars<'static>),
}

impl Iterator for SpelledOut {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        match self {
            SpelledOut::One(c) => c.take(),
            SpelledOut::Many(chars) => chars.next(),
        }
    }
}

/// Characters that separate the words of a compound name. Modifier apostrophes ("ʼ", "ʻ")
/// count as letters in Unicode, so they are listed here explicitly.
fn is_word_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'
                ..='\u{2015}'
                    | '\u{2212}'
                    | '\''
                    | '\u{2018}'
                    | '\u{2019}'
                    | '\u{02BC}'
                    | '\u{02BB}'
                    | '`'
                    | '.'
                    | ','
                    | '/'
                    | '_'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accents_case_and_spaces_disappear() {
        assert_eq!(normalize_name("  José   LUIS "), "jose luis");
        assert_eq!(normalize_name("Zoë"), "zoe");
        assert_eq!(normalize_name("Nguyễn Đặng"), "nguyen dang");
        assert_eq!(normalize_name("Strauß"), "strauss");
        assert_eq!(normalize_name("Søren Ærø"), "soren aero");
    }

    #[test]
    fn compound_names_share_one_key() {
        for spelling in [
            "García-López",
            "garcia lopez",
            "Garcia  Lopez",
            "GarciaLopez",
        ] {
            assert_eq!(name_key(spelling), "garcialopez", "{spelling}");
        }
        assert_eq!(name_key("O'Brien"), name_key("O’Brien"));
        assert_eq!(name_key("O'Brien"), name_key("OBrien"));
        assert_eq!(name_key("St. John"), name_key("St John"));
        assert_eq!(normalize_name("García-López"), "garcia lopez");
    }

    #[test]
    fn synthea_digits_are_dropped() {
        assert_eq!(normalize_name("Abdul218"), "abdul");
        assert_eq!(normalize_name("Mrs. Kautzer186"), "mrs kautzer");
    }

    #[test]
    fn generational_suffixes_leave_the_family_name() {
        assert_eq!(family_words("Smith Jr."), ["smith"]);
        assert_eq!(family_words("Smith, III"), ["smith"]);
        assert_eq!(family_words("De la Cruz Sr"), ["de", "la", "cruz"]);
        // A name that is only a suffix-looking word stays as it is.
        assert_eq!(family_words("Ii"), ["ii"]);
    }

    #[test]
    fn names_without_letters_are_empty() {
        assert_eq!(normalize_name("123 -- ..."), "");
        assert!(name_words("").is_empty());
    }

    #[test]
    fn tricky_characters_are_stable() {
        for raw in ["ᴬ", "İstanbul", "ΣΑΣ", "ǅ", "ﬃ", "Ⅻ", "ŉ", "ʼn", "K"] {
            let once = normalize_name(raw);
            assert_eq!(normalize_name(&once), once, "{raw:?}");
        }
    }

    /// Latin letters with and without accents, plus the separators people type.
    const LATIN: &str = "[A-Za-zÀ-ÖØ-öø-ÿ '.-]{0,30}";

    /// A plain ASCII letter with, optionally, an accent written as a combining mark.
    fn letter_with_accent() -> impl Strategy<Value = (char, Option<char>)> {
        (
            prop::char::range('a', 'z'),
            prop::option::of(prop::char::range('\u{0300}', '\u{036F}')),
        )
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(raw in any::<String>()) {
            let once = normalize_name(&raw);
            prop_assert_eq!(normalize_name(&once), once.clone());
            prop_assert_eq!(name_key(&once), name_key(&raw));
        }

        #[test]
        fn is_idempotent_on_any_printable_text(raw in "\\PC{0,40}") {
            let once = normalize_name(&raw);
            prop_assert_eq!(normalize_name(&once), once);
        }

        #[test]
        fn is_case_insensitive(raw in LATIN) {
            let expected = normalize_name(&raw);
            prop_assert_eq!(normalize_name(&raw.to_uppercase()), expected.clone());
            prop_assert_eq!(normalize_name(&raw.to_lowercase()), expected);
        }

        #[test]
        fn is_accent_insensitive(letters in prop::collection::vec(letter_with_accent(), 0..20)) {
            let plain: String = letters.iter().map(|(c, _)| *c).collect();
            let decomposed: String = letters
                .iter()
                .flat_map(|(c, mark)| std::iter::once(*c).chain(*mark))
                .collect();
            let composed: String = decomposed.nfc().collect();
            prop_assert_eq!(normalize_name(&decomposed), plain.clone());
            prop_assert_eq!(normalize_name(&composed), plain);
        }

        #[test]
        fn hyphens_and_spaces_are_interchangeable(words in prop::collection::vec("[A-Za-z]{1,8}", 1..4)) {
            prop_assert_eq!(normalize_name(&words.join("-")), normalize_name(&words.join(" ")));
            prop_assert_eq!(name_key(&words.join("-")), name_key(&words.concat()));
        }
    }
}
