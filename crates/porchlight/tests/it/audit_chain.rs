//! The keyed audit chain through `porchlight audit verify`: the head it prints, rows removed
//! from the middle or cut from the end (issue 12), and the head published in `/metrics`.

use std::process::{Command, Output, Stdio};

use crate::harness::{TEST_SECRET_KEY, TestApp, each_backend, generated_bundles};

fn porchlight(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_porchlight"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORCHLIGHT_DATABASE_URL", app.database_url())
        .env("PORCHLIGHT_SECRET_KEY", TEST_SECRET_KEY)
        .stdin(Stdio::null());
    command
}

fn verify(app: &TestApp, extra: &[&str]) -> Output {
    porchlight(app)
        .args(["audit", "verify"])
        .args(extra)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `SEQ:MAC` from "audit log intact: N rows; head SEQ:MAC (...)".
fn printed_head(output: &Output) -> String {
    let stdout = text(&output.stdout);
    stdout
        .split_once("; head ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no head in: {stdout}"))
        .to_owned()
}

/// Imports a few patients (audited as the system).
async fn some_audit_rows(app: &TestApp) {
    let (dir, _) = generated_bundles(2);
    let import = porchlight(app)
        .arg("import")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", text(&import.stderr));
}

/// Someone with write access to the database gets past the append-only triggers.
async fn unguard(app: &TestApp) {
    let sql = match app.db.backend() {
        storage::Backend::Sqlite => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        storage::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;",
    };
    app.db.execute_admin(sql).await.unwrap();
}

each_backend! {
    async fn verify_prints_the_head_and_catches_rows_cut_from_the_end(app) {
        some_audit_rows(&app).await;
        let intact = verify(&app, &[]);
        assert!(intact.status.success(), "{}\n{}", text(&intact.stdout), text(&intact.stderr));
        let head = printed_head(&intact);
        let stored = app.db.audit_chain_head().await.unwrap().unwrap();
        assert_eq!(head, stored.to_string());
        assert!(text(&intact.stdout).contains(&format!("--expect-head {head}")), "{}", text(&intact.stdout));

        let same = verify(&app, &["--expect-head", &head]);
        assert!(same.status.success(), "{}", text(&same.stdout));
        assert!(text(&same.stdout).contains(&format!("the head recorded earlier (row {}) is still in place", stored.seq)));

        // The newest row is cut: the chain alone still holds, the recorded head does not.
        unguard(&app).await;
        app.db.execute_admin(&format!("DELETE FROM audit_log WHERE seq = {}", stored.seq)).await.unwrap();
        let alone = verify(&app, &[]);
        assert!(alone.status.success(), "{}", text(&alone.stdout));
        assert_ne!(printed_head(&alone), head);
        let cut = verify(&app, &["--expect-head", &head]);
        assert_eq!(cut.status.code(), Some(1), "{}", text(&cut.stdout));
        let expected = format!(
            "audit log BROKEN at row {}: it was recorded as the head earlier, but the log ends at row {} (rows were cut from the end)",
            stored.seq,
            stored.seq - 1
        );
        assert!(text(&cut.stdout).starts_with(&expected), "{}", text(&cut.stdout));
    }

    async fn verify_names_a_removed_middle_row(app) {
        some_audit_rows(&app).await;
        assert!(app.db.audit_head().await.unwrap() >= 3);
        unguard(&app).await;
        app.db.execute_admin("DELETE FROM audit_log WHERE seq = 2").await.unwrap();
        let removed = verify(&app, &[]);
        assert_eq!(removed.status.code(), Some(1));
        assert!(
            text(&removed.stdout).starts_with("audit log BROKEN at row 3: row 2 before it is missing (rows were removed)"),
            "{}",
            text(&removed.stdout)
        );
    }

    async fn verify_refuses_a_malformed_head_with_a_clear_error(app) {
        let refused = verify(&app, &["--expect-head", "12"]);
        assert_eq!(refused.status.code(), Some(2));
        let stderr = text(&refused.stderr);
        assert!(stderr.contains("expected SEQ:MAC"), "{stderr}");
        let short = verify(&app, &["--expect-head", "12:abc"]);
        assert!(text(&short.stderr).contains("the MAC must be 12 to 64 hex digits"), "{}", text(&short.stderr));
    }

    async fn verify_with_another_secret_key_finds_no_row_sealed_under_it(app) {
        some_audit_rows(&app).await;
        let other = porchlight(&app)
            .env("PORCHLIGHT_SECRET_KEY", "not-the-portal-s-key-0123456789-abcdef")
            .args(["audit", "verify"])
            .output()
            .unwrap();
        assert_eq!(other.status.code(), Some(1));
        assert!(
            text(&other.stdout).starts_with("audit log BROKEN at row 1: its content does not match its MAC"),
            "{}",
            text(&other.stdout)
        );
    }

    async fn metrics_and_the_worker_publish_the_head_once_per_period(app) {
        some_audit_rows(&app).await;
        let head = app.db.audit_chain_head().await.unwrap().unwrap();
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(metrics.contains(&format!("\nporchlight_audit_head_seq {}\n", head.seq)), "{metrics}");
        let prefix = u64::from_str_radix(&head.mac[..12], 16).unwrap();
        assert!(metrics.contains(&format!("\nporchlight_audit_head_mac_prefix {prefix}\n")), "{metrics}");

        // Two instances' workers on one database: one publishes per period. (Times an hour
        // ahead: the app's own worker already took the present period as it started.)
        let worker = || porchlight::jobs::Worker {
            db: app.db.clone(),
            outbox: mail::Outbox::smtp(&app.mail.smtp_url(), &app.settings.mail_from).unwrap(),
            base_url: app.base_url.clone(),
            config: porchlight::jobs::WorkerConfig::polling_every(std::time::Duration::from_secs(1)),
        };
        let (one, other) = (worker(), worker());
        let at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
        let first = one.run_upkeep(at).await.unwrap();
        assert_eq!(first.audit_head, Some(head.clone()));
        assert!(first.retention.is_some());
        let second = other.run_upkeep(at).await.unwrap();
        assert_eq!((second.audit_head, second.retention), (None, None));
        let ten_minutes_on = other.run_upkeep(at + jiff::SignedDuration::from_mins(11)).await.unwrap();
        assert_eq!(ten_minutes_on.audit_head, Some(head));
        assert_eq!(ten_minutes_on.retention, None, "retention runs hourly");
        let an_hour_on = one.run_upkeep(at + jiff::SignedDuration::from_mins(61)).await.unwrap();
        assert!(an_hour_on.retention.is_some());
    }
}
