//! Self-enrollment: one claim against every chart of the organization.

use super::claim::{ChartIdentity, IdentityClaim};
use super::compare::{Assessment, FieldResult, IdentifierChecks, NicknameAlone, assess};
use super::names::NameRelation;

/// What a search over an organization's charts concluded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SearchOutcome {
    /// Exactly one chart passed the strict rules and no other chart came close.
    Match { index: usize, score: f64 },
    /// No chart is close enough.
    NoMatch,
    /// Two or more charts are plausible: accepting any could hand over the wrong record.
    Ambiguous,
}

/// Looks for the claimant among `charts` without an invitation (see the module docs for the
/// rules). `index` in the outcome is a position in `charts`.
///
/// Only charts born on one of [`IdentityClaim::candidate_birth_dates`] can pass or compete,
/// so a caller may pass just those charts (an indexed query) and get the same outcome.
pub fn search(
    claim: &IdentityClaim,
    charts: &[ChartIdentity],
    ssn_hasher: impl Fn(&str) -> String,
) -> SearchOutcome {
    let ssn_hash = claim.ssn_last4_hash(ssn_hasher);
    let candidates = claim.candidate_birth_dates();
    let mut plausible = 0;
    let mut strong = None;
    for (index, chart) in charts.iter().enumerate() {
        if !candidates.contains(&chart.birth_date) {
            continue;
        }
        let ids = IdentifierChecks::of(claim, ssn_hash.as_deref(), chart);
        if !could_be_plausible(&ids) {
            continue;
        }
        let assessment = assess(ids, claim, chart);
        if !is_plausible(&assessment) {
            continue;
        }
        plausible += 1;
        if is_strong(&assessment) {
            strong = Some((index, assessment));
        }
    }
    match (plausible, strong) {
        (1, Some((index, assessment))) => SearchOutcome::Match {
            index,
            score: assessment
                .invitation_comparison(NicknameAlone::Refused)
                .score,
        },
        (0 | 1, _) => SearchOutcome::NoMatch,
        _ => SearchOutcome::Ambiguous,
    }
}

/// Enough to accept without an invitation: exact birth date and family name, the exact
/// given name (or a nickname vouched for by the MRN or SSN digits), at least one identifier
/// matched and none contradicted.
fn is_strong(a: &Assessment) -> bool {
    let given_ok = match a.given {
        NameRelation::Same => true,
        NameRelation::Nickname => a.ids.person_identifier_matched(),
        _ => false,
    };
    a.ids.birth_date == FieldResult::Match
        && a.family == NameRelation::Same
        && given_ok
        && a.ids.any_identifier_matched()
        && !a.ids.contradict()
}

/// The part of [`is_plausible`] that needs no name comparison.
fn could_be_plausible(ids: &IdentifierChecks) -> bool {
    !ids.contradict() && (ids.birth_date == FieldResult::Match || ids.birth_date_day_month_swapped)
}

/// Close enough that the claimant might be this person after a slip: if two charts are,
/// nobody is accepted. Deliberately generous, since it can only turn a match into a refusal.
fn is_plausible(a: &Assessment) -> bool {
    let related = |(given, family): (NameRelation, NameRelation)| {
        given != NameRelation::Different && family != NameRelation::Different
    };
    could_be_plausible(&a.ids) && (related((a.given, a.family)) || a.crossed.is_some_and(related))
}
