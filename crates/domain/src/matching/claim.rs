//! What the patient typed ([`IdentityClaim`]) and what the chart says ([`ChartIdentity`]).

use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};

use super::normalize::name_key;
use crate::{Mrn, MrnError, PatientChart};

/// The enrollment form as submitted: raw text, not yet trusted. Optional fields that are blank
/// count as not given.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimForm<'a> {
    /// Legal first name, optionally followed by middle names.
    pub given: &'a str,
    /// Legal last name.
    pub family: &'a str,
    /// `YYYY-MM-DD`, as an HTML date input sends it.
    pub birth_date: &'a str,
    pub mrn: Option<&'a str>,
    pub ssn_last4: Option<&'a str>,
    pub postal_code: Option<&'a str>,
}

/// Why a form could not become a claim; one variant per field, in the patient's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("first name: {0}")]
    Given(NameFieldError),
    #[error("last name: {0}")]
    Family(NameFieldError),
    #[error("the date of birth must be a real date, written as YYYY-MM-DD")]
    BirthDate,
    #[error(transparent)]
    Mrn(#[from] MrnError),
    #[error("the last four digits of the social security number must be four digits")]
    SsnLast4,
    #[error("the ZIP code must have 5 digits, or 9 written as 12345-6789")]
    PostalCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameFieldError {
    #[error("please enter it")]
    Empty,
    #[error("it must contain letters")]
    NoLetters,
    #[error("it can have at most 200 characters")]
    TooLong,
}

/// Who the patient says they are: parsed, so every field is known to be well formed.
/// The SSN digits are a secret: they are never printed and only ever leave as a keyed hash.
#[derive(Clone)]
pub struct IdentityClaim {
    given: String,
    family: String,
    birth_date: Date,
    mrn: Option<Mrn>,
    ssn_last4: Option<SecretString>,
    postal_code: Option<String>,
}

impl IdentityClaim {
    pub fn parse(form: ClaimForm<'_>) -> Result<Self, ClaimError> {
        let given = parse_name(form.given).map_err(ClaimError::Given)?;
        let family = parse_name(form.family).map_err(ClaimError::Family)?;
        let birth_date = form
            .birth_date
            .trim()
            .parse::<Date>()
            .map_err(|_| ClaimError::BirthDate)?;
        let mrn = given_text(form.mrn).map(Mrn::parse).transpose()?;
        let ssn_last4 = given_text(form.ssn_last4)
            .map(parse_ssn_last4)
            .transpose()?;
        let postal_code = given_text(form.postal_code)
            .map(parse_postal_code)
            .transpose()?;
        Ok(Self {
            given,
            family,
            birth_date,
            mrn,
            ssn_last4,
            postal_code,
        })
    }

    pub fn given(&self) -> &str {
        &self.given
    }

    pub fn family(&self) -> &str {
        &self.family
    }

    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    pub fn mrn(&self) -> Option<&Mrn> {
        self.mrn.as_ref()
    }

    /// Whether the patient gave the last four digits of their SSN.
    pub fn has_ssn_last4(&self) -> bool {
        self.ssn_last4.is_some()
    }

    /// The five-digit ZIP code, if given.
    pub fn postal_code(&self) -> Option<&str> {
        self.postal_code.as_deref()
    }

    /// The birth dates a chart must have to be considered at all by
    /// [`search`](super::search): the claim's own and, when it is a different real date, the
    /// one with day and month swapped (so that such a near-miss is seen, and refused). A
    /// storage query may select by these dates without changing the outcome.
    pub fn candidate_birth_dates(&self) -> Vec<Date> {
        let mut dates = vec![self.birth_date];
        dates.extend(day_month_swapped(self.birth_date));
        dates
    }

    /// The keyed hash of the SSN digits, computed by the caller's `hasher`
    /// (`domain::ssn_last4_hash` with the server key).
    pub(crate) fn ssn_last4_hash(&self, hasher: impl Fn(&str) -> String) -> Option<String> {
        self.ssn_last4
            .as_ref()
            .map(|digits| hasher(digits.expose_secret()))
    }
}

impl std::fmt::Debug for IdentityClaim {
    // Names and dates are health information too, but staff tools print claims; the SSN
    // digits never.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityClaim")
            .field("given", &self.given)
            .field("family", &self.family)
            .field("birth_date", &self.birth_date)
            .field("mrn", &self.mrn)
            .field("ssn_last4", &self.ssn_last4.as_ref().map(|_| "[redacted]"))
            .field("postal_code", &self.postal_code)
            .finish()
    }
}

/// The same date with day and month exchanged, when that is another real date.
pub(crate) fn day_month_swapped(date: Date) -> Option<Date> {
    if date.day() == date.month() {
        return None;
    }
    Date::new(date.year(), date.day(), date.month()).ok()
}

fn given_text(field: Option<&str>) -> Option<&str> {
    field.map(str::trim).filter(|text| !text.is_empty())
}

fn parse_name(raw: &str) -> Result<String, NameFieldError> {
    let tidied = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if tidied.is_empty() {
        return Err(NameFieldError::Empty);
    }
    if tidied.chars().count() > 200 {
        return Err(NameFieldError::TooLong);
    }
    // A name that normalizes to nothing could otherwise "equal" another empty one.
    if name_key(&tidied).is_empty() {
        return Err(NameFieldError::NoLetters);
    }
    Ok(tidied)
}

