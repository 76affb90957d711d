//! Demographics: who a demo patient is, drawn cheaply so that 100,000 of them can be
//! generated for matching and load tests without building any clinical history.

use jiff::ToSpan;
use jiff::civil::Date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use uuid::Uuid;

use crate::household::{self, Household, HouseholdPlan};
use crate::names::{Cohort, Origin, email_token, family_name, given_name, strip_accents};
use crate::places::{ORGANIZATIONS, pick_organization, street_lines};
use crate::rng::{self, Purpose, pick, weighted_index};

/// Administrative sex, as FHIR `Patient.gender` carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// The FHIR `gender` code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }

    pub(crate) fn opposite(self) -> Sex {
        match self {
            Sex::Female => Sex::Male,
            Sex::Male => Sex::Female,
        }
    }
}

/// The patient's preferred language (`Patient.communication`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Language {
    English,
    Spanish,
    Vietnamese,
    Chinese,
    Korean,
    Tagalog,
    Arabic,
    Hindi,
}

impl Language {
    /// BCP 47 code, e.g. `es`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
            Language::Vietnamese => "vi",
            Language::Chinese => "zh",
            Language::Korean => "ko",
            Language::Tagalog => "tl",
            Language::Arabic => "ar",
            Language::Hindi => "hi",
        }
    }

    /// English name of the language.
    pub fn display(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Spanish => "Spanish",
            Language::Vietnamese => "Vietnamese",
            Language::Chinese => "Chinese",
            Language::Korean => "Korean",
            Language::Tagalog => "Tagalog",
            Language::Arabic => "Arabic",
            Language::Hindi => "Hindi",
        }
    }
}

/// `Patient.maritalStatus` (HL7 v3 MaritalStatus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum MaritalStatus {
    Married,
    NeverMarried,
    Divorced,
    Widowed,
}

impl MaritalStatus {
    pub fn code(self) -> &'static str {
        match self {
            MaritalStatus::Married => "M",
            MaritalStatus::NeverMarried => "S",
            MaritalStatus::Divorced => "D",
            MaritalStatus::Widowed => "W",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            MaritalStatus::Married => "Married",
            MaritalStatus::NeverMarried => "Never Married",
            MaritalStatus::Divorced => "Divorced",
            MaritalStatus::Widowed => "Widowed",
        }
    }
}

/// A postal address in the United States.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Address {
    /// Street line, then an apartment or unit line when there is one.
    pub line: Vec<String>,
    pub city: String,
    /// USPS two-letter state code.
    pub state: String,
    pub postal_code: String,
}

/// One synthetic patient's demographics. Clinical history is built only by
/// [`DemoPatient::to_bundle`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DemoPatient {
    /// Position in the generated population (`Generator::patient(index)`).
    pub index: u64,
    /// The Patient resource id (its bundle `fullUrl` is `urn:uuid:<id>`).
    pub id: Uuid,
    /// First name, then any middle names (a middle name may be an initial such as "J.").
    pub given: Vec<String>,
    pub family: String,
    /// "Mr.", "Ms.", "Mrs." or "Dr." for some adults.
    pub prefix: Option<String>,
    /// "Jr.", "Sr." or "III" for a few.
    pub suffix: Option<String>,
    pub sex: Sex,
    pub birth_date: Date,
    /// Date of death, for the 3-5% who have died.
    pub deceased: Option<Date>,
    /// Medical record number: "PL" and seven digits, `index + 1` (unique per index).
    pub mrn: String,
    /// Synthetic social security number "999-xx-xxxx" (999 is never issued); unique per
    /// seed for the first 989,901 indices.
    pub ssn: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Address,
    pub language: Language,
    pub marital_status: Option<MaritalStatus>,
    /// The related patient sharing this one's household, if any.
    pub household: Option<Household>,
    /// Name of the organization whose chart this is.
    pub organization: &'static str,

    #[serde(skip)]
    pub(crate) seed: u64,
    #[serde(skip)]
    pub(crate) today: Date,
    #[serde(skip)]
    pub(crate) org: usize,
    #[serde(skip)]
    pub(crate) origin: Origin,
    #[serde(skip)]
    pub(crate) phone_use: &'static str,
}

impl DemoPatient {
    /// "José Luis García-López": given names then family name.
    pub fn full_name(&self) -> String {
        let mut name = self.given.join(" ");
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(&self.family);
        if let Some(suffix) = &self.suffix {
            name.push(' ');
            name.push_str(suffix);
        }
        name
    }

