//! The parts of FHIR R4 resources that the portal reads. Unknown fields are ignored; the whole
//! resource is kept as text beside what we extract.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reference {
    pub reference: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Quantity {
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Money {
    pub value: Option<f64>,
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Period {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    pub system: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HumanName {
    #[serde(rename = "use")]
    pub name_use: Option<String>,
    pub text: Option<String>,
    pub family: Option<String>,
    #[serde(default)]
    pub given: Vec<String>,
    #[serde(default)]
    pub prefix: Vec<String>,
}

/// A practitioner: only the name is read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Practitioner {
    #[serde(default)]
    pub name: Vec<HumanName>,
}

/// An organization or a location: only the name is read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Named {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactPoint {
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "use")]
    pub contact_use: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default)]
    pub line: Vec<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Communication {
    pub language: Option<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: Option<String>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default)]
    pub name: Vec<HumanName>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
    pub gender: Option<String>,
    pub birth_date: Option<String>,
    pub deceased_boolean: Option<bool>,
    pub deceased_date_time: Option<String>,
    #[serde(default)]
    pub address: Vec<Address>,
    #[serde(default)]
    pub communication: Vec<Communication>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Encounter {
    pub status: Option<String>,
    pub class: Option<Coding>,
    #[serde(rename = "type", default)]
    pub kind: Vec<CodeableConcept>,
    pub subject: Option<Reference>,
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReferenceRange {
    pub low: Option<Quantity>,
    pub high: Option<Quantity>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub status: Option<String>,
    #[serde(default)]
    pub category: Vec<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub subject: Option<Reference>,
    pub encounter: Option<Reference>,
    pub effective_date_time: Option<String>,
    pub effective_period: Option<Period>,
    pub issued: Option<String>,
    pub value_quantity: Option<Quantity>,
    pub value_codeable_concept: Option<CodeableConcept>,
    pub value_string: Option<String>,
    #[serde(default)]
    pub reference_range: Vec<ReferenceRange>,
    #[serde(default)]
    pub interpretation: Vec<CodeableConcept>,
    #[serde(default)]
    pub component: Vec<ObservationComponent>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    pub code: Option<CodeableConcept>,
    pub value_quantity: Option<Quantity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticReport {
    pub status: Option<String>,
    #[serde(default)]
    pub category: Vec<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub subject: Option<Reference>,
    pub encounter: Option<Reference>,
    pub effective_date_time: Option<String>,
    pub issued: Option<String>,
    #[serde(default)]
    pub result: Vec<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub clinical_status: Option<CodeableConcept>,
    pub verification_status: Option<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub subject: Option<Reference>,
    pub encounter: Option<Reference>,
    pub onset_date_time: Option<String>,
    pub abatement_date_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Dosage {
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationRequest {
    pub status: Option<String>,
    pub medication_codeable_concept: Option<CodeableConcept>,
    pub medication_reference: Option<Reference>,
    pub subject: Option<Reference>,
    pub encounter: Option<Reference>,
    pub authored_on: Option<String>,
    #[serde(default)]
    pub dosage_instruction: Vec<Dosage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllergyReaction {
    #[serde(default)]
    pub manifestation: Vec<CodeableConcept>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllergyIntolerance {
    pub clinical_status: Option<CodeableConcept>,
    pub criticality: Option<String>,
    #[serde(default)]
    pub category: Vec<String>,
    pub code: Option<CodeableConcept>,
    pub patient: Option<Reference>,
    pub encounter: Option<Reference>,
    pub recorded_date: Option<String>,
    #[serde(default)]
    pub reaction: Vec<AllergyReaction>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Immunization {
    pub status: Option<String>,
    pub vaccine_code: Option<CodeableConcept>,
    pub patient: Option<Reference>,
    pub encounter: Option<Reference>,
    pub occurrence_date_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub status: Option<String>,
    pub code: Option<CodeableConcept>,
    pub subject: Option<Reference>,
    pub encounter: Option<Reference>,
    pub performed_date_time: Option<String>,
    pub performed_period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CarePlan {
    pub status: Option<String>,
    #[serde(default)]
    pub category: Vec<CodeableConcept>,
    pub subject: Option<Reference>,
    pub encounter: Option<Reference>,
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Goal {
    pub lifecycle_status: Option<String>,
    pub description: Option<CodeableConcept>,
    pub subject: Option<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppointmentParticipant {
    pub actor: Option<Reference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub status: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub service_type: Vec<CodeableConcept>,
    pub start: Option<String>,
    pub end: Option<String>,
    #[serde(default)]
    pub participant: Vec<AppointmentParticipant>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Claim {
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    pub patient: Option<Reference>,
    pub created: Option<String>,
    pub total: Option<Money>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EobTotal {
    pub category: Option<CodeableConcept>,
    pub amount: Option<Money>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EobPayment {
    pub amount: Option<Money>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExplanationOfBenefit {
    pub status: Option<String>,
    pub patient: Option<Reference>,
    pub claim: Option<Reference>,
    pub created: Option<String>,
    #[serde(default)]
    pub total: Vec<EobTotal>,
    pub payment: Option<EobPayment>,
}

impl CodeableConcept {
    /// The first coding, with the concept's text as display when the coding has none.
    pub fn first(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
        let coding = self.coding.first();
        let display = coding
            .and_then(|c| c.display.as_deref())
            .or(self.text.as_deref());
        (
            coding.and_then(|c| c.system.as_deref()),
            coding.and_then(|c| c.code.as_deref()),
            display,
        )
    }

    pub fn first_code(&self) -> Option<&str> {
        self.coding.iter().find_map(|c| c.code.as_deref())
    }
}
