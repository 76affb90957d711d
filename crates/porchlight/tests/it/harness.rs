//! Starting the application for a test, on a fresh database of the chosen backend.

use std::{path::PathBuf, time::Duration};

use porchlight::{
    server::{self, RunningServer},
    settings::{RawSettings, Settings},
};
use storage::Database;

use crate::maildev::{Maildev, maildev};

/// The key every test app uses; tests that hash SSN digits need to know it.
pub const TEST_SECRET_KEY: &str = "integration-tests-secret-key-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running application with its own database.
pub struct TestApp {
    pub base_url: String,
    pub db: Database,
    pub settings: Settings,
    pub client: reqwest::Client,
    /// The SMTP sink the app sends to (shared by the process's tests: use your own addresses).
    pub mail: &'static Maildev,
    server: Option<RunningServer>,
    database: TestDatabase,
}

impl TestApp {
    /// The app, sending its emails to the process's maildev.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with settings adjusted by `configure` (those set in code,
    /// such as the bot check's wait).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        // Emails go out within a moment of the change that queues them.
        Self::start(backend, true, Duration::from_millis(100), configure).await
    }

    /// The app served as `http://localhost:PORT` (passkeys need a domain name; browsers
    /// refuse them on a bare IP address).
    pub async fn spawn_for_passkeys(backend: Backend) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        Self::spawn_with(backend, |settings| {
            settings.bind = format!("127.0.0.1:{port}").parse().expect("an address");
            settings.base_url = format!("http://localhost:{port}");
        })
        .await
    }

    /// The app without an SMTP server: it keeps its emails in the mailbox table.
    pub async fn spawn_keeping_mail(backend: Backend) -> Self {
        Self::start(backend, false, Duration::from_millis(100), |_| {}).await
    }

    /// The app whose jobs worker looks for work only as it starts: the test runs the jobs
    /// (with [`porchlight::jobs::Worker::run_due`]) when it wants them run.
    pub async fn spawn_with_idle_worker(backend: Backend) -> Self {
        Self::start(backend, true, Duration::from_secs(3600), |_| {}).await
    }

    /// The app on the SQLite database file `path`, in a folder the test prepared (a small
    /// filesystem of its own, say) and removes.
    pub async fn spawn_on_sqlite_file(path: &std::path::Path) -> Self {
        let database = TestDatabase {
            url: format!("sqlite://{}", path.display()),
            _dir: None,
            postgres: None,
        };
        Self::start_on(database, true, Duration::from_millis(100), |_| {}).await
    }

    async fn start(
        backend: Backend,
        smtp: bool,
        jobs_poll: Duration,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let database = TestDatabase::create(backend).await;
        Self::start_on(database, smtp, jobs_poll, configure).await
    }

    async fn start_on(
        database: TestDatabase,
        smtp: bool,
        jobs_poll: Duration,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let mail = maildev().await;
        let mut settings = RawSettings {
            database_url: Some(database.url.clone()),
            bind: Some("127.0.0.1:0".to_owned()),
            secret_key: Some(TEST_SECRET_KEY.to_owned()),
            smtp_url: smtp.then(|| mail.smtp_url()),
            ..RawSettings::default()
        }
        .validate()
        .expect("test settings are valid");
        settings.jobs_poll = jobs_poll;
        // A delivery that fails while the machine is busy (the SMTP sink is shared by every
        // test) is tried again within the tests' patience, not after the production 30 s.
        settings.jobs_first_retry = jiff::SignedDuration::from_secs(1);
        configure(&mut settings);
        let db = porchlight::open_database(&settings)
            .await
            .expect("the test database opens and migrates");
        let server = server::start(&settings, db.clone())
            .await
            .expect("the server starts");
        let base_url = format!("http://{}", server.addr);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        Self {
            base_url,
            db,
            settings,
            client,
            mail,
            server: Some(server),
            database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request succeeds")
    }

    /// The database URL, for running the binary against the same database.
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("the server stops cleanly");
        }
        self.db.close().await;
    }
}

