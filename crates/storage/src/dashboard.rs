//! The patient's home page (issue 14): the greeting and the previous sign-in, with tiles of
//! what is coming and what is new: the next visits, results imported since the patient last
//! opened the results list, the medicines they take now, things to do and the balance due.
//! One read, audited once as the patient's: who the patient is and the tiles' counts in one
//! statement, then the tiles' lists that have anything to list.

use const_format::concatcp;
use domain::PatientScope;
use jiff::Timestamp;
use sqlx::FromRow;

use crate::{
    AuditActor, AuditEntry, Database, PatientHome, RequestOrigin,
    inline::Scalar,
    patient_accounts::{HomeRow, home_columns, home_source},
    short_read::Arg,
};

/// How many entries a tile names at most.
const TILE_ENTRIES: i64 = 3;

/// Who the patient is and what the tiles count, in one statement (each statement of a read
/// is a trip to the database and back): the columns of
/// [`crate::patient_accounts::PATIENT_HOME`], from the same rows; how many results are new
/// (kept on the account by the import, cleared by a visit to the results list) and since when
/// (that visit, else the account's creation); whether 2-step sign-in is set up; how many
/// medicines the patient takes now (active or on hold); and what they owe: the sum of the
/// "patient pay" totals of their explanations of benefit (the payer's word on what is left to
/// the patient; claims carry what was billed, not what the patient owes, so they are not
/// counted); and how many messages from the practice they have not opened.
pub(crate) const DASHBOARD_SUMMARY: &str = concat!(
    home_columns!(),
    ", a.new_results, COALESCE(a.results_seen_at, a.created_at) AS results_since, \
     EXISTS (SELECT 1 FROM two_step_methods t \
         WHERE t.kind = 'patient' AND t.account_id = a.id) AS two_step, \
     (SELECT COUNT(*) FROM medication_requests m \
         WHERE m.patient_id = $1 AND m.organization_id = $2 \
         AND m.status IN ('active', 'on-hold')) AS current_medicines, \
     (SELECT CAST(COALESCE(SUM(e.patient_owes_cents), 0) AS BIGINT) \
         FROM explanations_of_benefit e \
         WHERE e.patient_id = $1 AND e.organization_id = $2) AS balance_cents, \
     (SELECT COUNT(*) FROM messages g WHERE g.patient_id = $1 AND g.organization_id = $2 \
         AND g.read_at IS NULL AND g.author_kind <> 'patient') AS unread_messages",
    home_source!()
);

/// The next visits: booked, pending or proposed appointments yet to start, soonest first.
pub(crate) const NEXT_VISITS: &str = concatcp!(
    "SELECT start_at, description, practitioner \
     FROM appointments \
     WHERE patient_id = $1 AND organization_id = $2 AND start_at > $3 \
     AND status IN ('booked', 'pending', 'proposed') \
     ORDER BY start_at LIMIT ",
    TILE_ENTRIES
);

/// The newest of the results imported after a moment, by when they were taken: looked for
/// among the patient's newest results only (new results are nearly always the newest taken;
/// an old one imported late is counted but may go unnamed), so that the read stays short
/// whatever the history's length.
pub(crate) const NEW_RESULTS_NAMED: &str = concatcp!(
    "SELECT display FROM (\
     SELECT display, imported_at, effective_at, id FROM observations \
     WHERE patient_id = $1 AND organization_id = $2 \
     AND category IN ('laboratory', 'vital-signs') \
     ORDER BY effective_at DESC NULLS LAST, id DESC LIMIT 200) newest \
     WHERE imported_at > $3 ORDER BY effective_at DESC NULLS LAST, id DESC LIMIT ",
    TILE_ENTRIES
);

/// The newest of the medicines the patient takes now.
pub(crate) const CURRENT_MEDICINES_NAMED: &str = concatcp!(
    "SELECT display FROM medication_requests \
     WHERE patient_id = $1 AND organization_id = $2 AND status IN ('active', 'on-hold') \
     ORDER BY authored_at IS NULL, authored_at DESC LIMIT ",
    TILE_ENTRIES
);

