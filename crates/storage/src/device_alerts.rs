//! New-device alerts: the email sent after a sign-in from a browser the account had not seen,
//! and its "this wasn't me" link, which locks the account, ends its sessions and opens a
//! security event for staff. Times are Unix seconds.

use domain::{OrganizationId, PatientId, StaffScope};
use jiff::Timestamp;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database, NoticedEvent, PatientAccount, RequestOrigin,
    database::{Tx, dispatch},
    sign_in_defences::from_seconds,
};

/// An alert to record and email.
pub struct NewDeviceAlert<'a> {
    pub account: &'a PatientAccount,
    /// SHA-256 of the "this wasn't me" link's token.
    pub token_hash: &'a str,
    /// The link, for the email.
    pub link: &'a str,
    /// "Chrome, Android", when the browser could be told.
    pub device: Option<&'a str>,
    pub client_addr: Option<&'a str>,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// The "this wasn't me" link of an account made without an invitation, recorded when the
/// account becomes active and sent with the welcome email to the chart's address: whoever
/// made the account may not be the chart's owner.
pub struct AccountMadeAlert<'a> {
    /// SHA-256 of the link's token.
    pub token_hash: &'a str,
    pub link: &'a str,
    /// "Chrome, Android", when the browser could be told.
    pub device: Option<&'a str>,
    pub expires_at: Timestamp,
}

/// What a "this wasn't me" link is recorded with.
pub(crate) struct AlertLink<'a> {
    pub token_hash: &'a str,
    pub device: Option<&'a str>,
    pub client_addr: Option<&'a str>,
    /// When the sign-in (or the account) it is about happened.
    pub at: Timestamp,
    pub expires_at: Timestamp,
}

impl Tx {
    /// Records a "this wasn't me" link for `account`, in this transaction.
    pub(crate) async fn record_device_alert(
        &mut self,
        organization: OrganizationId,
        account: Uuid,
        link: &AlertLink<'_>,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "INSERT INTO device_alerts (id, organization_id, account_id, token_hash, device, \
                 client_addr, signed_in_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(organization.as_uuid())
            .bind(account)
            .bind(link.token_hash)
            .bind(link.device)
            .bind(link.client_addr)
            .bind(link.at.as_second())
            .bind(link.expires_at.as_second())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }
}

/// An alert whose link can still be followed.
#[derive(Debug, Clone)]
pub struct DeviceAlert {
    pub id: Uuid,
    pub account: Uuid,
    pub organization: OrganizationId,
    pub patient: PatientId,
    pub username: String,
    pub device: Option<String>,
    pub client_addr: Option<String>,
    pub signed_in_at: Timestamp,
}

