//! The jobs worker: a task beside the HTTP server that claims due jobs from the outbox, writes
//! each email (reading what it needs, audited as the system), sends it or keeps it in the
//! mailbox, and completes the job, clearing its payload. Jobs are leased, so several instances
//! can run workers on one database and each job still runs once.

use std::time::Duration;

use domain::{Email, PatientId, PracticeTimeZone, support::SupportStatus};
use jiff::{SignedDuration, Timestamp};
use mail::{
    ConfirmEmailMail, EmailChangingMail, InvitationMail, Language, Letter, LockedMail, Message,
    NewDeviceMail, NewMessageMail, NewResultMail, Outbox, PasswordChangedMail, PasswordResetMail,
    Practice, ReadyList, SignInChange, SignInChangedMail, SignInCodeMail, SupportMail, WelcomeMail,
};
use serde::Deserialize;
use storage::{
    AuditHead, Backoff, ClaimedJob, Database, FailOutcome, Failure, MailRecipient, MailSubject,
    RetentionPolicy, RetentionReport,
};
use tokio::{sync::watch, task::JoinHandle};
use uuid::Uuid;

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The wait between looks for due jobs when there was nothing to do.
    pub poll: Duration,
    /// Jobs claimed at a time.
    pub batch: u32,
    /// How long a claimed job is this worker's; after that another may run it.
    pub lease: SignedDuration,
    pub backoff: Backoff,
    /// How long ended sessions, finished jobs, device alerts and kept emails stay.
    pub retention: RetentionPolicy,
}

impl WorkerConfig {
    pub fn polling_every(poll: Duration) -> Self {
        Self {
            poll,
            batch: 10,
            lease: SignedDuration::from_mins(5),
            backoff: Backoff::default(),
            retention: RetentionPolicy::default(),
        }
    }
}

/// What the worker needs to run jobs.
pub struct Worker {
    pub db: Database,
    pub outbox: Outbox,
    /// The portal's address, for links in emails.
    pub base_url: String,
    pub config: WorkerConfig,
}

/// A worker running in the background.
pub struct RunningWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    sealer: JoinHandle<()>,
    checkpointer: JoinHandle<()>,
}

/// How often the sealer looks for audit rows to seal when it found none or few. Often, so
/// that each round is short: a round holds SQLite's one writer, and every read's audit row
/// waits behind it.
const SEAL_EVERY: Duration = Duration::from_millis(25);
/// Audit rows sealed per transaction, at most: about a millisecond of the writer's time (a
/// full batch is followed at once by the next). Rounds of 250 rows showed in the slowest
/// hundredth of reads, each of which waits for the writer (docs/PERFORMANCE.md).
const SEAL_BATCH: i64 = 100;

/// How often the server copies SQLite's write-ahead log into the database file
/// ([`Database::checkpoint`]): often enough that a commit rarely has to.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// How often the worker deletes throttle counters, challenges and failed sign-ins that no
/// longer count (`Database::prune_expired`).
const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);

/// How long shutdown waits for the job in hand. A job cut short keeps its lease and runs
/// again once the lease ends, here or on another instance.
const STOP_GRACE: Duration = Duration::from_secs(2);

impl RunningWorker {
    /// Stops looking for jobs and lets the one in hand finish, for a moment at most.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
            tracing::warn!("the jobs worker did not stop in time; its job will run again");
            task.abort();
        }
        // The sealer finishes its round (every row it read is sealed or none is) and seals
        // what the last requests left, within the grace period; what remains waits for the
        // next instance to start.
        let mut sealer = self.sealer;
        if tokio::time::timeout(STOP_GRACE, &mut sealer).await.is_err() {
            tracing::warn!(
                "the audit sealer did not stop in time; the rows left wait for the next start"
            );
            sealer.abort();
        }
        // Between two checkpoints it only sleeps; one under way is left to finish.
        let mut checkpointer = self.checkpointer;
        if tokio::time::timeout(STOP_GRACE, &mut checkpointer)
            .await
            .is_err()
        {
            checkpointer.abort();
        }
    }
}

/// The kinds of job the worker knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invitation,
    InvitationReminder,
    InvitationLocked,
    Welcome,
    PasswordReset,
    PasswordChanged,
    NewDevice,
    SignInCode,
    ConfirmEmail,
    EmailChanging,
    SignInChanged,
    NewResult,
    NewMessage,
    SupportReceived,
    SupportUpdate,
}

