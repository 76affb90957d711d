//! The patient's side of enrollment. Here the secret (an emailed link's token or a printed
//! code) is the capability: it leads to exactly one invitation, and through it one chart.

use domain::{OrganizationId, PatientId};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, database::dispatch};

/// An invitation as the enrollment steps need it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenInvitation {
    pub id: Uuid,
    pub organization: OrganizationId,
    pub patient: PatientId,
    pub status: String,
    pub attempts: i64,
    pub expires_at: Timestamp,
    /// Whether the access-code step is behind the patient.
    pub access_code_verified: bool,
    /// A sign-up without an invitation (channel `self`): its one form asked for everything
    /// the invited steps 1 and 2 ask.
    pub self_enrollment: bool,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    organization_id: Uuid,
    patient_id: Uuid,
    status: String,
    attempts: i64,
    expires_at: jiff_sqlx::Timestamp,
    access_code_verified_at: Option<jiff_sqlx::Timestamp>,
    channel: String,
}

impl From<Row> for OpenInvitation {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            organization: OrganizationId::from_uuid(row.organization_id),
            patient: PatientId::from_uuid(row.patient_id),
            status: row.status,
            attempts: row.attempts,
            expires_at: row.expires_at.to_jiff(),
            access_code_verified: row.access_code_verified_at.is_some(),
            self_enrollment: row.channel == "self",
        }
    }
}

const COLUMNS: &str = "id, organization_id, patient_id, status, attempts, expires_at, access_code_verified_at, channel";

/// Which secret leads to the invitation.
pub enum InvitationSecret<'a> {
    /// SHA-256 of an emailed link's token.
    TokenHash(&'a str),
    /// Keyed hash of a printed activation code.
    CodeHash(&'a str),
}

impl Database {
    pub async fn invitation_by_secret(
        &self,
        secret: InvitationSecret<'_>,
    ) -> anyhow::Result<Option<OpenInvitation>> {
        let (column, value) = match secret {
            InvitationSecret::TokenHash(hash) => ("token_hash", hash),
            InvitationSecret::CodeHash(hash) => ("code_hash", hash),
        };
        let sql = format!("SELECT {COLUMNS} FROM invitations WHERE {column} = $1");
        let row: Option<Row> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(OpenInvitation::from))
    }

    pub async fn invitation_by_id(&self, id: Uuid) -> anyhow::Result<Option<OpenInvitation>> {
        let sql = format!("SELECT {COLUMNS} FROM invitations WHERE id = $1");
        let row: Option<Row> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(OpenInvitation::from))
    }

    /// Marks an invitation opened (once: later openings only add an event) and starts the
    /// enrollment session that carries the patient through the next steps.
    pub async fn open_invitation(
        &self,
        invitation: &OpenInvitation,
        session_token_hash: &str,
        session_expires_at: Timestamp,
        client_addr: Option<&str>,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET status = 'opened' WHERE id = $1 AND status = 'invited'",
            )
            .bind(invitation.id)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at) \
                 VALUES ($1, $2, $3, $4, 'opened', $5)",
            )
            .bind(Uuid::now_v7())
            .bind(invitation.organization.as_uuid())
            .bind(invitation.id)
            .bind(invitation.patient.as_uuid())
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO enrollment_sessions (token_hash, invitation_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(session_token_hash)
            .bind(invitation.id)
            .bind(now.to_sqlx())
            .bind(session_expires_at.to_sqlx())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(invitation.organization),
            actor: AuditActor::System("enrollment".to_owned()),
            action: "invitation.open".to_owned(),
            patient: Some(invitation.patient),
            subject: None,
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("invitation {}", invitation.id)),
        })
        .await?;
        tx.commit().await
    }

    /// The invitation an enrollment session leads to, while the session lasts.
    pub async fn enrollment_session(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<OpenInvitation>> {
        let row: Option<(Uuid, jiff_sqlx::Timestamp)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT invitation_id, expires_at FROM enrollment_sessions WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        match row {
            Some((id, expires)) if expires.to_jiff() > Timestamp::now() => {
                self.invitation_by_id(id).await
            }
            _ => Ok(None),
        }
    }
}

