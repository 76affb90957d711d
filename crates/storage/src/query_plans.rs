//! The plans of the hot queries (issue 13): every query of a signed-in patient's `GET /home`
//! and `GET /api/v1/me`, of sign-in, of the jobs worker's claim and of the staff search must
//! find its rows through an index, not by reading a table that grows with use. Each backend
//! is asked for its plan on a freshly migrated database: SQLite's `EXPLAIN QUERY PLAN`, and
//! PostgreSQL's `EXPLAIN` of the generic plan with sequential scans turned off (tiny tables
//! would otherwise always be read whole). A query is added to [`hot_queries`] in one line.

use std::collections::{HashMap, HashSet};

use domain::{OrganizationId, Role, StaffId, StaffScope};
use sqlx::Row;

use crate::{
    Backend, Database, PatientQuery, audit_pending, care, dashboard, database::Handle, directory,
    jobs, organizations, patient_accounts, patients, profile, record_access, record_export,
    record_lists, result_notices, results, sessions, sign_in_defences, staff_access, terms,
    testing::Scratch, visits,
};

/// A query on a hot path, by what it does; on one backend only where its SQL is that
/// backend's own.
struct HotQuery {
    name: &'static str,
    sql: String,
    only_on: Option<Backend>,
    /// A page of a history that grows (`ORDER BY … LIMIT`): its rows must come in the
    /// index's order, not from a sort of the whole history.
    in_index_order: bool,
}

fn hot(name: &'static str, sql: impl Into<String>) -> HotQuery {
    HotQuery {
        name,
        sql: sql.into(),
        only_on: None,
        in_index_order: false,
    }
}

fn hot_in_order(name: &'static str, sql: &str) -> HotQuery {
    HotQuery {
        in_index_order: true,
        ..hot(name, sql)
    }
}

fn hot_on(backend: Backend, name: &'static str, sql: &str) -> HotQuery {
    HotQuery {
        only_on: Some(backend),
        ..hot(name, sql)
    }
}

fn hot_in_order_on(backend: Backend, name: &'static str, sql: &str) -> HotQuery {
    HotQuery {
        only_on: Some(backend),
        ..hot_in_order(name, sql)
    }
}

/// The SQL of the staff search for `query` (the statement the search runs, parameters aside).
fn search(query: PatientQuery) -> String {
    let scope = StaffScope::new(OrganizationId::new(), StaffId::new(), Role::FrontDesk);
    patients::search_statement(&scope, &query).0
}

