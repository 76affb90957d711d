//! The security page, for security officers and administrators: failed sign-ins per hour with
//! spikes marked, accounts locked or waiting after failures, and security events (credential
//! stuffing, password spraying, "this wasn't me"), each with its evidence and a resolve action.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::Role;
use jiff::{SignedDuration, Timestamp, tz::TimeZone};
use serde::Deserialize;
use storage::{HourlyFailures, HourlyRefusals, LockedAccount, SecurityEvent};
use uuid::Uuid;

use crate::{
    AppState,
    account::sign_in::{
        ACCOUNT_WINDOW, ADDRESS_WINDOW, account_wait, address_bucket_prefix, address_wait,
    },
    common::{
        pages::{Practice, no_store, render},
        session::StaffUser,
    },
    enrollment::identity::invalid,
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// The period the page looks back over.
const LOOK_BACK: SignedDuration = SignedDuration::from_hours(24);
/// An hour is a spike from this many failures, when it is also well above the day's average.
const SPIKE_MIN: u64 = 20;
/// Resolved events listed under the open ones.
const RESOLVED_SHOWN: u32 = 20;
const NOTE_MAX_CHARS: usize = 500;

pub(crate) fn may_see_security(user: &StaffUser) -> bool {
    matches!(
        user.account.role,
        Role::SecurityOfficer | Role::Administrator
    )
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Only security officers and administrators see the security page.",
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "No such security event in this practice.",
    )
        .into_response()
}

pub(crate) fn kind_label(kind: &str) -> &str {
    match kind {
        "credential-stuffing" => "Many accounts failing from one address",
        "password-spraying" => "One password tried on many accounts",
        "not-me" => "A patient said a sign-in was not them",
        "many-records" => "One staff member opened many charts",
        "after-hours" => "Charts opened at an unusual hour",
        other => other,
    }
}

fn evidence_label(key: &str) -> &str {
    match key {
        "surface" => "Where",
        "period_minutes" => "Period looked at (minutes)",
        "failures" => "Failed sign-ins",
        "accounts" => "Accounts tried",
        "addresses" => "Addresses",
        "first_at" => "First failure",
        "last_at" => "Latest failure",
        "accounts_tried" => "Some of the accounts tried",
        "from_addresses" => "Some of the addresses",
        "account" => "Account",
        "username" => "Username",
        "device" => "Device",
        "address" => "Address it signed in from",
        "signed_in_at" => "Signed in at",
        "reported_at" => "Reported at",
        "reported_from" => "Reported from",
        "staff" => "Staff member",
        "records_opened" => "Charts opened",
        "usual_hours" => "Usual hours",
        "refused" => "Attempts refused while waiting (since opened)",
        other => other,
    }
}

/// The order evidence is shown in: what happened, then who and where, then when.
const EVIDENCE_ORDER: [&str; 20] = [
    "staff",
    "records_opened",
    "usual_hours",
    "surface",
    "period_minutes",
    "failures",
    "refused",
    "accounts",
    "addresses",
    "first_at",
    "last_at",
    "accounts_tried",
    "from_addresses",
    "username",
    "account",
    "device",
    "address",
    "signed_in_at",
    "reported_at",
    "reported_from",
];

/// An event's evidence as rows staff can read.
fn evidence_rows(evidence: &str) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(evidence) else {
        return vec![("Evidence".to_owned(), evidence.to_owned())];
    };
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(key, _)| {
        EVIDENCE_ORDER
            .iter()
            .position(|k| k == key)
            .unwrap_or(EVIDENCE_ORDER.len())
    });
    entries
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                serde_json::Value::Null => "not known".to_owned(),
                serde_json::Value::String(text) => surface_label(key, text),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map_or_else(|| item.to_string(), str::to_owned)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (evidence_label(key).to_owned(), value)
        })
        .collect()
}

fn surface_label(key: &str, text: &str) -> String {
    match (key, text) {
        ("surface", "patient-sign-in") => "Patient sign-in".to_owned(),
        ("surface", "staff-sign-in") => "Staff sign-in".to_owned(),
        _ => text.to_owned(),
    }
}

/// A moment on the practice's clock, its zone's abbreviation after it ("11/25/2026 16:05
/// EST"): staff compare these with what patients and colleagues tell them.
fn when(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%m/%d/%Y %H:%M %Z")
        .to_string()
}

