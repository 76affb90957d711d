//! Test results as the patient reads them: laboratory results and vital signs, newest first,
//! grouped by the report (panel) that lists them, and one result with the earlier values of
//! the same test. Each read is audited as the patient's.

use std::collections::HashMap;

use const_format::concatcp;
use domain::PatientScope;
use jiff::Timestamp;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Backend, Database, RequestOrigin, short_read::Arg, visits::own_read};

/// One of the patient's results, by id.
pub(crate) const RESULT_BY_ID: &str = "SELECT id, category, code, display, effective_at, \
    value_number, value_unit, value_text, range_low, range_high, range_text, interpretation \
    FROM observations \
    WHERE id = $1 AND patient_id = $2 AND organization_id = $3 \
    AND category IN ('laboratory', 'vital-signs')";

/// One page of the patient's results, newest first (undated ones last), each with the report
/// that lists it, its place there and the report's name (one lookup of the links' key per
/// result); one row more than a page tells whether there is a next page (the limit is
/// written in, as every limit a read knows in advance: [`crate::inline`] says why). The page
/// is read in the index's order (`observations_of_patient`): no sort of the whole history.
/// The outer `ORDER BY` keeps that order through the join (both databases see that the rows
/// come in it, and sort nothing).
macro_rules! results_page {
    ($report:literal) => {
        concatcp!(
            "SELECT o.id, o.category, o.code, o.display, o.effective_at, o.value_number, \
            o.value_unit, o.value_text, o.range_low, o.range_high, o.range_text, \
            o.interpretation, l.report_id, l.place AS report_place, l.report_display \
            FROM (SELECT id, source_id, category, code, display, effective_at, value_number, \
                  value_unit, value_text, range_low, range_high, range_text, interpretation \
                  FROM observations \
                  WHERE patient_id = $1 AND organization_id = $2 \
                  AND category IN ('laboratory', 'vital-signs') \
                  ORDER BY effective_at DESC NULLS LAST, id DESC LIMIT ",
            RESULTS_PER_PAGE + 1,
            " OFFSET $3) o ",
            $report,
            " ORDER BY o.effective_at DESC NULLS LAST, o.id DESC"
        )
    };
}

/// [`results_page!`] on SQLite: its join looks each result's link up by the links' key.
pub(crate) const RESULTS_PAGE_SQLITE: &str = results_page!(
    "LEFT JOIN report_results l ON l.patient_id = $1 AND l.organization_id = $2 \
     AND l.result_source_id = o.source_id"
);

/// [`results_page!`] on PostgreSQL: a lateral lookup kept apart (`OFFSET 0`), else the
/// generic plan joins the page with all of the patient's links.
pub(crate) const RESULTS_PAGE_POSTGRES: &str = results_page!(
    "LEFT JOIN LATERAL (SELECT report_id, place, report_display FROM report_results \
     WHERE patient_id = $1 AND organization_id = $2 AND result_source_id = o.source_id \
     OFFSET 0) l ON true"
);

/// The earlier and later values of the same test, newest first.
pub(crate) const SAME_TEST: &str = concatcp!(
    "SELECT id, category, code, display, effective_at, \
    value_number, value_unit, value_text, range_low, range_high, range_text, interpretation \
    FROM observations \
    WHERE patient_id = $1 AND organization_id = $2 AND code = $3 \
    ORDER BY effective_at DESC LIMIT ",
    TREND_VALUES
);

/// How many results a page lists.
pub const RESULTS_PER_PAGE: i64 = 50;

/// How many values of one test the trend shows (the newest).
const TREND_VALUES: i64 = 40;

/// What the lab or the reference range says about a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Normal,
    High,
    Low,
    /// Out of range, neither high nor low (a coded result).
    Abnormal,
    /// Far out of range: the lab's critical flag.
    Critical,
}

/// An observation as stored.
#[derive(FromRow)]
pub(crate) struct ResultRow {
    id: Uuid,
    category: Option<String>,
    code: Option<String>,
    display: Option<String>,
    effective_at: Option<jiff_sqlx::Timestamp>,
    value_number: Option<f64>,
    value_unit: Option<String>,
    value_text: Option<String>,
    range_low: Option<f64>,
    range_high: Option<f64>,
    range_text: Option<String>,
    interpretation: Option<String>,
}

crate::inline::inline_row!(ResultRow {
    id,
    category,
    code,
    display,
    effective_at,
    value_number,
    value_unit,
    value_text,
    range_low,
    range_high,
    range_text,
    interpretation,
});