impl Kind {
    fn parse(kind: &str) -> Option<Self> {
        match kind {
            "email.invitation" => Some(Self::Invitation),
            "email.invitation-reminder" => Some(Self::InvitationReminder),
            "email.invitation-locked" => Some(Self::InvitationLocked),
            "email.welcome" => Some(Self::Welcome),
            "email.password-reset" => Some(Self::PasswordReset),
            "email.password-changed" => Some(Self::PasswordChanged),
            "email.new-device" => Some(Self::NewDevice),
            "email.sign-in-code" => Some(Self::SignInCode),
            "email.confirm-email" => Some(Self::ConfirmEmail),
            "email.email-changing" => Some(Self::EmailChanging),
            "email.sign-in-changed" => Some(Self::SignInChanged),
            "email.new-result" => Some(Self::NewResult),
            "email.new-message" => Some(Self::NewMessage),
            "email.support-received" => Some(Self::SupportReceived),
            "email.support-status" => Some(Self::SupportUpdate),
            _ => None,
        }
    }
}

/// What the outbox rows carry: ids, for invitations, password resets and new-device alerts
/// the link, for resets the account's username and how long the link works, for alerts the
/// device and when it signed in.
#[derive(Debug, Deserialize)]
struct Payload {
    invitation: Option<Uuid>,
    patient: Option<Uuid>,
    link: Option<String>,
    username: Option<String>,
    valid_minutes: Option<u32>,
    device: Option<String>,
    signed_in_at: Option<Timestamp>,
    /// A sign-in code (cleared with the payload once sent).
    code: Option<String>,
    /// Where to write instead of the chart's address: the new address of an email change,
    /// or the old one told of it.
    to: Option<String>,
    /// What changed in how the patient signs in (`two-step-on`, `passkey-added`...).
    change: Option<String>,
    /// A support request from the public form (its emails go to the address typed there).
    support: Option<Uuid>,
}

/// A job that ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Sent,
    /// Nothing to send, for this reason (no PHI).
    Skipped(&'static str),
}

/// Why a job did not run to its end. The words are kept in the jobs table: no PHI.
#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("unknown job kind")]
    UnknownKind,
    #[error("the payload is not what this kind of job carries")]
    Payload,
    /// The cause stays out of the words kept: database errors may quote values.
    #[error("the database could not be read")]
    Storage(#[source] anyhow::Error),
    #[error("the message could not be rendered")]
    Render(#[from] mail::RenderError),
    #[error("delivery: {0}")]
    Delivery(#[from] mail::DeliveryError),
}

impl JobError {
    /// Why the email did not go, in words for staff (no patient named: the delivery errors
    /// keep only SMTP status codes).
    fn for_staff(&self) -> String {
        match self {
            JobError::Delivery(error) => error.to_string(),
            JobError::Storage(_) => "the portal could not read what the email needed".to_owned(),
            JobError::UnknownKind | JobError::Payload | JobError::Render(_) => {
                "the email could not be written (a fault on our side, logged)".to_owned()
            }
        }
    }

    fn failure(&self) -> Failure {
        match self {
            JobError::Storage(_) => Failure::Transient,
            JobError::Delivery(error) if !error.is_permanent() => Failure::Transient,
            _ => Failure::Permanent,
        }
    }
}

/// Seals the audit rows that requests append, in the background, until `stopped`: one
/// instance at a time seals (the database's chain lock), the others find nothing or wait.
async fn seal_audit(db: Database, mut stopped: watch::Receiver<bool>) {
    loop {
        let sealed = match db.seal_audit(SEAL_BATCH).await {
            Ok(sealed) => sealed,
            Err(error) => {
                tracing::warn!(error = %format_args!("{error:#}"), "could not seal audit rows");
                0
            }
        };
        if *stopped.borrow() {
            if let Err(error) = db.seal_all_audit().await {
                tracing::warn!(error = %format_args!("{error:#}"), "could not seal the last audit rows");
            }
            return;
        }
        // A full batch suggests more are waiting: seal again at once.
        if sealed < SEAL_BATCH as u64 {
            tokio::select! {
                _ = stopped.changed() => {}
                () = tokio::time::sleep(SEAL_EVERY) => {}
            }
        }
    }
}

/// Checkpoints SQLite's write-ahead log in the background until `stopped`, so that no
/// request's commit does it on its way (on PostgreSQL a checkpoint does nothing). A failure
/// is logged once, and again only after a checkpoint succeeded.
async fn checkpoint_wal(db: Database, mut stopped: watch::Receiver<bool>) {
    let mut failing = false;
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            () = tokio::time::sleep(CHECKPOINT_EVERY) => {}
        }
        match db.checkpoint().await {
            Ok(_) if failing => {
                failing = false;
                tracing::info!("the write-ahead log is checkpointed again");
            }
            Ok(_) => {}
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(
                    error = %format_args!("{error:#}"),
                    "could not checkpoint the write-ahead log; commits will when it grows"
                );
            }
            Err(_) => {}
        }
    }
}

