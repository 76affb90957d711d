//! When the database fails (issue 12): a full disk under SQLite, PostgreSQL refusing
//! connections. Visitors get the trouble page (503, try again in a few minutes) and never a
//! wrong statement about their session; `/readyz` says so; and the server recovers by itself
//! once the database does, without a restart.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use reqwest::{StatusCode, header};
use storage::Database;

use crate::{
    fixtures::{PATIENT_PASSWORD, enrolled_patient, front_desk, import_patients, patient_browser},
    harness::{Backend, TestApp, each_backend},
};

const TROUBLE_EN: &str = "We are having trouble";
const TROUBLE_ES: &str = "Estamos teniendo problemas";

/// The clinic, its front desk signed in on `app.client`, and Lucia enrolled: her browser,
/// signed in.
async fn lucia_signed_in(app: &TestApp) -> reqwest::Client {
    let org = front_desk(app).await;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await
}

async fn sign_in(app: &TestApp, browser: &reqwest::Client) -> reqwest::Response {
    browser
        .post(app.url("/sign-in"))
        .form(&[
            ("organization", "maple"),
            ("username", "lucia.r"),
            ("password", PATIENT_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
}

async fn get(browser: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    browser.get(app.url(path)).send().await.unwrap()
}

/// Checks that `response` is the trouble page in `heading`'s language (503, when to try
/// again, not kept by the browser, the portal's layout), and answers its text.
async fn assert_trouble_page(response: reqwest::Response, heading: &str, what: &str) -> String {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert!(
        response.headers().contains_key(header::RETRY_AFTER),
        "{what}: Retry-After"
    );
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "no-store",
        "{what}"
    );
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{what}"
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!("<h1>{heading}</h1>")),
        "{what}: {page}"
    );
    assert!(
        page.contains("/static/portal.css"),
        "{what}: the portal's layout"
    );
    assert!(
        !page.contains("Sign in</h1>"),
        "{what}: not the sign-in page"
    );
    page
}

/// Checks that `response` is the API's error for trouble on our side: 503 in the API's one
/// error shape, with when to try again.
async fn assert_api_trouble(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert!(
        response.headers().contains_key(header::RETRY_AFTER),
        "{what}: Retry-After"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "server_error", "{what}: {body}");
    assert_eq!(
        body["error"], "We are having trouble. Please try again in a few minutes.",
        "{what}: {body}"
    );
}

