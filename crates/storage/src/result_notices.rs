//! New test results (issue 14): which of a patient's results are new to them (imported since
//! they last opened the results list), and the email an import queues to say that some
//! arrived, by the patient's choice.

use std::collections::HashSet;

use const_format::concatcp;
use domain::{OrganizationId, PatientId, PatientScope};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database, RequestOrigin, Tx, database::dispatch, short_read::Arg,
};

/// How many new results are marked at most (the first pages of the list).
const MARKED: i64 = 200;

/// The results imported after a moment (the account's last visit to the results list, else
/// its creation): a range of the import index, given as a value so that PostgreSQL's
/// generic plan reads only that range.
pub(crate) const NEW_RESULT_IDS: &str = concatcp!(
    "SELECT id FROM observations \
     WHERE patient_id = $1 AND organization_id = $2 AND imported_at > $3 \
     AND category IN ('laboratory', 'vital-signs') LIMIT ",
    MARKED
);

/// How many results the account counts as new (kept by the import, cleared by the visit),
/// and since when results are new.
pub(crate) const NEW_RESULTS_COUNTED: &str = "SELECT new_results, \
     COALESCE(results_seen_at, created_at) FROM patient_accounts \
     WHERE patient_id = $1 AND organization_id = $2";

/// The results list was opened: what was new is now seen.
pub(crate) const RESULTS_SEEN: &str = "UPDATE patient_accounts \
     SET results_seen_at = $3, new_results = 0 \
     WHERE patient_id = $1 AND organization_id = $2";

/// An import added results to the patient's chart: the account counts them as new.
pub(crate) const RESULTS_ADDED: &str = "UPDATE patient_accounts \
     SET new_results = new_results + $3 \
     WHERE patient_id = $1 AND organization_id = $2";

/// Whether the patient wants an email about new results, with an active account and an
/// email address on the chart to send it to.
pub(crate) const WANTS_RESULT_EMAIL: &str = "SELECT a.notify_new_results, p.email \
     FROM patient_accounts a JOIN patients p ON p.id = a.patient_id \
     AND p.organization_id = a.organization_id \
     WHERE a.patient_id = $1 AND a.organization_id = $2 AND a.status = 'active' \
     AND a.locked_at IS NULL";

impl Database {
    /// The ids of the scope's patient's results that are new to them, which are then seen:
    /// the account remembers the moment, written only when something was new (a reload
    /// costs no write).
    pub async fn take_new_results(&self, scope: &PatientScope) -> anyhow::Result<HashSet<Uuid>> {
        let patient = scope.patient().as_uuid();
        let org = scope.organization().as_uuid();
        let now = Timestamp::now();
        let (patient_arg, org_arg) = (Arg::Uuid(patient), Arg::Uuid(org));
        // Read on every visit to the list: a short read (inline on SQLite); the write below
        // only when something was new.
        let mut read = self.begin_short_read().await?;
        let account: Option<(i64, jiff_sqlx::Timestamp)> = read
            .optional(NEW_RESULTS_COUNTED, &[patient_arg, org_arg])
            .await?;
        let (counted, ids) = match account {
            // Nothing counted as new: no import added a result since the last visit (an
            // update of one already shown is not news), and the list is not looked through.
            Some((0, _)) | None => (0, Vec::new()),
            Some((counted, since)) => {
                let ids: Vec<(Uuid,)> = read
                    .all(
                        NEW_RESULT_IDS,
                        &[patient_arg, org_arg, Arg::At(since.to_jiff())],
                    )
                    .await?;
                (counted, ids)
            }
        };
        read.commit().await?;
        if ids.is_empty() && counted == 0 {
            return Ok(HashSet::new());
        }
        dispatch!(&self.handle, |pool| {
            sqlx::query(RESULTS_SEEN)
                .bind(patient)
                .bind(org)
                .bind(now.to_sqlx())
                .execute(pool)
                .await?;
        });
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    /// Whether the patient asked for an email when they have a new test result.
    pub async fn notify_new_results(&self, scope: &PatientScope) -> anyhow::Result<bool> {
        let on: Option<bool> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT notify_new_results FROM patient_accounts \
                 WHERE patient_id = $1 AND organization_id = $2",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(pool)
            .await?
        });
        Ok(on.unwrap_or(false))
    }

    /// Turns the "new test result" email on or off; audited as the patient's change.
    pub async fn set_notify_new_results(
        &self,
        scope: &PatientScope,
        on: bool,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        let changed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE patient_accounts SET notify_new_results = $3 \
                 WHERE patient_id = $1 AND organization_id = $2",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .bind(on)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        anyhow::ensure!(changed == 1, "the session's account was not found");
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "account.notifications".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("new result email".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(if on { "on" } else { "off" }.to_owned()),
        })
        .await?;
        tx.commit().await
    }
}

impl Tx {
    /// Counts `added` results (laboratory results and vital signs an import inserted) as new
    /// to the patient's account, in the import's transaction; nothing when the patient has
    /// no account (results on the chart before the account are not news to it).
    pub async fn count_new_results(
        &mut self,
        organization: OrganizationId,
        patient: PatientId,
        added: i64,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(RESULTS_ADDED)
                .bind(patient.as_uuid())
                .bind(organization.as_uuid())
                .bind(added)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }

    /// Queues one "you have a new test result" email for each patient an import added
    /// results to, when the patient has an active account, wants it and has an email
    /// address; in the import's transaction (the outbox), so that it goes only if the
    /// results are kept. Returns how many were queued.
    pub async fn queue_new_result_emails(
        &mut self,
        organization: OrganizationId,
        patients: &[PatientId],
    ) -> anyhow::Result<usize> {
        let now = Timestamp::now();
        let mut queued = 0;
        for patient in patients {
            let wants: Option<(bool, Option<String>)> = dispatch!(&mut self.handle, |tx| {
                sqlx::query_as(WANTS_RESULT_EMAIL)
                    .bind(patient.as_uuid())
                    .bind(organization.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?
            });
            let Some((true, Some(email))) = wants else {
                continue;
            };
            if email.trim().is_empty() {
                continue;
            }
            let payload = serde_json::json!({ "patient": patient }).to_string();
            self.enqueue_job("email.new-result", &payload, now).await?;
            queued += 1;
        }
        Ok(queued)
    }
}
