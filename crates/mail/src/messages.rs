//! The messages, each written in every language as plain text and HTML (askama templates under
//! `templates/{en,es}/`; the HTML ones escape what they are given).

use askama::Template;
use domain::policy::{AccessCodeKind, EnrollmentPolicy};
use jiff::civil::{Date, DateTime};

use crate::Language;

/// Who writes: the patient's practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practice {
    pub name: String,
    pub phone: Option<String>,
}

/// What the patient needs at hand to enroll, per the practice's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadyList {
    pub record_number: bool,
    pub ssn_last4: bool,
}

impl ReadyList {
    pub fn for_policy(policy: &EnrollmentPolicy) -> Self {
        Self {
            record_number: policy.mrn_required,
            ssn_last4: policy.access_code == AccessCodeKind::SsnLast4,
        }
    }
}

/// An emailed invitation, or the reminder of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationMail {
    pub first_name: String,
    pub practice: Practice,
    pub link: String,
    /// The last day the link works, in the practice's time zone.
    pub expires_on: Date,
    pub ready: ReadyList,
}

/// The welcome after the account becomes active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeMail {
    pub first_name: String,
    pub practice: Practice,
    /// Where the patient signs in.
    pub portal_url: String,
    /// For an account made without an invitation: the "this wasn't me" link that locks it,
    /// since the chart's owner may not be who made it.
    pub not_me_link: Option<String>,
}

/// "Someone tried to sign up with your details": an invitation locked after too many
/// mismatches. It says nothing of which details were typed or wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedMail {
    pub first_name: String,
    pub practice: Practice,
}

/// "Reset your password": sent when someone asks on the "forgot password or username" page.
/// It names the account's username (so it also answers "I forgot my username") and carries a
/// single-use link that works for a limited time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetMail {
    pub first_name: String,
    pub practice: Practice,
    pub username: String,
    pub link: String,
    /// How long the link works, in minutes.
    pub valid_minutes: u32,
}

/// "Your password was changed": sent after a reset, so that a patient who did not ask learns
/// of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChangedMail {
    pub first_name: String,
    pub practice: Practice,
}

/// "New sign-in to your account": sent after a sign-in from a browser the account had not
/// been used on, with a "this wasn't me" link that locks the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeviceMail {
    pub first_name: String,
    pub practice: Practice,
    /// "Chrome, Android"; `None` when the browser could not be told.
    pub device: Option<String>,
    /// When, in the practice's local time.
    pub signed_in_at: DateTime,
    pub link: String,
}

/// "Confirm your new email address": sent to the address a signed-in patient asked to use
/// instead; its link makes the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmEmailMail {
    pub first_name: String,
    pub practice: Practice,
    pub link: String,
}

/// "Your email address is being changed": sent to the old address when a change is asked
/// for, so that a patient who did not ask learns of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChangingMail {
    pub first_name: String,
    pub practice: Practice,
}

/// What changed in how a patient signs in, for [`SignInChangedMail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInChange {
    TwoStepOn,
    TwoStepOff,
    PasskeyAdded,
}

impl SignInChange {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "two-step-on" => Some(Self::TwoStepOn),
            "two-step-off" => Some(Self::TwoStepOff),
            "passkey-added" => Some(Self::PasskeyAdded),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TwoStepOn => "two-step-on",
            Self::TwoStepOff => "two-step-off",
            Self::PasskeyAdded => "passkey-added",
        }
    }
}

/// "How you sign in changed": sent when 2-step sign-in is turned on or off or a passkey is
/// added, so that a patient who did not do it learns of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInChangedMail {
    pub first_name: String,
    pub practice: Practice,
    pub change: SignInChange,
}

/// "Your sign-in code": the second step of signing in, for patients who chose codes by email
/// (no smartphone). The code works once, for a short time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInCodeMail {
    pub first_name: String,
    pub practice: Practice,
    pub code: String,
    pub valid_minutes: u32,
}

/// "You have a new test result in your portal": sent after an import adds results for a
/// patient who asked for it. It names no test, value or date (no health information in
/// email): only a link to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResultMail {
    pub first_name: String,
    pub practice: Practice,
    /// The sign-in page.
    pub sign_in_url: String,
}

/// "You have a new message in your portal": sent when the practice answers a patient who
/// asked for it. It names no subject, writer or words (no health information in email): only
/// a link to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessageMail {
    pub first_name: String,
    pub practice: Practice,
    /// The sign-in page.
    pub sign_in_url: String,
}

/// "We got your request": sent to someone who asked for help on the public support form and
/// gave an email address. It repeats only their reference, never what they wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportMail {
    /// The name the person typed.
    pub first_name: String,
    pub practice: Practice,
    /// The reference to quote ("S-K7QX-4MTD").
    pub reference: String,
    /// Whether staff finished it (else they are working on it); unused by "we got it".
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Invitation(InvitationMail),
    InvitationReminder(InvitationMail),
    Welcome(WelcomeMail),
    InvitationLocked(LockedMail),
    PasswordReset(PasswordResetMail),
    PasswordChanged(PasswordChangedMail),
    NewDevice(NewDeviceMail),
    SignInCode(SignInCodeMail),
    ConfirmEmail(ConfirmEmailMail),
    EmailChanging(EmailChangingMail),
    SignInChanged(SignInChangedMail),
    NewResult(NewResultMail),
    NewMessage(NewMessageMail),
    SupportReceived(SupportMail),
    SupportUpdate(SupportMail),
}

