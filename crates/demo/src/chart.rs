//! The clinical history of one patient as plain records, before it becomes FHIR JSON.
//!
//! Building it is the expensive part of a patient, so it happens only in
//! `DemoPatient::to_bundle`, from a random stream of its own.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use uuid::Uuid;

use crate::billing::Bill;
use crate::catalog::{AllergyDef, CarePlanDef, Code, Drug, GoalDef, SNOMED};
use crate::labs::{Analyte, Panel};
use crate::places::Directory;

/// Kinds of visit, with their SNOMED CT type and HL7 v3 class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EncounterKind {
    WellAdult,
    WellChild,
    FollowUp,
    Telehealth,
    /// A visit for a new problem, where a chronic condition is diagnosed.
    Problem,
    UrgentCare,
    Emergency,
    /// An outpatient procedure such as a colonoscopy.
    Procedure,
    /// A vaccination-only visit (COVID-19 clinics).
    Immunization,
}

impl EncounterKind {
    pub(crate) fn code(self) -> Code {
        let (code, display) = match self {
            EncounterKind::WellAdult => ("185349003", "Encounter for check up (procedure)"),
            EncounterKind::WellChild => ("410620009", "Well child visit (procedure)"),
            EncounterKind::FollowUp => ("390906007", "Follow-up encounter (procedure)"),
            EncounterKind::Telehealth => (
                "448337001",
                "Telemedicine consultation with patient (procedure)",
            ),
            EncounterKind::Problem => ("185347001", "Encounter for problem (procedure)"),
            EncounterKind::UrgentCare => ("702927004", "Urgent care clinic (environment)"),
            EncounterKind::Emergency => ("50849002", "Emergency room admission (procedure)"),
            EncounterKind::Procedure => ("371883000", "Outpatient procedure (procedure)"),
            EncounterKind::Immunization => (
                "33879002",
                "Administration of vaccine to produce active immunity (procedure)",
            ),
        };
        Code {
            system: SNOMED,
            code,
            display,
        }
    }

    /// HL7 v3 ActCode class: code and display.
    pub(crate) fn class(self) -> (&'static str, &'static str) {
        match self {
            EncounterKind::Telehealth => ("VR", "virtual"),
            EncounterKind::Emergency => ("EMER", "emergency"),
            _ => ("AMB", "ambulatory"),
        }
    }

    pub(crate) fn minutes(self) -> i64 {
        match self {
            EncounterKind::WellAdult | EncounterKind::WellChild | EncounterKind::Problem => 30,
            EncounterKind::FollowUp => 20,
            EncounterKind::Telehealth | EncounterKind::Immunization => 15,
            EncounterKind::UrgentCare => 45,
            EncounterKind::Emergency => 210,
            EncounterKind::Procedure => 90,
        }
    }

    /// Booked ahead, so it has an Appointment.
    pub(crate) fn scheduled(self) -> bool {
        !matches!(
            self,
            EncounterKind::UrgentCare | EncounterKind::Emergency | EncounterKind::Immunization
        )
    }

    /// Preventive care that insurers pay in full.
    pub(crate) fn preventive(self) -> bool {
        matches!(
            self,
            EncounterKind::WellAdult | EncounterKind::WellChild | EncounterKind::Immunization
        )
    }

    /// HL7 v2 table 0276 appointment reason.
    pub(crate) fn appointment_type(self) -> (&'static str, &'static str) {
        match self {
            EncounterKind::WellAdult | EncounterKind::WellChild => {
                ("CHECKUP", "A routine check-up, such as an annual physical")
            }
            EncounterKind::FollowUp | EncounterKind::Telehealth => {
                ("FOLLOWUP", "A follow up visit from a previous appointment")
            }
            EncounterKind::UrgentCare | EncounterKind::Emergency => {
                ("WALKIN", "A previously unscheduled walk-in visit")
            }
            _ => ("ROUTINE", "Routine appointment - default if not valued"),
        }
    }
}

/// Tobacco use, recorded as a survey Observation at check-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Smoking {
    Never,
    Former,
    Current,
}

impl Smoking {
    pub(crate) fn code(self) -> Code {
        let (code, display) = match self {
            Smoking::Never => ("266919005", "Never smoked tobacco (finding)"),
            Smoking::Former => ("8517006", "Ex-smoker (finding)"),
            Smoking::Current => ("449868002", "Smokes tobacco daily (finding)"),
        };
        Code {
            system: SNOMED,
            code,
            display,
        }
    }
}

/// A vital sign measured as one quantity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VitalKind {
    pub code: &'static str,
    pub display: &'static str,
    pub unit: &'static str,
}