impl ResultRow {
    fn at(&self) -> Option<Timestamp> {
        self.effective_at.map(|t| t.to_jiff())
    }

    pub(crate) fn into_result(self) -> TestResult {
        TestResult {
            at: self.at(),
            id: self.id,
            vital_sign: self.category.as_deref() == Some("vital-signs"),
            code: self.code,
            display: self.display,
            value_number: self.value_number,
            value_unit: self.value_unit,
            value_text: self.value_text,
            range_low: self.range_low,
            range_high: self.range_high,
            range_text: self.range_text,
            interpretation: self.interpretation,
        }
    }
}

/// One test result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub id: Uuid,
    /// When the sample was taken or the measure made.
    pub at: Option<Timestamp>,
    /// A vital sign (weight, blood pressure, ...) rather than a laboratory result.
    pub vital_sign: bool,
    /// The LOINC code.
    pub code: Option<String>,
    /// The test's name as the lab gave it.
    pub display: Option<String>,
    pub value_number: Option<f64>,
    pub value_unit: Option<String>,
    /// A value that is not one number: a coded answer, or "120/80" for blood pressure.
    pub value_text: Option<String>,
    pub range_low: Option<f64>,
    pub range_high: Option<f64>,
    pub range_text: Option<String>,
    /// The lab's interpretation code (`H`, `L`, `HH`, `N`, ...).
    pub interpretation: Option<String>,
}

impl TestResult {
    /// The flag: the lab's interpretation when it gave one, else where the value falls in
    /// the reference range; `None` when neither says.
    pub fn flag(&self) -> Option<Flag> {
        if let Some(code) = self.interpretation.as_deref() {
            let flag = match code.to_ascii_uppercase().as_str() {
                "HH" | "LL" | "AA" | "HU" | "LU" | "CRITICAL" => Some(Flag::Critical),
                "H" | ">" | "HIGH" => Some(Flag::High),
                "L" | "<" | "LOW" => Some(Flag::Low),
                "A" | "ABNORMAL" | "POS" | "DET" | "R" => Some(Flag::Abnormal),
                "N" | "NORMAL" | "NEG" | "ND" | "S" => Some(Flag::Normal),
                _ => None,
            };
            if flag.is_some() {
                return flag;
            }
        }
        let value = self.value_number?;
        match (self.range_low, self.range_high) {
            (_, Some(high)) if value > high => Some(Flag::High),
            (Some(low), _) if value < low => Some(Flag::Low),
            (None, None) => None,
            _ => Some(Flag::Normal),
        }
    }
}

/// Results listed together: those of one report (a panel), or one result on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultGroup {
    /// The report's name; `None` for a result that no report lists.
    pub report: Option<String>,
    pub results: Vec<TestResult>,
}

/// One page of the patient's results.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultsPage {
    pub groups: Vec<ResultGroup>,
    /// Whether an older page follows.
    pub more: bool,
}

/// One result with the values of the same test over time.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultDetail {
    pub result: TestResult,
    /// The same test's values, newest first (this one among them), at most 40; empty
    /// when the result has no code.
    pub history: Vec<TestResult>,
}

/// A result of a page, with the report that lists it (none when no report does).
#[derive(FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    result: ResultRow,
    report_id: Option<Uuid>,
    report_place: Option<i64>,
    report_display: Option<String>,
}

crate::inline::inline_row!(PageRow {
    report_id,
    report_place,
    report_display
} flatten { result });

/// Groups results (newest first) by the report that lists them, in order of each group's
/// first result; a report's results in the report's order.
fn group(rows: Vec<PageRow>) -> Vec<ResultGroup> {
    let mut groups: Vec<(Vec<i64>, ResultGroup)> = Vec::new();
    let mut group_of_report: HashMap<Uuid, usize> = HashMap::new();
    for row in rows {
        let result = row.result.into_result();
        let (Some(report), Some(place)) = (row.report_id, row.report_place) else {
            groups.push((
                Vec::new(),
                ResultGroup {
                    report: None,
                    results: vec![result],
                },
            ));
            continue;
        };
        if let Some(&at) = group_of_report.get(&report) {
            groups[at].0.push(place);
            groups[at].1.results.push(result);
        } else {
            group_of_report.insert(report, groups.len());
            groups.push((
                vec![place],
                ResultGroup {
                    report: Some(row.report_display.unwrap_or_default()),
                    results: vec![result],
                },
            ));
        }
    }
    groups
        .into_iter()
        .map(|(places, mut group)| {
            if places.len() > 1 {
                let mut ordered: Vec<(i64, TestResult)> =
                    places.into_iter().zip(group.results).collect();
                ordered.sort_by_key(|(place, _)| *place);
                group.results = ordered.into_iter().map(|(_, r)| r).collect();
            }
            group
        })
        .collect()
}