/// One hour of the failures chart.
struct Hour {
    label: String,
    failures: u64,
    /// Attempts refused because they had to wait: a bot kept waiting keeps trying.
    refused: u64,
    /// The bar's width, in percent of the busiest hour.
    width: u64,
    spike: bool,
}

/// The last day's failed and refused sign-ins per hour, oldest first, quiet hours included;
/// an hour is a spike when its attempts (failed and refused) are at least [`SPIKE_MIN`] and
/// three times the day's average.
fn hours(
    counts: &[HourlyFailures],
    refusals: &[HourlyRefusals],
    now: Timestamp,
    zone: &TimeZone,
) -> Vec<Hour> {
    let this_hour = now.as_second() - now.as_second().rem_euclid(3600);
    let in_hour = |start: i64| {
        let failures = counts
            .iter()
            .find(|c| c.hour.as_second() == start)
            .map_or(0, |c| c.failures);
        let refused = refusals
            .iter()
            .find(|r| r.hour.as_second() == start)
            .map_or(0, |r| r.refused);
        (failures, refused)
    };
    let day: Vec<(u64, u64)> = (0..24)
        .rev()
        .map(|back| in_hour(this_hour - back * 3600))
        .collect();
    let total: u64 = day.iter().map(|(f, r)| f + r).sum();
    let busiest = day.iter().map(|(f, r)| f + r).max().unwrap_or(0).max(1);
    (0..24)
        .rev()
        .zip(day)
        .map(|(back, (failures, refused))| {
            let start = this_hour - back * 3600;
            let attempts = failures + refused;
            let average_of_others = (total - attempts) / 23;
            Hour {
                label: Timestamp::from_second(start)
                    .map(|t| {
                        // Minutes too: some zones are half an hour off UTC's hours.
                        t.to_zoned(zone.clone()).strftime("%m/%d %H:%M").to_string()
                    })
                    .unwrap_or_default(),
                failures,
                refused,
                width: attempts * 100 / busiest,
                spike: attempts >= SPIKE_MIN && attempts >= 3 * average_of_others.max(1),
            }
        })
        .collect()
}

/// An account whose sign-ins wait after failures.
struct Waiting {
    who: &'static str,
    username: String,
    failures: u32,
    wait: String,
}

/// A client address whose sign-ins wait after failures.
struct WaitingAddress {
    surface: &'static str,
    address: String,
    failures: u32,
    wait: String,
}

#[derive(Template)]
#[template(path = "staff/security.html")]
struct SecurityPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    open: Vec<SecurityEvent>,
    resolved: Vec<SecurityEvent>,
    hours: Vec<Hour>,
    spikes: usize,
    failures_today: u64,
    refused_today: u64,
    locked: Vec<LockedAccount>,
    waiting: Vec<Waiting>,
    waiting_addresses: Vec<WaitingAddress>,
    done: bool,
    /// The practice's time zone, for the times shown.
    zone: TimeZone,
}

impl SecurityPage {
    fn kind(&self, event: &SecurityEvent) -> String {
        kind_label(&event.kind).to_owned()
    }

    fn when(&self, at: &Timestamp) -> String {
        when(*at, &self.zone)
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    resolved: Option<String>,
}

/// `GET /staff/security`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    if !may_see_security(&user) {
        return Ok(forbidden());
    }
    let origin = request_origin(client, &headers);
    security_page(&state, &user, &origin, query.resolved.is_some())
        .await
        .or_trouble("could not read the security page")
}

