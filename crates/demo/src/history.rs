//! Builds a patient's [`Chart`]: conditions, visits and everything recorded at them.

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::appointments;
use crate::billing::{self, Insurance};
use crate::catalog::{
    ACETAMINOPHEN, ALLERGIES, AMOXICILLIN, AMOXICILLIN_CLAVULANATE, ANAPHYLAXIS, AZITHROMYCIN,
    Acute, CIPROFLOXACIN, Chronic, Code, Drug, IBUPROFEN, PENICILLIN_ALLERGY, PENICILLIN_V,
    care_plan, procedures, vaccines,
};
use crate::chart::{
    AllergyRecord, BMI, CarePlanRecord, Chart, ConditionRecord, Encounter, EncounterKind,
    GoalRecord, HEART_RATE, HEIGHT, Immunization, MedicationRecord, OXYGEN_SATURATION, Observation,
    ObservationValue, Procedure, RESPIRATORY_RATE, Report, Smoking, TEMPERATURE, WEIGHT,
};
use crate::labs::{self, Analyte, Course, Courses, Moment, Panel, Physiology};
use crate::names::Origin;
use crate::person::{DemoPatient, Sex, age_between};
use crate::places::{self, ORGANIZATIONS, PRIMARY_CARE, URGENT_CARE};
use crate::problems::{self, ChronicPlan};
use crate::rng::{self, Purpose, pick, weighted_index};
use crate::schedule::{self, CovidDose, Reason, Visit, Window};

