//! A patient's request to change the phone number or postal address on their chart. The chart
//! is the EHR's: the portal never changes it; staff make the change in the EHR and the next
//! import brings it back. What the patient types is parsed here into a request that asks for
//! something real, or into every problem found, each naming its field.

/// The US states, the District of Columbia and the territories with ZIP codes, by their
/// postal codes, with their names.
pub const US_STATES: [(&str, &str); 56] = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AS", "American Samoa"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("GU", "Guam"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("MP", "Northern Mariana Islands"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("VI", "U.S. Virgin Islands"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// The longest street line and city a request may carry (a chart's fields are no longer).
pub const MAX_LINE: usize = 100;
pub const MAX_CITY: usize = 60;

/// A US phone number: 10 digits (a leading country code 1 is dropped), written
/// `(555) 123-4567` whatever punctuation was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsPhone(String);

impl UsPhone {
    /// `None` unless the text is 10 digits (or 11 starting with 1) with only spaces, dots,
    /// dashes, brackets and a leading `+` between them.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if !text
            .chars()
            .all(|c| c.is_ascii_digit() || " .-()+/".contains(c))
        {
            return None;
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let digits = match digits.len() {
            10 => digits,
            11 if digits.starts_with('1') => digits[1..].to_owned(),
            _ => return None,
        };
        Some(Self(format!(
            "({}) {}-{}",
            &digits[..3],
            &digits[3..6],
            &digits[6..]
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 10 digits, to compare with a number written another way.
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }
}

/// A US postal address as the patient asks for it: every part present and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    line: String,
    city: String,
    /// The two-letter postal code of a state or territory.
    state: &'static str,
    /// `12345` or `12345-6789`.
    postal_code: String,
}

impl PostalAddress {
    pub fn line(&self) -> &str {
        &self.line
    }
    pub fn city(&self) -> &str {
        &self.city
    }
    pub fn state(&self) -> &str {
        self.state
    }
    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }

    /// Whether the chart already has this address (case, spaces and the ZIP's last four
    /// aside).
    pub fn same_as(
        &self,
        line: Option<&str>,
        city: Option<&str>,
        state: Option<&str>,
        postal_code: Option<&str>,
    ) -> bool {
        let norm = |text: &str| {
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let zip5 = |text: &str| text.trim().chars().take(5).collect::<String>();
        norm(line.unwrap_or_default()) == norm(&self.line)
            && norm(city.unwrap_or_default()) == norm(&self.city)
            && norm(state.unwrap_or_default()) == norm(self.state)
            && zip5(postal_code.unwrap_or_default()) == zip5(&self.postal_code)
    }
}

/// A US ZIP code: 5 digits, or 9 (ZIP+4, with or without its dash), written `12345` or
/// `12345-6789`.
pub fn parse_zip(text: &str) -> Option<String> {
    let text = text.trim();
    if !text.is_ascii() {
        return None;
    }
    let all_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    let (five, four) = match text.len() {
        5 => (text, None),
        9 => (&text[..5], Some(&text[5..])),
        10 if matches!(&text[5..6], "-" | " ") => (&text[..5], Some(&text[6..])),
        _ => return None,
    };
    if !all_digits(five) || !four.is_none_or(all_digits) {
        return None;
    }
    Some(match four {
        None => five.to_owned(),
        Some(four) => format!("{five}-{four}"),
    })
}

/// What the patient typed, before it is checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactChangeForm<'a> {
    pub phone: &'a str,
    pub line: &'a str,
    pub city: &'a str,
    pub state: &'a str,
    pub postal_code: &'a str,
}

/// The chart's current values, to tell a request that changes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct CurrentContact<'a> {
    /// Every phone number on the chart.
    pub phones: &'a [String],
    pub line: Option<&'a str>,
    pub city: Option<&'a str>,
    pub state: Option<&'a str>,
    pub postal_code: Option<&'a str>,
}

/// The form field a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Phone,
    Line,
    City,
    State,
    PostalCode,
    /// The request as a whole.
    Form,
}

