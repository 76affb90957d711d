//! The people an identity matcher most easily confuses, built by hand: every claim is tried
//! against every chart, and no claim may be accepted for someone else's chart.

use jiff::civil::date;

use super::*;
use crate::{SecretKey, ssn_last4_hash};

fn key() -> SecretKey {
    SecretKey::parse("hard-cases-secret-key-hard-cases-secret").unwrap()
}

/// One person: their chart, and their own SSN digits.
struct Person {
    chart: ChartIdentity,
    ssn: &'static str,
}

fn person(
    given: &[&str],
    family: &str,
    born: (i16, i8, i8),
    mrn: &str,
    ssn: &'static str,
    zip: &str,
) -> Person {
    Person {
        chart: ChartIdentity {
            given: given.iter().map(|g| g.to_string()).collect(),
            family: family.to_owned(),
            birth_date: date(born.0, born.1, born.2),
            mrn: Some(mrn.to_owned()),
            ssn_last4_hash: Some(ssn_last4_hash(&key(), ssn)),
            postal_code: Some(zip.to_owned()),
        },
        ssn,
    }
}

fn population() -> Vec<Person> {
    vec![
        // Twins whose names are nicknames of each other.
        person(&["John"], "Miller", (1990, 5, 6), "PL1", "1111", "78701"),
        person(&["Jack"], "Miller", (1990, 5, 6), "PL2", "1112", "78701"),
        // Twins one typing slip apart, and twins whose names differ only by an accent.
        person(&["Adrián"], "García", (2001, 2, 3), "PL3", "2221", "78702"),
        person(&["Adriana"], "García", (2001, 2, 3), "PL4", "2222", "78702"),
        person(&["Chloe"], "Martin", (2015, 7, 8), "PL5", "3331", "78703"),
        person(&["Chloé"], "Martin", (2015, 7, 8), "PL6", "3332", "78703"),
        // Father and son with the same name, one recorded with the suffix in the family name.
        person(
            &["Robert", "James"],
            "Smith Sr.",
            (1950, 1, 2),
            "PL7",
            "4441",
            "78704",
        ),
        person(
            &["Robert", "James"],
            "Smith",
            (1978, 1, 2),
            "PL8",
            "4442",
            "78704",
        ),
        // Same name, different birth dates, including a day/month swap of each other.
        person(
            &["María"],
            "Hernández",
            (1985, 3, 4),
            "PL9",
            "5551",
            "78705",
        ),
        person(
            &["Maria"],
            "Hernandez",
            (1985, 4, 3),
            "PL10",
            "5552",
            "78705",
        ),
        person(
            &["Maria"],
            "Hernandez",
            (1986, 3, 4),
            "PL11",
            "5553",
            "78705",
        ),
        // Margaret and Peggy, twins.
        person(
            &["Margaret"],
            "O'Brien",
            (1960, 9, 10),
            "PL12",
            "6661",
            "78707",
        ),
        person(
            &["Peggy"],
            "O'Brien",
            (1960, 9, 10),
            "PL13",
            "6662",
            "78707",
        ),
    ]
}