pub(crate) const HEIGHT: VitalKind = VitalKind {
    code: "8302-2",
    display: "Body height",
    unit: "cm",
};
pub(crate) const WEIGHT: VitalKind = VitalKind {
    code: "29463-7",
    display: "Body weight",
    unit: "kg",
};
pub(crate) const BMI: VitalKind = VitalKind {
    code: "39156-5",
    display: "Body mass index (BMI) [Ratio]",
    unit: "kg/m2",
};
pub(crate) const HEART_RATE: VitalKind = VitalKind {
    code: "8867-4",
    display: "Heart rate",
    unit: "/min",
};
pub(crate) const RESPIRATORY_RATE: VitalKind = VitalKind {
    code: "9279-1",
    display: "Respiratory rate",
    unit: "/min",
};
pub(crate) const TEMPERATURE: VitalKind = VitalKind {
    code: "8310-5",
    display: "Body temperature",
    unit: "Cel",
};
pub(crate) const OXYGEN_SATURATION: VitalKind = VitalKind {
    code: "59408-5",
    display: "Oxygen saturation in Arterial blood by Pulse oximetry",
    unit: "%",
};

#[derive(Clone, Debug)]
pub(crate) enum ObservationValue {
    Lab { analyte: Analyte, value: f64 },
    Vital { kind: VitalKind, value: f64 },
    BloodPressure { systolic: f64, diastolic: f64 },
    Smoking(Smoking),
}

#[derive(Clone, Debug)]
pub(crate) struct Observation {
    pub id: Uuid,
    pub effective: DateTime,
    pub issued: DateTime,
    pub value: ObservationValue,
}

/// A laboratory panel's report; `results` index the encounter's observations.
#[derive(Clone, Debug)]
pub(crate) struct Report {
    pub id: Uuid,
    pub panel: Panel,
    pub results: std::ops::Range<usize>,
    pub effective: DateTime,
    pub issued: DateTime,
}

#[derive(Clone, Debug)]
pub(crate) struct Immunization {
    pub id: Uuid,
    pub vaccine: &'static Code,
    pub date: DateTime,
}

#[derive(Clone, Debug)]
pub(crate) struct Procedure {
    pub id: Uuid,
    pub code: &'static Code,
    pub start: DateTime,
    pub end: DateTime,
    /// Index into `Chart::conditions`.
    pub reason: Option<usize>,
}

pub(crate) struct Encounter {
    pub id: Uuid,
    pub kind: EncounterKind,
    pub start: DateTime,
    pub end: DateTime,
    /// Index into the organization's practitioners.
    pub practitioner: usize,
    /// Index into `Chart::conditions`.
    pub reason: Option<usize>,
    pub observations: Vec<Observation>,
    pub reports: Vec<Report>,
    pub immunizations: Vec<Immunization>,
    pub procedures: Vec<Procedure>,
    /// Index into `Chart::appointments`.
    pub appointment: Option<usize>,
    pub bill: Option<Bill>,
}

pub(crate) struct ConditionRecord {
    pub id: Uuid,
    pub code: Code,
    pub onset: DateTime,
    pub recorded: DateTime,
    /// Index of the encounter where it was first recorded.
    pub encounter: usize,
    pub abatement: Option<DateTime>,
    pub chronic: bool,
}

pub(crate) struct MedicationRecord {
    pub id: Uuid,
    pub drug: &'static Drug,
    pub authored: DateTime,
    pub encounter: usize,
    pub practitioner: usize,
    /// Index into `Chart::conditions`.
    pub reason: Option<usize>,
    pub active: bool,
}

pub(crate) struct AllergyRecord {
    pub id: Uuid,
    pub def: &'static AllergyDef,
    pub recorded: DateTime,
    pub criticality: &'static str,
    pub manifestation: &'static Code,
    pub severity: &'static str,
    pub active: bool,
    pub confirmed: bool,
}

pub(crate) struct GoalRecord {
    pub id: Uuid,
    pub def: &'static GoalDef,
    pub start: Date,
    /// Whether the latest results meet the goal.
    pub achieved: bool,
}

pub(crate) struct CarePlanRecord {
    pub id: Uuid,
    pub def: &'static CarePlanDef,
    pub condition: usize,
    pub encounter: usize,
    pub start: DateTime,
    pub active: bool,
    pub goals: Vec<GoalRecord>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AppointmentStatus {
    Booked,
    Fulfilled,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub(crate) fn code(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "noshow",
        }
    }
}

pub(crate) struct Appointment {
    pub id: Uuid,
    pub kind: EncounterKind,
    pub status: AppointmentStatus,
    pub start: DateTime,
    pub minutes: i64,
    pub practitioner: usize,
    /// Index into `Chart::conditions`, for follow-ups.
    pub reason: Option<usize>,
    pub created: DateTime,
    pub description: String,
}

/// A patient's whole clinical and financial history.
pub(crate) struct Chart {
    pub time_zone: TimeZone,
    pub directory: Directory,
    /// Index of the primary care practitioner in the directory.
    pub primary_care: usize,
    /// OMB race category (code, display) and whether Hispanic or Latino.
    pub race: (&'static str, &'static str),
    pub hispanic: bool,
    /// Time of death, for the deceased.
    pub deceased_at: Option<DateTime>,
    pub encounters: Vec<Encounter>,
    pub conditions: Vec<ConditionRecord>,
    pub medications: Vec<MedicationRecord>,
    pub allergies: Vec<AllergyRecord>,
    pub care_plans: Vec<CarePlanRecord>,
    pub appointments: Vec<Appointment>,
}
