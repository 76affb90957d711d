//! Enrollment identity matching: does the person signing up own this chart?
//!
//! A patient types their legal first and last name, date of birth and, as the organization's
//! `EnrollmentPolicy` asks, their MRN, the last four digits of their SSN and their ZIP code
//! ([`IdentityClaim::parse`]). We compare that with a chart ([`ChartIdentity`]). A wrong match
//! hands one person another's medical record, so every rule below prefers a refusal (the
//! patient is asked to contact the practice and staff get a review item that shows, field by
//! field, what differed) to any doubt.
//!
//! # Names
//! Names are compared after [`normalize`]: case, accents, extra spaces, hyphen/space/nothing
//! between the parts of a compound name ("García-López" = "Garcia Lopez" = "GarciaLopez"),
//! apostrophes and periods ("O'Brien" = "OBrien"), generational suffixes on the family name
//! ("Smith Jr." = "Smith") and Synthea's trailing digits ("Abdul218") do not count. A typed
//! given name equals the chart's when it is the chart's first name, optionally followed by
//! middle names in order, each written out or as an initial. Looser relations are
//! recognized ([`NameRelation`]): a listed [`nicknames`] ("Bill" for William), part of a
//! compound name ("García" for García López), one typing slip in a name of four letters or
//! more (optimal string alignment distance 1), and names that sound alike (equal Double
//! Metaphone codes and Jaro-Winkler ≥ 0.8).
//!
//! # Invitation path: [`compare`]
//! The invitation already names the chart. The claim matches when every field compared
//! matches:
//! - the birth date exactly (a day/month swap is detected, reported to staff, and refused);
//! - the MRN exactly (ignoring case and surrounding spaces), the SSN digits exactly (their
//!   keyed hash, compared in constant time) and the ZIP code (five digits), each when both the
//!   patient and the chart have it;
//! - the family name equal, partial or one slip away;
//! - the given name **equal**, or a listed nickname of it. A slip, a sound-alike or an extra
//!   word in the given name, a sound-alike family name, or given and family names typed the
//!   wrong way round, are accepted only when the MRN or the SSN digits also matched.
//!
//! Why the given name is otherwise strict: invitation letters and emails reach households.
//! Twins share the birth date, the family name and the address; only the given name tells
//! them apart, and twins can be John and Jack, Margaret and Peggy, or Adrián and Adriana. When
//! John's twin Jack types his own name on John's invitation, "Jack" as a nickname of John
//! would hand him John's record. So a nickname counts on its own only when the organization
//! has no other chart born the same day with a related family name ([`compare_invited`]);
//! otherwise it needs the MRN or SSN digits, which belong to one person and settle it.
//! ([`compare`] alone, which does not know the other charts, always asks for them.)
//!
//! # Self-enrollment: [`search`]
//! Without an invitation the claimant may not be a patient at all. A chart is **accepted**
//! when no identifier given (MRN, SSN digits, ZIP code) differs from the chart's, at least
//! one was given and matched, the birth date is exact, and the names either
//! - are **exact**: both equal after normalization (the given name may be a nickname when the
//!   MRN or SSN digits matched), or
//! - are **close**, and the MRN or SSN digits matched: one name (either way round) is a
//!   strong match (equal, a listed nickname, one slip, or sounds alike) and the other is
//!   related in any way above or near (two slips in a longer name, one in a
//!   short one).
//!
//! A birth date typed with day and month swapped counts only where the practice's policy
//! allows it ([`SearchRules::day_month_swap`]) and the MRN or SSN digits matched. A chart is
//! **plausible** when no identifier given differs, the birth date is exact or day/month
//! swapped, and the names are close or both related. The search accepts only when exactly one
//! chart is plausible and it is accepted; two or more plausible charts are
//! [`SearchOutcome::Ambiguous`]. A refused search names the rule that refused the one chart
//! that came close ([`Refusal`]), for staff.
//!
//! Why a forgiven spelling needs the MRN or SSN digits: twins and same-day namesakes share
//! birth date, family name and address; only the given name and these identifiers tell them
//! apart, and a forgiving rule for the given name could confuse them. The MRN or SSN digits
//! belong to one person: the twin's contradict the chart, so the twin's chart is neither
//! accepted nor plausible. A policy that asks for none of MRN, SSN digits or ZIP code never
//! self-enrolls anyone: name and birth date alone are shared by too many people.
//!
//! # Measured
//! `cargo run --release -p bench -- matching` replays realistic and adversarial claims over a
//! generated population; `docs/MATCHING.md` has the method and the numbers.

mod claim;
mod compare;
mod names;
pub mod nicknames;
pub mod normalize;
mod search;
mod similarity;

#[cfg(test)]
mod hard_cases;

pub use claim::{ChartIdentity, ClaimError, ClaimForm, IdentityClaim, NameFieldError};
pub use compare::{
    Comparison, Evidence, FieldComparison, FieldResult, Verdict, compare, compare_invited,
};
pub use names::{NameRelation, relate_family, relate_given};
pub use search::{Nearest, Refusal, SearchOutcome, SearchRules, search};
