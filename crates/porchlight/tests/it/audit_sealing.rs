//! Audit rows without a global lock (issue 13): reads append their rows in groups and a sealer
//! chains them in the background. Concurrent reads each leave their row and the chain holds
//! once sealed; a server killed in the middle of reads has recorded every read it answered.

use std::{
    collections::HashSet,
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use crate::{
    fixtures::{enrolled_patient, front_desk, import_patients},
    harness::{TEST_SECRET_KEY, TestApp, each_backend},
};

/// Lucia, enrolled and signed in on the returned browser.
async fn lucia_signed_in(app: &TestApp) -> reqwest::Client {
    let org = front_desk(app).await;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await
}

/// The request ids of the reads of Lucia's record that were audited, sealed or not.
async fn audited_reads(app: &TestApp) -> HashSet<String> {
    app.db
        .audit_origins("patient.home")
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, request_id)| request_id)
        .collect()
}

/// Asks the app's own sealer, and waits, until no audit row waits to be sealed.
async fn sealed(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let unsealed = app.db.unsealed_audit().await.unwrap();
        if unsealed.rows == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server's sealer left {} rows unsealed for 20 s",
            unsealed.rows
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `porchlight serve` as its own process on the test's database, answering on `port`.
fn serve(app: &TestApp, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_porchlight"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORCHLIGHT_DATABASE_URL", app.database_url())
        .env("PORCHLIGHT_SECRET_KEY", TEST_SECRET_KEY)
        .env("PORCHLIGHT_BIND", format!("127.0.0.1:{port}"))
        .env("PORCHLIGHT_BASE_URL", format!("http://127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "porchlight serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

each_backend! {
    async fn concurrent_reads_each_leave_their_audit_row_and_the_chain_verifies_once_sealed(app) {
        let lucia = lucia_signed_in(&app).await;
        let before = audited_reads(&app).await;
        let mark = app.db.audit_head().await.unwrap();

        let reads: Vec<_> = (0..64).map(|_| {
            let lucia = lucia.clone();
            let url = app.url("/api/v1/me");
            tokio::spawn(async move {
                let answer = lucia.get(url).send().await.unwrap();
                assert_eq!(answer.status(), StatusCode::OK);
                answer.headers()["x-request-id"].to_str().unwrap().to_owned()
            })
        }).collect();
        let mut answered = HashSet::new();
        for read in reads {
            answered.insert(read.await.unwrap());
        }
        assert_eq!(answered.len(), 64, "each read has its own request id");

        // Each answered read is recorded once, as Lucia's, before its answer was sent.
        let new: Vec<_> = app.db.audit_since(mark).await.unwrap();
        let reads_of_lucia = new.iter().filter(|row| row.action == "patient.home").count();
        assert_eq!(reads_of_lucia, 64, "{new:?}");
        let recorded: HashSet<String> = audited_reads(&app).await.difference(&before).cloned().collect();
        assert_eq!(recorded, answered);

        // The server's sealer chains them; the chain verifies, with nothing left waiting.
        sealed(&app).await;
        let key = storage::AuditKey::derive(&domain::SecretKey::parse(TEST_SECRET_KEY).unwrap());
        let check = app.db.check_audit_chain(&key, None).await.unwrap();
        assert_eq!(check.broken, None);
        let head = check.head.unwrap();
        assert!(head.seq >= 64, "{head:?}");
        // Sealing moves rows, loses none (the worker may have added some of its own since).
        let after: HashSet<i64> = app.db.audit_since(mark).await.unwrap().iter().map(|row| row.entry).collect();
        assert!(new.iter().all(|row| after.contains(&row.entry)), "{new:?}");
    }

    async fn a_server_killed_during_reads_has_recorded_every_read_it_answered(app) {
        let lucia = lucia_signed_in(&app).await;
        let before = audited_reads(&app).await;
        let port = free_port();
        let mut server = serve(&app, port);
        let url = format!("http://127.0.0.1:{port}/api/v1/me");

        // Readers read without pause; the server is killed (SIGKILL, no shutdown) once a few
        // hundred reads were answered, while others are in flight.
        let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let readers: Vec<_> = (0..16)
            .map(|_| {
                let (lucia, url, answered) = (lucia.clone(), url.clone(), answered.clone());
                tokio::spawn(async move {
                    while let Ok(answer) = lucia.get(&url).send().await {
                        if answer.status() != StatusCode::OK {
                            continue;
                        }
                        let id = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
                        // Only a whole answer counts as answered.
                        if answer.bytes().await.is_ok() {
                            answered.lock().unwrap().push(id);
                        }
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        while answered.lock().unwrap().len() < 300 {
            assert!(Instant::now() < deadline, "the server answered too few reads");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill().unwrap();
        server.wait().unwrap();
        for reader in readers {
            reader.await.unwrap();
        }

        let answered: HashSet<String> = answered.lock().unwrap().iter().cloned().collect();
        let recorded = audited_reads(&app).await;
        let missing: Vec<_> = answered.difference(&recorded).collect();
        assert!(missing.is_empty(), "{} of {} answered reads have no audit row: {missing:?}", missing.len(), answered.len());
        assert!(recorded.difference(&before).count() >= answered.len());

        // What the killed server left unsealed, the running one seals; the chain holds.
        sealed(&app).await;
        let key = storage::AuditKey::derive(&domain::SecretKey::parse(TEST_SECRET_KEY).unwrap());
        let check = app.db.check_audit_chain(&key, None).await.unwrap();
        assert_eq!(check.broken, None);
    }
}
