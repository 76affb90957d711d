//! Passkeys: the credentials each account registered, and the WebAuthn ceremonies (a
//! registration or a sign-in) between their two requests. Storage keeps the library's values
//! as JSON and knows nothing of their insides. Times are Unix seconds.

use jiff::Timestamp;
use uuid::Uuid;

use crate::{
    AccountRef, Database, RequestOrigin, SessionKind, database::dispatch,
    sign_in_defences::from_seconds,
};

/// A passkey as the account page lists it.
#[derive(Debug, Clone)]
pub struct PasskeySummary {
    pub id: Uuid,
    /// Where it was made: "Chrome, Android".
    pub label: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A stored passkey, for a sign-in.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub id: Uuid,
    pub kind: SessionKind,
    pub account: Uuid,
    pub organization: domain::OrganizationId,
    /// The library's JSON.
    pub passkey: String,
}

/// A ceremony to keep until its second request.
pub struct NewCeremony<'a> {
    pub token_hash: &'a str,
    /// `register` or `sign-in`.
    pub purpose: &'a str,
    pub kind: SessionKind,
    /// Who registers; `None` for a sign-in (the passkey will say who).
    pub account: Option<Uuid>,
    /// The library's state, JSON.
    pub state: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

fn kind_of(text: &str) -> SessionKind {
    if text == "patient" {
        SessionKind::Patient
    } else {
        SessionKind::Staff
    }
}

impl Database {
    /// Keeps a ceremony's state; expired ones are cleared on the way.
    pub async fn begin_ceremony(&self, ceremony: &NewCeremony<'_>) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < $1")
                .bind(ceremony.now.as_second())
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO webauthn_ceremonies (token_hash, purpose, kind, account_id, state, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(ceremony.token_hash)
            .bind(ceremony.purpose)
            .bind(ceremony.kind.as_str())
            .bind(ceremony.account)
            .bind(ceremony.state)
            .bind(ceremony.expires_at.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Takes a ceremony's state, once: the row is deleted as it is read, so a second request
    /// with the same token finds nothing. `None` when it is unknown, expired, of another
    /// purpose or kind, or (for a registration) another account's.
    pub async fn take_ceremony(
        &self,
        token_hash: &str,
        purpose: &str,
        kind: SessionKind,
        account: Option<Uuid>,
        now: Timestamp,
    ) -> anyhow::Result<Option<String>> {
        let row: Option<(String, String, Option<Uuid>, String, i64)> =
            dispatch!(&self.handle, |pool| {
                sqlx::query_as(
                    "DELETE FROM webauthn_ceremonies WHERE token_hash = $1 \
                     RETURNING purpose, kind, account_id, state, expires_at",
                )
                .bind(token_hash)
                .fetch_optional(pool)
                .await?
            });
        Ok(
            row.and_then(|(row_purpose, row_kind, row_account, state, expires_at)| {
                (row_purpose == purpose
                    && kind_of(&row_kind) == kind
                    && row_account == account
                    && expires_at > now.as_second())
                .then_some(state)
            }),
        )
    }

    /// The account's passkeys, newest first.
    pub async fn passkeys_of(
        &self,
        kind: SessionKind,
        account: Uuid,
    ) -> anyhow::Result<Vec<PasskeySummary>> {
        let rows: Vec<(Uuid, String, i64, Option<i64>)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT id, label, created_at, last_used_at FROM passkeys \
                 WHERE kind = $1 AND account_id = $2 ORDER BY created_at DESC, id",
            )
            .bind(kind.as_str())
            .bind(account)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, label, created_at, last_used_at)| PasskeySummary {
                id,
                label,
                created_at: from_seconds(created_at),
                last_used_at: last_used_at.map(from_seconds),
            })
            .collect())
    }

    /// The credential ids the account registered (so the browser does not register the same
    /// authenticator twice).
    pub async fn passkey_credential_ids(
        &self,
        kind: SessionKind,
        account: Uuid,
    ) -> anyhow::Result<Vec<String>> {
        Ok(dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT credential_id FROM passkeys WHERE kind = $1 AND account_id = $2",
            )
            .bind(kind.as_str())
            .bind(account)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Registers a passkey to the account, audited. `false`: the credential is registered
    /// already (to this account or another), and nothing changed.
    pub async fn add_passkey(
        &self,
        account: &AccountRef,
        credential_id: &str,
        passkey: &str,
        label: &str,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let added = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO passkeys (id, kind, account_id, organization_id, credential_id, \
                 passkey, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (credential_id) DO NOTHING",
            )
            .bind(Uuid::now_v7())
            .bind(account.kind.as_str())
            .bind(account.id)
            .bind(account.organization.as_uuid())
            .bind(credential_id)
            .bind(passkey)
            .bind(label)
            .bind(now.as_second())
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        if added != 1 {
            return Ok(false);
        }
        tx.tell_patient(account, "passkey-added", now).await?;
        tx.append_audit(&account.audit("passkey.added", origin, Some(label.to_owned())))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes one of the account's passkeys, audited. `false`: it has no such passkey.
    pub async fn remove_passkey(
        &self,
        account: &AccountRef,
        passkey: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let mut tx = self.begin().await?;
        let removed = dispatch!(&mut tx.handle, |tx| {
            sqlx::query("DELETE FROM passkeys WHERE id = $1 AND kind = $2 AND account_id = $3")
                .bind(passkey)
                .bind(account.kind.as_str())
                .bind(account.id)
                .execute(&mut **tx)
                .await?
                .rows_affected()
        });
        if removed != 1 {
            return Ok(false);
        }
        tx.append_audit(&account.audit("passkey.removed", origin, None))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The passkey with this credential id, if one is registered.
    pub async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> anyhow::Result<Option<StoredPasskey>> {
        let row: Option<(Uuid, String, Uuid, Uuid, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT id, kind, account_id, organization_id, passkey FROM passkeys \
                 WHERE credential_id = $1",
            )
            .bind(credential_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(
            row.map(|(id, kind, account, organization, passkey)| StoredPasskey {
                id,
                kind: kind_of(&kind),
                account,
                organization: domain::OrganizationId::from_uuid(organization),
                passkey,
            }),
        )
    }

    /// Records a sign-in with a passkey: when, and its updated counter (`passkey`, when the
    /// library changed it).
    pub async fn passkey_used(
        &self,
        id: Uuid,
        passkey: Option<&str>,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&self.handle, |pool| {
            sqlx::query(
                "UPDATE passkeys SET last_used_at = $2, passkey = COALESCE($3, passkey) \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(now.as_second())
            .bind(passkey)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