fn parse_ssn_last4(raw: &str) -> Result<SecretString, ClaimError> {
    if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(SecretString::from(raw))
    } else {
        Err(ClaimError::SsnLast4)
    }
}

fn parse_postal_code(raw: &str) -> Result<String, ClaimError> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if matches!(digits.len(), 5 | 9) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits[..5].to_owned())
    } else {
        Err(ClaimError::PostalCode)
    }
}

/// The identity fields of one chart, as the EHR recorded them. Only the keyed hash of the
/// SSN's last four digits is kept (`domain::ssn_last4_hash`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartIdentity {
    /// First name, then middle names.
    pub given: Vec<String>,
    pub family: String,
    pub birth_date: Date,
    pub mrn: Option<String>,
    pub ssn_last4_hash: Option<String>,
    pub postal_code: Option<String>,
}

impl ChartIdentity {
    /// The chart's ZIP code in the claim's form (five digits), or as recorded, upper case and
    /// without spaces, when it is not a US ZIP code.
    pub(crate) fn comparable_postal_code(&self) -> Option<String> {
        let raw = self.postal_code.as_deref()?;
        let tidy: String = raw
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect();
        if tidy.is_empty() {
            return None;
        }
        let is_zip = matches!(tidy.len(), 5 | 9) && tidy.bytes().all(|b| b.is_ascii_digit());
        Some(if is_zip { tidy[..5].to_owned() } else { tidy })
    }
}

impl From<&PatientChart> for ChartIdentity {
    fn from(chart: &PatientChart) -> Self {
        Self {
            given: chart.name.given().to_vec(),
            family: chart.name.family().to_owned(),
            birth_date: chart.birth_date,
            mrn: chart.mrn.as_ref().map(|mrn| mrn.as_str().to_owned()),
            ssn_last4_hash: chart.ssn_last4_hash.clone(),
            postal_code: chart.address.postal_code.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn form() -> ClaimForm<'static> {
        ClaimForm {
            given: " Ana ",
            family: "García",
            birth_date: "1980-03-04",
            mrn: Some(" PL0000042 "),
            ssn_last4: Some("6789"),
            postal_code: Some("78701-1234"),
        }
    }

    #[test]
    fn parses_a_complete_form() {
        let claim = IdentityClaim::parse(form()).unwrap();
        assert_eq!(claim.given(), "Ana");
        assert_eq!(claim.birth_date(), date(1980, 3, 4));
        assert_eq!(claim.mrn().unwrap().as_str(), "PL0000042");
        assert_eq!(claim.postal_code(), Some("78701"));
        assert!(claim.has_ssn_last4());
        assert!(!format!("{claim:?}").contains("6789"));
    }

    #[test]
    fn blank_optional_fields_are_not_given() {
        let claim = IdentityClaim::parse(ClaimForm {
            mrn: Some("  "),
            ssn_last4: None,
            postal_code: Some(""),
            ..form()
        })
        .unwrap();
        assert!(claim.mrn().is_none() && !claim.has_ssn_last4());
        assert!(claim.postal_code().is_none());
    }

    #[test]
    fn each_field_has_its_own_error() {
        let cases = [
            (
                ClaimForm {
                    given: "  ",
                    ..form()
                },
                ClaimError::Given(NameFieldError::Empty),
            ),
            (
                ClaimForm {
                    family: "123",
                    ..form()
                },
                ClaimError::Family(NameFieldError::NoLetters),
            ),
            (
                ClaimForm {
                    birth_date: "1980-02-30",
                    ..form()
                },
                ClaimError::BirthDate,
            ),
            (
                ClaimForm {
                    mrn: Some("12 34"),
                    ..form()
                },
                ClaimError::Mrn(MrnError::InvalidCharacter),
            ),
            (
                ClaimForm {
                    ssn_last4: Some("12a4"),
                    ..form()
                },
                ClaimError::SsnLast4,
            ),
            (
                ClaimForm {
                    postal_code: Some("7870"),
                    ..form()
                },
                ClaimError::PostalCode,
            ),
        ];
        for (form, expected) in cases {
            assert_eq!(IdentityClaim::parse(form).unwrap_err(), expected);
        }
    }

    #[test]
    fn swapped_birth_dates_are_candidates() {
        let claim = IdentityClaim::parse(form()).unwrap();
        assert_eq!(
            claim.candidate_birth_dates(),
            [date(1980, 3, 4), date(1980, 4, 3)]
        );
        assert_eq!(day_month_swapped(date(1980, 3, 3)), None);
        assert_eq!(day_month_swapped(date(1980, 3, 24)), None);
    }

    #[test]
    fn chart_postal_codes_compare_as_five_digits() {
        let mut chart = ChartIdentity {
            given: vec!["Ana".into()],
            family: "García".into(),
            birth_date: date(1980, 3, 4),
            mrn: None,
            ssn_last4_hash: None,
            postal_code: Some("78701-1234".into()),
        };
        assert_eq!(chart.comparable_postal_code().as_deref(), Some("78701"));
        chart.postal_code = Some("k1a 0b1".into());
        assert_eq!(chart.comparable_postal_code().as_deref(), Some("K1A0B1"));
        chart.postal_code = Some(" ".into());
        assert_eq!(chart.comparable_postal_code(), None);
    }
}
