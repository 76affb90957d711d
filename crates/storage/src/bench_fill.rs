//! For `porchlight-bench read` only: fills the audit log of a throwaway benchmark database
//! with millions of realistic rows in a few statements, so that reads can be measured against
//! a log the size a practice reaches after months or years.
//!
//! The rows carry a filler text where the MACs go, not MACs: `audit verify` would refuse such
//! a log, and that is right. Never run this on a database that matters; the benchmark creates
//! its database and drops it afterwards.

use domain::{OrganizationId, PatientId};
use sqlx::{AssertSqlSafe, Connection, Executor, Postgres, Sqlite, pool::PoolConnection};
use uuid::Uuid;

use crate::{
    Database,
    database::{Handle, dispatch},
};

/// Where the MACs would go: 64 characters, as long as a real one, so that rows weigh the same.
const NOT_A_MAC: &str = "benchmark-filler-not-a-mac-audit-verify-refuses-this-row-0000000";

/// Patients other than the benchmark's, whose rows make up three quarters of the filler.
const OTHER_PATIENTS: i64 = 10_000;
/// Staff members reading charts.
const STAFF: i64 = 20;
/// Where the staff ids start in the table of ids.
const STAFF_BASE: i64 = 1_000_000;
/// Rows per INSERT: each runs on its own, so that SQLite's write lock is held a few seconds
/// at a time and no transaction grows to gigabytes.
const CHUNK: i64 = 250_000;
/// The filler's rows are spread backwards from now, this far apart (10 million rows: a month).
const SECONDS_APART: f64 = 0.25;

