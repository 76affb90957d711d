//! One claim against one chart: the facts ([`Assessment`]) and the invitation-path verdict
//! ([`compare`], [`compare_invited`]).

use subtle::ConstantTimeEq;

use super::claim::{ChartIdentity, IdentityClaim, day_month_swapped};
use super::names::{NameRelation, relate_family, relate_given};

/// How one field of the claim compares with the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldResult {
    /// Equal, or close enough under the rules in force.
    Match,
    /// Different: shown to staff as what differed.
    Mismatch,
    /// The patient did not give it, or the chart does not have it.
    NotCompared,
}

/// Field by field, what a staff review item shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldComparison {
    pub given: FieldResult,
    pub family: FieldResult,
    pub birth_date: FieldResult,
    pub mrn: FieldResult,
    pub ssn_last4: FieldResult,
    pub postal_code: FieldResult,
}

/// How the names and birth date differed, when they did: the "why" behind
/// [`FieldComparison`], for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Evidence {
    /// The typed given name against the chart's given names.
    pub given: NameRelation,
    /// The typed family name against the chart's.
    pub family: NameRelation,
    /// The typed given and family names are the chart's, exchanged.
    pub names_swapped: bool,
    /// The typed birth date is the chart's with day and month exchanged. Always refused.
    pub birth_date_day_month_swapped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Match,
    NoMatch,
}

/// The outcome of comparing a claim with a chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Weighted agreement over the fields compared, 0 (nothing agrees) to 1 (all exact).
    /// Shown to staff; the verdict comes from the rules, never from a threshold on it.
    pub score: f64,
    pub fields: FieldComparison,
    pub evidence: Evidence,
    /// `Match` exactly when no field is a `Mismatch`.
    pub verdict: Verdict,
}

/// Compares a claim with the one chart an invitation points to (see the module docs for the
/// rules). `ssn_hasher` turns the typed SSN digits into the chart's keyed hash, normally
/// `|digits| domain::ssn_last4_hash(&key, digits)`.
pub fn compare(
    claim: &IdentityClaim,
    chart: &ChartIdentity,
    ssn_hasher: impl Fn(&str) -> String,
) -> Comparison {
    let ssn_hash = claim.ssn_last4_hash(ssn_hasher);
    let ids = IdentifierChecks::of(claim, ssn_hash.as_deref(), chart);
    assess(ids, claim, chart).invitation_comparison(NicknameAlone::Refused)
}

/// [`compare`], knowing the family names of the organization's other charts born the same
/// day as `chart` (`chart` itself excluded). When none of them is related to the family name
/// typed or to the chart's, no twin or namesake can be mistaken for the chart's owner, and a
/// listed nickname of the given name ("Bill" for William) is accepted without an MRN or SSN
/// to vouch for it.
pub fn compare_invited(
    claim: &IdentityClaim,
    chart: &ChartIdentity,
    born_the_same_day: &[String],
    ssn_hasher: impl Fn(&str) -> String,
) -> Comparison {
    let ssn_hash = claim.ssn_last4_hash(ssn_hasher);
    let ids = IdentifierChecks::of(claim, ssn_hash.as_deref(), chart);
    let no_namesake = born_the_same_day.iter().all(|family| {
        relate_family(claim.family(), family) == NameRelation::Different
            && relate_family(&chart.family, family) == NameRelation::Different
    });
    let nickname = if no_namesake {
        NicknameAlone::Accepted
    } else {
        NicknameAlone::Refused
    };
    assess(ids, claim, chart).invitation_comparison(nickname)
}

/// Whether a nickname of the given name is accepted without an MRN or SSN digits to vouch for
/// it: only when no other chart could be the claimant's ([`compare_invited`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NicknameAlone {
    Accepted,
    Refused,
}

/// The birth date and identifiers, checked first: they are cheap, and in a search they rule
/// out nearly every other chart before any name is compared.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdentifierChecks {
    pub birth_date: FieldResult,
    pub birth_date_day_month_swapped: bool,
    pub mrn: FieldResult,
    pub ssn_last4: FieldResult,
    pub postal_code: FieldResult,
}

