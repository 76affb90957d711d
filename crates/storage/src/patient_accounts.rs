//! Patients' portal accounts after enrollment: finding one to sign in, what a signed-in
//! patient sees of their own account, and the terms they have yet to accept.

use domain::{OrganizationId, PatientId, PatientScope, Username};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, TermsVersion, database::dispatch};

/// An account as sign-in needs it.
#[derive(Debug, Clone)]
pub struct PatientAccount {
    pub id: Uuid,
    pub organization: OrganizationId,
    pub patient: PatientId,
    pub username: String,
    pub password_hash: String,
    /// `pending` (enrollment not finished), `active` or `disabled`.
    pub status: String,
    /// The patient said a sign-in "wasn't me": nobody signs in until staff help.
    pub locked: bool,
}

impl PatientAccount {
    pub fn can_sign_in(&self) -> bool {
        self.status == "active" && !self.locked
    }
}

#[derive(FromRow)]
struct AccountRow {
    id: Uuid,
    organization_id: Uuid,
    patient_id: Uuid,
    username: String,
    password_hash: String,
    status: String,
    locked_at: Option<i64>,
}

impl From<AccountRow> for PatientAccount {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            organization: OrganizationId::from_uuid(row.organization_id),
            patient: PatientId::from_uuid(row.patient_id),
            username: row.username,
            password_hash: row.password_hash,
            status: row.status,
            locked: row.locked_at.is_some(),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct HomeRow {
    given_names: String,
    username: String,
    previous_sign_in_at: Option<jiff_sqlx::Timestamp>,
    previous_sign_in_addr: Option<String>,
    name: String,
    phone: Option<String>,
    time_zone: Option<String>,
}

crate::inline::inline_row!(HomeRow {
    given_names,
    username,
    previous_sign_in_at,
    previous_sign_in_addr,
    name,
    phone,
    time_zone,
});

/// What the patient's own home page shows of the chart and the account.
#[derive(Debug, Clone)]
pub struct PatientHome {
    pub given_names: String,
    pub username: String,
    /// The sign-in before this one, if any: when and from where.
    pub previous_sign_in: Option<(Timestamp, Option<String>)>,
    /// The patient's practice, its phone and its time zone, when its administrator chose one
    /// (read in the same query, so that the home page and `/api/v1/me` need no second look at
    /// the organization).
    pub practice_name: String,
    pub practice_phone: Option<String>,
    pub practice_time_zone: Option<domain::PracticeTimeZone>,
}

impl From<HomeRow> for PatientHome {
    fn from(home: HomeRow) -> Self {
        Self {
            given_names: home.given_names,
            username: home.username,
            practice_name: home.name,
            practice_phone: home.phone,
            practice_time_zone: crate::organizations::stored_time_zone(home.time_zone),
            previous_sign_in: home
                .previous_sign_in_at
                .map(|at| (at.to_jiff(), home.previous_sign_in_addr)),
        }
    }
}

/// The documents a patient must accept before going on, with what changed since the versions
/// they accepted.
#[derive(Debug, Clone)]
pub struct TermsUpdate {
    pub terms: TermsVersion,
    pub privacy: TermsVersion,
    /// For each document that changed: its versions newer than the accepted one, oldest first.
    pub changed: Vec<TermsVersion>,
}

/// What an [`AccountRow`] reads, as a literal for `concat!`: each query below is one constant.
macro_rules! account_columns {
    () => {
        "SELECT id, organization_id, patient_id, username, password_hash, status, locked_at \
         FROM patient_accounts"
    };
}

/// The account with a username in an organization (sign-in).
pub(crate) const ACCOUNT_BY_USERNAME: &str = concat!(
    account_columns!(),
    " WHERE organization_id = $1 AND username = $2"
);

/// The account a session belongs to (every signed-in request).
pub(crate) const ACCOUNT_BY_ID: &str = concat!(
    account_columns!(),
    " WHERE organization_id = $1 AND id = $2"
);

/// A sign-in shifts the account's newest sign-in to the previous one (the right-hand sides
/// read the row as it was) and keeps this one as the newest.
pub(crate) const SHIFT_SIGN_INS: &str = "UPDATE patient_accounts SET \
     previous_sign_in_at = last_sign_in_at, previous_sign_in_addr = last_sign_in_addr, \
     last_sign_in_at = $3, last_sign_in_addr = $4 \
     WHERE id = $1 AND organization_id = $2";

/// What a [`HomeRow`] reads, as literals for `concat!`: the columns (the chart `p`, its
/// account `a`, its practice `o`), then where they come from, for the patient `$1` of the
/// practice `$2`. The home page's statement adds columns of its own in between.
macro_rules! home_columns {
    () => {
        "SELECT p.given_names, a.username, a.previous_sign_in_at, a.previous_sign_in_addr, \
         o.name, o.phone, o.time_zone"
    };
}
macro_rules! home_source {
    () => {
        " FROM patients p \
         JOIN patient_accounts a ON a.patient_id = p.id AND a.organization_id = p.organization_id \
         JOIN organizations o ON o.id = p.organization_id \
         WHERE p.id = $1 AND p.organization_id = $2"
    };
}
pub(crate) use {home_columns, home_source};

/// The home page's chart and account: first names, username, the sign-in before this one,
/// the practice's time zone.
pub(crate) const PATIENT_HOME: &str = concat!(home_columns!(), home_source!());

/// The versions of one document newer than the one a patient accepted, oldest first.
pub(crate) const NEWER_VERSIONS: &str = concat!(
    "SELECT ",
    crate::terms::version_columns!(),
    " FROM terms_versions WHERE organization_id = $1 AND kind = $2 AND version > $3 \
     ORDER BY version"
);

/// The versions the patient accepted last.
pub(crate) const LATEST_ACCEPTANCE: &str = "SELECT t.version, p.version FROM terms_acceptances a \
     JOIN terms_versions t ON t.id = a.terms_version_id \
     JOIN terms_versions p ON p.id = a.privacy_version_id \
     WHERE a.patient_id = $1 AND a.organization_id = $2 \
     ORDER BY a.accepted_at DESC LIMIT 1";

impl Database {
    /// The account with this username in the organization (usernames are stored lower-cased).
    pub async fn patient_account_by_username(
        &self,
        organization: OrganizationId,
        username: &Username,
    ) -> anyhow::Result<Option<PatientAccount>> {
        let row: Option<AccountRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(ACCOUNT_BY_USERNAME)
                .bind(organization.as_uuid())
                .bind(username.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(PatientAccount::from))
    }