impl Database {
    /// Page `page` (from 0) of the scope's patient's laboratory results and vital signs,
    /// newest first, grouped by report. The read is audited as the patient's.
    pub async fn test_results(
        &self,
        scope: &PatientScope,
        page: u32,
        origin: &RequestOrigin,
    ) -> anyhow::Result<ResultsPage> {
        let (patient, org) = (
            Arg::Uuid(scope.patient().as_uuid()),
            Arg::Uuid(scope.organization().as_uuid()),
        );
        let mut read = self.begin_short_read().await?;
        let mut rows: Vec<PageRow> = read
            .all(
                match read.backend() {
                    Backend::Sqlite => RESULTS_PAGE_SQLITE,
                    Backend::Postgres => RESULTS_PAGE_POSTGRES,
                },
                &[patient, org, Arg::Int(i64::from(page) * RESULTS_PER_PAGE)],
            )
            .await?;
        let more = rows.len() as i64 > RESULTS_PER_PAGE;
        rows.truncate(RESULTS_PER_PAGE as usize);
        read.append_audit(&own_read(
            scope,
            origin,
            "patient.results",
            "test results".to_owned(),
            format!("page {page}: {}", rows.len()),
        ));
        read.commit().await?;
        Ok(ResultsPage {
            groups: group(rows),
            more,
        })
    }

