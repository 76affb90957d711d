//! When a patient was seen: yearly check-ups (or the well-child schedule), follow-ups for
//! chronic conditions, diagnosis visits, urgent care for acute illness, COVID-19
//! vaccination clinics and screening procedures.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};
use rand::Rng;

use crate::catalog::{Acute, Chronic};
use crate::chart::EncounterKind;
use crate::person::{Sex, age_between};
use crate::problems::ChronicPlan;
use crate::rng::weighted_index;

/// Why a visit happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    Chronic(Chronic),
    Acute(Acute),
}

/// A planned visit, before it gets a time, an id and contents.
#[derive(Clone, Debug)]
pub(crate) struct Visit {
    pub date: Date,
    pub kind: EncounterKind,
    pub reason: Option<Reason>,
    /// For well-child visits: the schedule age in months (which vaccines are due).
    pub child_months: Option<i64>,
    /// For COVID-19 vaccination visits: which dose.
    pub covid_dose: Option<CovidDose>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CovidDose {
    Pfizer,
    Moderna,
    Updated,
}

impl Visit {
    fn new(date: Date, kind: EncounterKind) -> Self {
        Visit {
            date,
            kind,
            reason: None,
            child_months: None,
            covid_dose: None,
        }
    }
}

/// Who is being scheduled, over which window.
pub(crate) struct Window {
    pub birth: Date,
    pub sex: Sex,
    /// First day of the recorded history.
    pub start: Date,
    /// Last day a visit can happen (yesterday, or the day of death).
    pub last: Date,
}

impl Window {
    fn contains(&self, day: Date) -> bool {
        self.start <= day && day <= self.last
    }