impl IdentifierChecks {
    pub fn of(claim: &IdentityClaim, claim_ssn_hash: Option<&str>, chart: &ChartIdentity) -> Self {
        let mrn = match (claim.mrn(), chart.mrn.as_deref()) {
            (Some(typed), Some(recorded)) => {
                agree(typed.as_str().eq_ignore_ascii_case(recorded.trim()))
            }
            _ => FieldResult::NotCompared,
        };
        let ssn_last4 = match (claim_ssn_hash, chart.ssn_last4_hash.as_deref()) {
            (Some(typed), Some(recorded)) => {
                // Constant time: the hash of four digits must not leak through timing.
                agree(typed.as_bytes().ct_eq(recorded.as_bytes()).into())
            }
            _ => FieldResult::NotCompared,
        };
        let postal_code = match (claim.postal_code(), chart.comparable_postal_code()) {
            (Some(typed), Some(recorded)) => agree(typed == recorded),
            _ => FieldResult::NotCompared,
        };
        Self {
            birth_date: agree(claim.birth_date() == chart.birth_date),
            birth_date_day_month_swapped: day_month_swapped(claim.birth_date())
                == Some(chart.birth_date),
            mrn,
            ssn_last4,
            postal_code,
        }
    }

    /// An MRN or SSN digits matched: identifiers that belong to one person, unlike the names,
    /// birth date and address a twin or a spouse shares.
    pub fn person_identifier_matched(&self) -> bool {
        self.mrn == FieldResult::Match || self.ssn_last4 == FieldResult::Match
    }

    /// MRN, SSN digits or postal code matched.
    pub fn any_identifier_matched(&self) -> bool {
        self.person_identifier_matched() || self.postal_code == FieldResult::Match
    }

    /// An identifier the patient gave differs from the chart's.
    pub fn contradict(&self) -> bool {
        [self.mrn, self.ssn_last4, self.postal_code].contains(&FieldResult::Mismatch)
    }
}

/// Everything the rules look at, before any rule is applied.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assessment {
    pub ids: IdentifierChecks,
    pub given: NameRelation,
    pub family: NameRelation,
    /// Given typed against the chart's family name, and family against given.
    pub crossed: Option<(NameRelation, NameRelation)>,
    /// Score contributions of the two names, computed once.
    name_credit: (f64, f64),
}

/// Weights of the fields in the score: the birth date and the person-unique identifiers say
/// the most, the postal code (shared by a household) the least.
const WEIGHTS: FieldWeights = FieldWeights {
    given: 0.2,
    family: 0.2,
    birth_date: 0.3,
    mrn: 0.15,
    ssn_last4: 0.1,
    postal_code: 0.05,
};

struct FieldWeights {
    given: f64,
    family: f64,
    birth_date: f64,
    mrn: f64,
    ssn_last4: f64,
    postal_code: f64,
}

/// Adds the names to identifier checks already made.
pub(crate) fn assess(
    ids: IdentifierChecks,
    claim: &IdentityClaim,
    chart: &ChartIdentity,
) -> Assessment {
    let given = relate_given(claim.given(), &chart.given);
    let family = relate_family(claim.family(), &chart.family);
    let crossed = (given != NameRelation::Same || family != NameRelation::Same).then(|| {
        (
            relate_given(claim.family(), &chart.given),
            relate_family(claim.given(), &chart.family),
        )
    });
    let first_given = chart.given.first().map_or("", String::as_str);
    let name_credit = (
        given.credit(claim.given(), first_given),
        family.credit(claim.family(), &chart.family),
    );
    Assessment {
        ids,
        given,
        family,
        crossed,
        name_credit,
    }
}

fn agree(equal: bool) -> FieldResult {
    if equal {
        FieldResult::Match
    } else {
        FieldResult::Mismatch
    }
}

impl Assessment {
    /// Given and family names typed the wrong way round, each otherwise exact.
    pub fn names_swapped(&self) -> bool {
        self.crossed == Some((NameRelation::Same, NameRelation::Same))
    }