    /// One of the scope's patient's results with the values of the same test; `None` when
    /// the patient has no such result (another patient's is no different). Audited.
    pub async fn test_result(
        &self,
        scope: &PatientScope,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<ResultDetail>> {
        let (patient, org) = (
            Arg::Uuid(scope.patient().as_uuid()),
            Arg::Uuid(scope.organization().as_uuid()),
        );
        let mut read = self.begin_short_read().await?;
        let found: Option<ResultRow> = read
            .optional(RESULT_BY_ID, &[Arg::Uuid(id), patient, org])
            .await?;
        let Some(result) = found else {
            // Nothing was read: the connection goes back to the readers (dropped, it would be
            // closed as after a failure, and the next read would open another).
            read.commit().await?;
            return Ok(None);
        };
        let result = result.into_result();
        let history: Vec<ResultRow> = match &result.code {
            Some(code) => {
                read.all(SAME_TEST, &[patient, org, Arg::Text(code)])
                    .await?
            }
            None => Vec::new(),
        };
        read.append_audit(&own_read(
            scope,
            origin,
            "patient.result",
            format!("observation {id}"),
            history.len().to_string(),
        ));
        read.commit().await?;
        Ok(Some(ResultDetail {
            result,
            history: history.into_iter().map(ResultRow::into_result).collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::dispatch;
    use crate::{Backend, testing::Scratch};
    use jiff_sqlx::ToSqlx;

    /// Writes a row as a deployment before migration 0035 held it (what the importer wrote).
    async fn stored(db: &Database, sql: &str, binds: [&str; 4], at: Timestamp) -> Uuid {
        let id = Uuid::now_v7();
        let [org, patient, first, second] = binds;
        dispatch!(&db.handle, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(Uuid::parse_str(org).unwrap())
                .bind(Uuid::parse_str(patient).unwrap())
                .bind(first)
                .bind(second)
                .bind(at.to_sqlx())
                .execute(pool)
                .await
                .unwrap();
        });
        id
    }

    /// Migration 0035 keeps what each report imported before lists (a stored resource that
    /// is not JSON lists nothing; a result named by two reports stays under the newer one)
    /// and counts the results each account has not seen; the list then groups by report.
    async fn migrating_links_reports_and_counts_new_results(backend: Backend) {
        let scratch = Scratch::migrated_before(backend, 35).await;
        let db = &scratch.db;
        let org = db
            .create_organization("maple", "Maple", None)
            .await
            .unwrap();
        let lucia = scratch.active_account(org.id, "lucia.r").await;
        let (o, p) = (
            org.id.as_uuid().to_string(),
            lucia.patient.as_uuid().to_string(),
        );
        let observation = "INSERT INTO observations (id, organization_id, patient_id, status, \
             category, display, source_id, source_hash, resource, effective_at, imported_at) \
             VALUES ($1, $2, $3, 'final', $4, $5, $5, 'h', '{}', $6, $6)";
        let report = "INSERT INTO diagnostic_reports (id, organization_id, patient_id, status, \
             display, resource, source_id, source_hash, effective_at, imported_at) \
             VALUES ($1, $2, $3, 'final', $4, $5, $4, 'h', $6, $6)";
        let at = Timestamp::now();
        let glucose = stored(db, observation, [&o, &p, "laboratory", "glucose"], at).await;
        let sodium = stored(db, observation, [&o, &p, "laboratory", "sodium"], at).await;
        stored(db, observation, [&o, &p, "survey", "mood"], at).await;
        let listing = r#"{"resourceType":"DiagnosticReport","result":[
            {"reference":"Observation/sodium"},{"reference":"urn:uuid:glucose"},{"display":"x"}]}"#;
        let older = at.checked_sub(jiff::SignedDuration::from_secs(60)).unwrap();
        stored(
            db,
            report,
            [
                &o,
                &p,
                "Older panel",
                r#"{"result":[{"reference":"urn:uuid:sodium"}]}"#,
            ],
            older,
        )
        .await;
        let panel = stored(db, report, [&o, &p, "Metabolic panel", listing], at).await;
        stored(db, report, [&o, &p, "Broken", "not json"], at).await;
        stored(
            db,
            report,
            [&o, &p, "Odd", r#"{"result":{"reference":"x"}}"#],
            at,
        )
        .await;

        db.migrate().await.unwrap();
        let links: Vec<(Uuid, String, i64)> = dispatch!(&db.handle, |pool| {
            sqlx::query_as(
                "SELECT report_id, result_source_id, CAST(place AS BIGINT) FROM report_results \
                 ORDER BY result_source_id",
            )
            .fetch_all(pool)
            .await
            .unwrap()
        });
        assert_eq!(
            links,
            [
                (panel, "glucose".to_owned(), 1),
                (panel, "sodium".to_owned(), 0)
            ]
        );
        let counted: i64 = dispatch!(&db.handle, |pool| {
            sqlx::query_scalar("SELECT CAST(new_results AS BIGINT) FROM patient_accounts")
                .fetch_one(pool)
                .await
                .unwrap()
        });
        assert_eq!(counted, 2, "the two laboratory results, not the survey");

        let scope = PatientScope::new(org.id, lucia.patient);
        let page = db
            .test_results(&scope, 0, &RequestOrigin::default())
            .await
            .unwrap();
        let ids: Vec<Uuid> = page.groups[0].results.iter().map(|r| r.id).collect();
        assert_eq!(page.groups.len(), 1, "{page:?}");
        assert_eq!(page.groups[0].report.as_deref(), Some("Metabolic panel"));
        assert_eq!(ids, [sodium, glucose], "in the report's order");
        scratch.finish().await;
    }

    #[tokio::test]
    async fn migrating_links_reports_and_counts_new_results_sqlite() {
        migrating_links_reports_and_counts_new_results(Backend::Sqlite).await;
    }

    #[tokio::test]
    #[cfg_attr(
        not(porchlight_pg),
        ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
    )]
    async fn migrating_links_reports_and_counts_new_results_postgres() {
        migrating_links_reports_and_counts_new_results(Backend::Postgres).await;
    }

    fn result(value: f64, low: Option<f64>, high: Option<f64>, code: Option<&str>) -> TestResult {
        TestResult {
            id: Uuid::nil(),
            at: None,
            vital_sign: false,
            code: None,
            display: None,
            value_number: Some(value),
            value_unit: None,
            value_text: None,
            range_low: low,
            range_high: high,
            range_text: None,
            interpretation: code.map(str::to_owned),
        }
    }

    #[test]
    fn the_flag_comes_from_the_lab_then_from_the_range() {
        assert_eq!(
            result(5.0, Some(1.0), Some(4.0), None).flag(),
            Some(Flag::High)
        );
        assert_eq!(
            result(0.5, Some(1.0), Some(4.0), None).flag(),
            Some(Flag::Low)
        );
        assert_eq!(
            result(2.0, Some(1.0), Some(4.0), None).flag(),
            Some(Flag::Normal)
        );
        assert_eq!(
            result(2.0, None, Some(4.0), None).flag(),
            Some(Flag::Normal)
        );
        assert_eq!(result(2.0, None, None, None).flag(), None);
        assert_eq!(
            result(2.0, Some(1.0), Some(4.0), Some("HH")).flag(),
            Some(Flag::Critical)
        );
        assert_eq!(
            result(2.0, Some(1.0), Some(4.0), Some("L")).flag(),
            Some(Flag::Low)
        );
        assert_eq!(
            result(9.0, Some(1.0), Some(4.0), Some("?")).flag(),
            Some(Flag::High)
        );
    }
}
