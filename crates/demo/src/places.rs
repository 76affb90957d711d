//! Fictional health organizations, the real US cities their patients live in, street
//! names, and each organization's practitioners.

use rand::Rng;
use uuid::Uuid;

use crate::names::{Cohort, Origin, family_name, given_name};
use crate::person::Sex;
use crate::rng::{self, Purpose, pick, weighted_index};

/// A city with a plausible range of ZIP codes (`zip_first` and the next `zip_count - 1`).
pub(crate) struct City {
    pub name: &'static str,
    pub state: &'static str,
    zip_first: u32,
    zip_count: u32,
    /// Relative population, for weighting.
    weight: f64,
}

impl City {
    /// The first ZIP code of the city's range, used for clinic addresses.
    pub(crate) fn first_postal_code(&self) -> u32 {
        self.zip_first
    }

    pub(crate) fn postal_code(&self, rng: &mut impl Rng) -> String {
        format!(
            "{:05}",
            self.zip_first + rng.random_range(0..self.zip_count)
        )
    }
}

/// A fictional health organization serving one region.
pub(crate) struct Organization {
    pub name: &'static str,
    /// IANA time zone of its clinics; appointment and encounter times use it.
    pub time_zone: &'static str,
    pub street: &'static str,
    pub city: usize,
    pub phone: &'static str,
    cities: &'static [City],
    /// Share of patients by heritage, in the order of `ORIGINS`.
    origin_weights: [f64; 10],
    /// Share of all demo patients this organization has.
    weight: f64,
}

impl Organization {
    pub(crate) fn cities(&self) -> &'static [City] {
        self.cities
    }

    pub(crate) fn home_city(&self) -> &'static City {
        &self.cities[self.city]
    }

    pub(crate) fn pick_city(&self, rng: &mut impl Rng) -> usize {
        let weights: Vec<f64> = self.cities.iter().map(|c| c.weight).collect();
        weighted_index(rng, &weights)
    }

    pub(crate) fn pick_origin(&self, rng: &mut impl Rng) -> Origin {
        ORIGINS[weighted_index(rng, &self.origin_weights)]
    }
}

const ORIGINS: [Origin; 10] = [
    Origin::General,
    Origin::Hispanic,
    Origin::AfricanAmerican,
    Origin::Chinese,
    Origin::Korean,
    Origin::Japanese,
    Origin::Vietnamese,
    Origin::Filipino,
    Origin::SouthAsian,
    Origin::MiddleEastern,
];

const fn city(
    name: &'static str,
    state: &'static str,
    zip_first: u32,
    zip_count: u32,
    weight: f64,
) -> City {
    City {
        name,
        state,
        zip_first,
        zip_count,
        weight,
    }
}

