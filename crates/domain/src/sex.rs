use serde::{Deserialize, Serialize};

/// Administrative sex as FHIR records it (`Patient.gender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Sex {
    /// Reads a FHIR `AdministrativeGender` code; anything unrecognised is `Unknown`.
    pub fn from_fhir(code: &str) -> Self {
        match code {
            "female" => Self::Female,
            "male" => Self::Male,
            "other" => Self::Other,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }
}