impl Worker {
    pub fn spawn(self) -> RunningWorker {
        let (stop, stopped) = watch::channel(false);
        let sealer = tokio::spawn(seal_audit(self.db.clone(), stopped.clone()));
        let checkpointer = tokio::spawn(checkpoint_wal(self.db.clone(), stopped.clone()));
        let task = tokio::spawn(self.run(stopped));
        RunningWorker {
            stop,
            task,
            sealer,
            checkpointer,
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let mut pruned_at: Option<std::time::Instant> = None;
        let mut upkept_at: Option<std::time::Instant> = None;
        loop {
            if upkept_at.is_none_or(|at| at.elapsed() >= UPKEEP_LOOK) {
                upkept_at = Some(std::time::Instant::now());
                if let Err(error) = self.run_upkeep(Timestamp::now()).await {
                    tracing::warn!(error = %error, "periodic upkeep failed");
                }
            }
            if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                pruned_at = Some(std::time::Instant::now());
                match self.db.prune_expired(Timestamp::now()).await {
                    Ok(pruned) => tracing::debug!(?pruned, "pruned what no longer counts"),
                    Err(error) => tracing::warn!(error = %error, "could not prune"),
                }
            }
            let ran = match self.run_due().await {
                Ok(ran) => ran,
                Err(error) => {
                    tracing::warn!(error = %error, "could not claim jobs");
                    0
                }
            };
            if *stopped.borrow() {
                return;
            }
            // A full batch suggests more are waiting: look again at once.
            if ran < self.config.batch as usize {
                tokio::select! {
                    _ = stopped.changed() => return,
                    () = tokio::time::sleep(self.config.poll) => {}
                }
            }
        }
    }

    /// Claims one batch of due jobs and runs them; answers how many there were.
    pub async fn run_due(&self) -> anyhow::Result<usize> {
        let jobs = self
            .db
            .claim_jobs(self.config.batch, self.config.lease)
            .await?;
        for job in &jobs {
            self.run_job(job).await;
        }
        Ok(jobs.len())
    }

    #[tracing::instrument(skip_all, fields(job = %job.id, kind = %job.kind, attempt = job.attempts))]
    async fn run_job(&self, job: &ClaimedJob) {
        match self.perform(job).await {
            Ok(done) => {
                match done {
                    Done::Sent => tracing::info!("email delivered"),
                    Done::Skipped(reason) => tracing::info!(reason, "nothing to send"),
                }
                if let Err(error) = self.db.complete_job(job).await {
                    tracing::error!(error = %error, "could not mark a job done");
                }
            }
            Err(error) => {
                let failure = error.failure();
                let message = error.to_string();
                if self.undeliverable_invitation(job, &error, failure).await {
                    return;
                }
                match self
                    .db
                    .fail_job(job, &message, failure, &self.config.backoff)
                    .await
                {
                    Ok(FailOutcome::RetryAt(at)) => {
                        tracing::warn!(error = %message, retry_at = %at, "job failed; will retry")
                    }
                    Ok(FailOutcome::Failed) => {
                        tracing::error!(error = %message, "job failed for good")
                    }
                    Err(storage_error) => {
                        tracing::error!(error = %storage_error, "could not record a job's failure")
                    }
                }
            }
        }
    }

    /// When an invitation's email has failed for good (refused, or its last try), records it
    /// where staff see it, with the job's failure, in one transaction; answers whether it did.
    /// Other jobs, and tries with more to come, are left to `fail_job`.
    async fn undeliverable_invitation(
        &self,
        job: &ClaimedJob,
        error: &JobError,
        failure: Failure,
    ) -> bool {
        let invitation_email = matches!(
            Kind::parse(&job.kind),
            Some(Kind::Invitation | Kind::InvitationReminder)
        );
        let last_try = failure == Failure::Permanent
            || self.config.backoff.delay_after(job.attempts).is_none();
        if !invitation_email || !last_try || job.invitation.is_none() {
            return false;
        }
        match self
            .db
            .fail_invitation_delivery(job, &error.to_string(), &error.for_staff())
            .await
        {
            Ok(recorded) => {
                tracing::error!(error = %error, recorded, "invitation email failed for good; staff are told");
                true
            }
            Err(storage_error) => {
                tracing::error!(error = %storage_error, "could not record an undeliverable invitation");
                false
            }
        }
    }