fn hot_queries() -> Vec<HotQuery> {
    use sign_in_defences as defences;
    vec![
        // Every signed-in request (GET /home, GET /api/v1/me).
        hot("session by token hash", sessions::SESSION_BY_TOKEN_HASH),
        hot(
            "patient session, account and terms",
            sessions::PATIENT_SESSION,
        ),
        hot("session refreshed", sessions::TOUCH_SESSION),
        hot("session ended", sessions::DELETE_SESSION),
        hot("account of a session", patient_accounts::ACCOUNT_BY_ID),
        hot("terms in force accepted?", terms::ACCEPTED_IN_FORCE),
        hot("terms version in force", terms::NEWEST_VERSION),
        hot(
            "latest terms acceptance",
            patient_accounts::LATEST_ACCEPTANCE,
        ),
        hot("terms versions since", patient_accounts::NEWER_VERSIONS),
        hot("patient home", patient_accounts::PATIENT_HOME),
        hot("organizations", organizations::ALL_ORGANIZATIONS),
        hot("a patient's practice", organizations::PRACTICE_CARD),
        // Sign-in.
        hot("account by username", patient_accounts::ACCOUNT_BY_USERNAME),
        hot("known device", defences::KNOWN_DEVICE),
        hot("other known devices", defences::OTHER_DEVICES),
        hot("device forgotten?", defences::DEVICE_FORGOTTEN_AT),
        hot("device seen again", defences::DEVICE_SEEN_AGAIN),
        hot("sign-in turn counter", defences::TURN_COUNTER),
        hot("first sign-in turn", defences::TAKE_FIRST_TURN),
        hot("sign-in turn", defences::TAKE_TURN),
        hot("turn ended by a failure", defences::END_TURN_FAILED),
        hot("turn released", defences::END_TURN_RELEASED),
        hot(
            "failures by password",
            defences::failures_by("password_key"),
        ),
        hot("failures by address", defences::failures_by("client_addr")),
        hot("old failures forgotten", defences::FORGET_OLD_FAILURES),
        hot("old refusals forgotten", defences::FORGET_OLD_REFUSALS),
        hot("event kept current", defences::KEEP_EVENT_CURRENT),
        hot("sign-ins shifted", patient_accounts::SHIFT_SIGN_INS),
        // The jobs worker.
        hot_on(Backend::Sqlite, "any job due", jobs::ANY_JOB_DUE_SQLITE),
        hot_on(Backend::Sqlite, "jobs claimed", jobs::CLAIM_JOBS_SQLITE),
        hot_on(Backend::Postgres, "jobs claimed", jobs::CLAIM_JOBS_POSTGRES),
        // The audit log: its readers, and the sealer.
        hot("who viewed my record", record_access::RECORD_ACCESSES),
        // Test results.
        hot_in_order_on(
            Backend::Sqlite,
            "a page of test results",
            results::RESULTS_PAGE_SQLITE,
        ),
        hot_in_order_on(
            Backend::Postgres,
            "a page of test results",
            results::RESULTS_PAGE_POSTGRES,
        ),
        hot("one test result", results::RESULT_BY_ID),
        hot_in_order("the same test over time", results::SAME_TEST),
        hot("a staff member's latest reads", staff_access::STAFF_READS),
        hot_in_order("any row waiting to be sealed", audit_pending::ANY_WAITING),
        hot_in_order("the chain's head", audit_pending::CHAIN_HEAD),
        hot_in_order(
            "rows waiting to be sealed",
            &audit_pending::waiting_rows(100),
        ),
        // The staff search.
        hot(
            "staff search by name",
            search(PatientQuery::Name {
                family: "rivera".to_owned(),
                given: Some("lu".to_owned()),
            }),
        ),
        hot(
            "staff search by MRN",
            search(PatientQuery::Mrn("A-1".to_owned())),
        ),
        hot(
            "staff search by birth date",
            search(PatientQuery::BirthDate(jiff::civil::date(1961, 4, 9))),
        ),
        // The record's lists (medicines, allergies, health problems, vaccines).
        hot("my medicines", record_lists::MEDICINES),
        hot("my allergies", record_lists::ALLERGIES),
        hot("my health problems", record_lists::CONDITIONS),
        hot("my vaccines", record_lists::IMMUNIZATIONS),
        // Visits, procedures, care plans and goals.
        hot("my upcoming appointments", visits::UPCOMING),
        hot("a page of my visits", visits::VISITS_PAGE),
        hot("one visit", visits::VISIT_BY_ID),
        hot("a visit's health problems", visits::VISIT_CONDITIONS),
        hot("a visit's test results", visits::VISIT_RESULTS),
        hot("a visit's medicines", visits::VISIT_MEDICINES),
        hot("a visit's vaccines", visits::VISIT_VACCINES),
        hot("a visit's procedures", visits::VISIT_PROCEDURES),
        hot(
            "a name in the practice's directory",
            directory::NAME_BY_SOURCE,
        ),
        hot("my procedures", care::PROCEDURES),
        hot("my care plans", care::CARE_PLANS),
        hot("my goals", care::GOALS),
        // Download my record, and its summary.
        hot("my whole record", record_export::BUNDLE),
        hot("my name and birth date", record_export::SUMMARY_PATIENT),
        hot("my newest results", record_export::NEWEST_RESULTS),
        hot("my recent visits", record_export::RECENT_VISITS_SQL),
        // The home dashboard and new results.
        hot("dashboard: who and how many", dashboard::DASHBOARD_SUMMARY),
        hot("dashboard: next visits", dashboard::NEXT_VISITS),
        hot("dashboard: new results named", dashboard::NEW_RESULTS_NAMED),
        hot(
            "dashboard: medicines named",
            dashboard::CURRENT_MEDICINES_NAMED,
        ),
        hot("results new to the patient", result_notices::NEW_RESULT_IDS),
        hot("results seen", result_notices::RESULTS_SEEN),
        hot(
            "results counted as new",
            result_notices::NEW_RESULTS_COUNTED,
        ),
        hot("results added by an import", result_notices::RESULTS_ADDED),
        hot(
            "wants a new-result email?",
            result_notices::WANTS_RESULT_EMAIL,
        ),
        // My contact details, and the staff queue of requests to change them.
        hot("my contact details", profile::DETAILS),
        hot("my latest contact change request", profile::LATEST_REQUEST),
        hot("open contact change requests", profile::QUEUE),
    ]
}

