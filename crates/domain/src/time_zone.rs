//! The practice's time zone: every date and time a patient reads is in it.

use jiff::tz::TimeZone;

/// An IANA time zone name that the time zone database knows, such as `America/New_York`.
/// Kept as the database spells it, so that `america/new_york` is stored as
/// `America/New_York`.
#[derive(Debug, Clone)]
pub struct PracticeTimeZone {
    name: String,
    zone: TimeZone,
}

/// Two zones are the same when their names are.
impl PartialEq for PracticeTimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for PracticeTimeZone {}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeZoneError {
    #[error("Enter a time zone, such as America/New_York.")]
    Empty,
    #[error(
        "\"{0}\" is not a time zone we know. Use a name such as America/New_York or America/Chicago."
    )]
    Unknown(String),
}

impl PracticeTimeZone {
    pub fn parse(text: &str) -> Result<Self, TimeZoneError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TimeZoneError::Empty);
        }
        // Only names from the database: an offset such as "-05:00" or a POSIX rule would not
        // follow daylight saving time the way the practice's clocks do.
        let zone = TimeZone::get(text).map_err(|_| TimeZoneError::Unknown(text.to_owned()))?;
        let name = zone.iana_name().unwrap_or(text).to_owned();
        Ok(Self { name, zone })
    }

    /// The zone of the machine the portal runs on, or UTC when it cannot be told: what a
    /// practice that has not chosen one gets.
    pub fn server_default() -> Self {
        let zone = TimeZone::system();
        let name = zone.iana_name().unwrap_or("UTC").to_owned();
        Self { name, zone }
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_kept_as_the_database_spells_them() {
        let zone = PracticeTimeZone::parse(" america/new_york ").unwrap();
        assert_eq!(zone.name(), "America/New_York");
        let noon = jiff::civil::date(2026, 7, 1)
            .at(16, 0, 0, 0)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp();
        assert_eq!(
            noon.to_zoned(zone.zone().clone()).hour(),
            12,
            "daylight time"
        );
        assert_eq!(PracticeTimeZone::parse("UTC").unwrap().name(), "UTC");
    }

    #[test]
    fn anything_else_is_refused_by_name() {
        assert_eq!(PracticeTimeZone::parse("  "), Err(TimeZoneError::Empty));
        for bad in [
            "Mars/Olympus_Mons",
            "-05:00",
            "EST5EDT,M3.2.0,M11.1.0",
            "New York",
        ] {
            assert_eq!(
                PracticeTimeZone::parse(bad),
                Err(TimeZoneError::Unknown(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_server_default_has_a_name() {
        assert!(!PracticeTimeZone::server_default().name().is_empty());
    }
}