    /// The invitation-path rules (module docs): names may be loose only where a
    /// person-unique identifier vouches for the claim, or for a nickname, where no other chart
    /// could be the claimant's.
    pub fn invitation_comparison(&self, nickname: NicknameAlone) -> Comparison {
        let vouched = self.ids.person_identifier_matched();
        let swapped = vouched && self.names_swapped();
        let given_ok = swapped
            || match self.given {
                NameRelation::Same => true,
                NameRelation::Nickname => vouched || nickname == NicknameAlone::Accepted,
                NameRelation::Partial | NameRelation::Typo | NameRelation::SoundsAlike => vouched,
                NameRelation::Different => false,
            };
        // A looser family name alone cannot mistake one household member for another: they
        // share it. The given name and birth date still have to be exact.
        let family_ok = swapped
            || match self.family {
                NameRelation::Same | NameRelation::Partial | NameRelation::Typo => true,
                NameRelation::SoundsAlike => vouched,
                // Family names have no nicknames; never produced for them.
                NameRelation::Nickname | NameRelation::Different => false,
            };
        let fields = FieldComparison {
            given: agree(given_ok),
            family: agree(family_ok),
            birth_date: self.ids.birth_date,
            mrn: self.ids.mrn,
            ssn_last4: self.ids.ssn_last4,
            postal_code: self.ids.postal_code,
        };
        let verdict = if [
            fields.given,
            fields.family,
            fields.birth_date,
            fields.mrn,
            fields.ssn_last4,
            fields.postal_code,
        ]
        .contains(&FieldResult::Mismatch)
        {
            Verdict::NoMatch
        } else {
            Verdict::Match
        };
        Comparison {
            score: self.score(swapped),
            fields,
            evidence: Evidence {
                given: self.given,
                family: self.family,
                names_swapped: self.names_swapped(),
                birth_date_day_month_swapped: self.ids.birth_date_day_month_swapped,
            },
            verdict,
        }
    }

    fn score(&self, swapped: bool) -> f64 {
        let (given, family) = if swapped {
            (1.0, 1.0)
        } else {
            self.name_credit
        };
        let mut earned = WEIGHTS.given * given + WEIGHTS.family * family;
        let mut possible = WEIGHTS.given + WEIGHTS.family;
        for (result, weight) in [
            (self.ids.birth_date, WEIGHTS.birth_date),
            (self.ids.mrn, WEIGHTS.mrn),
            (self.ids.ssn_last4, WEIGHTS.ssn_last4),
            (self.ids.postal_code, WEIGHTS.postal_code),
        ] {
            match result {
                FieldResult::Match => {
                    earned += weight;
                    possible += weight;
                }
                FieldResult::Mismatch => possible += weight,
                FieldResult::NotCompared => {}
            }
        }
        (earned / possible).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::ClaimForm;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn chart(given: &str, family: &str) -> ChartIdentity {
        ChartIdentity {
            given: vec![given.to_owned()],
            family: family.to_owned(),
            birth_date: date(1970, 1, 2),
            mrn: Some("PL0000001".to_owned()),
            ssn_last4_hash: Some("hash-of-1234".to_owned()),
            postal_code: Some("78701".to_owned()),
        }
    }

    fn hasher(digits: &str) -> String {
        format!("hash-of-{digits}")
    }

    proptest! {
        #[test]
        fn a_chart_typed_back_always_matches(given in "\\PC*[a-zA-Zé]\\PC*", family in "\\PC*[a-zA-Zü]\\PC*") {
            let Ok(claim) = IdentityClaim::parse(ClaimForm {
                given: &given,
                family: &family,
                birth_date: "1970-01-02",
                mrn: Some("pl0000001"),
                ssn_last4: Some("1234"),
                postal_code: Some("78701"),
            }) else {
                return Ok(());
            };
            let comparison = compare(&claim, &chart(&given, &family), hasher);
            prop_assert_eq!(comparison.verdict, Verdict::Match);
            prop_assert!(comparison.score > 0.999 && comparison.score <= 1.0);
        }

        #[test]
        fn never_panics_and_scores_stay_in_range(
            typed in ("\\PC{1,20}", "\\PC{1,20}"),
            charted in ("\\PC{0,20}", "\\PC{0,20}"),
        ) {
            let Ok(claim) = IdentityClaim::parse(ClaimForm {
                given: &typed.0,
                family: &typed.1,
                birth_date: "1970-02-01",
                ssn_last4: Some("9999"),
                ..ClaimForm::default()
            }) else {
                return Ok(());
            };
            let comparison = compare(&claim, &chart(&charted.0, &charted.1), hasher);
            prop_assert!((0.0..=1.0).contains(&comparison.score));
            // The birth date is the chart's with day and month swapped: never accepted.
            prop_assert!(comparison.evidence.birth_date_day_month_swapped);
            prop_assert_eq!(comparison.verdict, Verdict::NoMatch);
        }
    }
}
