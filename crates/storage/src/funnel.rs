//! The enrollment funnel: of the invitations made in a date range, how many reached each
//! stage, and how many left by a side exit.

use std::collections::{HashMap, HashSet};

use domain::StaffScope;
use jiff::{SignedDuration, Timestamp};
use jiff_sqlx::ToSqlx;
use uuid::Uuid;

use crate::{Database, database::dispatch};

/// The stages in order; each invitation that reached one reached those before it.
pub const FUNNEL_STAGES: [&str; 6] = [
    "invited",
    "opened",
    "identity-verified",
    "credentials-set",
    "terms-accepted",
    "active",
];

/// Counts for one cohort of invitations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funnel {
    /// (stage, invitations that reached it), in [`FUNNEL_STAGES`] order.
    pub stages: Vec<(&'static str, u64)>,
    /// Invitations with at least one identity or access-code attempt that did not match.
    pub mismatched: u64,
    pub locked: u64,
    /// Ended unused because their time ran out.
    pub expired: u64,
    pub revoked: u64,
}

impl Database {
    /// The funnel of the invitations created in `[from, to)`, as of `now`.
    pub async fn enrollment_funnel(
        &self,
        scope: &StaffScope,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
    ) -> anyhow::Result<Funnel> {
        // Timestamps are compared in Rust: SQLite keeps them as text whose fractional seconds
        // vary in length. SQL only narrows the rows, a day wider on each side.
        let (wide_from, wide_to) = (
            from - SignedDuration::from_hours(24),
            to + SignedDuration::from_hours(24),
        );
        let invitations: Vec<(Uuid, jiff_sqlx::Timestamp, jiff_sqlx::Timestamp, String)> =
            dispatch!(&self.handle, |pool| {
                sqlx::query_as(
                    "SELECT id, created_at, expires_at, status FROM invitations \
                     WHERE organization_id = $1 AND created_at >= $2 AND created_at < $3",
                )
                .bind(scope.organization().as_uuid())
                .bind(wide_from.to_sqlx())
                .bind(wide_to.to_sqlx())
                .fetch_all(pool)
                .await?
            });
        let mut cohort = HashSet::new();
        let mut expired = 0;
        let mut revoked = 0;
        for (id, created_at, expires_at, status) in invitations {
            let created_at = created_at.to_jiff();
            if created_at < from || created_at >= to {
                continue;
            }
            cohort.insert(id);
            match status.as_str() {
                "revoked" => revoked += 1,
                "active" | "locked" => {}
                _ if expires_at.to_jiff() <= now => expired += 1,
                _ => {}
            }
        }
        let events: Vec<(Uuid, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT e.invitation_id, e.stage FROM enrollment_events e \
                 JOIN invitations i ON i.id = e.invitation_id \
                 WHERE i.organization_id = $1 AND i.created_at >= $2 AND i.created_at < $3",
            )
            .bind(scope.organization().as_uuid())
            .bind(wide_from.to_sqlx())
            .bind(wide_to.to_sqlx())
            .fetch_all(pool)
            .await?
        });
        let mut reached: HashMap<&str, HashSet<Uuid>> = HashMap::new();
        for (invitation, stage) in &events {
            if !cohort.contains(invitation) {
                continue;
            }
            // The access-code step is part of verifying identity.
            let stage = match stage.as_str() {
                "access-code-verified" => "identity-verified",
                other => other,
            };
            reached.entry(stage).or_default().insert(*invitation);
        }
        let count = |stage: &str| reached.get(stage).map_or(0, |set| set.len() as u64);
        let mut stages: Vec<(&'static str, u64)> = Vec::new();
        for stage in FUNNEL_STAGES {
            // Every invitation in the cohort was invited, whatever events it has.
            let n = if stage == "invited" {
                cohort.len() as u64
            } else {
                count(stage)
            };
            stages.push((stage, n));
        }
        Ok(Funnel {
            stages,
            mismatched: count("mismatch"),
            locked: count("locked"),
            expired,
            revoked,
        })
    }
}