/// What a person might type: their own details with slips, and with each combination of
/// identifiers an enrollment policy may ask for.
fn claims_of(person: &Person) -> Vec<IdentityClaim> {
    let chart = &person.chart;
    let first = chart.given[0].clone();
    let mut givens = vec![
        first.clone(),
        first.to_uppercase(),
        chart.given.join(" "),
        format!(" {first}  "),
    ];
    givens.extend(
        nicknames::nickname_partners(&first)
            .iter()
            .map(|n| n.to_string()),
    );
    // Slips the self-enrollment search forgives beside the SSN digits or MRN.
    givens.extend([dropped_last(&first), swapped_first_two(&first)]);
    let families = [
        chart.family.clone(),
        chart.family.replace(['-', '\''], " "),
        chart.family.to_lowercase(),
        swapped_first_two(&chart.family),
        format!("{}x", chart.family),
    ];
    let birth = chart.birth_date.to_string();
    let mrn = chart.mrn.clone().unwrap();
    let ids: [(Option<&str>, Option<&str>, Option<&str>); 5] = [
        (None, None, None),
        (None, None, chart.postal_code.as_deref()),
        (None, Some(person.ssn), None),
        (Some(mrn.as_str()), None, None),
        (
            Some(mrn.as_str()),
            Some(person.ssn),
            chart.postal_code.as_deref(),
        ),
    ];
    let mut claims = Vec::new();
    for given in &givens {
        for family in &families {
            for (mrn, ssn, zip) in ids {
                let form = ClaimForm {
                    given,
                    family,
                    birth_date: &birth,
                    mrn,
                    ssn_last4: ssn,
                    postal_code: zip,
                };
                claims.push(IdentityClaim::parse(form).unwrap());
            }
        }
    }
    claims
}

/// The name without its last letter.
fn dropped_last(name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    chars.pop();
    chars.into_iter().collect()
}

/// The name with its first two letters exchanged.
fn swapped_first_two(name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    chars.swap(0, 1);
    chars.into_iter().collect()
}

fn hasher(digits: &str) -> String {
    ssn_last4_hash(&key(), digits)
}

/// The claim, as typed, is this chart's name and birth date (the family name perhaps with the
/// slip its owner could make too) and carries nothing that belongs to one person (MRN, SSN
/// digits): no matcher can tell the claimant from the chart's owner. It happens when a twin
/// types a nickname that is the other twin's legal name (Margaret as "Peggy"), or for twins
/// Chloe and Chloé. Policies that ask for an MRN or the SSN digits close it; the matcher
/// reports it, and the search refuses it whenever the claimant's own chart is there to compete.
fn indistinguishable(claim: &IdentityClaim, chart: &ChartIdentity) -> bool {
    relate_given(claim.given(), &chart.given) == NameRelation::Same
        && matches!(
            relate_family(claim.family(), &chart.family),
            NameRelation::Same | NameRelation::Typo
        )
        && claim.birth_date() == chart.birth_date
        && claim.mrn().is_none()
        && !claim.has_ssn_last4()
}

#[test]
fn no_claim_is_accepted_for_someone_elses_chart() {
    let people = population();
    let charts: Vec<ChartIdentity> = people.iter().map(|p| p.chart.clone()).collect();
    let mut false_accepts = Vec::new();
    for (claimant, person) in people.iter().enumerate() {
        for claim in claims_of(person) {
            for (index, chart) in charts.iter().enumerate() {
                // The invitation path knows the organization's other charts born that day.
                let born_the_same_day: Vec<String> = charts
                    .iter()
                    .enumerate()
                    .filter(|&(other, c)| other != index && c.birth_date == chart.birth_date)
                    .map(|(_, c)| c.family.clone())
                    .collect();
                if index != claimant && !indistinguishable(&claim, chart) {
                    if compare(&claim, chart, hasher).verdict == Verdict::Match {
                        false_accepts.push(format!("compare: {claim:?} -> chart {index}"));
                    }
                    let invited = compare_invited(&claim, chart, &born_the_same_day, hasher);
                    if invited.verdict == Verdict::Match {
                        false_accepts.push(format!("compare_invited: {claim:?} -> chart {index}"));
                    }
                }
            }
            if let SearchOutcome::Match { index, .. } =
                search(&claim, &charts, SearchRules::default(), hasher)
                && index != claimant
            {
                // With their own chart present, even an indistinguishable claim is refused.
                false_accepts.push(format!("search: {claim:?} -> chart {index}"));
            }
            // The claimant may not be a patient here at all: without their chart, nobody else's
            // may be found.
            let mut others = charts.clone();
            others.remove(claimant);
            if let SearchOutcome::Match { index, .. } =
                search(&claim, &others, SearchRules::default(), hasher)
                && !indistinguishable(&claim, &others[index])
            {
                false_accepts.push(format!("search without own chart: {claim:?} -> {index}"));
            }
        }
    }
    assert!(false_accepts.is_empty(), "{false_accepts:#?}");
}