    /// An email about a support request, to the address typed on the form: no patient, no
    /// chart.
    async fn perform_support(
        &self,
        job: &ClaimedJob,
        kind: Kind,
        request: Uuid,
    ) -> Result<Done, JobError> {
        let Some(mailing) = self
            .db
            .support_mailing(request)
            .await
            .map_err(JobError::Storage)?
        else {
            return Ok(Done::Skipped("the request is gone or has no email address"));
        };
        if kind == Kind::SupportUpdate && mailing.status == SupportStatus::New {
            return Ok(Done::Skipped("the request is new again: nothing to tell"));
        }
        let Ok(to) = Email::parse(&mailing.to) else {
            return Ok(Done::Skipped("the address typed cannot take mail"));
        };
        let mail = SupportMail {
            first_name: mailing.name,
            practice: Practice {
                name: mailing.practice_name.clone(),
                phone: mailing.practice_phone,
            },
            reference: mailing.reference,
            done: mailing.status == SupportStatus::Closed,
        };
        let message = match kind {
            Kind::SupportReceived => Message::SupportReceived(mail),
            _ => Message::SupportUpdate(mail),
        };
        let rendered = mail::render(&message, Language::for_tag(Some(&mailing.language)))?;
        self.outbox
            .deliver(&Letter {
                to: to.as_str(),
                practice_name: &mailing.practice_name,
                rendered: &rendered,
                organization: Some(mailing.organization),
                patient: None,
                job: job.id,
            })
            .await?;
        Ok(Done::Sent)
    }