    /// Completed years of age on `on` (at death for the deceased if `on` is later).
    pub fn age_on(&self, on: Date) -> u32 {
        let end = match self.deceased {
            Some(death) if death < on => death,
            _ => on,
        };
        age_between(self.birth_date, end)
    }

    /// Age on the generator's `today`.
    pub fn age(&self) -> u32 {
        self.age_on(self.today)
    }
}

/// Completed years between two dates (0 if `to` precedes `from`).
pub(crate) fn age_between(from: Date, to: Date) -> u32 {
    if to <= from {
        return 0;
    }
    let mut years = i32::from(to.year()) - i32::from(from.year());
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// A birth date giving exactly `age` completed years on `today`; `fraction` in [0, 1)
/// places it within that year.
pub(crate) fn birth_date_for_age(today: Date, age: u32, fraction: f64) -> Date {
    let latest = today.saturating_sub((age as i64).years());
    let earliest = today.saturating_sub((age as i64 + 1).years());
    let span_days = (latest - earliest).get_days().max(1) as f64;
    // Birth dates in (earliest, latest]: the day after `earliest` still has age `age`.
    let back = (fraction * (span_days - 1.0)).floor() as i64;
    latest.saturating_sub(back.days())
}

/// A fictional telephone number in the "555" style Synthea uses.
pub(crate) fn phone_number(rng: &mut impl Rng) -> String {
    format!(
        "555-{:03}-{:04}",
        rng.random_range(200..1000),
        rng.random_range(0..10000)
    )
}

/// Age weights: few children, most patients 30 to 80, a thin tail to 100.
fn age_weight(age: u32) -> f64 {
    match age {
        0..=1 => 0.6,
        2..=17 => 0.45,
        18..=29 => 0.9,
        30..=64 => 1.55,
        65..=79 => 1.6,
        80..=89 => 0.8,
        90..=94 => 0.3,
        _ => 0.12,
    }
}

fn sample_age(rng: &mut impl Rng) -> u32 {
    let weights: Vec<f64> = (0..=100).map(age_weight).collect();
    weighted_index(rng, &weights) as u32
}

/// Chance that a patient who would be `age` today died within the last eight years.
fn death_probability(age: u32) -> f64 {
    match age {
        0..=17 => 0.002,
        18..=49 => 0.008,
        50..=64 => 0.03,
        65..=79 => 0.06,
        80..=89 => 0.14,
        _ => 0.3,
    }
}

fn death_date(rng: &mut impl Rng, birth: Date, today: Date, age: u32) -> Option<Date> {
    if !rng.random_bool(death_probability(age)) {
        return None;
    }
    let lived = (today - birth).get_days().max(1);
    let back = rng.random_range(1..=(8 * 365).min(lived));
    Some(today.saturating_sub(back.days()).max(birth))
}

/// The synthetic SSN of an index: an affine permutation of the 989,901 valid group and
/// serial combinations, so SSNs look random but never repeat within the first 989,901.
fn ssn(seed: u64, index: u64) -> String {
    const COMBINATIONS: u64 = 99 * 9999;
    // 524,287 is prime and shares no factor with 99 * 9999 = 3^4 * 11^2 * 101.
    let n = (index % COMBINATIONS * 524_287 + rng::splitmix64(seed) % COMBINATIONS) % COMBINATIONS;
    format!("999-{:02}-{:04}", n / 9999 + 1, n % 9999 + 1)
}

fn marital_status(rng: &mut impl Rng, age: u32) -> Option<MaritalStatus> {
    if age < 18 {
        return None;
    }
    let weights = match age {
        18..=29 => [0.25, 0.72, 0.03, 0.0],
        30..=49 => [0.58, 0.27, 0.14, 0.01],
        50..=64 => [0.62, 0.13, 0.19, 0.06],
        65..=79 => [0.55, 0.06, 0.15, 0.24],
        _ => [0.35, 0.04, 0.08, 0.53],
    };
    Some(
        [
            MaritalStatus::Married,
            MaritalStatus::NeverMarried,
            MaritalStatus::Divorced,
            MaritalStatus::Widowed,
        ][weighted_index(rng, &weights)],
    )
}

/// Preferred language; `roll` is uniform in [0, 1).
fn language(roll: f64, origin: Origin, age: u32) -> Language {
    let older = age >= 50;
    let (other, share) = match origin {
        Origin::Hispanic => (Language::Spanish, if older { 0.62 } else { 0.42 }),
        Origin::Vietnamese => (Language::Vietnamese, if older { 0.55 } else { 0.2 }),
        Origin::Chinese => (Language::Chinese, if older { 0.5 } else { 0.15 }),
        Origin::Korean => (Language::Korean, if older { 0.45 } else { 0.1 }),
        Origin::Filipino => (Language::Tagalog, if older { 0.2 } else { 0.05 }),
        Origin::MiddleEastern => (Language::Arabic, if older { 0.4 } else { 0.15 }),
        Origin::SouthAsian => (Language::Hindi, if older { 0.15 } else { 0.03 }),
        Origin::General => (Language::Spanish, 0.01),
        _ => (Language::English, 0.0),
    };
    if roll < share {
        other
    } else {
        Language::English
    }
}

const EMAIL_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];

