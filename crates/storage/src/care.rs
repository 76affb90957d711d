//! The patient's procedures, care plans and goals (issue 14). Each read takes the session's
//! patient scope, is bounded, sorted as a patient expects, and audited as the patient's.

use const_format::concatcp;
use domain::PatientScope;
use jiff::Timestamp;
use serde_json::Value;

use crate::{Database, RequestOrigin, database::dispatch, visits::own_read};

/// How many entries a list shows at most.
pub const CARE_SHOWN: i64 = 200;

/// The procedures the patient had, newest first (undated ones last), on the (patient_id,
/// organization_id, start_at) index; ones not done or entered in error are left out.
pub(crate) const PROCEDURES: &str = concatcp!(
    "SELECT display, start_at FROM procedures \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND status NOT IN ('not-done', 'entered-in-error', 'preparation') \
    ORDER BY start_at IS NULL, start_at DESC, display LIMIT ",
    CARE_SHOWN + 1
);

/// The patient's care plans: active ones first, then the newest first.
pub(crate) const CARE_PLANS: &str = concatcp!(
    "SELECT status, display, start_at, end_at, resource \
    FROM care_plans \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND status NOT IN ('entered-in-error', 'draft') \
    ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, \
    start_at IS NULL, start_at DESC LIMIT ",
    CARE_SHOWN
);

/// The patient's goals: the ones being worked on first, then by name.
pub(crate) const GOALS: &str = concatcp!(
    "SELECT lifecycle_status, description FROM goals \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND lifecycle_status NOT IN ('entered-in-error', 'rejected') \
    ORDER BY CASE WHEN lifecycle_status = 'active' THEN 0 \
    WHEN lifecycle_status IN ('accepted', 'planned', 'proposed', 'on-hold') THEN 1 ELSE 2 END, \
    description LIMIT ",
    CARE_SHOWN
);

/// A procedure the patient had.
#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    pub name: String,
    pub done: Option<Timestamp>,
}

/// The procedures the patient had, newest first, at most [`CARE_SHOWN`].
#[derive(Debug, Clone, PartialEq)]
pub struct Procedures {
    pub procedures: Vec<Procedure>,
    /// Whether the record holds more than are listed.
    pub more: bool,
}

/// Where a care plan stands (FHIR's `CarePlan.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Active,
    OnHold,
    Completed,
    Stopped,
    Unknown,
}

/// One care plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CarePlan {
    pub name: String,
    pub status: PlanStatus,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// What the plan asks for: its activities' names, in the plan's order.
    pub activities: Vec<String>,
}

/// Where a goal stands (FHIR's `Goal.lifecycleStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalStatus {
    /// Being worked on.
    Active,
    /// Proposed, planned or accepted: not started yet.
    Planned,
    OnHold,
    Completed,
    Cancelled,
    Unknown,
}

/// One goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub description: String,
    pub status: GoalStatus,
}

/// The patient's care plans and goals.
#[derive(Debug, Clone, PartialEq)]
pub struct CarePlans {
    pub plans: Vec<CarePlan>,
    pub goals: Vec<Goal>,
}

type PlanRow = (
    String,
    Option<String>,
    Option<jiff_sqlx::Timestamp>,
    Option<jiff_sqlx::Timestamp>,
    String,
);

fn plan((status, display, start, end, resource): PlanRow) -> CarePlan {
    let json: Value = serde_json::from_str(&resource).unwrap_or(Value::Null);
    let words = |concept: &Value| -> Option<String> {
        concept["text"]
            .as_str()
            .or_else(|| {
                concept["coding"]
                    .as_array()?
                    .iter()
                    .find_map(|c| c["display"].as_str().filter(|d| !d.trim().is_empty()))
            })
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
    };
    let activities = json["activity"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|activity| words(&activity["detail"]["code"]))
        .collect();
    let name = display
        .filter(|d| !d.trim().is_empty())
        .or_else(|| {
            json["category"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(words)
        })
        .or_else(|| json["title"].as_str().map(str::to_owned))
        .unwrap_or_default();
    CarePlan {
        name,
        status: match status.as_str() {
            "active" => PlanStatus::Active,
            "on-hold" => PlanStatus::OnHold,
            "completed" => PlanStatus::Completed,
            "revoked" => PlanStatus::Stopped,
            _ => PlanStatus::Unknown,
        },
        start: start.map(|at| at.to_jiff()),
        end: end.map(|at| at.to_jiff()),
        activities,
    }
}

fn goal((status, description): (String, Option<String>)) -> Goal {
    Goal {
        description: description.unwrap_or_default(),
        status: match status.as_str() {
            "active" => GoalStatus::Active,
            "proposed" | "planned" | "accepted" => GoalStatus::Planned,
            "on-hold" => GoalStatus::OnHold,
            "completed" => GoalStatus::Completed,
            "cancelled" => GoalStatus::Cancelled,
            _ => GoalStatus::Unknown,
        },
    }
}

impl Database {
    /// The procedures the scope's patient had, newest first (at most 200, and whether there
    /// are more). Audited as the patient's.
    pub async fn procedures(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Procedures> {
        let mut tx = self.begin_read().await?;
        let mut rows: Vec<(Option<String>, Option<jiff_sqlx::Timestamp>)> =
            dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(PROCEDURES)
                    .bind(scope.patient().as_uuid())
                    .bind(scope.organization().as_uuid())
                    .fetch_all(&mut **tx)
                    .await?
            });
        let more = rows.len() as i64 > CARE_SHOWN;
        rows.truncate(CARE_SHOWN as usize);
        tx.append_audit(&own_read(
            scope,
            origin,
            "patient.procedures",
            "procedures".to_owned(),
            rows.len().to_string(),
        ))
        .await?;
        tx.commit().await?;
        Ok(Procedures {
            procedures: rows
                .into_iter()
                .map(|(display, done)| Procedure {
                    name: display.unwrap_or_default(),
                    done: done.map(|at| at.to_jiff()),
                })
                .collect(),
            more,
        })
    }

    /// The scope's patient's care plans (active first, newest first) and goals (the ones
    /// being worked on first), at most 200 of each. Audited as the patient's.
    pub async fn care_plans(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<CarePlans> {
        let mut tx = self.begin_read().await?;
        let plans: Vec<PlanRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(CARE_PLANS)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?
        });
        let goals: Vec<(String, Option<String>)> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(GOALS)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?
        });
        tx.append_audit(&own_read(
            scope,
            origin,
            "patient.care-plans",
            "care plans and goals".to_owned(),
            format!("{} plans, {} goals", plans.len(), goals.len()),
        ))
        .await?;
        tx.commit().await?;
        Ok(CarePlans {
            plans: plans.into_iter().map(plan).collect(),
            goals: goals.into_iter().map(goal).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plans_activities_are_read_from_its_resource() {
        let resource = r#"{"activity":[{"detail":{"code":{"coding":[{"display":"Dressing change management"}]}}},
            {"detail":{"code":{"text":"Behavior to prevent infection"}}}, {"detail":{}}, {"reference":{}}, 7]}"#;
        let found = plan((
            "completed".to_owned(),
            Some("Wound care".to_owned()),
            None,
            None,
            resource.to_owned(),
        ));
        assert_eq!(found.name, "Wound care");
        assert_eq!(found.status, PlanStatus::Completed);
        assert_eq!(
            found.activities,
            [
                "Dressing change management",
                "Behavior to prevent infection"
            ]
        );
        let odd = plan(("active".to_owned(), None, None, None, "[]".to_owned()));
        assert!(odd.activities.is_empty() && odd.name.is_empty());
    }
}