const OHIO: &[City] = &[
    city("Columbus", "OH", 43201, 30, 9.0),
    city("Cleveland", "OH", 44102, 34, 7.0),
    city("Cincinnati", "OH", 45202, 40, 6.0),
    city("Toledo", "OH", 43604, 20, 4.0),
    city("Akron", "OH", 44301, 20, 3.5),
    city("Dayton", "OH", 45402, 30, 3.0),
    city("Parma", "OH", 44129, 2, 1.2),
    city("Canton", "OH", 44702, 10, 1.2),
    city("Youngstown", "OH", 44502, 10, 1.0),
    city("Lorain", "OH", 44052, 3, 0.8),
    city("Hamilton", "OH", 45011, 3, 0.8),
    city("Springfield", "OH", 45502, 5, 0.8),
];
const TEXAS: &[City] = &[
    city("Houston", "TX", 77002, 90, 12.0),
    city("San Antonio", "TX", 78201, 50, 8.0),
    city("Dallas", "TX", 75201, 50, 7.0),
    city("Austin", "TX", 78701, 50, 5.0),
    city("Fort Worth", "TX", 76102, 40, 5.0),
    city("Corpus Christi", "TX", 78401, 15, 2.0),
    city("Laredo", "TX", 78040, 6, 1.5),
    city("Irving", "TX", 75038, 25, 1.5),
    city("Brownsville", "TX", 78520, 7, 1.0),
    city("McAllen", "TX", 78501, 5, 1.0),
    city("Pasadena", "TX", 77502, 5, 1.0),
];
const CALIFORNIA: &[City] = &[
    city("Los Angeles", "CA", 90001, 90, 14.0),
    city("San Diego", "CA", 92101, 60, 6.0),
    city("San Jose", "CA", 95110, 30, 4.0),
    city("Fresno", "CA", 93701, 30, 2.5),
    city("Sacramento", "CA", 95814, 30, 2.5),
    city("Long Beach", "CA", 90802, 20, 2.0),
    city("Oakland", "CA", 94601, 20, 2.0),
    city("Bakersfield", "CA", 93301, 14, 1.8),
    city("Anaheim", "CA", 92801, 7, 1.6),
    city("Santa Ana", "CA", 92701, 7, 1.5),
    city("Riverside", "CA", 92501, 8, 1.5),
    city("Stockton", "CA", 95202, 10, 1.5),
];
const NEW_YORK: &[City] = &[
    city("Bronx", "NY", 10451, 25, 6.0),
    city("Brooklyn", "NY", 11201, 38, 8.0),
    city("Flushing", "NY", 11354, 5, 2.0),
    city("Yonkers", "NY", 10701, 10, 2.0),
    city("White Plains", "NY", 10601, 5, 0.8),
    city("New Rochelle", "NY", 10801, 4, 0.8),
    city("Newark", "NJ", 7102, 12, 2.5),
    city("Jersey City", "NJ", 7302, 5, 2.5),
    city("Paterson", "NJ", 7501, 10, 1.4),
    city("Elizabeth", "NJ", 7201, 7, 1.2),
];
const SOUTHEAST: &[City] = &[
    city("Charlotte", "NC", 28202, 80, 8.0),
    city("Atlanta", "GA", 30303, 40, 6.0),
    city("Raleigh", "NC", 27601, 20, 4.0),
    city("Durham", "NC", 27701, 12, 2.5),
    city("Augusta", "GA", 30901, 10, 2.0),
    city("Savannah", "GA", 31401, 10, 1.5),
    city("Columbia", "SC", 29201, 10, 1.3),
    city("Macon", "GA", 31201, 10, 1.2),
    city("Greenville", "SC", 29601, 10, 0.7),
    city("Athens", "GA", 30601, 6, 1.0),
];
const COLORADO: &[City] = &[
    city("Denver", "CO", 80202, 50, 7.0),
    city("Aurora", "CO", 80010, 40, 3.5),
    city("Colorado Springs", "CO", 80903, 30, 4.5),
    city("Lakewood", "CO", 80214, 15, 1.5),
    city("Fort Collins", "CO", 80521, 5, 1.5),
    city("Pueblo", "CO", 81001, 8, 1.0),
    city("Greeley", "CO", 80631, 4, 1.0),
    city("Boulder", "CO", 80301, 4, 1.0),
];
const ARIZONA: &[City] = &[
    city("Phoenix", "AZ", 85003, 50, 10.0),
    city("Tucson", "AZ", 85701, 45, 4.5),
    city("Mesa", "AZ", 85201, 15, 3.0),
    city("Chandler", "AZ", 85224, 3, 1.5),
    city("Glendale", "AZ", 85301, 8, 1.5),
    city("Tempe", "AZ", 85281, 3, 1.2),
];

/// The demo organizations. Weights of origins follow the order of `ORIGINS`:
/// general, Hispanic, Black, Chinese, Korean, Japanese, Vietnamese, Filipino, South Asian,
/// Middle Eastern.
pub(crate) const ORGANIZATIONS: &[Organization] = &[
    Organization {
        name: "Lakeshore Community Health",
        time_zone: "America/New_York",
        street: "1400 Lakeshore Ave",
        city: 1,
        phone: "555-216-0140",
        cities: OHIO,
        origin_weights: [
            0.72, 0.05, 0.15, 0.01, 0.005, 0.005, 0.01, 0.005, 0.03, 0.02,
        ],
        weight: 0.18,
    },
    Organization {
        name: "Sunbelt Family Medicine",
        time_zone: "America/Chicago",
        street: "2200 Bluebonnet Blvd",
        city: 0,
        phone: "555-713-2200",
        cities: TEXAS,
        origin_weights: [
            0.38, 0.42, 0.12, 0.01, 0.005, 0.002, 0.015, 0.008, 0.03, 0.01,
        ],
        weight: 0.20,
    },
    Organization {
        name: "Pacific Crest Medical Group",
        time_zone: "America/Los_Angeles",
        street: "880 Mission Vista Dr",
        city: 0,
        phone: "555-213-0880",
        cities: CALIFORNIA,
        origin_weights: [0.33, 0.40, 0.06, 0.04, 0.02, 0.01, 0.03, 0.04, 0.04, 0.01],
        weight: 0.20,
    },
    Organization {
        name: "Harborview Health Partners",
        time_zone: "America/New_York",
        street: "35 Harbor Point Rd",
        city: 1,
        phone: "555-718-0035",
        cities: NEW_YORK,
        origin_weights: [
            0.40, 0.27, 0.20, 0.03, 0.01, 0.002, 0.003, 0.005, 0.04, 0.02,
        ],
        weight: 0.14,
    },
    Organization {
        name: "Piedmont Primary Care",
        time_zone: "America/New_York",
        street: "500 Magnolia Pkwy",
        city: 0,
        phone: "555-704-0500",
        cities: SOUTHEAST,
        origin_weights: [
            0.55, 0.09, 0.30, 0.01, 0.005, 0.002, 0.005, 0.003, 0.02, 0.01,
        ],
        weight: 0.12,
    },
    Organization {
        name: "Front Range Health",
        time_zone: "America/Denver",
        street: "1750 Aspen Ridge Way",
        city: 0,
        phone: "555-303-1750",
        cities: COLORADO,
        origin_weights: [
            0.68, 0.24, 0.04, 0.01, 0.004, 0.003, 0.005, 0.003, 0.01, 0.005,
        ],
        weight: 0.08,
    },
    Organization {
        name: "Desert Valley Clinics",
        time_zone: "America/Phoenix",
        street: "4100 Saguaro Ave",
        city: 0,
        phone: "555-602-4100",
        cities: ARIZONA,
        origin_weights: [
            0.52, 0.37, 0.05, 0.01, 0.003, 0.002, 0.005, 0.005, 0.015, 0.02,
        ],
        weight: 0.08,
    },
];

