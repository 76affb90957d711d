//! Test results as the patient reads them: laboratory results and vital signs, newest first,
//! grouped by the report (panel) that lists them, and one result with the earlier values of
//! the same test. Each read is audited as the patient's.

use std::collections::HashMap;

use domain::PatientScope;
use jiff::Timestamp;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, ReadTx, RequestOrigin, database::dispatch};

/// One of the patient's results, by id.
pub(crate) const RESULT_BY_ID: &str = "SELECT id, source_id, category, code, display, effective_at, \
    value_number, value_unit, value_text, range_low, range_high, range_text, interpretation \
    FROM observations \
    WHERE id = $1 AND patient_id = $2 AND organization_id = $3 \
    AND category IN ('laboratory', 'vital-signs')";

/// One page of the patient's results, newest first (undated ones last); one row more than a
/// page tells whether there is a next page.
pub(crate) const RESULTS_PAGE: &str = "SELECT id, source_id, category, code, display, effective_at, \
    value_number, value_unit, value_text, range_low, range_high, range_text, interpretation \
    FROM observations \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND category IN ('laboratory', 'vital-signs') \
    ORDER BY effective_at IS NULL, effective_at DESC, id DESC LIMIT $3 OFFSET $4";

/// The reports dated within a page's results, to group them by the report that lists them.
pub(crate) const REPORTS_BETWEEN: &str = "SELECT display, resource FROM diagnostic_reports \
    WHERE patient_id = $1 AND organization_id = $2 \
    AND effective_at >= $3 AND effective_at <= $4 \
    ORDER BY effective_at DESC LIMIT 200";

/// The earlier and later values of the same test, newest first.
pub(crate) const SAME_TEST: &str = "SELECT id, source_id, category, code, display, effective_at, \
    value_number, value_unit, value_text, range_low, range_high, range_text, interpretation \
    FROM observations \
    WHERE patient_id = $1 AND organization_id = $2 AND code = $3 \
    ORDER BY effective_at DESC LIMIT $4";

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
    source_id: String,
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

#[derive(FromRow)]
struct ReportRow {
    display: Option<String>,
    resource: String,
}

/// The source ids of the observations a stored DiagnosticReport lists in `result`.
fn listed_results(resource: &str) -> Vec<String> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(resource) else {
        return Vec::new();
    };
    json["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["reference"].as_str())
        .map(|reference| {
            reference
                .strip_prefix("urn:uuid:")
                .or_else(|| reference.rsplit_once('/').map(|(_, id)| id))
                .unwrap_or(reference)
                .to_owned()
        })
        .collect()
}

/// Groups results (newest first) by the report that lists them, in order of each group's
/// first result; a report's results in the report's order.
fn group(results: Vec<ResultRow>, reports: &[ReportRow]) -> Vec<ResultGroup> {
    let listed: Vec<Vec<String>> = reports
        .iter()
        .map(|r| listed_results(&r.resource))
        .collect();
    // Each listed observation: its report, and its place in the report.
    let mut report_of: HashMap<&str, (usize, usize)> = HashMap::new();
    for (index, ids) in listed.iter().enumerate() {
        for (place, id) in ids.iter().enumerate() {
            report_of.entry(id.as_str()).or_insert((index, place));
        }
    }
    let mut groups: Vec<(Vec<usize>, ResultGroup)> = Vec::new();
    let mut group_of_report: HashMap<usize, usize> = HashMap::new();
    for row in results {
        let listed_in = report_of.get(row.source_id.as_str()).copied();
        let result = row.into_result();
        match listed_in {
            Some((report, place)) => {
                if let Some(&at) = group_of_report.get(&report) {
                    groups[at].0.push(place);
                    groups[at].1.results.push(result);
                } else {
                    group_of_report.insert(report, groups.len());
                    let name = reports[report].display.clone();
                    groups.push((
                        vec![place],
                        ResultGroup {
                            report: Some(name.unwrap_or_default()),
                            results: vec![result],
                        },
                    ));
                }
            }
            None => groups.push((
                Vec::new(),
                ResultGroup {
                    report: None,
                    results: vec![result],
                },
            )),
        }
    }
    groups
        .into_iter()
        .map(|(places, mut group)| {
            if places.len() > 1 {
                let mut ordered: Vec<(usize, TestResult)> =
                    places.into_iter().zip(group.results).collect();
                ordered.sort_by_key(|(place, _)| *place);
                group.results = ordered.into_iter().map(|(_, r)| r).collect();
            }
            group
        })
        .collect()
}

async fn audit(
    tx: &mut ReadTx,
    scope: &PatientScope,
    origin: &RequestOrigin,
    action: &str,
    subject: String,
    detail: String,
) -> anyhow::Result<()> {
    tx.append_audit(&AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Patient(scope.patient()),
        action: action.to_owned(),
        patient: Some(scope.patient()),
        subject: Some(subject),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail: Some(detail),
    })
    .await
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
        let mut tx = self.begin_read().await?;
        let mut rows: Vec<ResultRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(RESULTS_PAGE)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .bind(RESULTS_PER_PAGE + 1)
                .bind(i64::from(page) * RESULTS_PER_PAGE)
                .fetch_all(&mut **tx)
                .await?
        });
        let more = rows.len() as i64 > RESULTS_PER_PAGE;
        rows.truncate(RESULTS_PER_PAGE as usize);
        let dates: Vec<Timestamp> = rows.iter().filter_map(ResultRow::at).collect();
        let reports: Vec<ReportRow> = match (dates.iter().min(), dates.iter().max()) {
            (Some(first), Some(last)) => dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(REPORTS_BETWEEN)
                    .bind(scope.patient().as_uuid())
                    .bind(scope.organization().as_uuid())
                    .bind(jiff_sqlx::ToSqlx::to_sqlx(*first))
                    .bind(jiff_sqlx::ToSqlx::to_sqlx(*last))
                    .fetch_all(&mut **tx)
                    .await?
            }),
            _ => Vec::new(),
        };
        audit(
            &mut tx,
            scope,
            origin,
            "patient.results",
            "test results".to_owned(),
            format!("page {page}: {}", rows.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(ResultsPage {
            groups: group(rows, &reports),
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
        let mut tx = self.begin_read().await?;
        let found: Option<ResultRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(RESULT_BY_ID)
                .bind(id)
                .bind(scope.patient().as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some(result) = found else {
            // Nothing was read: the connection goes back to the readers (dropped, it would be
            // closed as after a failure, and the next read would open another).
            tx.commit().await?;
            return Ok(None);
        };
        let result = result.into_result();
        let history: Vec<ResultRow> = match &result.code {
            Some(code) => dispatch!(&mut tx.handle, |tx| {
                sqlx::query_as(SAME_TEST)
                    .bind(scope.patient().as_uuid())
                    .bind(scope.organization().as_uuid())
                    .bind(code)
                    .bind(TREND_VALUES)
                    .fetch_all(&mut **tx)
                    .await?
            }),
            None => Vec::new(),
        };
        audit(
            &mut tx,
            scope,
            origin,
            "patient.result",
            format!("observation {id}"),
            history.len().to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(ResultDetail {
            result,
            history: history.into_iter().map(ResultRow::into_result).collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_report_lists_its_results_by_reference() {
        let resource = r#"{"result":[{"reference":"urn:uuid:a1"},{"reference":"Observation/b2"}]}"#;
        assert_eq!(listed_results(resource), ["a1", "b2"]);
        assert!(listed_results("{}").is_empty());
    }
}
