//! The clinical and billing records a patient sees, as read from the EHR.
//!
//! Each record keeps the codes and values the portal shows; the full FHIR resource is kept
//! beside it by storage for export. Codes are kept as `system|code` pairs plus their display text.

use jiff::Timestamp;

/// A coded concept: the first coding of a FHIR CodeableConcept, and its text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coded {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Encounter {
    pub status: String,
    pub class_code: Option<String>,
    pub kind: Coded,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

/// A result's reference range, as the lab reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferenceRange {
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub status: String,
    pub category: Option<String>,
    pub code: Coded,
    pub effective: Option<Timestamp>,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub value_text: Option<String>,
    pub range: ReferenceRange,
    /// The lab's flag: `H`, `L`, `N`, `A`, ...
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiagnosticReport {
    pub status: String,
    pub category: Option<String>,
    pub code: Coded,
    pub effective: Option<Timestamp>,
    pub issued: Option<Timestamp>,
    /// The results the report lists, in its order, as it refers to them (`urn:uuid:…`,
    /// `Observation/…`).
    pub results: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub clinical_status: Option<String>,
    pub verification_status: Option<String>,
    pub code: Coded,
    pub onset: Option<Timestamp>,
    pub abatement: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MedicationRequest {
    pub status: String,
    pub medication: Coded,
    pub dosage: Option<String>,
    pub authored: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Allergy {
    pub clinical_status: Option<String>,
    pub criticality: Option<String>,
    pub category: Option<String>,
    pub code: Coded,
    pub reaction: Option<String>,
    pub recorded: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Immunization {
    pub status: String,
    pub vaccine: Coded,
    pub occurred: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    pub status: String,
    pub code: Coded,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CarePlan {
    pub status: String,
    pub category: Coded,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub lifecycle_status: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Appointment {
    pub status: String,
    pub description: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub practitioner: Option<String>,
}

/// Amounts are in cents, so that a balance is exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub status: String,
    pub claim_type: Option<String>,
    pub created: Option<Timestamp>,
    pub total_cents: Option<i64>,
    pub currency: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExplanationOfBenefit {
    pub status: String,
    /// The id, in the source system, of the claim this explains.
    pub claim_source_id: Option<String>,
    pub created: Option<Timestamp>,
    pub submitted_cents: Option<i64>,
    pub payment_cents: Option<i64>,
    pub patient_owes_cents: Option<i64>,
}

/// Any record the importer stores against a patient's chart.
#[derive(Debug, Clone, PartialEq)]
pub enum ClinicalRecord {
    Encounter(Encounter),
    Observation(Observation),
    DiagnosticReport(DiagnosticReport),
    Condition(Condition),
    MedicationRequest(MedicationRequest),
    Allergy(Allergy),
    Immunization(Immunization),
    Procedure(Procedure),
    CarePlan(CarePlan),
    Goal(Goal),
    Appointment(Appointment),
    Claim(Claim),
    ExplanationOfBenefit(ExplanationOfBenefit),
}

impl ClinicalRecord {
    /// The FHIR resource type this record was read from.
    pub fn fhir_type(&self) -> &'static str {
        match self {
            Self::Encounter(_) => "Encounter",
            Self::Observation(_) => "Observation",
            Self::DiagnosticReport(_) => "DiagnosticReport",
            Self::Condition(_) => "Condition",
            Self::MedicationRequest(_) => "MedicationRequest",
            Self::Allergy(_) => "AllergyIntolerance",
            Self::Immunization(_) => "Immunization",
            Self::Procedure(_) => "Procedure",
            Self::CarePlan(_) => "CarePlan",
            Self::Goal(_) => "Goal",
            Self::Appointment(_) => "Appointment",
            Self::Claim(_) => "Claim",
            Self::ExplanationOfBenefit(_) => "ExplanationOfBenefit",
        }
    }
}