/// One upcoming visit.
#[derive(Debug, Clone, PartialEq)]
pub struct UpcomingVisit {
    pub start: Timestamp,
    pub description: Option<String>,
    pub practitioner: Option<String>,
}

/// What the patient's home page shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub home: PatientHome,
    /// Up to 3, soonest first.
    pub next_visits: Vec<UpcomingVisit>,
    /// Results imported since the patient last opened the results list.
    pub new_results: i64,
    /// The names of the newest of them (up to 3).
    pub new_result_names: Vec<String>,
    /// Medicines taken now.
    pub current_medicines: i64,
    /// The names of the newest of them (up to 3).
    pub medicine_names: Vec<String>,
    /// Whether 2-step sign-in is set up.
    pub two_step: bool,
    /// What the patient owes, in cents (0 when nothing).
    pub balance_cents: i64,
    /// Messages from the practice the patient has not opened.
    pub unread_messages: i64,
}

#[derive(FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    home: HomeRow,
    new_results: i64,
    results_since: jiff_sqlx::Timestamp,
    two_step: bool,
    current_medicines: i64,
    balance_cents: i64,
    unread_messages: i64,
}

crate::inline::inline_row!(SummaryRow {
    new_results,
    results_since,
    two_step,
    current_medicines,
    balance_cents,
    unread_messages,
} flatten { home });

#[derive(FromRow)]
struct VisitRow {
    start_at: jiff_sqlx::Timestamp,
    description: Option<String>,
    practitioner: Option<String>,
}
crate::inline::inline_row!(VisitRow {
    start_at,
    description,
    practitioner
});

impl Database {
    /// The scope's patient's home page (see [`Dashboard`]), read in one short read and
    /// audited once as `patient.home`.
    pub async fn dashboard(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
        now: Timestamp,
    ) -> anyhow::Result<Dashboard> {
        let patient = scope.patient().as_uuid();
        let org = scope.organization().as_uuid();
        let (patient, org) = (Arg::Uuid(patient), Arg::Uuid(org));
        let mut read = self.begin_short_read().await?;
        let summary: SummaryRow = read.one(DASHBOARD_SUMMARY, &[patient, org]).await?;
        let next_visits: Vec<VisitRow> = read.all(NEXT_VISITS, &[patient, org, now.into()]).await?;
        let new_names: Vec<Scalar<Option<String>>> = if summary.new_results > 0 {
            let since = summary.results_since.to_jiff();
            read.all(NEW_RESULTS_NAMED, &[patient, org, since.into()])
                .await?
        } else {
            Vec::new()
        };
        let medicine_names: Vec<Scalar<Option<String>>> = if summary.current_medicines > 0 {
            read.all(CURRENT_MEDICINES_NAMED, &[patient, org]).await?
        } else {
            Vec::new()
        };
        read.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Patient(scope.patient()),
            action: "patient.home".to_owned(),
            patient: Some(scope.patient()),
            subject: Some("home".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        });
        read.commit().await?;
        let named = |names: Vec<Scalar<Option<String>>>| {
            names
                .into_iter()
                .map(|name| name.0.unwrap_or_default())
                .filter(|name| !name.trim().is_empty())
                .collect()
        };
        Ok(Dashboard {
            home: summary.home.into(),
            next_visits: next_visits
                .into_iter()
                .map(|row| UpcomingVisit {
                    start: row.start_at.to_jiff(),
                    description: row.description.filter(|d| !d.trim().is_empty()),
                    practitioner: row.practitioner.filter(|p| !p.trim().is_empty()),
                })
                .collect(),
            new_results: summary.new_results,
            new_result_names: named(new_names),
            current_medicines: summary.current_medicines,
            medicine_names: named(medicine_names),
            two_step: summary.two_step,
            balance_cents: summary.balance_cents.max(0),
            unread_messages: summary.unread_messages,
        })
    }
}
