//! Requests to amend the record (HIPAA, 45 CFR 164.526).
//!
//! A patient proposes a correction to an item of their record, with a reason. The practice
//! must act within 60 days of receiving the request, and may extend that once, by at most 30
//! days, if it tells the patient in writing why and by when it will act. It accepts (the item
//! is then shown with the amendment, and the amendment goes back to the EHR) or denies in
//! writing on one of the grounds the rule allows, stating the patient's rights. After a
//! denial the patient may file a statement of disagreement, kept with the item; the practice
//! may answer it with a rebuttal, which the patient is sent.
//!
//! The rules and the clock live here; storage keeps each step, and the pages show them. Days
//! are the practice's calendar days ([`Date`]): "received" is the day the request arrived in
//! the practice's time zone.

use jiff::{ToSpan, civil::Date};

/// Days the practice has to act, from the day it received the request.
pub const DAYS_TO_ACT: i64 = 60;
/// The one extension the rule allows, at most.
pub const EXTENSION_DAYS: i64 = 30;
/// Staff are warned when a deadline is this close.
pub const WARN_DAYS: i64 = 10;
/// The longest text a patient or staff member may write in one field.
pub const MAX_TEXT_CHARS: usize = 4000;

/// The grounds on which 45 CFR 164.526(a)(2) lets a practice deny an amendment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenialGround {
    /// The practice did not create the item (unless its author is no longer available).
    NotCreatedHere,
    /// The item is not part of the designated record set.
    NotInRecordSet,
    /// The item is not one the patient may inspect (45 CFR 164.524).
    NotOpenToAccess,
    /// The item is accurate and complete.
    AccurateAndComplete,
}

impl DenialGround {
    pub const ALL: [Self; 4] = [
        Self::NotCreatedHere,
        Self::NotInRecordSet,
        Self::NotOpenToAccess,
        Self::AccurateAndComplete,
    ];

    /// The key kept in storage and sent by forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotCreatedHere => "not-created-here",
            Self::NotInRecordSet => "not-in-record-set",
            Self::NotOpenToAccess => "not-open-to-access",
            Self::AccurateAndComplete => "accurate-and-complete",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ground| ground.as_str() == key)
    }

    /// In staff's words, for the choice on the denial form.
    pub fn staff_label(self) -> &'static str {
        match self {
            Self::NotCreatedHere => "Our practice did not create this information",
            Self::NotInRecordSet => "It is not part of the designated record set",
            Self::NotOpenToAccess => "It is not information the patient may inspect",
            Self::AccurateAndComplete => "It is accurate and complete",
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AmendmentStatus {
    /// Waiting for the practice.
    Open,
    Accepted,
    Denied(DenialGround),
}

impl AmendmentStatus {
    /// The key kept in storage (a denial's ground is kept beside it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Accepted => "accepted",
            Self::Denied(_) => "denied",
        }
    }
}

