//! A practice's enrollment policy: who may sign up, how, and how hard guessing is made.

use serde::{Deserialize, Serialize};

/// What the patient types besides name and birth date to prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessCodeKind {
    BirthYear,
    SsnLast4,
    None,
}

impl AccessCodeKind {
    pub const ALL: [AccessCodeKind; 3] = [Self::BirthYear, Self::SsnLast4, Self::None];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::BirthYear => "birth-year",
            Self::SsnLast4 => "ssn-last4",
            Self::None => "none",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::BirthYear => "Year of birth",
            Self::SsnLast4 => "Last 4 digits of the Social Security number",
            Self::None => "No access code",
        }
    }
}

/// The rules an organization sets for enrollment. Only [`EnrollmentPolicy::parse`] and
/// `Default` make one, so every stored policy is valid. A field added later reads as its
/// default from policies stored before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnrollmentPolicy {
    pub minimum_age: u8,
    pub email_invitations: bool,
    pub printed_codes: bool,
    pub mrn_required: bool,
    pub access_code: AccessCodeKind,
    pub invitation_days: u8,
    pub attempts_allowed: u8,
    pub self_enrollment: bool,
    /// Without an invitation, a date of birth typed with day and month swapped (03/04 for
    /// 04/03) still finds the chart when the MRN or SSN digits match it.
    pub self_enrollment_day_month_swap: bool,
    pub email_link_skips_bot_check: bool,
    pub password_min_chars: u8,
    /// Staff must sign in with a code from an authenticator app after their password (those
    /// without one set it up at their next sign-in).
    pub staff_two_step_required: bool,
    /// A patient's session ends after this many minutes without a request...
    pub patient_idle_minutes: u8,
    /// ...and this many hours after sign-in in any case.
    pub patient_session_hours: u8,
    /// The same for staff.
    pub staff_idle_minutes: u8,
    pub staff_session_hours: u8,
}

/// How long a session may last: without a request, and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: jiff::SignedDuration,
    pub absolute: jiff::SignedDuration,
}

impl Default for EnrollmentPolicy {
    fn default() -> Self {
        Self {
            minimum_age: 18,
            email_invitations: true,
            printed_codes: true,
            mrn_required: false,
            access_code: AccessCodeKind::BirthYear,
            invitation_days: 14,
            attempts_allowed: 5,
            self_enrollment: false,
            self_enrollment_day_month_swap: false,
            email_link_skips_bot_check: true,
            password_min_chars: 12,
            staff_two_step_required: false,
            // A shared family computer should not stay signed in.
            patient_idle_minutes: 20,
            patient_session_hours: 12,
            staff_idle_minutes: 30,
            staff_session_hours: 12,
        }
    }
}