fn claim(
    given: &str,
    family: &str,
    born: &str,
    ids: (Option<&str>, Option<&str>, Option<&str>),
) -> IdentityClaim {
    IdentityClaim::parse(ClaimForm {
        given,
        family,
        birth_date: born,
        mrn: ids.0,
        ssn_last4: ids.1,
        postal_code: ids.2,
    })
    .unwrap()
}

#[test]
fn genuine_patients_still_get_in() {
    let people = population();
    let charts: Vec<ChartIdentity> = people.iter().map(|p| p.chart.clone()).collect();

    // Accents, case and a suffix on the chart do not matter; the SSN digits settle the rest.
    let son = claim("robert", "SMITH", "1978-01-02", (None, Some("4442"), None));
    assert!(matches!(
        search(&son, &charts, SearchRules::default(), hasher),
        SearchOutcome::Match { index: 7, .. }
    ));
    let father = claim(
        "Robert J",
        "Smith",
        "1950-01-02",
        (None, None, Some("78704")),
    );
    assert!(matches!(
        search(&father, &charts, SearchRules::default(), hasher),
        SearchOutcome::Match { index: 6, .. }
    ));

    // A nickname on the invitation path, vouched for by the MRN.
    let peggy_as_margaret = claim("Peggy", "OBrien", "1960-09-10", (Some("pl12"), None, None));
    assert_eq!(
        compare(&peggy_as_margaret, &charts[11], hasher).verdict,
        Verdict::Match
    );
    // Without it, refused: Peggy is also Margaret's twin.
    let unvouched = claim(
        "Peggy",
        "O'Brien",
        "1960-09-10",
        (None, None, Some("78707")),
    );
    let comparison = compare(&unvouched, &charts[11], hasher);
    assert_eq!(comparison.verdict, Verdict::NoMatch);
    assert_eq!(comparison.fields.given, FieldResult::Mismatch);
    assert_eq!(comparison.evidence.given, NameRelation::Nickname);
    let twin = [charts[12].family.clone()];
    let comparison = compare_invited(&unvouched, &charts[11], &twin, hasher);
    assert_eq!(comparison.verdict, Verdict::NoMatch);
}

/// A nickname alone is accepted on the invitation path when no other chart of the practice
/// was born that day with a related family name; a namesake born that day takes it back.
#[test]
fn a_nickname_alone_is_accepted_when_nobody_else_could_be_meant() {
    let william = person(
        &["William", "Henry"],
        "Okafor-Smith",
        (1948, 11, 30),
        "PL20",
        "7771",
        "78710",
    )
    .chart;
    let bill = claim("bill", "Okafor Smith", "1948-11-30", (None, None, None));
    assert_eq!(
        compare_invited(&bill, &william, &[], hasher).verdict,
        Verdict::Match
    );
    let comparison = compare_invited(&bill, &william, &[], hasher);
    assert_eq!(comparison.fields.given, FieldResult::Match);
    assert_eq!(comparison.evidence.given, NameRelation::Nickname);
    // Without knowing the other charts, the plain comparison still asks for an identifier.
    assert_eq!(compare(&bill, &william, hasher).verdict, Verdict::NoMatch);

    // Someone else born the same day with an unrelated family name changes nothing.
    let stranger = "Nguyen".to_owned();
    assert_eq!(
        compare_invited(&bill, &william, std::slice::from_ref(&stranger), hasher).verdict,
        Verdict::Match
    );
    // A twin (same day, same family name) does: Bill may be him.
    let twin = "Okafor-Smith".to_owned();
    let refused = compare_invited(&bill, &william, &[stranger, twin.clone()], hasher);
    assert_eq!(refused.verdict, Verdict::NoMatch);
    assert_eq!(refused.fields.given, FieldResult::Mismatch);
    // So does a twin recorded under one part of a compound name while the claim types the
    // other part: related to the chart's family name, if not to the one typed.
    let by_other_part = claim("bill", "Smith", "1948-11-30", (None, None, None));
    assert_eq!(
        compare_invited(&by_other_part, &william, &[], hasher).verdict,
        Verdict::Match
    );
    assert_eq!(
        compare_invited(&by_other_part, &william, &["Okafor".to_owned()], hasher).verdict,
        Verdict::NoMatch
    );
    // The MRN settles it again.
    let with_mrn = claim(
        "bill",
        "Okafor Smith",
        "1948-11-30",
        (Some("PL20"), None, None),
    );
    assert_eq!(
        compare_invited(&with_mrn, &william, &[twin], hasher).verdict,
        Verdict::Match
    );
    // Other loose given names still need an identifier, namesakes or not.
    let slip = claim("Wiliam", "Okafor-Smith", "1948-11-30", (None, None, None));
    assert_eq!(
        compare_invited(&slip, &william, &[], hasher).verdict,
        Verdict::NoMatch
    );
}