/// Tables that stay small whatever the use (a row per practice, a few versions): reading them
/// whole is fine.
const SMALL_TABLES: &[&str] = &["organizations", "enrollment_policies", "terms_versions"];

/// Why the queries that look at waiting audit rows by patient or by actor may read them whole.
const WAITING_READ_WHOLE: &str = "the rows waiting to be sealed, read whole on SQLite: a few \
    sealer rounds' rows with a server running; indexes there cost every read's commit a page per \
    patient and actor";

/// Scans kept on purpose: (query, table, why).
const ACCEPTED_SCANS: &[(&str, &str, &str)] = &[
    (
        "staff search by name",
        "patients",
        "a word anywhere in the name (LIKE '% word%') cannot use a B-tree: the practice's charts \
         are read in name order until 50 match. An index of name words (or FTS5 / pg_trgm) is \
         the way out.",
    ),
    ("who viewed my record", "audit_pending", WAITING_READ_WHOLE),
    (
        "a staff member's latest reads",
        "audit_pending",
        WAITING_READ_WHOLE,
    ),
    (
        "the chain's head",
        "audit_log",
        "the newest row by its primary key, read backwards: one row, however long the log",
    ),
    (
        "any row waiting to be sealed",
        "audit_pending",
        "the oldest row by the primary key: one row, past the sealed ones' dead entries",
    ),
    (
        "rows waiting to be sealed",
        "audit_pending",
        "the oldest rows by the primary key, up to the batch: the table holds only what waits \
         (a few sealer rounds' rows with a server running)",
    ),
];

/// Whether `query` may read `table` whole ([`ACCEPTED_SCANS`]).
fn accepted(query: &str, table: &str) -> bool {
    ACCEPTED_SCANS
        .iter()
        .any(|(accepted, whole, _)| *accepted == query && *whole == table)
}

/// Why a plan step reads more than it finds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scan {
    table: String,
    /// The plan step, as the backend wrote it.
    step: String,
    /// PostgreSQL: the index it reads whole, or by the practice alone (another may serve
    /// better).
    index: Option<String>,
}

/// One comparison of an index step's condition: the column, and whether it is `=`.
type Constraint = (String, bool);

/// An index step whose only equality is the practice (ranges aside: `at > ?` of a practice is
/// every recent row of it): every chart, account or sign-in of a practice is most of the table.
fn practice_wide(constraints: &[Constraint]) -> bool {
    let practice = |(column, _): &Constraint| column == "organization_id";
    let mut equalities = constraints.iter().filter(|(_, equality)| *equality);
    constraints.iter().any(|c| c.1 && practice(c)) && equalities.all(practice)
}

// SQLite.

/// The tables and their aliases a statement names (SQLite's plan says `SCAN p`).
fn aliases(sql: &str) -> HashMap<String, String> {
    const NOT_ALIASES: &[&str] = &[
        "where",
        "join",
        "left",
        "inner",
        "on",
        "order",
        "group",
        "limit",
        "set",
        "select",
        "union",
        "values",
        "returning",
        "for",
        "with",
        "as",
        "default",
    ];
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .collect();
    let mut aliases = HashMap::new();
    for (i, word) in words.iter().enumerate() {
        let lower = word.to_ascii_lowercase();
        if !matches!(lower.as_str(), "from" | "join" | "update" | "into") {
            continue;
        }
        let Some(table) = words.get(i + 1).filter(|t| !t.starts_with('(')) else {
            continue;
        };
        aliases.insert((*table).to_owned(), (*table).to_owned());
        let mut next = i + 2;
        if words
            .get(next)
            .is_some_and(|w| w.eq_ignore_ascii_case("as"))
        {
            next += 1;
        }
        if let Some(alias) = words.get(next).filter(|w| {
            !w.starts_with('(') && !NOT_ALIASES.contains(&w.to_ascii_lowercase().as_str())
        }) {
            aliases.insert((*alias).to_owned(), (*table).to_owned());
        }
    }
    aliases
}