/// Why a step cannot be taken, or a text cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmendmentError {
    #[error("this request has already been answered")]
    NotOpen,
    #[error("the deadline has already been extended once; the rule allows one extension")]
    AlreadyExtended,
    #[error("the deadline has passed; an extension must be made before it")]
    PastDeadline,
    #[error("only a denied request can have a statement of disagreement")]
    NotDenied,
    #[error("a statement of disagreement has already been filed")]
    DisagreementFiled,
    #[error("a rebuttal answers a statement of disagreement, and there is none")]
    NoDisagreement,
    #[error("a rebuttal has already been written")]
    RebuttalWritten,
    #[error("{0}: please write it")]
    Empty(&'static str),
    #[error("{0}: it can have at most 4000 characters")]
    TooLong(&'static str),
}

/// Text a patient or staff member wrote for one field of a request (the correction, the
/// reason, a denial's explanation, a statement, a rebuttal): trimmed, not empty, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendmentText(String);

impl AmendmentText {
    /// `field` names the field in the error ("reason").
    pub fn parse(field: &'static str, text: &str) -> Result<Self, AmendmentError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AmendmentError::Empty(field));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(AmendmentError::TooLong(field));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a request stands against its deadline on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Open, with this many days left (0: due today).
    OnTime { days_left: i64 },
    /// Open, and the deadline is at most [`WARN_DAYS`] away.
    DueSoon { days_left: i64 },
    /// Open past its deadline by this many days.
    Overdue { days_late: i64 },
    /// Answered: no clock runs.
    Answered,
}

/// One request's steps, as far as the rules care: when it arrived, whether the deadline was
/// extended (to when), how it was answered, and what followed a denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub received: Date,
    pub status: AmendmentStatus,
    /// The new deadline, when the one extension was made.
    pub extended_to: Option<Date>,
    pub disagreement_filed: bool,
    pub rebuttal_written: bool,
}

impl Amendment {
    /// A request just received.
    pub fn received(on: Date) -> Self {
        Self {
            received: on,
            status: AmendmentStatus::Open,
            extended_to: None,
            disagreement_filed: false,
            rebuttal_written: false,
        }
    }

    /// The first deadline: 60 days after the request arrived.
    pub fn original_deadline(&self) -> Date {
        add_days(self.received, DAYS_TO_ACT)
    }

    /// The deadline in force: the original one, or the extended one.
    pub fn deadline(&self) -> Date {
        self.extended_to.unwrap_or_else(|| self.original_deadline())
    }

    pub fn clock(&self, today: Date) -> Clock {
        if self.status != AmendmentStatus::Open {
            return Clock::Answered;
        }
        let days_left = days_between(today, self.deadline());
        if days_left < 0 {
            Clock::Overdue {
                days_late: -days_left,
            }
        } else if days_left <= WARN_DAYS {
            Clock::DueSoon { days_left }
        } else {
            Clock::OnTime { days_left }
        }
    }

    /// Extends the deadline by the 30 days the rule allows, once, on or before the original
    /// deadline, for a written reason (which the caller sends the patient with the new date).
    /// Answers the new deadline.
    pub fn extend(&mut self, today: Date, reason: &str) -> Result<Date, AmendmentError> {
        self.must_be_open()?;
        if self.extended_to.is_some() {
            return Err(AmendmentError::AlreadyExtended);
        }
        if today > self.original_deadline() {
            return Err(AmendmentError::PastDeadline);
        }
        AmendmentText::parse("reason for the extension", reason)?;
        let new_deadline = add_days(self.original_deadline(), EXTENSION_DAYS);
        self.extended_to = Some(new_deadline);
        Ok(new_deadline)
    }

    /// The practice agrees: the item is to be shown with the amendment.
    pub fn accept(&mut self) -> Result<(), AmendmentError> {
        self.must_be_open()?;
        self.status = AmendmentStatus::Accepted;
        Ok(())
    }

    /// The practice denies on `ground`, explaining in writing.
    pub fn deny(&mut self, ground: DenialGround, explanation: &str) -> Result<(), AmendmentError> {
        self.must_be_open()?;
        AmendmentText::parse("explanation", explanation)?;
        self.status = AmendmentStatus::Denied(ground);
        Ok(())
    }

    /// After a denial, the patient's statement of disagreement (one).
    pub fn file_disagreement(&mut self, statement: &str) -> Result<(), AmendmentError> {
        if !matches!(self.status, AmendmentStatus::Denied(_)) {
            return Err(AmendmentError::NotDenied);
        }
        if self.disagreement_filed {
            return Err(AmendmentError::DisagreementFiled);
        }
        AmendmentText::parse("statement of disagreement", statement)?;
        self.disagreement_filed = true;
        Ok(())
    }

    /// The practice's answer to the statement of disagreement (one).
    pub fn rebut(&mut self, rebuttal: &str) -> Result<(), AmendmentError> {
        if !self.disagreement_filed {
            return Err(AmendmentError::NoDisagreement);
        }
        if self.rebuttal_written {
            return Err(AmendmentError::RebuttalWritten);
        }
        AmendmentText::parse("rebuttal", rebuttal)?;
        self.rebuttal_written = true;
        Ok(())
    }

    fn must_be_open(&self) -> Result<(), AmendmentError> {
        if self.status == AmendmentStatus::Open {
            Ok(())
        } else {
            Err(AmendmentError::NotOpen)
        }
    }
}

/// `date` plus `days` calendar days; a date past the calendar's end stays at its last day
/// (requests are made today, thousands of years from it).
fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(days.days()).unwrap_or(Date::MAX)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: Date, to: Date) -> i64 {
    from.until(to).map_or(0, |span| i64::from(span.get_days()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn received() -> Amendment {
        Amendment::received(date(2026, 1, 10))
    }

    fn day(n: i64) -> Date {
        add_days(date(2026, 1, 10), n)
    }

    #[test]
    fn sixty_days_then_overdue() {
        let request = received();
        assert_eq!(request.deadline(), date(2026, 3, 11));
        assert_eq!(request.clock(day(0)), Clock::OnTime { days_left: 60 });
        assert_eq!(request.clock(day(50)), Clock::DueSoon { days_left: 10 });
        assert_eq!(request.clock(day(59)), Clock::DueSoon { days_left: 1 });
        assert_eq!(request.clock(day(60)), Clock::DueSoon { days_left: 0 });
        assert_eq!(request.clock(day(61)), Clock::Overdue { days_late: 1 });
    }

    #[test]
    fn one_extension_of_thirty_days_before_the_deadline() {
        let mut request = received();
        assert_eq!(
            request.extend(day(59), "  "),
            Err(AmendmentError::Empty("reason for the extension"))
        );
        assert_eq!(
            request.extend(day(59), "We are waiting for the lab's records."),
            Ok(day(90))
        );
        assert_eq!(request.clock(day(61)), Clock::OnTime { days_left: 29 });
        assert_eq!(request.clock(day(90)), Clock::DueSoon { days_left: 0 });
        assert_eq!(request.clock(day(91)), Clock::Overdue { days_late: 1 });
        assert_eq!(
            request.extend(day(70), "Again."),
            Err(AmendmentError::AlreadyExtended)
        );

        let mut late = received();
        assert_eq!(
            late.extend(day(61), "Too late."),
            Err(AmendmentError::PastDeadline)
        );
        assert_eq!(late.extended_to, None);
    }

    #[test]
    fn an_answer_stops_the_clock_and_comes_once() {
        let mut request = received();
        request.accept().unwrap();
        assert_eq!(request.clock(day(200)), Clock::Answered);
        assert_eq!(request.accept(), Err(AmendmentError::NotOpen));
        assert_eq!(
            request.deny(DenialGround::AccurateAndComplete, "Checked."),
            Err(AmendmentError::NotOpen)
        );
        assert_eq!(request.extend(day(1), "Why"), Err(AmendmentError::NotOpen));
        assert_eq!(
            request.file_disagreement("No."),
            Err(AmendmentError::NotDenied)
        );
    }

    #[test]
    fn a_denial_then_a_statement_then_a_rebuttal() {
        let mut request = received();
        assert_eq!(
            request.deny(DenialGround::NotCreatedHere, ""),
            Err(AmendmentError::Empty("explanation"))
        );
        assert_eq!(request.rebut("Early."), Err(AmendmentError::NoDisagreement));
        request
            .deny(
                DenialGround::NotCreatedHere,
                "The hospital wrote this note.",
            )
            .unwrap();
        assert_eq!(
            request.status,
            AmendmentStatus::Denied(DenialGround::NotCreatedHere)
        );
        request
            .file_disagreement("The note is about someone else.")
            .unwrap();
        assert_eq!(
            request.file_disagreement("Again."),
            Err(AmendmentError::DisagreementFiled)
        );
        request.rebut("We asked the hospital; it stands.").unwrap();
        assert_eq!(request.rebut("More."), Err(AmendmentError::RebuttalWritten));
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(
            AmendmentText::parse("reason", "  It is wrong.\n")
                .unwrap()
                .as_str(),
            "It is wrong."
        );
        assert_eq!(
            AmendmentText::parse("reason", &"a".repeat(MAX_TEXT_CHARS + 1)),
            Err(AmendmentError::TooLong("reason"))
        );
        assert!(AmendmentText::parse("reason", &"é".repeat(MAX_TEXT_CHARS)).is_ok());
    }

    #[test]
    fn denial_grounds_round_trip() {
        for ground in DenialGround::ALL {
            assert_eq!(DenialGround::parse(ground.as_str()), Some(ground));
            assert!(!ground.staff_label().is_empty());
        }
        assert_eq!(DenialGround::parse("because"), None);
    }

    proptest! {
        /// On every day, an open request is overdue exactly when the day is past its deadline,
        /// and the days left and late add up to the distance to it.
        #[test]
        fn the_clock_agrees_with_the_deadline(after in 0i64..400, extend_on in proptest::option::of(0i64..70)) {
            let mut request = received();
            if let Some(on) = extend_on {
                let extended = request.extend(day(on), "Waiting for records.");
                prop_assert_eq!(extended.is_ok(), on <= DAYS_TO_ACT);
            }
            let today = day(after);
            match request.clock(today) {
                Clock::Overdue { days_late } => {
                    prop_assert!(today > request.deadline());
                    prop_assert_eq!(day(after - days_late), request.deadline());
                }
                Clock::OnTime { days_left } | Clock::DueSoon { days_left } => {
                    prop_assert!(today <= request.deadline());
                    prop_assert_eq!(day(after + days_left), request.deadline());
                }
                Clock::Answered => prop_assert!(false, "still open"),
            }
            prop_assert!(request.deadline() <= day(DAYS_TO_ACT + EXTENSION_DAYS));
        }
    }
}