pub(crate) fn build(patient: &DemoPatient) -> Chart {
    let mut rng = rng::stream(patient.seed, Purpose::Clinical, patient.index);
    let organization = &ORGANIZATIONS[patient.org];
    let directory = places::directory(patient.seed, patient.org);
    let time_zone = TimeZone::get(organization.time_zone).unwrap_or(TimeZone::UTC);
    let today = patient.today;
    let birth = patient.birth_date;
    let end = patient.deceased.unwrap_or(today);
    // The last day a visit can be on: yesterday, or the day before death.
    let last = patient.deceased.unwrap_or(today).saturating_sub(1.days());
    let years = [3, 4, 5, 6, 7, 8][weighted_index(&mut rng, &[1.0, 2.0, 3.0, 3.0, 2.0, 1.0])];
    let start = birth.max(end.saturating_sub((years as i64).years()));
    let window = Window {
        birth,
        sex: patient.sex,
        start,
        last,
    };

    let physiology = Physiology::draw(&mut rng, patient.sex, birth);
    let smoking = draw_smoking(&mut rng, age_between(birth, end));
    let pcp = rng.random_range(0..PRIMARY_CARE);
    let mut insurance = Insurance::draw(&mut rng);
    let allergy_draws = draw_allergies(&mut rng);
    let penicillin_allergy = allergy_draws.iter().any(|a| a.0 == PENICILLIN_ALLERGY);

    let mut plans =
        problems::draw_conditions(&mut rng, patient.sex, birth, end, &physiology, smoking);
    let visits = schedule::plan_visits(&mut rng, &window, &mut plans);
    let medication_plans = problems::plan_treatment(&mut rng, &plans, &|on| age_between(birth, on));

    let mut encounters: Vec<Encounter> = visits
        .iter()
        .map(|visit| encounter_for(&mut rng, visit, pcp))
        .collect();

    // Chronic conditions, recorded where diagnosed (or at the first visit of the history).
    let mut conditions = Vec::new();
    let mut chronic_records: Vec<(Chronic, usize)> = Vec::new();
    for plan in &plans {
        if plan.resolved.is_some_and(|resolved| resolved < start) {
            continue;
        }
        let from = plan.onset.max(start);
        let Some(at) = first_encounter(&encounters, from, |k| k != EncounterKind::Immunization)
        else {
            continue;
        };
        let recorded = encounters[at].start;
        let onset = if plan.onset >= start {
            recorded
        } else {
            plan.onset.to_datetime(recorded.time())
        };
        conditions.push(ConditionRecord {
            id: rng::uuid(&mut rng),
            code: plan.kind.code(),
            onset,
            recorded,
            encounter: at,
            abatement: plan.resolved.map(|day| day.at(12, 0, 0, 0)),
            chronic: true,
        });
        chronic_records.push((plan.kind, conditions.len() - 1));
    }
    let condition_of = |kind: Chronic| {
        chronic_records
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, i)| *i)
    };

    // Acute illnesses, one per urgent-care or emergency visit.
    for (i, visit) in visits.iter().enumerate() {
        match visit.reason {
            Some(Reason::Acute(illness)) => {
                let seen = encounters[i].start;
                let onset = seen.saturating_sub(rng.random_range(1..4).days());
                let resolves = seen.saturating_add(illness.duration_days().days());
                conditions.push(ConditionRecord {
                    id: rng::uuid(&mut rng),
                    code: illness.code(),
                    onset,
                    recorded: seen,
                    encounter: i,
                    abatement: (resolves.date() <= today).then_some(resolves),
                    chronic: false,
                });
                encounters[i].reason = Some(conditions.len() - 1);
            }
            Some(Reason::Chronic(kind)) => encounters[i].reason = condition_of(kind),
            None => {}
        }
    }

    // Long-term prescriptions, written at the first suitable visit on or after their start.
    let mut medications = Vec::new();
    let mut treated_from: Vec<(Chronic, bool, Date)> = Vec::new();
    for plan in &medication_plans {
        if plan.stop.is_some_and(|stop| stop <= start) {
            continue;
        }
        let Some(at) =
            first_encounter(&encounters, plan.start.max(start), EncounterKind::scheduled)
        else {
            continue;
        };
        let authored = encounters[at].start;
        if plan.stop.is_some_and(|stop| stop <= authored.date()) {
            continue;
        }
        let began = if plan.start >= start {
            authored.date()
        } else {
            plan.start
        };
        treated_from.push((plan.reason, plan.second_line, began));
        medications.push(MedicationRecord {
            id: rng::uuid(&mut rng),
            drug: plan.drug,
            authored,
            encounter: at,
            practitioner: encounters[at].practitioner,
            reason: condition_of(plan.reason),
            active: patient.deceased.is_none() && plan.stop.is_none_or(|stop| stop > today),
        });
    }
    let courses = courses(&plans, &treated_from);

    // What happened at each visit.
    let mut tracker = Tracker::new(&mut rng, &window);
    let context = Context {
        physiology: &physiology,
        courses: &courses,
        smoking,
        window: &window,
        penicillin_allergy,
        today,
    };
    for (i, visit) in visits.iter().enumerate() {
        let acute_reason = match visit.reason {
            Some(Reason::Acute(illness)) => Some(illness),
            _ => None,
        };
        let on_medication = medications
            .iter()
            .any(|m| m.authored <= encounters[i].start && m.active);
        fill_encounter(
            &mut rng,
            &mut encounters[i],
            visit,
            &context,
            &mut tracker,
            on_medication,
        );
        let reason = encounters[i].reason;
        if let Some(illness) = acute_reason
            && let Some(drug) = acute_drug(
                &mut rng,
                illness,
                context.penicillin_allergy,
                age_between(birth, visit.date),
            )
        {
            let authored = encounters[i].start;
            medications.push(MedicationRecord {
                id: rng::uuid(&mut rng),
                drug,
                authored,
                encounter: i,
                practitioner: encounters[i].practitioner,
                reason,
                active: authored.date().saturating_add(drug.course_days.days()) > today
                    && patient.deceased.is_none(),
            });
        }
        if let Some(reason) = reason
            && let Some(code) = diagnostic_procedure(&mut rng, visit, &conditions[reason].code)
        {
            let start = encounters[i]
                .start
                .saturating_add(rng.random_range(5..20).minutes());
            encounters[i].procedures.push(Procedure {
                id: rng::uuid(&mut rng),
                code,
                start,
                end: start.saturating_add(15.minutes()),
                reason: Some(reason),
            });
        }
    }

    let care_plans = care_plans(
        &mut rng,
        &plans,
        &conditions,
        &chronic_records,
        &encounters,
        patient.deceased.is_some(),
    );
    let allergies = allergy_records(&allergy_draws, &encounters, &mut rng);
    let appointments = appointments::schedule(
        &mut rng,
        &mut encounters,
        &conditions,
        &window,
        patient,
        pcp,
    );

    for encounter in &mut encounters {
        let age = age_between(birth, encounter.start.date());
        encounter.bill = Some(billing::bill(
            &mut rng,
            encounter,
            &mut insurance,
            age,
            patient.org,
            today,
        ));
    }

    let (race, hispanic) = draw_race(&mut rng, patient.origin);
    let deceased_at = patient
        .deceased
        .map(|day| day.at(rng.random_range(0..24), rng.random_range(0..60), 0, 0));

    Chart {
        time_zone,
        directory,
        primary_care: pcp,
        race,
        hispanic,
        deceased_at,
        encounters,
        conditions,
        medications,
        allergies,
        care_plans,
        appointments,
    }
}

