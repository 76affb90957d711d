//! The strength meter shown while a password is typed. It advises; the policy decides.

use zxcvbn::feedback::{Suggestion, Warning};
use zxcvbn::time_estimates::CrackTimes;

use super::common;
use super::context::PasswordContext;
use super::fold::{fold, nfkc};
use super::personal::{PersonalDetails, birth_date_forms};

/// How hard a password would be to guess, with advice in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strength {
    /// 0 (guessed at once) to 4 (very hard to guess), on zxcvbn's scale.
    pub score: u8,
    /// What to change, in plain language; empty when there is nothing to add.
    pub advice: Vec<String>,
    /// Roughly how long an attacker who stole the hashed password would need to guess it,
    /// in words ("3 hours", "centuries"), for a sentence like "A computer could guess it in
    /// about {crack_time_display}."
    pub crack_time_display: String,
}

const SENTENCE: &str =
    "Try a short sentence you will remember, like three or four unrelated words.";
const COMMON: &str = "This is one of the most common passwords. Attackers try these first.";
const PERSONAL: &str =
    "Leave out your name, username and date of birth: they are the first things someone would try.";

/// Estimates the strength of a password with zxcvbn, knowing the person's username, name and
/// birth date. A password on the bundled common list scores 0, and one that contains the
/// person's own details scores at most 1, so the meter never praises a password that
/// `PasswordPolicy::check` would refuse for those reasons.
pub fn strength(password: &str, context: &PasswordContext) -> Strength {
    let password = nfkc(password);
    let folded = fold(&password);
    let inputs = user_inputs(context);
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(&password, &inputs);

    let mut score = u8::from(estimate.score());
    let mut guesses = estimate.guesses();
    let mut advice = Advice::default();

    if common::is_common(&folded) {
        score = 0;
        let list_len = u64::try_from(common::len()).unwrap_or(u64::MAX);
        guesses = guesses.min(list_len);
        advice.add(COMMON);
    }
    if PersonalDetails::find(&password, context).any() {
        score = score.min(1);
        advice.add(PERSONAL);
    }
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            advice.add(warning_advice(warning));
        }
        for suggestion in feedback.suggestions() {
            advice.add(suggestion_advice(*suggestion));
        }
    }
    if score < 3 {
        advice.add(SENTENCE);
    }

    Strength {
        score,
        advice: advice.0,
        crack_time_display: CrackTimes::new(guesses)
            .offline_slow_hashing_1e4_per_second()
            .to_string(),
    }
}

/// Advice lines in the order found, each said once.
#[derive(Default)]
struct Advice(Vec<String>);

impl Advice {
    fn add(&mut self, line: &str) {
        if !self.0.iter().any(|known| known == line) {
            self.0.push(line.to_owned());
        }
    }
}

/// What zxcvbn should count as easy guesses for this person: their username, names and the
/// birth date in its common forms.
fn user_inputs(context: &PasswordContext) -> Vec<String> {
    let mut inputs: Vec<String> = Vec::new();
    inputs.extend(context.username.map(str::to_owned));
    for name in [context.given_name, context.family_name]
        .into_iter()
        .flatten()
    {
        inputs.push(name.to_owned());
        inputs.extend(name.split_whitespace().map(str::to_owned));
    }
    if let Some(date) = context.birth_date {
        inputs.push(date.year().to_string());
        inputs.extend(birth_date_forms(date));
    }
    inputs
}

/// zxcvbn's warnings, reworded for people who do not think about passwords for a living.
fn warning_advice(warning: Warning) -> &'static str {
    match warning {
        Warning::StraightRowsOfKeysAreEasyToGuess
        | Warning::ShortKeyboardPatternsAreEasyToGuess => {
            "Keys that sit next to each other on the keyboard, like \"qwerty\", are easy to guess."
        }
        Warning::RepeatsLikeAaaAreEasyToGuess => {
            "Repeated letters or numbers, like \"aaa\" or \"111\", are easy to guess."
        }
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "Writing the same thing twice, like \"abcabc\", is hardly harder to guess than writing it once."
        }
        Warning::ThisIsATop10Password
        | Warning::ThisIsATop100Password
        | Warning::ThisIsACommonPassword => COMMON,
        Warning::ThisIsSimilarToACommonlyUsedPassword => "This is very close to a common password.",
        Warning::SequencesLikeAbcAreEasyToGuess => {
            "Runs like \"abc\" or \"6543\" are easy to guess."
        }
        Warning::RecentYearsAreEasyToGuess => "Recent years are easy to guess.",
        Warning::AWordByItselfIsEasyToGuess => "A single word is easy to guess, even a long one.",
        Warning::DatesAreOftenEasyToGuess => "Dates are easy to guess.",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
        | Warning::CommonNamesAndSurnamesAreEasyToGuess => "Names are easy to guess.",
    }
}