impl Database {
    /// Appends `rows` filler rows to the audit log, numbered after the newest, in the
    /// proportions of a practice's day: per twenty rows, one patient sign-in, twelve views of
    /// the home page, one look at the record's access log, four staff reads of a chart, one
    /// staff search, one import. A quarter of the rows about a patient are about one of
    /// `benchmark_patients` (tens of thousands each at 10 million rows), the rest about
    /// 10,000 others.
    ///
    /// Benchmark databases only: the rows are not sealed (see the module's comment).
    pub async fn fill_audit_log_for_benchmark(
        &self,
        organization: OrganizationId,
        benchmark_patients: &[PatientId],
        rows: u64,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(
            !benchmark_patients.is_empty(),
            "the filler spreads rows over the benchmark's patients: give at least one"
        );
        if rows == 0 {
            return Ok(());
        }
        let ids = Ids::new(benchmark_patients);
        // One connection throughout: the table of ids is a temporary table, its own.
        let mut conn: Handle<PoolConnection<Sqlite>, PoolConnection<Postgres>> = match &self.handle
        {
            Handle::Sqlite(pool) => Handle::Sqlite(pool.acquire().await?),
            Handle::Postgres(pool) => Handle::Postgres(pool.acquire().await?),
        };
        let dialect = match conn {
            Handle::Sqlite(_) => Dialect::Sqlite,
            Handle::Postgres(_) => Dialect::Postgres,
        };
        dispatch!(&mut conn, |c| {
            c.execute(AssertSqlSafe(dialect.create_ids())).await?;
            c.execute("DELETE FROM bench_fill_ids").await?;
            let mut tx = c.begin().await?;
            for (n, id) in ids.numbered() {
                sqlx::query("INSERT INTO bench_fill_ids (n, id, id_text) VALUES ($1, $2, $3)")
                    .bind(n)
                    .bind(id)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        let newest: Option<i64> = dispatch!(&mut conn, |c| {
            sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
                .fetch_one(&mut **c)
                .await?
        });
        let after = newest.unwrap_or(0);
        let plan = Plan {
            organization: organization.as_uuid(),
            newest: after + rows as i64,
            now: jiff::Timestamp::now().as_microsecond() as f64 / 1e6,
            benchmark_patients: ids.benchmark.len(),
        };
        let mut first = after + 1;
        let mut filled = Ok(());
        while first <= plan.newest && filled.is_ok() {
            let last = (first + CHUNK - 1).min(plan.newest);
            let insert = dialect.insert(&plan, first, last);
            filled = dispatch!(&mut conn, |c| c
                .execute(AssertSqlSafe(insert))
                .await
                .map(drop));
            first = last + 1;
        }
        dispatch!(&mut conn, |c| {
            c.execute("DROP TABLE bench_fill_ids").await?;
        });
        filled?;
        dispatch!(&mut conn, |c| {
            c.execute(dialect.after_fill()).await?;
        });
        Ok(())
    }

    /// How many rows the audit log holds.
    pub async fn audit_log_rows(&self) -> anyhow::Result<i64> {
        Ok(dispatch!(&self.handle, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
                .fetch_one(pool)
                .await?
        }))
    }
}

#[derive(Debug, Clone, Copy)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// What every chunk of one fill shares.
struct Plan {
    organization: Uuid,
    /// The number of the last row the fill writes: it is stamped now, the others before.
    newest: i64,
    /// Unix seconds.
    now: f64,
    benchmark_patients: usize,
}

impl Dialect {
    fn create_ids(self) -> String {
        let (number, uuid) = match self {
            Dialect::Sqlite => ("INTEGER", "BLOB"),
            Dialect::Postgres => ("BIGINT", "UUID"),
        };
        format!(
            "CREATE TEMP TABLE IF NOT EXISTS bench_fill_ids \
             (n {number} PRIMARY KEY, id {uuid} NOT NULL, id_text TEXT NOT NULL)"
        )
    }

    /// Rows `first..=last`, with `seq`, `kind` (the row's place among a practice's twenty
    /// rows) and `r` (its number scrambled, to pick a patient and a staff member).
    fn insert(self, plan: &Plan, first: i64, last: i64) -> String {
        let Plan {
            organization,
            newest,
            now,
            benchmark_patients,
        } = plan;
        let numbers = match self {
            Dialect::Sqlite => format!(
                "WITH RECURSIVE numbers (seq) AS (SELECT {first} UNION ALL \
                 SELECT seq + 1 FROM numbers WHERE seq < {last})"
            ),
            Dialect::Postgres => format!(
                "WITH numbers AS (SELECT seq FROM generate_series({first}::bigint, \
                 {last}::bigint) AS seq)"
            ),
        };
        let at = match self {
            Dialect::Sqlite => format!(
                "strftime('%Y-%m-%dT%H:%M:%fZ', {now} - ({newest} - seq) * {SECONDS_APART}, \
                 'unixepoch')"
            ),
            Dialect::Postgres => {
                format!("to_timestamp({now} - ({newest} - seq) * {SECONDS_APART})")
            }
        };
        let organization = match self {
            Dialect::Sqlite => format!("X'{}'", organization.simple()),
            Dialect::Postgres => format!("'{organization}'::uuid"),
        };
        format!(
            "INSERT INTO audit_log (seq, at, organization_id, actor_kind, actor_id, action, \
             patient_id, subject, client_addr, request_id, detail, prev_hash, row_hash, \
             chain_version) \
             {numbers}, \
             scrambled AS (SELECT seq, seq % 20 AS kind, (seq * 48271) % 1000003 AS r \
                 FROM numbers) \
             SELECT seq, {at}, {organization}, \
             CASE WHEN kind <= 13 THEN 'patient' WHEN kind = 19 THEN 'system' ELSE 'staff' END, \
             CASE WHEN kind <= 13 THEN p.id_text WHEN kind = 19 THEN 'import' \
                  ELSE s.id_text END, \
             CASE WHEN kind = 0 THEN 'patient.sign-in' WHEN kind <= 12 THEN 'patient.home' \
                  WHEN kind = 13 THEN 'patient.access-log' WHEN kind <= 17 THEN 'patient.view' \
                  WHEN kind = 18 THEN 'patient.search' ELSE 'patient.import' END, \
             CASE WHEN kind = 18 THEN NULL ELSE p.id END, \
             CASE WHEN kind = 0 THEN 'session' WHEN kind <= 12 THEN 'name' \
                  WHEN kind = 13 THEN 'who viewed my record' \
                  WHEN kind <= 17 THEN 'demographics' WHEN kind = 18 THEN 'by name' \
                  ELSE 'Patient' END, \
             CASE WHEN kind = 19 THEN NULL ELSE '198.51.100.' || (r % 250) END, \
             CASE WHEN kind = 19 THEN NULL ELSE 'bench-' || seq END, \
             CASE WHEN kind = 13 THEN '3' END, \
             '{NOT_A_MAC}', '{NOT_A_MAC}', 1 \
             FROM scrambled \
             JOIN bench_fill_ids p ON p.n = CASE WHEN r % 4 = 0 \
                  THEN (r / 4) % {benchmark_patients} \
                  ELSE {benchmark_patients} + (r / 4) % {OTHER_PATIENTS} END \
             JOIN bench_fill_ids s ON s.n = {STAFF_BASE} + r % {STAFF}"
        )
    }

    /// What follows a fill of millions of rows.
    fn after_fill(self) -> &'static str {
        match self {
            // A log filled in one go leaves a write-ahead log as large as itself; a
            // practice's log grows a little at a time and is checkpointed as it goes.
            Dialect::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)",
            // What autovacuum does soon after such an insert, done now so that it does not
            // run during the measurements: the planner's statistics, the visibility map.
            Dialect::Postgres => "VACUUM (ANALYZE) audit_log",
        }
    }
}

