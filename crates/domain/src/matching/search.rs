//! Self-enrollment: one claim against every chart of the organization.

use super::claim::{ChartIdentity, IdentityClaim};
use super::compare::{Assessment, FieldResult, IdentifierChecks, NicknameAlone, assess};
use super::names::{NameRelation, near_family, near_given};

/// What a practice's enrollment policy lets a search forgive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchRules {
    /// A birth date typed with day and month exchanged counts as the chart's, when an MRN or
    /// SSN digits matched (and no other chart is plausible, as always).
    pub day_month_swap: bool,
}

/// What a search over an organization's charts concluded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SearchOutcome {
    /// Exactly one chart passed the rules and no other chart came close.
    Match { index: usize, score: f64 },
    /// No chart passed. `nearest` is the one chart that came close, if exactly one did, with
    /// the rule that refused it: for the staff review item.
    NoMatch { nearest: Option<Nearest> },
    /// Two or more charts are plausible: accepting any could hand over the wrong record.
    Ambiguous,
}

/// The one chart that came close in a refused search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nearest {
    /// A position in the searched charts.
    pub index: usize,
    pub refused: Refusal,
}

/// Which rule refused a chart, in the order they are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// An MRN, SSN digits or ZIP code the patient gave is not the chart's.
    IdentifierDiffered,
    /// The birth date is the chart's with day and month exchanged, and the practice does not
    /// accept that (or no MRN or SSN digits matched to vouch for it).
    BirthDateSwapped,
    /// Neither an MRN, SSN digits nor a ZIP code was given and matched: name and birth date
    /// alone are shared by too many people.
    NoIdentifier,
    /// Neither name is close enough to the chart's, or one is and the other is not even near.
    NamesDiffer,
    /// The names are close but not exact, and only a ZIP code (which a household shares)
    /// vouched for them: a forgiven spelling needs an MRN or SSN digits.
    NamesNeedPersonIdentifier,
}

impl Refusal {
    /// In staff's words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::IdentifierDiffered => {
                "no match: an MRN, SSN digits or ZIP code typed is not the chart's"
            }
            Self::BirthDateSwapped => {
                "no match: the date of birth has day and month swapped, which the policy does not \
                 accept"
            }
            Self::NoIdentifier => {
                "no match: no MRN, SSN digits or ZIP code was given to confirm the chart"
            }
            Self::NamesDiffer => "no match: the names are too far from the chart's",
            Self::NamesNeedPersonIdentifier => {
                "no match: the names are close but not exact, and only an MRN or SSN digits can \
                 confirm that"
            }
        }
    }
}

/// Looks for the claimant among `charts` without an invitation (see the module docs for the
/// rules). `index` in the outcome is a position in `charts`.
///
/// Only charts born on one of [`IdentityClaim::candidate_birth_dates`] can pass or compete,
/// so a caller may pass just those charts (an indexed query) and get the same outcome.
pub fn search(
    claim: &IdentityClaim,
    charts: &[ChartIdentity],
    rules: SearchRules,
    ssn_hasher: impl Fn(&str) -> String,
) -> SearchOutcome {
    let ssn_hash = claim.ssn_last4_hash(ssn_hasher);
    let candidates = claim.candidate_birth_dates();
    let mut plausible = 0;
    let mut accepted = None;
    // Charts refused that came close, and whether each is plausible.
    let mut near_misses = Vec::new();
    for (index, chart) in charts.iter().enumerate() {
        if !candidates.contains(&chart.birth_date) {
            continue;
        }
        let ids = IdentifierChecks::of(claim, ssn_hash.as_deref(), chart);
        let assessment = assess(ids, claim, chart);
        let names = NameFit::of(&assessment, claim, chart);
        if names == NameFit::Unrelated {
            continue;
        }
        match judge(&assessment, names, rules) {
            Ok(()) => {
                plausible += 1;
                accepted = Some((index, assessment));
            }
            Err(refused) => {
                let counts = is_plausible(&assessment, names);
                plausible += usize::from(counts);
                near_misses.push((Nearest { index, refused }, counts));
            }
        }
    }
    match (plausible, accepted) {
        (1, Some((index, assessment))) => SearchOutcome::Match {
            index,
            score: assessment
                .invitation_comparison(NicknameAlone::Refused)
                .score,
        },
        (0 | 1, _) => SearchOutcome::NoMatch {
            nearest: nearest(&near_misses),
        },
        _ => SearchOutcome::Ambiguous,
    }
}

