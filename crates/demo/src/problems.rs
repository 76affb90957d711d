//! Which chronic conditions a patient has, since when, and how they are treated.

use jiff::ToSpan;
use jiff::civil::Date;
use rand::Rng;

use crate::catalog::{
    ACETAMINOPHEN_LONG_TERM, ALBUTEROL, ALL_CHRONIC, AMLODIPINE, APIXABAN, ATORVASTATIN, Chronic,
    Drug, FERROUS_SULFATE, FLUOXETINE, FLUTICASONE, HYDROCHLOROTHIAZIDE, LEVOTHYROXINE, LISINOPRIL,
    LORATADINE, METFORMIN, NAPROXEN, SERTRALINE, SIMVASTATIN, WARFARIN,
};
use crate::chart::Smoking;
use crate::labs::Physiology;
use crate::person::{Sex, age_between};

/// A chronic condition and when it began (its diagnosis date once inside the history).
#[derive(Clone, Debug)]
pub(crate) struct ChronicPlan {
    pub kind: Chronic,
    pub onset: Date,
    /// When it resolved (iron deficiency anemia only).
    pub resolved: Option<Date>,
    /// Whether treatment brings it under control for this patient.
    pub controlled: bool,
}

/// A prescription to write: the drug, when it starts and stops, and why.
#[derive(Clone, Debug)]
pub(crate) struct MedicationPlan {
    pub drug: &'static Drug,
    pub start: Date,
    pub stop: Option<Date>,
    pub reason: Chronic,
    /// A drug added on top of the first one (second-line treatment).
    pub second_line: bool,
}

fn chance(
    kind: Chronic,
    age: u32,
    sex: Sex,
    obese: bool,
    smoking: Smoking,
    has: &dyn Fn(Chronic) -> bool,
) -> f64 {
    let female = sex == Sex::Female;
    let base: f64 = match kind {
        Chronic::Obesity => {
            if obese {
                0.85
            } else {
                0.0
            }
        }
        Chronic::Hypertension => {
            (match age {
                0..=29 => 0.03,
                30..=44 => 0.12,
                45..=59 => 0.33,
                60..=74 => 0.55,
                _ => 0.68,
            }) * if obese { 1.3 } else { 1.0 }
        }
        Chronic::Diabetes => {
            (match age {
                0..=44 => 0.04,
                45..=64 => 0.14,
                _ => 0.22,
            }) * if obese { 1.9 } else { 1.0 }
        }
        Chronic::Prediabetes => {
            if has(Chronic::Diabetes) {
                0.0
            } else {
                (if age >= 45 { 0.2 } else { 0.1 }) * if obese { 1.4 } else { 1.0 }
            }
        }
        Chronic::Hyperlipidemia => {
            (match age {
                0..=39 => 0.07,
                40..=54 => 0.22,
                _ => 0.4,
            }) * if has(Chronic::Diabetes) { 1.4 } else { 1.0 }
        }
        Chronic::Asthma => 0.08,
        Chronic::Copd => match smoking {
            Smoking::Current => 0.18,
            Smoking::Former => 0.1,
            Smoking::Never => 0.015,
        },
        Chronic::Hypothyroidism => match (female, age >= 50) {
            (true, true) => 0.12,
            (true, false) => 0.05,
            (false, true) => 0.04,
            (false, false) => 0.02,
        },
        Chronic::Depression => {
            if female {
                0.13
            } else {
                0.07
            }
        }
        Chronic::Anxiety => {
            if female {
                0.1
            } else {
                0.05
            }
        }
        Chronic::Osteoarthritis => {
            (match age {
                0..=59 => 0.08,
                60..=74 => 0.2,
                _ => 0.33,
            }) * if obese { 1.5 } else { 1.0 }
        }
        Chronic::KidneyDisease => {
            if !(has(Chronic::Diabetes) || has(Chronic::Hypertension)) || age < 50 {
                0.0
            } else if age >= 70 {
                0.25
            } else {
                0.15
            }
        }
        Chronic::Reflux => {
            if age >= 18 {
                0.08
            } else {
                0.01
            }
        }
        Chronic::AtrialFibrillation => {
            if age >= 75 {
                0.1
            } else {
                0.05
            }
        }
        Chronic::AllergicRhinitis => 0.09,
        Chronic::IronDeficiencyAnemia => {
            if female && (13..=50).contains(&age) {
                0.05
            } else {
                0.01
            }
        }
    };
    base.min(0.95)
}