#[derive(FromRow)]
struct AlertRow {
    id: Uuid,
    account_id: Uuid,
    organization_id: Uuid,
    patient_id: Uuid,
    username: String,
    device: Option<String>,
    client_addr: Option<String>,
    signed_in_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

/// An account locked by its patient ("this wasn't me"), as the security page lists it.
#[derive(Debug, Clone)]
pub struct LockedAccount {
    pub id: Uuid,
    pub username: String,
    /// "Family, Given" of the chart.
    pub patient_name: String,
    pub locked_at: Timestamp,
}

impl Database {
    /// The organization's locked patient accounts, most recently locked first. Names are
    /// PHI: the read is audited, a row per patient shown.
    pub async fn locked_patient_accounts(
        &self,
        scope: &StaffScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<LockedAccount>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<(Uuid, Uuid, String, String, String, i64)> =
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(
                    "SELECT a.id, a.patient_id, a.username, p.family_name, p.given_names, \
                     a.locked_at FROM patient_accounts a JOIN patients p ON p.id = a.patient_id \
                     WHERE a.organization_id = $1 AND a.locked_at IS NOT NULL \
                     ORDER BY a.locked_at DESC LIMIT 200",
                )
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?
            });
        // One row per patient shown, so that each patient's "who viewed my record" has it.
        for (_, patient, ..) in &rows {
            tx.append_audit(&AuditEntry {
                organization: Some(scope.organization()),
                actor: AuditActor::Staff(scope.staff()),
                action: "security.locked-accounts".to_owned(),
                patient: Some(PatientId::from_uuid(*patient)),
                subject: Some("security page".to_owned()),
                client_addr: origin.client_addr.clone(),
                request_id: origin.request_id.clone(),
                detail: None,
            })
            .await?;
        }
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, _, username, family, given, locked_at)| LockedAccount {
                    id,
                    username,
                    patient_name: format!("{family}, {given}"),
                    locked_at: from_seconds(locked_at),
                },
            )
            .collect())
    }

    /// Records the alert and queues its email to the chart's address, in one transaction.
    pub async fn alert_new_device(&self, alert: &NewDeviceAlert<'_>) -> anyhow::Result<()> {
        let account = alert.account;
        let mut tx = self.begin().await?;
        tx.record_device_alert(
            account.organization,
            account.id,
            &AlertLink {
                token_hash: alert.token_hash,
                device: alert.device,
                client_addr: alert.client_addr,
                at: alert.now,
                expires_at: alert.expires_at,
            },
        )
        .await?;
        let payload = serde_json::json!({
            "patient": account.patient,
            "link": alert.link,
            "device": alert.device,
            "signed_in_at": alert.now.to_string(),
        })
        .to_string();
        tx.enqueue_job("email.new-device", &payload, alert.now)
            .await?;
        tx.commit().await
    }

    /// The alert behind a "this wasn't me" link, if it can still be followed: not used, not
    /// expired, its account not locked already.
    pub async fn device_alert(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<Option<DeviceAlert>> {
        let row: Option<AlertRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT d.id, d.account_id, d.organization_id, a.patient_id, a.username, \
                 d.device, d.client_addr, d.signed_in_at, d.expires_at, d.used_at \
                 FROM device_alerts d JOIN patient_accounts a ON a.id = d.account_id \
                 WHERE d.token_hash = $1 AND a.locked_at IS NULL",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row
            .filter(|row| row.used_at.is_none() && row.expires_at > now.as_second())
            .map(|row| DeviceAlert {
                id: row.id,
                account: row.account_id,
                organization: OrganizationId::from_uuid(row.organization_id),
                patient: PatientId::from_uuid(row.patient_id),
                username: row.username,
                device: row.device,
                client_addr: row.client_addr,
                signed_in_at: from_seconds(row.signed_in_at),
            }))
    }

    /// "This wasn't me": uses up the link (once, even when two requests race), locks the
    /// account, ends every one of its sessions and opens a security event with what is known
    /// of the sign-in, audited. `false`, changing nothing, when the link was used meanwhile.
    pub async fn lock_account_not_me(
        &self,
        alert: &DeviceAlert,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let claimed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query("UPDATE device_alerts SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                .bind(alert.id)
                .bind(now.as_second())
                .execute(&mut **tx)
                .await?
                .rows_affected()
        });
        if claimed != 1 {
            return Ok(false);
        }
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE patient_accounts SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL",
            )
            .bind(alert.account)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?;
        });
        // The reported browser must not stay known: it would sign in again unannounced.
        tx.revoke_patient_access(alert.account, now).await?;
        let evidence = serde_json::json!({
            "account": alert.account,
            "username": alert.username,
            "device": alert.device,
            "address": alert.client_addr,
            "signed_in_at": alert.signed_in_at.to_string(),
            "reported_at": now.to_string(),
            "reported_from": origin.client_addr,
        })
        .to_string();
        // Usernames are unique in a practice: staff recognize the account by it.
        let about = format!("patient {}", alert.username);
        tx.notice_security_event(&NoticedEvent {
            organization: alert.organization,
            kind: "not-me",
            subject: &about,
            evidence: &evidence,
            now,
        })
        .await?;
        tx.append_audit(&AuditEntry {
            organization: Some(alert.organization),
            actor: AuditActor::Patient(alert.patient),
            action: "account.locked-not-me".to_owned(),
            patient: Some(alert.patient),
            subject: Some(format!("patient account {}", alert.account)),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some("every session ended".to_owned()),
        })
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