/// A message ready to send: its subject and both bodies, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub language: Language,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("a message template failed to render")]
pub struct RenderError(#[from] askama::Error);

/// What every template sees. Built once per message, so that templates only lay it out.
struct View<'a> {
    lang: &'static str,
    subject: String,
    first_name: &'a str,
    practice_name: &'a str,
    phone: Option<Phone<'a>>,
    /// The message's link, opening its page in the message's language.
    link: String,
    expires: String,
    ready: ReadyList,
    /// Plain, without a language: patients may type it from a printout.
    portal_url: &'a str,
    username: &'a str,
    valid_minutes: u32,
    /// The new device's description, or empty.
    device: &'a str,
    /// When the new device signed in, written out.
    when: String,
    /// A sign-in code, or empty.
    code: &'a str,
    /// What changed in how the patient signs in ([`SignInChange::as_str`]), or empty.
    change: &'static str,
}

/// The practice's phone as written, and as a `tel:` link (digits and a leading plus only).
struct Phone<'a> {
    text: &'a str,
    href: String,
}

/// Declares one askama template per message, format and language, each over a [`View`].
macro_rules! templates {
    ($($name:ident => $path:literal),* $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a View<'a>,
            }
        )*
    };
}

templates! {
    InvitationTextEn => "en/invitation.txt",
    InvitationHtmlEn => "en/invitation.html",
    InvitationTextEs => "es/invitation.txt",
    InvitationHtmlEs => "es/invitation.html",
    ReminderTextEn => "en/reminder.txt",
    ReminderHtmlEn => "en/reminder.html",
    ReminderTextEs => "es/reminder.txt",
    ReminderHtmlEs => "es/reminder.html",
    WelcomeTextEn => "en/welcome.txt",
    WelcomeHtmlEn => "en/welcome.html",
    WelcomeTextEs => "es/welcome.txt",
    WelcomeHtmlEs => "es/welcome.html",
    LockedTextEn => "en/locked.txt",
    LockedHtmlEn => "en/locked.html",
    LockedTextEs => "es/locked.txt",
    LockedHtmlEs => "es/locked.html",
    ResetTextEn => "en/password_reset.txt",
    ResetHtmlEn => "en/password_reset.html",
    ResetTextEs => "es/password_reset.txt",
    ResetHtmlEs => "es/password_reset.html",
    ChangedTextEn => "en/password_changed.txt",
    ChangedHtmlEn => "en/password_changed.html",
    ChangedTextEs => "es/password_changed.txt",
    ChangedHtmlEs => "es/password_changed.html",
    NewDeviceTextEn => "en/new_device.txt",
    NewDeviceHtmlEn => "en/new_device.html",
    NewDeviceTextEs => "es/new_device.txt",
    NewDeviceHtmlEs => "es/new_device.html",
    SignInCodeTextEn => "en/sign_in_code.txt",
    SignInCodeHtmlEn => "en/sign_in_code.html",
    SignInCodeTextEs => "es/sign_in_code.txt",
    SignInCodeHtmlEs => "es/sign_in_code.html",
    ConfirmEmailTextEn => "en/confirm_email.txt",
    ConfirmEmailHtmlEn => "en/confirm_email.html",
    ConfirmEmailTextEs => "es/confirm_email.txt",
    ConfirmEmailHtmlEs => "es/confirm_email.html",
    EmailChangingTextEn => "en/email_changing.txt",
    EmailChangingHtmlEn => "en/email_changing.html",
    EmailChangingTextEs => "es/email_changing.txt",
    EmailChangingHtmlEs => "es/email_changing.html",
    SignInChangedTextEn => "en/sign_in_changed.txt",
    SignInChangedHtmlEn => "en/sign_in_changed.html",
    SignInChangedTextEs => "es/sign_in_changed.txt",
    SignInChangedHtmlEs => "es/sign_in_changed.html",
    NewResultTextEn => "en/new_result.txt",
    NewResultHtmlEn => "en/new_result.html",
    NewResultTextEs => "es/new_result.txt",
    NewResultHtmlEs => "es/new_result.html",
    NewMessageTextEn => "en/new_message.txt",
    NewMessageHtmlEn => "en/new_message.html",
    NewMessageTextEs => "es/new_message.txt",
    NewMessageHtmlEs => "es/new_message.html",
    SupportReceivedTextEn => "en/support_received.txt",
    SupportReceivedHtmlEn => "en/support_received.html",
    SupportReceivedTextEs => "es/support_received.txt",
    SupportReceivedHtmlEs => "es/support_received.html",
    SupportUpdateTextEn => "en/support_update.txt",
    SupportUpdateHtmlEn => "en/support_update.html",
    SupportUpdateTextEs => "es/support_update.txt",
    SupportUpdateHtmlEs => "es/support_update.html",
}