/// The policy form as typed: every value still text.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyInput {
    #[serde(default)]
    pub minimum_age: String,
    #[serde(default)]
    pub email_invitations: Option<String>,
    #[serde(default)]
    pub printed_codes: Option<String>,
    #[serde(default)]
    pub mrn_required: Option<String>,
    #[serde(default)]
    pub access_code: String,
    #[serde(default)]
    pub invitation_days: String,
    #[serde(default)]
    pub attempts_allowed: String,
    #[serde(default)]
    pub self_enrollment: Option<String>,
    #[serde(default)]
    pub self_enrollment_day_month_swap: Option<String>,
    #[serde(default)]
    pub email_link_skips_bot_check: Option<String>,
    #[serde(default)]
    pub password_min_chars: String,
    #[serde(default)]
    pub staff_two_step_required: Option<String>,
    #[serde(default)]
    pub patient_idle_minutes: String,
    #[serde(default)]
    pub patient_session_hours: String,
    #[serde(default)]
    pub staff_idle_minutes: String,
    #[serde(default)]
    pub staff_session_hours: String,
    /// The practice's time zone, an IANA name ([`crate::PracticeTimeZone`]). Set on the same
    /// page, but kept with the organization, not in the policy. Not sent: unchanged.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// One field's problem, for display next to that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl EnrollmentPolicy {
    pub const MINIMUM_AGE: std::ops::RangeInclusive<u8> = 12..=21;
    pub const INVITATION_DAYS: std::ops::RangeInclusive<u8> = 1..=90;
    pub const ATTEMPTS: std::ops::RangeInclusive<u8> = 3..=10;
    /// NIST SP 800-63B: at least 8; we allow up to 64, the longest minimum worth asking for.
    pub const PASSWORD_MIN_CHARS: std::ops::RangeInclusive<u8> = 8..=64;
    /// Minutes without a request before a session ends.
    pub const IDLE_MINUTES: std::ops::RangeInclusive<u8> = 5..=120;
    /// Hours after sign-in before a session ends in any case.
    pub const SESSION_HOURS: std::ops::RangeInclusive<u8> = 1..=24;

    /// How long patients' (or staff members') sessions may last.
    pub fn session_limits(&self, staff: bool) -> SessionLimits {
        let (idle, hours) = if staff {
            (self.staff_idle_minutes, self.staff_session_hours)
        } else {
            (self.patient_idle_minutes, self.patient_session_hours)
        };
        SessionLimits {
            idle: jiff::SignedDuration::from_mins(i64::from(idle)),
            absolute: jiff::SignedDuration::from_hours(i64::from(hours)),
        }
    }

    /// Checks every field, reporting each problem once, by field.
    pub fn parse(input: &PolicyInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut number =
            |field: &'static str, text: &str, range: std::ops::RangeInclusive<u8>, what: &str| {
                match text.trim().parse::<u8>() {
                    Ok(value) if range.contains(&value) => value,
                    _ => {
                        errors.push(FieldError {
                            field,
                            message: format!(
                                "Enter {what} between {} and {}.",
                                range.start(),
                                range.end()
                            ),
                        });
                        *range.start()
                    }
                }
            };
        let minimum_age = number(
            "minimum_age",
            &input.minimum_age,
            Self::MINIMUM_AGE,
            "an age",
        );
        let invitation_days = number(
            "invitation_days",
            &input.invitation_days,
            Self::INVITATION_DAYS,
            "a number of days",
        );
        let attempts_allowed = number(
            "attempts_allowed",
            &input.attempts_allowed,
            Self::ATTEMPTS,
            "a number of attempts",
        );
        let password_min_chars = number(
            "password_min_chars",
            &input.password_min_chars,
            Self::PASSWORD_MIN_CHARS,
            "a number of characters",
        );
        let patient_idle_minutes = number(
            "patient_idle_minutes",
            &input.patient_idle_minutes,
            Self::IDLE_MINUTES,
            "a number of minutes",
        );
        let patient_session_hours = number(
            "patient_session_hours",
            &input.patient_session_hours,
            Self::SESSION_HOURS,
            "a number of hours",
        );
        let staff_idle_minutes = number(
            "staff_idle_minutes",
            &input.staff_idle_minutes,
            Self::IDLE_MINUTES,
            "a number of minutes",
        );
        let staff_session_hours = number(
            "staff_session_hours",
            &input.staff_session_hours,
            Self::SESSION_HOURS,
            "a number of hours",
        );
        let access_code = AccessCodeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input.access_code.trim());
        if access_code.is_none() {
            errors.push(FieldError {
                field: "access_code",
                message: "Choose one of the access-code options.".to_owned(),
            });
        }
        let checked = |value: &Option<String>| value.is_some();
        let email_invitations = checked(&input.email_invitations);
        let printed_codes = checked(&input.printed_codes);
        if !email_invitations && !printed_codes {
            errors.push(FieldError {
                field: "channels",
                message: "Keep at least one way to invite patients: email or printed code."
                    .to_owned(),
            });
        }
        let self_enrollment = checked(&input.self_enrollment);
        let mrn_required = checked(&input.mrn_required);
        if self_enrollment && !mrn_required && access_code != Some(AccessCodeKind::SsnLast4) {
            errors.push(FieldError {
                field: "self_enrollment",
                message: "Sign-up without an invitation needs an identifier only the patient \
                          knows: also ask for the MRN, or use the last 4 digits of the SSN as \
                          the access code. Name and date of birth alone are shared by too many \
                          people."
                    .to_owned(),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            minimum_age,
            email_invitations,
            printed_codes,
            mrn_required,
            access_code: access_code.unwrap_or(AccessCodeKind::BirthYear),
            invitation_days,
            attempts_allowed,
            self_enrollment,
            self_enrollment_day_month_swap: checked(&input.self_enrollment_day_month_swap),
            email_link_skips_bot_check: checked(&input.email_link_skips_bot_check),
            password_min_chars,
            staff_two_step_required: checked(&input.staff_two_step_required),
            patient_idle_minutes,
            patient_session_hours,
            staff_idle_minutes,
            staff_session_hours,
        })
    }

    /// Whether patients may sign up without an invitation under this policy. The matcher
    /// accepts a claim without an invitation only when a person-unique identifier matched
    /// (`domain::matching`), so a policy that asks for neither the MRN nor the SSN digits
    /// offers nothing, even if it was saved with the switch on before that rule existed.
    pub fn offers_self_enrollment(&self) -> bool {
        self.self_enrollment && (self.mrn_required || self.access_code == AccessCodeKind::SsnLast4)
    }

    /// What the self-enrollment search may forgive under this policy.
    pub fn search_rules(&self) -> crate::matching::SearchRules {
        crate::matching::SearchRules {
            day_month_swap: self.self_enrollment_day_month_swap,
        }
    }

    /// The form filled with this policy, for editing.
    pub fn to_input(&self) -> PolicyInput {
        let flag = |on: bool| on.then(|| "on".to_owned());
        PolicyInput {
            minimum_age: self.minimum_age.to_string(),
            email_invitations: flag(self.email_invitations),
            printed_codes: flag(self.printed_codes),
            mrn_required: flag(self.mrn_required),
            access_code: self.access_code.as_str().to_owned(),
            invitation_days: self.invitation_days.to_string(),
            attempts_allowed: self.attempts_allowed.to_string(),
            self_enrollment: flag(self.self_enrollment),
            self_enrollment_day_month_swap: flag(self.self_enrollment_day_month_swap),
            email_link_skips_bot_check: flag(self.email_link_skips_bot_check),
            password_min_chars: self.password_min_chars.to_string(),
            staff_two_step_required: flag(self.staff_two_step_required),
            patient_idle_minutes: self.patient_idle_minutes.to_string(),
            patient_session_hours: self.patient_session_hours.to_string(),
            staff_idle_minutes: self.staff_idle_minutes.to_string(),
            staff_session_hours: self.staff_session_hours.to_string(),
            time_zone: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_survives_a_round_trip_through_the_form() {
        let policy = EnrollmentPolicy::default();
        assert_eq!(EnrollmentPolicy::parse(&policy.to_input()), Ok(policy));
    }

    #[test]
    fn every_bad_field_is_reported_by_name() {
        let input = PolicyInput {
            minimum_age: "5".into(),
            invitation_days: "ninety".into(),
            attempts_allowed: "100".into(),
            password_min_chars: "4".into(),
            access_code: "fingerprint".into(),
            ..PolicyInput::default()
        };
        let errors = EnrollmentPolicy::parse(&input).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "minimum_age",
                "invitation_days",
                "attempts_allowed",
                "password_min_chars",
                "patient_idle_minutes",
                "patient_session_hours",
                "staff_idle_minutes",
                "staff_session_hours",
                "access_code",
                "channels"
            ]
        );
        assert_eq!(errors[0].message, "Enter an age between 12 and 21.");
    }

    #[test]
    fn self_enrollment_needs_the_mrn_or_the_ssn_digits() {
        let mut input = EnrollmentPolicy::default().to_input();
        input.self_enrollment = Some("on".into());
        let errors = EnrollmentPolicy::parse(&input).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "self_enrollment");
        assert!(errors[0].message.contains("also ask for the MRN"));

        input.mrn_required = Some("on".into());
        let with_mrn = EnrollmentPolicy::parse(&input).unwrap();
        assert!(with_mrn.offers_self_enrollment());

        input.mrn_required = None;
        input.access_code = "ssn-last4".into();
        assert!(
            EnrollmentPolicy::parse(&input)
                .unwrap()
                .offers_self_enrollment()
        );

        // Off stays valid whatever else is chosen, and offers nothing.
        input.self_enrollment = None;
        input.access_code = "none".into();
        assert!(
            !EnrollmentPolicy::parse(&input)
                .unwrap()
                .offers_self_enrollment()
        );
        // A policy stored before the rule existed offers nothing either.
        let old = EnrollmentPolicy {
            self_enrollment: true,
            ..EnrollmentPolicy::default()
        };
        assert!(!old.offers_self_enrollment());
    }

    #[test]
    fn session_limits_come_from_the_policy_and_stay_in_range() {
        let mut input = EnrollmentPolicy::default().to_input();
        input.patient_idle_minutes = "10".into();
        input.staff_session_hours = "8".into();
        let policy = EnrollmentPolicy::parse(&input).unwrap();
        assert_eq!(
            policy.session_limits(false),
            SessionLimits {
                idle: jiff::SignedDuration::from_mins(10),
                absolute: jiff::SignedDuration::from_hours(12)
            }
        );
        assert_eq!(policy.session_limits(true).absolute.as_hours(), 8);
        assert_eq!(policy.session_limits(true).idle.as_mins(), 30);

        input.patient_idle_minutes = "4".into();
        input.staff_idle_minutes = "a while".into();
        input.patient_session_hours = "25".into();
        let errors = EnrollmentPolicy::parse(&input).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "patient_idle_minutes",
                "patient_session_hours",
                "staff_idle_minutes"
            ]
        );
        assert_eq!(
            errors[0].message,
            "Enter a number of minutes between 5 and 120."
        );
    }

    #[test]
    fn a_policy_stored_before_a_field_existed_reads_it_as_its_default() {
        let mut stored = serde_json::to_value(EnrollmentPolicy::default()).unwrap();
        stored
            .as_object_mut()
            .unwrap()
            .remove("staff_two_step_required");
        let read: EnrollmentPolicy = serde_json::from_value(stored).unwrap();
        assert_eq!(read, EnrollmentPolicy::default());
    }

    #[test]
    fn checkboxes_turn_options_on_and_off() {
        let mut input = EnrollmentPolicy::default().to_input();
        input.printed_codes = None;
        input.self_enrollment = Some("on".into());
        input.access_code = "ssn-last4".into();
        let policy = EnrollmentPolicy::parse(&input).unwrap();
        assert!(!policy.printed_codes && policy.self_enrollment);
        assert_eq!(policy.access_code, AccessCodeKind::SsnLast4);
    }
}
