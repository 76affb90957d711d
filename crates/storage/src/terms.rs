//! Terms of use and privacy policy: versions, publishing, acceptance, and the activation of
//! the account that acceptance completes.

use domain::{OrganizationId, PatientScope, StaffScope};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    AccountMadeAlert, AuditActor, AuditEntry, Database, OpenInvitation, RequestOrigin,
    database::dispatch, device_alerts::AlertLink,
};

/// One published version of a document: its English text, and its Spanish text where the
/// practice published one.
#[derive(Debug, Clone, PartialEq)]
pub struct TermsVersion {
    pub id: Uuid,
    pub kind: String,
    pub version: i64,
    pub summary: String,
    pub body: String,
    /// What changed since the previous version, in plain words (none for a first version).
    pub changes: Option<String>,
    /// The same version in Spanish, where the practice published it.
    pub spanish: Option<TermsText>,
}

/// A version's text in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct TermsText {
    pub summary: String,
    pub body: String,
    pub changes: Option<String>,
}

/// A language the documents are published in. English always; Spanish where a version has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermsLanguage {
    English,
    Spanish,
}

impl TermsLanguage {
    /// The BCP 47 tag, as kept with an acceptance and put in a page's `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Spanish => "es",
        }
    }
}

impl TermsVersion {
    /// The language a reader who prefers `wanted` is shown this version in: theirs where the
    /// version exists in it, else English.
    pub fn shown_language(&self, wanted: TermsLanguage) -> TermsLanguage {
        match (wanted, &self.spanish) {
            (TermsLanguage::Spanish, Some(_)) => TermsLanguage::Spanish,
            _ => TermsLanguage::English,
        }
    }

    /// The text a reader who prefers `wanted` is shown (see [`Self::shown_language`]).
    pub fn text_for(&self, wanted: TermsLanguage) -> TermsText {
        match (self.shown_language(wanted), &self.spanish) {
            (TermsLanguage::Spanish, Some(spanish)) => spanish.clone(),
            _ => TermsText {
                summary: self.summary.clone(),
                body: self.body.clone(),
                changes: self.changes.clone(),
            },
        }
    }
}

/// The columns a [`TermsRow`] reads, for every query that loads versions (a literal for
/// `concat!`, so that each query is one constant).
macro_rules! version_columns {
    () => {
        "id, kind, version, summary, body, changes, summary_es, body_es, changes_es"
    };
}
pub(crate) use version_columns;

/// The newest version of one document of a practice: the one in force.
pub(crate) const NEWEST_VERSION: &str = concat!(
    "SELECT ",
    version_columns!(),
    " FROM terms_versions WHERE organization_id = $1 AND kind = $2 ORDER BY version DESC LIMIT 1"
);

/// Whether the patient's latest acceptance covers the versions in force: what every
/// signed-in page asks first.
pub(crate) const ACCEPTED_IN_FORCE: &str = "SELECT \
     (SELECT MAX(version) FROM terms_versions \
      WHERE organization_id = $2 AND kind = 'terms'), \
     (SELECT MAX(version) FROM terms_versions \
      WHERE organization_id = $2 AND kind = 'privacy'), \
     (SELECT t.version FROM terms_acceptances a \
      JOIN terms_versions t ON t.id = a.terms_version_id \
      WHERE a.patient_id = $1 AND a.organization_id = $2 \
      ORDER BY a.accepted_at DESC LIMIT 1), \
     (SELECT p.version FROM terms_acceptances a \
      JOIN terms_versions p ON p.id = a.privacy_version_id \
      WHERE a.patient_id = $1 AND a.organization_id = $2 \
      ORDER BY a.accepted_at DESC LIMIT 1)";