/// OMB race category and Hispanic ethnicity, loosely following naming heritage, as
/// self-reported categories do.
fn draw_race(rng: &mut ChaCha8Rng, origin: Origin) -> ((&'static str, &'static str), bool) {
    const WHITE: (&str, &str) = ("2106-3", "White");
    const BLACK: (&str, &str) = ("2054-5", "Black or African American");
    const ASIAN: (&str, &str) = ("2028-9", "Asian");
    const NATIVE: (&str, &str) = ("1002-5", "American Indian or Alaska Native");
    const PACIFIC: (&str, &str) = ("2076-8", "Native Hawaiian or Other Pacific Islander");
    const OTHER: (&str, &str) = ("2131-1", "Other Race");
    let (options, weights): (&[(&str, &str)], &[f64]) = match origin {
        Origin::General => (
            &[WHITE, BLACK, ASIAN, NATIVE, OTHER],
            &[0.9, 0.04, 0.01, 0.02, 0.03],
        ),
        Origin::Hispanic => (&[WHITE, OTHER, BLACK, NATIVE], &[0.62, 0.31, 0.04, 0.03]),
        Origin::AfricanAmerican => (&[BLACK, WHITE, OTHER], &[0.94, 0.02, 0.04]),
        Origin::MiddleEastern => (&[WHITE, OTHER], &[0.8, 0.2]),
        Origin::Filipino => (&[ASIAN, PACIFIC, OTHER], &[0.9, 0.06, 0.04]),
        _ => (&[ASIAN, OTHER], &[0.96, 0.04]),
    };
    let race = options[weighted_index(rng, weights)];
    let hispanic = match origin {
        Origin::Hispanic => rng.random_bool(0.97),
        _ => rng.random_bool(0.02),
    };
    (race, hispanic)
}

fn draw_smoking(rng: &mut ChaCha8Rng, age: u32) -> Smoking {
    if age < 16 {
        return Smoking::Never;
    }
    let weights = if age < 30 {
        [0.8, 0.07, 0.13]
    } else {
        [0.58, 0.28, 0.14]
    };
    [Smoking::Never, Smoking::Former, Smoking::Current][weighted_index(rng, &weights)]
}

