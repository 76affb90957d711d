//! The staff review queue: identity mismatches, locked invitations and invitation emails
//! that could not be delivered, and what staff do about them (re-invite, unlock, close with
//! a reason).

use domain::{OrganizationId, PatientId, StaffScope};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database, RequestOrigin, Tx,
    database::{Conn, dispatch},
};

/// An open item as staff see it.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub id: Uuid,
    /// `mismatch`, `locked`, `self-enrollment` or `undeliverable`.
    pub kind: String,
    pub patient: Option<PatientId>,
    /// "Family, Given" of the chart, when the item belongs to one.
    pub patient_name: Option<String>,
    pub mrn: Option<String>,
    pub invitation: Option<Uuid>,
    pub invitation_status: Option<String>,
    pub invitation_expires_at: Option<Timestamp>,
    /// The address the invitation was emailed to, if it went by email.
    pub invitation_email: Option<String>,
    /// JSON: per field, whether it matched; for `undeliverable`, why (`delivery`).
    pub detail: String,
    pub created_at: Timestamp,
    /// When and why the item closed; `None` while it is open.
    pub closed: Option<(Timestamp, String)>,
}

#[derive(FromRow)]
struct ItemRow {
    id: Uuid,
    kind: String,
    patient_id: Option<Uuid>,
    family_name: Option<String>,
    given_names: Option<String>,
    mrn: Option<String>,
    invitation_id: Option<Uuid>,
    invitation_status: Option<String>,
    expires_at: Option<jiff_sqlx::Timestamp>,
    invitation_email: Option<String>,
    detail: String,
    created_at: jiff_sqlx::Timestamp,
    closed_at: Option<jiff_sqlx::Timestamp>,
    close_reason: Option<String>,
}

impl From<ItemRow> for ReviewItem {
    fn from(row: ItemRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            patient: row.patient_id.map(PatientId::from_uuid),
            patient_name: match (row.family_name, row.given_names) {
                (Some(family), Some(given)) => Some(format!("{family}, {given}")),
                _ => None,
            },
            mrn: row.mrn,
            invitation: row.invitation_id,
            invitation_status: row.invitation_status,
            invitation_expires_at: row.expires_at.map(|t| t.to_jiff()),
            invitation_email: row.invitation_email,
            detail: row.detail,
            created_at: row.created_at.to_jiff(),
            closed: row
                .closed_at
                .map(|at| (at.to_jiff(), row.close_reason.unwrap_or_default())),
        }
    }
}

