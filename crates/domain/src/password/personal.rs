//! Finding the person's own username, name or birth date inside a password.

use jiff::civil::Date;

use super::context::PasswordContext;
use super::fold::{fold, skeleton};

/// Shorter names ("Al", "Jo") are left alone: they turn up inside too many ordinary words.
const MIN_NAME_LETTERS: usize = 3;

/// Which of the person's own details a password contains.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct PersonalDetails {
    pub username: bool,
    pub name: bool,
    pub birth_date: bool,
}

impl PersonalDetails {
    /// Looks for each detail the context knows in an NFKC-normalized password.
    pub(super) fn find(password: &str, context: &PasswordContext) -> Self {
        let folded = fold(password);
        let skeleton = skeleton(password);
        Self {
            username: context
                .username
                .is_some_and(|username| contains_username(&skeleton, username)),
            name: [context.given_name, context.family_name]
                .into_iter()
                .flatten()
                .any(|name| contains_name(&skeleton, name)),
            birth_date: context
                .birth_date
                .is_some_and(|date| contains_birth_date(&folded, &skeleton, date)),
        }
    }

    pub(super) fn any(&self) -> bool {
        self.username || self.name || self.birth_date
    }
}

/// Whether the password contains the username, compared without case, accents or the
/// separators a username may have ("mary.ellis" is found in "MaryEllis!").
fn contains_username(password_skeleton: &str, username: &str) -> bool {
    let username = skeleton(username);
    username.chars().count() >= MIN_NAME_LETTERS && password_skeleton.contains(&username)
}

/// Whether the password contains a name of three or more letters, or any such part of a
/// name that has several ("Mary-Jane", "Ana María").
fn contains_name(password_skeleton: &str, name: &str) -> bool {
    let whole = std::iter::once(name);
    let parts = name.split(|c: char| c.is_whitespace() || is_dash(c));
    whole.chain(parts).map(skeleton).any(|part| {
        part.chars().filter(|c| c.is_alphabetic()).count() >= MIN_NAME_LETTERS
            && password_skeleton.contains(&part)
    })
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}'
    )
}

/// Whether the password contains the birth date written in a common way. Separators are
/// ignored for the padded forms, so "03/07/1952", "03-07-1952" and "1952-03-07" are found as
/// MMDDYYYY and YYYYMMDD; the unpadded forms ("3/7/1952") need a separator to be seen.
fn contains_birth_date(password_folded: &str, password_skeleton: &str, date: Date) -> bool {
    birth_date_forms(date)
        .iter()
        .any(|form| password_skeleton.contains(form.as_str()))
        || unpadded_birth_date_forms(date)
            .iter()
            .any(|form| password_folded.contains(form.as_str()))
}

/// The birth date as YYYYMMDD, MMDDYYYY, DDMMYYYY and MMDDYY.
pub(super) fn birth_date_forms(date: Date) -> [String; 4] {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let yy = y.rem_euclid(100);
    [
        format!("{y:04}{m:02}{d:02}"),
        format!("{m:02}{d:02}{y:04}"),
        format!("{d:02}{m:02}{y:04}"),
        format!("{m:02}{d:02}{yy:02}"),
    ]
}

/// M/D/YYYY and M/D/YY with '/', '-' or '.' between the parts.
fn unpadded_birth_date_forms(date: Date) -> Vec<String> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let yy = y.rem_euclid(100);
    ['/', '-', '.']
        .into_iter()
        .flat_map(|s| [format!("{m}{s}{d}{s}{y}"), format!("{m}{s}{d}{s}{yy:02}")])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> Date {
        jiff::civil::date(1952, 3, 7)
    }

    fn has_birth_date(password: &str) -> bool {
        contains_birth_date(&fold(password), &skeleton(password), date())
    }

    #[test]
    fn find_reports_each_detail_the_context_knows() {
        let context = PasswordContext {
            username: Some("mokafor"),
            given_name: Some("Margaret"),
            family_name: None,
            birth_date: Some(date()),
        };
        let found = PersonalDetails::find("Margaret 03/07/1952", &context);
        assert_eq!(
            found,
            PersonalDetails {
                username: false,
                name: true,
                birth_date: true
            }
        );
        assert!(found.any());
        assert!(!PersonalDetails::find("okafor", &PasswordContext::default()).any());
    }

    #[test]
    fn username_is_found_without_case_or_separators() {
        assert!(contains_username(
            &skeleton("Mary.Ellis likes tea"),
            "mary.ellis"
        ));
        assert!(contains_username(
            &skeleton("MARYELLIS and tea"),
            "mary.ellis"
        ));
        assert!(!contains_username(
            &skeleton("violet tractor"),
            "mary.ellis"
        ));
    }

    #[test]
    fn names_of_three_letters_or_more_are_found_in_any_case_and_accent() {
        assert!(contains_name(&skeleton("margaret's garden"), "Margaret"));
        assert!(contains_name(
            &skeleton("zoe and the purple kite"),
            "Zo\u{eb}"
        ));
        assert!(contains_name(&skeleton("ZOË AND THE PURPLE KITE"), "Zoe"));
        assert!(contains_name(
            &skeleton("obrien rules the roost"),
            "O'Brien"
        ));
    }

    #[test]
    fn each_part_of_a_compound_name_counts() {
        assert!(contains_name(&skeleton("jane in the garden"), "Mary-Jane"));
        assert!(contains_name(
            &skeleton("maria in the garden"),
            "Ana Mar\u{ed}a"
        ));
    }

    #[test]
    fn names_shorter_than_three_letters_are_ignored() {
        assert!(!contains_name(&skeleton("always a purple kite"), "Al"));
        assert!(!contains_name(&skeleton("always a purple kite"), "Al Yu"));
    }

    #[test]
    fn birth_date_is_found_in_each_common_format() {
        for form in [
            "19520307",
            "03071952",
            "03/07/1952",
            "07031952",
            "1952-03-07",
            "030752",
            "3/7/1952",
            "3-7-52",
        ] {
            assert!(has_birth_date(&format!("purple kite {form}!")), "{form}");
        }
    }

    #[test]
    fn other_dates_and_numbers_are_not_the_birth_date() {
        assert!(!has_birth_date("purple kite 19520308"));
        assert!(!has_birth_date("purple kite 1952"));
        assert!(!has_birth_date("purple kite 371952"));
    }
}
