//! The staff console: signing in and finding a patient, staff's own sign-in settings, the
//! front desk (a patient's page, invitations, the activation letter, a reset code for a
//! patient, the review queue, patients' contact change requests, the patients' messages, the
//! mailbox) and administration (the enrollment policy, the
//! terms' versions, the enrollment funnel, the security page).

pub(crate) mod console;
pub(crate) mod contact_changes;
pub(crate) mod funnel;
pub(crate) mod invite;
pub(crate) mod mailbox;
pub(crate) mod messages;
pub(crate) mod messaging_settings;
pub(crate) mod policy;
pub(crate) mod reset_code;
pub(crate) mod review;
pub(crate) mod security;
pub(crate) mod staff_account;
pub(crate) mod support;
pub(crate) mod terms_admin;