impl ReviewItem {
    /// Whether "unlock" applies: the invitation locked and has not expired.
    pub fn can_unlock(&self, now: Timestamp) -> bool {
        self.invitation_status.as_deref() == Some("locked")
            && self.invitation_expires_at.is_some_and(|at| at > now)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such open review item in this practice")]
    NotFound,
    #[error("the invitation is not locked, or it has expired")]
    CannotUnlock,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

const ITEMS: &str = "SELECT r.id, r.kind, r.patient_id, p.family_name, p.given_names, p.mrn, \
     r.invitation_id, i.status AS invitation_status, i.expires_at, i.email AS invitation_email, \
     r.detail, r.created_at, \
     r.closed_at, r.close_reason \
     FROM review_items r \
     LEFT JOIN patients p ON p.id = r.patient_id AND p.organization_id = r.organization_id \
     LEFT JOIN invitations i ON i.id = r.invitation_id AND i.organization_id = r.organization_id \
     WHERE r.organization_id = $1";

impl Database {
    /// The organization's open items, oldest first. Names are PHI: the read is audited.
    pub async fn review_queue(
        &self,
        scope: &StaffScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<ReviewItem>> {
        Ok(self.read_queue(scope, origin, None).await?.0)
    }

    /// The open items, oldest first, and the items that closed by themselves (the patient
    /// corrected a typo, or finished signing up) since `resolved_since`, newest first: for
    /// the record. One audited read.
    pub async fn review_queue_with_resolved(
        &self,
        scope: &StaffScope,
        origin: &RequestOrigin,
        resolved_since: Timestamp,
    ) -> anyhow::Result<(Vec<ReviewItem>, Vec<ReviewItem>)> {
        self.read_queue(scope, origin, Some(resolved_since)).await
    }

    async fn read_queue(
        &self,
        scope: &StaffScope,
        origin: &RequestOrigin,
        resolved_since: Option<Timestamp>,
    ) -> anyhow::Result<(Vec<ReviewItem>, Vec<ReviewItem>)> {
        let mut tx = self.begin_read().await?;
        let sql = format!("{ITEMS} AND r.closed_at IS NULL ORDER BY r.created_at");
        let rows: Vec<ItemRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?
        });
        let mut resolved: Vec<ItemRow> = Vec::new();
        if let Some(since) = resolved_since {
            // Closed by nobody on the staff: the system closed them.
            let sql = format!(
                "{ITEMS} AND r.closed_at IS NOT NULL AND r.closed_by IS NULL AND r.closed_at >= $2 \
                 ORDER BY r.closed_at DESC LIMIT 50"
            );
            resolved = dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(scope.organization().as_uuid())
                    .bind(since.to_sqlx())
                    .fetch_all(&mut **tx)
                    .await?
            });
        }
        tx.append_audit(&staff_audit(
            scope,
            "review.list",
            None,
            origin,
            match resolved_since {
                None => rows.len().to_string(),
                Some(_) => format!("{} open, {} resolved", rows.len(), resolved.len()),
            },
        ))
        .await?;
        tx.commit().await?;
        Ok((
            rows.into_iter().map(ReviewItem::from).collect(),
            resolved.into_iter().map(ReviewItem::from).collect(),
        ))
    }

    /// How many items wait, for the console's menu (no names: not audited).
    pub async fn count_open_review_items(&self, scope: &StaffScope) -> anyhow::Result<i64> {
        let (count,): (i64,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT COUNT(*) FROM review_items WHERE organization_id = $1 AND closed_at IS NULL",
            )
            .bind(scope.organization().as_uuid())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }

    /// One open item, audited.
    pub async fn review_item(
        &self,
        scope: &StaffScope,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<ReviewItem>> {
        let mut tx = self.begin_read().await?;
        let item = open_item(tx.conn(), scope, id).await?;
        if let Some(item) = &item {
            tx.append_audit(&staff_audit(
                scope,
                "review.view",
                item.patient,
                origin,
                format!("item {id}"),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(item)
    }

    /// Gives a locked invitation its attempts back: the patient starts again at the identity
    /// step. The invitation's open items close.
    pub async fn unlock_invitation(
        &self,
        scope: &StaffScope,
        item: Uuid,
        origin: &RequestOrigin,
    ) -> Result<(), ReviewError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let item = open_item(tx.conn(), scope, item)
            .await?
            .ok_or(ReviewError::NotFound)?;
        let (Some(invitation), Some(patient), true) =
            (item.invitation, item.patient, item.can_unlock(now))
        else {
            return Err(ReviewError::CannotUnlock);
        };
        let moved = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE invitations SET status = 'opened', attempts = 0, ended_at = NULL, \
                 access_code_verified_at = NULL \
                 WHERE id = $1 AND organization_id = $2 AND status = 'locked'",
            )
            .bind(invitation)
            .bind(scope.organization().as_uuid())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
            .rows_affected()
        });
        if moved != 1 {
            return Err(ReviewError::CannotUnlock);
        }
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO enrollment_events (id, organization_id, invitation_id, patient_id, stage, at) \
                 VALUES ($1, $2, $3, $4, 'unlocked', $5)",
            )
            .bind(Uuid::now_v7())
            .bind(scope.organization().as_uuid())
            .bind(invitation)
            .bind(patient.as_uuid())
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
        });
        tx.close_review_items_of(scope, patient, "Unlocked", now)
            .await?;
        tx.append_audit(&staff_audit(
            scope,
            "invitation.unlock",
            Some(patient),
            origin,
            format!("invitation {invitation}"),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes an item with the reason staff give, and with it the other open items of the same
    /// invitation (each wrong attempt opens one).
    pub async fn close_review_item(
        &self,
        scope: &StaffScope,
        item: Uuid,
        reason: &str,
        origin: &RequestOrigin,
    ) -> Result<(), ReviewError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let item = open_item(tx.conn(), scope, item)
            .await?
            .ok_or(ReviewError::NotFound)?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "UPDATE review_items SET closed_at = $1, closed_by = $2, close_reason = $3 \
                 WHERE organization_id = $5 AND closed_at IS NULL \
                 AND (id = $4 OR invitation_id = $6)",
            )
            .bind(now.to_sqlx())
            .bind(scope.staff().as_uuid())
            .bind(reason)
            .bind(item.id)
            .bind(scope.organization().as_uuid())
            .bind(item.invitation)
            .execute(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?;
        });
        tx.append_audit(&staff_audit(
            scope,
            "review.close",
            item.patient,
            origin,
            format!("item {}", item.id),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The note on items closed because the patient finished signing up (when: the item's
/// closing time, shown on the practice's clock).
pub(crate) const ENROLLED_NOTE: &str = "Closed automatically: the patient finished signing up.";

/// The note on a mismatch the patient corrected on the next try.
pub(crate) const CORRECTED_NOTE: &str =
    "Resolved without staff: one detail was mistyped, and the next try matched.";

/// The one field an item's detail says differed, when exactly one did.
fn only_field_differed(detail: &str) -> Option<String> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(detail) else {
        return None;
    };
    let mut differed = fields
        .iter()
        .filter(|(_, v)| v.as_str() == Some("differed"))
        .map(|(name, _)| name);
    match (differed.next(), differed.next()) {
        (Some(name), None) => Some(name.clone()),
        _ => None,
    }
}

/// Whether a mismatch of one field is the kind of slip a patient makes and corrects: a name,
/// a date, a record number. A wrong access code (the SSN's last 4) is a guess, not a typo:
/// staff keep seeing it even when a later try is right.
fn a_typo(detail: &str) -> bool {
    only_field_differed(detail).is_some_and(|field| field != "access_code" && field != "ssn_last4")
}

impl Tx {
    /// After an attempt on `invitation` matched: when the only open item of the invitation is
    /// one mismatch of one field, it was a typo the patient corrected on the next try (every
    /// other try would have opened an item or closed this one). It closes as resolved,
    /// for the record; nobody on the staff has to act.
    pub(crate) async fn resolve_corrected_typo(
        &mut self,
        organization: OrganizationId,
        invitation: Uuid,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let open: Vec<(Uuid, String, String)> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_as(
                "SELECT id, kind, detail FROM review_items \
                 WHERE organization_id = $1 AND invitation_id = $2 AND closed_at IS NULL",
            )
            .bind(organization.as_uuid())
            .bind(invitation)
            .fetch_all(&mut **tx)
            .await?
        });
        let [(item, kind, detail)] = open.as_slice() else {
            return Ok(());
        };
        if kind != "mismatch" || !a_typo(detail) {
            return Ok(());
        }
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "UPDATE review_items SET closed_at = $1, close_reason = $2 \
                 WHERE id = $3 AND organization_id = $4 AND closed_at IS NULL",
            )
            .bind(now.to_sqlx())
            .bind(CORRECTED_NOTE)
            .bind(*item)
            .bind(organization.as_uuid())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }

    /// At activation: the open items of the patient's own invitations (mismatches, locks and
    /// emails that did not go, on the way to this account) close by themselves, with a note saying so. Items without
    /// an invitation stay open: a refused sign-up that named this chart may be someone else
    /// (a twin, a relative, an impostor), and finishing does not answer it.
    pub(crate) async fn close_review_items_on_enrollment(
        &mut self,
        organization: OrganizationId,
        patient: PatientId,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "UPDATE review_items SET closed_at = $1, close_reason = $2 \
                 WHERE organization_id = $3 AND patient_id = $4 AND closed_at IS NULL \
                 AND kind IN ('mismatch', 'locked', 'undeliverable') \
                 AND invitation_id IN (SELECT id FROM invitations \
                     WHERE organization_id = $3 AND patient_id = $4)",
            )
            .bind(now.to_sqlx())
            .bind(ENROLLED_NOTE)
            .bind(organization.as_uuid())
            .bind(patient.as_uuid())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }

    /// Closes every open item of a patient, because staff acted on them.
    pub(crate) async fn close_review_items_of(
        &mut self,
        scope: &StaffScope,
        patient: PatientId,
        reason: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        dispatch!(&mut self.handle, |tx| {
            sqlx::query(
                "UPDATE review_items SET closed_at = $1, closed_by = $2, close_reason = $3 \
                 WHERE organization_id = $4 AND patient_id = $5 AND closed_at IS NULL",
            )
            .bind(now.to_sqlx())
            .bind(scope.staff().as_uuid())
            .bind(reason)
            .bind(scope.organization().as_uuid())
            .bind(patient.as_uuid())
            .execute(&mut **tx)
            .await?;
        });
        Ok(())
    }
}