/// Which step an attempt belongs to: both count toward the same limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptStep {
    Identity,
    AccessCode,
}

/// What one identity attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Verified,
    /// The details did not match; `locked` when this was the last attempt allowed.
    Mismatch {
        locked: bool,
    },
}

/// The chart's identity fields, for the matcher.
#[derive(Debug, Clone, FromRow)]
pub struct ChartFields {
    pub given_names: String,
    pub family_name: String,
    pub birth_date: jiff_sqlx::Date,
    pub mrn: Option<String>,
    pub ssn_last4_hash: Option<String>,
    pub postal_code: Option<String>,
    pub email: Option<String>,
}

impl ChartFields {
    /// The fields the identity matcher compares (given names split on spaces).
    pub fn identity(&self) -> domain::matching::ChartIdentity {
        domain::matching::ChartIdentity {
            given: self
                .given_names
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            family: self.family_name.clone(),
            birth_date: self.birth_date.to_jiff(),
            mrn: self.mrn.clone(),
            ssn_last4_hash: self.ssn_last4_hash.clone(),
            postal_code: self.postal_code.clone(),
        }
    }
}

impl Database {
    /// The username chosen in this invitation's enrollment, once the credentials step is
    /// done: the terms step shows it back to the patient who chose it.
    pub async fn enrollment_username(
        &self,
        invitation: &OpenInvitation,
    ) -> anyhow::Result<Option<String>> {
        let row: Option<(String,)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT username FROM patient_accounts WHERE invitation_id = $1 AND organization_id = $2",
            )
            .bind(invitation.id)
            .bind(invitation.organization.as_uuid())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(username,)| username))
    }

    /// The identity fields of the chart an invitation belongs to.
    pub async fn invitation_chart(
        &self,
        invitation: &OpenInvitation,
    ) -> anyhow::Result<ChartFields> {
        let row: ChartFields = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT given_names, family_name, birth_date, mrn, ssn_last4_hash, postal_code, email \
                 FROM patients WHERE id = $1 AND organization_id = $2",
            )
            .bind(invitation.patient.as_uuid())
            .bind(invitation.organization.as_uuid())
            .fetch_one(pool)
            .await?
        });
        Ok(row)
    }

    /// The family names of the organization's other charts born the same day as the one an
    /// invitation belongs to: the twins and namesakes a claim on it could belong to instead
    /// (the matcher accepts a nickname only when none is related). Nothing else of those
    /// charts is read; the read is audited.
    pub async fn born_the_same_day(
        &self,
        invitation: &OpenInvitation,
        client_addr: Option<&str>,
    ) -> anyhow::Result<Vec<String>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<String> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_scalar(
                "SELECT others.family_name \
                 FROM patients invited JOIN patients others \
                 ON others.organization_id = invited.organization_id \
                 AND others.birth_date = invited.birth_date AND others.id <> invited.id \
                 WHERE invited.id = $1 AND invited.organization_id = $2",
            )
            .bind(invitation.patient.as_uuid())
            .bind(invitation.organization.as_uuid())
            .fetch_all(&mut **tx)
            .await?
        });
        tx.append_audit(&AuditEntry {
            organization: Some(invitation.organization),
            actor: AuditActor::System("enrollment".to_owned()),
            action: "patient.match".to_owned(),
            patient: None,
            subject: Some(
                "family names of the charts born the same day as the invited one".to_owned(),
            ),
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("{} charts", rows.len())),
        })
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Counts an identity attempt and records its outcome. The counter is incremented in the
    /// database, atomically, so it holds across restarts and instances; at `attempts_allowed`
    /// failures the invitation locks. A mismatch opens a review item with `detail` (which
    /// fields differed); a lock opens another and queues the "someone tried" email.
    pub async fn record_identity_attempt(
        &self,
        invitation: &OpenInvitation,
        step: AttemptStep,
        verified: bool,
        detail: &str,
        attempts_allowed: u8,
        client_addr: Option<&str>,
    ) -> anyhow::Result<AttemptOutcome> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let (attempts, status): (i64, String) = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "UPDATE invitations SET attempts = attempts + $2 WHERE id = $1 RETURNING attempts, status",
            )
            .bind(invitation.id)
            .bind(if verified { 0i64 } else { 1i64 })
            .fetch_one(&mut **tx)
            .await?
        });
        // A concurrent request may have locked or finished the invitation meanwhile.
        if !matches!(status.as_str(), "invited" | "opened" | "identity-verified") {
            tx.commit().await?;
            return Ok(AttemptOutcome::Mismatch { locked: true });
        }
        let locked = !verified && attempts >= i64::from(attempts_allowed);
        let (new_status, stage) = match (step, verified, locked) {
            (AttemptStep::Identity, true, _) => ("identity-verified", "identity-verified"),
            (AttemptStep::AccessCode, true, _) => ("identity-verified", "access-code-verified"),
            (_, false, false) => (status.as_str(), "mismatch"),
            (_, false, true) => ("locked", "locked"),
        };
        let new_status = new_status.to_owned();
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET status = $2, \
                 ended_at = CASE WHEN $2 = 'locked' THEN $3 ELSE ended_at END, \
                 access_code_verified_at = CASE WHEN $4 THEN $3 ELSE access_code_verified_at END \
                 WHERE id = $1",
            )
            .bind(invitation.id)
            .bind(&new_status)
            .bind(now.to_sqlx())
            .bind(stage == "access-code-verified")
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7())
            .bind(invitation.organization.as_uuid())
            .bind(invitation.id)
            .bind(invitation.patient.as_uuid())
            .bind(stage)
            .bind(now.to_sqlx())
            .bind(detail)
            .execute(&mut **tx)
            .await?;
        });
        if !verified {
            let kinds: &[&str] = if locked {
                &["mismatch", "locked"]
            } else {
                &["mismatch"]
            };
            for kind in kinds {
                dispatch!(&mut tx.handle, |tx| {
                    sqlx::query(
                        "INSERT INTO review_items (id, organization_id, patient_id, invitation_id, kind, detail, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(invitation.organization.as_uuid())
                    .bind(invitation.patient.as_uuid())
                    .bind(invitation.id)
                    .bind(*kind)
                    .bind(detail)
                    .bind(now.to_sqlx())
                    .execute(&mut **tx)
                    .await?;
                });
            }
        }
        if verified {
            tx.resolve_corrected_typo(invitation.organization, invitation.id, now)
                .await?;
        }
        if locked {
            // The reminder, still waiting, would carry a link that no longer works.
            tx.cancel_invitation_jobs(invitation.id).await?;
            let payload =
                serde_json::json!({ "invitation": invitation.id, "patient": invitation.patient })
                    .to_string();
            tx.enqueue_job("email.invitation-locked", &payload, now)
                .await?;
        }
        tx.append_audit(&AuditEntry {
            organization: Some(invitation.organization),
            actor: AuditActor::System("enrollment".to_owned()),
            action: format!("enrollment.{stage}"),
            patient: Some(invitation.patient),
            subject: Some(match step {
                AttemptStep::Identity => "identity".to_owned(),
                AttemptStep::AccessCode => "access code".to_owned(),
            }),
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("invitation {} attempt {attempts}", invitation.id)),
        })
        .await?;
        tx.commit().await?;
        Ok(if verified {
            AttemptOutcome::Verified
        } else {
            AttemptOutcome::Mismatch { locked }
        })
    }

    /// Open review items of an organization: (kind, detail), oldest first.
    pub async fn open_review_items(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT kind, detail FROM review_items WHERE organization_id = $1 AND closed_at IS NULL ORDER BY created_at",
            )
            .bind(organization.as_uuid())
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}