/// Index into `ALLERGIES`, criticality, manifestation, severity, active, confirmed.
type AllergyDraw = (usize, &'static str, &'static Code, &'static str, bool, bool);

fn draw_allergies(rng: &mut ChaCha8Rng) -> Vec<AllergyDraw> {
    if !rng.random_bool(0.3) {
        return Vec::new();
    }
    let count = [1, 2, 3][weighted_index(rng, &[0.7, 0.22, 0.08])];
    let weights: Vec<f64> = ALLERGIES.iter().map(|a| a.weight).collect();
    let mut chosen: Vec<AllergyDraw> = Vec::new();
    for _ in 0..count {
        let which = weighted_index(rng, &weights);
        if chosen.iter().any(|c| c.0 == which) {
            continue;
        }
        let def = &ALLERGIES[which];
        let high = def.can_be_severe && rng.random_bool(0.4);
        let (manifestation, severity) = if high && rng.random_bool(0.35) {
            (&ANAPHYLAXIS, "severe")
        } else {
            (
                pick(rng, def.reactions),
                if rng.random_bool(0.6) {
                    "mild"
                } else {
                    "moderate"
                },
            )
        };
        chosen.push((
            which,
            if high { "high" } else { "low" },
            manifestation,
            severity,
            rng.random_bool(0.95),
            rng.random_bool(0.9),
        ));
    }
    chosen
}

fn allergy_records(
    draws: &[AllergyDraw],
    encounters: &[Encounter],
    rng: &mut ChaCha8Rng,
) -> Vec<AllergyRecord> {
    let Some(first) = encounters.first() else {
        return Vec::new();
    };
    draws
        .iter()
        .map(
            |&(which, criticality, manifestation, severity, active, confirmed)| AllergyRecord {
                id: rng::uuid(rng),
                def: &ALLERGIES[which],
                recorded: first.start,
                criticality,
                manifestation,
                severity,
                active,
                confirmed,
            },
        )
        .collect()
}

/// A visit's time, length and clinician.
fn encounter_for(rng: &mut ChaCha8Rng, visit: &Visit, pcp: usize) -> Encounter {
    let (hour, minute) = match visit.kind {
        EncounterKind::UrgentCare => (rng.random_range(8..20), 5 * rng.random_range(0..12)),
        EncounterKind::Emergency => (rng.random_range(0..24), rng.random_range(0..60)),
        EncounterKind::Immunization => (rng.random_range(9..17), 10 * rng.random_range(0..6)),
        _ => {
            let slot = rng.random_range(0..34);
            (8 + slot / 4, 15 * (slot % 4))
        }
    };
    let start = visit.date.at(hour as i8, minute as i8, 0, 0);
    let minutes = visit.kind.minutes() + rng.random_range(-5..15);
    let practitioner = match visit.kind {
        EncounterKind::UrgentCare | EncounterKind::Emergency => {
            PRIMARY_CARE + rng.random_range(0..URGENT_CARE)
        }
        _ if rng.random_bool(0.9) => pcp,
        _ => rng.random_range(0..PRIMARY_CARE),
    };
    Encounter {
        id: rng::uuid(rng),
        kind: visit.kind,
        start,
        end: start.saturating_add(minutes.minutes()),
        practitioner,
        reason: None,
        observations: Vec::new(),
        reports: Vec::new(),
        immunizations: Vec::new(),
        procedures: Vec::new(),
        appointment: None,
        bill: None,
    }
}

fn first_encounter(
    encounters: &[Encounter],
    from: Date,
    accept: impl Fn(EncounterKind) -> bool,
) -> Option<usize> {
    encounters
        .iter()
        .position(|e| e.start.date() >= from && accept(e.kind))
}

fn courses(plans: &[ChronicPlan], treated_from: &[(Chronic, bool, Date)]) -> Courses {
    let mut courses = Courses::default();
    for plan in plans {
        let first = |second_line: bool| {
            treated_from
                .iter()
                .filter(|(kind, second, _)| *kind == plan.kind && *second == second_line)
                .map(|(_, _, from)| *from)
                .min()
        };
        courses.set(
            plan.kind,
            Course {
                onset: plan.onset,
                treated_from: first(false),
                second_drug_from: first(true),
                controlled: plan.controlled,
                resolved: plan.resolved,
            },
        );
    }
    courses
}

/// What the clinic remembers between visits: when tests and shots were last done.
struct Tracker {
    last_panel: [Option<Date>; 6],
    flu_season: Option<i16>,
    last_tdap: Option<Date>,
    zoster_doses: u8,
    pneumococcal: bool,
    last_mammogram: Option<Date>,
    last_eye_exam: Option<Date>,
}

impl Tracker {
    fn new(rng: &mut ChaCha8Rng, window: &Window) -> Self {
        let last_tdap = rng
            .random_bool(0.6)
            .then(|| {
                window
                    .start
                    .saturating_sub(rng.random_range(30..4000).days())
            })
            .filter(|d| *d > window.birth);
        Tracker {
            last_panel: [None; 6],
            flu_season: None,
            last_tdap,
            zoster_doses: 0,
            pneumococcal: age_between(window.birth, window.start) >= 66 && rng.random_bool(0.5),
            last_mammogram: None,
            last_eye_exam: None,
        }
    }

    fn months_since_panel(&self, panel: Panel, on: Date) -> i64 {
        self.last_panel[panel as usize]
            .map_or(i64::MAX, |last| i64::from((on - last).get_days()) / 30)
    }
}

struct Context<'a> {
    physiology: &'a Physiology,
    courses: &'a Courses,
    smoking: Smoking,
    window: &'a Window,
    penicillin_allergy: bool,
    today: Date,
}