    async fn perform(&self, job: &ClaimedJob) -> Result<Done, JobError> {
        let kind = Kind::parse(&job.kind).ok_or(JobError::UnknownKind)?;
        if job.payload.is_empty() {
            // Cleared when its invitation ended, after this worker claimed it.
            return Ok(Done::Skipped("the job was cancelled"));
        }
        let payload: Payload = serde_json::from_str(&job.payload).map_err(|_| JobError::Payload)?;
        if matches!(kind, Kind::SupportReceived | Kind::SupportUpdate) {
            let request = payload.support.ok_or(JobError::Payload)?;
            return self.perform_support(job, kind, request).await;
        }
        let subject = match (payload.invitation.or(job.invitation), payload.patient) {
            (Some(invitation), _) => MailSubject::Invitation(invitation),
            (None, Some(patient)) => MailSubject::Patient(PatientId::from_uuid(patient)),
            (None, None) => return Err(JobError::Payload),
        };
        let Some(recipient) = self
            .db
            .mail_recipient(subject, job.id, &job.kind)
            .await
            .map_err(JobError::Storage)?
        else {
            return Ok(Done::Skipped("the patient or invitation is gone"));
        };
        if let Err(reason) = worth_sending(kind, &recipient, Timestamp::now()) {
            return Ok(Done::Skipped(reason));
        }
        // Without an SMTP server, mail is kept where staff read it: a reset link there would
        // let anyone on the staff take over the account, a "this wasn't me" link lock it in
        // the patient's name. (The patient could not receive either anyway.)
        // A sign-in code there would be a second step any staff member could pass.
        if matches!(
            kind,
            Kind::PasswordReset | Kind::NewDevice | Kind::SignInCode | Kind::ConfirmEmail
        ) && self.outbox.keeps_mail()
        {
            return Ok(Done::Skipped(
                "no SMTP server: a reset or lock link is never kept for staff",
            ));
        }
        let Some(to) = payload
            .to
            .as_deref()
            .or(recipient.email.as_deref())
            .and_then(|e| Email::parse(e).ok())
        else {
            // An invitation was sent to an address: one that cannot take mail is a failure
            // staff must see (and correct), not a quiet skip.
            if matches!(kind, Kind::Invitation | Kind::InvitationReminder) {
                return Err(JobError::Delivery(mail::DeliveryError::BadAddress));
            }
            return Ok(Done::Skipped("no email address on file"));
        };
        let practice = Practice {
            name: recipient.practice_name.clone(),
            phone: recipient.practice_phone.clone(),
        };
        let first_name = recipient.first_name.clone();
        // Dates in an email are the practice's: the patient reads them on its clock.
        let zone = recipient
            .practice_time_zone
            .clone()
            .unwrap_or_else(PracticeTimeZone::server_default);
        let zone = zone.zone();
        let message = match kind {
            Kind::Invitation | Kind::InvitationReminder => {
                let link = payload.link.ok_or(JobError::Payload)?;
                let policy = self
                    .db
                    .enrollment_policy(recipient.organization)
                    .await
                    .map_err(JobError::Storage)?;
                let expires_at = recipient
                    .invitation
                    .as_ref()
                    .map(|i| i.expires_at)
                    .ok_or(JobError::Payload)?;
                let mail = InvitationMail {
                    first_name,
                    practice,
                    link,
                    expires_on: expires_at.to_zoned(zone.clone()).date(),
                    ready: ReadyList::for_policy(&policy),
                };
                if kind == Kind::Invitation {
                    Message::Invitation(mail)
                } else {
                    Message::InvitationReminder(mail)
                }
            }
            Kind::InvitationLocked => Message::InvitationLocked(LockedMail {
                first_name,
                practice,
            }),
            Kind::Welcome => Message::Welcome(WelcomeMail {
                first_name,
                practice,
                portal_url: format!("{}/", self.base_url),
                // Kept for staff without an SMTP server: the welcome, never its lock link.
                not_me_link: payload.link.filter(|_| !self.outbox.keeps_mail()),
            }),
            Kind::PasswordReset => Message::PasswordReset(PasswordResetMail {
                first_name,
                practice,
                username: payload.username.ok_or(JobError::Payload)?,
                link: payload.link.ok_or(JobError::Payload)?,
                valid_minutes: payload.valid_minutes.ok_or(JobError::Payload)?,
            }),
            Kind::PasswordChanged => Message::PasswordChanged(PasswordChangedMail {
                first_name,
                practice,
            }),
            Kind::NewDevice => Message::NewDevice(NewDeviceMail {
                first_name,
                practice,
                device: payload.device,
                signed_in_at: payload
                    .signed_in_at
                    .ok_or(JobError::Payload)?
                    .to_zoned(zone.clone())
                    .datetime(),
                link: payload.link.ok_or(JobError::Payload)?,
            }),
            Kind::SignInCode => Message::SignInCode(SignInCodeMail {
                first_name,
                practice,
                code: payload.code.ok_or(JobError::Payload)?,
                valid_minutes: payload.valid_minutes.ok_or(JobError::Payload)?,
            }),
            Kind::ConfirmEmail => Message::ConfirmEmail(ConfirmEmailMail {
                first_name,
                practice,
                link: payload.link.ok_or(JobError::Payload)?,
            }),
            Kind::EmailChanging => Message::EmailChanging(EmailChangingMail {
                first_name,
                practice,
            }),
            Kind::SignInChanged => Message::SignInChanged(SignInChangedMail {
                first_name,
                practice,
                change: payload
                    .change
                    .as_deref()
                    .and_then(SignInChange::parse)
                    .ok_or(JobError::Payload)?,
            }),
            Kind::NewResult => Message::NewResult(NewResultMail {
                first_name,
                practice,
                sign_in_url: format!("{}/sign-in", self.base_url),
            }),
            Kind::NewMessage => Message::NewMessage(NewMessageMail {
                first_name,
                practice,
                sign_in_url: format!("{}/sign-in", self.base_url),
            }),
            // Sent by `perform_support`.
            Kind::SupportReceived | Kind::SupportUpdate => return Err(JobError::Payload),
        };
        let rendered = mail::render(&message, Language::for_tag(recipient.language.as_deref()))?;
        self.outbox
            .deliver(&Letter {
                to: to.as_str(),
                practice_name: &recipient.practice_name,
                rendered: &rendered,
                organization: Some(recipient.organization),
                patient: Some(recipient.patient),
                job: job.id,
            })
            .await?;
        Ok(Done::Sent)
    }
}

/// How often the worker asks whether periodic upkeep is due (the database decides which
/// instance runs it).
const UPKEEP_LOOK: Duration = Duration::from_secs(60);

/// How often the tables are pruned to their retention periods, once across instances.
const RETENTION_EVERY: SignedDuration = SignedDuration::from_hours(1);

/// How often the audit chain's head is written to the log, once across instances: kept with
/// the logs, each line is a head that `audit verify --expect-head` checks later.
const AUDIT_HEAD_EVERY: SignedDuration = SignedDuration::from_mins(10);

/// What one round of upkeep did on this instance (nothing when another instance had it).
#[derive(Debug, Default)]
pub struct Upkeep {
    pub retention: Option<RetentionReport>,
    pub audit_head: Option<AuditHead>,
}