#[test]
fn ambiguity_and_near_misses_are_reported() {
    let people = population();
    let charts: Vec<ChartIdentity> = people.iter().map(|p| p.chart.clone()).collect();

    // Chloe and Chloé cannot be told apart by name, birth date or address.
    let chloe = claim("Chloe", "Martin", "2015-07-08", (None, None, Some("78703")));
    assert_eq!(
        search(&chloe, &charts, SearchRules::default(), hasher),
        SearchOutcome::Ambiguous
    );

    // María born 1985-03-04 is exact, but the Maria born 1985-04-03 at the same ZIP code is
    // a plausible slip; her MRN settles it.
    let maria = claim(
        "Maria",
        "Hernandez",
        "1985-03-04",
        (None, None, Some("78705")),
    );
    assert_eq!(
        search(&maria, &charts, SearchRules::default(), hasher),
        SearchOutcome::Ambiguous
    );
    let maria = claim(
        "Maria",
        "Hernandez",
        "1985-03-04",
        (Some("PL9"), None, None),
    );
    assert!(matches!(
        search(&maria, &charts, SearchRules::default(), hasher),
        SearchOutcome::Match { index: 8, .. }
    ));

    // A day/month swap is seen and refused, never accepted.
    let swapped = claim(
        "Maria",
        "Hernandez",
        "1985-04-03",
        (Some("PL9"), None, None),
    );
    let comparison = compare(&swapped, &charts[8], hasher);
    assert_eq!(comparison.verdict, Verdict::NoMatch);
    assert!(comparison.evidence.birth_date_day_month_swapped);
    assert_eq!(comparison.fields.birth_date, FieldResult::Mismatch);
    assert!(comparison.score > 0.0 && comparison.score < 1.0);

    // Given and family names exchanged: accepted on an invitation only with the SSN digits.
    let crossed = claim(
        "García",
        "Adriana",
        "2001-02-03",
        (None, Some("2222"), None),
    );
    let comparison = compare(&crossed, &charts[3], hasher);
    assert!(comparison.evidence.names_swapped);
    assert_eq!(comparison.verdict, Verdict::Match);
    let crossed = claim("García", "Adriana", "2001-02-03", (None, None, None));
    assert_eq!(
        compare(&crossed, &charts[3], hasher).verdict,
        Verdict::NoMatch
    );
}

#[test]
fn exact_claims_score_one() {
    let people = population();
    let twin = &people[0];
    let exact = claim(
        "John",
        "Miller",
        "1990-05-06",
        (Some("PL1"), Some(twin.ssn), Some("78701")),
    );
    let comparison = compare(&exact, &twin.chart, hasher);
    assert_eq!(comparison.verdict, Verdict::Match);
    assert_eq!(comparison.score, 1.0);
    assert_eq!(comparison.fields.mrn, FieldResult::Match);
}
