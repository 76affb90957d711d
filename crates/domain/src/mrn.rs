use std::fmt;

/// A medical record number, unique within one organization.
///
/// MRNs come from the EHR, so their format varies by practice: we accept letters, digits and
/// the separators `-`, `.` and `/`, trimmed, between 1 and 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mrn(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrnError {
    #[error("the medical record number is empty")]
    Empty,
    #[error("the medical record number is longer than 64 characters")]
    TooLong,
    #[error("the medical record number may hold only letters, digits, '-', '.' and '/'")]
    InvalidCharacter,
}

impl Mrn {
    pub fn parse(input: &str) -> Result<Self, MrnError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(MrnError::Empty);
        }
        if trimmed.chars().count() > 64 {
            return Err(MrnError::TooLong);
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/'))
        {
            return Err(MrnError::InvalidCharacter);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_keeps_separators() {
        assert_eq!(Mrn::parse("  AB-12.3/4 ").unwrap().as_str(), "AB-12.3/4");
    }

    #[test]
    fn rejects_bad_values() {
        assert_eq!(Mrn::parse("   "), Err(MrnError::Empty));
        assert_eq!(Mrn::parse("12 34"), Err(MrnError::InvalidCharacter));
        assert_eq!(Mrn::parse(&"9".repeat(65)), Err(MrnError::TooLong));
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(s in "\\PC{0,80}") {
            if let Ok(mrn) = Mrn::parse(&s) {
                prop_assert_eq!(Mrn::parse(mrn.as_str()).unwrap(), mrn);
            }
        }
    }
}
