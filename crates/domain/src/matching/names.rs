//! How a typed name relates to the name on a chart.

use super::nicknames::are_nickname_keys;
use super::normalize::{family_words, name_key, name_words};
use super::similarity::{near, one_typo_apart, similarity, sounds_alike};

/// How the name a patient typed relates to the chart's, from closest to farthest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameRelation {
    /// Equal after normalization (case, accents, spaces, hyphens, apostrophes, suffixes), and
    /// for given names, the chart's middle names may be left out or typed as initials.
    Same,
    /// A listed nickname of the chart's first given name ("Bill" for William).
    Nickname,
    /// Only part of it: one surname of a compound ("García" for "García López"), or a given
    /// name with a word the chart does not have.
    Partial,
    /// One typing slip in a name of four letters or more ("Micheal").
    Typo,
    /// Pronounced the same and spelled closely ("Steven" for Stephen).
    SoundsAlike,
    /// None of the above.
    Different,
}

impl NameRelation {
    /// Credit towards the comparison score, between 0 and 1.
    pub(crate) fn credit(self, typed: &str, chart: &str) -> f64 {
        match self {
            NameRelation::Same => 1.0,
            NameRelation::Nickname => 0.85,
            NameRelation::Partial => 0.8,
            NameRelation::Typo | NameRelation::SoundsAlike => {
                0.9 * similarity(&name_key(typed), &name_key(chart))
            }
            NameRelation::Different => 0.0,
        }
    }
}

/// Words that join the parts of a surname; a match on these alone proves nothing.
const PARTICLES: &[&str] = &[
    "de", "del", "della", "la", "las", "los", "y", "e", "van", "von", "der", "den", "da", "di",
    "du", "dos", "das", "st", "saint", "bin", "ibn",
];

/// How the typed given name relates to the chart's given names (first name, then middle
/// names in order).
pub fn relate_given(typed: &str, chart_given: &[String]) -> NameRelation {
    let words = name_words(typed);
    let chart_words: Vec<Vec<String>> = chart_given
        .iter()
        .map(|name| name_words(name))
        .filter(|name| !name.is_empty())
        .collect();
    let chart: Vec<String> = chart_words.iter().map(|name| name.concat()).collect();
    if words.is_empty() || chart.is_empty() {
        return NameRelation::Different;
    }
    let tests: [(NameRelation, FirstNameTest); 4] = [
        (NameRelation::Same, |a, b| a == b),
        (NameRelation::Nickname, are_nickname_keys),
        (NameRelation::Typo, one_typo_apart),
        (NameRelation::SoundsAlike, sounds_alike),
    ];
    // "JoseLuis" for José Luis: first and middle names typed as one word. Initials do not
    // join: "Anne" is not Ann E.
    let typed_key = words.concat();
    let joined = (2..=chart.len()).any(|n| {
        chart[1..n].iter().all(|middle| middle.chars().count() > 1)
            && chart[..n].concat() == typed_key
    });
    if joined {
        return NameRelation::Same;
    }
    for (relation, first_name_test) in tests {
        if aligns(&words, &chart, first_name_test) {
            return relation;
        }
    }
    // The chart's first name followed by words the chart does not have ("Mary Ann" for
    // Mary), or only the leading words of a compound first name ("Min" for Min-ji).
    let chart_first_words = &chart_words[0];
    let extends_first = (1..words.len()).any(|n| words[..n].concat() == chart[0]);
    let shortens_first =
        (1..chart_first_words.len()).any(|n| chart_first_words[..n].concat() == typed_key);
    if extends_first || shortens_first {
        return NameRelation::Partial;
    }
    NameRelation::Different
}

/// Whether a typed first name (as a key) relates to the chart's in one particular way.
type FirstNameTest = fn(&str, &str) -> bool;

/// Whether the typed words split into the chart's first name (tested with `first_name_test`)
/// followed by some of its middle names in order, each written out or as an initial. Words may
/// run together or apart ("Mary Ann" and "Maryann"); middle names may be left out at the end.
fn aligns(words: &[String], chart: &[String], first_name_test: FirstNameTest) -> bool {
    (1..=words.len()).any(|n| {
        first_name_test(&words[..n].concat(), &chart[0]) && middles_align(&words[n..], &chart[1..])
    })
}

fn middles_align(words: &[String], middles: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    let Some((middle, rest)) = middles.split_first() else {
        return false;
    };
    (1..=words.len()).any(|n| {
        let typed = words[..n].concat();
        (typed == *middle || initial_of(&typed, middle) || initial_of(middle, &typed))
            && middles_align(&words[n..], rest)
    })
}

/// Whether `initial` is one letter that begins `name`.
fn initial_of(initial: &str, name: &str) -> bool {
    initial.chars().count() == 1 && name.starts_with(initial)
}

