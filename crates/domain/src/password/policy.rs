use secrecy::{ExposeSecret, SecretString};

use super::common::is_common;
use super::context::PasswordContext;
use super::fold::{fold, nfkc};
use super::personal::PersonalDetails;
use super::problem::PasswordProblem;
use super::repetitive::is_repetitive;

/// The rules a new password must meet. Lengths are counted in Unicode characters (code
/// points) after NFKC normalization, not in bytes. There are deliberately no composition
/// rules ("must contain a digit"): NIST SP 800-63B found they make passwords harder to
/// remember without making them harder to guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    /// NIST asks verifiers to accept at least 64 characters.
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 12,
            max_chars: 128,
        }
    }
}

/// A password that passed [`PasswordPolicy::check`], held in its NFKC form: the form to hash.
/// Its `Debug` output is redacted.
#[derive(Debug)]
pub struct NewPassword(SecretString);

impl ExposeSecret<str> for NewPassword {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PasswordPolicy {
    /// Checks a new password and its confirmation against the policy and against what we know
    /// of the person. Reports every problem found, in the order `PasswordProblem` declares
    /// them, so the page can list them all at once.
    pub fn check(
        &self,
        password: &str,
        confirmation: &str,
        context: &PasswordContext,
    ) -> Result<NewPassword, Vec<PasswordProblem>> {
        let password = nfkc(password);
        let folded = fold(&password);
        let mut problems = Vec::new();

        let chars = password.chars().count();
        if chars < self.min_chars {
            problems.push(PasswordProblem::TooShort {
                min: self.min_chars,
                actual: chars,
            });
        }
        if chars > self.max_chars {
            problems.push(PasswordProblem::TooLong {
                max: self.max_chars,
            });
        }
        if is_common(&folded) {
            problems.push(PasswordProblem::Common);
        }
        let personal = PersonalDetails::find(&password, context);
        if personal.username {
            problems.push(PasswordProblem::ContainsUsername);
        }
        if personal.name {
            problems.push(PasswordProblem::ContainsName);
        }
        if personal.birth_date {
            problems.push(PasswordProblem::ContainsBirthDate);
        }
        if is_repetitive(&folded) {
            problems.push(PasswordProblem::Repetitive);
        }
        if nfkc(confirmation) != password {
            problems.push(PasswordProblem::Mismatch);
        }

        if problems.is_empty() {
            Ok(NewPassword(SecretString::from(password)))
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordProblem::*;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    const GOOD: &str = "violet tractor gargles marmalade";

    fn check(password: &str) -> Result<NewPassword, Vec<PasswordProblem>> {
        check_with(password, &PasswordContext::default())
    }

    fn check_with(
        password: &str,
        context: &PasswordContext,
    ) -> Result<NewPassword, Vec<PasswordProblem>> {
        PasswordPolicy::default().check(password, password, context)
    }

    fn problems(password: &str) -> Vec<PasswordProblem> {
        check(password).err().unwrap_or_default()
    }

    fn problems_with(password: &str, context: &PasswordContext) -> Vec<PasswordProblem> {
        check_with(password, context).err().unwrap_or_default()
    }

    fn patient() -> PasswordContext<'static> {
        PasswordContext {
            username: Some("mokafor"),
            given_name: Some("Margaret"),
            family_name: Some("Okafor"),
            birth_date: Some(jiff::civil::date(1952, 3, 7)),
        }
    }

    #[test]
    fn a_good_passphrase_is_accepted_in_its_nfkc_form() {
        let accepted = check_with(GOOD, &patient()).unwrap();
        assert_eq!(accepted.expose_secret(), GOOD);
        let ligature = check("\u{fb01}ve purple kites at noon").unwrap();
        assert_eq!(ligature.expose_secret(), "five purple kites at noon");
    }

    #[test]
    fn the_default_policy_follows_nist() {
        let policy = PasswordPolicy::default();
        assert_eq!(policy.min_chars, 12);
        assert!(policy.max_chars >= 64);
    }

    #[test]
    fn new_password_debug_output_hides_the_password() {
        let accepted = check(GOOD).unwrap();
        assert!(!format!("{accepted:?}").contains("violet"));
    }

    #[test]
    fn short_passwords_are_refused_with_the_count() {
        assert_eq!(
            problems("plum kettle"),
            vec![TooShort {
                min: 12,
                actual: 11
            }]
        );
        assert!(check("plum kettles").is_ok());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Twelve characters, twenty-nine bytes.
        assert!(
            check("\u{f1}and\u{fa}\u{1f427}\u{1f33b}\u{1f680}\u{1f96d}\u{1f3b8}\u{1f98a}\u{1f33f}")
                .is_ok()
        );
        // Six characters, twenty-four bytes.
        assert_eq!(
            problems("\u{1f427}\u{1f33b}\u{1f680}\u{1f96d}\u{1f3b8}\u{1f98a}"),
            vec![TooShort { min: 12, actual: 6 }]
        );
    }

    #[test]
    fn length_is_counted_after_nfkc() {
        // Twelve code points as typed, eleven once "e" and its accent are composed.
        let decomposed = "cafe\u{301} monday";
        assert_eq!(decomposed.chars().count(), 12);
        assert_eq!(
            problems(decomposed),
            vec![TooShort {
                min: 12,
                actual: 11
            }]
        );
        // Ten code points as typed, twelve once the ligature "ﬃ" becomes "ffi".
        let ligature = "\u{fb03} marmots!";
        assert_eq!(ligature.chars().count(), 10);
        assert!(check(ligature).is_ok());
    }

    #[test]
    fn long_passwords_are_refused_past_the_maximum() {
        let words = [
            "violet",
            "tractor",
            "gargles",
            "marmalade",
            "quietly",
            "at",
            "dawn",
        ];
        let long: String = words
            .iter()
            .cycle()
            .take(40)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let at_max: String = long.chars().take(128).collect();
        let past_max: String = long.chars().take(129).collect();
        assert!(check(&at_max).is_ok());
        assert_eq!(problems(&past_max), vec![TooLong { max: 128 }]);
    }

    #[test]
    fn any_characters_are_allowed_and_none_are_required() {
        assert!(check("purple kettle dishwasher").is_ok());
        assert!(check("\u{43f}\u{443}\u{440}\u{43f}\u{443}\u{440}\u{43d}\u{44b}\u{439} \u{441}\u{43b}\u{43e}\u{43d} \u{43f}\u{44c}\u{451}\u{442} \u{447}\u{430}\u{439}").is_ok());
        assert!(check("\u{732b}\u{304c}\u{6708}\u{3067}\u{30b8}\u{30e3}\u{30ba}\u{3092}\u{8e0a}\u{308b}\u{591c}\u{3060}").is_ok());
        assert!(check("\u{1f427} likes \u{1f33b} and \u{1f680}").is_ok());
    }

    #[test]
    fn common_passwords_are_refused() {
        assert_eq!(
            problems("password"),
            vec![TooShort { min: 12, actual: 8 }, Common]
        );
        assert_eq!(problems("qwerty123456"), vec![Common]);
        assert_eq!(problems("Password123!"), vec![Common]);
        assert_eq!(problems("ILOVEYOU2024!!"), vec![Common]);
        assert_eq!(problems("Let me in 2024!!"), vec![Common]);
    }

    #[test]
    fn a_password_containing_the_username_is_refused() {
        let context = PasswordContext {
            username: Some("mokafor"),
            ..Default::default()
        };
        assert_eq!(
            problems_with("MOkafor likes tea", &context),
            vec![ContainsUsername]
        );
        assert!(check_with(GOOD, &context).is_ok());
    }

    #[test]
    fn a_password_containing_the_given_or_family_name_is_refused() {
        let given = PasswordContext {
            given_name: Some("Margaret"),
            ..Default::default()
        };
        let family = PasswordContext {
            family_name: Some("Okafor"),
            ..Default::default()
        };
        assert_eq!(
            problems_with("margaret's garden", &given),
            vec![ContainsName]
        );
        assert_eq!(
            problems_with("the OKAFOR family", &family),
            vec![ContainsName]
        );
        assert!(check_with(GOOD, &given).is_ok());
        assert!(check_with(GOOD, &family).is_ok());
    }

    #[test]
    fn a_password_containing_the_birth_date_is_refused() {
        let context = PasswordContext {
            birth_date: Some(jiff::civil::date(1952, 3, 7)),
            ..Default::default()
        };
        for form in [
            "19520307",
            "03071952",
            "03/07/1952",
            "07031952",
            "1952-03-07",
            "030752",
        ] {
            assert_eq!(
                problems_with(&format!("purple kite {form}"), &context),
                vec![ContainsBirthDate],
                "{form}"
            );
        }
        assert!(check_with("purple kite 19520308", &context).is_ok());
    }

    #[test]
    fn repeats_and_runs_are_refused() {
        for password in [
            "aaaaaaaaaaaa",
            "123456789012",
            "zyxwvutsrqpo",
            "abcabcabcabc",
            "kqkqkqkqkqkq",
        ] {
            assert!(problems(password).contains(&Repetitive), "{password}");
        }
        assert_eq!(problems("bbbbbbbbbbbbbbbb"), vec![Repetitive]);
    }

    #[test]
    fn a_confirmation_that_differs_is_refused() {
        let policy = PasswordPolicy::default();
        let context = PasswordContext::default();
        assert_eq!(
            policy
                .check(GOOD, "violet tractor gargles marmalad", &context)
                .unwrap_err(),
            vec![Mismatch]
        );
        // The same password typed with a decomposed accent is not a mismatch.
        assert!(
            policy
                .check("caf\u{e9} on tuesday", "cafe\u{301} on tuesday", &context)
                .is_ok()
        );
    }

    #[test]
    fn every_problem_is_reported_in_a_stable_order() {
        let problems = PasswordPolicy::default()
            .check("Password1952", "Password", &patient())
            .unwrap_err();
        assert_eq!(problems, vec![Common, Mismatch]);

        let problems = PasswordPolicy::default()
            .check("Margaret030752", "", &patient())
            .unwrap_err();
        assert_eq!(
            problems,
            vec![Common, ContainsName, ContainsBirthDate, Mismatch]
        );

        let problems = PasswordPolicy::default()
            .check("mokafor1", "mokafor", &patient())
            .unwrap_err();
        assert_eq!(
            problems,
            vec![
                TooShort { min: 12, actual: 8 },
                ContainsUsername,
                ContainsName,
                Mismatch
            ]
        );
    }

    #[test]
    fn an_empty_password_is_too_short() {
        assert_eq!(problems(""), vec![TooShort { min: 12, actual: 0 }]);
    }

    /// Strings built from pieces that Unicode normalization rewrites: accents that compose,
    /// ligatures, full-width and circled letters, superscripts, Hangul, and plain text.
    fn normalizable_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("e\u{301}".to_owned()),
            Just("\u{e9}".to_owned()),
            Just("\u{fb01}".to_owned()),
            Just("\u{ff21}".to_owned()),
            Just("\u{2460}".to_owned()),
            Just("\u{b2}".to_owned()),
            Just("\u{212b}".to_owned()),
            Just("\u{d55c}".to_owned()),
            Just("\u{1112}\u{1161}\u{11ab}".to_owned()),
            Just(" ".to_owned()),
            "[a-zA-Z0-9!@#]{1,4}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..20).prop_map(|pieces| pieces.concat())
    }