/// The scans of growing tables in SQLite's plan steps.
fn sqlite_scans(sql: &str, steps: &[String], growing: &HashSet<String>) -> Vec<Scan> {
    let aliases = aliases(sql);
    let table_of = |name: &str| {
        aliases
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    };
    let mut scans = Vec::new();
    for step in steps {
        let mut words = step.split_whitespace();
        let (Some(verb), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        let table = table_of(name);
        if !growing.contains(&table) {
            continue;
        }
        let constraints = step
            .rsplit_once('(')
            .filter(|_| step.ends_with(')'))
            .map(|(_, inside)| inside.trim_end_matches(')'))
            .unwrap_or("");
        let reads_whole = match verb {
            "SCAN" => true,
            // An automatic index is built by reading the whole table, each time.
            "SEARCH" => {
                step.contains("AUTOMATIC") || practice_wide(&sqlite_constraints(constraints))
            }
            _ => false,
        };
        if reads_whole {
            scans.push(Scan {
                table,
                step: step.clone(),
                index: None,
            });
        }
    }
    // A sort of rows read whole reads them all before the first is returned.
    if !scans.is_empty()
        && let Some(sort) = steps.iter().find(|s| s.contains("TEMP B-TREE FOR"))
    {
        let table = scans[0].table.clone();
        scans.push(Scan {
            table,
            step: sort.clone(),
            index: None,
        });
    }
    scans
}

/// The comparisons of a plan step's index condition: `organization_id=? AND at>?`,
/// `organization_id=? AND <expr>=?` (an expression index).
fn sqlite_constraints(condition: &str) -> Vec<Constraint> {
    condition
        .split(" AND ")
        .filter_map(|part| {
            let (column, operator) = match part.strip_prefix("<expr>") {
                Some(operator) => ("<expr>", operator),
                None => part.split_at(part.find(['=', '<', '>'])?),
            };
            Some((column.to_owned(), operator.starts_with('=')))
        })
        .collect()
}

async fn sqlite_plan(pool: &sqlx::SqlitePool, sql: &str) -> Vec<String> {
    let explain = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"));
    sqlx::raw_sql(explain)
        .fetch_all(pool)
        .await
        .unwrap_or_else(|error| panic!("EXPLAIN QUERY PLAN {sql}: {error}"))
        .iter()
        .map(|row| row.get::<String, _>("detail"))
        .collect()
}

// PostgreSQL.

/// The comparisons of an index condition: `((organization_id = $1) AND (at >= $3))`,
/// `(lower(mrn) = lower($3))` (the function's name stands for the column).
fn postgres_constraints(condition: &str) -> Vec<Constraint> {
    condition
        .split(" AND ")
        .map(|part| {
            let part = part.trim_start_matches('(');
            let operand = part.split(['(', ' ', ')']).next().unwrap_or("");
            let column = operand.rsplit('.').next().unwrap_or("").to_owned();
            let operator = part.split_whitespace().nth(1).unwrap_or("");
            (column, operator == "=")
        })
        .collect()
}

/// The first column of each index (none for an expression), by the index's name.
type LeadingColumns = HashMap<String, Option<String>>;

/// The scans of growing tables in a PostgreSQL plan node (from `EXPLAIN (FORMAT JSON)`) and
/// those below it; `relation`: the table a bitmap index scan feeds.
fn postgres_scans(
    node: &serde_json::Value,
    relation: Option<&str>,
    leading: &LeadingColumns,
    scans: &mut Vec<Scan>,
) {
    let text = |key: &str| node.get(key).and_then(|v| v.as_str());
    let kind = text("Node Type").unwrap_or("");
    let table = text("Relation Name").or(relation);
    let step = || {
        let mut step = format!("{kind} on {}", table.unwrap_or("?"));
        if let Some(index) = text("Index Name") {
            step.push_str(&format!(" using {index}"));
        }
        if let Some(condition) = text("Index Cond") {
            step.push_str(&format!(" ({condition})"));
        }
        step
    };
    let growing = table.filter(|t| !SMALL_TABLES.contains(t));
    let before = scans.len();
    if let Some(table) = growing {
        let index_scan = matches!(kind, "Index Scan" | "Index Only Scan" | "Bitmap Index Scan");
        let index = text("Index Name");
        // Read whole: no condition, or none on the index's first column (PostgreSQL then
        // checks every entry); or by the practice alone.
        let reads_whole = index_scan
            && match text("Index Cond").map(postgres_constraints) {
                None => true,
                Some(constraints) => {
                    let first = index.and_then(|i| leading.get(i)).cloned().flatten();
                    first.is_some_and(|first| !constraints.iter().any(|(c, _)| *c == first))
                        || practice_wide(&constraints)
                }
            };
        if kind == "Seq Scan" || reads_whole {
            scans.push(Scan {
                table: table.to_owned(),
                step: step(),
                index: index.filter(|_| reads_whole).map(str::to_owned),
            });
        }
    }
    let feeds = (kind == "Bitmap Heap Scan").then_some(table).flatten();
    for child in node
        .get("Plans")
        .and_then(|plans| plans.as_array())
        .into_iter()
        .flatten()
    {
        let feeds = feeds.or(relation.filter(|_| kind.starts_with("Bitmap")));
        postgres_scans(child, feeds, leading, scans);
    }
    // A sort of rows read whole reads them all before the first is returned.
    if kind == "Sort" && scans.len() > before {
        let table = scans[before].table.clone();
        let key = node
            .get("Sort Key")
            .map(|k| k.to_string())
            .unwrap_or_default();
        scans.push(Scan {
            table,
            step: format!("Sort by {key}"),
            index: None,
        });
    }
}

/// The generic plan of `sql` (the one a prepared statement settles on), with sequential
/// scans turned off.
async fn postgres_plan(conn: &mut sqlx::PgConnection, sql: &str) -> serde_json::Value {
    let prepare = sqlx::AssertSqlSafe(format!("PREPARE hot AS {sql}"));
    sqlx::raw_sql(prepare)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|error| panic!("PREPARE {sql}: {error}"));
    let parameters: i32 = sqlx::query_scalar(
        "SELECT cardinality(parameter_types) FROM pg_prepared_statements WHERE name = 'hot'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let nulls = vec!["NULL"; usize::try_from(parameters).unwrap()].join(", ");
    let arguments = if nulls.is_empty() {
        String::new()
    } else {
        format!("({nulls})")
    };
    let explain = sqlx::AssertSqlSafe(format!("EXPLAIN (FORMAT JSON) EXECUTE hot{arguments}"));
    let plan: serde_json::Value = sqlx::raw_sql(explain)
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_else(|error| panic!("EXPLAIN {sql}: {error}"))
        .get(0);
    sqlx::raw_sql("DEALLOCATE hot")
        .execute(&mut *conn)
        .await
        .unwrap();
    plan
}

/// Drops an index, or the unique constraint it belongs to (in a transaction rolled back after).
async fn drop_index(conn: &mut sqlx::PgConnection, index: &str) {
    let constraint: Option<(String, String)> = sqlx::query_as(
        "SELECT c.conname::text, t.relname::text FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         WHERE c.conindid = to_regclass($1) AND c.contype IN ('u', 'p')",
    )
    .bind(index)
    .fetch_optional(&mut *conn)
    .await
    .unwrap();
    let statement = match constraint {
        Some((name, table)) => format!("ALTER TABLE {table} DROP CONSTRAINT {name} CASCADE"),
        None => format!("DROP INDEX {index} CASCADE"),
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut *conn)
        .await
        .unwrap();
}

// Both.

/// Whether a plan (SQLite's steps, or PostgreSQL's JSON) sorts rows.
fn sorts(plan: &str) -> bool {
    plan.contains("USE TEMP B-TREE FOR")
        || plan.contains("\"Node Type\":\"Sort\"")
        || plan.contains("\"Node Type\":\"Incremental Sort\"")
}

/// Each query's plan steps and the scans found in them, on `db`'s backend.
async fn plans(db: &Database, queries: &[HotQuery]) -> Vec<(String, String, Vec<Scan>)> {
    let mut found = Vec::new();
    match &db.handle {
        Handle::Sqlite(pool) => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(pool)
                    .await
                    .unwrap();
            let growing: HashSet<String> = tables
                .into_iter()
                .filter(|t| !SMALL_TABLES.contains(&t.as_str()))
                .collect();
            for query in queries {
                let steps = sqlite_plan(pool, &query.sql).await;
                let scans = sqlite_scans(&query.sql, &steps, &growing);
                found.push((query.name.to_owned(), steps.join("\n"), scans));
            }
        }
        Handle::Postgres(pool) => {
            let mut conn = pool.acquire().await.unwrap();
            sqlx::raw_sql("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan")
                .execute(&mut *conn)
                .await
                .unwrap();
            let leading: LeadingColumns = sqlx::query_as::<_, (String, Option<String>)>(
                "SELECT c.relname::text, a.attname::text FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' \
                 LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]",
            )
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .into_iter()
            .collect();
            for query in queries {
                // Without statistics, an index read whole or by the practice alone may tie
                // with a better one and be chosen. Each such index is dropped, in a transaction
                // rolled back after, until the plan finds a better one or shows there is none.
                let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
                let mut dropped = Vec::new();
                let (plan, scans) = loop {
                    let plan = postgres_plan(&mut tx, &query.sql).await;
                    let mut scans = Vec::new();
                    postgres_scans(&plan[0]["Plan"], None, &leading, &mut scans);
                    let read_whole: Vec<String> = scans
                        .iter()
                        .filter(|s| !accepted(query.name, &s.table))
                        .filter_map(|s| s.index.clone())
                        .collect();
                    if read_whole.is_empty() || dropped.len() >= 20 {
                        break (plan, scans);
                    }
                    for index in read_whole {
                        drop_index(&mut tx, &index).await;
                        dropped.push(index);
                    }
                };
                tx.rollback().await.unwrap();
                let plan = if dropped.is_empty() {
                    plan.to_string()
                } else {
                    format!("{plan} (without the indexes {dropped:?})")
                };
                found.push((query.name.to_owned(), plan, scans));
            }
            // The settings go with the connection rather than back to the pool.
            conn.close().await.unwrap();
        }
    }
    found
}