/// Renders a message in a language: subject, plain text and HTML.
pub fn render(message: &Message, language: Language) -> Result<Rendered, RenderError> {
    let view = view(message, language);
    let v = &view;
    use Language::{English as En, Spanish as Es};
    let (text, html) = match (message, language) {
        (Message::Invitation(_), En) => (
            InvitationTextEn { v }.render()?,
            InvitationHtmlEn { v }.render()?,
        ),
        (Message::Invitation(_), Es) => (
            InvitationTextEs { v }.render()?,
            InvitationHtmlEs { v }.render()?,
        ),
        (Message::InvitationReminder(_), En) => (
            ReminderTextEn { v }.render()?,
            ReminderHtmlEn { v }.render()?,
        ),
        (Message::InvitationReminder(_), Es) => (
            ReminderTextEs { v }.render()?,
            ReminderHtmlEs { v }.render()?,
        ),
        (Message::Welcome(_), En) => (WelcomeTextEn { v }.render()?, WelcomeHtmlEn { v }.render()?),
        (Message::Welcome(_), Es) => (WelcomeTextEs { v }.render()?, WelcomeHtmlEs { v }.render()?),
        (Message::InvitationLocked(_), En) => {
            (LockedTextEn { v }.render()?, LockedHtmlEn { v }.render()?)
        }
        (Message::InvitationLocked(_), Es) => {
            (LockedTextEs { v }.render()?, LockedHtmlEs { v }.render()?)
        }
        (Message::PasswordReset(_), En) => {
            (ResetTextEn { v }.render()?, ResetHtmlEn { v }.render()?)
        }
        (Message::PasswordReset(_), Es) => {
            (ResetTextEs { v }.render()?, ResetHtmlEs { v }.render()?)
        }
        (Message::PasswordChanged(_), En) => {
            (ChangedTextEn { v }.render()?, ChangedHtmlEn { v }.render()?)
        }
        (Message::PasswordChanged(_), Es) => {
            (ChangedTextEs { v }.render()?, ChangedHtmlEs { v }.render()?)
        }
        (Message::NewDevice(_), En) => (
            NewDeviceTextEn { v }.render()?,
            NewDeviceHtmlEn { v }.render()?,
        ),
        (Message::NewDevice(_), Es) => (
            NewDeviceTextEs { v }.render()?,
            NewDeviceHtmlEs { v }.render()?,
        ),
        (Message::SignInCode(_), En) => (
            SignInCodeTextEn { v }.render()?,
            SignInCodeHtmlEn { v }.render()?,
        ),
        (Message::SignInCode(_), Es) => (
            SignInCodeTextEs { v }.render()?,
            SignInCodeHtmlEs { v }.render()?,
        ),
        (Message::ConfirmEmail(_), En) => (
            ConfirmEmailTextEn { v }.render()?,
            ConfirmEmailHtmlEn { v }.render()?,
        ),
        (Message::ConfirmEmail(_), Es) => (
            ConfirmEmailTextEs { v }.render()?,
            ConfirmEmailHtmlEs { v }.render()?,
        ),
        (Message::EmailChanging(_), En) => (
            EmailChangingTextEn { v }.render()?,
            EmailChangingHtmlEn { v }.render()?,
        ),
        (Message::EmailChanging(_), Es) => (
            EmailChangingTextEs { v }.render()?,
            EmailChangingHtmlEs { v }.render()?,
        ),
        (Message::SignInChanged(_), En) => (
            SignInChangedTextEn { v }.render()?,
            SignInChangedHtmlEn { v }.render()?,
        ),
        (Message::SignInChanged(_), Es) => (
            SignInChangedTextEs { v }.render()?,
            SignInChangedHtmlEs { v }.render()?,
        ),
        (Message::NewResult(_), En) => (
            NewResultTextEn { v }.render()?,
            NewResultHtmlEn { v }.render()?,
        ),
        (Message::NewResult(_), Es) => (
            NewResultTextEs { v }.render()?,
            NewResultHtmlEs { v }.render()?,
        ),
        (Message::NewMessage(_), En) => (
            NewMessageTextEn { v }.render()?,
            NewMessageHtmlEn { v }.render()?,
        ),
        (Message::NewMessage(_), Es) => (
            NewMessageTextEs { v }.render()?,
            NewMessageHtmlEs { v }.render()?,
        ),
        (Message::SupportReceived(_), En) => (
            SupportReceivedTextEn { v }.render()?,
            SupportReceivedHtmlEn { v }.render()?,
        ),
        (Message::SupportReceived(_), Es) => (
            SupportReceivedTextEs { v }.render()?,
            SupportReceivedHtmlEs { v }.render()?,
        ),
        (Message::SupportUpdate(_), En) => (
            SupportUpdateTextEn { v }.render()?,
            SupportUpdateHtmlEn { v }.render()?,
        ),
        (Message::SupportUpdate(_), Es) => (
            SupportUpdateTextEs { v }.render()?,
            SupportUpdateHtmlEs { v }.render()?,
        ),
    };
    Ok(Rendered {
        language,
        subject: view.subject.clone(),
        text,
        html,
    })
}