impl Worker {
    /// Runs the periodic upkeep that is due at `now` and that no other instance claimed for
    /// this period: retention (hourly) and publishing the audit head (every 10 minutes).
    pub async fn run_upkeep(&self, now: Timestamp) -> anyhow::Result<Upkeep> {
        let mut upkeep = Upkeep::default();
        if self
            .db
            .claim_periodic_task("retention", now, now + RETENTION_EVERY)
            .await?
        {
            let report = self.db.apply_retention(&self.config.retention, now).await?;
            if report.total() > 0 {
                tracing::info!(deleted = %report, "retention: deleted rows past their period");
            }
            upkeep.retention = Some(report);
        }
        if self
            .db
            .claim_periodic_task("audit-head", now, now + AUDIT_HEAD_EVERY)
            .await?
            && let Some(head) = self.db.audit_chain_head().await?
        {
            tracing::info!(seq = head.seq, mac = %head.mac, "audit head");
            upkeep.audit_head = Some(head);
        }
        Ok(upkeep)
    }
}

/// Whether the email still makes sense now. An invitation's email and its reminder carry a
/// link: they go only while the invitation can still be used (not revoked, used, locked or
/// expired). The other messages go whatever happened since (a reset link that expired before
/// its email left says so when followed).
fn worth_sending(
    kind: Kind,
    recipient: &MailRecipient,
    now: Timestamp,
) -> Result<(), &'static str> {
    match kind {
        Kind::Invitation | Kind::InvitationReminder => match &recipient.invitation {
            Some(invitation) if invitation.is_live(now) => Ok(()),
            Some(_) => Err("the invitation has ended"),
            None => Err("no invitation"),
        },
        Kind::InvitationLocked
        | Kind::Welcome
        | Kind::PasswordReset
        | Kind::PasswordChanged
        | Kind::NewDevice
        | Kind::SignInCode
        | Kind::ConfirmEmail
        | Kind::EmailChanging
        | Kind::SignInChanged
        | Kind::NewResult
        | Kind::NewMessage
        | Kind::SupportReceived
        | Kind::SupportUpdate => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::OrganizationId;
    use storage::InvitationState;

    fn recipient(status: &str, expires_in_hours: i64) -> MailRecipient {
        MailRecipient {
            organization: OrganizationId::new(),
            practice_name: "Maple Street Clinic".to_owned(),
            practice_phone: None,
            practice_time_zone: None,
            patient: PatientId::new(),
            first_name: "Lucia".to_owned(),
            language: None,
            email: Some("lucia@example.org".to_owned()),
            invitation: Some(InvitationState {
                id: Uuid::now_v7(),
                status: status.to_owned(),
                expires_at: Timestamp::now() + SignedDuration::from_hours(expires_in_hours),
            }),
        }
    }

    #[test]
    fn invitation_emails_go_only_while_the_invitation_can_be_used() {
        let now = Timestamp::now();
        for kind in [Kind::Invitation, Kind::InvitationReminder] {
            for status in ["invited", "opened", "identity-verified", "credentials-set"] {
                assert_eq!(
                    worth_sending(kind, &recipient(status, 24), now),
                    Ok(()),
                    "{status}"
                );
            }
            for status in ["revoked", "active", "locked", "expired"] {
                assert!(
                    worth_sending(kind, &recipient(status, 24), now).is_err(),
                    "{status}"
                );
            }
            assert!(
                worth_sending(kind, &recipient("invited", -1), now).is_err(),
                "past its expiry"
            );
        }
        assert_eq!(
            worth_sending(Kind::InvitationLocked, &recipient("locked", 24), now),
            Ok(())
        );
        assert_eq!(
            worth_sending(Kind::Welcome, &recipient("active", 24), now),
            Ok(())
        );
    }

    #[test]
    fn only_lasting_failures_are_permanent() {
        assert_eq!(
            JobError::Storage(anyhow::anyhow!("down")).failure(),
            Failure::Transient
        );
        assert_eq!(
            JobError::Delivery(mail::DeliveryError::Unreachable).failure(),
            Failure::Transient
        );
        assert_eq!(
            JobError::Delivery(mail::DeliveryError::Refused("550".into())).failure(),
            Failure::Permanent
        );
        assert_eq!(JobError::Payload.failure(), Failure::Permanent);
        assert_eq!(JobError::UnknownKind.failure(), Failure::Permanent);
    }
}
