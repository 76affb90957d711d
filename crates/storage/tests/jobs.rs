//! The jobs table on both backends: concurrent claimers never share a job, leases end,
//! failures back off, and finished jobs keep no payload.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use storage::{Backoff, Database, FailOutcome, Failure};

/// A fresh, migrated database of one backend, removed afterwards.
struct Fresh {
    db: Database,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl Fresh {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("jobs.db").display());
        let db = Database::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        Self {
            db,
            _dir: Some(dir),
            postgres: None,
        }
    }

    async fn postgres() -> Self {
        let admin_url = std::env::var("PORCHLIGHT_TEST_POSTGRES_URL").unwrap();
        let name = format!("porchlight_jobs_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_admin(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await;
        let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
        let base = base.rsplit_once('/').map_or(base, |(host, _)| host);
        let url = if query.is_empty() {
            format!("{base}/{name}")
        } else {
            format!("{base}/{name}?{query}")
        };
        let db = Database::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        Self {
            db,
            _dir: None,
            postgres: Some((admin_url, name)),
        }
    }

    async fn finish(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = &self.postgres {
            let admin = Database::connect(admin_url).await.unwrap();
            admin
                .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            admin.close().await;
        }
    }
}

async fn enqueue(db: &Database, count: usize, kind: &str) {
    let mut tx = db.begin().await.unwrap();
    for n in 0..count {
        tx.enqueue_job(kind, &format!("{{\"n\":{n}}}"), Timestamp::now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn concurrent_claimers_never_share_a_job(db: &Database) {
    enqueue(db, 120, "test.race").await;
    let claimer = |db: Database| async move {
        let mut mine = Vec::new();
        loop {
            let batch = db
                .claim_jobs(7, SignedDuration::from_mins(5))
                .await
                .unwrap();
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|job| job.id));
            tokio::task::yield_now().await;
        }
    };
    let handles: Vec<_> = (0..4).map(|_| tokio::spawn(claimer(db.clone()))).collect();
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 120, "every job claimed once");
    assert_eq!(distinct.len(), 120, "no job claimed twice");
    let jobs = db.jobs_of_kind("test.race").await.unwrap();
    assert!(
        jobs.iter()
            .all(|job| job.status == "running" && job.attempts == 1)
    );
}

async fn leases_end_failures_back_off_and_done_jobs_keep_no_payload(db: &Database) {
    enqueue(db, 1, "test.life").await;
    // A claimer that dies leaves its lease to run out; the job is then claimed again.
    let first = db.claim_jobs(10, SignedDuration::ZERO).await.unwrap();
    assert_eq!(first.len(), 1);
    let again = db
        .claim_jobs(10, SignedDuration::from_mins(5))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (first[0].id, 2));
    assert!(
        db.claim_jobs(10, SignedDuration::from_mins(5))
            .await
            .unwrap()
            .is_empty(),
        "a live lease keeps the job"
    );

    let backoff = Backoff {
        max_attempts: 3,
        first_delay: SignedDuration::from_mins(1),
        longest_delay: SignedDuration::from_mins(10),
    };
    let job = &again[0];
    let outcome = db
        .fail_job(job, "smtp: transient 451", Failure::Transient, &backoff)
        .await
        .unwrap();
    let FailOutcome::RetryAt(at) = outcome else {
        panic!("the second failure is retried: {outcome:?}");
    };
    assert!(at > Timestamp::now() + SignedDuration::from_secs(100));
    let record = &db.jobs_of_kind("test.life").await.unwrap()[0];
    assert_eq!(record.status, "pending");
    assert_eq!(record.last_error.as_deref(), Some("smtp: transient 451"));
    assert!(
        db.claim_jobs(10, SignedDuration::from_mins(5))
            .await
            .unwrap()
            .is_empty(),
        "not before its time"
    );
    assert!(db.run_job_now(job.id).await.unwrap());
    let third = db
        .claim_jobs(10, SignedDuration::from_mins(5))
        .await
        .unwrap();
    assert_eq!(third[0].attempts, 3);
    assert_eq!(
        db.fail_job(
            &third[0],
            "smtp: transient 451",
            Failure::Transient,
            &backoff
        )
        .await
        .unwrap(),
        FailOutcome::Failed,
        "the last try"
    );
    let record = &db.jobs_of_kind("test.life").await.unwrap()[0];
    assert_eq!(
        (record.status.as_str(), record.payload.as_str()),
        ("failed", "")
    );

    enqueue(db, 1, "test.done").await;
    let done = db
        .claim_jobs(10, SignedDuration::from_mins(5))
        .await
        .unwrap();
    assert_eq!(done[0].payload, "{\"n\":0}");
    db.complete_job(&done[0]).await.unwrap();
    let record = &db.jobs_of_kind("test.done").await.unwrap()[0];
    assert_eq!(
        (record.status.as_str(), record.payload.as_str()),
        ("done", "")
    );
}

async fn a_permanent_failure_is_not_retried(db: &Database) {
    enqueue(db, 1, "test.permanent").await;
    let job = db
        .claim_jobs(1, SignedDuration::from_mins(5))
        .await
        .unwrap()
        .remove(0);
    let outcome = db
        .fail_job(
            &job,
            "smtp: permanent 550",
            Failure::Permanent,
            &Backoff::default(),
        )
        .await
        .unwrap();
    assert_eq!(outcome, FailOutcome::Failed);
}

macro_rules! each_backend {
    ($($name:ident),*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fresh = super::Fresh::sqlite().await;
                    super::$name(&fresh.db).await;
                    fresh.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                #[cfg_attr(not(porchlight_pg), ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set")]
                async fn $name() {
                    let fresh = super::Fresh::postgres().await;
                    super::$name(&fresh.db).await;
                    fresh.finish().await;
                }
            )*
        }
    };
}

each_backend!(
    concurrent_claimers_never_share_a_job,
    leases_end_failures_back_off_and_done_jobs_keep_no_payload,
    a_permanent_failure_is_not_retried
);