each_backend! {
    // With the database gone, a signed-in patient (pages and API) and a signed-in staff
    // member are told of trouble, not sent to sign in as if their sessions had ended.
    async fn a_session_that_cannot_be_read_is_trouble_not_signed_out(app) {
        let lucia = lucia_signed_in(&app).await;
        assert_eq!(get(&lucia, &app, "/home").await.status(), StatusCode::OK);
        assert_eq!(get(&lucia, &app, "/api/v1/me").await.status(), StatusCode::OK);
        assert_eq!(get(&app.client, &app, "/staff").await.status(), StatusCode::OK);

        app.db.close().await;

        let page = assert_trouble_page(get(&lucia, &app, "/home").await, TROUBLE_EN, "/home").await;
        assert!(page.contains("Please try again in a few minutes."), "{page}");
        assert!(page.contains("href=\"/home\""), "a link to try again: {page}");
        let spanish = lucia
            .get(app.url("/home"))
            .header(header::ACCEPT_LANGUAGE, "es-MX,es;q=0.9")
            .send()
            .await
            .unwrap();
        let page = assert_trouble_page(spanish, TROUBLE_ES, "/home in Spanish").await;
        assert!(page.contains("<html lang=\"es\">"), "{page}");
        assert!(page.contains("inténtelo de nuevo en unos minutos"), "{page}");
        assert_api_trouble(get(&lucia, &app, "/api/v1/me").await, "GET /api/v1/me").await;
        assert_trouble_page(get(&app.client, &app, "/staff").await, TROUBLE_EN, "/staff").await;
        assert_api_trouble(
            get(&app.client, &app, "/api/v1/review-items").await,
            "a staff API call",
        )
        .await;
        // A page that only offers sign-in to those signed out cannot tell either.
        assert_trouble_page(get(&lucia, &app, "/welcome").await, TROUBLE_EN, "/welcome").await;
        assert_eq!(get(&app.client, &app, "/readyz").await.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(get(&app.client, &app, "/healthz").await.status(), StatusCode::OK);
    }
}

/// The PostgreSQL database of `app` stops taking connections (those open are ended), as in
/// an outage; [`refuse_connections`] with `false` lets them in again.
async fn refuse_connections(app: &TestApp, refuse: bool) {
    let admin_url = std::env::var("PORCHLIGHT_TEST_POSTGRES_URL").unwrap();
    let name = app
        .database_url()
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .unwrap()
        .to_owned();
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_admin(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS {}",
            !refuse
        ))
        .await
        .unwrap();
    if refuse {
        admin
            .execute_admin(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ))
            .await
            .unwrap();
    }
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_pg),
    ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
)]
async fn postgres_refusing_connections_is_trouble_and_the_portal_comes_back() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let lucia = lucia_signed_in(&app).await;
    assert_eq!(get(&lucia, &app, "/home").await.status(), StatusCode::OK);

    refuse_connections(&app, true).await;
    assert_trouble_page(get(&lucia, &app, "/home").await, TROUBLE_EN, "/home").await;
    let spanish = lucia
        .get(app.url("/home"))
        .header(header::ACCEPT_LANGUAGE, "es")
        .send()
        .await
        .unwrap();
    assert_trouble_page(spanish, TROUBLE_ES, "/home in Spanish").await;
    assert_api_trouble(get(&lucia, &app, "/api/v1/me").await, "GET /api/v1/me").await;
    assert_trouble_page(get(&app.client, &app, "/staff").await, TROUBLE_EN, "/staff").await;
    assert_eq!(
        get(&app.client, &app, "/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    refuse_connections(&app, false).await;
    assert_eq!(
        get(&app.client, &app, "/readyz").await.status(),
        StatusCode::OK
    );
    let home = get(&lucia, &app, "/home").await;
    assert_eq!(home.status(), StatusCode::OK, "still signed in");
    assert!(home.text().await.unwrap().contains("Lucia"));
    assert_eq!(
        get(&lucia, &app, "/api/v1/me").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&app.client, &app, "/staff").await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

/// A small filesystem of its own (tmpfs), mounted on a temporary folder for the test's
/// SQLite database; unmounted when dropped, even when the test fails.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            mounted.success(),
            "mount a tmpfs on {}",
            dir.path().display()
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file named `name` until the disk is full; answers its path.
    fn fill(&self, name: &str) -> PathBuf {
        let path = self.path().join(name);
        let mut filler = std::fs::File::create(&path).unwrap();
        let chunk = vec![0x5a_u8; 64 * 1024];
        loop {
            match filler.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::StorageFull => break,
                Err(error) => panic!("filling the disk: {error}"),
            }
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: the app may still hold its database open when a failed test unwinds.
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

/// Whether `/readyz` says "not ready" while the disk stays full. The server's own writes go on
/// in the background (a checkpoint may start the log over in the room it had), so the room
/// given back meanwhile is filled again before asking once more, a few times at most.
async fn not_ready_while_full(disk: &SmallDisk, app: &TestApp, fillers: &mut Vec<PathBuf>) -> bool {
    for attempt in 0..5 {
        if get(&app.client, app, "/readyz").await.status() == StatusCode::SERVICE_UNAVAILABLE {
            return true;
        }
        eprintln!("refill {attempt}: the server's own writes gave back room");
        let _ = app
            .db
            .execute_admin("PRAGMA wal_checkpoint(TRUNCATE)")
            .await;
        fillers.push(disk.fill(&format!("refill-{attempt}")));
    }
    false
}

/// The answer to a sign-in with the right password during the episode: in, or the trouble
/// page (before issue 12 the throttle said "Too many attempts"). Answers whether it failed.
async fn signed_in_or_failed(response: reqwest::Response) -> bool {
    match response.status() {
        StatusCode::SEE_OTHER => {
            assert_eq!(response.headers()[header::LOCATION], "/home");
            false
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            assert_trouble_page(response, TROUBLE_EN, "a sign-in on a full disk").await;
            true
        }
        // Never a wrong word about the password ("Too many attempts", "wrong password").
        status => panic!(
            "a right password on a full disk: {status} {}",
            response.text().await.unwrap_or_default()
        ),
    }
}

/// Fills `disk` until the app's database can write nothing; answers the files that fill it.
/// The write-ahead log is emptied first (as after a checkpoint), so that the next write must
/// grow a file. The server writes in the background too (it seals audit rows, runs jobs,
/// checkpoints): when one of its writes slipped in between and a checkpoint let SQLite start
/// the log over in the room it had, a small write still fits; the log is emptied again and
/// the room it left filled, until a write fails as the patients' will.
async fn fill_until_writes_fail(disk: &SmallDisk, app: &TestApp) -> Vec<PathBuf> {
    app.db.seal_all_audit().await.unwrap();
    let mut fillers = Vec::new();
    for attempt in 0..20 {
        // On a full disk the log may not empty (a checkpoint that must grow the database
        // file fails): the write below tells.
        let emptied = app
            .db
            .execute_admin("PRAGMA wal_checkpoint(TRUNCATE)")
            .await;
        fillers.push(disk.fill(&format!("filler-{attempt}")));
        if app.db.probe_writes().await.is_err() {
            return fillers;
        }
        eprintln!("attempt {attempt}: a write still fit on the full disk ({emptied:?})");
    }
    panic!("writes still succeed on a disk filled 20 times");
}

/// The outside test's disk-full episode: SQLite's disk fills while patients sign in and read
/// their home page, then space comes back. During it, failures are the trouble page and
/// `/readyz` fails; after it, everything works again without a restart (before the fix,
/// every connection whose COMMIT had failed refused every later transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_tmpfs),
    ignore = "disk-full test skipped: mounting a small filesystem needs root on Linux"
)]
async fn sqlite_recovers_by_itself_after_a_full_disk() {
    let disk = SmallDisk::mount("32m");
    let app = TestApp::spawn_on_sqlite_file(&disk.path().join("porchlight.db")).await;
    let lucia = lucia_signed_in(&app).await;
    assert_eq!(get(&lucia, &app, "/home").await.status(), StatusCode::OK);
    assert_eq!(
        get(&app.client, &app, "/readyz").await.status(),
        StatusCode::OK
    );

    let mut fillers = fill_until_writes_fail(&disk, &app).await;

    assert_eq!(
        get(&app.client, &app, "/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready while writes fail"
    );
    let mut troubles = 0;
    for _ in 0..8 {
        let home = get(&lucia, &app, "/home").await;
        if home.status() == StatusCode::OK {
            assert!(home.text().await.unwrap().contains("Lucia"));
        } else {
            assert_trouble_page(home, TROUBLE_EN, "/home on a full disk").await;
            troubles += 1;
        }
        let me = get(&lucia, &app, "/api/v1/me").await;
        if me.status() != StatusCode::OK {
            assert_api_trouble(me, "GET /api/v1/me on a full disk").await;
            troubles += 1;
        }
        if signed_in_or_failed(sign_in(&app, &patient_browser()).await).await {
            troubles += 1;
        }
    }
    assert!(troubles > 0, "the full disk showed");
    assert!(
        not_ready_while_full(&disk, &app, &mut fillers).await,
        "not ready while writes fail"
    );

    for filler in fillers {
        std::fs::remove_file(filler).unwrap();
    }

    assert_eq!(
        get(&app.client, &app, "/readyz").await.status(),
        StatusCode::OK
    );
    // Every connection of the pool gets its turn: none is left refusing transactions.
    for round in 0..12 {
        let phone = patient_browser();
        let signed_in = sign_in(&app, &phone).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "sign-in {round}");
        assert_eq!(signed_in.headers()[header::LOCATION], "/home");
        let home = get(&phone, &app, "/home").await;
        assert_eq!(home.status(), StatusCode::OK, "/home {round}");
        assert_eq!(get(&lucia, &app, "/home").await.status(), StatusCode::OK);
        assert_eq!(
            get(&lucia, &app, "/api/v1/me").await.status(),
            StatusCode::OK
        );
        assert_eq!(
            get(&app.client, &app, "/readyz").await.status(),
            StatusCode::OK
        );
    }
    app.stop().await;
}
