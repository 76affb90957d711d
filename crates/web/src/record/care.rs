//! Procedures (newest first), and care plans with goals (the ones in force first): each page
//! reads the session's patient only, is audited, and says in plain words what the record holds.

use askama::Template;
use axum::{extract::State, response::Response};
use storage::{CARE_SHOWN, CarePlan, Goal, GoalStatus, PlanStatus};

use super::{
    Reader,
    lists::{on, plain_name},
    private_page,
};
use crate::{
    AppState,
    common::i18n::{Arg, t, t_args},
    error::{OrTrouble, PageError},
};

/// One procedure as the patient reads it.
struct ProcedureRow {
    name: String,
    done: String,
}

#[derive(Template)]
#[template(path = "record/procedures.html")]
struct ProceduresPage {
    practice_name: String,
    practice_phone: Option<String>,
    rows: Vec<ProcedureRow>,
    /// Said when the record holds more than the list shows.
    more: Option<String>,
}

/// `GET /procedures`: the procedures the patient had, newest first.
pub async fn procedures(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let found = state
        .db
        .procedures(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's procedures")?;
    let (practice, zone) = reader.practice(&state).await;
    Ok(private_page(ProceduresPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        rows: found
            .procedures
            .iter()
            .map(|p| ProcedureRow {
                name: if p.name.trim().is_empty() {
                    t("procedures-unnamed")
                } else {
                    plain_name(&p.name)
                },
                done: p
                    .done
                    .map_or_else(|| t("visits-date-unknown"), |at| on(at, &zone)),
            })
            .collect(),
        more: found
            .more
            .then(|| t_args("procedures-more", &[("count", Arg::Number(CARE_SHOWN))])),
    }))
}

/// One care plan as the patient reads it.
struct PlanRow {
    name: String,
    status: String,
    dates: Option<String>,
    activities: Vec<String>,
}

fn plan_row(plan: &CarePlan, zone: &jiff::tz::TimeZone) -> PlanRow {
    let start = plan.start.map(|at| on(at, zone));
    let end = plan.end.map(|at| on(at, zone));
    let dates = match (start, end) {
        (Some(start), Some(end)) => Some(t_args(
            "care-plans-from-to",
            &[("start", Arg::Text(start)), ("end", Arg::Text(end))],
        )),
        (Some(start), None) => Some(t_args("care-plans-since", &[("start", Arg::Text(start))])),
        (None, Some(end)) => Some(t_args("care-plans-until", &[("end", Arg::Text(end))])),
        (None, None) => None,
    };
    PlanRow {
        name: if plan.name.trim().is_empty() {
            t("care-plans-unnamed")
        } else {
            plain_name(&plan.name)
        },
        status: t(match plan.status {
            PlanStatus::Active => "care-plans-status-active",
            PlanStatus::OnHold => "care-plans-status-on-hold",
            PlanStatus::Completed => "care-plans-status-completed",
            PlanStatus::Stopped => "care-plans-status-stopped",
            PlanStatus::Unknown => "care-plans-status-unknown",
        }),
        dates,
        activities: plan.activities.iter().map(|a| plain_name(a)).collect(),
    }
}

/// One goal as the patient reads it.
struct GoalRow {
    description: String,
    status: String,
}

fn goal_row(goal: &Goal) -> GoalRow {
    GoalRow {
        description: if goal.description.trim().is_empty() {
            t("goals-unnamed")
        } else {
            goal.description.clone()
        },
        status: t(match goal.status {
            GoalStatus::Active => "goals-status-active",
            GoalStatus::Planned => "goals-status-planned",
            GoalStatus::OnHold => "goals-status-on-hold",
            GoalStatus::Completed => "goals-status-completed",
            GoalStatus::Cancelled => "goals-status-cancelled",
            GoalStatus::Unknown => "goals-status-unknown",
        }),
    }
}

#[derive(Template)]
#[template(path = "record/care_plans.html")]
struct CarePlansPage {
    practice_name: String,
    practice_phone: Option<String>,
    plans: Vec<PlanRow>,
    goals: Vec<GoalRow>,
}

/// `GET /care-plans`: the patient's care plans (the ones in force first) and goals.
pub async fn care_plans(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let found = state
        .db
        .care_plans(&reader.user.scope, &reader.origin)
        .await
        .or_trouble("could not read a patient's care plans")?;
    let (practice, zone) = reader.practice(&state).await;
    Ok(private_page(CarePlansPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        plans: found.plans.iter().map(|p| plan_row(p, &zone)).collect(),
        goals: found.goals.iter().map(goal_row).collect(),
    }))
}
