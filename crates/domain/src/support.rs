//! Support requests from people who cannot sign in (issue 16, point 2): what they may ask
//! about, how they are reached back, where a request stands, and the reference they are
//! given. A request is never matched against the charts: the answer and its timing are the
//! same for anyone, so the form cannot tell whether someone is a patient.

use crate::email::Email;

/// The longest name and details kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DETAILS_CHARS: usize = 2000;

/// What the person needs help with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupportTopic {
    CantSignIn,
    NoInvitation,
    InfoWrong,
    Other,
}

impl SupportTopic {
    pub const ALL: [Self; 4] = [
        Self::CantSignIn,
        Self::NoInvitation,
        Self::InfoWrong,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CantSignIn => "cant-sign-in",
            Self::NoInvitation => "no-invitation",
            Self::InfoWrong => "info-wrong",
            Self::Other => "other",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|topic| topic.as_str() == key)
    }

    /// The topic in staff's words.
    pub fn staff_label(self) -> &'static str {
        match self {
            Self::CantSignIn => "Can't sign in",
            Self::NoInvitation => "Didn't get an invitation",
            Self::InfoWrong => "Information is wrong",
            Self::Other => "Something else",
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupportStatus {
    /// Nobody has looked at it yet.
    New,
    /// Staff are working on it (the requester is told).
    InProgress,
    /// Done (the requester is told).
    Closed,
}

impl SupportStatus {
    pub const ALL: [Self; 3] = [Self::New, Self::InProgress, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::InProgress => "in-progress",
            Self::Closed => "closed",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == key)
    }

    pub fn staff_label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::InProgress => "In progress",
            Self::Closed => "Closed",
        }
    }
}

/// A field of the form that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportField {
    Topic,
    Name,
    Email,
    Phone,
    /// Neither an email address nor a phone number.
    Contact,
    Details,
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportProblem {
    TopicMissing,
    NameMissing,
    NameTooLong,
    EmailInvalid,
    PhoneNotTenDigits,
    NoWayToReach,
    DetailsTooLong,
}

/// A request as typed, every value still text.
#[derive(Debug, Clone, Default)]
pub struct SupportForm<'a> {
    pub topic: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub details: &'a str,
}

/// A request checked: a topic, a name, at least one way to reach the person back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportRequest {
    pub topic: SupportTopic,
    pub name: String,
    pub email: Option<Email>,
    /// Ten digits.
    pub phone: Option<String>,
    pub details: Option<String>,
}