/// The one chart to show staff after a refusal: the only one that came close at all, or else
/// the only plausible one.
fn nearest(near_misses: &[(Nearest, bool)]) -> Option<Nearest> {
    if let [(only, _)] = near_misses {
        return Some(*only);
    }
    let mut plausible = near_misses.iter().filter(|(_, counts)| *counts);
    match (plausible.next(), plausible.next()) {
        (Some((only, _)), None) => Some(*only),
        _ => None,
    }
}

/// How the claim's names fit a chart's, from closest to farthest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameFit {
    /// Given and family name equal (the given name may be a nickname, when an MRN or SSN
    /// digits vouch for it).
    Exact,
    /// One name strong (equal, a nickname, one slip, sounds alike) and the other related or
    /// near, either way round.
    Close,
    /// Both names related in some way, neither strongly.
    Related,
    /// One name related or near, the other not: worth showing staff, not a competitor.
    Partly,
    /// Neither name has anything to do with the chart's.
    Unrelated,
}

impl NameFit {
    fn of(a: &Assessment, claim: &IdentityClaim, chart: &ChartIdentity) -> Self {
        let vouched = a.ids.person_identifier_matched();
        let exact_given =
            a.given == NameRelation::Same || (a.given == NameRelation::Nickname && vouched);
        if exact_given && a.family == NameRelation::Same {
            return Self::Exact;
        }
        // The near spellings are looked for only where a strong other name could use them.
        let given_near = a.given != NameRelation::Different
            || (is_strong(a.family) && near_given(claim.given(), &chart.given));
        let family_near = a.family != NameRelation::Different
            || (is_strong(a.given) && near_family(claim.family(), &chart.family));
        let straight = (a.given, given_near, a.family, family_near);
        let crossed = a.crossed.map(|(given, family)| {
            (
                given,
                given != NameRelation::Different,
                family,
                family != NameRelation::Different,
            )
        });
        let close = |(given, given_near, family, family_near)| {
            (is_strong(given) && family_near) || (is_strong(family) && given_near)
        };
        let related = |(given, _, family, _): (NameRelation, bool, NameRelation, bool)| {
            given != NameRelation::Different && family != NameRelation::Different
        };
        if close(straight) || crossed.is_some_and(close) {
            Self::Close
        } else if related(straight) || crossed.is_some_and(related) {
            Self::Related
        } else if given_near || family_near {
            Self::Partly
        } else {
            Self::Unrelated
        }
    }
}

/// A strong match of one name: enough, beside an MRN or SSN digits and the exact birth date,
/// for the other name to be only near.
fn is_strong(relation: NameRelation) -> bool {
    matches!(
        relation,
        NameRelation::Same
            | NameRelation::Nickname
            | NameRelation::Typo
            | NameRelation::SoundsAlike
    )
}

/// Whether this chart alone may be accepted for the claim; if not, the first rule that
/// refuses it. Accepted: no identifier given differs; the birth date is exact (or day and
/// month swapped, where the policy allows it and an MRN or SSN digits matched); an MRN, SSN
/// digits or ZIP code matched; and the names are exact, or, with an MRN or SSN digits, close.
fn judge(a: &Assessment, names: NameFit, rules: SearchRules) -> Result<(), Refusal> {
    let vouched = a.ids.person_identifier_matched();
    if a.ids.contradict() {
        return Err(Refusal::IdentifierDiffered);
    }
    let forgiven_swap = a.ids.birth_date_day_month_swapped && rules.day_month_swap && vouched;
    if a.ids.birth_date != FieldResult::Match && !forgiven_swap {
        return Err(Refusal::BirthDateSwapped);
    }
    if !a.ids.any_identifier_matched() {
        return Err(Refusal::NoIdentifier);
    }
    match names {
        NameFit::Exact => Ok(()),
        NameFit::Close if vouched => Ok(()),
        NameFit::Close => Err(Refusal::NamesNeedPersonIdentifier),
        NameFit::Related | NameFit::Partly | NameFit::Unrelated => Err(Refusal::NamesDiffer),
    }
}

