//! Watching staff access to charts: each time a staff member opens a chart, their latest reads
//! are looked at, and a security event opens when one person opens many charts within an hour
//! or opens charts at an unusual hour (in the server's time zone, the one emails use until
//! practices have their own).

use const_format::concatcp;
use std::collections::HashSet;

use domain::StaffScope;
use jiff::{SignedDuration, Timestamp, Zoned, tz::TimeZone};
use uuid::Uuid;

use crate::{NoticedEvent, Tx, database::dispatch};

/// Distinct charts one staff member may open within [`MANY_RECORDS_WINDOW`] before it is
/// looked into.
pub const MANY_RECORDS: usize = 40;
const MANY_RECORDS_WINDOW: SignedDuration = SignedDuration::from_hours(1);
/// The latest reads looked at: enough to cover the window at the threshold.
const READS_LOOKED_AT: i64 = 500;
/// A staff member's latest chart reads, newest first: the newest rows waiting to be sealed,
/// then the newest sealed ones, each part bounded; the sealed ones read on the index of staff
/// rows by actor (on SQLite the waiting ones are few and have no index).
pub(crate) const STAFF_READS: &str = concatcp!(
    "SELECT part, n, at, patient_id FROM ( \
    SELECT 0 AS part, id AS n, at, patient_id \
    FROM audit_pending \
    WHERE actor_kind = 'staff' AND actor_id = $1 AND action = 'patient.view' \
    ORDER BY id DESC LIMIT ",
    READS_LOOKED_AT,
    ") AS waiting \
    UNION ALL SELECT part, n, at, patient_id FROM ( \
    SELECT 1 AS part, seq AS n, at, patient_id \
    FROM audit_log \
    WHERE actor_kind = 'staff' AND actor_id = $1 AND action = 'patient.view' \
    ORDER BY seq DESC LIMIT ",
    READS_LOOKED_AT,
    ") AS sealed \
    ORDER BY part, n DESC LIMIT ",
    READS_LOOKED_AT
);
/// Usual hours: from 06:00 to 22:00.
const DAY_STARTS: i8 = 6;
const DAY_ENDS: i8 = 22;

/// Whether a chart opened at this local time is worth a look.
pub fn is_unusual_hour(at: &Zoned) -> bool {
    !(DAY_STARTS..DAY_ENDS).contains(&at.hour())
}

impl Tx {
    /// Looks at the staff member's latest chart reads, this one included, and opens (or brings
    /// up to date) an event for many charts in an hour, or for reads at an unusual hour.
    pub(crate) async fn watch_staff_access(
        &mut self,
        scope: &StaffScope,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let reads: Vec<(i32, i64, jiff_sqlx::Timestamp, Option<Uuid>)> =
            dispatch!(&mut self.handle, |tx| {
                sqlx::query_as(STAFF_READS)
                    .bind(scope.staff().to_string())
                    .fetch_all(&mut **tx)
                    .await?
            });
        let reads: Vec<(Timestamp, Option<Uuid>)> = reads
            .into_iter()
            .map(|(_, _, at, p)| (at.to_jiff(), p))
            .collect();
        let local = now.to_zoned(TimeZone::system());
        let recent: Vec<&(Timestamp, Option<Uuid>)> = reads
            .iter()
            .filter(|(at, _)| now.duration_since(*at) < MANY_RECORDS_WINDOW)
            .collect();
        let charts: HashSet<Uuid> = recent.iter().filter_map(|(_, p)| *p).collect();
        let many = charts.len() >= MANY_RECORDS;
        let unusual = is_unusual_hour(&local);
        if !many && !unusual {
            return Ok(());
        }
        let username: Option<String> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_scalar("SELECT username FROM staff_accounts WHERE id = $1")
                .bind(scope.staff().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        let who = username.unwrap_or_else(|| scope.staff().to_string());
        if many {
            let evidence = serde_json::json!({
                "staff": who,
                "records_opened": charts.len(),
                "period_minutes": MANY_RECORDS_WINDOW.as_mins(),
                "first_at": recent.last().map(|(at, _)| at.to_string()),
                "last_at": recent.first().map(|(at, _)| at.to_string()),
            });
            self.notice_security_event(&NoticedEvent {
                organization: scope.organization(),
                kind: "many-records",
                subject: &format!("staff {who}"),
                evidence: &evidence.to_string(),
                now,
            })
            .await?;
        }
        if unusual {
            let date = local.date();
            let tonight: Vec<&(Timestamp, Option<Uuid>)> = reads
                .iter()
                .filter(|(at, _)| {
                    let at = at.to_zoned(TimeZone::system());
                    at.date() == date && is_unusual_hour(&at)
                })
                .collect();
            let evidence = serde_json::json!({
                "staff": who,
                "records_opened": tonight.iter().filter_map(|(_, p)| *p).collect::<HashSet<_>>().len(),
                "usual_hours": format!("{DAY_STARTS:02}:00 to {DAY_ENDS:02}:00, server time"),
                "first_at": tonight.last().map(|(at, _)| at.to_string()),
                "last_at": tonight.first().map(|(at, _)| at.to_string()),
            });
            self.notice_security_event(&NoticedEvent {
                organization: scope.organization(),
                kind: "after-hours",
                subject: &format!("staff {who} on {date}"),
                evidence: &evidence.to_string(),
                now,
            })
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_runs_from_six_to_ten_at_night() {
        let at = |hour: i8, minute: i8| {
            jiff::civil::date(2026, 11, 25)
                .at(hour, minute, 0, 0)
                .to_zoned(TimeZone::UTC)
                .unwrap()
        };
        assert!(is_unusual_hour(&at(5, 59)));
        assert!(!is_unusual_hour(&at(6, 0)));
        assert!(!is_unusual_hour(&at(21, 59)));
        assert!(is_unusual_hour(&at(22, 0)));
        assert!(is_unusual_hour(&at(0, 30)));
    }
}