async fn open_item(
    conn: Conn<'_>,
    scope: &StaffScope,
    id: Uuid,
) -> anyhow::Result<Option<ReviewItem>> {
    let sql = format!("{ITEMS} AND r.closed_at IS NULL AND r.id = $2");
    let row: Option<ItemRow> = dispatch!(conn, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(scope.organization().as_uuid())
            .bind(id)
            .fetch_optional(conn)
            .await?
    });
    Ok(row.map(ReviewItem::from))
}

fn staff_audit(
    scope: &StaffScope,
    action: &str,
    patient: Option<PatientId>,
    origin: &RequestOrigin,
    detail: String,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Staff(scope.staff()),
        action: action.to_owned(),
        patient,
        subject: Some("review queue".to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail: Some(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::a_typo;

    #[test]
    fn one_mistyped_detail_is_a_typo_and_a_wrong_code_never_is() {
        assert!(a_typo(
            r#"{"given":"matched","family":"differed","birth_date":"matched","mrn":"not-asked"}"#
        ));
        assert!(a_typo(
            r#"{"given":"matched","family":"matched","birth_date":"differed"}"#
        ));
        assert!(
            !a_typo(r#"{"given":"differed","family":"differed","birth_date":"matched"}"#),
            "two fields"
        );
        assert!(!a_typo(r#"{"access_code":"differed"}"#), "a guessed SSN");
        assert!(!a_typo(r#"{"ssn_last4":"differed","given":"matched"}"#));
        assert!(!a_typo(r#"{"given":"matched"}"#), "nothing differed");
        assert!(!a_typo("not json"));
    }
}