fn email(rng: &mut impl Rng, given: &str, family: &str, birth_year: i16) -> String {
    let first = email_token(given);
    // Compound family names keep their first part, as people usually do in addresses.
    let last = email_token(family.split(['-', ' ']).next().unwrap_or(family));
    let last = if last.is_empty() {
        email_token(family)
    } else {
        last
    };
    let initial = first.chars().next().map(String::from).unwrap_or_default();
    let local = match rng.random_range(0..100) {
        0..=19 => format!("{first}.{last}"),
        20..=54 => format!("{first}.{last}{}", rng.random_range(1..100)),
        55..=74 => format!("{first}{last}{:02}", birth_year.rem_euclid(100)),
        75..=89 => format!("{initial}{last}{}", rng.random_range(1..1000)),
        _ => format!("{first}_{last}"),
    };
    format!("{local}@{}", pick(rng, EMAIL_DOMAINS))
}

/// Draws patient `index`. Pure in `(seed, index, today)`.
pub(crate) fn generate(seed: u64, index: u64, today: Date) -> DemoPatient {
    let mut rng = rng::stream(seed, Purpose::Person, index);
    let plan = household::plan(seed, index / 2, today);
    let member = (index % 2) as usize;
    let id = rng::uuid(&mut rng);

    let (sex, birth_date) = match &plan {
        Some(plan) => (plan.sexes[member], plan.births[member]),
        None => {
            let sex = if rng.random_bool(0.51) {
                Sex::Female
            } else {
                Sex::Male
            };
            let age = sample_age(&mut rng);
            (sex, birth_date_for_age(today, age, rng.random()))
        }
    };
    let age_today = age_between(birth_date, today);
    let mut deceased = death_date(&mut rng, birth_date, today, age_today);
    if plan.is_some() && age_today < 18 {
        // Keep households' children alive: a dead child is a different demo story.
        deceased = None;
    }
    let age = age_between(birth_date, deceased.unwrap_or(today));

    let org = match &plan {
        Some(plan) => plan.org,
        None => pick_organization(&mut rng),
    };
    let organization = &ORGANIZATIONS[org];
    let origin = match &plan {
        Some(plan) => plan.origin,
        None => organization.pick_origin(&mut rng),
    };
    let cohort = Cohort::of_birth_year(birth_date.year());
    let adult = age >= 18;

    let given = given_names(&mut rng, plan.as_ref(), member, origin, sex, cohort);
    let family = match &plan {
        Some(plan) if member == 0 || plan.second_shares_family => plan.family.clone(),
        _ => family_name(&mut rng, origin, sex, adult),
    };
    // A third of Hispanic charts were registered without accents, as many systems do.
    let plain_roll = match &plan {
        Some(plan) => plan.plain_roll,
        None => rng.random(),
    };
    let plain = origin == Origin::Hispanic && plain_roll < 0.35;
    let (given, family) = if plain {
        (
            given.iter().map(|g| strip_accents(g)).collect(),
            strip_accents(&family),
        )
    } else {
        (given, family)
    };

    let marital_status = match &plan {
        Some(plan) if plan.kind == household::HouseholdKind::Couple => Some(MaritalStatus::Married),
        _ => marital_status(&mut rng, age),
    };
    let suffix = suffix(&mut rng, plan.as_ref(), member, sex, adult);
    let prefix = prefix(&mut rng, sex, age, marital_status);

    let (address, phone, phone_use) = match &plan {
        Some(plan) => {
            let city = &organization.cities()[plan.city];
            let address = Address {
                line: plan.lines.clone(),
                city: city.name.to_string(),
                state: city.state.to_string(),
                postal_code: plan.postal_code.clone(),
            };
            let phone = if adult && rng.random_bool(0.5) {
                (Some(phone_number(&mut rng)), "mobile")
            } else {
                (Some(plan.phone.clone()), "home")
            };
            (address, phone.0, phone.1)
        }
        None => {
            let city = &organization.cities()[organization.pick_city(&mut rng)];
            let address = Address {
                line: street_lines(&mut rng),
                city: city.name.to_string(),
                state: city.state.to_string(),
                postal_code: city.postal_code(&mut rng),
            };
            let phone = rng.random_bool(0.96).then(|| phone_number(&mut rng));
            let phone_use = if rng.random_bool(0.8) {
                "mobile"
            } else {
                "home"
            };
            (address, phone, phone_use)
        }
    };
    let email = (adult && rng.random_bool(0.8))
        .then(|| email(&mut rng, &given[0], &family, birth_date.year()));
    let language = match &plan {
        // One language per household, so a child's chart carries the family's.
        Some(plan) => language(plan.language_roll, origin, 50),
        None => language(rng.random(), origin, age),
    };

    DemoPatient {
        index,
        id,
        given,
        family,
        prefix,
        suffix,
        sex,
        birth_date,
        deceased,
        mrn: format!("PL{:07}", index + 1),
        ssn: ssn(seed, index),
        email,
        phone,
        address,
        language,
        marital_status,
        household: plan.as_ref().map(|plan| Household {
            kind: plan.kind,
            other_index: index ^ 1,
        }),
        organization: organization.name,
        seed,
        today,
        org,
        origin,
        phone_use,
    }
}

