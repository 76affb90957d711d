//! The enrollment funnel for staff: how many invitations made in a date range reached each
//! stage, where patients dropped off, and the side exits; as a page with a chart and as JSON.

use askama::Template;
use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use domain::Role;
use jiff::{SignedDuration, Timestamp, civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};
use storage::Funnel;
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    api::ApiError,
    common::{
        pages::{Practice, no_store, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
};

/// The longest range one report covers.
const MAX_DAYS: i32 = 366;
/// The range shown when none is asked for: the last 30 days, today included.
const DEFAULT_DAYS: i64 = 30;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` (UTC). Default (left out or empty): 29 days before `to`.
    #[serde(default)]
    #[param(pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\s*$")]
    from: Option<String>,
    /// Last day, included, `YYYY-MM-DD` (UTC). Default (left out or empty): today.
    #[serde(default)]
    #[param(pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\s*$")]
    to: Option<String>,
}

/// A range problem, named by its parameter.
#[derive(Debug)]
pub struct RangeError {
    /// `from` or `to`.
    field: &'static str,
    error: String,
}

/// One stage of the funnel.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageCount {
    /// invited, opened, identity-verified, credentials-set, terms-accepted or active.
    stage: &'static str,
    label: &'static str,
    /// Invitations of the range that reached this stage.
    count: u64,
    /// Share of the previous stage's invitations that did not reach this one (0 to 1);
    /// absent for the first stage and after a stage with none.
    drop_off: Option<f64>,
}

/// The side exits: invitations that left the path.
#[derive(Debug, Serialize, ToSchema)]
pub struct SideExits {
    /// With at least one attempt whose details did not match.
    mismatched: u64,
    /// Locked after too many attempts.
    locked: u64,
    /// Ran out of time unused.
    expired: u64,
    /// Cancelled by staff or replaced by a newer invitation.
    revoked: u64,
}

/// The enrollment funnel of the invitations made in a date range.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelReport {
    from: String,
    /// Included.
    to: String,
    stages: Vec<StageCount>,
    side_exits: SideExits,
}

fn stage_label(stage: &str) -> &'static str {
    match stage {
        "invited" => "Invited",
        "opened" => "Opened the invitation",
        "identity-verified" => "Identity verified",
        "credentials-set" => "Username and password set",
        "terms-accepted" => "Terms accepted",
        _ => "Active account",
    }
}

impl FunnelReport {
    fn new(from: Date, to: Date, funnel: Funnel) -> Self {
        let mut stages = Vec::new();
        let mut previous: Option<u64> = None;
        for (stage, count) in funnel.stages {
            let drop_off = previous
                .filter(|p| *p > 0)
                .map(|p| (p.saturating_sub(count)) as f64 / p as f64);
            stages.push(StageCount {
                stage,
                label: stage_label(stage),
                count,
                drop_off,
            });
            previous = Some(count);
        }
        Self {
            from: from.to_string(),
            to: to.to_string(),
            stages,
            side_exits: SideExits {
                mismatched: funnel.mismatched,
                locked: funnel.locked,
                expired: funnel.expired,
                revoked: funnel.revoked,
            },
        }
    }
}

/// Reads the range; answers the days and the instants `[from, to + 1 day)`.
fn parse_range(query: &RangeQuery, today: Date) -> Result<(Date, Date), RangeError> {
    let parse = |field: &'static str, text: &str| {
        text.trim().parse::<Date>().map_err(|_| RangeError {
            field,
            error: format!("'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01"),
        })
    };
    let to = match query.to.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(text) => parse("to", text)?,
        None => today,
    };
    let from = match query.from.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(text) => parse("from", text)?,
        None => to
            .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
            .unwrap_or(to),
    };
    if from > to {
        return Err(RangeError {
            field: "from",
            error: "The first day comes after the last day.".to_owned(),
        });
    }
    let days = from
        .until(to)
        .map(|span| span.get_days())
        .unwrap_or(i32::MAX);
    if days >= MAX_DAYS {
        return Err(RangeError {
            field: "from",
            error: format!("Choose at most {MAX_DAYS} days."),
        });
    }
    Ok((from, to))
}

fn instants(from: Date, to: Date) -> (Timestamp, Timestamp) {
    let start = |date: Date| {
        date.to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN)
    };
    (start(from), start(to) + SignedDuration::from_hours(24))
}

async fn report(
    state: &AppState,
    user: &StaffUser,
    from: Date,
    to: Date,
) -> anyhow::Result<FunnelReport> {
    let (start, end) = instants(from, to);
    let funnel = state
        .db
        .enrollment_funnel(&user.scope, start, end, Timestamp::now())
        .await?;
    Ok(FunnelReport::new(from, to, funnel))
}

fn today() -> Date {
    Timestamp::now().to_zoned(TimeZone::UTC).date()
}

/// `GET /api/v1/enrollment/funnel`.
#[utoipa::path(
    get,
    path = "/api/v1/enrollment/funnel",
    operation_id = "enrollment_funnel",
    tag = "enrollment",
    params(RangeQuery),
    responses(
        (status = 200, description = "Counts per stage for the invitations made in the range", body = FunnelReport),
        (status = 401, description = "No staff session", body = crate::api::ErrorBody),
        (status = 422, description = "A bad date or range, named by its parameter (`fields.from`, `fields.to`): the first day after the last, or more than 366 days", body = crate::api::ErrorBody),
    ),
    security(("staff_session" = []))
)]
pub async fn json(
    State(state): State<AppState>,
    user: Option<StaffUser>,
    crate::api::ApiQuery(query): crate::api::ApiQuery<RangeQuery>,
) -> Result<Json<FunnelReport>, ApiError> {
    let Some(user) = user else {
        return Err(ApiError::unauthorized(
            "Sign in first: this call needs a staff session.",
        ));
    };
    let (from, to) =
        parse_range(&query, today()).map_err(|error| ApiError::field(error.field, error.error))?;
    Ok(Json(report(&state, &user, from, to).await?))
}

#[derive(Template)]
#[template(path = "staff/funnel.html")]
struct FunnelPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    from: String,
    to: String,
    error: Option<RangeError>,
    report: Option<FunnelReport>,
}

impl FunnelPage {
    /// Bar width in the chart, out of 100, relative to the invited count.
    fn bar(&self, count: &u64) -> u64 {
        let invited = self
            .report
            .as_ref()
            .and_then(|r| r.stages.first())
            .map_or(0, |s| s.count);
        (count * 100).checked_div(invited).unwrap_or(0)
    }

    fn percent(&self, share: &f64) -> String {
        format!("{:.0}%", share * 100.0)
    }
}

/// `GET /staff/enrollment`.
pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    Query(query): Query<RangeQuery>,
) -> Result<Response, PageError> {
    let practice = Practice::of(&state).await;
    let (error, report, from, to) = match parse_range(&query, today()) {
        Ok((from, to)) => {
            let report = report(&state, &user, from, to)
                .await
                .or_trouble("could not count the funnel")?;
            (None, Some(report), from.to_string(), to.to_string())
        }
        Err(error) => (
            Some(error),
            None,
            query.from.unwrap_or_default(),
            query.to.unwrap_or_default(),
        ),
    };
    let failed = error.is_some();
    let mut response = render(FunnelPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(&state, &user),
        from,
        to,
        error,
        report,
    });
    no_store(&mut response);
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: Option<&str>, to: Option<&str>) -> RangeQuery {
        RangeQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        }
    }

    #[test]
    fn the_range_defaults_to_the_last_30_days_and_refuses_bad_ones() {
        let today = Date::new(2026, 11, 25).unwrap();
        let (from, to) = parse_range(&query(None, None), today).unwrap();
        assert_eq!(
            (from.to_string(), to.to_string()),
            ("2026-10-27".into(), "2026-11-25".into())
        );
        assert_eq!(
            parse_range(&query(Some("11/01/2026"), None), today)
                .unwrap_err()
                .field,
            "from"
        );
        assert_eq!(
            parse_range(&query(None, Some("2026-13-01")), today)
                .unwrap_err()
                .field,
            "to"
        );
        let backwards =
            parse_range(&query(Some("2026-11-20"), Some("2026-11-01")), today).unwrap_err();
        assert!(backwards.error.contains("comes after"));
        assert!(
            parse_range(&query(Some("2024-01-01"), None), today).is_err(),
            "too long"
        );
    }

    #[test]
    fn drop_off_is_the_share_lost_since_the_previous_stage() {
        let funnel = Funnel {
            stages: vec![
                ("invited", 10),
                ("opened", 8),
                ("identity-verified", 6),
                ("credentials-set", 0),
                ("terms-accepted", 0),
                ("active", 0),
            ],
            mismatched: 3,
            locked: 1,
            expired: 2,
            revoked: 0,
        };
        let report = FunnelReport::new(
            Date::new(2026, 11, 1).unwrap(),
            Date::new(2026, 11, 2).unwrap(),
            funnel,
        );
        assert_eq!(report.stages[0].drop_off, None);
        assert_eq!(report.stages[1].drop_off, Some(0.2));
        assert_eq!(report.stages[2].drop_off, Some(0.25));
        assert_eq!(
            report.stages[4].drop_off, None,
            "nothing to lose after zero"
        );
    }
}
