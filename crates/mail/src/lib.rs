//! Patients' emails: each message in English and Spanish, as plain text and as simple HTML,
//! and their delivery over SMTP, or into the mailbox table when no SMTP server is configured.
//!
//! Messages carry no PHI beyond the patient's first name: no birth dates, no record numbers,
//! nothing about which details failed to match.

mod delivery;
mod language;
mod messages;

pub use delivery::{DeliveryError, Letter, Outbox, OutboxError};
pub use language::Language;
pub use messages::{
    ConfirmEmailMail, EmailChangingMail, InvitationMail, LockedMail, Message, NewDeviceMail,
    NewMessageMail, NewResultMail, PasswordChangedMail, PasswordResetMail, Practice, ReadyList,
    RenderError, Rendered, SignInChange, SignInChangedMail, SignInCodeMail, SupportMail,
    WelcomeMail, render,
};