async fn security_page(
    state: &AppState,
    user: &StaffUser,
    origin: &storage::RequestOrigin,
    done: bool,
) -> anyhow::Result<Response> {
    let now = Timestamp::now();
    let scope = &user.scope;
    let open = state.db.open_security_events(scope).await?;
    let resolved = state
        .db
        .resolved_security_events(scope, RESOLVED_SHOWN)
        .await?;
    let counts = state
        .db
        .hourly_sign_in_failures(scope, now - LOOK_BACK)
        .await?;
    let refusals = state
        .db
        .hourly_sign_in_refusals(scope, now - LOOK_BACK)
        .await?;
    let zone = crate::common::pages::practice_zone(state, scope.organization()).await;
    let hours = hours(&counts, &refusals, now, &zone);
    let locked = state.db.locked_patient_accounts(scope, origin).await?;
    let organization = state
        .db
        .organizations()
        .await?
        .into_iter()
        .find(|o| o.id == scope.organization());
    let mut waiting = Vec::new();
    let mut waiting_addresses = Vec::new();
    if let Some(organization) = organization {
        for (surface, label) in [
            ("patient-sign-in", "Patient sign-in"),
            ("staff-sign-in", "Staff sign-in"),
        ] {
            let prefix = address_bucket_prefix(surface, &organization.slug);
            for (bucket, count) in state
                .db
                .failure_counts_under(&prefix, now, ADDRESS_WINDOW)
                .await?
            {
                let Some(wait) = address_wait(count, now) else {
                    continue;
                };
                waiting_addresses.push(WaitingAddress {
                    surface: label,
                    address: bucket[prefix.len()..].to_owned(),
                    failures: count.failures,
                    wait: format!("{} min", (wait.as_secs() + 59) / 60),
                });
            }
        }
        for (who, surface) in [("Patient", "patient-sign-in"), ("Staff", "staff-sign-in")] {
            let prefix = format!("{surface}:{}:", organization.slug);
            for (bucket, count) in state
                .db
                .failure_counts_under(&prefix, now, ACCOUNT_WINDOW)
                .await?
            {
                let Some(wait) = account_wait(count, now) else {
                    continue;
                };
                waiting.push(Waiting {
                    who,
                    username: bucket[prefix.len()..].to_owned(),
                    failures: count.failures,
                    wait: format!("{} min", (wait.as_secs() + 59) / 60),
                });
            }
        }
    }
    let practice = Practice::of(state).await;
    let mut response = render(SecurityPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        open,
        resolved,
        spikes: hours.iter().filter(|h| h.spike).count(),
        failures_today: hours.iter().map(|h| h.failures).sum(),
        refused_today: hours.iter().map(|h| h.refused).sum(),
        hours,
        locked,
        waiting,
        waiting_addresses,
        done,
        zone,
    });
    no_store(&mut response);
    Ok(response)
}

#[derive(Template)]
#[template(path = "staff/security_event.html")]
struct EventPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    event: SecurityEvent,
    kind: String,
    evidence: Vec<(String, String)>,
    opened: String,
    last_seen: String,
    resolved: Option<String>,
    note: String,
    note_error: Option<&'static str>,
}

/// `GET /staff/security/events/{id}`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn event(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_see_security(&user) {
        return Ok(forbidden());
    }
    event_page(&state, &user, id, String::new(), None).await
}

async fn event_page(
    state: &AppState,
    user: &StaffUser,
    id: Uuid,
    note: String,
    note_error: Option<&'static str>,
) -> Result<Response, PageError> {
    let Some(event) = state
        .db
        .security_event(&user.scope, id)
        .await
        .or_trouble("could not read a security event")?
    else {
        return Ok(not_found());
    };
    let mut evidence = evidence_rows(&event.evidence);
    if event.kind == "credential-stuffing" {
        // Attempts that had to wait are counted apart from the failures: the event shows both.
        let refused = state
            .db
            .sign_in_refusals_from(user.scope.organization(), &event.subject, event.opened_at)
            .await
            .or_trouble("could not count refused sign-ins")?;
        evidence.insert(
            evidence.len().min(3),
            (evidence_label("refused").to_owned(), refused.to_string()),
        );
    }
    let practice = Practice::of(state).await;
    let zone = crate::common::pages::practice_zone(state, user.scope.organization()).await;
    let when = |at| when(at, &zone);
    let mut response = render(EventPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        kind: kind_label(&event.kind).to_owned(),
        evidence,
        opened: when(event.opened_at),
        last_seen: when(event.last_seen_at),
        resolved: event.resolved_at.map(|at| {
            format!(
                "{} by {}",
                when(at),
                event.resolved_by.as_deref().unwrap_or("a former colleague")
            )
        }),
        event,
        note,
        note_error,
    });
    no_store(&mut response);
    Ok(response)
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    note: String,
}