/// Fails, naming each query and its plan, when a hot query reads a growing table whole.
async fn hot_queries_find_their_rows_through_indexes(backend: Backend) {
    let scratch = Scratch::migrated(backend).await;
    let queries: Vec<HotQuery> = hot_queries()
        .into_iter()
        .filter(|q| q.only_on.is_none_or(|only| only == backend))
        .collect();
    let mut failures = Vec::new();
    for (query, (name, plan, scans)) in queries.iter().zip(plans(&scratch.db, &queries).await) {
        let unaccepted: Vec<&Scan> = scans
            .iter()
            .filter(|scan| !accepted(&name, &scan.table))
            .collect();
        if !unaccepted.is_empty() {
            failures.push(format!("{name}: {unaccepted:?}\n  plan: {plan}"));
        }
        if query.in_index_order && sorts(&plan) {
            failures.push(format!(
                "{name}: sorts its rows instead of reading them in an index's order\n  plan: {plan}"
            ));
        }
    }
    scratch.finish().await;
    assert!(
        failures.is_empty(),
        "{backend}: hot queries that read a growing table whole:\n{}",
        failures.join("\n")
    );
}

/// The rules catch what they are for: a query on a column without an index, and one that
/// holds only the practice; and they pass a search by key.
async fn the_rules_catch_scans(backend: Backend) {
    let scratch = Scratch::migrated(backend).await;
    let queries = [
        hot(
            "by user agent",
            "SELECT token_hash FROM sessions WHERE user_agent = $1",
        ),
        hot(
            "a practice's charts",
            "SELECT p.id FROM patients p WHERE p.organization_id = $1 ORDER BY p.given_names",
        ),
        hot("by token", sessions::SESSION_BY_TOKEN_HASH),
        hot(
            "a patient's results by name",
            "SELECT id FROM observations WHERE patient_id = $1 AND organization_id = $2 \
             ORDER BY display LIMIT 50",
        ),
        hot(
            "a patient's newest results",
            "SELECT id FROM observations WHERE patient_id = $1 AND organization_id = $2 \
             ORDER BY effective_at DESC NULLS LAST, id DESC LIMIT 50",
        ),
    ];
    let found = plans(&scratch.db, &queries).await;
    scratch.finish().await;
    let tables = |n: usize| -> Vec<&str> {
        let mut tables: Vec<&str> = found[n].2.iter().map(|s| s.table.as_str()).collect();
        tables.dedup();
        tables
    };
    assert_eq!(tables(0), ["sessions"], "{:?}", found[0]);
    assert_eq!(tables(1), ["patients"], "{:?}", found[1]);
    assert!(
        found[1].2.len() >= 2,
        "the sort of the practice's charts is named too: {:?}",
        found[1]
    );
    assert_eq!(tables(2), Vec::<&str>::new(), "{:?}", found[2]);
    // A page of a patient's history: in another order than an index's, its rows are sorted
    // (which the check of pages in index order catches); newest first, they are not.
    assert!(sorts(&found[3].1), "{:?}", found[3]);
    assert!(!sorts(&found[4].1), "{:?}", found[4]);
}