/// zxcvbn's suggestions, reworded likewise.
fn suggestion_advice(suggestion: Suggestion) -> &'static str {
    match suggestion {
        Suggestion::UseAFewWordsAvoidCommonPhrases => SENTENCE,
        Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => {
            "You do not need symbols, numbers or capital letters."
        }
        Suggestion::AddAnotherWordOrTwo => "Add another word or two. Unusual words are best.",
        Suggestion::CapitalizationDoesntHelpVeryMuch => "Capital letters do not help much.",
        Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => {
            "All capital letters are almost as easy to guess as all small letters."
        }
        Suggestion::ReversedWordsArentMuchHarderToGuess => {
            "A word spelled backwards is not much harder to guess."
        }
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => {
            "Swapping letters for look-alikes, like \"@\" for \"a\", does not help much."
        }
        Suggestion::UseALongerKeyboardPatternWithMoreTurns => {
            "Avoid patterns of keys on the keyboard."
        }
        Suggestion::AvoidRepeatedWordsAndCharacters => "Avoid repeating words or letters.",
        Suggestion::AvoidSequences => "Avoid runs like \"abc\" or \"123\".",
        Suggestion::AvoidRecentYears => "Avoid recent years.",
        Suggestion::AvoidYearsThatAreAssociatedWithYou
        | Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => {
            "Avoid dates and years that mean something to you, like your birthday."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    fn patient() -> PasswordContext<'static> {
        PasswordContext {
            username: Some("mokafor"),
            given_name: Some("Margaret"),
            family_name: Some("Okafor"),
            birth_date: Some(jiff::civil::date(1952, 3, 7)),
        }
    }

    #[test]
    fn a_common_password_scores_zero_with_advice() {
        let meter = strength("password", &PasswordContext::default());
        assert_eq!(meter.score, 0);
        assert_eq!(meter.crack_time_display, "less than a second");
        assert!(meter.advice.iter().any(|line| line == COMMON));
        assert!(meter.advice.iter().any(|line| line == SENTENCE));
    }

    #[test]
    fn a_password_on_the_bundled_list_scores_zero_even_if_zxcvbn_likes_it() {
        // Long enough for zxcvbn to rate it above zero on its own, but on our list.
        let alone = zxcvbn::zxcvbn("websolutions", &[]);
        assert!(u8::from(alone.score()) > 0);
        let meter = strength("websolutions", &PasswordContext::default());
        assert_eq!(meter.score, 0);
        assert!(meter.advice.iter().any(|line| line == COMMON));
    }

    #[test]
    fn a_long_unusual_passphrase_scores_four_without_advice() {
        let meter = strength("violet tractor gargles marmalade", &patient());
        assert_eq!(meter.score, 4);
        assert!(meter.advice.is_empty(), "{:?}", meter.advice);
        assert_eq!(meter.crack_time_display, "centuries");
    }

    #[test]
    fn personal_details_lower_the_score() {
        let password = "Margaret Okafor 03071952";
        let stranger = strength(password, &PasswordContext::default());
        let herself = strength(password, &patient());
        assert!(herself.score <= 1);
        assert!(herself.score < stranger.score);
        assert!(herself.advice.iter().any(|line| line == PERSONAL));
    }

    #[test]
    fn keyboard_rows_get_plain_advice() {
        let meter = strength("zxcvbnm", &PasswordContext::default());
        assert_eq!(meter.score, 0);
        assert!(!meter.advice.is_empty());
        assert!(meter.advice.iter().all(|line| line.ends_with('.')));
    }

    #[test]
    fn an_empty_password_scores_zero() {
        let meter = strength("", &PasswordContext::default());
        assert_eq!(meter.score, 0);
        assert_eq!(meter.advice[0], SENTENCE);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn strength_never_panics_and_stays_in_range(
            password in any::<String>(),
            name in any::<Option<String>>(),
        ) {
            let context = PasswordContext { given_name: name.as_deref(), ..patient() };
            let meter = strength(&password, &context);
            prop_assert!(meter.score <= 4);
            prop_assert!(!meter.crack_time_display.is_empty());
        }

        #[test]
        fn nfkc_equivalent_passwords_measure_the_same(password in "[a-z e\u{301}\u{e9}\u{fb01}\u{ff21}\u{2460}0-9]{0,24}") {
            let reference = strength(&password, &patient());
            let decomposed: String = password.nfkd().collect();
            prop_assert_eq!(reference, strength(&decomposed, &patient()));
        }
    }
}
