//! FHIR's `date` and `dateTime`: a year, a year and month, a date, or a date and time with
//! an offset. Partial values are taken at their first instant, in UTC.

use jiff::{Timestamp, civil::Date, tz::TimeZone};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a FHIR date or dateTime (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)"
)]
pub struct TimeError(pub String);

/// Parses a FHIR `date` (YYYY-MM-DD only: a birth date must be whole).
pub fn parse_date(text: &str) -> Result<Date, TimeError> {
    let text = text.trim();
    if text.len() != 10 {
        return Err(TimeError(text.to_owned()));
    }
    text.parse::<Date>().map_err(|_| TimeError(text.to_owned()))
}

/// Parses a FHIR `dateTime` into the instant it starts at.
pub fn parse_date_time(text: &str) -> Result<Timestamp, TimeError> {
    let text = text.trim();
    let error = || TimeError(text.to_owned());
    if text.contains('T') {
        return text.parse::<Timestamp>().map_err(|_| error());
    }
    let date = match text.len() {
        4 => format!("{text}-01-01"),
        7 => format!("{text}-01"),
        10 => text.to_owned(),
        _ => return Err(error()),
    };
    let date: Date = date.parse().map_err(|_| error())?;
    date.to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|_| error())
}

/// Parses an optional dateTime field.
pub fn parse_opt(text: Option<&String>) -> Result<Option<Timestamp>, TimeError> {
    text.map(|t| parse_date_time(t)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_every_precision() {
        assert_eq!(
            parse_date_time("2009-08-01T04:44:29+00:00")
                .unwrap()
                .to_string(),
            "2009-08-01T04:44:29Z"
        );
        assert_eq!(
            parse_date_time("2009-08-01T00:44:29-04:00")
                .unwrap()
                .to_string(),
            "2009-08-01T04:44:29Z"
        );
        assert_eq!(
            parse_date_time("2009").unwrap().to_string(),
            "2009-01-01T00:00:00Z"
        );
        assert_eq!(
            parse_date_time("2009-08").unwrap().to_string(),
            "2009-08-01T00:00:00Z"
        );
        assert_eq!(parse_date("1950-02-28").unwrap().to_string(), "1950-02-28");
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        assert!(parse_date_time("yesterday").is_err());
        assert!(parse_date_time("2009-13-01").is_err());
        assert!(
            parse_date_time("2009-08-01T04:44:29").is_err(),
            "a time needs an offset"
        );
        assert!(parse_date("1950-02").is_err());
        assert!(parse_date("1950-02-30").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_date_time(&s);
            let _ = parse_date(&s);
        }
    }
}
