//! The patient's preferences kept on the account (issue 14, point 7): the language chosen for
//! the portal and for emails, and which emails they want. Changes are audited as the
//! patient's.

use domain::PatientScope;
use uuid::Uuid;

use crate::{Database, RequestOrigin, database::dispatch, visits::own_read};

/// Which emails the patient wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationChoices {
    /// "You have a new test result" (sent now).
    pub new_results: bool,
    /// New messages from the care team (kept for the messaging feature).
    pub messages: bool,
    /// Appointment reminders (kept for the appointments feature).
    pub reminders: bool,
}

impl Database {
    /// The language the account chose (`en` or `es`), if it chose one.
    pub async fn account_language(&self, account: Uuid) -> anyhow::Result<Option<String>> {
        let language: Option<Option<String>> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar("SELECT language FROM patient_accounts WHERE id = $1")
                .bind(account)
                .fetch_optional(pool)
                .await?
        });
        Ok(language.flatten())
    }

    /// Keeps the patient's language (`en` or `es`) on the account; audited. Choosing the
    /// language already kept writes nothing.
    pub async fn set_account_language(
        &self,
        scope: &PatientScope,
        language: &str,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(
            matches!(language, "en" | "es"),
            "not a language of the portal: {language}"
        );
        let mut tx = self.begin().await?;
        let changed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE patient_accounts SET language = $3 \
                 WHERE patient_id = $1 AND organization_id = $2 \
                 AND (language IS NULL OR language <> $3)",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .bind(language)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Ok(());
        }
        tx.append_audit(&own_read(
            scope,
            origin,
            "account.language",
            "language".to_owned(),
            language.to_owned(),
        ))
        .await?;
        tx.commit().await
    }

    /// Which emails the patient wants (all on for an account not found).
    pub async fn notification_choices(
        &self,
        scope: &PatientScope,
    ) -> anyhow::Result<NotificationChoices> {
        let row: Option<(bool, bool, bool)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT notify_new_results, notify_messages, notify_reminders \
                 FROM patient_accounts WHERE patient_id = $1 AND organization_id = $2",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(pool)
            .await?
        });
        let (new_results, messages, reminders) = row.unwrap_or((true, true, true));
        Ok(NotificationChoices {
            new_results,
            messages,
            reminders,
        })
    }

    /// Keeps the three email choices at once; audited.
    pub async fn set_notification_choices(
        &self,
        scope: &PatientScope,
        choices: NotificationChoices,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        let changed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE patient_accounts SET notify_new_results = $3, notify_messages = $4, \
                 notify_reminders = $5 WHERE patient_id = $1 AND organization_id = $2",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .bind(choices.new_results)
            .bind(choices.messages)
            .bind(choices.reminders)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        anyhow::ensure!(changed == 1, "the session's account was not found");
        let word = |on: bool| if on { "on" } else { "off" };
        tx.append_audit(&own_read(
            scope,
            origin,
            "account.notifications",
            "email choices".to_owned(),
            format!(
                "new results {}, messages {}, reminders {}",
                word(choices.new_results),
                word(choices.messages),
                word(choices.reminders)
            ),
        ))
        .await?;
        tx.commit().await
    }
}