/// Draws the patient's chronic conditions as of `end` (today, or the date of death).
pub(crate) fn draw_conditions(
    rng: &mut impl Rng,
    sex: Sex,
    birth: Date,
    end: Date,
    physiology: &Physiology,
    smoking: Smoking,
) -> Vec<ChronicPlan> {
    let age = age_between(birth, end);
    let obese = age >= 10 && physiology.bmi(end) >= 30.0;
    let mut plans: Vec<ChronicPlan> = Vec::new();
    for kind in ALL_CHRONIC {
        let min_age = kind.min_onset_age();
        if age < min_age {
            continue;
        }
        let has = |k: Chronic| plans.iter().any(|p| p.kind == k);
        if !rng.random_bool(chance(kind, age, sex, obese, smoking, &has)) {
            continue;
        }
        let childhood =
            matches!(kind, Chronic::Asthma | Chronic::AllergicRhinitis) && rng.random_bool(0.55);
        let (from, to) = if childhood {
            (min_age as f64, (age as f64).min(12.0))
        } else if kind == Chronic::Obesity {
            ((age as f64 - 15.0).max(min_age as f64), age as f64)
        } else {
            (min_age as f64, age as f64 + 0.99)
        };
        let onset_age = if to > from {
            rng.random_range(from..to)
        } else {
            from
        };
        let mut onset = birth.saturating_add(((onset_age * 365.25) as i64).days());
        // Conditions that depend on another start after it.
        let after = match kind {
            Chronic::KidneyDisease => plans
                .iter()
                .filter(|p| matches!(p.kind, Chronic::Diabetes | Chronic::Hypertension))
                .map(|p| p.onset)
                .min(),
            _ => None,
        };
        if let Some(after) = after {
            onset = onset.max(after.saturating_add(rng.random_range(365..3650).days()));
        }
        onset = onset.min(end.saturating_sub(14.days())).max(birth);
        let resolved = (kind == Chronic::IronDeficiencyAnemia)
            .then(|| onset.saturating_add(rng.random_range(270..540).days()))
            .filter(|resolved| *resolved < end);
        plans.push(ChronicPlan {
            kind,
            onset,
            resolved,
            controlled: rng.random_bool(0.7),
        });
    }
    plans
}

