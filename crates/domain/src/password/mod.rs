//! Password rules after NIST SP 800-63B: a length floor and ceiling counted in Unicode
//! characters after NFKC normalization, any character allowed, no composition rules, and a
//! refusal of passwords that attackers try first (a bundled list of common and breached
//! passwords, the person's own username, name or birth date, repeats and runs).
//!
//! [`PasswordPolicy::check`] is the gate for setting a password; [`strength`] is the advisory
//! meter shown while the person types.

mod common;
mod context;
mod fold;
mod personal;
mod policy;
mod problem;
mod repetitive;
mod strength;

pub use context::PasswordContext;
pub use fold::normalize;
pub use policy::{NewPassword, PasswordPolicy};
pub use problem::PasswordProblem;
pub use strength::{Strength, strength};