/// Spaces tidied, control characters out (line breaks kept where `lines`).
fn tidy(text: &str, lines: bool) -> String {
    let kept: String = text
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| (lines && *c == '\n') || !c.is_control())
        .collect();
    if lines {
        kept.trim().to_owned()
    } else {
        kept.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl SupportRequest {
    /// Checks every field, naming each problem.
    pub fn parse(form: &SupportForm<'_>) -> Result<Self, Vec<(SupportField, SupportProblem)>> {
        let mut problems = Vec::new();
        let topic = SupportTopic::parse(form.topic.trim());
        if topic.is_none() {
            problems.push((SupportField::Topic, SupportProblem::TopicMissing));
        }
        let name = tidy(form.name, false);
        if name.is_empty() {
            problems.push((SupportField::Name, SupportProblem::NameMissing));
        } else if name.chars().count() > MAX_NAME_CHARS {
            problems.push((SupportField::Name, SupportProblem::NameTooLong));
        }
        let email = match form.email.trim() {
            "" => None,
            typed => match Email::parse(typed) {
                Ok(email) => Some(email),
                Err(_) => {
                    problems.push((SupportField::Email, SupportProblem::EmailInvalid));
                    None
                }
            },
        };
        let digits: String = form.phone.chars().filter(char::is_ascii_digit).collect();
        let digits = match digits.strip_prefix('1') {
            Some(rest) if rest.len() == 10 => rest.to_owned(),
            _ => digits,
        };
        let phone = match (form.phone.trim().is_empty(), digits.len()) {
            (true, _) => None,
            (false, 10) => Some(digits),
            (false, _) => {
                problems.push((SupportField::Phone, SupportProblem::PhoneNotTenDigits));
                None
            }
        };
        if form.email.trim().is_empty() && form.phone.trim().is_empty() {
            problems.push((SupportField::Contact, SupportProblem::NoWayToReach));
        }
        let details = tidy(form.details, true);
        if details.chars().count() > MAX_DETAILS_CHARS {
            problems.push((SupportField::Details, SupportProblem::DetailsTooLong));
        }
        match (topic, problems.is_empty()) {
            (Some(topic), true) => Ok(Self {
                topic,
                name,
                email,
                phone,
                details: Some(details).filter(|d| !d.is_empty()),
            }),
            _ => Err(problems),
        }
    }
}

/// The letters of a reference: no 0/O, 1/I/L, 5/S, 2/Z, 8/B to misread over the phone.
const REFERENCE_LETTERS: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";

/// A reference people can read over the phone ("S-K7QX-4MTD"), from random bytes.
pub fn reference(random: [u8; 8]) -> String {
    let letters: String = random
        .iter()
        .map(|b| REFERENCE_LETTERS[usize::from(*b) % REFERENCE_LETTERS.len()] as char)
        .collect();
    format!("S-{}-{}", &letters[..4], &letters[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(topic: &'a str, name: &'a str, email: &'a str, phone: &'a str) -> SupportForm<'a> {
        SupportForm {
            topic,
            name,
            email,
            phone,
            details: "",
        }
    }

    fn problems(form: &SupportForm<'_>) -> Vec<SupportProblem> {
        SupportRequest::parse(form)
            .unwrap_err()
            .into_iter()
            .map(|(_, problem)| problem)
            .collect()
    }

    #[test]
    fn a_request_needs_a_topic_a_name_and_a_way_back() {
        let request =
            SupportRequest::parse(&form("cant-sign-in", "  Ana   Ruiz ", "", "(555) 010-2000"))
                .unwrap();
        assert_eq!(request.name, "Ana Ruiz");
        assert_eq!(request.phone.as_deref(), Some("5550102000"));
        assert_eq!(request.email, None);
        let request =
            SupportRequest::parse(&form("other", "Ana", "ana@example.org", "1-555-010-2000"))
                .unwrap();
        assert_eq!(request.phone.as_deref(), Some("5550102000"));
        assert!(request.email.is_some());

        assert_eq!(
            problems(&form("", "Ana", "ana@example.org", "")),
            [SupportProblem::TopicMissing]
        );
        assert_eq!(
            problems(&form("nope", " ", "", "")),
            [
                SupportProblem::TopicMissing,
                SupportProblem::NameMissing,
                SupportProblem::NoWayToReach
            ]
        );
        assert_eq!(
            problems(&form("other", "Ana", "ana@", "555-1234")),
            [
                SupportProblem::EmailInvalid,
                SupportProblem::PhoneNotTenDigits
            ]
        );
        assert_eq!(
            problems(&form("other", &"a".repeat(101), "a@example.org", "")),
            [SupportProblem::NameTooLong]
        );
        let long = "x".repeat(2001);
        let too_long = SupportForm {
            details: &long,
            ..form("other", "Ana", "a@example.org", "")
        };
        assert_eq!(problems(&too_long), [SupportProblem::DetailsTooLong]);
    }

    #[test]
    fn details_keep_their_lines_and_lose_control_characters() {
        let request = SupportRequest::parse(&SupportForm {
            details: "  I moved.\r\nNew phone:\u{0} 555\u{1b}  ",
            ..form("info-wrong", "Ana", "", "5550102000")
        })
        .unwrap();
        assert_eq!(request.details.as_deref(), Some("I moved.\nNew phone: 555"));
    }

    #[test]
    fn references_read_over_the_phone() {
        let one = reference([0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(one.len(), 11);
        assert!(one.starts_with("S-") && one.as_bytes()[6] == b'-');
        assert!(
            one[2..]
                .chars()
                .all(|c| c == '-' || REFERENCE_LETTERS.contains(&(c as u8)))
        );
        assert_ne!(one, reference([7, 6, 5, 4, 3, 2, 1, 0]));
        for confusable in ['0', 'O', '1', 'I', 'L', '5', 'S', '2', 'Z', '8', 'B'] {
            assert!(
                !REFERENCE_LETTERS.contains(&(confusable as u8)),
                "{confusable}"
            );
        }
    }
}