fn view(message: &Message, language: Language) -> View<'_> {
    let (first_name, practice) = match message {
        Message::Invitation(m) | Message::InvitationReminder(m) => (&m.first_name, &m.practice),
        Message::Welcome(m) => (&m.first_name, &m.practice),
        Message::InvitationLocked(m) => (&m.first_name, &m.practice),
        Message::PasswordReset(m) => (&m.first_name, &m.practice),
        Message::PasswordChanged(m) => (&m.first_name, &m.practice),
        Message::NewDevice(m) => (&m.first_name, &m.practice),
        Message::SignInCode(m) => (&m.first_name, &m.practice),
        Message::ConfirmEmail(m) => (&m.first_name, &m.practice),
        Message::EmailChanging(m) => (&m.first_name, &m.practice),
        Message::SignInChanged(m) => (&m.first_name, &m.practice),
        Message::NewResult(m) => (&m.first_name, &m.practice),
        Message::NewMessage(m) => (&m.first_name, &m.practice),
        Message::SupportReceived(m) | Message::SupportUpdate(m) => (&m.first_name, &m.practice),
    };
    let confirm = match message {
        Message::ConfirmEmail(m) => Some(m),
        _ => None,
    };
    let code = match message {
        Message::SignInCode(m) => Some(m),
        _ => None,
    };
    let new_device = match message {
        Message::NewDevice(m) => Some(m),
        _ => None,
    };
    let reset = match message {
        Message::PasswordReset(m) => Some(m),
        _ => None,
    };
    let invitation = match message {
        Message::Invitation(m) | Message::InvitationReminder(m) => Some(m),
        _ => None,
    };
    View {
        lang: language.tag(),
        subject: subject(message, language),
        first_name,
        practice_name: &practice.name,
        phone: practice.phone.as_deref().map(|text| Phone {
            text,
            href: tel_href(text),
        }),
        link: language.link(
            invitation
                .map(|m| m.link.as_str())
                .or(reset.map(|m| m.link.as_str()))
                .or(new_device.map(|m| m.link.as_str()))
                .or(confirm.map(|m| m.link.as_str()))
                .or(match message {
                    Message::Welcome(m) => m.not_me_link.as_deref(),
                    _ => None,
                })
                .unwrap_or(""),
        ),
        expires: invitation.map_or_else(String::new, |m| language.long_date(m.expires_on)),
        ready: invitation.map_or_else(ReadyList::default, |m| m.ready),
        portal_url: match message {
            Message::Welcome(m) => &m.portal_url,
            Message::NewResult(m) => &m.sign_in_url,
            Message::NewMessage(m) => &m.sign_in_url,
            _ => "",
        },
        username: reset.map_or("", |m| m.username.as_str()),
        valid_minutes: reset
            .map(|m| m.valid_minutes)
            .or(code.map(|m| m.valid_minutes))
            .unwrap_or(0),
        device: new_device.and_then(|m| m.device.as_deref()).unwrap_or(""),
        when: new_device.map_or_else(String::new, |m| language.date_and_time(m.signed_in_at)),
        code: match message {
            Message::SupportReceived(m) | Message::SupportUpdate(m) => m.reference.as_str(),
            _ => code.map_or("", |m| m.code.as_str()),
        },
        change: match message {
            Message::SignInChanged(m) => m.change.as_str(),
            Message::SupportUpdate(m) if m.done => "done",
            Message::SupportUpdate(_) => "in-progress",
            _ => "",
        },
    }
}