/// What is wrong with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactProblem {
    /// Not 10 digits, or letters in it.
    PhoneNotTenDigits,
    LineMissing,
    LineTooLong,
    CityMissing,
    CityTooLong,
    StateMissing,
    StateUnknown,
    PostalCodeMissing,
    PostalCodeInvalid,
    /// Neither a phone number nor an address was typed.
    NothingAsked,
    /// What was typed is what the chart already has.
    NothingChanges,
}

impl ContactProblem {
    pub fn field(self) -> ContactField {
        match self {
            Self::PhoneNotTenDigits => ContactField::Phone,
            Self::LineMissing | Self::LineTooLong => ContactField::Line,
            Self::CityMissing | Self::CityTooLong => ContactField::City,
            Self::StateMissing | Self::StateUnknown => ContactField::State,
            Self::PostalCodeMissing | Self::PostalCodeInvalid => ContactField::PostalCode,
            Self::NothingAsked | Self::NothingChanges => ContactField::Form,
        }
    }
}

/// A checked request: a new phone number, a new address, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChange {
    phone: Option<UsPhone>,
    address: Option<PostalAddress>,
}

impl ContactChange {
    /// Checks every field and answers every problem at once, in the form's order. An
    /// address is asked for whole: one part typed makes the others required. A part equal to
    /// the chart's is no change: a request must change something.
    pub fn parse(
        form: &ContactChangeForm<'_>,
        current: &CurrentContact<'_>,
    ) -> Result<Self, Vec<ContactProblem>> {
        let mut problems = Vec::new();
        let phone = match form.phone.trim() {
            "" => None,
            typed => match UsPhone::parse(typed) {
                Some(phone) => Some(phone),
                None => {
                    problems.push(ContactProblem::PhoneNotTenDigits);
                    None
                }
            },
        };
        let parts = [form.line, form.city, form.state, form.postal_code];
        let address = if parts.iter().all(|p| p.trim().is_empty()) {
            None
        } else {
            let line = clean(form.line);
            let city = clean(form.city);
            match line.chars().count() {
                0 => problems.push(ContactProblem::LineMissing),
                n if n > MAX_LINE => problems.push(ContactProblem::LineTooLong),
                _ => {}
            }
            match city.chars().count() {
                0 => problems.push(ContactProblem::CityMissing),
                n if n > MAX_CITY => problems.push(ContactProblem::CityTooLong),
                _ => {}
            }
            let state = match form.state.trim() {
                "" => {
                    problems.push(ContactProblem::StateMissing);
                    None
                }
                typed => {
                    let found = US_STATES
                        .iter()
                        .find(|(code, name)| {
                            code.eq_ignore_ascii_case(typed) || name.eq_ignore_ascii_case(typed)
                        })
                        .map(|(code, _)| *code);
                    if found.is_none() {
                        problems.push(ContactProblem::StateUnknown);
                    }
                    found
                }
            };
            let postal_code = match form.postal_code.trim() {
                "" => {
                    problems.push(ContactProblem::PostalCodeMissing);
                    None
                }
                typed => {
                    let zip = parse_zip(typed);
                    if zip.is_none() {
                        problems.push(ContactProblem::PostalCodeInvalid);
                    }
                    zip
                }
            };
            match (state, postal_code) {
                (Some(state), Some(postal_code)) => Some(PostalAddress {
                    line,
                    city,
                    state,
                    postal_code,
                }),
                _ => None,
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let phone = phone.filter(|phone| {
            !current.phones.iter().any(|on_chart| {
                let digits: String = on_chart.chars().filter(char::is_ascii_digit).collect();
                let digits = digits
                    .strip_prefix('1')
                    .filter(|d| d.len() == 10)
                    .unwrap_or(&digits);
                digits == phone.digits()
            })
        });
        let address = address.filter(|address| {
            !address.same_as(
                current.line,
                current.city,
                current.state,
                current.postal_code,
            )
        });
        match (&phone, &address) {
            (None, None)
                if form.phone.trim().is_empty() && parts.iter().all(|p| p.trim().is_empty()) =>
            {
                Err(vec![ContactProblem::NothingAsked])
            }
            (None, None) => Err(vec![ContactProblem::NothingChanges]),
            _ => Ok(Self { phone, address }),
        }
    }

    pub fn phone(&self) -> Option<&UsPhone> {
        self.phone.as_ref()
    }

    pub fn address(&self) -> Option<&PostalAddress> {
        self.address.as_ref()
    }
}

/// Spaces trimmed and runs of them made one.
fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(phone: &'a str, address: [&'a str; 4]) -> ContactChangeForm<'a> {
        ContactChangeForm {
            phone,
            line: address[0],
            city: address[1],
            state: address[2],
            postal_code: address[3],
        }
    }

    const NONE: [&str; 4] = ["", "", "", ""];

    #[test]
    fn a_phone_is_ten_digits_whatever_the_punctuation() {
        for typed in [
            "555-123-4567",
            "(555) 123-4567",
            "555.123.4567",
            "5551234567",
            "+1 555 123 4567",
            "1-555-123-4567",
        ] {
            assert_eq!(
                UsPhone::parse(typed).map(|p| p.as_str().to_owned()),
                Some("(555) 123-4567".to_owned()),
                "{typed}"
            );
        }
        for bad in [
            "555-1234",
            "555-123-45678",
            "call me",
            "555-CALL-NOW",
            "2-555-123-4567",
            "",
        ] {
            assert_eq!(UsPhone::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_zip_is_five_or_nine_digits() {
        assert_eq!(parse_zip("02139").as_deref(), Some("02139"));
        assert_eq!(parse_zip("02139-4307").as_deref(), Some("02139-4307"));
        assert_eq!(parse_zip("021394307").as_deref(), Some("02139-4307"));
        for bad in [
            "2139",
            "021390",
            "02139-43",
            "ABCDE",
            "02-139",
            "0213-94307",
            "0213-94307-1",
            "",
            "é1234",
        ] {
            assert!(parse_zip(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn an_address_is_asked_for_whole_and_each_part_checked() {
        let current = CurrentContact::default();
        let problems =
            ContactChange::parse(&form("", ["12 Oak St", "", "", ""]), &current).unwrap_err();
        assert_eq!(
            problems,
            [
                ContactProblem::CityMissing,
                ContactProblem::StateMissing,
                ContactProblem::PostalCodeMissing
            ]
        );
        let long = "x".repeat(MAX_LINE + 1);
        let problems = ContactChange::parse(
            &form("12", [long.as_str(), "Boston", "ZZ", "1234"]),
            &current,
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                ContactProblem::PhoneNotTenDigits,
                ContactProblem::LineTooLong,
                ContactProblem::StateUnknown,
                ContactProblem::PostalCodeInvalid
            ]
        );
        let ok = ContactChange::parse(
            &form("", ["  12   Oak St ", "Boston", "ma", "02139"]),
            &current,
        )
        .unwrap();
        let address = ok.address().unwrap();
        assert_eq!(
            (address.line(), address.city(), address.state()),
            ("12 Oak St", "Boston", "MA")
        );
        assert!(ok.phone().is_none());
        let by_name =
            ContactChange::parse(&form("", ["1 Main", "Austin", "Texas", "78701"]), &current)
                .unwrap();
        assert_eq!(by_name.address().unwrap().state(), "TX");
    }

    #[test]
    fn a_request_must_change_something() {
        let phones = ["555-010-2000".to_owned()];
        let current = CurrentContact {
            phones: &phones,
            line: Some("12 Oak St"),
            city: Some("Boston"),
            state: Some("MA"),
            postal_code: Some("02139-4307"),
        };
        assert_eq!(
            ContactChange::parse(&form("", NONE), &current).unwrap_err(),
            [ContactProblem::NothingAsked]
        );
        assert_eq!(
            ContactChange::parse(
                &form("(555) 010 2000", ["12 oak st", "BOSTON", "MA", "02139"]),
                &current
            )
            .unwrap_err(),
            [ContactProblem::NothingChanges]
        );
        // The same phone with a new address asks for the address only.
        let change = ContactChange::parse(
            &form("555 010 2000", ["9 Elm St", "Boston", "MA", "02139"]),
            &current,
        )
        .unwrap();
        assert!(change.phone().is_none() && change.address().is_some());
        let change = ContactChange::parse(&form("555 010 2001", NONE), &current).unwrap();
        assert_eq!(change.phone().unwrap().as_str(), "(555) 010-2001");
    }
}
