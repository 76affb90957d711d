//! Delivery: over SMTP when a server is configured, otherwise into the mailbox table, where
//! staff of a demo or trial can read what would have been sent.

use std::time::Duration;

use domain::{OrganizationId, PatientId};
use lettre::{
    Address, AsyncSmtpTransport, AsyncTransport, Message as LettreMessage, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use storage::{Database, KeptMessage};
use uuid::Uuid;

use crate::Rendered;

/// One rendered message and whom it goes to.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    pub to: &'a str,
    /// Shown as the sender's name.
    pub practice_name: &'a str,
    pub rendered: &'a Rendered,
    /// For the mailbox: whose message, and which job produced it.
    pub organization: Option<OrganizationId>,
    pub patient: Option<PatientId>,
    pub job: Uuid,
}

/// Where messages go.
#[derive(Clone)]
pub enum Outbox {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Address,
    },
    /// No SMTP server: messages are kept in the database.
    Mailbox(Database),
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("PORCHLIGHT_SMTP_URL: {0}")]
    SmtpUrl(String),
    #[error(
        "PORCHLIGHT_MAIL_FROM: expected an email address such as portal@example.org, got '{0}'"
    )]
    From(String),
}

/// Why a message was not delivered, in words that name no patient: SMTP servers' replies
/// often quote the address, so only their status codes are kept.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the recipient address is not one mail can be sent to")]
    BadAddress,
    #[error("the mail server refused the message for good (SMTP {0})")]
    Refused(String),
    #[error("the mail server could not take the message now (SMTP {0})")]
    Deferred(String),
    #[error("the mail server could not be reached or timed out")]
    Unreachable,
    #[error("the message could not be built")]
    Build,
    #[error("the message could not be kept in the mailbox")]
    Mailbox(#[source] anyhow::Error),
}

impl DeliveryError {
    /// Whether trying again later cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::BadAddress | Self::Refused(_) | Self::Build)
    }
}

impl Outbox {
    /// An SMTP outbox: `smtp://host:port` (plain, for a local relay or a test sink),
    /// `smtp://...?tls=required` (STARTTLS) or `smtps://...` (TLS), with `user:password@` when
    /// the server asks for them. Call it inside a Tokio runtime: the connection pool starts a
    /// task.
    pub fn smtp(url: &str, from: &str) -> Result<Self, OutboxError> {
        let from: Address = from
            .parse()
            .map_err(|_| OutboxError::From(from.to_owned()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // lettre's message may quote the URL, password included: ours says what to fix.
            .map_err(|_| {
                OutboxError::SmtpUrl(
                    "expected smtp://host:port, smtp://host:port?tls=required or smtps://user:password@host:port"
                        .to_owned(),
                )
            })?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Self::Smtp { transport, from })
    }

    pub fn mailbox(db: Database) -> Self {
        Self::Mailbox(db)
    }

    /// Whether messages are kept in the mailbox table rather than sent.
    pub fn keeps_mail(&self) -> bool {
        matches!(self, Self::Mailbox(_))
    }

    #[tracing::instrument(skip_all, fields(job = %letter.job), err(Display))]
    pub async fn deliver(&self, letter: &Letter<'_>) -> Result<(), DeliveryError> {
        let to: Address = letter.to.parse().map_err(|_| DeliveryError::BadAddress)?;
        match self {
            Self::Smtp { transport, from } => {
                let message = LettreMessage::builder()
                    .from(Mailbox::new(
                        Some(letter.practice_name.to_owned()),
                        from.clone(),
                    ))
                    .to(Mailbox::new(None, to))
                    .subject(&letter.rendered.subject)
                    .multipart(MultiPart::alternative_plain_html(
                        letter.rendered.text.clone(),
                        letter.rendered.html.clone(),
                    ))
                    .map_err(|_| DeliveryError::Build)?;
                transport.send(message).await.map_err(classify)?;
                Ok(())
            }
            Self::Mailbox(db) => db
                .keep_in_mailbox(&KeptMessage {
                    organization: letter.organization,
                    patient: letter.patient,
                    job: letter.job,
                    to: letter.to,
                    subject: &letter.rendered.subject,
                    text: &letter.rendered.text,
                    html: &letter.rendered.html,
                    language: letter.rendered.language.tag(),
                })
                .await
                .map_err(DeliveryError::Mailbox),
        }
    }
}

fn classify(error: lettre::transport::smtp::Error) -> DeliveryError {
    let code = error.status().map(|code| code.to_string());
    match code {
        Some(code) if error.is_permanent() => DeliveryError::Refused(code),
        Some(code) => DeliveryError::Deferred(code),
        None => DeliveryError::Unreachable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The transport's connection pool starts a task: it needs a runtime.
    #[tokio::test]
    async fn smtp_urls_and_senders_are_checked() {
        assert!(Outbox::smtp("smtp://127.0.0.1:1025", "portal@localhost").is_ok());
        assert!(Outbox::smtp("smtps://user:pw@mail.example.org:465", "portal@example.org").is_ok());
        assert!(
            Outbox::smtp(
                "smtp://mail.example.org:587?tls=required",
                "portal@example.org"
            )
            .is_ok()
        );
        let bad_url = Outbox::smtp("http://mail.example.org", "portal@example.org");
        assert!(matches!(bad_url, Err(OutboxError::SmtpUrl(_))));
        let bad_from = Outbox::smtp("smtp://127.0.0.1:1025", "portal at example");
        assert!(matches!(bad_from, Err(OutboxError::From(_))));
    }
}