fn subject(message: &Message, language: Language) -> String {
    match (message, language) {
        (Message::Invitation(m), Language::English) => {
            format!("Set up your {} patient portal account", m.practice.name)
        }
        (Message::Invitation(m), Language::Spanish) => {
            format!(
                "Cree su cuenta en el portal de pacientes de {}",
                m.practice.name
            )
        }
        (Message::InvitationReminder(m), Language::English) => format!(
            "Reminder: your invitation to the {} patient portal ends soon",
            m.practice.name
        ),
        (Message::InvitationReminder(m), Language::Spanish) => format!(
            "Recordatorio: su invitación al portal de pacientes de {} vence pronto",
            m.practice.name
        ),
        (Message::Welcome(m), Language::English) => {
            format!("Your {} patient portal account is ready", m.practice.name)
        }
        (Message::Welcome(m), Language::Spanish) => {
            format!(
                "Su cuenta del portal de pacientes de {} está lista",
                m.practice.name
            )
        }
        (Message::InvitationLocked(_), Language::English) => {
            "Someone tried to set up a patient portal account with your details".to_owned()
        }
        (Message::InvitationLocked(_), Language::Spanish) => {
            "Alguien intentó crear una cuenta del portal de pacientes con sus datos".to_owned()
        }
        (Message::PasswordReset(m), Language::English) => {
            format!("Reset your {} patient portal password", m.practice.name)
        }
        (Message::PasswordReset(m), Language::Spanish) => format!(
            "Cambie la contraseña de su portal de pacientes de {}",
            m.practice.name
        ),
        (Message::PasswordChanged(m), Language::English) => format!(
            "Your {} patient portal password was changed",
            m.practice.name
        ),
        (Message::PasswordChanged(m), Language::Spanish) => format!(
            "Se cambió la contraseña de su portal de pacientes de {}",
            m.practice.name
        ),
        (Message::NewDevice(m), Language::English) => format!(
            "New sign-in to your {} patient portal account",
            m.practice.name
        ),
        (Message::NewDevice(m), Language::Spanish) => format!(
            "Nuevo inicio de sesión en su cuenta del portal de pacientes de {}",
            m.practice.name
        ),
        // The code stays out of the subject: phones show subjects on a locked screen.
        (Message::SignInCode(m), Language::English) => {
            format!("Your {} patient portal sign-in code", m.practice.name)
        }
        (Message::SignInCode(m), Language::Spanish) => format!(
            "Su código para entrar al portal de pacientes de {}",
            m.practice.name
        ),
        (Message::ConfirmEmail(m), Language::English) => format!(
            "Confirm your new email address for the {} patient portal",
            m.practice.name
        ),
        (Message::ConfirmEmail(m), Language::Spanish) => format!(
            "Confirme su nuevo correo electrónico para el portal de pacientes de {}",
            m.practice.name
        ),
        (Message::EmailChanging(m), Language::English) => format!(
            "Your {} patient portal email address is being changed",
            m.practice.name
        ),
        (Message::EmailChanging(m), Language::Spanish) => format!(
            "Se está cambiando su correo electrónico del portal de pacientes de {}",
            m.practice.name
        ),
        (Message::SignInChanged(m), Language::English) => format!(
            "How you sign in to the {} patient portal changed",
            m.practice.name
        ),
        (Message::SignInChanged(m), Language::Spanish) => format!(
            "Cambió la forma de entrar al portal de pacientes de {}",
            m.practice.name
        ),
        // Which test, its value or its date never go in an email.
        (Message::NewResult(m), Language::English) => format!(
            "You have a new test result in your {} patient portal",
            m.practice.name
        ),
        (Message::NewResult(m), Language::Spanish) => format!(
            "Tiene un resultado nuevo en su portal de pacientes de {}",
            m.practice.name
        ),
        // Who wrote, about what, or any of the words never go in an email.
        (Message::NewMessage(m), Language::English) => format!(
            "You have a new message in your {} patient portal",
            m.practice.name
        ),
        (Message::NewMessage(m), Language::Spanish) => format!(
            "Tiene un mensaje nuevo en su portal de pacientes de {}",
            m.practice.name
        ),
        (Message::SupportReceived(m), Language::English) => {
            format!("We got your request for help ({})", m.reference)
        }
        (Message::SupportReceived(m), Language::Spanish) => {
            format!("Recibimos su pedido de ayuda ({})", m.reference)
        }
        (Message::SupportUpdate(m), Language::English) => {
            format!("Your request for help ({}) was updated", m.reference)
        }
        (Message::SupportUpdate(m), Language::Spanish) => {
            format!("Su pedido de ayuda ({}) cambió", m.reference)
        }
    }
}