/// What a resolving note must be; the words to show when it is not.
fn check_note(note: &str) -> Result<&str, &'static str> {
    let note = note.trim();
    if note.is_empty() {
        Err("Say what you found and did, for whoever reads this later.")
    } else if note.chars().count() > NOTE_MAX_CHARS {
        Err("Keep the note under 500 characters.")
    } else {
        Ok(note)
    }
}

/// `POST /staff/security/events/{id}/resolve`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn resolve(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, PageError> {
    if !may_see_security(&user) {
        return Ok(forbidden());
    }
    let note = match check_note(&form.note) {
        Ok(note) => note.to_owned(),
        Err(message) => {
            let page = event_page(&state, &user, id, form.note, Some(message)).await?;
            return Ok(invalid(page));
        }
    };
    let origin = request_origin(client, &headers);
    let resolved = state
        .db
        .resolve_security_event(&user.scope, id, &note, &origin)
        .await
        .or_trouble("could not resolve a security event")?;
    Ok(if resolved {
        Redirect::to("/staff/security?resolved").into_response()
    } else {
        not_found()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour(at: Timestamp, back: i64, failures: u64) -> HourlyFailures {
        let this_hour = at.as_second() - at.as_second().rem_euclid(3600);
        HourlyFailures {
            hour: Timestamp::from_second(this_hour - back * 3600).unwrap(),
            failures,
        }
    }

    #[test]
    fn a_spike_stands_well_above_the_day_and_quiet_hours_are_shown_as_zero() {
        let now: Timestamp = "2026-11-25T10:30:00Z".parse().unwrap();
        let counts = [hour(now, 5, 3), hour(now, 2, 40), hour(now, 0, 4)];
        let day = hours(&counts, &[], now, &TimeZone::UTC);
        assert_eq!(day.len(), 24);
        assert_eq!(day[23].label, "11/25 10:00");
        // On the practice's clock.
        let new_york = TimeZone::get("America/New_York").unwrap();
        assert_eq!(hours(&counts, &[], now, &new_york)[23].label, "11/25 05:00");
        let kolkata = TimeZone::get("Asia/Kolkata").unwrap();
        assert_eq!(hours(&counts, &[], now, &kolkata)[23].label, "11/25 15:30");
        assert_eq!(when(now, &new_york), "11/25/2026 05:30 EST");
        assert_eq!(
            day.iter().map(|h| h.failures).sum::<u64>(),
            47,
            "every failure counted once"
        );
        let spikes: Vec<_> = day.iter().filter(|h| h.spike).map(|h| h.failures).collect();
        assert_eq!(spikes, [40]);
        assert_eq!(day[21].width, 100);
        // A steady day is no spike, however busy.
        let steady: Vec<_> = (0..24).map(|back| hour(now, back, 25)).collect();
        assert!(
            hours(&steady, &[], now, &TimeZone::UTC)
                .iter()
                .all(|h| !h.spike)
        );
        // Attempts refused while waiting count toward a spike: a bot kept waiting is an attack.
        let refused = [HourlyRefusals {
            hour: hour(now, 1, 0).hour,
            refused: 500,
        }];
        let day = hours(&counts, &refused, now, &TimeZone::UTC);
        assert_eq!((day[22].failures, day[22].refused), (0, 500));
        assert!(day[22].spike && !day[21].spike, "40 is small beside 500");
        assert_eq!(day[22].width, 100);
    }

    #[test]
    fn evidence_reads_as_labelled_rows_in_its_order() {
        let rows = evidence_rows(
            r#"{"surface":"patient-sign-in","accounts":11,"accounts_tried":["a.1","a.2"],"device":null}"#,
        );
        assert_eq!(
            rows,
            [
                ("Where".to_owned(), "Patient sign-in".to_owned()),
                ("Accounts tried".to_owned(), "11".to_owned()),
                (
                    "Some of the accounts tried".to_owned(),
                    "a.1, a.2".to_owned()
                ),
                ("Device".to_owned(), "not known".to_owned()),
            ]
        );
        assert_eq!(evidence_rows("not json")[0].1, "not json");
    }

    #[test]
    fn a_resolving_note_is_required_and_bounded() {
        assert!(check_note("  ").is_err());
        assert!(check_note(&"x".repeat(501)).is_err());
        assert_eq!(
            check_note(" Blocked the address at the firewall "),
            Ok("Blocked the address at the firewall")
        );
    }
}