fn fill_encounter(
    rng: &mut ChaCha8Rng,
    encounter: &mut Encounter,
    visit: &Visit,
    context: &Context,
    tracker: &mut Tracker,
    on_medication: bool,
) {
    let on = visit.date;
    let age = age_between(context.window.birth, on);
    let illness = match visit.reason {
        Some(Reason::Acute(illness)) => Some(illness),
        _ => None,
    };
    let chronic = match visit.reason {
        Some(Reason::Chronic(kind)) => Some(kind),
        _ => None,
    };
    let moment = Moment {
        on,
        courses: context.courses,
        febrile: illness.is_some_and(Acute::febrile),
        respiratory: matches!(
            illness,
            Some(Acute::Bronchitis | Acute::Covid | Acute::Influenza | Acute::ViralPharyngitis)
        ),
        smoker: context.smoking == Smoking::Current,
    };
    let measured_at = encounter
        .start
        .saturating_add(rng.random_range(3..10).minutes());

    // Vital signs at every in-person visit.
    if !matches!(
        encounter.kind,
        EncounterKind::Telehealth | EncounterKind::Immunization
    ) {
        let vitals = labs::vitals(context.physiology, &moment, rng);
        let mut vital = |kind, value| {
            encounter.observations.push(Observation {
                id: rng::uuid(rng),
                effective: measured_at,
                issued: measured_at,
                value: ObservationValue::Vital { kind, value },
            });
        };
        vital(HEIGHT, vitals.height);
        vital(WEIGHT, vitals.weight);
        if let Some(bmi) = vitals.bmi {
            vital(BMI, bmi);
        }
        vital(HEART_RATE, vitals.heart_rate);
        if matches!(
            encounter.kind,
            EncounterKind::UrgentCare | EncounterKind::Emergency
        ) {
            vital(RESPIRATORY_RATE, vitals.respiratory_rate);
            vital(TEMPERATURE, vitals.temperature);
            vital(OXYGEN_SATURATION, vitals.oxygen_saturation);
        }
        if age >= 3 {
            encounter.observations.push(Observation {
                id: rng::uuid(rng),
                effective: measured_at,
                issued: measured_at,
                value: ObservationValue::BloodPressure {
                    systolic: vitals.systolic,
                    diastolic: vitals.diastolic,
                },
            });
        }
    }
    if encounter.kind == EncounterKind::WellAdult
        || (encounter.kind == EncounterKind::WellChild && age >= 13)
    {
        encounter.observations.push(Observation {
            id: rng::uuid(rng),
            effective: measured_at,
            issued: measured_at,
            value: ObservationValue::Smoking(context.smoking),
        });
    }

    // Laboratory panels.
    let panels = choose_panels(
        rng,
        encounter.kind,
        chronic,
        illness,
        age,
        on,
        context.courses,
        tracker,
    );
    if !panels.is_empty() {
        let snapshot = labs::measure(context.physiology, &moment, rng);
        let drawn = encounter
            .start
            .saturating_add(rng.random_range(15..40).minutes());
        let issued = drawn.saturating_add(rng.random_range(2..30).hours());
        let issued = issued.min(context.today.at(7, 0, 0, 0).max(drawn));
        for panel in panels {
            tracker.last_panel[panel as usize] = Some(on);
            let first = encounter.observations.len();
            for analyte in panel.analytes() {
                encounter.observations.push(Observation {
                    id: rng::uuid(rng),
                    effective: drawn,
                    issued,
                    value: ObservationValue::Lab {
                        analyte: *analyte,
                        value: snapshot.value(*analyte),
                    },
                });
            }
            encounter.reports.push(Report {
                id: rng::uuid(rng),
                panel,
                results: first..encounter.observations.len(),
                effective: drawn,
                issued,
            });
        }
    }

    // Immunizations.
    let shot_at = encounter
        .start
        .saturating_add(rng.random_range(15..30).minutes());
    for vaccine in vaccines_due(rng, visit, age, tracker) {
        encounter.immunizations.push(Immunization {
            id: rng::uuid(rng),
            vaccine,
            date: shot_at,
        });
    }

    // Screening and routine procedures at check-ups.
    if encounter.kind == EncounterKind::WellAdult {
        let mut procedure = |code: &'static Code, minutes: i64, rng: &mut ChaCha8Rng| {
            let start = encounter
                .start
                .saturating_add(rng.random_range(5..25).minutes());
            encounter.procedures.push(Procedure {
                id: rng::uuid(rng),
                code,
                start,
                end: start.saturating_add(minutes.minutes()),
                reason: None,
            });
        };
        if on_medication {
            procedure(&procedures::MEDICATION_RECONCILIATION, 10, rng);
        }
        if rng.random_bool(0.6) {
            procedure(&procedures::DEPRESSION_SCREENING, 10, rng);
        }
        let due = |last: Option<Date>, months: i64| {
            last.is_none_or(|l| i64::from((on - l).get_days()) > months * 30)
        };
        if context.window.sex == Sex::Female
            && (50..=74).contains(&age)
            && due(tracker.last_mammogram, 22)
            && rng.random_bool(0.7)
        {
            tracker.last_mammogram = Some(on);
            procedure(&procedures::MAMMOGRAPHY, 20, rng);
        }
        if context.courses.has(Chronic::Diabetes)
            && due(tracker.last_eye_exam, 11)
            && rng.random_bool(0.5)
        {
            tracker.last_eye_exam = Some(on);
            procedure(&procedures::EYE_EXAM, 20, rng);
        }
    }
    if encounter.kind == EncounterKind::Procedure {
        let start = encounter.start.saturating_add(20.minutes());
        encounter.procedures.push(Procedure {
            id: rng::uuid(rng),
            code: &procedures::COLONOSCOPY,
            start,
            end: start.saturating_add(rng.random_range(25..50).minutes()),
            reason: None,
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn choose_panels(
    rng: &mut ChaCha8Rng,
    kind: EncounterKind,
    chronic: Option<Chronic>,
    illness: Option<Acute>,
    age: u32,
    on: Date,
    courses: &Courses,
    tracker: &Tracker,
) -> Vec<Panel> {
    let mut panels = Vec::new();
    let active = |k: Chronic| {
        courses
            .get(k)
            .is_some_and(|c| c.onset.saturating_sub(365.days()) <= on)
    };
    let cardiometabolic = active(Chronic::Hypertension)
        || active(Chronic::Diabetes)
        || active(Chronic::KidneyDisease);
    match kind {
        EncounterKind::WellAdult => {
            if rng.random_bool(if age >= 50 { 0.85 } else { 0.4 }) {
                panels.push(Panel::Cbc);
            }
            if rng.random_bool(if age >= 40 || cardiometabolic {
                0.85
            } else {
                0.35
            }) {
                panels.push(Panel::Comprehensive);
            }
            let lipid_months = if active(Chronic::Hyperlipidemia) || cardiometabolic {
                11
            } else {
                48
            };
            if age >= 20
                && tracker.months_since_panel(Panel::Lipid, on) >= lipid_months
                && rng.random_bool(0.85)
            {
                panels.push(Panel::Lipid);
            }
            let glucose_risk = active(Chronic::Diabetes) || active(Chronic::Prediabetes);
            let screening = age >= 35
                && tracker.months_since_panel(Panel::A1c, on) >= 36
                && rng.random_bool(0.3);
            if glucose_risk || screening {
                panels.push(Panel::A1c);
            }
            if active(Chronic::Hypothyroidism) && tracker.months_since_panel(Panel::Tsh, on) >= 10 {
                panels.push(Panel::Tsh);
            }
            if active(Chronic::IronDeficiencyAnemia) && !panels.contains(&Panel::Cbc) {
                panels.push(Panel::Cbc);
            }
        }
        // Reference ranges are for adults, so children only get lipid screening.
        EncounterKind::WellChild
            if (9..=11).contains(&age)
                && tracker.months_since_panel(Panel::Lipid, on) > 60
                && rng.random_bool(0.3) =>
        {
            panels.push(Panel::Lipid)
        }
        EncounterKind::FollowUp | EncounterKind::Problem => match chronic {
            Some(Chronic::Diabetes | Chronic::Prediabetes) => {
                panels.push(Panel::A1c);
                if rng.random_bool(0.6) {
                    panels.push(Panel::Basic);
                }
            }
            Some(Chronic::Hypertension | Chronic::KidneyDisease)
                if kind == EncounterKind::Problem || rng.random_bool(0.5) =>
            {
                panels.push(Panel::Basic)
            }
            Some(Chronic::Hyperlipidemia) => panels.push(Panel::Lipid),
            Some(Chronic::Hypothyroidism)
                if kind == EncounterKind::Problem || rng.random_bool(0.5) =>
            {
                panels.push(Panel::Tsh)
            }
            Some(Chronic::IronDeficiencyAnemia) => panels.push(Panel::Cbc),
            Some(Chronic::AtrialFibrillation) if rng.random_bool(0.4) => panels.push(Panel::Basic),
            _ => {}
        },
        EncounterKind::Emergency => {
            panels.push(Panel::Cbc);
            panels.push(Panel::Basic);
        }
        EncounterKind::UrgentCare
            if age >= 12
                && matches!(
                    illness,
                    Some(Acute::Bronchitis | Acute::Influenza | Acute::Covid)
                )
                && rng.random_bool(0.25) =>
        {
            panels.push(Panel::Cbc)
        }
        _ => {}
    }
    panels
}

fn vaccines_due(
    rng: &mut ChaCha8Rng,
    visit: &Visit,
    age: u32,
    tracker: &mut Tracker,
) -> Vec<&'static Code> {
    let mut shots: Vec<&'static Code> = Vec::new();
    if let Some(dose) = visit.covid_dose {
        shots.push(match dose {
            CovidDose::Pfizer => &vaccines::COVID_PFIZER,
            CovidDose::Moderna => &vaccines::COVID_MODERNA,
            CovidDose::Updated => &vaccines::COVID_UNSPECIFIED,
        });
        return shots;
    }
    if let Some(months) = visit.child_months {
        for (due, list) in vaccines::CHILDHOOD {
            if *due == months {
                shots.extend(list.iter().copied().filter(|_| rng.random_bool(0.95)));
            }
        }
    }
    let on = visit.date;
    let checkup = matches!(
        visit.kind,
        EncounterKind::WellAdult
            | EncounterKind::WellChild
            | EncounterKind::FollowUp
            | EncounterKind::Problem
    );
    if !checkup {
        return shots;
    }
    // Influenza in season (September to March), once per season, from six months of age.
    let season = if on.month() >= 9 {
        on.year()
    } else {
        on.year() - 1
    };
    let in_season = matches!(on.month(), 9..=12 | 1..=3);
    let months_old = age * 12;
    let flu_share = if age >= 65 {
        0.72
    } else if age < 18 {
        0.55
    } else {
        0.45
    };
    if in_season
        && months_old >= 6
        && tracker.flu_season != Some(season)
        && rng.random_bool(flu_share)
    {
        tracker.flu_season = Some(season);
        shots.push(if age >= 65 {
            &vaccines::FLU_HIGH_DOSE
        } else {
            &vaccines::FLU
        });
    }
    if visit.kind == EncounterKind::WellAdult {
        let tdap_due = tracker
            .last_tdap
            .is_none_or(|last| (on - last).get_days() > 3650);
        if tdap_due && rng.random_bool(0.35) {
            tracker.last_tdap = Some(on);
            shots.push(&vaccines::TDAP);
        }
        if age >= 50
            && tracker.zoster_doses < 2
            && (tracker.zoster_doses == 1 || rng.random_bool(0.25))
        {
            tracker.zoster_doses += 1;
            shots.push(&vaccines::ZOSTER);
        }
        if age >= 65 && !tracker.pneumococcal && rng.random_bool(0.6) {
            tracker.pneumococcal = true;
            shots.push(&vaccines::PPSV23);
        }
    }
    shots
}

fn acute_drug(
    rng: &mut ChaCha8Rng,
    illness: Acute,
    penicillin_allergy: bool,
    age: u32,
) -> Option<&'static Drug> {
    let antibiotic = |preferred: &'static Drug| {
        if penicillin_allergy {
            &AZITHROMYCIN
        } else {
            preferred
        }
    };
    match illness {
        Acute::StrepThroat => Some(antibiotic(if rng.random_bool(0.5) {
            &PENICILLIN_V
        } else {
            &AMOXICILLIN
        })),
        Acute::OtitisMedia => Some(antibiotic(if age < 12 {
            &AMOXICILLIN
        } else {
            &AMOXICILLIN_CLAVULANATE
        })),
        Acute::UrinaryInfection => Some(&CIPROFLOXACIN),
        Acute::AnkleSprain => Some(&IBUPROFEN),
        Acute::HandLaceration => rng.random_bool(0.3).then_some(&ACETAMINOPHEN),
        Acute::ViralPharyngitis
        | Acute::Bronchitis
        | Acute::Sinusitis
        | Acute::Covid
        | Acute::Influenza => rng.random_bool(0.6).then_some(&ACETAMINOPHEN),
    }
}