fn given_names(
    rng: &mut ChaCha8Rng,
    plan: Option<&HouseholdPlan>,
    member: usize,
    origin: Origin,
    sex: Sex,
    cohort: Cohort,
) -> Vec<String> {
    let fixed = plan
        .map(|plan| plan.given[member].clone())
        .unwrap_or_default();
    if fixed.len() > 1 {
        return fixed;
    }
    let first = match fixed.into_iter().next() {
        Some(first) => first,
        None => given_name(rng, origin, sex, cohort).to_string(),
    };
    let mut given = vec![first];
    // Hispanic patients often carry two given names ("José Luis", "María Guadalupe").
    let middle_share = if origin == Origin::Hispanic {
        0.5
    } else {
        0.42
    };
    if rng.random_bool(middle_share) {
        let middle = given_name(rng, origin, sex, cohort);
        if middle != given[0] {
            if rng.random_bool(0.1) {
                let initial: String = middle.chars().take(1).collect();
                given.push(format!("{initial}."));
            } else {
                given.push(middle.to_string());
            }
        }
    }
    given
}

fn suffix(
    rng: &mut ChaCha8Rng,
    plan: Option<&HouseholdPlan>,
    member: usize,
    sex: Sex,
    adult: bool,
) -> Option<String> {
    if let Some(plan) = plan
        && plan.kind == household::HouseholdKind::SeniorJunior
    {
        return Some(if member == 0 { "Sr." } else { "Jr." }.to_string());
    }
    if sex != Sex::Male || !adult {
        return None;
    }
    match rng.random_range(0..1000) {
        0..=24 => Some("Jr.".to_string()),
        25..=29 => Some("III".to_string()),
        30..=32 => Some("Sr.".to_string()),
        _ => None,
    }
}

fn prefix(
    rng: &mut ChaCha8Rng,
    sex: Sex,
    age: u32,
    marital: Option<MaritalStatus>,
) -> Option<String> {
    if age < 18 || !rng.random_bool(0.7) {
        return None;
    }
    if rng.random_bool(0.015) {
        return Some("Dr.".to_string());
    }
    let prefix = match (sex, marital) {
        (Sex::Male, _) => "Mr.",
        (Sex::Female, Some(MaritalStatus::Married | MaritalStatus::Widowed)) => {
            if rng.random_bool(0.7) { "Mrs." } else { "Ms." }
        }
        (Sex::Female, _) => "Ms.",
    };
    Some(prefix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn birth_dates_give_the_requested_age() {
        let today = date(2026, 3, 1);
        for age in [0, 1, 17, 18, 64, 100] {
            for fraction in [0.0, 0.5, 0.999] {
                let birth = birth_date_for_age(today, age, fraction);
                assert_eq!(
                    age_between(birth, today),
                    age,
                    "age {age} fraction {fraction}"
                );
            }
        }
        // Leap day birthdays.
        assert_eq!(age_between(date(2000, 2, 29), date(2001, 2, 28)), 0);
        assert_eq!(age_between(date(2000, 2, 29), date(2001, 3, 1)), 1);
    }

    #[test]
    fn ssns_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for index in 0..50_000 {
            let ssn = ssn(42, index);
            assert!(ssn.starts_with("999-"));
            assert_eq!(ssn.len(), 11);
            assert!(!ssn.contains("-00-") && !ssn.ends_with("0000"));
            assert!(seen.insert(ssn));
        }
    }
}
