use domain::{OrganizationId, PracticeTimeZone, StaffScope, policy::EnrollmentPolicy};

use crate::{AuditActor, AuditEntry, Database, RequestOrigin, database::dispatch};

impl Database {
    /// The organization's enrollment policy; the default until an administrator saves one.
    pub async fn enrollment_policy(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<EnrollmentPolicy> {
        let row: Option<(String,)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT policy FROM enrollment_policies WHERE organization_id = $1")
                .bind(organization.as_uuid())
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some((json,)) => Ok(serde_json::from_str(&json)?),
            None => Ok(EnrollmentPolicy::default()),
        }
    }

    /// Saves the scope's organization's policy, audited in the same transaction.
    pub async fn save_enrollment_policy(
        &self,
        scope: &StaffScope,
        policy: &EnrollmentPolicy,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        self.save_policy(scope, policy, None, origin).await
    }

    /// Saves the policy and the practice's time zone together (the policy page sets both):
    /// both or neither, audited in the same transaction.
    pub async fn save_policy_and_time_zone(
        &self,
        scope: &StaffScope,
        policy: &EnrollmentPolicy,
        time_zone: &PracticeTimeZone,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        self.save_policy(scope, policy, Some(time_zone), origin)
            .await
    }

    async fn save_policy(
        &self,
        scope: &StaffScope,
        policy: &EnrollmentPolicy,
        time_zone: Option<&PracticeTimeZone>,
        origin: &RequestOrigin,
    ) -> anyhow::Result<()> {
        let mut audited = serde_json::to_value(policy)?;
        if let (Some(zone), Some(fields)) = (time_zone, audited.as_object_mut()) {
            fields.insert("time_zone".to_owned(), zone.name().into());
        }
        let json = serde_json::to_string(policy)?;
        let now = jiff_sqlx::ToSqlx::to_sqlx(jiff::Timestamp::now());
        let mut tx = self.begin().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO enrollment_policies (organization_id, policy, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id) DO UPDATE \
                 SET policy = excluded.policy, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by",
            )
            .bind(scope.organization().as_uuid())
            .bind(&json)
            .bind(now)
            .bind(scope.staff().as_uuid())
            .execute(&mut **tx)
            .await?;
        });
        if let Some(zone) = time_zone {
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query("UPDATE organizations SET time_zone = $1 WHERE id = $2")
                    .bind(zone.name())
                    .bind(scope.organization().as_uuid())
                    .execute(&mut **tx)
                    .await?;
            });
        }
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "policy.update".to_owned(),
            patient: None,
            subject: Some("enrollment policy".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(audited.to_string()),
        })
        .await?;
        tx.commit().await
    }
}