#[test]
fn aliases_are_read_from_the_statement() {
    let found = aliases(patient_accounts::PATIENT_HOME);
    assert_eq!(found["p"], "patients");
    assert_eq!(found["a"], "patient_accounts");
    assert_eq!(found["o"], "organizations");
    let insert = aliases(sign_in_defences::TAKE_FIRST_TURN);
    assert_eq!(insert.len(), 1, "{insert:?}");
    let owned = |pairs: &[(&str, bool)]| -> Vec<Constraint> {
        pairs.iter().map(|(c, e)| ((*c).to_owned(), *e)).collect()
    };
    let by_mrn = postgres_constraints("((organization_id = $1) AND (lower(mrn) = lower($3)))");
    assert_eq!(by_mrn, owned(&[("organization_id", true), ("lower", true)]));
    assert!(!practice_wide(&by_mrn));
    let recent = postgres_constraints("((p.organization_id = $1) AND (at >= $3))");
    assert_eq!(recent, owned(&[("organization_id", true), ("at", false)]));
    assert!(practice_wide(&recent), "every recent row of the practice");
    let expression = sqlite_constraints("organization_id=? AND <expr>=?");
    assert_eq!(
        expression,
        owned(&[("organization_id", true), ("<expr>", true)])
    );
    assert!(!practice_wide(&expression));
    assert!(practice_wide(&sqlite_constraints(
        "organization_id=? AND last_seen_at<?"
    )));
    assert!(
        !practice_wide(&sqlite_constraints("at<?")),
        "old rows, by age"
    );
}