/// Whether the versions accepted last (terms of use, privacy policy) are those in force or
/// newer; `false` when nothing is in force yet or nothing was accepted.
pub(crate) fn covers_versions_in_force(
    (terms, privacy): (Option<i64>, Option<i64>),
    (accepted_terms, accepted_privacy): (Option<i64>, Option<i64>),
) -> bool {
    match (terms, privacy) {
        (Some(terms), Some(privacy)) => {
            accepted_terms.is_some_and(|accepted| accepted >= terms)
                && accepted_privacy.is_some_and(|accepted| accepted >= privacy)
        }
        _ => false,
    }
}

#[derive(FromRow)]
pub(crate) struct TermsRow {
    id: Uuid,
    kind: String,
    version: i64,
    summary: String,
    body: String,
    changes: Option<String>,
    summary_es: Option<String>,
    body_es: Option<String>,
    changes_es: Option<String>,
}

impl From<TermsRow> for TermsVersion {
    fn from(row: TermsRow) -> Self {
        let spanish = match (row.summary_es, row.body_es) {
            (Some(summary), Some(body)) => Some(TermsText {
                summary,
                body,
                changes: row.changes_es,
            }),
            _ => None,
        };
        Self {
            id: row.id,
            kind: row.kind,
            version: row.version,
            summary: row.summary,
            body: row.body,
            changes: row.changes,
            spanish,
        }
    }
}

/// The first versions every practice starts with, until an administrator publishes its own,
/// in English and Spanish.
pub struct DefaultTerms<'a> {
    pub terms: DefaultText<'a>,
    pub privacy: DefaultText<'a>,
}

/// One default document: its summary and body in English, then in Spanish.
pub struct DefaultText<'a> {
    pub summary: &'a str,
    pub body: &'a str,
    pub summary_es: &'a str,
    pub body_es: &'a str,
}