/// A database that exists for one test: a temporary SQLite file, or a new PostgreSQL
/// database that is dropped afterwards.
struct TestDatabase {
    url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("porchlight.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("PORCHLIGHT_TEST_POSTGRES_URL")
                    .expect("PORCHLIGHT_TEST_POSTGRES_URL is set for PostgreSQL tests");
                let name = format!("porchlight_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("PostgreSQL at PORCHLIGHT_TEST_POSTGRES_URL answers");
                admin
                    .execute_admin(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await;
                let url = replace_database(&admin_url, &name);
                Self {
                    url,
                    _dir: None,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async: a short-lived runtime on its own thread removes the database.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await;
                }
            });
            Ok::<_, std::io::Error>(())
        })
        .join();
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// The shared Synthea patients beside the project (`../shared/data/synthea-r4`, or
/// `PORCHLIGHT_TEST_SYNTHEA_DIR` when the tests were built), as `build.rs` found them. Tests
/// that read them are declared with `each_backend!(needs synthea; ...)`, so that they show as
/// ignored without it.
pub fn synthea_dir() -> PathBuf {
    match option_env!("PORCHLIGHT_SYNTHEA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => panic!("the Synthea data is switched off (PORCHLIGHT_TEST_SYNTHEA_DIR is empty)"),
    }
}

/// `count` generated patients (the project's own generator, fixed seed) as FHIR bundles, one
/// file each (`patient-000001.json`, ...), in a temporary folder: for tests that need bundles
/// but not the Synthea ones. Also answers the patients, for what the bundles hold.
pub fn generated_bundles(count: u64) -> (tempfile::TempDir, Vec<demo::DemoPatient>) {
    let dir = tempfile::tempdir().unwrap();
    let today = jiff::Zoned::now().date();
    demo::write_bundles(dir.path(), GENERATOR_SEED, today, count).unwrap();
    let patients = demo::Generator::new(GENERATOR_SEED, today)
        .patients(0..count)
        .collect();
    (dir, patients)
}

const GENERATOR_SEED: u64 = 11;

/// Declares tests that run once per backend: `mod sqlite` and `mod postgres`. The app starts
/// with `TestApp::spawn`; a test may adjust the settings after its app's name
/// (`async fn t(app, |s: &mut Settings| ...) {}`), or all tests may start with another
/// constructor named first (`each_backend!(with spawn_keeping_mail; ...)`). Tests that read the
/// shared Synthea data are declared after `needs synthea;`: without it they show as ignored.
macro_rules! each_backend {
    (with $spawn:ident; $(async fn $name:ident($app:ident) $body:block)*) => {
        $crate::harness::each_backend!(@emit [any(), ""] $( $name $app [$crate::harness::TestApp::$spawn] $body )*);
    };
    (needs synthea; $($tests:tt)*) => {
        $crate::harness::each_backend!(@spawn [
            not(porchlight_synthea),
            "Synthea tests skipped: ../shared/data/synthea-r4 (or PORCHLIGHT_TEST_SYNTHEA_DIR) is missing"
        ] $($tests)*);
    };
    // `$skip`: a cfg under which every test is ignored with `$why` (`any()`: never).
    (@emit [$skip:meta, $why:literal] $( $name:ident $app:ident [$make:expr] $body:block )*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr($skip, ignore = $why)]
                async fn $name() {
                    let $app = ($make)($crate::harness::Backend::Sqlite).await;
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(porchlight_pg), ignore = "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set")]
                #[cfg_attr(all(porchlight_pg, $skip), ignore = $why)]
                async fn $name() {
                    let $app = ($make)($crate::harness::Backend::Postgres).await;
                    $body
                }
            )*
        }
    };
    (@spawn [$skip:meta, $why:literal] $(async fn $name:ident($app:ident $(, $configure:expr)?) $body:block)*) => {
        $crate::harness::each_backend!(@emit [$skip, $why] $(
            $name $app [async |backend| {
                $crate::harness::TestApp::spawn_with(
                    backend,
                    |_settings: &mut porchlight::settings::Settings| { $( ($configure)(_settings); )? },
                ).await
            }] $body
        )*);
    };
    ($($tests:tt)*) => {
        $crate::harness::each_backend!(@spawn [any(), ""] $($tests)*);
    };
}
pub(crate) use each_backend;

#[test]
fn replaces_the_database_in_a_url() {
    assert_eq!(
        replace_database(
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
            "t1"
        ),
        "postgres://postgres@127.0.0.1:5432/t1?sslmode=disable"
    );
    assert_eq!(
        replace_database("postgres://u@h", "t2"),
        "postgres://u@h/t2"
    );
}