    fn age(&self, on: Date) -> u32 {
        age_between(self.birth, on)
    }
}

/// Office visits happen on weekdays.
fn weekday(day: Date) -> Date {
    match day.weekday() {
        Weekday::Saturday => day.saturating_add(2.days()),
        Weekday::Sunday => day.saturating_add(1.days()),
        _ => day,
    }
}

const WELL_CHILD_MONTHS: &[i64] = &[0, 1, 2, 4, 6, 9, 12, 15, 18, 24, 30, 36];

/// Plans all visits; moves each in-window chronic onset to its diagnosis visit.
pub(crate) fn plan_visits(
    rng: &mut impl Rng,
    window: &Window,
    conditions: &mut [ChronicPlan],
) -> Vec<Visit> {
    let mut visits = Vec::new();
    well_visits(rng, window, &mut visits);
    diagnosis_visits(window, conditions, &mut visits);
    follow_ups(rng, window, conditions, &mut visits);
    acute_visits(rng, window, &mut visits);
    covid_vaccinations(rng, window, &mut visits);
    colonoscopy(rng, window, &mut visits);
    if visits.is_empty() {
        let span = (window.last - window.start).get_days().max(1);
        let day = window
            .start
            .saturating_add(rng.random_range(0..span).days());
        let kind = if window.age(day) < 18 {
            EncounterKind::WellChild
        } else {
            EncounterKind::WellAdult
        };
        visits.push(Visit::new(day.min(window.last), kind));
    }
    visits.retain(|v| window.contains(v.date));
    visits.sort_by_key(|v| v.date);
    visits
}

fn well_visits(rng: &mut impl Rng, window: &Window, visits: &mut Vec<Visit>) {
    // Well-child visits in infancy, then yearly until 18.
    let child_schedule = WELL_CHILD_MONTHS
        .iter()
        .copied()
        .chain((4..18).map(|y| y * 12));
    for months in child_schedule {
        let due = window
            .birth
            .saturating_add(months.months())
            .saturating_add(rng.random_range(3..18).days());
        if window.contains(due) && rng.random_bool(if months < 36 { 0.93 } else { 0.8 }) {
            let mut visit = Visit::new(weekday(due), EncounterKind::WellChild);
            visit.child_months = Some(months);
            visits.push(visit);
        }
    }
    // Adults: a yearly physical around the same time of year.
    let anchor = rng.random_range(1..=365);
    for year in window.start.year()..=window.last.year() {
        let Ok(first) = date(year, 1, 1).checked_add((anchor - 1).days()) else {
            continue;
        };
        let day = weekday(first.saturating_add(rng.random_range(-25..25).days()));
        if window.age(day) < 18 || !window.contains(day) {
            continue;
        }
        let attendance = if window.age(day) >= 65 { 0.9 } else { 0.78 };
        if rng.random_bool(attendance) {
            visits.push(Visit::new(day, EncounterKind::WellAdult));
        }
    }
}

fn diagnosis_visits(window: &Window, conditions: &mut [ChronicPlan], visits: &mut Vec<Visit>) {
    for condition in conditions.iter_mut() {
        if !window.contains(condition.onset) {
            continue;
        }
        // Conditions found by examination or routine tests wait for the next check-up;
        // others are usually found at one if it is near.
        let found_at_checkup = matches!(
            condition.kind,
            Chronic::Obesity
                | Chronic::Prediabetes
                | Chronic::Hyperlipidemia
                | Chronic::KidneyDisease
        );
        let horizon = if found_at_checkup { 800 } else { 60 };
        let checkup = visits
            .iter()
            .filter(|v| matches!(v.kind, EncounterKind::WellAdult | EncounterKind::WellChild))
            .map(|v| v.date)
            .filter(|d| *d >= condition.onset && (*d - condition.onset).get_days() <= horizon)
            .min();
        match checkup {
            Some(day) => condition.onset = day,
            None => {
                let day = weekday(condition.onset).min(window.last);
                condition.onset = day;
                let mut visit = Visit::new(day, EncounterKind::Problem);
                visit.reason = Some(Reason::Chronic(condition.kind));
                visits.push(visit);
            }
        }
    }
}

fn follow_ups(
    rng: &mut impl Rng,
    window: &Window,
    conditions: &[ChronicPlan],
    visits: &mut Vec<Visit>,
) {
    let mut needing: Vec<&ChronicPlan> = conditions
        .iter()
        .filter(|c| c.kind.follow_up_months() > 0)
        .collect();
    needing.sort_by_key(|c| (c.kind.follow_up_months(), c.kind));
    let telehealth_from = date(2020, 4, 1);
    for condition in needing {
        let interval = condition.kind.follow_up_months();
        let mut day = condition
            .onset
            .max(window.start)
            .saturating_add(interval.months());
        while day <= window.last {
            let planned = weekday(day.saturating_add(rng.random_range(-20..20).days()));
            let crowded = visits.iter().any(|v| {
                v.kind != EncounterKind::UrgentCare && (v.date - planned).get_days().abs() < 45
            });
            let resolved = condition.resolved.is_some_and(|r| r <= planned);
            if !crowded && !resolved && window.contains(planned) && rng.random_bool(0.85) {
                let kind = if planned >= telehealth_from && rng.random_bool(0.25) {
                    EncounterKind::Telehealth
                } else {
                    EncounterKind::FollowUp
                };
                let mut visit = Visit::new(planned, kind);
                visit.reason = Some(Reason::Chronic(condition.kind));
                visits.push(visit);
            }
            day = day.saturating_add(interval.months());
        }
    }
}

fn acute_visits(rng: &mut impl Rng, window: &Window, visits: &mut Vec<Visit>) {
    let span = (window.last - window.start).get_days();
    if span <= 0 {
        return;
    }
    // Walk the window in 30-day steps with a per-step chance, a Poisson process in effect.
    let mut day = window.start;
    while day <= window.last {
        let age = window.age(day);
        let yearly_rate = match age {
            0..=4 => 1.1,
            5..=17 => 0.6,
            18..=64 => 0.3,
            _ => 0.42,
        };
        if rng.random_bool(yearly_rate * 30.0 / 365.0) {
            let when = day
                .saturating_add(rng.random_range(0..30).days())
                .min(window.last);
            if let Some(illness) = pick_acute(rng, window, when) {
                let kind = if rng.random_bool(0.06) {
                    EncounterKind::Emergency
                } else {
                    EncounterKind::UrgentCare
                };
                let mut visit = Visit::new(when, kind);
                visit.reason = Some(Reason::Acute(illness));
                visits.push(visit);
            }
        }
        day = day.saturating_add(30.days());
    }
}

fn pick_acute(rng: &mut impl Rng, window: &Window, on: Date) -> Option<Acute> {
    let age = window.age(on);
    let winter = matches!(on.month(), 10..=12 | 1..=3);
    let covid_era = on >= date(2020, 3, 15);
    let options: [(Acute, f64); 10] = [
        (Acute::ViralPharyngitis, 3.0),
        (
            Acute::StrepThroat,
            if (3..=40).contains(&age) { 1.5 } else { 0.3 },
        ),
        (Acute::Bronchitis, if winter { 2.5 } else { 1.0 }),
        (Acute::Sinusitis, if age >= 12 { 2.5 } else { 0.3 }),
        (Acute::OtitisMedia, if age <= 8 { 4.0 } else { 0.2 }),
        (
            Acute::UrinaryInfection,
            if window.sex == Sex::Female && age >= 14 {
                2.5
            } else {
                0.2
            },
        ),
        (
            Acute::AnkleSprain,
            if (8..=65).contains(&age) { 1.5 } else { 0.3 },
        ),
        (Acute::HandLaceration, 1.0),
        (Acute::Covid, if covid_era { 2.0 } else { 0.0 }),
        (Acute::Influenza, if winter { 1.5 } else { 0.1 }),
    ];
    let weights: Vec<f64> = options.iter().map(|(_, w)| *w).collect();
    Some(options[weighted_index(rng, &weights)].0)
}

fn covid_vaccinations(rng: &mut impl Rng, window: &Window, visits: &mut Vec<Visit>) {
    let primary = date(2021, 6, 1);
    if window.age(primary) < 12
        || !rng.random_bool(if window.age(primary) >= 65 {
            0.85
        } else {
            0.62
        })
    {
        return;
    }
    let first = if window.age(primary) >= 65 {
        date(2021, 1, 10).saturating_add(rng.random_range(0..70).days())
    } else {
        date(2021, 3, 15).saturating_add(rng.random_range(0..120).days())
    };
    let (dose, gap) = if rng.random_bool(0.6) {
        (CovidDose::Pfizer, 21)
    } else {
        (CovidDose::Moderna, 28)
    };
    for day in [first, first.saturating_add(gap.days())] {
        let mut visit = Visit::new(day, EncounterKind::Immunization);
        visit.covid_dose = Some(dose);
        visits.push(visit);
    }
    // Boosters and updated vaccines each autumn, taken by fewer people every year.
    for (year, share) in [
        (2021, 0.55),
        (2022, 0.4),
        (2023, 0.28),
        (2024, 0.24),
        (2025, 0.2),
    ] {
        if rng.random_bool(share) {
            let day = date(year, 9, 15).saturating_add(rng.random_range(0..75).days());
            let mut visit = Visit::new(day, EncounterKind::Immunization);
            visit.covid_dose = Some(if year == 2021 {
                dose
            } else {
                CovidDose::Updated
            });
            visits.push(visit);
        }
    }
}

fn colonoscopy(rng: &mut impl Rng, window: &Window, visits: &mut Vec<Visit>) {
    let span = (window.last - window.start).get_days();
    if span <= 0 || !rng.random_bool(0.45) {
        return;
    }
    let day = weekday(
        window
            .start
            .saturating_add(rng.random_range(0..span).days()),
    );
    if (45..=75).contains(&window.age(day)) {
        visits.push(Visit::new(day, EncounterKind::Procedure));
    }
}