pub(crate) fn pick_organization(rng: &mut impl Rng) -> usize {
    let weights: Vec<f64> = ORGANIZATIONS.iter().map(|o| o.weight).collect();
    weighted_index(rng, &weights)
}

#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Walnut",
    "Sunset", "Lincoln", "Jackson", "Church", "River", "Highland", "Willow", "Mill", "Meadow",
    "Forest", "Spring", "Ridge", "Chestnut", "Jefferson", "Madison", "Franklin", "Center", "Cherry",
    "Birch", "Hickory", "Magnolia", "Dogwood", "Sycamore", "Valley", "Lakeview", "Orchard",
    "Prospect", "Broad", "Market", "Union", "Grant", "Adams", "Monroe", "Vista", "Mesa", "Palm",
    "Pecan", "Mission", "Sierra", "Canyon", "Aspen", "Juniper", "Cypress", "Poplar",
    "Martin Luther King Jr", "Cesar Chavez", "Kingsley", "Fairview", "Greenwood", "Brookside",
    "Harbor", "Summit", "Heritage", "Colonial", "Rosewood",
];

#[rustfmt::skip]
const STREET_KINDS: &[&str] = &[
    "St", "St", "Ave", "Ave", "Rd", "Dr", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Ter", "Cir",
    "Pkwy",
];

/// A street address line and, for about a fifth of homes, an apartment line.
pub(crate) fn street_lines(rng: &mut impl Rng) -> Vec<String> {
    let number = match rng.random_range(0..10) {
        0..=5 => rng.random_range(100..9999),
        6..=8 => rng.random_range(10..999),
        _ => rng.random_range(10000..29999),
    };
    let mut lines = vec![format!(
        "{number} {} {}",
        pick(rng, STREETS),
        pick(rng, STREET_KINDS)
    )];
    if rng.random_bool(0.2) {
        let unit = match rng.random_range(0..4) {
            0 => format!("Apt {}", rng.random_range(1..40)),
            1 => format!(
                "Apt {}{}",
                rng.random_range(1..9),
                ['A', 'B', 'C', 'D'][rng.random_range(0..4)]
            ),
            2 => format!("Unit {}", rng.random_range(100..450)),
            _ => format!("#{}", rng.random_range(101..1220)),
        };
        lines.push(unit);
    }
    lines
}

/// One clinician of an organization, the same in every bundle of a seed.
#[derive(Clone, Debug)]
pub(crate) struct Practitioner {
    pub id: Uuid,
    pub npi: String,
    pub given: String,
    pub family: String,
    pub sex: Sex,
    pub urgent_care: bool,
}

impl Practitioner {
    /// "Dr. Priya Patel".
    pub(crate) fn display(&self) -> String {
        format!("Dr. {} {}", self.given, self.family)
    }
}

/// Primary care clinicians per organization; the next `URGENT_CARE` work in urgent care.
pub(crate) const PRIMARY_CARE: usize = 8;
pub(crate) const URGENT_CARE: usize = 3;

/// An organization's id and practitioners for this seed.
pub(crate) struct Directory {
    pub organization_id: Uuid,
    pub practitioners: Vec<Practitioner>,
}

pub(crate) fn directory(seed: u64, org: usize) -> Directory {
    let mut rng = rng::stream(seed, Purpose::Directory, org as u64);
    let organization_id = rng::uuid(&mut rng);
    let organization = &ORGANIZATIONS[org];
    let practitioners = (0..PRIMARY_CARE + URGENT_CARE)
        .map(|i| {
            let sex = if rng.random_bool(0.55) {
                Sex::Female
            } else {
                Sex::Male
            };
            let origin = organization.pick_origin(&mut rng);
            let cohort = if rng.random_bool(0.5) {
                Cohort::Middle
            } else {
                Cohort::Younger
            };
            let given = given_name(&mut rng, origin, sex, cohort).to_string();
            let family = family_name(&mut rng, origin, sex, true);
            Practitioner {
                id: rng::uuid(&mut rng),
                // Real NPIs start with 1 or 2, so a leading 9 can never be a real clinician.
                npi: format!("9{:03}{:06}", org * 100 + i, rng.random_range(0..1_000_000)),
                given,
                family,
                sex,
                urgent_care: i >= PRIMARY_CARE,
            }
        })
        .collect();
    Directory {
        organization_id,
        practitioners,
    }
}