/// Why a hot read may be planned again on each run on sqlx's SQLite connections.
const ACCEPTED_REPLANS: &[(&str, &str)] = &[(
    "staff search by name",
    "SQLite plans a LIKE again for each pattern (a prefix could use an index): one staff \
     search, where the plan is a small part of reading the names",
)];

/// Every hot read is planned once on SQLite and its plan kept, on sqlx's connections as well
/// as the inline readers' (which plan once whatever is bound): none binds a value SQLite plans
/// the statement again for on each run (a `LIMIT $n`: every limit known in advance is written
/// in). A statement with a bound limit is caught.
#[tokio::test]
async fn hot_reads_are_planned_once_on_sqlite() {
    let scratch = Scratch::migrated(Backend::Sqlite).await;
    let path = scratch.url.trim_start_matches("sqlite://");
    let conn = rusqlite::Connection::open(path).unwrap();
    let bound_limit = "SELECT seq FROM audit_log ORDER BY seq DESC LIMIT $1";
    assert_eq!(
        crate::inline::replans(&conn, bound_limit, 3).unwrap(),
        3,
        "a bound limit: planned again on every run"
    );
    let mut replanned = Vec::new();
    for query in hot_queries()
        .into_iter()
        .filter(|q| q.only_on.is_none_or(|only| only == Backend::Sqlite))
        .filter(|q| !ACCEPTED_REPLANS.iter().any(|(name, _)| *name == q.name))
    {
        let sql = query.sql.trim_start();
        let reads = ["SELECT", "WITH"].iter().any(|verb| {
            sql.get(..verb.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(verb))
        });
        if !reads {
            continue;
        }
        match crate::inline::replans(&conn, sql, 3) {
            Ok(0) => {}
            Ok(runs) => replanned.push(format!("{}: planned again {runs} times", query.name)),
            Err(error) => replanned.push(format!("{}: {error}", query.name)),
        }
    }
    drop(conn);
    scratch.finish().await;
    assert!(
        replanned.is_empty(),
        "hot reads planned again on each run:\n{}",
        replanned.join("\n")
    );
}

#[tokio::test]
async fn hot_queries_find_their_rows_through_indexes_sqlite() {
    hot_queries_find_their_rows_through_indexes(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(porchlight_pg),
    ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
)]
async fn hot_queries_find_their_rows_through_indexes_postgres() {
    hot_queries_find_their_rows_through_indexes(Backend::Postgres).await;
}

#[tokio::test]
async fn the_rules_catch_scans_sqlite() {
    the_rules_catch_scans(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(porchlight_pg),
    ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
)]
async fn the_rules_catch_scans_postgres() {
    the_rules_catch_scans(Backend::Postgres).await;
}