/// A procedure done because of the visit's reason (ECG for new hypertension, sutures...).
fn diagnostic_procedure(
    rng: &mut ChaCha8Rng,
    visit: &Visit,
    condition: &Code,
) -> Option<&'static Code> {
    let code = condition.code;
    let is = |other: Code| other.code == code;
    match visit.kind {
        EncounterKind::Problem
            if is(Chronic::Hypertension.code()) || is(Chronic::AtrialFibrillation.code()) =>
        {
            Some(&procedures::ECG)
        }
        EncounterKind::Problem if is(Chronic::Asthma.code()) || is(Chronic::Copd.code()) => {
            Some(&procedures::SPIROMETRY)
        }
        EncounterKind::FollowUp
            if (is(Chronic::Asthma.code()) || is(Chronic::Copd.code()))
                && rng.random_bool(0.15) =>
        {
            Some(&procedures::SPIROMETRY)
        }
        EncounterKind::UrgentCare | EncounterKind::Emergency => {
            if is(Acute::StrepThroat.code()) {
                Some(&procedures::THROAT_CULTURE)
            } else if is(Acute::HandLaceration.code()) {
                Some(&procedures::SUTURE)
            } else if (is(Acute::Bronchitis.code()) || is(Acute::Covid.code()))
                && rng.random_bool(0.3)
            {
                Some(&procedures::CHEST_XRAY)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn care_plans(
    rng: &mut ChaCha8Rng,
    plans: &[ChronicPlan],
    conditions: &[ConditionRecord],
    chronic_records: &[(Chronic, usize)],
    encounters: &[Encounter],
    deceased: bool,
) -> Vec<CarePlanRecord> {
    let mut records = Vec::new();
    for (kind, condition) in chronic_records {
        let Some(def) = care_plan(*kind) else {
            continue;
        };
        let record = &conditions[*condition];
        let latest = |analyte: Analyte| {
            encounters
                .iter()
                .rev()
                .flat_map(|e| e.observations.iter())
                .find_map(|o| match o.value {
                    ObservationValue::Lab { analyte: a, value } if a == analyte => Some(value),
                    _ => None,
                })
        };
        let controlled = plans
            .iter()
            .find(|p| p.kind == *kind)
            .is_some_and(|p| p.controlled);
        let goals = def
            .goals
            .iter()
            .map(|goal| {
                let achieved = match goal.target {
                    Some((code, _, _, limit, _)) => {
                        let analyte = if code == "4548-4" {
                            Analyte::HemoglobinA1c
                        } else {
                            Analyte::Ldl
                        };
                        latest(analyte).is_some_and(|value| value < limit)
                    }
                    None => controlled && rng.random_bool(0.6),
                };
                GoalRecord {
                    id: rng::uuid(rng),
                    def: goal,
                    start: record.recorded.date(),
                    achieved,
                }
            })
            .collect();
        records.push(CarePlanRecord {
            id: rng::uuid(rng),
            def,
            condition: *condition,
            encounter: record.encounter,
            start: record.recorded,
            active: !deceased,
            goals,
        });
    }
    records
}
