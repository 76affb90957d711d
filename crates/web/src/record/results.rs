//! Test results: the list (laboratory results and vital signs, newest first, grouped by the
//! report that lists them) and one result's page (its value, unit, normal range and a flag
//! in words, with the same test's values over time as a chart and a table).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use jiff::{Timestamp, tz::TimeZone};
use serde::Deserialize;
use storage::{Flag, ResultGroup, TestResult};

use super::{Reader, explanations, private_page};
use crate::{
    AppState,
    common::{
        i18n::{Arg, t, t_args},
        pages::not_found,
    },
    error::{OrTrouble, PageError},
};

/// A number as people write it: no trailing zeros, at most two decimals.
fn number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}

/// A UCUM unit as people write it ("mm[Hg]" is "mmHg"; "{count}" annotations go).
fn unit(unit: &str) -> String {
    if !unit.contains(['[', '{']) && !unit.contains("kg/m2") {
        // Most units ("%", "g", "mmol") are written as people write them.
        return unit.trim().to_owned();
    }
    let plain = unit.replace("mm[Hg]", "mmHg").replace("kg/m2", "kg/m²");
    let mut out = String::new();
    let mut inside = false;
    for c in plain.chars() {
        match c {
            '{' => inside = true,
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// The value with its unit: "5.4 %", "120/80 mmHg".
pub(crate) fn value(result: &TestResult) -> String {
    let shown = match (&result.value_number, &result.value_text) {
        (Some(n), _) => number(*n),
        (None, Some(text)) => text.clone(),
        (None, None) => return t("results-no-value"),
    };
    match result.value_unit.as_deref().map(unit) {
        Some(u) if !u.is_empty() => format!("{shown} {u}"),
        _ => shown,
    }
}

/// The normal range in words: "70 to 99 mg/dL", "below 200 mg/dL", "above 40 mg/dL".
fn range(result: &TestResult) -> Option<String> {
    let u = result
        .value_unit
        .as_deref()
        .map(unit)
        .filter(|u| !u.is_empty())
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let words = match (result.range_low, result.range_high) {
        (Some(low), Some(high)) => t_args(
            "results-range-between",
            &[
                ("low", Arg::Text(number(low))),
                ("high", Arg::Text(format!("{}{u}", number(high)))),
            ],
        ),
        (None, Some(high)) => t_args(
            "results-range-below",
            &[("high", Arg::Text(format!("{}{u}", number(high))))],
        ),
        (Some(low), None) => t_args(
            "results-range-above",
            &[("low", Arg::Text(format!("{}{u}", number(low))))],
        ),
        (None, None) => return result.range_text.clone(),
    };
    Some(words)
}

/// A flag in words, and the class that marks it (never by colour alone: the words are there).
pub(crate) struct FlagWords {
    pub(crate) words: String,
    pub(crate) class: &'static str,
}

pub(crate) fn flag(result: &TestResult) -> Option<FlagWords> {
    let (key, class) = match result.flag()? {
        Flag::Normal => ("results-flag-normal", "flag-normal"),
        Flag::High => ("results-flag-high", "flag-high"),
        Flag::Low => ("results-flag-low", "flag-low"),
        Flag::Abnormal => ("results-flag-abnormal", "flag-abnormal"),
        Flag::Critical => ("results-flag-critical", "flag-critical"),
    };
    Some(FlagWords {
        words: t(key),
        class,
    })
}

pub(crate) fn name(result: &TestResult) -> String {
    result
        .display
        .clone()
        .unwrap_or_else(|| t("results-unnamed"))
}

fn when(at: Option<Timestamp>, zone: &TimeZone) -> String {
    at.map_or_else(
        || t("results-no-date"),
        |at| crate::common::i18n::moment(at, zone),
    )
}

/// One result in a list.
struct Line {
    href: String,
    name: String,
    value: String,
    flag: Option<FlagWords>,
    /// Imported since the patient last opened the list: marked "New" in words.
    new: bool,
}

fn line(result: &TestResult) -> Line {
    Line {
        href: format!("/results/{}", result.id),
        name: name(result),
        value: value(result),
        flag: flag(result),
        new: false,
    }
}

/// Marks the lines of the results that are new to the patient.
fn mark_new(groups: &mut [Group], new: &std::collections::HashSet<uuid::Uuid>) {
    if new.is_empty() {
        return;
    }
    let hrefs: std::collections::HashSet<String> =
        new.iter().map(|id| format!("/results/{id}")).collect();
    for line in groups.iter_mut().flat_map(|group| group.lines.iter_mut()) {
        line.new = hrefs.contains(&line.href);
    }
}

/// A group as the list shows it: a heading (the report's name, "Vital signs" or "Other
/// tests"), when, and its results.
struct Group {
    heading: String,
    when: String,
    lines: Vec<Line>,
}

/// The groups of a page; results that no report lists and were taken at the same moment
/// (the vital signs of a visit) read as one group.
fn groups(found: Vec<ResultGroup>, zone: &TimeZone) -> Vec<Group> {
    let mut shown: Vec<(Option<Timestamp>, bool, Group)> = Vec::new();
    for group in found {
        let Some(first) = group.results.first() else {
            continue;
        };
        let at = first.at;
        let lines: Vec<Line> = group.results.iter().map(line).collect();
        match group.report {
            Some(report) => shown.push((
                at,
                false,
                Group {
                    heading: report,
                    when: when(at, zone),
                    lines,
                },
            )),
            None => {
                let vital = first.vital_sign;
                if let Some((last_at, true, last)) = shown.last_mut()
                    && *last_at == at
                    && at.is_some()
                {
                    if !vital {
                        last.heading = t("results-other-tests");
                    }
                    last.lines.extend(lines);
                } else {
                    let heading = if vital {
                        t("results-vital-signs")
                    } else {
                        t("results-other-tests")
                    };
                    shown.push((
                        at,
                        true,
                        Group {
                            heading,
                            when: when(at, zone),
                            lines,
                        },
                    ));
                }
            }
        }
    }
    shown.into_iter().map(|(_, _, group)| group).collect()
}

#[derive(Template)]
#[template(path = "record/results.html")]
struct ResultsListPage {
    practice_name: String,
    practice_phone: Option<String>,
    groups: Vec<Group>,
    page: u32,
    newer: Option<String>,
    older: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// The page asked for, numbered from 1 for people; anything else is the first page.
    pub(crate) fn page_number(&self) -> u32 {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse::<u32>().ok())
            .filter(|p| (1..=10_000).contains(p))
            .unwrap_or(1)
    }
}

/// `GET /results`.
pub async fn list(
    State(state): State<AppState>,
    reader: Reader,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let page = query.page_number();
    let found = state
        .db
        .test_results(&reader.user.scope, page - 1, &reader.origin)
        .await
        .or_trouble("could not read test results")?;
    // What was new is marked once, then seen.
    let new = state
        .db
        .take_new_results(&reader.user.scope)
        .await
        .or_trouble("could not read which results are new")?;
    let (practice, zone) = reader.practice(&state).await;
    let mut groups = groups(found.groups, &zone);
    mark_new(&mut groups, &new);
    Ok(private_page(ResultsListPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        groups,
        page,
        newer: (page > 1).then(|| format!("/results?page={}", page - 1)),
        older: found.more.then(|| format!("/results?page={}", page + 1)),
    }))
}

/// One value of the trend's table.
struct Point {
    when: String,
    value: String,
    flag: Option<FlagWords>,
    current: bool,
}

/// The trend chart, drawn here as SVG: coordinates in a 400 × 200 box.
struct Chart {
    /// The line through the values, oldest first ("x,y x,y ...").
    line: String,
    dots: Vec<(String, String)>,
    /// The normal range as a band: (y of the top, height).
    band: Option<(String, String)>,
    top_label: String,
    bottom_label: String,
    first_day: String,
    last_day: String,
    description: String,
}

const LEFT: f64 = 60.0;
const RIGHT: f64 = 390.0;
const TOP: f64 = 15.0;
const BOTTOM: f64 = 165.0;

fn chart(history: &[TestResult], zone: &TimeZone, title: &str) -> Option<Chart> {
    // Oldest first, numeric and dated values only.
    let mut points: Vec<(Timestamp, f64)> = history
        .iter()
        .filter_map(|r| Some((r.at?, r.value_number?)))
        .collect();
    if points.len() < 2 {
        return None;
    }
    points.sort_by_key(|(at, _)| *at);
    let newest = history.first()?;
    let mut low = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mut high = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    for bound in [newest.range_low, newest.range_high].into_iter().flatten() {
        low = low.min(bound);
        high = high.max(bound);
    }
    if (high - low).abs() < f64::EPSILON {
        low -= 1.0;
        high += 1.0;
    }
    let margin = (high - low) * 0.1;
    let (low, high) = (low - margin, high + margin);
    let first = points[0].0.as_second() as f64;
    let last = points[points.len() - 1].0.as_second() as f64;
    let span = (last - first).max(1.0);
    let y = |v: f64| BOTTOM - (v - low) / (high - low) * (BOTTOM - TOP);
    let x = |at: Timestamp| LEFT + (at.as_second() as f64 - first) / span * (RIGHT - LEFT);
    let coords: Vec<(String, String)> = points
        .iter()
        .map(|(at, v)| (format!("{:.1}", x(*at)), format!("{:.1}", y(*v))))
        .collect();
    let band = match (newest.range_low, newest.range_high) {
        (None, None) => None,
        (l, h) => {
            let top = y(h.unwrap_or(high)).max(TOP);
            let bottom = y(l.unwrap_or(low)).min(BOTTOM);
            Some((
                format!("{top:.1}"),
                format!("{:.1}", (bottom - top).max(0.0)),
            ))
        }
    };
    let day = |at: Timestamp| crate::common::i18n::day(at.to_zoned(zone.clone()).date());
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let description = t_args(
        "results-chart-description",
        &[
            ("test", Arg::Text(title.to_owned())),
            ("count", Arg::Number(points.len() as i64)),
            ("first", Arg::Text(day(points[0].0))),
            ("last", Arg::Text(day(points[points.len() - 1].0))),
            ("lowest", Arg::Text(number(min))),
            ("highest", Arg::Text(number(max))),
            ("latest", Arg::Text(number(points[points.len() - 1].1))),
        ],
    );
    Some(Chart {
        line: coords
            .iter()
            .map(|(x, y)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" "),
        dots: coords,
        band,
        top_label: number(high - margin),
        bottom_label: number(low + margin),
        first_day: day(points[0].0),
        last_day: day(points[points.len() - 1].0),
        description,
    })
}

#[derive(Template)]
#[template(path = "record/results_item.html")]
struct ResultPage {
    practice_name: String,
    practice_phone: Option<String>,
    name: String,
    when: String,
    value: String,
    range: Option<String>,
    flag: Option<FlagWords>,
    chart: Option<Chart>,
    points: Vec<Point>,
    /// What the test measures, in plain words, when it is one of the common tests.
    explanation: Option<String>,
    /// The result's id: a message about it names it.
    id: uuid::Uuid,
}

/// `GET /results/{id}`: another patient's result, or no result, is the same "not found".
pub async fn page(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return Ok(not_found(State(state)).await);
    };
    let Some(detail) = state
        .db
        .test_result(&reader.user.scope, id, &reader.origin)
        .await
        .or_trouble("could not read a test result")?
    else {
        return Ok(not_found(State(state)).await);
    };
    let (practice, zone) = reader.practice(&state).await;
    let result = &detail.result;
    let title = name(result);
    let points = if detail.history.len() > 1 {
        detail
            .history
            .iter()
            .map(|r| Point {
                // The day is enough in a table that a phone shows in three narrow columns.
                when: r.at.map_or_else(
                    || t("results-no-date"),
                    |at| crate::common::i18n::day(at.to_zoned(zone.clone()).date()),
                ),
                value: value(r),
                flag: flag(r),
                current: r.id == result.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(private_page(ResultPage {
        id,
        practice_name: practice.name,
        practice_phone: practice.phone,
        chart: chart(&detail.history, &zone, &title),
        name: title,
        when: when(result.at, &zone),
        value: value(result),
        range: range(result),
        flag: flag(result),
        points,
        explanation: explanations::explanation(result.code.as_deref()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_units_read_as_people_write_them() {
        assert_eq!(number(5.4), "5.4");
        assert_eq!(number(120.0), "120");
        assert_eq!(number(6.300000001), "6.3");
        assert_eq!(unit("mm[Hg]"), "mmHg");
        assert_eq!(unit("{score}"), "");
        assert_eq!(unit("mg/dL"), "mg/dL");
        assert_eq!(unit(" % "), "%");
        assert_eq!(unit("kg/m2"), "kg/m²");
        assert_eq!(unit("10*3/uL{cells}"), "10*3/uL");
    }
}