/// The patients' and staff's ids the filler picks from, numbered for a join: the benchmark's
/// patients from 0, the other patients after them, the staff from [`STAFF_BASE`].
struct Ids {
    benchmark: Vec<Uuid>,
    others: Vec<Uuid>,
    staff: Vec<Uuid>,
}

impl Ids {
    fn new(benchmark_patients: &[PatientId]) -> Self {
        Self {
            benchmark: benchmark_patients.iter().map(|p| p.as_uuid()).collect(),
            others: (0..OTHER_PATIENTS).map(|_| Uuid::new_v4()).collect(),
            staff: (0..STAFF).map(|_| Uuid::new_v4()).collect(),
        }
    }

    fn numbered(&self) -> impl Iterator<Item = (i64, Uuid)> + '_ {
        let patients = self.benchmark.iter().chain(&self.others);
        (0..)
            .zip(patients.copied())
            .chain((STAFF_BASE..).zip(self.staff.iter().copied()))
    }
}

#[cfg(test)]
mod tests {
    //! On both backends (PostgreSQL when `PORCHLIGHT_TEST_POSTGRES_URL` is set).

    use jiff::{SignedDuration, Timestamp};

    use super::*;
    use crate::{AuditActor, AuditEntry, Backend, testing::Scratch};

    /// Appends one row to the chain.
    async fn append(db: &Database, patient: PatientId, action: &str) {
        let mut tx = db.begin().await.unwrap();
        tx.append_audit(&AuditEntry {
            organization: None,
            actor: AuditActor::Patient(patient),
            action: action.to_owned(),
            patient: Some(patient),
            subject: Some("session".to_owned()),
            client_addr: None,
            request_id: None,
            detail: None,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Sealed, as a running server's sealer would.
        db.seal_all_audit().await.unwrap();
    }

    /// (rows, rows about these patients, of them sign-ins) by a query of its own.
    async fn about(db: &Database, patients: &[PatientId]) -> (i64, i64) {
        let mut rows = 0;
        let mut sign_ins = 0;
        for patient in patients {
            let (all, signed): (i64, i64) = dispatch!(&db.handle, |pool| {
                sqlx::query_as(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN action = 'patient.sign-in' \
                     THEN 1 ELSE 0 END), 0) FROM audit_log WHERE patient_id = $1",
                )
                .bind(patient.as_uuid())
                .fetch_one(pool)
                .await
                .unwrap()
            });
            rows += all;
            sign_ins += signed;
        }
        (rows, sign_ins)
    }