/// A chart as the identity matcher sees it, with its id.
#[derive(Debug, Clone, FromRow)]
pub struct MatchCandidate {
    pub id: Uuid,
    pub mrn: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: jiff_sqlx::Date,
    pub ssn_last4_hash: Option<String>,
    pub postal_code: Option<String>,
}

impl Database {
    /// The organization's patients born on any of `dates` (the matcher's candidates: the
    /// claimed date and its day/month swap). The look-up is audited by the caller's use case.
    pub async fn match_candidates(
        &self,
        organization: OrganizationId,
        dates: &[jiff::civil::Date],
        actor: &str,
    ) -> anyhow::Result<Vec<MatchCandidate>> {
        let mut tx = self.begin_read().await?;
        let mut found = Vec::new();
        for date in dates {
            let rows: Vec<MatchCandidate> = dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(
                    "SELECT id, mrn, given_names, family_name, birth_date, ssn_last4_hash, postal_code \
                     FROM patients WHERE organization_id = $1 AND birth_date = $2 AND NOT deceased",
                )
                .bind(organization.as_uuid())
                .bind(date.to_sqlx())
                .fetch_all(&mut **tx)
                .await?
            });
            found.extend(rows);
        }
        tx.append_audit(&AuditEntry {
            organization: Some(organization),
            actor: AuditActor::System(actor.to_owned()),
            action: "patient.match".to_owned(),
            patient: None,
            subject: Some("identity search".to_owned()),
            client_addr: None,
            request_id: None,
            detail: Some(format!("{} candidates", found.len())),
        })
        .await?;
        tx.commit().await?;
        Ok(found)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("that username is taken")]
    UsernameTaken,
    #[error("this invitation is not at the credentials step")]
    WrongStep,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Database {
    /// Which of `usernames` are taken in the organization.
    pub async fn taken_usernames(
        &self,
        organization: OrganizationId,
        usernames: &[String],
    ) -> anyhow::Result<Vec<String>> {
        let mut taken = Vec::new();
        for username in usernames {
            let row: Option<(String,)> = dispatch!(&self.handle, |pool| {
                sqlx::query_as("SELECT username FROM patient_accounts WHERE organization_id = $1 AND username = $2")
                    .bind(organization.as_uuid())
                    .bind(username)
                    .fetch_optional(pool)
                    .await?
            });
            taken.extend(row.map(|(u,)| u));
        }
        Ok(taken)
    }

    /// Creates the patient's (pending) account and moves the invitation to credentials-set,
    /// in one transaction; the unique index decides a race for the same username.
    pub async fn set_credentials(
        &self,
        invitation: &OpenInvitation,
        username: &str,
        password_hash: &str,
        client_addr: Option<&str>,
    ) -> Result<(), CredentialsError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let moved = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET status = 'credentials-set' WHERE id = $1 AND status = 'identity-verified'",
            )
            .bind(invitation.id)
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
            .rows_affected()
        });
        if moved != 1 {
            return Err(CredentialsError::WrongStep);
        }
        let inserted = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO patient_accounts (id, organization_id, patient_id, invitation_id, username, \
                 password_hash, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
            )
            .bind(Uuid::now_v7())
            .bind(invitation.organization.as_uuid())
            .bind(invitation.patient.as_uuid())
            .bind(invitation.id)
            .bind(username)
            .bind(password_hash)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await
            .map(|_| ())
        });
        match inserted {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(CredentialsError::UsernameTaken);
            }
            Err(e) => return Err(CredentialsError::Unexpected(e.into())),
        }
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at) \
                 VALUES ($1, $2, $3, $4, 'credentials-set', $5)",
            )
            .bind(Uuid::now_v7())
            .bind(invitation.organization.as_uuid())
            .bind(invitation.id)
            .bind(invitation.patient.as_uuid())
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(invitation.organization),
            actor: AuditActor::Patient(invitation.patient),
            action: "enrollment.credentials-set".to_owned(),
            patient: Some(invitation.patient),
            subject: Some("account".to_owned()),
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("invitation {}", invitation.id)),
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