    /// The account a session belongs to.
    pub async fn patient_account_by_id(
        &self,
        organization: OrganizationId,
        id: Uuid,
    ) -> anyhow::Result<Option<PatientAccount>> {
        let row: Option<AccountRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(ACCOUNT_BY_ID)
                .bind(organization.as_uuid())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(PatientAccount::from))
    }

    /// Records a patient's sign-in in the audit log and on the account, whose newest sign-in
    /// becomes the previous one (the home page shows it), in one transaction.
    pub async fn record_patient_sign_in(
        &self,
        account: &PatientAccount,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        // PostgreSQL keeps microseconds: what is read back is what was written.
        let now = now.round(jiff::Unit::Microsecond).unwrap_or(now);
        let mut tx = self.begin().await?;
        let shifted = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(SHIFT_SIGN_INS)
                .bind(account.id)
                .bind(account.organization.as_uuid())
                .bind(now.to_sqlx())
                .bind(origin.client_addr.as_deref())
                .execute(&mut **tx)
                .await?
                .rows_affected()
        });
        anyhow::ensure!(shifted == 1, "the account signing in was not found");
        tx.append_audit(&AuditEntry {
            organization: Some(account.organization),
            actor: AuditActor::Patient(account.patient),
            action: "patient.sign-in".to_owned(),
            patient: Some(account.patient),
            subject: Some("session".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the scope's chart has an email address (codes by email need one). Only the
    /// answer leaves storage, not the address.
    pub async fn chart_has_email(&self, scope: &PatientScope) -> anyhow::Result<bool> {
        let email: Option<Option<String>> = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar("SELECT email FROM patients WHERE id = $1 AND organization_id = $2")
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(pool)
                .await?
        });
        Ok(email.flatten().is_some_and(|e| !e.trim().is_empty()))
    }

    /// What a new password may not contain: the chart's given and family names and birth
    /// date (checked, never shown).
    pub async fn password_context(
        &self,
        scope: &PatientScope,
    ) -> anyhow::Result<Option<(String, String, jiff::civil::Date)>> {
        let row: Option<(String, String, jiff_sqlx::Date)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT given_names, family_name, birth_date FROM patients \
                 WHERE id = $1 AND organization_id = $2",
            )
            .bind(scope.patient().as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(given, family, birth)| (given, family, birth.to_jiff())))
    }

    /// Changes the signed-in patient's password: every other session of the account ends, as
    /// do reset links not used yet; a "your password was changed" email is queued; audited.
    pub async fn change_password(
        &self,
        scope: &PatientScope,
        account: Uuid,
        password_hash: &str,
        keep_session: &str,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let now = jiff::Timestamp::now();
        let mut tx = self.begin().await?;
        let changed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE patient_accounts SET password_hash = $3 \
                 WHERE id = $1 AND organization_id = $2 AND patient_id = $4",
            )
            .bind(account)
            .bind(scope.organization().as_uuid())
            .bind(password_hash)
            .bind(scope.patient().as_uuid())
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        anyhow::ensure!(changed == 1, "the session's account was not found");
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "DELETE FROM sessions WHERE kind = 'patient' AND subject_id = $1 \
                 AND token_hash <> $2",
            )
            .bind(account)
            .bind(keep_session)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE password_resets SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(account)
            .bind(jiff_sqlx::ToSqlx::to_sqlx(now))
            .execute(&mut **tx)
            .await?;
            // An email change someone else asked for does not outlive the password they used.
            sqlx::query(
                "UPDATE email_changes SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(account)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?;
        });
        let payload = serde_json::json!({ "patient": scope.patient() }).to_string();
        tx.enqueue_job("email.password-changed", &payload, now)
            .await?;
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "account.password-changed".to_owned(),
            patient: Some(scope.patient()),
            subject: Some(format!("patient account {account}")),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some("every other session ended".to_owned()),
        })
        .await?;
        tx.commit().await
    }

    /// The patient's home page: first names, username, and the sign-in before the current one
    /// (kept on the account, read with it). Reading the chart is audited.
    pub async fn patient_home(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<PatientHome> {
        let mut read = self.begin_short_read().await?;
        let home: HomeRow = read
            .one(
                PATIENT_HOME,
                &[
                    scope.patient().as_uuid().into(),
                    scope.organization().as_uuid().into(),
                ],
            )
            .await?;
        read.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "patient.home".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("name".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        });
        read.commit().await?;
        Ok(home.into())
    }

    /// The documents in force when the patient has not accepted them yet, with what changed;
    /// `None` when the patient's latest acceptance covers both.
    pub async fn terms_update(
        &self,
        scope: &PatientScope,
        current: (&TermsVersion, &TermsVersion),
    ) -> anyhow::Result<Option<TermsUpdate>> {
        let (terms, privacy) = current;
        let accepted: Option<(i64, i64)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(LATEST_ACCEPTANCE)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(pool)
                .await?
        });
        let (accepted_terms, accepted_privacy) = accepted.unwrap_or((0, 0));
        if accepted_terms >= terms.version && accepted_privacy >= privacy.version {
            return Ok(None);
        }
        let mut changed = Vec::new();
        for (kind, since) in [("terms", accepted_terms), ("privacy", accepted_privacy)] {
            let newer: Vec<crate::terms::TermsRow> = dispatch!(&self.handle, |pool| {
                sqlx::query_as(NEWER_VERSIONS)
                    .bind(scope.organization().as_uuid())
                    .bind(kind)
                    .bind(since)
                    .fetch_all(pool)
                    .await?
            });
            changed.extend(newer.into_iter().map(TermsVersion::from));
        }
        Ok(Some(TermsUpdate {
            terms: terms.clone(),
            privacy: privacy.clone(),
            changed,
        }))
    }

    /// Records a signed-in patient's acceptance of the versions in force, with the language
    /// each was shown in to a reader who prefers `language`.
    pub async fn accept_terms(
        &self,
        scope: &PatientScope,
        terms: &TermsVersion,
        privacy: &TermsVersion,
        language: crate::TermsLanguage,
        origin: &RequestOrigin,
        user_agent: Option<&str>,
    ) -> anyhow::Result<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO terms_acceptances (id, organization_id, patient_id, terms_version_id, \
                 privacy_version_id, accepted_at, client_addr, user_agent, terms_language, \
                 privacy_language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(scope.organization().as_uuid())
            .bind(scope.patient().as_uuid())
            .bind(terms.id)
            .bind(privacy.id)
            .bind(now.to_sqlx())
            .bind(origin.client_addr.as_deref())
            .bind(user_agent)
            .bind(terms.shown_language(language).tag())
            .bind(privacy.shown_language(language).tag())
            .execute(&mut **tx)
            .await?;
        });
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "terms.accept".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("terms and privacy".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!(
                "terms v{}, privacy v{}",
                terms.version, privacy.version
            )),
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl crate::Tx {
    /// Takes back everything a patient account's password may have handed out: every session
    /// ends, its passkeys are removed, email changes not confirmed yet end, and every browser
    /// is a stranger again (announced at its next sign-in). For a reset and "this wasn't me".
    pub(crate) async fn revoke_patient_access(
        &mut self,
        account: Uuid,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query("DELETE FROM sessions WHERE kind = 'patient' AND subject_id = $1")
                .bind(account)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM passkeys WHERE kind = 'patient' AND account_id = $1")
                .bind(account)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE email_changes SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
            )
            .bind(account)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE known_devices SET forgotten_at = $2 \
                 WHERE kind = 'patient' AND account_id = $1 AND forgotten_at IS NULL",
            )
            .bind(account)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The previous sign-in kept on the account, on both backends (PostgreSQL when
    //! `PORCHLIGHT_TEST_POSTGRES_URL` is set).

    use super::*;
    use crate::{Backend, testing::Scratch};

    fn from(addr: &str) -> RequestOrigin {
        RequestOrigin {
            client_addr: Some(addr.to_owned()),
            request_id: None,
        }
    }

    async fn previous(db: &Database, account: &PatientAccount) -> Option<(Timestamp, String)> {
        let scope = PatientScope::new(account.organization, account.patient);
        db.patient_home(&scope, &from("192.0.2.99"))
            .await
            .unwrap()
            .previous_sign_in
            .map(|(at, addr)| (at, addr.unwrap_or_default()))
    }

    /// Each sign-in shifts the newest to the previous one: after three, the home page shows the
    /// second, with its time and address; another account's sign-ins are its own.
    async fn the_home_page_shows_the_sign_in_before_the_newest(backend: Backend) {
        let scratch = Scratch::migrated(backend).await;
        let db = &scratch.db;
        let org = db
            .create_organization("maple", "Maple", None)
            .await
            .unwrap();
        let lucia = scratch.active_account(org.id, "lucia.r").await;
        let other = scratch.active_account(org.id, "other").await;
        assert_eq!(previous(db, &lucia).await, None, "never signed in");

        let mut times = Vec::new();
        for n in 1..=3 {
            let before = Timestamp::now();
            db.record_patient_sign_in(&lucia, &from(&format!("192.0.2.{n}")))
                .await
                .unwrap();
            times.push((before, Timestamp::now()));
            db.record_patient_sign_in(&other, &from("198.51.100.7"))
                .await
                .unwrap();
            let shown = previous(db, &lucia).await;
            if n == 1 {
                assert_eq!(shown, None, "the first sign-in has none before it");
                continue;
            }
            let (at, addr) = shown.expect("a sign-in before this one");
            assert_eq!(addr, format!("192.0.2.{}", n - 1), "after {n} sign-ins");
            let (earliest, latest) = times[n - 2];
            // Kept to the microsecond.
            let margin = jiff::SignedDuration::from_micros(1);
            assert!(
                at >= earliest - margin && at <= latest + margin,
                "sign-in {} was at {at}, between {earliest} and {latest}",
                n - 1
            );
        }
        assert_eq!(db.count_audit("patient.sign-in").await.unwrap(), 6);
        assert_eq!(db.count_audit("patient.home").await.unwrap(), 4);
        scratch.finish().await;
    }

    /// The time and address of the audit row of `addr`, sealed or not.
    async fn logged(db: &Database, addr: &str) -> Timestamp {
        let at: jiff_sqlx::Timestamp = dispatch!(&db.handle, |pool| {
            sqlx::query_scalar(
                "SELECT at FROM audit_log WHERE client_addr = $1 \
                 UNION ALL SELECT at FROM audit_pending WHERE client_addr = $1",
            )
            .bind(addr)
            .fetch_one(pool)
            .await
            .unwrap()
        });
        at.to_jiff()
    }

    async fn sign_in_logged_before_0030(db: &Database, account: &PatientAccount, addr: &str) {
        let mut tx = db.begin().await.unwrap();
        tx.append_audit(&AuditEntry {
            organization: Some(account.organization),
            actor: AuditActor::Patient(account.patient),
            action: "patient.sign-in".to_owned(),
            patient: Some(account.patient),
            subject: Some("session".to_owned()),
            client_addr: Some(addr.to_owned()),
            request_id: None,
            detail: None,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// Accounts that signed in before migration 0030 get their two newest sign-ins from the
    /// log, sealed or still waiting to be sealed; nothing else in the log counts.
    async fn migrating_fills_the_accounts_from_the_audit_log(backend: Backend) {
        let scratch = Scratch::migrated_before(backend, 30).await;
        let db = &scratch.db;
        let org = db
            .create_organization("maple", "Maple", None)
            .await
            .unwrap();
        let lucia = scratch.active_account(org.id, "lucia.r").await;
        let once = scratch.active_account(org.id, "once").await;
        let never = scratch.active_account(org.id, "never").await;
        sign_in_logged_before_0030(db, &lucia, "192.0.2.1").await;
        sign_in_logged_before_0030(db, &once, "198.51.100.1").await;
        sign_in_logged_before_0030(db, &lucia, "192.0.2.2").await;
        db.seal_all_audit().await.unwrap();
        // The newest is still waiting to be sealed; page views follow it.
        sign_in_logged_before_0030(db, &lucia, "192.0.2.3").await;
        for _ in 0..3 {
            let mut tx = db.begin().await.unwrap();
            tx.append_audit(&AuditEntry {
                organization: Some(org.id),
                actor: AuditActor::Patient(lucia.patient),
                action: "patient.home".to_owned(),
                patient: Some(lucia.patient),
                subject: Some("name".to_owned()),
                client_addr: Some("203.0.113.9".to_owned()),
                request_id: None,
                detail: None,
            })
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }

        db.migrate().await.unwrap();
        assert_eq!(
            previous(db, &lucia).await,
            Some((logged(db, "192.0.2.2").await, "192.0.2.2".to_owned()))
        );
        assert_eq!(
            previous(db, &once).await,
            None,
            "one sign-in: none before it"
        );
        assert_eq!(previous(db, &never).await, None);
        let newest: Vec<(Option<String>, Option<jiff_sqlx::Timestamp>)> =
            dispatch!(&db.handle, |pool| {
                sqlx::query_as(
                    "SELECT last_sign_in_addr, last_sign_in_at FROM patient_accounts \
                     ORDER BY username",
                )
                .fetch_all(pool)
                .await
                .unwrap()
            });
        let newest: Vec<_> = newest
            .into_iter()
            .map(|(addr, at)| (addr, at.map(|at| at.to_jiff())))
            .collect();
        assert_eq!(
            newest,
            [
                (
                    Some("192.0.2.3".to_owned()),
                    Some(logged(db, "192.0.2.3").await)
                ),
                (None, None),
                (
                    Some("198.51.100.1".to_owned()),
                    Some(logged(db, "198.51.100.1").await)
                ),
            ],
            "lucia.r, never, once"
        );

        // The next sign-in shifts the migrated one.
        db.record_patient_sign_in(&lucia, &from("192.0.2.4"))
            .await
            .unwrap();
        assert_eq!(
            previous(db, &lucia).await,
            Some((logged(db, "192.0.2.3").await, "192.0.2.3".to_owned()))
        );
        scratch.finish().await;
    }

    #[tokio::test]
    async fn the_home_page_shows_the_sign_in_before_the_newest_sqlite() {
        the_home_page_shows_the_sign_in_before_the_newest(Backend::Sqlite).await;
    }

    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn the_home_page_shows_the_sign_in_before_the_newest_postgres() {
        the_home_page_shows_the_sign_in_before_the_newest(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn migrating_fills_the_accounts_from_the_audit_log_sqlite() {
        migrating_fills_the_accounts_from_the_audit_log(Backend::Sqlite).await;
    }

    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn migrating_fills_the_accounts_from_the_audit_log_postgres() {
        migrating_fills_the_accounts_from_the_audit_log(Backend::Postgres).await;
    }
}