    fn same_outcome(
        a: &Result<NewPassword, Vec<PasswordProblem>>,
        b: &Result<NewPassword, Vec<PasswordProblem>>,
    ) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => a.expose_secret() == b.expose_secret(),
            (Err(a), Err(b)) => a == b,
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn check_never_panics(
            password in any::<String>(),
            confirmation in any::<String>(),
            username in any::<Option<String>>(),
            given in any::<Option<String>>(),
            family in any::<Option<String>>(),
            days in -700_000i32..700_000,
        ) {
            let context = PasswordContext {
                username: username.as_deref(),
                given_name: given.as_deref(),
                family_name: family.as_deref(),
                birth_date: jiff::civil::date(2000, 1, 1).checked_add(jiff::Span::new().days(days)).ok(),
            };
            let _ = PasswordPolicy::default().check(&password, &confirmation, &context);
            let _ = PasswordPolicy::default().check(&password, &password, &context);
        }

        #[test]
        fn nfkc_equivalent_passwords_are_treated_the_same(text in normalizable_text()) {
            let context = patient();
            let policy = PasswordPolicy::default();
            let outcome = |password: &str| policy.check(password, password, &context);
            let reference = outcome(&text);
            for form in [
                text.nfc().collect::<String>(),
                text.nfd().collect(),
                text.nfkc().collect(),
                text.nfkd().collect(),
            ] {
                prop_assert!(same_outcome(&reference, &outcome(&form)), "{text:?} vs {form:?}");
            }
            // The confirmation may be typed in another equivalent form.
            let nfd: String = text.nfkd().collect();
            prop_assert!(same_outcome(&reference, &policy.check(&text, &nfd, &context)));
        }
    }
}