    #[tokio::test]
    async fn fills_after_the_newest_row_with_a_practice_s_mix_of_rows() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            if backend == Backend::Postgres
                && std::env::var("PORCHLIGHT_TEST_POSTGRES_URL").is_err()
            {
                eprintln!("PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set");
                continue;
            }
            let scratch = Scratch::migrated(backend).await;
            let (db, url) = (&scratch.db, backend);
            let org = db.create_organization("fill", "Fill", None).await.unwrap();
            let patients: Vec<PatientId> = (0..3).map(|_| PatientId::new()).collect();
            append(db, patients[0], "patient.sign-in").await;
            let before = db.audit_log_rows().await.unwrap();
            assert!(before >= 1, "{url}: the sign-in row");

            db.fill_audit_log_for_benchmark(org.id, &patients, 0)
                .await
                .unwrap();
            assert_eq!(db.audit_log_rows().await.unwrap(), before, "{url}: nothing");
            db.fill_audit_log_for_benchmark(org.id, &patients, 4_000)
                .await
                .unwrap();
            let after = db.audit_log_rows().await.unwrap();
            assert_eq!(after, before + 4_000, "{url}");
            // Numbered on from the newest, without gaps.
            let (max, distinct): (i64, i64) = dispatch!(&db.handle, |pool| {
                sqlx::query_as("SELECT MAX(seq), COUNT(DISTINCT seq) FROM audit_log")
                    .fetch_one(pool)
                    .await
                    .unwrap()
            });
            assert_eq!((max, distinct), (after, after), "{url}");

            // 18 rows in 20 are about a patient, a quarter of them about the benchmark's
            // three: about 900, a twentieth of those sign-ins.
            let (rows, sign_ins) = about(db, &patients).await;
            assert!((700..=1_100).contains(&rows), "{url}: {rows} rows");
            assert!((20..=90).contains(&sign_ins), "{url}: {sign_ins} sign-ins");
            for patient in &patients {
                assert!(about(db, &[*patient]).await.1 > 5, "{url}: each signs in");
            }

            // The home page's query reads the filler's times; the newest is now, the oldest
            // 4,000 quarter-seconds before.
            let sign_ins: Vec<(jiff_sqlx::Timestamp, Option<String>)> =
                dispatch!(&db.handle, |pool| {
                    sqlx::query_as(
                        "SELECT at, client_addr FROM audit_log WHERE patient_id = $1 AND \
                         actor_kind = 'patient' AND action = 'patient.sign-in' \
                         ORDER BY seq DESC LIMIT 2",
                    )
                    .bind(patients[1].as_uuid())
                    .fetch_all(pool)
                    .await
                    .unwrap()
                });
            assert_eq!(sign_ins.len(), 2, "{url}");
            let now = Timestamp::now();
            for (at, addr) in &sign_ins {
                let age = now.duration_since(at.to_jiff());
                assert!(
                    age > SignedDuration::ZERO && age < SignedDuration::from_secs(1_100),
                    "{url}: {age:?}"
                );
                assert!(addr.as_deref().unwrap().starts_with("198.51.100."), "{url}");
            }
            let organizations: i64 = dispatch!(&db.handle, |pool| {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM audit_log WHERE organization_id = $1 \
                     AND chain_version = 1 AND row_hash = $2",
                )
                .bind(org.id.as_uuid())
                .bind(NOT_A_MAC)
                .fetch_one(pool)
                .await
                .unwrap()
            });
            assert_eq!(organizations, 4_000, "{url}");

            // The application writes on after it, and a second fill numbers on again.
            append(db, patients[2], "patient.home").await;
            db.fill_audit_log_for_benchmark(org.id, &patients, 10)
                .await
                .unwrap();
            assert_eq!(db.audit_log_rows().await.unwrap(), after + 11, "{url}");
            scratch.finish().await;
        }
    }
}
