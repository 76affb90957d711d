//! Appointments: the booked past visits (fulfilled, plus the odd cancellation or
//! no-show) and zero to two upcoming ones in the next 60 days.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::Chronic;
use crate::chart::{Appointment, AppointmentStatus, ConditionRecord, Encounter, EncounterKind};
use crate::person::{DemoPatient, age_between};
use crate::rng::{self, weighted_index};
use crate::schedule::Window;

/// "Hypertension" from "Essential hypertension (disorder)"-style displays.
pub(crate) fn plain_name(display: &str) -> &str {
    let name = display.split(" (").next().unwrap_or(display);
    name.strip_prefix("Essential ").map_or(name, |rest| rest)
}

fn describe(kind: EncounterKind, reason: Option<&ConditionRecord>) -> String {
    let topic = reason.map(|c| {
        let name = plain_name(c.code.display);
        let mut chars = name.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
            None => String::new(),
        }
    });
    match (kind, topic) {
        (EncounterKind::WellAdult, _) => "Annual physical".to_string(),
        (EncounterKind::WellChild, _) => "Well-child visit".to_string(),
        (EncounterKind::FollowUp, Some(topic)) => format!("{topic} follow-up"),
        (EncounterKind::FollowUp, None) => "Follow-up visit".to_string(),
        (EncounterKind::Telehealth, Some(topic)) => format!("Video visit: {topic} follow-up"),
        (EncounterKind::Telehealth, None) => "Video visit".to_string(),
        (EncounterKind::Procedure, _) => "Colonoscopy".to_string(),
        (EncounterKind::Immunization, _) => "Vaccination".to_string(),
        (EncounterKind::UrgentCare | EncounterKind::Emergency, _) => "Walk-in visit".to_string(),
        (EncounterKind::Problem, _) => "Office visit".to_string(),
    }
}

fn office_time(rng: &mut ChaCha8Rng, day: Date) -> DateTime {
    let slot = rng.random_range(0..34);
    day.at(8 + slot / 4, 15 * (slot % 4), 0, 0)
}

fn next_weekday(day: Date) -> Date {
    match day.weekday() {
        Weekday::Saturday => day.saturating_add(2.days()),
        Weekday::Sunday => day.saturating_add(1.days()),
        _ => day,
    }
}

/// Creates the appointments and links fulfilled ones to their encounters.
pub(crate) fn schedule(
    rng: &mut ChaCha8Rng,
    encounters: &mut [Encounter],
    conditions: &[ConditionRecord],
    window: &Window,
    patient: &DemoPatient,
    pcp: usize,
) -> Vec<Appointment> {
    let mut appointments = Vec::new();
    for encounter in encounters.iter_mut().filter(|e| e.kind.scheduled()) {
        let reason = encounter.reason.map(|i| &conditions[i]);
        let lead_days = if encounter.kind == EncounterKind::Problem {
            rng.random_range(1..6)
        } else {
            rng.random_range(10..75)
        };
        // Some visits were first booked for an earlier date, then cancelled or missed.
        let roll: f64 = rng.random();
        if roll < 0.1 {
            let missed = next_weekday(
                encounter
                    .start
                    .date()
                    .saturating_sub(rng.random_range(7..40).days()),
            );
            if missed > window.start {
                let start = office_time(rng, missed);
                appointments.push(Appointment {
                    id: rng::uuid(rng),
                    kind: encounter.kind,
                    status: if roll < 0.06 {
                        AppointmentStatus::Cancelled
                    } else {
                        AppointmentStatus::NoShow
                    },
                    start,
                    minutes: encounter.kind.minutes(),
                    practitioner: encounter.practitioner,
                    reason: encounter.reason,
                    created: start.saturating_sub(lead_days.days()),
                    description: describe(encounter.kind, reason),
                });
            }
        }
        encounter.appointment = Some(appointments.len());
        appointments.push(Appointment {
            id: rng::uuid(rng),
            kind: encounter.kind,
            status: AppointmentStatus::Fulfilled,
            start: encounter.start,
            minutes: encounter.kind.minutes(),
            practitioner: encounter.practitioner,
            reason: encounter.reason,
            created: office_time(rng, encounter.start.date().saturating_sub(lead_days.days())),
            description: describe(encounter.kind, reason),
        });
    }
    if patient.deceased.is_none() {
        upcoming(
            rng,
            encounters,
            conditions,
            window,
            patient,
            pcp,
            &mut appointments,
        );
    }
    appointments
}

fn upcoming(
    rng: &mut ChaCha8Rng,
    encounters: &[Encounter],
    conditions: &[ConditionRecord],
    window: &Window,
    patient: &DemoPatient,
    pcp: usize,
    appointments: &mut Vec<Appointment>,
) {
    let today = patient.today;
    let count = [0, 1, 2][weighted_index(rng, &[0.5, 0.35, 0.15])];
    let child = age_between(window.birth, today) < 18;
    let last_checkup = encounters
        .iter()
        .filter(|e| matches!(e.kind, EncounterKind::WellAdult | EncounterKind::WellChild))
        .map(|e| e.start.date())
        .max();
    let checkup_due = last_checkup.is_none_or(|last| (today - last).get_days() > 300);
    let follow_up_reason = conditions
        .iter()
        .enumerate()
        .filter(|(_, c)| c.chronic && c.abatement.is_none())
        .filter(|(_, c)| {
            [
                Chronic::Diabetes,
                Chronic::Hypertension,
                Chronic::Depression,
                Chronic::Copd,
                Chronic::Asthma,
            ]
            .iter()
            .any(|k| k.code().code == c.code.code)
        })
        .map(|(i, _)| i)
        .next();
    let mut used_days: Vec<Date> = Vec::new();
    for n in 0..count {
        let (kind, reason) = match (n, checkup_due, follow_up_reason) {
            (0, true, _) => (
                if child {
                    EncounterKind::WellChild
                } else {
                    EncounterKind::WellAdult
                },
                None,
            ),
            (_, _, Some(reason)) if rng.random_bool(0.8) => {
                let kind = if rng.random_bool(0.25) {
                    EncounterKind::Telehealth
                } else {
                    EncounterKind::FollowUp
                };
                (kind, Some(reason))
            }
            _ => (EncounterKind::Problem, None),
        };
        let mut day = next_weekday(today.saturating_add(rng.random_range(1..=55).days()));
        if used_days.contains(&day) {
            day = next_weekday(day.saturating_add(1.days()));
        }
        used_days.push(day);
        let start = office_time(rng, day);
        appointments.push(Appointment {
            id: rng::uuid(rng),
            kind,
            status: AppointmentStatus::Booked,
            start,
            minutes: kind.minutes(),
            practitioner: pcp,
            reason,
            created: today.saturating_sub(rng.random_range(0..30).days()).at(
                rng.random_range(8..18),
                rng.random_range(0..60),
                0,
                0,
            ),
            description: describe(kind, reason.map(|i| &conditions[i])),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names() {
        assert_eq!(
            plain_name("Essential hypertension (disorder)"),
            "hypertension"
        );
        assert_eq!(
            plain_name("Diabetes mellitus type 2 (disorder)"),
            "Diabetes mellitus type 2"
        );
    }
}
