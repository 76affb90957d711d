//! Storage: the only crate that knows SQL.
//!
//! The backend (SQLite or PostgreSQL) is chosen once, from the URL, in [`Database::connect`].
//! Callers never branch on it: every query is written once, in SQL both backends accept, and
//! [`dispatch!`] runs it against whichever pool or transaction is in hand.

mod audit;
mod audit_pending;
mod bench_fill;
mod bot_challenges;
mod care;
mod dashboard;
mod database;
mod demo;
mod device_alerts;
mod directory;
mod email_changes;
mod enrollment;
mod funnel;
mod import;
mod inline;
mod invitations;
mod jobs;
mod mail;
mod messages;
mod organizations;
mod params;
mod passkeys;
mod password_resets;
mod patient_accounts;
mod patients;
mod policies;
mod preferences;
mod profile;
#[cfg(test)]
mod query_plans;
mod readers;
mod record_access;
mod record_export;
mod record_lists;
mod result_notices;
mod results;
mod retention;
mod review;
mod self_enrollment;
mod sessions;
mod short_read;
mod sign_in_defences;
mod staff;
mod staff_access;
mod support;
mod terms;
#[cfg(test)]
mod testing;
mod two_step;
mod visits;

pub use audit::{
    AuditActor, AuditBreak, AuditCheck, AuditEntry, AuditHead, AuditKey, AuditedAction,
    BreakReason, ExpectedHead, ExpectedHeadError,
};
pub use audit_pending::UnsealedAudit;
pub use care::{
    CARE_SHOWN, CarePlan, CarePlans, Goal, GoalStatus, PlanStatus, Procedure, Procedures,
};
pub use dashboard::{Dashboard, UpcomingVisit};
pub use database::{Backend, ConnectError, Database, ReadTx, Tx, WalCheckpoint};
pub use demo::PatientToTry;
pub use device_alerts::{AccountMadeAlert, DeviceAlert, LockedAccount, NewDeviceAlert};
pub use email_changes::{NewEmailChange, PendingEmailChange};
pub use enrollment::{
    AttemptOutcome, AttemptStep, ChartFields, CredentialsError, InvitationSecret, MatchCandidate,
    OpenInvitation,
};
pub use funnel::{FUNNEL_STAGES, Funnel};
pub use import::{Outcome, RecordId};
pub use invitations::{CreateInvitationError, InvitationSummary, NewInvitation};
pub use jobs::{Backoff, ClaimedJob, FailOutcome, Failure, JobRecord};
pub use mail::{InvitationState, KeptMessage, MailRecipient, MailSubject, MailboxEntry};
pub use messages::{
    About, Attachment, AttachmentInfo, Author, Colleague, InboxFilter, InboxRow, Message,
    MessageWriteError, NewAttachment, NewThread, Note, ReplyTemplate, StaffThread, THREADS_SHOWN,
    Thread, ThreadSummary, tidy_file_name,
};
pub use organizations::{Organization, PracticeCard};
pub use passkeys::{NewCeremony, PasskeySummary, StoredPasskey};
pub use password_resets::{IssuedCode, NewReset, OpenReset, RecoveryAccount, RecoveryKey};
pub use patient_accounts::{PatientAccount, PatientHome, TermsUpdate};
pub use patients::{ChartPhone, PatientQuery, PatientSummary, PortalStatus, RequestOrigin};
pub use preferences::NotificationChoices;
pub use profile::{
    CloseContactChangeError, ContactChangeOutcome, ContactDetails, ContactRequest, Profile,
    QueuedContactChange,
};
pub use record_access::RecordAccess;
pub use record_export::{
    BUNDLE_TYPES, LATEST_TESTS, RECENT_VISITS, RecordBundle, RecordSummary, SummaryPatient,
};
pub use record_lists::{
    Allergy, Condition, Criticality, Immunization, Medicine, Schedule, Severity,
};
pub use results::{Flag, RESULTS_PER_PAGE, ResultDetail, ResultGroup, ResultsPage, TestResult};
pub use retention::{RetentionPolicy, RetentionReport};
pub use review::{ReviewError, ReviewItem};
pub use self_enrollment::{NewSelfEnrollment, SelfEnrollmentCandidate, SelfEnrollmentError};
pub use sessions::{
    FailureCount, NewSession, PatientSession, Pruned, Session, SessionInfo, SessionKind,
};
pub use sign_in_defences::{
    FailureSamples, FailureSummary, FailuresBy, HourlyFailures, HourlyRefusals, NewSignInFailure,
    NoticedEvent, RefusedSignIn, SecurityEvent, SeenDevice, Sighting, TurnCounter, TurnOutcome,
};
pub use staff::{NewStaff, StaffAccount, StaffError};
pub use staff_access::{MANY_RECORDS, is_unusual_hour};
pub use support::{SupportChangeError, SupportDetail, SupportItem, SupportMailing};
pub use terms::{
    ActivateError, DefaultTerms, DefaultText, PublishedText, TermsLanguage, TermsText, TermsVersion,
};
pub use two_step::{
    AccountRef, Challenge, EmailedCode, EnableTwoStep, NewChallenge, SecondStep, TwoStep,
};
pub use visits::{Appointment, VISITS_PER_PAGE, Visit, VisitDetail, VisitsPage};