fn tel_href(phone: &str) -> String {
    phone
        .chars()
        .enumerate()
        .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const LINK: &str = "https://portal.example.org/enroll/AbC123_token";

    fn practice() -> Practice {
        Practice {
            name: "Maple Street Clinic".to_owned(),
            phone: Some("(555) 010-4477".to_owned()),
        }
    }

    fn invitation(first_name: &str) -> InvitationMail {
        InvitationMail {
            first_name: first_name.to_owned(),
            practice: practice(),
            link: LINK.to_owned(),
            expires_on: date(2026, 3, 20),
            ready: ReadyList::default(),
        }
    }

    fn every_message(first_name: &str) -> [Message; 15] {
        [
            Message::Invitation(invitation(first_name)),
            Message::InvitationReminder(invitation(first_name)),
            Message::Welcome(WelcomeMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                portal_url: "https://portal.example.org/".to_owned(),
                not_me_link: None,
            }),
            Message::InvitationLocked(LockedMail {
                first_name: first_name.to_owned(),
                practice: practice(),
            }),
            Message::PasswordReset(reset(first_name)),
            Message::PasswordChanged(PasswordChangedMail {
                first_name: first_name.to_owned(),
                practice: practice(),
            }),
            Message::NewDevice(new_device(first_name, Some("Chrome, Android"))),
            Message::SignInCode(SignInCodeMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                code: "402917".to_owned(),
                valid_minutes: 10,
            }),
            Message::ConfirmEmail(ConfirmEmailMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                link: "https://portal.example.org/account/email/confirm/AbC123_token".to_owned(),
            }),
            Message::EmailChanging(EmailChangingMail {
                first_name: first_name.to_owned(),
                practice: practice(),
            }),
            Message::SignInChanged(SignInChangedMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                change: SignInChange::PasskeyAdded,
            }),
            Message::SupportReceived(SupportMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                reference: "S-K7QX-4MTD".to_owned(),
                done: false,
            }),
            Message::SupportUpdate(SupportMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                reference: "S-K7QX-4MTD".to_owned(),
                done: true,
            }),
            Message::NewMessage(NewMessageMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                sign_in_url: "https://portal.example.org/sign-in".to_owned(),
            }),
            Message::NewResult(NewResultMail {
                first_name: first_name.to_owned(),
                practice: practice(),
                sign_in_url: "https://portal.example.org/sign-in".to_owned(),
            }),
        ]
    }

    #[test]
    fn the_new_result_mail_asks_to_sign_in_and_says_nothing_of_the_result() {
        let message = every_message("Lucia").into_iter().last().unwrap();
        for (language, subject, words) in [
            (
                Language::English,
                "You have a new test result in your Maple Street Clinic patient portal",
                [
                    "sign in",
                    "we do not put results in email",
                    "Account and security",
                ],
            ),
            (
                Language::Spanish,
                "Tiene un resultado nuevo en su portal de pacientes de Maple Street Clinic",
                [
                    "inicie sesión",
                    "no enviamos resultados",
                    "Cuenta y seguridad",
                ],
            ),
        ] {
            let mail = render(&message, language).unwrap();
            assert_eq!(mail.subject, subject);
            for body in [&mail.text, &mail.html] {
                assert!(
                    body.contains("https://portal.example.org/sign-in"),
                    "{body}"
                );
                for word in words {
                    assert!(body.contains(word), "{word}: {body}");
                }
            }
        }
    }

    fn new_device(first_name: &str, device: Option<&str>) -> NewDeviceMail {
        NewDeviceMail {
            first_name: first_name.to_owned(),
            practice: practice(),
            device: device.map(str::to_owned),
            signed_in_at: jiff::civil::date(2026, 3, 20).at(15, 5, 0, 0),
            link: "https://portal.example.org/not-me/AbC123_token".to_owned(),
        }
    }

    #[test]
    fn the_new_device_mail_says_when_and_what_and_offers_the_lock_link() {
        for (language, subject, words) in [
            (
                Language::English,
                "New sign-in to your Maple Street Clinic patient portal account",
                [
                    "Friday, March 20, 2026, at 3:05 PM",
                    "Chrome, Android",
                    "If it was not you",
                ],
            ),
            (
                Language::Spanish,
                "Nuevo inicio de sesión en su cuenta del portal de pacientes de Maple Street Clinic",
                [
                    "viernes 20 de marzo de 2026, a las 15:05",
                    "Chrome, Android",
                    "Si no fue usted",
                ],
            ),
        ] {
            let mail = render(
                &Message::NewDevice(new_device("Lucia", Some("Chrome, Android"))),
                language,
            )
            .unwrap();
            assert_eq!(mail.subject, subject);
            for body in [&mail.text, &mail.html] {
                for word in words {
                    assert!(body.contains(word), "{language:?} {word}: {body}");
                }
                assert!(body.contains(&format!(
                    "https://portal.example.org/not-me/AbC123_token?lang={}",
                    language.tag()
                )));
            }
            let unknown = render(&Message::NewDevice(new_device("Lucia", None)), language).unwrap();
            let unidentified = match language {
                Language::English => "a browser we could not identify",
                Language::Spanish => "un navegador que no pudimos identificar",
            };
            assert!(unknown.text.contains(unidentified), "{}", unknown.text);
        }
    }

    const RESET_LINK: &str = "https://portal.example.org/reset/XyZ789_token";

    fn reset(first_name: &str) -> PasswordResetMail {
        PasswordResetMail {
            first_name: first_name.to_owned(),
            practice: practice(),
            username: "lucia.r".to_owned(),
            link: RESET_LINK.to_owned(),
            valid_minutes: 30,
        }
    }

    #[test]
    fn a_reset_names_the_username_and_carries_the_link_in_both_languages() {
        let words = [
            (
                Language::English,
                "Reset your Maple Street Clinic patient portal password",
                "30 minutes",
            ),
            (
                Language::Spanish,
                "Cambie la contraseña de su portal de pacientes de Maple Street Clinic",
                "30 minutos",
            ),
        ];
        for (language, subject, minutes) in words {
            let mail = render(&Message::PasswordReset(reset("Lucia")), language).unwrap();
            assert_eq!(mail.subject, subject);
            for body in [&mail.text, &mail.html] {
                assert!(body.contains("lucia.r"), "{language:?}: {body}");
                assert!(body.contains(RESET_LINK), "{language:?}: {body}");
                assert!(body.contains(minutes), "{language:?}: {body}");
                assert!(!body.contains("/enroll/"), "{language:?}: {body}");
            }
            // The link opens its page in the email's language.
            assert!(
                mail.html
                    .contains(&format!("href=\"{RESET_LINK}?lang={}\"", language.tag())),
                "{}",
                mail.html
            );
        }
        let changed = Message::PasswordChanged(PasswordChangedMail {
            first_name: "Lucia".to_owned(),
            practice: practice(),
        });
        let english = render(&changed, Language::English).unwrap();
        assert_eq!(
            english.subject,
            "Your Maple Street Clinic patient portal password was changed"
        );
        assert!(
            english.text.contains("was signed out") && english.text.contains("If it was not you")
        );
        let spanish = render(&changed, Language::Spanish).unwrap();
        assert!(
            spanish.text.contains("se cerró la sesión") && spanish.html.contains("Si no fue usted")
        );
    }

    #[test]
    fn a_reset_has_a_real_button_the_given_minutes_and_a_way_out() {
        let mut mail = reset("Lucia");
        mail.valid_minutes = 45;
        for (language, button, minutes, ignore) in [
            (
                Language::English,
                ">Choose a new password</a>",
                "for 45 minutes",
                "you can ignore this email: your password stays the same",
            ),
            (
                Language::Spanish,
                ">Elegir una contraseña nueva</a>",
                "durante 45 minutos",
                "puede ignorar este correo: su contraseña sigue siendo la misma",
            ),
        ] {
            let rendered = render(&Message::PasswordReset(mail.clone()), language).unwrap();
            assert!(rendered.html.contains(button), "{}", rendered.html);
            assert!(!rendered.text.contains("30 minut"), "{}", rendered.text);
            for body in [&rendered.text, &rendered.html] {
                assert!(body.contains(minutes), "{language:?}: {body}");
                assert!(body.contains(ignore), "{language:?}: {body}");
                assert!(body.contains("(555) 010-4477"), "{language:?}: {body}");
            }
            assert!(
                rendered
                    .html
                    .contains(&format!("<html lang=\"{}\">", language.tag())),
                "{}",
                rendered.html
            );
        }
    }

    #[test]
    fn a_password_change_says_every_device_was_signed_out_in_both_languages() {
        let changed = Message::PasswordChanged(PasswordChangedMail {
            first_name: "Lucia".to_owned(),
            practice: practice(),
        });
        for (language, subject, words) in [
            (
                Language::English,
                "Your Maple Street Clinic patient portal password was changed",
                [
                    "was just changed",
                    "was signed out",
                    "If it was not you,",
                    "call us right away",
                ],
            ),
            (
                Language::Spanish,
                "Se cambió la contraseña de su portal de pacientes de Maple Street Clinic",
                [
                    "se acaba de cambiar",
                    "se cerró la sesión",
                    "Si no fue usted,",
                    "llámenos de inmediato",
                ],
            ),
        ] {
            let mail = render(&changed, language).unwrap();
            assert_eq!(mail.subject, subject);
            for body in [&mail.text, &mail.html] {
                for word in words {
                    assert!(body.contains(word), "{language:?} {word}: {body}");
                }
                assert!(body.contains("(555) 010-4477"), "{language:?}: {body}");
                // No link and no username: the change is news, not a way in.
                assert!(
                    !body.contains("/reset/") && !body.contains("lucia.r"),
                    "{body}"
                );
            }
            assert!(
                mail.html.contains("href=\"tel:5550104477\""),
                "{}",
                mail.html
            );
        }
    }

    #[test]
    fn the_password_mails_escape_names_and_usernames_in_html() {
        let first_name = "Ann <b>";
        let username = "ann&<i>\"r\"";
        let mut reset = reset(first_name);
        reset.username = username.to_owned();
        let changed = PasswordChangedMail {
            first_name: first_name.to_owned(),
            practice: practice(),
        };
        for language in [Language::English, Language::Spanish] {
            let mail = render(&Message::PasswordReset(reset.clone()), language).unwrap();
            assert!(
                !mail.html.contains("<b>") && !mail.html.contains("<i>"),
                "{}",
                mail.html
            );
            assert!(mail.html.contains("Ann &#60;b&#62;"), "{}", mail.html);
            assert!(
                mail.html.contains("ann&#38;&#60;i&#62;&#34;r&#34;"),
                "{}",
                mail.html
            );
            assert!(mail.text.contains(first_name) && mail.text.contains(username));

            let mail = render(&Message::PasswordChanged(changed.clone()), language).unwrap();
            assert!(!mail.html.contains("<b>"), "{}", mail.html);
            assert!(mail.html.contains("Ann &#60;b&#62;"), "{}", mail.html);
            assert!(mail.text.contains(first_name), "{}", mail.text);
        }
    }

    #[test]
    fn invitations_carry_the_link_the_expiry_and_the_practice_in_both_languages() {
        let expiry = [
            (Language::English, "Friday, March 20, 2026"),
            (Language::Spanish, "viernes 20 de marzo de 2026"),
        ];
        for message in [
            Message::Invitation(invitation("Lucia")),
            Message::InvitationReminder(invitation("Lucia")),
        ] {
            for (language, expires) in expiry {
                let mail = render(&message, language).unwrap();
                for body in [&mail.text, &mail.html] {
                    assert!(body.contains(LINK), "{language:?}: {body}");
                    assert!(body.contains(expires), "{language:?}: {body}");
                    assert!(body.contains("Maple Street Clinic"), "{language:?}");
                    assert!(body.contains("(555) 010-4477"), "{language:?}");
                    assert!(body.contains("Lucia"), "{language:?}");
                }
                assert!(mail.subject.contains("Maple Street Clinic"));
                assert!(
                    mail.html
                        .contains(&format!("<html lang=\"{}\">", language.tag())),
                    "{}",
                    mail.html
                );
                assert!(
                    mail.html
                        .contains(&format!("href=\"{LINK}?lang={}\"", language.tag())),
                    "the link opens its page in the email's language"
                );
                assert!(mail.html.contains("href=\"tel:5550104477\""));
            }
        }
        let en = render(&Message::Invitation(invitation("Lucia")), Language::English).unwrap();
        let es = render(&Message::Invitation(invitation("Lucia")), Language::Spanish).unwrap();
        assert_eq!(
            en.subject,
            "Set up your Maple Street Clinic patient portal account"
        );
        assert_eq!(
            es.subject,
            "Cree su cuenta en el portal de pacientes de Maple Street Clinic"
        );
        assert!(en.html.contains(">Set up my account</a>"), "real link text");
        assert!(es.html.contains(">Crear mi cuenta</a>"), "real link text");
        assert!(es.text.contains("Hola, Lucia:") && en.text.contains("Hello Lucia,"));
    }

    #[test]
    fn the_ready_list_follows_the_policy() {
        let mut mail = invitation("Lucia");
        let plain = render(&Message::Invitation(mail.clone()), Language::English).unwrap();
        assert!(plain.text.contains("Your date of birth"));
        assert!(!plain.text.contains("Social Security") && !plain.text.contains("record number"));
        mail.ready = ReadyList::for_policy(&EnrollmentPolicy {
            mrn_required: true,
            access_code: AccessCodeKind::SsnLast4,
            ..EnrollmentPolicy::default()
        });
        for language in [Language::English, Language::Spanish] {
            let full = render(&Message::Invitation(mail.clone()), language).unwrap();
            let (ssn, mrn) = match language {
                Language::English => ("Social Security", "medical record number"),
                Language::Spanish => ("Seguro Social", "número de expediente"),
            };
            for body in [&full.text, &full.html] {
                assert!(body.contains(ssn) && body.contains(mrn), "{body}");
            }
        }
    }

    #[test]
    fn every_message_renders_in_both_languages_with_its_own_subject() {
        let mut subjects = std::collections::HashSet::new();
        for message in every_message("Lucia") {
            for language in [Language::English, Language::Spanish] {
                let mail = render(&message, language).unwrap();
                assert!(mail.text.contains("Lucia") && mail.html.contains("Lucia"));
                assert!(mail.html.contains("Maple Street Clinic"));
                assert!(mail.html.starts_with("<!doctype html>"));
                assert!(
                    !mail.text.contains('<'),
                    "plain text is plain: {}",
                    mail.text
                );
                assert!(subjects.insert(mail.subject.clone()), "{}", mail.subject);
            }
        }
    }

    #[test]
    fn the_sign_in_code_is_in_the_body_and_never_in_the_subject() {
        let message = every_message("Lucia").into_iter().nth(7).unwrap();
        for language in [Language::English, Language::Spanish] {
            let mail = render(&message, language).unwrap();
            assert!(mail.text.contains("402917") && mail.html.contains("402917"));
            assert!(mail.text.contains("10 min"), "{}", mail.text);
            assert!(!mail.subject.contains("402917"), "{}", mail.subject);
        }
    }

    #[test]
    fn the_welcome_gives_the_next_steps() {
        let [_, _, welcome, ..] = every_message("Lucia");
        let en = render(&welcome, Language::English).unwrap();
        let es = render(&welcome, Language::Spanish).unwrap();
        for (mail, words) in [
            (
                &en,
                ["Sign in", "home screen", "Keep your password to yourself"],
            ),
            (
                &es,
                [
                    "Inicie sesión",
                    "pantalla de inicio",
                    "Guarde su contraseña",
                ],
            ),
        ] {
            for body in [&mail.text, &mail.html] {
                assert!(body.contains("https://portal.example.org/"));
                for word in words {
                    assert!(body.contains(word), "{word}: {body}");
                }
            }
        }
    }

    #[test]
    fn the_locked_message_names_no_detail() {
        let [_, _, _, locked, ..] = every_message("Lucia");
        for language in [Language::English, Language::Spanish] {
            let mail = render(&locked, language).unwrap();
            for body in [&mail.text, &mail.html] {
                assert!(body.contains("(555) 010-4477"));
                for detail in [
                    "birth",
                    "nacimiento",
                    "last name",
                    "apellido",
                    "record number",
                    "expediente",
                ] {
                    assert!(!body.to_lowercase().contains(detail), "{detail}: {body}");
                }
            }
        }
    }

    #[test]
    fn html_escapes_names_and_text_keeps_them() {
        let name = "<b>Zoë</b> & \"Ann\"";
        let mut hostile = invitation(name);
        hostile.practice.name = "Smith & <Sons> Clinic".to_owned();
        for message in [
            Message::Invitation(hostile),
            Message::Welcome(WelcomeMail {
                first_name: name.to_owned(),
                practice: practice(),
                portal_url: "https://portal.example.org/".to_owned(),
                not_me_link: None,
            }),
        ] {
            for language in [Language::English, Language::Spanish] {
                let mail = render(&message, language).unwrap();
                assert!(!mail.html.contains("<b>Zoë</b>") && !mail.html.contains("<Sons>"));
                assert!(
                    mail.html
                        .contains("&#60;b&#62;Zoë&#60;/b&#62; &#38; &#34;Ann&#34;"),
                    "{}",
                    mail.html
                );
                assert!(mail.text.contains(name), "{}", mail.text);
            }
        }
    }

    #[test]
    fn a_practice_without_a_phone_says_where_to_ask() {
        let mut mail = invitation("Lucia");
        mail.practice.phone = None;
        let en = render(&Message::Invitation(mail.clone()), Language::English).unwrap();
        assert!(en.text.contains("front desk") && !en.html.contains("tel:"));
        let es = render(&Message::Invitation(mail), Language::Spanish).unwrap();
        assert!(es.text.contains("recepción"));
    }
}