/// The text of a version an administrator publishes, in one language.
pub struct PublishedText<'a> {
    pub summary: &'a str,
    pub body: &'a str,
    pub changes: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    #[error("this invitation is not at the terms step")]
    WrongStep,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Database {
    /// The versions in force: the newest terms and the newest privacy policy. A practice with
    /// none gets `defaults` published as version 1 (first users racing publish it once).
    pub async fn current_terms(
        &self,
        organization: OrganizationId,
        defaults: &DefaultTerms<'_>,
    ) -> anyhow::Result<(TermsVersion, TermsVersion)> {
        if let (Some(terms), Some(privacy)) = (
            self.newest_version(organization, "terms").await?,
            self.newest_version(organization, "privacy").await?,
        ) {
            return Ok((terms, privacy));
        }
        let mut tx = self.begin().await?;
        for (kind, text) in [("terms", &defaults.terms), ("privacy", &defaults.privacy)] {
            let first = TermsVersion {
                id: Uuid::now_v7(),
                kind: kind.to_owned(),
                version: 1,
                summary: text.summary.to_owned(),
                body: text.body.to_owned(),
                changes: None,
                spanish: Some(TermsText {
                    summary: text.summary_es.to_owned(),
                    body: text.body_es.to_owned(),
                    changes: None,
                }),
            };
            insert_version(&mut tx, organization, &first, None).await?;
        }
        tx.commit().await?;
        match (
            self.newest_version(organization, "terms").await?,
            self.newest_version(organization, "privacy").await?,
        ) {
            (Some(terms), Some(privacy)) => Ok((terms, privacy)),
            _ => anyhow::bail!("the default terms were not stored"),
        }
    }

    /// Whether the patient's latest acceptance covers the versions in force, in one query
    /// that reads no text: what every signed-in page asks first. `false` also when the
    /// practice has published nothing yet ([`Database::current_terms`] publishes the
    /// defaults).
    pub async fn terms_accepted_in_force(&self, scope: &PatientScope) -> anyhow::Result<bool> {
        let (terms, privacy, accepted_terms, accepted_privacy): (
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        ) = dispatch!(&self.handle, |pool| {
            sqlx::query_as(ACCEPTED_IN_FORCE)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_one(pool)
                .await?
        });
        Ok(covers_versions_in_force(
            (terms, privacy),
            (accepted_terms, accepted_privacy),
        ))
    }

    async fn newest_version(
        &self,
        organization: OrganizationId,
        kind: &str,
    ) -> anyhow::Result<Option<TermsVersion>> {
        let row: Option<TermsRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(NEWEST_VERSION)
                .bind(organization.as_uuid())
                .bind(kind)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(TermsVersion::from))
    }

    /// Publishes a new version of `kind` ("terms" or "privacy") with what changed, in English
    /// and optionally in Spanish, audited; answers its number.
    pub async fn publish_terms(
        &self,
        scope: &StaffScope,
        kind: &str,
        text: PublishedText<'_>,
        spanish: Option<PublishedText<'_>>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<i64> {
        let mut tx = self.begin().await?;
        let (latest,): (Option<i64>,) = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT MAX(version) FROM terms_versions WHERE organization_id = $1 AND kind = $2",
            )
            .bind(scope.organization().as_uuid())
            .bind(kind)
            .fetch_one(&mut **tx)
            .await?
        });
        let version = TermsVersion {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            version: latest.unwrap_or(0) + 1,
            summary: text.summary.to_owned(),
            body: text.body.to_owned(),
            changes: Some(text.changes.to_owned()),
            spanish: spanish.map(|spanish| TermsText {
                summary: spanish.summary.to_owned(),
                body: spanish.body.to_owned(),
                changes: Some(spanish.changes.to_owned()),
            }),
        };
        let inserted = insert_version(
            &mut tx,
            scope.organization(),
            &version,
            Some(scope.staff().as_uuid()),
        )
        .await?;
        if !inserted {
            anyhow::bail!(
                "version {} was published at the same moment",
                version.version
            );
        }
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "terms.publish".to_owned(),
            patient: None,
            subject: Some(kind.to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!(
                "version {}{}",
                version.version,
                if version.spanish.is_some() {
                    ", English and Spanish"
                } else {
                    ", English only"
                }
            )),
        })
        .await?;
        tx.commit().await?;
        Ok(version.version)
    }

    /// Records the acceptance of both documents (with the language each was shown in, to a
    /// reader who prefers `language`) and activates the account: the invitation is used up
    /// (once, even when requests race), the account becomes active, the enrollment session
    /// ends, and a welcome email is queued, all in one transaction. An account made without an
    /// invitation passes `account_made`: its "this wasn't me" link is recorded and goes with
    /// the welcome email.
    #[allow(clippy::too_many_arguments)]
    pub async fn accept_terms_and_activate(
        &self,
        invitation: &OpenInvitation,
        terms: &TermsVersion,
        privacy: &TermsVersion,
        language: TermsLanguage,
        client_addr: Option<&str>,
        user_agent: Option<&str>,
        account_made: Option<&AccountMadeAlert<'_>>,
    ) -> Result<Uuid, ActivateError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let moved = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET status = 'active', ended_at = $2 \
                 WHERE id = $1 AND status = 'credentials-set'",
            )
            .bind(invitation.id)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
            .rows_affected()
        });
        if moved != 1 {
            return Err(ActivateError::WrongStep);
        }
        let account: (Uuid,) = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "UPDATE patient_accounts SET status = 'active' WHERE patient_id = $1 AND organization_id = $2 RETURNING id",
            )
            .bind(invitation.patient.as_uuid())
            .bind(invitation.organization.as_uuid())
            .fetch_one(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
        });
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO terms_acceptances (id, organization_id, patient_id, terms_version_id, \
                 privacy_version_id, accepted_at, client_addr, user_agent, terms_language, \
                 privacy_language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(invitation.organization.as_uuid())
            .bind(invitation.patient.as_uuid())
            .bind(terms.id)
            .bind(privacy.id)
            .bind(now.to_sqlx())
            .bind(client_addr)
            .bind(user_agent)
            .bind(terms.shown_language(language).tag())
            .bind(privacy.shown_language(language).tag())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
            for stage in ["terms-accepted", "active"] {
                sqlx::query(
                    "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(invitation.organization.as_uuid())
                .bind(invitation.id)
                .bind(invitation.patient.as_uuid())
                .bind(stage)
                .bind(now.to_sqlx())
                .execute(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?;
            }
            sqlx::query("DELETE FROM enrollment_sessions WHERE invitation_id = $1")
                .bind(invitation.id)
                .execute(&mut **tx)
                .await
                .map_err(anyhow::Error::from)?;
        });
        if let Some(alert) = account_made {
            let link = AlertLink {
                token_hash: alert.token_hash,
                device: alert.device,
                client_addr,
                at: now,
                expires_at: alert.expires_at,
            };
            tx.record_device_alert(invitation.organization, account.0, &link)
                .await?;
        }
        let payload = serde_json::json!({
            "patient": invitation.patient,
            "account": account.0,
            "invitation": invitation.id,
            "link": account_made.map(|alert| alert.link),
        })
        .to_string();
        tx.enqueue_job("email.welcome", &payload, now).await?;
        // The invitation is used up: its reminder, still waiting, must not go out.
        tx.cancel_invitation_jobs(invitation.id).await?;
        // What staff were asked to look into resolved itself.
        tx.close_review_items_on_enrollment(invitation.organization, invitation.patient, now)
            .await?;
        tx.append_audit(&AuditEntry {
            organization: Some(invitation.organization),
            actor: AuditActor::Patient(invitation.patient),
            action: "enrollment.active".to_owned(),
            patient: Some(invitation.patient),
            subject: Some(format!(
                "terms v{}, privacy v{}",
                terms.version, privacy.version
            )),
            client_addr: client_addr.map(str::to_owned),
            request_id: None,
            detail: Some(format!("invitation {}", invitation.id)),
        })
        .await?;
        tx.commit().await?;
        Ok(account.0)
    }

    /// How many acceptances a patient has recorded (for tests and the patient's history).
    pub async fn count_terms_acceptances(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<i64> {
        let (count,): (i64,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM terms_acceptances WHERE organization_id = $1")
                .bind(organization.as_uuid())
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }
}

impl Database {
    /// The languages each acceptance in the organization was shown in (terms, privacy), oldest
    /// first; `None` for acceptances recorded before languages were kept. For tests and audits.
    pub async fn terms_acceptance_languages(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<Vec<(Option<String>, Option<String>)>> {
        let rows: Vec<(Option<String>, Option<String>)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT terms_language, privacy_language FROM terms_acceptances \
                 WHERE organization_id = $1 ORDER BY accepted_at, id",
            )
            .bind(organization.as_uuid())
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}

async fn insert_version(
    tx: &mut crate::Tx,
    organization: OrganizationId,
    version: &TermsVersion,
    published_by: Option<Uuid>,
) -> anyhow::Result<bool> {
    let inserted = dispatch!(&mut tx.handle, |tx| {
        sqlx::query(
            "INSERT INTO terms_versions (id, organization_id, kind, version, summary, body, changes, \
             published_at, published_by, summary_es, body_es, changes_es) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (organization_id, kind, version) DO NOTHING",
        )
        .bind(version.id)
        .bind(organization.as_uuid())
        .bind(&version.kind)
        .bind(version.version)
        .bind(&version.summary)
        .bind(&version.body)
        .bind(&version.changes)
        .bind(Timestamp::now().to_sqlx())
        .bind(published_by)
        .bind(version.spanish.as_ref().map(|t| t.summary.as_str()))
        .bind(version.spanish.as_ref().map(|t| t.body.as_str()))
        .bind(version.spanish.as_ref().and_then(|t| t.changes.as_deref()))
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(inserted == 1)
}