/// Prescriptions for each condition: first-line drugs at diagnosis, sometimes a second
/// drug years later, sometimes a switch (the ACE-inhibitor cough) or a stop.
pub(crate) fn plan_treatment(
    rng: &mut impl Rng,
    conditions: &[ChronicPlan],
    age_at: &dyn Fn(Date) -> u32,
) -> Vec<MedicationPlan> {
    let mut plans = Vec::new();
    let mut add = |drug: &'static Drug,
                   start: Date,
                   stop: Option<Date>,
                   reason: Chronic,
                   second_line: bool| {
        plans.push(MedicationPlan {
            drug,
            start,
            stop,
            reason,
            second_line,
        });
    };
    let has = |k: Chronic| conditions.iter().any(|c| c.kind == k);
    for condition in conditions {
        let onset = condition.onset;
        let later = |rng: &mut dyn rand::RngCore, from: i64, to: i64| -> Date {
            onset.saturating_add(rng.random_range(from..to).days())
        };
        match condition.kind {
            Chronic::Hypertension => {
                let start = if rng.random_bool(0.7) {
                    onset
                } else {
                    later(rng, 30, 120)
                };
                let calcium_blocker_first = age_at(onset) >= 55 && rng.random_bool(0.4);
                if calcium_blocker_first {
                    add(&AMLODIPINE, start, None, condition.kind, false);
                    if !condition.controlled || rng.random_bool(0.3) {
                        add(
                            &LISINOPRIL,
                            later(rng, 365, 1460),
                            None,
                            condition.kind,
                            true,
                        );
                    }
                } else if rng.random_bool(0.08) {
                    // The dry cough of ACE inhibitors: switched to a calcium channel blocker.
                    let switch = start.saturating_add(rng.random_range(60..300).days());
                    add(&LISINOPRIL, start, Some(switch), condition.kind, false);
                    add(&AMLODIPINE, switch, None, condition.kind, false);
                } else {
                    add(&LISINOPRIL, start, None, condition.kind, false);
                    if !condition.controlled || rng.random_bool(0.3) {
                        add(
                            &HYDROCHLOROTHIAZIDE,
                            later(rng, 365, 1460),
                            None,
                            condition.kind,
                            true,
                        );
                    }
                }
            }
            Chronic::Diabetes => add(&METFORMIN, onset, None, condition.kind, false),
            Chronic::Hyperlipidemia => {
                if rng.random_bool(0.75) {
                    let drug = if rng.random_bool(0.7) {
                        &ATORVASTATIN
                    } else {
                        &SIMVASTATIN
                    };
                    let start = if rng.random_bool(0.5) {
                        onset
                    } else {
                        later(rng, 60, 240)
                    };
                    add(drug, start, None, condition.kind, false);
                }
            }
            Chronic::Asthma => {
                add(&ALBUTEROL, onset, None, condition.kind, false);
                if rng.random_bool(0.5) {
                    add(&FLUTICASONE, later(rng, 0, 400), None, condition.kind, true);
                }
            }
            Chronic::Copd => {
                if !has(Chronic::Asthma) {
                    add(&ALBUTEROL, onset, None, condition.kind, false);
                }
                if rng.random_bool(0.6) && !has(Chronic::Asthma) {
                    add(&FLUTICASONE, later(rng, 0, 400), None, condition.kind, true);
                }
            }
            Chronic::Hypothyroidism => add(&LEVOTHYROXINE, onset, None, condition.kind, false),
            Chronic::Depression => {
                if rng.random_bool(0.7) {
                    let drug = if rng.random_bool(0.6) {
                        &SERTRALINE
                    } else {
                        &FLUOXETINE
                    };
                    let stop = rng.random_bool(0.3).then(|| later(rng, 365, 1100));
                    add(drug, onset, stop, condition.kind, false);
                }
            }
            Chronic::Anxiety => {
                if !has(Chronic::Depression) && rng.random_bool(0.3) {
                    add(&SERTRALINE, onset, None, condition.kind, false);
                }
            }
            Chronic::Osteoarthritis => {
                let drug = if rng.random_bool(0.6) {
                    &NAPROXEN
                } else {
                    &ACETAMINOPHEN_LONG_TERM
                };
                add(drug, onset, None, condition.kind, false);
            }
            Chronic::AtrialFibrillation => {
                let drug = if rng.random_bool(0.65) {
                    &APIXABAN
                } else {
                    &WARFARIN
                };
                add(drug, onset, None, condition.kind, false);
            }
            Chronic::IronDeficiencyAnemia => {
                add(
                    &FERROUS_SULFATE,
                    onset,
                    Some(onset.saturating_add(180.days())),
                    condition.kind,
                    false,
                );
            }
            Chronic::AllergicRhinitis => {
                if rng.random_bool(0.6) {
                    add(&LORATADINE, onset, None, condition.kind, false);
                }
            }
            Chronic::Obesity | Chronic::Prediabetes | Chronic::KidneyDisease | Chronic::Reflux => {}
        }
    }
    plans
}