/// How the typed family name relates to the chart's. Generational suffixes ("Jr.") are
/// ignored on both sides.
pub fn relate_family(typed: &str, chart_family: &str) -> NameRelation {
    let typed = family_words(typed);
    let chart = family_words(chart_family);
    if typed.is_empty() || chart.is_empty() {
        return NameRelation::Different;
    }
    let (typed_key, chart_key) = (typed.concat(), chart.concat());
    if typed_key == chart_key {
        NameRelation::Same
    } else if is_part_of(&typed, &chart) || is_part_of(&chart, &typed) {
        NameRelation::Partial
    } else if one_typo_apart(&typed_key, &chart_key) {
        NameRelation::Typo
    } else if sounds_alike(&typed_key, &chart_key) {
        NameRelation::SoundsAlike
    } else {
        NameRelation::Different
    }
}

/// Whether a typed given name that is none of the relations above is still spelled near the
/// chart's first name ([`near`]), or its first name and middle names run together.
pub(crate) fn near_given(typed: &str, chart_given: &[String]) -> bool {
    let typed = name_key(typed);
    let mut chart = String::new();
    chart_given.iter().any(|name| {
        chart.push_str(&name_key(name));
        near(&typed, &chart)
    })
}

/// Whether a typed family name that is none of the relations above is still spelled near the
/// chart's ([`near`]), suffixes left out on both sides.
pub(crate) fn near_family(typed: &str, chart_family: &str) -> bool {
    near(
        &family_words(typed).concat(),
        &family_words(chart_family).concat(),
    )
}

/// Whether `part` is a run of whole words of `whole` ("garcia" in "garcia lopez") that is
/// more than a particle ("de", "la").
fn is_part_of(part: &[String], whole: &[String]) -> bool {
    part.len() < whole.len()
        && part.iter().any(|word| !PARTICLES.contains(&word.as_str()))
        && whole.windows(part.len()).any(|window| window == part)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn given_names_equal_after_normalization() {
        let chart = given(&["José", "Luis"]);
        for typed in [
            "jose",
            "JOSÉ",
            " José  Luis ",
            "Jose L",
            "Jose L.",
            "JoseLuis",
            "José-Luis",
        ] {
            assert_eq!(relate_given(typed, &chart), NameRelation::Same, "{typed}");
        }
        assert_eq!(
            relate_given("Mary Jane", &given(&["Mary", "J."])),
            NameRelation::Same
        );
        assert_eq!(
            relate_given("Maryann", &given(&["Mary Ann"])),
            NameRelation::Same
        );
        assert_ne!(
            relate_given("Anne", &given(&["Ann", "E."])),
            NameRelation::Same
        );
    }

    #[test]
    fn looser_given_name_relations() {
        let chart = given(&["William", "Henry"]);
        assert_eq!(relate_given("Bill", &chart), NameRelation::Nickname);
        assert_eq!(relate_given("Bill H", &chart), NameRelation::Nickname);
        assert_eq!(relate_given("Wiliam", &chart), NameRelation::Typo);
        assert_eq!(
            relate_given("William Robert", &chart),
            NameRelation::Partial
        );
        assert_eq!(relate_given("Henry", &chart), NameRelation::Different);
        assert_eq!(
            relate_given("Steven", &given(&["Stephen"])),
            NameRelation::SoundsAlike
        );
        assert_eq!(
            relate_given("Min", &given(&["Min-ji"])),
            NameRelation::Partial
        );
        assert_eq!(
            relate_given("Min-jun", &given(&["Min-ji"])),
            NameRelation::Different
        );
        assert_eq!(relate_given("", &chart), NameRelation::Different);
        assert_eq!(relate_given("Bill", &[]), NameRelation::Different);
    }

    #[test]
    fn family_names() {
        assert_eq!(
            relate_family("garcia lopez", "García-López"),
            NameRelation::Same
        );
        assert_eq!(
            relate_family("GarciaLopez", "García López"),
            NameRelation::Same
        );
        assert_eq!(relate_family("Smith", "Smith Jr."), NameRelation::Same);
        assert_eq!(
            relate_family("García", "García-López"),
            NameRelation::Partial
        );
        assert_eq!(relate_family("Smith-Jones", "Jones"), NameRelation::Partial);
        assert_eq!(relate_family("De", "De la Cruz"), NameRelation::Different);
        assert_eq!(relate_family("Smtih", "Smith"), NameRelation::Typo);
        assert_eq!(relate_family("Johnson", "John"), NameRelation::Different);
        assert_eq!(relate_family("Lee", "Li"), NameRelation::Different);
    }

    #[test]
    fn near_names_beyond_the_relations() {
        let chart = given(&["Martina", "Rose"]);
        assert_eq!(relate_given("Rnartina", &chart), NameRelation::Different);
        assert!(near_given("Rnartina", &chart));
        assert!(near_given("MartinaRos", &chart));
        assert!(!near_given("Rose", &chart));
        assert!(near_family("Gonzalex Jr", "Gonzalez"));
        assert!(near_family("Li", "Lu"));
        assert!(!near_family("Smith", "Jones"));
    }
}
