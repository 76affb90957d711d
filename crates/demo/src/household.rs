//! Households: what two consecutive patients (`2k` and `2k + 1`) may share.
//!
//! Real registries are full of near-duplicates that an identity matcher must keep apart:
//! spouses at one address with one phone, twins with one birth date, a father and son
//! with the same name a generation apart. A household is drawn from its own stream keyed
//! by `k`, so either member can be generated alone and still agree with the other.

use jiff::civil::Date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{Cohort, Origin, family_name, given_name};
use crate::person::{Sex, birth_date_for_age, phone_number};
use crate::places::{ORGANIZATIONS, pick_organization, street_lines};
use crate::rng::{self, Purpose};

/// How a patient is related to the other member of their household pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HouseholdKind {
    /// Spouses or partners: same address and home phone, often the same family name.
    Couple,
    /// A parent (the even index) and their child (the odd index) living together.
    ParentChild,
    /// Father (even index, "Sr.") and son (odd index, "Jr.") with identical names.
    SeniorJunior,
    /// Twins: same birth date, family name and address.
    Twins,
}

/// The other member of a patient's household, if they share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Household {
    pub kind: HouseholdKind,
    /// Index (for `Generator::patient`) of the other member.
    pub other_index: u64,
}

/// Everything the two members share, drawn once from the household stream.
pub(crate) struct HouseholdPlan {
    pub kind: HouseholdKind,
    pub org: usize,
    pub city: usize,
    pub lines: Vec<String>,
    pub postal_code: String,
    pub phone: String,
    pub origin: Origin,
    pub family: String,
    /// Whether the second member keeps the shared family name (couples only).
    pub second_shares_family: bool,
    pub sexes: [Sex; 2],
    pub births: [Date; 2],
    /// Given names fixed by the household (a senior and junior share theirs; twins get
    /// two different first names); empty when the member draws their own.
    pub given: [Vec<String>; 2],
    /// Uniform draw deciding the household's preferred language.
    pub language_roll: f64,
    /// Uniform draw deciding whether the household's charts were registered without
    /// accents.
    pub plain_roll: f64,
}

/// The plan for household `pair`, or `None` when its two indices are unrelated.
pub(crate) fn plan(seed: u64, pair: u64, today: Date) -> Option<HouseholdPlan> {
    let mut rng = rng::stream(seed, Purpose::Household, pair);
    let roll: f64 = rng.random();
    let kind = match roll {
        r if r < 0.10 => HouseholdKind::Couple,
        r if r < 0.142 => HouseholdKind::ParentChild,
        r if r < 0.16 => HouseholdKind::SeniorJunior,
        r if r < 0.17 => HouseholdKind::Twins,
        _ => return None,
    };
    let org = pick_organization(&mut rng);
    let organization = &ORGANIZATIONS[org];
    let city = organization.pick_city(&mut rng);
    let lines = street_lines(&mut rng);
    let postal_code = organization.cities()[city].postal_code(&mut rng);
    let phone = phone_number(&mut rng);
    let origin = organization.pick_origin(&mut rng);
    let family = family_name(&mut rng, origin, Sex::Male, false);
    let (sexes, ages) = sexes_and_ages(&mut rng, kind);
    let births = match kind {
        HouseholdKind::Twins => {
            let birth = birth_date_for_age(today, ages[0], rng.random());
            [birth, birth]
        }
        _ => [
            birth_date_for_age(today, ages[0], rng.random()),
            birth_date_for_age(today, ages[1], rng.random()),
        ],
    };
    let given = match kind {
        HouseholdKind::SeniorJunior => {
            let cohort = Cohort::of_birth_year(births[0].year());
            let mut shared = vec![given_name(&mut rng, origin, Sex::Male, cohort).to_string()];
            if rng.random_bool(0.7) {
                shared.push(given_name(&mut rng, origin, Sex::Male, cohort).to_string());
            }
            [shared.clone(), shared]
        }
        HouseholdKind::Twins => {
            let cohort = Cohort::of_birth_year(births[0].year());
            let first = given_name(&mut rng, origin, sexes[0], cohort).to_string();
            let mut second = given_name(&mut rng, origin, sexes[1], cohort).to_string();
            for _ in 0..16 {
                if second != first {
                    break;
                }
                second = given_name(&mut rng, origin, sexes[1], cohort).to_string();
            }
            [vec![first], vec![second]]
        }
        _ => [Vec::new(), Vec::new()],
    };
    Some(HouseholdPlan {
        kind,
        org,
        city,
        lines,
        postal_code,
        phone,
        origin,
        family,
        second_shares_family: kind != HouseholdKind::Couple || rng.random_bool(0.7),
        sexes,
        births,
        given,
        language_roll: rng.random(),
        plain_roll: rng.random(),
    })
}

fn random_sex(rng: &mut ChaCha8Rng) -> Sex {
    if rng.random_bool(0.5) {
        Sex::Female
    } else {
        Sex::Male
    }
}

fn sexes_and_ages(rng: &mut ChaCha8Rng, kind: HouseholdKind) -> ([Sex; 2], [u32; 2]) {
    match kind {
        HouseholdKind::Couple => {
            let first = random_sex(rng);
            let second = if rng.random_bool(0.95) {
                first.opposite()
            } else {
                first
            };
            let age: u32 = rng.random_range(24..=88);
            let gap = rng::normal(rng, 0.0, 3.5).round() as i64;
            let other = (i64::from(age) + gap).clamp(20, 98) as u32;
            ([first, second], [age, other])
        }
        HouseholdKind::ParentChild => {
            let parent_sex = if rng.random_bool(0.7) {
                Sex::Female
            } else {
                Sex::Male
            };
            let parent_age: u32 = rng.random_range(22..=56);
            let child_age = rng.random_range(0..=(parent_age - 18).min(17));
            ([parent_sex, random_sex(rng)], [parent_age, child_age])
        }
        HouseholdKind::SeniorJunior => {
            let senior: u32 = rng.random_range(45..=88);
            let junior = senior - rng.random_range(20..=38).min(senior - 18);
            ([Sex::Male, Sex::Male], [senior, junior])
        }
        HouseholdKind::Twins => {
            let age: u32 = if rng.random_bool(0.4) {
                rng.random_range(0..=17)
            } else {
                rng.random_range(18..=70)
            };
            ([random_sex(rng), random_sex(rng)], [age, age])
        }
    }
}
