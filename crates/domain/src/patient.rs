use jiff::{Timestamp, civil::Date};

use crate::{Mrn, PersonName, Sex};

/// A postal address as the chart records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// A patient's demographics as the EHR sends them. The SSN is never part of it: only the
/// keyed hash of its last four digits, computed at the edge.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientChart {
    pub name: PersonName,
    pub birth_date: Date,
    pub sex: Sex,
    /// Whether the EHR records the patient as deceased, and when if it says.
    pub deceased: bool,
    pub deceased_at: Option<Timestamp>,
    pub mrn: Option<Mrn>,
    pub ssn_last4_hash: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Address,
    /// BCP 47 language tag of the patient's preferred language, e.g. `es`.
    pub language: Option<String>,
}