/// Close enough that the claimant might be this person after a slip: if two charts are,
/// nobody is accepted. Deliberately generous, since it can only turn a match into a refusal:
/// no identifier given differs, the birth date is exact or day/month swapped (the charts
/// searched), and the names are related either way round.
fn is_plausible(a: &Assessment, names: NameFit) -> bool {
    !a.ids.contradict()
        && (a.ids.birth_date == FieldResult::Match || a.ids.birth_date_day_month_swapped)
        && matches!(names, NameFit::Exact | NameFit::Close | NameFit::Related)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::ClaimForm;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn hasher(digits: &str) -> String {
        format!("hash-of-{digits}")
    }

    fn chart(given: &str, family: &str, ssn: &str) -> ChartIdentity {
        ChartIdentity {
            given: vec![given.to_owned()],
            family: family.to_owned(),
            birth_date: date(1958, 3, 14),
            mrn: Some(format!("PL-{given}")),
            ssn_last4_hash: Some(hasher(ssn)),
            postal_code: Some("78701".to_owned()),
        }
    }

    /// A claim with the SSN digits, the ZIP code, or neither.
    fn claim(given: &str, family: &str, born: &str, ssn: Option<&str>, zip: bool) -> IdentityClaim {
        IdentityClaim::parse(ClaimForm {
            given,
            family,
            birth_date: born,
            ssn_last4: ssn,
            postal_code: zip.then_some("78701"),
            ..ClaimForm::default()
        })
        .unwrap()
    }

    fn run(claim: &IdentityClaim, charts: &[ChartIdentity]) -> SearchOutcome {
        search(claim, charts, SearchRules::default(), hasher)
    }

    fn refused(outcome: SearchOutcome) -> Option<Refusal> {
        match outcome {
            SearchOutcome::NoMatch {
                nearest: Some(nearest),
            } => Some(nearest.refused),
            _ => None,
        }
    }

    #[test]
    fn one_strong_name_and_a_near_other_are_accepted_with_the_ssn_digits() {
        let charts = [chart("Martina", "Gonzalez", "1234")];
        for (given, family) in [
            ("Martnia", "Gonzalez"),  // two letters transposed
            ("Martina", "Gonzales"),  // a phonetic spelling
            ("Rnartina", "Gonzalez"), // a scanner's "m"
            ("Marti", "Gonzalez"),    // two letters missing
            ("Martian", "Gonzalex"),  // a slip in each name
            ("Gonzalez", "Martnia"),  // swapped, with a slip
        ] {
            let typed = claim(given, family, "1958-03-14", Some("1234"), false);
            assert!(
                matches!(run(&typed, &charts), SearchOutcome::Match { index: 0, .. }),
                "{given} {family}"
            );
        }
        let bill = claim("Bill", "Gonzales", "1958-03-14", Some("1234"), false);
        let william = [chart("William", "Gonzalez", "1234")];
        assert!(matches!(run(&bill, &william), SearchOutcome::Match { .. }));
    }

    #[test]
    fn a_forgiven_spelling_needs_an_identifier_of_one_person() {
        let charts = [chart("Martina", "Gonzalez", "1234")];
        let by_zip = claim("Martnia", "Gonzalez", "1958-03-14", None, true);
        assert_eq!(
            refused(run(&by_zip, &charts)),
            Some(Refusal::NamesNeedPersonIdentifier)
        );
        // Exact names with the ZIP code are enough, as before.
        let exact = claim("martina", "GONZALEZ", "1958-03-14", None, true);
        assert!(matches!(run(&exact, &charts), SearchOutcome::Match { .. }));
        let bare = claim("Martina", "Gonzalez", "1958-03-14", None, false);
        assert_eq!(refused(run(&bare, &charts)), Some(Refusal::NoIdentifier));
    }

    #[test]
    fn names_that_are_both_loose_or_far_are_refused() {
        let charts = [chart("Martina", "Gonzalez", "1234")];
        for (given, family) in [
            ("Martina Rose", "Gonzalez Ruiz"), // both related, neither strong
            ("Martina", "Whitaker"),           // another family name
        ] {
            let typed = claim(given, family, "1958-03-14", Some("1234"), false);
            assert_eq!(
                refused(run(&typed, &charts)),
                Some(Refusal::NamesDiffer),
                "{given} {family}"
            );
        }
        // Nothing close at all: no chart to show staff.
        for (given, family) in [("Marta", "Gonzalo"), ("Oliver", "Whitaker")] {
            let stranger = claim(given, family, "1958-03-14", Some("1234"), false);
            assert_eq!(
                run(&stranger, &charts),
                SearchOutcome::NoMatch { nearest: None }
            );
        }
    }

    #[test]
    fn a_wrong_identifier_is_never_accepted() {
        let charts = [chart("Martina", "Gonzalez", "1234")];
        let impostor = claim("Martina", "Gonzalez", "1958-03-14", Some("4321"), true);
        assert_eq!(
            refused(run(&impostor, &charts)),
            Some(Refusal::IdentifierDiffered)
        );
    }

    #[test]
    fn a_swapped_day_and_month_only_where_the_policy_allows_it() {
        let mut charts = vec![chart("Martina", "Gonzalez", "1234")];
        charts[0].birth_date = date(1958, 3, 4);
        let swapped = claim("Martina", "Gonzalez", "1958-04-03", Some("1234"), false);
        assert_eq!(
            refused(run(&swapped, &charts)),
            Some(Refusal::BirthDateSwapped)
        );
        let allowed = SearchRules {
            day_month_swap: true,
        };
        assert!(matches!(
            search(&swapped, &charts, allowed, hasher),
            SearchOutcome::Match { index: 0, .. }
        ));
        // Only with an MRN or SSN digits to vouch for it.
        let by_zip = claim("Martina", "Gonzalez", "1958-04-03", None, true);
        assert_eq!(
            refused(search(&by_zip, &charts, allowed, hasher)),
            Some(Refusal::BirthDateSwapped)
        );
        // And never when someone is born on the date as typed with a related name.
        charts.push(ChartIdentity {
            birth_date: date(1958, 4, 3),
            ssn_last4_hash: None,
            ..chart("Martin", "Gonzalez", "0000")
        });
        assert_eq!(
            search(&swapped, &charts, allowed, hasher),
            SearchOutcome::Ambiguous
        );
    }

    #[test]
    fn twins_are_never_accepted_for_each_other() {
        let twins = [
            chart("John", "Miller", "1111"),
            chart("Jack", "Miller", "2222"),
        ];
        // John, misspelled, finds his own chart.
        let john = claim("Jhon", "Miller", "1958-03-14", Some("1111"), false);
        assert!(matches!(
            run(&john, &twins),
            SearchOutcome::Match { index: 0, .. }
        ));
        // Jack, not a patient here, never finds John's, whatever he types.
        for given in ["Jack", "Jak", "John", "Jon", "Johnny"] {
            let jack = claim(given, "Miller", "1958-03-14", Some("2222"), true);
            assert!(
                !matches!(run(&jack, &twins[..1]), SearchOutcome::Match { .. }),
                "{given}"
            );
        }
        // With Jack's chart there, a near spelling of John's name by the ZIP code alone is
        // refused, and a twin without SSN digits on file makes the search ambiguous.
        let by_zip = claim("Jhon", "Miller", "1958-03-14", None, true);
        assert!(!matches!(run(&by_zip, &twins), SearchOutcome::Match { .. }));
        let mut unrecorded = twins.clone();
        unrecorded[1].ssn_last4_hash = None;
        unrecorded[1].given = vec!["Jon".to_owned()];
        assert_eq!(run(&john, &unrecorded), SearchOutcome::Ambiguous);
    }

    /// A single-letter change of a name: inserted, deleted, replaced or two neighbours swapped.
    fn slip() -> impl Strategy<Value = (usize, u8, char)> {
        (0usize..20, 0u8..4, proptest::char::range('a', 'z'))
    }

    fn apply((at, kind, letter): (usize, u8, char), name: &str) -> String {
        let mut chars: Vec<char> = name.chars().collect();
        let at = at % chars.len();
        match kind {
            0 => chars.insert(at, letter),
            1 if chars.len() > 1 => {
                chars.remove(at);
            }
            2 => chars[at] = letter,
            _ if at + 1 < chars.len() => chars.swap(at, at + 1),
            _ => {}
        }
        chars.into_iter().collect()
    }

    proptest! {
        /// One slip in one name, with the SSN digits right: accepted; the same claim with
        /// other SSN digits: never.
        #[test]
        fn a_slip_in_one_name_with_the_right_ssn_is_accepted(
            given in "[A-Z][a-z]{3,9}",
            family in "[A-Z][a-z]{3,11}",
            change in slip(),
            in_given: bool,
        ) {
            let charts = [chart(&given, &family, "1234")];
            let (typed_given, typed_family) = if in_given {
                (apply(change, &given), family.clone())
            } else {
                (given.clone(), apply(change, &family))
            };
            let right = claim(&typed_given, &typed_family, "1958-03-14", Some("1234"), false);
            let accepted = matches!(run(&right, &charts), SearchOutcome::Match { index: 0, .. });
            prop_assert!(accepted, "{} {} refused", typed_given, typed_family);
            let wrong = claim(&typed_given, &typed_family, "1958-03-14", Some("9999"), false);
            let accepted = matches!(run(&wrong, &charts), SearchOutcome::Match { .. });
            prop_assert!(!accepted, "{} {} accepted with other digits", typed_given, typed_family);
        }

        /// A twin (same birth date, family name and ZIP code; another given name and other
        /// SSN digits) who is not a patient here, typing their own details with one slip,
        /// never gets the other twin's chart; with both charts there, each twin typing with a
        /// slip gets their own or none.
        #[test]
        fn a_twin_is_never_accepted_for_the_other(
            names in ("[A-Z][a-z]{2,9}", "[A-Z][a-z]{2,9}", "[A-Z][a-z]{2,11}"),
            change in slip(),
            in_given: bool,
        ) {
            let (patient, twin, family) = names;
            prop_assume!(patient != twin);
            let charts = [chart(&patient, &family, "1234"), chart(&twin, &family, "5678")];
            let (given, typed_family) = if in_given {
                (apply(change, &twin), family.clone())
            } else {
                (twin.clone(), apply(change, &family))
            };
            let claim = claim(&given, &typed_family, "1958-03-14", Some("5678"), true);
            let alone = run(&claim, &charts[..1]);
            prop_assert!(!matches!(alone, SearchOutcome::Match { .. }), "{:?}", alone);
            let both = run(&claim, &charts);
            prop_assert!(!matches!(both, SearchOutcome::Match { index: 0, .. }), "{:?}", both);
        }

        /// Whatever is typed, a chart accepted has no identifier contradicting the claim, the
        /// birth date as typed, and either exact names or an MRN or SSN digits that matched.
        #[test]
        fn what_is_accepted_always_keeps_the_rules(
            given in "[A-Za-z]{1,8}",
            family in "[A-Za-z]{1,8}",
            ssn in proptest::option::of("[0-9]{4}"),
            zip: bool,
            charted in proptest::collection::vec(("[A-Za-z]{1,8}", "[A-Za-z]{1,8}", "[0-9]{4}"), 1..4),
        ) {
            let charts: Vec<ChartIdentity> = charted
                .iter()
                .map(|(g, f, s)| chart(g, f, s))
                .collect();
            let typed = claim(&given, &family, "1958-03-14", ssn.as_deref(), zip);
            if let SearchOutcome::Match { index, score } = run(&typed, &charts) {
                let chart = &charts[index];
                let ssn_right = ssn.as_deref().map(hasher) == chart.ssn_last4_hash;
                prop_assert!(ssn.is_none() || ssn_right);
                prop_assert!(ssn_right || zip);
                let exact = super::super::relate_family(&family, &chart.family) == NameRelation::Same;
                prop_assert!(ssn_right || exact);
                prop_assert!((0.0..=1.0).contains(&score));
            }
        }
    }
}
